// The Games table and the rule that ties an article to the Games it is about.
//
// The rule (also in /work/notes/i15/readme-games.md and README "Filters and facets"):
//
//  0. Gate: an article is tied to nothing unless its title or body has an Olympic word
//     (olympic(s), olympian, olympique, olímpico, olimpiadi, olympisch*, Olympia in German
//     text, オリンピック, 五輪, 奥运, 冬奥会, 올림픽, олимпийск*...). A word that names something
//     else does not count: "Special/Youth Olympics", "数学オリンピック", "Olympic Dam/Airways/
//     Stadium/size", "Olympique de Marseille", "Olympiad" (chess, mathematics).
//  1. Explicit mentions, in any language, inside one sentence of one field:
//     a. a host city next to one of ITS Games' years, either order, at most one word
//        between: "Tokyo 2020", "Paris-2024", "2020年東京", "#Paris2024";
//     b. a host city within 3 words of an Olympic word or of "Games/Jeux/Spiele/JO...":
//        "Tokyo Olympics", "JO de Paris", "Olympische Spiele in Peking", "東京五輪";
//     c. a Games year within 3 words of an Olympic word: "the 2020 Summer Olympics",
//        "JO 2024", "2020年夏季オリンピック". When two Games share the year (Summer and
//        Winter before 1994) a season word in between decides, else the article's date
//        (rule 2's window), else the mention is left unresolved.
//     A city that hosted more than once (London, Paris, Athens, Beijing, Tokyo, ...) is
//     resolved by the article's date: the city's Games nearest to it, at most 12 years away
//     (bids start about ten years before a Games; farther than that we cannot tell). An
//     undated article is resolved when it mentions exactly one of the city's Games years
//     anywhere; otherwise the mention is left unresolved: no Games rather than a guess.
//  2. The window: an article dated from 30 days before a Games' opening to 14 days after
//     its closing, with an Olympic word that is not part of a mention of other Games, is
//     tied to those Games. 30 days covers the team announcements, the arrivals and the
//     torch's last weeks; 14 days the medal parades and the first doping news. Beyond that,
//     an Olympic word is as likely about careers or the next Games. Summer and Winter
//     windows never overlap (the Winter Games closed in February, the Summer ones opened
//     in April at the earliest), so a date names at most one Games.
//     The window is not taken by an Olympic word whose side has a season word of the other
//     season ("the Winter Olympics" in Tokyo's window is about the coming Winter Games), nor
//     by one whose sentence names a host city of other Games and none of the window's
//     ("Beijing prepares for the Winter Olympics"): no Games rather than the wrong ones.
//     A Games year next to the Olympic word takes the word from the window, as a city does:
//     "olympic report 2004" in Beijing's window is Athens 2004, as "the 2004 Olympics" is;
//     a report number cannot be told from a Games year (a known limit, tested).
//  A host city's name followed by a state or province of another country is its namesake:
//  "Paris, Texas", "Athens, Georgia", "London, Ontario" (but "Atlanta, Georgia" is Atlanta).
//  A town that hosted under two names (Cortina d'Ampezzo 1956, Milano Cortina 2026) is a
//  city of several Games under every name.
#include "games.h"

#include <algorithm>
#include <array>
#include <cstdint>
#include <cstdlib>
#include <map>
#include <unordered_map>
#include <unordered_set>

#include "schema.h"

