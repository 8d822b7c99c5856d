// Country tagging (core/countries.h): the NOC table, the tagger's rules (longest match, case,
// codes in capitals, ambiguous names and their corroboration, CJK), the `country:` resolver
// and the filter end to end.
#include <catch2/catch.hpp>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "analyzer.h"
#include "article.h"
#include "countries.h"
#include "diagnostics.h"
#include "indexing.h"
#include "query.h"
#include "schema.h"
#include "search.h"
#include "test_util.h"

using oly::test::TempDir;
using oly::test::write_file;

namespace {

struct TagRow {
  const char* title;
  const char* body;
  const char* codes;  // expected tags, space-separated and sorted; "" for none
};

std::string tag(oly::Analyzer& analyzer, const oly::CountryTagger& tagger, const TagRow& r) {
  oly::Article a;
  a.title = r.title;
  a.body = r.body;
  const std::vector<oly::Token> title = analyzer.tokenize(a.title);
  const std::vector<oly::Token> body = analyzer.tokenize(a.body);
  std::string out;
  for (const std::string& c : tagger.tag(a, title, body)) out += (out.empty() ? "" : " ") + c;
  return out;
}

void check_tags(const std::vector<TagRow>& rows) {
  oly::Analyzer analyzer;
  const oly::CountryTagger tagger(analyzer);
  for (const TagRow& r : rows) {
    INFO("title: " << r.title << "\nbody: " << r.body);
    CHECK(tag(analyzer, tagger, r) == r.codes);
  }
}

}  // namespace

TEST_CASE("country names in several languages tag their NOC", "[countries]") {
  check_tags({
      {"Japan wins", "", "JPN"},
      {"", "Le Japon et la France", "FRA JPN"},
      {"", "Japón y México", "JPN MEX"},
      {"", "Deutschland gegen Österreich", "AUT GER"},
      {"", "La Germania batte il Giappone", "GER JPN"},
      {"", "Gli Stati Uniti e la Svizzera", "SUI USA"},
      {"", "Die Vereinigten Staaten", ""},  // an inflected form is not the name
      {"", "Die Vereinigte Staaten", "USA"},
      {"", "Großbritannien und Südkorea", "GBR KOR"},
      {"", "Nouvelle-Zélande, Royaume-Uni, États-Unis", "GBR NZL USA"},
      {"", "Estados Unidos y Reino Unido", "GBR USA"},
      {"", "Côte d'Ivoire and Ivory Coast", "CIV"},
      {"", "Czech Republic, Czechia, the Netherlands", "CZE NED"},
      {"", "Chinese Taipei and Taiwan", "TPE"},
      {"", "Britain and Great Britain, the UK and the U.K.", "GBR"},
      {"", "the United States, the U.S. and the US team", "USA"},
      {"", "Russia and the Soviet Union, the USSR", "RUS URS"},
      {"", "East Germany beat West Germany; Germany", "FRG GDR GER"},
      {"", "St. Lucia, Saint Lucia, St Kitts", "LCA SKN"},
  });
}

TEST_CASE("CJK country names are ICU dictionary words", "[countries][cjk]") {
  check_tags({
      {"日本代表が勝った", "", "JPN"},
      {"", "中国队获得金牌", "CHN"},
      {"", "韓国とアメリカ", "KOR USA"},
      {"", "米国の選手", "USA"},
      {"", "ドイツ代表とイタリア", "GER ITA"},
      {"", "美国选手和英国选手", "GBR USA"},
      {"", "東ドイツの選手", "GDR"},
      {"", "北朝鮮と南アフリカ", "PRK RSA"},
      {"", "中华台北", "TPE"},
      // タイ is a tie in 世界タイ記録: it needs a sign of Thailand.
      {"", "世界タイ記録", ""},
      {"", "タイの首都バンコク", "THA"},
  });
}

TEST_CASE("the longest name wins and punctuation breaks a name", "[countries]") {
  check_tags({
      {"", "Papua New Guinea", "PNG"},
      {"", "South Africa beat New Zealand", "NZL RSA"},
      {"", "Guinea-Bissau", "GBS"},
      {"", "Equatorial Guinea", "GEQ"},
      {"", "South Sudan and Sudan", "SSD SUD"},
      {"", "American Samoa and Samoa", "ASA SAM"},
      {"", "the Dominican Republic", "DOM"},
      {"", "New Mexico", ""},
      {"", "Northern Ireland", ""},
      {"", "Northern Ireland and Ireland", "IRL"},
      {"", "Latin America and South America", ""},
      {"", "a guinea pig in New Guinea", ""},
      {"", "in the south. Africa", ""},
      {"", "the South, Africa", ""},
      {"", "Guinea, Bissau and Conakry", "GUI"},
      // the IOC's own "X, China" names tag X only (the comma is part of the name)
      {"", "Hong Kong, China won a medal", "HKG"},
      {"", "Hong Kong,China and Hong Kong , China", "HKG"},
      {"", "Macau, China and Macao, China", "MAC"},
      {"", "Chinese Taipei won", "TPE"},
      {"", "Hong Kong, China beat China", "CHN HKG"},
      {"", "Hong Kong; China", "CHN HKG"},
  });
}

