// oly::Analyzer (tokenize, fold, identity), oly::Stemmer, --analyze output and the UTF-8
// helpers.
#include <unicode/uchar.h>
#include <unicode/uvernum.h>

#include <algorithm>
#include <catch2/catch.hpp>
#include <cstring>
#include <sstream>
#include <string>
#include <vector>

#include "analyzer.h"
#include "indexing.h"
#include "inspect.h"
#include "search.h"
#include "searcher_test_util.h"
#include "test_util.h"
#include "utf8.h"

namespace {

struct ExpectedToken {
  std::string term;
  Xapian::termpos position;
  uint32_t begin;
  uint32_t end;
};

struct Row {
  const char* behaviour;
  std::string text;
  std::vector<ExpectedToken> tokens;
};

// "term@position[begin,end)": one string per token, so that a failing row prints a
// readable diff of the two token lists.
std::string describe(const std::string& term, Xapian::termpos position, uint32_t begin,
                     uint32_t end) {
  return term + "@" + std::to_string(position) + "[" + std::to_string(begin) + "," +
         std::to_string(end) + ")";
}

// Byte offsets are counted in UTF-8: é, ø, ß are 2 bytes, ’ and most CJK/kana/Thai
// characters 3, emoji 4.
const std::vector<Row>& rows() {
  static const std::vector<Row> kRows = {
      // Accents and letters without a combining mark.
      {"accented letters fold to their base letter", "Angèle", {{"angele", 1, 0, 7}}},
      {"a circumflex folds away", "Château", {{"chateau", 1, 0, 8}}},
      {"a tilde folds away and the next word keeps its offset",
       "São Paulo",
       {{"sao", 1, 0, 4}, {"paulo", 2, 5, 10}}},
      {"a diaeresis folds away", "Dählie", {{"dahlie", 1, 0, 7}}},
      {"a slashed O becomes o", "Øresund", {{"oresund", 1, 0, 8}}},
      {"Polish letters without combining marks fold", "Łódź", {{"lodz", 1, 0, 7}}},
      {"ligature letters AE and slashed o expand", "Ærø", {{"aero", 1, 0, 5}}},
      {"stacked Vietnamese marks all fold away", "Nguyễn", {{"nguyen", 1, 0, 8}}},
      {"a decomposed accent (NFD input) folds like the composed one",
       "Ange\u0300le",
       {{"angele", 1, 0, 8}}},
      {"Greek final sigma and polytonic accents fold like capitals",
       "ΟΔΥΣΣΕΥΣ Ὀδυσσεύς",
       {{"οδυσσευσ", 1, 0, 16}, {"οδυσσευσ", 2, 17, 34}}},
      {"two accented words", "naïve café", {{"naive", 1, 0, 6}, {"cafe", 2, 7, 12}}},
      // Case.
      {"upper case folds to lower case", "CHATEAU", {{"chateau", 1, 0, 7}}},
      {"Cyrillic folds to lower case", "МОСКВА", {{"москва", 1, 0, 12}}},
      {"Greek folds to lower case", "ΣΟΦΙΑ", {{"σοφια", 1, 0, 10}}},
      {"dotted capital I folds to plain i", "İstanbul", {{"istanbul", 1, 0, 9}}},
      // Compatibility forms.
      {"sharp s folds to ss", "Straße", {{"strasse", 1, 0, 7}}},
      {"capital sharp s folds to ss", "ẞ", {{"ss", 1, 0, 3}}},
      {"the fi ligature expands to f i", "ﬁnal", {{"final", 1, 0, 6}}},
      {"fullwidth letters fold to ASCII", "ＡＢＣ", {{"abc", 1, 0, 9}}},
      {"fullwidth letters and digits fold to ASCII",
       "Ｔｏｋｙｏ２０２０",
       {{"tokyo2020", 1, 0, 27}}},
      {"a roman numeral character expands", "Ⅻ", {{"xii", 1, 0, 3}}},
      {"a soft hyphen inside a word disappears", "co\u00ADoperate", {{"cooperate", 1, 0, 11}}},
      // Apostrophes.
      {"an ASCII possessive 's is stripped", "Cruise's", {{"cruise", 1, 0, 8}}},
      {"a typographic possessive ’s is stripped", "Cruise’s", {{"cruise", 1, 0, 10}}},
      {"a contraction keeps its apostrophe", "don't", {{"don't", 1, 0, 5}}},
      {"a typographic apostrophe inside a name becomes ASCII", "O’Brien", {{"o'brien", 1, 0, 9}}},
      {"quotes around a word are not part of it", "'quoted'", {{"quoted", 1, 1, 7}}},
      {"possessive of an accented word", "café’s", {{"cafe", 1, 0, 9}}},
      // Elided articles (French, Italian, Catalan) are dropped: the word after the
      // apostrophe is the term, at the apostrophe's position, whatever the apostrophe.
      {"French l' is dropped", "l'histoire", {{"histoire", 1, 2, 10}}},
      {"French d' is dropped", "d'ouverture", {{"ouverture", 1, 2, 11}}},
      {"an upper-case elision with a typographic apostrophe", "L’équipe", {{"equipe", 1, 4, 11}}},
      {"an elision with a modifier letter apostrophe", "lʼhistoire", {{"histoire", 1, 3, 11}}},
      {"an elision with a fullwidth apostrophe", "l＇histoire", {{"histoire", 1, 4, 12}}},
      {"an elision with a left single quotation mark", "l‘histoire", {{"histoire", 1, 4, 12}}},
      {"French qu' is dropped", "qu'il", {{"il", 1, 3, 5}}},
      {"French jusqu', lorsqu', puisqu', quoiqu', presqu' are dropped",
       "jusqu'à lorsqu'on puisqu'il quoiqu'elle presqu'île",
       {{"a", 1, 6, 8},
        {"on", 2, 16, 18},
        {"il", 3, 26, 28},
        {"elle", 4, 36, 40},
        {"ile", 5, 48, 52}}},
      {"French j' m' n' s' t' c' are dropped",
       "j'ai m'appelle n'est s'il t'aime c'est",
       {{"ai", 1, 2, 4},
        {"appelle", 2, 7, 14},
        {"est", 3, 17, 20},
        {"il", 4, 23, 25},
        {"aime", 5, 28, 32},
        {"est", 6, 35, 38}}},
      {"Italian articulated prepositions are dropped",
       "dell'atletica all'Olimpiade dall'Italia nell'arena sull'acqua",
       {{"atletica", 1, 5, 13},
        {"olimpiade", 2, 18, 27},
        {"italia", 3, 33, 39},
        {"arena", 4, 45, 50},
        {"acqua", 5, 56, 61}}},
      {"Italian un' c' quest' quell' dagl' are dropped",
       "un'atleta c'è quest'anno quell'uomo dagl'inizi",
       {{"atleta", 1, 3, 9},
        {"e", 2, 12, 14},
        {"anno", 3, 21, 25},
        {"uomo", 4, 32, 36},
        {"inizi", 5, 42, 47}}},
      {"Catalan l' d' s' are dropped",
       "l'atleta d'or s'ha",
       {{"atleta", 1, 2, 8}, {"or", 2, 11, 13}, {"ha", 3, 16, 18}}},
      {"only the first elision is dropped; a French compound keeps its apostrophe",
       "qu'aujourd'hui",
       {{"aujourd'hui", 1, 3, 14}}},
      {"English contractions and names are not elisions",
       "don't O'Reilly rock'n'roll o'clock y'all ma'am can't",
       {{"don't", 1, 0, 5},
        {"o'reilly", 2, 6, 14},
        {"rock'n'roll", 3, 15, 26},
        {"o'clock", 4, 27, 34},
        {"y'all", 5, 35, 40},
        {"ma'am", 6, 41, 46},
        {"can't", 7, 47, 52}}},
      {"an informal English c'mon loses its c' like French c'est (language-neutral rule)",
       "c'mon",
       {{"mon", 1, 2, 5}}},
      {"an apostrophe at the end of an elided form elides nothing",
       "l' d'",
       {{"l", 1, 0, 1}, {"d", 2, 3, 4}}},
      {"an elision and a possessive in one word", "l'équipe's", {{"equipe", 1, 2, 11}}},
      // Words glued by a full stop (a missing space after a sentence) are two words;
      // numbers and one-letter abbreviations stay whole; domains become their parts.
      {"a sentence glued by a full stop gives both words at consecutive positions",
       "the closing ceremony.Japan finished",
       {{"the", 1, 0, 3},
        {"closing", 2, 4, 11},
        {"ceremony", 3, 12, 20},
        {"japan", 4, 21, 26},
        {"finished", 5, 27, 35}}},
      {"a lower-case glued sentence is cut the same way",
       "ceremony.japan",
       {{"ceremony", 1, 0, 8}, {"japan", 2, 9, 14}}},
      {"a fullwidth full stop glues like an ASCII one",
       "ceremony．Japan",
       {{"ceremony", 1, 0, 8}, {"japan", 2, 11, 16}}},
      {"a one dot leader glues like a full stop",
       "ceremony\u2024Japan",
       {{"ceremony", 1, 0, 8}, {"japan", 2, 11, 16}}},
      {"a decimal number stays one token", "3.5 10.000", {{"3.5", 1, 0, 3}, {"10.000", 2, 4, 10}}},
      {"one-letter abbreviations stay one token",
       "U.S. e.g. i.e. a.m. U.S.A.",
       {{"u.s", 1, 0, 3},
        {"e.g", 2, 5, 8},
        {"i.e", 3, 10, 13},
        {"a.m", 4, 15, 18},
        {"u.s.a", 5, 20, 25}}},
      {"an abbreviation glued to a word gives both",
       "U.S.Open",
       {{"u.s", 1, 0, 3}, {"open", 2, 4, 8}}},
      {"a longer abbreviation is cut into its parts", "Ph.D.", {{"ph", 1, 0, 2}, {"d", 2, 3, 4}}},
      {"a domain name gives its parts",
       "olympics.com www.paris2024.org",
       {{"olympics", 1, 0, 8},
        {"com", 2, 9, 12},
        {"www", 3, 13, 16},
        {"paris2024", 4, 17, 26},
        {"org", 5, 27, 30}}},
      {"a middle dot between words cuts them",
       "Paris·Tokyo",
       {{"paris", 1, 0, 5}, {"tokyo", 2, 7, 12}}},
      {"a Catalan ela geminada (l·l) is one word",
       "col·lecció PARAL·LEL",
       {{"col·leccio", 1, 0, 12}, {"paral·lel", 2, 13, 23}}},
      {"a narrow no-break space between letters cuts them",
       "Paris\u202FTokyo",
       {{"paris", 1, 0, 5}, {"tokyo", 2, 8, 13}}},
      {"a narrow no-break space inside a number keeps it whole (NFKC makes it a space)",
       "1\u202F000",
       {{"1 000", 1, 0, 7}}},
      // Mentions, hashtags, e-mail addresses and connectors: ICU counts @ as a letter and
      // _ as a connector; both separate words.
      {"a mention's @ is not part of the word",
       "Great run by @usain",
       {{"great", 1, 0, 5}, {"run", 2, 6, 9}, {"by", 3, 10, 12}, {"usain", 4, 14, 19}}},
      {"a hashtag's # is not part of the word", "#paris2024", {{"paris2024", 1, 1, 10}}},
      {"a fullwidth @ is not part of the word", "＠usain", {{"usain", 1, 3, 8}}},
      {"an e-mail address gives its parts",
       "usain.bolt@olympics.com",
       {{"usain", 1, 0, 5}, {"bolt", 2, 6, 10}, {"olympics", 3, 11, 19}, {"com", 4, 20, 23}}},
      {"an underscore separates words",
       "@usain_bolt snake_case",
       {{"usain", 1, 1, 6}, {"bolt", 2, 7, 11}, {"snake", 3, 12, 17}, {"case", 4, 18, 22}}},
      {"a lone @ gives no token", "@ @@ _", {}},
      {"one-letter pieces around an @ are no abbreviation",
       "B@.B x_y.z",
       {{"b", 1, 0, 1}, {"b", 2, 3, 4}, {"x", 3, 5, 6}, {"y.z", 4, 7, 10}}},
      // Hyphens and separators.
      {"a hyphenated word gives two tokens at consecutive positions",
       "Mission-Impossible",
       {{"mission", 1, 0, 7}, {"impossible", 2, 8, 18}}},
      {"tabs and newlines separate words",
       "a\tb\nc",
       {{"a", 1, 0, 1}, {"b", 2, 2, 3}, {"c", 3, 4, 5}}},
      {"leading and trailing spaces are skipped",
       "  leading and trailing  ",
       {{"leading", 1, 2, 9}, {"and", 2, 10, 13}, {"trailing", 3, 14, 22}}},
      // Numbers.
      {"a decimal number is one token", "9.58", {{"9.58", 1, 0, 4}}},
      {"a number with a thousands separator is one token",
       "1,000 2024",
       {{"1,000", 1, 0, 5}, {"2024", 2, 6, 10}}},
      {"a number followed by a unit stays one token",
       "Women's 100m",
       {{"women", 1, 0, 7}, {"100m", 2, 8, 12}}},
      // Scripts without spaces: ICU's dictionaries.
      {"Japanese splits into dictionary words",
       "東京オリンピック",
       {{"東京", 1, 0, 6}, {"オリンピック", 2, 6, 24}}},
      {"Chinese splits into dictionary words",
       "北京奥运会",
       {{"北京", 1, 0, 6}, {"奥运", 2, 6, 12}, {"会", 3, 12, 15}}},
      {"Thai splits into dictionary words", "ภาษาไทย", {{"ภาษา", 1, 0, 12}, {"ไทย", 2, 12, 21}}},
      {"Korean words are split at spaces",
       "서울 올림픽",
       {{"서울", 1, 0, 6}, {"올림픽", 2, 7, 16}}},
      {"Japanese dakuten are kept (ガイド does not become カイト)",
       "ガイド",
       {{"ガイド", 1, 0, 9}}},
      {"a combining dakuten composes with its kana", "カ\u3099イト\u3099", {{"ガイド", 1, 0, 15}}},
      {"halfwidth katakana with dakuten fold to full-width ガイド",
       "ｶﾞｲﾄﾞ",
       {{"ガイド", 1, 0, 15}}},
      {"Devanagari vowel signs are kept", "भारत", {{"भारत", 1, 0, 12}}},
      // Things that are not words.
      {"emoji are dropped and do not take a position",
       "Paris 🏅 gold 🎉",
       {{"paris", 1, 0, 5}, {"gold", 2, 11, 15}}},
      {"an emoji ZWJ sequence is dropped", "👨‍👩‍👧 family", {{"family", 1, 19, 25}}},
      {"punctuation only gives no tokens", "!!! ... --- ???", {}},
      {"empty input gives no tokens", "", {}},
      {"whitespace only gives no tokens", " \t\r\n ", {}},
      // Invalid UTF-8: read as U+FFFD, which separates words; offsets stay in bytes.
      {"an invalid byte splits a word and offsets stay right",
       "abc\xFF"
       "def",
       {{"abc", 1, 0, 3}, {"def", 2, 4, 7}}},
      {"a lead byte without its continuation splits a word",
       "Ang\xC3"
       "le x",
       {{"ang", 1, 0, 3}, {"le", 2, 4, 6}, {"x", 3, 7, 8}}},
      {"a truncated 4-byte sequence is skipped as one unit",
       "\xF0\x9F\x8F"
       "x y",
       {{"x", 1, 3, 4}, {"y", 2, 5, 6}}},
      {"a truncated sequence at the very end is ignored",
       "caf\xC3\xA9 \xE6\x9D",
       {{"cafe", 1, 0, 5}}},
  };
  return kRows;
}

}  // namespace

