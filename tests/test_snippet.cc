// Highlighting and snippets (core/snippet.h): what is marked is what the query matched, at
// the right bytes; snippets keep to their length, cut between words and never inside a
// UTF-8 sequence.
#include <catch2/catch.hpp>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "analyzer.h"
#include "document.h"
#include "query.h"
#include "snippet.h"
#include "utf8.h"

namespace {

struct Env {
  oly::Analyzer analyzer;
  oly::Stemmer stemmer{"en"};
  oly::StemmerCache stemmers{"en"};

  oly::Highlighter highlighter(const std::string& query) {
    return oly::Highlighter(analyzer, stemmers,
                            oly::parse_query(query, analyzer, stemmer).match_items());
  }
};

std::string piece(std::string_view text, uint32_t begin, uint32_t end) {
  return std::string(text.substr(begin, end - begin));
}

// The matched substrings of `text`, in order.
std::vector<std::string> matched(std::string_view text, const std::vector<oly::Match>& ms) {
  std::vector<std::string> out;
  for (const auto& m : ms) out.push_back(piece(text, m.begin, m.end));
  return out;
}

std::vector<std::string> highlighted(const oly::Snippet& s) {
  std::vector<std::string> out;
  for (const auto& r : s.highlights) out.push_back(piece(s.text, r.begin, r.end));
  return out;
}

std::size_t count_chars(std::string_view s) {
  std::size_t n = 0;
  for (char c : s) {
    if ((static_cast<unsigned char>(c) & 0xC0) != 0x80) ++n;
  }
  return n;
}

const std::string kEllipsis = "\u2026";

bool starts_with(const std::string& s, const std::string& p) {
  return s.rfind(p, 0) == 0;
}
bool ends_with(const std::string& s, const std::string& p) {
  return s.size() >= p.size() && s.compare(s.size() - p.size(), p.size(), p) == 0;
}

// The snippet's words, with the … marks taken off.
std::vector<std::string> words_of(const std::string& snippet) {
  std::vector<std::string> out;
  std::istringstream in(snippet);
  std::string w;
  while (in >> w) {
    while (starts_with(w, kEllipsis)) w.erase(0, kEllipsis.size());
    while (ends_with(w, kEllipsis)) w.erase(w.size() - kEllipsis.size());
    if (!w.empty()) out.push_back(w);
  }
  return out;
}

using Strings = std::vector<std::string>;

// Sanity checks every snippet must pass.
void check_well_formed(const oly::Snippet& s) {
  INFO("snippet: " << s.text);
  CHECK(oly::find_invalid_utf8(s.text) == std::string_view::npos);
  uint32_t last_end = 0;
  for (const auto& r : s.highlights) {
    CHECK(r.begin < r.end);
    CHECK(r.end <= s.text.size());
    CHECK(r.begin >= last_end);
    last_end = r.end;
    if (r.end <= s.text.size()) {
      CHECK(oly::find_invalid_utf8(piece(s.text, r.begin, r.end)) == std::string_view::npos);
    }
  }
}

}  // namespace

TEST_CASE("snippet: an exact phrase highlights only its adjacent occurrence", "[snippet]") {
  Env env;
  const std::string text =
      "Cruise ships sailed past the harbour. Then Tom Cruise jumped from the roof. Cruise "
      "control was off, and Tom waved.";
  auto phrase = env.highlighter("\"tom cruise\"");
  const auto pm = phrase.find(text, "", "en");
  REQUIRE(pm.size() == 1);
  CHECK(piece(text, pm[0].begin, pm[0].end) == "Tom Cruise");
  CHECK(pm[0].begin == text.find("Tom Cruise"));

  // The same words unquoted: every occurrence of each.
  auto words = env.highlighter("tom cruise");
  CHECK(matched(text, words.find(text, "", "en")) ==
        Strings{"Cruise", "Tom", "Cruise", "Cruise", "Tom"});

  // A phrase split by a line break is still the phrase; the snippet folds the break.
  const std::string broken = "Then Tom\n\n  Cruise jumped.";
  const auto bm = phrase.find(broken, "", "en");
  REQUIRE(bm.size() == 1);
  const oly::Snippet s = phrase.snippet(broken, bm, {});
  CHECK(s.text == "Then Tom Cruise jumped.");
  CHECK(highlighted(s) == Strings{"Tom Cruise"});
}

