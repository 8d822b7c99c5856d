#include "web.h"

#include <httplib.h>

#include "common.h"
#include "html.h"

namespace oly::server {

namespace {

constexpr std::size_t kPerPage = 10;
// Values shown per facet on the page: enough to narrow, short enough for a phone.
constexpr std::size_t kFacetTop = 8;

RequestFailure failure_of(const HttpError& e) {
  RequestFailure f;
  f.kind = e.kind() == "syntax"  ? RequestFailure::Kind::kSyntax
           : e.kind() == "index" ? RequestFailure::Kind::kIndex
                                 : RequestFailure::Kind::kRequest;
  f.message = e.what();
  f.column = e.column();
  return f;
}

// The form's fields as typed, so that the page shows them back (even a bad one).
html::PageState state_of(const ParamMap& p) {
  html::PageState st;
  auto get = [&](const char* name) {
    auto it = p.find(name);
    return it == p.end() ? std::string() : it->second;
  };
  st.q = get("q");
  st.sort = get("sort");
  st.since = get("since");
  st.until = get("until");
  st.lang = get("lang");
  st.per_page = kPerPage;
  return st;
}

void search_page(const httplib::Request& req, httplib::Response& res, SearcherPool& pool) {
  html::PageState st;
  try {
    const ParamMap p =
        single_params(query_params(req), {"q", "page", "sort", "since", "until", "lang"});
    st = state_of(p);
    if (auto it = p.find("page"); it != p.end() && !it->second.empty()) {
      st.page = whole_param("page", it->second, kMaxPage);
      if (st.page == 0) throw HttpError(400, "request", "parameter 'page': pages start at 1");
    }
    if (st.q.empty()) {
      res.set_content(html::search_page(st, nullptr, nullptr), kHtmlType);
      return;
    }
    SearchRequest rq;
    rq.query = st.q;
    rq.limit = st.per_page;
    rq.offset = (st.page - 1) * st.per_page;
    // The page shows where the matches lie, each value a link that narrows the query.
    rq.facets = {{"source", kFacetTop},
                 {"year", kFacetTop},
                 {"games", kFacetTop},
                 {"country", kFacetTop},
                 {"lang", kFacetTop}};
    apply_common(p, rq);
    check_limits(rq);
    SearcherPool::Lease lease = acquire(pool);
    const SearchResult r = answer(lease, rq);
    res.set_content(html::search_page(st, &r, nullptr), kHtmlType);
  } catch (const HttpError& e) {
    const RequestFailure f = failure_of(e);
    res.status = e.status();
    res.set_content(html::search_page(st, nullptr, &f), kHtmlType);
  }
}

void view(httplib::Response& res, const std::string& id, SearcherPool& pool) {
  try {
    SearcherPool::Lease lease = acquire(pool);
    const std::optional<Article> a = with_index(lease, [&](Searcher& s) { return s.article(id); });
    if (!a) throw HttpError(404, "not_found", "no article with this id");
    res.set_content(html::article_page(*a), kHtmlType);
  } catch (const HttpError& e) {
    res.status = e.status();
    res.set_content(html::error_page(e.status(), e.what()), kHtmlType);
  }
}

void asset(httplib::Response& res, const std::string& name) {
  const html::Asset* a = html::find_asset(name);
  if (!a) {
    res.status = 404;
    res.set_content(html::error_page(404, "no such file"), kHtmlType);
    return;
  }
  res.set_content(std::string(a->body), std::string(a->content_type));
}

// The web page has no inline script or style (front/html.cc), so a strict policy costs
// nothing and keeps any markup that slipped into an article from running or loading.
void secure_headers(httplib::Response& res) {
  res.set_header("Content-Security-Policy",
                 "default-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'");
  res.set_header("X-Content-Type-Options", "nosniff");
  res.set_header("Referrer-Policy", "no-referrer");
  res.set_header("X-Frame-Options", "DENY");
}

}  // namespace

void add_web_routes(Router& router, SearcherPool& pool) {
  SearcherPool* p = &pool;
  router.add({"GET"}, "/", [p](const auto& req, auto& res, const auto&) {
    secure_headers(res);
    search_page(req, res, *p);
  });
  router.add({"GET"}, "/view/([\\s\\S]+)", [p](const auto&, auto& res, const auto& m) {
    secure_headers(res);
    view(res, m[1].str(), *p);
  });
  router.add({"GET"}, "/assets/([\\s\\S]+)", [](const auto&, auto& res, const auto& m) {
    secure_headers(res);
    asset(res, m[1].str());
  });
}

}  // namespace oly::server
