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
#include <string>
#include <string_view>
#include <vector>

#include "article.h"

namespace oly::schema {

// Bump when the meaning of any term, value or record changes; an index with another
// version is refused at open (see core/identity.h).
// 2: stems in the synonym table; 3: id value slot (kSlotId), CJK character units (kPrefixCjk);
// 4: stems as document terms (kPrefixStem), the synonym table unused;
// 5: Games and countries (kPrefixGames, kPrefixCountry), facet value slots;
// 6: the whole source as one term (kPrefixFrom), the source facet keyed by it;
// 7: near-duplicate groups (kSlotSimHash, kSlotDupGroup, kPrefixDupBand, kPrefixDupGroup).
inline constexpr int kSchemaVersion = 7;

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
// The whole source folded (`from:`), boolean: "AP" is not "AP Sports", as `source:` has it.
inline constexpr std::string_view kPrefixFrom = "XF";
inline constexpr std::string_view kPrefixDay = "D";    // YYYYMMDD, boolean
inline constexpr std::string_view kPrefixMonth = "M";  // YYYYMM, boolean
inline constexpr std::string_view kPrefixYear = "Y";   // YYYY, boolean
// CJK character-space marker, put before the field prefix like kPrefixStem: "XC" + unit
// for the body, "XCS" + unit for the title (see core/cjk.h). Units are folded text, never
// an upper-case ASCII letter, so "XCS..." cannot be read as a body unit.
inline constexpr std::string_view kPrefixCjk = "XC";
// Derived at index time (core/games.h, core/countries.h), boolean: a Games slug
// ("XGtokyo-2020") and an IOC code in lower case ("XNjpn"; lower case so that the term
// cannot be read as a longer prefix, Xapian's convention for upper-case starts).
inline constexpr std::string_view kPrefixGames = "XG";
inline constexpr std::string_view kPrefixCountry = "XN";
// Near duplicates (core/dupes.h), boolean: the fingerprint's bands (candidate lookup at
// index time) and the group key (a group's members). Defined by the duplicates task.
inline constexpr std::string_view kPrefixDupBand = "XH";
inline constexpr std::string_view kPrefixDupGroup = "XDG";

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
// Facet slots (core/facets.h): the value counted for each matching document. Single
// values as they are (lang code); the source keyed (FacetFrom::kKeyed: its `from:` term's
// folded value, then the source as written, for the label); lists (tags folded, Games slugs,
// IOC codes) sorted, unique and packed with encode_list(), so that Xapian's own
// ValueCountMatchSpy (which the remote backend knows) counts each distinct list and the
// searcher splits the lists back: exact per-value counts on every backend.
inline constexpr Xapian::valueno kSlotSource = 6;
inline constexpr Xapian::valueno kSlotLang = 7;
inline constexpr Xapian::valueno kSlotTags = 8;
inline constexpr Xapian::valueno kSlotGames = 9;
inline constexpr Xapian::valueno kSlotCountries = 10;
// Near duplicates (core/dupes.h): the body's SimHash fingerprint, and the key of the
// group of near-duplicate articles it belongs to (what --collapse collapses on).
inline constexpr Xapian::valueno kSlotSimHash = 11;
inline constexpr Xapian::valueno kSlotDupGroup = 12;
inline constexpr Xapian::valueno kNoSlot = Xapian::BAD_VALUENO;

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
  // Derived list (Games, countries): a boolean term per value; a query value is resolved
  // through the field's vocabulary (`resolve`) to one or more values, OR-ed.
  kLookup,
  kUnindexed,  // not indexed and no query field (url): only read, stored, hashed and printed
};

// A query value of a kLookup field resolved to the values it means (`games:winter` → every
// Winter Games slug; `country:japon` → JPN). False with `error` set when it means nothing:
// an unknown Games or country is an error, never an empty filter.
using Resolver = bool (*)(std::string_view value, std::vector<std::string>& values,
                          std::string& error);

