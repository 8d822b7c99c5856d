// CJK sub-words (core/cjk.h), end to end: DocumentBuilder -> in-memory Xapian database ->
// parse_query -> Enquire, and the Highlighter on the same text. A dictionary word must
// not hide its parts (`メダル` in `金メダル`), a run of characters is found across word
// boundaries, whole words rank first, and highlights cover exactly the matched bytes.
#include <xapian.h>

#include <catch2/catch.hpp>
#include <string>
#include <vector>

#include "analyzer.h"
#include "article.h"
#include "document.h"
#include "query.h"
#include "schema.h"
#include "snippet.h"
#include "test_util.h"

namespace {

using Strings = std::vector<std::string>;

struct Index {
  oly::Analyzer analyzer;
  oly::StemmerCache stemmers{"en"};
  oly::Stemmer stemmer{"en"};
  oly::DocumentBuilder builder{analyzer, stemmers};
  oly::test::TempDir dir{"cjk"};
  Xapian::WritableDatabase db{dir.str(), Xapian::DB_CREATE_OR_OVERWRITE};

  void add(const std::string& id, const std::string& title, const std::string& body,
           const std::string& lang = "") {
    oly::Article a;
    a.id = id;
    a.title = title;
    a.body = body;
    a.lang = lang;
    db.add_document(builder.build(a, "0"));
  }

  oly::ParsedQuery parse(const std::string& q) { return oly::parse_query(q, analyzer, stemmer); }

  // The ids of the matching articles, best first.
  Strings search(const std::string& q) {
    Xapian::Enquire enquire(db);
    enquire.set_query(parse(q).to_xapian({}, &db));
    Strings out;
    const Xapian::MSet mset = enquire.get_mset(0, 100);
    for (auto it = mset.begin(); it != mset.end(); ++it) {
      const auto article = oly::from_record(it.get_document().get_data());
      out.push_back(article ? article->id : "?");
    }
    return out;
  }

  // The substrings of `text` the highlighter marks for `q` (merged ranges), in order.
  Strings highlights(const std::string& q, const std::string& text,
                     const std::string& field_prefix = "") {
    oly::Highlighter hl(analyzer, stemmers, parse(q).match_items());
    Strings out;
    for (const auto& r : oly::Highlighter::ranges(hl.find(text, field_prefix, ""))) {
      out.push_back(text.substr(r.begin, r.end - r.begin));
    }
    return out;
  }
};

struct Case {
  const char* text;
  const char* query;
  Strings marked;  // empty: the text must not match
};

// One article per case, alone in its index: it matches exactly when `marked` is not
// empty, and then the highlighter marks exactly `marked` in it.
void check_cases(const std::vector<Case>& cases) {
  for (const Case& c : cases) {
    INFO("text: " << c.text << "\nquery: " << c.query);
    Index ix;
    ix.add("a", "", c.text);
    const bool should_match = !c.marked.empty();
    CHECK(ix.search(c.query) == (should_match ? Strings{"a"} : Strings{}));
    CHECK(ix.highlights(c.query, c.text) == c.marked);
  }
}

const char* const kJa = "日本の選手は金メダルを獲得。";  // 日本|の|選手|は|金メダル|を|獲得

}  // namespace

TEST_CASE("cjk: Japanese sub-words inside dictionary words", "[cjk]") {
  check_cases({
      {kJa, "メダル", {"メダル"}},
      {kJa, "金", {"金"}},
      {kJa, "金メダル", {"金メダル"}},
      {kJa, "選手", {"選手"}},
      {kJa, "手", {"手"}},
      // Runs across dictionary-word boundaries, in one word or quoted.
      {kJa, "手は金", {"手は金"}},
      {kJa, "メダルを獲得", {"メダルを獲得"}},
      {kJa, "\"メダルを獲得\"", {"メダルを獲得"}},
      {kJa, "選手は金メダルを獲得", {"選手は金メダルを獲得"}},
      {kJa, "title:メダル", {}},
      // Characters that are there, but not as this run.
      {kJa, "銀メダル", {}},
      {kJa, "獲得メダル", {}},
      {kJa, "メダル獲得", {}},
      {kJa, "ダメ", {}},
      // Katakana compounds and repeated characters.
      {"2020年東京オリンピック開幕", "京オリ", {"京オリ"}},
      {"2020年東京オリンピック開幕", "東京オリンピック", {"東京オリンピック"}},
      {"2020年東京オリンピック開幕", "オリンピック開幕", {"オリンピック開幕"}},
      {"ママが来た", "ママ", {"ママ"}},
      {"マが来た", "ママ", {}},
      // Half-width katakana is folded; the marks cover the original bytes.
      {"ｶﾞｰﾄﾞ役", "ガード", {"ｶﾞｰﾄﾞ"}},
      {"ｶﾞｰﾄﾞ役", "ード", {"ｰﾄﾞ"}},
      {"ガード役", "ｰﾄﾞ", {"ード"}},
  });
}

