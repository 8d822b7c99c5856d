// The Olympic Games: our table of every Games (core/games_table.inc, written from the facts
// in ../shared/vocab/games.tsv) and the rule that ties an article to the Games it is about.
// The rule is documented in README "Filters and facets" and in games.cc.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "analyzer.h"
#include "article.h"

namespace oly {

struct GamesInfo {
  std::string_view slug;    // "tokyo-2020": the facet value and the `games:` filter value
  std::string_view name;    // "Tokyo 2020"
  std::string_view season;  // "summer" or "winter"
  int year;                 // the edition's year in its name (Tokyo 2020: 2020)
  std::string_view host;    // host country, English
  std::string_view start;   // opening ceremony, YYYY-MM-DD (Tokyo 2020: 2021-07-23)
  std::string_view end;     // closing ceremony, YYYY-MM-DD
};

// Every Games, oldest first.
const std::vector<GamesInfo>& games_table();
// The Games with this slug, nullptr when none.
const GamesInfo* find_games(std::string_view slug);

// Ties articles to Games. Built once per DocumentBuilder (its tables are folded with the
// project's analyzer); `tag` is called with the tokens the builder made of the title and
// the body (offsets into a.title / a.body), so the text is analysed once.
class GamesTagger {
 public:
  explicit GamesTagger(const Analyzer& analyzer);
  ~GamesTagger();
  // Sorted, unique slugs.
  std::vector<std::string> tag(const Article& a, const std::vector<Token>& title,
                               const std::vector<Token>& body) const;

  struct Tables;  // games.cc: the folded vocabulary, built once and shared

 private:
  const Tables* tables_;
};

// What `games:` accepts and the facet shows: the label of a slug ("Tokyo 2020").
std::string games_label(std::string_view slug);

// Changes whenever the table or the rule changes, so that an index tagged by another
// version is refused with a rebuild message (part of the analyzer identity).
std::string games_identity();

}  // namespace oly
