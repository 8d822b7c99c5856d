// The `searcher` binary end to end: an index of tests/fixtures/search built by the real
// `indexer`, queried through the shell. Text and JSON output are compared with golden files
// in tests/golden/ (OLY_UPDATE_GOLDEN=1 rewrites them; see tests/fixtures/search/README.md).
#include <xapian.h>

#include <catch2/catch.hpp>
#include <cstdlib>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <regex>
#include <string>
#include <vector>

#include "output.h"
#include "searcher_test_util.h"
#include "test_util.h"

namespace {

using oly::search_test::CommandResult;
using oly::search_test::lines_of;
using oly::search_test::run_command;
using oly::search_test::run_indexer;
using oly::search_test::run_searcher;
using oly::search_test::shell_quote;
using Strings = std::vector<std::string>;

// Relative to OLY_SOURCE_DIR, where run_indexer() runs: ids are "tests/fixtures/search/...".
const std::string kFixtures = "tests/fixtures/search";

// The id of a fixture file.
std::string fx(const std::string& name) {
  return kFixtures + "/" + name;
}

// The fixture index, built once per test run and removed at exit.
struct FixtureIndex {
  oly::test::TempDir dir{"search-cli"};
  std::string path = dir / "index";
  CommandResult built = run_indexer(path, {kFixtures});
};

const std::string& fixture_index() {
  static FixtureIndex ix;
  INFO("indexer stderr: " << ix.built.err);
  REQUIRE(ix.built.code == 0);
  return ix.path;
}

CommandResult search(const Strings& args, std::string_view input = {}) {
  return run_searcher(fixture_index(), args, input);
}

// Volatile parts of the output: timings and BM25 scores.
std::string normalise(const std::string& s) {
  static const std::regex ms(R"( in [0-9]+(\.[0-9]+)? ms\n)");
  static const std::regex elapsed(R"("elapsed_ms":[-+0-9.eE]+)");
  static const std::regex score(R"("score":[-+0-9.eE]+)");
  std::string out = std::regex_replace(s, ms, " in <ms> ms\n");
  out = std::regex_replace(out, elapsed, "\"elapsed_ms\":\"<ms>\"");
  return std::regex_replace(out, score, "\"score\":\"<score>\"");
}

void check_golden(const std::string& name, const std::string& actual) {
  const std::filesystem::path path = OLY_SOURCE_DIR "/tests/golden/" + name;
  const char* update = std::getenv("OLY_UPDATE_GOLDEN");
  if (update != nullptr && std::string(update) == "1") {
    oly::test::write_file(path, actual);
    WARN("golden file written: " << path.string());
    return;
  }
  INFO("golden file " << path.string() << " (OLY_UPDATE_GOLDEN=1 rewrites it)");
  REQUIRE(std::filesystem::exists(path));
  CHECK(oly::test::read_file(path) == actual);
}

std::vector<nlohmann::json> json_lines(const std::string& out) {
  std::vector<nlohmann::json> v;
  for (const std::string& line : lines_of(out)) {
    INFO("line: " << line);
    v.push_back(nlohmann::json::parse(line));
  }
  return v;
}

std::string slice(const std::string& s, const nlohmann::json& range) {
  const auto b = range[0].get<std::size_t>(), e = range[1].get<std::size_t>();
  REQUIRE(b <= e);
  REQUIRE(e <= s.size());
  return s.substr(b, e - b);
}

}  // namespace

TEST_CASE("searcher: golden text output", "[searcher_cli]") {
  struct Case {
    const char* golden;
    Strings args;
    int code;
  };
  const std::vector<Case> cases = {
      {"text_medal.txt", {"medal"}, 0},
      {"text_angele_no_accent.txt", {"Angele"}, 0},
      {"text_phrase_title_field.txt", {"title:\"calm lake\" OR \"closing ceremony\""}, 0},
      {"text_japanese.txt", {"東京オリンピック"}, 0},
      {"text_two_fragments.txt",
       {"--snippets", "2", "--snippet-length", "40", "rivers OR medals"},
       0},
      {"text_limit_offset.txt", {"-n", "2", "--offset", "1", "medal"}, 0},
      {"text_no_matches.txt", {"zebra"}, 1},
  };
  for (const Case& c : cases) {
    INFO("golden " << c.golden);
    const CommandResult r = search(c.args);
    CHECK(r.code == c.code);
    CHECK(r.err.empty());
    check_golden(c.golden, normalise(r.out));
  }
}

// Untitled articles show their first sentence. marathon-notes.txt holds two forms of
// "marathon" and ranks first (see "query: more forms of a query word do not lower an
// article's rank" in test_query.cc).
TEST_CASE("searcher: golden text output of untitled articles", "[searcher_cli]") {
  const CommandResult r = search({"marathon OR sprinter"});
  CHECK(r.code == 0);
  CHECK(r.err.empty());
  check_golden("text_untitled_articles.txt", normalise(r.out));
}

TEST_CASE("searcher: golden JSON output", "[searcher_cli]") {
  struct Case {
    const char* golden;
    Strings args;
    int code;
  };
  const std::vector<Case> cases = {
      {"json_medal.jsonl", {"--json", "medal"}, 0},
      {"json_tag_date_filters.jsonl", {"--json", "tag:paris-2024 date:2024-07"}, 0},
      {"json_japanese.jsonl", {"--json", "東京"}, 0},
      {"json_no_matches.jsonl", {"--json", "zebra"}, 1},
  };
  for (const Case& c : cases) {
    INFO("golden " << c.golden);
    const CommandResult r = search(c.args);
    CHECK(r.code == c.code);
    CHECK(r.err.empty());
    check_golden(c.golden, normalise(r.out));
  }
}

