// The real `indexer` binary: exit codes, diagnostics on stderr, --analyze.
#include <sys/wait.h>

#include <algorithm>
#include <catch2/catch.hpp>
#include <cstdio>
#include <filesystem>
#include <initializer_list>
#include <string>
#include <vector>

#include "searcher_test_util.h"
#include "test_util.h"

using Catch::Contains;
using oly::test::TempDir;
using oly::test::write_file;

namespace {

std::string shell_quote(const std::string& s) {
  std::string out = "'";
  for (char c : s) {
    if (c == '\'') {
      out += "'\\''";
    } else {
      out += c;
    }
  }
  return out + "'";
}

struct RunResult {
  int exit_code = -1;
  std::string out;
  std::string err;
};

// Runs OLY_INDEXER with `args`; stdout is read through the pipe, stderr goes to a file in
// `tmp`. OLYMPIC_INDEX is unset so that a forgotten -d cannot touch a real index.
RunResult run_indexer(const TempDir& tmp, std::initializer_list<std::string> args) {
  const std::string err_path = tmp / "stderr.txt";
  std::string cmd = "env -u OLYMPIC_INDEX " + shell_quote(OLY_INDEXER);
  for (const auto& a : args) cmd += " " + shell_quote(a);
  cmd += " 2>" + shell_quote(err_path) + " </dev/null";
  RunResult r;
  FILE* p = popen(cmd.c_str(), "r");
  REQUIRE(p != nullptr);
  char buf[4096];
  for (std::size_t n; (n = std::fread(buf, 1, sizeof buf, p)) > 0;) r.out.append(buf, n);
  const int status = pclose(p);
  r.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  r.err = oly::test::read_file(err_path);
  return r;
}

}  // namespace

TEST_CASE("indexer exits 0 on clean input", "[cli]") {
  TempDir tmp("cli");
  write_file(tmp / "in/a.txt", "Title: Alpha\n\nBody.");
  write_file(tmp / "in/b.jsonl", "{\"id\":\"b\",\"title\":\"Bravo\"}\n");
  const RunResult r = run_indexer(tmp, {"-d", tmp / "index", tmp / "in"});
  INFO("stderr: " << r.err);
  CHECK(r.exit_code == 0);
  CHECK_THAT(r.err, Contains("indexed " + tmp / "index" + ": 2 added, 0 replaced"));
  CHECK_THAT(r.err, Contains("(2 documents in the index)"));
  CHECK(r.out == "");

  SECTION("-q drops the summary line") {
    const RunResult q = run_indexer(tmp, {"-q", "-d", tmp / "index", tmp / "in"});
    CHECK(q.exit_code == 0);
    CHECK(q.err == "");
  }
}

TEST_CASE("indexer exits 1 when an input is bad, with path:line: error:", "[cli]") {
  TempDir tmp("cli");
  const std::string feed = tmp / "in/feed.jsonl";
  write_file(feed, "{\"id\":\"a\",\"title\":\"Good\"}\n{\"id\":\"b\",\"title\":5}\n");
  const RunResult r = run_indexer(tmp, {"-d", tmp / "index", tmp / "in"});
  INFO("stderr: " << r.err);
  CHECK(r.exit_code == 1);
  CHECK_THAT(r.err, Contains(feed + ":2: error: field 'title' must be a string, not a number"));
  CHECK_THAT(r.err, Contains("1 added"));
  CHECK_THAT(r.err, Contains("1 skipped"));
}

TEST_CASE("indexer exits 1 when an input file is empty", "[cli]") {
  TempDir tmp("cli");
  write_file(tmp / "empty.txt", "");
  const RunResult r = run_indexer(tmp, {"-d", tmp / "index", tmp / "empty.txt"});
  CHECK(r.exit_code == 1);
  CHECK_THAT(r.err, Contains(tmp / "empty.txt" + ": error: empty file; skipped"));
}

