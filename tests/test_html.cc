// The web page (front/html.h): every text from an article or a request is escaped, the
// highlight ranges never break the markup, paging links keep the form's fields and stay
// inside the results, only http(s) urls are links, estimates say "about", a syntax error
// shows its column. Table-driven: a new text class is a new row.
#include "html.h"

#include <catch2/catch.hpp>
#include <cstdint>
#include <limits>
#include <regex>
#include <sstream>
#include <string>
#include <vector>

#include "utf8.h"

namespace {

using oly::ByteRange;
using oly::html::PageState;

// No raw markup character of `s` may survive escaping, and the result is valid UTF-8.
void check_inert(const std::string& out) {
  CHECK(out.find('<') == std::string::npos);
  CHECK(out.find('>') == std::string::npos);
  CHECK(out.find('"') == std::string::npos);
  CHECK(out.find('\'') == std::string::npos);
  CHECK(out.find('\0') == std::string::npos);
  CHECK(oly::find_invalid_utf8(out) == std::string::npos);
  // Every & starts one of our entities.
  static const std::regex bare_amp("&(?!(amp|lt|gt|quot|#39);)");
  CHECK_FALSE(std::regex_search(out, bare_amp));
}

oly::Hit make_hit(std::size_t rank, std::string id, std::string title) {
  oly::Hit h;
  h.rank = rank;
  h.article.id = std::move(id);
  h.article.title = std::move(title);
  h.article.date = "2024-08-04";
  h.article.source = "Olympic Desk";
  h.article.lang = "en";
  h.snippet.text = "Usain Bolt won the 100 metres";
  h.snippet.highlights = {{0, 5}};
  return h;
}

// A result page: hits ranked first..first+count-1, of `total` matches.
oly::SearchResult make_result(std::size_t first, std::size_t count, std::size_t total,
                              bool exact = true) {
  oly::SearchResult r;
  r.query = "bolt";
  r.understood = "\"bolt\"|stem:bolt";
  for (std::size_t i = 0; i < count; ++i) {
    r.hits.push_back(make_hit(first + i, "id" + std::to_string(first + i), "Bolt wins"));
  }
  r.estimated = static_cast<Xapian::doccount>(total);
  r.lower_bound = r.estimated;
  r.upper_bound = exact ? r.estimated : r.estimated * 2;
  r.shards_total = 1;
  return r;
}

std::size_t count_of(const std::string& hay, const std::string& needle) {
  std::size_t n = 0;
  for (auto at = hay.find(needle); at != std::string::npos; at = hay.find(needle, at + 1)) ++n;
  return n;
}

}  // namespace

TEST_CASE("escape: markup, quotes, controls and bad UTF-8 become inert text", "[html]") {
  struct Row {
    std::string in, out;
  };
  const std::vector<Row> rows = {
      {"<script>alert(1)</script>", "&lt;script&gt;alert(1)&lt;/script&gt;"},
      {"\"><img src=x onerror=alert(1)>", "&quot;&gt;&lt;img src=x onerror=alert(1)&gt;"},
      {"'><svg onload=alert(1)>", "&#39;&gt;&lt;svg onload=alert(1)&gt;"},
      {"it's", "it&#39;s"},
      {"AT&T", "AT&amp;T"},
      {"&amp; &lt;", "&amp;amp; &amp;lt;"},
      {std::string("a\0b", 3), "a\u2400b"},  // NUL: its control picture
      {"\x1b[31mred", "\u241b[31mred"},
      {"\x7f", "\u2421"},
      {"\xc2\x85", "&lt;U+0085&gt;"},            // C1 NEL
      {"abc\u202edef", "abc&lt;U+202E&gt;def"},  // right-to-left override
      {"\u2066x\u2069", "&lt;U+2066&gt;x&lt;U+2069&gt;"},
      {"\xff", "\ufffd"},
      {"ab\xc3", "ab\ufffd"},        // cut multibyte sequence at the end
      {"\xc0\xbc", "\ufffd\ufffd"},  // overlong '<' must not become '<'
      {"tab\there\nline\r", "tab\there\nline\r"},
      {"Angèle 東京 Straße", "Angèle 東京 Straße"},
      {"", ""},
  };
  for (const Row& r : rows) {
    CAPTURE(r.in);
    const std::string out = oly::html::escape(r.in);
    CHECK(out == r.out);
    check_inert(out);
  }
}

