// Query-string parameters of the server's GET requests into a SearchRequest, strictly:
// an unknown or repeated parameter and a bad value are errors naming the parameter, and
// the server's limits (query length, limit, offset) are checked here for every endpoint.
#pragma once

#include <cstddef>
#include <map>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include "search.h"

namespace oly::server {

// Limits of one request (the README's "Search server" section lists them).
inline constexpr std::size_t kMaxQueryBytes = 1024;
inline constexpr std::size_t kMaxLimit = 1000;
inline constexpr std::size_t kMaxOffset = 100000;
inline constexpr std::size_t kMaxBodyBytes = 1 << 20;
inline constexpr std::size_t kMaxBatchLines = 1000;
// Hits a whole /batch may ask for (the sum of its lines' limits): its answer is built in
// memory, and 1,000 lines of 1,000 hits with snippets would be about a gigabyte.
inline constexpr std::size_t kMaxBatchHits = 10000;
inline constexpr double kBatchDeadlineSeconds = 30;
inline constexpr std::size_t kMaxPage = kMaxOffset / 10;

// A request that is answered with an HTTP error and a JSON error object (or an error
// page). `kind` is the error object's "kind".
class HttpError : public std::runtime_error {
 public:
  HttpError(int status, std::string kind, const std::string& message,
            std::optional<std::size_t> column = {})
      : std::runtime_error(message), status_(status), kind_(std::move(kind)), column_(column) {}
  int status() const { return status_; }
  const std::string& kind() const { return kind_; }
  std::optional<std::size_t> column() const { return column_; }

 private:
  int status_;
  std::string kind_;
  std::optional<std::size_t> column_;
};

// The parameters of one request, each given once (a repeated one is an HttpError 400).
// `allowed` lists the names the endpoint knows; others are an HttpError 400.
using ParamMap = std::map<std::string, std::string>;
ParamMap single_params(const std::multimap<std::string, std::string>& params,
                       const std::vector<std::string>& allowed);

// A whole number in [0, max] in decimal digits; else HttpError 400 naming `name`.
std::size_t whole_param(const std::string& name, const std::string& text, std::size_t max);

// The GET /search parameters (q, limit, offset, sort, since, until, snippets, lang, any).
SearchRequest request_from_params(const ParamMap& p);

// Fields shared by GET /search and the web page: sort, since, until, lang into `r`.
void apply_common(const ParamMap& p, SearchRequest& r);

// The server's limits on any request, however it came (GET, POST, a /batch line):
// HttpError 414 (query too long: `too_long_status`), 400 (limit, offset).
void check_limits(const SearchRequest& r, int too_long_status = 414);

}  // namespace oly::server
