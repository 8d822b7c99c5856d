// Did you mean: for a query with few matches, a rewritten query whose misspelled-looking
// words are replaced by near words of the index's own vocabulary (the unprefixed title and
// body terms the indexer wrote). Never applied: the caller shows it next to the answer.
//
// Only what every Xapian backend serves is used (allterms_begin(prefix), get_termfreq), so
// one index, local shards and remote shards (xapian-tcpsrv, which has no spelling table in
// Xapian 1.4) give the same suggestion.
#pragma once

#include <xapian.h>

#include <functional>
#include <string>
#include <string_view>

#include "analyzer.h"

namespace oly {

// A query is checked only when it has fewer matches than this: a query that matches
// well gets no suggestion, and the cost is paid only by the few queries that need it.
inline constexpr Xapian::doccount kSuggestBelow = 10;
// A word is replaced only when the candidate is in at least this many times more
// documents (a word in no document always is): a rare correct name keeps its spelling.
inline constexpr Xapian::doccount kSuggestDominance = 10;
// A word the index holds in more articles than this is a word, not a slip in the copy: it
// is replaced only by one holding every letter it has (`patrik` -> patrick, never
// `beijing` -> being), so a rare name keeps its spelling.
inline constexpr Xapian::doccount kSuggestOneOffDocs = 2;
// Words looked up per query at most (the rarest first): bounds the cost of a long query.
inline constexpr std::size_t kSuggestMaxWords = 8;
// Shorter words (in code points) are never corrected: too many words are one edit away.
inline constexpr std::size_t kSuggestMinLength = 3;
// Words of at least this many code points may be corrected by two edits, shorter by one.
inline constexpr std::size_t kSuggestTwoEditsFrom = 7;

struct Suggestion {
  std::string query;  // the rewritten query, "" when there is none
  // Why a word was not looked at although the query has few matches (CJK and other
  // scripts written without spaces), for --explain; "" otherwise.
  std::string note;
};

// The number of documents a query text matches (at least), with the same filters and
// options as the query it would replace.
using MatchCounter = std::function<Xapian::doccount(const std::string& query)>;

// The suggestion for `query`, which matched `matches` documents at most (its upper
// bound). `query` has been parsed without error. Words are replaced in place, columns
// from the analyzer's byte offsets; fields, phrases and operators stay as written; words
// that are excluded (-word, NOT), wildcards and non-text field values are left alone. A
// rewrite is returned only when `count` shows it matches more documents than `matches`.
Suggestion suggest_query(std::string_view query, Xapian::doccount matches, Analyzer& analyzer,
                         const Xapian::Database& db, const MatchCounter& count);

// Damerau-Levenshtein distance (optimal string alignment: an adjacent transposition is one
// edit) between two code point strings, or `limit` + 1 when it is above `limit`.
std::size_t edit_distance(std::u32string_view a, std::u32string_view b, std::size_t limit);

}  // namespace oly
