// Highlighting and snippets (core/snippet.h): what is marked is what the query matched, at
// the right bytes; snippets keep to their length, cut between words and never inside a
// UTF-8 sequence.
#include <xapian.h>

#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "analyzer.h"
#include "body_map.h"
#include "diagnostics.h"
#include "document.h"
#include "indexing.h"
#include "query.h"
#include "schema.h"
#include "search.h"
#include "snippet.h"
#include "test_util.h"
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

// ---------------------------------------------------------------------------------------
// Bodies analysed only around their matches (core/body_map.h, Highlighter::find_in_body):
// the same matches and snippets as analysing the whole body, at a cost bounded by the
// matches.

namespace {

namespace fs = std::filesystem;

// Up to `max_docs` articles of a corpus of ../shared/corpora (none when it is absent: the
// caller warns and skips).
std::vector<oly::Article> shared_articles(const std::string& file, std::size_t max_docs,
                                          const std::string& lang = "") {
  const fs::path path = fs::path(OLY_SOURCE_DIR) / ".." / "shared" / "corpora" / fs::path(file);
  std::vector<oly::Article> out;
  std::ifstream in(path);
  std::string line;
  while (out.size() < max_docs && std::getline(in, line)) {
    const auto j = nlohmann::json::parse(line);
    oly::Article a;
    a.id = j.value("id", "");
    a.title = j.value("title", "");
    a.body = oly::repair_utf8(j.value("body", ""));
    a.lang = lang;
    out.push_back(std::move(a));
  }
  return out;
}

bool same_tokens(const oly::Token& a, const oly::Token& b) {
  return a.term == b.term && a.position == b.position && a.begin == b.begin && a.end == b.end &&
         a.kind == b.kind;
}

// Tokenising the chunks of `map` one by one, as BodyText does, gives the whole text's
// tokens. Returns the first difference ("" when none).
std::string chunks_differ(oly::Analyzer& analyzer, std::string_view body,
                          std::size_t chunk_tokens) {
  std::vector<oly::Token> whole;
  analyzer.tokenize(body, 7, whole);
  const oly::BodyMap map = oly::make_body_map(body, whole, chunk_tokens);
  oly::BodyText text(analyzer, body, map);
  std::vector<oly::Token> pieces;
  for (std::size_t c = 0; c < map.chunks(); ++c) {
    const auto& t = text.chunk(c);
    pieces.insert(pieces.end(), t.begin(), t.end());
  }
  for (std::size_t i = 0; i < std::min(whole.size(), pieces.size()); ++i) {
    if (!same_tokens(whole[i], pieces[i])) {
      return "token " + std::to_string(i) + ": whole '" + whole[i].term + "'@" +
             std::to_string(whole[i].begin) + ", chunked '" + pieces[i].term + "'@" +
             std::to_string(pieces[i].begin);
    }
  }
  if (whole.size() != pieces.size()) {
    return std::to_string(whole.size()) + " tokens whole, " + std::to_string(pieces.size()) +
           " chunked";
  }
  return "";
}

bool same_matches(const std::vector<oly::Match>& a, const std::vector<oly::Match>& b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    if (a[i].begin != b[i].begin || a[i].end != b[i].end || a[i].item != b[i].item) return false;
  }
  return true;
}

// A glass index written directly with DocumentBuilder, as the indexer does.
class TestIndex {
 public:
  TestIndex() : db_(dir_ / "db", Xapian::DB_CREATE_OR_OVERWRITE), builder_(analyzer_, stemmers_) {}
  Xapian::docid add(const oly::Article& a) {
    const Xapian::docid did = db_.add_document(builder_.build(a, oly::content_hash(a)));
    return did;
  }
  const Xapian::WritableDatabase& db() {
    db_.commit();
    return db_;
  }

 private:
  oly::test::TempDir dir_{"snippet-db"};
  Xapian::WritableDatabase db_;
  oly::Analyzer analyzer_;
  oly::StemmerCache stemmers_{"en"};
  oly::DocumentBuilder builder_;
};

