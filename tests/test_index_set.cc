// Index sets: -d SPECs expanded into shards (stub files, XAPIANDB directories, remote
// lines), each shard opened and checked on its own, then searched as one index.

#include <xapian.h>

#include <catch2/catch.hpp>
#include <chrono>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <string>
#include <thread>
#include <vector>

#include "diagnostics.h"
#include "identity.h"
#include "index_set.h"
#include "indexing.h"
#include "schema.h"
#include "search.h"
#include "searcher_test_util.h"
#include "server_util.h"
#include "test_util.h"

namespace {

using oly::search_test::CommandResult;
using oly::search_test::lines_of;
using oly::search_test::run_command;
using oly::search_test::shell_quote;
using oly::test::TempDir;
using oly::test::write_file;
using Strings = std::vector<std::string>;

// What a shard spec comes to, as one string: "local PATH" or "remote HOST PORT".
std::string describe(const oly::ShardSpec& s) {
  return s.remote ? "remote " + s.host + " " + std::to_string(s.port) : "local " + s.path;
}

// The error message of `f()`, or "" when it throws none.
template <typename F>
std::string fatal_of(F f) {
  try {
    f();
  } catch (const oly::FatalError& e) {
    return e.what();
  }
  return "";
}

// An index of the given articles (header-block texts), built with `language` as default.
void build(const std::string& dir, const std::vector<std::pair<std::string, std::string>>& files,
           const std::string& language = "en") {
  TempDir src("shard-src");
  oly::IndexOptions o;
  o.index_dir = dir;
  o.language = language;
  o.threads = 1;
  for (const auto& [name, text] : files) {
    write_file(src / name, text);
    o.inputs.push_back(src / name);
  }
  std::ostringstream log;
  oly::Diagnostics diag(log);
  INFO(log.str());
  REQUIRE(oly::build_index(o, diag).added == files.size());
}

// Ids of a search over `specs`.
Strings ids_of(const Strings& specs, const std::string& query) {
  oly::SearchOptions o;
  o.index.specs = specs;
  oly::Searcher s(o);
  Strings out;
  for (const auto& h : s.search(query).hits) out.push_back(h.article.id);
  return out;
}

// `searcher` with -d for each of `specs`, then `args`.
CommandResult searcher(const Strings& specs, const Strings& args, std::string_view input = {}) {
  std::string cmd = shell_quote(OLY_SEARCHER) + " --color never";
  for (const auto& s : specs) cmd += " -d " + shell_quote(s);
  for (const auto& a : args) cmd += " " + shell_quote(a);
  return run_command(cmd, input);
}

std::vector<nlohmann::json> json_lines(const std::string& out) {
  std::vector<nlohmann::json> v;
  for (const std::string& line : lines_of(out)) v.push_back(nlohmann::json::parse(line));
  return v;
}

// Two small shards of a gold-medal story each, built once.
struct TwoShards {
  TempDir dir{"two-shards"};
  std::string a = dir / "a", b = dir / "b";
  TwoShards() {
    build(a, {{"rowing.txt", "ID: rowing\nTitle: Rowers take gold\n\nThe crew won gold.\n"}});
    build(b, {{"relay.txt", "ID: relay\nTitle: Relay gold\n\nThe relay team won gold too.\n"},
              {"silver.txt", "ID: silver\nTitle: Silver\n\nOnly silver for the sprinters.\n"}});
  }
};

const TwoShards& two_shards() {
  static TwoShards s;
  return s;
}

}  // namespace

