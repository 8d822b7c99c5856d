// What every endpoint shares: JSON error objects, the error log, and running a request
// against a pooled Searcher with index trouble turned into a 503 that names no path.
#pragma once

#include <xapian.h>

#include <optional>
#include <string>
#include <string_view>

#include "diagnostics.h"
#include "params.h"
#include "pool.h"
#include "search.h"

namespace httplib {
struct Request;
struct Response;
}  // namespace httplib

namespace oly::server {

inline constexpr const char* kJsonType = "application/json; charset=utf-8";
inline constexpr const char* kNdjsonType = "application/x-ndjson; charset=utf-8";
inline constexpr const char* kHtmlType = "text/html; charset=utf-8";

// The JSON error object of the agreed design (one line, with its newline): version, type,
// line (only in /batch), error, kind, column (syntax errors), status.
std::string error_json(const HttpError& e, std::optional<std::size_t> line = {});
// `res` becomes that error (status and JSON body).
void send_error(httplib::Response& res, const HttpError& e);

// The parameters of the request target's query string only: httplib also files the
// fields of a form-encoded POST body among Request::params, which would make a POST body
// that is not JSON look like unknown parameters.
std::multimap<std::string, std::string> query_params(const httplib::Request& req);

// A line on stderr (terminal-safe, one write, never interleaved with another thread's).
void log_line(std::string_view text);

// What a client is told when the index cannot be read: the reason (which names paths of
// this machine) goes to the log only.
HttpError unavailable(std::string_view why);

// A Searcher for this request, or HttpError 503 when the index cannot be opened.
SearcherPool::Lease acquire(SearcherPool& pool);

// `f()` on the lease's Searcher; index trouble discards the Searcher (the next request
// opens the index afresh) and becomes HttpError 503.
template <class F>
auto with_index(SearcherPool::Lease& lease, F&& f) {
  try {
    return f(*lease);
  } catch (const FatalError& e) {
    lease.discard();
    throw unavailable(e.what());
  } catch (const Xapian::Error& e) {
    lease.discard();
    throw unavailable(e.get_description());
  }
}

// One search: syntax errors become HttpError 400 "syntax" with the column, bad request
// fields 400 "request", index trouble 503.
SearchResult answer(SearcherPool::Lease& lease, const SearchRequest& rq);

}  // namespace oly::server