TEST_CASE("tokenize folds, splits and locates words as the table says", "[analyzer]") {
  oly::Analyzer analyzer;
  REQUIRE(rows().size() >= 30);
  for (const Row& row : rows()) {
    INFO("row: " << row.behaviour);
    std::vector<std::string> expected;
    for (const auto& t : row.tokens)
      expected.push_back(describe(t.term, t.position, t.begin, t.end));
    std::vector<std::string> actual;
    for (const auto& t : analyzer.tokenize(row.text)) {
      actual.push_back(describe(t.term, t.position, t.begin, t.end));
    }
    CHECK(actual == expected);
  }
}

TEST_CASE("every token's byte range folds back to the token's term", "[analyzer]") {
  oly::Analyzer analyzer;
  for (const Row& row : rows()) {
    INFO("row: " << row.behaviour);
    for (const auto& t : analyzer.tokenize(row.text)) {
      REQUIRE(t.begin < t.end);
      REQUIRE(t.end <= row.text.size());
      CHECK(analyzer.fold(std::string_view(row.text).substr(t.begin, t.end - t.begin)) == t.term);
    }
  }
}

TEST_CASE("folding a term again leaves it unchanged", "[analyzer]") {
  oly::Analyzer analyzer;
  for (const Row& row : rows()) {
    INFO("row: " << row.behaviour);
    for (const auto& t : analyzer.tokenize(row.text)) CHECK(analyzer.fold(t.term) == t.term);
  }
}

