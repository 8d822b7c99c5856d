// The whole sample corpus (corpus/) indexed by the real indexer, then queried with the
// real searcher: for each query, the article that must come first (or within the top 3).
// Ids are "corpus/<path>" for files and the "id" field for JSON Lines records.
#include <algorithm>
#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "searcher_test_util.h"
#include "test_util.h"

namespace {

using oly::search_test::CommandResult;
using oly::search_test::lines_of;
using oly::search_test::run_indexer;
using oly::search_test::run_searcher;
using Strings = std::vector<std::string>;

// The corpus index, built once per test run (in the source directory, so that ids are
// "corpus/...") and removed at exit.
struct CorpusIndex {
  oly::test::TempDir dir{"corpus"};
  std::string path = dir / "index";
  CommandResult built = run_indexer(path, {"corpus"});
};

const std::string& corpus_index() {
  static CorpusIndex ix;
  INFO("indexer stderr: " << ix.built.err);
  REQUIRE(ix.built.code == 0);
  return ix.path;
}

// The ids of the top `n` hits, best first.
Strings top(const std::string& query, int n = 3, Strings extra = {}) {
  Strings args = {"--ids", "-n", std::to_string(n)};
  args.insert(args.end(), extra.begin(), extra.end());
  args.push_back(query);
  const CommandResult r = run_searcher(corpus_index(), args);
  INFO("searcher stderr: " << r.err);
  CHECK(r.code <= 1);
  return lines_of(r.out);
}

std::string rank_list(const Strings& ids) {
  std::string s;
  for (std::size_t i = 0; i < ids.size(); ++i) s += "\n  " + std::to_string(i + 1) + ". " + ids[i];
  return s.empty() ? " (no hits)" : s;
}

struct Row {
  const char* query;
  const char* expected;  // id of the article
  bool first;            // must be the top hit (else: within the top 3)
};

void check_rows(const std::vector<Row>& rows) {
  for (const Row& row : rows) {
    const Strings got = top(row.query);
    INFO("query: " << row.query << "\nexpected " << (row.first ? "first: " : "in the top 3: ")
                   << row.expected << "\ngot:" << rank_list(got));
    if (row.first) {
      CHECK((!got.empty() && got[0] == row.expected));
    } else {
      CHECK(std::find(got.begin(), got.end(), row.expected) != got.end());
    }
  }
}

// `a` is ranked above `b` for `query` (both found).
void check_above(const std::string& query, const std::string& a, const std::string& b) {
  const Strings got = top(query, 50);
  INFO("query: " << query << "\n" << a << "\nmust rank above\n" << b << "\ngot:" << rank_list(got));
  const auto ia = std::find(got.begin(), got.end(), a);
  const auto ib = std::find(got.begin(), got.end(), b);
  REQUIRE(ia != got.end());
  REQUIRE(ib != got.end());
  CHECK(ia - got.begin() < ib - got.begin());  // 0-based ranks
}

const std::string kArt = "corpus/articles/";

}  // namespace

TEST_CASE("corpus: words, phrases and wildcards find their article", "[corpus]") {
  check_rows({
      // Exact phrases.
      {"\"golden goal\"", "corpus/articles/vancouver-2010/crosby-golden-goal.txt", true},
      {"\"Isles of Wonder\"", "corpus/articles/london-2012/opening-ceremony-isles-of-wonder.txt",
       true},
      {"\"Double McTwist\"", "corpus/articles/vancouver-2010/shaun-white-halfpipe.txt", true},
      // Plain words.
      {"Wembanyama", "corpus/articles/paris-2024/usa-basketball-beats-france.txt", true},
      {"celine dion", "corpus/articles/paris-2024/opening-ceremony-seine.txt", true},
      {"skimo", "wire-2026-003", true},  // a JSON Lines record
      // Accents: with and without.
      {"Bjørgen", "corpus/articles/pyeongchang-2018/bjorgen-15th-medal.txt", true},
      {"bjorgen", "corpus/articles/pyeongchang-2018/bjorgen-15th-medal.txt", true},
      {"Ledecká", "corpus/seed/ledecka-ski-and-snowboard-pyeongchang-2018.txt", true},
      {"ledecka", "corpus/seed/ledecka-ski-and-snowboard-pyeongchang-2018.txt", true},
      // Wildcards.
      {"teahup*", "corpus/articles/paris-2024/teahupoo-kauli-vaast.txt", true},
      {"Kipcho*", "corpus/articles/tokyo-2020/kipchoge-sapporo-marathon.txt", true},
      {"mascot*", "wire-2026-010", true},
      // NEAR.
      // "Phelps wins eighth gold to pass Spitz's": the two words span 7 positions.
      {"Phelps NEAR/7 Spitz", "corpus/articles/beijing-2008/phelps-eight-golds.txt", true},
      {"Duplantis NEAR world NEAR record",
       "corpus/articles/paris-2024/duplantis-6-25-world-record.txt", true},
  });
  // A window narrower than the words' span finds nothing (nowhere else in the corpus are
  // the two names that close).
  CHECK(top("Phelps NEAR/6 Spitz") == Strings{});
}