TEST_CASE("cjk: Chinese, simplified and traditional", "[cjk]") {
  check_cases({
      {"北京奥运会中国队获得金牌", "运会", {"运会"}},
      {"北京奥运会中国队获得金牌", "奥运会", {"奥运会"}},
      {"北京奥运会中国队获得金牌", "中国队", {"中国队"}},
      {"北京奥运会中国队获得金牌", "金", {"金"}},
      {"北京奥运会中国队获得金牌", "牌", {"牌"}},
      {"北京奥运会中国队获得金牌", "京奥", {"京奥"}},
      {"北京奥运会中国队获得金牌", "银牌", {}},
      {"北京奧運會中國隊獲得金牌", "運會", {"運會"}},
      {"北京奧運會中國隊獲得金牌", "中國", {"中國"}},
      // No conversion between the two scripts (as in the word index).
      {"北京奧運會中國隊獲得金牌", "运会", {}},
  });
}

TEST_CASE("cjk: Korean words with particles", "[cjk]") {
  check_cases({
      {"한국 선수가 금메달을 땄다", "선수", {"선수"}},
      {"한국 선수가 금메달을 땄다", "메달", {"메달"}},
      {"한국 선수가 금메달을 땄다", "금메달", {"금메달"}},
      {"한국 선수가 금메달을 땄다", "\"한국 선수\"", {"한국 선수"}},
      {"한국 선수가 금메달을 땄다", "\"선수 금메달\"", {}},
      // Spaces separate: no run across them unless the query has one too.
      {"한국 선수가 금메달을 땄다", "국선", {}},
      {"한국 선수가 금메달을 땄다", "\"국 선\"", {"국 선"}},
      {"한국 선수가 금메달을 땄다", "선수단", {}},
      {"한국선수가 금메달을 땄다", "\"한국 선수\"", {"한국선수"}},
      // Decomposed Hangul (conjoining jamo, as NFD text has it) folds to the syllables;
      // the marks cover the jamo bytes: 선수가 is ᄉ ᅥ ᆫ | ᄉ ᅮ | ᄀ ᅡ.
      {"\u1109\u1165\u11ab\u1109\u116e\u1100\u1161 왔다",
       "선수",
       {"\u1109\u1165\u11ab\u1109\u116e"}},
      {"\u1109\u1165\u11ab\u1109\u116e\u1100\u1161 왔다", "수가", {"\u1109\u116e\u1100\u1161"}},
  });
}

TEST_CASE("cjk: punctuation, numbers and Latin around CJK text", "[cjk]") {
  check_cases({
      // Punctuation breaks a run; a query with any separator there crosses it.
      {"東京、大阪", "京大", {}},
      {"東京、大阪", "\"東京 大阪\"", {"東京、大阪"}},
      {"東京、大阪", "\"京 大\"", {"京、大"}},
      {"東京、大阪", "京、大", {"京、大"}},
      {"東京、大阪", "京\u3000大", {"京、大"}},  // an ideographic space in one query word
      // A separator in the query matches a separator or none, as it does for words.
      {"東京大阪", "京\u3000大", {"京大"}},
      {"東京大阪", "\"京 大\"", {"京大"}},
      // Numbers and Latin written against CJK text are part of the run.
      {"金メダル2個を獲得", "メダル2個", {"メダル2個"}},
      {"金メダル2個を獲得", "2個", {"2個"}},
      {"金メダル2個を獲得", "メダル3個", {}},
      {"Ｔシャツを着た", "シャツ", {"シャツ"}},
      {"100m自由形で優勝", "m自由", {}},
      {"100m自由形で優勝", "100m自由", {"100m自由"}},
      {"100m自由形で優勝", "由形", {"由形"}},
      // A word standing apart is not: no run bridges it.
      {"東京 2020 大会", "京大", {}},
      {"東京 2020 大会", "\"京 大\"", {}},
      {"東京 2020 大会", "\"東京 2020 大会\"", {"東京 2020 大会"}},
      // Non-CJK text is unchanged.
      {"Gold medal for Japan", "medal", {"medal"}},
  });
}

