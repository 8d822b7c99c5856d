// `indexer --shards N`: the shard hash, where ids land, re-runs, --prune, --recreate, the
// refusals that keep the shard count fixed, and searching the shards through the stub file.
// Runs the real binaries.
#include <xapian.h>

#include <algorithm>
#include <catch2/catch.hpp>
#include <cstdint>
#include <filesystem>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "reliability_util.h"
#include "sharding.h"
#include "test_util.h"

using Catch::Contains;
using oly::reliability::generate_corpus;
using oly::reliability::indexer_argv;
using oly::reliability::inspect_index;
using oly::reliability::run;
using oly::reliability::searcher_argv;
using oly::test::read_file;
using oly::test::TempDir;
using oly::test::write_file;

namespace {

std::string shard_dir(const std::string& dir, unsigned i) {
  return dir + "/shard" + std::to_string(i);
}

// How many times `needle` occurs in `hay`.
std::size_t occurrences(const std::string& hay, const std::string& needle) {
  std::size_t n = 0;
  for (auto at = hay.find(needle); at != std::string::npos; at = hay.find(needle, at + 1)) ++n;
  return n;
}

// id -> stored record of every document, read through Xapian (a stub file or an index).
std::map<std::string, std::string> records(const std::string& dir) {
  Xapian::Database db(dir);
  std::map<std::string, std::string> out;
  for (auto t = db.allterms_begin("Q"); t != db.allterms_end("Q"); ++t) {
    for (auto p = db.postlist_begin(*t); p != db.postlist_end(*t); ++p) {
      out[(*t).substr(1)] = db.get_document(*p).get_data();
    }
  }
  return out;
}

// Checks that every shard of `dir` holds only its own ids, each once, and knows its place.
void check_placement(const std::string& dir, unsigned shards) {
  for (unsigned i = 0; i < shards; ++i) {
    auto state = inspect_index(shard_dir(dir, i));
    INFO("shard " << i << ": " << state.error);
    REQUIRE(state.opens);
    CHECK(state.duplicates().empty());
    CHECK(state.metadata["oly.shards"] == std::to_string(i) + "/" + std::to_string(shards));
    for (const auto& [id, n] : state.ids) {
      INFO("id " << id);
      CHECK(oly::sharding::shard_of(id, shards) == i);
    }
  }
}

// The number of documents in each shard.
std::vector<Xapian::doccount> shard_sizes(const std::string& dir, unsigned shards) {
  std::vector<Xapian::doccount> sizes;
  for (unsigned i = 0; i < shards; ++i) sizes.push_back(inspect_index(shard_dir(dir, i)).docs);
  return sizes;
}

}  // namespace

TEST_CASE("sharding: the shard hash is FNV-1a 64, fixed forever", "[sharding]") {
  // Published FNV-1a test vectors: ids already indexed depend on these values.
  struct Row {
    const char* id;
    std::uint64_t hash;
  };
  const Row rows[] = {
      {"", 0xcbf29ce484222325ULL},
      {"a", 0xaf63dc4c8601ec8cULL},
      {"foobar", 0x85944171f73967e8ULL},
  };
  for (const Row& r : rows) {
    INFO("id '" << r.id << "'");
    CHECK(oly::sharding::stable_hash(r.id) == r.hash);
    CHECK(oly::sharding::shard_of(r.id, 7) == r.hash % 7);
    CHECK(oly::sharding::shard_of(r.id, 1) == 0);
  }
  // Bytes, not characters: a UTF-8 id hashes its bytes.
  CHECK(oly::sharding::stable_hash("\xc3\xa9") != oly::sharding::stable_hash("e"));
  CHECK(oly::sharding::stub_text(3) == "auto shard0\nauto shard1\nauto shard2\n");
}

