// Ranking (issue 16): how a word's exact form and its stems make one BM25 term, the
// proximity bonus of adjacent query words, pseudo-relevance feedback, the switches'
// spellings, and the same ranking from one index, three local shards and three remote
// shards for every switch.
#include <array>
#include <catch2/catch.hpp>
#include <cmath>
#include <filesystem>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "ranking.h"
#include "schema.h"
#include "search.h"
#include "searcher_test_util.h"
#include "server_util.h"
#include "test_util.h"

namespace {

using nlohmann::json;
using oly::RankingOptions;
using oly::StemMode;
using oly::test::TempDir;
using oly::test::write_file;
using Strings = std::vector<std::string>;

// A small English index of `bodies` (id, body), built by the real indexer.
struct SmallIndex {
  TempDir dir{"ranking"};
  std::string path = dir / "idx";
  explicit SmallIndex(const std::vector<std::pair<std::string, std::string>>& bodies) {
    std::string lines;
    for (const auto& [id, body] : bodies) {
      lines +=
          json{{"id", id}, {"lang", "en"}, {"date", "2024-08-01"}, {"body", body}}.dump() + "\n";
    }
    write_file(dir / "in.jsonl", lines);
    const auto r = oly::search_test::run_indexer(path, {dir / "in.jsonl"});
    INFO(r.err);
    REQUIRE(r.code == 0);
  }
};

// The first 100 hits of `query` ranked by `o`, without snippets.
std::vector<oly::Hit> hits(oly::Searcher& s, const std::string& query, const RankingOptions& o,
                           bool any = true) {
  oly::SearchRequest rq;
  rq.query = query;
  rq.match_any = any;
  rq.limit = 100;
  rq.snippets = false;
  rq.ranking = o;
  return s.search(rq).hits;
}

// The ids of the hits, best first.
Strings ids(oly::Searcher& s, const std::string& query, const RankingOptions& o, bool any = true) {
  Strings out;
  for (const auto& h : hits(s, query, o, any)) out.push_back(h.article.id);
  return out;
}

RankingOptions with(StemMode stems, bool proximity = false, bool feedback = false) {
  RankingOptions o;
  o.stems = stems;
  o.proximity = proximity;
  o.feedback = feedback;
  return o;
}

const std::string kFiller = " the day went on as planned and nothing else was said about it";

// ---------------------------------------------------------------------------------------
// Exact forms and stems.

// Two words in several forms: one article with both (other forms), others with one.
const std::vector<std::pair<std::string, std::string>> kRowingRelay = {
    {"a", "the rowing" + kFiller}, {"b", "they rowed and relayed" + kFiller},
    {"c", "rows" + kFiller},       {"d", "rowed" + kFiller},
    {"e", "relayed" + kFiller},    {"f", "relay" + kFiller},
    {"g", "nothing" + kFiller}};

struct StemCase {
  std::string what;
  std::vector<std::pair<std::string, std::string>> docs;
  std::string query;
  StemMode mode;
  Strings want;  // the ids, best first: all of them, or the first ones when `top_only`
  bool top_only = false;
};

const std::vector<StemCase> kStemCases = {
    // The same counts: the exact form ranks above another form of the word.
    {"exact form first",
     {{"a", "they were rowed" + kFiller}, {"b", "they were rowing" + kFiller}},
     "rowing",
     StemMode::kSynonym,
     {"b", "a"}},
    {"exact form first (tiebreak)",
     {{"a", "they were rowed" + kFiller}, {"b", "they were rowing" + kFiller}},
     "rowing",
     StemMode::kTiebreak,
     {"b", "a"}},
    {"exact form first (or)",
     {{"a", "they were rowed" + kFiller}, {"b", "they were rowing" + kFiller}},
     "rowing",
     StemMode::kOr,
     {"b", "a"}},
    {"exact only: other forms do not match",
     {{"a", "they were rowed" + kFiller}, {"b", "they were rowing" + kFiller}},
     "rowing",
     StemMode::kExact,
     {"b"}},
    // Each word is one BM25 term: an article with both words (in other forms) ranks above
    // one with a single word in its exact form. As two terms (or), the exact form's own,
    // higher idf made the one word outweigh the two.
    {"every word beats one exact word",
     kRowingRelay,
     "rowing relay",
     StemMode::kSynonym,
     {"b"},
     true},
    // The exact form breaks ties; it does not count as a second word. (Among kRowingRelay's
    // seven articles row- is in four, so its idf is near nothing and the exact relay wins.)
    {"every word beats one exact word (tiebreak)",
     // "a" (first by id when scores tie, as they do under or) holds the one exact word.
     {{"b", "they rowed and relayed" + kFiller},
      {"a", "they went and relay" + kFiller},
      {"g", "nothing" + kFiller},
      {"h", "nothing more" + kFiller},
      {"i", "nothing else" + kFiller},
      {"j", "nothing here" + kFiller}},
     "rowing relay",
     StemMode::kTiebreak,
     {"b"},
     true},
    // The same articles as two BM25 terms per word: the single exact words come first.
    {"one exact word beats every word (or)",
     kRowingRelay,
     "rowing relay",
     StemMode::kOr,
     {"f", "a", "b"},
     true},
    // A repeated word is one postlist: the same order as without the repeat.
    {"a repeated word",
     {{"a", "they were rowed" + kFiller}, {"b", "they were rowing" + kFiller}},
     "rowing rowing ROWING",
     StemMode::kSynonym,
     {"b", "a"}},
    // ... weighed by its repeats (BM25's query term frequency): `relay relay rowing` ranks
    // an article with relay above one with rowing, equally rare (a tie, by id, without).
    {"a repeated word weighs more",
     {{"a", "the rowing" + kFiller}, {"b", "the relay" + kFiller}},
     "rowing relay relay",
     StemMode::kOr,
     {"b", "a"}},
};

TEST_CASE("ranking: exact forms and stems, one BM25 term per word", "[ranking]") {
  for (const StemCase& c : kStemCases) {
    SECTION(c.what) {
      SmallIndex ix(c.docs);
      oly::SearchOptions so;
      so.index_dir = ix.path;
      oly::Searcher s(so);
      Strings got = ids(s, c.query, with(c.mode));
      if (c.top_only && got.size() > c.want.size()) got.resize(c.want.size());
      CHECK(got == c.want);
    }
  }
}

// The score of each hit by id.
std::map<std::string, double> scores(oly::Searcher& s, const std::string& query,
                                     const RankingOptions& o) {
  std::map<std::string, double> out;
  for (const auto& h : hits(s, query, o)) out[h.article.id] = h.score;
  return out;
}

TEST_CASE("ranking: tiebreak scores the exact form in full where the stem is missing",
          "[ranking]") {
  // "j" is Japanese: no stemmer, so no stem terms; its Latin word is its exact form only.
  TempDir dir("ranking-tiebreak");
  std::string lines;
  for (const auto& [id, lang, body] :
       std::vector<std::array<std::string, 3>>{{"e", "en", "the rowing" + kFiller},
                                               {"f", "en", "they rowed" + kFiller},
                                               {"j", "ja", "rowing \u306e\u7df4\u7fd2"}}) {
    lines += R"({"id":")" + id + R"(","lang":")" + lang + R"(","date":"2024-08-01","body":")" +
             body + "\"}\n";
  }
  write_file(dir / "in.jsonl", lines);
  const auto r = oly::search_test::run_indexer(dir / "idx", {dir / "in.jsonl"});
  INFO(r.err);
  REQUIRE(r.code == 0);
  oly::SearchOptions so;
  so.index_dir = dir / "idx";
  oly::Searcher s(so);
  const auto tie = scores(s, "rowing", with(StemMode::kTiebreak));
  const auto two = scores(s, "rowing", with(StemMode::kOr));
  REQUIRE(tie.size() == 3);
  REQUIRE(two.size() == 3);
  // Without stems, the two shares of the exact form make its whole weight (as under or,
  // where it is a term of its own).
  CHECK(tie.at("j") == Approx(two.at("j")));
  // With the stem, the exact form adds a fifth of its weight, not all of it.
  CHECK(tie.at("e") < two.at("e"));
  CHECK(tie.at("e") > tie.at("f"));
  CHECK(tie.at("f") == Approx(two.at("f")));
}