TEST_CASE("corpus: French, German, Spanish, Japanese and Chinese queries", "[corpus]") {
  check_rows({
      {"phénomène", "corpus/articles/paris-2024/marchand-phenomene.txt", true},
      {"phenomene", "corpus/articles/paris-2024/marchand-phenomene.txt", true},
      {"troisième titre", "corpus/articles/paris-2024/riner-troisieme-titre.txt", true},
      {"troisieme titre", "corpus/articles/paris-2024/riner-troisieme-titre.txt", true},
      {"TROISIÈME TITRE", "corpus/articles/paris-2024/riner-troisieme-titre.txt", true},
      {"Sotschi", "corpus/articles/sochi-2014/rodel-gold-sotschi.txt", true},
      {"羽生結弦", "corpus/articles/pyeongchang-2018/hanyu-back-to-back.txt", true},
      {"東京オリンピック", "corpus/articles/tokyo-2020/horigome-street-gold.txt", true},
      {"鸟巢", "corpus/articles/beijing-2008/opening-ceremony-bird-nest.txt", true},
      {"谷爱凌", "corpus/articles/beijing-2022/gu-ailing-su-yiming-shougang.txt", true},
  });
}

TEST_CASE("corpus: fields and filters", "[corpus]") {
  check_rows({
      {"title:Djokovic", "corpus/articles/paris-2024/djokovic-golden-slam.txt", true},
      {"title:\"time trial\"", "corpus/articles/london-2012/wiggins-time-trial.txt", true},
      {"tag:pole-vault", "corpus/articles/paris-2024/duplantis-6-25-world-record.txt", true},
      {"tag:Tom-Cruise", "corpus/articles/paris-2024/closing-ceremony-tom-cruise.txt", true},
      {"lang:de Rodler", "corpus/articles/sochi-2014/rodel-gold-sotschi.txt", true},
      {"lang:ES oro", "corpus/articles/rio-2016/marin-belmonte-oro.txt", false},
      {"lang:es oro", "corpus/articles/paris-2024/espana-oro-futbol.txt", false},
      {"curling date:2018", "corpus/articles/pyeongchang-2018/shuster-curling-gold.txt", true},
      {"curling date:2014", "corpus/articles/sochi-2014/canada-curling-double.txt", true},
      {"curling date:2022-02", "corpus/articles/beijing-2022/muirhead-curling-gold.txt", true},
      {"source:\"Curling Desk\" date:2022",
       "corpus/articles/beijing-2022/muirhead-curling-gold.txt", true},
      // 2010-02-28T18:45:00-08:00 is 2010-03-01 in UTC.
      {"hockey date:2010-03-01", "corpus/articles/vancouver-2010/crosby-golden-goal.txt", true},
      {"id:wire-2026-010", "wire-2026-010", true},
      {"id:corpus/seed/bolt-200m-world-record-beijing-2008.txt",
       "corpus/seed/bolt-200m-world-record-beijing-2008.txt", true},
  });
  // Filters only select: every hit of a lang: filter is in that language.
  const CommandResult de = run_searcher(corpus_index(), {"--json", "-n", "100", "lang:DE"});
  CHECK(de.code == 0);
  std::size_t hits = 0;
  for (const std::string& line : lines_of(de.out)) {
    const auto j = nlohmann::json::parse(line);
    if (j["type"] != "hit") continue;
    ++hits;
    INFO(j["id"]);
    CHECK(j["lang"] == "de");
    CHECK(j["score"] == 0);
  }
  CHECK(hits >= 4);
  // Date bounds and sorting over the corpus.
  const Strings newest = top("curling", 3, {"--sort", "-date"});
  REQUIRE_FALSE(newest.empty());
  CHECK(newest[0] != "corpus/articles/sochi-2014/canada-curling-double.txt");
  CHECK(top("curling", 10, {"--since", "2014-01", "--until", "2014-12"}) ==
        Strings{"corpus/articles/sochi-2014/canada-curling-double.txt"});
}

