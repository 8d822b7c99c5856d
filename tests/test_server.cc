// search-server end to end: the real binary on a port of its own (port 0), an index built
// by the real indexer, httplib's client. Every wait is bounded.
#include <poll.h>

#include <httplib.h>

#include <fmt/format.h>

#include <atomic>
#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>
#include <regex>
#include <thread>

#include "reliability_util.h"
#include "searcher_test_util.h"

namespace {

using oly::reliability::Clock;
using oly::reliability::seconds_since;
using oly::search_test::lines_of;
using oly::search_test::run_indexer;
using oly::search_test::run_searcher;
using oly::test::TempDir;
using oly::test::write_file;
using Json = nlohmann::json;

// A search-server process: started on 127.0.0.1 port 0, ready once it printed its
// "listening" line; stopped with SIGTERM (SIGKILL after 20 s) when the object goes away.
class Server {
 public:
  explicit Server(std::vector<std::string> args) : log_("srvlog") {
    int fds[2];
    REQUIRE(::pipe2(fds, O_CLOEXEC) == 0);
    std::vector<std::string> argv{OLY_SERVER, "--listen", "127.0.0.1:0"};
    argv.insert(argv.end(), args.begin(), args.end());
    oly::reliability::SpawnOptions o;
    o.stdout_fd = fds[1];
    o.stderr_path = log_ / "err";
    pid_ = oly::reliability::spawn(argv, o);
    ::close(fds[1]);
    read_fd_ = fds[0];
    const std::string line = first_line(10);
    ::close(read_fd_);
    const std::smatch m = match(line);
    INFO(line << log());
    REQUIRE(!m.empty());
    port_ = std::stoi(m[1].str());
  }
  ~Server() {
    if (pid_ > 0) stop();
  }
  // SIGTERM, then the exit status (-1 when it had to be killed).
  int stop() {
    ::kill(pid_, SIGTERM);
    const auto e = oly::reliability::wait_exit(pid_, 20, Clock::now());
    pid_ = -1;
    return e.timed_out ? -1 : e.code;
  }
  pid_t pid() const { return pid_; }
  int port() const { return port_; }
  std::string log() const { return oly::test::read_file(log_ / "err"); }
  httplib::Client client() const {
    httplib::Client c("127.0.0.1", port_);
    c.set_read_timeout(60, 0);
    // The tests percent-encode their targets themselves (pct): httplib would encode '+'.
    c.set_url_encode(false);
    return c;
  }

 private:
  static std::smatch match(const std::string& line) {
    static const std::regex re("^listening on http://127\\.0\\.0\\.1:([0-9]+)/$");
    std::smatch m;
    std::regex_match(line, m, re);
    return m;
  }
  std::string first_line(double timeout) {
    std::string line;
    const auto started = Clock::now();
    while (seconds_since(started) < timeout) {
      pollfd p{read_fd_, POLLIN, 0};
      if (::poll(&p, 1, 100) <= 0) continue;
      char c;
      if (::read(read_fd_, &c, 1) != 1 || c == '\n') break;
      line += c;
    }
    return line;
  }
  TempDir log_;
  pid_t pid_ = -1;
  int read_fd_ = -1;
  int port_ = 0;
};

// The sample corpus indexed once for the read-only tests.
const std::string& corpus_index() {
  static TempDir dir("srvidx");
  static const bool built = [] {
    const auto r = run_indexer(dir / "idx", {"corpus/"});
    INFO(r.err);
    REQUIRE(r.code == 0);
    return true;
  }();
  (void)built;
  static const std::string path = dir / "idx";
  return path;
}

std::string pct(std::string_view s) {
  std::string out;
  for (unsigned char c : s) {
    if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~')
      out += static_cast<char>(c);
    else
      out += fmt::format("%{:02X}", c);
  }
  return out;
}

// Timings differ from run to run: elapsed_ms and request_ms are set aside.
std::string normalised(std::string s) {
  static const std::regex elapsed("\"elapsed_ms\":[-0-9.e+]+");
  static const std::regex request(",\"request_ms\":[-0-9.e+]+");
  s = std::regex_replace(s, request, "");
  return std::regex_replace(s, elapsed, "\"elapsed_ms\":0");
}

// An error body: one JSON object with the agreed fields, and no path of this machine.
Json error_body(const std::string& body, int status, const std::string& where) {
  INFO(body);
  REQUIRE(lines_of(body).size() == 1);
  const Json j = Json::parse(body);
  CHECK(j["version"] == 1);
  CHECK(j["type"] == "error");
  CHECK(j["status"] == status);
  CHECK(j.contains("kind"));
  CHECK_FALSE(j.contains("line"));
  CHECK(body.find(where) == std::string::npos);
  CHECK(body.find("/tmp") == std::string::npos);
  CHECK(body.find(OLY_SOURCE_DIR) == std::string::npos);
  return j;
}

}  // namespace