TEST_CASE("snippet: accents and case are folded, offsets are the original bytes", "[snippet]") {
  Env env;
  const std::string text = "Chanteuse Angèle a chanté devant le château.";
  for (const char* q : {"Angele", "angèle", "ANGÈLE", "\"Angele\""}) {
    INFO("query: " << q);
    auto h = env.highlighter(q);
    const auto ms = h.find(text, "", "fr");
    REQUIRE(ms.size() == 1);
    // "Chanteuse " is 10 bytes; "Angèle" is 7 (è is two bytes: C3 A8).
    CHECK(ms[0].begin == 10);
    CHECK(ms[0].end == 17);
    CHECK(piece(text, ms[0].begin, ms[0].end) == "Angèle");
  }
  auto h = env.highlighter("CHATEAU");
  const auto ms = h.find(text, "", "fr");
  REQUIRE(ms.size() == 1);
  // Byte offset of "château": 10 ("Chanteuse ") + 8 ("Angèle ") + 2 ("a ") + 8 ("chanté ")
  // + 7 ("devant ") + 3 ("le ") = 38.
  CHECK(ms[0].begin == 38);
  CHECK(ms[0].end == 46);  // "château" is 8 bytes (â is two)
  const oly::Snippet s = h.snippet(text, ms, {});
  CHECK(s.text == text);
  CHECK(highlighted(s) == Strings{"château"});
}

TEST_CASE("snippet: CJK words are found inside unspaced text", "[snippet]") {
  Env env;
  const std::string text = "2021年の東京オリンピックは延期された。";
  // "2021" 4 bytes, 年 3, の 3: 東京 starts at byte 10; each kana or kanji is 3 bytes.
  auto word = env.highlighter("東京");
  auto wm = word.find(text, "", "ja");
  REQUIRE(wm.size() == 1);
  CHECK(wm[0].begin == 10);
  CHECK(wm[0].end == 16);

  auto compound = env.highlighter("東京オリンピック");  // a phrase of 東京 オリンピック
  auto cm = compound.find(text, "", "ja");
  REQUIRE(cm.size() == 1);
  CHECK(cm[0].begin == 10);
  CHECK(cm[0].end == 34);
  CHECK(piece(text, cm[0].begin, cm[0].end) == "東京オリンピック");
  const oly::Snippet s = compound.snippet(text, cm, {});
  CHECK(s.text == text);
  CHECK(highlighted(s) == Strings{"東京オリンピック"});
}

TEST_CASE("snippet: stems match what the Snowball stemmer conflates", "[snippet]") {
  Env env;
  auto medal = env.highlighter("medal");
  const std::string m = "Two medals and one medal, then a medallist and a meddler.";
  // "medallist" stems to "medallist", "meddler" to "meddler": not the same stem.
  CHECK(matched(m, medal.find(m, "", "en")) == Strings{"medals", "medal"});

  auto running = env.highlighter("running");
  const std::string r = "He runs, ran, running, runner.";
  // Snowball conflates runs/running (run) but not the irregular "ran" nor "runner".
  CHECK(matched(r, running.find(r, "", "en")) == Strings{"runs", "running"});

  // An exact (quoted) word matches only itself.
  auto exact = env.highlighter("\"medals\"");
  CHECK(matched(m, exact.find(m, "", "en")) == Strings{"medals"});
}

TEST_CASE("snippet: wildcards, NEAR and sloppy phrases", "[snippet]") {
  Env env;
  auto wild = env.highlighter("marath*");
  const std::string t = "The marathon and the marathoner; a Marathi speaker watched.";
  CHECK(matched(t, wild.find(t, "", "en")) == Strings{"marathon", "marathoner", "Marathi"});

  auto near = env.highlighter("bolt NEAR record");
  const std::string close = "Bolt set a new world record.";
  CHECK(matched(close, near.find(close, "", "en")) == Strings{"Bolt", "record"});
  const std::string far =
      "Bolt ran. One two three four five six seven eight nine ten eleven. A record.";
  CHECK(near.find(far, "", "en").empty());

  auto sloppy = env.highlighter("\"world record\"~2");
  const std::string s = "A world best, then a world junior record.";
  CHECK(matched(s, sloppy.find(s, "", "en")) == Strings{"world", "record"});
}

TEST_CASE("snippet: NOT-ed words and filters are not highlighted", "[snippet]") {
  Env env;
  auto h = env.highlighter("gold -silver NOT bronze tag:gold lang:en date:2024");
  const std::string text = "Gold for her, silver for him, bronze for nobody.";
  const auto ms = h.find(text, "", "en");
  CHECK(matched(text, ms) == Strings{"Gold"});
  CHECK(highlighted(h.snippet(text, ms, {})) == Strings{"Gold"});
}