TEST_CASE("mark: highlight ranges over multibyte text and bad ranges", "[html]") {
  constexpr uint32_t kMax = std::numeric_limits<uint32_t>::max();
  struct Row {
    std::string text;
    std::vector<ByteRange> ranges;
    std::string out;
  };
  const std::vector<Row> rows = {
      {"Usain Bolt", {{0, 5}}, "<mark>Usain</mark> Bolt"},
      {"Angèle wins", {{0, 7}}, "<mark>Angèle</mark> wins"},
      {"Angèle", {{0, 4}}, "<mark>Angè</mark>le"},                      // end inside è: widened
      {"Angèle", {{4, 6}}, "Ang<mark>èl</mark>e"},                      // begin inside è: widened
      {"東京オリンピック", {{1, 4}}, "<mark>東京</mark>オリンピック"},  // both ends inside
      {"abc", {{2, 100}}, "ab<mark>c</mark>"},                          // end past the text
      {"abc", {{10, 20}}, "abc"},                                       // wholly past the text
      {"abc", {{0, kMax}}, "<mark>abc</mark>"},
      {"abc", {{3, 1}}, "abc"},                                          // reversed
      {"abc", {{1, 1}}, "abc"},                                          // empty
      {"abcdef", {{0, 3}, {2, 5}}, "<mark>abcde</mark>f"},               // overlapping: merged
      {"abcdef", {{4, 5}, {0, 1}}, "<mark>a</mark>bcd<mark>e</mark>f"},  // unsorted
      {"a<b>&c", {{0, 3}}, "<mark>a&lt;b</mark>&gt;&amp;c"},
      {"\xff"
       "ab",
       {{0, 1}},
       "<mark>\ufffd</mark>ab"},
      {"", {{0, 3}}, ""},
  };
  for (const Row& r : rows) {
    CAPTURE(r.text);
    const std::string out = oly::html::mark(r.text, r.ranges);
    CHECK(out == r.out);
    CHECK(oly::find_invalid_utf8(out) == std::string::npos);
    CHECK(count_of(out, "<mark>") == count_of(out, "</mark>"));
  }
}

TEST_CASE("paging links keep every field, percent-encoded, within the results", "[html]") {
  PageState st;
  st.q = "bolt & lewis/100m \"x\" é";
  st.sort = "-date";
  st.since = "2024";
  st.until = "2024-08";
  st.lang = "fr";
  st.per_page = 2;
  const std::string fields =
      "/?q=bolt%20%26%20lewis%2F100m%20%22x%22%20%C3%A9&amp;sort=-date&amp;since=2024&amp;"
      "until=2024-08&amp;lang=fr";
  struct Row {
    std::size_t page, first, count, total;
    bool exact;
    bool prev, next;
  };
  const std::vector<Row> rows = {
      {1, 1, 2, 10, true, false, true},  // first page: no page 0
      {2, 3, 2, 10, true, true, true},
      {5, 9, 2, 10, true, true, false},     // last page: nothing past the end
      {3, 5, 1, 5, true, true, false},      // short last page
      {1, 1, 2, 2, true, false, false},     // one full page is everything
      {7, 13, 0, 10, true, false, false},   // past the end (typed URL): no prev/next
      {2, 3, 2, 1000, false, true, true},   // an estimate: next while pages are full
      {4, 7, 1, 1000, false, true, false},  // an estimate that came back short
  };
  for (const Row& r : rows) {
    CAPTURE(r.page, r.first, r.count, r.total, r.exact);
    st.page = r.page;
    const auto res = make_result(r.first, r.count, r.total, r.exact);
    const std::string page = oly::html::search_page(st, &res, nullptr);
    CHECK((page.find("rel=\"prev\"") != std::string::npos) == r.prev);
    CHECK((page.find("rel=\"next\"") != std::string::npos) == r.next);
    if (r.prev) {
      const std::string want =
          r.page == 2 ? fields : fields + "&amp;page=" + std::to_string(r.page - 1);
      CHECK(page.find("rel=\"prev\" href=\"" + want + "\"") != std::string::npos);
    }
    if (r.next) {
      CHECK(page.find("rel=\"next\" href=\"" + fields + "&amp;page=" + std::to_string(r.page + 1) +
                      "\"") != std::string::npos);
    }
    CHECK(page.find("page=0") == std::string::npos);
    // A page past the end says so and links to the first page.
    CHECK((page.find(">First page</a>") != std::string::npos) == (r.count == 0));
    CHECK(page.find("page=1\"") == std::string::npos);  // page 1 is the URL without page=
    // The form is filled in from the state, escaped.
    CHECK(page.find("value=\"bolt &amp; lewis/100m &quot;x&quot; é\"") != std::string::npos);
    CHECK(page.find("<option value=\"-date\" selected>") != std::string::npos);
  }
}