// The body map the index holds for document `did`, re-made with `chunk_tokens` words per
// chunk (0: as stored), so that tests can put checkpoints between any two words.
oly::BodyMap map_of(oly::Analyzer& analyzer, const Xapian::Database& db, Xapian::docid did,
                    const std::string& body, std::size_t chunk_tokens) {
  auto stored = oly::decode_body_map(db.get_document(did).get_value(oly::schema::kSlotBodyMap));
  REQUIRE(stored.has_value());
  REQUIRE(stored->body_size == body.size());
  if (chunk_tokens == 0 || stored->chunks() == 0) return *stored;
  std::vector<oly::Token> tokens;
  analyzer.tokenize(body, stored->positions[0], tokens);
  return oly::make_body_map(body, tokens, chunk_tokens);
}

// Matches and snippets of the chunked path against the whole-body reference, for one
// document and query, with checkpoints every `chunk_tokens` words.
void check_same_as_whole_body(Env& env, const Xapian::Database& db, Xapian::docid did,
                              const oly::Article& a, const std::string& query,
                              std::size_t chunk_tokens) {
  INFO("article " << a.id << ", query " << query << ", chunk " << chunk_tokens);
  const std::vector<oly::SnippetOptions> options{{1, 200}, {2, 60}, {3, 20}, {1, 1000}};
  auto reference = env.highlighter(query);
  const auto whole = reference.find(a.body, "", a.lang);
  std::vector<oly::Snippet> whole_snippets;
  for (const auto& o : options) whole_snippets.push_back(reference.snippet(a.body, whole, o));

  auto chunked = env.highlighter(query);
  oly::BodyText text(env.analyzer, a.body, map_of(env.analyzer, db, did, a.body, chunk_tokens));
  const oly::BodyMatches found = chunked.find_in_body(db, did, text, a.lang, 1u << 30);
  CHECK_FALSE(found.truncated);
  CHECK(found.matches.size() == whole.size());
  CHECK(same_matches(found.matches, whole));
  for (std::size_t i = 0; i < options.size(); ++i) {
    const oly::Snippet s = chunked.snippet(a.body, found.matches, options[i], text);
    CHECK(s.text == whole_snippets[i].text);
    CHECK(s.highlights == whole_snippets[i].highlights);
  }
  // Capped: exactly the first matches, flagged when there are more.
  for (std::size_t cap : {1, 3}) {
    oly::BodyText capped_text(env.analyzer, a.body, text.map());
    const auto capped = chunked.find_in_body(db, did, capped_text, a.lang, cap);
    CHECK(capped.truncated == (whole.size() > cap));
    CHECK(same_matches(
        capped.matches,
        std::vector<oly::Match>(whole.begin(), whole.begin() + std::min(cap, whole.size()))));
  }
}

}  // namespace

TEST_CASE("body map: chunks tokenise like the whole body", "[snippet][body_map]") {
  oly::Analyzer analyzer;
  // Texts where breaking from a checkpoint could differ from breaking from the start:
  // marks, joiners and non-breaking spaces after a space, flags, numbers with points,
  // CJK runs cut by 。 and 、 (and by fullwidth punctuation, which joins numbers), Thai.
  const std::vector<std::string> tricky{
      "a \u0301b c \u0301 d",
      "x \u200Dy z\u200D w \u2060v",
      "\U0001F1EB\U0001F1F7 \U0001F1E9\U0001F1EA\U0001F1EB\U0001F1F7 flags "
      "\U0001F468\u200D\U0001F469",
      "3 .14 and 3. 14 and 3.14 1,000 ,5 a.b. U.S.A. e.g. x",
      "東京。大阪、京都。日本オリンピック。　東京、 大阪 1，000 ２０２１年。",
      "ภาษาไทย ภาษาไทยง่าย นะครับ ภาษา",
      "can't  won't\t\tshan't\r\nyes \f no \v maybe l'équipe d’Angèle",
      "word\u00A0word\u202Fword\u3000word tab\tword\r\nline\n\nparagraph",
      "Straße ÆSIR Øre ǅemal İstanbul ﬁnal Ⅻ ㍿ ｶﾀｶﾅ",
      "'quoted' \"double\" (paren) [bracket] -dash- _under_ #hash @at",
      "עברית \"ה\"א מ'ש ع ربي",
      std::string("bad \xFF\xFE bytes \xC3 end"),
  };
  for (const std::string& t : tricky) {
    INFO("text: " << t);
    for (std::size_t k : {1, 2, 3}) CHECK(chunks_differ(analyzer, t, k).empty());
  }

  // Real articles in English and Japanese (and 20 Newsgroups' control characters).
  struct Corpus {
    const char* file;
    std::size_t docs;
  };
  const std::vector<Corpus> corpora{{"olympic-news/olympic-news.jsonl", 1000},
                                    {"olympic-wikipedia/olympic-wikipedia.jsonl", 1000},
                                    {"wikinews-ja/wikinews-ja.jsonl", 600},
                                    {"general-news/part-001.jsonl", 1500}};
  std::size_t checked = 0;
  for (const Corpus& c : corpora) {
    for (const oly::Article& a : shared_articles(c.file, c.docs)) {
      INFO(c.file << ": " << a.id);
      for (std::size_t k : {1, 5}) CHECK(chunks_differ(analyzer, a.body, k) == "");
      ++checked;
    }
  }
  if (checked == 0) WARN("../shared/corpora absent: real articles not checked");
}