TEST_CASE("stub files: lines, paths, comments and errors", "[index_set]") {
  TempDir dir("stub");
  const std::string stub = dir / "XAPIANDB";
  struct Row {
    const char* name;
    std::string text;
    Strings shards;          // describe() of each, when good
    std::string error;       // the message, when bad ("STUB" stands for the stub's path)
    bool first_line = true;  // the error is on the first line that is not a comment
  };
  const std::string d = dir.str();
  const std::vector<Row> rows = {
      {"auto and glass, relative to the stub's folder",
       "auto shard0\nglass sub/shard1\n",
       {"local " + d + "/shard0", "local " + d + "/sub/shard1"},
       ""},
      {"absolute paths stay", "auto /srv/idx\n", {"local /srv/idx"}, ""},
      {"comments, blank lines, CRLF and spaces",
       "# shards\n\n  auto  a  \r\n\t# x\r\nauto b\n",
       {"local " + d + "/a", "local " + d + "/b"},
       ""},
      {"remote host and port",
       "remote search1.example:33333\n",
       {"remote search1.example 33333"},
       ""},
      // Xapian's tools would run a program for it: refused, not read another way.
      {"remote :PORT has no host", "remote :8100\n", {}, "STUB:1: error: no host before ':'"},
      {"remote IPv6 in brackets", "remote [::1]:8100\n", {"remote ::1 8100"}, ""},
      {"unknown type", "chert a\n", {}, "STUB:1: error: unknown stub line 'chert a'"},
      {"a bare path", "shard0\n", {}, "STUB:1: error: unknown stub line 'shard0'"},
      {"type without a path", "auto a\nauto\n", {}, "STUB:2: error: 'auto' needs a PATH", false},
      {"remote without a port", "remote host\n", {}, "STUB:1: error: expected HOST:PORT"},
      {"port 0", "remote h:0\n", {}, "STUB:1: error: expected a port number from 1 to 65535"},
      {"port too big", "remote h:65536\n", {}, "STUB:1: error: expected a port number"},
      {"port with junk", "remote h:80x\n", {}, "STUB:1: error: expected a port number"},
      // Xapian's own reader runs a program for `remote :PROG ARGS`: not supported here.
      {"the program form", "remote :xapian-progsrv db\n", {}, "STUB:1: error: no host before ':'"},
      {"nothing listed",
       "# only a comment\n\n",
       {},
       "STUB: error: the stub file lists no shard",
       false},
      {"binary",
       std::string("auto a\0b\n", 9),
       {},
       "STUB: error: cannot open the index: neither an index directory nor a stub file (binary "
       "content)"},
  };
  for (const Row& row : rows) {
    INFO(row.name);
    write_file(stub, row.text);
    if (row.error.empty()) {
      Strings got;
      for (const auto& s : oly::parse_stub(stub)) got.push_back(describe(s));
      CHECK(got == row.shards);
    } else {
      std::string want = row.error;
      want.replace(0, 4, stub);
      // A bad first line also says the file may be no stub at all.
      const std::string got = fatal_of([&] { oly::parse_stub(stub); });
      CHECK_THAT(got, Catch::Contains(want));
      if (row.first_line) {
        CHECK_THAT(got, Catch::StartsWith(stub + ": error: cannot open the index: neither an "
                                                 "index directory nor a stub file"));
      } else {
        CHECK_THAT(got, Catch::StartsWith(want));
      }
    }
  }
}

TEST_CASE("index specs: directories, nested stubs, remote argument", "[index_set]") {
  TempDir dir("spec");
  const std::string d = dir.str();
  // A directory holding XAPIANDB is the stub; a stub may name another stub.
  write_file(dir / "set/XAPIANDB", "auto shard0\nauto ../more.stub\n");
  write_file(dir / "more.stub", "glass deep/x\n");
  std::filesystem::create_directories(dir / "set/shard0");
  Strings got;
  for (const auto& s : oly::expand_spec(dir / "set")) got.push_back(describe(s));
  CHECK(got == Strings{"local " + d + "/set/shard0", "local " + d + "/deep/x"});

  // A path that does not exist is one shard: opening it says what is wrong.
  CHECK(oly::expand_spec(dir / "none").size() == 1);

  const auto remote = oly::expand_spec("remote 10.0.0.7:9000");
  REQUIRE(remote.size() == 1);
  CHECK(describe(remote[0]) == "remote 10.0.0.7 9000");
  CHECK(remote[0].name == "remote 10.0.0.7:9000");
  CHECK_THAT(fatal_of([] { oly::expand_spec("remote 10.0.0.7"); }),
             Catch::StartsWith("remote 10.0.0.7: error: expected HOST:PORT"));

  // A stub naming itself stops at the depth bound instead of recursing for ever.
  write_file(dir / "loop", "auto loop\n");
  CHECK_THAT(fatal_of([&] { oly::expand_spec(dir / "loop"); }),
             Catch::Contains("stub files nested more than 8 deep"));
}

