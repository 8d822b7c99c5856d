#include "display_safe.h"

#include <fmt/format.h>

#include <unicode/utf8.h>

#include <cstdint>

namespace oly {
namespace {

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
  } else if (std::optional<std::string> shown = shown_control(static_cast<char32_t>(c))) {
    out += *shown;
  } else {
    out += raw;
  }
}
}  // namespace

std::optional<std::string> shown_control(char32_t c) {
  std::string out;
  if (c < 0x20) {
    append_utf8(out, static_cast<UChar32>(0x2400 + c));  // SYMBOL FOR NULL ... UNIT SEPARATOR
  } else if (c == 0x7F) {
    append_utf8(out, 0x2421);  // SYMBOL FOR DELETE
  } else if ((c >= 0x80 && c <= 0x9F) || is_bidi_control(static_cast<UChar32>(c))) {
    out = fmt::format("<U+{:04X}>", static_cast<unsigned>(c));
  } else {
    return std::nullopt;
  }
  return out;
}

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

}  // namespace oly
