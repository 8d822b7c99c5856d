// The server's own routing: httplib 0.11 answers 404 to a known path asked with another
// method and cannot list allowed methods, so every request comes here, and a path that
// matches with the wrong method gets 405 with an Allow header. Unknown paths get a JSON 404.
#pragma once

#include <functional>
#include <regex>
#include <string>
#include <vector>

namespace httplib {
struct Request;
struct Response;
}  // namespace httplib

namespace oly::server {

class Router {
 public:
  // `m[1]` etc. are the pattern's groups, matched against the decoded path.
  using Handler =
      std::function<void(const httplib::Request&, httplib::Response&, const std::smatch& m)>;
  // `methods` like {"GET", "POST"}; GET also answers HEAD.
  void add(std::vector<std::string> methods, const std::string& pattern, Handler h);
  // Answers `req`: the route's handler, or 404/405. Exceptions other than HttpError are
  // logged and answered 500 without their message.
  void dispatch(const httplib::Request& req, httplib::Response& res) const;

 private:
  struct Route {
    std::vector<std::string> methods;
    std::regex pattern;
    Handler handler;
  };
  std::vector<Route> routes_;
};

}  // namespace oly::server