TEST_CASE("the count says 'about' for an estimate and never for an exact total", "[html]") {
  PageState st;
  st.q = "bolt";
  const auto exact = make_result(1, 10, 1234);
  const auto estimate = make_result(1, 10, 12345, false);
  const std::string a = oly::html::search_page(st, &exact, nullptr);
  const std::string b = oly::html::search_page(st, &estimate, nullptr);
  CHECK(a.find("Results 1&ndash;10 of 1,234<") != std::string::npos);
  CHECK(a.find("about") == std::string::npos);
  CHECK(b.find("Results 1&ndash;10 of about 12,345<") != std::string::npos);

  const auto none = make_result(1, 0, 0);
  const std::string c = oly::html::search_page(st, &none, nullptr);
  CHECK(c.find("No results for <q>bolt</q>") != std::string::npos);
  CHECK(c.find("<ol") == std::string::npos);
}

TEST_CASE("hits: titles and snippets marked and escaped, links percent-encoded", "[html]") {
  PageState st;
  st.q = "bolt";
  auto res = make_result(1, 0, 3);
  auto xss = make_hit(1, "corpus/x?.txt", "<script>alert(1)</script> Bolt\"");
  xss.title_highlights = {{26, 30}};  // "Bolt"
  xss.snippet.text = "<img src=x onerror=alert(1)> Bolt";
  xss.snippet.highlights = {{29, 33}};
  xss.article.source = "<b>desk</b>";
  res.hits.push_back(xss);
  auto untitled = make_hit(2, "h00ff", "");
  untitled.article.body = "Bolt <i>ran</i>. Then more.";
  untitled.title_highlights = {{0, 4}};  // into the empty title: must be ignored
  res.hits.push_back(untitled);
  auto cjk = make_hit(3, "東京/1", "東京オリンピック");
  cjk.title_highlights = {{0, 3}, {7, 100}};  // the second cuts a character, runs past the end
  res.hits.push_back(cjk);

  const std::string page = oly::html::search_page(st, &res, nullptr);
  CHECK(page.find("<script>alert") == std::string::npos);
  CHECK(page.find("<img") == std::string::npos);
  CHECK(page.find("<b>") == std::string::npos);
  CHECK(page.find("&lt;script&gt;alert(1)&lt;/script&gt; <mark>Bolt</mark>&quot;") !=
        std::string::npos);
  CHECK(page.find("onerror=alert(1)&gt; <mark>Bolt</mark>") != std::string::npos);
  CHECK(page.find("href=\"/view/corpus%2Fx%3F.txt\"") != std::string::npos);
  CHECK(page.find(">Bolt &lt;i&gt;ran&lt;/i&gt;.</a>") != std::string::npos);
  CHECK(page.find("href=\"/view/%E6%9D%B1%E4%BA%AC%2F1\"") != std::string::npos);
  CHECK(page.find("<mark>東</mark>京<mark>オリンピック</mark>") != std::string::npos);
  CHECK(page.find("<ol class=\"hits\" start=\"1\">") != std::string::npos);
  CHECK(oly::find_invalid_utf8(page) == std::string::npos);
}

TEST_CASE("snippets off: no snippet paragraph", "[html]") {
  auto p = oly::html::make_result_printer(oly::PrintOptions{false, false});
  REQUIRE(p);
  std::ostringstream out;
  p->result(out, make_result(1, 1, 1), oly::PrintContext{});
  CHECK(out.str().find("class=\"snippet\"") == std::string::npos);
  CHECK(out.str().find("<mark>Bolt</mark>") == std::string::npos);
  std::ostringstream with;
  oly::html::make_result_printer(oly::PrintOptions{})->result(with, make_result(1, 1, 1), {});
  CHECK(with.str().find("<p class=\"snippet\" lang=\"en\"><mark>Usain</mark> Bolt") !=
        std::string::npos);
  CHECK(with.str().find("<h2 class=\"title\" lang=\"en\">") != std::string::npos);
}