namespace oly {
namespace {

// Bump when the rule below changes (the table is hashed into the identity by itself).
constexpr int kRuleVersion = 5;

constexpr GamesInfo kGames[] = {
#include "games_table.inc"
};
constexpr std::size_t kGamesCount = sizeof(kGames) / sizeof(kGames[0]);

constexpr int kDaysBefore = 30;   // window opens this long before the opening ceremony
constexpr int kDaysAfter = 14;    // and closes this long after the closing ceremony
constexpr int kCityReach = 4383;  // 12 years: how far a date resolves a city's Games
constexpr int kOlympicReach = 3;  // words between a city or year and an Olympic word

// How a host city is written. `cities` lists the city keys (a slug without its year) the
// name stands for; "Cortina" alone is both Cortina d'Ampezzo and Milano Cortina.
// `year_only`: a name too common to stand next to "Games" ("LA", "Mexico": the country's
// Olympic team) counts only right next to one of the city's years.
struct CityName {
  const char* text;
  const char* cities;
  bool year_only = false;
};

// clang-format off
const CityName kCityNames[] = {
    {"Athens", "athens"}, {"Athènes", "athens"}, {"Atene", "athens"}, {"Athen", "athens"},
    {"Atenas", "athens"}, {"Αθήνα", "athens"}, {"アテネ", "athens"}, {"雅典", "athens"},
    {"Афины", "athens"},
    {"Paris", "paris"}, {"Parigi", "paris"}, {"パリ", "paris"}, {"巴黎", "paris"},
    {"Париж", "paris"},
    {"St. Louis", "st-louis"}, {"Saint Louis", "st-louis"}, {"セントルイス", "st-louis"},
    {"London", "london"}, {"Londres", "london"}, {"Londra", "london"}, {"ロンドン", "london"},
    {"伦敦", "london"}, {"倫敦", "london"}, {"Лондон", "london"},
    {"Stockholm", "stockholm"}, {"Estocolmo", "stockholm"}, {"Stoccolma", "stockholm"},
    {"ストックホルム", "stockholm"},
    {"Antwerp", "antwerp"}, {"Antwerpen", "antwerp"}, {"Anvers", "antwerp"},
    {"Amberes", "antwerp"}, {"Anversa", "antwerp"}, {"アントワープ", "antwerp"},
    {"Chamonix", "chamonix"}, {"シャモニー", "chamonix"},
    {"St. Moritz", "st-moritz"}, {"Saint Moritz", "st-moritz"}, {"Sankt Moritz", "st-moritz"},
    {"San Moritz", "st-moritz"}, {"サンモリッツ", "st-moritz"},
    {"Amsterdam", "amsterdam"}, {"アムステルダム", "amsterdam"},
    {"Lake Placid", "lake-placid"}, {"レークプラシッド", "lake-placid"},
    {"レイクプラシッド", "lake-placid"},
    {"Los Angeles", "los-angeles"}, {"ロサンゼルス", "los-angeles"}, {"洛杉矶", "los-angeles"},
    {"洛杉磯", "los-angeles"}, {"LA", "los-angeles", true},
    {"Garmisch-Partenkirchen", "garmisch-partenkirchen"}, {"Garmisch", "garmisch-partenkirchen"},
    {"ガルミッシュ", "garmisch-partenkirchen"},
    {"Berlin", "berlin"}, {"Berlino", "berlin"}, {"Berlín", "berlin"}, {"ベルリン", "berlin"},
    {"柏林", "berlin"}, {"Берлин", "berlin"},
    {"Oslo", "oslo"}, {"オスロ", "oslo"},
    {"Helsinki", "helsinki"}, {"Helsingfors", "helsinki"}, {"ヘルシンキ", "helsinki"},
    // Cortina d'Ampezzo hosted 1956 and, as Milano Cortina, 2026: every name of the town
    // stands for both and is resolved by the date like any city of several Games.
    {"Cortina d'Ampezzo", "cortina-d-ampezzo milano-cortina"},
    {"コルティナダンペッツォ", "cortina-d-ampezzo milano-cortina"},
    {"コルティナ・ダンペッツォ", "cortina-d-ampezzo milano-cortina"},
    {"Cortina", "cortina-d-ampezzo milano-cortina"},
    {"Melbourne", "melbourne"}, {"メルボルン", "melbourne"},
    {"Squaw Valley", "squaw-valley"}, {"スコーバレー", "squaw-valley"},
    {"Rome", "rome"}, {"Roma", "rome"}, {"Rom", "rome"}, {"ローマ", "rome"}, {"罗马", "rome"},
    {"Рим", "rome"},
    {"Innsbruck", "innsbruck"}, {"インスブルック", "innsbruck"},
    {"Tokyo", "tokyo"}, {"Tokio", "tokyo"}, {"Tóquio", "tokyo"}, {"東京", "tokyo"},
    {"东京", "tokyo"}, {"Токио", "tokyo"}, {"도쿄", "tokyo"},
    {"Grenoble", "grenoble"}, {"グルノーブル", "grenoble"},
    {"Mexico City", "mexico-city"}, {"Ciudad de México", "mexico-city"},
    {"メキシコシティ", "mexico-city"}, {"Mexico", "mexico-city", true},
    {"Sapporo", "sapporo"}, {"札幌", "sapporo"},
    {"Munich", "munich"}, {"München", "munich"}, {"Múnich", "munich"}, {"ミュンヘン", "munich"},
    {"慕尼黑", "munich"}, {"Мюнхен", "munich"},
    {"Montreal", "montreal"}, {"Montréal", "montreal"}, {"モントリオール", "montreal"},
    {"Moscow", "moscow"}, {"Moscou", "moscow"}, {"Moskau", "moscow"}, {"Mosca", "moscow"},
    {"Moscú", "moscow"}, {"モスクワ", "moscow"}, {"莫斯科", "moscow"}, {"Москва", "moscow"},
    {"Москве", "moscow"},
    {"Sarajevo", "sarajevo"}, {"サラエボ", "sarajevo"},
    {"Calgary", "calgary"}, {"カルガリー", "calgary"},
    {"Seoul", "seoul"}, {"Séoul", "seoul"}, {"Seúl", "seoul"}, {"ソウル", "seoul"},
    {"首尔", "seoul"}, {"汉城", "seoul"}, {"漢城", "seoul"}, {"서울", "seoul"},
    {"Albertville", "albertville"}, {"アルベールビル", "albertville"},
    {"Barcelona", "barcelona"}, {"Barcelone", "barcelona"}, {"バルセロナ", "barcelona"},
    {"巴塞罗那", "barcelona"},
    {"Lillehammer", "lillehammer"}, {"リレハンメル", "lillehammer"},
    {"Atlanta", "atlanta"}, {"アトランタ", "atlanta"},
    {"Nagano", "nagano"}, {"長野", "nagano"},
    {"Sydney", "sydney"}, {"シドニー", "sydney"}, {"悉尼", "sydney"},
    {"Salt Lake City", "salt-lake-city"}, {"Salt Lake", "salt-lake-city"},
    {"ソルトレークシティ", "salt-lake-city"}, {"ソルトレーク", "salt-lake-city"},
    {"ソルトレイクシティ", "salt-lake-city"},
    {"Turin", "turin"}, {"Torino", "turin"}, {"Turim", "turin"}, {"トリノ", "turin"},
    {"都灵", "turin"},
    {"Beijing", "beijing"}, {"Peking", "beijing"}, {"Pékin", "beijing"}, {"Pechino", "beijing"},
    {"Pequim", "beijing"}, {"Pekín", "beijing"}, {"北京", "beijing"}, {"Пекин", "beijing"},
    {"Vancouver", "vancouver"}, {"バンクーバー", "vancouver"},
    {"Sochi", "sochi"}, {"Sotchi", "sochi"}, {"Sotschi", "sochi"}, {"Soči", "sochi"},
    {"ソチ", "sochi"}, {"索契", "sochi"}, {"Сочи", "sochi"},
    {"Rio", "rio"}, {"Rio de Janeiro", "rio"}, {"リオ", "rio"}, {"リオデジャネイロ", "rio"},
    {"里约", "rio"}, {"里約", "rio"},
    {"PyeongChang", "pyeongchang"}, {"Pyeong Chang", "pyeongchang"},
    {"Pyongchang", "pyeongchang"}, {"平昌", "pyeongchang"}, {"평창", "pyeongchang"},
    {"Milano Cortina", "milano-cortina"}, {"Milan Cortina", "milano-cortina"},
    {"Milano", "milano-cortina"}, {"Milan", "milano-cortina"}, {"Mailand", "milano-cortina"},
    {"ミラノ", "milano-cortina"}, {"米兰", "milano-cortina"},
    {"Brisbane", "brisbane"}, {"ブリスベン", "brisbane"},
};

// Words that say "the Olympic Games" on their own.
const char* const kOlympicWords[] = {
    "olympic", "olympics", "olympian", "olympians", "olympique", "olympiques", "olympiade",
    "olímpico", "olímpica", "olímpicos", "olímpicas", "olimpico", "olimpica", "olimpici",
    "olimpiche", "olimpiadi", "olimpiada", "olimpiadas", "olympisch", "olympische",
    "olympischen", "olympischer", "olympiska", "olympiske", "オリンピック", "五輪", "奥运",
    "奥林匹克", "奥会", "올림픽",
};
// Folded beginnings of inflected Olympic words (Russian, Polish, German compounds).
const char* const kOlympicPrefixes[] = {"олимпиис", "олимпиад", "olimpijsk", "olympisch"};
// Words that mean the Games only next to a city or a year ("the London Games", "JO 2024").
const char* const kGamesWords[] = {"games", "jeux", "spiele", "juegos", "giochi", "jogos",
                                   "игры", "jo"};
const char* const kSummerWords[] = {"summer", "été", "estate", "estivi", "estive", "verano",
                                    "verão", "sommer", "sommerspiele", "летние", "летних",
                                    "夏季", "夏"};
const char* const kWinterWords[] = {"winter", "hiver", "inverno", "invernali", "invernale",
                                    "invierno", "winterspiele", "зимние", "зимних", "冬季", "冬"};
// An Olympic word right after one of these names another event or thing.
const char* const kNotGamesBefore[] = {
    "special", "youth", "deaf", "math", "maths", "mathematical", "mathematics", "chess",
    "science", "physics", "chemistry", "biology", "informatics", "stade", "stadio", "estadio",
    "数学", "物理", "化学", "生物", "情報", "地理", "スペシャル", "ユース", "青年",
    // other Games, for "Games/Jeux" next to a city: "the Commonwealth Games in Melbourne"
    "commonwealth", "asian", "american", "mediterranean", "european", "goodwill", "world",
    "university", "student", "video", "paralympic", "paralympics", "highland", "island",
    "military", "pan", "arab", "african", "invictus", "gay", "extreme", "hunger", "war",
    "board", "computer", "online", "méditerranéens", "asiatiques", "panamericanos"};
// ... or right before one of these (or two words before, past "de": Olympique de Marseille).
const char* const kNotGamesAfter[] = {
    "airways", "airlines", "air", "aviation", "dam", "hotel", "peninsula", "mountains",
    "national", "pipeline", "pipe", "co", "corp", "savings", "club", "stadium", "stadion",
    "size", "sized", "marseille", "lyon", "lyonnais", "nimes", "ales", "beja", "stade"};
// A state or province right after a host city's name (a comma between or not) makes it the
// namesake town of another country: "Paris, Texas", "Athens, Georgia", "London, Ontario",
// "Vancouver, Washington". Not in the host's own country: "Atlanta, Georgia" is Atlanta.
struct OtherPlace {
  const char* word;
  const char* country;  // as in the table's host column
};
const OtherPlace kOtherPlaces[] = {
    {"Texas", "United States"}, {"Kentucky", "United States"}, {"Tennessee", "United States"},
    {"Ohio", "United States"}, {"Georgia", "United States"}, {"Idaho", "United States"},
    {"Illinois", "United States"}, {"Indiana", "United States"}, {"Maine", "United States"},
    {"Arkansas", "United States"}, {"Missouri", "United States"}, {"Michigan", "United States"},
    {"Wisconsin", "United States"}, {"Alabama", "United States"}, {"Florida", "United States"},
    {"California", "United States"}, {"Virginia", "United States"}, {"Vermont", "United States"},
    {"Oregon", "United States"}, {"Washington", "United States"}, {"Utah", "United States"},
    {"Iowa", "United States"}, {"Ontario", "Canada"}, {"Alberta", "Canada"},
    {"Quebec", "Canada"}, {"Québec", "Canada"}};
// clang-format on

enum WordFlag : uint16_t {
  kOlympic = 1,    // an Olympic word
  kGamesWord = 2,  // "games": only next to a city or year
  kSummer = 4,
  kWinter = 8,
  kNotBefore = 16,    // in kNotGamesBefore
  kNotAfter = 32,     // in kNotGamesAfter
  kOlympiaDe = 64,    // "Olympia": the Games in German text, a town or a name elsewhere
  kOtherPlace = 128,  // in kOtherPlaces
};

// Days since 1970-01-01 of a YYYY-MM-DD date; false when it is not one.
bool day_number(std::string_view ymd, int& days) {
  if (ymd.size() != 10 || ymd[4] != '-' || ymd[7] != '-') return false;
  for (std::size_t i : {0, 1, 2, 3, 5, 6, 8, 9}) {
    if (ymd[i] < '0' || ymd[i] > '9') return false;
  }
  int y = std::atoi(std::string(ymd.substr(0, 4)).c_str());
  const unsigned m = static_cast<unsigned>(std::atoi(std::string(ymd.substr(5, 2)).c_str()));
  const unsigned d = static_cast<unsigned>(std::atoi(std::string(ymd.substr(8, 2)).c_str()));
  if (m < 1 || m > 12 || d < 1 || d > 31) return false;
  // Howard Hinnant's days_from_civil.
  y -= m <= 2 ? 1 : 0;
  const int era = (y >= 0 ? y : y - 399) / 400;
  const unsigned yoe = static_cast<unsigned>(y - era * 400);
  const unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  days = era * 146097 + static_cast<int>(doe) - 719468;
  return true;
}

std::string_view city_of(std::string_view slug) {
  return slug.substr(0, slug.size() - 5);
}

}  // namespace

// Built once for the process (immutable afterwards, so every thread's tagger shares it).
struct GamesTagger::Tables {
  struct Word {
    uint16_t flags = 0;
    int16_t compact = -1;         // "paris2024": this Games
    std::vector<uint16_t> names;  // indexes into `names` starting with this word
  };
  struct Name {
    std::vector<std::string> words;  // folded, as the analyzer splits it
    std::vector<uint16_t> games;     // indexes into kGames
    bool year_only;
  };
  std::unordered_map<std::string, Word> words;
  std::vector<Name> names;
  std::map<int, std::vector<uint16_t>> by_year;  // name year -> Games
  std::array<int, kGamesCount> opens{};          // day numbers of the window
  std::array<int, kGamesCount> closes{};
  std::array<int, kGamesCount> starts{};
  std::array<int, kGamesCount> ends{};
  std::vector<std::string> prefixes;
  std::unordered_map<std::string, std::string_view> other_places;  // folded word -> country
};

namespace {

std::vector<std::string> split_terms(Analyzer& analyzer, std::string_view text) {
  std::vector<std::string> out;
  for (Token& t : analyzer.tokenize(text)) out.push_back(std::move(t.term));
  return out;
}

void add_flags(GamesTagger::Tables& t, Analyzer& analyzer, const char* const* words, std::size_t n,
               uint16_t flag) {
  for (std::size_t i = 0; i < n; ++i) {
    for (const std::string& w : split_terms(analyzer, words[i])) t.words[w].flags |= flag;
  }
}

void add_city_names(GamesTagger::Tables& t, Analyzer& analyzer) {
  for (const CityName& c : kCityNames) {
    GamesTagger::Tables::Name name{split_terms(analyzer, c.text), {}, c.year_only};
    std::string_view keys(c.cities);
    while (!keys.empty()) {
      const std::size_t sp = keys.find(' ');
      const std::string_view key = keys.substr(0, sp);
      for (std::size_t g = 0; g < kGamesCount; ++g) {
        if (city_of(kGames[g].slug) == key) name.games.push_back(static_cast<uint16_t>(g));
      }
      keys = sp == std::string_view::npos ? std::string_view() : keys.substr(sp + 1);
    }
    if (name.words.empty() || name.games.empty()) std::abort();  // a typo in the table
    const auto id = static_cast<uint16_t>(t.names.size());
    t.words[name.words[0]].names.push_back(id);
    // "#Paris2024", "tokyo2020": one word for city and year.
    if (name.words.size() == 1 && !c.year_only) {
      for (uint16_t g : name.games) {
        t.words[name.words[0] + std::to_string(kGames[g].year)].compact = static_cast<int16_t>(g);
      }
    }
    t.names.push_back(std::move(name));
  }
  // Longest name first, so that "Salt Lake City" wins over "Salt Lake".
  for (auto& [word, info] : t.words) {
    std::stable_sort(info.names.begin(), info.names.end(), [&](uint16_t a, uint16_t b) {
      return t.names[a].words.size() > t.names[b].words.size();
    });
  }
}

GamesTagger::Tables build_tables() {
  GamesTagger::Tables t;
  // Our own analyzer: the tables are split and folded exactly as the builder's tokens are.
  Analyzer analyzer;
  auto add = [&](const auto& list, uint16_t flag) {
    add_flags(t, analyzer, list, std::size(list), flag);
  };
  add(kOlympicWords, kOlympic);
  add(kGamesWords, kGamesWord);
  add(kSummerWords, kSummer);
  add(kWinterWords, kWinter);
  add(kNotGamesBefore, kNotBefore);
  add(kNotGamesAfter, kNotAfter);
  t.words["olympia"].flags |= kOlympiaDe;
  for (const OtherPlace& p : kOtherPlaces) {
    for (const std::string& w : split_terms(analyzer, p.word)) {
      t.words[w].flags |= kOtherPlace;
      t.other_places[w] = p.country;
    }
  }
  for (const char* p : kOlympicPrefixes) t.prefixes.push_back(analyzer.fold(p));
  add_city_names(t, analyzer);
  for (std::size_t g = 0; g < kGamesCount; ++g) {
    t.by_year[kGames[g].year].push_back(static_cast<uint16_t>(g));
    if (!day_number(kGames[g].start, t.starts[g]) || !day_number(kGames[g].end, t.ends[g])) {
      std::abort();  // a typo in games_table.inc
    }
    t.opens[g] = t.starts[g] - kDaysBefore;
    t.closes[g] = t.ends[g] + kDaysAfter;
  }
  return t;
}

const GamesTagger::Tables& tables() {
  static const GamesTagger::Tables t = build_tables();
  return t;
}

// What one field's tokens say, as a short list of the few tokens that matter.
struct Event {
  enum Kind : uint8_t { kOlympicWord, kGamesName, kSeason, kCity, kYear, kCityYear };
  Kind kind;
  uint32_t begin, end;  // token indexes [begin, end)
  int value;            // name index (kCity), year (kYear), Games (kCityYear), flags (kSeason)
  // An Olympic word used by a mention of Games other than the window's; a city or year
  // that a mention has tied.
  bool claimed = false;
  uint32_t sentence = 0;  // mentions never reach across a sentence end
};

bool is_year(const Token& t, int& year) {
  if (t.kind != TokenKind::kNumber || t.term.size() != 4) return false;
  year = 0;
  for (char c : t.term) {
    if (c < '0' || c > '9') return false;
    year = year * 10 + (c - '0');
  }
  return true;
}

bool matches_name(const GamesTagger::Tables::Name& n, const std::vector<Token>& tokens,
                  std::size_t i) {
  if (i + n.words.size() > tokens.size()) return false;
  for (std::size_t k = 1; k < n.words.size(); ++k) {
    if (tokens[i + k].term != n.words[k]) return false;
  }
  return true;
}

bool has_flag(const GamesTagger::Tables& t, const std::vector<Token>& tokens, std::size_t i,
              uint16_t flag) {
  if (i >= tokens.size()) return false;
  const auto it = t.words.find(tokens[i].term);
  return it != t.words.end() && (it->second.flags & flag) != 0;
}

// An Olympic word that names something else: "Special Olympics", "Olympic Dam",
// "Olympique de Marseille".
bool names_other_thing(const GamesTagger::Tables& t, const std::vector<Token>& tokens,
                       std::size_t i) {
  if (i > 0 && has_flag(t, tokens, i - 1, kNotBefore)) return true;
  if (has_flag(t, tokens, i + 1, kNotAfter)) return true;
  return i + 2 < tokens.size() && tokens[i + 1].term == "de" &&
         has_flag(t, tokens, i + 2, kNotAfter);
}

bool olympic_prefix(const GamesTagger::Tables& t, const std::string& term) {
  const unsigned char c = static_cast<unsigned char>(term.empty() ? 0 : term[0]);
  if (c != 'o' && c != 0xD0) return false;  // cheap test before the prefixes
  for (const std::string& p : t.prefixes) {
    if (term.compare(0, p.size(), p) == 0) return true;
  }
  return false;
}

// Whether the text between two tokens ends a sentence. A full stop after a word of one or
// two letters, or after a dotted word, is an abbreviation ("St. Moritz", "U.S. Olympic").
bool ends_sentence(std::string_view text, const Token& before, const Token& after) {
  if (after.begin <= before.end || after.begin > text.size()) return false;
  const std::string_view between = text.substr(before.end, after.begin - before.end);
  if (between.find_first_of("!?") != std::string_view::npos) return true;
  for (std::string_view mark : {"\u3002", "\uFF01", "\uFF1F", "\n\n"}) {
    if (between.find(mark) != std::string_view::npos) return true;
  }
  const std::string_view word = text.substr(before.begin, before.end - before.begin);
  return between.find('.') != std::string_view::npos && word.size() > 2 &&
         word.find('.') == std::string_view::npos;
}

// Numbers the sentences of the events (a pass over the tokens up to the last event).
void number_sentences(std::string_view text, const std::vector<Token>& tokens,
                      std::vector<Event>& events) {
  uint32_t sentence = 0;
  std::size_t token = 0;
  for (Event& e : events) {
    for (; token < e.begin; ++token) {
      if (ends_sentence(text, tokens[token], tokens[token + 1])) ++sentence;
    }
    e.sentence = sentence;
  }
}

// German compounds: Olympiasieger, Olympiasiegerin, Olympiateilnehmer, Olympiamannschaft
// (only in German text: elsewhere "Olympiakos" is a football club).
bool german_olympia(const std::string& term) {
  return term.size() > 7 && term.compare(0, 7, "olympia") == 0 &&
         term.compare(0, 14, "olympiastadion") != 0;
}

// Whether the word after a host city's name makes it a town of another country.
bool namesake(const GamesTagger::Tables& t, const GamesTagger::Tables::Name& name,
              const std::vector<Token>& tokens, std::size_t after) {
  if (!has_flag(t, tokens, after, kOtherPlace)) return false;
  const std::string_view country = t.other_places.at(tokens[after].term);
  for (uint16_t g : name.games) {
    if (kGames[g].host == country) return false;
  }
  return true;
}

// One hash lookup per token; the few tokens that matter become events.
std::vector<Event> scan(const GamesTagger::Tables& t, const std::vector<Token>& tokens,
                        bool german) {
  std::vector<Event> events;
  for (std::size_t i = 0; i < tokens.size(); ++i) {
    const uint32_t at = static_cast<uint32_t>(i);
    int year = 0;
    if (is_year(tokens[i], year)) {
      if (t.by_year.count(year) != 0) events.push_back({Event::kYear, at, at + 1, year});
      continue;
    }
    const auto it = t.words.find(tokens[i].term);
    if (it == t.words.end()) {
      if ((olympic_prefix(t, tokens[i].term) || (german && german_olympia(tokens[i].term))) &&
          !names_other_thing(t, tokens, i)) {
        events.push_back({Event::kOlympicWord, at, at + 1, 0});
      }
      continue;
    }
    const GamesTagger::Tables::Word& w = it->second;
    if (w.compact >= 0) {
      events.push_back({Event::kCityYear, at, at + 1, w.compact});
      continue;
    }
    bool city = false;
    for (uint16_t n : w.names) {
      if (!matches_name(t.names[n], tokens, i)) continue;
      const auto end = static_cast<uint32_t>(i + t.names[n].words.size());
      if (!namesake(t, t.names[n], tokens, end)) events.push_back({Event::kCity, at, end, n});
      i = end - 1;
      city = true;
      break;
    }
    if (city) continue;
    const bool olympic = (w.flags & kOlympic) != 0 || (german && (w.flags & kOlympiaDe) != 0);
    if (olympic && !names_other_thing(t, tokens, i)) {
      events.push_back({Event::kOlympicWord, at, at + 1, 0});
    } else if ((w.flags & kGamesWord) != 0 && !names_other_thing(t, tokens, i)) {
      // "JO" (Jeux olympiques) is as good as an Olympic word next to a city or year.
      events.push_back({Event::kGamesName, at, at + 1, tokens[i].term == "jo" ? 1 : 0});
    } else if (w.flags & (kSummer | kWinter)) {
      events.push_back({Event::kSeason, at, at + 1, w.flags & (kSummer | kWinter)});
    }
  }
  return events;
}

// Token distance between two events (0 when they touch).
int gap(const Event& a, const Event& b) {
  if (a.sentence != b.sentence) return 1 << 20;
  return a.end <= b.begin ? static_cast<int>(b.begin - a.end)
                          : static_cast<int>(a.begin >= b.end ? a.begin - b.end : 0);
}

// The article-wide facts, and the resolution of the mentions found in its fields.
class GamesResolver {
 public:
  GamesResolver(const GamesTagger::Tables& t, const Article& a) : t_(t) {
    dated_ = day_number(a.date, day_);
    window_ = -1;
    if (!dated_) return;
    for (std::size_t g = 0; g < kGamesCount; ++g) {
      if (day_ >= t_.opens[g] && day_ <= t_.closes[g]) window_ = static_cast<int>(g);
    }
  }

