#include "html.h"

#include "display_safe.h"

#include <fmt/format.h>
#include <unicode/utf8.h>

#include <algorithm>
#include <cstdint>
#include <limits>
#include <ostream>
#include <sstream>
#include <tuple>
#include <vector>

#include "utf8.h"

namespace oly::html {
namespace embedded {
// front/embed_assets.cmake writes these from front/assets/ at build time.
struct File {
  const char* name;
  const unsigned char* data;
  std::size_t size;
};
extern const File kFiles[];
extern const std::size_t kFileCount;
}  // namespace embedded

namespace {

// Appends code point `c` (which was `raw` in the input) in its HTML-safe form.
void append_char(std::string& out, UChar32 c, std::string_view raw) {
  switch (c) {
    case '&':
      out += "&amp;";
      return;
    case '<':
      out += "&lt;";
      return;
    case '>':
      out += "&gt;";
      return;
    case '"':
      out += "&quot;";
      return;
    case '\'':
      out += "&#39;";
      return;
    case '\t':
    case '\n':
    case '\r':
      out += raw;
      return;
    default:
      break;
  }
  // NUL and most C0 controls are parse errors in HTML (NUL is dropped or replaced by the
  // browser); C1 controls are invisible; a bidi override would make the rest of a title or
  // the page read differently from its bytes. Shown, not obeyed (as in the text output).
  if (std::optional<std::string> shown = shown_control(static_cast<char32_t>(c))) {
    for (char ch : *shown) out += ch == '<' ? "&lt;" : ch == '>' ? "&gt;" : std::string(1, ch);
  } else {
    out += raw;
  }
}

// Index of the first byte at or after `pos` that starts a character (or the size).
std::size_t utf8_ceil(std::string_view s, std::size_t pos) {
  while (pos < s.size() && (static_cast<unsigned char>(s[pos]) & 0xC0) == 0x80) ++pos;
  return std::min(pos, s.size());
}

// The ranges made safe for `text`: clamped to it, widened to whole characters, sorted,
// merged when they overlap or touch, empty ones dropped. Ranges come from the index and
// the snippet builder; a bad one must cost a highlight, never broken markup.
std::vector<ByteRange> clean_ranges(std::string_view text, std::vector<ByteRange> ranges) {
  std::vector<ByteRange> out;
  std::sort(ranges.begin(), ranges.end(),
            [](const ByteRange& a, const ByteRange& b) { return a.begin < b.begin; });
  for (const ByteRange& r : ranges) {
    std::size_t b = std::min<std::size_t>(r.begin, text.size());
    std::size_t e = std::min<std::size_t>(r.end, text.size());
    if (e <= b) continue;
    b = utf8_floor(text, b);
    e = utf8_ceil(text, e);
    if (!out.empty() && b <= out.back().end) {
      out.back().end = std::max<uint32_t>(out.back().end, static_cast<uint32_t>(e));
    } else {
      out.push_back({static_cast<uint32_t>(b), static_cast<uint32_t>(e)});
    }
  }
  return out;
}

// RFC 3986 percent-encoding of every byte but the unreserved ones, for a path segment or
// a query-string value (so `/`, `&`, `=`, `#`, `?` and `+` inside a value stay inside it).
std::string percent_encode(std::string_view s) {
  std::string out;
  for (unsigned char c : s) {
    if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' ||
        c == '.' || c == '_' || c == '~') {
      out += static_cast<char>(c);
    } else {
      out += fmt::format("%{:02X}", c);
    }
  }
  return out;
}

// "1,234": totals are read by people.
std::string thousands(std::size_t n) {
  std::string digits = std::to_string(n);
  std::string out;
  for (std::size_t i = 0; i < digits.size(); ++i) {
    if (i > 0 && (digits.size() - i) % 3 == 0) out += ',';
    out += digits[i];
  }
  return out;
}

// ` lang="xx"` for an article's text (screen readers, hyphenation and the CJK font choice
// follow it), or nothing when the article has no language of its own.
std::string lang_attr(std::string_view code) {
  return code.empty() ? std::string() : " lang=\"" + escape(code) + "\"";
}

std::string language_name(std::string_view code) {
  return code.empty() ? std::string("default language") : std::string(code);
}

std::string facet_heading(std::string_view name) {
  static const std::pair<std::string_view, std::string_view> kNames[] = {
      {"source", "Source"}, {"year", "Year"},   {"month", "Month"},    {"lang", "Language"},
      {"tags", "Tags"},     {"games", "Games"}, {"country", "Country"}};
  for (const auto& [n, heading] : kNames) {
    if (n == name) return std::string(heading);
  }
  return std::string(name);
}

}  // namespace

