// The printers behind front/printer.h, without an index: one hand-made SearchResult (a
// multibyte title with a highlight, an ESC in a source, a tab in an id, an undated
// article) through every format, byte for byte; failures per format; make_printer() for
// every OutputFormat; article_json().
#include <catch2/catch.hpp>
#include <sstream>
#include <stdexcept>
#include <string>

#include "json_printer.h"
#include "output.h"
#include "printer.h"

namespace {

using oly::OutputFormat;
using oly::PrintContext;
using oly::PrintOptions;
using oly::RequestFailure;

oly::SearchResult fixture() {
  oly::SearchResult r;
  r.query = "gold";
  r.understood = "\"gold\"|stem:gold";
  r.estimated = r.lower_bound = r.upper_bound = 2;
  r.elapsed_ms = 0.5;
  r.shards_total = 1;

  oly::Hit a;
  a.rank = 1;
  a.score = 2.5;
  a.article.id = "wire-7";
  a.article.title = "Zo\u00eb wins gold";  // ë is two bytes: "gold" is [10,14)
  a.article.source = "Wire\x1b[2J";        // an ESC that must not reach a terminal
  a.article.url = "https://example.test/z";
  a.article.lang = "en";
  a.article.tags = {"swimming", "Paris-2024"};
  a.title_highlights = {{10, 14}};
  a.snippet = {"Zo\u00eb took gold\u2026", {{10, 14}}};
  a.matches = {{30, 34}};

  oly::Hit b;  // untitled: the text formats show the body's first sentence
  b.rank = 2;
  b.score = 1.25;
  b.article.id = "id\twith-tab";
  b.article.date = "2024-08-01";
  b.article.body = "Plain body. More.";
  b.snippet = {"plain", {}};
  b.matches_truncated = true;

  r.hits = {a, b};
  return r;
}

std::string print(OutputFormat format, const PrintOptions& options, const PrintContext& ctx) {
  std::ostringstream out;
  oly::make_printer(format, options)->result(out, fixture(), ctx);
  return out.str();
}

const std::string kJsonHit1 =
    R"({"version":1,"type":"hit",LINE"rank":1,"id":"wire-7","score":2.5,"title":"Zoë wins gold",)"
    R"("date":null,"source":"Wire\u001b[2J","url":"https://example.test/z","lang":"en",)"
    R"("tags":["swimming","Paris-2024"],"snippet":SNIPPET1,"title_highlights":[[10,14]],)"
    R"("matches":[[30,34]],"matches_truncated":false,"games":[],"countries":[]})"
    "\n";
const std::string kJsonHit2 =
    R"({"version":1,"type":"hit",LINE"rank":2,"id":"id\twith-tab","score":1.25,"title":"",)"
    R"("date":"2024-08-01","source":"","url":"","lang":"","tags":[],"snippet":SNIPPET2,)"
    R"("title_highlights":[],"matches":[],"matches_truncated":true,"games":[],"countries":[]})"
    "\n";
const std::string kJsonSummary =
    R"({"version":1,"type":"summary",LINE"query":"gold","understood":"\"gold\"|stem:gold",)"
    R"("estimated_total":2,"total_is_exact":true,"returned":2,"elapsed_ms":0.5,)"
    R"("shards":{"total":1,"failed":[]},"suggestion":null})"
    "\n";

// The JSON lines above with LINE and the snippets filled in.
std::string json_expected(const std::string& line, bool snippets) {
  auto fill = [&](std::string s) {
    auto put = [&](const std::string& key, const std::string& value) {
      const auto at = s.find(key);
      if (at != std::string::npos) s.replace(at, key.size(), value);
    };
    put("LINE", line);
    put("SNIPPET1", snippets ? R"({"text":"Zoë took gold…","highlights":[[10,14]]})" : "null");
    put("SNIPPET2", snippets ? R"({"text":"plain","highlights":[]})" : "null");
    return s;
  };
  return fill(kJsonHit1) + fill(kJsonHit2) + fill(kJsonSummary);
}

}  // namespace