// Random texts from the pieces that word-break rules treat specially, with checkpoints
// wherever the rule allows them.
TEST_CASE("body map: chunks of random texts tokenise like the whole", "[snippet][body_map]") {
  oly::Analyzer analyzer;
  const std::vector<std::string> pieces{
      "a",          "Zé",         "1",  ".",    ",",    "'",      "\u2019",
      " ",          "  ",         "\n", "\r\n", "\t",   "\u0301", "\u200D",
      "\u00A0",     "\u3000",     "東", "京",   "オ",   "リン",   "ピック",
      "すもも",     "。",         "、", "ー",   "ภาษา", "ไทย",    "\U0001F1EB",
      "\U0001F1F7", "\U0001F468", "-",  "_",    "@",    "\xFF",   "\xE3\x80"};
  uint64_t seed = 0x9E3779B97F4A7C15ULL;
  auto next = [&] {  // xorshift: the same texts on every run
    seed ^= seed << 13;
    seed ^= seed >> 7;
    seed ^= seed << 17;
    return seed;
  };
  for (int n = 0; n < 3000; ++n) {
    std::string text;
    const std::size_t len = 1 + next() % 40;
    for (std::size_t i = 0; i < len; ++i) text += pieces[next() % pieces.size()];
    INFO("text: " << text);
    for (std::size_t k : {1, 2}) CHECK(chunks_differ(analyzer, text, k) == "");
  }
}

TEST_CASE("body map: encoding round trip, damaged values refused", "[snippet][body_map]") {
  oly::Analyzer analyzer;
  std::string body;
  for (int i = 0; i < 500; ++i) body += "word" + std::to_string(i) + (i % 7 ? " " : ",\n");
  const auto tokens = analyzer.tokenize(body);
  const oly::BodyMap map = oly::make_body_map(body, tokens, 16);
  CHECK(map.chunks() > 20);
  const std::string value = oly::encode_body_map(map);
  const auto back = oly::decode_body_map(value);
  REQUIRE(back.has_value());
  CHECK(back->body_size == body.size());
  CHECK(back->bytes == map.bytes);
  CHECK(back->positions == map.positions);
  // Every checkpoint is the start of a word that follows whitespace.
  for (std::size_t c = 1; c < map.chunks(); ++c) {
    CHECK(oly::safe_checkpoint(body, map.bytes[c]));
    CHECK(std::isspace(static_cast<unsigned char>(body[map.bytes[c] - 1])));
  }
  // No words: a map without chunks.
  CHECK(oly::make_body_map("   ...  ", analyzer.tokenize("   ...  ")).chunks() == 0);

  CHECK_FALSE(oly::decode_body_map(""));
  CHECK_FALSE(oly::decode_body_map("x"));
  for (std::size_t cut = 0; cut < value.size(); ++cut) {
    INFO("cut at " << cut);
    CHECK_FALSE(oly::decode_body_map(value.substr(0, cut)));
  }
  CHECK_FALSE(oly::decode_body_map(value + "x"));
  std::string bad = value;
  bad[0] = '\x07';  // another format
  CHECK_FALSE(oly::decode_body_map(bad));
  // A huge count is damage, not a reason to allocate.
  std::string huge = value.substr(0, 1) + "\x10" + "\xFF\xFF\xFF\xFF\x0F";
  CHECK_FALSE(oly::decode_body_map(huge));
}