  void add_years(const std::vector<Event>& events) {
    for (const Event& e : events) {
      if (e.kind == Event::kYear) years_.insert(e.value);
      if (e.kind == Event::kCityYear) years_.insert(kGames[e.value].year);
    }
  }

  void resolve_field(std::vector<Event>& events) {
    for (std::size_t i = 0; i < events.size(); ++i) {
      Event& e = events[i];
      if (e.kind == Event::kOlympicWord) gate_ = true;
      if (e.kind == Event::kCityYear) tie(static_cast<std::size_t>(e.value), nullptr);
      if (e.kind == Event::kCity) city_mention(events, i);
      if (e.kind == Event::kYear) year_mention(events, i);
    }
    for (std::size_t i = 0; i < events.size(); ++i) {
      if (events[i].kind == Event::kOlympicWord && !events[i].claimed &&
          speaks_for_window(events, i)) {
        free_olympic_word_ = true;
      }
    }
  }

  std::vector<std::string> result() const {
    std::vector<std::string> out;
    if (!gate_) return out;  // no Olympic word anywhere: about something else
    for (std::size_t g : tied_) out.emplace_back(kGames[g].slug);
    if (window_ >= 0 && free_olympic_word_) out.emplace_back(kGames[window_].slug);
    std::sort(out.begin(), out.end());
    out.erase(std::unique(out.begin(), out.end()), out.end());
    return out;
  }