// How an input value becomes the field's value (core/reader.cc). Text header lines and
// JSON strings go through the same rule, so both formats agree.
enum class InputRule {
  kText,        // as written (JSON: a string)
  kIdentifier,  // as written (JSON: a string, or an integer read as its digits)
  kDate,        // normalize_date(); a bad date is a warning, the article kept undated
  kLanguage,    // article_language(): a BCP 47 tag, code or name to the stemmer's code
  kList,        // JSON: an array of strings or a comma-separated string; header: comma-separated
};

// What a field is to an article (bits of Field::use).
enum Use : unsigned {
  kRead = 1u << 0,     // read from input, as JSON key and text header key (`key`, `key_alias`)
  kHashed = 1u << 1,   // in content_hash: the input's identity (derived fields never are)
  kStored = 1u << 2,   // in the document record (to_record/from_record)
  kPrinted = 1u << 3,  // in article_json (the server's /articles/ID) and in each hit's JSON
  // Not a text header key (the body follows the header block; it is no `Body:` line).
  kNoHeader = 1u << 4,
  kHitless = 1u << 5,  // printed for an article but not in a hit (the body: hits have snippets)
  kHitHead = 1u << 6,  // in a hit before its score (the id: the hit's identity)
  // In a hit after its snippet and matches: JSON version 1 is only extended, so keys added
  // after its first form come after every key it had.
  kHitTail = 1u << 7,
  // The title: its words also count in the body space (kTitleBoost), its tokens are kept
  // for the taggers (core/document.cc).
  kTitleText = 1u << 8,
  // The body: its checkpoints are stored (kSlotBodyMap) and the taggers run right after it.
  kMainText = 1u << 9,
};

// The Article member a field lives in: exactly one of the two is set.
struct Member {
  std::string Article::*text = nullptr;
  std::vector<std::string> Article::*list = nullptr;
};

struct Field {
  std::string_view name;    // the name used in queries, e.g. `title:`
  std::string_view alias;   // a second accepted name in queries ("" when none)
  std::string_view prefix;  // term prefix
  FieldKind kind;
  Xapian::valueno facet_slot = kNoSlot;  // facet value slot, kNoSlot when none
  Resolver resolve = nullptr;            // kLookup only
  // The article's side (core/article.cc, core/reader.cc, front/json_printer.cc,
  // core/document.cc): where the value lives, its record / JSON key (also the input key
  // and the text header key, case-insensitive there), a second accepted input key, how
  // input is read, what it is used for (Use bits), and its place in the record and in
  // printed JSON (`order`: the keys of JSON version 1 first, newer ones after them).
  Member member = {};
  std::string_view key = {};
  std::string_view key_alias = {};
  InputRule input = InputRule::kText;
  unsigned use = 0;
  int order = 0;

  constexpr bool has(Use u) const { return (use & u) != 0; }
  constexpr bool is_list() const { return member.list != nullptr; }
};

bool resolve_games_value(std::string_view value, std::vector<std::string>& values,
                         std::string& error);  // core/games.cc
bool resolve_country_value(std::string_view value, std::vector<std::string>& values,
                           std::string& error);  // core/countries.cc

inline constexpr unsigned kInputField = kRead | kHashed | kStored | kPrinted;
inline constexpr unsigned kDerivedField = kStored | kPrinted;