TEST_CASE("tokenize numbers positions from first_position and appends", "[analyzer]") {
  oly::Analyzer analyzer;
  std::vector<oly::Token> out;
  Xapian::termpos next = analyzer.tokenize("Usain Bolt", 10, out);
  CHECK(next == 12);
  next = analyzer.tokenize("9.58 seconds", next, out);
  CHECK(next == 14);
  REQUIRE(out.size() == 4);
  CHECK(out[0].term == "usain");
  CHECK(out[0].position == 10);
  CHECK(out[1].position == 11);
  CHECK(out[2].term == "9.58");
  CHECK(out[2].position == 12);
  // Offsets refer to the text of each call, not to a concatenation.
  CHECK(out[2].begin == 0);
  CHECK(out[3].term == "seconds");
  CHECK(out[3].begin == 5);
  CHECK(out[3].position == 13);

  SECTION("a text without words returns first_position unchanged") {
    CHECK(analyzer.tokenize("", 7, out) == 7);
    CHECK(analyzer.tokenize("... !!!", 7, out) == 7);
    CHECK(out.size() == 4);
  }
}

TEST_CASE("tokens get the kind of word ICU saw", "[analyzer]") {
  oly::Analyzer analyzer;
  const auto tokens = analyzer.tokenize("Paris 2024 東京");
  REQUIRE(tokens.size() == 3);
  CHECK(tokens[0].kind == oly::TokenKind::kLetter);
  CHECK(tokens[1].kind == oly::TokenKind::kNumber);
  CHECK(tokens[2].kind == oly::TokenKind::kIdeographic);
}