std::string escape(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  const auto* p = reinterpret_cast<const uint8_t*>(text.data());
  const auto n = static_cast<std::ptrdiff_t>(text.size());
  std::ptrdiff_t i = 0;
  while (i < n) {
    const std::ptrdiff_t start = i;
    UChar32 c;
    U8_NEXT(p, i, n, c);
    if (c < 0) {
      out += "\uFFFD";  // invalid UTF-8: one replacement character per bad sequence
    } else {
      append_char(out, c, text.substr(start, i - start));
    }
  }
  return out;
}

std::string mark(std::string_view text, const std::vector<ByteRange>& ranges) {
  std::string out;
  std::size_t at = 0;
  for (const ByteRange& r : clean_ranges(text, ranges)) {
    out += escape(text.substr(at, r.begin - at));
    out += "<mark>";
    out += escape(text.substr(r.begin, r.end - r.begin));
    out += "</mark>";
    at = r.end;
  }
  out += escape(text.substr(at));
  return out;
}

std::optional<std::string> facet_filter(std::string_view facet, std::string_view value) {
  static const std::pair<std::string_view, std::string_view> kFields[] = {
      {"source", "from"}, {"year", "date"},   {"month", "date"},     {"lang", "lang"},
      {"tags", "tag"},    {"games", "games"}, {"country", "country"}};
  std::string_view field;
  for (const auto& [f, name] : kFields) {
    if (f == facet) field = name;
  }
  // The query language has no escape inside quotes; a control character is not typed.
  // A blank value is none (its filter would be a query error).
  const bool sayable = value.find_first_not_of(" \t") != std::string_view::npos &&
                       std::none_of(value.begin(), value.end(), [](char c) {
                         return c == '"' || static_cast<unsigned char>(c) < 0x20 || c == 0x7F;
                       });
  if (field.empty() || !sayable) return std::nullopt;
  // Codes and slugs are single words; a source or a tag is quoted, so that spaces,
  // parentheses, a trailing `*` or a colon stay part of it.
  const bool bare = std::all_of(value.begin(), value.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-';
  });
  const bool quote = facet == "source" || facet == "tags" || !bare;
  return std::string(field) + ":" + (quote ? "\"" + std::string(value) + "\"" : std::string(value));
}

std::string with_filter(std::string_view query, std::string_view filter) {
  bool has_or = false;
  std::size_t at = 0;
  while (at < query.size()) {
    const std::size_t end = std::min(query.find_first_of(" \t\n\r\f()\"", at), query.size());
    if (query.substr(at, end - at) == "OR") has_or = true;
    at = end + 1;
  }
  const std::string q(query);
  return (has_or ? "(" + q + ")" : q) + " " + std::string(filter);
}

std::string page_url(const PageState& state, std::size_t page) {
  std::string url = "/?q=" + percent_encode(state.q);
  if (!state.sort.empty()) url += "&sort=" + percent_encode(state.sort);
  if (!state.since.empty()) url += "&since=" + percent_encode(state.since);
  if (!state.until.empty()) url += "&until=" + percent_encode(state.until);
  if (!state.lang.empty()) url += "&lang=" + percent_encode(state.lang);
  if (page > 1) url += "&page=" + std::to_string(page);
  return url;
}

std::string article_url(std::string_view id) {
  return "/view/" + percent_encode(id);
}

