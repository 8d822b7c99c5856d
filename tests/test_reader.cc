// Article readers: text files (seed, header block, plain), JSON Lines, list_inputs.
#include <zlib.h>

#include <algorithm>
#include <catch2/catch.hpp>
#include <sstream>
#include <string>
#include <vector>

#include "article.h"
#include "diagnostics.h"
#include "reader.h"
#include "schema_samples.h"
#include "test_util.h"

using Catch::Contains;
using Catch::Equals;
using Catch::StartsWith;
using oly::test::outside_id;
using oly::test::ScopedCwd;
using oly::test::TempDir;
using oly::test::write_file;

namespace {

// Diagnostics captured in a string.
struct Captured {
  std::ostringstream text;
  oly::Diagnostics diag{text};
  std::string str() const { return text.str(); }
  std::vector<std::string> lines() const {
    std::vector<std::string> out;
    std::istringstream in(text.str());
    for (std::string line; std::getline(in, line);) out.push_back(line);
    return out;
  }
};

struct TextResult {
  bool ok;
  oly::Article article;
};

TextResult parse_text(std::string_view contents, Captured& c, const std::string& path = "a.txt") {
  TextResult r;
  r.ok = oly::parse_text_article(contents, path, r.article, c.diag);
  return r;
}

std::vector<oly::InputItem> read_jsonl(std::string_view data, Captured& c,
                                       const std::string& path = "f.jsonl") {
  std::vector<oly::InputItem> items;
  oly::read_json_lines(data, path, c.diag, [&](oly::InputItem&& item) {
    items.push_back(std::move(item));
    return true;
  });
  return items;
}

}  // namespace

// ---------------------------------------------------------------------------------------
// Text files

TEST_CASE("a seed file gives a date and a body, and no title", "[reader][text]") {
  Captured c;
  auto r = parse_text(" date 2024-08-12 Tom Cruise brought a dose of Hollywood.\n\nMore.\n", c);
  REQUIRE(r.ok);
  CHECK(r.article.date == "2024-08-12");
  CHECK(r.article.title == "");
  CHECK(r.article.body == "Tom Cruise brought a dose of Hollywood.\n\nMore.");
  CHECK(r.article.id == "");  // read_input derives it from the path
  CHECK(c.str() == "");
}

TEST_CASE("a seed file's date may be an ISO date-time", "[reader][text]") {
  Captured c;
  auto r = parse_text("date 2024-08-04T23:30:00-04:00\nBody.", c);
  REQUIRE(r.ok);
  CHECK(r.article.date == "2024-08-05");
  CHECK(r.article.body == "Body.");
}

TEST_CASE("a seed file with an invalid date is kept with a warning", "[reader][text]") {
  Captured c;
  auto r = parse_text("date 2024-13-01 Body text.", c, "seeds/x.txt");
  REQUIRE(r.ok);
  CHECK(r.article.date == "");
  CHECK(r.article.body == "Body text.");
  CHECK(c.str() ==
        "seeds/x.txt:1: warning: invalid date '2024-13-01'; article kept without a date\n");
  CHECK(c.diag.warnings() == 1);
  CHECK(c.diag.errors() == 0);
}

// Formerly a bug: the first two words of such a text were taken for "date <value>" and
// lost. A seed file needs four digits after "date ".
TEST_CASE("a plain-text article starting with the word 'date' keeps its first words",
          "[reader][text]") {
  struct Row {
    const char* text;
    const char* body;
  };
  for (const Row& row :
       {Row{"date night at the Olympic village was a success.",
            "date night at the Olympic village was a success."},
        Row{"date 12 of the tour was a rest day.", "date 12 of the tour was a rest day."},
        Row{"date\tnight in Paris.", "date\tnight in Paris."},
        Row{"  date 200 metres final tonight.\n", "date 200 metres final tonight."}}) {
    INFO("text: " << row.text);
    Captured c;
    auto r = parse_text(row.text, c);
    REQUIRE(r.ok);
    CHECK(r.article.date == "");
    CHECK(r.article.body == row.body);
    CHECK(c.str() == "");
  }
}

TEST_CASE("a seed date may follow 'date' after a tab or several blanks", "[reader][text]") {
  for (const char* text :
       {"date\t2024-08-12 Body.", "date   2024-08-12\nBody.", "\n date 2024-08-12 Body."}) {
    INFO("text: " << text);
    Captured c;
    auto r = parse_text(text, c);
    REQUIRE(r.ok);
    CHECK(r.article.date == "2024-08-12");
    CHECK(r.article.body == "Body.");
    CHECK(c.str() == "");
  }
}

TEST_CASE("a header block gives the article's fields", "[reader][text]") {
  Captured c;
  const char* text =
      "Title: Closing ceremony\n"
      "Date: 2024-08-12\n"
      "Source: Reuters\n"
      "URL: https://example.com/x?a=1:2\n"
      "Tags: Paris 2024, Tom Cruise ,, closing\n"
      "Lang: FR\n"
      "Id: paris/closing\n"
      "\n"
      "First paragraph.\n"
      "\n"
      "Title: not a header any more\n";
  auto r = parse_text(text, c);
  REQUIRE(r.ok);
  CHECK(r.article.title == "Closing ceremony");
  CHECK(r.article.date == "2024-08-12");
  CHECK(r.article.source == "Reuters");
  CHECK(r.article.url == "https://example.com/x?a=1:2");
  CHECK(r.article.tags == std::vector<std::string>{"Paris 2024", "Tom Cruise", "closing"});
  CHECK(r.article.lang == "fr");
  CHECK(r.article.id == "paris/closing");
  CHECK(r.article.body == "First paragraph.\n\nTitle: not a header any more");
  CHECK(c.str() == "");
}