TEST_CASE("corpus: a word in the title ranks above the same word in a body", "[corpus]") {
  // Each pair: the first article has the word in its title, the second only in its body
  // (as often or more).
  check_above("Sochi", kArt + "sochi-2014/kotsenburg-slopestyle.txt",
              kArt + "pyeongchang-2018/shaun-white-third-gold.txt");
  check_above("Bercy", kArt + "paris-2024/biles-andrade-bercy.txt",
              kArt + "paris-2024/usa-basketball-beats-france.txt");
  check_above("gymnastics", kArt + "paris-2024/biles-andrade-bercy.txt",
              kArt + "tokyo-2020/biles-beam-bronze-return.txt");
  check_above("trial", kArt + "london-2012/wiggins-time-trial.txt",
              kArt + "beijing-2008/chris-hoy-three-golds.txt");
  check_above("Finland", kArt + "beijing-2022/finland-first-hockey-gold.txt", "wire-2026-004");
  check_rows({
      {"Sochi", "corpus/articles/sochi-2014/kotsenburg-slopestyle.txt", true},
      {"skateboarding", "corpus/articles/tokyo-2020/skateboarding-debut-street.txt", true},
  });
}

// Formerly a bug: a query word was stemmed only in the index default language (English),
// while a German article stores German stems ("whistler" -> "whistl"), so a German article
// with the word in its title lost to an English one with it only in the body. Query
// words are now stemmed in every language of the index (metadata oly.languages).
TEST_CASE("corpus: the title rule also holds for articles in another language", "[corpus]") {
  check_above("\"Whistler\"", kArt + "vancouver-2010/riesch-rebensburg-gold.txt",
              kArt + "vancouver-2010/vonn-downhill.txt");
  check_above("Whistler", kArt + "vancouver-2010/riesch-rebensburg-gold.txt",
              kArt + "vancouver-2010/vonn-downhill.txt");
}

// ------------------------------------------------------------ order and totals

namespace {

// Articles with equal scores and equal dates, written in an order that is neither their
// id order nor the order of any thread's shard.
struct TieFixture {
  oly::test::TempDir dir{"ties"};
  std::string jsonl = dir / "ties.jsonl";
  Strings ids;  // every article's id
  TieFixture() {
    std::string text;
    for (int i = 0; i < 40; ++i) {
      const int n = (i * 17) % 40;  // a permutation of 0..39
      const std::string id = "tie-" + std::string(n < 10 ? "0" : "") + std::to_string(n);
      // Dated on one of two days, or undated; the same text, so the same score.
      const std::string date = n % 3 == 0 ? "" : n % 3 == 1 ? "2024-08-01" : "2024-08-02";
      text += R"({"id":")" + id + R"(","title":"Rowing","body":"Gold on the lake for the )" +
              R"(rowing eight.")" + (date.empty() ? "" : R"(,"date":")" + date + "\"") + "}\n";
      ids.push_back(id);
    }
    oly::test::write_file(jsonl, text);
  }
};

Strings ranked(const std::string& index, Strings args) {
  args.insert(args.begin(), {"--ids", "-n", "100"});
  const CommandResult r = run_searcher(index, args);
  INFO("searcher stderr: " << r.err);
  CHECK(r.code == 0);
  return lines_of(r.out);
}

}  // namespace

