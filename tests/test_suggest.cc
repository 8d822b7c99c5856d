// Did you mean (issue 16): misspellings -> the suggested query, built from the index's own
// vocabulary; none for a query that matches well, a rare correct word, or a rewrite that
// would find nothing more; fields, phrases and operators kept; CJK declined and said so;
// the same suggestions from one index, local shards and remote shards; the CLI and JSON.
#include <xapian.h>

#include <catch2/catch.hpp>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "search.h"
#include "searcher_test_util.h"
#include "server_util.h"
#include "suggest.h"
#include "test_util.h"

namespace {

using nlohmann::json;
using oly::test::TempDir;
using oly::test::write_file;
namespace st = oly::search_test;

// A small vocabulary with known frequencies: `marathon` and `kipchoge` in 12 articles,
// `olympic` and `games` in 15, a typo `marathn` written once, `hurdler` twice and
// `hurdles` three times, `unit` and `final` in 15 articles, `united` twice, `thee` in 3,
// a typo `kipchoke` and `olimpico` once, one Russian and one Japanese article (which names
// Kipchoge).
std::string fixture_jsonl() {
  std::string out;
  auto add = [&](const std::string& id, const std::string& title, const std::string& body,
                 const std::string& lang) {
    json j{{"id", id}, {"title", title}, {"body", body}, {"date", "2021-08-08"}};
    if (!lang.empty()) j["lang"] = lang;
    out += j.dump() + "\n";
  };
  for (int i = 0; i < 12; ++i) {
    add("m" + std::to_string(i), "Marathon report " + std::to_string(i),
        "Eliud Kipchoge ran the marathon at the Olympic Games in Sapporo.", "en");
  }
  for (int i = 0; i < 3; ++i) {
    add("s" + std::to_string(i), "Swimming heats",
        "Olympic swimming heats at the Games; the hurdles final came later.", "en");
  }
  for (int i = 0; i < 2; ++i)
    add("h" + std::to_string(i), "A hurdler", "The hurdler trained.", "en");
  add("typo", "Notes", "A typo in the wire copy: the marathn was long.", "en");
  for (int i = 0; i < 15; ++i)
    add("u" + std::to_string(i), "Army crew", "The army unit rowed; the final was close.", "en");
  for (int i = 0; i < 3; ++i) add("thee" + std::to_string(i), "Hymn", "Thee and thou.", "en");
  add("kipchoke", "Notes", "Another typo: Kipchoke won.", "en");
  add("olimpico", "Rome", "The Stadio Olimpico was full.", "en");
  for (int i = 0; i < 2; ++i)
    add("united" + std::to_string(i), "Rowing", "The United crew rowed to the bank.", "en");
  add("ru", "Москва", "Спортсмены выиграли медали в Москве.", "ru");
  add("ja", "東京", "東京オリンピックで金メダルを獲得した。Kipchoge", "ja");
  return out;
}

struct FixtureIndex {
  TempDir dir{"suggest"};
  std::string path = dir / "idx";
  std::string sharded = dir / "sh";
  FixtureIndex() {
    write_file(dir / "a.jsonl", fixture_jsonl());
    REQUIRE(st::run_indexer(path, {dir / "a.jsonl"}).code == 0);
    const std::string cmd = "cd " + st::shell_quote(OLY_SOURCE_DIR) + " && " +
                            st::shell_quote(OLY_INDEXER) + " --progress never -q --shards 3 -d " +
                            st::shell_quote(sharded) + " " + st::shell_quote(dir / "a.jsonl");
    REQUIRE(st::run_command(cmd).code == 0);
  }
};

FixtureIndex& fixture() {
  static FixtureIndex f;
  return f;
}

struct Case {
  std::string query;
  std::string want;  // "" = no suggestion
};

const std::vector<Case> kCases = {
    // Misspellings: deletion, insertion, substitution, transposition, doubled letter.
    {"kipchogee", "kipchoge"},
    {"kipchoe", "kipchoge"},
    {"kipchpge", "kipchoge"},
    {"kipcohge", "kipchoge"},
    {"maraathon", "marathon"},
    {"olimpic games", "olympic games"},
    {"olimpic gmaes", "olympic games"},  // two words, each replaced
    // The typo is the first letter: deleted, replaced, added, swapped.
    {"lympic", "olympic"},
    {"klympic", "olympic"},
    {"oolympic", "olympic"},
    {"lolympic", "olympic"},
    {"loympic", "olympic"},
    // Equally near words: the one holding every letter typed (a letter left out) counts
    // ten times its articles; with none holding them all, the more common.
    {"unitd", "united"},  // 2 articles x 10, not `unit` (15 articles)
    {"Unitd", "United"},
    {"unitt", "unit"},  // `united` is two edits away
    // ... so a word ten times as common still wins: `olympic` (15), not `olimpico` (1).
    {"olimpic", "olympic"},
    {"fimal", "final"},
    // A typo that is itself in the index once: the common word is offered, also when it
    // does not hold every letter typed.
    {"marathn", "marathon"},
    {"kipchoke", "kipchoge"},
    // Case as written; capitals never make an operator.
    {"Olimpic", "Olympic"},
    {"MARATHN", "MARATHON"},
    // Fields, phrases and operators kept; only words replaced.
    {"title:marathn", "title:marathon"},
    {"TITLE:marathn", "TITLE:marathon"},
    {"\"olimpic games\"", "\"olympic games\""},
    {"title:\"marathn report\"", "title:\"marathon report\""},
    {"(kipchogee OR xylophonequartz) AND games", "(kipchoge OR xylophonequartz) AND games"},
    {"+kipchogee   -swimming", "+kipchoge   -swimming"},
    {"marathn NOT swiming", "marathon NOT swiming"},  // an excluded word is left alone
    {"marathn -(swiming OR hurdls)", "marathon -(swiming OR hurdls)"},
    {"marathn date:2021", "marathon date:2021"},
    {"kipchogee NEAR/5 marathon", "kipchoge NEAR/5 marathon"},
    // Non-Latin alphabets work like Latin ones.
    {"спортсмнеы", "спортсмены"},
    {"Спортсмнеы", "Спортсмены"},
    // None: the query matches well, a word is correct, nothing is near, a wildcard, a
    // field value that is not text, a rare correct word near a slightly more common one.
    {"olympic", ""},
    {"kipchoge", ""},
    {"xylophonequartz", ""},
    {"marathn*", ""},
    {"lang:marathn", ""},
    {"tag:marathn", ""},
    {"hurdler", ""},
    // A word in 3 articles is a word: not replaced by a far more common one (`the`, 30+
    // articles) that lacks a letter of it.
    {"thee", ""},
    {"-marathn games", ""},
    {"NOT marathn", ""},
    // A rewrite that would not find more is not offered (no article has both words).
    {"marathn hurdler", ""},
    // Too short to guess: one edit from too many words.
    {"th", ""},
    // CJK is declined (see the note test below).
    {"金メダリ", ""},
};

oly::SearchRequest request(const std::string& q) {
  oly::SearchRequest rq;
  rq.query = q;
  rq.limit = 3;
  rq.today = "2026-01-01";
  return rq;
}

TEST_CASE("suggest: misspelling -> suggestion, and none where none is right", "[suggest]") {
  oly::SearchOptions o;
  o.index_dir = fixture().path;
  oly::Searcher searcher(o);
  for (const Case& c : kCases) {
    CAPTURE(c.query);
    const oly::SearchResult r = searcher.search(request(c.query));
    CHECK(r.suggestion == c.want);
    if (!c.want.empty()) {
      // Never applied: the answer is the query's own.
      CHECK(r.query == c.query);
      CHECK(searcher.search(request(c.want)).estimated > r.estimated);
    }
  }
}

TEST_CASE("suggest: off when asked, and for a query with enough matches", "[suggest]") {
  oly::SearchOptions o;
  o.index_dir = fixture().path;
  oly::Searcher searcher(o);
  oly::SearchRequest rq = request("kipchogee");
  rq.suggest = false;
  CHECK(searcher.search(rq).suggestion.empty());
  rq.suggest = true;
  CHECK(searcher.search(rq).suggestion == "kipchoge");  // not the cached answer without
  // `olympc games` misspells a word of 15 articles but --any matches those: enough.
  rq.query = "olympc games";
  rq.match_any = true;
  CHECK(searcher.search(rq).suggestion.empty());
  // --until before every article: the rewrite finds no more either.
  rq.match_any = false;
  rq.query = "kipchogee";
  rq.until = "2020";
  CHECK(searcher.search(rq).suggestion.empty());
}

TEST_CASE("suggest: CJK words are declined explicitly", "[suggest]") {
  oly::SearchOptions o;
  o.index_dir = fixture().path;
  oly::Searcher searcher(o);
  const oly::SearchResult r = searcher.search(request("金メダリ"));
  CHECK(r.suggestion.empty());
  CHECK(r.suggestion_note.find("scripts written without spaces") != std::string::npos);
  // A Latin word beside it is still looked at.
  const oly::SearchResult mixed = searcher.search(request("kipchogee 金メダル"));
  CHECK(mixed.suggestion == "kipchoge 金メダル");
  CHECK_FALSE(mixed.suggestion_note.empty());
  CHECK(searcher.search(request("kipchogee")).suggestion_note.empty());
}

TEST_CASE("suggest: edit_distance counts a transposition as one edit", "[suggest]") {
  struct D {
    std::u32string a, b;
    std::size_t limit, want;
  };
  for (const D& d : std::vector<D>{{U"marathon", U"marathon", 2, 0},
                                   {U"marathon", U"maratohn", 2, 1},
                                   {U"marathon", U"marthon", 2, 1},
                                   {U"marathon", U"marrathon", 2, 1},
                                   {U"marathon", U"narathon", 2, 1},
                                   {U"marathon", U"mrathn", 2, 2},
                                   {U"marathon", U"mrtn", 2, 3},  // above the limit: limit + 1
                                   {U"abc", U"", 5, 3},
                                   {U"", U"", 1, 0},
                                   {U"спорт", U"сопрт", 1, 1}}) {
    CAPTURE(std::string(d.a.begin(), d.a.end()).size());
    CHECK(oly::edit_distance(d.a, d.b, d.limit) == d.want);
  }
}

const char* const kBatch =
    "kipchogee\n"
    "olimpic gmaes\n"
    "lympic\n"
    "title:\"marathn report\"\n"
    "marathn\n"
    "спортсмнеы\n"
    "olympic\n"
    "marathn hurdler\n"
    "{\"query\":\"kipchogee\",\"suggest\":false}\n";

std::vector<json> suggestions(const st::CommandResult& r) {
  std::vector<json> out;
  for (const std::string& line : st::lines_of(r.out)) {
    const json j = json::parse(line);
    if (j["type"] == "summary") out.push_back({j["estimated_total"], j["suggestion"]});
  }
  return out;
}

TEST_CASE("suggest: the same from one index, local shards and remote shards", "[suggest]") {
  FixtureIndex& f = fixture();
  const std::vector<std::string> batch{"--json", "--batch", "-n", "1"};
  const auto base = suggestions(st::run_searcher(f.path, batch, kBatch));
  REQUIRE(base.size() == 9);
  CHECK(base[0][1] == "kipchoge");
  CHECK(base[1][1] == "olympic games");
  CHECK(base[2][1] == "olympic");
  CHECK(base[6][1].is_null());
  CHECK(base[8][1].is_null());
  CHECK(suggestions(st::run_searcher(
            f.sharded + "/shard0", oly::scale_out::with_local_shards(batch, f.sharded), kBatch)) ==
        base);
  CHECK(suggestions(st::run_searcher(f.sharded + "/XAPIANDB", batch, kBatch)) == base);
  const oly::scale_out::ShardServers servers(f.sharded);
  if (servers.empty()) {
    WARN("xapian-tcpsrv is not installed: remote shards not checked");
    return;
  }
  CHECK(suggestions(st::run_searcher(servers.first(), servers.with_others(batch), kBatch)) == base);
}

TEST_CASE("searcher: Did you mean in text, JSON, --explain; --no-suggest", "[suggest]") {
  FixtureIndex& f = fixture();
  const auto text = st::run_searcher(f.path, {"--", "olimpic games"});
  CHECK(text.code == 1);  // no match: the exit status is the query's, not the suggestion's
  CHECK(text.out.find("\nDid you mean: olympic games\n") != std::string::npos);
  const auto none = st::run_searcher(f.path, {"olympic"});
  CHECK(none.out.find("Did you mean") == std::string::npos);
  const auto off = st::run_searcher(f.path, {"--no-suggest", "olimpic"});
  CHECK(off.out.find("Did you mean") == std::string::npos);

  const auto j = st::run_searcher(f.path, {"--json", "kipchogee"});
  const json summary = json::parse(st::lines_of(j.out).back());
  CHECK(summary["suggestion"] == "kipchoge");
  const auto jn = st::run_searcher(f.path, {"--json", "--no-suggest", "kipchogee"});
  CHECK(json::parse(st::lines_of(jn.out).back())["suggestion"].is_null());

  const auto e = st::run_searcher(f.path, {"--explain", "kipchogee"});
  CHECK(e.err.find("did you mean: kipchoge\n") != std::string::npos);
  const auto cjk = st::run_searcher(f.path, {"--explain", "金メダリ"});
  CHECK(cjk.err.find("did you mean: not offered for words of scripts written without spaces") !=
        std::string::npos);

  const auto bad = st::run_searcher(f.path, {"--batch"}, "{\"query\":\"x\",\"suggest\":1}\n");
  CHECK(bad.err.find("\"suggest\": expected true or false") != std::string::npos);
}

}  // namespace