TEST_CASE("shards of different languages: stems of every shard", "[index_set]") {
  TempDir dir("lang-shards");
  const std::string en = dir / "en", fr = dir / "fr";
  build(en, {{"e.txt", "ID: en-article\n\nThe swimmers were eating lunch.\n"}});
  // No Lang header: the article is stemmed in its shard's default language, French.
  build(fr, {{"f.txt", "ID: fr-article\n\nLes nageurs mangeaient au bord du bassin.\n"}}, "fr");
  // `manger` reaches `mangeaient` only through the French stem "mang". The combined
  // database shows the first shard's metadata only: the English shard first lost it.
  for (const Strings& order : {Strings{en, fr}, Strings{fr, en}}) {
    INFO(order[0] << " first");
    oly::SearchOptions o;
    o.index.specs = order;
    oly::Searcher s(o);
    const oly::SearchResult r = s.search("manger");
    REQUIRE(r.hits.size() == 1);
    CHECK(r.hits[0].article.id == "fr-article");
    // Highlighting stems in the article's shard's language as well.
    CHECK(r.hits[0].matches.size() == 1);
    CHECK(r.shards_total == 2);
    CHECK(r.shards_failed.empty());
  }
}

TEST_CASE("an incompatible or repeated shard is refused, naming it", "[index_set]") {
  const TwoShards& two = two_shards();
  TempDir dir("bad-shard");
  const std::string odd = dir / "odd";
  {
    Xapian::WritableDatabase db(odd, Xapian::DB_CREATE);
    oly::write_identity(db, {"999", oly::current_identity("en").analyzer, "en"});
    db.add_document(Xapian::Document());
    db.commit();
  }
  for (bool partial : {false, true}) {
    oly::IndexSetOptions o;
    o.specs = {two.a, odd};
    o.partial = partial;  // an incompatible shard is never skipped
    CHECK_THAT(fatal_of([&] { oly::IndexSet set(o); }),
               Catch::StartsWith(odd + ": error: the index has schema version 999"));
  }
  oly::IndexSetOptions twice;
  write_file(dir / "stub", "auto " + two.a + "\n");
  twice.specs = {two.a, dir / "stub"};
  CHECK_THAT(fatal_of([&] { oly::IndexSet set(twice); }),
             Catch::Contains("error: the same shard is listed twice"));
  twice.specs = {two.b, two.b + "/"};
  CHECK_THAT(fatal_of([&] { oly::IndexSet set(twice); }),
             Catch::Contains("error: the same shard is listed twice"));
}