TEST_CASE("a syntax error shows its message and a caret under its column", "[html]") {
  struct Row {
    std::string q;
    std::size_t column;
    std::string pad;     // the query's text before the column (escaped)
    std::string marked;  // the character at the column
  };
  const std::vector<Row> rows = {
      {"bolt \"sprint", 6, "bolt ", "&quot;"},
      {"東京 \"x", 4, "東京 ", "&quot;"},  // columns count characters, not bytes
      {"a<b (", 5, "a&lt;b ", "("},
      {"abc", 4, "abc", ""},   // at the end of the query
      {"abc", 99, "abc", ""},  // past it: at the end, no crash
      {"abc", 0, "", "a"},     // no column 0: the first
      {"\xff(", 2, "\ufffd", "("},
  };
  for (const Row& r : rows) {
    CAPTURE(r.q, r.column);
    PageState st;
    st.q = r.q;
    oly::RequestFailure f{oly::RequestFailure::Kind::kSyntax, "unbalanced <quote>", r.column};
    const std::string page = oly::html::search_page(st, nullptr, &f);
    CHECK(page.find("At column " + std::to_string(r.column) + ": unbalanced &lt;quote&gt;") !=
          std::string::npos);
    CHECK(page.find("<mark>" + r.marked + "</mark>") != std::string::npos);
    CHECK(page.find("<span class=\"pad\" aria-hidden=\"true\">" + r.pad + "</span>^") !=
          std::string::npos);
    CHECK(oly::find_invalid_utf8(page) == std::string::npos);
  }
  PageState st;
  st.q = "bolt";
  oly::RequestFailure bad{oly::RequestFailure::Kind::kRequest, "bad date '2024-13'", {}};
  const std::string page = oly::html::search_page(st, nullptr, &bad);
  CHECK(page.find("Bad request") != std::string::npos);
  CHECK(page.find("bad date &#39;2024-13&#39;") != std::string::npos);
  CHECK(page.find("class=\"caret\"") == std::string::npos);
}

TEST_CASE("article page: only http(s) urls are links", "[html]") {
  struct Row {
    std::string url;
    bool linked;
  };
  const std::vector<Row> rows = {
      {"https://example.org/a?b=1&c=2", true},
      {"HTTP://EXAMPLE.ORG/", true},
      {"javascript:alert(1)", false},
      {"JaVaScRiPt:alert(1)", false},
      {" javascript:alert(1)", false},
      {"java\tscript:alert(1)", false},
      {"data:text/html,<script>alert(1)</script>", false},
      {"vbscript:msgbox(1)", false},
      {"//evil.example/", false},
      {"/view/x", false},
      {"http://", false},
      {"https://exa mple.org/", false},
      {"https://example.org/\njavascript:x", false},
      {"https://x.example/\"onmouseover=\"alert(1)", true},  // linked, but escaped
  };
  for (const Row& r : rows) {
    CAPTURE(r.url);
    CHECK(oly::html::is_web_url(r.url) == r.linked);
    oly::Article a;
    a.id = "x";
    a.title = "T";
    a.url = r.url;
    const std::string page = oly::html::article_page(a);
    CHECK((page.find("<a href=\"" + oly::html::escape(r.url) + "\"") != std::string::npos) ==
          r.linked);
    CHECK(page.find(oly::html::escape(r.url)) != std::string::npos);  // shown either way
    CHECK(page.find("href=\"javascript") == std::string::npos);
    CHECK(page.find("href=\" javascript") == std::string::npos);
    CHECK(page.find("onmouseover=\"") == std::string::npos);
  }
}

