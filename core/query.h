// The query language: our own parser, every text piece analysed by the shared Analyzer,
// so that query terms are exactly the terms the indexer wrote. Nothing is dropped
// silently: a syntax error is an error with a column, and --explain shows the reading.
#pragma once

#include <xapian.h>

#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "analyzer.h"
#include "ranking.h"

namespace oly {

// Limits of one query, so that parsing and matching cost stay bounded and linear in its
// length (README, "Query language"). Longer queries are an error, never cut silently.
inline constexpr std::size_t kMaxQueryBytes = 32 * 1024;
inline constexpr std::size_t kMaxQueryWords = 1000;  // analysed words, filters included

// Counts up to this many matches exactly; above it, Xapian's estimate with its bounds.
// Measured on general-news (47k articles): at most ~15 ms more per query than 111.
inline constexpr unsigned kExactCountUpTo = 10000;

// User text quoted in an error message: at most `max_chars` characters (then "…"), with
// control characters shown as spaces, so that a 10 MB word is not echoed whole.
std::string excerpt(std::string_view text, std::size_t max_chars = 60);

class QuerySyntaxError : public std::runtime_error {
 public:
  QuerySyntaxError(std::size_t column, const std::string& message)
      : std::runtime_error(message), column_(column) {}
  // 1-based column (in characters) where the problem is.
  std::size_t column() const { return column_; }

 private:
  std::size_t column_;
};

struct QueryNode {
  enum class Kind {
    kTerm,      // one word: exact term, or its stem
    kPhrase,    // words in order within `window` positions (window 0: adjacent)
    kNear,      // words in any order within `window` positions
    kWildcard,  // terms starting with terms[0]
    kFilter,    // boolean term or date range: selects, never scores
    kAnd,
    kOr,
    kAndNot,    // children[0] without any of children[1..]
    kAndMaybe,  // children[0] required, children[1] only adds to the score
    kAll,       // every document
    // similar:ID, the article `filter_term` (Q + id) stands for: expanded into its terms
    // by to_xapian with a database (core/recency.h).
    kSimilar,
  };
  Kind kind = Kind::kAll;
  std::string prefix;              // term prefix of the field ("" body, "S" title, ...)
  std::vector<std::string> terms;  // analysed terms (kTerm, kPhrase, kNear, kWildcard)
  std::vector<std::string> stems;  // kTerm: its stems, one per index language (distinct)
  // kTerm, exact kPhrase: CJK character units, matched as one run (core/cjk.h), or empty.
  std::vector<std::string> units;
  unsigned window = 0;
  // How many times the query gave this item (the parser keeps one of equal items): it
  // scores that many times, as BM25 weighs a query term by its frequency in the query.
  unsigned repeats = 1;
  std::string filter_term;         // kFilter: a boolean term, or empty for a date range
  std::string range_lo, range_hi;  // kFilter date range, "YYYYMMDD" ("" when open)
  std::string label;               // how the user wrote it, for --explain
  std::string resolved_from;  // kFilter date range from a relative date: "7d, today 2024-08-10"
  std::size_t column = 0;     // kSimilar: where its value starts, for the unknown-id error
  std::vector<QueryNode> children;
};

struct QueryOptions {
  bool match_any = false;  // --any: plain words are optional (ranked OR)
  // --plain: every analysed token of the text is a word; no operators (AND, OR, NOT, NEAR,
  // +, -), fields, quotes, groups or wildcards. For text passed on verbatim (TIME's
  // upper-case requests hold AND, OR and NOT as words), where reading syntax would be a
  // silent misreading. Punctuation is dropped as the analyzer drops it.
  bool plain = false;
  unsigned near_window = 10;
  Xapian::termcount wildcard_limit = 5000;  // most frequent expansions kept
  std::string today;       // YYYY-MM-DD for relative dates (`date:7d`); "" = today's UTC date
  RankingOptions ranking;  // how to_xapian() weighs the words (core/ranking.h)
};

// One positive piece of the query that can be found in a text, for snippets.
struct MatchItem {
  QueryNode::Kind kind;  // kTerm, kPhrase, kNear or kWildcard
  std::string prefix;
  std::vector<std::string> terms;
  std::vector<std::string> stems;
  unsigned window = 0;
  std::vector<std::string> units;  // CJK character units (core/cjk.h), or empty
};

// A token of the query with no searchable word (`&`, `-`, `...`, an emoji): left out of
// the query, and reported (describe(), SearchResult::ignored) rather than failing it.
struct IgnoredToken {
  std::string text;    // as written (shortened by excerpt())
  std::size_t column;  // 1-based, in characters
};

class ParsedQuery {
 public:
  QueryNode root;
  std::string text;  // the query as given
  std::vector<IgnoredToken> ignored;

  // A stemmed word is its "Z" stem terms, the exact word weighed as RankingOptions::stems
  // says (default: a tie-breaker; see term_query in query.cc).
  // With `db`, wildcards are expanded over its whole term list (one expansion for all the
  // shards of an index set, so scores equal one index's); without, by Xapian per shard.
  // `similar:ID` needs `db` (its terms come from the article): without one, or when no
  // article has the id, QuerySyntaxError.
  Xapian::Query to_xapian(const QueryOptions& o = {}, const Xapian::Database* db = nullptr) const;
  // A one-line reading of the query: terms after analysis, stems, phrases, filters, and
  // the ignored tokens, if any.
  std::string describe() const;
  // Positive items (not under NOT, not filters) for highlighting.
  std::vector<MatchItem> match_items() const;
};

// Throws QuerySyntaxError. Each plain query word is stemmed by every one of `stemmers`
// (one per language in the index), since a document's stems come from its own language.
ParsedQuery parse_query(std::string_view query, Analyzer& analyzer,
                        const std::vector<const Stemmer*>& stemmers,
                        const QueryOptions& options = {});
inline ParsedQuery parse_query(std::string_view query, Analyzer& analyzer, const Stemmer& stemmer,
                               const QueryOptions& options = {}) {
  return parse_query(query, analyzer, std::vector<const Stemmer*>{&stemmer}, options);
}

// Parses a date filter value: YYYY, YYYY-MM, YYYY-MM-DD, a relative form resolved against
// `today` (core/dates.h; "" = today's UTC date), or a range A..B of those with either side
// open. Returns a kFilter node; throws QuerySyntaxError (column relative to `value`).
QueryNode parse_date_filter(std::string_view value, std::string_view today = {});

}  // namespace oly