bool is_web_url(std::string_view url) {
  auto starts = [&](std::string_view prefix) {
    if (url.size() <= prefix.size()) return false;  // a scheme alone is no link
    for (std::size_t i = 0; i < prefix.size(); ++i) {
      char c = url[i];
      if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
      if (c != prefix[i]) return false;
    }
    return true;
  };
  if (!starts("http://") && !starts("https://")) return false;
  // Browsers drop tabs and line breaks inside a URL and stop at spaces: such a url is
  // shown as text, not linked to something other than what it says.
  return std::none_of(url.begin(), url.end(),
                      [](char c) { return static_cast<unsigned char>(c) <= 0x20 || c == 0x7F; });
}

namespace {

// The start of every page: CSP-friendly (no inline script or style: the assets are files).
std::string page_head(std::string_view title) {
  std::string out =
      "<!doctype html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
      "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
      "<meta name=\"referrer\" content=\"no-referrer\">\n<title>";
  out += escape(title);
  out +=
      "</title>\n<link rel=\"stylesheet\" href=\"/assets/style.css\">\n"
      "<script src=\"/assets/search.js\" defer></script>\n</head>\n<body>\n";
  return out;
}

constexpr std::string_view kPageEnd = "</body>\n</html>\n";

void option(std::string& out, std::string_view value, std::string_view label,
            std::string_view selected) {
  out += "<option value=\"" + escape(value) + "\"";
  if (value == selected) out += " selected";
  out += ">" + escape(label) + "</option>";
}

// The search form: a plain GET form, so the page works without JavaScript.
std::string search_form(const PageState& s) {
  std::string out =
      "<header class=\"top\">\n<form class=\"search\" method=\"get\" action=\"/\" "
      "role=\"search\">\n<div class=\"row\"><a class=\"home\" href=\"/\">Olympic news</a>"
      "<input id=\"q\" type=\"search\" name=\"q\" aria-label=\"Search\" "
      "placeholder=\"Search Olympic news\" autocomplete=\"off\" value=\"";
  out += escape(s.q);
  out += "\"><button type=\"submit\">Search</button></div>\n<div class=\"row filters\">";
  out += "<label>Sort <select name=\"sort\">";
  option(out, "", "relevance", s.sort);
  option(out, "-date", "date, newest first", s.sort);
  option(out, "date", "date, oldest first", s.sort);
  if (s.sort != "" && s.sort != "date" && s.sort != "-date") option(out, s.sort, s.sort, s.sort);
  out += "</select></label>";
  for (auto [name, label, value] :
       {std::tuple{"since", "From", &s.since}, std::tuple{"until", "To", &s.until}}) {
    out += fmt::format(
        "<label>{} <input type=\"text\" name=\"{}\" value=\"{}\" size=\"10\" "
        "inputmode=\"numeric\" placeholder=\"YYYY-MM-DD\"></label>",
        label, name, escape(*value));
  }
  out += "<label>Language <input type=\"text\" name=\"lang\" value=\"" + escape(s.lang) +
         "\" size=\"6\" placeholder=\"all\"></label>";
  out += "</div>\n</form>\n</header>\n";
  return out;
}

// Byte offset in `q` of 1-based character `column`, counted as the query parser counts
// (every byte that is not a UTF-8 continuation byte starts a character).
std::size_t column_byte(std::string_view q, std::size_t column) {
  std::size_t chars = 1, i = 0;
  for (; i < q.size(); ++i) {
    if ((static_cast<unsigned char>(q[i]) & 0xC0) == 0x80) continue;
    if (chars == column) return i;
    ++chars;
  }
  return q.size();
}

// The query with a caret under `column`. The caret line repeats the query's start as
// invisible text, so the caret lines up whatever the characters' widths (CJK, tabs).
std::string caret_block(std::string_view q, std::size_t column) {
  const std::size_t at = column_byte(q, std::max<std::size_t>(column, 1));
  const std::size_t next = at < q.size() ? utf8_ceil(q, at + 1) : at;
  std::string out = "<pre class=\"caret\"><code>" + escape(q.substr(0, at));
  out += "<mark>" + escape(q.substr(at, next - at)) + "</mark>" + escape(q.substr(next));
  out += "\n<span class=\"pad\" aria-hidden=\"true\">" + escape(q.substr(0, at)) +
         "</span>^</code></pre>\n";
  return out;
}

class HtmlPrinter : public ResultPrinter {
 public:
  HtmlPrinter(const PrintOptions& options, const PageState* state)
      : options_(options), state_(state) {}