TEST_CASE("sharded: ids land in their own shard; the union equals a single-index build",
          "[sharding][cli]") {
  TempDir tmp("shard");
  write_file(tmp / "feed.jsonl", generate_corpus(200, "s"));
  const std::string dir = tmp / "sharded";
  // -j 1: one worker serves every shard, so each shard must still get all of its own
  // stem synonyms.
  const auto r = run(indexer_argv(dir, {"--shards", "4", "-j", "1", tmp / "feed.jsonl"}));
  INFO(r.err);
  REQUIRE(r.exit.code == 0);
  CHECK_THAT(r.err, Contains("200 added, 0 replaced, 0 unchanged"));
  CHECK_THAT(r.err, Contains("(200 documents in the index, 4 shards)"));
  CHECK(read_file(dir + "/XAPIANDB") == "auto shard0\nauto shard1\nauto shard2\nauto shard3\n");
  check_placement(dir, 4);
  for (Xapian::doccount n : shard_sizes(dir, 4)) CHECK(n > 0);

  const std::string single = tmp / "single";
  REQUIRE(run(indexer_argv(single, {tmp / "feed.jsonl"})).exit.code == 0);
  CHECK(records(dir) == records(single));  // through the stub: all shards as one
  for (const char* query : {"medals", "cycles", "records", "coaching", "title:finals"}) {
    INFO("query " << query);
    const auto a = run(searcher_argv(dir, {"--count", query}));
    const auto b = run(searcher_argv(single, {"--count", query}));
    CHECK(a.err == "");
    CHECK(a.out == b.out);
    // Each shard is a whole index on its own too: its stem synonyms are all there.
    long sum = 0;
    for (unsigned i = 0; i < 4; ++i) {
      sum += std::stol("0" + run(searcher_argv(shard_dir(dir, i), {"--count", query})).out);
    }
    CHECK(std::to_string(sum) + "\n" == b.out);
  }
  const auto meta_sharded = inspect_index(shard_dir(dir, 3)).metadata;
  const auto meta_single = inspect_index(single).metadata;
  CHECK(meta_sharded.at("oly.languages") == meta_single.at("oly.languages"));
  CHECK(meta_sharded.at("oly.analyzer") == meta_single.at("oly.analyzer"));
}

TEST_CASE("sharded: searcher -d DIR finds articles from every shard", "[sharding][cli]") {
  TempDir tmp("shard");
  write_file(tmp / "feed.jsonl", generate_corpus(60, "q"));
  const std::string dir = tmp / "idx";
  REQUIRE(run(indexer_argv(dir, {"--shards", "3", tmp / "feed.jsonl"})).exit.code == 0);
  const auto r = run(searcher_argv(dir, {"--ids", "-n", "1000", "corpusword"}));
  INFO(r.err);
  CHECK(r.exit.code == 0);
  std::set<unsigned> shards_seen;
  std::size_t lines = 0;
  for (std::size_t at = 0, nl; (nl = r.out.find('\n', at)) != std::string::npos; at = nl + 1) {
    shards_seen.insert(oly::sharding::shard_of(r.out.substr(at, nl - at), 3));
    ++lines;
  }
  CHECK(lines == 60);
  CHECK(shards_seen == std::set<unsigned>{0, 1, 2});
}

TEST_CASE("sharded: re-runs are idempotent; changes and duplicates stay in their shard",
          "[sharding][cli]") {
  TempDir tmp("shard");
  const std::string corpus = generate_corpus(80, "r");
  write_file(tmp / "feed.jsonl", corpus);
  const std::string dir = tmp / "idx";
  REQUIRE(run(indexer_argv(dir, {"--shards", "5", tmp / "feed.jsonl"})).exit.code == 0);
  const auto before = records(dir);
  const auto sizes = shard_sizes(dir, 5);

  SECTION("the same input again changes nothing") {
    const auto r = run(indexer_argv(dir, {"--shards", "5", tmp / "feed.jsonl"}));
    INFO(r.err);
    CHECK(r.exit.code == 0);
    CHECK_THAT(r.err, Contains("0 added, 0 replaced, 80 unchanged, 0 deleted"));
    CHECK(records(dir) == before);
    CHECK(shard_sizes(dir, 5) == sizes);
  }
  SECTION("a changed article is replaced in its shard, a duplicate counted once") {
    const std::string changed =
        "{\"id\":\"r-00007\",\"title\":\"Rewritten headline\",\"body\":\"new text\"}\n";
    write_file(tmp / "more.jsonl",
               changed + changed + "{\"id\":\"new-1\",\"title\":\"Fresh\",\"body\":\"x\"}\n");
    const auto r =
        run(indexer_argv(dir, {"--shards", "5", tmp / "feed.jsonl", tmp / "more.jsonl"}));
    INFO(r.err);
    CHECK(r.exit.code == 0);
    // The counts are those of one index given the same runs (each copy of r-00007 counts).
    CHECK_THAT(r.err, Contains("1 added, 2 replaced, 80 unchanged, 0 deleted"));
    const std::string single = tmp / "single";
    REQUIRE(run(indexer_argv(single, {tmp / "feed.jsonl"})).exit.code == 0);
    const auto s = run(indexer_argv(single, {tmp / "feed.jsonl", tmp / "more.jsonl"}));
    CHECK_THAT(s.err, Contains("1 added, 2 replaced, 80 unchanged, 0 deleted"));
    CHECK(records(dir) == records(single));
    CHECK(occurrences(r.err, "duplicate id 'r-00007'") == 2);  // once in each input file
    check_placement(dir, 5);
    const auto after = records(dir);
    CHECK(after.size() == 81);
    CHECK_THAT(after.at("r-00007"), Contains("Rewritten headline"));
    CHECK(inspect_index(shard_dir(dir, oly::sharding::shard_of("r-00007", 5))).has("r-00007"));
  }
}

