// The web page: the search page (server-rendered, so it works without JavaScript), an
// article's page, error pages and the assets (CSS, a little JavaScript) compiled into the
// binary. Every text from an article or a request is escaped here and nowhere else.
#pragma once

#include <cstddef>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "printer.h"
#include "search.h"

namespace oly::html {

// `text` safe inside HTML text and inside a double- or single-quoted attribute value.
std::string escape(std::string_view text);

// `text` escaped, with each range (byte offsets into `text`) in <mark>. Ranges are made
// safe first: clamped to the text, widened to whole characters, sorted and merged.
std::string mark(std::string_view text, const std::vector<ByteRange>& ranges);

// Whether `url` may be a link: http:// or https:// (any case) followed by something, and
// no whitespace or control character (never javascript:, data:, ...).
bool is_web_url(std::string_view url);

// "/view/" + the percent-encoded id (every byte but A-Z a-z 0-9 - . _ ~, so `/` is %2F).
std::string article_url(std::string_view id);

// What the search form asks (the query string of GET /).
struct PageState {
  std::string q;
  std::size_t page = 1;  // 1-based
  std::size_t per_page = 10;
  std::string sort;          // "" (relevance), "date" or "-date"
  std::string since, until;  // as typed (YYYY[-MM[-DD]])
  std::string lang;          // query stemming language, "" = all
};

// The search page's URL for `state` at `page` (1-based): q always, the other fields when
// not empty, page when > 1; every value percent-encoded. Not yet HTML-escaped.
std::string page_url(const PageState& state, std::size_t page);

// The query text that filters on facet `facet`'s `value` (core/facets.h): `country:JPN`,
// `games:tokyo-2020`, `date:2021`, `date:2021-08`, `lang:fr`, `source:"Le Monde"`,
// `tag:"track and field"`. nullopt when the query language cannot say it exactly (a value
// with a double quote, a control character, an unknown facet): no link then, not a wrong one.
std::optional<std::string> facet_filter(std::string_view facet, std::string_view value);

// `query` narrowed by `filter`: appended, or after `(query)` when the query has an OR
// (appending to `a OR b` would bind to `b` only).
std::string with_filter(std::string_view query, std::string_view filter);

// The whole search page: the form filled in from `state`; then the results (`result` not
// null), or the failure (`failure` not null), or nothing when `state.q` is empty. Paging
// links keep every field of `state`. The result's facets follow the hits, each value a link
// to the first page of the query narrowed by it.
std::string search_page(const PageState& state, const SearchResult* result,
                        const RequestFailure* failure);
// The printer behind make_printer(OutputFormat::kHtml): result() writes the results part
// of the search page (the count line and the list of hits, highlights from their ranges),
// failure() an error box. search_page() uses it for its results.
std::unique_ptr<ResultPrinter> make_result_printer(const PrintOptions& options);

// A stored article (title, date, source, language, tags, link to its url, whole body).
std::string article_page(const Article& a);
// A page for an HTTP error (404, 400, 503, ...), with a link back to the search page.
std::string error_page(int status, std::string_view message);

// An asset compiled into the binary, served at /assets/NAME.
struct Asset {
  std::string_view content_type;
  std::string_view body;
};
// nullptr for any other name (nothing is ever read from the disk).
const Asset* find_asset(std::string_view name);

}  // namespace oly::html