TEST_CASE("snippet: fielded words only match their field", "[snippet]") {
  Env env;
  auto h = env.highlighter("title:lake rowing");
  const std::string title = "Rowing gold on the lake";
  const std::string body = "The lake was calm for the rowing final.";
  CHECK(matched(title, h.find(title, "S", "en")) == Strings{"Rowing", "lake"});
  CHECK(matched(body, h.find(body, "", "en")) == Strings{"rowing"});
}

TEST_CASE("snippet: the fragment with the most distinct query words wins", "[snippet]") {
  Env env;
  std::string text;
  for (int i = 0; i < 12; ++i) text += "gold filler" + std::to_string(i) + " ";
  text += "then gold and silver together ";
  for (int i = 0; i < 12; ++i) text += "tail" + std::to_string(i) + " ";
  auto h = env.highlighter("gold silver");
  const auto ms = h.find(text, "", "en");
  oly::SnippetOptions o;
  o.length = 60;
  const oly::Snippet s = h.snippet(text, ms, o);
  check_well_formed(s);
  CHECK_THAT(s.text, Catch::Contains("gold and silver"));
  CHECK(starts_with(s.text, kEllipsis));
  CHECK(ends_with(s.text, kEllipsis));
  const Strings hl = highlighted(s);
  REQUIRE_FALSE(hl.empty());
  CHECK(hl.back() == "silver");
}

TEST_CASE("snippet: length, word boundaries and the … marks", "[snippet]") {
  Env env;
  std::string text;
  std::set<std::string> words;
  for (int i = 0; i < 300; ++i) {
    const std::string w = (i % 3 == 0 ? "été" : i % 3 == 1 ? "Øre" : "naïf") + std::to_string(i);
    words.insert(w);
    text += w + (i % 17 == 16 ? "\n\n" : i % 11 == 10 ? "\t " : " ");
    if (i == 150) {
      text += "médaille ";
      words.insert("médaille");
    }
  }
  auto h = env.highlighter("medaille");
  const auto ms = h.find(text, "", "fr");
  REQUIRE(ms.size() == 1);
  for (std::size_t length : {20, 33, 50, 80, 137, 200}) {
    INFO("length " << length);
    oly::SnippetOptions o;
    o.length = length;
    const oly::Snippet s = h.snippet(text, ms, o);
    check_well_formed(s);
    CHECK(starts_with(s.text, kEllipsis));
    CHECK(ends_with(s.text, kEllipsis));
    std::string inner = s.text.substr(kEllipsis.size(), s.text.size() - 2 * kEllipsis.size());
    CHECK(count_chars(inner) <= length);
    CHECK(count_chars(inner) + 12 >= length);  // not much shorter than asked
    // Whitespace is folded: no line breaks, tabs or double spaces.
    CHECK(s.text.find_first_of("\n\t\r") == std::string::npos);
    CHECK(s.text.find("  ") == std::string::npos);
    // Cut between words: every word shown is a whole word of the text.
    for (const std::string& w : words_of(s.text)) {
      INFO("word: " << w);
      CHECK(words.count(w) == 1);
    }
    CHECK(highlighted(s) == Strings{"médaille"});
  }
}

TEST_CASE("snippet: never cuts inside a UTF-8 sequence", "[snippet]") {
  Env env;
  std::string text;
  for (int i = 0; i < 30; ++i) text += "東京オリンピックは一年延期された。";
  text += "選手たちは笑顔で入場した。";
  for (int i = 0; i < 30; ++i) text += "閉会式は国立競技場で行われた。";
  auto h = env.highlighter("笑顔");
  const auto ms = h.find(text, "", "ja");
  REQUIRE(ms.size() == 1);
  for (std::size_t length = 20; length <= 70; ++length) {
    INFO("length " << length);
    oly::SnippetOptions o;
    o.length = length;
    const oly::Snippet s = h.snippet(text, ms, o);
    check_well_formed(s);
    CHECK(highlighted(s) == Strings{"笑顔"});
    std::string inner = s.text;
    if (starts_with(inner, kEllipsis)) inner.erase(0, kEllipsis.size());
    if (ends_with(inner, kEllipsis)) inner.erase(inner.size() - kEllipsis.size());
    CHECK(count_chars(inner) <= length);
    CHECK(text.find(inner) != std::string::npos);
  }
}