TEST_CASE("indexer exits 2 on usage errors", "[cli]") {
  TempDir tmp("cli");
  SECTION("no input paths") {
    const RunResult r = run_indexer(tmp, {"-d", tmp / "index"});
    CHECK(r.exit_code == 2);
    CHECK_THAT(r.err, Contains("no input paths"));
  }
  SECTION("an unknown flag") {
    const RunResult r = run_indexer(tmp, {"--no-such-flag", tmp / "in"});
    CHECK(r.exit_code == 2);
    CHECK(r.err != "");
  }
  SECTION("a bad flag value") {
    const RunResult r = run_indexer(tmp, {"--progress", "sometimes", tmp / "in"});
    CHECK(r.exit_code == 2);
  }
  SECTION("an unknown language") {
    write_file(tmp / "a.txt", "x");
    const RunResult r =
        run_indexer(tmp, {"-d", tmp / "index", "--language", "klingon", tmp / "a.txt"});
    CHECK(r.exit_code == 2);
    CHECK_THAT(r.err, Contains("no stemmer for language 'klingon'"));
  }
}

// A new index is created beside its path and renamed into place (so a kill never leaves
// half a database); whatever the spelling of the path, nothing else is left beside it.
TEST_CASE("indexer builds a new index in place and leaves no scratch directories", "[cli]") {
  namespace fs = std::filesystem;
  TempDir tmp("cli");
  write_file(tmp / "in/a.txt", "Title: Alpha\n\nBody.");
  const std::string parent = tmp / "out";
  auto entries = [&] {
    std::vector<std::string> names;
    for (const auto& e : fs::directory_iterator(parent)) names.push_back(e.path().filename());
    std::sort(names.begin(), names.end());
    return names;
  };
  const std::vector<std::string> just_index = {"index"};

  SECTION("a path with a trailing slash") {
    const RunResult r = run_indexer(tmp, {"-d", parent + "/index/", tmp / "in"});
    INFO("stderr: " << r.err);
    CHECK(r.exit_code == 0);
    CHECK(fs::exists(parent + "/index/iamglass"));
    CHECK(entries() == just_index);
    // An update run through the other spelling finds the same index.
    const RunResult u = run_indexer(tmp, {"-d", parent + "/index", tmp / "in"});
    CHECK_THAT(u.err, Contains("1 unchanged"));
  }
  SECTION("an empty directory made beforehand (mktemp -d)") {
    fs::create_directories(parent + "/index");
    const RunResult r = run_indexer(tmp, {"-d", parent + "/index", tmp / "in"});
    INFO("stderr: " << r.err);
    CHECK(r.exit_code == 0);
    CHECK_THAT(r.err, Contains("1 added"));
    CHECK(entries() == just_index);
  }
  SECTION("missing parent directories") {
    const RunResult r = run_indexer(tmp, {"-d", parent + "/index", tmp / "in"});
    CHECK(r.exit_code == 0);
    CHECK(entries() == just_index);
  }
  SECTION("a symbolic link to an empty directory elsewhere: the index goes there") {
    fs::create_directories(tmp / "disk/index");
    fs::create_directories(parent);
    fs::create_directory_symlink(tmp / "disk/index", parent + "/index");
    const RunResult r = run_indexer(tmp, {"-d", parent + "/index", tmp / "in"});
    INFO("stderr: " << r.err);
    CHECK(r.exit_code == 0);
    CHECK(fs::is_symlink(parent + "/index"));
    CHECK(fs::exists(tmp / "disk/index/iamglass"));
    CHECK(entries() == just_index);
    // --recreate swaps a new index in, behind the link too.
    const RunResult again = run_indexer(tmp, {"--recreate", "-d", parent + "/index", tmp / "in"});
    CHECK(again.exit_code == 0);
    CHECK(fs::is_symlink(parent + "/index"));
    CHECK(fs::exists(tmp / "disk/index/iamglass"));
    std::vector<std::string> disk;
    for (const auto& e : fs::directory_iterator(tmp / "disk")) disk.push_back(e.path().filename());
    CHECK(disk == just_index);
  }
  SECTION("stale scratch directories of a killed creation are removed") {
    // pid 0x7fffffff is above pid_max, so no live process owns this one.
    fs::create_directories(parent + "/.index.new-2147483647");
    write_file(parent + "/.index.new-2147483647/flintlock", "");
    const RunResult r = run_indexer(tmp, {"-d", parent + "/index", tmp / "in"});
    CHECK(r.exit_code == 0);
    CHECK(entries() == just_index);
  }
}