TEST_CASE("article page: every field, escaped, the body in paragraphs", "[html]") {
  oly::Article a;
  a.id = "corpus/<x>.txt";
  a.title = "<script>alert(1)</script>";
  a.date = "2024-08-04";
  a.source = "Desk & Co";
  a.lang = "fr";
  a.tags = {"athletics", "<i>x</i>"};
  a.body = "First <b>para</b>\nsame para.\n\n\n\nSecond para.\r\n \t\r\nThird.\n";
  const std::string page = oly::html::article_page(a);
  CHECK(page.find("<h1 lang=\"fr\">&lt;script&gt;alert(1)&lt;/script&gt;</h1>") !=
        std::string::npos);
  CHECK(page.find("<div class=\"body\" lang=\"fr\">") != std::string::npos);
  CHECK(page.find("<script>alert") == std::string::npos);
  CHECK(page.find("<time>2024-08-04</time>") != std::string::npos);
  CHECK(page.find("Desk &amp; Co") != std::string::npos);
  CHECK(page.find("<dd>fr</dd>") != std::string::npos);
  CHECK(page.find("<span class=\"tag\">&lt;i&gt;x&lt;/i&gt;</span>") != std::string::npos);
  CHECK(page.find("<p>First &lt;b&gt;para&lt;/b&gt;<br>\nsame para.</p>") != std::string::npos);
  CHECK(page.find("<p>Second para.</p>") != std::string::npos);
  CHECK(page.find("<p>Third.</p>") != std::string::npos);
  CHECK(count_of(page, "<p>") == 3);
  CHECK(page.find("corpus/&lt;x&gt;.txt") != std::string::npos);

  // An untitled article is named by its first sentence; a huge body is all there.
  oly::Article big;
  big.id = "big";
  big.body = "Opening line. " + std::string(1 << 20, 'x');
  const std::string bp = oly::html::article_page(big);
  CHECK(bp.find("<h1>Opening line.</h1>") != std::string::npos);
  CHECK(bp.size() > (1u << 20));
}

TEST_CASE("error page: status, escaped message, a way back", "[html]") {
  const std::string p = oly::html::error_page(404, "no article '<x>'");
  CHECK(p.find("Error 404") != std::string::npos);
  CHECK(p.find("no article &#39;&lt;x&gt;&#39;") != std::string::npos);
  CHECK(p.find("<a href=\"/\">") != std::string::npos);
}

