// Shared helpers of the fuzz targets: a discarding ostream for Diagnostics, and checks
// that report what broke and then trap (libFuzzer saves the input as a crash).
#pragma once

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

// Every field of the schema table equal.
inline bool same_article(const oly::Article& a, const oly::Article& b) {
  for (const oly::schema::Field& f : oly::schema::kFields) {
    if (f.is_list() ? a.*f.member.list != b.*f.member.list : a.*f.member.text != b.*f.member.text) {
      return false;
    }
  }
  return true;
}

}  // namespace fuzz
