#include "recency.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <stdexcept>

#include "query.h"
#include "schema.h"

namespace oly {

double parse_half_life(std::string_view text) {
  const std::string quoted = "'" + excerpt(text) + "'";
  const std::string usage =
      "expected a half-life: a whole number then d, w, m or y (30d, 2w, 12m, 1y), got " + quoted;
  std::size_t digits = 0;
  while (digits < text.size() && text[digits] >= '0' && text[digits] <= '9') ++digits;
  // Seven digits at most: the number cannot overflow, and anything longer is over the
  // maximum anyway (checked below with its own message).
  if (digits == 0 || digits + 1 != text.size() || digits > 7) {
    if (digits > 7 && digits + 1 == text.size()) {
      throw std::invalid_argument("a half-life is at most 1000 years, got " + quoted);
    }
    throw std::invalid_argument(usage);
  }
  double n = 0;
  for (std::size_t i = 0; i < digits; ++i) n = n * 10 + (text[i] - '0');
  double unit = 0;
  switch (text.back()) {
    case 'd':
    case 'D':
      unit = 1;
      break;
    case 'w':
    case 'W':
      unit = 7;
      break;
    case 'm':
    case 'M':
      unit = kDaysPerMonth;
      break;
    case 'y':
    case 'Y':
      unit = kDaysPerYear;
      break;
    default:
      throw std::invalid_argument(usage);
  }
  // 0d would divide by zero: "only today counts" is not a decay.
  if (n == 0) throw std::invalid_argument("a half-life must be above 0, got " + quoted);
  if (n * unit > kMaxHalfLifeDays) {
    throw std::invalid_argument("a half-life is at most 1000 years, got " + quoted);
  }
  return n * unit;
}

double recency_factor(double age_days, double half_life_days) {
  return std::exp2(-std::max(age_days, 0.0) / half_life_days);
}

std::optional<std::int64_t> day_number(std::string_view day) {
  std::string digits;
  if (day.size() == 10 && day[4] == '-' && day[7] == '-') {
    digits = std::string(day.substr(0, 4)) + std::string(day.substr(5, 2)) +
             std::string(day.substr(8, 2));
  } else if (day.size() == 8) {
    digits = std::string(day);
  } else {
    return std::nullopt;
  }
  if (!std::all_of(digits.begin(), digits.end(), [](char c) { return c >= '0' && c <= '9'; })) {
    return std::nullopt;
  }
  const std::int64_t y = std::stoi(digits.substr(0, 4));
  const unsigned m = static_cast<unsigned>(std::stoi(digits.substr(4, 2)));
  const unsigned d = static_cast<unsigned>(std::stoi(digits.substr(6, 2)));
  if (m < 1 || m > 12 || d < 1 || d > 31) return std::nullopt;
  // Days from civil (proleptic Gregorian): years counted from March, so the leap day is
  // the last of its year; 719468 is 1970-03-01's count from 0000-03-01.
  const std::int64_t ym = m <= 2 ? y - 1 : y;
  const std::int64_t era = (ym >= 0 ? ym : ym - 399) / 400;
  const std::int64_t yoe = ym - era * 400;
  const std::int64_t doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
  const std::int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + doe - 719468;
}

double date_factor(std::string_view date_slot, std::int64_t today, double half_life_days) {
  const std::optional<std::int64_t> day = day_number(date_slot);
  if (!day) return 0;
  return recency_factor(static_cast<double>(today - *day), half_life_days);
}

bool recency_before(const RecencyHit& a, const RecencyHit& b) {
  if (a.dated != b.dated) return a.dated;
  if (a.dated && a.key != b.key) return a.key > b.key;
  if (a.dated && a.age != b.age) return a.age < b.age;
  if (a.relevance != b.relevance) return a.relevance > b.relevance;
  return a.id < b.id;
}

namespace {

// Whether `h` sorts before every match Xapian ranks below the K-th, whose relevance is
// `bound` and id `bound_id`: such a match, if dated, has key <= log(relevance) <=
// log(bound), equal only at age 0 with relevance bound, and then its id sorts after
// bound_id (Xapian breaks relevance ties by id). An undated h may have a dated match
// after it unread, so it is never ahead.
bool ahead_of_unread(const RecencyHit& h, double bound, const std::string& bound_id) {
  if (!h.dated) return false;
  const double top = std::log(bound);
  if (h.key != top) return h.key > top;
  if (h.age != 0) return false;
  if (h.relevance != bound) return h.relevance > bound;
  return h.id <= bound_id;
}

void blend(RecencyHit& h, std::int64_t today, double half_life_days) {
  const std::optional<std::int64_t> day = day_number(h.doc.get_value(schema::kSlotDate));
  h.dated = day.has_value();
  h.age = day ? std::max(static_cast<double>(today - *day), 0.0) : 0;
  h.score = day ? h.relevance * recency_factor(h.age, half_life_days) : 0;
  // log(0) is -inf: a relevance-0 match (a pure filter) is then ordered by age alone.
  h.key = std::log(h.relevance) - h.age * std::log(2.0) / half_life_days;
}

}  // namespace

RecencyPage rerank_by_recency(Xapian::Enquire& enquire, std::size_t offset, std::size_t limit,
                              std::int64_t today, double half_life_days) {
  RecencyPage page;
  const std::size_t need = offset + limit;
  std::vector<RecencyHit> all;
  // Twice the page, at least 100: most pages are proven in one pass. Never more than a
  // doccount holds (an --offset near its maximum would wrap around).
  const std::size_t most = std::numeric_limits<Xapian::doccount>::max();
  std::size_t want = std::clamp<std::size_t>(2 * need, 100, most);
  double bound = 0;
  std::string bound_id;
  for (;;) {
    const auto first = static_cast<Xapian::doccount>(all.size());
    const auto count = static_cast<Xapian::doccount>(want - all.size());
    // check_at_least 0: the totals come from the searcher's own match.
    Xapian::MSet mset = enquire.get_mset(first, count, Xapian::doccount{0});
    // No MSet::fetch(): Xapian 1.4.22 crashes in it (Enquire::Internal::request_doc)
    // on these msets; each document is read as it is reached.
    for (auto it = mset.begin(); it != mset.end(); ++it) {
      RecencyHit h;
      h.docid = *it;
      h.relevance = it.get_weight();
      h.doc = it.get_document();
      h.id = h.doc.get_value(schema::kSlotId);
      blend(h, today, half_life_days);
      bound = h.relevance;
      bound_id = h.id;
      all.push_back(std::move(h));
    }
    page.exhausted = mset.size() < count;
    std::sort(all.begin(), all.end(), recency_before);
    if (page.exhausted || need == 0 || ahead_of_unread(all[need - 1], bound, bound_id)) break;
    want = std::min(want * 4, most);
  }
  page.fetched = static_cast<Xapian::doccount>(all.size());
  for (std::size_t i = offset; i < std::min(need, all.size()); ++i) {
    page.hits.push_back(std::move(all[i]));
  }
  return page;
}

namespace {

// The article's exact-form text terms: body words have no prefix (a prefix is upper
// case), title words the `S` prefix; stems (`Z`), CJK units (`XC`), filters and the
// other fields are left out. A term no other article holds is skipped: it would take a
// place among the top terms and match nothing.
class TextTerms : public Xapian::ExpandDecider {
 public:
  explicit TextTerms(const Xapian::Database& db) : db_(db) {}
  bool operator()(const std::string& term) const override {
    if (term.empty()) return false;
    const auto upper = [](char c) { return c >= 'A' && c <= 'Z'; };
    const bool body = !upper(term[0]);
    const bool title = term.size() > 1 &&
                       term.compare(0, schema::kPrefixTitle.size(), schema::kPrefixTitle) == 0 &&
                       !upper(term[schema::kPrefixTitle.size()]);
    return (body || title) && db_.get_termfreq(term) > 1;
  }

