// Near-duplicate groups (issue 16): fingerprints and their stored form, groups made at
// index time (edited copies in, other stories, template reports and short bodies out),
// regrouping by update runs, and --collapse: one hit per group with its similar members,
// the same from one index, local shards and remote shards, in text, JSON and --batch.
#include <xapian.h>

#include <algorithm>
#include <catch2/catch.hpp>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <set>
#include <string>
#include <vector>

#include <fstream>
#include <sstream>

#include "dupes.h"
#include "indexing.h"
#include "schema.h"
#include "searcher_test_util.h"
#include "server_util.h"
#include "sharding.h"
#include "test_util.h"

namespace {

using nlohmann::json;
using oly::test::TempDir;
using oly::test::write_file;
namespace st = oly::search_test;

const std::string kFixture = "tests/fixtures/dupes/articles.jsonl";

// A 3-shard index of `input` (relative to the source tree, or absolute) in `dir`.
int index_shards(const std::string& dir, const std::string& input) {
  return st::run_command("cd " + st::shell_quote(OLY_SOURCE_DIR) + " && " +
                         st::shell_quote(OLY_INDEXER) + " --progress never -q --shards 3 -d " +
                         st::shell_quote(dir) + " " + st::shell_quote(input))
      .code;
}

// xapian-tcpsrv over each shard of `dir`, or none, with a warning, when it is not installed.
oly::scale_out::ShardServers serve_shards(const std::string& dir) {
  oly::scale_out::ShardServers servers(dir);
  if (servers.empty()) WARN("xapian-tcpsrv is not installed: remote shards not checked");
  return servers;
}

// copy-sentence (one sentence added) is 11 bits away, beyond kMaxDistance: see the
// [!shouldfail] case below.
const std::vector<std::string> kGroup = {"Marathon-route", "copy-exact", "copy-word"};

// id -> the group key in its document ("" when none), over every database given.
std::map<std::string, std::string> groups_of(const std::vector<std::string>& paths) {
  std::map<std::string, std::string> out;
  for (const auto& path : paths) {
    Xapian::Database db(path);
    for (auto p = db.postlist_begin(""); p != db.postlist_end(""); ++p) {
      const Xapian::Document doc = db.get_document(*p);
      const std::string key = doc.get_value(oly::schema::kSlotDupGroup);
      out[doc.get_value(oly::schema::kSlotId)] = key;
      // The boolean term goes with the slot, and only with it.
      bool has_term = false;
      for (auto t = doc.termlist_begin(); t != doc.termlist_end(); ++t) {
        if ((*t).rfind(std::string(oly::schema::kPrefixDupGroup), 0) == 0) {
          CHECK(*t == oly::dupes::group_term(key));
          has_term = true;
        }
      }
      CHECK(has_term == !key.empty());
    }
  }
  return out;
}

std::map<std::string, std::string> expected_groups(const std::string& key) {
  std::map<std::string, std::string> want = {
      {"Marathon-route", key}, {"copy-exact", key},    {"copy-word", key},
      {"copy-sentence", ""},   {"other-marathon", ""}, {"report-day1", ""},
      {"report-day2", ""},     {"short-1", ""},        {"short-2", ""}};
  return want;
}

TEST_CASE("dupes: the stored fingerprint reads back, anything else is refused", "[dupes]") {
  for (const oly::dupes::Fingerprint f :
       {oly::dupes::Fingerprint{0, 0}, oly::dupes::Fingerprint{~0ULL, 123456},
        oly::dupes::Fingerprint{0x0123456789abcdefULL, 7}}) {
    const auto back = oly::dupes::decode(oly::dupes::encode(f));
    REQUIRE(back);
    CHECK(back->hash == f.hash);
    CHECK(back->shingles == f.shingles);
  }
  CHECK(oly::dupes::encode({0x0123456789abcdefULL, 57}) == "0123456789abcdef 57");
  for (const char* bad :
       {"", "0123456789abcdef", "0123456789abcdef ", "0123456789abcdeg 5", "0123456789abcdef 5x",
        "0123456789abcde 57", "0123456789abcdef -1", "0123456789abcdef+57"}) {
    INFO(bad);
    CHECK_FALSE(oly::dupes::decode(bad));
  }
}

TEST_CASE("dupes: the group term always has a colon, so keys never collide", "[dupes]") {
  CHECK(oly::dupes::group_term("Marathon-route") == "XDG:Marathon-route");
  CHECK(oly::dupes::group_term("abc") == "XDG:abc");
  CHECK(oly::dupes::group_term(":abc") != oly::dupes::group_term("abc"));
}

TEST_CASE("dupes: fingerprints of copies are close, of other texts far", "[dupes]") {
  oly::Analyzer analyzer;
  const std::string base =
      "Organisers of the Lakeside Marathon confirmed on Sunday that the race will move to a new "
      "riverside course next spring, after residents complained about road closures in the old "
      "town. The new route keeps the finish beside the harbour but avoids the narrow streets "
      "near the cathedral, and officials expect more than twelve thousand runners.";
  auto print = [&](const std::string& text) {
    auto f = oly::dupes::fingerprint(analyzer.tokenize(text));
    REQUIRE(f);
    return f->hash;
  };
  const std::uint64_t h = print(base);
  struct Case {
    const char* what;
    std::string text;
    bool close;
  };
  const std::vector<Case> cases = {
      // Case, accents and punctuation are folded away by the analyzer.
      {"upper case and other punctuation",
       "ORGANISERS of the Lakeside Marathon confirmed, on "
       "Sunday, that the race will move to a new riverside course next spring -- after residents "
       "complained about road closures in the old town; the new route keeps the finish beside "
       "the harbour but avoids the narrow streets near the cathedral, and officials expect more "
       "than twelve thousand runners!",
       true},
      {"accents",
       "Organisers of the Lakeside Marathón confirmed on Sunday that the race will "
       "move to a new riverside course next spring, after residents complained about road "
       "closures in the old town. The new route keeps the finish beside the harbour but avoids "
       "the narrow streets near the cathédral, and officials expect more than twelve thousand "
       "runners.",
       true},
      {"another story",
       "Heavy rain flooded the harbour road on Sunday and the city closed the "
       "old town bridge, so buses will run on the riverside until the water falls, officials "
       "said, and residents near the cathedral were asked to stay at home for the night.",
       false},
  };
  for (const Case& c : cases) {
    INFO(c.what);
    const unsigned d = oly::dupes::distance(h, print(c.text));
    if (c.close)
      CHECK(d <= oly::dupes::kMaxDistance);
    else
      CHECK(d > oly::dupes::kMaxDistance);
  }
  CHECK_FALSE(oly::dupes::fingerprint(analyzer.tokenize("two words")));
}

// A run that repeats (signature art, a table of "N.A." cells, uuencoded lines) must weigh as
// one shingle, not once per repeat: counted each time, it outvotes the text around it and
// two unrelated posts with one signature got one fingerprint (20ng rec.motorcycles-105158
// and -104295: distance 0, bench/dupes-pairs.tsv).
TEST_CASE("dupes: a repeated run counts once, so a shared signature or table makes no copy",
          "[dupes]") {
  oly::Analyzer analyzer;
  auto times = [](const std::string& s, int n) {
    std::string out;
    for (int i = 0; i < n; ++i) out += s;
    return out;
  };
  const std::string story_a =
      "Anyone catch the television show last night here in the city? The police needed to "
      "catch a man who put a virus in the mainframe of a hospital, which ended up killing two "
      "patients because the wrong amounts of medication were given to them. Is he on the list? ";
  const std::string story_b =
      "Would anyone out there be able to help me find a shop that sells military combat boots "
      "in size nine? I have phoned around the bigger army and navy stores and nobody seems to "
      "carry them, so a place that does mail order would be welcome. Any help is appreciated. ";
  struct Case {
    const char* what;
    std::string repeated;
  };
  const std::vector<Case> cases = {
      {"signature art", times("o&o>  ", 40) + "\nRob | email rdc | Live for today\n"},
      {"table of missing cells", times("N.A. ", 60)},
      {"uuencoded line", times("MAX>'AX>'AX>'AX>' ", 30)},
      {"separator", times("-- == ** ", 50) + "end of part 1 of 2"},
  };
  for (const Case& c : cases) {
    INFO(c.what);
    const auto a = oly::dupes::fingerprint(analyzer.tokenize(story_a + c.repeated));
    const auto b = oly::dupes::fingerprint(analyzer.tokenize(story_b + c.repeated));
    REQUIRE(a);
    REQUIRE(b);
    CHECK(oly::dupes::distance(a->hash, b->hash) > oly::dupes::kMaxDistance);
  }
  // The shingle count is of distinct shingles, so that a body of one repeated word never
  // reaches kMinShingles.
  const auto run = oly::dupes::fingerprint(analyzer.tokenize(times("ho ", 100)));
  REQUIRE(run);
  CHECK(run->shingles == 1);
}

TEST_CASE("dupes: edited copies are grouped; other stories, reports and short bodies are not",
          "[dupes]") {
  TempDir dir("dupes-one");
  REQUIRE(st::run_indexer(dir / "idx", {kFixture}).code == 0);
  // The key is the group's smallest id (byte order: upper case first).
  CHECK(groups_of({dir / "idx"}) == expected_groups("Marathon-route"));

  // The same groups when the index is sharded: a group spans shards.
  REQUIRE(index_shards(dir / "sh", kFixture) == 0);
  CHECK(groups_of({dir / "sh/shard0", dir / "sh/shard1", dir / "sh/shard2"}) ==
        expected_groups("Marathon-route"));
}

TEST_CASE("dupes: update runs regroup after an edit, a new copy and a prune", "[dupes]") {
  TempDir dir("dupes-update");
  std::vector<json> rows;
  for (const std::string& line :
       st::lines_of(oly::test::read_file(std::string(OLY_SOURCE_DIR) + "/" + kFixture)))
    rows.push_back(json::parse(line));
  auto write_rows = [&](const std::string& path, const std::set<std::string>& skip) {
    std::string text;
    for (const json& r : rows) {
      if (!skip.count(r["id"].get<std::string>())) text += r.dump() + "\n";
    }
    write_file(path, text);
  };
  // First run without the original: the key is the smallest id present.
  write_rows(dir / "a.jsonl", {"Marathon-route"});
  REQUIRE(st::run_indexer(dir / "idx", {dir / "a.jsonl"}).code == 0);
  auto want = expected_groups("copy-exact");
  want.erase("Marathon-route");
  CHECK(groups_of({dir / "idx"}) == want);

  // Update mode: the original arrives (new smallest id: every member is rewritten) and
  // copy-word becomes another story (it leaves the group).
  for (json& r : rows) {
    if (r["id"] == "copy-word") r["body"] = rows[4]["body"].get<std::string>() + " Updated.";
  }
  write_rows(dir / "b.jsonl", {});
  REQUIRE(st::run_indexer(dir / "idx", {dir / "b.jsonl"}).code == 0);
  want = expected_groups("Marathon-route");
  want["copy-word"] = want["other-marathon"] = "copy-word";  // now a copy of other-marathon
  CHECK(groups_of({dir / "idx"}) == want);

  // --prune of the original and of other-marathon: copy-word is alone again, and the
  // rest keep a group keyed by the smallest remaining id.
  write_rows(dir / "c.jsonl", {"Marathon-route", "other-marathon"});
  const std::string cmd = "cd " + st::shell_quote(OLY_SOURCE_DIR) + " && " +
                          st::shell_quote(OLY_INDEXER) + " --progress never -q --prune -d " +
                          st::shell_quote(dir / "idx") + " " + st::shell_quote(dir / "c.jsonl");
  REQUIRE(st::run_command(cmd).code == 0);
  want = expected_groups("copy-exact");
  want.erase("Marathon-route");
  want.erase("other-marathon");
  want["copy-word"] = "";
  // copy-exact's only near copy (copy-sentence is beyond kMaxDistance) is gone: alone.
  want["copy-exact"] = "";
  CHECK(groups_of({dir / "idx"}) == want);
}

// The groups of the index at `dir`: one database, or each of its `shards` shards.
std::map<std::string, std::string> groups_at(const std::string& dir, unsigned shards) {
  if (shards == 0) return groups_of({dir});
  std::vector<std::string> paths;
  for (unsigned s = 0; s < shards; ++s) paths.push_back(dir + "/" + oly::sharding::shard_name(s));
  return groups_of(paths);
}

// A bulk build groups in the workers' scratch databases, before they are merged; an
// update run groups the index itself. Both must give the same groups, for any number of
// workers (a group spread over several scratch databases) and shards.
TEST_CASE("dupes: a bulk build groups as an update run does, any threads and shards", "[dupes]") {
  TempDir dir("dupes-bulk");
  // Every article twice (an exact copy under another id), as bench's scaling run does.
  std::string all, first;
  for (const std::string& line :
       st::lines_of(oly::test::read_file(std::string(OLY_SOURCE_DIR) + "/" + kFixture))) {
    json r = json::parse(line);
    if (first.empty()) first = r.dump() + "\n";
    all += r.dump() + "\n";
    r["id"] = "r2-" + r["id"].get<std::string>();
    all += r.dump() + "\n";
  }
  write_file(dir / "all.jsonl", all);
  write_file(dir / "first.jsonl", first);
  auto index = [&](const std::string& idx, unsigned shards, unsigned threads,
                   const std::string& input) {
    oly::IndexOptions o;
    o.index_dir = idx;
    o.inputs = {input};
    o.shards = shards;
    o.threads = threads;
    std::ostringstream log;
    oly::Diagnostics diag(log);
    oly::build_index(o, diag);
    REQUIRE(diag.errors() == 0);
  };
  index(dir / "base", 0, 1, dir / "all.jsonl");
  const auto want = groups_of({dir / "base"});
  CHECK(want.at("r2-copy-word") == "Marathon-route");
  CHECK(want.at("r2-copy-sentence") == "copy-sentence");
  CHECK(want.at("r2-short-1").empty());
  for (unsigned shards : {0u, 3u}) {
    for (unsigned threads : {1u, 2u, 4u}) {
      INFO("shards " << shards << ", threads " << threads);
      const std::string tag = std::to_string(shards) + "-" + std::to_string(threads);
      index(dir / ("bulk" + tag), shards, threads, dir / "all.jsonl");
      CHECK(groups_at(dir / ("bulk" + tag), shards) == want);
      // One article first (a bulk build), then all of them: an update run groups.
      index(dir / ("update" + tag), shards, threads, dir / "first.jsonl");
      index(dir / ("update" + tag), shards, threads, dir / "all.jsonl");
      CHECK(groups_at(dir / ("update" + tag), shards) == want);
    }
  }
}

// The hits of each --json --batch line, as (line, id, similar, similar_ids).
std::vector<json> collapsed_hits(const st::CommandResult& r) {
  std::vector<json> out;
  for (const std::string& line : st::lines_of(r.out)) {
    json j = json::parse(line);
    if (j["type"] == "hit") {
      out.push_back({j["line"], j["id"], j["similar"], j["similar_ids"]});
    } else if (j["type"] == "summary") {
      out.push_back({j["line"], j["estimated_total"]});
    }
  }
  return out;
}

const char* kBatch =
    "{\"query\": \"marathon\", \"collapse\": true}\n"
    "{\"query\": \"swimming OR runners\", \"collapse\": true}\n"
    "{\"query\": \"twelve thousand\", \"collapse\": true}\n"
    "{\"query\": \"marathon\"}\n";

TEST_CASE("dupes: --collapse gives the same hits on one index, local and remote shards",
          "[dupes]") {
  TempDir dir("dupes-shards");
  REQUIRE(st::run_indexer(dir / "idx", {kFixture}).code == 0);
  REQUIRE(index_shards(dir / "sh", kFixture) == 0);
  const std::vector<std::string> args{"--json", "--batch", "-n", "20"};
  const auto base = collapsed_hits(st::run_searcher(dir / "idx", args, kBatch));
  REQUIRE(base.size() > 8);
  CHECK(collapsed_hits(st::run_searcher(dir / "sh", args, kBatch)) == base);
  CHECK(collapsed_hits(st::run_searcher(
            dir / "sh/shard0", oly::scale_out::with_local_shards(args, dir / "sh"), kBatch)) ==
        base);

  const auto servers = serve_shards(dir / "sh");
  if (servers.empty()) return;
  CHECK(collapsed_hits(st::run_searcher(servers.first(), servers.with_others(args), kBatch)) ==
        base);
}

// The count of collapsed results is exact and the same on every layout (one index, local
// shards, remote shards); the real-news case below is the one Xapian's own bounds got wrong.
TEST_CASE("dupes: --collapse totals count each group once, exactly", "[dupes]") {
  TempDir dir("dupes-totals");
  std::string jsonl;
  const char* words[] = {"alpha", "bravo", "charlie", "delta", "echo", "foxtrot", "golf",
                         "hotel", "india", "juliet",  "kilo",  "lima", "mike",    "november"};
  // 40 stories of 3 exact copies each and 90 single articles, all about a marathon: 130
  // collapsed results of 210 articles. Each body is long enough to be fingerprinted.
  auto body = [&](int story) {
    std::string b = "The marathon story number " + std::to_string(story) + ":";
    for (int w = 0; w < 40; ++w)
      b += std::string(" ") + words[(story * 7 + w * (story % 5 + 1)) % 14] +
           std::to_string((story * 31 + w) % 97);
    return b + ".";
  };
  int id = 0;
  for (int story = 0; story < 130; ++story) {
    for (int copy = 0; copy < (story < 40 ? 3 : 1); ++copy)
      jsonl += "{\"id\":\"a" + std::to_string(id++) + "\",\"body\":\"" + body(story) + "\"}\n";
  }
  const std::string file = dir / "many.jsonl";
  write_file(file, jsonl);
  REQUIRE(st::run_indexer(dir / "idx", {file}).code == 0);
  auto count = [&](const std::string& index, std::vector<std::string> args) {
    args.insert(args.end(), {"--count", "--collapse", "marathon"});
    const st::CommandResult r = st::run_searcher(index, args);
    INFO(r.err);
    return r.out;
  };
  CHECK(count(dir / "idx", {}) == "130\n");
  REQUIRE(index_shards(dir / "sh", file) == 0);
  CHECK(count(dir / "sh", {}) == "130\n");
  const auto servers = serve_shards(dir / "sh");
  if (servers.empty()) return;
  CHECK(count(servers.first(), servers.with_others({})) == "130\n");
}

// Formerly a bug: under --collapse Xapian's own totals on a local database were far off
// (--count --collapse market: 210 for 119 groups of 120 matches; `the`: 4,100 for 3,763
// matches); now counted by collapsed_total(). On the first 4,000
// articles of general-news' second part and olympic-news (the reviewer's set), several
// queries: the total equals the collapsed hits listed.
TEST_CASE("dupes: --collapse totals equal the collapsed hits on real news", "[dupes][shared]") {
  const std::filesystem::path news = std::filesystem::path(OLY_SOURCE_DIR) / "../shared/corpora";
  if (!std::filesystem::exists(news / "general-news/part-001.jsonl")) {
    WARN("skipped: " << news.string() << " absent");
    return;
  }
  TempDir dir("dupes-news");
  std::string text;
  {
    std::ifstream in(news / "general-news/part-001.jsonl");
    std::string line;
    for (int n = 0; n < 4000 && std::getline(in, line); ++n) text += line + "\n";
    std::ifstream olympic(news / "olympic-news/olympic-news.jsonl");
    while (std::getline(olympic, line)) text += line + "\n";
  }
  write_file(dir / "news.jsonl", text);
  REQUIRE(st::run_indexer(dir / "idx", {dir / "news.jsonl"}).code == 0);
  for (const char* q : {"market", "the", "game", "year"}) {
    INFO(q);
    const auto count = st::run_searcher(dir / "idx", {"--count", "--collapse", q});
    const auto ids = st::run_searcher(dir / "idx", {"--ids", "-n", "100000", "--collapse", q});
    CHECK(count.out == std::to_string(st::lines_of(ids.out).size()) + "\n");
  }
}

TEST_CASE("searcher --collapse: one hit per group, N similar in text and JSON", "[dupes]") {
  TempDir dir("dupes-cli");
  REQUIRE(st::run_indexer(dir / "idx", {kFixture}).code == 0);

  // JSON: exactly one member of the group, the others as its similar ones; totals count
  // the group once.
  const auto r = st::run_searcher(dir / "idx", {"--json", "--collapse", "-n", "20", "marathon"});
  REQUIRE(r.code == 0);
  std::vector<json> hits;
  json summary;
  for (const std::string& line : st::lines_of(r.out)) {
    json j = json::parse(line);
    if (j["type"] == "hit") hits.push_back(j);
    if (j["type"] == "summary") summary = j;
  }
  std::size_t grouped = 0;
  for (const json& h : hits) {
    const std::string id = h["id"];
    const bool member = std::find(kGroup.begin(), kGroup.end(), id) != kGroup.end();
    INFO(id);
    if (!member) {
      CHECK(h["similar"] == 0);
      CHECK(h["similar_ids"] == json::array());
      continue;
    }
    ++grouped;
    std::vector<std::string> others;
    for (const auto& g : kGroup)
      if (g != id) others.push_back(g);
    CHECK(h["similar"] == 2);
    CHECK(h["similar_ids"] == json(others));
  }
  CHECK(grouped == 1);
  // marathon: the 3 copies (one group), copy-sentence, other-marathon, short-1, short-2.
  CHECK(hits.size() == 5);
  CHECK(summary["estimated_total"] == 5);

  // Without --collapse every copy is a hit and the keys are absent (JSON unchanged).
  const auto plain = st::run_searcher(dir / "idx", {"--json", "-n", "20", "marathon"});
  CHECK(st::lines_of(plain.out).size() == 8);  // 7 hits and the summary
  CHECK(plain.out.find("\"similar\"") == std::string::npos);

  // Only the members that match are counted: "twelve" is not in copy-word.
  const auto twelve = st::run_searcher(dir / "idx", {"--json", "--collapse", "-n", "20", "twelve"});
  const json first = json::parse(st::lines_of(twelve.out).front());
  CHECK(first["similar"] == 1);

  // Text: the count and the ids under the hit.
  const auto text = st::run_searcher(dir / "idx", {"--collapse", "-n", "20", "riverside"});
  REQUIRE(text.code == 0);
  CHECK(text.out.find("   + 2 similar: ") != std::string::npos);

  // --batch key: a boolean, anything else refused for that line.
  const auto bad = st::run_searcher(dir / "idx", {"--json", "--batch"},
                                    "{\"query\": \"marathon\", \"collapse\": \"yes\"}\n");
  CHECK(bad.out.find("\\\"collapse\\\": expected true or false") != std::string::npos);
}

}  // namespace

namespace {
TEST_CASE("dupes: a copy with one sentence added is grouped", "[dupes][!shouldfail]") {
  // Known failure: with ~80 shingles an added sentence moves the SimHash by 11 bits, beyond
  // kMaxDistance (9), chosen without labelled pairs yet (bench/dupes.py).
  TempDir dir("dupes-sentence");
  REQUIRE(st::run_indexer(dir / "idx", {kFixture}).code == 0);
  CHECK(groups_of({dir / "idx"})["copy-sentence"] == "Marathon-route");
}
}  // namespace