 private:
  // Ties Games g; the Olympic word that said so no longer speaks for the window's Games.
  void tie(std::size_t g, Event* word) {
    tied_.insert(g);
    if (word != nullptr && static_cast<int>(g) != window_) word->claimed = true;
  }

  // The nearest event of `kind` within `reach` words of events[i], or nullptr.
  Event* near(std::vector<Event>& events, std::size_t i, Event::Kind kind, int reach) {
    Event* best = nullptr;
    for (Event& e : events) {
      if (&e == &events[i] || e.kind != kind || gap(events[i], e) > reach) continue;
      if (best == nullptr || gap(events[i], e) < gap(events[i], *best)) best = &e;
    }
    return best;
  }

  void city_mention(std::vector<Event>& events, std::size_t i) {
    const GamesTagger::Tables::Name& name = t_.names[static_cast<std::size_t>(events[i].value)];
    // a) "Tokyo 2020", "2020年東京"; with an Olympic word at hand the year may stand a
    // little farther: "1964年に東京五輪", "the 1936 Berlin Games".
    Event* word = near(events, i, Event::kOlympicWord, kOlympicReach);
    const int year_reach = word != nullptr ? kOlympicReach : 1;
    for (Event& e : events) {
      if (e.kind != Event::kYear || gap(events[i], e) > year_reach) continue;
      for (uint16_t g : name.games) {
        if (kGames[g].year == e.value) {
          tie(g, word);
          events[i].claimed = true;
          e.claimed = true;  // the year is spoken for: no year mention of its own
          return;
        }
      }
    }
    if (name.year_only) return;
    if (word == nullptr) {
      const Event* games = near(events, i, Event::kGamesName, kOlympicReach);
      if (games == nullptr) return;
      if (games->value == 1) gate_ = true;  // "JO de Paris"
    }
    const int g = pick_city_games(name.games);  // b) "Tokyo Olympics", "JO de Paris"
    if (g >= 0) {
      tie(static_cast<std::size_t>(g), word);
      events[i].claimed = true;
    }
  }

