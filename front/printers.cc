// The text, ids and count printers, and make_printer(): the one place that turns an
// OutputFormat into a printer.
#include <fmt/format.h>

#include <ostream>
#include <stdexcept>

#include "html.h"
#include "json_printer.h"
#include "output.h"
#include "printer.h"

namespace oly {
namespace {

constexpr const char* kBold = "\x1b[1m";
constexpr const char* kDim = "\x1b[2m";
constexpr const char* kHighlight = "\x1b[1;31m";
constexpr const char* kReset = "\x1b[0m";

// Text for people: a title line and a snippet per hit, then a line with the total. Every
// field taken from an article or a query is made terminal-safe.
class TextPrinter : public ResultPrinter {
 public:
  explicit TextPrinter(const PrintOptions& options) : options_(options) {}

  void result(std::ostream& out, const SearchResult& r, const PrintContext& ctx) override {
    const bool snippets = ctx.snippets.value_or(options_.snippets);
    for (const Hit& h : r.hits) hit(out, h, snippets);
    if (!snippets && !r.hits.empty()) out << '\n';
    const std::string line = total_line(r);
    if (options_.color)
      out << kDim << line << kReset << '\n';
    else
      out << line << '\n';
    // Offered, never applied: the answer above is for the query as written.
    if (!r.suggestion.empty()) out << "Did you mean: " << terminal_safe(r.suggestion) << '\n';
    for (const FacetCounts& f : r.facets) facet_line(out, f);
  }

  // Text output has no place for an error on stdout: the caller reports it on stderr.
  void failure(std::ostream&, const RequestFailure&, const PrintContext&) override {}

 private:
  void hit(std::ostream& out, const Hit& h, bool snippets) const {
    const Article& a = h.article;
    const bool color = options_.color;
    const std::string title =
        a.title.empty() ? terminal_safe(display_title(a))
        : color         ? mark_up(a.title, h.title_highlights, std::string(kHighlight) + kBold,
                                  std::string(kReset) + kBold)
                        : terminal_safe(a.title);
    std::string meta;
    for (const std::string* s : {&a.date, &a.source, &a.id}) {
      if (s->empty()) continue;
      if (!meta.empty()) meta += " \u00b7 ";
      meta += terminal_safe(*s);
    }
    if (color) {
      out << kDim << h.rank << '.' << kReset << ' ' << kBold << title << kReset << "  " << kDim
          << meta << kReset << '\n';
      if (snippets) {
        out << "   " << mark_up(h.snippet.text, h.snippet.highlights, kHighlight, kReset) << '\n';
      }
    } else {
      out << h.rank << ". " << title << "  (" << meta << ")\n";
      // Plain text marks highlights with [..] so that a pipe still shows them.
      if (snippets) out << "   " << mark_up(h.snippet.text, h.snippet.highlights, "[", "]") << '\n';
    }
    if (h.similar_count > 0) similar_line(out, h);
    if (snippets) out << '\n';
  }

  // --collapse: "   + 2 similar: ID, ID" under a hit whose group has other matching
  // members (at most kShownIds ids; the JSON has up to 100).
  void similar_line(std::ostream& out, const Hit& h) const {
    constexpr std::size_t kShownIds = 3;
    std::string line = fmt::format("   + {} similar: ", h.similar_count);
    for (std::size_t i = 0; i < h.similar_ids.size() && i < kShownIds; ++i)
      line += (i ? ", " : "") + terminal_safe(h.similar_ids[i]);
    if (h.similar_count > std::min(h.similar_ids.size(), kShownIds)) line += ", \u2026";
    if (options_.color) line = kDim + line + kReset;
    out << line << '\n';
  }

