// Relative dates (core/dates.h) resolved against a fixed today: the query language's
// `date:` values, --since/--until and --today, table-driven; errors with their columns.
#include <catch2/catch.hpp>
#include <string>
#include <vector>

#include "analyzer.h"
#include "dates.h"
#include "query.h"
#include "searcher_test_util.h"

namespace {

using oly::search_test::CommandResult;
using oly::search_test::lines_of;
using Strings = std::vector<std::string>;

struct RangeRow {
  const char* value;  // after `date:`
  const char* today;
  const char* lo;  // YYYYMMDD, "" when open
  const char* hi;
};

struct ErrorRow {
  const char* value;
  const char* today;
  std::size_t column;  // 1-based in the value
  const char* message;
};

}  // namespace

TEST_CASE("dates: relative forms resolve against today", "[dates]") {
  // 2024-08-10 is a Saturday, 2024-08-05 a Monday, 2024-08-11 a Sunday, 2025-01-01 a Wednesday.
  const std::vector<RangeRow> rows{
      {"today", "2024-08-10", "20240810", "20240810"},
      {"TODAY", "2024-08-10", "20240810", "20240810"},
      {"yesterday", "2024-03-01", "20240229", "20240229"},
      {"yesterday", "2025-01-01", "20241231", "20241231"},
      // A count alone runs from the day counted back up to today, both included.
      {"7d", "2024-08-10", "20240803", "20240810"},
      {"0d", "2024-08-10", "20240810", "20240810"},
      {"1d", "2024-01-01", "20231231", "20240101"},
      {"2w", "2024-08-10", "20240727", "20240810"},
      {"3m", "2024-05-31", "20240229", "20240531"},
      {"1m", "2023-03-31", "20230228", "20230331"},
      {"1m", "2024-01-15", "20231215", "20240115"},
      {"12m", "2024-02-29", "20230228", "20240229"},
      {"1y", "2024-02-29", "20230228", "20240229"},
      {"4y", "2024-02-29", "20200229", "20240229"},
      {"2023y", "2024-08-10", "00010810", "20240810"},
      // ISO weeks, Monday to Sunday, whatever day today is.
      {"this-week", "2024-08-10", "20240805", "20240811"},
      {"this-week", "2024-08-05", "20240805", "20240811"},
      {"this-week", "2024-08-11", "20240805", "20240811"},
      {"last-week", "2024-08-10", "20240729", "20240804"},
      {"last-week", "2024-08-11", "20240729", "20240804"},
      {"last-week", "2025-01-01", "20241223", "20241229"},
      {"this-month", "2023-02-10", "20230201", "20230228"},
      {"last-month", "2024-03-15", "20240201", "20240229"},
      {"last-month", "2024-01-15", "20231201", "20231231"},
      {"Last-Month", "2024-12-31", "20241101", "20241130"},
      {"this-year", "2024-08-10", "20240101", "20241231"},
      {"last-week", "9999-12-31", "99991220", "99991226"},
      {"last-year", "2024-01-01", "20230101", "20231231"},
      // Ranges: a form's first day as a start, its last day as an end.
      {"30d..yesterday", "2024-08-10", "20240711", "20240809"},
      {"2024-01..last-month", "2024-08-10", "20240101", "20240731"},
      {"last-week..this-week", "2024-08-10", "20240729", "20240811"},
      {"last-year..", "2024-08-10", "20230101", ""},
      {"..yesterday", "2024-08-10", "", "20240809"},
      {"7d..", "2024-08-10", "20240803", ""},
      {"2w..2024-08", "2024-08-10", "20240727", "20240831"},
  };
  for (const RangeRow& row : rows) {
    INFO("date:" << row.value << " today " << row.today);
    const oly::QueryNode n = oly::parse_date_filter(row.value, row.today);
    CHECK(n.kind == oly::QueryNode::Kind::kFilter);
    CHECK(n.filter_term.empty());
    CHECK(n.range_lo == row.lo);
    CHECK(n.range_hi == row.hi);
    CHECK(n.resolved_from == std::string(row.value) + ", today " + row.today);
  }
}

TEST_CASE("dates: absolute dates are not relative", "[dates]") {
  const oly::QueryNode year = oly::parse_date_filter("2024", "2024-08-10");
  CHECK(year.filter_term == "Y2024");
  CHECK(year.resolved_from.empty());
  const oly::QueryNode range = oly::parse_date_filter("2024-07..2024-08-11", "2024-08-10");
  CHECK(range.range_lo == "20240701");
  CHECK(range.resolved_from.empty());
}