TEST_CASE("indexer exits 2 when the index is unusable", "[cli]") {
  TempDir tmp("cli");
  write_file(tmp / "a.txt", "x");
  write_file(tmp / "index", "a regular file");
  const RunResult r = run_indexer(tmp, {"-d", tmp / "index", tmp / "a.txt"});
  CHECK(r.exit_code == 2);
  CHECK_THAT(r.err, Contains("indexer: " + tmp / "index" + ": error: index path exists"));
}

TEST_CASE("indexer --help and --version exit 0", "[cli]") {
  TempDir tmp("cli");
  const RunResult help = run_indexer(tmp, {"--help"});
  CHECK(help.exit_code == 0);
  CHECK_THAT(help.out, Contains("--analyze"));
  const RunResult version = run_indexer(tmp, {"--version"});
  CHECK(version.exit_code == 0);
  CHECK_THAT(version.out, Contains("indexer"));
}

TEST_CASE("indexer --analyze prints term, stem, position, begin, end", "[cli]") {
  TempDir tmp("cli");
  SECTION("one accented word") {
    const RunResult r = run_indexer(tmp, {"--analyze", "Angèle"});
    CHECK(r.exit_code == 0);
    CHECK(r.out == "angele\tangel\t1\t0\t7\n");
  }
  SECTION("numbers and CJK words have an empty stem") {
    const RunResult r = run_indexer(tmp, {"--analyze", "Bolt 9.58 東京"});
    CHECK(r.exit_code == 0);
    CHECK(r.out == "bolt\tbolt\t1\t0\t4\n9.58\t\t2\t5\t9\n東京\t\t3\t10\t16\n");
  }
  SECTION("the language flag picks the stemmer") {
    const RunResult r = run_indexer(tmp, {"--language", "fr", "--analyze", "championnes"});
    CHECK(r.out == "championnes\tchampion\t1\t0\t11\n");
  }
  SECTION("JSON output") {
    const RunResult r = run_indexer(tmp, {"--analyze", "Angèle", "--json"});
    CHECK(r.exit_code == 0);
    CHECK(r.out ==
          "{\"term\":\"angele\",\"stem\":\"angel\",\"position\":1,\"begin\":0,\"end\":7,"
          "\"text\":\"Angèle\"}\n");
  }
}

// Formerly a bug: `indexer --analyze TEXT >/dev/full` (and --help, --version) exited 0 with
// nothing written. A closed pipe, on the other hand, is not an error: the reader has what
// it wanted.
TEST_CASE("indexer: a write error on stdout is reported, a closed pipe is not", "[cli]") {
  using oly::search_test::run_command;
  const std::string indexer = oly::search_test::shell_quote(OLY_INDEXER);
  for (const std::string args : {"--analyze 'Usain Bolt'", "--analyze 'Usain Bolt' --json",
                                 "--analyze -", "--help", "--version"}) {
    INFO("indexer " << args);
    const auto r = run_command(indexer + " " + args + " >/dev/full", "Usain Bolt\n");
    CHECK(r.code == 2);
    CHECK(r.err == "indexer: write error: No space left on device\n");
  }
  std::string many;
  for (int i = 0; i < 100000; ++i) many += "word ";  // far more output than a pipe holds
  TempDir tmp("pipe");
  write_file(tmp / "in", many);
  const std::string code_file = tmp / "code";
  const auto r =
      run_command("( " + indexer + " --analyze - <" + oly::search_test::shell_quote(tmp / "in") +
                  "; echo $? >" + oly::search_test::shell_quote(code_file) + " ) | head -1");
  CHECK(r.err.empty());
  CHECK(r.out == "word\tword\t1\t0\t4\n");
  CHECK(oly::test::read_file(code_file) == "0\n");
}

