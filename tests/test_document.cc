// oly::DocumentBuilder: the terms, positions, values and data of an indexed article.
#include <xapian.h>

#include <algorithm>
#include <catch2/catch.hpp>
#include <map>
#include <string>
#include <vector>

#include "analyzer.h"
#include "article.h"
#include "document.h"
#include "identity.h"
#include "schema.h"
#include "schema_samples.h"
#include "search.h"
#include "test_util.h"

namespace schema = oly::schema;

namespace {

struct TermInfo {
  Xapian::termcount wdf = 0;
  std::vector<Xapian::termpos> positions;
};

// Every term of a document with its wdf and positions.
std::map<std::string, TermInfo> terms_of(const Xapian::Document& doc) {
  std::map<std::string, TermInfo> out;
  for (auto t = doc.termlist_begin(); t != doc.termlist_end(); ++t) {
    TermInfo& info = out[*t];
    info.wdf = t.get_wdf();
    for (auto p = t.positionlist_begin(); p != t.positionlist_end(); ++p) {
      info.positions.push_back(*p);
    }
  }
  return out;
}

// The terms that start with `prefix`, the prefix removed. Terms with other upper-case
// prefixes that merely start with the same letters are not filtered out, so pass the
// longest prefix that matters.
std::vector<std::string> with_prefix(const std::map<std::string, TermInfo>& terms,
                                     const std::string& prefix) {
  std::vector<std::string> out;
  for (const auto& [term, info] : terms) {
    if (term.compare(0, prefix.size(), prefix) == 0) out.push_back(term.substr(prefix.size()));
  }
  return out;
}

// Unprefixed terms start with a lower-case letter, a digit or a non-ASCII byte.
std::vector<std::string> unprefixed(const std::map<std::string, TermInfo>& terms) {
  std::vector<std::string> out;
  for (const auto& [term, info] : terms) {
    if (!term.empty() && !(term[0] >= 'A' && term[0] <= 'Z')) out.push_back(term);
  }
  return out;
}

using Positions = std::vector<Xapian::termpos>;
using Wdfs = std::map<std::string, Xapian::termcount>;

// The stem terms ("Z" + field prefix + stem) of a document with their wdf; they must have
// no positions (a phrase is matched on the exact words).
Wdfs stem_terms(const std::map<std::string, TermInfo>& terms) {
  Wdfs out;
  for (const auto& [term, info] : terms) {
    if (term.compare(0, 1, "Z") != 0) continue;
    out[term] = info.wdf;
    INFO(term);
    CHECK(info.positions.empty());
  }
  return out;
}

oly::Article sample() {
  oly::Article a;
  a.id = "paris/closing-1";
  a.title = "Cruise's Stunt";                   // cruise@1 stunt@2
  a.body = "Running swimmers cheered Cruise.";  // @103..106
  a.source = "Reuters News";                    // @207..208
  a.tags = {"Closing Ceremony", "Tom Cruise's"};
  a.lang = "en";
  a.date = "2024-08-12";
  a.url = "https://example.com/closing";
  return a;
}

struct Built {
  oly::Analyzer analyzer;
  oly::StemmerCache stemmers{"en"};
  oly::DocumentBuilder builder{analyzer, stemmers};
  Xapian::Document build(const oly::Article& a, const std::string& hash = "0123456789abcdef") {
    return builder.build(a, hash);
  }
};

}  // namespace

TEST_CASE("the id becomes one boolean Q term", "[document]") {
  Built b;
  const auto terms = terms_of(b.build(sample()));
  CHECK(with_prefix(terms, "Q") == std::vector<std::string>{"paris/closing-1"});
  CHECK(terms.at("Qparis/closing-1").wdf == 0);
  CHECK(terms.at("Qparis/closing-1").positions.empty());
}

TEST_CASE("title words become S terms with positions from 1", "[document]") {
  Built b;
  const auto terms = terms_of(b.build(sample()));
  CHECK(with_prefix(terms, "S") == std::vector<std::string>{"cruise", "stunt"});
  CHECK(terms.at("Scruise").positions == Positions{1});
  CHECK(terms.at("Sstunt").positions == Positions{2});
  CHECK(terms.at("Sstunt").wdf == 1);
}