TEST_CASE("snippet: highlights point at the matched bytes of the snippet", "[snippet]") {
  Env env;
  const std::string text =
      "Après la finale, l'équipe a fêté sa médaille d'or.\n\nLes médailles  d'argent sont "
      "allées\tà l'Espagne. Une MÉDAILLE de bronze clôt la journée.";
  auto h = env.highlighter("médaille");
  const auto ms = h.find(text, "", "fr");
  CHECK(matched(text, ms) == Strings{"médaille", "médailles", "MÉDAILLE"});
  const oly::Snippet s = h.snippet(text, ms, {});
  check_well_formed(s);
  CHECK(highlighted(s) == Strings{"médaille", "médailles", "MÉDAILLE"});
  for (const auto& r : s.highlights) {
    const std::string got = piece(s.text, r.begin, r.end);
    CHECK(oly::Stemmer("fr")(env.analyzer.fold(got)) == oly::Stemmer("fr")("medaille"));
  }
}

TEST_CASE("snippet: several fragments come in text order", "[snippet]") {
  Env env;
  std::string text = "Gold opens the story. ";
  for (int i = 0; i < 40; ++i) text += "filler" + std::to_string(i) + " ";
  text += "Later gold and silver meet. ";
  for (int i = 40; i < 80; ++i) text += "filler" + std::to_string(i) + " ";
  auto h = env.highlighter("gold silver");
  const auto ms = h.find(text, "", "en");
  oly::SnippetOptions o;
  o.length = 40;
  o.fragments = 2;
  const oly::Snippet s = h.snippet(text, ms, o);
  check_well_formed(s);
  // The better fragment (gold and silver) is found first but shown second.
  CHECK(starts_with(s.text, "Gold opens the story."));
  const auto second = s.text.find(" " + kEllipsis);
  REQUIRE(second != std::string::npos);
  CHECK(s.text.find("gold and silver") > second);
  CHECK(highlighted(s) == Strings{"Gold", "gold", "silver"});

  o.fragments = 1;
  const oly::Snippet one = h.snippet(text, ms, o);
  CHECK_THAT(one.text, Catch::Contains("gold and silver"));
  CHECK_THAT(one.text, !Catch::Contains("opens"));
}

TEST_CASE("snippet: no match shows the beginning of the text", "[snippet]") {
  Env env;
  std::string text = "The opening words of the article come first. ";
  for (int i = 0; i < 50; ++i) text += "more" + std::to_string(i) + " ";
  auto h = env.highlighter("zebra");
  const auto ms = h.find(text, "", "en");
  CHECK(ms.empty());
  oly::SnippetOptions o;
  o.length = 60;
  const oly::Snippet s = h.snippet(text, ms, o);
  check_well_formed(s);
  CHECK(starts_with(s.text, "The opening words of the article come first."));
  CHECK(ends_with(s.text, kEllipsis));
  CHECK(s.highlights.empty());

  // A text shorter than the snippet is shown whole, without marks.
  const std::string short_text = "Short text.";
  const oly::Snippet whole = h.snippet(short_text, h.find(short_text, "", "en"), o);
  CHECK(whole.text == short_text);

  const oly::Snippet empty = h.snippet("", h.find("", "", "en"), o);
  CHECK(empty.text.empty());
  CHECK(empty.highlights.empty());
}

TEST_CASE("snippet: Highlighter::ranges merges overlapping matches", "[snippet]") {
  using R = oly::ByteRange;
  CHECK(oly::Highlighter::ranges({}).empty());
  CHECK(oly::Highlighter::ranges({{0, 5, 0}, {3, 8, 1}, {10, 12, 0}}) ==
        std::vector<R>{{0, 8}, {10, 12}});
  CHECK(oly::Highlighter::ranges({{0, 10, 0}, {2, 4, 1}, {5, 6, 2}}) == std::vector<R>{{0, 10}});
  CHECK(oly::Highlighter::ranges({{0, 4, 0}, {5, 9, 1}}) == std::vector<R>{{0, 4}, {5, 9}});

  // A phrase and one of its words found by another item: one highlight.
  Env env;
  auto h = env.highlighter("\"tom cruise\" OR cruise");
  const std::string text = "Tom Cruise waved.";
  const auto ms = h.find(text, "", "en");
  CHECK(ms.size() == 2);
  CHECK(oly::Highlighter::ranges(ms) == std::vector<R>{{0, 10}});
  CHECK(highlighted(h.snippet(text, ms, {})) == Strings{"Tom Cruise"});
}