// Formerly: `--wait nan` was taken, `--wait inf` gave a message with a 300-digit range, and
// `-d ''` or OLYMPIC_INDEX='' quietly meant ./olympic-index.
TEST_CASE("indexer: bad flag values are usage errors", "[cli]") {
  TempDir tmp("cli");
  write_file(tmp / "a.txt", "Title: Alpha\n\nBody.");
  const std::string index = tmp / "index";
  struct Row {
    std::vector<std::string> args;
    std::string message;  // on stderr, after "indexer: error: "
  };
  const std::vector<Row> rows = {
      {{"--wait", "nan"}, "--wait: expected a number from 0 to 1000000, got 'nan' (out of range)"},
      {{"--wait", "inf"}, "--wait: expected a number from 0 to 1000000, got 'inf' (out of range)"},
      {{"--wait", "-1"}, "--wait: expected a number from 0 to 1000000, got '-1' (out of range)"},
      {{"--wait", "1e7"}, "--wait: expected a number from 0 to 1000000, got '1e7' (out of range)"},
      {{"--wait", ""}, "--wait: expected a number from 0 to 1000000, got ''"},
      {{"--wait", "5s"}, "--wait: expected a number from 0 to 1000000, got '5s'"},
      {{"-j", "-1"}, "-j/--threads: expected a whole number from 0 to 16, got '-1'"},
      {{"-j", "17"}, "-j/--threads: expected a whole number from 0 to 16, got '17' (out of range)"},
      {{"-j", "1.5"}, "-j/--threads: expected a whole number from 0 to 16, got '1.5'"},
      {{"--batch-size", "0"},
       "--batch-size: expected a whole number from 1 to 1000000, got '0' (out of range)"},
      {{"--batch-size", "99999999999999999999"},
       "--batch-size: expected a whole number from 1 to 1000000, got '99999999999999999999' (out "
       "of range)"},
      {{"-foo"},
       "-foo is not an option; to index a path that starts with '-', write ./-foo or put it "
       "after --"},
      {{"--frobnicate"}, "unknown option --frobnicate (see indexer --help)"},
  };
  for (const Row& row : rows) {
    std::string cmd =
        "env -u OLYMPIC_INDEX " + shell_quote(OLY_INDEXER) + " -q -d " + shell_quote(index);
    for (const auto& a : row.args) cmd += " " + shell_quote(a);
    cmd += " " + shell_quote(tmp / "a.txt");
    INFO("command: " << cmd);
    const auto r = oly::search_test::run_command(cmd);
    CHECK(r.code == 2);
    CHECK(r.err == "indexer: error: " + row.message + "\n");
  }
  CHECK_FALSE(std::filesystem::exists(index));

  const auto empty_d = oly::search_test::run_command(
      "env -u OLYMPIC_INDEX " + shell_quote(OLY_INDEXER) + " -d '' " + shell_quote(tmp / "a.txt"));
  CHECK(empty_d.code == 2);
  CHECK(empty_d.err == "indexer: error: -d/--index: the index directory is empty\n");
  const auto empty_env = oly::search_test::run_command(
      "cd " + shell_quote(tmp.str()) + " && env OLYMPIC_INDEX= " + shell_quote(OLY_INDEXER) +
      " a.txt");
  CHECK(empty_env.code == 2);
  CHECK(empty_env.err ==
        "indexer: error: OLYMPIC_INDEX is set but empty; unset it to use ./olympic-index, or give "
        "-d DIR\n");
  CHECK_FALSE(std::filesystem::exists(tmp / "olympic-index"));
  // A path starting with '-' can be indexed after --.
  write_file(tmp / "-dash.txt", "Title: Dash\n\nBody.");
  const auto dash = oly::search_test::run_command(
      "cd " + shell_quote(tmp.str()) + " && env -u OLYMPIC_INDEX " + shell_quote(OLY_INDEXER) +
      " -q -d " + shell_quote(index) + " -- -dash.txt");
  CHECK(dash.code == 0);
}
