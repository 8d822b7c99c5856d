// Ranking evaluation (issue 16): the measures against values worked out by hand (graded and
// binary judgments, fewer than 10 results, nothing relevant found, repeated ids, cut-offs),
// the three file formats with their errors at path:line, the plain-words query reading,
// and `searcher --eval` / `--eval-run` on a tiny judged fixture (tests/fixtures/eval/).
#include <catch2/catch.hpp>
#include <cmath>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "analyzer.h"
#include "eval.h"
#include "query.h"
#include "searcher_test_util.h"
#include "test_util.h"

namespace {

using oly::eval::Judgments;
using oly::eval::Measures;
using oly::search_test::lines_of;
using oly::search_test::run_command;
using oly::search_test::run_indexer;
using oly::search_test::run_searcher;
using oly::search_test::shell_quote;
using oly::test::TempDir;
using oly::test::write_file;

// 1 / log2(rank + 1) for the ranks used below.
const double kD2 = 1.0 / std::log2(3.0);  // rank 2
const double kD3 = 0.5;                   // rank 3: 1 / log2(4)

struct MeasureRow {
  const char* what;
  std::vector<std::string> ranked;
  Judgments judged;
  Measures want;
};

std::vector<std::string> filler(std::size_t n, const std::string& prefix) {
  std::vector<std::string> v;
  for (std::size_t i = 0; i < n; ++i) v.push_back(prefix + std::to_string(i));
  return v;
}

std::vector<MeasureRow> measure_rows() {
  std::vector<MeasureRow> rows = {
      {"binary, 2 of 3 relevant found at ranks 1 and 3, an unjudged id, a grade 0",
       {"a", "x", "b", "d"},
       {{"a", 1}, {"b", 1}, {"c", 1}, {"x", 0}},
       {(1 + kD3) / (1 + kD2 + kD3), (1.0 + 2.0 / 3) / 3, 0.2, 2.0 / 3}},
      {"graded, the better one second: nDCG below 1, AP 1",
       {"b", "a"},
       {{"a", 2}, {"b", 1}},
       {(1 + 2 * kD2) / (2 + kD2), 1.0, 0.2, 1.0}},
      {"graded, ideal order", {"a", "b"}, {{"a", 2}, {"b", 1}}, {1.0, 1.0, 0.2, 1.0}},
      {"nothing relevant retrieved", {"x", "y"}, {{"a", 1}}, {0, 0, 0, 0}},
      {"empty run", {}, {{"a", 1}}, {0, 0, 0, 0}},
      {"a repeated id counts once; its second place gains nothing",
       {"a", "a", "b"},
       {{"a", 1}, {"b", 1}},
       {(1 + kD3) / (1 + kD2), (1.0 + 2.0 / 3) / 2, 0.2, 1.0}},
      {"a repeated relevant id is not a second relevant document",
       {"a", "a"},
       {{"a", 1}, {"b", 1}},
       {1 / (1 + kD2), 0.5, 0.1, 0.5}},
  };
  // Cut-offs: a relevant document at rank 11 is outside nDCG@10 and P@10 but inside
  // MAP@100 and R@100; one at rank 101 is outside all.
  std::vector<std::string> at11 = filler(10, "n");
  at11.push_back("a");
  rows.push_back({"relevant at rank 11", at11, {{"a", 1}}, {0, 1.0 / 11, 0, 1.0}});
  std::vector<std::string> at101 = filler(100, "n");
  at101.push_back("a");
  rows.push_back({"relevant at rank 101", at101, {{"a", 1}}, {0, 0, 0, 0}});
  // Twelve relevant, all retrieved first: the ideal DCG holds ten of them.
  Judgments twelve;
  for (const auto& id : filler(12, "r")) twelve[id] = 1;
  rows.push_back({"more relevant than 10, all first", filler(12, "r"), twelve, {1, 1, 1, 1}});
  return rows;
}

TEST_CASE("eval: measures against hand-computed values", "[eval]") {
  for (const MeasureRow& r : measure_rows()) {
    INFO(r.what);
    const Measures m = oly::eval::score_query(r.ranked, r.judged);
    CHECK(m.ndcg10 == Approx(r.want.ndcg10).margin(1e-12));
    CHECK(m.ap100 == Approx(r.want.ap100).margin(1e-12));
    CHECK(m.p10 == Approx(r.want.p10).margin(1e-12));
    CHECK(m.r100 == Approx(r.want.r100).margin(1e-12));
  }
}

TEST_CASE("eval: means over judged queries, skipped and missing queries reported", "[eval]") {
  const auto qrels = oly::eval::parse_qrels("1\ta\t1\n1\tb\t1\n2\tx\t0\n10\tc\t1\n", "q.tsv");
  oly::eval::Run run;
  run["1"] = {"a"};       // nDCG 1/(1+kD2), AP .5, P@10 .1, R .5
  run["2"] = {"x"};       // judged, nothing relevant: skipped
  run["3"] = {"a", "b"};  // not judged at all: skipped
  // "10" is judged relevant but absent from the run: scored 0.
  const auto ev = oly::eval::evaluate(qrels, run);
  REQUIRE(ev.queries.size() == 2);
  CHECK(ev.queries[0].id == "1");  // natural order: 1 before 10
  CHECK(ev.queries[1].id == "10");
  CHECK_FALSE(ev.queries[1].in_run);
  CHECK(ev.missing_from_run == 1);
  CHECK(ev.skipped_unjudged == std::vector<std::string>{"3"});
  CHECK(ev.skipped_no_relevant == std::vector<std::string>{"2"});
  CHECK(ev.mean.ndcg10 == Approx(1 / (1 + kD2) / 2));
  CHECK(ev.mean.ap100 == Approx(0.25));
  CHECK(ev.mean.p10 == Approx(0.05));
  CHECK(ev.mean.r100 == Approx(0.25));
}

TEST_CASE("eval: query ids in natural order", "[eval]") {
  oly::eval::IdLess less;
  CHECK(less("2", "10"));
  CHECK_FALSE(less("10", "2"));
  CHECK(less("10", "q1"));  // numbers first
  CHECK(less("01", "1"));   // equal values stay distinct ids
  CHECK_FALSE(less("1", "01"));
  CHECK(less("a10", "a2"));  // other ids as text
}

TEST_CASE("eval: the file formats", "[eval]") {
  SECTION("qrels: tab form (ids with spaces) and TREC's whitespace form") {
    const auto q =
        oly::eval::parse_qrels("1\tcorpus/a b.txt\t2\r\n\n7 0 TIME-3 1\n7  0\tTIME-4   0\n", "q");
    CHECK(q.at("1").at("corpus/a b.txt") == 2);
    CHECK(q.at("7").at("TIME-3") == 1);
    CHECK(q.at("7").at("TIME-4") == 0);
  }
  SECTION("a run: as trec_eval, by score descending, ties by id descending; rank ignored") {
    const auto run = oly::eval::parse_trec_run(
        "1 Q0 c 1 0.1 t\n1 Q0 a 3 0.9 t\n1 Q0 b 2 0.5 t\n"           // ranks say c, b, a
        "2 Q0 x 1 1 t\n2 Q0 y 2 1 t\n2 Q0 z 3 1e1 t\n"               // 1e1 is 10: z first
        "3 Q0 10 1 5 t\n3 Q0 9 2 5 t\n3 Q0 B 3 5 t\n3 Q0 a 4 5 t\n"  // strcmp, not numbers
        "4 Q0 p 1 -2 t\n4 Q0 q 2 -1.5 t\n",
        "r");
    CHECK(run.at("1") == std::vector<std::string>{"a", "b", "c"});
    CHECK(run.at("2") == std::vector<std::string>{"z", "y", "x"});
    CHECK(run.at("3") == std::vector<std::string>{"a", "B", "9", "10"});
    CHECK(run.at("4") == std::vector<std::string>{"q", "p"});
  }
  SECTION("a UTF-8 byte order mark at the start is not part of the first id") {
    const std::string bom = "\xEF\xBB\xBF";
    const auto q = oly::eval::parse_queries(bom + "1\tbolt\n", "qs");
    REQUIRE(q.size() == 1);
    CHECK(q[0].id == "1");
    const auto tab_qrels = oly::eval::parse_qrels(bom + "1\ta\t1\n", "q");
    CHECK(tab_qrels.count("1") == 1);
    const auto trec_qrels = oly::eval::parse_qrels(bom + "1 0 a 1\n", "q");
    CHECK(trec_qrels.count("1") == 1);
    const auto run = oly::eval::parse_trec_run(bom + "1 Q0 a 1 1 t\n", "r");
    CHECK(run.count("1") == 1);
    // Only at the start: elsewhere it is text, kept (and shown in messages).
    CHECK_THROWS_WITH(oly::eval::parse_queries("1\tx\n" + bom + "2 3\tx\n", "qs"),
                      Catch::Contains("qs:2: error:"));
  }
  SECTION("queries: the text after the first tab") {
    const auto q = oly::eval::parse_queries("1\tA\tB .\n\n2\tNOT THIS\n", "qs");
    REQUIRE(q.size() == 2);
    CHECK(q[0].text == "A\tB .");
    CHECK(q[1].id == "2");
    CHECK(q[1].line == 3);
  }
}

struct ErrorRow {
  const char* kind;  // queries, qrels, run
  const char* text;
  const char* message;  // the whole start of what(), then a substring
  const char* part;
};

const std::vector<ErrorRow> kErrors = {
    {"queries", "1\tok\nno tab here\n", "f:2: error: ", "expected QUERY_ID<TAB>TEXT"},
    {"queries", "1\tok\n1\tagain\n", "f:2: error: ", "appears twice"},
    {"queries", "\t text\n", "f:1: error: ", "one word without spaces"},
    {"queries", "a b\ttext\n", "f:1: error: ", "one word without spaces"},
    {"queries", "1\t  \n", "f:1: error: ", "has no text"},
    {"qrels", "1\ta\t1\n1\ta\n", "f:2: error: ", "expected QUERY_ID<TAB>DOC_ID<TAB>GRADE"},
    {"qrels", "1 a 1\n", "f:1: error: ", "expected QUERY_ID<TAB>DOC_ID<TAB>GRADE"},
    {"qrels", "1\ta\t-1\n", "f:1: error: ", "a grade is a whole number"},
    {"qrels", "1\ta\t0.5\n", "f:1: error: ", "a grade is a whole number"},
    {"qrels", "1\ta\tyes\n", "f:1: error: ", "a grade is a whole number"},
    {"qrels", "1\ta\t+1\n", "f:1: error: ", "a grade is a whole number"},
    {"qrels", "1\ta\t99999999999999999999\n", "f:1: error: ", "a grade is a whole number"},
    {"qrels", "1\t\t1\n", "f:1: error: ", "empty query or document id"},
    {"qrels", "1\ta\t1\n\n1 0 a 0\n", "f:3: error: ", "judges document a twice"},
    {"run", "1 Q0 a 1 0.5\n", "f:1: error: ", "expected QUERY_ID Q0 DOC_ID RANK SCORE TAG"},
    {"run", "1 Q0 a one 0.5 t\n", "f:1: error: ", "the rank is a whole number"},
    {"run", "1 Q0 a 1 nan t\n", "f:1: error: ", "the score is a finite number"},
    {"run", "1 Q0 a 1 0.5x t\n", "f:1: error: ", "the score is a finite number"},
    {"run", "1\tQ0\ta\t1\t0.5\n", "f:1: error: ", "expected QUERY_ID Q0 DOC_ID RANK SCORE TAG"},
    // trec_eval refuses a document retrieved twice for one query; other queries may share it.
    {"run", "1 Q0 a 1 0.5 t\n2 Q0 a 1 0.5 t\n1 Q0 a 2 0.4 t\n",
     "f:3: error: ", "query 1 retrieves document a twice"},
    {"run",
     "\xEF\xBB\xBF"
     "1 Q0 a 1 0.5 t\n1 Q0 a 2 0.4 t\n",
     "f:2: error: ", "document a twice"},
};

TEST_CASE("eval: bad lines are errors at path:line", "[eval]") {
  for (const ErrorRow& r : kErrors) {
    INFO(r.kind << ": " << r.text);
    const std::string kind = r.kind;
    try {
      if (kind == "queries") oly::eval::parse_queries(r.text, "f");
      if (kind == "qrels") oly::eval::parse_qrels(r.text, "f");
      if (kind == "run") oly::eval::parse_trec_run(r.text, "f");
      FAIL_CHECK("no error");
    } catch (const oly::eval::EvalError& e) {
      const std::string what = e.what();
      CHECK(what.rfind(r.message, 0) == 0);
      CHECK_THAT(what, Catch::Contains(r.part));
    }
  }
}

// The plain reading (QueryOptions::plain): every analysed token is a word.
struct PlainRow {
  const char* query;
  const char* understood;  // describe() under --plain (all words required)
};

const std::vector<PlainRow> kPlain = {
    {"WORDS AND NOT TITLE:FIGHTS .",
     "AND(\"words\"|stem:word, \"and\"|stem:and, \"not\"|stem:not, \"title\"|stem:titl, "
     "\"fights\"|stem:fight)"},
    {"bolt OR phelps", "AND(\"bolt\"|stem:bolt, \"or\"|stem:or, \"phelps\"|stem:phelp)"},
    {"\"usain bolt", "AND(\"usain\"|stem:usain, \"bolt\"|stem:bolt)"},
    {"-usain +bolt (relay)", "AND(\"usain\"|stem:usain, \"bolt\"|stem:bolt, \"relay\"|stem:relay)"},
    // Wildcards, NEAR/N, fuzzy and boost marks: their words stay, the marks are punctuation.
    {"kipch* NEAR/3 bolt~2 x^2",
     "AND(\"kipch\"|stem:kipch, \"near\"|stem:near, \"3\", \"bolt\"|stem:bolt, "
     "\"2\"\u00d72, \"x\"|stem:x)"},
    // Every token its own word: no phrase of AT&T's parts, no lang: filter.
    {"AT&T lang:fr", "AND(\"at\"|stem:at, \"t\"|stem:t, \"lang\"|stem:lang, \"fr\"|stem:fr)"},
    {"東京オリンピック", "AND(\"東京\"|chars(東 京), \"オリンピック\"|chars(オ リ ン ピ ッ ク))"},
};

TEST_CASE("query: the plain reading has no syntax", "[eval][query]") {
  oly::Analyzer analyzer;
  oly::Stemmer stemmer("en");
  oly::QueryOptions plain;
  plain.plain = true;
  for (const PlainRow& r : kPlain) {
    INFO("query: " << r.query);
    std::string got;
    try {
      got = oly::parse_query(r.query, analyzer, stemmer, plain).describe();
    } catch (const oly::QuerySyntaxError& e) {
      FAIL_CHECK("unexpected error: " << e.what());
    }
    CHECK(got == r.understood);
  }
}

TEST_CASE("query: the plain reading's errors", "[eval][query]") {
  oly::Analyzer analyzer;
  oly::Stemmer stemmer("en");
  oly::QueryOptions plain;
  plain.plain = true;
  CHECK_THROWS_WITH(oly::parse_query(" . & ", analyzer, stemmer, plain),
                    Catch::Contains("no searchable words"));
  CHECK_THROWS_WITH(oly::parse_query("", analyzer, stemmer, plain), Catch::Contains("empty query"));
  CHECK_THROWS_WITH(oly::parse_query("a " + std::string(200, 'x'), analyzer, stemmer, plain),
                    Catch::Contains("term limit"));
  CHECK_THROWS_WITH(oly::parse_query("a \xFF", analyzer, stemmer, plain),
                    Catch::Contains("invalid UTF-8"));
}

// ---------------------------------------------------------------------------------------
// The command line, on tests/fixtures/eval (README there: the expected values by hand).

const std::string kFixture = std::string(OLY_SOURCE_DIR) + "/tests/fixtures/eval/";

struct EvalIndex {
  TempDir dir{"eval"};
  std::string index = dir / "index";
  EvalIndex() {
    const auto r = run_indexer(index, {"tests/fixtures/eval/docs.jsonl"});
    REQUIRE(r.code == 0);
  }
};

TEST_CASE("searcher --eval: measures per query and means on the fixture", "[eval][cli]") {
  EvalIndex ix;
  const auto r = run_searcher(
      ix.index, {"--eval", kFixture + "queries.tsv", "--qrels", kFixture + "qrels.tsv", "--json"});
  INFO(r.out << r.err);
  REQUIRE(r.code == 0);
  const auto lines = lines_of(r.out);
  REQUIRE(lines.size() == 5);
  const double q1 = 1 / (1 + kD2);
  struct Want {
    const char* id;
    double ndcg, ap, p, rec;
    int retrieved;
    bool in_run;
  };
  const Want want[] = {{"1", q1, 0.5, 0.1, 0.5, 1, true},
                       {"3", 1, 1, 0.1, 1, 1, true},
                       {"5", 0, 0, 0, 0, 0, true},
                       {"7", 0, 0, 0, 0, 0, false}};
  for (std::size_t i = 0; i < 4; ++i) {
    const auto j = nlohmann::json::parse(lines[i]);
    INFO(lines[i]);
    CHECK(j["type"] == "eval_query");
    CHECK(j["query"] == want[i].id);
    CHECK(j["ndcg@10"].get<double>() == Approx(want[i].ndcg));
    CHECK(j["ap@100"].get<double>() == Approx(want[i].ap));
    CHECK(j["p@10"].get<double>() == Approx(want[i].p));
    CHECK(j["r@100"].get<double>() == Approx(want[i].rec));
    CHECK(j["retrieved"] == want[i].retrieved);
    CHECK(j["in_run"] == want[i].in_run);
  }
  const auto s = nlohmann::json::parse(lines[4]);
  CHECK(s["type"] == "eval_summary");
  CHECK(s["queries"] == 4);
  CHECK(s["ndcg@10"].get<double>() == Approx((q1 + 1) / 4));
  CHECK(s["map@100"].get<double>() == Approx(0.375));
  CHECK(s["p@10"].get<double>() == Approx(0.05));
  CHECK(s["r@100"].get<double>() == Approx(0.375));
  CHECK(s["missing_from_run"] == 1);
  CHECK(s["skipped_unjudged"] == nlohmann::json::array({"4"}));
  CHECK(s["skipped_no_relevant"] == nlohmann::json::array({"6"}));

  SECTION("files saved with a UTF-8 byte order mark score the same") {
    TempDir bom_dir("evalbom");
    const std::string bom = "\xEF\xBB\xBF";
    write_file(bom_dir / "queries.tsv", bom + oly::eval::read_text_file(kFixture + "queries.tsv"));
    write_file(bom_dir / "qrels.tsv", bom + oly::eval::read_text_file(kFixture + "qrels.tsv"));
    const auto b = run_searcher(
        ix.index, {"--eval", bom_dir / "queries.tsv", "--qrels", bom_dir / "qrels.tsv", "--json"});
    INFO(b.err);
    REQUIRE(b.code == 0);
    CHECK(b.out == r.out);
  }
  SECTION("the text table") {
    const auto t = run_searcher(
        ix.index, {"--eval", kFixture + "queries.tsv", "--qrels", kFixture + "qrels.tsv"});
    REQUIRE(t.code == 0);
    CHECK_THAT(t.out, Catch::Contains("mean    0.4033   0.3750  0.0500  0.3750  (4 queries"));
    CHECK_THAT(t.out, Catch::Contains("1 judged queries are not in the run: scored 0"));
    CHECK_THAT(t.out, Catch::Contains("skipped 1 queries absent from the qrels: 4"));
    CHECK_THAT(t.out, Catch::Contains("skipped 1 queries with no relevant judgment: 6"));
  }
}

TEST_CASE("searcher --eval-run scores a TREC run without an index", "[eval][cli]") {
  TempDir dir("evalrun");
  // Query 1: the ranks put the unjudged e4 first, but the scores (which trec_eval follows)
  // put it last; e2 and e1 tie on score and go by id, descending: e2 first.
  write_file(dir / "run", "1 Q0 e4 1 0.5 t\n1 Q0 e1 2 2.0 t\n1 Q0 e2 3 2.0 t\n3 Q0 e3 1 1 t\n");
  const std::string cmd = shell_quote(OLY_SEARCHER) + " --json --eval-run " +
                          shell_quote(dir / "run") + " --qrels " +
                          shell_quote(kFixture + "qrels.tsv");
  const auto r = run_command(cmd);
  INFO(r.out << r.err);
  REQUIRE(r.code == 0);
  const auto lines = lines_of(r.out);
  REQUIRE(lines.size() == 5);
  // Query 1: both relevant at ranks 1 and 2: perfect; 5 and 7 are missing (0).
  const auto q1 = nlohmann::json::parse(lines[0]);
  CHECK(q1["ndcg@10"].get<double>() == Approx(1));
  CHECK(q1["ap@100"].get<double>() == Approx(1));
  CHECK(q1["p@10"].get<double>() == Approx(0.2));
  const auto s = nlohmann::json::parse(lines[4]);
  CHECK(s["missing_from_run"] == 2);
  CHECK(s["map@100"].get<double>() == Approx(0.5));
}

struct CliErrorRow {
  std::vector<std::string> args;
  int code;
  const char* part;  // in stderr
};

TEST_CASE("searcher --eval: bad files and flags", "[eval][cli]") {
  TempDir dir("evalbad");
  write_file(dir / "badq", "1\tok\nbroken\n");
  write_file(dir / "badrun", "1 Q0 e1 1\n");
  write_file(dir / "duprun", "1 Q0 e1 1 2 t\n1 Q0 e2 2 1 t\n1 Q0 e1 3 0.5 t\n");
  const std::string run = dir / "duprun";
  const std::string q = kFixture + "queries.tsv", qrels = kFixture + "qrels.tsv";
  const std::vector<CliErrorRow> rows = {
      {{"--eval", dir / "badq", "--qrels", qrels}, 2, "/badq:2: error: expected QUERY_ID"},
      {{"--eval-run", dir / "badrun", "--qrels", qrels}, 2, "/badrun:1: error: expected"},
      {{"--eval", q, "--qrels", dir / "absent"}, 2, "/absent: error: cannot read the file"},
      {{"--eval", q, "--qrels", kFixture}, 2, "is a directory, not a file"},
      {{"--eval", q}, 2, "--eval needs --qrels"},
      {{"--qrels", qrels, "x"}, 2, "--qrels goes with --eval or --eval-run"},
      {{"--eval", q, "--qrels", qrels, "word"}, 2, "takes no query arguments"},
      {{"--eval", q, "--qrels", qrels, "-n", "5"}, 2, "--limit does not apply to --eval"},
      {{"--eval", q, "--qrels", qrels, "--ids"}, 2, "--ids does not apply to --eval"},
      {{"--eval-run", dir / "badrun", "--qrels", qrels, "--any"},
       2,
       "--any does not apply to --eval-run"},
      {{"--eval", q, "--eval-run", dir / "badrun", "--qrels", qrels}, 2, "excludes"},
      {{"--eval-run", run, "--qrels", qrels},
       2,
       "/duprun:3: error: query 1 retrieves document e1 twice"},
      // --eval: flags that do not change a top-100 relevance run of the whole index.
      {{"--eval", q, "--qrels", qrels, "--similar", "e1"}, 2, "--similar does not apply to --eval"},
      {{"--eval", q, "--qrels", qrels, "--sort", "date"},
       2,
       "--sort date does not apply to --eval"},
      {{"--eval", q, "--qrels", qrels, "--sort", "-date"}, 2, "--sort -date does not apply"},
      {{"--eval", q, "--qrels", qrels, "--partial"}, 2, "--partial does not apply to --eval"},
      {{"--eval", q, "--qrels", qrels, "--facets", "year"}, 2, "--facets does not apply"},
      // --eval-run: the run was ranked elsewhere; no search switch applies.
      {{"--eval-run", run, "--qrels", qrels, "--similar", "e1"}, 2, "--similar does not apply"},
      {{"--eval-run", run, "--qrels", qrels, "--collapse"}, 2, "--collapse does not apply"},
      {{"--eval-run", run, "--qrels", qrels, "--recency", "30d"}, 2, "--recency does not apply"},
      {{"--eval-run", run, "--qrels", qrels, "--stems", "exact"}, 2, "--stems does not apply"},
      {{"--eval-run", run, "--qrels", qrels, "--no-proximity"},
       2,
       "--proximity/--no-proximity does not apply"},
      {{"--eval-run", run, "--qrels", qrels, "--feedback"}, 2, "--feedback/--no-feedback does"},
      {{"--eval-run", run, "--qrels", qrels, "--no-suggest"}, 2, "--no-suggest does not apply"},
      {{"--eval-run", run, "--qrels", qrels, "--timeout", "5"}, 2, "--timeout does not apply"},
      {{"--eval-run", run, "--qrels", qrels, "--connect-timeout", "5"},
       2,
       "--connect-timeout does"},
  };
  for (const CliErrorRow& r : rows) {
    std::string cmd = shell_quote(OLY_SEARCHER) + " -d " + shell_quote(dir / "noindex");
    for (const auto& a : r.args) cmd += " " + shell_quote(a);
    // --eval-run refuses -d: run those without it.
    if (r.args[0] == "--eval-run") {
      cmd = shell_quote(OLY_SEARCHER);
      for (const auto& a : r.args) cmd += " " + shell_quote(a);
    }
    INFO(cmd);
    const auto res = run_command(cmd);
    CHECK(res.code == r.code);
    CHECK_THAT(res.err, Catch::Contains(r.part));
  }
}

TEST_CASE("searcher --plain reads operators, fields and quotes as words", "[eval][cli]") {
  EvalIndex ix;
  const auto plain = run_searcher(ix.index, {"--plain", "--ids", "WORDS AND NOT TITLE:FIGHTS ."});
  CHECK(plain.code == 0);
  CHECK(plain.out == "e3\n");
  // Without --plain, NOT is syntax: e3 holds "fights", so it is excluded.
  const auto syntax = run_searcher(ix.index, {"--ids", "WORDS AND NOT FIGHTS"});
  CHECK(syntax.code == 1);
  const auto words = run_searcher(ix.index, {"--plain", "--ids", "WORDS AND NOT FIGHTS"});
  CHECK(words.out == "e3\n");
  const auto quote = run_searcher(ix.index, {"--plain", "--ids", "GOLD \"MEDALS"});
  CHECK(quote.code == 0);
  CHECK(quote.out == "e2\n");
  // The same reading in --batch, as a request key.
  const auto batch =
      run_searcher(ix.index, {"--batch", "--ids"},
                   "{\"query\": \"WORDS AND NOT TITLE:FIGHTS .\", \"plain\": true}\n");
  CHECK(batch.code == 0);
  CHECK(batch.out == "1\te3\n");
  const auto none = run_searcher(ix.index, {"--plain", "--ids", "( - ) ."});
  CHECK(none.code == 2);
  CHECK_THAT(none.err, Catch::Contains("no searchable words"));
}

}  // namespace