TEST_CASE("dates: what is not a date stays an error, with its column", "[dates]") {
  const std::vector<ErrorRow> rows{
      {"7x", "2024-08-10", 2, "unknown unit 'x'"},
      {"7days", "2024-08-10", 2, "unknown unit 'days'"},
      {"2024..7x", "2024-08-10", 8, "unknown unit 'x'"},
      {"last-fortnight", "2024-08-10", 6, "unknown period 'fortnight'"},
      {"this-", "2024-08-10", 6, "unknown period ''"},
      {"2024..last-decade", "2024-08-10", 12, "unknown period 'decade'"},
      {"-3d", "2024-08-10", 1, "no sign"},
      {"+3d", "2024-08-10", 1, "no sign"},
      {"2024..-3d", "2024-08-10", 7, "no sign"},
      {"99999999999999999999999d", "2024-08-10", 1, "before the year 0001"},
      {"4000001d", "2024-08-10", 1, "before the year 0001"},
      {"2024y", "2024-08-10", 1, "before the year 0001"},
      {"24289m", "2024-08-10", 1, "before the year 0001"},
      {"last-year", "0001-06-01", 1, "before the year 0001"},
      {"last-week", "0001-01-03", 1, "before the year 0001"},
      // 9999-12-31 is a Friday: its week's Sunday is past the four-digit years.
      {"this-week", "9999-12-31", 1, "past the year 9999"},
      {"tomorrow", "2024-08-10", 1, "invalid date"},
      {"7", "2024-08-10", 1, "invalid date"},
      {"d", "2024-08-10", 1, "invalid date"},
      {"7d5", "2024-08-10", 1, "invalid date"},
      {"7 d", "2024-08-10", 1, "invalid date"},
      {"yesterday..7d", "2024-08-10", 1, "ends before it starts (2024-08-09..2024-08-03"},
      {"..", "2024-08-10", 1, "at least one end"},
  };
  for (const ErrorRow& row : rows) {
    INFO("date:" << row.value << " today " << row.today);
    try {
      oly::parse_date_filter(row.value, row.today);
      FAIL("no error");
    } catch (const oly::QuerySyntaxError& e) {
      CHECK(e.column() == row.column);
      CHECK_THAT(e.what(), Catch::Contains(row.message));
    }
  }
}

TEST_CASE("dates: today is a valid day or nothing", "[dates]") {
  for (const char* bad : {"2024-02-30", "2023-02-29", "2024-8-10", "20240810", "yesterday",
                          "0000-01-01", "2024-08-10 ", "2024-13-01"}) {
    INFO(bad);
    CHECK_FALSE(oly::valid_day(bad));
    CHECK_THROWS_AS(oly::today_utc(bad), std::invalid_argument);
  }
  CHECK(oly::valid_day("2024-02-29"));
  CHECK(oly::today_utc("2024-02-29") == "2024-02-29");
  // No override: the clock's UTC day, a valid day.
  CHECK(oly::valid_day(oly::today_utc()));
}

TEST_CASE("dates: the query language passes today through and explains it", "[dates][query]") {
  oly::Analyzer analyzer;
  oly::Stemmer stemmer{"en"};
  oly::QueryOptions o;
  o.today = "2026-11-15";
  CHECK(oly::parse_query("gold date:last-month", analyzer, stemmer, o).describe() ==
        "AND(\"gold\"|stem:gold, FILTER(date 2026-10-01..2026-10-31 from last-month, today "
        "2026-11-15))");
  CHECK(oly::parse_query("date:2024-08", analyzer, stemmer, o).describe() ==
        "FILTER(date:2024-08)");
  try {
    oly::parse_query("gold date:30d..last-fortnight", analyzer, stemmer, o);
    FAIL("no error");
  } catch (const oly::QuerySyntaxError& e) {
    CHECK(e.column() == 21);  // the `f` of fortnight
  }
}