  // Whether a free Olympic word may stand for the window's Games. Not when a season word
  // at its side is the other season ("Winter Olympics" in a Summer window: the coming
  // Games), nor when its sentence names a host city of other Games that no mention has
  // tied, and no city of the window's ("Beijing prepares for the ... Olympics" in Tokyo's
  // window): such a word is likely about that city's Games, out of a mention's reach, so
  // it tags nothing. A city already tied by its own Olympic word ("Tokyo Olympics champion
  // fell; the Olympic pool") leaves the other words of its sentence to the window.
  bool speaks_for_window(const std::vector<Event>& events, std::size_t i) const {
    if (window_ < 0) return true;
    const bool winter = kGames[window_].season == "winter";
    bool same_season = false, other_season = false, window_city = false, other_city = false;
    for (const Event& e : events) {
      if (e.kind == Event::kSeason && gap(events[i], e) <= 1) {
        ((e.value & (winter ? kWinter : kSummer)) != 0 ? same_season : other_season) = true;
      }
      if (e.sentence != events[i].sentence) continue;
      if (e.kind == Event::kCityYear) {
        window_city = window_city || e.value == window_;
      } else if (e.kind == Event::kCity) {
        const GamesTagger::Tables::Name& name = t_.names[static_cast<std::size_t>(e.value)];
        const bool ours =
            std::find(name.games.begin(), name.games.end(), window_) != name.games.end();
        if (ours) {
          window_city = true;
        } else if (!name.year_only && !e.claimed) {  // "LA", "Mexico": often something else
          other_city = true;
        }
      }
    }
    if (other_season && !same_season) return false;
    return window_city || !other_city;
  }

