// Facet counts: how the matches of a query spread over sources, years, months, languages,
// tags, Games and countries (schema::kFacets). Counted over every match, not the page, with
// Xapian's ValueCountMatchSpy on the facet slots (the one spy the remote backend knows),
// lists split back into their values here.
#pragma once

#include <xapian.h>

#include <cstddef>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace oly {

// One facet asked for: its name (schema::kFacets) and how many values to report.
struct FacetSpec {
  std::string name;
  std::size_t top = 10;
};

struct FacetValue {
  std::string value;  // as filtered on: "Reuters", "2021", "2021-08", "fr", "tokyo-2020", "JPN"
  std::string label;  // for people: "Tokyo 2020", "Japan"; = value when there is no other
  Xapian::doccount count = 0;
};

struct FacetCounts {
  std::string name;
  std::vector<FacetValue> values;  // the top N by count, then by value
  std::size_t distinct = 0;        // distinct values among the matches
  Xapian::doccount missing = 0;    // matches without any value for this facet
  // True when the counts are not over every match (the matcher did not see them all):
  // said, never hidden.
  bool estimated = false;
};

// Parses "source,year:5,country" (name[:N], N in 1..1000; default 10). Throws RequestError
// naming the unknown facet and the known ones.
std::vector<FacetSpec> parse_facet_list(std::string_view text);

// The spies of one search: one Xapian::ValueCountMatchSpy per slot asked (year and month
// share the date slot), attached to the Enquire before get_mset; the counts are read after.
// The spies must see every match for exact counts: the caller asks get_mset to check the
// whole database (check_at_least = its document count).
class FacetCounter {
 public:
  explicit FacetCounter(const std::vector<FacetSpec>& specs);
  ~FacetCounter();
  FacetCounter(const FacetCounter&) = delete;
  FacetCounter& operator=(const FacetCounter&) = delete;
  // Adds the spies to `enquire`; this object must outlive its get_mset call.
  void attach(Xapian::Enquire& enquire);
  // The counts, in the order asked. `matches`: the number of matches; `matches_exact`:
  // whether that number is exact. A facet is `estimated` unless the spies saw exactly
  // `matches` documents and that number is exact.
  std::vector<FacetCounts> counts(Xapian::doccount matches, bool matches_exact) const;

 private:
  struct Spies;
  std::vector<FacetSpec> specs_;
  std::unique_ptr<Spies> spies_;
};

}  // namespace oly
