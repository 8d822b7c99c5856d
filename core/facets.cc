#include "facets.h"

#include <algorithm>
#include <map>
#include <set>

#include "countries.h"
#include "games.h"
#include "schema.h"
#include "search.h"

namespace oly {

namespace {

constexpr std::size_t kMaxTop = 1000;

std::string known_facets() {
  std::string known;
  for (const schema::Facet& f : schema::kFacets) {
    if (!known.empty()) known += ", ";
    known += f.name;
  }
  return known;
}

std::string_view trimmed(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

// The N of "name:N": digits only (no sign, no space inside), 1 to kMaxTop.
std::size_t parse_top(std::string_view name, std::string_view text) {
  const std::string expected =
      "facet '" + std::string(name) + "': expected a number of values from 1 to " +
      std::to_string(kMaxTop) + " after ':', got '" + std::string(text) + "'";
  if (text.empty() || text.size() > 4 || text.find_first_not_of("0123456789") != text.npos) {
    throw RequestError(expected);
  }
  const std::size_t n = std::stoul(std::string(text));
  if (n < 1 || n > kMaxTop) throw RequestError(expected);
  return n;
}

FacetSpec parse_item(std::string_view item) {
  const std::size_t colon = item.find(':');
  // Case-insensitive like field names (`COUNTRY:JPN`): `--facets Year` is `year`.
  std::string name(trimmed(item.substr(0, colon)));
  for (char& c : name) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  if (name.empty()) {
    throw RequestError("an empty facet name in the list (known: " + known_facets() + ")");
  }
  if (schema::find_facet(name) == nullptr) {
    throw RequestError("unknown facet '" + std::string(name) + "' (known: " + known_facets() + ")");
  }
  FacetSpec spec{name, FacetSpec{}.top};
  if (colon != std::string_view::npos) spec.top = parse_top(name, trimmed(item.substr(colon + 1)));
  return spec;
}

// The facet values one slot value stands for (and, for a keyed value, its display form in
// `display`); false when the value cannot be read (a damaged document): it then counts as
// missing rather than as a made-up value.
bool values_of(schema::FacetFrom from, const std::string& raw, std::vector<std::string>& out,
               std::string& display) {
  out.clear();
  display.clear();
  auto date_ok = [&raw] {
    return raw.size() == 8 && raw.find_first_not_of("0123456789") == std::string::npos;
  };
  switch (from) {
    case schema::FacetFrom::kValue:
      out.push_back(raw);
      return true;
    case schema::FacetFrom::kList:
      return schema::decode_list(raw, out) && !out.empty();
    case schema::FacetFrom::kKeyed:
      if (!schema::decode_list(raw, out) || out.size() != 2 || out[0].empty()) return false;
      display = std::move(out[1]);
      out.resize(1);
      return true;
    case schema::FacetFrom::kYear:
      if (!date_ok()) return false;
      out.push_back(raw.substr(0, 4));
      return true;
    case schema::FacetFrom::kMonth:
      if (!date_ok()) return false;
      out.push_back(raw.substr(0, 4) + "-" + raw.substr(4, 2));
      return true;
  }
  return false;  // not reached: -Wswitch checks that every kind is handled above
}

std::string label_of(std::string_view facet, const std::string& value) {
  if (facet == "games") return games_label(value);
  if (facet == "country") return country_label(value);
  return value;
}

// The display form most documents have (ties: the first in byte order), so that the label
// does not depend on which document was indexed first or on which shard.
std::string most_common(const std::map<std::string, Xapian::doccount>& forms) {
  auto best = forms.begin();
  for (auto it = forms.begin(); it != forms.end(); ++it) {
    if (it->second > best->second) best = it;
  }
  return best == forms.end() ? std::string() : best->first;
}

}  // namespace

std::vector<FacetSpec> parse_facet_list(std::string_view text) {
  std::vector<FacetSpec> out;
  std::set<std::string> seen;
  std::size_t pos = 0;
  for (;;) {
    const std::size_t comma = text.find(',', pos);
    const std::string_view item =
        text.substr(pos, comma == std::string_view::npos ? text.npos : comma - pos);
    FacetSpec spec = parse_item(item);
    // Two tops for one facet: which one was meant cannot be known.
    if (!seen.insert(spec.name).second) {
      throw RequestError("'" + spec.name + "' is given twice");
    }
    out.push_back(std::move(spec));
    if (comma == std::string_view::npos) break;
    pos = comma + 1;
  }
  return out;
}

struct FacetCounter::Spies {
  std::map<Xapian::valueno, std::unique_ptr<Xapian::ValueCountMatchSpy>> by_slot;
};

FacetCounter::FacetCounter(const std::vector<FacetSpec>& specs)
    : specs_(specs), spies_(std::make_unique<Spies>()) {
  for (const FacetSpec& s : specs_) {
    const schema::Facet* f = schema::find_facet(s.name);
    if (f == nullptr) throw RequestError("unknown facet '" + s.name + "'");
    auto& spy = spies_->by_slot[f->slot];
    if (!spy) spy = std::make_unique<Xapian::ValueCountMatchSpy>(f->slot);
  }
}

FacetCounter::~FacetCounter() = default;

void FacetCounter::attach(Xapian::Enquire& enquire) {
  for (auto& [slot, spy] : spies_->by_slot) enquire.add_matchspy(spy.get());
}

std::vector<FacetCounts> FacetCounter::counts(Xapian::doccount matches, bool matches_exact) const {
  std::vector<FacetCounts> out;
  std::vector<std::string> values;
  for (const FacetSpec& s : specs_) {
    const schema::Facet& f = *schema::find_facet(s.name);
    const Xapian::ValueCountMatchSpy& spy = *spies_->by_slot.at(f.slot);
    std::map<std::string, Xapian::doccount> tally;
    // A keyed facet: each key's display forms ("AP", "ap") and their counts.
    std::map<std::string, std::map<std::string, Xapian::doccount>> displays;
    Xapian::doccount with_value = 0;
    std::string display;
    // The spy counts each distinct slot value (a whole list for tags): split them here.
    for (auto it = spy.values_begin(); it != spy.values_end(); ++it) {
      if (!values_of(f.from, *it, values, display)) continue;
      const Xapian::doccount n = it.get_termfreq();
      with_value += n;
      for (const std::string& v : values) tally[v] += n;
      if (f.from == schema::FacetFrom::kKeyed) displays[values.front()][display] += n;
    }
    FacetCounts c;
    c.name = s.name;
    c.distinct = tally.size();
    c.estimated = !matches_exact || spy.get_total() != matches || with_value > matches;
    c.missing = with_value > matches ? 0 : matches - with_value;
    std::vector<std::pair<std::string, Xapian::doccount>> sorted(tally.begin(), tally.end());
    const std::size_t top = std::min(s.top, sorted.size());
    std::partial_sort(sorted.begin(), sorted.begin() + static_cast<std::ptrdiff_t>(top),
                      sorted.end(), [](const auto& a, const auto& b) {
                        return a.second != b.second ? a.second > b.second : a.first < b.first;
                      });
    for (std::size_t i = 0; i < top; ++i) {
      const std::string& v = sorted[i].first;
      const auto forms = displays.find(v);
      std::string label =
          forms == displays.end() ? label_of(s.name, v) : most_common(forms->second);
      c.values.push_back({v, std::move(label), sorted[i].second});
    }
    out.push_back(std::move(c));
  }
  return out;
}

}  // namespace oly