TEST_CASE("header keys are case-insensitive and have aliases", "[reader][text]") {
  Captured c;
  auto r = parse_text("tITLE: T\nDATE: 2024-08-12T01:00:00+02:00\nTAG: a,b\nLanguage: DE\n\nB", c);
  REQUIRE(r.ok);
  CHECK(r.article.title == "T");
  CHECK(r.article.date == "2024-08-11");
  CHECK(r.article.tags == std::vector<std::string>{"a", "b"});
  CHECK(r.article.lang == "de");
  CHECK(r.article.body == "B");
  CHECK(c.str() == "");
}

TEST_CASE("an unknown header key is a warning with its line number", "[reader][text]") {
  Captured c;
  auto r = parse_text("Title: T\nDate: 2024-08-12\nAuthor: Someone\n\nBody", c, "in/a.txt");
  REQUIRE(r.ok);
  CHECK(r.article.title == "T");
  CHECK(r.article.body == "Body");
  CHECK(c.str() == "in/a.txt:3: warning: unknown header key 'author'; ignored\n");
}

TEST_CASE("an invalid header date is a warning and the article is kept", "[reader][text]") {
  Captured c;
  auto r = parse_text("Title: T\nDate: 2023-02-29\n\nBody", c, "in/a.txt");
  REQUIRE(r.ok);
  CHECK(r.article.date == "");
  CHECK(r.article.title == "T");
  CHECK(c.str() == "in/a.txt:2: warning: invalid date '2023-02-29'; article kept without a date\n");
}

TEST_CASE("a header line without a key is a warning", "[reader][text]") {
  Captured c;
  auto r = parse_text("Title: T\nthis line has no key\n\nBody", c, "a.txt");
  REQUIRE(r.ok);
  CHECK(c.str() == "a.txt:2: warning: header line without 'Key:'; ignored\n");
  CHECK(r.article.body == "Body");
}

TEST_CASE("a header block with CRLF line ends and a BOM is read", "[reader][text]") {
  Captured c;
  auto r = parse_text("\xEF\xBB\xBFTitle: T\r\nDate: 2024-08-12\r\n\r\nBody\r\n", c);
  REQUIRE(r.ok);
  CHECK(r.article.title == "T");
  CHECK(r.article.date == "2024-08-12");
  CHECK(r.article.body == "Body");
  CHECK(c.str() == "");
}

TEST_CASE("a header block without a body keeps the title", "[reader][text]") {
  Captured c;
  auto r = parse_text("Title: Only a title\n", c);
  REQUIRE(r.ok);
  CHECK(r.article.title == "Only a title");
  CHECK(r.article.body == "");
}

TEST_CASE("a header block with neither title nor body is an error", "[reader][text]") {
  Captured c;
  auto r = parse_text("Source: Reuters\nDate: 2024-08-12\n\n   \n", c, "a.txt");
  CHECK_FALSE(r.ok);
  CHECK(c.str() == "a.txt: error: article has neither title nor body; skipped\n");
}

TEST_CASE("a file without a header block is all body", "[reader][text]") {
  Captured c;
  SECTION("plain prose") {
    auto r = parse_text("\n  Usain Bolt ran 9.58.\nSecond line.\n\n", c);
    REQUIRE(r.ok);
    CHECK(r.article.title == "");
    CHECK(r.article.date == "");
    CHECK(r.article.body == "Usain Bolt ran 9.58.\nSecond line.");
  }
  SECTION("a first line with a colon but no known key") {
    auto r = parse_text("Note: this is prose.\nTitle: still prose", c);
    REQUIRE(r.ok);
    CHECK(r.article.title == "");
    CHECK(r.article.body == "Note: this is prose.\nTitle: still prose");
  }
  CHECK(c.str() == "");
}

TEST_CASE("an empty file is an error", "[reader][text]") {
  for (const char* contents : {"", " \n\t\r\n ", "\xEF\xBB\xBF"}) {
    Captured c;
    auto r = parse_text(contents, c, "dir/empty.txt");
    CHECK_FALSE(r.ok);
    CHECK(c.str() == "dir/empty.txt: error: empty file; skipped\n");
    CHECK(c.diag.errors() == 1);
  }
}

TEST_CASE("a file with a NUL byte is a binary-file error", "[reader][text]") {
  Captured c;
  auto r = parse_text(std::string_view("Title: T\n\nab\0cd", 15), c, "x.txt");
  CHECK_FALSE(r.ok);
  CHECK(c.str() == "x.txt: error: binary file (NUL byte at offset 12); skipped\n");
}

TEST_CASE("invalid UTF-8 in a text file is replaced with a warning", "[reader][text]") {
  Captured c;
  auto r = parse_text("Title: Caf\xE9 de Paris\n\nBody \xFF\xFE ok", c, "x.txt");
  REQUIRE(r.ok);
  CHECK(r.article.title == "Caf\xEF\xBF\xBD de Paris");
  CHECK(r.article.body == "Body \xEF\xBF\xBD\xEF\xBF\xBD ok");
  CHECK(c.str() == "x.txt: warning: invalid UTF-8: 3 sequence(s) replaced by U+FFFD\n");
  CHECK(c.diag.errors() == 0);
}

// ---------------------------------------------------------------------------------------
// JSON Lines