TEST_CASE("snippet: a body analysed around its matches gives what the whole body gives",
          "[snippet][body_map]") {
  Env env;
  TestIndex index;
  std::vector<std::pair<Xapian::docid, oly::Article>> docs;
  auto add = [&](oly::Article a) { docs.emplace_back(index.add(a), std::move(a)); };
  // Hand-written bodies: phrases and NEAR across lines, repeated words, words of the title
  // (indexed at title positions too), CJK, a match in the first and the last word.
  const std::vector<std::string> bodies{
      "Gold medal for Tom Cruise. Then Tom\n\n  Cruise won gold again; medals, medal, "
      "medallist. The world junior record and a world record. Gold gold gold.",
      "Chanteuse Angèle a chanté devant le château. Les médailles d'or, la médaille d'argent.",
      "Bolt ran. One two three four five six seven eight nine ten eleven. A record for Bolt.",
      "Gold opens the story. " + std::string(600, ' ') + "And gold closes it: gold",
      "2021年の東京オリンピックは延期された。東京、大阪。オリンピック選手たちは笑顔で入場した。",
  };
  for (std::size_t i = 0; i < bodies.size(); ++i) {
    oly::Article a;
    a.id = "fixture-" + std::to_string(i);
    a.title = "Gold and the world record";
    a.body = bodies[i];
    a.lang = i == 1 ? "fr" : i == 4 ? "ja" : "en";
    add(a);
  }
  for (auto& a : shared_articles("olympic-news/olympic-news.jsonl", 25)) add(a);
  for (auto& a : shared_articles("olympic-wikipedia/olympic-wikipedia.jsonl", 12)) add(a);
  const std::size_t english = docs.size();
  for (auto& a : shared_articles("wikinews-ja/wikinews-ja.jsonl", 10, "ja")) add(a);
  if (docs.size() == bodies.size()) WARN("../shared/corpora absent: only the fixtures checked");
  const Xapian::Database& db = index.db();

  const std::vector<std::string> latin{"gold",
                                       "medals",
                                       "\"tom cruise\"",
                                       "\"world record\"~3",
                                       "gold NEAR medal",
                                       "olymp*",
                                       "the",
                                       "zebra",
                                       "the olympic games",
                                       "title:gold record",
                                       "\"the games\" OR athletes",
                                       "-the olympic",
                                       "of NEAR/3 the NEAR/3 and",
                                       "médaille",
                                       "m*"};
  const std::vector<std::string> cjk{"東京",           "オリンピック", "地震", "東京オリンピック",
                                     "日本 NEAR 地震", "\"大阪\"",     "年"};
  for (std::size_t d = 0; d < docs.size(); ++d) {
    const auto& [did, a] = docs[d];
    const bool japanese = d >= english || a.lang == "ja";
    for (const std::string& q : japanese ? cjk : latin) {
      for (std::size_t k : {0, 1, 5}) check_same_as_whole_body(env, db, did, a, q, k);
    }
  }
}