TEST_CASE("over-long tokens are dropped, counted, and take no position", "[analyzer]") {
  oly::Analyzer analyzer;
  CHECK(analyzer.dropped_tokens() == 0);
  const std::string text = "hello " + std::string(200, 'a') + " world";
  const auto tokens = analyzer.tokenize(text);
  REQUIRE(tokens.size() == 2);
  CHECK(tokens[0].term == "hello");
  CHECK(tokens[1].term == "world");
  CHECK(tokens[1].position == 2);
  CHECK(tokens[1].begin == 207);
  CHECK(analyzer.dropped_tokens() == 1);

  SECTION("the limit is kMaxTermBytes of the folded term") {
    const std::string at_limit(oly::kMaxTermBytes, 'b');
    const std::string over_limit(oly::kMaxTermBytes + 1, 'c');
    const auto t = analyzer.tokenize(at_limit + " " + over_limit);
    REQUIRE(t.size() == 1);
    CHECK(t[0].term == at_limit);
    CHECK(analyzer.dropped_tokens() == 2);  // the count accumulates over calls
  }
}

TEST_CASE("tokenize survives hostile input", "[analyzer]") {
  oly::Analyzer analyzer;
  std::string all_bytes;
  for (int i = 0; i < 256; ++i) all_bytes.push_back(static_cast<char>(i));
  CHECK_NOTHROW(analyzer.tokenize(all_bytes));
  CHECK_NOTHROW(analyzer.tokenize(std::string(1000, '\xFF')));
  CHECK(analyzer.tokenize(std::string(1000, '\xFF')).empty());
  CHECK_NOTHROW(analyzer.tokenize(std::string("a\0b", 3)));
  // The analyzer is reusable after any of the above.
  const auto tokens = analyzer.tokenize("still works");
  REQUIRE(tokens.size() == 2);
  CHECK(tokens[1].begin == 6);
}