TEST_CASE("server: /search GET and POST print what searcher --json prints", "[server]") {
  const std::string index = corpus_index();
  Server srv({"-d", index, "--quiet"});
  auto cli = srv.client();
  struct Row {
    std::string get;                // query string after q=...
    std::string post;               // the JSON request
    std::vector<std::string> args;  // searcher's flags
  };
  const std::vector<Row> rows = {
      {"q=marathon", R"({"query":"marathon"})", {"marathon"}},
      {"q=" + pct("\"opening ceremony\""),
       R"({"query":"\"opening ceremony\""})",
       {"\"opening ceremony\""}},
      {"q=bolt&sort=date", R"({"query":"bolt","sort":"date"})", {"--sort", "date", "bolt"}},
      {"q=gold&sort=-date&limit=3",
       R"({"query":"gold","sort":"-date","limit":3})",
       {"--sort", "-date", "-n", "3", "gold"}},
      {"q=gold&since=2016&until=2021-08",
       R"({"query":"gold","since":"2016","until":"2021-08"})",
       {"--since", "2016", "--until", "2021-08", "gold"}},
      {"q=olympic&offset=2&limit=2",
       R"({"query":"olympic","offset":2,"limit":2})",
       {"--offset", "2", "-n", "2", "olympic"}},
      {"q=" + pct("médaille") + "&lang=fr",
       R"({"query":"médaille","language":"fr"})",
       {"-l", "fr", "médaille"}},
      {"q=bolt+phelps&any=true", R"({"query":"bolt phelps","any":true})", {"--any", "bolt phelps"}},
      {"q=swimming&snippets=0",
       R"({"query":"swimming","snippets":0})",
       {"--snippets", "0", "swimming"}},
      {"q=" + pct("東京"), R"({"query":"東京"})", {"東京"}},
      {"q=nothingmatchesthis", R"({"query":"nothingmatchesthis"})", {"nothingmatchesthis"}},
      {"q=bolt&limit=0", R"({"query":"bolt","limit":0})", {"-n", "0", "bolt"}},
      {"q=gold&limit=2&facets=" + pct("source,year:3,tags"),
       R"({"query":"gold","limit":2,"facets":"source,year:3,tags"})",
       {"-n", "2", "--facets", "source,year:3,tags", "gold"}},
      {"q=" + pct("date:last-month OR gold") + "&since=2y&today=2021-08-20",
       R"({"query":"date:last-month OR gold","since":"2y","today":"2021-08-20"})",
       {"--since", "2y", "--today", "2021-08-20", "date:last-month OR gold"}},
      {"q=marathon&recency=30d&today=2021-08-20",
       R"({"query":"marathon","recency":"30d","today":"2021-08-20"})",
       {"--recency", "30d", "--today", "2021-08-20", "marathon"}},
  };
  for (const Row& row : rows) {
    INFO(row.get);
    std::vector<std::string> args{"--json"};
    args.insert(args.end(), row.args.begin(), row.args.end());
    const auto want = run_searcher(index, args);
    REQUIRE(want.code <= 1);
    const auto got = cli.Get("/search?" + row.get);
    REQUIRE(got);
    CHECK(got->status == 200);
    CHECK(got->get_header_value("Content-Type") == "application/x-ndjson; charset=utf-8");
    CHECK(normalised(got->body) == normalised(want.out));
    const auto posted = cli.Post("/search", row.post, "application/json");
    REQUIRE(posted);
    CHECK(posted->status == 200);
    CHECK(normalised(posted->body) == normalised(want.out));
    // curl -d sends a form content type: the body is still the JSON request.
    const auto form = cli.Post("/search", row.post, "application/x-www-form-urlencoded");
    REQUIRE(form);
    CHECK(normalised(form->body) == normalised(want.out));
    // The summary says how long the server took for the whole request.
    const Json summary = Json::parse(lines_of(got->body).back());
    CHECK(summary["request_ms"].is_number());
    CHECK(summary["request_ms"].get<double>() >= summary["elapsed_ms"].get<double>());
  }
}