// ---------------------------------------------------------------------------------------
// Document length: BM25 as written, no floor under the length ratio by default.

TEST_CASE("ranking: a short article's length counts in full (no 0.5 floor) unless asked",
          "[ranking]") {
  SmallIndex ix({{"short", "relay"}, {"long", "relay" + kFiller + kFiller + kFiller}});
  Xapian::Database db(ix.path);
  const std::string term = "relay";  // the exact form, for --stems=exact
  const double n = db.get_doccount(), df = db.get_termfreq(term);
  const double idf =
      std::log((n - df + 0.5) / (df + 0.5) < 2 ? (n - df + 0.5) / (df + 0.5) * 0.5 + 1
                                               : (n - df + 0.5) / (df + 0.5));
  const std::string id_term = std::string(oly::schema::kPrefixId) + "short";
  REQUIRE(db.postlist_begin(id_term) != db.postlist_end(id_term));
  const Xapian::docid short_id = *db.postlist_begin(id_term);
  const double ratio = db.get_doclength(short_id) / db.get_avlength();
  REQUIRE(ratio < 0.5);
  // BM25 with k1 = 1.2, b = 0.75 and the length ratio `norm`, for a wdf of 1.
  const auto bm25 = [&](double norm) { return idf * 2.2 / (1.2 * (0.25 + 0.75 * norm) + 1); };
  for (const auto& [min_norm, want] : {std::pair{0.0, bm25(ratio)}, std::pair{0.5, bm25(0.5)}}) {
    oly::SearchOptions so;
    so.index_dir = ix.path;
    so.bm25_min_norm = min_norm;
    oly::Searcher s(so);
    INFO("min_norm " << min_norm);
    CHECK(scores(s, "relay", with(StemMode::kExact)).at("short") == Approx(want));
  }
}