TEST_CASE("fold folds a word or a whole short value like a token", "[analyzer]") {
  oly::Analyzer analyzer;
  CHECK(analyzer.fold("Angèle") == "angele");
  CHECK(analyzer.fold("ANGÈLE") == "angele");
  CHECK(analyzer.fold("Øresund") == "oresund");
  CHECK(analyzer.fold("Straße") == "strasse");
  CHECK(analyzer.fold("ﬁnal") == "final");
  CHECK(analyzer.fold("ＡＢＣ") == "abc");
  CHECK(analyzer.fold("İstanbul") == "istanbul");
  CHECK(analyzer.fold("ガイド") == "ガイド");
  CHECK(analyzer.fold("ｶﾞｲﾄﾞ") == "ガイド");
  CHECK(analyzer.fold("Cruise’s") == "cruise");
  CHECK(analyzer.fold("Cruise's") == "cruise");
  CHECK(analyzer.fold("") == "");
  SECTION("a multi-word value keeps its spaces and inner punctuation") {
    CHECK(analyzer.fold("Track and Field") == "track and field");
    CHECK(analyzer.fold("Women's Football") == "women's football");
    CHECK(analyzer.fold("Beach Volleyball") == "beach volleyball");
  }
  SECTION("only a trailing 's is a possessive") {
    CHECK(analyzer.fold("'s") == "'s");
    CHECK(analyzer.fold("it's") == "it");
  }
  SECTION("invalid UTF-8 becomes U+FFFD instead of throwing") {
    CHECK(analyzer.fold("ab\xFF") == "ab\xEF\xBF\xBD");
  }
}

TEST_CASE("the English stemmer stems letter tokens", "[analyzer][stemmer]") {
  oly::Stemmer stem("en");
  CHECK(stem.enabled());
  CHECK(stem.language() == "en");
  oly::Analyzer analyzer;
  const auto tokens = analyzer.tokenize("running swimmers medals");
  REQUIRE(tokens.size() == 3);
  CHECK(stem(tokens[0]) == "run");
  CHECK(stem(tokens[1]) == "swimmer");
  CHECK(stem(tokens[2]) == "medal");
  CHECK(stem(std::string("running")) == "run");
}

TEST_CASE("the default stemmer is English and Xapian names work too", "[analyzer][stemmer]") {
  oly::Stemmer by_default;
  CHECK(by_default.enabled());
  CHECK(by_default.language() == "en");
  CHECK(by_default(std::string("olympics")) == "olymp");
  oly::Stemmer by_name("english");
  CHECK(by_name.enabled());
  CHECK(by_name(std::string("running")) == "run");
}

TEST_CASE("languages indexed without stems are known, unknown ones are not",
          "[analyzer][stemmer]") {
  // `-l ja` must be accepted (README: ja, zh, ko are indexed without stems), `-l xx` not.
  for (const char* lang : {"ja", "zh", "ko", "en", "fr", "none", ""}) {
    INFO(lang);
    CHECK(oly::Stemmer::known(lang));
  }
  for (const char* lang : {"xx", "klingon", "pl"}) {
    INFO(lang);
    CHECK_FALSE(oly::Stemmer::known(lang));
  }
  CHECK_FALSE(oly::Stemmer("ja").enabled());
}

TEST_CASE("the French stemmer stems French words", "[analyzer][stemmer]") {
  oly::Stemmer stem("fr");
  REQUIRE(stem.enabled());
  oly::Analyzer analyzer;
  const auto tokens = analyzer.tokenize("championnes");
  REQUIRE(tokens.size() == 1);
  CHECK(stem(tokens[0]) == "champion");
}