// Order matters: positional fields get consecutive position ranges in this order. A new
// article field is one row here (and its Article member).
// clang-format off
inline constexpr std::array<Field, 11> kFields{{
  // query name, alias, prefix, kind, facet slot, resolver,
  //   member, key, key alias, input rule, use, order
  {"title", "", kPrefixTitle, FieldKind::kText, kNoSlot, nullptr,
     {&Article::title}, "title", "", InputRule::kText, kInputField | kTitleText, 1},
  {"body", "", "", FieldKind::kText, kNoSlot, nullptr,
     {&Article::body}, "body", "", InputRule::kText,
     kInputField | kNoHeader | kHitless | kMainText, 7},
  {"source", "", kPrefixSource, FieldKind::kTextFilter, kNoSlot, nullptr,
     {&Article::source}, "source", "", InputRule::kText, kInputField, 3},
  {"tag", "tags", kPrefixTag, FieldKind::kExact, kSlotTags, nullptr,
     {nullptr, &Article::tags}, "tags", "tag", InputRule::kList, kInputField, 6},
  {"lang", "language", kPrefixLang, FieldKind::kExact, kSlotLang, nullptr,
     {&Article::lang}, "lang", "language", InputRule::kLanguage, kInputField, 5},
  {"id", "", kPrefixId, FieldKind::kRaw, kNoSlot, nullptr,
     {&Article::id}, "id", "", InputRule::kIdentifier, kInputField | kHitHead, 0},
  {"date", "", kPrefixDay, FieldKind::kDate, kNoSlot, nullptr,
     {&Article::date}, "date", "", InputRule::kDate, kInputField, 2},
  {"games", "", kPrefixGames, FieldKind::kLookup, kSlotGames, resolve_games_value,
     {nullptr, &Article::games}, "games", "", InputRule::kList, kDerivedField | kHitTail, 8},
  {"country", "countries", kPrefixCountry, FieldKind::kLookup, kSlotCountries,
     resolve_country_value,
     {nullptr, &Article::countries}, "countries", "", InputRule::kList,
     kDerivedField | kHitTail, 9},
  // Index-only (no Use bit, no key, order -1): a second way to index the source.
  {"from", "", kPrefixFrom, FieldKind::kExact, kSlotSource, nullptr,
     {&Article::source}, "", "", InputRule::kText, 0, -1},
  {"url", "", "", FieldKind::kUnindexed, kNoSlot, nullptr,
     {&Article::url}, "url", "", InputRule::kText, kInputField, 4},
}};
// clang-format on

// A row with no Use bit only indexes a member another row reads (`from:` on the source):
// it is no article field (no key, no place in the record or output, order -1).
constexpr bool index_only(const Field& f) {
  return f.use == 0;
}

constexpr std::size_t article_field_count() {
  std::size_t n = 0;
  for (const Field& f : kFields) n += index_only(f) ? 0 : 1;
  return n;
}

// The article fields in record / output order (Field::order); index-only rows left out.
inline constexpr std::array<const Field*, article_field_count()> kArticleOrder = [] {
  std::array<const Field*, article_field_count()> out{};
  for (const Field& f : kFields) {
    if (!index_only(f)) out[static_cast<std::size_t>(f.order)] = &f;
  }
  return out;
}();

// The table's promises, checked where it is compiled rather than by a test run.
constexpr bool fields_consistent() {
  std::array<int, kFields.size()> seen{};
  for (const Field& f : kFields) {
    if ((f.member.text == nullptr) == (f.member.list == nullptr)) return false;  // exactly one
    if (index_only(f)) {
      // Indexes what another (article) row holds, so it must be indexed and be a query field.
      if (f.order != -1 || !f.key.empty() || !f.key_alias.empty()) return false;
      if (f.kind == FieldKind::kUnindexed || f.kind == FieldKind::kLookup) return false;
      bool shared = false;
      for (const Field& g : kFields) {
        if (!index_only(g) && g.member.text == f.member.text && g.member.list == f.member.list)
          shared = true;
      }
      if (!shared) return false;
      continue;
    }
    if (f.order < 0 || static_cast<std::size_t>(f.order) >= article_field_count()) return false;
    if (seen[static_cast<std::size_t>(f.order)]++) return false;
    if (f.key.empty()) return false;
    if ((f.input == InputRule::kList) != f.is_list()) return false;
    if (f.has(kHashed) && !f.has(kRead)) return false;  // derived fields are never hashed
    // (A lookup field's resolver is checked by a test: GCC cannot compare a function's
    // address with nullptr at compile time under -fsanitize.)
    if (f.has(kTitleText) && f.kind != FieldKind::kText) return false;
    if (f.has(kMainText) && f.kind != FieldKind::kText) return false;
  }
  return true;
}
static_assert(fields_consistent(), "schema::kFields: see fields_consistent()");