// Did you mean over HTTP: the summary's `suggestion` is offered by default, turned off by
// suggest=0 (GET) or "suggest": false (POST), and a value that is neither is refused, not
// read as on or off.
TEST_CASE("server: /search offers a suggestion; suggest=0 turns it off", "[server]") {
  const std::string index = corpus_index();
  Server srv({"-d", index, "--quiet"});
  auto cli = srv.client();
  const auto summary = [](const httplib::Result& r) {
    REQUIRE(r);
    INFO(r->body);
    REQUIRE(r->status == 200);
    const Json j = Json::parse(lines_of(r->body).back());
    REQUIRE(j["type"] == "summary");
    REQUIRE(j.contains("suggestion"));
    return j;
  };
  struct Row {
    std::string get, post;
    Json suggestion;  // null: none
  };
  const std::vector<Row> rows = {
      {"q=marathn", R"({"query":"marathn"})", "marathon"},
      {"q=marathn&suggest=1", R"({"query":"marathn","suggest":true})", "marathon"},
      {"q=Marathn&suggest=true", R"({"query":"Marathn","suggest":true})", "Marathon"},
      {"q=marathn&suggest=0", R"({"query":"marathn","suggest":false})", nullptr},
      {"q=marathn&suggest=false", R"({"query":"marathn","suggest":false})", nullptr},
      // A query that matches well gets none.
      {"q=marathon", R"({"query":"marathon"})", nullptr},
  };
  for (const Row& row : rows) {
    INFO(row.get);
    CHECK(summary(cli.Get("/search?" + row.get))["suggestion"] == row.suggestion);
    CHECK(summary(cli.Post("/search", row.post, "application/json"))["suggestion"] ==
          row.suggestion);
  }
  const std::vector<std::string> bad = {"suggest=maybe", "suggest=", "suggest=yes", "suggest=2",
                                        "suggest=0&suggest=1"};
  for (const std::string& b : bad) {
    INFO(b);
    const auto r = cli.Get("/search?q=marathn&" + b);
    REQUIRE(r);
    CHECK(r->status == 400);
    CHECK(error_body(r->body, 400, index)["error"].get<std::string>().find("suggest") !=
          std::string::npos);
  }
  for (const char* body :
       {R"({"query":"marathn","suggest":"yes"})", R"({"query":"marathn","suggest":0})"}) {
    INFO(body);
    const auto r = cli.Post("/search", body, "application/json");
    REQUIRE(r);
    CHECK(r->status == 400);
    CHECK(error_body(r->body, 400, index)["error"].get<std::string>().find("suggest") !=
          std::string::npos);
  }
}

TEST_CASE("server: /batch prints what searcher --batch --json prints", "[server]") {
  const std::string index = corpus_index();
  Server srv({"-d", index, "--quiet"});
  const std::string input =
      "marathon\n\n{\"query\":\"bolt\",\"limit\":2,\"sort\":\"-date\"}\r\n\"unbalanced\nphelps\n"
      "{\"query\":\"x\",\"limit\":2000}\n";
  const auto want = run_searcher(index, {"--batch", "--json"}, input);
  const auto got = srv.client().Post("/batch", input, "application/x-ndjson");
  REQUIRE(got);
  CHECK(got->status == 200);
  // searcher has no limit on "limit": line 6 is the server's error only.
  std::vector<std::string> want_lines;
  for (const auto& l : lines_of(normalised(want.out)))
    if (l.find("\"line\":6,") == std::string::npos) want_lines.push_back(l);
  const auto got_lines = lines_of(normalised(got->body));
  // Every line but the errors is the same; the errors carry the server's fields.
  std::vector<std::string> want_ok, got_ok;
  for (const auto& l : want_lines)
    if (l.find("\"type\":\"error\"") == std::string::npos) want_ok.push_back(l);
  std::vector<Json> errors;
  for (const auto& l : got_lines) {
    if (l.find("\"type\":\"error\"") == std::string::npos)
      got_ok.push_back(l);
    else
      errors.push_back(Json::parse(l));
  }
  CHECK(got_ok == want_ok);
  CHECK(want_ok.size() > 4);
  REQUIRE(errors.size() == 2);
  CHECK(errors[0]["line"] == 4);
  CHECK(errors[0]["kind"] == "syntax");
  CHECK(errors[0]["column"] == 1);
  CHECK(errors[0]["error"] == "query:4:1: error: unbalanced quote");
  CHECK(errors[1]["line"] == 6);
  CHECK(errors[1]["kind"] == "limit");
}