TEST_CASE("IOC codes tag only in capitals; common-word codes need a sign", "[countries]") {
  check_tags({
      {"USA beat GBR", "", "GBR USA"},
      {"", "usa and gbr", ""},
      {"", "we can win", ""},
      {"", "Can we win?", ""},
      {"", "CAN", ""},                // CAN is also a word in capitals
      {"", "CAN and Canada", "CAN"},  // corroborated
      {"", "AND the winner is", ""},
      {"", "at 9 p.m. EST", ""},
      {"", "JPN, CHN and KOR", "CHN JPN KOR"},
      {"", "Usa", ""},
      {"", "the Atlantic COD catch", ""},  // COD is also the fish
      // A text mostly in capitals (1987 wire headlines, the TIME corpus): codes and names
      // written in capitals are words there; names still count.
      {"JAPAN TO CUT RICE IMPORTS, US SAYS", "", "JPN"},
      {"", "TELL US ABOUT THE GAMES", ""},
      {"", "LES JEUX DE PARIS SUR LA VIE", ""},
      {"", "WHAT THE USA AND GBR SAID", ""},
      {"US and UK officials", "", "GBR USA"},
  });
}

TEST_CASE("explain shows the words behind each tag", "[countries]") {
  oly::Analyzer analyzer;
  const oly::CountryTagger tagger(analyzer);
  oly::Article a;
  a.title = "Georgia wins";
  a.body = "Fans in Tbilisi, not in Papua New Guinea.";
  const std::vector<std::string> lines =
      tagger.explain(a, analyzer.tokenize(a.title), analyzer.tokenize(a.body));
  CHECK(lines == std::vector<std::string>{"tags: GEO PNG", "GEO weak 'Georgia'",
                                          "GEO sign 'Tbilisi'", "PNG name 'Papua New Guinea'"});
}

TEST_CASE("ambiguous names need a capital and a second sign of the same NOC", "[countries]") {
  check_tags({
      {"", "voters in Georgia", ""},
      {"", "Georgia and Tbilisi", "GEO"},
      {"", "Georgia (GEO) won", "GEO"},
      {"", "Michael Jordan", ""},
      {"", "Jordan's capital Amman", "JOR"},
      {"", "Chad Le Clos", ""},
      {"", "Chad, the Chadian team", "CHA"},
      {"", "the Niger River", ""},
      {"", "Niger and Niamey", "NIG"},
      {"Turkey Recipes For Thanksgiving", "roast turkey", ""},
      {"", "Turkey and the Turkish team", "TUR"},
      {"", "china plates", ""},
      {"", "China", "CHN"},
      {"", "chad", ""},
      {"", "Congo", ""},  // CGO or COD
      {"", "Congo, Kinshasa", "COD"},
      {"", "Congo and Brazzaville", "CGO"},
      {"", "DR Congo", "COD"},
      {"", "Korea", ""},  // KOR or PRK
      {"", "Korea, Seoul", "KOR"},
      {"", "the Virgin Islands", ""},
      {"", "British Virgin Islands", "IVB"},
      {"", "America's Cup", ""},
      {"", "America and the Americans", "USA"},
      {"", "Tom Holland", ""},
      {"", "Holland and the Dutch", "NED"},
      {"", "Long Island", ""},
      {"", "Maurice Greene", ""},
      {"", "a Guinea pig", ""},
  });
}

TEST_CASE("the NOC table and its labels", "[countries]") {
  CHECK(oly::country_table().size() > 200);
  const oly::CountryInfo* jpn = oly::find_country("jpn");
  REQUIRE(jpn != nullptr);
  CHECK(jpn->name == "Japan");
  CHECK(oly::country_label("GBR") == "Great Britain");
  CHECK(oly::country_label("URS") == "Soviet Union");
  CHECK(oly::find_country("XXX") == nullptr);
  // Every code is three capitals, once.
  std::set<std::string_view> codes;
  for (const oly::CountryInfo& c : oly::country_table()) {
    INFO(c.code);
    CHECK(c.code.size() == 3);
    CHECK(c.code.find_first_not_of("ABCDEFGHIJKLMNOPQRSTUVWXYZ") == std::string_view::npos);
    CHECK(codes.insert(c.code).second);
    CHECK_FALSE(c.name.empty());
  }
  CHECK_THAT(oly::countries_identity(), Catch::StartsWith("countries:"));
}