// How a facet's values come out of its slot.
enum class FacetFrom {
  kValue,  // the slot's value is the facet value
  kList,   // the slot holds an encode_list() list: each element counts
  // The slot holds encode_list({key, display}): the key (the folded value a filter term
  // holds) counts, the display form (as written) labels it.
  kKeyed,
  kYear,   // kSlotDate "YYYYMMDD": its first 4 digits
  kMonth,  // kSlotDate: "YYYY-MM"
};

struct Facet {
  std::string_view name;  // as in --facets
  Xapian::valueno slot;
  FacetFrom from;
};

inline constexpr std::array<Facet, 7> kFacets{{
    {"source", kSlotSource, FacetFrom::kKeyed},
    {"year", kSlotDate, FacetFrom::kYear},
    {"month", kSlotDate, FacetFrom::kMonth},
    {"lang", kSlotLang, FacetFrom::kValue},
    {"tags", kSlotTags, FacetFrom::kList},
    {"games", kSlotGames, FacetFrom::kList},
    {"country", kSlotCountries, FacetFrom::kList},
}};

// A facet counted from a field's slot splits lists exactly when the field is a list.
constexpr bool facets_match_fields() {
  for (const Facet& facet : kFacets) {
    for (const Field& f : kFields) {
      if (f.facet_slot != facet.slot) continue;
      if ((facet.from == FacetFrom::kList) != f.is_list()) return false;
      // A keyed value's key is a whole folded value: the field's kExact term.
      if (facet.from == FacetFrom::kKeyed && f.kind != FieldKind::kExact) return false;
    }
  }
  return true;
}
static_assert(facets_match_fields(), "schema::kFacets: a list slot is read as a list");

constexpr const Facet* find_facet(std::string_view name) {
  for (const Facet& f : kFacets) {
    if (f.name == name) return &f;
  }
  return nullptr;
}

// The boolean term of a vocabulary (kLookup) value: the prefix, then the value in lower
// case ("XN" + "JPN" -> "XNjpn"), so that it cannot be read as a longer prefix. The
// document builder and the query parser both spell it through here.
inline std::string lookup_term(std::string_view prefix, std::string_view value) {
  std::string term(prefix);
  for (char c : value) term += (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
  return term;
}

// A list value slot: each element as its length (one byte per 7 bits, low first, high
// bit = more) then its bytes. Any byte may occur in an element (a tag can hold anything).
inline std::string encode_list(const std::vector<std::string>& sorted_unique) {
  std::string out;
  for (const std::string& v : sorted_unique) {
    std::size_t n = v.size();
    do {
      const auto low = static_cast<unsigned char>(n & 0x7F);
      n >>= 7;
      out += static_cast<char>(n ? (low | 0x80) : low);
    } while (n);
    out += v;
  }
  return out;
}

// Appends the elements of an encode_list() value; false when it is malformed.
inline bool decode_list(std::string_view in, std::vector<std::string>& out) {
  std::size_t i = 0;
  while (i < in.size()) {
    std::size_t n = 0;
    unsigned shift = 0;
    for (;;) {
      if (i >= in.size() || shift > 28) return false;
      const auto c = static_cast<unsigned char>(in[i++]);
      n |= static_cast<std::size_t>(c & 0x7F) << shift;
      shift += 7;
      if (!(c & 0x80)) break;
    }
    if (n > in.size() - i) return false;
    out.emplace_back(in.substr(i, n));
    i += n;
  }
  return true;
}

// Looks a query field up by its query name or alias; nullptr when unknown (a kUnindexed
// field such as the url is no query field).
constexpr const Field* find_field(std::string_view name) {
  for (const Field& f : kFields) {
    if (f.kind == FieldKind::kUnindexed) continue;
    if (f.name == name || (!f.alias.empty() && f.alias == name)) return &f;
  }
  return nullptr;
}

}  // namespace oly::schema
