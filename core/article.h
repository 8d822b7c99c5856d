// An article as read from any input format, and its stored record.
#pragma once

#include <optional>
#include <string>
#include <vector>

namespace oly {

struct Article {
  std::string id;
  std::string title;
  std::string date;  // "YYYY-MM-DD" (UTC day) or empty
  std::string source;
  std::string url;
  std::string body;
  std::string lang;  // normalised code (core/language.h), e.g. "fr"; empty: index default
  std::vector<std::string> tags;
  // Derived at index time from the text and date (never read from input): Games slugs
  // (core/games.h) and IOC codes (core/countries.h), sorted and unique.
  std::vector<std::string> games{};
  std::vector<std::string> countries{};
};

// The document data of an indexed article: the whole article as compact JSON, because
// snippets are built from the full text at query time.
std::string to_record(const Article& a);
// Parses a stored record; std::nullopt when it is not one of ours.
std::optional<Article> from_record(const std::string& data);

// The bytes an article holds (the cache's measure of a result, core/search.cc).
std::size_t article_bytes(const Article& a);

// Content hash of every input field (schema::kHashed; not the derived ones, which follow
// from these and the analyzer), as 16 hex digits (FNV-1a 64). Together with the analyzer
// identity it tells the indexer that a document is unchanged.
std::string content_hash(const Article& a);
// Plain FNV-1a 64 of a byte string, as 16 hex digits.
std::string hash_hex(std::string_view bytes);

// Normalises a date given as YYYY-MM-DD or an ISO 8601 date-time, with an optional zone
// (Z, +HH:MM, +HHMM, +HH), to the UTC day "YYYY-MM-DD". std::nullopt when invalid.
std::optional<std::string> normalize_date(std::string_view text);

}  // namespace oly