TEST_CASE("searcher: JSON hits describe themselves", "[searcher_cli]") {
  const CommandResult r = search({"--json", "gold"});
  REQUIRE(r.code == 0);
  const auto objs = json_lines(r.out);
  REQUIRE(objs.size() == 3);  // two hits, one summary
  double last_score = 1e9;
  for (std::size_t i = 0; i < 2; ++i) {
    const auto& h = objs[i];
    CHECK(h["version"] == 1);
    CHECK(h["type"] == "hit");
    CHECK(h["rank"] == i + 1);
    CHECK(h["score"].get<double>() <= last_score);
    last_score = h["score"].get<double>();
    const std::string snippet = h["snippet"]["text"];
    REQUIRE_FALSE(h["snippet"]["highlights"].empty());
    for (const auto& range : h["snippet"]["highlights"]) CHECK(slice(snippet, range) == "gold");
  }
  CHECK(objs[0]["id"] == fx("rowing-lake.txt"));  // "gold" in its title too
  CHECK(objs[0]["title_highlights"] == nlohmann::json::parse("[[12,16]]"));
  CHECK(slice(objs[0]["title"], objs[0]["title_highlights"][0]) == "gold");
  CHECK(objs[1]["id"] == "wire-001");
  CHECK(objs[1]["date"] == "2012-07-30");
  CHECK(objs[1]["tags"] == nlohmann::json::parse(R"(["swimming","London-2012"])"));
  const auto& summary = objs[2];
  CHECK(summary["type"] == "summary");
  CHECK(summary["query"] == "gold");
  CHECK(summary["understood"] == "\"gold\"|stem:gold");
  CHECK(summary["estimated_total"] == 2);
  CHECK(summary["total_is_exact"] == true);
  CHECK(summary["returned"] == 2);
  CHECK(summary["elapsed_ms"].is_number());

  // An untitled article: null date when it has none, empty title.
  const auto plain = json_lines(search({"--json", "marathoner"}).out);
  REQUIRE(plain.size() == 2);
  CHECK(plain[0]["id"] == fx("marathon-notes.txt"));
  CHECK(plain[0]["title"] == "");
  CHECK(plain[0]["date"].is_null());
}

TEST_CASE("searcher: exit codes", "[searcher_cli]") {
  SECTION("0 with hits, 1 without") {
    CHECK(search({"gold"}).code == 0);
    CHECK(search({"zebra"}).code == 1);
    CHECK(search({"--ids", "zebra"}).code == 1);
    CHECK(search({"--count", "zebra"}).code == 1);
  }
  SECTION("2 for a syntax error, with the column on stderr") {
    const CommandResult r = search({"gold (silver"});
    CHECK(r.code == 2);
    CHECK(r.out.empty());
    CHECK(r.err == "query:1:6: error: unbalanced '(': no matching ')'\n");
    const CommandResult q = search({"é \"gold"});
    CHECK(q.code == 2);
    CHECK_THAT(q.err, Catch::StartsWith("query:1:3: error: unbalanced quote"));
    const CommandResult d = search({"--json", "date:2024-13"});
    CHECK(d.code == 2);
    CHECK(d.out.empty());
    CHECK_THAT(d.err, Catch::StartsWith("query:1:6: error: invalid date"));
  }
  SECTION("2 for a missing index, with a clear message") {
    oly::test::TempDir dir("no-index");
    const CommandResult r = run_searcher(dir / "nothing-here", {"gold"});
    CHECK(r.code == 2);
    CHECK(r.out.empty());
    CHECK_THAT(r.err, Catch::Contains("no index here"));
    CHECK_THAT(r.err, Catch::Contains("nothing-here"));
  }
  SECTION("2 for bad flags and values") {
    for (const Strings& args :
         {Strings{"--frobnicate", "gold"}, Strings{"--sort", "sideways", "gold"},
          Strings{"--color", "purple", "gold"}, Strings{"-n", "many", "gold"},
          Strings{"--snippets", "99", "gold"}, Strings{"--json", "--ids", "gold"},
          Strings{"--batch", "gold"}, Strings{}, Strings{"--language", "xx", "gold"},
          Strings{"--since", "2024-13", "gold"}}) {
      std::string joined;
      for (const auto& a : args) joined += a + " ";
      INFO("args: " << joined);
      const CommandResult r = search(args);
      CHECK(r.code == 2);
      CHECK_FALSE(r.err.empty());
    }
  }
  SECTION("2 for a bad --bm25") {
    for (const char* spec : {"garbage", "k1=abc", "k1=", "b=2", "k1=-1", "z=1", "k1=1.2,"}) {
      INFO("--bm25 " << spec);
      const CommandResult r = search({"--bm25", spec, "gold"});
      CHECK(r.code == 2);
      CHECK_THAT(r.err, Catch::Contains("--bm25"));
    }
    CHECK(search({"--bm25", "k1=0.9,b=0.4", "gold"}).code == 0);
    CHECK(search({"--bm25", "b=0", "gold"}).code == 0);
  }
}

TEST_CASE("searcher: --ids and --count", "[searcher_cli]") {
  const auto json = json_lines(search({"--json", "medal"}).out);
  Strings by_rank;
  for (const auto& o : json) {
    if (o["type"] == "hit") by_rank.push_back(o["id"]);
  }
  REQUIRE(by_rank.size() == 4);
  const CommandResult ids = search({"--ids", "medal"});
  CHECK(ids.code == 0);
  CHECK(lines_of(ids.out) == by_rank);
  CHECK(ids.err.empty());

  const CommandResult count = search({"--count", "medal"});
  CHECK(count.code == 0);
  CHECK(count.out == "4\n");
  CHECK(search({"--count", "zebra"}).out == "0\n");
  // --count counts every match, not only the shown ones.
  CHECK(search({"--count", "-n", "1", "NOT zebra"}).out == "9\n");
}

