#include "article.h"

#include <simdjson.h>
#include <nlohmann/json.hpp>

#include <charconv>
#include <chrono>
#include <cstdint>

#include "schema.h"

namespace oly {

// Every stored field of the schema table, in its order: adding a row adds it here.
std::string to_record(const Article& a) {
  nlohmann::ordered_json j;
  for (const schema::Field* f : schema::kArticleOrder) {
    if (!f->has(schema::kStored)) continue;
    const std::string key(f->key);
    if (f->is_list())
      j[key] = a.*f->member.list;
    else
      j[key] = a.*f->member.text;
  }
  return j.dump();
}

std::optional<Article> from_record(const std::string& data) {
  // simdjson: the searcher parses up to --limit records per query, and this is its
  // hottest parse (nlohmann::json was ~5x slower here).
  thread_local simdjson::dom::parser parser;
  simdjson::dom::object obj;
  if (parser.parse(data).get(obj) != simdjson::SUCCESS) return std::nullopt;
  Article a;
  for (const schema::Field* f : schema::kArticleOrder) {
    if (!f->has(schema::kStored)) continue;
    // A value of the wrong type (or an element of a list) is left out, not an error:
    // the record is ours, and what remains is still the article.
    if (f->is_list()) {
      simdjson::dom::array list;
      if (obj[f->key].get(list) != simdjson::SUCCESS) continue;
      for (simdjson::dom::element e : list) {
        std::string_view v;
        if (e.get(v) == simdjson::SUCCESS) (a.*f->member.list).emplace_back(v);
      }
    } else {
      std::string_view v;
      if (obj[f->key].get(v) == simdjson::SUCCESS) (a.*f->member.text).assign(v);
    }
  }
  return a;
}

std::size_t article_bytes(const Article& a) {
  std::size_t n = sizeof(Article);
  // The article's fields once each: index-only rows read a member another row holds.
  for (const schema::Field* fp : schema::kArticleOrder) {
    const schema::Field& f = *fp;
    if (!f.is_list()) {
      n += (a.*f.member.text).size();
      continue;
    }
    for (const std::string& v : a.*f.member.list) n += sizeof(std::string) + v.size();
  }
  return n;
}

namespace {
constexpr uint64_t kFnvOffset = 14695981039346656037ULL;
constexpr uint64_t kFnvPrime = 1099511628211ULL;

void fnv(uint64_t& h, std::string_view s) {
  for (unsigned char c : s) {
    h ^= c;
    h *= kFnvPrime;
  }
  // A separator that cannot occur in UTF-8 keeps ("ab","c") apart from ("a","bc").
  h ^= 0xFF;
  h *= kFnvPrime;
}

std::string hex16(uint64_t h) {
  static const char* digits = "0123456789abcdef";
  std::string out(16, '0');
  for (int i = 15; i >= 0; --i, h >>= 4) out[static_cast<std::size_t>(i)] = digits[h & 0xF];
  return out;
}
}  // namespace

std::string content_hash(const Article& a) {
  uint64_t h = kFnvOffset;
  for (const schema::Field* f : schema::kArticleOrder) {
    if (!f->has(schema::kHashed)) continue;
    if (!f->is_list()) {
      fnv(h, a.*f->member.text);
      continue;
    }
    // The count first: a list followed by more fields must not hash like a longer list
    // ({"a"} then "b" against {"a", "b"} then "").
    const auto& list = a.*f->member.list;
    fnv(h, std::to_string(list.size()));
    for (const std::string& v : list) fnv(h, v);
  }
  return hex16(h);
}

std::string hash_hex(std::string_view bytes) {
  uint64_t h = kFnvOffset;
  fnv(h, bytes);
  return hex16(h);
}

namespace {
bool parse_int(std::string_view s, std::size_t pos, std::size_t len, int& out) {
  if (pos + len > s.size()) return false;
  for (std::size_t i = pos; i < pos + len; ++i) {
    if (s[i] < '0' || s[i] > '9') return false;
  }
  auto r = std::from_chars(s.data() + pos, s.data() + pos + len, out);
  return r.ec == std::errc();
}
}  // namespace

std::optional<std::string> normalize_date(std::string_view s) {
  using namespace std::chrono;
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r'))
    s.remove_suffix(1);
  int y, m, d;
  if (s.size() < 10 || s[4] != '-' || s[7] != '-' || !parse_int(s, 0, 4, y) ||
      !parse_int(s, 5, 2, m) || !parse_int(s, 8, 2, d)) {
    return std::nullopt;
  }
  year_month_day ymd{year{y}, month{static_cast<unsigned>(m)}, day{static_cast<unsigned>(d)}};
  if (!ymd.ok()) return std::nullopt;
  sys_days days{ymd};
  if (s.size() > 10) {
    // ISO 8601 date-time: T or space, HH:MM[:SS[.fff]], then an optional zone.
    if (s[10] != 'T' && s[10] != 't' && s[10] != ' ') return std::nullopt;
    int hh, mm, ss = 0;
    if (!parse_int(s, 11, 2, hh) || s.size() < 16 || s[13] != ':' || !parse_int(s, 14, 2, mm)) {
      return std::nullopt;
    }
    std::size_t p = 16;
    if (p < s.size() && s[p] == ':') {
      if (!parse_int(s, p + 1, 2, ss)) return std::nullopt;
      p += 3;
      if (p < s.size() && (s[p] == '.' || s[p] == ',')) {
        ++p;
        while (p < s.size() && s[p] >= '0' && s[p] <= '9') ++p;
      }
    }
    if (hh > 24 || mm > 59 || ss > 60 || (hh == 24 && (mm != 0 || ss != 0))) return std::nullopt;
    int offset_minutes = 0;
    if (p < s.size()) {
      const char z = s[p];
      if ((z == 'Z' || z == 'z') && p + 1 == s.size()) {
        // UTC
      } else if (z == '+' || z == '-') {
        int oh = 0, om = 0;
        std::string_view zone = s.substr(p + 1);
        if (zone.size() == 2 && parse_int(zone, 0, 2, oh)) {
        } else if (zone.size() == 4 && parse_int(zone, 0, 2, oh) && parse_int(zone, 2, 2, om)) {
        } else if (zone.size() == 5 && zone[2] == ':' && parse_int(zone, 0, 2, oh) &&
                   parse_int(zone, 3, 2, om)) {
        } else {
          return std::nullopt;
        }
        if (oh > 23 || om > 59) return std::nullopt;
        offset_minutes = (z == '+' ? 1 : -1) * (oh * 60 + om);
      } else {
        return std::nullopt;
      }
    }
    // Local time minus the zone offset gives UTC; only the day is kept.
    auto t = sys_time<minutes>{days} + hours{hh} + minutes{mm} - minutes{offset_minutes};
    days = floor<std::chrono::days>(t);
  }
  year_month_day out{days};
  char buf[16];
  std::snprintf(buf, sizeof buf, "%04d-%02u-%02u", static_cast<int>(out.year()),
                static_cast<unsigned>(out.month()), static_cast<unsigned>(out.day()));
  return std::string(buf);
}

}  // namespace oly
