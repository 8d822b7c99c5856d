#include "output.h"

#include <fmt/format.h>

#include <unicode/utf8.h>

#include <cstdint>
#include <cstring>
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

bool is_bidi_control(UChar32 c) {
  return (c >= 0x202A && c <= 0x202E) || (c >= 0x2066 && c <= 0x2069);
}

// Appends code point `c` as UTF-8.
void append_utf8(std::string& out, UChar32 c) {
  char buf[U8_MAX_LENGTH];
  int32_t n = 0;
  U8_APPEND_UNSAFE(buf, n, c);  // `c` is a valid code point of at most 4 bytes
  out.append(buf, static_cast<std::size_t>(n));
}

// Appends the terminal-safe form of code point `c`, which was `raw` in the input.
void append_safe(std::string& out, UChar32 c, std::string_view raw, bool keep_newlines) {
  if (c == '\n' && keep_newlines) {
    out += '\n';
  } else if ((c >= 0x09 && c <= 0x0D) || c == 0x85 || c == 0x2028 || c == 0x2029) {
    out += ' ';  // line and tab breaks would break the one-line layout of a hit
  } else if (c < 0x20) {
    append_utf8(out, 0x2400 + c);  // U+2400..241F: SYMBOL FOR NULL ... UNIT SEPARATOR
  } else if (c == 0x7F) {
    append_utf8(out, 0x2421);  // SYMBOL FOR DELETE
  } else if ((c >= 0x80 && c <= 0x9F) || is_bidi_control(c)) {
    out += fmt::format("<U+{:04X}>", static_cast<unsigned>(c));
  } else {
    out += raw;
  }
}
}  // namespace

std::string terminal_safe(std::string_view text, bool keep_newlines) {
  std::string out;
  out.reserve(text.size());
  const auto* p = reinterpret_cast<const uint8_t*>(text.data());
  const std::ptrdiff_t n = static_cast<std::ptrdiff_t>(text.size());
  std::ptrdiff_t i = 0;
  while (i < n) {
    if (p[i] >= 0x20 && p[i] < 0x7F) {  // printable ASCII, the bulk of it
      out += static_cast<char>(p[i++]);
      continue;
    }
    const std::ptrdiff_t start = i;
    UChar32 c;
    U8_NEXT(p, i, n, c);
    if (c < 0) {
      out += "\uFFFD";
    } else {
      append_safe(out, c, text.substr(start, i - start), keep_newlines);
    }
  }
  return out;
}

std::string json_text(const nlohmann::ordered_json& j) {
  const std::string raw = j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  // The dump is valid UTF-8 and these sequences can only be inside strings (JSON's own
  // syntax is ASCII), so each can be swapped for its escape in place.
  std::string out;
  out.reserve(raw.size());
  for (std::size_t i = 0; i < raw.size(); ++i) {
    const auto b = [&](std::size_t k) { return static_cast<unsigned char>(raw[i + k]); };
    const std::size_t left = raw.size() - i;
    if (b(0) == 0x7F) {
      out += "\\u007f";
    } else if (left >= 2 && b(0) == 0xC2 && b(1) >= 0x80 && b(1) <= 0x9F) {
      out += fmt::format("\\u{:04x}", b(1));
      i += 1;
    } else if (left >= 3 && b(0) == 0xE2 &&
               ((b(1) == 0x80 && b(2) >= 0xA8 && b(2) <= 0xAE) ||
                (b(1) == 0x81 && b(2) >= 0xA6 && b(2) <= 0xA9))) {
      // U+2028..202E (E2 80 A8..AE) and U+2066..2069 (E2 81 A6..A9)
      out += fmt::format("\\u{:04x}", 0x2000 + ((b(1) & 0x3F) << 6) + (b(2) & 0x3F));
      i += 2;
    } else {
      out += raw[i];
    }
  }
  return out;
}

bool color_wanted(std::string_view mode, bool stdout_is_terminal, const char* no_color,
                  const char* term) {
  if (mode == "always") return true;
  if (mode != "auto" || !stdout_is_terminal) return false;
  if (no_color != nullptr && *no_color != '\0') return false;
  return term != nullptr && *term != '\0' && std::strcmp(term, "dumb") != 0;
}

