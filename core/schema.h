// The one place that owns every term prefix, value slot and metadata key of the index.
//
// Conventions follow Xapian's omega: single upper-case letters for the standard prefixes
// (Q unique id, S title, Z stemmed form, K keyword/tag, L language, D/M/Y date terms) and
// X-prefixed names for our own. The field table below drives both document building
// (core/document.cc) and query parsing (core/query.cc), so a field added here is indexed and
// searchable at once.
#pragma once

#include <xapian.h>

#include <array>
#include <cstdint>
#include <string_view>

namespace oly::schema {

// Bump when the meaning of any term, value or record changes; an index with another
// version is refused at open (see core/identity.h).
// 2: stems in the synonym table; 3: id value slot (kSlotId), CJK character units (kPrefixCjk);
// 4: stems as document terms (kPrefixStem), the synonym table unused.
inline constexpr int kSchemaVersion = 4;

// Term prefixes.
inline constexpr std::string_view kPrefixId = "Q";     // unique article id, boolean
inline constexpr std::string_view kPrefixTitle = "S";  // title words, positional
// Stem marker, put before the field prefix: "Z" + stem for the body space, "ZS" + stem for
// the title. Document terms without positions, wdf 1 per occurrence of a form (title stems
// also in the body space with kTitleBoost, like title words), in the article's language.
// Not the synonym table: Xapian 1.4's remote backend has none.
inline constexpr std::string_view kPrefixStem = "Z";
inline constexpr std::string_view kPrefixTag = "K";        // whole folded tag, boolean
inline constexpr std::string_view kPrefixLang = "L";       // ISO 639-1 code, boolean
inline constexpr std::string_view kPrefixSource = "XSRC";  // source words, positional
inline constexpr std::string_view kPrefixDay = "D";        // YYYYMMDD, boolean
inline constexpr std::string_view kPrefixMonth = "M";      // YYYYMM, boolean
inline constexpr std::string_view kPrefixYear = "Y";       // YYYY, boolean
// CJK character-space marker, put before the field prefix like kPrefixStem: "XC" + unit
// for the body, "XCS" + unit for the title (see core/cjk.h). Units are folded text, never
// an upper-case ASCII letter, so "XCS..." cannot be read as a body unit.
inline constexpr std::string_view kPrefixCjk = "XC";

// Value slots.
inline constexpr Xapian::valueno kSlotDate = 0;         // "YYYYMMDD"; sorts as a string
inline constexpr Xapian::valueno kSlotContentHash = 1;  // 16 hex digits, see core/hash.h
inline constexpr Xapian::valueno kSlotId = 2;  // the article id: ties in rankings sort by it
// Checkpoints of the body (core/body_map.h): the searcher re-analyses only the chunks
// around a hit's matches. Documents without it (older indexes) are analysed whole.
inline constexpr Xapian::valueno kSlotBodyMap = 3;
// Date-order sort keys, one per direction: the date (its digits inverted, 9 - d, for
// newest first), or "~" when undated so undated articles sort last both ways, then the
// id. Sorting by one stored value is what Xapian's remote backend can do (it refuses a
// KeyMaker), so a date-sorted search over xapian-tcpsrv shards equals one index.
inline constexpr Xapian::valueno kSlotOldestFirst = 4;
inline constexpr Xapian::valueno kSlotNewestFirst = 5;

// Metadata keys (Xapian user metadata).
inline constexpr std::string_view kMetaSchemaVersion = "oly.schema_version";
inline constexpr std::string_view kMetaAnalyzer = "oly.analyzer";
inline constexpr std::string_view kMetaDefaultLanguage = "oly.default_language";
// Comma-separated stemming languages of the indexed articles; queries are stemmed in each.
inline constexpr std::string_view kMetaLanguages = "oly.languages";
// "I/N" in shard I of a sharded index of N shards (core/sharding.h); absent otherwise.
inline constexpr std::string_view kMetaShards = "oly.shards";

// Positions: each positional field starts this far past the previous one, so that a
// phrase or NEAR query can never match across a field boundary.
inline constexpr Xapian::termpos kFieldPositionGap = 100;

// CJK units are numbered from here, in the same field order and with the same gap as the
// words, so that a character position is never taken for a word position.
inline constexpr Xapian::termpos kCjkPositionBase = 1u << 30;

// Title words are also indexed in the unprefixed (body) space with this wdf per
// occurrence, so that a plain query ranks a title match above a body match under BM25.
inline constexpr Xapian::termcount kTitleBoost = 3;

enum class FieldKind {
  kText,        // analysed, positional, contributes to the score
  kTextFilter,  // analysed, positional, used as a filter (no score)
  kExact,       // whole value folded to one boolean term
  kRaw,         // whole value verbatim as one boolean term (ids)
  kDate,        // value slot plus day/month/year terms
};

struct Field {
  std::string_view name;    // the name used in queries, e.g. `title:`
  std::string_view alias;   // a second accepted name in queries ("" when none)
  std::string_view prefix;  // term prefix
  FieldKind kind;
};

// Order matters: positional fields get consecutive position ranges in this order.
inline constexpr std::array<Field, 7> kFields{{
    {"title", "", kPrefixTitle, FieldKind::kText},
    {"body", "", "", FieldKind::kText},
    {"source", "", kPrefixSource, FieldKind::kTextFilter},
    {"tag", "tags", kPrefixTag, FieldKind::kExact},
    {"lang", "language", kPrefixLang, FieldKind::kExact},
    {"id", "", kPrefixId, FieldKind::kRaw},
    {"date", "", kPrefixDay, FieldKind::kDate},
}};

// Looks a field up by its query name or alias; nullptr when unknown.
constexpr const Field* find_field(std::string_view name) {
  for (const Field& f : kFields) {
    if (f.name == name || (!f.alias.empty() && f.alias == name)) return &f;
  }
  return nullptr;
}

}  // namespace oly::schema