TEST_CASE("a JSON Lines record gives an article", "[reader][jsonl]") {
  Captured c;
  const std::string line =
      R"({"id":"a1","title":"Closing","date":"2024-08-12T01:00:00+02:00","source":"AP",)"
      R"("url":"https://x","body":"  Body text.  ","lang":"EN","tags":["Paris 2024"," x "]})";
  auto items = read_jsonl(line + "\n", c, "in.jsonl");
  REQUIRE(items.size() == 1);
  const oly::Article& a = items[0].article;
  CHECK(a.id == "a1");
  CHECK(a.title == "Closing");
  CHECK(a.date == "2024-08-11");
  CHECK(a.source == "AP");
  CHECK(a.url == "https://x");
  CHECK(a.body == "Body text.");
  CHECK(a.lang == "en");
  CHECK(a.tags == std::vector<std::string>{"Paris 2024", "x"});
  CHECK(items[0].path == "in.jsonl");
  CHECK(items[0].line == 1);
  CHECK(items[0].bytes == line.size() + 1);
  CHECK(c.str() == "");
}

TEST_CASE("unknown JSON fields are ignored and null counts as absent", "[reader][jsonl]") {
  Captured c;
  auto items = read_jsonl(
      R"({"id":"a","category":"sport","extra":{"x":[1,2]},"title":"T","url":null,"tags":null})", c);
  REQUIRE(items.size() == 1);
  CHECK(items[0].article.title == "T");
  CHECK(items[0].article.url == "");
  CHECK(items[0].article.tags.empty());
  CHECK(c.str() == "");
}

TEST_CASE("a record without an id gets a stable id from its content", "[reader][jsonl]") {
  Captured c;
  const std::string rec = R"({"title":"T","body":"B"})";
  auto first = read_jsonl(rec + "\n", c);
  auto again = read_jsonl("\n\n" + rec + "\n", c, "other.jsonl");
  auto other = read_jsonl(R"({"title":"T","body":"B2"})", c);
  REQUIRE(first.size() == 1);
  REQUIRE(again.size() == 1);
  REQUIRE(other.size() == 1);
  const std::string& id = first[0].article.id;
  CHECK(id.size() == 17);
  CHECK_THAT(id, StartsWith("h"));
  oly::Article no_id = first[0].article;
  no_id.id.clear();
  CHECK(id == "h" + oly::content_hash(no_id));
  CHECK(again[0].article.id == id);  // same content, same id, wherever it is
  CHECK(other[0].article.id != id);
  SECTION("an empty id counts as missing") {
    auto items = read_jsonl(R"({"id":"","title":"T","body":"B"})", c);
    REQUIRE(items.size() == 1);
    CHECK(items[0].article.id == id);
  }
}

TEST_CASE("a numeric id is read as its digits", "[reader][jsonl]") {
  Captured c;
  auto items = read_jsonl("{\"id\":42,\"title\":\"T\"}\n{\"id\":-7,\"title\":\"U\"}\n", c);
  REQUIRE(items.size() == 2);
  CHECK(items[0].article.id == "42");
  CHECK(items[1].article.id == "-7");
  CHECK(c.str() == "");
}

TEST_CASE("a field of the wrong type is an error with its line number", "[reader][jsonl]") {
  Captured c;
  auto items = read_jsonl(
      "{\"id\":\"a\",\"title\":\"ok\"}\n"
      "{\"id\":\"b\",\"title\":5}\n"
      "{\"id\":\"c\",\"title\":\"ok\"}\n",
      c, "data/f.jsonl");
  REQUIRE(items.size() == 2);
  CHECK(items[0].article.id == "a");
  CHECK(items[1].article.id == "c");
  CHECK(items[1].line == 3);
  CHECK(c.str() ==
        "data/f.jsonl:2: error: field 'title' must be a string, not a number; record skipped\n");
  CHECK(c.diag.errors() == 1);
}

TEST_CASE("JSON type errors name the field and the type found", "[reader][jsonl]") {
  struct Case {
    const char* line;
    const char* message;
  };
  const Case cases[] = {
      {R"({"id":1.5,"title":"T"})", "field 'id' must be a string, not a number"},
      {R"({"id":true,"title":"T"})", "field 'id' must be a string, not a boolean"},
      {R"({"title":["T"]})", "field 'title' must be a string, not an array"},
      {R"({"body":{"x":1}})", "field 'body' must be a string, not an object"},
      {R"({"title":"T","lang":5})", "field 'lang' must be a string, not a number"},
      {R"({"title":"T","date":20240812})", "field 'date' must be a string, not a number"},
      {R"({"title":"T","tags":5})", "field 'tags' must be an array of strings, not a number"},
      {R"({"title":"T","tags":["a",1]})", "field 'tags' must be an array of strings"},
      {R"([1,2])", "a record must be a JSON object, not an array"},
      {R"("text")", "a record must be a JSON object, not a string"},
  };
  for (const Case& k : cases) {
    INFO("line: " << k.line);
    Captured c;
    auto items = read_jsonl(k.line, c, "f.jsonl");
    CHECK(items.empty());
    CHECK(c.str() == std::string("f.jsonl:1: error: ") + k.message + "; record skipped\n");
  }
}

TEST_CASE("truncated JSON is an error and reading goes on", "[reader][jsonl]") {
  Captured c;
  auto items = read_jsonl(
      "{\"id\":\"a\",\"title\":\"T\"\n"
      "{\"id\":\"b\",\"title\":\"T\"}\n",
      c, "f.jsonl");
  REQUIRE(items.size() == 1);
  CHECK(items[0].article.id == "b");
  CHECK(items[0].line == 2);
  CHECK_THAT(c.str(), StartsWith("f.jsonl:1: error: invalid JSON: "));
  CHECK_THAT(c.str(), Contains("; record skipped\n"));
  CHECK(c.lines().size() == 1);
}