// ---------------------------------------------------------------------------------------
// Wildcards: each expansion is a term of its own (OP_OR).

// With OP_MAX (the best expansion's score), Xapian 1.4.22 died with SIGSEGV on these
// searches of TIME's articles: a wildcard beside `the`, a word of every article, with a
// check of every match, --collapse or --feedback. No small made-up index reproduced it.
TEST_CASE("ranking: a wildcard beside a word of every article is searched", "[ranking]") {
  const std::filesystem::path docs =
      std::filesystem::path(OLY_SOURCE_DIR) / "../shared/corpora/time/docs.jsonl";
  if (!std::filesystem::exists(docs)) {
    WARN("../shared/corpora/time absent: skipping the wildcard crash test");
    return;
  }
  TempDir dir("ranking-wildcard");
  const auto r = oly::search_test::run_indexer(dir / "idx", {docs.string()});
  INFO(r.err);
  REQUIRE(r.code == 0);
  oly::SearchOptions so;
  so.index_dir = dir / "idx";
  oly::Searcher s(so);
  for (const std::string q : {"pre* the pre*", "rej* pri* nor sih* asi* neu lea* all*"}) {
    for (int variant = 0; variant < 4; ++variant) {
      oly::SearchRequest rq;
      rq.query = q;
      rq.match_any = true;
      rq.limit = 20;
      rq.snippets = false;
      rq.exact_count = variant == 1;
      rq.collapse = variant == 2;
      rq.ranking.feedback = variant == 3;
      INFO(q << " variant " << variant);
      const oly::SearchResult res = s.search(rq);
      CHECK(res.hits.size() == 20);
      CHECK(res.lower_bound == res.upper_bound);
    }
  }
}

// KNOWN FLAW (core/query.cc wildcard_query): the expansions are OR'd, so an article holding
// many words of a short prefix outweighs the query's other words (`gold s*` over corpus/:
// the top 5 hold no "gold"). OP_MAX counted a wildcard as one word but crashes Xapian 1.4.22
// (above); OP_SYNONYM's frequency is estimated per shard (scores differ over 3 shards).
TEST_CASE("ranking: a wildcard counts as one word beside the others", "[ranking][!shouldfail]") {
  SmallIndex ix({{"g", "the gold medal" + kFiller},
                 {"s", "swimmers sprinted swiftly and swam south, seeking silver" + kFiller}});
  oly::SearchOptions so;
  so.index_dir = ix.path;
  oly::Searcher s(so);
  CHECK(ids(s, "gold s*", with(StemMode::kTiebreak)).front() == "g");
}

// ---------------------------------------------------------------------------------------
// Proximity.