TEST_CASE("snippet: the work on a huge body is bounded by its matches", "[snippet][body_map]") {
  Env env;
  TestIndex index;
  oly::Article a;
  a.id = "huge";
  a.title = "A long day";
  a.lang = "en";
  for (int i = 0; i < 40000; ++i) {
    a.body += "Line " + std::to_string(i) + " of the filler talks about nothing in particular";
    a.body += i % 1000 == 999 ? " but gold.\n" : ".\n";
  }
  a.body += "At the very end the zebra crossing appeared.";
  const Xapian::docid did = index.add(a);
  const Xapian::Database& db = index.db();
  REQUIRE(a.body.size() > 2000000);

  struct Case {
    const char* query;
    std::size_t cap;
    std::size_t matches;  // expected number returned
    bool truncated;
    std::size_t max_bytes;  // analysed at most
  };
  const std::vector<Case> cases{
      {"zebra", 1000, 1, false, 4000},
      {"\"zebra crossing\"", 1000, 1, false, 4000},
      // Its words are everywhere, the phrase nowhere: Xapian's positions rule it out.
      {"\"filler zebra\"", 1000, 0, false, 0},
      {"particular NEAR/3 zebra", 1000, 0, false, 0},
      // A CJK run the body does not hold costs nothing: only the word is looked for.
      {"東京 OR zebra", 1000, 1, false, 4000},
      {"gold", 1000, 40, false, 40 * 4000},
      // A word in every line: the first `cap` and a flag, not the whole body.
      {"filler", 100, 100, true, 64000},
      {"fill*", 100, 100, true, 64000},
      {"\"of the filler\"", 1000, 1000, true, 400000},
      // The word twice within 3 positions: never (once a line), and Xapian's positions
      // tell, without analysing the lines; within 12: everywhere.
      {"filler NEAR/3 filler", 1000, 0, false, 0},
      {"filler NEAR/12 filler", 100, 100, true, 64000},
  };
  for (const Case& c : cases) {
    INFO("query " << c.query);
    auto h = env.highlighter(c.query);
    oly::BodyText text(env.analyzer, a.body, map_of(env.analyzer, db, did, a.body, 0));
    const oly::BodyMatches found = h.find_in_body(db, did, text, "en", c.cap);
    CHECK(found.matches.size() == c.matches);
    CHECK(found.truncated == c.truncated);
    const oly::Snippet s = h.snippet(a.body, found.matches, {}, text);
    check_well_formed(s);
    CHECK(text.analysed_bytes() <= c.max_bytes + 2000);  // + the snippet's context
    // The matches are the first ones of the whole body.
    auto reference = env.highlighter(c.query);
    const auto whole = reference.find(a.body, "", "en");
    REQUIRE(whole.size() >= found.matches.size());
    CHECK(same_matches(found.matches, std::vector<oly::Match>(
                                          whole.begin(), whole.begin() + found.matches.size())));
    CHECK(c.truncated == (whole.size() > found.matches.size()));
  }

  SECTION("past the analysis budget the search stops, flagged, with the matches before") {
    auto h = env.highlighter("filler");
    oly::BodyText text(env.analyzer, a.body, map_of(env.analyzer, db, did, a.body, 0));
    const oly::BodyMatches found = h.find_in_body(db, did, text, "en", 1u << 30, 20000);
    CHECK(found.truncated);
    CHECK(text.analysed_bytes() <= 20000 + 16 * 1000);  // + the last run of chunks
    REQUIRE(found.matches.size() > 100);
    auto reference = env.highlighter("filler");
    const auto whole = reference.find(a.body, "", "en");
    CHECK(same_matches(found.matches, std::vector<oly::Match>(
                                          whole.begin(), whole.begin() + found.matches.size())));
  }
}

// A query is stemmed in every index language; in an English article a German plural is not
// a form of the German singular (the article holds the English stem only).
TEST_CASE("snippet: stems of other languages cost no analysis", "[snippet][body_map]") {
  Env env;
  TestIndex index;
  oly::Article de;
  de.id = "de";
  de.lang = "de";
  de.body = "Die Meisterschaft und die Meisterschaften.";
  index.add(de);
  oly::Article en;
  en.id = "en";
  en.lang = "en";
  for (int i = 0; i < 10000; ++i)
    en.body += "Line " + std::to_string(i) + " of the Meisterschaften.\n";
  const Xapian::docid did = index.add(en);
  const Xapian::Database& db = index.db();

  const oly::Stemmer german("de");
  oly::Highlighter h(
      env.analyzer, env.stemmers,
      oly::parse_query("meisterschaft", env.analyzer, {&env.stemmer, &german}).match_items());
  oly::BodyText text(env.analyzer, en.body, map_of(env.analyzer, db, did, en.body, 0));
  const oly::BodyMatches found = h.find_in_body(db, did, text, "en", 1000);
  CHECK(found.matches.empty());
  CHECK_FALSE(found.truncated);
  CHECK(text.analysed_bytes() == 0);
  CHECK(h.find(en.body, "", "en").empty());  // the whole-body reference agrees
}

