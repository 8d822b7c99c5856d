// Ranking switches: how a parsed query is weighted (a word's exact form and its stems,
// proximity of adjacent query words, pseudo-relevance feedback). Every switch builds a
// query of Xapian's built-in operators under BM25, so one index, local shards and remote
// shards (xapian-tcpsrv knows no weighting class of ours) rank alike.
#pragma once

#include <xapian.h>

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace oly {

// How a query word's exact form and its stem group make its score (`--stems=`).
enum class StemMode {
  // The stem group is the word (every form counts alike, as in Porter-stemmed engines);
  // the exact form adds kExactTiebreakShare of its own weight, so of articles alike in
  // every other way the one using the query's very form ranks first. An article without
  // the word's stem (its language has no stemmer, or another one) scores the exact form
  // at full weight: OR(stems AND_MAYBE share x exact, exact AND_NOT stems).
  kTiebreak,
  // One BM25 term per word: OP_SYNONYM(stem group, exact form). The wdf is the stem
  // group's plus the exact form's, so the exact form counts extra inside one saturating
  // term, and the word has one idf (of the union); the query's words keep their balance.
  kSynonym,
  // Two BM25 terms per word, OP_OR(stem group, exact form) (the ranking before issue 16):
  // a word with both counts about twice, each part saturating and idf'd on its own.
  kOr,
  kExact,  // the exact form only: other forms do not match
};

// The exact form's share of its weight under kTiebreak. A tie-breaker, not a second
// word: at 1 (kOr) an article holding the exact form counts the word about twice. Chosen
// on two collections (README "Ranking": TIME's judgments and general-news titles as
// known-item queries); both are ahead of FTS5 and of kOr from 0.05 to 0.2.
inline constexpr double kExactTiebreakShare = 0.2;

// The defaults are the ranking that measured best on both collections (README "Ranking"):
// kSynonym's idf is Xapian's estimate for the union of the stem and the exact form, which
// counts the articles holding both twice (the exact form is inside its stem group) and so
// lowers the idf of common words; proximity with the literature's weights lowered nDCG.
struct RankingOptions {
  StemMode stems = StemMode::kTiebreak;  // --stems=tiebreak|synonym|or|exact
  // --proximity: adjacent query words found next to each other (in order) or within a
  // few words (any order) add to the score; never changes what matches.
  bool proximity = false;
  // --feedback: pseudo-relevance feedback; the top documents' best terms reorder the
  // query's matches (never add any) and the query runs again (twice the cost).
  bool feedback = false;
};

// "tiebreak", "synonym", "or", "exact" (throws std::invalid_argument naming the choices).
StemMode parse_stem_mode(std::string_view text);
std::string_view stem_mode_name(StemMode m);
// "stems=synonym proximity=on feedback=off": for --explain and the cache key.
std::string describe_ranking(const RankingOptions& o);

// Throws std::invalid_argument when `o` asks for a switch whose ranking depends on how
// the index is split: --proximity gave other scores over 3 shards than over one index of
// the same articles (Xapian 1.4.22 estimates a phrase's frequency per shard), so over more
// than one shard it is refused rather than answered differently. (--feedback is the same
// everywhere: its expansion uses exact term frequencies; tests/test_ranking.cc.)
void check_ranking_layout(const RankingOptions& o, std::size_t shards);

// A body-space word of the query for proximity: its exact (positional) term.
struct ProximityWord {
  std::string prefix;
  std::string term;
};

// Adds to `base` the proximity bonus of consecutive `words` of the same field (OP_AND_MAYBE:
// the matches stay those of `base`). Returns `base` when there is no pair.
Xapian::Query with_proximity(Xapian::Query base, const std::vector<ProximityWord>& words);

// Pseudo-relevance feedback on an Enquire holding the query `q` (already run by the
// caller's settings): `q` AND_MAYBE the top documents' expansion terms at a lower weight,
// so the matches stay `q`'s. Returns `q` when the first pass matched nothing.
Xapian::Query with_feedback(Xapian::Enquire& enquire, const Xapian::Query& q);

}  // namespace oly
