// National Olympic Committees: our table of IOC codes with their names in several languages
// (core/countries_table.inc, written from ../shared/vocab/country-codes.csv plus our own
// Japanese, German and Italian names), and the tagger that finds them in an article.
// Ambiguous names (Georgia, Jordan, Chad, Niger, Turkey, ...) are handled as documented in
// countries.cc and README "Filters and facets".
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "analyzer.h"
#include "article.h"

namespace oly {

struct CountryInfo {
  std::string_view code;  // IOC code, "JPN"
  std::string_view name;  // English short name, "Japan": the facet label
};

// Every NOC of the table, by code.
const std::vector<CountryInfo>& country_table();
const CountryInfo* find_country(std::string_view ioc_code);

class CountryTagger {
 public:
  explicit CountryTagger(const Analyzer& analyzer);
  ~CountryTagger();
  // Sorted, unique IOC codes of the NOCs the article mentions (title and body tokens as
  // the builder made them; offsets into a.title / a.body, e.g. to look at capitals).
  std::vector<std::string> tag(const Article& a, const std::vector<Token>& title,
                               const std::vector<Token>& body) const;
  // What `tag` saw, for measuring and debugging: "tags: GEO", then one line per match,
  // "GEO weak 'Georgia'", "GEO sign 'Tbilisi'".
  std::vector<std::string> explain(const Article& a, const std::vector<Token>& title,
                                   const std::vector<Token>& body) const;

 private:
  struct Tables;
  const Tables* tables_;
};

std::string country_label(std::string_view ioc_code);

// Changes whenever the table or the rule changes (part of the analyzer identity).
std::string countries_identity();

}  // namespace oly
