// A sparse map from word positions to byte offsets of an article body, stored with the
// document (schema::kSlotBodyMap) so that the searcher re-analyses only the parts of a
// body around its matches, not the whole body (a 32 MB body cost 1.5 s and ~490 MB per
// query when it was analysed whole for every hit).
//
// The body is cut into chunks of about kBodyMapChunkTokens words. A chunk starts at a
// checkpoint: the byte offset of a word that follows ASCII whitespace or an ideographic
// comma or full stop, so that word breaking from the checkpoint on gives exactly the
// words that breaking the whole body gives (no word-break rule joins across those
// characters, and none of them belongs to a dictionary-segmented CJK run). The test
// "body map: chunks tokenise like the whole body" checks that on real corpora.
#pragma once

#include <xapian.h>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "analyzer.h"

namespace oly {

// Words per chunk at index time: small enough that a match costs little analysis, large
// enough that the map stays a few bytes per hundred words.
inline constexpr std::size_t kBodyMapChunkTokens = 64;

struct BodyMap {
  uint64_t body_size = 0;                  // bytes of the body the map was made for
  std::vector<uint32_t> bytes;             // checkpoint byte offsets, ascending; bytes[0] == 0
  std::vector<Xapian::termpos> positions;  // position of the first word at each checkpoint

  std::size_t chunks() const { return bytes.size(); }
  // [begin, end) bytes of chunk `c`.
  uint32_t chunk_begin(std::size_t c) const { return bytes[c]; }
  uint32_t chunk_end(std::size_t c) const {
    return c + 1 < bytes.size() ? bytes[c + 1] : static_cast<uint32_t>(body_size);
  }
  // The chunk holding byte `b` / word position `p` (the first chunk for anything before it).
  std::size_t chunk_of_byte(std::size_t b) const;
  std::size_t chunk_of_position(Xapian::termpos p) const;
};

// The map of `body` from its tokens as indexed (positions as posted). An empty body, or
// one without words, gets a map with no chunks.
BodyMap make_body_map(std::string_view body, const std::vector<Token>& tokens,
                      std::size_t chunk_tokens = kBodyMapChunkTokens);

// True when a word starting at byte `b` of `text` may start a chunk (see above).
bool safe_checkpoint(std::string_view text, std::size_t b);

std::string encode_body_map(const BodyMap& map);
// std::nullopt when `value` is not a well-formed map (absent, from another version, or
// damaged): the caller then analyses the whole body.
std::optional<BodyMap> decode_body_map(std::string_view value);

}  // namespace oly