 private:
  const Xapian::Database& db_;
};

}  // namespace

Xapian::Query similar_query(const Xapian::Database& db, const std::string& id) {
  const std::string id_term = std::string(schema::kPrefixId) + id;
  Xapian::PostingIterator p = db.postlist_begin(id_term);
  if (p == db.postlist_end(id_term)) throw std::out_of_range("no article has the id '" + id + "'");
  Xapian::Enquire enquire(db);
  Xapian::RSet rset;
  rset.add_document(*p);
  const TextTerms decider(db);
  // Exact term frequencies: by default a multi-database estimates them per shard, and
  // shards would then choose other terms than one index. Weights above 0 only (the
  // scaling below needs a positive factor).
  const Xapian::ESet eset =
      enquire.get_eset(kSimilarTerms, rset, Xapian::Enquire::USE_EXACT_TERMFREQ, &decider, 0.0);
  std::vector<Xapian::Query> terms;
  for (auto t = eset.begin(); t != eset.end(); ++t) {
    if (!(t.get_weight() > 0)) continue;
    // Each term counts by how telling it is of the article, not only by its BM25 weight.
    terms.emplace_back(Xapian::Query::OP_SCALE_WEIGHT, Xapian::Query(*t), t.get_weight());
  }
  // No telling text term (each only its own, or so common that its expansion weight is
  // not above 0): an empty OR would answer "no matches" as if nothing were like it, when
  // the article simply gives nothing to compare with.
  if (terms.empty()) {
    throw std::out_of_range(
        "no word of the article '" + id +
        "' is telling enough to search by (each is its own or in most articles)");
  }
  Xapian::Query like(Xapian::Query::OP_OR, terms.begin(), terms.end());
  return Xapian::Query(Xapian::Query::OP_AND_NOT, like, Xapian::Query(id_term));
}

}  // namespace oly
