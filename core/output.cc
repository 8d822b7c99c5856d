#include "output.h"

#include <fmt/format.h>

#include <nlohmann/json.hpp>
#include <ostream>

namespace oly {
namespace {
constexpr const char* kBold = "\x1b[1m";
constexpr const char* kDim = "\x1b[2m";
constexpr const char* kHighlight = "\x1b[1;31m";
constexpr const char* kReset = "\x1b[0m";

nlohmann::ordered_json ranges_json(const std::vector<ByteRange>& rs) {
  auto a = nlohmann::ordered_json::array();
  for (const auto& r : rs) a.push_back({r.begin, r.end});
  return a;
}
}  // namespace

std::string mark_up(const std::string& text, const std::vector<ByteRange>& ranges,
                    const std::string& open, const std::string& close) {
  std::string out;
  std::size_t at = 0;
  for (const ByteRange& r : ranges) {
    if (r.begin < at || r.end > text.size()) continue;
    out.append(text, at, r.begin - at);
    out += open;
    out.append(text, r.begin, r.end - r.begin);
    out += close;
    at = r.end;
  }
  out.append(text, at, std::string::npos);
  return out;
}

void print_text(std::ostream& out, const SearchResult& r, bool color) {
  for (const Hit& h : r.hits) {
    const Article& a = h.article;
    std::string title = a.title.empty() ? display_title(a)
                        : color
                            ? mark_up(a.title, h.title_highlights, std::string(kHighlight) + kBold,
                                      std::string(kReset) + kBold)
                            : a.title;
    std::string meta;
    for (const std::string* s : {&a.date, &a.source, &a.id}) {
      if (s->empty()) continue;
      if (!meta.empty()) meta += " \u00b7 ";
      meta += *s;
    }
    if (color) {
      out << kDim << h.rank << '.' << kReset << ' ' << kBold << title << kReset << "  " << kDim
          << meta << kReset << '\n';
      out << "   " << mark_up(h.snippet.text, h.snippet.highlights, kHighlight, kReset) << "\n\n";
    } else {
      out << h.rank << ". " << title << "  (" << meta << ")\n";
      // Plain text marks highlights with [..] so that a pipe still shows them.
      out << "   " << mark_up(h.snippet.text, h.snippet.highlights, "[", "]") << "\n\n";
    }
  }
  const std::string total = r.lower_bound == r.upper_bound ? fmt::format("{}", r.estimated)
                                                           : fmt::format("about {}", r.estimated);
  std::string line = r.hits.empty() ? fmt::format("no matches ({} total)", total)
                                    : fmt::format("{}-{} of {} matches", r.hits.front().rank,
                                                  r.hits.back().rank, total);
  line += fmt::format(" in {:.1f} ms", r.elapsed_ms);
  if (color)
    out << kDim << line << kReset << '\n';
  else
    out << line << '\n';
}

void print_json(std::ostream& out, const SearchResult& r, std::optional<std::size_t> line) {
  for (const Hit& h : r.hits) {
    const Article& a = h.article;
    nlohmann::ordered_json j;
    j["version"] = kJsonVersion;
    j["type"] = "hit";
    if (line) j["line"] = *line;
    j["rank"] = h.rank;
    j["id"] = a.id;
    j["score"] = h.score;
    j["title"] = a.title;
    j["date"] = a.date.empty() ? nlohmann::ordered_json() : nlohmann::ordered_json(a.date);
    j["source"] = a.source;
    j["url"] = a.url;
    j["lang"] = a.lang;
    j["tags"] = a.tags;
    j["snippet"] = {{"text", h.snippet.text}, {"highlights", ranges_json(h.snippet.highlights)}};
    j["title_highlights"] = ranges_json(h.title_highlights);
    j["matches"] = ranges_json(h.matches);
    out << j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) << '\n';
  }
  nlohmann::ordered_json s;
  s["version"] = kJsonVersion;
  s["type"] = "summary";
  if (line) s["line"] = *line;
  s["query"] = r.query;
  s["understood"] = r.understood;
  s["estimated_total"] = r.estimated;
  s["total_is_exact"] = r.lower_bound == r.upper_bound;
  s["returned"] = r.hits.size();
  s["elapsed_ms"] = r.elapsed_ms;
  out << s.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) << '\n';
}

void print_ids(std::ostream& out, const SearchResult& r) {
  for (const Hit& h : r.hits) out << h.article.id << '\n';
}

void print_json_error(std::ostream& out, const std::string& message, std::size_t line) {
  nlohmann::ordered_json j;
  j["version"] = kJsonVersion;
  j["type"] = "error";
  j["line"] = line;
  j["error"] = message;
  out << j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) << '\n';
}

}  // namespace oly