  // Which of a city's Games a mention without a year means; -1 when we cannot tell.
  int pick_city_games(const std::vector<uint16_t>& games) const {
    if (games.size() == 1) return games[0];
    if (dated_) {
      int best = -1, best_distance = kCityReach + 1;
      for (uint16_t g : games) {
        const int d = day_ < t_.starts[g] ? t_.starts[g] - day_
                      : day_ > t_.ends[g] ? day_ - t_.ends[g]
                                          : 0;
        if (d < best_distance) best = g, best_distance = d;
      }
      return best;
    }
    int found = -1;
    for (uint16_t g : games) {
      if (years_.count(kGames[g].year) == 0) continue;
      if (found >= 0) return -1;  // two of the city's years: ambiguous
      found = g;
    }
    return found;
  }

  void year_mention(std::vector<Event>& events, std::size_t i) {
    if (events[i].claimed) return;
    Event* word = near(events, i, Event::kOlympicWord, kOlympicReach);
    if (word == nullptr) {
      const Event* jo = near(events, i, Event::kGamesName, 1);
      if (jo == nullptr || jo->value != 1) return;
      gate_ = true;  // "JO 2024"
    }
    const std::vector<uint16_t>& games = t_.by_year.at(events[i].value);
    if (games.size() == 1) return tie(games[0], word);
    // Summer and Winter in one year: a season word between the year and the Olympic word.
    Event* season = near(events, i, Event::kSeason, kOlympicReach);
    for (uint16_t g : games) {
      const bool winter = kGames[g].season == "winter";
      if (season != nullptr && ((season->value & kWinter) != 0) == winter) return tie(g, word);
      if (season == nullptr && static_cast<int>(g) == window_) return tie(g, word);
    }
  }