TEST_CASE("title words are also unprefixed terms with the title wdf boost", "[document]") {
  Built b;
  const auto terms = terms_of(b.build(sample()));
  CHECK(terms.at("stunt").positions == Positions{2});
  CHECK(terms.at("stunt").wdf == schema::kTitleBoost);
  // "cruise" is in the title (boosted) and once in the body.
  CHECK(terms.at("cruise").positions == Positions{1, 106});
  CHECK(terms.at("cruise").wdf == schema::kTitleBoost + 1);
}

TEST_CASE("body positions start after the title end plus the field gap", "[document]") {
  Built b;
  const auto terms = terms_of(b.build(sample()));
  CHECK(unprefixed(terms) ==
        std::vector<std::string>{"cheered", "cruise", "running", "stunt", "swimmers"});
  // The title ends at position 2; positions 3 .. 102 are the gap.
  const Xapian::termpos first_body = 2 + 1 + schema::kFieldPositionGap;
  CHECK(terms.at("running").positions == Positions{first_body});
  CHECK(terms.at("swimmers").positions == Positions{first_body + 1});
  CHECK(terms.at("cheered").positions == Positions{first_body + 2});
  CHECK(terms.at("running").wdf == 1);
  // So the last title word and the first body word are never adjacent: a phrase such
  // as "stunt running" cannot match across the field boundary.
  CHECK(terms.at("running").positions[0] - terms.at("stunt").positions[0] >
        schema::kFieldPositionGap);

  SECTION("without a title the body starts after the gap") {
    oly::Article a = sample();
    a.title.clear();
    const auto t = terms_of(b.build(a));
    CHECK(t.at("running").positions == Positions{1 + schema::kFieldPositionGap});
    CHECK(with_prefix(t, "S").empty());
  }
}

TEST_CASE("stems are Z terms of the document, without positions, one wdf per form", "[document]") {
  Built b;
  const auto terms = terms_of(b.build(sample()));
  // Title words give a ZS term and, with the title boost, a Z term (as title words are
  // also body-space words); body words a Z term. "cruise" is in the title and the body.
  // Source words have no stems.
  const Xapian::termcount boost = schema::kTitleBoost;
  CHECK(stem_terms(terms) == Wdfs{{"ZScruis", 1},
                                  {"ZSstunt", 1},
                                  {"Zcruis", boost + 1},
                                  {"Zstunt", boost},
                                  {"Zrun", 1},
                                  {"Zswimmer", 1},
                                  {"Zcheer", 1}});
  // The exact words stay positional terms beside their stems.
  CHECK(terms.at("running").positions == Positions{103});

  SECTION("each occurrence of each form counts; the builder keeps nothing between documents") {
    b.build(sample());
    oly::Article a = sample();
    a.title = "Stunts";
    a.body = "Running, runs and runners ran.";
    const auto again = terms_of(b.build(a));
    CHECK(stem_terms(again) == Wdfs{{"ZSstunt", 1},
                                    {"Zstunt", boost},
                                    {"Zrun", 2},
                                    {"Zand", 1},
                                    {"Zrunner", 1},
                                    {"Zran", 1}});
    a.lang = "fr";  // the same words in another language have other stems
    a.title.clear();
    CHECK(stem_terms(terms_of(b.build(a))) ==
          Wdfs{{"Zrunning", 1}, {"Zrun", 1}, {"Zand", 1}, {"Zrunner", 1}, {"Zran", 1}});
  }
}

TEST_CASE("source words are positional XSRC terms after the body, not stemmed", "[document]") {
  Built b;
  const auto terms = terms_of(b.build(sample()));
  CHECK(with_prefix(terms, std::string(schema::kPrefixSource)) ==
        std::vector<std::string>{"news", "reuters"});
  // The body ends at 106, so the source starts at 107 + the gap.
  const Xapian::termpos first_source = 106 + 1 + schema::kFieldPositionGap;
  CHECK(terms.at("XSRCreuters").positions == Positions{first_source});
  CHECK(terms.at("XSRCnews").positions == Positions{first_source + 1});
  CHECK(terms.count("reuters") == 0);
  CHECK(terms.count("ZXSRCreuter") == 0);
}