TEST_CASE("server: a /batch asks for 10,000 hits at most", "[server]") {
  Server srv({"-d", corpus_index(), "--quiet"});
  std::string input;
  for (int i = 0; i < 11; ++i) input += "{\"query\":\"bolt\",\"limit\":1000,\"snippets\":0}\n";
  const auto r = srv.client().Post("/batch", input, "application/x-ndjson");
  REQUIRE(r);
  CHECK(r->status == 200);
  const auto lines = lines_of(r->body);
  REQUIRE(!lines.empty());
  const Json last = Json::parse(lines.back());
  CHECK(last["type"] == "error");
  CHECK(last["line"] == 11);
  CHECK(last["kind"] == "limit");
  CHECK(r->body.find("\"line\":10,") != std::string::npos);
}

TEST_CASE("server: /articles/{id} finds ids with any character", "[server]") {
  TempDir dir("srvart");
  const std::vector<std::string> ids = {"a/b c",    "100%",          "plus+sign", "q?x=1#frag",
                                        "été/東京", "../etc/passwd", "%2F"};
  std::string jsonl;
  for (std::size_t i = 0; i < ids.size(); ++i) {
    jsonl +=
        Json{{"id", ids[i]}, {"title", "T" + std::to_string(i)}, {"body", "body words"}}.dump() +
        "\n";
  }
  write_file(dir / "a.jsonl", jsonl);
  REQUIRE(run_indexer(dir / "idx", {dir / "a.jsonl"}).code == 0);
  Server srv({"-d", dir / "idx", "--quiet"});
  auto cli = srv.client();
  for (std::size_t i = 0; i < ids.size(); ++i) {
    INFO(ids[i]);
    const auto r = cli.Get("/articles/" + pct(ids[i]));
    REQUIRE(r);
    CHECK(r->status == 200);
    const Json j = Json::parse(r->body);
    CHECK(j["id"] == ids[i]);
    CHECK(j["title"] == "T" + std::to_string(i));
    CHECK(j["body"] == "body words");
    for (const char* key : {"date", "source", "url", "lang", "tags"}) CHECK(j.contains(key));
  }
  const auto missing = cli.Get("/articles/" + pct("no such id"));
  REQUIRE(missing);
  CHECK(missing->status == 404);
  CHECK(error_body(missing->body, 404, dir.str())["kind"] == "not_found");
}

