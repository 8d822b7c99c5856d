#include "router.h"

#include <httplib.h>

#include <algorithm>

#include "common.h"

namespace oly::server {

void Router::add(std::vector<std::string> methods, const std::string& pattern, Handler h) {
  routes_.push_back({std::move(methods), std::regex(pattern), std::move(h)});
}

void Router::dispatch(const httplib::Request& req, httplib::Response& res) const {
  const std::string method = req.method == "HEAD" ? "GET" : req.method;
  std::string allowed;
  std::smatch m;
  for (const Route& r : routes_) {
    if (!std::regex_match(req.path, m, r.pattern)) continue;
    if (std::find(r.methods.begin(), r.methods.end(), method) == r.methods.end()) {
      for (const auto& a : r.methods) allowed += (allowed.empty() ? "" : ", ") + a;
      continue;
    }
    try {
      r.handler(req, res, m);
    } catch (const HttpError& e) {
      send_error(res, e);
    } catch (const std::exception& e) {
      // The message may name paths of this machine: the log has it, the client not.
      log_line(std::string("search-server: error: ") + req.method + " " + req.path + ": " +
               e.what());
      send_error(res, HttpError(500, "internal", "internal error (the server's log says why)"));
    }
    return;
  }
  if (!allowed.empty()) {
    send_error(res,
               HttpError(405, "request",
                         "method " + req.method + " not allowed here (allowed: " + allowed + ")"));
    res.set_header("Allow", allowed);
    return;
  }
  send_error(res, HttpError(404, "not_found", "no such endpoint: " + req.path));
}

}  // namespace oly::server
