#include "common.h"

#include <unistd.h>

#include <httplib.h>

#include <mutex>
#include <nlohmann/json.hpp>

#include "output.h"
#include "query.h"

namespace oly::server {

std::string error_json(const HttpError& e, std::optional<std::size_t> line) {
  nlohmann::ordered_json j;
  j["version"] = kJsonVersion;
  j["type"] = "error";
  if (line) j["line"] = *line;
  j["error"] = e.what();
  j["kind"] = e.kind();
  if (e.column()) j["column"] = *e.column();
  j["status"] = e.status();
  return json_text(j) + "\n";
}

void send_error(httplib::Response& res, const HttpError& e) {
  res.status = e.status();
  res.set_content(error_json(e), kJsonType);
}

std::multimap<std::string, std::string> query_params(const httplib::Request& req) {
  httplib::Params params;
  const std::size_t q = req.target.find('?');
  if (q != std::string::npos) httplib::detail::parse_query_text(req.target.substr(q + 1), params);
  return params;
}

void log_line(std::string_view text) {
  static std::mutex mutex;
  const std::string line = terminal_safe(text) + "\n";
  std::lock_guard<std::mutex> lock(mutex);
  // One write(2): lines of several threads never mix, and nothing is buffered at exit.
  std::size_t done = 0;
  while (done < line.size()) {
    const ssize_t n = ::write(STDERR_FILENO, line.data() + done, line.size() - done);
    if (n <= 0) break;
    done += static_cast<std::size_t>(n);
  }
}

HttpError unavailable(std::string_view why) {
  std::string reason(why);
  if (reason.rfind("error: ", 0) == 0) reason.erase(0, 7);
  log_line("search-server: error: " + reason);
  return HttpError(503, "index", "the index is unavailable (the server's log says why)");
}

SearcherPool::Lease acquire(SearcherPool& pool) {
  try {
    return pool.acquire();
  } catch (const FatalError& e) {
    throw unavailable(e.what());
  } catch (const Xapian::Error& e) {
    throw unavailable(e.get_description());
  }
}

SearchResult answer(SearcherPool::Lease& lease, const SearchRequest& rq) {
  try {
    return with_index(lease, [&](Searcher& s) { return s.search(rq); });
  } catch (const QuerySyntaxError& e) {
    throw HttpError(400, "syntax", e.what(), e.column());
  } catch (const RequestError& e) {
    throw HttpError(400, "request", e.what());
  }
}

}  // namespace oly::server