TEST_CASE("tags become whole folded K terms", "[document]") {
  Built b;
  oly::Article a = sample();
  a.tags = {"Closing Ceremony", "Tom Cruise's", "ＪＵＤＯ", "Angèle", "", std::string(200, 't')};
  const auto terms = terms_of(b.build(a));
  CHECK(with_prefix(terms, "K") ==
        std::vector<std::string>{"angele", "closing ceremony", "judo", "tom cruise"});
  CHECK(terms.at("Kclosing ceremony").wdf == 0);
}

TEST_CASE("the language becomes an L term", "[document]") {
  Built b;
  oly::Article a = sample();
  CHECK(with_prefix(terms_of(b.build(a)), "L") == std::vector<std::string>{"en"});
  a.lang = "";
  CHECK(with_prefix(terms_of(b.build(a)), "L").empty());
}

TEST_CASE("the date becomes D, M, Y terms and a YYYYMMDD value", "[document]") {
  Built b;
  const Xapian::Document doc = b.build(sample());
  const auto terms = terms_of(doc);
  CHECK(with_prefix(terms, "D") == std::vector<std::string>{"20240812"});
  CHECK(with_prefix(terms, "M") == std::vector<std::string>{"202408"});
  CHECK(with_prefix(terms, "Y") == std::vector<std::string>{"2024"});
  CHECK(doc.get_value(schema::kSlotDate) == "20240812");

  SECTION("an article without a date has neither the terms nor the value") {
    oly::Article a = sample();
    a.date.clear();
    const Xapian::Document d = b.build(a);
    const auto t = terms_of(d);
    CHECK(with_prefix(t, "D").empty());
    CHECK(with_prefix(t, "M").empty());
    CHECK(with_prefix(t, "Y").empty());
    CHECK(d.get_value(schema::kSlotDate) == "");
  }
}

TEST_CASE("the content hash is stored in its value slot", "[document]") {
  Built b;
  const oly::Article a = sample();
  const std::string hash = oly::content_hash(a);
  CHECK(b.build(a, hash).get_value(schema::kSlotContentHash) == hash);
}

TEST_CASE("the document data is the record and round-trips", "[document]") {
  Built b;
  const oly::Article a = sample();
  const Xapian::Document doc = b.build(a);
  CHECK(doc.get_data() == oly::to_record(a));
  const auto back = oly::from_record(doc.get_data());
  REQUIRE(back.has_value());
  CHECK(back->id == a.id);
  CHECK(back->title == a.title);
  CHECK(back->body == a.body);
  CHECK(back->source == a.source);
  CHECK(back->url == a.url);
  CHECK(back->date == a.date);
  CHECK(back->lang == a.lang);
  CHECK(back->tags == a.tags);
}

TEST_CASE("the article's language picks the stemmer", "[document]") {
  Built b;
  oly::Article a;
  a.id = "x";
  a.body = "championnes running";
  SECTION("French") {
    a.lang = "fr";
    const auto terms = terms_of(b.build(a));
    CHECK(stem_terms(terms) == Wdfs{{"Zchampion", 1}, {"Zrunning", 1}});
    CHECK(with_prefix(terms, "L") == std::vector<std::string>{"fr"});
  }
  SECTION("the index default (English) when the article has none") {
    const auto terms = terms_of(b.build(a));
    CHECK(stem_terms(terms) == Wdfs{{"Zchampionn", 1}, {"Zrun", 1}});
    CHECK(with_prefix(terms, "L").empty());
  }
  SECTION("no stems for a language without a stemmer") {
    a.lang = "ja";
    a.body = "東京オリンピック running";
    const auto terms = terms_of(b.build(a));
    CHECK(with_prefix(terms, "Z").empty());
    CHECK(terms.count("東京") == 1);
    CHECK(terms.count("オリンピック") == 1);
    CHECK(terms.count("running") == 1);
  }
}