// Formerly a bug: the window was centred on the match even when there was no text after
// it, so the beginning was cut although the whole text fitted.
TEST_CASE("snippet: a text shorter than the snippet length is shown whole", "[snippet]") {
  Env env;
  const std::string text =
      "Two riders who met only last year took bronze together on the velodrome track. "
      "Neither of them expected a medal.";
  auto h = env.highlighter("medal");
  const auto ms = h.find(text, "", "en");
  REQUIRE(ms.size() == 1);
  const oly::Snippet s = h.snippet(text, ms, {});  // 200 characters
  CHECK(s.text == text);
  CHECK(highlighted(s) == Strings{"medal"});

  SECTION("a match at the start uses the room after it") {
    auto two = env.highlighter("riders");
    const oly::Snippet first = two.snippet(text, two.find(text, "", "en"), {});
    CHECK(first.text == text);
    CHECK(highlighted(first) == Strings{"riders"});
  }
}

TEST_CASE("snippet: a match near the end of a long text uses the room before it", "[snippet]") {
  Env env;
  std::string text;
  std::set<std::string> words;
  for (int i = 0; i < 60; ++i) {
    text += "word" + std::to_string(i) + " ";
    words.insert("word" + std::to_string(i));
  }
  text += "and finally the gold medal.";
  for (const char* w : {"and", "finally", "the", "gold", "medal."}) words.insert(w);
  auto h = env.highlighter("medal");
  const auto ms = h.find(text, "", "en");
  REQUIRE(ms.size() == 1);
  for (std::size_t length : {20, 40, 80, 150}) {
    INFO("length " << length);
    oly::SnippetOptions o;
    o.length = length;
    const oly::Snippet s = h.snippet(text, ms, o);
    check_well_formed(s);
    CHECK(starts_with(s.text, kEllipsis));
    CHECK(ends_with(s.text, "the gold medal."));  // the end of the text: no … mark
    const std::string inner = s.text.substr(kEllipsis.size());
    CHECK(count_chars(inner) <= length);
    CHECK(count_chars(inner) + 12 >= length);  // the room before the match is used
    for (const std::string& w : words_of(s.text)) {
      INFO("word: " << w);
      CHECK(words.count(w) == 1);
    }
    CHECK(highlighted(s) == Strings{"medal"});
  }
}

// Formerly a bug: the overlap test was made on the uncentred window, so the second
// fragment could repeat the end of the first.
TEST_CASE("snippet: fragments never overlap", "[snippet]") {
  Env env;
  std::string text;
  auto two = [](int i) { return (i < 10 ? "0" : "") + std::to_string(i); };
  for (int i = 0; i < 20; ++i) text += "w" + two(i) + " ";
  text += "gold silver ";
  for (int i = 0; i < 7; ++i) text += "m" + two(i) + " ";
  text += "gold ";
  for (int i = 0; i < 20; ++i) text += "t" + two(i) + " ";
  auto h = env.highlighter("gold silver");
  const auto ms = h.find(text, "", "en");
  oly::SnippetOptions o;
  o.length = 40;
  o.fragments = 2;
  const oly::Snippet s = h.snippet(text, ms, o);
  check_well_formed(s);
  INFO("snippet: " << s.text);
  CHECK(highlighted(s).size() >= 2);
  std::set<std::string> seen;
  for (const std::string& w : words_of(s.text)) {
    if (w == "gold") continue;  // appears twice in the text
    INFO("word: " << w);
    CHECK(seen.insert(w).second);
  }
  // Nor do they overlap in the text: each fragment's words come after the previous ones.
  const Strings shown = words_of(s.text);
  std::size_t at = 0;
  for (const std::string& w : shown) {
    INFO("word: " << w);
    const std::size_t found = text.find(w + " ", at);
    REQUIRE(found != std::string::npos);
    at = found + w.size();
  }
}

TEST_CASE("snippet: a second fragment prefers query words not shown yet", "[snippet]") {
  Env env;
  std::string text;
  auto filler = [&](const char* tag, int n) {
    for (int i = 0; i < n; ++i) text += std::string(tag) + std::to_string(i) + " ";
  };
  text += "Gold opens the story. ";
  filler("a", 20);
  text += "Gold again, and more gold. ";
  filler("b", 20);
  text += "A medal at last. ";
  filler("c", 20);
  auto h = env.highlighter("gold medal");
  auto ms = h.find(text, "", "en");
  REQUIRE(matched(text, ms) == Strings{"Gold", "Gold", "gold", "medal"});
  oly::SnippetOptions o;
  o.length = 40;
  o.fragments = 2;
  const oly::Snippet s = h.snippet(text, ms, o);
  check_well_formed(s);
  INFO("snippet: " << s.text);
  // The two golds beat one gold for the first fragment; the second shows "medal", not
  // the other gold.
  CHECK(highlighted(s) == Strings{"Gold", "gold", "medal"});
  CHECK_THAT(s.text, !Catch::Contains("opens"));
}
