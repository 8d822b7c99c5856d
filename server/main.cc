// search-server: the search engine over HTTP (JSON endpoints for programs, a web page for
// people). Parses flags, binds, prints `listening on http://HOST:PORT/`, serves until
// SIGTERM or SIGINT, then lets in-flight requests finish and exits 0.
#include <pthread.h>
#include <signal.h>

#include <httplib.h>

#include <fmt/format.h>

#include <CLI/CLI.hpp>
#include <atomic>
#include <cerrno>
#include <cstring>
#include <ctime>
#include <iostream>
#include <thread>

#include "api.h"
#include "cli.h"
#include "common.h"
#include "web.h"

namespace {

using oly::cli::UsageError;
using Clock = std::chrono::steady_clock;

struct Config {
  oly::SearchOptions search;
  std::string host = "127.0.0.1";
  int port = 8080;
  std::size_t threads = 4;
  std::string cors;
  bool quiet = false;
};

struct Flags {
  std::vector<std::string> indexes;
  std::string listen = "127.0.0.1:8080";
  std::string threads;
  // Per worker: each keeps its own Searcher, so the server holds threads x cache results.
  std::string cache = "64";
  std::string connect_timeout = fmt::format("{}", oly::IndexSetOptions{}.connect_timeout);
  std::string timeout = fmt::format("{}", oly::IndexSetOptions{}.timeout);
};

void add_flags(CLI::App& app, Flags& f, Config& c) {
  app.set_version_flag("--version", "search-server 0.1.0");
  app.add_option("-d,--index", f.indexes,
                 "Index to serve; repeat for shards (the same SPECs as searcher -d; default: "
                 "$OLYMPIC_INDEX, else ./olympic-index)")
      ->type_name("SPEC")
      ->expected(1)
      ->multi_option_policy(CLI::MultiOptionPolicy::TakeAll);
  app.add_option("--listen", f.listen, "Address to listen on (port 0: any free port)")
      ->type_name("HOST:PORT")
      ->capture_default_str();
  app.add_option("--threads", f.threads,
                 "Worker threads: connections served at once (a kept-alive connection holds one "
                 "for its life; default 64)")
      ->type_name("N");
  app.add_flag("--partial", c.search.index.partial,
               "Answer from the shards that respond (default: a failed shard is an error)");
  app.add_option("--connect-timeout", f.connect_timeout, "Seconds to connect to a remote shard")
      ->type_name("SECONDS")
      ->capture_default_str();
  app.add_option("--timeout", f.timeout, "Seconds to wait for a remote shard's answer")
      ->type_name("SECONDS")
      ->capture_default_str();
  app.add_option("--cors", c.cors, "Allow web pages from ORIGIN to call the API (CORS)")
      ->type_name("ORIGIN");
  app.add_flag("--quiet", c.quiet, "No access log on stderr");
  app.add_option("--cache", f.cache,
                 "Results each worker thread keeps for repeated requests (0: none; a result is "
                 "reused only while the index is at the revision it was computed on)")
      ->type_name("N")
      ->capture_default_str();
}

double timeout_value(std::string_view flag, const std::string& text) {
  const double v = oly::cli::parse_real_number(flag, text, 0, 86400);
  if (v <= 0)
    throw UsageError(std::string(flag) + ": expected seconds above 0, got '" + text + "'");
  return v;
}

// "HOST:PORT" or "[IPV6]:PORT".
void parse_listen(const std::string& text, Config& c) {
  const std::size_t colon = text.rfind(':');
  if (colon == std::string::npos || colon == 0) {
    throw UsageError("--listen: expected HOST:PORT, got '" + text + "'");
  }
  std::string host = text.substr(0, colon);
  if (host.size() > 2 && host.front() == '[' && host.back() == ']')
    host = host.substr(1, host.size() - 2);
  c.host = host;
  c.port = static_cast<int>(
      oly::cli::parse_whole_number("--listen port", text.substr(colon + 1), 0, 65535));
}

void apply_flags(const Flags& f, Config& c) {
  parse_listen(f.listen, c);
  const std::size_t hw = std::thread::hardware_concurrency();
  c.threads = f.threads.empty() ? std::max<std::size_t>(64, hw * 2)
                                : oly::cli::parse_whole_number("--threads", f.threads, 1, 1024);
  c.search.index.connect_timeout = timeout_value("--connect-timeout", f.connect_timeout);
  c.search.index.timeout = timeout_value("--timeout", f.timeout);
  c.search.cached_results = oly::cli::parse_whole_number("--cache", f.cache, 0, 100000);
  // Every worker keeps its own results: 256 MiB over all of them at most.
  c.search.cached_bytes = (std::size_t{256} << 20) / c.threads;
  if (f.indexes.empty()) c.search.index.specs.push_back(oly::cli::index_dir(std::nullopt));
  for (const auto& spec : f.indexes) c.search.index.specs.push_back(oly::cli::index_dir(spec));
  // The origin becomes a header value: a line break would inject headers.
  for (unsigned char ch : c.cors) {
    if (ch < 0x21 || ch == 0x7f)
      throw UsageError("--cors: the origin holds a space or control character");
  }
}

bool loopback(const std::string& host) {
  return host == "localhost" || host.rfind("127.", 0) == 0 || host == "::1";
}

// When this thread's request started (set when its headers are read), for the access log.
thread_local std::optional<Clock::time_point> t_started;

// The target as the client sent it (percent-encoded), with any raw byte outside printable
// ASCII escaped, so a log line stays one line of text.
std::string loggable(const std::string& target) {
  std::string out;
  for (unsigned char ch : target) {
    if (ch < 0x21 || ch >= 0x7f)
      out += fmt::format("%{:02X}", ch);
    else
      out += static_cast<char>(ch);
  }
  return out;
}

void access_log(const httplib::Request& req, const httplib::Response& res) {
  const std::time_t now = std::time(nullptr);
  std::tm tm{};
  gmtime_r(&now, &tm);
  char when[32];
  std::strftime(when, sizeof when, "%Y-%m-%dT%H:%M:%SZ", &tm);
  std::string ms = "-";
  if (t_started) {
    ms = fmt::format("{:.1f}ms",
                     std::chrono::duration<double, std::milli>(Clock::now() - *t_started).count());
  }
  t_started.reset();
  oly::server::log_line(fmt::format("{} {}:{} {} {} {} {} {}", when, req.remote_addr,
                                    req.remote_port, req.method.empty() ? "-" : req.method,
                                    req.target.empty() ? "-" : loggable(req.target), res.status,
                                    res.body.size(), ms));
}

// Errors httplib answers by itself (a bad request line, 413, 414) get the JSON error object.
httplib::Server::HandlerResponse fill_error(const httplib::Request&, httplib::Response& res) {
  if (!res.body.empty()) return httplib::Server::HandlerResponse::Unhandled;
  std::string message = "bad request";
  std::string kind = "request";
  if (res.status == 413) {
    message =
        "the request body is larger than " + std::to_string(oly::server::kMaxBodyBytes) + " bytes";
    kind = "limit";
  } else if (res.status == 414) {
    message = "the request target is too long";
    kind = "limit";
  } else if (res.status == 404) {
    kind = "not_found";
    message = "not found";
  }
  oly::server::send_error(res, oly::server::HttpError(res.status, kind, message));
  return httplib::Server::HandlerResponse::Handled;
}

void configure(httplib::Server& http, const oly::server::Router& router, const Config& c) {
  const std::size_t threads = c.threads;
  http.new_task_queue = [threads] { return new httplib::ThreadPool(threads); };
  // The load test and browsers keep connections open: many requests per connection.
  http.set_keep_alive_max_count(1000000);
  // httplib writes the headers and the body separately: with Nagle on, the body waits
  // for the client's delayed ACK (about 40 ms per request on a persistent connection).
  http.set_tcp_nodelay(true);
  http.set_payload_max_length(oly::server::kMaxBodyBytes);
  const bool cors = !c.cors.empty();
  http.set_pre_routing_handler([cors](const httplib::Request& req, httplib::Response& res) {
    t_started = Clock::now();
    // Every answer is whole: httplib 0.11 would cut any answer into the byte ranges of a
    // Range header, with no cap on their number, building a multipart body in memory (a
    // 4 KB header of 2,000 ranges made a 75 MB answer). A server may ignore Range (RFC 9110
    // 14.2); the request object is httplib's own non-const one, handed to us as const.
    const_cast<httplib::Request&>(req).ranges.clear();
    res.set_header("Accept-Ranges", "none");
    if (cors && req.method == "OPTIONS") {  // a CORS preflight
      res.status = 204;
      res.set_header("Access-Control-Allow-Methods", "GET, POST");
      res.set_header("Access-Control-Allow-Headers", "Content-Type");
      return httplib::Server::HandlerResponse::Handled;
    }
    return httplib::Server::HandlerResponse::Unhandled;
  });
  auto all = [&router](const httplib::Request& req, httplib::Response& res) {
    router.dispatch(req, res);
  };
  const std::string any = "[\\s\\S]*";
  http.Get(any, all).Post(any, all).Put(any, all).Patch(any, all).Delete(any, all);
  http.Options(any, all);
  http.set_error_handler(httplib::Server::HandlerWithResponse(fill_error));
  http.set_exception_handler(
      [](const httplib::Request&, httplib::Response& res, std::exception_ptr) {
        oly::server::send_error(res, oly::server::HttpError(500, "internal", "internal error"));
      });
  if (!c.quiet) http.set_logger(access_log);
  if (cors) http.set_default_headers({{"Access-Control-Allow-Origin", c.cors}, {"Vary", "Origin"}});
}

// Takes SIGINT and SIGTERM (blocked in every other thread) and stops the server; joined
// on every path by its destructor.
class SignalWatcher {
 public:
  explicit SignalWatcher(httplib::Server& http) : thread_([this, &http] { run(http); }) {}
  ~SignalWatcher() {
    done_ = true;
    thread_.join();
  }

