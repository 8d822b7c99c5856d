#include "api.h"

#include <httplib.h>

#include <chrono>
#include <nlohmann/json.hpp>
#include <sstream>

#include "common.h"
#include "identity.h"
#include "json_printer.h"
#include "output.h"
#include "printer.h"
#include "query.h"
#include "search_command.h"

namespace oly::server {

namespace {

using Clock = std::chrono::steady_clock;
using Json = nlohmann::ordered_json;

// What `searcher --json` (or `--batch --json` with `line`) prints for `r`. The JSON
// printer is called here and only here.
std::string result_json(const SearchResult& r, bool snippets, std::optional<std::size_t> line) {
  static const std::unique_ptr<ResultPrinter> printer =
      make_printer(OutputFormat::kJson, PrintOptions{});
  std::ostringstream out;
  printer->result(out, r, PrintContext{line, snippets});
  return out.str();
}

// The summary (the last line) gains "request_ms", the server's whole time for the
// request, measured after everything else is ready.
void add_request_ms(std::string& lines, Clock::time_point started) {
  const double ms = std::chrono::duration<double, std::milli>(Clock::now() - started).count();
  const std::size_t close = lines.rfind('}');
  if (close == std::string::npos) return;
  lines.insert(close, ",\"request_ms\":" + nlohmann::json(ms).dump());
}

// A POST body holding one JSON request object (the keys of a --batch line).
SearchRequest request_from_body(const std::string& body) {
  const std::size_t first = body.find_first_not_of(" \t\r\n");
  if (first == std::string::npos || body[first] != '{') {
    throw HttpError(400, "request", "the body must be one JSON object with a \"query\"");
  }
  SearchRequest rq;
  try {
    rq = parse_request_line(body.substr(first), SearchRequest{});
  } catch (const RequestError& e) {
    throw HttpError(400, "request", e.what());
  }
  check_limits(rq, 400);
  return rq;
}

void search(const httplib::Request& req, httplib::Response& res, SearcherPool& pool) {
  const auto started = Clock::now();
  SearchRequest rq;
  if (req.method == "POST") {
    single_params(query_params(req), {});
    rq = request_from_body(req.body);
  } else {
    rq = request_from_params(single_params(
        query_params(req),
        {"q", "limit", "offset", "sort", "since", "until", "snippets", "lang", "any", "facets",
         "today", "stems", "proximity", "feedback", "suggest", "collapse", "plain", "recency"}));
  }
  SearcherPool::Lease lease = acquire(pool);
  const SearchResult r = answer(lease, rq);
  std::string body = result_json(r, rq.snippet.fragments > 0, {});
  add_request_ms(body, started);
  res.set_content(body, kNdjsonType);
}

// One --batch line into its request, with the messages `searcher --batch` gives.
SearchRequest batch_request(const std::string& line, std::size_t line_no) {
  SearchRequest rq;
  if (line.front() == '{') {
    try {
      rq = parse_request_line(line, SearchRequest{});
    } catch (const RequestError& e) {
      throw HttpError(400, "request", "-:" + std::to_string(line_no) + ": error: " + e.what());
    }
  } else {
    rq.query = line;
  }
  try {
    check_limits(rq, 400);
  } catch (const HttpError& e) {
    throw HttpError(e.status(), e.kind(), "-:" + std::to_string(line_no) + ": error: " + e.what());
  }
  return rq;
}

std::vector<std::string> body_lines(const std::string& body) {
  std::vector<std::string> lines;
  std::istringstream in(body);
  std::string line;
  std::size_t queries = 0;
  while (std::getline(in, line)) {
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (line.find_first_not_of(" \t") != std::string::npos) ++queries;
    lines.push_back(std::move(line));
  }
  if (queries > kMaxBatchLines) {
    throw HttpError(413, "limit",
                    "the batch has " + std::to_string(queries) + " queries; at most " +
                        std::to_string(kMaxBatchLines) + " are accepted");
  }
  return lines;
}

// POST /batch: what `searcher --batch --json` prints for the body. The batch stops between
// lines at a deadline, with an error line saying where, rather than running on unbounded.
void batch(const httplib::Request& req, httplib::Response& res, SearcherPool& pool) {
  single_params(query_params(req), {});
  const std::vector<std::string> lines = body_lines(req.body);
  SearcherPool::Lease lease = acquire(pool);
  const auto deadline = Clock::now() + std::chrono::duration_cast<Clock::duration>(
                                           std::chrono::duration<double>(kBatchDeadlineSeconds));
  std::string out;
  std::size_t hits_left = kMaxBatchHits;
  for (std::size_t i = 0; i < lines.size(); ++i) {
    const std::size_t line_no = i + 1;
    if (lines[i].find_first_not_of(" \t") == std::string::npos) continue;
    if (Clock::now() > deadline) {
      out += error_json(HttpError(503, "limit",
                                  "-:" + std::to_string(line_no) +
                                      ": error: the batch ran out of time; this line and the "
                                      "ones after it were not answered"),
                        line_no);
      break;
    }
    try {
      const SearchRequest rq = batch_request(lines[i], line_no);
      if (rq.limit > hits_left) {
        throw HttpError(400, "limit",
                        "-:" + std::to_string(line_no) + ": error: the batch asks for more than " +
                            std::to_string(kMaxBatchHits) + " hits in all");
      }
      hits_left -= rq.limit;
      out += result_json(answer(lease, rq), rq.snippet.fragments > 0, line_no);
    } catch (const HttpError& e) {
      if (e.kind() == "syntax") {
        const std::string msg = "query:" + std::to_string(line_no) + ":" +
                                std::to_string(e.column().value_or(0)) + ": error: " + e.what();
        out += error_json(HttpError(400, "syntax", msg, e.column()), line_no);
        continue;
      }
      out += error_json(e, line_no);
      // The Searcher was discarded: the lines after this one cannot be answered.
      if (e.kind() == "index") break;
    }
  }
  res.set_content(out, kNdjsonType);
}

void article(const httplib::Request& req, httplib::Response& res, const std::string& id,
             SearcherPool& pool) {
  single_params(query_params(req), {});
  SearcherPool::Lease lease = acquire(pool);
  const std::optional<Article> a = with_index(lease, [&](Searcher& s) { return s.article(id); });
  if (!a) throw HttpError(404, "not_found", "no article with this id");
  res.set_content(json_text(article_json(*a)) + "\n", kJsonType);
}

void health(const httplib::Request& req, httplib::Response& res, SearcherPool& pool) {
  single_params(query_params(req), {});
  SearcherPool::Lease lease = acquire(pool);
  // Reading the statistics touches every shard at its latest commit.
  with_index(lease, [](Searcher& s) { return s.stats(); });
  res.set_content("{\"status\":\"ok\"}\n", kJsonType);
}

Json stats_json(const SearchIndexStats& st) {
  Json j;
  j["documents"] = st.documents;
  j["shards"] = Json::array();
  for (const auto& s : st.shards) {
    Json o;
    // The shard's name as the -d argument or stub gave it.
    o["name"] = s.name;
    o["remote"] = s.remote;
    o["live"] = s.live;
    o["documents"] = s.documents;
    if (s.remote)
      o["revision"] = nullptr;
    else
      o["revision"] = s.revision;
    j["shards"].push_back(std::move(o));
  }
  j["languages"] = st.languages;
  const IndexIdentity id = current_identity("");
  j["analyzer"] = {{"identity", id.analyzer}, {"schema", id.schema_version}};
  return j;
}

void stats(const httplib::Request& req, httplib::Response& res, SearcherPool& pool) {
  single_params(query_params(req), {});
  SearcherPool::Lease lease = acquire(pool);
  const SearchIndexStats st = with_index(lease, [](Searcher& s) { return s.stats(); });
  res.set_content(json_text(stats_json(st)) + "\n", kJsonType);
}

}  // namespace

void add_api_routes(Router& router, SearcherPool& pool) {
  SearcherPool* p = &pool;
  router.add({"GET", "POST"}, "/search",
             [p](const auto& req, auto& res, const auto&) { search(req, res, *p); });
  router.add({"POST"}, "/batch",
             [p](const auto& req, auto& res, const auto&) { batch(req, res, *p); });
  router.add({"GET"}, "/articles/([\\s\\S]+)",
             [p](const auto& req, auto& res, const auto& m) { article(req, res, m[1].str(), *p); });
  router.add({"GET"}, "/health",
             [p](const auto& req, auto& res, const auto&) { health(req, res, *p); });
  router.add({"GET"}, "/stats",
             [p](const auto& req, auto& res, const auto&) { stats(req, res, *p); });
}

}  // namespace oly::server
