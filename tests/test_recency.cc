// Recency (issue 16): half-life parsing, the decay, the exact rerank proved against a
// brute-force blend over every match (undated and future articles, offsets, pages deep
// enough to make the rerank read more), refusals, and the same pages from one index,
// local shards and remote shards. More like this: `similar:ID` finds the near story
// first, never the article itself, combines with filters, names an unknown id, and is
// the same over shards and xapian-tcpsrv.
#include <catch2/catch.hpp>
#include <cmath>
#include <memory>
#include <nlohmann/json.hpp>
#include <regex>
#include <set>
#include <stdexcept>
#include <string>
#include <vector>

#include "recency.h"
#include "search.h"
#include "searcher_test_util.h"
#include "server_util.h"
#include "test_util.h"

namespace {

using nlohmann::json;
using oly::test::TempDir;
using oly::test::write_file;

// ---------------------------------------------------------------------------------------
// Parsing and decay.

struct HalfLifeCase {
  std::string text;
  double days;        // < 0: an error
  std::string error;  // part of the message when an error
};

const std::vector<HalfLifeCase> kHalfLives = {
    {"30d", 30, ""},
    {"1d", 1, ""},
    {"2w", 14, ""},
    {"12m", 365.2425, ""},
    {"1m", 365.2425 / 12, ""},
    {"1y", 365.2425, ""},
    {"7D", 7, ""},  // ASCII letters in either case, as relative dates
    {"0003y", 3 * 365.2425, ""},
    {"1000y", 1000 * 365.2425, ""},
    {"365242d", 365242, ""},
    {"", -1, "got ''"},
    {"d", -1, "a whole number then d, w, m or y"},
    {"30", -1, "a whole number then d, w, m or y"},
    {"0d", -1, "above 0"},
    {"-3d", -1, "got '-3d'"},
    {"+3d", -1, "got '+3d'"},
    {"1.5y", -1, "got '1.5y'"},
    {"3 d", -1, "got '3 d'"},
    {" 3d", -1, "got ' 3d'"},
    {"3d ", -1, "got '3d '"},
    {"3days", -1, "got '3days'"},
    {"3h", -1, "got '3h'"},
    {"3x", -1, "got '3x'"},
    {"1001y", -1, "at most 1000 years"},
    {"365243d", -1, "at most 1000 years"},
    {"99999999999999999999d", -1, "at most 1000 years"},
    {"\xef\xbc\x93"
     "d",
     -1, "a whole number"},               // a full-width 3
    {"3\xd0\xb4", -1, "a whole number"},  // Cyrillic d
    {"now", -1, "got 'now'"},
};

TEST_CASE("recency: half-lives are parsed, bad ones refused with the text quoted", "[recency]") {
  for (const HalfLifeCase& c : kHalfLives) {
    CAPTURE(c.text);
    if (c.days >= 0) {
      CHECK(oly::parse_half_life(c.text) == Approx(c.days).epsilon(1e-12));
    } else {
      try {
        oly::parse_half_life(c.text);
        FAIL("accepted");
      } catch (const std::invalid_argument& e) {
        CHECK_THAT(e.what(), Catch::Contains(c.error));
      }
    }
  }
}

struct DecayCase {
  double age;
  double half_life;
  double factor;
};

const std::vector<DecayCase> kDecays = {
    {0, 30, 1},
    {30, 30, 0.5},
    {60, 30, 0.25},
    {15, 30, std::sqrt(0.5)},
    {365, 365, 0.5},
    {-1, 30, 1},
    {-1000, 1, 1},              // future dates count as now
    {1, 1e6, 0.9999993068530},  // a long half-life hardly decays
    {20000, 1, 0},              // underflows to 0, never below
};

TEST_CASE("recency: the factor is 0.5^(age/half-life), 1 for future dates", "[recency]") {
  for (const DecayCase& c : kDecays) {
    CAPTURE(c.age, c.half_life);
    const double f = oly::recency_factor(c.age, c.half_life);
    CHECK(f == Approx(c.factor).epsilon(1e-9).margin(1e-300));
    CHECK(f <= 1);
    CHECK(f >= 0);
  }
}

TEST_CASE("recency: day numbers and the factor of a date slot", "[recency]") {
  CHECK(oly::day_number("19700101") == 0);
  CHECK(oly::day_number("1970-01-02") == 1);
  CHECK(oly::day_number("19691231") == -1);
  CHECK(oly::day_number("20000301").value() - oly::day_number("20000228").value() == 2);  // leap
  CHECK(oly::day_number("19000301").value() - oly::day_number("19000228").value() == 1);
  CHECK(oly::day_number("2024-08-10").value() - oly::day_number("20240710").value() == 31);
  for (const char* bad : {"", "2024", "202408", "2024-8-10", "2024081x", "20241301", "20240800"}) {
    CAPTURE(bad);
    CHECK_FALSE(oly::day_number(bad).has_value());
  }
  const std::int64_t today = *oly::day_number("2024-08-10");
  CHECK(oly::date_factor("20240711", today, 30) == Approx(0.5));
  CHECK(oly::date_factor("20250101", today, 30) == 1);  // after "now": as fresh as today
  CHECK(oly::date_factor("", today, 30) == 0);          // undated: after every dated match
}

// ---------------------------------------------------------------------------------------
// A fixture of our own: 260 articles about relays, dated 1996 to 2025 (some after the
// fixed today 2024-08-10), a few undated; the word repeats 1 to 5 times in bodies of
// varying length, so BM25 and dates disagree in many ways.

const char* const kToday = "2024-08-10";

std::string relay_articles() {
  std::string out;
  const char* const sources[] = {"Reuters", "AP", "AFP"};
  for (int i = 0; i < 260; ++i) {
    char id[16];
    std::snprintf(id, sizeof id, "r%03d", i);
    std::string body;
    for (int k = 0; k <= i % 5; ++k) body += "relay ";
    for (int k = 0; k < (i * 7) % 23; ++k) body += "stadium crowd ";
    if (i % 3 == 0) body += "baton exchange";
    json a = {{"id", id},
              {"title", "Race " + std::to_string(i)},
              {"body", body},
              {"source", sources[i % 3]}};
    if (i % 17 != 5) {                        // every 17th article undated
      const int year = 1996 + (i * 11) % 30;  // 1996..2025
      char date[16];
      std::snprintf(date, sizeof date, "%04d-%02d-%02d", year, 1 + (i * 5) % 12, 1 + (i * 3) % 28);
      a["date"] = date;
    }
    out += a.dump() + "\n";
  }
  return out;
}

struct RelayIndex {
  TempDir dir{"recency"};
  std::string path = dir / "idx";
  std::string sharded = dir / "sh";
  RelayIndex() {
    write_file(dir / "relay.jsonl", relay_articles());
    REQUIRE(oly::search_test::run_indexer(path, {dir / "relay.jsonl"}).code == 0);
  }
  void build_shards() {
    const std::string cmd = oly::search_test::shell_quote(OLY_INDEXER) +
                            " --progress never -q --shards 3 -d " +
                            oly::search_test::shell_quote(sharded) + " " +
                            oly::search_test::shell_quote(dir / "relay.jsonl");
    REQUIRE(oly::search_test::run_command(cmd).code == 0);
  }
};

struct Blended {
  double score;
  double relevance;
  std::string id;
  bool dated;
  double key;  // log(relevance) - age * ln 2 / half-life: never underflows
  double age;
};

// Every match by relevance, blended here with the same formula: the reference order.
// The order is the log-space key's, not the printed product's: with a short half-life
// over old dates the product underflows to 0 (1996 at 7 days is 2^-1400).
std::vector<Blended> brute_force(oly::Searcher& s, const std::string& query, double half_life) {
  oly::SearchRequest rq;
  rq.query = query;
  rq.today = kToday;
  rq.limit = 100000;
  rq.snippet.fragments = 0;
  const oly::SearchResult all = s.search(rq);
  REQUIRE(all.total_is_exact());
  REQUIRE(all.hits.size() == all.estimated);
  const std::int64_t today = *oly::day_number(kToday);
  std::vector<Blended> out;
  for (const oly::Hit& h : all.hits) {
    const std::optional<std::int64_t> day = oly::day_number(h.article.date);
    const double age = day ? std::max<double>(static_cast<double>(today - *day), 0) : 0;
    const double f = day ? std::exp2(-age / half_life) : 0;
    const double key = std::log(h.score) - age * std::log(2.0) / half_life;
    out.push_back({h.score * f, h.score, h.article.id, day.has_value(), key, age});
  }
  std::stable_sort(out.begin(), out.end(), [](const Blended& a, const Blended& b) {
    if (a.dated != b.dated) return a.dated;
    if (a.dated && a.key != b.key) return a.key > b.key;
    if (a.dated && a.age != b.age) return a.age < b.age;
    if (a.relevance != b.relevance) return a.relevance > b.relevance;
    return a.id < b.id;
  });
  return out;
}

std::size_t reranked_count(const std::string& understood) {
  std::smatch m;
  REQUIRE(std::regex_search(understood, m, std::regex(", (\\d+) matches reranked")));
  return std::stoul(m[1]);
}

TEST_CASE("recency: every page equals a brute-force blend over every match", "[recency]") {
  RelayIndex idx;
  oly::SearchOptions o;
  o.index_dir = idx.path;
  o.cached_results = 0;
  oly::Searcher s(o);
  struct Page {
    std::size_t offset, limit;
  };
  const std::vector<Page> pages = {{0, 10},   {0, 1},   {7, 10},   {95, 10}, {40, 60},
                                   {150, 30}, {0, 260}, {255, 20}, {300, 5}, {3, 0}};
  bool grew = false;
  for (const std::string query : {"relay", "baton OR crowd", "relay -source:AP", "NOT zzzqqq",
                                  "source:Reuters", "relay date:2000..2019"}) {
    for (const std::string half_life : {"30d", "1y", "12m", "10y", "1000y", "1d", "7d"}) {
      const auto want = brute_force(s, query, oly::parse_half_life(half_life));
      for (const Page& p : pages) {
        CAPTURE(query, half_life, p.offset, p.limit);
        oly::SearchRequest rq;
        rq.query = query;
        rq.today = kToday;
        rq.recency = half_life;
        rq.offset = p.offset;
        rq.limit = p.limit;
        rq.snippet.fragments = 0;
        const oly::SearchResult r = s.search(rq);
        CHECK(r.estimated == want.size());  // totals are the relevance match's
        std::vector<std::string> got_ids, want_ids;
        for (std::size_t i = 0; i < r.hits.size(); ++i) {
          got_ids.push_back(r.hits[i].article.id);
          CHECK(r.hits[i].rank == p.offset + i + 1);
          REQUIRE(r.hits[i].relevance.has_value());
          CHECK(r.hits[i].score == want[p.offset + i].score);
          CHECK(*r.hits[i].relevance == want[p.offset + i].relevance);
        }
        for (std::size_t i = p.offset; i < std::min(want.size(), p.offset + p.limit); ++i) {
          want_ids.push_back(want[i].id);
        }
        CHECK(got_ids == want_ids);
        // Dated before undated, whatever the product underflows to (README).
        for (std::size_t i = 1; i < r.hits.size(); ++i) {
          CHECK((!r.hits[i - 1].article.date.empty() || r.hits[i].article.date.empty()));
        }
        if (reranked_count(r.understood) > std::max<std::size_t>(2 * (p.offset + p.limit), 100))
          grew = true;
      }
    }
  }
  CHECK(grew);  // some page needed more than the first read to be proven
}

TEST_CASE("recency: totals and facets unchanged, refusals, explain", "[recency]") {
  RelayIndex idx;
  oly::SearchOptions o;
  o.index_dir = idx.path;
  oly::Searcher s(o);
  oly::SearchRequest rq;
  rq.query = "relay";
  rq.today = kToday;
  rq.facets = {{"source", 10}, {"year", 5}};
  const oly::SearchResult plain = s.search(rq);
  rq.recency = "2w";
  const oly::SearchResult fresh = s.search(rq);
  CHECK(fresh.estimated == plain.estimated);
  CHECK(fresh.lower_bound == plain.lower_bound);
  CHECK(fresh.upper_bound == plain.upper_bound);
  REQUIRE(fresh.facets.size() == 2);
  for (std::size_t i = 0; i < 2; ++i) {
    CHECK(fresh.facets[i].values.size() == plain.facets[i].values.size());
    for (std::size_t v = 0; v < fresh.facets[i].values.size(); ++v) {
      CHECK(fresh.facets[i].values[v].count == plain.facets[i].values[v].count);
    }
  }
  CHECK_THAT(fresh.understood, Catch::Contains("RECENCY(half-life 2w = 14 days, now 2024-08-10"));
  CHECK_FALSE(plain.hits.front().relevance.has_value());
  // With a short half-life the first hits are from this year or after today.
  for (std::size_t i = 0; i < 3; ++i) CHECK(fresh.hits.at(i).article.date >= "2024");

  rq.sort = oly::SortOrder::kDateDescending;
  CHECK_THROWS_WITH(s.search(rq), Catch::Contains("cannot be combined with a date sort"));
  rq.sort = oly::SortOrder::kRelevance;
  rq.recency = "soon";
  CHECK_THROWS_WITH(s.search(rq), Catch::Contains("recency: expected a half-life"));
  // A collapsed group is shown by its most relevant member, not its freshest: refused.
  rq.recency = "30d";
  rq.collapse = true;
  CHECK_THROWS_AS(s.search(rq), oly::RequestError);
  CHECK_THROWS_WITH(s.search(rq), Catch::Contains("--recency and --collapse together are not "
                                                  "supported"));
}

TEST_CASE("searcher --recency: JSON relevance key, refusals, batch key", "[recency][cli]") {
  RelayIndex idx;
  using oly::search_test::run_searcher;
  auto r = run_searcher(
      idx.path, {"--json", "-n", "3", "--today", kToday, "--recency", "30d", "--explain", "relay"});
  REQUIRE(r.code == 0);
  auto lines = oly::search_test::lines_of(r.out);
  REQUIRE(lines.size() == 4);
  const json hit = json::parse(lines[0]);
  CHECK(hit["relevance"].get<double>() >= hit["score"].get<double>());
  CHECK_THAT(r.err, Catch::Contains("half-life 30d = 30 days, now 2024-08-10"));
  r = run_searcher(idx.path, {"--json", "-n", "1", "relay"});
  CHECK(json::parse(oly::search_test::lines_of(r.out).at(0)).count("relevance") == 0);

  for (const auto& args :
       std::vector<std::vector<std::string>>{{"--recency", "0d", "relay"},
                                             {"--recency", "30", "relay"},
                                             {"--recency", "", "relay"},
                                             {"--recency", "30d", "--sort", "-date", "relay"},
                                             {"--recency", "30d", "--sort", "date", "relay"},
                                             {"--recency", "30d", "--collapse", "relay"},
                                             {"--collapse", "--recency", "1y", "relay"}}) {
    r = run_searcher(idx.path, args);
    CHECK(r.code == 2);
    CHECK_THAT(r.err, Catch::Contains("searcher: error: --recency"));
  }
  r = run_searcher(idx.path, {"--batch", "-n", "1", "--today", kToday},
                   "{\"query\":\"relay\",\"recency\":\"1y\"}\n{\"query\":\"relay\",\"recency\":"
                   "\"1q\"}\n{\"query\":\"relay\",\"recency\":\"1y\",\"sort\":\"date\"}\n");
  lines = oly::search_test::lines_of(r.out);
  REQUIRE(lines.size() >= 4);
  CHECK(json::parse(lines[0]).count("relevance") == 1);
  CHECK_THAT(r.out, Catch::Contains("recency: expected a half-life"));
  CHECK_THAT(r.out, Catch::Contains("cannot be combined with a date sort"));
  r = run_searcher(idx.path, {"--batch", "-n", "1", "--today", kToday},
                   "{\"query\":\"relay\",\"recency\":\"1y\",\"collapse\":true}\n");
  CHECK_THAT(r.out, Catch::Contains("--recency and --collapse together are not supported"));
}

// The JSON hits of these batch lines, score and relevance rounded (the shards add the
// same numbers in another order).
std::vector<std::string> hit_keys(const oly::search_test::CommandResult& r) {
  std::vector<std::string> out;
  for (const std::string& line : oly::search_test::lines_of(r.out)) {
    const json j = json::parse(line);
    if (j["type"] == "hit") {
      char buf[64];
      std::snprintf(buf, sizeof buf, " %.9g %.9g", j["score"].get<double>(),
                    j.value("relevance", -1.0));
      out.push_back(j["id"].get<std::string>() + buf);
    } else if (j["type"] == "error") {
      out.push_back("error: " + j.dump());
    } else {
      // The summary without its timing and shard count (which differ by layout).
      out.push_back(std::to_string(j["estimated_total"].get<long>()) + " " +
                    j["understood"].get<std::string>());
    }
  }
  return out;
}

// Runs `batch` on one index, the shards as repeated -d, and (when installed) the shards
// behind xapian-tcpsrv: the same lines each time.
void check_layouts(RelayIndex& idx, const std::vector<std::string>& args,
                   const std::string& batch) {
  using oly::search_test::run_searcher;
  idx.build_shards();
  const auto base = hit_keys(run_searcher(idx.path, args, batch));
  REQUIRE(base.size() > 10);
  // Some lines may be errors (an article with no telling word): the same on every layout.
  CHECK(std::count_if(base.begin(), base.end(),
                      [](const std::string& k) { return k.rfind("error: ", 0) != 0; }) > 10);
  CHECK(hit_keys(run_searcher(idx.sharded + "/shard0",
                              oly::scale_out::with_local_shards(args, idx.sharded), batch)) ==
        base);
  const oly::scale_out::ShardServers servers(idx.sharded);
  if (servers.empty()) {
    WARN("xapian-tcpsrv is not installed: remote shards not checked");
    return;
  }
  CHECK(hit_keys(run_searcher(servers.first(), servers.with_others(args), batch)) == base);
}

TEST_CASE("recency: one index, local shards and remote shards give the same pages",
          "[recency][scale_out]") {
  RelayIndex idx;
  check_layouts(idx, {"--json", "--batch", "--snippets", "0", "--today", kToday},
                "{\"query\":\"relay\",\"recency\":\"1y\",\"limit\":20}\n"
                "{\"query\":\"relay\",\"recency\":\"30d\",\"limit\":10,\"offset\":120}\n"
                "{\"query\":\"baton OR crowd\",\"recency\":\"10y\",\"limit\":15,\"offset\":5}\n"
                "{\"query\":\"relay\",\"recency\":\"1d\",\"limit\":5,\"offset\":200}\n");
}

// ---------------------------------------------------------------------------------------
// More like this.

// Two reports of one race, one of the next day's final, and unrelated articles.
std::string story_articles() {
  const std::vector<json> articles = {
      {{"id", "fly-1"},
       {"title", "Phelps wins butterfly gold in world record"},
       {"body",
        "Michael Phelps won the 200m butterfly final at the Water Cube in a world record "
        "of 1:52.03, ahead of Laszlo Cseh and Takeshi Matsuda. Phelps touched first "
        "despite goggles filling with water."},
       {"source", "Reuters"},
       {"date", "2008-08-13"}},
      {{"id", "fly-2"},
       {"title", "Butterfly record for Phelps despite leaking goggles"},
       {"body",
        "Phelps took butterfly gold at the Water Cube with a world record, his goggles "
        "filling with water; Cseh was second and Matsuda third in the 200m final."},
       {"source", "AP"},
       {"date", "2008-08-13"}},
      {{"id", "fly-3"},
       {"title", "Phelps gold again in relay final"},
       {"body",
        "Phelps added relay gold at the Water Cube, swimming the butterfly leg of the "
        "medley final for the United States."},
       {"source", "Reuters"},
       {"date", "2008-08-17"}},
      {{"id", "track-1"},
       {"title", "Bolt wins the 100m final"},
       {"body",
        "Usain Bolt won the 100m final at the Bird's Nest in a world record, slowing "
        "down before the line."},
       {"source", "AFP"},
       {"date", "2008-08-16"}},
      {{"id", "track-2"},
       {"title", "Bolt sprints to double gold"},
       {"body", "Bolt took the 200m final in a world record at the Bird's Nest."},
       {"source", "Reuters"},
       {"date", "2008-08-20"}},
      {{"id", "fly-2012"},
       {"title", "Le Clos beats Phelps in the butterfly"},
       {"body",
        "Chad le Clos beat Michael Phelps in the 200m butterfly final in London; Phelps "
        "was second, Matsuda third."},
       {"source", "AP"},
       {"date", "2012-07-31"}},
      {{"id", "rowing"},
       {"title", "Rowing eights"},
       {"body", "The British eight rowed to gold on the lake at Dorney."},
       {"source", "AFP"},
       {"date", "2012-08-02"}},
  };
  std::string out;
  for (const json& a : articles) out += a.dump() + "\n";
  // Filler so that shared words are not in every article (BM25 idf > 0 everywhere).
  for (int i = 0; i < 30; ++i) {
    out += json({{"id", "filler-" + std::to_string(i)},
                 {"body", "Weather report number " + std::to_string(i) + " for the coast."},
                 {"date", "2010-01-01"}})
               .dump() +
           "\n";
  }
  return out;
}

struct StoryIndex {
  TempDir dir{"similar"};
  std::string path = dir / "idx";
  StoryIndex() {
    write_file(dir / "stories.jsonl", story_articles());
    REQUIRE(oly::search_test::run_indexer(path, {dir / "stories.jsonl"}).code == 0);
  }
};

std::vector<std::string> ids_of(const oly::SearchResult& r) {
  std::vector<std::string> out;
  for (const oly::Hit& h : r.hits) out.push_back(h.article.id);
  return out;
}

TEST_CASE("similar: the near story first, never itself, filters combine, unknown ids named",
          "[recency][similar][query]") {
  StoryIndex idx;
  oly::SearchOptions o;
  o.index_dir = idx.path;
  oly::Searcher s(o);
  const auto first = ids_of(s.search("similar:fly-1"));
  REQUIRE(first.size() >= 3);
  CHECK(first[0] == "fly-2");
  CHECK(std::count(first.begin(), first.end(), "fly-1") == 0);
  const auto fly3 = std::find(first.begin(), first.end(), "fly-3");
  const auto track = std::find(first.begin(), first.end(), "track-2");
  CHECK(fly3 < track);  // a Phelps story before a Bolt one
  CHECK(ids_of(s.search("similar:track-1"))[0] == "track-2");
  // Filters narrow it.
  for (const std::string& id : ids_of(s.search("similar:fly-1 date:2012"))) {
    CHECK(id.rfind("filler", 0) != 0);
    CHECK((id == "fly-2012" || id == "rowing"));
  }
  CHECK(ids_of(s.search("similar:fly-1 date:2012")).at(0) == "fly-2012");
  const auto not_ap = ids_of(s.search("similar:fly-1 -source:AP"));
  CHECK(std::count(not_ap.begin(), not_ap.end(), "fly-2") == 0);
  CHECK(not_ap.at(0) == "fly-3");
  // Its reading names the article; the Xapian query holds its text terms only.
  const oly::SearchResult r = s.search("similar:fly-1");
  CHECK(r.understood == "SIMILAR(fly-1)");
  CHECK_THAT(r.xapian, Catch::Contains("butterfly"));
  CHECK_THAT(r.xapian, Catch::Contains("Sbutterfly"));
  CHECK_THAT(r.xapian, !Catch::Contains("Zbutterfli"));
  CHECK_THAT(r.xapian, !Catch::Contains("XSRC"));
  // No highlights: its terms are chosen at search time (README).
  CHECK(r.hits.at(0).snippet.highlights.empty());
  CHECK(r.hits.at(0).matches.empty());
  // Unknown ids are errors naming them, with the column of the value.
  for (const std::string q : {"similar:nope", "gold similar:fly-9", "similar:FLY-1"}) {
    CAPTURE(q);
    try {
      s.search(q);
      FAIL("no error");
    } catch (const oly::QuerySyntaxError& e) {
      CHECK_THAT(e.what(), Catch::Contains("similar: no article has the id '" +
                                           q.substr(q.find(':') + 1) + "'"));
      CHECK(e.column() == q.find(':') + 2);
    }
  }
  CHECK_THROWS_WITH(s.search("similar:"), Catch::Contains("missing value after 'similar:'"));
  CHECK_THROWS_WITH(s.search("similar:\"\""), Catch::Contains("empty value for similar:"));
}

TEST_CASE("similar: an article with no word shared with another is an error naming it",
          "[recency][similar][query]") {
  TempDir dir{"similar-alone"};
  std::string lines;
  for (int i = 0; i < 5; ++i) {
    lines += json({{"id", "en-" + std::to_string(i)},
                   {"title", "Marathon report"},
                   {"body", "The marathon runners reached the stadium in the heat."}})
                 .dump() +
             "\n";
  }
  // The only Japanese article, and one whose words no other article holds.
  lines +=
      json({{"id", "ja-1"}, {"title", "東京五輪"}, {"body", "水泳の決勝が行われた。"}}).dump() +
      "\n";
  lines +=
      json({{"id", "odd"}, {"title", "Zyzzyva"}, {"body", "Quixotic xylophones."}}).dump() + "\n";
  write_file(dir / "a.jsonl", lines);
  REQUIRE(oly::search_test::run_indexer(dir / "idx", {dir / "a.jsonl"}).code == 0);
  oly::SearchOptions o;
  o.index_dir = dir / "idx";
  oly::Searcher s(o);
  for (const std::string q : {"similar:ja-1", "similar:odd", "marathon OR similar:odd"}) {
    CAPTURE(q);
    try {
      s.search(q);
      FAIL("no error");
    } catch (const oly::QuerySyntaxError& e) {
      const std::string id = q.substr(q.find(':') + 1);
      CHECK_THAT(e.what(), Catch::Contains("similar: no word of the article '" + id +
                                           "' is telling enough to search by"));
      CHECK(e.column() == q.find(':') + 2);
    }
  }
  CHECK_FALSE(s.search("similar:en-0").hits.empty());  // a usual article still works
  const auto r = oly::search_test::run_searcher(dir / "idx", {"--similar", "odd"});
  CHECK(r.code == 2);
  CHECK_THAT(r.err, Catch::Contains("similar: no word of the article 'odd' is telling enough"));
}

TEST_CASE("searcher --similar: same as similar:ID, words narrow it, errors", "[recency][cli]") {
  StoryIndex idx;
  using oly::search_test::run_searcher;
  const auto q = run_searcher(idx.path, {"--ids", "similar:fly-1"});
  REQUIRE(q.code == 0);
  CHECK(run_searcher(idx.path, {"--ids", "--similar", "fly-1"}).out == q.out);
  CHECK(oly::search_test::lines_of(q.out).at(0) == "fly-2");
  const auto narrowed = run_searcher(idx.path, {"--ids", "--similar", "fly-1", "bolt OR relay"});
  CHECK(oly::search_test::lines_of(narrowed.out) ==
        std::vector<std::string>{"fly-3", "track-1", "track-2"});
  auto r = run_searcher(idx.path, {"--similar", "nope"});
  CHECK(r.code == 2);
  CHECK_THAT(r.err, Catch::Contains("similar: no article has the id 'nope'"));
  r = run_searcher(idx.path, {"--similar", "a\"b"});
  CHECK(r.code == 2);
  CHECK_THAT(r.err, Catch::Contains("--similar: an id holding"));
  r = run_searcher(idx.path, {"--batch", "--similar", "fly-1"}, "gold\n");
  CHECK(r.code == 2);
}

TEST_CASE("similar: one index, local shards and remote shards give the same hits",
          "[recency][similar][scale_out]") {
  RelayIndex idx;  // the relay articles: many candidates with equal-looking terms
  check_layouts(idx, {"--json", "--batch", "--snippets", "0", "--today", kToday},
                "{\"query\":\"similar:r007\",\"limit\":20}\n"
                "{\"query\":\"similar:r100 -source:AP\",\"limit\":20}\n"
                "{\"query\":\"similar:r030\",\"limit\":10,\"recency\":\"5y\"}\n");
}

}  // namespace
