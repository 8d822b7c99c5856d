// Shared helpers of the fuzz targets: a discarding ostream for Diagnostics, and checks
// that report what broke and then trap (libFuzzer saves the input as a crash).
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <ostream>
#include <streambuf>
#include <string>
#include <string_view>

#include "article.h"
#include "schema.h"
#include "utf8.h"

namespace fuzz {

// An ostream that formats everything and keeps nothing, so Diagnostics' printing code
// runs as it does for real.
class NullBuf : public std::streambuf {
 protected:
  int overflow(int c) override { return traits_type::not_eof(c); }
  std::streamsize xsputn(const char*, std::streamsize n) override { return n; }
};

inline std::ostream& null_stream() {
  static NullBuf buf;
  static std::ostream out(&buf);
  return out;
}

[[noreturn]] inline void fail(const char* file, int line, const char* what,
                              const std::string& detail) {
  std::fprintf(stderr, "\n%s:%d: fuzz check failed: %s\n", file, line, what);
  if (!detail.empty()) std::fprintf(stderr, "  %s\n", detail.c_str());
  std::fflush(stderr);
  __builtin_trap();
}

#define FUZZ_CHECK(cond, detail)                                    \
  do {                                                              \
    if (!(cond)) ::fuzz::fail(__FILE__, __LINE__, #cond, (detail)); \
  } while (0)

inline bool valid_utf8(std::string_view s) {
  return oly::find_invalid_utf8(s) == std::string_view::npos;
}

// True when byte `i` of `s` does not fall inside a multi-byte sequence.
inline bool on_boundary(std::string_view s, std::size_t i) {
  return i >= s.size() || (static_cast<unsigned char>(s[i]) & 0xC0) != 0x80;
}

// Printable form of a string for failure messages (escapes non-ASCII bytes, cut short).
inline std::string show(std::string_view s, std::size_t max = 200) {
  std::string out = "\"";
  for (std::size_t i = 0; i < s.size() && i < max; ++i) {
    const unsigned char c = static_cast<unsigned char>(s[i]);
    if (c >= 0x20 && c < 0x7F && c != '"' && c != '\\') {
      out += static_cast<char>(c);
    } else {
      char buf[8];
      std::snprintf(buf, sizeof buf, "\\x%02X", c);
      out += buf;
    }
  }
  if (s.size() > max) out += "...";
  return out + "\"";
}

// Invariants of an article that a reader hands on (core/reader.h, core/utf8.h): every
// field of the schema table valid UTF-8, no derived field read from input, a title or a
// body, the date empty or normalised to YYYY-MM-DD.
inline void check_article(const oly::Article& a) {
  // The article's fields once each (an index-only row, `from:`, reads the source's member).
  for (const oly::schema::Field* fp : oly::schema::kArticleOrder) {
    const oly::schema::Field& f = *fp;
    const std::string name(f.key);
    if (f.is_list()) {
      const auto& list = a.*f.member.list;
      for (const std::string& v : list) FUZZ_CHECK(valid_utf8(v), name + " element " + show(v));
      FUZZ_CHECK(f.has(oly::schema::kRead) || list.empty(), "derived field " + name + " read");
    } else {
      const std::string& v = a.*f.member.text;
      FUZZ_CHECK(valid_utf8(v), "field " + name + " = " + show(v));
      FUZZ_CHECK(f.has(oly::schema::kRead) || v.empty(), "derived field " + name + " read");
    }
  }
  FUZZ_CHECK(!a.title.empty() || !a.body.empty(), "article with neither title nor body");
  if (!a.date.empty()) {
    bool ok = a.date.size() == 10 && a.date[4] == '-' && a.date[7] == '-';
    for (std::size_t i : {0, 1, 2, 3, 5, 6, 8, 9}) ok = ok && a.date[i] >= '0' && a.date[i] <= '9';
    FUZZ_CHECK(ok, "date not YYYY-MM-DD: " + show(a.date));
  }
}

// The first input field (kRead) of the schema table that differs between a and b, shown
// as `key: a-value != b-value`; empty when they are all equal. Derived fields (Games,
// countries) are left out: the indexer's taggers fill them from the text, so a record
// holds them when the article read did not.
inline std::string input_difference(const oly::Article& a, const oly::Article& b) {
  for (const oly::schema::Field& f : oly::schema::kFields) {
    if (!f.has(oly::schema::kRead)) continue;
    const std::string key(f.key);
    if (f.is_list()) {
      const auto& x = a.*f.member.list;
      const auto& y = b.*f.member.list;
      if (x == y) continue;
      const auto i = static_cast<std::size_t>(
          std::mismatch(x.begin(), x.end(), y.begin(), y.end()).first - x.begin());
      return key + "[" + std::to_string(i) + "]: " + (i < x.size() ? show(x[i]) : "(none)") +
             " != " + (i < y.size() ? show(y[i]) : "(none)");
    }
    const std::string_view x = a.*f.member.text;
    const std::string_view y = b.*f.member.text;
    if (x == y) continue;
    // Shown from a little before the first byte that differs.
    const auto i = static_cast<std::size_t>(
        std::mismatch(x.begin(), x.end(), y.begin(), y.end()).first - x.begin());
    const std::size_t from = i < 20 ? 0 : i - 20;
    return key + " (byte " + std::to_string(i) + "): " + show(x.substr(from), 60) +
           " != " + show(y.substr(from), 60);
  }
  return {};
}

}  // namespace fuzz
