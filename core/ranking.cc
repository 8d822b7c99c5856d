#include "ranking.h"

#include <stdexcept>
#include <unordered_set>

namespace oly {

StemMode parse_stem_mode(std::string_view text) {
  if (text == "tiebreak") return StemMode::kTiebreak;
  if (text == "synonym") return StemMode::kSynonym;
  if (text == "or") return StemMode::kOr;
  if (text == "exact") return StemMode::kExact;
  throw std::invalid_argument("expected tiebreak, synonym, or or exact, got '" + std::string(text) +
                              "'");
}

std::string_view stem_mode_name(StemMode m) {
  switch (m) {
    case StemMode::kTiebreak:
      return "tiebreak";
    case StemMode::kSynonym:
      return "synonym";
    case StemMode::kOr:
      return "or";
    case StemMode::kExact:
      return "exact";
  }
  return "?";
}

std::string describe_ranking(const RankingOptions& o) {
  std::string out = "stems=";
  out += stem_mode_name(o.stems);
  out += o.proximity ? " proximity=on" : " proximity=off";
  out += o.feedback ? " feedback=on" : " feedback=off";
  return out;
}

void check_ranking_layout(const RankingOptions& o, std::size_t shards) {
  if (shards <= 1 || !o.proximity) return;
  throw std::invalid_argument("--proximity ranks differently over " + std::to_string(shards) +
                              " shards than over one index (Xapian 1.4); it needs one index");
}

namespace {

// The shares of the sequential dependence model (Metzler and Croft, SIGIR 2005: 0.85 for
// the words, 0.10 for ordered adjacent pairs, 0.05 for unordered pairs within 8 words),
// the literature's default, relative to the words' share. Xapian weighs a phrase or NEAR
// match by the BM25 weights of its terms, so a scale of 0.10 / 0.85 gives an adjacent
// pair about that share of what its words already scored. Not tuned on any test set.
constexpr double kOrderedScale = 0.10 / 0.85;
constexpr double kUnorderedScale = 0.05 / 0.85;
constexpr Xapian::termcount kUnorderedWindow = 8;

// Feedback as RM3 is usually run (e.g. Anserini's defaults): the top 10 documents, the
// 10 best expansion terms, and the expansion weighted half of the original query.
constexpr Xapian::doccount kFeedbackDocs = 10;
constexpr Xapian::termcount kFeedbackTerms = 10;
constexpr double kFeedbackScale = 0.5;

// Expansion terms: plain body words only (field, stem, filter and id terms carry an
// upper-case ASCII prefix), and none the query already has.
class BodyWordDecider : public Xapian::ExpandDecider {
 public:
  explicit BodyWordDecider(const Xapian::Query& q) {
    for (auto t = q.get_unique_terms_begin(); t != q.get_unique_terms_end(); ++t) {
      query_terms_.insert(*t);
    }
  }
  bool operator()(const std::string& term) const override {
    if (term.empty() || (term[0] >= 'A' && term[0] <= 'Z')) return false;
    return query_terms_.count(term) == 0;
  }

 private:
  std::unordered_set<std::string> query_terms_;
};

}  // namespace

Xapian::Query with_proximity(Xapian::Query base, const std::vector<ProximityWord>& words) {
  std::vector<Xapian::Query> ordered, unordered;
  for (std::size_t i = 0; i + 1 < words.size(); ++i) {
    const ProximityWord &a = words[i], &b = words[i + 1];
    // An empty term is a break (core/query.cc); a repeated word is no pair.
    if (a.term.empty() || b.term.empty() || a.prefix != b.prefix || a.term == b.term) continue;
    const Xapian::Query pair[] = {Xapian::Query(a.prefix + a.term),
                                  Xapian::Query(b.prefix + b.term)};
    ordered.emplace_back(Xapian::Query::OP_PHRASE, pair, pair + 2, 2);
    unordered.emplace_back(Xapian::Query::OP_NEAR, pair, pair + 2, kUnorderedWindow);
  }
  if (ordered.empty()) return base;
  const Xapian::Query bonus(
      Xapian::Query::OP_OR,
      Xapian::Query(Xapian::Query::OP_SCALE_WEIGHT,
                    Xapian::Query(Xapian::Query::OP_OR, ordered.begin(), ordered.end()),
                    kOrderedScale),
      Xapian::Query(Xapian::Query::OP_SCALE_WEIGHT,
                    Xapian::Query(Xapian::Query::OP_OR, unordered.begin(), unordered.end()),
                    kUnorderedScale));
  return Xapian::Query(Xapian::Query::OP_AND_MAYBE, base, bonus);
}

Xapian::Query with_feedback(Xapian::Enquire& enquire, const Xapian::Query& q) {
  const Xapian::MSet top = enquire.get_mset(0, kFeedbackDocs);
  if (top.empty()) return q;
  Xapian::RSet rset;
  for (auto it = top.begin(); it != top.end(); ++it) rset.add_document(*it);
  const BodyWordDecider decider(q);
  // Exact term frequencies: over shards, Xapian's default estimates them per shard, and
  // the chosen terms (and so the ranking) would depend on how the index is split.
  const Xapian::ESet eset =
      enquire.get_eset(kFeedbackTerms, rset, Xapian::Enquire::USE_EXACT_TERMFREQ, &decider);
  if (eset.empty()) return q;
  std::vector<Xapian::Query> terms;
  for (auto t = eset.begin(); t != eset.end(); ++t) terms.emplace_back(*t);
  const Xapian::Query expansion(Xapian::Query::OP_SCALE_WEIGHT,
                                Xapian::Query(Xapian::Query::OP_OR, terms.begin(), terms.end()),
                                kFeedbackScale);
  // AND_MAYBE, not OR: the expansion reorders the query's matches but never adds an
  // article that the query as written does not match (`a b` still means both words).
  return Xapian::Query(Xapian::Query::OP_AND_MAYBE, q, expansion);
}

}  // namespace oly