TEST_CASE("server: bad requests get a 4xx JSON error naming the problem", "[server]") {
  const std::string index = corpus_index();
  Server srv({"-d", index, "--quiet"});
  auto cli = srv.client();
  struct Row {
    std::string method, path, body;
    int status;
    std::string kind, says;
  };
  std::string many_lines;
  for (int i = 0; i < 1001; ++i) many_lines += "bolt\n";
  const std::vector<Row> rows = {
      {"GET", "/nope", "", 404, "not_found", "/nope"},
      {"GET", "/search/", "", 404, "not_found", ""},
      {"DELETE", "/search?q=a", "", 405, "request", "GET, POST"},
      {"GET", "/batch", "", 405, "request", "POST"},
      {"POST", "/articles/x", "{}", 405, "request", "GET"},
      {"POST", "/health", "", 405, "request", "GET"},
      {"GET", "/search", "", 400, "request", "'q'"},
      {"GET", "/search?q=a&limit=-1", "", 400, "request", "'limit'"},
      {"GET", "/search?q=a&limit=abc", "", 400, "request", "'limit'"},
      {"GET", "/search?q=a&limit=1001", "", 400, "limit", "'limit'"},
      {"GET", "/search?q=a&limit=99999999999999999999", "", 400, "request", "'limit'"},
      {"GET", "/search?q=a&offset=1000000", "", 400, "limit", "'offset'"},
      {"GET", "/search?q=a&offset=1.5", "", 400, "request", "'offset'"},
      {"GET", "/search?q=a&sort=foo", "", 400, "request", "'sort'"},
      {"GET", "/search?q=a&since=2020-13", "", 400, "request", "'since'"},
      {"GET", "/search?q=a&until=tomorrow", "", 400, "request", "'until'"},
      {"GET", "/search?q=a&lang=klingon", "", 400, "request", "'lang'"},
      {"GET", "/search?q=a&any=maybe", "", 400, "request", "'any'"},
      {"GET", "/search?q=a&facets=nope", "", 400, "request", "'facets': unknown facet 'nope'"},
      {"GET", "/search?q=a&facets=year:0", "", 400, "request", "'facets'"},
      {"GET", "/search?q=a&today=2021-02-30", "", 400, "request", "'today': expected a date"},
      {"GET", "/search?q=a&since=7d&today=yesterday", "", 400, "request", "'today'"},
      {"GET", "/search?q=a&snippets=21", "", 400, "limit", "'snippets'"},
      {"GET", "/search?q=a&foo=1", "", 400, "request", "'foo'"},
      {"GET", "/search?q=a&recency=30d&collapse=true", "", 400, "request", "not supported"},
      {"GET", "/search?q=a&q=b", "", 400, "request", "more than once"},
      {"GET", "/search?q=" + std::string(1025, 'a'), "", 414, "limit", "1024"},
      {"GET", "/search?q=" + pct("bolt \"x"), "", 400, "syntax", "unbalanced quote"},
      {"GET", "/search?q=" + pct("author:smith"), "", 400, "syntax", "author"},
      {"GET", "/health?x=1", "", 400, "request", "'x'"},
      {"POST", "/search", "not json", 400, "request", "JSON object"},
      {"POST", "/search", "{\"query\":", 400, "request", "bad JSON"},
      {"POST", "/search", R"({"query":"a","bogus":1})", 400, "request", "bogus"},
      {"POST", "/search", R"({"query":"a","limit":1001})", 400, "limit", "limit"},
      {"POST", "/search", R"({"limit":1})", 400, "request", "query"},
      {"POST", "/search?q=a", R"({"query":"a"})", 400, "request", "'q'"},
      {"POST", "/search", "{\"query\":\"" + std::string(1025, 'a') + "\"}", 400, "limit", "1024"},
      {"POST", "/batch", many_lines, 413, "limit", "1000"},
      {"POST", "/search", std::string((1 << 20) + 1, ' '), 413, "limit", ""},
  };
  for (const Row& row : rows) {
    INFO(row.method << " " << row.path.substr(0, 80));
    httplib::Result r = row.method == "GET"      ? cli.Get(row.path)
                        : row.method == "DELETE" ? cli.Delete(row.path)
                                                 : cli.Post(row.path, row.body, "application/json");
    REQUIRE(r);
    CHECK(r->status == row.status);
    const Json j = error_body(r->body, row.status, index);
    CHECK(j["kind"] == row.kind);
    CHECK(j["error"].get<std::string>().find(row.says) != std::string::npos);
    if (row.status == 405) CHECK(!r->get_header_value("Allow").empty());
  }
  // The column of a syntax error counts characters, not bytes.
  const auto r = cli.Get("/search?q=" + pct("médaille \"x"));
  REQUIRE(r);
  CHECK(error_body(r->body, 400, index)["column"] == 10);
}