TEST_CASE("searcher: --batch", "[searcher_cli]") {
  SECTION("good, empty and bad lines") {
    const CommandResult r = search({"--batch"}, "gold\nzebra\n\ngold (silver\n");
    CHECK(r.code == 2);
    CHECK(r.err == "query:4:6: error: unbalanced '(': no matching ')'\n");
    const auto objs = json_lines(r.out);
    REQUIRE(objs.size() == 5);  // 2 hits + summary for line 1, summary for 2, error for 4
    CHECK(objs[0]["type"] == "hit");
    CHECK(objs[0]["line"] == 1);
    CHECK(objs[1]["type"] == "hit");
    CHECK(objs[1]["line"] == 1);
    CHECK(objs[2]["type"] == "summary");
    CHECK(objs[2]["line"] == 1);
    CHECK(objs[2]["returned"] == 2);
    CHECK(objs[3]["type"] == "summary");
    CHECK(objs[3]["line"] == 2);
    CHECK(objs[3]["returned"] == 0);
    CHECK(objs[4]["type"] == "error");
    CHECK(objs[4]["line"] == 4);
    CHECK(objs[4]["error"] == "query:4:6: error: unbalanced '(': no matching ')'");
    CHECK(objs[4]["kind"] == "syntax");
    CHECK(objs[4]["column"] == 6);
    check_golden("json_batch.jsonl", normalise(r.out));
  }
  SECTION("error objects say what kind of error, and for syntax where (in characters)") {
    const CommandResult r =
        search({"--batch"}, "{\"query\":\"gold\",\"colour\":1}\n\u00c9T\u00c9 (x\n\"open\n");
    CHECK(r.code == 2);
    const auto objs = json_lines(r.out);
    REQUIRE(objs.size() == 3);
    CHECK(objs[0]["type"] == "error");
    CHECK(objs[0]["line"] == 1);
    CHECK(objs[0]["kind"] == "request");
    CHECK_FALSE(objs[0].contains("column"));  // a request key has no column in the query
    CHECK(objs[1]["kind"] == "syntax");
    CHECK(objs[1]["column"] == 5);  // "ÉTÉ (": the '(' is the 5th character, the 7th byte
    CHECK(objs[1]["error"] == "query:2:5: error: unbalanced '(': no matching ')'");
    CHECK(objs[2]["kind"] == "syntax");
    CHECK(objs[2]["column"] == 1);
    // The keys of schema 1 come first, in their old order; the new ones after them.
    CHECK_THAT(r.out, Catch::StartsWith(R"({"version":1,"type":"error","line":1,"error":"-:1: )"));
  }
  SECTION("only good queries") {
    const CommandResult r = search({"--batch"}, "gold\r\nsilver\n");
    CHECK(r.code == 0);
    CHECK(r.err.empty());
    const auto objs = json_lines(r.out);
    REQUIRE_FALSE(objs.empty());
    CHECK(objs.back()["type"] == "summary");
    CHECK(objs.back()["line"] == 2);
    CHECK(objs.back()["query"] == "silver");
  }
  SECTION("no hits anywhere") {
    const CommandResult r = search({"--batch"}, "zebra\ngiraffe\n");
    CHECK(r.code == 1);
  }
  SECTION("--ids and --count carry the line number") {
    const CommandResult ids = search({"--batch", "--ids"}, "gold\nrelay\n");
    CHECK(ids.code == 0);
    CHECK(lines_of(ids.out) ==
          Strings{"1\t" + fx("rowing-lake.txt"), "1\twire-001", "2\t" + fx("relay-silver.txt")});
    const CommandResult count = search({"--batch", "--count"}, "gold\nzebra\nmedal\n");
    CHECK(count.code == 0);
    CHECK(count.out == "1\t2\n2\t0\n3\t4\n");
  }
}

TEST_CASE("searcher: --explain writes the reading to stderr only", "[searcher_cli]") {
  const CommandResult plain = search({"gold -silver"});
  const CommandResult explained = search({"--explain", "gold -silver"});
  CHECK(explained.code == 0);
  CHECK(normalise(explained.out) == normalise(plain.out));
  CHECK_THAT(explained.err, Catch::Contains("query: gold -silver\n"));
  // The fixtures hold English and French articles (oly.languages "en,fr"), so query words
  // get the stems of both languages; "gold" has the same stem in both.
  CHECK_THAT(explained.err, Catch::Contains("understood as: AND_NOT(\"gold\"|stem:gold, "
                                            "\"silver\"|stem:silver|stem:silv)\n"));
  CHECK_THAT(explained.err, Catch::Contains("xapian: Query("));
  CHECK(plain.err.empty());

  // --language narrows the stemming to one language.
  const CommandResult english = search({"--explain", "--language", "en", "gold -silver"});
  CHECK(english.code == 0);
  CHECK_THAT(english.err, Catch::Contains("understood as: AND_NOT(\"gold\"|stem:gold, "
                                          "\"silver\"|stem:silver)\n"));

  const CommandResult ids = search({"--explain", "--ids", "tag:tokyo-2020"});
  CHECK(ids.code == 0);
  CHECK_THAT(ids.err, Catch::Contains("understood as: FILTER(tag:tokyo-2020)"));
  CHECK(lines_of(ids.out) == Strings{fx("rowing-lake.txt"), fx("tokyo-heikaishiki.txt")});
}

TEST_CASE("searcher: sorting by date and date bounds", "[searcher_cli]") {
  const Strings newest_first = {
      fx("stunt-finale.txt"),         // 2024-08-11
      fx("chanteuse-ceremonie.txt"),  // 2024-07-26
      fx("tokyo-heikaishiki.txt"),    // 2021-08-08
      fx("rowing-lake.txt"),          // 2021-07-28
      fx("relay-silver.txt"),         // 2016-08-19
      "wire-002",                     // 2012-08-04
      "wire-001",                     // 2012-07-30
      fx("sprint-seed.txt"),          // 2008-08-16
      fx("marathon-notes.txt"),       // no date: last
  };
  CHECK(lines_of(search({"--ids", "--sort", "-date", "NOT zebra"}).out) == newest_first);
  // Undated articles come last in both orders.
  Strings oldest_first(newest_first.rbegin() + 1, newest_first.rend());
  oldest_first.push_back(fx("marathon-notes.txt"));
  CHECK(lines_of(search({"--ids", "--sort", "date", "NOT zebra"}).out) == oldest_first);

  CHECK(lines_of(search({"--ids", "--sort", "-date", "--since", "2016", "--until", "2021-07",
                         "NOT zebra"})
                     .out) == Strings{fx("rowing-lake.txt"), fx("relay-silver.txt")});
  CHECK(
      lines_of(search({"--ids", "--sort", "date", "--since", "2021-08-08", "NOT zebra"}).out) ==
      Strings{fx("tokyo-heikaishiki.txt"), fx("chanteuse-ceremonie.txt"), fx("stunt-finale.txt")});
  CHECK(lines_of(search({"--ids", "--sort", "-date", "--until", "2012-07-30", "NOT zebra"}).out) ==
        Strings{"wire-001", fx("sprint-seed.txt")});
  // The bounds combine with the query's own filters.
  CHECK(lines_of(search({"--ids", "--since", "2024", "tag:ceremony"}).out) ==
        Strings{fx("stunt-finale.txt")});
  CHECK(search({"--ids", "--since", "2025", "gold"}).code == 1);
}

TEST_CASE("searcher: filters and fields on the fixture index", "[searcher_cli]") {
  struct Row {
    const char* query;
    Strings ids;  // sorted by id (--sort date is not used: plain id order below)
  };
  const std::vector<Row> rows = {
      {"source:\"wire service\"", {"wire-001", "wire-002"}},
      {"source:desk tag:paris-2024", {fx("chanteuse-ceremonie.txt"), fx("stunt-finale.txt")}},
      {"lang:FR", {fx("chanteuse-ceremonie.txt")}},
      {"lang:ja", {fx("tokyo-heikaishiki.txt")}},
      {"id:wire-002", {"wire-002"}},
      {"id:tests/fixtures/search/sprint-seed.txt", {fx("sprint-seed.txt")}},
      {"date:2012-08", {"wire-002"}},
      {"date:2012", {"wire-001", "wire-002"}},
      {"date:2024-07-26..2024-08-11", {fx("chanteuse-ceremonie.txt"), fx("stunt-finale.txt")}},
      {"title:record", {"wire-001"}},
      {"record", {fx("relay-silver.txt"), "wire-001"}},
      {"CHÂTEAU", {fx("chanteuse-ceremonie.txt")}},
      {"medaille", {fx("chanteuse-ceremonie.txt")}},
      {"閉会式", {fx("tokyo-heikaishiki.txt")}},
      {"\"dana rivers\"", {fx("stunt-finale.txt")}},
      {"\"rivers dana\"", {}},
      {"rower*", {fx("rowing-lake.txt")}},
      {"handover NEAR/20 silver", {fx("relay-silver.txt")}},
      {"medal -silver -bronze", {fx("rowing-lake.txt"), fx("stunt-finale.txt")}},
  };
  for (const Row& row : rows) {
    INFO("query: " << row.query);
    const CommandResult r = search({"--ids", row.query});
    CHECK(r.code == (row.ids.empty() ? 1 : 0));
    Strings got = lines_of(r.out);
    std::sort(got.begin(), got.end());
    CHECK(got == row.ids);
  }
}

TEST_CASE("searcher: a closed pipe ends the run quietly", "[searcher_cli]") {
  oly::test::TempDir tmp("pipe");
  std::string queries;
  for (int i = 0; i < 400; ++i) queries += "medal\n";  // megabytes of JSON: more than a pipe holds
  oly::test::write_file(tmp / "queries", queries);
  const std::string code_file = tmp / "code";
  const std::string cmd = "( " + shell_quote(OLY_SEARCHER) + " --batch -d " +
                          shell_quote(fixture_index()) + " <" + shell_quote(tmp / "queries") +
                          "; echo $? >" + shell_quote(code_file) + " ) | head -1";
  const CommandResult r = run_command(cmd);
  CHECK(r.code == 0);
  CHECK(r.err.empty());
  REQUIRE(lines_of(r.out).size() == 1);
  CHECK(json_lines(r.out)[0]["type"] == "hit");
  CHECK(oly::test::read_file(code_file) == "0\n");

  const std::string text_cmd = "( " + shell_quote(OLY_SEARCHER) + " -d " +
                               shell_quote(fixture_index()) +
                               " --snippets 20 --snippet-length 5000 'NOT zebra'; echo $? >" +
                               shell_quote(code_file) + " ) | head -1";
  const CommandResult t = run_command(text_cmd);
  CHECK(t.err.empty());
  CHECK(lines_of(t.out).size() == 1);
  CHECK(oly::test::read_file(code_file) == "0\n");
}

TEST_CASE("searcher: an index of another analyzer is refused", "[searcher_cli]") {
  oly::test::TempDir tmp("other-analyzer");
  const std::string index = tmp / "index";
  REQUIRE(run_indexer(index, {kFixtures + "/wire.jsonl"}).code == 0);
  REQUIRE(run_searcher(index, {"swimmer"}).code == 0);
  {
    Xapian::WritableDatabase db(index, Xapian::DB_OPEN);
    db.set_metadata("oly.analyzer", "other");
    db.commit();
  }
  const CommandResult r = run_searcher(index, {"swimmer"});
  CHECK(r.code == 2);
  CHECK(r.out.empty());
  CHECK_THAT(r.err, Catch::Contains("another analyzer"));
  CHECK_THAT(r.err, Catch::Contains("--recreate"));
}

// Formerly a bug: with --any, a filter made the words optional altogether, so both
// Paris-2024 articles came back though neither mentions rowing or a swimmer.
TEST_CASE("searcher: --any with a filter needs one of the words", "[searcher_cli]") {
  const CommandResult r = search({"--any", "--ids", "tag:paris-2024 rowing swimmer"});
  CHECK(r.out.empty());
  CHECK(r.code == 1);
  // One of the words is enough.
  const CommandResult one = search({"--any", "--ids", "tag:paris-2024 rowing rooftop"});
  CHECK(one.code == 0);
  CHECK(lines_of(one.out) == Strings{fx("stunt-finale.txt")});
}

// Formerly a bug: a failed write to stdout was ignored, so `searcher --json bolt >/dev/full`
// exited 0 having printed nothing. Every output path (each format, --batch, CLI11's own
// --help and --version) now ends with exit 2 and grep's message; /dev/full fails every
// write with ENOSPC.
TEST_CASE("searcher: a write error on stdout is reported, exit 2", "[searcher_cli]") {
  struct Case {
    Strings args;
    std::string input;
  };
  const std::vector<Case> cases = {
      {{"gold"}, ""},
      {{"zebra"}, ""},  // no hits: the "no matches" line still has to be written
      {{"--json", "gold"}, ""},
      {{"--ids", "gold"}, ""},
      {{"--count", "gold"}, ""},
      {{"--batch"}, "gold\nzebra\n"},
      {{"--batch", "--count"}, "gold\n"},
      {{"--help"}, ""},
      {{"--version"}, ""},
  };
  for (const Case& c : cases) {
    std::string cmd =
        shell_quote(OLY_SEARCHER) + " --color never -d " + shell_quote(fixture_index());
    for (const auto& a : c.args) cmd += " " + shell_quote(a);
    INFO("command: " << cmd);
    const CommandResult r = run_command(cmd + " >/dev/full", c.input);
    CHECK(r.code == 2);
    CHECK(r.err == "searcher: write error: No space left on device\n");
  }
}

// Formerly bugs: `-n -1` wrapped around to "everything", `--offset -5` to "nothing",
// `-n ''` meant 0, `--bm25 k1=inf` printed "score":null and `-d ''` quietly searched the
// default index. Every numeric flag is now parsed strictly: exit 2 with the flag named.
TEST_CASE("searcher: bad flag values are usage errors", "[searcher_cli]") {
  struct Row {
    Strings args;
    std::string message;  // on stderr, after "searcher: error: "
  };
  const std::string limit = "-n/--limit: expected a whole number from 0 to 1000000000, got ";
  const std::vector<Row> rows = {
      {{"-n", "-1"}, limit + "'-1'"},
      {{"--limit=-1"}, limit + "'-1'"},
      {{"-n", "99999999999999999999"}, limit + "'99999999999999999999' (out of range)"},
      {{"-n", "1000000001"}, limit + "'1000000001' (out of range)"},
      {{"-n", "1e3"}, limit + "'1e3'"},
      {{"-n", ""}, limit + "''"},
      {{"-n", "+3"}, limit + "'+3'"},
      {{"-n", " 3"}, limit + "' 3'"},
      {{"-n", "0x10"}, limit + "'0x10'"},
      {{"-n", "2.5"}, limit + "'2.5'"},
      {{"--offset", "-5"}, "--offset: expected a whole number from 0 to 1000000000, got '-5'"},
      {{"--snippets", "-1"}, "--snippets: expected a whole number from 0 to 20, got '-1'"},
      {{"--snippets", "21"},
       "--snippets: expected a whole number from 0 to 20, got '21' (out of "
       "range)"},
      {{"--snippet-length", "19"},
       "--snippet-length: expected a whole number from 20 to 5000, got '19' (out of range)"},
      {{"--snippet-length", "abc"},
       "--snippet-length: expected a whole number from 20 to 5000, got 'abc'"},
      {{"--bm25", "k1=inf"},
       "--bm25 k1: expected a number from 0 to 1000, got 'inf' (out of range)"},
      {{"--bm25", "k1=nan"},
       "--bm25 k1: expected a number from 0 to 1000, got 'nan' (out of range)"},
      {{"--bm25", "k1=1e999"},
       "--bm25 k1: expected a number from 0 to 1000, got '1e999' (out of range)"},
      {{"--bm25", "k1=-1"}, "--bm25 k1: expected a number from 0 to 1000, got '-1' (out of range)"},
      {{"--bm25", "b=1.5"}, "--bm25 b: expected a number from 0 to 1, got '1.5' (out of range)"},
      {{"--bm25", "b=0.5x"}, "--bm25 b: expected a number from 0 to 1, got '0.5x'"},
      {{"--bm25", "k1=1,k1=2"}, "--bm25: k1 given twice"},
      {{"--bm25", "z=1"}, "--bm25: unknown parameter 'z' (k1, b and min_norm are known)"},
      {{"--bm25", "min_norm=2"},
       "--bm25 min_norm: expected a number from 0 to 1, got '2' (out of range)"},
      {{"--bm25", "b=0.5,min_norm=0.5,min_norm=0"}, "--bm25: min_norm given twice"},
      {{"--bm25", ""}, "--bm25: expected k1=NUMBER,b=NUMBER,min_norm=NUMBER (any of them), got ''"},
      {{"-d", ""}, "-d/--index: the index directory is empty"},
      {{"--index", ""}, "-d/--index: the index directory is empty"},
  };
  for (const Row& row : rows) {
    std::string cmd = shell_quote(OLY_SEARCHER) + " --color never";
    // Rows without their own -d search the fixture index; "-d ''" replaces it.
    if (row.args[0] != "-d" && row.args[0] != "--index") {
      cmd += " -d " + shell_quote(fixture_index());
    }
    for (const auto& a : row.args) cmd += " " + shell_quote(a);
    cmd += " gold";
    INFO("command: " << cmd);
    const CommandResult r = run_command(cmd);
    CHECK(r.code == 2);
    CHECK(r.out.empty());
    CHECK(r.err == "searcher: error: " + row.message + "\n");
  }
  // The edges of the ranges are fine.
  CHECK(search({"-n", "0", "--offset", "1000000000", "--snippets", "0", "--snippet-length", "20",
                "--bm25", "k1=0,b=1", "gold"})
            .code != 2);
  CHECK(search({"-n", "1000000000", "--snippets", "20", "--snippet-length", "5000", "--bm25",
                "b=0,k1=1000", "gold"})
            .code == 0);
}

// An OLYMPIC_INDEX set but empty is almost always a script's unset variable: an error,
// not the default index.
TEST_CASE("searcher: OLYMPIC_INDEX set but empty is a usage error", "[searcher_cli]") {
  const CommandResult r = run_command("env OLYMPIC_INDEX= " + shell_quote(OLY_SEARCHER) + " gold");
  CHECK(r.code == 2);
  CHECK(r.err ==
        "searcher: error: OLYMPIC_INDEX is set but empty; unset it to use ./olympic-index, or "
        "give -d DIR\n");
  // -d wins over the variable.
  const CommandResult d = run_command("env OLYMPIC_INDEX= " + shell_quote(OLY_SEARCHER) + " -d " +
                                      shell_quote(fixture_index()) + " gold");
  CHECK(d.code == 0);
  const CommandResult env = run_command("env OLYMPIC_INDEX=" + shell_quote(fixture_index()) + " " +
                                        shell_quote(OLY_SEARCHER) + " --ids gold");
  CHECK(env.code == 0);
}

// Formerly CLI11's bare "The following argument was not expected: -usain".
TEST_CASE("searcher: an excluded word before -- gets a hint", "[searcher_cli]") {
  const CommandResult r = search({"bolt", "-usain"});
  CHECK(r.code == 2);
  CHECK(r.err ==
        "searcher: error: -usain is not an option; to exclude a word, put the query after --: "
        "searcher -- bolt -usain, or quote it: searcher 'bolt -usain'\n");
  const CommandResult first = search({"-silver", "gold"});
  CHECK(first.code == 2);
  CHECK_THAT(first.err, Catch::Contains("searcher -- gold -silver"));
  const CommandResult quote = search({"-o'neil"});
  CHECK_THAT(quote.err, Catch::Contains("searcher '-o'\\''neil'"));
  const CommandResult long_opt = search({"--frobnicate", "gold"});
  CHECK(long_opt.code == 2);
  CHECK(long_opt.err == "searcher: error: unknown option --frobnicate (see searcher --help)\n");
  // Both suggested forms work, and exclude the word.
  const CommandResult dashes = search({"--ids", "--", "gold", "-rowers"});
  CHECK(dashes.code == 0);
  CHECK(dashes.out == "wire-001\n");
  CHECK(search({"--ids", "gold -rowers"}).out == dashes.out);
}

namespace {

// The index of tests/fixtures/terminal (articles full of control characters).
const std::string& terminal_index() {
  static oly::test::TempDir dir("search-terminal");
  static const std::string path = dir / "index";
  static const CommandResult built = run_indexer(path, {"tests/fixtures/terminal"});
  INFO("indexer stderr: " << built.err);
  REQUIRE(built.code == 0);
  return path;
}

// Bytes no JSON output may hold raw: C0 (the newline ends the line), DEL, C1 (C2 80..9F),
// U+2028..202E (E2 80 A8..AE) and U+2066..2069 (E2 81 A6..A9).
bool has_raw_controls(const std::string& s) {
  for (std::size_t i = 0; i < s.size(); ++i) {
    const auto b = [&](std::size_t k) {
      return i + k < s.size() ? static_cast<unsigned char>(s[i + k]) : 0;
    };
    if ((b(0) < 0x20 && b(0) != '\n') || b(0) == 0x7F) return true;
    if (b(0) == 0xC2 && b(1) >= 0x80 && b(1) <= 0x9F) return true;
    if (b(0) == 0xE2 && ((b(1) == 0x80 && b(2) >= 0xA8 && b(2) <= 0xAE) ||
                         (b(1) == 0x81 && b(2) >= 0xA6 && b(2) <= 0xA9))) {
      return true;
    }
  }
  return false;
}

}  // namespace

TEST_CASE("terminal_safe: control characters are shown, not obeyed", "[output]") {
  struct Row {
    std::string in, out;
  };
  const std::vector<Row> rows = {
      {"plain text, accents é and 東京", "plain text, accents é and 東京"},
      {"\x1b]0;pwned\x07", "\u241b]0;pwned\u2407"},  // OSC set-title: ESC and BEL shown
      {std::string("a\0b", 3), "a\u2400b"},          // NUL
      {"a\x7f", "a\u2421"},                          // DEL
      {"\x01\x1f", "\u2401\u241f"},
      {"tab\there\r\nnew\vline\f", "tab here  new line "},  // breaks become spaces
      {"\u009b31m", "<U+009B>31m"},                         // C1 CSI
      {"\u0080 \u009f", "<U+0080> <U+009F>"},
      {"next\u0085line\u2028and\u2029more", "next line and more"},  // NEL, LS, PS
      {"\u202aa\u202bb\u202cc\u202dd\u202ee", "<U+202A>a<U+202B>b<U+202C>c<U+202D>d<U+202E>e"},
      {"\u2066x\u2067y\u2068z\u2069", "<U+2066>x<U+2067>y<U+2068>z<U+2069>"},
      {"\u200e\u200f\u061c", "\u200e\u200f\u061c"},  // marks (not overrides) stay: Arabic, Hebrew
      {"bad \xff\xfe utf-8 \xe2\x82", "bad \ufffd\ufffd utf-8 \ufffd"},
      {"", ""},
  };
  for (const Row& row : rows) {
    INFO("input: " << oly::terminal_safe(row.in));
    CHECK(oly::terminal_safe(row.in) == row.out);
  }
  // Error messages keep their own line breaks.
  CHECK(oly::terminal_safe("a\nb\x1b", true) == "a\nb\u241b");
  // Highlights are byte ranges into the raw text: escaping piece by piece keeps them on
  // the right characters.
  const std::string text = "\x1b[2Jgold\x07 and gold";
  CHECK(oly::mark_up(text, {{4, 8}, {14, 18}}, "[", "]") == "\u241b[2J[gold]\u2407 and [gold]");
}

TEST_CASE("color_wanted: --color auto honours NO_COLOR and TERM", "[output]") {
  struct Row {
    const char* mode;
    bool tty;
    const char* no_color;
    const char* term;
    bool color;
  };
  const std::vector<Row> rows = {
      {"auto", true, nullptr, "xterm-256color", true},
      {"auto", false, nullptr, "xterm-256color", false},
      {"auto", true, "1", "xterm", false},
      {"auto", true, "", "xterm", true},  // NO_COLOR set but empty does not count
      {"auto", true, nullptr, "dumb", false},
      {"auto", true, nullptr, nullptr, false},
      {"auto", true, nullptr, "", false},
      {"always", false, "1", "dumb", true},  // an explicit flag beats the environment
      {"never", true, nullptr, "xterm", false},
  };
  for (const Row& row : rows) {
    INFO(row.mode << " tty=" << row.tty << " NO_COLOR=" << (row.no_color ? row.no_color : "unset")
                  << " TERM=" << (row.term ? row.term : "unset"));
    CHECK(oly::color_wanted(row.mode, row.tty, row.no_color, row.term) == row.color);
  }
}

// Formerly a bug: article text went raw to the terminal, so this fixture's title set the
// terminal's title (ESC ] 0 ; ... BEL) and its NUL and CSI were printed as they were.
TEST_CASE("searcher: text output neutralises control characters", "[searcher_cli]") {
  const std::string& index = terminal_index();
  const CommandResult plain = run_searcher(index, {"evil"});
  CHECK(plain.code == 0);
  CHECK(plain.err.empty());
  CHECK(normalise(plain.out) ==
        "1. \u241b]0;pwned\u2407Evil\u2400 title <U+009B>2J done  (2024-08-01 \u00b7 "
        "Desk<U+202E> reversed<U+202C> \u00b7 evil\u241b[31m-id)\n"
        "   An [evil] body rings a bell\u2407, deletes\u2421, sends a C1 CSI <U+009B>31m, "
        "isolates <U+2066>[evil<U+2069>], breaks the line and ends.\n\n"
        "1-1 of 1 matches in <ms> ms\n");

  // With colour, the only escape sequences are ours (SGR: ESC [ ... m).
  const CommandResult color =
      run_command(shell_quote(OLY_SEARCHER) + " --color always -d " + shell_quote(index) + " evil");
  CHECK(color.code == 0);
  const std::string color_out =
      std::regex_replace(color.out, std::regex(" in [0-9.]+ ms"), " in <ms> ms");
  CHECK(color_out ==
        "\x1b[2m1.\x1b[0m \x1b[1m\u241b]0;pwned\u2407\x1b[1;31m\x1b[1mEvil\x1b[0m\x1b[1m\u2400 "
        "title <U+009B>2J done\x1b[0m  \x1b[2m2024-08-01 \u00b7 Desk<U+202E> reversed<U+202C> "
        "\u00b7 evil\u241b[31m-id\x1b[0m\n"
        "   An \x1b[1;31mevil\x1b[0m body rings a bell\u2407, deletes\u2421, sends a C1 CSI "
        "<U+009B>31m, isolates <U+2066>\x1b[1;31mevil<U+2069>\x1b[0m, breaks the line and "
        "ends.\n\n"
        "\x1b[2m1-1 of 1 matches in <ms> ms\x1b[0m\n");
}

TEST_CASE("searcher: JSON escapes C1, DEL, U+2028 and bidi controls, exactly", "[searcher_cli]") {
  const CommandResult r = run_searcher(terminal_index(), {"--json", "evil"});
  CHECK(r.code == 0);
  CHECK_FALSE(has_raw_controls(r.out));
  const auto objs = json_lines(r.out);
  REQUIRE(objs.size() == 2);
  // The values are exact: escaping is only how they are written.
  CHECK(objs[0]["title"] == std::string("\x1b]0;pwned\x07"
                                        "Evil") +
                                '\0' + " title \u009b2J done");
  CHECK(objs[0]["id"] == "evil\x1b[31m-id");
  CHECK(objs[0]["source"] == "Desk\u202e reversed\u202c");
  CHECK(objs[0]["url"] == "http://example.org/\x1b[2J");
  CHECK(objs[0]["tags"] == nlohmann::json::array({"t\x1b"
                                                  "ag"}));
  const std::string snippet = objs[0]["snippet"]["text"];
  CHECK_THAT(snippet, Catch::Contains("bell\x07, deletes\x7f, sends a C1 CSI \u009b31m"));
  CHECK_THAT(snippet, Catch::Contains("breaks\u2028the line"));
  CHECK(slice(objs[0]["title"], objs[0]["title_highlights"][0]) == "Evil");
  CHECK_THAT(r.out, Catch::Contains(R"("title":"\u001b]0;pwned\u0007Evil\u0000 title \u009b2J)"));
  CHECK_THAT(r.out, Catch::Contains(R"(deletes\u007f, sends a C1 CSI \u009b31m, isolates )"
                                    R"(\u2066evil\u2069, breaks\u2028the line)"));

  // Invalid UTF-8 in the query (from argv) is a query error with its column, never a
  // guess; the message names the byte instead of echoing it.
  const CommandResult bad = run_searcher(terminal_index(), {"--json", "evil\xff"});
  CHECK(bad.code == 2);
  CHECK(bad.out.empty());
  CHECK_THAT(bad.err, Catch::Contains("query:1:5: error: invalid UTF-8 (byte 0xFF)"));
  CHECK(bad.err.find('\xff') == std::string::npos);
}

// Every other text path: --ids (with a warning, as the id is no longer exact), --explain,
// and error messages that echo an argument, a path or a query.
TEST_CASE("searcher: ids, --explain and error messages are terminal-safe", "[searcher_cli]") {
  const std::string& index = terminal_index();
  const CommandResult ids = run_searcher(index, {"--ids", "evil"});
  CHECK(ids.code == 0);
  CHECK(ids.out == "evil\u241b[31m-id\n");
  CHECK(ids.err ==
        "searcher: warning: 1 id holds control characters, printed escaped; --json gives ids "
        "exactly\n");
  const CommandResult batch = run_searcher(index, {"--ids", "--batch"}, "evil\n");
  CHECK(batch.out == "1\tevil\u241b[31m-id\n");
  CHECK_THAT(batch.err, Catch::Contains("1 id holds control characters"));

  const CommandResult explain = run_searcher(index, {"--explain", "--count", "evil\x1b[2J"});
  CHECK_THAT(explain.err, Catch::Contains("query: evil\u241b[2J\n"));

  const CommandResult syntax = run_searcher(index, {"\"evil\x1b]0;x\x07"});
  CHECK(syntax.code == 2);
  CHECK(syntax.err.find('\x1b') == std::string::npos);

  const CommandResult no_index = run_searcher("/nonexistent/\x1b]0;x\x07", {"evil"});
  CHECK(no_index.code == 2);
  CHECK_THAT(no_index.err, Catch::Contains("/nonexistent/\u241b]0;x\u2407: error: no index here"));
  CHECK(no_index.err.find('\x1b') == std::string::npos);

  const CommandResult option = search({"-\x1b[31m"});
  CHECK(option.code == 2);
  CHECK_THAT(option.err, Catch::StartsWith("searcher: error: -\u241b[31m is not an option"));
  CHECK(option.err.find('\x1b') == std::string::npos);
}

// --color auto on a real terminal (a pty from util-linux `script`): NO_COLOR and TERM=dumb
// turn the colour off. Formerly both were ignored.
TEST_CASE("searcher: --color auto honours NO_COLOR and TERM=dumb on a terminal", "[searcher_cli]") {
  if (run_command("command -v script").code != 0) {
    WARN("skipped: util-linux `script` is not installed");
    return;
  }
  const std::string searcher =
      shell_quote(OLY_SEARCHER) + " -d " + shell_quote(fixture_index()) + " gold";
  const auto on_tty = [&](const std::string& env) {
    return run_command("env " + env + " script -qec " + shell_quote(searcher) + " /dev/null").out;
  };
  CHECK_THAT(on_tty("TERM=xterm"), Catch::Contains("\x1b[1;31mgold"));
  CHECK(on_tty("TERM=xterm NO_COLOR=1").find('\x1b') == std::string::npos);
  CHECK(on_tty("TERM=dumb").find('\x1b') == std::string::npos);
  CHECK_THAT(on_tty("TERM=xterm NO_COLOR="), Catch::Contains("\x1b[1;31mgold"));
}

// Formerly a bug: `-n 0` or an --offset past the end exited 1 ("no hits") and printed
// "no matches (2 total)" although two articles matched.
TEST_CASE("searcher: the exit status follows the matches, not the page shown", "[searcher_cli]") {
  struct Row {
    Strings args;
    int code;
  };
  const std::vector<Row> rows = {
      {{"-n", "0", "gold"}, 0},
      {{"--offset", "2", "gold"}, 0},
      {{"--offset", "1000000000", "gold"}, 0},
      {{"--json", "-n", "0", "gold"}, 0},
      {{"--ids", "--offset", "5", "gold"}, 0},
      {{"--count", "-n", "0", "gold"}, 0},
      {{"--sort", "-date", "--offset", "5", "gold"}, 0},
      {{"-n", "0", "zebra"}, 1},
      {{"--offset", "5", "zebra"}, 1},
  };
  for (const Row& row : rows) {
    std::string joined;
    for (const auto& a : row.args) joined += a + " ";
    INFO("args: " << joined);
    CHECK(search(row.args).code == row.code);
  }
  const CommandResult text = search({"-n", "0", "gold"});
  CHECK(normalise(text.out) == "2 matches, none on this page (see -n and --offset) in <ms> ms\n");
  CHECK(search({"--ids", "--offset", "5", "gold"}).out.empty());
  CHECK(search({"--batch", "-n", "0"}, "gold\nzebra\n").code == 0);
  CHECK(search({"--batch", "--ids", "--offset", "9"}, "gold\n").code == 0);
  CHECK(search({"--batch", "--offset", "9"}, "zebra\n").code == 1);
}

// Formerly a bug: --snippets 0 still built and printed a one-fragment snippet.
TEST_CASE("searcher: --snippets 0 builds and prints no snippet", "[searcher_cli]") {
  const CommandResult text = search({"--snippets", "0", "gold"});
  CHECK(text.code == 0);
  CHECK(normalise(text.out) ==
        "1. Rowers take gold on a calm lake  (2021-07-28 \u00b7 Water Desk \u00b7 "
        "tests/fixtures/search/rowing-lake.txt)\n"
        "2. Swimmer breaks the pool record twice in one day  (2012-07-30 \u00b7 Wire Service "
        "\u00b7 wire-001)\n\n"
        "1-2 of 2 matches in <ms> ms\n");
  const CommandResult json = search({"--json", "--snippets", "0", "gold"});
  CHECK(json.code == 0);
  const auto objs = json_lines(json.out);
  REQUIRE(objs.size() == 3);
  for (std::size_t i = 0; i < 2; ++i) {
    CHECK(objs[i]["snippet"].is_null());
    CHECK_FALSE(objs[i]["matches"].empty());  // the match offsets are still there
  }
  CHECK(objs[0]["title_highlights"] == nlohmann::json::parse("[[12,16]]"));
  const CommandResult batch = search({"--batch", "--snippets", "0"}, "gold\n");
  CHECK(json_lines(batch.out)[0]["snippet"].is_null());
}