  const GamesTagger::Tables& t_;
  bool dated_ = false;
  int day_ = 0;
  int window_ = -1;  // the Games whose window holds the article's date
  bool gate_ = false;
  bool free_olympic_word_ = false;
  std::unordered_set<int> years_;
  std::unordered_set<std::size_t> tied_;
};

template <std::size_t N>
void append_list(std::string& all, const char* const (&list)[N]) {
  for (const char* w : list) (all += w) += '|';
  all += '\n';
}

}  // namespace

const std::vector<GamesInfo>& games_table() {
  static const std::vector<GamesInfo> table(std::begin(kGames), std::end(kGames));
  return table;
}

const GamesInfo* find_games(std::string_view slug) {
  for (const GamesInfo& g : kGames) {
    if (g.slug == slug) return &g;
  }
  return nullptr;
}

// The analyzer argument is not kept: the shared tables are built once with an analyzer of
// their own, which splits and folds exactly as this one does.
GamesTagger::GamesTagger(const Analyzer&) : tables_(&tables()) {}
GamesTagger::~GamesTagger() = default;

std::vector<std::string> GamesTagger::tag(const Article& a, const std::vector<Token>& title,
                                          const std::vector<Token>& body) const {
  const bool german = a.lang == "de";
  std::vector<Event> title_events = scan(*tables_, title, german);
  std::vector<Event> body_events = scan(*tables_, body, german);
  number_sentences(a.title, title, title_events);
  number_sentences(a.body, body, body_events);
  if (title_events.empty() && body_events.empty()) return {};
  GamesResolver r(*tables_, a);
  r.add_years(title_events);
  r.add_years(body_events);
  r.resolve_field(title_events);
  r.resolve_field(body_events);
  return r.result();
}

std::string games_label(std::string_view slug) {
  const GamesInfo* g = find_games(slug);
  return g != nullptr ? std::string(g->name) : std::string(slug);
}

std::string games_identity() {
  static const std::string id = [] {
    std::string all;
    for (const GamesInfo& g : kGames) {
      all += std::string(g.slug) + '|' + std::string(g.season) + '|' + std::string(g.start) + '|' +
             std::string(g.end) + '\n';
    }
    for (const CityName& c : kCityNames) {
      all += std::string(c.text) + '|' + c.cities + (c.year_only ? "|y\n" : "\n");
    }
    append_list(all, kOlympicWords);
    append_list(all, kOlympicPrefixes);
    append_list(all, kGamesWords);
    append_list(all, kSummerWords);
    append_list(all, kWinterWords);
    append_list(all, kNotGamesBefore);
    append_list(all, kNotGamesAfter);
    for (const OtherPlace& p : kOtherPlaces) all += std::string(p.word) + '|' + p.country + '\n';
    return "games:" + std::to_string(kRuleVersion) + ":" + hash_hex(all);
  }();
  return id;
}

namespace {

// What `games:` accepts, by the words the analyzer makes of it (so "Tokyo 2020",
// "tokyo-2020" and "TOKYO 2020" are one key): slugs, names, seasons, name years and every
// way a host city is written (its slug part and the tagger's city names).
using GamesKeys = std::unordered_map<std::string, std::vector<std::string>>;

std::string key_of(Analyzer& analyzer, std::string_view text) {
  std::string key;
  for (const Token& t : analyzer.tokenize(text)) {
    if (!key.empty()) key += ' ';
    key += t.term;
  }
  return key;
}

const GamesKeys& games_keys() {
  static const GamesKeys keys = [] {
    Analyzer analyzer;
    GamesKeys k;
    auto add = [&](std::string_view text, std::string_view slug) {
      std::vector<std::string>& v = k[key_of(analyzer, text)];
      if (std::find(v.begin(), v.end(), slug) == v.end()) v.emplace_back(slug);
    };
    for (const GamesInfo& g : kGames) {
      add(g.slug, g.slug);
      add(g.name, g.slug);
      add(g.season, g.slug);
      add(std::to_string(g.year), g.slug);
      add(city_of(g.slug), g.slug);
    }
    for (const CityName& c : kCityNames) {
      for (std::size_t g = 0; g < kGamesCount; ++g) {
        std::string_view rest(c.cities);
        while (!rest.empty()) {
          const std::size_t sp = rest.find(' ');
          if (rest.substr(0, sp) == city_of(kGames[g].slug)) add(c.text, kGames[g].slug);
          rest = sp == std::string_view::npos ? std::string_view() : rest.substr(sp + 1);
        }
      }
    }
    return k;
  }();
  return keys;
}

}  // namespace

bool schema::resolve_games_value(std::string_view value, std::vector<std::string>& values,
                                 std::string& error) {
  // The query parser may run in several threads (the server): one analyzer per thread.
  thread_local Analyzer analyzer;
  const std::string key = key_of(analyzer, value);
  const GamesKeys& keys = games_keys();
  const auto it = key.empty() ? keys.end() : keys.find(key);
  if (it != keys.end()) {
    values.insert(values.end(), it->second.begin(), it->second.end());
    return true;
  }
  error = "unknown Games '" + std::string(value) + "'; e.g. tokyo-2020, winter, 2024, tokyo";
  // A year in which Games were held under another year's name (Tokyo 2020, in 2021).
  for (const GamesInfo& g : kGames) {
    if (key == g.start.substr(0, 4) && g.year != std::atoi(key.c_str())) {
      error += " (" + std::string(g.name) + " was held in " + key +
               ": games:" + std::string(g.slug) + ")";
    }
  }
  return false;
}

}  // namespace oly
