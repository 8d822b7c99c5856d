// Recency: relevance blended with freshness (`--recency 30d`), and more-like-this
// (`similar:ID`, `--similar ID`).
//
// Recency is Elasticsearch's multiplicative exp decay: score = BM25 * 0.5^(age / half-life),
// age in days from the request's "today". It is computed by reranking Xapian's relevance
// order on the client, never by a KeyMaker, PostingSource or Weight of ours (the remote
// backend refuses them), and the page is exact: see rerank_by_recency.
//
// More-like-this expands an article into its own most telling text terms (an RSet holding
// it, Enquire::get_eset over the whole index set, so one index, local shards and remote
// shards choose the same terms) and searches for their weighted OR without the article.
#pragma once

#include <xapian.h>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace oly {

// Days in a month and a year of a half-life: the Gregorian averages, so `12m` is `1y`.
inline constexpr double kDaysPerYear = 365.2425;
inline constexpr double kDaysPerMonth = kDaysPerYear / 12;
// The longest half-life: beyond it the factor is 1 for any article of any archive.
inline constexpr double kMaxHalfLifeDays = 1000 * kDaysPerYear;

// "30d", "2w", "12m", "1y" (a whole number N >= 1, then d, w, m or y; ASCII letters in
// either case) into days. Throws std::invalid_argument with a message that quotes `text`
// (the caller puts the flag or key in front).
double parse_half_life(std::string_view text);

// The freshness factor 0.5^(age / half-life), in (0, 1]. A negative age (an article dated
// after "now") counts as 0: it is as fresh as today's, not fresher (the factor never
// exceeds 1, which the exact rerank relies on).
double recency_factor(double age_days, double half_life_days);

// Days since 1970-01-01 of a day written YYYYMMDD (the date slot) or YYYY-MM-DD (the
// request's today); nullopt when `day` is neither (an undated article's empty slot).
std::optional<std::int64_t> day_number(std::string_view day);

// The factor of an article whose date slot holds `date_slot`, "now" being day `today`.
// An undated article gets 0: it ranks after every dated match (in relevance order among
// the undated ones), because its freshness is unknown, and 1 would put it above
// everything a user asked to see fresh first.
double date_factor(std::string_view date_slot, std::int64_t today, double half_life_days);

// One match reranked: blended score, BM25 relevance, the article id (ties) and its
// document (already fetched).
struct RecencyHit {
  Xapian::docid docid = 0;
  double score = 0;      // relevance * factor
  double relevance = 0;  // Xapian's BM25 weight
  // The order's key: the product above underflows to 0 with a short half-life over old
  // dates (2^-1400), so dated hits are ordered by log(relevance) - age * ln 2 / half-life
  // (relevance 0: -inf, then newer first), undated ones after them.
  bool dated = false;
  double age = 0;  // days, 0 for future dates and undated articles
  double key = 0;
  std::string id;  // the kSlotId value: equal keys are ordered by it
  Xapian::Document doc;
};

// The order of a reranked list: dated before undated; dated by key, then age (newer
// first); then relevance, then article id (as Xapian orders equal relevance,
// set_sort_by_relevance_then_value on the id slot).
bool recency_before(const RecencyHit& a, const RecencyHit& b);

struct RecencyPage {
  std::vector<RecencyHit> hits;  // the page, in order
  Xapian::doccount fetched = 0;  // matches read from Xapian to prove it
  bool exhausted = false;        // every match was read
};

// The page [offset, offset + limit) of the matches of `enquire` (a query, a weighting
// scheme and relevance-then-id order already set; no match spy, since it is asked
// several times) in blended order. Exact: it reads the first K matches by relevance; a
// match below the K-th has relevance <= the K-th's (R), hence blended score <= R, and
// if its relevance equals R its id sorts after the K-th's; in log space its key is
// <= log(R), with equality only at age 0. Once the last hit of the
// page (counting the offset) sorts before any such key, no unread match can enter the
// page; otherwise K grows (x4) until that holds or every match is read.
RecencyPage rerank_by_recency(Xapian::Enquire& enquire, std::size_t offset, std::size_t limit,
                              std::int64_t today, double half_life_days);

// The `similar:ID` query: the article's top terms by Xapian's expansion weight, each
// scaled by it, OR-ed, without the article itself. Only exact-form text terms take
// part: body words (unprefixed) and title words (`S`), and only those another article
// holds too (a term unique to the article finds nothing else). Throws
// std::out_of_range naming the id when no article has it, or when the article has no
// such term (an empty expansion would answer "no matches" silently).
inline constexpr Xapian::termcount kSimilarTerms = 30;
Xapian::Query similar_query(const Xapian::Database& db, const std::string& id);

}  // namespace oly