TEST_CASE("tags may be an array or a comma-separated string", "[reader][jsonl]") {
  Captured c;
  auto items = read_jsonl(
      "{\"title\":\"A\",\"tags\":[\"Paris 2024\",\"  \",\"Judo\"]}\n"
      "{\"title\":\"B\",\"tags\":\"Paris 2024, Judo ,,\"}\n"
      "{\"title\":\"C\",\"tags\":[]}\n",
      c);
  REQUIRE(items.size() == 3);
  const std::vector<std::string> expected{"Paris 2024", "Judo"};
  CHECK(items[0].article.tags == expected);
  CHECK(items[1].article.tags == expected);
  CHECK(items[2].article.tags.empty());
  CHECK(c.str() == "");
}

TEST_CASE("a record with neither title nor body is an error", "[reader][jsonl]") {
  Captured c;
  auto items = read_jsonl(
      "{\"id\":\"a\",\"source\":\"AP\"}\n"
      "{\"id\":\"b\",\"title\":\"  \",\"body\":\" \\n \"}\n"
      "{\"id\":\"c\",\"title\":\"T\"}\n"
      "{\"id\":\"d\",\"body\":\"B\"}\n",
      c, "f.jsonl");
  REQUIRE(items.size() == 2);
  CHECK(items[0].article.id == "c");
  CHECK(items[1].article.id == "d");
  CHECK(c.lines() == std::vector<std::string>{
                         "f.jsonl:1: error: article has neither title nor body; record skipped",
                         "f.jsonl:2: error: article has neither title nor body; record skipped"});
}

TEST_CASE("blank lines are skipped and line numbers still count them", "[reader][jsonl]") {
  Captured c;
  auto items = read_jsonl(
      "\n"
      "{\"id\":\"a\",\"title\":\"T\"}\n"
      "   \n"
      "\t\r\n"
      "{\"id\":\"b\",\"title\":5}\n"
      "\n"
      "{\"id\":\"c\",\"title\":\"T\"}",  // no final newline
      c, "f.jsonl");
  REQUIRE(items.size() == 2);
  CHECK(items[0].line == 2);
  CHECK(items[1].line == 7);
  CHECK(items[1].article.id == "c");
  CHECK(c.str() ==
        "f.jsonl:5: error: field 'title' must be a string, not a number; record skipped\n");
}

TEST_CASE("CRLF line ends are accepted in JSON Lines", "[reader][jsonl]") {
  Captured c;
  auto items =
      read_jsonl("{\"id\":\"a\",\"title\":\"T\"}\r\n{\"id\":\"b\",\"title\":\"U\"}\r\n", c);
  REQUIRE(items.size() == 2);
  CHECK(items[1].line == 2);
  CHECK(c.str() == "");
}

TEST_CASE("an invalid JSON date is a warning and the record is kept", "[reader][jsonl]") {
  Captured c;
  auto items =
      read_jsonl("\n{\"id\":\"a\",\"title\":\"T\",\"date\":\"2024-02-30\"}\n", c, "f.jsonl");
  REQUIRE(items.size() == 1);
  CHECK(items[0].article.date == "");
  CHECK(c.str() == "f.jsonl:2: warning: invalid date '2024-02-30'; article kept without a date\n");
}

TEST_CASE("invalid UTF-8 in a JSON line is replaced with a warning", "[reader][jsonl]") {
  Captured c;
  auto items = read_jsonl("{\"id\":\"a\",\"title\":\"Caf\xE9\"}\n", c, "f.jsonl");
  REQUIRE(items.size() == 1);
  CHECK(items[0].article.title == "Caf\xEF\xBF\xBD");
  CHECK(c.str() == "f.jsonl:1: warning: invalid UTF-8: 1 sequence(s) replaced by U+FFFD\n");
}

TEST_CASE("the sink can stop reading early", "[reader][jsonl]") {
  Captured c;
  int calls = 0;
  oly::read_json_lines("{\"title\":\"a\"}\n{\"title\":\"b\"}\n{\"title\":\"c\"}\n", "f", c.diag,
                       [&](oly::InputItem&&) { return ++calls < 2; });
  CHECK(calls == 2);
}

// Formerly a bug: the BOM made the first record "invalid JSON". RFC 8259 allows parsers
// to ignore it; editors on Windows add one.
TEST_CASE("a UTF-8 BOM before the first JSON line is ignored", "[reader][jsonl]") {
  Captured c;
  const std::string data =
      "\xEF\xBB\xBF{\"id\":\"a\",\"title\":\"T\"}\n{\"id\":\"b\",\"title\":\"U\"}\n";
  auto items = read_jsonl(data, c, "f.jsonl");
  CHECK(c.str() == "");
  REQUIRE(items.size() == 2);
  CHECK(items[0].article.id == "a");
  CHECK(items[0].article.title == "T");
  CHECK(items[0].line == 1);
  CHECK(items[1].line == 2);
}

TEST_CASE("a JSON lang value is trimmed and lower-cased", "[reader][jsonl]") {
  Captured c;
  auto items = read_jsonl(
      "{\"id\":\"a\",\"title\":\"T\",\"lang\":\" de \"}\n"
      "{\"id\":\"b\",\"title\":\"T\",\"lang\":\"\\tFR\\n\"}\n"
      "{\"id\":\"c\",\"title\":\"T\",\"lang\":\"   \"}\n",
      c);
  REQUIRE(items.size() == 3);
  CHECK(items[0].article.lang == "de");
  CHECK(items[1].article.lang == "fr");
  CHECK(items[2].article.lang == "");
  CHECK(c.str() == "");
}

// ---------------------------------------------------------------------------------------
// read_input