// Formerly a bug: equal scores came out in docid order, and bulk indexing assigns docids
// by worker shard, so the ranking changed with the indexer's -j. Ties now sort by the
// article id (value slot schema::kSlotId), and --sort date puts undated articles last.
TEST_CASE("search: equal scores and dates are ordered by id, whatever the indexer's -j",
          "[corpus][searcher_cli]") {
  TieFixture fx;
  const std::string one = fx.dir / "j1", four = fx.dir / "j4";
  for (const auto& [index, threads] : {std::pair{one, "1"}, std::pair{four, "4"}}) {
    const CommandResult r = run_indexer(index, {"-j", threads, fx.jsonl});
    INFO("indexer stderr: " << r.err);
    REQUIRE(r.code == 0);
  }
  Strings by_id = fx.ids;
  std::sort(by_id.begin(), by_id.end());
  // Undated last in both orders; within a day, by id.
  Strings oldest, newest, undated;
  for (const std::string d : {"2024-08-01", "2024-08-02"}) {
    for (const std::string& id : by_id) {
      const int n = std::stoi(id.substr(4));
      const bool on_day = n % 3 != 0 && (n % 3 == 1) == (d == std::string("2024-08-01"));
      if (on_day) oldest.push_back(id);
    }
  }
  for (const std::string& id : by_id) {
    if (std::stoi(id.substr(4)) % 3 == 0) undated.push_back(id);
  }
  newest.assign(oldest.begin() + 13, oldest.end());  // 13 articles on 2024-08-01
  newest.insert(newest.end(), oldest.begin(), oldest.begin() + 13);
  oldest.insert(oldest.end(), undated.begin(), undated.end());
  newest.insert(newest.end(), undated.begin(), undated.end());

  for (const std::string& index : {one, four}) {
    INFO("index built with -j " << (index == one ? 1 : 4));
    CHECK(ranked(index, {"rowing"}) == by_id);
    CHECK(ranked(index, {"--any", "gold lake"}) == by_id);
    CHECK(ranked(index, {"--sort", "date", "rowing"}) == oldest);
    CHECK(ranked(index, {"--sort", "-date", "rowing"}) == newest);
  }
  CHECK(ranked(one, {"--offset", "5", "rowing"}) == Strings(by_id.begin() + 5, by_id.end()));
}

// Formerly a bug: `-n 1 'NOT the'` said "about 800 matches" for 6,239 on general-news:
// only 111 candidates were checked. Up to kExactCountUpTo matches are now counted
// exactly, and total_is_exact is true only when Xapian's bounds meet. NOTE: at 400
// articles Xapian counts exactly even with the old 111, so this guards the behaviour but
// does not reproduce the bug; that needs an index of thousands of articles (TODO).
TEST_CASE("search: totals up to 10,000 are exact", "[corpus][searcher_cli]") {
  oly::test::TempDir dir{"totals"};
  std::string text;
  for (int i = 0; i < 400; ++i) {
    text += R"({"id":"t)" + std::to_string(i) + R"(","body":")" +
            (i % 50 == 0 ? "A rare word." : "Gold medals for the rowing eight.") + "\"}\n";
  }
  oly::test::write_file(dir / "t.jsonl", text);
  const std::string index = dir / "index";
  REQUIRE(run_indexer(index, {dir / "t.jsonl"}).code == 0);
  for (const auto& [query, total] :
       {std::pair{"NOT rare", 392}, std::pair{"medal", 392}, std::pair{"rowing NEAR/3 eight", 392},
        std::pair{"gold OR rare", 400}}) {
    const CommandResult r = run_searcher(index, {"--json", "-n", "1", query});
    INFO("query: " << query << "\n" << r.out << r.err);
    REQUIRE(r.code == 0);
    const auto summary = nlohmann::json::parse(lines_of(r.out).back());
    CHECK(summary["estimated_total"] == total);
    CHECK(summary["total_is_exact"] == true);
  }
}