TEST_CASE("sharded: --prune deletes from the right shards, --recreate swaps all at once",
          "[sharding][cli]") {
  TempDir tmp("shard");
  write_file(tmp / "all.jsonl", generate_corpus(50, "p"));
  const std::string corpus = generate_corpus(50, "p");
  // The first 40 articles: p-00040 .. p-00049 are gone from the input.
  std::string kept;
  std::size_t at = 0;
  for (int i = 0; i < 40; ++i) at = corpus.find('\n', at) + 1;
  kept = corpus.substr(0, at);
  write_file(tmp / "kept.jsonl", kept);
  const std::string dir = tmp / "idx";
  REQUIRE(run(indexer_argv(dir, {"--shards", "4", tmp / "all.jsonl"})).exit.code == 0);

  const char* flag = GENERATE("--prune", "--recreate");
  INFO(flag);
  const auto r = run(indexer_argv(dir, {"--shards", "4", flag, tmp / "kept.jsonl"}));
  INFO(r.err);
  CHECK(r.exit.code == 0);
  CHECK_THAT(r.err, Contains("10 deleted"));
  CHECK_THAT(r.err, Contains("(40 documents in the index, 4 shards)"));
  check_placement(dir, 4);
  const auto after = records(dir);
  CHECK(after.size() == 40);
  CHECK(after.count("p-00039") == 1);
  CHECK(after.count("p-00040") == 0);
}

TEST_CASE("sharded: --prune and --recreate are refused for all shards when an input is bad",
          "[sharding][cli]") {
  TempDir tmp("shard");
  write_file(tmp / "all.jsonl", generate_corpus(30, "b"));
  const std::string dir = tmp / "idx";
  REQUIRE(run(indexer_argv(dir, {"--shards", "3", tmp / "all.jsonl"})).exit.code == 0);
  const auto before = records(dir);
  write_file(tmp / "bad.jsonl",
             "{\"id\":\"b-00001\",\"title\":\"ok\"}\n{\"id\":\"x\",\"title\":5}\n");

  const char* flag = GENERATE("--prune", "--recreate");
  INFO(flag);
  const auto r = run(indexer_argv(dir, {"--shards", "3", flag, tmp / "bad.jsonl"}));
  INFO(r.err);
  CHECK(r.exit.code == 1);
  CHECK(occurrences(r.err, "bad.jsonl:2: error:") == 1);
  CHECK(occurrences(std::string(r.err), " refused") + occurrences(r.err, "skipped because") == 1);
  const auto after = records(dir);
  CHECK(after.size() == 30);  // nothing deleted in any shard
  check_placement(dir, 3);
}

TEST_CASE("sharded: diagnostics are reported once, not once per shard", "[sharding][cli]") {
  TempDir tmp("shard");
  const std::string feed = tmp / "feed.jsonl";
  write_file(feed,
             "{\"id\":\"a\",\"title\":\"Alpha\"}\n"
             "{\"id\":\"b\",\"title\":5}\n"
             "{\"id\":\"c\",\"title\":\"Gamma\",\"lang\":\"xx-klingon\"}\n"
             "not json\n"
             "{\"id\":\"d\",\"title\":\"Delta\"}\n");
  const auto r = run(indexer_argv(tmp / "idx", {"--shards", "8", feed}));
  INFO(r.err);
  CHECK(r.exit.code == 1);
  CHECK(occurrences(r.err, feed + ":2: error:") == 1);
  CHECK(occurrences(r.err, feed + ":3: warning:") == 1);
  CHECK(occurrences(r.err, feed + ":4: error:") == 1);
  CHECK(occurrences(r.err, "indexed " + tmp / "idx") == 1);
  CHECK_THAT(r.err, Contains("3 added, 0 replaced, 0 unchanged, 0 deleted, 2 skipped"));
  CHECK_THAT(r.err, Contains("2 errors, 1 warnings"));
  CHECK_THAT(r.err, Contains("8 shards"));
}