TEST_CASE("numbers and CJK words get no stem terms", "[document]") {
  Built b;
  oly::Article a;
  a.id = "x";
  a.title = "9.58 東京";
  a.body = "2024";
  const auto terms = terms_of(b.build(a));
  CHECK(with_prefix(terms, "Z").empty());
  CHECK(with_prefix(terms, "S") == std::vector<std::string>{"9.58", "東京"});
  CHECK(terms.at("2024").positions == Positions{3 + schema::kFieldPositionGap});
}

TEST_CASE("the builder can be reused: documents do not leak into each other", "[document]") {
  Built b;
  oly::Article a = sample();
  oly::Article c;
  c.id = "other";
  c.title = "Judo";
  b.build(a);
  const auto terms = terms_of(b.build(c));
  CHECK(unprefixed(terms) == std::vector<std::string>{"judo"});
  CHECK(with_prefix(terms, "Q") == std::vector<std::string>{"other"});
  CHECK(with_prefix(terms, "K").empty());
}

TEST_CASE("StemmerCache hands out one stemmer per language", "[document]") {
  oly::StemmerCache cache("en");
  CHECK(cache.default_language() == "en");
  const oly::Stemmer& en = cache.get("");
  CHECK(en.language() == "en");
  CHECK(&cache.get("en") == &en);
  const oly::Stemmer& fr = cache.get("fr");
  CHECK(fr.language() == "fr");
  CHECK(&cache.get("fr") == &fr);
  CHECK_FALSE(cache.get("ja").enabled());
}

TEST_CASE("CJK tokens also give character units in a position range of their own",
          "[document][cjk]") {
  Built b;
  oly::Article a;
  a.id = "x";
  a.lang = "ja";
  a.title = "한국 선수";        // 한 국 | 선 수 (the space is a break unit)
  a.body = "金メダル2個 Gold";  // 金 メ ダ ル 2 個; "gold" stands apart
  const auto terms = terms_of(b.build(a));
  const Xapian::termpos base = schema::kCjkPositionBase;
  // The dictionary words stay.
  CHECK(terms.count("金メダル") == 1);
  CHECK(terms.count("선수") == 1);
  // Title units: "XCS" + unit, from the base; the break unit marks the space.
  CHECK(with_prefix(terms, "XCS") == std::vector<std::string>{" ", "국", "선", "수", "한"});
  CHECK(terms.at("XCS한").positions == Positions{base});
  CHECK(terms.at("XCS ").positions == Positions{base + 2});
  CHECK(terms.at("XCS수").positions == Positions{base + 4});
  // ... and in the body space with the title's weight.
  CHECK(terms.at("XC한").positions == Positions{base});
  CHECK(terms.at("XC한").wdf == schema::kTitleBoost);
  // Body units after the title's plus the field gap; a number against CJK text is a unit,
  // a Latin word standing apart is not.
  const Xapian::termpos body = base + 5 + schema::kFieldPositionGap;
  CHECK(terms.at("XC金").positions == Positions{body});
  CHECK(terms.at("XCル").positions == Positions{body + 3});
  CHECK(terms.at("XC2").positions == Positions{body + 4});
  CHECK(terms.at("XC個").positions == Positions{body + 5});
  CHECK(terms.count("XCgold") == 0);
  CHECK(terms.count("XC金メダル") == 0);
}

TEST_CASE("text without CJK gets no character units", "[document][cjk]") {
  Built b;
  const auto terms = terms_of(b.build(sample()));
  CHECK(with_prefix(terms, "XC").empty());
}