TEST_CASE("read_input reads text files with an id from their path", "[reader][input]") {
  TempDir dir("reader");
  write_file(dir / "arts/a.txt", "Title: A\n\nBody");
  write_file(dir / "arts/b.txt", "Title: B\nId: custom\n\nBody");
  Captured c;
  const auto files = oly::list_inputs({dir / "arts"}, c.diag);
  REQUIRE(files.size() == 2);
  std::vector<oly::InputItem> items;
  for (const auto& f : files) {
    CHECK(oly::read_input(f, c.diag, [&](oly::InputItem&& i) {
      items.push_back(std::move(i));
      return true;
    }));
  }
  REQUIRE(items.size() == 2);
  // The temporary directory is outside the current one: the id is the absolute path.
  CHECK(items[0].article.id == outside_id(dir / "arts/a.txt"));
  CHECK(items[0].article.id == files[0].id_base);
  CHECK(items[0].line == 1);
  CHECK(items[0].path == dir / "arts/a.txt");
  CHECK(items[1].article.id == "custom");
  CHECK(c.str() == "");
}

TEST_CASE("read_input reads gzip-compressed JSON Lines", "[reader][input]") {
  TempDir dir("reader");
  const std::string path = dir / "x.jsonl.gz";
  gzFile gz = gzopen(path.c_str(), "wb");
  REQUIRE(gz != nullptr);
  const std::string data = "{\"id\":\"a\",\"title\":\"T\"}\n{\"id\":\"b\",\"title\":\"U\"}\n";
  gzwrite(gz, data.data(), static_cast<unsigned>(data.size()));
  gzclose(gz);
  Captured c;
  const auto files = oly::list_inputs({path}, c.diag);
  REQUIRE(files.size() == 1);
  CHECK(files[0].format == oly::InputFormat::kJsonLines);
  std::vector<std::string> ids;
  CHECK(oly::read_input(files[0], c.diag, [&](oly::InputItem&& i) {
    ids.push_back(i.article.id);
    return true;
  }));
  CHECK(ids == std::vector<std::string>{"a", "b"});
  CHECK(c.str() == "");
}

TEST_CASE("read_input reports an unreadable file", "[reader][input]") {
  TempDir dir("reader");
  Captured c;
  oly::InputFile f{dir / "gone.txt", "gone.txt", oly::InputFormat::kText, 0};
  CHECK_FALSE(oly::read_input(f, c.diag, [](oly::InputItem&&) { return true; }));
  CHECK_THAT(c.str(), StartsWith(dir / "gone.txt" + ": error: cannot read: "));
}

// ---------------------------------------------------------------------------------------
// list_inputs

TEST_CASE("list_inputs expands directories recursively, sorted, skipping hidden files",
          "[reader][list]") {
  TempDir dir("list");
  const std::string root = dir / "corpus";
  for (const char* rel : {"b.txt", "a.jsonl", "sub/c.ndjson", "sub/d.jsonl.gz", "sub/e.ndjson.gz",
                          "sub/deeper/f.txt", "g.TXT", "h.txt.gz", ".hidden.txt", ".git/i.txt",
                          "sub/.cache/j.jsonl", "notes.md", "data.json", "README", "k.txt.bak"}) {
    write_file(dir.path() / "corpus" / rel, "x");
  }
  Captured c;
  const auto files = oly::list_inputs({root}, c.diag);
  std::vector<std::string> rel;
  for (const auto& f : files) rel.push_back(f.path.substr(root.size() + 1));
  CHECK(rel == std::vector<std::string>{"a.jsonl", "b.txt", "data.json", "g.TXT", "h.txt.gz",
                                        "sub/c.ndjson", "sub/d.jsonl.gz", "sub/deeper/f.txt",
                                        "sub/e.ndjson.gz"});
  CHECK(c.str() == "");
  for (const auto& f : files) {
    INFO(f.path);
    CHECK(f.id_base == outside_id(f.path));
    CHECK(f.id_base == oly::file_id(f.path));
    CHECK(f.size == 1);
    const bool lines =
        f.path.find(".jsonl") != std::string::npos || f.path.find(".ndjson") != std::string::npos;
    const bool json = f.path.find(".json") != std::string::npos;
    CHECK(f.format == (lines  ? oly::InputFormat::kJsonLines
                       : json ? oly::InputFormat::kJson
                              : oly::InputFormat::kText));
  }

  SECTION("ids do not depend on how the directory is named") {
    for (const std::string& named : {root + "/", dir / "corpus/sub/../.", dir / "./corpus//"}) {
      INFO("named: " << named);
      const auto again = oly::list_inputs({named}, c.diag);
      REQUIRE(again.size() == files.size());
      for (std::size_t i = 0; i < files.size(); ++i) CHECK(again[i].id_base == files[i].id_base);
    }
    CHECK(c.str() == "");
  }
}

TEST_CASE("list_inputs reports a missing path and keeps the others", "[reader][list]") {
  TempDir dir("list");
  write_file(dir / "a.txt", "x");
  Captured c;
  const std::string missing = dir / "missing";
  const auto files = oly::list_inputs({missing, dir / "a.txt"}, c.diag);
  REQUIRE(files.size() == 1);
  CHECK(files[0].path == dir / "a.txt");
  // The message is strerror(ENOENT).
  CHECK_THAT(c.str(),
             Equals(missing + ": error: no such file or directory\n", Catch::CaseSensitive::No));
  CHECK(c.diag.errors() == 1);
}