TEST_CASE("searcher: shards searched as one index", "[index_set][searcher_cli]") {
  const TwoShards& two = two_shards();
  CHECK(ids_of({two.a, two.b}, "gold").size() == 2);

  SECTION("a missing shard is an error naming it") {
    const std::string missing = two.dir / "missing";
    const CommandResult r = searcher({two.a, missing, two.b}, {"gold"});
    CHECK(r.code == 2);
    CHECK_THAT(r.err, Catch::StartsWith("searcher: " + missing + ": error: no index here"));
    CHECK(r.out.empty());
  }
  SECTION("--partial answers from the others and reports it") {
    const std::string missing = two.dir / "missing";
    const CommandResult r = searcher({two.a, missing, two.b}, {"--partial", "--json", "gold"});
    CHECK(r.code == 0);
    const auto objs = json_lines(r.out);
    REQUIRE(objs.size() == 3);
    const auto& shards = objs.back()["shards"];
    CHECK(shards["total"] == 3);
    REQUIRE(shards["failed"].size() == 1);
    CHECK(shards["failed"][0]["shard"] == missing);
    CHECK_THAT(shards["failed"][0]["error"].get<std::string>(), Catch::Contains("no index here"));
    // Text output says so on stderr.
    const CommandResult t = searcher({two.a, missing}, {"--partial", "gold"});
    CHECK(t.code == 0);
    CHECK_THAT(t.err, Catch::StartsWith("searcher: warning: 1 of 2 shards failed"));
    CHECK_THAT(t.err, Catch::Contains(missing + ": no index here"));
  }
  SECTION("every shard missing is an error even with --partial") {
    const CommandResult r = searcher({two.dir / "x", two.dir / "y"}, {"--partial", "gold"});
    CHECK(r.code == 2);
    CHECK_THAT(r.err, Catch::Contains("error: no shard could be opened"));
  }
  SECTION("the summary of one index has one shard") {
    const CommandResult r = searcher({two.a}, {"--json", "gold"});
    const auto objs = json_lines(r.out);
    REQUIRE_FALSE(objs.empty());
    CHECK(objs.back()["shards"] == nlohmann::json::parse(R"({"total":1,"failed":[]})"));
  }
}

TEST_CASE("searcher: timeouts are checked", "[index_set][searcher_cli]") {
  const TwoShards& two = two_shards();
  for (const char* bad : {"0", "-1", "nan", "inf", "1e9", "", "5s"}) {
    for (const char* flag : {"--timeout", "--connect-timeout"}) {
      INFO(flag << " " << bad);
      const CommandResult r = searcher({two.a}, {flag, bad, "gold"});
      CHECK(r.code == 2);
      CHECK_THAT(r.err, Catch::StartsWith(std::string("searcher: error: ") + flag));
    }
  }
  CHECK(searcher({two.a}, {"--timeout", "0.5", "--connect-timeout", "1e-3", "gold"}).code == 0);
}

TEST_CASE("searcher --batch: JSON request lines", "[index_set][searcher_cli]") {
  const TwoShards& two = two_shards();
  const std::string input =
      "{\"query\":\"gold\",\"limit\":1}\n"
      "{\"query\":\"gold OR silver\",\"sort\":\"-date\",\"offset\":1,\"snippets\":0}\n"
      "{\"query\":\"gold\",\"colour\":\"red\"}\n"
      "{\"query\":\"gold\",\"limit\":1.5}\n"
      "{\"query\":\"gold\",\"limit\":1,\"limit\":2}\n"
      "{\"limit\":1}\n"
      "{\"query\":\"gold\",\"since\":\"2024-13\"}\n"
      "{\"query\":\"gold\" \n"
      "[\"gold\"]\n"
      "{\"query\":\"gold\",\"any\":\"yes\"}\n"
      "{\"query\":\"gold\",\"language\":\"klingon\"}\n"
      "silver\n";
  const CommandResult r = searcher({two.a, two.b}, {"--batch"}, input);
  CHECK(r.code == 2);  // bad lines, but the batch went on to the last one
  const Strings errors = lines_of(r.err);
  REQUIRE(errors.size() == 9);
  CHECK_THAT(errors[0], Catch::StartsWith("-:3: error: unknown key \"colour\""));
  CHECK(errors[1] ==
        "-:4: error: \"limit\": expected a whole number from 0 to 1000000000, got 1.5");
  CHECK(errors[2] == "-:5: error: key \"limit\" given twice");
  CHECK(errors[3] == "-:6: error: the request has no \"query\"");
  CHECK_THAT(errors[4], Catch::StartsWith("-:7: error: since/until:"));
  CHECK_THAT(errors[5], Catch::StartsWith("-:8: error: bad JSON request: parse error at line 1"));
  // Not starting with '{': a plain query (and a bad one).
  CHECK_THAT(errors[6], Catch::StartsWith("query:9:8: error:"));
  CHECK(errors[7] == "-:10: error: \"any\": expected true or false, got \"yes\"");
  CHECK(errors[8] == "-:11: error: no stemmer for language 'klingon'");

  const auto objs = json_lines(r.out);
  std::vector<nlohmann::json> summaries, hits, errs;
  for (const auto& o : objs) {
    (o["type"] == "summary" ? summaries : o["type"] == "hit" ? hits : errs).push_back(o);
  }
  CHECK(errs.size() == 9);         // an error object for each, as for a bad query
  REQUIRE(summaries.size() == 3);  // lines 1, 2, 12
  CHECK(summaries[0]["line"] == 1);
  CHECK(summaries[0]["returned"] == 1);
  CHECK(summaries[0]["estimated_total"] == 2);
  CHECK(summaries[1]["line"] == 2);
  CHECK(summaries[1]["returned"] == 2);  // 3 matches, offset 1
  CHECK(summaries[2]["line"] == 12);
  CHECK(summaries[2]["returned"] == 1);
  for (const auto& h : hits) {
    if (h["line"] == 2) CHECK(h["snippet"].is_null());
    if (h["line"] == 1) CHECK(h["snippet"].is_object());
  }
}