TEST_CASE("ranking: adjacent query words close together rank higher with --proximity",
          "[ranking]") {
  // The same words, counts and length; "a" (first by id when scores tie) has them apart.
  SmallIndex ix({{"a", "gold" + kFiller + " medal"}, {"b", "gold medal" + kFiller}});
  oly::SearchOptions so;
  so.index_dir = ix.path;
  oly::Searcher s(so);
  for (StemMode m : {StemMode::kTiebreak, StemMode::kSynonym, StemMode::kOr, StemMode::kExact}) {
    INFO(oly::stem_mode_name(m));
    CHECK(ids(s, "gold medal", with(m, false)) == Strings{"a", "b"});
    CHECK(ids(s, "gold medal", with(m, true)) == Strings{"b", "a"});
    CHECK(ids(s, "gold medal", with(m, true), false) == Strings{"b", "a"});
    // In either order (unordered window), and never adding a match.
    CHECK(ids(s, "medal gold", with(m, true)) == Strings{"b", "a"});
    CHECK(ids(s, "gold silver", with(m, true)) == Strings{"a", "b"});
    CHECK(ids(s, "gold silver", with(m, true), false).empty());
  }
}

// ---------------------------------------------------------------------------------------
// Feedback.

TEST_CASE("ranking: feedback adds terms and keeps exactly the query's matches", "[ranking]") {
  std::vector<std::pair<std::string, std::string>> docs;
  for (int i = 0; i < 12; ++i) {
    docs.push_back({"k" + std::to_string(i), "kayak slalom canoe paddle" + kFiller});
  }
  docs.push_back({"x", "canoe trip on the lake" + kFiller});
  docs.push_back({"y", "a kayak and a paddle on the river" + kFiller});
  docs.push_back({"z", "nothing to see here" + kFiller});
  SmallIndex ix(docs);
  oly::SearchOptions so;
  so.index_dir = ix.path;
  oly::Searcher s(so);
  for (bool any : {true, false}) {
    for (const std::string q : {"canoe", "kayak paddle", "canoe kayak"}) {
      INFO(q << (any ? " --any" : ""));
      Strings plain = ids(s, q, with(StemMode::kSynonym), any);
      Strings fed = ids(s, q, with(StemMode::kSynonym, false, true), any);
      REQUIRE_FALSE(plain.empty());
      std::sort(plain.begin(), plain.end());
      std::sort(fed.begin(), fed.end());
      CHECK(fed == plain);
    }
  }
  oly::SearchRequest rq;
  rq.query = "canoe";
  rq.ranking = with(StemMode::kSynonym, false, true);
  const std::string desc = s.search(rq).xapian;
  CHECK(desc.find("slalom") != std::string::npos);
  // "x" holds canoe but none of the top articles' other words: feedback ranks it last.
  rq.limit = 100;
  CHECK(s.search(rq).hits.back().article.id == "x");
}

// ---------------------------------------------------------------------------------------
// Spellings: --stems, --[no-]proximity, --[no-]feedback, the batch keys, --explain.

TEST_CASE("ranking: switch names, --explain and refusals", "[ranking][cli]") {
  CHECK(oly::parse_stem_mode("tiebreak") == StemMode::kTiebreak);
  CHECK(oly::parse_stem_mode("synonym") == StemMode::kSynonym);
  CHECK(oly::parse_stem_mode("or") == StemMode::kOr);
  CHECK(oly::parse_stem_mode("exact") == StemMode::kExact);
  for (const char* bad : {"", "Synonym", "stem", "exact "}) {
    CHECK_THROWS_AS(oly::parse_stem_mode(bad), std::invalid_argument);
  }
  CHECK(oly::describe_ranking(RankingOptions{}) == "stems=tiebreak proximity=off feedback=off");

  SmallIndex ix({{"a", "gold medal" + kFiller}});
  using oly::search_test::run_searcher;
  struct CliCase {
    Strings args;
    std::string input;  // for --batch
    int code;
    std::string in_err;  // expected in stderr
  };
  const std::vector<CliCase> cases = {
      {{"--explain", "--stems", "or", "--no-proximity", "--feedback", "gold"},
       "",
       0,
       "ranking: stems=or proximity=off feedback=on"},
      {{"--explain", "gold"}, "", 0, "ranking: stems=tiebreak proximity=off feedback=off"},
      {{"--stems", "stem", "gold"}, "", 2, "--stems"},
      {{"--stems=", "gold"}, "", 2, "--stems"},
      {{"--proximity=maybe", "gold"}, "", 2, "proximity"},
      {{"--batch", "--json", "--explain"},
       R"({"query":"gold","stems":"exact","proximity":false,"feedback":true})",
       0,
       "ranking: stems=exact proximity=off feedback=on"},
      {{"--batch", "--json"}, R"({"query":"gold","stems":"stem"})", 2, "\"stems\": expected"},
      {{"--batch", "--json"}, R"({"query":"gold","proximity":1})", 2, "\"proximity\": expected"},
      {{"--batch", "--json"}, R"({"query":"gold","feedback":"on"})", 2, "\"feedback\": expected"},
  };
  for (const CliCase& c : cases) {
    const auto r = run_searcher(ix.path, c.args, c.input);
    INFO(c.input << " stderr: " << r.err);
    CHECK(r.code == c.code);
    CHECK(r.err.find(c.in_err) != std::string::npos);
  }
}

