// Facet counts (issue 15): parsing `--facets`, counts equal to a brute-force count over the
// articles that match, list values split per element, `estimated` said when the spies did
// not see every match, and the same counts from one index, three shards given as repeated
// -d or a stub file, and the shards behind xapian-tcpsrv.
#include <xapian.h>

#include <catch2/catch.hpp>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "analyzer.h"
#include "article.h"
#include "countries.h"
#include "facets.h"
#include "games.h"
#include "printer.h"
#include "schema.h"
#include "search.h"
#include "searcher_test_util.h"
#include "server_util.h"
#include "test_util.h"

namespace {

using nlohmann::json;
using oly::FacetCounts;
using oly::RequestError;
using oly::test::TempDir;
using oly::test::write_file;

// ---------------------------------------------------------------------------------------
// Parsing.

struct ParseCase {
  std::string text;
  std::vector<std::pair<std::string, std::size_t>> want;  // empty: an error
  std::string error_part;                                 // in the message when an error
};

const std::vector<ParseCase> kParseCases = {
    {"source", {{"source", 10}}, ""},
    {"source,year:5", {{"source", 10}, {"year", 5}}, ""},
    {"year,month", {{"year", 10}, {"month", 10}}, ""},  // one slot, two facets
    {" tags : 3 , lang", {{"tags", 3}, {"lang", 10}}, ""},
    {"country:1000,games:1", {{"country", 1000}, {"games", 1}}, ""},
    // Names are case-insensitive, like field names.
    {"Source, YEAR:3", {{"source", 10}, {"year", 3}}, ""},
    {"source,year,month,lang,tags,games,country",
     {{"source", 10},
      {"year", 10},
      {"month", 10},
      {"lang", 10},
      {"tags", 10},
      {"games", 10},
      {"country", 10}},
     ""},
    {"", {}, "empty facet name"},
    {",source", {}, "empty facet name"},
    {"source,", {}, "empty facet name"},
    {"source,,year", {}, "empty facet name"},
    {"sources", {}, "unknown facet 'sources' (known: source, year, month, lang, tags, games"},
    {"Sources", {}, "unknown facet 'sources'"},
    {"title", {}, "unknown facet 'title'"},
    {"source,source", {}, "'source' is given twice"},
    {"year:3,year:5", {}, "'year' is given twice"},
    {"year:0", {}, "from 1 to 1000"},
    {"year:1001", {}, "from 1 to 1000"},
    {"year:-1", {}, "from 1 to 1000"},
    {"year:+3", {}, "from 1 to 1000"},
    {"year:", {}, "from 1 to 1000"},
    {"year:3:4", {}, "from 1 to 1000"},
    {"year:99999999999999999999", {}, "from 1 to 1000"},
    {"year:1e2", {}, "from 1 to 1000"},
    {"year:\xef\xbc\x93", {}, "from 1 to 1000"},  // a full-width 3
};

TEST_CASE("parse_facet_list reads name[:N] lists and refuses anything else", "[facets]") {
  for (const ParseCase& c : kParseCases) {
    CAPTURE(c.text);
    if (c.want.empty()) {
      try {
        oly::parse_facet_list(c.text);
        FAIL("no error");
      } catch (const RequestError& e) {
        CHECK_THAT(e.what(), Catch::Contains(c.error_part));
      }
      continue;
    }
    std::vector<std::pair<std::string, std::size_t>> got;
    for (const auto& s : oly::parse_facet_list(c.text)) got.emplace_back(s.name, s.top);
    CHECK(got == c.want);
  }
}

// ---------------------------------------------------------------------------------------
// Counts against a brute-force count over the matching articles' records.

using Tally = std::map<std::string, std::map<std::string, Xapian::doccount>>;

// What each facet of `a` holds, computed from the record alone (not from the slots).
std::map<std::string, std::set<std::string>> facet_values(const oly::Article& a,
                                                          const oly::Analyzer& analyzer) {
  std::map<std::string, std::set<std::string>> v;
  // The source facet is keyed like its `from:` term: the whole source folded.
  if (const std::string f = analyzer.fold(a.source); !f.empty()) v["source"].insert(f);
  if (a.date.size() == 10) {
    v["year"].insert(a.date.substr(0, 4));
    v["month"].insert(a.date.substr(0, 7));
  }
  if (!a.lang.empty()) v["lang"].insert(a.lang);
  for (const std::string& t : a.tags) {
    const std::string f = analyzer.fold(t);
    if (!f.empty()) v["tags"].insert(f);
  }
  for (const std::string& g : a.games) v["games"].insert(g);
  for (const std::string& c : a.countries) v["country"].insert(c);
  return v;
}

const std::vector<std::string> kAllFacets{"source", "year",  "month",  "lang",
                                          "tags",   "games", "country"};

void check_against_brute_force(oly::Searcher& searcher, const std::string& index,
                               oly::SearchRequest rq) {
  rq.facets.clear();
  for (const auto& name : kAllFacets) rq.facets.push_back({name, 1000});
  const oly::SearchResult got = searcher.search(rq);
  // Every match, by a separate search without facets, and their records.
  oly::SearchRequest all = rq;
  all.facets.clear();
  all.limit = 100000;
  all.offset = 0;
  all.snippets = false;
  all.exact_count = true;
  const oly::SearchResult matches = searcher.search(all);
  REQUIRE(matches.total_is_exact());
  REQUIRE(matches.hits.size() == matches.estimated);
  Xapian::Database db(index);
  oly::Analyzer analyzer;
  Tally want;
  std::map<std::string, Xapian::doccount> with_value;
  for (const oly::Hit& h : matches.hits) {
    const auto a = oly::from_record(db.get_document(h.docid).get_data());
    REQUIRE(a);
    for (const auto& [facet, values] : facet_values(*a, analyzer)) {
      ++with_value[facet];
      for (const std::string& v : values) ++want[facet][v];
    }
  }
  CHECK(got.estimated == matches.estimated);
  REQUIRE(got.facets.size() == kAllFacets.size());
  for (std::size_t i = 0; i < kAllFacets.size(); ++i) {
    const FacetCounts& f = got.facets[i];
    CAPTURE(f.name);
    CHECK(f.name == kAllFacets[i]);
    CHECK_FALSE(f.estimated);
    std::map<std::string, Xapian::doccount> counted;
    for (const auto& v : f.values) counted[v.value] = v.count;
    CHECK(counted == want[f.name]);
    CHECK(f.distinct == want[f.name].size());
    CHECK(f.missing == matches.estimated - with_value[f.name]);
    // Top values first: by count, then by value.
    for (std::size_t k = 1; k < f.values.size(); ++k) {
      const auto& a = f.values[k - 1];
      const auto& b = f.values[k];
      CHECK((a.count > b.count || (a.count == b.count && a.value < b.value)));
    }
  }
}

struct CorpusIndex {
  TempDir dir{"facets"};
  std::string path = dir / "idx";
  CorpusIndex() {
    const auto r = oly::search_test::run_indexer(path, {"corpus"});
    REQUIRE(r.code == 0);
  }
};

TEST_CASE("facet counts equal a brute-force count over the matching articles", "[facets]") {
  CorpusIndex idx;
  oly::SearchOptions o;
  o.index_dir = idx.path;
  oly::Searcher searcher(o);
  struct Q {
    std::string query;
    oly::SortOrder sort;
  };
  for (const Q& q : std::vector<Q>{{"gold", oly::SortOrder::kRelevance},
                                   {"NOT xylophonequartz", oly::SortOrder::kRelevance},
                                   {"tag:swimming", oly::SortOrder::kRelevance},
                                   {"lang:de", oly::SortOrder::kRelevance},
                                   {"gold date:2010..2020", oly::SortOrder::kDateDescending},
                                   {"olympic", oly::SortOrder::kDateAscending},
                                   {"xylophonequartz", oly::SortOrder::kRelevance}}) {
    CAPTURE(q.query);
    oly::SearchRequest rq;
    rq.query = q.query;
    rq.sort = q.sort;
    rq.limit = 3;
    check_against_brute_force(searcher, idx.path, rq);
  }
}

TEST_CASE("facets: top N, a multi-valued tag counted once per value, the result cache",
          "[facets]") {
  CorpusIndex idx;
  oly::SearchOptions o;
  o.index_dir = idx.path;
  oly::Searcher searcher(o);
  oly::SearchRequest rq;
  rq.query = "NOT xylophonequartz";
  rq.facets = oly::parse_facet_list("tags:2,year:1");
  const oly::SearchResult r = searcher.search(rq);
  REQUIRE(r.facets.size() == 2);
  CHECK(r.facets[0].values.size() == 2);
  CHECK(r.facets[0].distinct > 2);
  CHECK(r.facets[1].values.size() == 1);
  // Every article with tags adds one to each of them: the counts add up to more than the
  // articles when some have several.
  rq.facets = oly::parse_facet_list("tags:1000");
  const oly::SearchResult all = searcher.search(rq);
  Xapian::doccount sum = 0;
  for (const auto& v : all.facets[0].values) sum += v.count;
  CHECK(sum > all.estimated - all.facets[0].missing);
  // The same request again (answered from the cache) and one with other facets.
  CHECK(searcher.search(rq).facets[0].values.size() == all.facets[0].values.size());
  rq.facets = oly::parse_facet_list("lang");
  const oly::SearchResult other = searcher.search(rq);
  REQUIRE(other.facets.size() == 1);
  CHECK(other.facets[0].name == "lang");
  rq.facets.clear();
  CHECK(searcher.search(rq).facets.empty());
}

// A source facet value's link (`from:"V"`) returns exactly its count: sources that are
// words of one another ("AP" in "AP Sports"), differ in case only ("AP", "ap") or in
// diacritics ("L'Équipe", "L'Equipe"); a blank source is no value (it counts as missing).
TEST_CASE("facets: each source value's from: filter counts exactly its facet count", "[facets]") {
  TempDir dir("facets-from");
  const std::vector<std::string> sources = {
      "AP",     "AP Sports", "ap", " AP ",    "L'Équipe",       "L'Equipe",
      "Equipe", "  ",        "",   "Reuters", "Thomson Reuters"};
  std::string jsonl;
  for (std::size_t i = 0; i < sources.size(); ++i) {
    jsonl += json({{"id", "s" + std::to_string(i)},
                   {"title", "relay"},
                   {"body", "relay final"},
                   {"source", sources[i]}})
                 .dump() +
             "\n";
  }
  // The same source in a text file's header: read (trimmed) like the JSON one.
  write_file(dir / "in/a.jsonl", jsonl);
  write_file(dir / "in/b.txt", "Source:   ap  \nTitle: relay\n\nrelay final\n");
  const std::string index = dir / "idx";
  REQUIRE(oly::search_test::run_indexer(index, {dir / "in"}).code == 0);
  oly::SearchOptions o;
  o.index_dir = index;
  oly::Searcher searcher(o);
  oly::SearchRequest rq;
  rq.query = "relay";
  rq.facets = oly::parse_facet_list("source:1000");
  const oly::SearchResult r = searcher.search(rq);
  REQUIRE(r.facets.size() == 1);
  const FacetCounts& f = r.facets[0];
  CHECK_FALSE(f.estimated);
  CHECK(f.missing == 2);  // "  " and ""
  std::map<std::string, std::pair<std::string, Xapian::doccount>> got;
  for (const auto& v : f.values) got[v.value] = {v.label, v.count};
  // AP, ap, " AP " and the text file's ap: one value, labelled as most write it.
  const std::map<std::string, std::pair<std::string, Xapian::doccount>> want = {
      {"ap", {"AP", 3 + 1}},         {"ap sports", {"AP Sports", 1}},
      {"l'equipe", {"L'Equipe", 2}}, {"equipe", {"Equipe", 1}},
      {"reuters", {"Reuters", 1}},   {"thomson reuters", {"Thomson Reuters", 1}}};
  CHECK(got == want);
  CHECK(f.distinct == want.size());
  for (const auto& v : f.values) {
    CAPTURE(v.value);
    const auto c =
        oly::search_test::run_searcher(index, {"--count", "relay from:\"" + v.value + "\""});
    REQUIRE(c.code == 0);
    CHECK(std::stoul(c.out) == v.count);
    // Written as the articles have it: the same articles.
    const auto w =
        oly::search_test::run_searcher(index, {"--count", "relay from:\"" + v.label + "\""});
    CHECK(std::stoul(w.out) == v.count);
  }
  CHECK(oly::search_test::run_searcher(index, {"--count", "from:reuters"}).out == "1\n");
  // A star is no wildcard on a whole value: an error, as for tag:.
  const auto star = oly::search_test::run_searcher(index, {"--count", "from:AP*"});
  CHECK(star.code != 0);
  CHECK_THAT(star.err, Catch::Contains("wildcards work on words, not on from: values"));
}

// ---------------------------------------------------------------------------------------
// The list slots of games and countries, on hand-built documents (their taggers come from
// other tasks): split per element, labelled, and `estimated` when the spies saw too few.

Xapian::WritableDatabase hand_built(int n) {
  Xapian::WritableDatabase db(std::string(), Xapian::DB_BACKEND_INMEMORY);
  for (int i = 0; i < n; ++i) {
    Xapian::Document d;
    d.add_boolean_term("Xall");
    if (i % 2 == 0) {
      d.add_value(oly::schema::kSlotCountries, oly::schema::encode_list({"FRA", "JPN"}));
    } else if (i % 3 == 0) {
      d.add_value(oly::schema::kSlotCountries, oly::schema::encode_list({"JPN"}));
    }
    if (i % 5 == 0) {
      d.add_value(oly::schema::kSlotGames, oly::schema::encode_list({"paris-2024", "tokyo-2020"}));
    }
    db.add_document(d);
  }
  return db;
}

TEST_CASE("facets: list slots count each element, with the tables' labels", "[facets]") {
  Xapian::WritableDatabase db = hand_built(30);
  Xapian::Enquire enquire(db);
  enquire.set_query(Xapian::Query("Xall"));
  oly::FacetCounter counter(oly::parse_facet_list("country,games"));
  counter.attach(enquire);
  const Xapian::MSet m = enquire.get_mset(0, 10, db.get_doccount());
  const auto got = counter.counts(m.get_matches_estimated(), true);
  REQUIRE(got.size() == 2);
  // 15 even ids hold FRA and JPN; the odd multiples of 3 (3, 9, 15, 21, 27) JPN alone.
  REQUIRE(got[0].values.size() == 2);
  CHECK(got[0].values[0].value == "JPN");
  CHECK(got[0].values[0].count == 20);
  CHECK(got[0].values[0].label == oly::country_label("JPN"));
  CHECK(got[0].values[1].value == "FRA");
  CHECK(got[0].values[1].count == 15);
  CHECK(got[0].missing == 10);
  CHECK(got[0].distinct == 2);
  CHECK_FALSE(got[0].estimated);
  REQUIRE(got[1].values.size() == 2);
  CHECK(got[1].values[0].value == "paris-2024");  // equal counts: by value
  CHECK(got[1].values[0].count == 6);
  CHECK(got[1].values[0].label == oly::games_label("paris-2024"));
  CHECK(got[1].missing == 24);
}

TEST_CASE("facets: estimated when the spies did not see every match", "[facets]") {
  Xapian::WritableDatabase db = hand_built(200);
  Xapian::Enquire enquire(db);
  enquire.set_query(Xapian::Query("Xall"));
  oly::FacetCounter counter(oly::parse_facet_list("country"));
  counter.attach(enquire);
  // No check_at_least: a boolean query stops after the page.
  const Xapian::MSet m = enquire.get_mset(0, 1, Xapian::doccount{0});
  REQUIRE(m.get_matches_lower_bound() == 200);  // the total itself is known exactly
  const auto got = counter.counts(m.get_matches_estimated(), true);
  CHECK(got[0].estimated);
  // And a total that is itself an estimate makes the facets estimates too.
  oly::FacetCounter again(oly::parse_facet_list("country"));
  Xapian::Enquire e2(db);
  e2.set_query(Xapian::Query("Xall"));
  again.attach(e2);
  const Xapian::MSet all = e2.get_mset(0, 1, db.get_doccount());
  CHECK_FALSE(again.counts(all.get_matches_estimated(), true)[0].estimated);
  CHECK(again.counts(all.get_matches_estimated(), false)[0].estimated);
}

// The taggers' values reach the facets: corpus/ has Tokyo 2020 articles about Japan.
TEST_CASE("facets: games and country of corpus articles come from the taggers", "[facets]") {
  CorpusIndex idx;
  const auto r = oly::search_test::run_searcher(
      idx.path, {"--json", "-n", "0", "--facets", "games:1000,country:1000", "tokyo OR japan"});
  REQUIRE(r.code == 0);
  const json summary = json::parse(oly::search_test::lines_of(r.out).back());
  auto has = [&](const char* facet, const char* value, const char* label) {
    for (const json& v : summary["facets"][facet]["values"]) {
      if (v["value"] == value) return v.value("label", std::string(value)) == label;
    }
    return false;
  };
  CHECK(has("games", "tokyo-2020", "Tokyo 2020"));
  CHECK(has("country", "JPN", "Japan"));
}

// ---------------------------------------------------------------------------------------
// One index, shards, stub file, remote shards: the same facet counts.

const char* const kShardBatch =
    "{\"query\":\"gold\",\"facets\":\"source:1000,year:1000,month:1000,lang,tags:1000,games,"
    "country\"}\n"
    "{\"query\":\"NOT xylophonequartz\",\"facets\":\"source:3,tags:5,year\",\"sort\":\"date\"}\n"
    "{\"query\":\"tag:swimming OR curling\",\"facets\":\"month,tags:1000\",\"sort\":\"-date\"}\n"
    "{\"query\":\"xylophonequartz\",\"facets\":\"source,tags\"}\n";

// The facets and totals of each summary line of a --batch --json run.
std::vector<json> facet_summaries(const oly::search_test::CommandResult& r) {
  std::vector<json> out;
  for (const std::string& line : oly::search_test::lines_of(r.out)) {
    const json j = json::parse(line);
    if (j["type"] != "summary") continue;
    out.push_back({{"total", j["estimated_total"]}, {"facets", j["facets"]}});
  }
  return out;
}

TEST_CASE("facets: the same counts from one index, shards, a stub file and remote shards",
          "[facets]") {
  CorpusIndex one;
  TempDir dir("facet-shards");
  const std::string sharded = dir / "sh";
  {
    const std::string cmd = "cd " + oly::search_test::shell_quote(OLY_SOURCE_DIR) + " && " +
                            oly::search_test::shell_quote(OLY_INDEXER) +
                            " --progress never -q --shards 3 -d " +
                            oly::search_test::shell_quote(sharded) + " corpus";
    REQUIRE(oly::search_test::run_command(cmd).code == 0);
  }
  const std::vector<std::string> batch{"--json", "--batch", "-n", "2"};
  const auto base = facet_summaries(oly::search_test::run_searcher(one.path, batch, kShardBatch));
  REQUIRE(base.size() == 4);
  CHECK(base[0]["facets"]["tags"]["values"].size() > 3);

  CHECK(facet_summaries(oly::search_test::run_searcher(
            sharded + "/shard0", oly::scale_out::with_local_shards(batch, sharded), kShardBatch)) ==
        base);
  CHECK(facet_summaries(
            oly::search_test::run_searcher(sharded + "/XAPIANDB", batch, kShardBatch)) == base);

  const oly::scale_out::ShardServers servers(sharded);
  if (servers.empty()) {
    WARN("xapian-tcpsrv is not installed: remote shards not checked");
    return;
  }
  CHECK(facet_summaries(oly::search_test::run_searcher(servers.first(), servers.with_others(batch),
                                                       kShardBatch)) == base);
  write_file(dir / "remote.stub",
             servers[0].stub_line() + servers[1].stub_line() + servers[2].stub_line());
  CHECK(facet_summaries(oly::search_test::run_searcher(dir / "remote.stub", batch, kShardBatch)) ==
        base);
}

}  // namespace