TEST_CASE("searcher: a remote shard", "[index_set][searcher_cli][remote]") {
  const TwoShards& two = two_shards();
  const oly::scale_out::TcpServer server(two.b);  // throws if it never serves
  const int port = server.port();
  const std::string remote = server.spec();

  // The local shard plus the remote one answer like the two local shards. (Exact words:
  // stems from the synonym table do not reach a remote shard before schema 4.)
  const CommandResult local = searcher({two.a, two.b}, {"--json", "\"gold\" OR \"silver\""});
  const CommandResult mixed = searcher({two.a, remote}, {"--json", "\"gold\" OR \"silver\""});
  CHECK(mixed.code == 0);
  CHECK(mixed.err.empty());
  const auto l = json_lines(local.out), m = json_lines(mixed.out);
  REQUIRE(l.size() == m.size());
  for (std::size_t i = 0; i + 1 < l.size(); ++i) {
    CHECK(m[i]["id"] == l[i]["id"]);
    CHECK(m[i]["score"] == l[i]["score"]);
    CHECK(m[i]["snippet"] == l[i]["snippet"]);
  }
  // The same through a stub's `remote` line.
  TempDir dir("remote-stub");
  write_file(dir / "stub", "auto " + two.a + "\nremote 127.0.0.1:" + std::to_string(port) + "\n");
  CHECK(searcher({dir / "stub"}, {"--count", "gold"}).out == "2\n");
}

TEST_CASE("searcher: an unreachable remote shard fails fast", "[index_set][searcher_cli][remote]") {
  const TwoShards& two = two_shards();
  const int port = oly::scale_out::free_port();  // nothing listens there
  const std::string remote = "remote 127.0.0.1:" + std::to_string(port);
  const auto started = std::chrono::steady_clock::now();
  const CommandResult r = searcher({two.a, remote}, {"--connect-timeout", "1", "gold"});
  CHECK(std::chrono::steady_clock::now() - started < std::chrono::seconds(5));
  CHECK(r.code == 2);
  CHECK_THAT(r.err, Catch::StartsWith("searcher: " + remote + ": error: cannot reach the shard"));

  const CommandResult p =
      searcher({two.a, remote}, {"--partial", "--connect-timeout", "1", "--ids", "gold"});
  CHECK(p.code == 0);
  CHECK(p.out == "rowing\n");
  CHECK_THAT(p.err, Catch::Contains(remote + ": cannot reach the shard"));
}