TEST_CASE("printers: one result in every format, byte for byte", "[printers]") {
  const std::string dim = "\x1b[2m", bold = "\x1b[1m", red = "\x1b[1;31m", reset = "\x1b[0m";
  struct Row {
    const char* name;
    OutputFormat format;
    PrintOptions options;
    PrintContext ctx;
    std::string expected;
  };
  const Row rows[] = {
      {"text",
       OutputFormat::kText,
       {false, true},
       {},
       "1. Zo\u00eb wins gold  (Wire\u241b[2J \u00b7 wire-7)\n"
       "   Zo\u00eb took [gold]\u2026\n\n"
       "2. Plain body.  (2024-08-01 \u00b7 id with-tab)\n"
       "   plain\n\n"
       "1-2 of 2 matches in 0.5 ms\n"},
      {"text, --snippets 0",
       OutputFormat::kText,
       {false, false},
       {},
       "1. Zo\u00eb wins gold  (Wire\u241b[2J \u00b7 wire-7)\n"
       "2. Plain body.  (2024-08-01 \u00b7 id with-tab)\n"
       "\n"
       "1-2 of 2 matches in 0.5 ms\n"},
      {"text, a request's snippets 0 over the printer's",
       OutputFormat::kText,
       {false, true},
       {std::nullopt, false},
       "1. Zo\u00eb wins gold  (Wire\u241b[2J \u00b7 wire-7)\n"
       "2. Plain body.  (2024-08-01 \u00b7 id with-tab)\n"
       "\n"
       "1-2 of 2 matches in 0.5 ms\n"},
      {"text in colour",
       OutputFormat::kText,
       {true, true},
       {},
       dim + "1." + reset + " " + bold + "Zo\u00eb wins " + red + bold + "gold" + reset + bold +
           reset + "  " + dim + "Wire\u241b[2J \u00b7 wire-7" + reset + "\n" + "   Zo\u00eb took " +
           red + "gold" + reset + "\u2026\n\n" + dim + "2." + reset + " " + bold + "Plain body." +
           reset + "  " + dim + "2024-08-01 \u00b7 id with-tab" + reset + "\n" + "   plain\n\n" +
           dim + "1-2 of 2 matches in 0.5 ms" + reset + "\n"},
      {"json", OutputFormat::kJson, {}, {}, json_expected("", true)},
      {"json, --batch line 3, snippets 0",
       OutputFormat::kJson,
       {},
       {3, false},
       json_expected("\"line\":3,", false)},
      {"json, --snippets 0", OutputFormat::kJson, {false, false}, {}, json_expected("", false)},
      {"ids", OutputFormat::kIds, {}, {}, "wire-7\nid with-tab\n"},
      {"ids, --batch line 3", OutputFormat::kIds, {}, {3, {}}, "3\twire-7\n3\tid with-tab\n"},
      {"count", OutputFormat::kCount, {}, {}, "2\n"},
      {"count, --batch line 3", OutputFormat::kCount, {}, {3, {}}, "3\t2\n"},
  };
  for (const Row& row : rows) {
    INFO(row.name);
    CHECK(print(row.format, row.options, row.ctx) == row.expected);
  }
}

TEST_CASE("printers: ids that had to be escaped are counted", "[printers]") {
  auto ids = oly::make_printer(OutputFormat::kIds, {});
  std::ostringstream out;
  CHECK(ids->escaped_ids() == 0);
  ids->result(out, fixture(), {});
  CHECK(ids->escaped_ids() == 1);  // "id\twith-tab"
  ids->result(out, fixture(), {});
  CHECK(ids->escaped_ids() == 2);  // over the printer's life
  for (OutputFormat f : {OutputFormat::kText, OutputFormat::kJson, OutputFormat::kCount}) {
    auto p = oly::make_printer(f, {});
    p->result(out, fixture(), {});
    CHECK(p->escaped_ids() == 0);  // exact ids (JSON) or none printed
  }
}