// ---------------------------------------------------------------------------------------
// One index, three local shards, three remote shards: the same ids in the same order for
// every switch.

const std::string kShardQueries =
    "gold medal\n"
    "Olympic swimming records\n"
    "{\"query\":\"running race\",\"any\":true}\n"
    "{\"query\":\"the opening ceremony in paris\",\"any\":true}\n"
    "{\"query\":\"athletes won medals\",\"any\":true}\n";

// The hits of each line: "line: id id id ...".
Strings hit_lists(const oly::search_test::CommandResult& r) {
  INFO(r.err);
  CHECK(r.code <= 1);
  Strings out(6);
  for (const auto& line : oly::search_test::lines_of(r.out)) {
    const json j = json::parse(line);
    if (j["type"] == "hit")
      out.at(j["line"].get<std::size_t>()) += j["id"].get<std::string>() + " ";
  }
  return out;
}

TEST_CASE("ranking: one index, 3 shards and 3 remote shards rank alike for every switch",
          "[ranking][scale_out]") {
  TempDir dir("ranking-shards");
  const std::string one = dir / "one", sharded = dir / "sh";
  const std::string src = oly::search_test::shell_quote(OLY_SOURCE_DIR);
  const std::string indexer = oly::search_test::shell_quote(OLY_INDEXER);
  REQUIRE(oly::search_test::run_command("cd " + src + " && " + indexer +
                                        " --progress never -q -d " +
                                        oly::search_test::shell_quote(one) + " corpus")
              .code == 0);
  REQUIRE(oly::search_test::run_command("cd " + src + " && " + indexer +
                                        " --progress never -q --shards 3 -d " +
                                        oly::search_test::shell_quote(sharded) + " corpus")
              .code == 0);
  const oly::scale_out::ShardServers servers(sharded);
  if (servers.empty()) WARN("xapian-tcpsrv is not installed: remote shards not checked");
  const std::vector<Strings> switches = {{"--stems", "tiebreak"},
                                         {"--stems", "synonym"},
                                         {"--stems", "or"},
                                         {"--stems", "exact"},
                                         {"--feedback"}};
  for (const Strings& sw : switches) {
    Strings args{"--json", "--batch", "--no-cache", "-n", "20", "--snippets", "0"};
    args.insert(args.end(), sw.begin(), sw.end());
    INFO(sw.back());
    const Strings want = hit_lists(oly::search_test::run_searcher(one, args, kShardQueries));
    CHECK_FALSE(want[1].empty());
    CHECK(hit_lists(oly::search_test::run_searcher(sharded + "/XAPIANDB", args, kShardQueries)) ==
          want);
    if (servers.empty()) continue;
    CHECK(hit_lists(oly::search_test::run_searcher(servers.first(), servers.with_others(args),
                                                   kShardQueries)) == want);
  }
  // Proximity scored differently over 3 shards: refused there, not answered differently.
  for (const char* flag : {"--proximity"}) {
    const auto r = oly::search_test::run_searcher(sharded + "/XAPIANDB", {flag, "gold medal"});
    CHECK(r.code == 2);
    CHECK(r.err.find(std::string(flag) + " ranks differently over 3 shards") != std::string::npos);
    CHECK(oly::search_test::run_searcher(one, {flag, "gold medal"}).code == 0);
  }
}

}  // namespace