// A short body (most news articles) is cheaper to analyse whole than to locate its
// matches from the document's term list and position lists, which a one-shot searcher
// reads cold for each hit: its matches come from its text alone (so an empty database
// serves), the same as the whole-body reference. A longer body is still analysed only
// around its matches.
TEST_CASE("snippet: a short body is matched from its text, without the database",
          "[snippet][body_map]") {
  Env env;
  TestIndex index;
  oly::Article a;
  a.id = "short";
  a.lang = "en";
  a.title = "Oil prices";
  for (int i = 0; i < 12; ++i) {
    a.body += "Crude oil prices rose " + std::to_string(i) + " cents as the pricing of oil fell.\n";
  }
  REQUIRE(a.body.size() > 600);
  REQUIRE(a.body.size() < 2048);  // short by any measure
  const Xapian::docid did = index.add(a);
  const oly::BodyMap map = map_of(env.analyzer, index.db(), did, a.body, 0);
  REQUIRE(map.chunks() > 1);
  const Xapian::Database none;  // no document at all: any read would throw
  for (const char* query :
       {"oil prices", "\"crude oil\"", "pric*", "oil NEAR/3 cents", "zebra", "price OR fell"}) {
    INFO("query " << query);
    auto reference = env.highlighter(query);
    const auto whole = reference.find(a.body, "", "en");
    auto h = env.highlighter(query);
    oly::BodyText text(env.analyzer, a.body, map);
    const oly::BodyMatches found = h.find_in_body(none, did, text, "en", 1000);
    CHECK_FALSE(found.truncated);
    CHECK(same_matches(found.matches, whole));
    const oly::Snippet s = h.snippet(a.body, found.matches, {2, 60}, text);
    const oly::Snippet ref = reference.snippet(a.body, whole, {2, 60});
    CHECK(s.text == ref.text);
    CHECK(s.highlights == ref.highlights);
    // Capped: the first matches, flagged.
    oly::BodyText capped_text(env.analyzer, a.body, map);
    const auto capped = h.find_in_body(none, did, capped_text, "en", 2);
    CHECK(capped.truncated == (whole.size() > 2));
    CHECK(same_matches(capped.matches,
                       std::vector<oly::Match>(
                           whole.begin(), whole.begin() + std::min<std::size_t>(2, whole.size()))));
  }

  SECTION("a longer body is still analysed only around its matches") {
    oly::Article b;
    b.id = "longer";
    b.lang = "en";
    for (int i = 0; i < 400; ++i) b.body += "Line " + std::to_string(i) + " of nothing much.\n";
    b.body += "The zebra came last.";
    REQUIRE(b.body.size() > 8192);
    const Xapian::docid bid = index.add(b);
    const Xapian::Database& db = index.db();
    auto h = env.highlighter("zebra");
    oly::BodyText text(env.analyzer, b.body, map_of(env.analyzer, db, bid, b.body, 0));
    const oly::BodyMatches found = h.find_in_body(db, bid, text, "en", 1000);
    CHECK(matched(b.body, found.matches) == std::vector<std::string>{"zebra"});
    CHECK(text.analysed_bytes() < b.body.size() / 2);
  }
}