std::string mark_up(const std::string& text, const std::vector<ByteRange>& ranges,
                    const std::string& open, const std::string& close) {
  std::string out;
  std::size_t at = 0;
  const std::string_view all = text;
  for (const ByteRange& r : ranges) {
    if (r.begin < at || r.begin > r.end || r.end > text.size()) continue;
    out += terminal_safe(all.substr(at, r.begin - at));
    out += open;
    out += terminal_safe(all.substr(r.begin, r.end - r.begin));
    out += close;
    at = r.end;
  }
  out += terminal_safe(all.substr(at));
  return out;
}

void print_text(std::ostream& out, const SearchResult& r, bool color, bool snippets) {
  for (const Hit& h : r.hits) {
    const Article& a = h.article;
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
        out << "   " << mark_up(h.snippet.text, h.snippet.highlights, kHighlight, kReset) << "\n\n";
      }
    } else {
      out << h.rank << ". " << title << "  (" << meta << ")\n";
      // Plain text marks highlights with [..] so that a pipe still shows them.
      if (snippets)
        out << "   " << mark_up(h.snippet.text, h.snippet.highlights, "[", "]") << "\n\n";
    }
  }
  if (!snippets && !r.hits.empty()) out << '\n';
  const std::string total =
      r.total_is_exact() ? fmt::format("{}", r.estimated) : fmt::format("about {}", r.estimated);
  // -n 0 or an --offset past the end shows no hit although some match: say so, rather
  // than "no matches".
  std::string line = !r.hits.empty() ? fmt::format("{}-{} of {} matches", r.hits.front().rank,
                                                   r.hits.back().rank, total)
                     : r.lower_bound > 0
                         ? fmt::format("{} matches, none on this page (see -n and --offset)", total)
                         : fmt::format("no matches ({} total)", total);
  line += fmt::format(" in {:.1f} ms", r.elapsed_ms);
  if (color)
    out << kDim << line << kReset << '\n';
  else
    out << line << '\n';
}

void print_json(std::ostream& out, const SearchResult& r, std::optional<std::size_t> line,
                bool snippets) {
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
    if (snippets) {
      j["snippet"] = {{"text", h.snippet.text}, {"highlights", ranges_json(h.snippet.highlights)}};
    } else {
      j["snippet"] = nullptr;  // --snippets 0: the key stays, so the schema does not change
    }
    j["title_highlights"] = ranges_json(h.title_highlights);
    j["matches"] = ranges_json(h.matches);
    j["matches_truncated"] = h.matches_truncated;
    out << json_text(j) << '\n';
  }
  nlohmann::ordered_json s;
  s["version"] = kJsonVersion;
  s["type"] = "summary";
  if (line) s["line"] = *line;
  s["query"] = r.query;
  s["understood"] = r.understood;
  s["estimated_total"] = r.estimated;
  s["total_is_exact"] = r.total_is_exact();
  s["returned"] = r.hits.size();
  s["elapsed_ms"] = r.elapsed_ms;
  auto failed = nlohmann::ordered_json::array();
  for (const auto& f : r.shards_failed) failed.push_back({{"shard", f.shard}, {"error", f.error}});
  s["shards"] = {{"total", r.shards_total}, {"failed", failed}};
  out << json_text(s) << '\n';
}

std::size_t print_ids(std::ostream& out, const SearchResult& r, std::optional<std::size_t> line) {
  std::size_t escaped = 0;
  for (const Hit& h : r.hits) {
    const std::string id = terminal_safe(h.article.id);
    escaped += id != h.article.id;
    if (line) out << *line << '\t';
    out << id << '\n';
  }
  return escaped;
}

void print_json_error(std::ostream& out, const std::string& message, std::size_t line) {
  nlohmann::ordered_json j;
  j["version"] = kJsonVersion;
  j["type"] = "error";
  j["line"] = line;
  j["error"] = message;
  out << json_text(j) << '\n';
}

}  // namespace oly
