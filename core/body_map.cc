#include "body_map.h"

#include <algorithm>

namespace oly {
namespace {

constexpr unsigned char kFormat = 1;  // first byte of an encoded map

void put_varint(std::string& out, uint64_t v) {
  while (v >= 0x80) {
    out += static_cast<char>((v & 0x7F) | 0x80);
    v >>= 7;
  }
  out += static_cast<char>(v);
}

bool get_varint(std::string_view& in, uint64_t& v) {
  v = 0;
  for (unsigned shift = 0; shift < 64; shift += 7) {
    if (in.empty()) return false;
    const auto byte = static_cast<unsigned char>(in.front());
    in.remove_prefix(1);
    v |= static_cast<uint64_t>(byte & 0x7F) << shift;
    if (!(byte & 0x80)) return true;
  }
  return false;
}

}  // namespace

std::size_t BodyMap::chunk_of_byte(std::size_t b) const {
  const auto it = std::upper_bound(bytes.begin(), bytes.end(), b);
  return it == bytes.begin() ? 0 : static_cast<std::size_t>(it - bytes.begin()) - 1;
}

std::size_t BodyMap::chunk_of_position(Xapian::termpos p) const {
  const auto it = std::upper_bound(positions.begin(), positions.end(), p);
  return it == positions.begin() ? 0 : static_cast<std::size_t>(it - positions.begin()) - 1;
}

bool safe_checkpoint(std::string_view text, std::size_t b) {
  if (b == 0 || b >= text.size()) return false;
  switch (text[b - 1]) {
    case ' ':
    case '\t':
    case '\n':
    case '\r':
    case '\f':
    case '\v':
      return true;
    default:
      break;
  }
  // U+3001 IDEOGRAPHIC COMMA and U+3002 IDEOGRAPHIC FULL STOP: Japanese and Chinese text
  // has no spaces, but these end every clause. Neither is a dictionary character nor a
  // word-joining one (unlike the fullwidth comma and full stop, which are MidNum and
  // MidNumLet in UAX #29), so breaking never looks back across them.
  return b >= 3 && text.compare(b - 3, 2, "\xE3\x80") == 0 &&
         (text[b - 1] == '\x81' || text[b - 1] == '\x82');
}

BodyMap make_body_map(std::string_view body, const std::vector<Token>& tokens,
                      std::size_t chunk_tokens) {
  BodyMap map;
  map.body_size = body.size();
  if (tokens.empty()) return map;
  map.bytes.push_back(0);
  map.positions.push_back(tokens.front().position);
  std::size_t last = 0;
  for (std::size_t i = 1; i < tokens.size(); ++i) {
    if (i - last < chunk_tokens || !safe_checkpoint(body, tokens[i].begin)) continue;
    map.bytes.push_back(tokens[i].begin);
    map.positions.push_back(tokens[i].position);
    last = i;
  }
  return map;
}

std::string encode_body_map(const BodyMap& map) {
  std::string out;
  out += static_cast<char>(kFormat);
  put_varint(out, map.body_size);
  put_varint(out, map.bytes.size());
  uint64_t byte = 0, pos = 0;
  for (std::size_t i = 0; i < map.bytes.size(); ++i) {
    // Deltas: both sequences ascend, so most entries take one or two bytes each.
    put_varint(out, map.bytes[i] - byte);
    put_varint(out, map.positions[i] - pos);
    byte = map.bytes[i];
    pos = map.positions[i];
  }
  return out;
}

std::optional<BodyMap> decode_body_map(std::string_view in) {
  if (in.empty() || static_cast<unsigned char>(in.front()) != kFormat) return std::nullopt;
  in.remove_prefix(1);
  BodyMap map;
  uint64_t count = 0;
  if (!get_varint(in, map.body_size) || !get_varint(in, count)) return std::nullopt;
  // Each entry takes at least two bytes: a count beyond that is damage, not a reason to
  // reserve gigabytes.
  if (count > in.size() / 2 || map.body_size > UINT32_MAX) return std::nullopt;
  map.bytes.reserve(count);
  map.positions.reserve(count);
  uint64_t byte = 0, pos = 0;
  for (uint64_t i = 0; i < count; ++i) {
    uint64_t db = 0, dp = 0;
    if (!get_varint(in, db) || !get_varint(in, dp)) return std::nullopt;
    byte += db;
    pos += dp;
    const bool ascending = i == 0 ? byte == 0 : (db > 0 && dp > 0);
    if (!ascending || byte >= map.body_size || pos > UINT32_MAX) return std::nullopt;
    map.bytes.push_back(static_cast<uint32_t>(byte));
    map.positions.push_back(static_cast<Xapian::termpos>(pos));
  }
  if (!in.empty()) return std::nullopt;
  return map;
}

}  // namespace oly