  void result(std::ostream& out, const SearchResult& r, const PrintContext&) override {
    out << summary(r);
    if (!r.hits.empty()) {
      out << "<ol class=\"hits\" start=\"" << r.hits.front().rank << "\">\n";
      for (const Hit& h : r.hits) out << hit(h);
      out << "</ol>\n";
    }
    if (state_) out << paging(r) << facets(r);
  }

  void failure(std::ostream& out, const RequestFailure& f, const PrintContext&) override {
    out << "<section class=\"error\" role=\"alert\">\n<h2>";
    switch (f.kind) {
      case RequestFailure::Kind::kSyntax:
        out << "Query error";
        break;
      case RequestFailure::Kind::kRequest:
        out << "Bad request";
        break;
      case RequestFailure::Kind::kIndex:
        out << "The index cannot answer";
        break;
    }
    out << "</h2>\n<p>";
    if (f.column) out << "At column " << *f.column << ": ";
    out << escape(f.message) << "</p>\n";
    if (f.column && state_) out << caret_block(state_->q, *f.column);
    out << "</section>\n";
  }

 private:
  std::string summary(const SearchResult& r) const;
  std::string hit(const Hit& h) const;
  std::string paging(const SearchResult& r) const;
  std::string facets(const SearchResult& r) const;