TEST_CASE("country: values resolve to IOC codes", "[countries][query]") {
  struct Row {
    const char* value;
    const char* codes;  // "" = an error containing `error`
    const char* error;
  };
  const std::vector<Row> rows = {
      {"JPN", "JPN", ""},
      {"jpn", "JPN", ""},
      {"japan", "JPN", ""},
      {"Japon", "JPN", ""},
      {"日本", "JPN", ""},
      {"south korea", "KOR", ""},
      {"USA", "USA", ""},
      {"u.s.", "USA", ""},
      {"Côte d'Ivoire", "CIV", ""},
      {"cote d'ivoire", "CIV", ""},
      {"georgia", "GEO", ""},  // a query says which Georgia it means: the country field
      {"deutschland", "GER", ""},
      {"congo", "", "ambiguous: it may mean CGO (Congo) or COD (DR Congo)"},
      {"korea", "", "KOR (South Korea) or PRK (North Korea)"},
      {"atlantis", "", "unknown country 'atlantis'; use an IOC code such as JPN or a name"},
      {"tbilisi", "", "unknown country"},  // a sign is not a name
      {"new mexico", "", "unknown country"},
      {"  ", "", "unknown country"},
      {"JPN*", "", "wildcards work on words, not on country: values"},
      {"japan france", "", "unknown country"},
  };
  for (const Row& r : rows) {
    INFO("country:" << r.value);
    std::vector<std::string> values;
    std::string error;
    const bool ok = oly::schema::resolve_country_value(r.value, values, error);
    if (*r.codes) {
      CHECK(ok);
      CHECK(values == std::vector<std::string>{r.codes});
    } else {
      CHECK_FALSE(ok);
      CHECK_THAT(error, Catch::Contains(r.error));
    }
  }
}

TEST_CASE("a bad country: value is a query error at the value's column", "[countries][query]") {
  oly::Analyzer analyzer;
  oly::Stemmer stemmer("en");
  for (const char* q : {"swimming country:atlantis", "swimming country:congo"}) {
    INFO(q);
    try {
      oly::parse_query(q, analyzer, stemmer, oly::QueryOptions{});
      FAIL_CHECK("no error");
    } catch (const oly::QuerySyntaxError& e) {
      CHECK(e.column() == 18);
    }
  }
}

TEST_CASE("country:JPN, country:japon and country:日本 find the same articles",
          "[countries][indexing]") {
  TempDir dir("countries");
  write_file(dir / "in/feed.jsonl",
             "{\"id\":\"ja\",\"title\":\"日本代表が金メダル\",\"body\":\"柔道で勝った。\",\"lang\":"
             "\"ja\"}\n"
             "{\"id\":\"fr\",\"title\":\"Le Japon en tête\",\"body\":\"Judo.\",\"lang\":\"fr\"}\n"
             "{\"id\":\"en\",\"title\":\"JPN tops the table\",\"body\":\"Judo.\"}\n"
             "{\"id\":\"ge\",\"title\":\"Georgia votes\",\"body\":\"In Atlanta, Georgia.\"}\n"
             "{\"id\":\"kr\",\"title\":\"Korea wins\",\"body\":\"Seoul celebrates.\"}\n");
  oly::IndexOptions o;
  o.index_dir = dir / "index";
  o.inputs = {dir / "in"};
  std::ostringstream log;
  oly::Diagnostics diag(log);
  REQUIRE(oly::build_index(o, diag).added == 5);

  oly::SearchOptions so;
  so.index_dir = o.index_dir;
  oly::Searcher searcher(so);
  auto ids = [&](const std::string& q) {
    std::set<std::string> out;
    for (const auto& h : searcher.search(q).hits) out.insert(h.article.id);
    return out;
  };
  const std::set<std::string> japan{"ja", "fr", "en"};
  CHECK(ids("country:JPN") == japan);
  CHECK(ids("country:japon") == japan);
  CHECK(ids("country:日本") == japan);
  CHECK(ids("judo country:japan") == std::set<std::string>{"fr", "en"});
  CHECK(ids("country:GEO").empty());  // the US state is not tagged
  CHECK(ids("country:KOR") == std::set<std::string>{"kr"});
  CHECK(ids("countries:\"south korea\"") == std::set<std::string>{"kr"});
}