TEST_CASE("list_inputs takes explicitly named files whatever their extension", "[reader][list]") {
  TempDir dir("list");
  write_file(dir / "notes.md", "x");
  write_file(dir / "feed.NDJSON", "{}");
  write_file(dir / ".hidden.txt", "x");
  Captured c;
  const auto files =
      oly::list_inputs({dir / "notes.md", dir / "feed.NDJSON", dir / ".hidden.txt", "-"}, c.diag);
  REQUIRE(files.size() == 4);
  CHECK(files[0].format == oly::InputFormat::kText);
  CHECK(files[0].id_base == outside_id(dir / "notes.md"));
  CHECK(files[1].format == oly::InputFormat::kJsonLines);
  CHECK(files[2].format == oly::InputFormat::kText);
  CHECK(files[3].path == "-");
  CHECK(files[3].format == oly::InputFormat::kJsonLines);
  CHECK(c.str() == "");
}

// ---------------------------------------------------------------------------------------
// Ids of text files without an `ID:` header (oly::file_id)

namespace {

// The article ids read_input gives for `paths` (files or directories), in order.
std::vector<std::string> ids_of(const std::vector<std::string>& paths) {
  Captured c;
  std::vector<std::string> ids;
  for (const auto& f : oly::list_inputs(paths, c.diag)) {
    oly::read_input(f, c.diag, [&](oly::InputItem&& i) {
      ids.push_back(i.article.id);
      return true;
    });
  }
  INFO("diagnostics: " << c.str());
  CHECK(c.diag.errors() == 0);
  return ids;
}

}  // namespace

TEST_CASE("temporary directories lie outside the current directory", "[reader][file_id]") {
  // The premise of outside_id(): if this fails, the tests are run from / or the temp dir.
  TempDir dir("premise");
  const auto rel =
      std::filesystem::weakly_canonical(dir.path())
          .lexically_relative(std::filesystem::weakly_canonical(std::filesystem::current_path()));
  REQUIRE_FALSE(rel.empty());
  CHECK(*rel.begin() == "..");
}

TEST_CASE("a file under the current directory gets its canonical path relative to it",
          "[reader][file_id]") {
  TempDir dir("file-id");
  write_file(dir / "work/corpus/seed/x.txt", "Title: X\n\nBody");
  write_file(dir / "work/top.txt", "Top");
  write_file(dir / "elsewhere/y.txt", "Y");
  const std::filesystem::path work = std::filesystem::weakly_canonical(dir.path() / "work");
  const ScopedCwd cwd(work);  // restored before `dir` is removed
  const std::string x = "corpus/seed/x.txt";

  SECTION("file_id, however the path is typed") {
    CHECK(oly::file_id("corpus/seed/x.txt") == x);
    CHECK(oly::file_id("./corpus//seed/../seed/x.txt") == x);
    CHECK(oly::file_id(work / "corpus/seed/x.txt") == x);
    CHECK(oly::file_id(dir.path() / "work/corpus/seed/x.txt") == x);
    CHECK(oly::file_id("../work/corpus/seed/x.txt") == x);
    CHECK(oly::file_id("top.txt") == "top.txt");
  }
  SECTION("relative and absolute, as a file or through its directory: one id") {
    CHECK(ids_of({"corpus/seed/x.txt"}) == std::vector<std::string>{x});
    CHECK(ids_of({(work / "corpus/seed/x.txt").string()}) == std::vector<std::string>{x});
    CHECK(ids_of({"corpus"}) == std::vector<std::string>{x});
    CHECK(ids_of({"corpus/seed/"}) == std::vector<std::string>{x});
    CHECK(ids_of({(work / "corpus").string()}) == std::vector<std::string>{x});
    CHECK(ids_of({"."}) == std::vector<std::string>{x, "top.txt"});
  }
  SECTION("a file outside the current directory gets its absolute canonical path") {
    const std::string y = outside_id(dir / "elsewhere/y.txt");
    CHECK_THAT(y, StartsWith("/"));
    CHECK(y.find("..") == std::string::npos);
    CHECK(oly::file_id("../elsewhere/y.txt") == y);
    CHECK(ids_of({"../elsewhere/y.txt"}) == std::vector<std::string>{y});
    CHECK(ids_of({"../elsewhere"}) == std::vector<std::string>{y});
    CHECK(ids_of({dir / "elsewhere/y.txt"}) == std::vector<std::string>{y});
  }
  SECTION("symbolic links are resolved: the id is the target's") {
    std::filesystem::create_directory_symlink(work / "corpus", dir.path() / "elsewhere/link");
    CHECK(oly::file_id("../elsewhere/link/seed/x.txt") == x);
    CHECK(ids_of({"../elsewhere/link/seed/x.txt"}) == std::vector<std::string>{x});
  }
}

TEST_CASE("an empty directory gives no inputs and no error", "[reader][list]") {
  TempDir dir("list");
  Captured c;
  CHECK(oly::list_inputs({dir.str()}, c.diag).empty());
  CHECK(c.str() == "");
}

TEST_CASE("Diagnostics prints path:line: level: message and counts", "[reader][diagnostics]") {
  Captured c;
  c.diag.error("a.jsonl", 3, "bad");
  c.diag.warning("a.txt", 0, "meh");
  c.diag.warning("b.txt", 1, "hm");
  CHECK(c.str() == "a.jsonl:3: error: bad\na.txt: warning: meh\nb.txt:1: warning: hm\n");
  CHECK(c.diag.errors() == 1);
  CHECK(c.diag.warnings() == 2);
}

// ---------------------------------------------------------------------------------------
// .json files, JSON in text files, files left unread in directories

namespace {

struct JsonFileCase {
  const char* name;
  std::string data;
  bool ok;                            // read_json_file's result
  std::vector<std::string> ids;       // articles read, in order
  std::vector<std::size_t> lines;     // their line numbers
  std::vector<std::string> messages;  // diagnostics, in order
};

}  // namespace