TEST_CASE("printers: a failed request in every format", "[printers]") {
  const RequestFailure syntax{RequestFailure::Kind::kSyntax, "query:4:6: error: unbalanced quote",
                              6};
  const RequestFailure request{RequestFailure::Kind::kRequest, "-:2: error: unknown key \"x\"",
                               std::nullopt};
  // A column is about the query's text: a request error that carries one does not show it.
  const RequestFailure stray{RequestFailure::Kind::kRequest, "-:5: error: bad", 9};
  const RequestFailure index{RequestFailure::Kind::kIndex, "shard0: error: gone\x1b", std::nullopt};
  struct Row {
    OutputFormat format;
    const RequestFailure* failure;
    PrintContext ctx;
    std::string expected;
  };
  const Row rows[] = {
      {OutputFormat::kJson,
       &syntax,
       {4, {}},
       R"({"version":1,"type":"error","line":4,"error":"query:4:6: error: unbalanced quote",)"
       R"("kind":"syntax","column":6})"
       "\n"},
      {OutputFormat::kJson,
       &request,
       {2, {}},
       R"({"version":1,"type":"error","line":2,"error":"-:2: error: unknown key \"x\"",)"
       R"("kind":"request"})"
       "\n"},
      {OutputFormat::kJson,
       &stray,
       {5, {}},
       R"({"version":1,"type":"error","line":5,"error":"-:5: error: bad","kind":"request"})"
       "\n"},
      // Outside --batch (the server) there is no line.
      {OutputFormat::kJson,
       &index,
       {},
       R"({"version":1,"type":"error","error":"shard0: error: gone\u001b","kind":"index"})"
       "\n"},
      // The other formats have no place for an error on stdout: the caller writes stderr.
      {OutputFormat::kText, &syntax, {}, ""},
      {OutputFormat::kText, &index, {4, {}}, ""},
      {OutputFormat::kIds, &syntax, {4, {}}, ""},
      {OutputFormat::kCount, &request, {2, {}}, ""},
  };
  for (const Row& row : rows) {
    INFO("format " << static_cast<int>(row.format) << ": " << row.failure->message);
    std::ostringstream out;
    oly::make_printer(row.format, {})->failure(out, *row.failure, row.ctx);
    CHECK(out.str() == row.expected);
  }
}

TEST_CASE("printers: make_printer gives a printer for every format", "[printers]") {
  for (OutputFormat f :
       {OutputFormat::kText, OutputFormat::kJson, OutputFormat::kIds, OutputFormat::kCount}) {
    INFO("format " << static_cast<int>(f));
    CHECK(oly::make_printer(f, {}) != nullptr);
  }
  // The HTML printer is the web page's (front/html.cc); until it exists make_printer
  // refuses the format rather than hand back nothing. Either way: no crash, no null.
  try {
    auto html = oly::make_printer(OutputFormat::kHtml, {});
    CHECK(html != nullptr);
  } catch (const std::logic_error& e) {
    CHECK_THAT(e.what(), Catch::Contains("no printer"));
  }
}

TEST_CASE("printers: article_json is the stored article, exactly", "[printers]") {
  oly::Article a;
  a.id = "wire-7";
  a.title = "Zo\u00eb\u2028wins";
  a.source = "Wire";
  a.url = "https://example.test/z";
  a.lang = "en";
  a.tags = {"swimming"};
  a.body = "Line one.\nLine \x1b two.";
  CHECK(oly::json_text(oly::article_json(a)) ==
        R"({"id":"wire-7","title":"Zoë\u2028wins","date":null,"source":"Wire",)"
        R"("url":"https://example.test/z","lang":"en","tags":["swimming"],)"
        R"("body":"Line one.\nLine \u001b two.","games":[],"countries":[]})");
  a.date = "2024-08-01";
  a.tags.clear();
  CHECK(oly::article_json(a)["date"] == "2024-08-01");
  CHECK(oly::article_json(a)["tags"] == nlohmann::ordered_json::array());
}