TEST_CASE("server: /health, /stats, CORS and the access log", "[server]") {
  const std::string index = corpus_index();
  {
    Server srv({"-d", index});
    auto cli = srv.client();
    const auto h = cli.Get("/health");
    REQUIRE(h);
    CHECK(h->status == 200);
    CHECK(h->body == "{\"status\":\"ok\"}\n");
    CHECK_FALSE(h->has_header("Access-Control-Allow-Origin"));
    const auto s = cli.Get("/stats");
    REQUIRE(s);
    CHECK(s->status == 200);
    const Json j = Json::parse(s->body);
    CHECK(j["documents"].get<int>() > 50);
    REQUIRE(j["shards"].size() == 1);
    CHECK(j["shards"][0]["name"] == index);
    CHECK(j["shards"][0]["revision"].get<int>() >= 1);
    CHECK(j["shards"][0]["documents"] == j["documents"]);
    CHECK(!j["languages"].empty());
    CHECK(!j["analyzer"]["identity"].get<std::string>().empty());
    REQUIRE(srv.stop() == 0);
    const std::string log = srv.log();
    CHECK(log.find(" GET /health 200 16 ") != std::string::npos);
    CHECK(log.find(" GET /stats 200 ") != std::string::npos);
  }
  Server srv({"-d", index, "--quiet", "--cors", "https://example.org"});
  const auto h = srv.client().Get("/health");
  REQUIRE(h);
  CHECK(h->get_header_value("Access-Control-Allow-Origin") == "https://example.org");
  REQUIRE(srv.stop() == 0);
  CHECK(srv.log().empty());
}

TEST_CASE("server: requests on a kept-alive connection are not delayed", "[server]") {
  const std::string index = corpus_index();
  Server srv({"-d", index, "--quiet"});
  auto cli = srv.client();
  cli.set_keep_alive(true);
  REQUIRE(cli.Get("/health"));
  // With Nagle's algorithm on, each answer's body waited for the client's delayed ACK:
  // about 40 ms a request (0.8 s for these 20); without, a few ms in all.
  const auto started = Clock::now();
  for (int i = 0; i < 20; ++i) {
    const auto r = cli.Get("/health");
    REQUIRE(r);
    REQUIRE(r->status == 200);
  }
  CHECK(seconds_since(started) < 0.4 * oly::reliability::kSlowdown);
}

TEST_CASE("server: a Range header is ignored, every answer is whole", "[server]") {
  const std::string index = corpus_index();
  Server srv({"-d", index, "--quiet"});
  auto cli = srv.client();
  // The first hit's id, as searcher --ids gives it: an article of corpus/.
  const auto first = cli.Get("/search?q=gold&limit=1&snippets=0");
  REQUIRE(first);
  const std::size_t at = first->body.find("\"id\":\"");
  REQUIRE(at != std::string::npos);
  const std::string id = first->body.substr(at + 6, first->body.find('"', at + 6) - at - 6);
  const auto whole = cli.Get("/articles/" + pct(id));
  REQUIRE(whole);
  REQUIRE(whole->status == 200);
  std::string many = "bytes=0-";
  for (int i = 0; i < 500; ++i) many += ",0-";
  for (const std::string& range : {std::string("bytes=0-3"), std::string("bytes=-2"), many}) {
    INFO(range.substr(0, 40));
    for (const std::string& path :
         std::vector<std::string>{"/articles/" + pct(id), "/search?q=gold&limit=3", "/?q=gold"}) {
      const auto r = cli.Get(path, httplib::Headers{{"Range", range}});
      REQUIRE(r);
      CHECK(r->status == 200);
      CHECK(r->get_header_value("Content-Range").empty());
      CHECK(r->get_header_value("Content-Type").find("multipart") == std::string::npos);
      if (path.rfind("/articles/", 0) == 0) CHECK(r->body == whole->body);
    }
  }
}