// Formerly a .json file named on the command line was one plain-text article (raw
// `{"id":...` in its snippet), and .json files inside directories were skipped unsaid.
TEST_CASE("a .json file is read as JSON Lines, an array of articles, or one object",
          "[reader][json]") {
  const std::string a = "{\"id\":\"a\",\"title\":\"A\"}";
  const std::string b = "{\"id\":\"b\",\"title\":\"B, [x] {y} \\\"q\\\" \\\\\"}";
  const std::vector<JsonFileCase> table = {
      {"JSON Lines", a + "\n" + b + "\n", true, {"a", "b"}, {1, 2}, {}},
      {"an array on one line", "[" + a + "," + b + "]", true, {"a", "b"}, {1, 1}, {}},
      {"a pretty-printed array",
       "\xEF\xBB\xBF\n[\n  " + a + ",\n  " + b + "\n]\n",
       true,
       {"a", "b"},
       {3, 4},
       {}},
      {"an empty array", " [ ] ", true, {}, {}, {}},
      {"an empty file", "\n", true, {}, {}, {}},
      {"one pretty-printed object",
       "{\n  \"id\": \"p\",\n  \"title\": \"P\"\n}\n",
       true,
       {"p"},
       {1},
       {}},
      {"a bad element is skipped with its line",
       "[\n" + a + ",\n{\"id\":\"x\",\"title\":5},\n" + b + "\n]",
       true,
       {"a", "b"},
       {2, 4},
       {"f.json:3: error: field 'title' must be a string, not a number; record skipped"}},
      {"an element that is not an object",
       "[" + a + ", 42, \"s\"]",
       true,
       {"a"},
       {1},
       {"f.json:1: error: a record must be a JSON object, not a number; record skipped",
        "f.json:1: error: a record must be a JSON object, not a string; record skipped"}},
      {"a trailing comma",
       "[" + a + ",\n]",
       true,
       {"a"},
       {1},
       {"f.json:2: error: invalid JSON: empty array element; record skipped"}},
      {"no closing bracket: records before the break are kept",
       "[" + a + ",\n" + b,
       false,
       {"a"},
       {1},
       {"f.json:2: error: invalid JSON: the array has no closing ']'; the rest of the file is "
        "not read"}},
      {"an unbalanced brace",
       "[" + a + "}]",
       false,
       {},
       {},
       {"f.json:1: error: invalid JSON: unbalanced '}' in the array; the rest of the file is not "
        "read"}},
      {"text after the array",
       "[" + a + "]\n[" + b + "]",
       false,
       {"a"},
       {1},
       {"f.json:2: error: invalid JSON: text after the closing ']'"}},
      {"a broken object is reported line by line, never read as text",
       "{\n\"id\": \"x\",\n",
       true,
       {},
       {},
       {"f.json:1: error: invalid JSON: ", "f.json:2: error: invalid JSON: "}},
  };
  for (const auto& c : table) {
    DYNAMIC_SECTION(c.name) {
      Captured cap;
      std::vector<std::string> ids;
      std::vector<std::size_t> lines;
      const bool ok = oly::read_json_file(c.data, "f.json", cap.diag, [&](oly::InputItem&& i) {
        ids.push_back(i.article.id);
        lines.push_back(i.line);
        return true;
      });
      INFO("diagnostics: " << cap.str());
      CHECK(ok == c.ok);
      CHECK(ids == c.ids);
      CHECK(lines == c.lines);
      const auto got = cap.lines();
      REQUIRE(got.size() == c.messages.size());
      for (std::size_t i = 0; i < got.size(); ++i) CHECK_THAT(got[i], StartsWith(c.messages[i]));
    }
  }
}

TEST_CASE("read_json_file lets the sink stop early", "[reader][json]") {
  Captured c;
  int n = 0;
  CHECK(oly::read_json_file("[{\"title\":\"a\"},{\"title\":\"b\"}]", "f.json", c.diag,
                            [&](oly::InputItem&&) { return ++n < 1; }));
  CHECK(n == 1);
}

TEST_CASE(".json and .json.gz files are found in directories and read as JSON", "[reader][json]") {
  TempDir dir("json");
  write_file(dir / "in/list.json",
             "[{\"id\":\"l1\",\"title\":\"L\"},{\"id\":\"l2\",\"title\":\"M\"}]");
  const std::string gz = dir / "in/feed.JSON.gz";
  gzFile f = gzopen(gz.c_str(), "wb");
  REQUIRE(f != nullptr);
  const std::string data = "{\"id\":\"g1\",\"title\":\"G\"}\n";
  gzwrite(f, data.data(), static_cast<unsigned>(data.size()));
  gzclose(f);
  Captured c;
  const auto files = oly::list_inputs({dir / "in"}, c.diag);
  std::vector<std::string> ids;
  for (const auto& file : files) {
    CHECK(file.format == oly::InputFormat::kJson);
    CHECK(oly::read_input(file, c.diag, [&](oly::InputItem&& i) {
      ids.push_back(i.article.id);
      return true;
    }));
  }
  CHECK(ids == std::vector<std::string>{"g1", "l1", "l2"});
  CHECK(c.str() == "");
}

