#include "output.h"

#include <fmt/format.h>

#include <cstring>
#include <nlohmann/json.hpp>

namespace oly {

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

}  // namespace oly