namespace {

// Indexes `files` (header-block texts) into `dir`, which may hold an index already:
// changed articles are replaced; with `recreate`, the index is rebuilt and swapped in.
void reindex(const std::string& dir, const std::vector<std::pair<std::string, std::string>>& files,
             bool recreate = false) {
  TempDir src("reindex-src");
  oly::IndexOptions o;
  o.index_dir = dir;
  o.threads = 1;
  o.recreate = recreate;
  for (const auto& [name, text] : files) {
    write_file(src / name, text);
    o.inputs.push_back(src / name);
  }
  std::ostringstream log;
  oly::Diagnostics diag(log);
  INFO(log.str());
  REQUIRE(oly::build_index(o, diag).errors == 0);
}

// What a printer shows of a result: each hit's id, title, score, snippet and matches,
// and the total.
std::string shown(const oly::SearchResult& r) {
  std::string out = std::to_string(r.estimated) + (r.total_is_exact() ? " exact\n" : "\n");
  for (const oly::Hit& h : r.hits) {
    out += h.article.id + " | " + h.article.title + " | " + std::to_string(h.score) + " | " +
           h.snippet.text + " | " + std::to_string(h.matches.size()) + "\n";
  }
  return out;
}

}  // namespace

TEST_CASE("a long-lived searcher's kept results follow every change of its shards",
          "[index_set][cache]") {
  TempDir dir("cache");
  const std::string a = dir / "a", b = dir / "b";
  build(a, {{"rowing.txt", "ID: rowing\nTitle: Rowers take gold\n\nThe crew won gold.\n"}});
  build(b, {{"relay.txt", "ID: relay\nTitle: Relay gold\n\nThe relay team won gold.\n"}});
  oly::SearchOptions o;
  o.index.specs = {a, b};
  oly::Searcher kept(o);  // one searcher for every request, as in --batch and the server
  oly::SearchRequest all, first;
  all.query = first.query = "gold";
  first.limit = 1;
  // What a searcher opened now answers (nothing kept).
  auto fresh = [&](const oly::SearchRequest& rq) {
    oly::SearchOptions n = o;
    n.cached_results = 0;
    oly::Searcher s(n);
    return shown(s.search(rq));
  };
  auto same_as_fresh = [&](const std::string& step) {
    INFO(step);
    for (int again = 0; again < 2; ++again) {  // the second time from the kept results
      CHECK(shown(kept.search(all)) == fresh(all));
      CHECK(shown(kept.search(first)) == fresh(first));
    }
  };
  same_as_fresh("as built");
  CHECK(kept.search(all).hits.size() == 2);
  CHECK(kept.search(first).hits.size() == 1);  // another limit is another request
  {
    // One kept result: each request pushes the other out, and neither is mistaken for it.
    oly::SearchOptions one = o;
    one.cached_results = 1;
    oly::Searcher s(one);
    for (int i = 0; i < 3; ++i) {
      CHECK(shown(s.search(all)) == fresh(all));
      CHECK(shown(s.search(first)) == fresh(first));
    }
  }

  // A replaced article of the same length in one shard: the document count, the last
  // docid and the total length stay the same; only the shard's revision moves.
  reindex(b, {{"relay.txt", "ID: relay\nTitle: Relay GOLD\n\nThe relay team won gold.\n"}});
  same_as_fresh("replaced in place");
  CHECK_THAT(shown(kept.search(all)), Catch::Contains("Relay GOLD"));

  reindex(a, {{"more.txt", "ID: more\nTitle: More gold\n\nGold again, and gold.\n"}});
  same_as_fresh("an article added");
  CHECK(kept.search(all).hits.size() == 3);

  // A rebuilt shard swapped in: a new database, whatever its revision number.
  reindex(a, {{"other.txt", "ID: other\nTitle: Other gold\n\nThe other crew won gold.\n"}}, true);
  same_as_fresh("a shard rebuilt");
  CHECK_THAT(shown(kept.search(all)), Catch::Contains("other |") && !Catch::Contains("rowing"));
}