// A text file whose content is JSON would be indexed as one article of raw JSON; it is
// refused instead. Text that merely starts with a bracket stays text.
TEST_CASE("a text file that holds JSON is refused, not indexed as text", "[reader][text]") {
  struct Row {
    const char* name;
    std::string contents;
    bool json;
  };
  const std::vector<Row> table = {
      {"JSON Lines", "{\"id\":\"a\",\"title\":\"A\"}\n{\"id\":\"b\",\"title\":\"B\"}\n", true},
      {"JSON Lines with a broken second line", "{\"id\":\"a\"}\n{\"id\":\n", true},
      {"an array", " [{\"id\":\"a\"}]", true},
      {"a pretty-printed object after a BOM", "\xEF\xBB\xBF{\n \"title\": \"T\"\n}", true},
      {"an empty object", "{}", true},
      {"a bracketed tag", "[Reuters] Bolt wins the 100 m.", false},
      {"a brace in prose", "{Editor's note} Bolt wins.", false},
      {"a header block", "Title: {x}\n\nBody", false},
      {"a seed file", "date 2024-08-01 {\"id\":1}", false},
  };
  for (const auto& row : table) {
    DYNAMIC_SECTION(row.name) {
      CHECK(oly::looks_like_json(row.contents) == row.json);
      Captured c;
      const TextResult r = parse_text(row.contents, c, "feed.txt");
      CHECK(r.ok == !row.json);
      if (row.json) {
        CHECK(c.str() ==
              "feed.txt: error: the file holds JSON, not article text; name it .json or .jsonl to "
              "index its records; skipped\n");
      }
    }
  }
}

TEST_CASE("list_inputs counts the files a directory walk leaves unread", "[reader][list]") {
  TempDir dir("list");
  write_file(dir / "d/a.txt", "x");
  write_file(dir / "d/notes.md", "x");
  write_file(dir / "d/sub/page.html", "x");
  write_file(dir / "d/.hidden.md", "x");  // hidden: not counted
  write_file(dir / "other/b.jsonl", "");
  Captured c;
  std::vector<oly::IgnoredFiles> ignored;
  const auto files =
      oly::list_inputs({dir / "d", dir / "other", dir / "d/notes.md"}, c.diag, &ignored);
  REQUIRE(files.size() == 3);
  CHECK(files[0].arg == 0);
  CHECK(files[1].arg == 1);
  CHECK(files[2].arg == 2);
  REQUIRE(ignored.size() == 3);
  CHECK(ignored[0].count == 2);
  CHECK(ignored[0].example == dir / "d/notes.md");
  CHECK(ignored[1].count == 0);
  CHECK(ignored[2].count == 0);
  CHECK(c.str() == "");
}

// ---------------------------------------------------------------------------------------
// The schema table (over schema::kFields: a new row is covered with no edit here)

TEST_CASE("the JSON reader reads every input field by its key and alias, and no derived one",
          "[reader][jsonl][schema]") {
  namespace schema = oly::schema;
  for (const schema::Field& f : schema::kFields) {
    for (const std::string_view key : {f.key, f.key_alias}) {
      if (key.empty()) continue;
      INFO("field " << f.key << " as '" << key << "'");
      nlohmann::json rec = {{"title", "T"}, {"body", "B"}};
      rec[std::string(key)] = oly::test::sample_json(f, 1);
      Captured c;
      auto items = read_jsonl(rec.dump() + "\n", c);
      REQUIRE(items.size() == 1);
      const auto values = oly::test::field_values(items[0].article, f);
      if (f.has(schema::kRead)) {
        CHECK(values == oly::test::sample_values(f, 1));
      } else {
        CHECK(values.empty());  // e.g. "countries":["FRA"]: the indexer derives them
      }
      CHECK(c.str() == "");
    }
  }
}

TEST_CASE("a JSON field of the wrong type is an error naming the key as written",
          "[reader][jsonl][schema]") {
  namespace schema = oly::schema;
  for (const schema::Field& f : schema::kFields) {
    if (!f.has(schema::kRead)) continue;
    for (const std::string_view key : {f.key, f.key_alias}) {
      if (key.empty()) continue;
      INFO("field " << f.key << " as '" << key << "'");
      nlohmann::json rec = {{"title", "T"}};
      rec[std::string(key)] = {{"x", 1}};
      Captured c;
      CHECK(read_jsonl(rec.dump() + "\n", c).empty());
      const std::string expected =
          f.is_list()
              ? "field '" + std::string(key) + "' must be an array of strings, not an object"
              : "field '" + std::string(key) + "' must be a string, not an object";
      CHECK(c.str() == "f.jsonl:1: error: " + expected + "; record skipped\n");
    }
  }
}

TEST_CASE("a text header reads every input field's key and alias, in any case, and no other",
          "[reader][text][schema]") {
  namespace schema = oly::schema;
  for (const schema::Field& f : schema::kFields) {
    for (const std::string_view key : {f.key, f.key_alias}) {
      if (key.empty()) continue;
      std::string upper(key);
      upper[0] = static_cast<char>(upper[0] - 'a' + 'A');
      INFO("field " << f.key << " as '" << upper << ":'");
      const auto values = oly::test::sample_values(f, 1);
      std::string joined;
      for (const std::string& v : values) joined += (joined.empty() ? "" : ", ") + v;
      Captured c;
      const auto r = parse_text(upper + ": " + joined + "\n\nThe body.\n", c);
      REQUIRE(r.ok);
      if (f.has(schema::kRead) && !f.has(schema::kNoHeader)) {
        CHECK(oly::test::field_values(r.article, f) == values);
        CHECK(r.article.body == "The body.");
        CHECK(c.str() == "");
      } else {
        // Not a header key: the file is plain text, all body, and nothing derived is read.
        CHECK(oly::test::field_values(r.article, f) ==
              (f.has(schema::kMainText) ? std::vector<std::string>{r.article.body}
                                        : std::vector<std::string>{}));
        CHECK(r.article.title.empty());
        CHECK(r.article.body.find(upper + ": ") == 0);
      }
    }
  }
}