namespace {

TEST_CASE("searcher --facets: text block, JSON summary, batch lines and refusals", "[facets]") {
  CorpusIndex idx;
  using oly::search_test::run_searcher;
  // Text: one line per facet after the total line.
  auto r =
      run_searcher(idx.path, {"-n", "1", "--snippets", "0", "--facets", "lang:1,year:2", "gold"});
  REQUIRE(r.code == 0);
  auto lines = oly::search_test::lines_of(r.out);
  REQUIRE(lines.size() >= 3);
  CHECK(lines[lines.size() - 2].rfind("lang: de 2 \u00b7 51 without", 0) == 0);
  CHECK(lines.back().rfind("year: 2024 8 \u00b7 ", 0) == 0);
  // Without --facets the output has no facet line and the summary no "facets" key.
  r = run_searcher(idx.path, {"--json", "-n", "0", "gold"});
  CHECK(json::parse(oly::search_test::lines_of(r.out).back()).count("facets") == 0);
  // A batch line carries its own facets.
  r = run_searcher(idx.path, {"--batch", "-n", "0"},
                   "{\"query\":\"gold\",\"facets\":\"lang\"}\ngold\n");
  lines = oly::search_test::lines_of(r.out);
  REQUIRE(lines.size() == 2);
  CHECK(json::parse(lines[0])["facets"]["lang"]["values"][0]["count"] == 2);
  CHECK(json::parse(lines[1]).count("facets") == 0);
  // An empty list asks for none, as the server's empty `facets=` does.
  r = run_searcher(idx.path, {"--batch", "-n", "0"}, "{\"query\":\"gold\",\"facets\":\"\"}\n");
  REQUIRE(r.code == 0);
  CHECK(json::parse(oly::search_test::lines_of(r.out).at(0)).count("facets") == 0);
  // Refusals: a bad list (usage, exit 2), facets with --ids or --count, a bad batch key.
  for (const auto& args :
       std::vector<std::vector<std::string>>{{"--facets", "year:0", "gold"},
                                             {"--facets", "", "gold"},
                                             {"--facets", "nope", "gold"},
                                             {"--ids", "--facets", "year", "gold"},
                                             {"--count", "--facets", "year", "gold"}}) {
    r = run_searcher(idx.path, args);
    CHECK(r.code == 2);
    CHECK_THAT(r.err, Catch::Contains("--facets: "));
  }
  r = run_searcher(idx.path, {"--batch", "--ids"}, "{\"query\":\"gold\",\"facets\":\"year\"}\n");
  CHECK(r.code == 2);
  CHECK_THAT(r.err, Catch::Contains("-:1: error: \"facets\": --ids and --count print no facets"));
  r = run_searcher(idx.path, {"--batch"}, "{\"query\":\"gold\",\"facets\":[\"year\"]}\n");
  CHECK(r.code == 2);
  CHECK_THAT(r.out, Catch::Contains("\\\"facets\\\": expected a string"));
}

// The printers on a hand-made result: labels, "~" for estimated counts, more values,
// missing, terminal-safe values, and nothing added when no facet was asked.
TEST_CASE("facets: text and JSON printers show labels, estimates and what is left out",
          "[facets]") {
  oly::SearchResult r;
  r.query = "q";
  r.estimated = r.lower_bound = r.upper_bound = 9;
  FacetCounts country{"country", {{"JPN", "Japan", 5}, {"FRA", "FRA", 2}}, 4, 1, false};
  FacetCounts tags{"tags", {{"a\x1b[2Jb", "a\x1b[2Jb", 3}}, 1, 6, true};
  r.facets = {country, tags};
  std::ostringstream text, js, plain;
  oly::make_printer(oly::OutputFormat::kText, {})->result(text, r, {});
  const auto lines = oly::search_test::lines_of(text.str());
  REQUIRE(lines.size() == 3);
  CHECK(lines[1] == "country: Japan (JPN) 5 \u00b7 FRA 2 \u00b7 2 more values \u00b7 1 without");
  CHECK(lines[2].rfind("tags: a", 0) == 0);
  CHECK(lines[2].find('\x1b') == std::string::npos);
  CHECK_THAT(lines[2], Catch::EndsWith(" ~3 \u00b7 ~6 without"));
  oly::make_printer(oly::OutputFormat::kJson, {})->result(js, r, {});
  // Key order matters (the agreed shape): ordered_json keeps it.
  const auto s = nlohmann::ordered_json::parse(js.str());
  CHECK(s["facets"].dump() ==
        R"({"country":{"values":[{"value":"JPN","label":"Japan","count":5},{"value":"FRA",)"
        R"("count":2}],"distinct":4,"missing":1,"estimated":false},"tags":{"values":[{"value":)"
        R"("a\u001b[2Jb","count":3}],"distinct":1,"missing":6,"estimated":true}})");
  r.facets.clear();
  oly::make_printer(oly::OutputFormat::kText, {})->result(plain, r, {});
  CHECK(oly::search_test::lines_of(plain.str()).size() == 1);
}

}  // namespace
