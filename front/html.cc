// PLACEHOLDER so the tree links while the web page is written (task "web" replaces it).
#include "html.h"

namespace oly::html {

std::string escape(std::string_view text) {
  std::string out;
  for (char c : text) {
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      case '\'':
        out += "&#39;";
        break;
      default:
        out += c;
    }
  }
  return out;
}

std::string search_page(const PageState& state, const SearchResult* result,
                        const RequestFailure* failure) {
  std::string out = "<!doctype html><title>search</title><p>" + escape(state.q);
  if (result) out += "<p>" + std::to_string(result->hits.size()) + " hits";
  if (failure) out += "<p>" + escape(failure->message);
  return out;
}

std::string article_page(const Article& a) {
  return "<!doctype html><title>" + escape(a.title) + "</title><pre>" + escape(a.body) + "</pre>";
}

std::string error_page(int status, std::string_view message) {
  return "<!doctype html><title>" + std::to_string(status) + "</title><p>" + escape(message);
}

std::unique_ptr<ResultPrinter> make_result_printer(const PrintOptions&) {
  return nullptr;
}

const Asset* find_asset(std::string_view) {
  return nullptr;
}

}  // namespace oly::html