  PrintOptions options_;
  const PageState* state_;  // the form's fields, for paging links; null: no paging
};

std::string HtmlPrinter::summary(const SearchResult& r) const {
  std::string out;
  if (!r.shards_failed.empty()) {
    out += fmt::format(
        "<p class=\"warning\" role=\"alert\">{} of {} index shards did not answer: these "
        "results are incomplete.</p>\n",
        r.shards_failed.size(), r.shards_total);
  }
  const std::string about = r.total_is_exact() ? "" : "about ";
  const std::size_t total = r.estimated;
  if (r.hits.empty() && total == 0) {
    out += "<p class=\"count none\">No results for <q>" + escape(r.query) + "</q>.</p>\n";
  } else if (r.hits.empty()) {
    out += "<p class=\"count none\">No results on this page: the query has " + about +
           thousands(total) + (total == 1 ? " result" : " results") + ".";
    if (state_) out += " <a href=\"" + escape(page_url(*state_, 1)) + "\">First page</a>";
    out += "</p>\n";
  } else {
    const std::size_t first = r.hits.front().rank, last = r.hits.back().rank;
    out += fmt::format("<p class=\"count\">Results {}&ndash;{} of {}{}</p>\n", thousands(first),
                       thousands(last), about, thousands(total));
  }
  // Did you mean: a link to the rewritten query with the same form fields, never applied.
  if (!r.suggestion.empty()) {
    out += "<p class=\"suggestion\">Did you mean: ";
    if (state_) {
      PageState s = *state_;
      s.q = r.suggestion;
      out += "<a href=\"" + escape(page_url(s, 1)) + "\">" + escape(r.suggestion) + "</a>";
    } else {
      out += "<q>" + escape(r.suggestion) + "</q>";
    }
    out += "?</p>\n";
  }
  if (!r.understood.empty()) {
    out += "<details class=\"understood\"><summary>How the query was read</summary><code>" +
           escape(r.understood) + "</code></details>\n";
  }
  return out;
}

std::string HtmlPrinter::hit(const Hit& h) const {
  const Article& a = h.article;
  std::string out = "<li class=\"hit\">\n<h2 class=\"title\"" + lang_attr(a.lang) + "><a href=\"";
  out += escape(article_url(a.id)) + "\">";
  // An untitled article shows its first sentence, which has no highlight ranges.
  out += a.title.empty() ? escape(display_title(a)) : mark(a.title, h.title_highlights);
  out += "</a></h2>\n<p class=\"meta\">";
  std::vector<std::string> meta;
  if (!a.date.empty()) meta.push_back("<time>" + escape(a.date) + "</time>");
  if (!a.source.empty()) meta.push_back("<span class=\"source\">" + escape(a.source) + "</span>");
  meta.push_back("<span class=\"lang\">" + escape(language_name(a.lang)) + "</span>");
  for (std::size_t i = 0; i < meta.size(); ++i) out += (i ? " &middot; " : "") + meta[i];
  out += "</p>\n";
  if (options_.snippets && !h.snippet.text.empty()) {
    out += "<p class=\"snippet\"" + lang_attr(a.lang) + ">" +
           mark(h.snippet.text, h.snippet.highlights) + "</p>\n";
  }
  out += "</li>\n";
  return out;
}

// Previous/next links that keep every field. No page 0, and no next page when this one
// reaches the end (an exact total), or came back short (an estimate).
std::string HtmlPrinter::paging(const SearchResult& r) const {
  const std::size_t page = std::max<std::size_t>(state_->page, 1);
  const std::size_t per = std::max<std::size_t>(state_->per_page, 1);
  const std::size_t shown_end = r.hits.empty() ? 0 : r.hits.back().rank;
  const bool prev = page > 1 && !r.hits.empty();
  const bool next = r.hits.size() == per && shown_end < r.estimated &&
                    page < std::numeric_limits<std::size_t>::max();
  if (!prev && !next) return "";
  std::string out = "<nav class=\"paging\" aria-label=\"Pages\">";
  if (prev) {
    out +=
        "<a rel=\"prev\" href=\"" + escape(page_url(*state_, page - 1)) + "\">&larr; Previous</a>";
  }
  out += "<span class=\"page\">Page " + thousands(page) + "</span>";
  if (next) {
    out += "<a rel=\"next\" href=\"" + escape(page_url(*state_, page + 1)) + "\">Next &rarr;</a>";
  }
  out += "</nav>\n";
  return out;
}

// Each facet a list of links that narrow the query (page 1: the old page number means
// nothing for fewer results). Plain HTML, so it works without JavaScript.
std::string HtmlPrinter::facets(const SearchResult& r) const {
  std::string out;
  for (const FacetCounts& f : r.facets) {
    if (f.values.empty()) continue;
    out += "<section class=\"facet\"><h2>" + escape(facet_heading(f.name)) + "</h2>\n<ul>\n";
    for (const FacetValue& v : f.values) {
      const std::string label = escape(v.label.empty() ? v.value : v.label);
      const std::string count = (f.estimated ? "about " : "") + thousands(v.count);
      out += "<li>";
      if (const std::optional<std::string> filter = facet_filter(f.name, v.value)) {
        PageState narrowed = *state_;
        narrowed.q = with_filter(state_->q, *filter);
        out += "<a href=\"" + escape(page_url(narrowed, 1)) + "\">" + label + "</a>";
      } else {
        out += "<span>" + label + "</span>";
      }
      out += " <span class=\"count\">" + count + "</span></li>\n";
    }
    if (f.distinct > f.values.size()) {
      out += "<li class=\"more\">and " + thousands(f.distinct - f.values.size()) + " more</li>\n";
    }
    out += "</ul></section>\n";
  }
  if (out.empty()) return out;
  return "<aside class=\"facets\" aria-label=\"Narrow the results\">\n" + out + "</aside>\n";
}

// The body as paragraphs: a blank line (or one of spaces, tabs, CRs) separates them; a
// single line break stays one (<br>). \r\n and \n bodies give the same page.
std::string paragraphs(std::string_view body) {
  std::string out, para;
  auto flush = [&] {
    if (!para.empty()) out += "<p>" + para + "</p>\n";
    para.clear();
  };
  std::size_t at = 0;
  while (at <= body.size()) {
    const std::size_t nl = std::min(body.find('\n', at), body.size());
    std::string_view line = body.substr(at, nl - at);
    at = nl + 1;
    while (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (line.find_first_not_of(" \t\r") == std::string_view::npos) {
      flush();
      continue;
    }
    if (!para.empty()) para += "<br>\n";
    para += escape(line);
  }
  flush();
  return out;
}

}  // namespace

std::unique_ptr<ResultPrinter> make_result_printer(const PrintOptions& options) {
  return std::make_unique<HtmlPrinter>(options, nullptr);
}

std::string search_page(const PageState& state, const SearchResult* result,
                        const RequestFailure* failure) {
  std::string out = page_head(state.q.empty() ? std::string("Olympic news search")
                                              : state.q + " \u2013 Olympic news search");
  out += search_form(state);
  out += "<main>\n";
  HtmlPrinter printer(PrintOptions{}, &state);
  std::ostringstream body;
  if (failure) {
    printer.failure(body, *failure, PrintContext{});
  } else if (result) {
    printer.result(body, *result, PrintContext{});
  }
  out += body.str();
  out += "</main>\n";
  out += kPageEnd;
  return out;
}

std::string article_page(const Article& a) {
  const std::string title = display_title(a);
  std::string out = page_head(title + " \u2013 Olympic news search");
  out += search_form(PageState{});
  out += "<main>\n<article class=\"article\">\n<h1" + lang_attr(a.lang) + ">" + escape(title) +
         "</h1>\n";
  out += "<dl class=\"meta\">";
  auto row = [&](std::string_view name, const std::string& html) {
    out += "<dt>" + std::string(name) + "</dt><dd>" + html + "</dd>";
  };
  row("Date", a.date.empty() ? std::string("unknown") : "<time>" + escape(a.date) + "</time>");
  if (!a.source.empty()) row("Source", escape(a.source));
  row("Language", escape(language_name(a.lang)));
  if (!a.tags.empty()) {
    std::string tags;
    for (const std::string& t : a.tags) tags += "<span class=\"tag\">" + escape(t) + "</span> ";
    row("Tags", tags);
  }
  if (!a.url.empty()) {
    // Only http(s) is a link: a javascript: or data: url from an article must not run.
    row("Link", is_web_url(a.url)
                    ? "<a href=\"" + escape(a.url) + "\" rel=\"noopener noreferrer nofollow\">" +
                          escape(a.url) + "</a>"
                    : "<span class=\"url\">" + escape(a.url) + "</span>");
  }
  row("Id", "<code>" + escape(a.id) + "</code>");
  out += "</dl>\n<div class=\"body\"" + lang_attr(a.lang) + ">\n" + paragraphs(a.body) +
         "</div>\n</article>\n";
  out += "</main>\n";
  out += kPageEnd;
  return out;
}

std::string error_page(int status, std::string_view message) {
  std::string out = page_head(fmt::format("{} \u2013 Olympic news search", status));
  out += search_form(PageState{});
  out += fmt::format(
      "<main>\n<section class=\"error\" role=\"alert\">\n<h1>Error {}</h1>\n<p>{}</p>\n"
      "<p><a href=\"/\">Back to the search page</a></p>\n</section>\n</main>\n",
      status, escape(message));
  out += kPageEnd;
  return out;
}

namespace {
std::string_view content_type(std::string_view name) {
  if (name.ends_with(".css")) return "text/css; charset=utf-8";
  if (name.ends_with(".js")) return "text/javascript; charset=utf-8";
  return "application/octet-stream";
}

struct NamedAsset {
  std::string_view name;
  Asset asset;
};

const std::vector<NamedAsset>& assets() {
  static const std::vector<NamedAsset> all = [] {
    std::vector<NamedAsset> v;
    for (std::size_t i = 0; i < embedded::kFileCount; ++i) {
      const embedded::File& f = embedded::kFiles[i];
      std::string_view body(reinterpret_cast<const char*>(f.data), f.size);
      v.push_back({f.name, Asset{content_type(f.name), body}});
    }
    return v;
  }();
  return all;
}
}  // namespace

const Asset* find_asset(std::string_view name) {
  // An exact name from the fixed table: no path is built from `name`, so `../x`, `%2e`,
  // or an absolute path can only miss.
  for (const NamedAsset& a : assets()) {
    if (a.name == name) return &a.asset;
  }
  return nullptr;
}

}  // namespace oly::html