TEST_CASE("searcher: matches are capped and flagged; an index without body maps still works",
          "[snippet][body_map]") {
  oly::test::TempDir dir("capped");
  std::string body;
  for (int i = 0; i < 3000; ++i) body += "Gold number " + std::to_string(i) + " went to a runner. ";
  body += "A zebra at last.";
  nlohmann::json j{{"id", "long"}, {"title", "Gold rush"}, {"body", body}};
  oly::test::write_file(dir / "in.jsonl", j.dump() + "\n");
  oly::IndexOptions io;
  io.index_dir = dir / "index";
  io.inputs = {dir / "in.jsonl"};
  io.threads = 1;
  std::ostringstream log;
  oly::Diagnostics diag(log);
  REQUIRE(oly::build_index(io, diag).documents == 1);

  auto search = [&](const std::string& q) {
    oly::SearchOptions so;
    so.index_dir = io.index_dir;
    oly::Searcher searcher(so);
    const oly::SearchResult r = searcher.search(q);
    REQUIRE(r.hits.size() == 1);
    return r.hits[0];
  };
  const oly::Hit gold = search("gold");
  CHECK(gold.matches.size() == 1000);
  CHECK(gold.matches_truncated);
  CHECK(gold.matches.front().begin == 0);
  CHECK(gold.title_highlights == std::vector<oly::ByteRange>{{0, 4}});
  const oly::Hit zebra = search("zebra");
  CHECK_FALSE(zebra.matches_truncated);
  REQUIRE(zebra.matches.size() == 1);
  CHECK(zebra.matches[0].begin == body.find("zebra"));
  CHECK_THAT(zebra.snippet.text, Catch::EndsWith("A zebra at last."));

  // Documents of an index made before body maps are analysed whole, with the same result.
  {
    Xapian::WritableDatabase db(io.index_dir);
    Xapian::Document doc = db.get_document(1);
    REQUIRE_FALSE(doc.get_value(oly::schema::kSlotBodyMap).empty());
    doc.remove_value(oly::schema::kSlotBodyMap);
    db.replace_document(1, doc);
    db.commit();
  }
  for (const oly::Hit& before : {gold, zebra}) {
    const oly::Hit after = search(before.matches.size() == 1 ? "zebra" : "gold");
    CHECK(after.matches == before.matches);
    CHECK(after.matches_truncated == before.matches_truncated);
    CHECK(after.snippet.text == before.snippet.text);
    CHECK(after.snippet.highlights == before.snippet.highlights);
  }
}

// The class behind schema 4: stems lived in the synonym table, which Xapian 1.4's remote
// backend does not have, so a search over xapian-tcpsrv silently found only the exact
// words. Now an index has no synonyms at all, and stemmed queries in each language find
// the inflected forms and highlight them from what a remote shard also serves (the
// document's terms, positions, values and data).
TEST_CASE("searcher: stemmed queries in several languages need no synonym table",
          "[snippet][searcher][stems]") {
  struct Row {
    const char* lang;
    const char* body;
    const char* query;
    Strings highlighted;  // the body's words shown as matches, in order
  };
  const std::vector<Row> rows{
      {"en", "The runners were running and he runs.", "run", {"running", "runs"}},
      {"fr", "Les championnes et le champion.", "championne", {"championnes", "champion"}},
      {"de",
       "Die Meisterschaften und die Meisterschaft.",
       "Meisterschaft",
       {"Meisterschaften", "Meisterschaft"}},
      {"es", "Las nadadoras ganaron; la nadadora lloró.", "nadadora", {"nadadoras", "nadadora"}},
      {"it", "Le medaglie d'oro e una medaglia.", "medaglia", {"medaglie", "medaglia"}},
      {"nl", "De zwemmers en de zwemmer.", "zwemmer", {"zwemmers", "zwemmer"}},
  };
  oly::test::TempDir dir("stems");
  std::string jsonl;
  for (const Row& r : rows) {
    jsonl += nlohmann::json{{"id", r.lang}, {"lang", r.lang}, {"body", r.body}}.dump() + "\n";
  }
  oly::test::write_file(dir / "in.jsonl", jsonl);
  oly::IndexOptions o;
  o.index_dir = dir / "index";
  o.inputs = {dir / "in.jsonl"};
  o.threads = 2;
  std::ostringstream log;
  oly::Diagnostics diag(log);
  REQUIRE(oly::build_index(o, diag).added == rows.size());
  {
    const Xapian::Database db(o.index_dir);
    CHECK(db.synonym_keys_begin() == db.synonym_keys_end());
  }
  oly::SearchOptions so;
  so.index_dir = o.index_dir;
  oly::Searcher searcher(so);
  for (const Row& r : rows) {
    INFO(r.lang << ": " << r.query);
    const oly::SearchResult res = searcher.search(r.query);
    REQUIRE(res.hits.size() == 1);
    const oly::Hit& h = res.hits[0];
    CHECK(h.article.id == r.lang);
    Strings shown;
    for (const oly::ByteRange& m : h.matches) {
      shown.push_back(h.article.body.substr(m.begin, m.end - m.begin));
    }
    CHECK(shown == r.highlighted);
  }
}