TEST_CASE("sharded: another shard count, or none, is refused and changes nothing",
          "[sharding][cli]") {
  TempDir tmp("shard");
  write_file(tmp / "feed.jsonl", generate_corpus(20, "n"));
  write_file(tmp / "other.jsonl", "{\"id\":\"zz\",\"title\":\"Other\"}\n");
  const std::string dir = tmp / "idx";
  REQUIRE(run(indexer_argv(dir, {"--shards", "4", tmp / "feed.jsonl"})).exit.code == 0);
  const auto before = records(dir);
  const std::string stub = read_file(dir + "/XAPIANDB");

  struct Row {
    std::vector<std::string> args;
    std::string message;
  };
  const std::vector<Row> rows = {
      {{"--shards", "3"}, dir + ": error: this is a sharded index of 4 shards, not 3"},
      {{"--shards", "5", "--recreate"}, "sharded index of 4 shards, not 5"},
      {{}, dir + ": error: this is a sharded index of 4 shards; pass --shards 4"},
      {{"--recreate"}, "pass --shards 4"},
  };
  for (const Row& row : rows) {
    std::vector<std::string> args = row.args;
    args.push_back(tmp / "other.jsonl");
    const auto r = run(indexer_argv(dir, args));
    INFO(r.err);
    CHECK(r.exit.code == 2);
    CHECK_THAT(r.err, Contains(row.message));
  }
  // A shard written on its own would receive ids that belong to other shards.
  const auto r = run(indexer_argv(shard_dir(dir, 1), {tmp / "other.jsonl"}));
  INFO(r.err);
  CHECK(r.exit.code == 2);
  CHECK_THAT(r.err, Contains("this is shard 1/4 of a sharded index"));

  CHECK(records(dir) == before);
  CHECK(read_file(dir + "/XAPIANDB") == stub);
  CHECK_FALSE(std::filesystem::exists(shard_dir(dir, 4)));
  check_placement(dir, 4);
}

TEST_CASE("sharded: --shards on an unsharded index or a foreign directory is refused",
          "[sharding][cli]") {
  TempDir tmp("shard");
  write_file(tmp / "a.jsonl", "{\"id\":\"a\",\"title\":\"Alpha\"}\n");
  const std::string single = tmp / "single";
  REQUIRE(run(indexer_argv(single, {tmp / "a.jsonl"})).exit.code == 0);
  auto r = run(indexer_argv(single, {"--shards", "2", "--recreate", tmp / "a.jsonl"}));
  CHECK(r.exit.code == 2);
  CHECK_THAT(r.err, Contains(single + ": error: this is an unsharded index"));
  CHECK_FALSE(std::filesystem::exists(single + "/XAPIANDB"));
  CHECK(inspect_index(single).docs == 1);

  // A stub file this indexer did not write (remote shards, other names) is not touched.
  write_file(tmp / "stub/XAPIANDB", "remote localhost:9999\n");
  r = run(indexer_argv(tmp / "stub", {"--shards", "1", tmp / "a.jsonl"}));
  CHECK(r.exit.code == 2);
  CHECK_THAT(r.err, Contains(tmp / "stub/XAPIANDB" + ":1: error: expected 'auto shard0'"));
  CHECK(read_file(tmp / "stub/XAPIANDB") == "remote localhost:9999\n");

  write_file(tmp / "papers/notes.txt", "mine");
  r = run(indexer_argv(tmp / "papers", {"--shards", "2", tmp / "a.jsonl"}));
  CHECK(r.exit.code == 2);
  CHECK_THAT(r.err, Contains("the directory exists and is not an index"));
}

TEST_CASE("sharded: --shards values are checked; 1 shard is the sharded layout",
          "[sharding][cli]") {
  TempDir tmp("shard");
  write_file(tmp / "a.jsonl", "{\"id\":\"a\",\"title\":\"Alpha\"}\n");
  for (const char* bad : {"0", "257", "-1", "", "2x", "1e2"}) {
    INFO("--shards '" << bad << "'");
    const auto r = run(indexer_argv(tmp / "idx", {"--shards", bad, tmp / "a.jsonl"}));
    CHECK(r.exit.code == 2);
    CHECK_THAT(r.err, Contains("--shards"));
    CHECK_FALSE(std::filesystem::exists(tmp / "idx"));
  }
  const auto r = run(indexer_argv(tmp / "one", {"--shards", "1", tmp / "a.jsonl"}));
  INFO(r.err);
  CHECK(r.exit.code == 0);
  CHECK(read_file(tmp / "one/XAPIANDB") == "auto shard0\n");
  CHECK(inspect_index(tmp / "one/shard0").has("a"));
  CHECK(inspect_index(tmp / "one/shard0").metadata["oly.shards"] == "0/1");
}

TEST_CASE("sharded: many shards fit under a low soft limit of open files", "[sharding][cli]") {
  // 64 shards held open and 64 scratch databases need several hundred files; the indexer
  // raises its soft limit to the hard one instead of failing half way.
  TempDir tmp("shard");
  write_file(tmp / "feed.jsonl", generate_corpus(100, "f"));
  const std::string cmd =
      "ulimit -Sn 200 && exec \"$0\" --progress never --shards 64 -d \"$1\" \"$2\"";
  const auto r = run({"/bin/sh", "-c", cmd, OLY_INDEXER, tmp / "idx", tmp / "feed.jsonl"});
  INFO(r.err);
  CHECK(r.exit.code == 0);
  CHECK_THAT(r.err, Contains("(100 documents in the index, 64 shards)"));
}