 private:
  void run(httplib::Server& http) {
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGINT);
    sigaddset(&set, SIGTERM);
    const timespec tick{0, 100 * 1000 * 1000};
    bool stopping = false;
    while (!done_) {
      if (sigtimedwait(&set, nullptr, &tick) > 0) stopping = true;
      // Repeated until listen returns: a signal that came before listening began would
      // otherwise be lost (stop() does nothing on a server not yet running).
      if (stopping) http.stop();
    }
  }
  std::atomic<bool> done_{false};
  std::thread thread_;
};

int serve(const Config& c) {
  oly::server::SearcherPool pool(c.search);
  // The server starts whatever the index's state; requests say 503 until it can be read.
  try {
    pool.acquire();
  } catch (const std::exception& e) {
    oly::server::log_line(std::string("search-server: warning: the index cannot be opened yet: ") +
                          e.what());
  }
  oly::server::Router router;
  oly::server::add_api_routes(router, pool);
  oly::server::add_web_routes(router, pool);
  httplib::Server http;
  configure(http, router, c);
  int port = c.port;
  if (port == 0) {
    port = http.bind_to_any_port(c.host);
  } else if (!http.bind_to_port(c.host, port)) {
    port = -1;
  }
  if (port <= 0) {
    oly::cli::report(
        std::cerr, "search-server",
        fmt::format("error: cannot listen on {}:{}: {}", c.host, c.port, std::strerror(errno)));
    return 2;
  }
  if (!loopback(c.host)) {
    oly::server::log_line("search-server: warning: listening on " + c.host +
                          ", reachable from other machines; the server has no authentication");
  }
  const std::string shown = c.host.find(':') != std::string::npos ? "[" + c.host + "]" : c.host;
  std::cout << "listening on http://" << shown << ":" << port << "/" << std::endl;
  SignalWatcher watcher(http);
  http.listen_after_bind();
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  // Blocked before any thread starts, so every thread inherits the mask and only the
  // watcher's sigtimedwait takes them.
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGINT);
  sigaddset(&set, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &set, nullptr);
  signal(SIGPIPE, SIG_IGN);  // a client gone mid-answer is a failed write, not a kill

  Config c;
  Flags f;
  CLI::App app{"Serve the Olympic news index over HTTP (JSON API and a web page)."};
  add_flags(app, f, c);
  try {
    app.parse(argc, argv);
    apply_flags(f, c);
  } catch (const CLI::ParseError& e) {
    if (e.get_exit_code() == 0) return app.exit(e);
    oly::cli::report(std::cerr, "search-server",
                     std::string("error: ") + e.what() + " (try --help)");
    return 2;
  } catch (const UsageError& e) {
    oly::cli::report(std::cerr, "search-server", std::string("error: ") + e.what());
    return 2;
  }
  try {
    return serve(c);
  } catch (const std::exception& e) {
    oly::cli::report(std::cerr, "search-server", std::string("error: ") + e.what());
    return 2;
  }
}
