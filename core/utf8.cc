#include "utf8.h"

#include <unicode/utf8.h>

#include <cstdint>

namespace oly {

// U8_NEXT (ICU) decodes one code point and yields a negative value for an ill-formed
// sequence, advancing past the maximal ill-formed subpart as the Unicode standard asks.
std::size_t find_invalid_utf8(std::string_view s) {
  const auto* p = reinterpret_cast<const uint8_t*>(s.data());
  const int32_t n = static_cast<int32_t>(s.size());
  int32_t i = 0;
  while (i < n) {
    if (p[i] < 0x80) {  // fast path for ASCII, the bulk of news text
      ++i;
      continue;
    }
    const int32_t start = i;
    UChar32 c;
    U8_NEXT(p, i, n, c);
    if (c < 0) return static_cast<std::size_t>(start);
  }
  return std::string_view::npos;
}

std::string repair_utf8(std::string_view s, std::size_t* replaced) {
  std::size_t count = 0;
  std::size_t first = find_invalid_utf8(s);
  if (first == std::string_view::npos) {
    if (replaced) *replaced = 0;
    return std::string(s);
  }
  std::string out;
  out.reserve(s.size() + 16);
  out.append(s.substr(0, first));
  const auto* p = reinterpret_cast<const uint8_t*>(s.data());
  const int32_t n = static_cast<int32_t>(s.size());
  int32_t i = static_cast<int32_t>(first);
  while (i < n) {
    const int32_t start = i;
    UChar32 c;
    U8_NEXT(p, i, n, c);
    if (c < 0) {
      out.append("\xEF\xBF\xBD");
      ++count;
    } else {
      out.append(s.substr(static_cast<std::size_t>(start), static_cast<std::size_t>(i - start)));
    }
  }
  if (replaced) *replaced = count;
  return out;
}

std::size_t utf8_floor(std::string_view s, std::size_t pos) {
  if (pos >= s.size()) return s.size();
  while (pos > 0 && (static_cast<uint8_t>(s[pos]) & 0xC0) == 0x80) --pos;
  return pos;
}

}  // namespace oly