TEST_CASE("cjk: query readings show the character run", "[cjk][query]") {
  oly::Analyzer analyzer;
  oly::Stemmer stemmer("en");
  auto reading = [&](const std::string& q) {
    return oly::parse_query(q, analyzer, stemmer).describe();
  };
  CHECK(reading("メダル") == R"("メダル"|chars(メ ダ ル))");
  CHECK(reading("金") == R"("金"|chars(金))");
  CHECK(reading("東京オリンピック") == "PHRASE(東京 オリンピック)|chars(東 京 オ リ ン ピ ッ ク)");
  CHECK(reading("title:金メダル") == R"(title:"金メダル"|chars(金 メ ダ ル))");
  CHECK(reading("\"한국 선수\"") == "PHRASE(한국 선수)|chars(한 국 / 선 수)");
  CHECK(reading("선수") == R"("선수"|stem:선수|chars(선 수))");
  // Words only where characters cannot stand for the query.
  CHECK(reading("\"東京 2020\"") == "PHRASE(東京 2020)");
  CHECK(reading("\"東京 大会\"~2") == "PHRASE(東京 大会)/4");
  CHECK(reading("bolt") == R"("bolt"|stem:bolt)");
  CHECK(reading("2024") == R"("2024")");
}

TEST_CASE("cjk: titles have their own character run", "[cjk]") {
  Index ix;
  ix.add("t", "金メダル獲得", "本文です");
  ix.add("b", "本文です", "金メダル獲得");
  CHECK(ix.search("title:メダル") == Strings{"t"});
  CHECK(ix.search("title:\"メダル獲得\"") == Strings{"t"});
  CHECK(ix.search("title:本文").size() == 1);
  // Unfielded, title characters count as body ones, with the title's weight.
  CHECK(ix.search("メダル") == Strings{"t", "b"});
  CHECK(ix.highlights("title:メダル", "金メダル獲得", "S") == Strings{"メダル"});
  CHECK(ix.highlights("title:メダル", "金メダル獲得", "").empty());
  // No run crosses from the title into the body.
  CHECK(ix.search("獲得本文").empty());
  CHECK(ix.search("です金").empty());
}

TEST_CASE("cjk: whole words rank above sub-words", "[cjk]") {
  Index ix;
  // Same length in characters; "メダル" is a dictionary word only in the second.
  ix.add("sub", "", "金メダルを獲得した。");
  ix.add("whole", "", "メダルを獲得した。");
  CHECK(ix.search("メダル") == Strings{"whole", "sub"});

  Index ko;
  ko.add("sub", "", "선수가 왔다");
  ko.add("whole", "", "선수 왔다");
  CHECK(ko.search("선수") == Strings{"whole", "sub"});

  Index zh;
  // 奥运|会|开幕 holds 运会 across two words; 运会|开幕|了 has it as a word.
  zh.add("sub", "", "奥运会开幕");
  zh.add("whole", "", "运会开幕了");
  CHECK(zh.search("运会") == Strings{"whole", "sub"});
}

// A run repeated inside other words must not easily outrank the word itself: the run's
// weight is scaled down (kCjkRunScale in core/query.cc). At full weight, the article
// that repeats 選手権 (championship) ranked above the one about a 選手 (player).
TEST_CASE("cjk: a repeated sub-word does not outrank the whole word", "[cjk]") {
  Index ix;
  ix.add("whole", "", "日本の選手は大会で金メダルを獲得し、監督も喜んだと新聞が伝えた。");
  ix.add("sub", "", "選手権大会、選手権試合、選手権記録。");
  for (int i = 0; i < 6; ++i) ix.add("f" + std::to_string(i), "", "天気は晴れでした。");
  CHECK(ix.search("選手") == Strings{"whole", "sub"});
}