TEST_CASE("server: an article added while serving is found within a second", "[server]") {
  TempDir dir("srvadd");
  write_file(dir / "a.jsonl", R"({"id":"first","body":"alpha words"})"
                              "\n");
  REQUIRE(run_indexer(dir / "idx", {dir / "a.jsonl"}).code == 0);
  Server srv({"-d", dir / "idx", "--quiet"});
  auto cli = srv.client();
  const auto before = cli.Get("/search?q=zebracorn&snippets=0");
  REQUIRE(before);
  CHECK(before->body.find("\"returned\":0") != std::string::npos);
  write_file(dir / "b.jsonl", R"({"id":"second","body":"a zebracorn appears"})"
                              "\n");
  REQUIRE(run_indexer(dir / "idx", {dir / "b.jsonl"}).code == 0);
  const auto added = Clock::now();
  bool found = false;
  while (!found && seconds_since(added) < 1.0) {
    const auto r = cli.Get("/search?q=zebracorn&snippets=0");
    found = r && r->body.find("\"id\":\"second\"") != std::string::npos;
    if (!found) std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  CHECK(found);
}

TEST_CASE("server: indexer --recreate swaps fail no request", "[server]") {
  TempDir dir("srvswap");
  REQUIRE(run_indexer(dir / "idx", {"corpus/"}).code == 0);
  Server srv({"-d", dir / "idx", "--quiet"});
  std::atomic<bool> done{false};
  std::atomic<int> ok{0}, failed{0};
  std::string first_failure;
  auto loop = [&] {
    auto cli = srv.client();
    while (!done) {
      const auto r = cli.Get("/search?q=marathon&limit=3");
      if (r && r->status == 200 && r->body.find("\"type\":\"summary\"") != std::string::npos) {
        ++ok;
      } else if (failed++ == 0) {
        first_failure = r ? r->body : "no response";
      }
    }
  };
  {
    std::jthread a(loop), b(loop);
    for (int i = 0; i < 3; ++i) {
      const auto r = run_indexer(dir / "idx", {"--recreate", "corpus/"});
      CHECK(r.code == 0);
    }
    done = true;
  }
  INFO(first_failure);
  CHECK(failed == 0);
  CHECK(ok > 10);
}

TEST_CASE("server: SIGTERM lets an in-flight /batch finish, then exits 0", "[server]") {
  const std::string index = corpus_index();
  Server srv({"-d", index, "--quiet", "--threads", "4"});
  std::string input;
  const int lines = 150;
  // Distinct requests (offsets): a repeated one would come from the result cache at once.
  for (int i = 0; i < lines; ++i)
    input +=
        "{\"query\":\"the OR a OR olympic\",\"limit\":60,\"offset\":" + std::to_string(i) + "}\n";
  int status = 0;
  std::string body;
  std::atomic<bool> sent{false};
  Clock::time_point answered;
  {
    std::jthread client([&] {
      auto cli = srv.client();
      sent = true;
      const auto r = cli.Post("/batch", input, "application/x-ndjson");
      answered = Clock::now();
      if (r) {
        status = r->status;
        body = r->body;
      }
    });
    while (!sent) std::this_thread::yield();
    std::this_thread::sleep_for(std::chrono::milliseconds(300));
    const auto signalled = Clock::now();
    CHECK(srv.stop() == 0);
    client.join();
    // The request was in flight when the signal came (else the test proves nothing).
    CHECK(answered > signalled);
  }
  CHECK(status == 200);
  std::size_t summaries = 0;
  for (const auto& l : lines_of(body))
    summaries += l.find("\"type\":\"summary\"") != std::string::npos;
  CHECK(summaries == lines);
}

TEST_CASE("server: a missing index is a 503 without paths, until it appears", "[server]") {
  TempDir dir("srvmissing");
  const std::string index = dir / "idx";
  Server srv({"-d", index, "--quiet"});
  auto cli = srv.client();
  for (const char* path : {"/health", "/search?q=bolt", "/stats", "/articles/x"}) {
    INFO(path);
    const auto r = cli.Get(path);
    REQUIRE(r);
    CHECK(r->status == 503);
    CHECK(error_body(r->body, 503, dir.str())["kind"] == "index");
  }
  const auto batch = cli.Post("/batch", "bolt\n", "text/plain");
  REQUIRE(batch);
  CHECK(batch->status == 503);
  REQUIRE(run_indexer(index, {"corpus/"}).code == 0);
  const auto r = cli.Get("/search?q=bolt&snippets=0");
  REQUIRE(r);
  CHECK(r->status == 200);
  CHECK(cli.Get("/health")->status == 200);
}

TEST_CASE("server: bad flags are usage errors", "[server]") {
  for (const auto& args : std::vector<std::vector<std::string>>{{"--listen", "nonsense"},
                                                                {"--listen", "127.0.0.1:70000"},
                                                                {"--threads", "0"},
                                                                {"--timeout", "0"},
                                                                {"--cache", "-1"},
                                                                {"--cache", "lots"},
                                                                {"--cors", "a\nb"},
                                                                {"--bogus"}}) {
    std::vector<std::string> argv{OLY_SERVER, "-d", "x"};
    argv.insert(argv.end(), args.begin(), args.end());
    const auto r = oly::reliability::run(argv, {}, 10);
    INFO(r.err);
    CHECK(r.exit.code == 2);
    CHECK(r.err.find("search-server: error: ") == 0);
    CHECK(r.out.empty());
  }
}