TEST_CASE("pages are CSP-friendly and phone-ready", "[html]") {
  PageState st;
  st.q = "bolt";
  const auto res = make_result(1, 2, 2);
  oly::Article a;
  a.id = "x";
  a.url = "https://example.org/";
  for (const std::string& page :
       {oly::html::search_page(st, &res, nullptr),
        oly::html::search_page(PageState{}, nullptr, nullptr), oly::html::article_page(a),
        oly::html::error_page(500, "internal error")}) {
    CHECK(page.rfind("<!doctype html>", 0) == 0);
    CHECK(page.find("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">") !=
          std::string::npos);
    CHECK(page.find("<meta charset=\"utf-8\">") != std::string::npos);
    // Scripts only as files, no inline handlers or styles (Content-Security-Policy).
    CHECK(count_of(page, "<script") == count_of(page, "<script src=\"/assets/search.js\" defer>"));
    CHECK_FALSE(std::regex_search(page, std::regex(R"(\son[a-z]+\s*=)", std::regex::icase)));
    CHECK(page.find("style=") == std::string::npos);
    CHECK(page.find("javascript:") == std::string::npos);
    // The form is a plain GET form to /.
    CHECK(page.find("<form class=\"search\" method=\"get\" action=\"/\"") != std::string::npos);
  }
}

TEST_CASE("assets: the embedded files and nothing else", "[html]") {
  const auto* css = oly::html::find_asset("style.css");
  const auto* js = oly::html::find_asset("search.js");
  REQUIRE(css);
  REQUIRE(js);
  CHECK(css->content_type == "text/css; charset=utf-8");
  CHECK(js->content_type == "text/javascript; charset=utf-8");
  CHECK(css->body.find(".hit") != std::string_view::npos);
  CHECK(js->body.find("addEventListener") != std::string_view::npos);
  for (const char* name : {"", "style.css/", "STYLE.CSS", "../CMakeLists.txt", "/style.css",
                           "assets/style.css", "style.css%00", "html.cc", "."}) {
    CAPTURE(name);
    CHECK(oly::html::find_asset(name) == nullptr);
  }
}

TEST_CASE("facet_filter: each facet's value as the query language writes it", "[html]") {
  struct Row {
    const char* facet;
    const char* value;
    const char* filter;  // "" when it cannot be said exactly
  };
  const std::vector<Row> rows = {
      {"country", "JPN", "country:JPN"},
      {"games", "tokyo-2020", "games:tokyo-2020"},
      {"year", "2021", "date:2021"},
      {"month", "2021-08", "date:2021-08"},
      {"lang", "fr", "lang:fr"},
      {"source", "Reuters", "from:\"Reuters\""},
      {"source", "Le Monde (Paris)", "from:\"Le Monde (Paris)\""},
      {"source", "a:b*", "from:\"a:b*\""},
      {"source", "Ouest-France", "from:\"Ouest-France\""},
      {"tags", "track and field", "tag:\"track and field\""},
      {"tags", "東京", "tag:\"東京\""},
      {"lang", "zh Hant", "lang:\"zh Hant\""},
      {"source", "The \"Daily\"", ""},  // no escape inside quotes: no link
      {"source", "tab\there", ""},
      {"source", "", ""},
      {"source", "  ", ""},  // blank: no value a filter could say (from:"  " is an error)
      {"source", "ap sports", "from:\"ap sports\""},  // the whole source, not its words
      {"colour", "red", ""},                          // not a facet the page knows
  };
  for (const Row& r : rows) {
    CAPTURE(r.facet, r.value);
    const std::optional<std::string> f = oly::html::facet_filter(r.facet, r.value);
    CHECK(f.value_or("") == r.filter);
  }
}

TEST_CASE("with_filter: a facet narrows the whole query, not its last OR branch", "[html]") {
  CHECK(oly::html::with_filter("bolt", "country:JAM") == "bolt country:JAM");
  CHECK(oly::html::with_filter("bolt -doping", "date:2016") == "bolt -doping date:2016");
  CHECK(oly::html::with_filter("bolt OR lewis", "lang:en") == "(bolt OR lewis) lang:en");
  CHECK(oly::html::with_filter("(a b)OR c", "lang:en") == "((a b)OR c) lang:en");
  CHECK(oly::html::with_filter("colors or flags", "lang:en") == "colors or flags lang:en");
}

TEST_CASE("facets: links that add the filter, counts, 'about', escaped labels", "[html]") {
  PageState st;
  st.q = "bolt OR lewis";
  st.sort = "-date";
  st.page = 3;
  auto res = make_result(21, 2, 40);
  oly::FacetCounts country;
  country.name = "country";
  country.values = {{"JAM", "Jamaica", 1234}, {"USA", "United States", 7}};
  country.distinct = 5;
  oly::FacetCounts source;
  source.name = "source";
  source.estimated = true;
  source.values = {{"<b>Evil</b> & \"co\"", "", 3}, {"le monde", "Le Monde", 2}};
  source.distinct = 2;
  oly::FacetCounts empty;
  empty.name = "games";
  res.facets = {country, source, empty};
  const std::string page = oly::html::search_page(st, &res, nullptr);
  // Page 1 of the narrowed query, the other fields kept.
  CHECK(page.find("<a href=\"/?q=%28bolt%20OR%20lewis%29%20country%3AJAM&amp;sort=-date\">"
                  "Jamaica</a> <span class=\"count\">1,234</span>") != std::string::npos);
  CHECK(page.find("<li class=\"more\">and 3 more</li>") != std::string::npos);
  CHECK(page.find(">Le Monde</a> <span class=\"count\">about 2</span>") != std::string::npos);
  // The source's value (its folded whole form) in from:, which matches exactly what it counts.
  CHECK(page.find("%20from%3A%22le%20monde%22&amp;sort=-date\"") != std::string::npos);
  // A label is text: escaped; a value with a double quote has no link (it cannot be said).
  CHECK(page.find("<span>&lt;b&gt;Evil&lt;/b&gt; &amp; &quot;co&quot;</span>") !=
        std::string::npos);
  CHECK(page.find("<b>Evil") == std::string::npos);
  // A facet without values shows no heading.
  CHECK(page.find("<h2>Games</h2>") == std::string::npos);
  CHECK(count_of(page, "<section class=\"facet\">") == 2);
  // No facets asked (or none returned): no aside at all.
  const auto plain = make_result(1, 2, 2);
  CHECK(oly::html::search_page(st, &plain, nullptr).find("class=\"facets\"") == std::string::npos);
}