TEST_CASE("languages without a Snowball stemmer disable stemming", "[analyzer][stemmer]") {
  for (const char* lang : {"ja", "zh", "xx", "", "none"}) {
    INFO("language: '" << lang << "'");
    oly::Stemmer stem(lang);
    CHECK_FALSE(stem.enabled());
    CHECK(stem.language() == lang);
    oly::Token t{"running", 1, 0, 7, oly::TokenKind::kLetter};
    CHECK(stem(t) == "");
  }
  CHECK_FALSE(oly::Stemmer::known("klingon"));
  CHECK(oly::Stemmer::known("en"));
  CHECK(oly::Stemmer::known("fr"));
  CHECK(oly::Stemmer::known("german"));
  CHECK(oly::Stemmer::known(""));
  CHECK(oly::Stemmer::known("none"));
}

TEST_CASE("numbers and CJK words are not stemmed", "[analyzer][stemmer]") {
  oly::Stemmer stem("en");
  oly::Analyzer analyzer;
  const auto tokens = analyzer.tokenize("2024 9.58 1,000 東京 オリンピック");
  REQUIRE(tokens.size() == 5);
  for (const auto& t : tokens) {
    INFO("token: " << t.term);
    CHECK(t.kind != oly::TokenKind::kLetter);
    CHECK(stem(t) == "");
  }
}

TEST_CASE("the analyzer identity names the ICU and Unicode versions", "[analyzer]") {
  const std::string id = oly::Analyzer::identity();
  CHECK_THAT(id, Catch::Contains("icu=" U_ICU_VERSION));
  CHECK_THAT(id, Catch::Contains("unicode=" U_UNICODE_VERSION));
  CHECK_THAT(id, Catch::Contains("max_term=" + std::to_string(oly::kMaxTermBytes)));
  CHECK(id == oly::Analyzer::identity());  // stable
  // Version 3 cuts glued words and drops elided articles: indexes of version 2 hold other
  // terms for the same text and must be refused.
  CHECK_THAT(id, Catch::StartsWith("analyzer=3 "));
}

namespace {

// The body text of every match of `query` in the one-article index at `index`.
std::vector<std::string> matched_text(const std::string& index, const std::string& query) {
  oly::SearchOptions o;
  o.index_dir = index;
  oly::Searcher searcher(o);
  const oly::SearchResult r = searcher.search(query);
  std::vector<std::string> out;
  for (const oly::Hit& h : r.hits) {
    for (const oly::ByteRange& m : h.matches) {
      out.push_back(h.article.body.substr(m.begin, m.end - m.begin));
    }
    // The snippet's highlights must point at the same words.
    for (const oly::ByteRange& m : h.snippet.highlights) {
      INFO("query: " << query << " snippet: " << h.snippet.text);
      CHECK(std::find(out.begin(), out.end(), h.snippet.text.substr(m.begin, m.end - m.begin)) !=
            out.end());
    }
  }
  return out;
}

}  // namespace

TEST_CASE("glued, elided and mentioned words are found as typed and bare, at the right bytes",
          "[analyzer][e2e]") {
  oly::test::TempDir dir("analyzer-e2e");
  oly::test::write_file(
      dir / "in/a.jsonl",
      R"({"id":"a","title":"Games","body":"Then the closing ceremony.Japan finished first. )"
      R"(Great run by @usain at the U.S.Open, l'histoire of L’équipe and dell'atletica. )"
      R"(See olympics.com or mail info@paris2024.org for #paris2024."})"
      "\n");
  oly::IndexOptions io;
  io.index_dir = dir / "index";
  io.inputs = {dir / "in"};
  std::ostringstream log;
  oly::Diagnostics diag(log);
  REQUIRE(oly::build_index(io, diag).added == 1);
  using V = std::vector<std::string>;
  // A phrase (a glued word searched as typed is one) matches as one span.
  struct Probe {
    const char* query;
    V matches;
  };
  const Probe probes[] = {
      {"japan", {"Japan"}},
      {"ceremony", {"ceremony"}},
      {"\"closing ceremony\"", {"closing ceremony"}},
      {"ceremony.Japan", {"ceremony.Japan"}},
      {"\"ceremony.japan finished\"", {"ceremony.Japan finished"}},
      {"usain", {"usain"}},
      {"@usain", {"usain"}},
      {"histoire", {"histoire"}},
      {"l'histoire", {"histoire"}},
      {"equipe", {"équipe"}},
      {"L’équipe", {"équipe"}},
      {"atletica", {"atletica"}},
      {"dell'atletica", {"atletica"}},
      {"open", {"Open"}},
      {"U.S.", {"U.S"}},
      {"olympics.com", {"olympics.com"}},
      {"olympics", {"olympics"}},
      {"paris2024", {"paris2024", "paris2024"}},
      {"#paris2024", {"paris2024", "paris2024"}},
      {"info@paris2024.org", {"info@paris2024.org"}},
  };
  for (const Probe& p : probes) {
    INFO("query: " << p.query);
    V got = matched_text(dir / "index", p.query);
    std::sort(got.begin(), got.end());
    V want = p.matches;
    std::sort(want.begin(), want.end());
    CHECK(got == want);
  }
}