// Schema 4 moved stems from the synonym table into the documents: a schema-3 index has no
// stem terms, so every stemmed query would silently find only exact words. It is refused.
TEST_CASE("a schema-3 index (stems in the synonym table) is refused with a rebuild message",
          "[document][identity]") {
  oly::test::TempDir dir("schema3");
  const std::string path = dir / "index";
  {
    Xapian::WritableDatabase db(path, Xapian::DB_CREATE | Xapian::DB_BACKEND_GLASS);
    oly::IndexIdentity old = oly::current_identity("en");
    old.schema_version = "3";
    oly::write_identity(db, old);
    Built b;
    db.add_document(b.build(sample()));
    db.add_synonym("Zmedal", "medals");
    db.commit();
    CHECK(oly::identity_mismatch(db).value_or("") ==
          "the index has schema version 3, this build reads " +
              std::to_string(oly::schema::kSchemaVersion));
  }
  oly::SearchOptions o;
  o.index_dir = path;
  CHECK_THROWS_WITH(oly::Searcher(o), Catch::Contains("schema version 3") &&
                                          Catch::Contains("indexer --recreate -d " + path));
}

// ---------------------------------------------------------------- the schema table

TEST_CASE("every input field with a facet slot fills it from the article",
          "[document][facets][schema]") {
  for (const schema::Field& f : schema::kFields) {
    if (f.facet_slot == schema::kNoSlot || !f.has(schema::kRead)) continue;
    INFO("field " << f.key);
    Built b;
    oly::Article a = sample();
    const auto values = oly::test::sample_values(f, 1);
    oly::test::set_field(a, f, values);
    // Exact fields are counted as their terms hold them: folded.
    std::vector<std::string> expected;
    for (const std::string& v : values) {
      expected.push_back(f.kind == schema::FieldKind::kExact ? b.analyzer.fold(v) : v);
    }
    const std::string slot = b.build(a).get_value(f.facet_slot);
    if (f.is_list()) {
      std::sort(expected.begin(), expected.end());
      CHECK(slot == schema::encode_list(expected));
    } else {
      CHECK(slot == expected.front());
    }
    oly::test::set_field(a, f, {});
    CHECK(b.build(a).get_value(f.facet_slot).empty());  // an empty field has no facet value
  }
}

TEST_CASE("a field that is not indexed (the url) adds no term and no query field",
          "[document][schema]") {
  for (const schema::Field& f : schema::kFields) {
    if (f.kind != schema::FieldKind::kUnindexed) continue;
    INFO("field " << f.key);
    Built b;
    oly::Article a = sample();
    const auto with = terms_of(b.build(a));
    oly::test::set_field(a, f, oly::test::sample_values(f, 1));
    const auto changed = terms_of(b.build(a));
    CHECK(with.size() == changed.size());
    CHECK(std::equal(with.begin(), with.end(), changed.begin(),
                     [](const auto& x, const auto& y) { return x.first == y.first; }));
    CHECK(schema::find_field(f.name) == nullptr);
  }
}

TEST_CASE("derived fields given in the input article are not indexed nor stored",
          "[document][schema]") {
  Built b;
  oly::Article a = sample();
  for (const schema::Field& f : schema::kFields) {
    // An index-only row (from:) indexes the source: an input field, not a derived one.
    if (!f.has(schema::kRead) && !schema::index_only(f)) {
      oly::test::set_field(a, f, {"ZZZ-made-up"});
    }
  }
  const Xapian::Document doc = b.build(a);
  for (const auto& [term, info] : terms_of(doc)) {
    INFO(term);
    CHECK(term.find("made-up") == std::string::npos);
  }
  const auto back = oly::from_record(doc.get_data());
  REQUIRE(back.has_value());
  for (const schema::Field& f : schema::kFields) {
    INFO("field " << f.key);
    if (!f.has(schema::kRead) && !schema::index_only(f)) {
      for (const std::string& v : oly::test::field_values(*back, f)) CHECK(v != "ZZZ-made-up");
    }
  }
}

TEST_CASE("a vocabulary field has a resolver, and only a vocabulary field has one",
          "[document][schema]") {
  for (const oly::schema::Field& f : oly::schema::kFields) {
    INFO(f.name);
    CHECK((f.kind == oly::schema::FieldKind::kLookup) == (f.resolve != nullptr));
  }
}
