// The line between the core and the front ends: the core names what the user can do about
// a fatal error (Remedy) and says nothing of flags; the indexer adds its flag
// (oly::cli::indexer_hint), so its messages read as before.
#include <xapian.h>

#include <catch2/catch.hpp>
#include <sstream>
#include <string>

#include "cli.h"
#include "diagnostics.h"
#include "indexing.h"
#include "schema.h"
#include "searcher_test_util.h"
#include "test_util.h"

namespace {

using Catch::Matchers::Contains;
using oly::Remedy;
using oly::search_test::run_command;
using oly::search_test::shell_quote;
using oly::test::TempDir;
using oly::test::write_file;

// build_index()'s FatalError for `o` (which must fail).
oly::FatalError fatal_of(const oly::IndexOptions& o) {
  std::ostringstream log;
  oly::Diagnostics diag(log);
  try {
    oly::build_index(o, diag);
  } catch (const oly::FatalError& e) {
    return e;
  }
  FAIL("build_index did not fail");
  return oly::FatalError("");
}

}  // namespace

TEST_CASE("indexer_hint: the indexer's words for every remedy", "[front_cli]") {
  struct Row {
    Remedy remedy;
    const char* hint;
  };
  const Row rows[] = {
      {{Remedy::Kind::kNone, ""}, ""},
      {{Remedy::Kind::kRecreate, ""},
       "\n  re-run with --recreate to rebuild it with this analyzer"},
      {{Remedy::Kind::kWait, ""}, "; wait for it to finish, or pass --wait SECONDS"},
      {{Remedy::Kind::kShardsNewDir, "3"},
       "; --shards 3 builds a sharded index only in a new or empty directory"},
      {{Remedy::Kind::kShards, "4"}, "; pass --shards 4"},
      {{Remedy::Kind::kShardsAtStub, ""}, ", with --shards"},
      {{Remedy::Kind::kLanguageOrRecreate, "en"}, "; pass --language en or --recreate"},
  };
  for (const Row& row : rows) {
    INFO("kind " << static_cast<int>(row.remedy.kind));
    CHECK(oly::cli::indexer_hint(row.remedy) == row.hint);
  }
}

TEST_CASE("core fatal errors name a remedy, not a flag; the indexer adds the flag", "[front_cli]") {
  TempDir tmp("hints");
  write_file(tmp / "a.jsonl", "{\"id\":\"a\",\"title\":\"Alpha\"}\n");
  oly::IndexOptions o;
  o.index_dir = tmp / "sharded";
  o.inputs = {tmp / "a.jsonl"};
  o.shards = 2;
  {
    std::ostringstream log;
    oly::Diagnostics diag(log);
    REQUIRE_NOTHROW(oly::build_index(o, diag));
  }
  const std::string indexer = shell_quote(OLY_INDEXER) + " --progress never -q ";
  struct Row {
    const char* name;
    oly::IndexOptions options;
    Remedy::Kind kind;
    std::string value;
    std::string args;  // the same run through the indexer binary
    std::string stderr_line;
  };
  oly::IndexOptions no_shards = o, language = o;
  no_shards.shards = 0;
  language.language = "fr";
  const std::string dir = o.index_dir;
  const Row rows[] = {
      {"a sharded index without --shards", no_shards, Remedy::Kind::kShards, "2",
       "-d " + shell_quote(dir) + " " + shell_quote(tmp / "a.jsonl"),
       "indexer: " + dir + ": error: this is a sharded index of 2 shards; pass --shards 2\n"},
      {"another default language", language, Remedy::Kind::kLanguageOrRecreate, "en",
       "--shards 2 -l fr -d " + shell_quote(dir) + " " + shell_quote(tmp / "a.jsonl"),
       "indexer: " + dir +
           "/shard0: error: the index's default language is 'en', not 'fr'; "
           "pass --language en or --recreate\n"},
  };
  for (const Row& row : rows) {
    INFO(row.name);
    const oly::FatalError e = fatal_of(row.options);
    CHECK(e.remedy().kind == row.kind);
    CHECK(e.remedy().value == row.value);
    CHECK_THAT(e.what(), !Contains("--"));  // the core knows no flags
    const auto r = run_command(indexer + row.args);
    CHECK(r.code == 2);
    CHECK(r.err == row.stderr_line);  // the user reads the same message as before
  }
}

TEST_CASE("indexer: an index of another analyzer is refused with the --recreate hint",
          "[front_cli]") {
  TempDir tmp("hints");
  write_file(tmp / "a.jsonl", "{\"id\":\"a\",\"title\":\"Alpha\"}\n");
  oly::IndexOptions o;
  o.index_dir = tmp / "single";
  o.inputs = {tmp / "a.jsonl"};
  {
    std::ostringstream log;
    oly::Diagnostics diag(log);
    REQUIRE_NOTHROW(oly::build_index(o, diag));
    Xapian::WritableDatabase db(o.index_dir);
    db.set_metadata(std::string(oly::schema::kMetaAnalyzer), "other");
    db.commit();
  }
  const oly::FatalError e = fatal_of(o);
  CHECK(e.remedy().kind == Remedy::Kind::kRecreate);
  CHECK_THAT(e.what(), !Contains("--"));
  const auto r = run_command(shell_quote(OLY_INDEXER) + " --progress never -q -d " +
                             shell_quote(o.index_dir) + " " + shell_quote(tmp / "a.jsonl"));
  CHECK(r.code == 2);
  CHECK_THAT(r.err, Catch::StartsWith("indexer: " + o.index_dir +
                                      ": error: the index was built by another analyzer\n"));
  CHECK_THAT(r.err,
             Catch::EndsWith("\n  re-run with --recreate to rebuild it with this analyzer\n"));
}