TEST_CASE("write_analysis reports offsets in the repaired text", "[analyzer][inspect]") {
  std::ostringstream out;
  // \xE9 alone is invalid; it becomes the 3-byte U+FFFD, so "le" starts at byte 6.
  oly::write_analysis(out, "Ang\xE9le run", "en", false);
  CHECK(out.str() == "ang\tang\t1\t0\t3\nle\tle\t2\t6\t8\nrun\trun\t3\t9\t12\n");

  std::ostringstream json;
  oly::write_analysis(json, "Cruise’s 2024", "en", true);
  CHECK(json.str() ==
        "{\"term\":\"cruise\",\"stem\":\"cruis\",\"position\":1,\"begin\":0,\"end\":10,"
        "\"text\":\"Cruise’s\"}\n"
        "{\"term\":\"2024\",\"stem\":\"\",\"position\":2,\"begin\":11,\"end\":15,"
        "\"text\":\"2024\"}\n");
}

TEST_CASE("find_invalid_utf8 finds the first ill-formed sequence", "[utf8]") {
  CHECK(oly::find_invalid_utf8("") == std::string_view::npos);
  CHECK(oly::find_invalid_utf8("plain ASCII") == std::string_view::npos);
  CHECK(oly::find_invalid_utf8("Angèle 東京 🏅") == std::string_view::npos);
  CHECK(oly::find_invalid_utf8("ab\xFF") == 2);
  CHECK(oly::find_invalid_utf8("é\x80") == 2);              // stray continuation byte
  CHECK(oly::find_invalid_utf8("x\xC0\x80") == 1);          // overlong NUL
  CHECK(oly::find_invalid_utf8("x\xED\xA0\x80") == 1);      // UTF-16 surrogate
  CHECK(oly::find_invalid_utf8("x\xF4\x90\x80\x80") == 1);  // beyond U+10FFFF
  CHECK(oly::find_invalid_utf8("東\xE4\xBA") == 3);         // truncated at the end
}

TEST_CASE("repair_utf8 replaces each maximal ill-formed subpart by U+FFFD", "[utf8]") {
  std::size_t n = 99;
  CHECK(oly::repair_utf8("Angèle", &n) == "Angèle");
  CHECK(n == 0);
  CHECK(oly::repair_utf8("a\xFF"
                         "b\xFE",
                         &n) ==
        "a\uFFFD"
        "b\uFFFD");
  CHECK(n == 2);
  // A truncated 4-byte sequence is one subpart, so one replacement.
  CHECK(oly::repair_utf8("\xF0\x9F\x8F"
                         "x",
                         &n) ==
        "\uFFFD"
        "x");
  CHECK(n == 1);
  // Each byte of an overlong sequence is its own subpart.
  CHECK(oly::repair_utf8("\xC0\x80", &n) == "\uFFFD\uFFFD");
  CHECK(n == 2);
  CHECK(oly::repair_utf8("ok\xE6\x9D") == "ok\uFFFD");
  CHECK(oly::find_invalid_utf8(oly::repair_utf8(std::string(300, '\x9F'))) ==
        std::string_view::npos);
}

TEST_CASE("utf8_floor never cuts inside a character", "[utf8]") {
  const std::string s = "aé東🏅";  // bytes: a | C3 A9 | E6 9D B1 | F0 9F 8F 85
  CHECK(oly::utf8_floor(s, 0) == 0);
  CHECK(oly::utf8_floor(s, 1) == 1);
  CHECK(oly::utf8_floor(s, 2) == 1);
  CHECK(oly::utf8_floor(s, 3) == 3);
  CHECK(oly::utf8_floor(s, 4) == 3);
  CHECK(oly::utf8_floor(s, 5) == 3);
  CHECK(oly::utf8_floor(s, 6) == 6);
  CHECK(oly::utf8_floor(s, 9) == 6);
  CHECK(oly::utf8_floor(s, 10) == 10);
  CHECK(oly::utf8_floor(s, 100) == 10);
}

TEST_CASE("an article tagged fr-CA is stemmed as French and found by every form of lang:fr",
          "[analyzer][e2e][language]") {
  oly::test::TempDir dir("analyzer-lang");
  // No other French article: before tags were normalised, `fr-CA` had no stemmer and
  // `champion` found this article only when some other article shared the word.
  oly::test::write_file(
      dir / "in/a.jsonl",
      "{\"id\":\"ca\",\"body\":\"Les championnes olympiques\",\"lang\":\"fr-CA\"}\n"
      "{\"id\":\"en\",\"body\":\"The swimmers\"}\n");
  oly::IndexOptions io;
  io.index_dir = dir / "index";
  io.inputs = {dir / "in"};
  std::ostringstream log;
  oly::Diagnostics diag(log);
  REQUIRE(oly::build_index(io, diag).added == 2);
  CHECK(diag.warnings() == 0);
  oly::SearchOptions o;
  o.index_dir = io.index_dir;
  oly::Searcher searcher(o);
  const auto ids = [&](const std::string& q) {
    std::vector<std::string> out;
    for (const oly::Hit& h : searcher.search(q).hits) out.push_back(h.article.id);
    std::sort(out.begin(), out.end());
    return out;
  };
  using V = std::vector<std::string>;
  CHECK(ids("championne") == V{"ca"});
  for (const char* filter : {"lang:fr", "lang:fr-CA", "lang:FR_ca", "lang:French", "lang:fra"}) {
    INFO("filter: " << filter);
    CHECK(ids(filter) == V{"ca"});
  }
  CHECK(ids("lang:de").empty());
}