// The fixture articles (tests/fixtures/search) around the dates below: chanteuse-ceremonie
// 2024-07-26, stunt-finale 2024-08-11, rowing-lake 2021-07-28, tokyo-heikaishiki 2021-08-08
// (a Sunday), relay-silver 2016-08-19.
TEST_CASE("dates: searcher --since/--until/--today and date: find the right articles",
          "[dates][searcher_cli]") {
  oly::test::TempDir dir{"dates-cli"};
  const std::string index = dir / "index";
  const CommandResult built = oly::search_test::run_indexer(index, {"tests/fixtures/search"});
  INFO("indexer: " << built.err);
  REQUIRE(built.code == 0);
  auto ids = [&](const Strings& args) {
    const CommandResult r = oly::search_test::run_searcher(index, args);
    INFO("stderr: " << r.err);
    CHECK(r.code == (r.out.empty() ? 1 : 0));
    return lines_of(r.out);
  };
  const std::string fx = "tests/fixtures/search/";
  const Strings ordered{"--ids", "--sort", "date"};
  auto with = [&](Strings args) {
    args.insert(args.begin(), ordered.begin(), ordered.end());
    return ids(args);
  };
  // 16 days before 2024-08-11 is 2024-07-26: the boundary day counts; 15 days misses it.
  CHECK(with({"--today", "2024-08-11", "--since", "16d", "NOT zebra"}) ==
        Strings{fx + "chanteuse-ceremonie.txt", fx + "stunt-finale.txt"});
  CHECK(with({"--today", "2024-08-11", "--since", "15d", "NOT zebra"}) ==
        Strings{fx + "stunt-finale.txt"});
  // --since has no end; date:7d ends today, so an article of tomorrow is not in it.
  CHECK(with({"--today", "2024-08-10", "--since", "7d", "NOT zebra"}) ==
        Strings{fx + "stunt-finale.txt"});
  CHECK(with({"--today", "2024-08-10", "date:7d"}).empty());
  CHECK(with({"--today", "2024-08-11", "date:7d"}) == Strings{fx + "stunt-finale.txt"});
  CHECK(with({"--today", "2021-08-20", "date:last-month"}) == Strings{fx + "rowing-lake.txt"});
  // Monday 2021-08-09: last week ended on Sunday 2021-08-08.
  CHECK(with({"--today", "2021-08-09", "date:last-week"}) == Strings{fx + "tokyo-heikaishiki.txt"});
  CHECK(with({"--today", "2022-01-01", "--since", "last-year", "--until", "yesterday",
              "NOT zebra"}) == Strings{fx + "rowing-lake.txt", fx + "tokyo-heikaishiki.txt"});
}

TEST_CASE("dates: --explain and JSON show the range and its today", "[dates][searcher_cli]") {
  oly::test::TempDir dir{"dates-explain"};
  const std::string index = dir / "index";
  REQUIRE(oly::search_test::run_indexer(index, {"tests/fixtures/search"}).code == 0);
  const CommandResult r = oly::search_test::run_searcher(
      index, {"--explain", "--today", "2021-08-20", "--since", "4w", "date:last-month"});
  CHECK(r.code == 0);
  CHECK_THAT(r.err, Catch::Contains("FILTER(date 2021-07-01..2021-07-31 from last-month, "
                                    "today 2021-08-20)"));
  CHECK_THAT(r.err, Catch::Contains("FILTER(date 2021-07-23.. from --since 4w, today 2021-08-20)"));
  const CommandResult j =
      oly::search_test::run_searcher(index, {"--json", "--today", "2021-08-20", "date:last-month"});
  CHECK_THAT(j.out, Catch::Contains("\"understood\":\"FILTER(date 2021-07-01..2021-07-31 from "
                                    "last-month, today 2021-08-20)\""));
}

TEST_CASE("dates: a bad today is an error, on the command line and in --batch",
          "[dates][searcher_cli]") {
  oly::test::TempDir dir{"dates-bad"};
  const std::string index = dir / "index";
  REQUIRE(oly::search_test::run_indexer(index, {"tests/fixtures/search"}).code == 0);
  for (const char* bad : {"2024-02-30", "yesterday", "2024-08-10T00:00", ""}) {
    INFO("--today '" << bad << "'");
    const CommandResult r = oly::search_test::run_searcher(index, {"--today", bad, "date:7d"});
    if (std::string(bad).empty()) {
      CHECK(r.code != 2);  // "" is the clock's today, as when the flag is absent
      continue;
    }
    CHECK(r.code == 2);
    CHECK(r.out.empty());
    CHECK_THAT(r.err, Catch::Contains("--today"));
  }
  for (const Strings& args : {Strings{"--since", "-3d", "gold"}, Strings{"--until", "7x", "gold"},
                              Strings{"--since", "last-fortnight", "gold"}}) {
    const CommandResult r = oly::search_test::run_searcher(index, args);
    INFO(args[0] << " " << args[1]);
    CHECK(r.code == 2);
    CHECK_THAT(r.err, Catch::Contains("--since/--until"));
  }
  // A request line's today: one result per today even with the result cache on.
  const CommandResult b =
      oly::search_test::run_searcher(index, {"--batch", "--ids"},
                                     "{\"query\":\"date:7d\",\"today\":\"2024-08-11\"}\n"
                                     "{\"query\":\"date:7d\",\"today\":\"2024-08-10\"}\n"
                                     "{\"query\":\"date:7d\",\"today\":\"2024-08-11\"}\n"
                                     "{\"query\":\"gold\",\"today\":\"2024-02-30\"}\n");
  CHECK(lines_of(b.out) == Strings{"1\ttests/fixtures/search/stunt-finale.txt",
                                   "3\ttests/fixtures/search/stunt-finale.txt"});
  CHECK_THAT(b.err, Catch::Contains("-:4: error: today: '2024-02-30' is not a date YYYY-MM-DD"));
}