  // "source: Reuters 12 · AP 7 · 3 more values · 4 without", one line per facet after the
  // total; "~" before the counts of a facet that is not counted over every match.
  void facet_line(std::ostream& out, const FacetCounts& f) const {
    const bool color = options_.color;
    const std::string approx = f.estimated ? "~" : "";
    std::string line;
    auto add = [&line](const std::string& item) {
      if (!line.empty()) line += " \u00b7 ";
      line += item;
    };
    for (const FacetValue& v : f.values) {
      std::string shown = terminal_safe(v.label);
      if (v.label != v.value) shown += " (" + terminal_safe(v.value) + ")";
      add(color ? fmt::format("{}{}{} {}{}{}", kBold, shown, kReset, kDim, approx, v.count) + kReset
                : fmt::format("{} {}{}", shown, approx, v.count));
    }
    if (f.distinct > f.values.size()) {
      add(fmt::format("{} more value{}", f.distinct - f.values.size(),
                      f.distinct - f.values.size() == 1 ? "" : "s"));
    }
    if (f.missing > 0) add(fmt::format("{}{} without", approx, f.missing));
    if (line.empty()) line = "none";
    if (color) {
      out << kDim << f.name << ':' << kReset << ' ' << line << '\n';
    } else {
      out << f.name << ": " << line << '\n';
    }
  }

  static std::string total_line(const SearchResult& r) {
    const std::string total =
        r.total_is_exact() ? fmt::format("{}", r.estimated) : fmt::format("about {}", r.estimated);
    // -n 0 or an --offset past the end shows no hit although some match: say so, rather
    // than "no matches".
    std::string line =
        !r.hits.empty()
            ? fmt::format("{}-{} of {} matches", r.hits.front().rank, r.hits.back().rank, total)
        : r.lower_bound > 0
            ? fmt::format("{} matches, none on this page (see -n and --offset)", total)
            : fmt::format("no matches ({} total)", total);
    return line + fmt::format(" in {:.1f} ms", r.elapsed_ms);
  }

  PrintOptions options_;
};

// One id per line (after "LINE<TAB>" in --batch), terminal-safe: the output is
// line-oriented, so an id holding a newline or ESC is printed escaped and counted, for
// the caller to warn that it is not exact.
class IdsPrinter : public ResultPrinter {
 public:
  void result(std::ostream& out, const SearchResult& r, const PrintContext& ctx) override {
    for (const Hit& h : r.hits) {
      const std::string id = terminal_safe(h.article.id);
      escaped_ += id != h.article.id;
      if (ctx.line) out << *ctx.line << '\t';
      out << id << '\n';
    }
  }
  // The error is on stderr; a line of its own would read as an id.
  void failure(std::ostream&, const RequestFailure&, const PrintContext&) override {}
  std::size_t escaped_ids() const override { return escaped_; }

 private:
  std::size_t escaped_ = 0;
};

// The number of matches (after "LINE<TAB>" in --batch).
class CountPrinter : public ResultPrinter {
 public:
  void result(std::ostream& out, const SearchResult& r, const PrintContext& ctx) override {
    if (ctx.line) out << *ctx.line << '\t';
    out << r.estimated << '\n';
  }
  // The error is on stderr; a line of its own would read as a count.
  void failure(std::ostream&, const RequestFailure&, const PrintContext&) override {}
};

}  // namespace

std::unique_ptr<ResultPrinter> make_printer(OutputFormat format, const PrintOptions& options) {
  std::unique_ptr<ResultPrinter> p;
  switch (format) {
    case OutputFormat::kText:
      p = std::make_unique<TextPrinter>(options);
      break;
    case OutputFormat::kJson:
      p = std::make_unique<JsonPrinter>(options);
      break;
    case OutputFormat::kIds:
      p = std::make_unique<IdsPrinter>();
      break;
    case OutputFormat::kCount:
      p = std::make_unique<CountPrinter>();
      break;
    case OutputFormat::kHtml:
      p = html::make_result_printer(options);
      break;
  }
  // A format without a printer is a bug of ours, never an empty output.
  if (!p)
    throw std::logic_error("no printer for output format " +
                           std::to_string(static_cast<int>(format)));
  return p;
}

}  // namespace oly