TEST_CASE("indexer -l and searcher -l take any form of a language tag and refuse unknown ones",
          "[analyzer][language][cli]") {
  using oly::search_test::CommandResult;
  using oly::search_test::run_command;
  using oly::search_test::run_searcher;
  using oly::search_test::shell_quote;
  oly::test::TempDir dir("analyzer-lang-cli");
  oly::test::write_file(dir / "a.jsonl", "{\"id\":\"a\",\"body\":\"Les championnes\"}\n");
  const std::string ix = dir / "index";
  const auto index_with = [&](const std::string& lang) {
    return run_command(shell_quote(OLY_INDEXER) + " -q -l " + shell_quote(lang) + " -d " +
                       shell_quote(ix) + " " + shell_quote(dir / "a.jsonl"));
  };
  CommandResult r = index_with("fr_CA");
  INFO("indexer stderr: " << r.err);
  REQUIRE(r.code == 0);
  // The index records `fr`, so another spelling of French is the same default language.
  r = index_with("French");
  CHECK(r.code == 0);
  r = index_with("klingon");
  CHECK(r.code == 2);
  CHECK_THAT(r.err, Catch::Contains("no stemmer for language 'klingon'"));

  r = run_searcher(ix, {"-l", "fre", "--ids", "championne"});
  CHECK(r.code == 0);
  CHECK(r.out == "a\n");
  r = run_searcher(ix, {"-l", "xx", "championne"});
  CHECK(r.code == 2);
  CHECK_THAT(r.err, Catch::Contains("no stemmer for language 'xx'"));
}

TEST_CASE("cut words keep the analyzer's invariants on random glue", "[analyzer]") {
  // Letters, digits and every character the cutting rules look at, in random order: the
  // pieces must stay inside their word, in order, at consecutive positions, and fold back
  // to their terms; no term keeps an @ or an underscore, nor a full stop between words of
  // two or more letters.
  const std::vector<std::string> parts = {
      "a", "B", "é", "l", "L", "qu", "dell",   "x",      "7",  "42", ".", ".",  "@", "_",
      "'", "’", "ʼ", "‘", "·", "．", "\u202F", "\u2024", "＠", " ",  "-", "東", "ß", "ü"};
  oly::Analyzer analyzer;
  uint32_t seed = 12345;
  const auto next = [&] {
    seed = seed * 1103515245u + 12345u;
    return (seed >> 16) & 0x7FFF;
  };
  for (int round = 0; round < 3000; ++round) {
    std::string text;
    const int n = 1 + static_cast<int>(next() % 12);
    for (int i = 0; i < n; ++i) text += parts[next() % parts.size()];
    INFO("text: '" << text << "'");
    const auto tokens = analyzer.tokenize(text);
    uint32_t prev_end = 0;
    for (std::size_t i = 0; i < tokens.size(); ++i) {
      const oly::Token& t = tokens[i];
      REQUIRE(t.begin < t.end);
      REQUIRE(t.end <= text.size());
      CHECK(t.begin >= prev_end);
      prev_end = t.end;
      CHECK(t.position == i + 1);
      CHECK(analyzer.fold(std::string_view(text).substr(t.begin, t.end - t.begin)) == t.term);
      CHECK(t.term.find_first_of("@_") == std::string::npos);
      // Only one-letter abbreviations (U.S) and numbers (9.58) keep a full stop: split the
      // token's own bytes at every form of full stop and look at the segments.
      std::string source(text.substr(t.begin, t.end - t.begin));
      for (const char* stop : {"．", "\u2024"}) {
        for (std::size_t at; (at = source.find(stop)) != std::string::npos;)
          source.replace(at, std::strlen(stop), ".");
      }
      if (source.find('.') == std::string::npos) continue;
      bool digits_around = true, all_single = true;
      std::size_t seg_begin = 0;
      for (std::size_t j = 0; j <= source.size(); ++j) {
        if (j < source.size() && source[j] != '.') continue;
        if (j < source.size() && !(j > 0 && j + 1 < source.size() &&
                                   isdigit(static_cast<unsigned char>(source[j - 1])) &&
                                   isdigit(static_cast<unsigned char>(source[j + 1])))) {
          digits_around = false;
        }
        std::size_t code_points = 0;
        for (std::size_t k = seg_begin; k < j; ++k) {
          if ((static_cast<unsigned char>(source[k]) & 0xC0) != 0x80) ++code_points;
        }
        if (code_points != 1) all_single = false;
        seg_begin = j + 1;
      }
      CHECK((digits_around || all_single));
    }
  }
}
