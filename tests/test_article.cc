// oly::normalize_date, the stored record (to_record/from_record), content hashes and the
// normalisation of language tags (core/language.h).
#include <xapian.h>

#include <catch2/catch.hpp>
#include <optional>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

#include "analyzer.h"
#include "article.h"
#include "diagnostics.h"
#include "json_printer.h"
#include "language.h"
#include "reader.h"
#include "schema_samples.h"

namespace {

struct DateRow {
  const char* behaviour;
  const char* input;
  std::optional<std::string> expected;  // std::nullopt: invalid
};

const DateRow kDateRows[] = {
    {"a plain date is kept", "2024-08-12", "2024-08-12"},
    {"surrounding blanks are ignored", "  2024-08-12\t\r", "2024-08-12"},
    {"a UTC date-time keeps its day", "2024-08-12T10:30:00Z", "2024-08-12"},
    {"a lower-case z means UTC", "2024-08-12t10:30:00z", "2024-08-12"},
    {"a date-time without a zone is read as UTC", "2024-08-12T23:59:59", "2024-08-12"},
    {"a date-time without seconds", "2024-08-12T10:30", "2024-08-12"},
    {"a space may separate date and time", "2024-08-12 10:30:00", "2024-08-12"},
    {"fractional seconds are accepted", "2024-08-12T10:30:00.123456Z", "2024-08-12"},
    {"+02:00 early in the morning is the previous UTC day", "2024-08-12T01:00:00+02:00",
     "2024-08-11"},
    {"+02:00 later in the day stays on the same day", "2024-08-12T03:00:00+02:00", "2024-08-12"},
    {"-04:00 late in the evening is the next UTC day", "2024-08-04T23:30:00-04:00", "2024-08-05"},
    {"a +0530 offset without colon", "2024-08-12T05:00:00+0530", "2024-08-11"},
    {"a +0530 offset that stays on the day", "2024-08-12T06:00:00+0530", "2024-08-12"},
    {"an hours-only offset", "2024-08-12T01:00:00+02", "2024-08-11"},
    {"an offset can cross a year boundary", "2024-01-01T00:30:00+05:30", "2023-12-31"},
    {"a negative offset can cross a month boundary", "2024-02-29T22:00:00-03:00", "2024-03-01"},
    {"29 February of a leap year is valid", "2024-02-29", "2024-02-29"},
    {"29 February of a common year is invalid", "2023-02-29", std::nullopt},
    {"month 13 is invalid", "2024-13-01", std::nullopt},
    {"month 00 is invalid", "2024-00-10", std::nullopt},
    {"day 32 is invalid", "2024-01-32", std::nullopt},
    {"31 April is invalid", "2024-04-31", std::nullopt},
    {"single-digit month and day are invalid", "2024-8-12", std::nullopt},
    {"a slash-separated date is invalid", "2024/08/12", std::nullopt},
    {"a day-first date is invalid", "12-08-2024", std::nullopt},
    {"garbage is invalid", "yesterday", std::nullopt},
    {"an empty string is invalid", "", std::nullopt},
    {"trailing junk after the date is invalid", "2024-08-12x", std::nullopt},
    {"an hour without minutes is invalid", "2024-08-12T10", std::nullopt},
    {"minute 60 is invalid", "2024-08-12T10:60:00Z", std::nullopt},
    {"hour 25 is invalid", "2024-08-12T25:00:00Z", std::nullopt},
    {"24:00 is the end of the day, i.e. the next day", "2024-08-12T24:00:00Z", "2024-08-13"},
    {"24:00 without seconds", "2024-12-31T24:00", "2025-01-01"},
    {"24:30 is invalid", "2024-08-12T24:30", std::nullopt},
    {"24:30 with seconds and a zone is invalid", "2024-08-12T24:30:00Z", std::nullopt},
    {"24:00:01 is invalid", "2024-08-12T24:00:01Z", std::nullopt},
    {"an unknown zone letter is invalid", "2024-08-12T10:00:00X", std::nullopt},
    {"a zone with too many digits is invalid", "2024-08-12T10:00:00+020000", std::nullopt},
    {"an offset of 24 hours is invalid", "2024-08-12T10:00:00+24:00", std::nullopt},
    {"text after Z is invalid", "2024-08-12T10:00:00Zjunk", std::nullopt},
};

std::string show(const std::optional<std::string>& d) {
  return d ? *d : "<invalid>";
}

oly::Article sample() {
  oly::Article a;
  a.id = "paris-2024/closing";
  a.title = "Tom Cruise's stunt at the closing ceremony";
  a.date = "2024-08-12";
  a.source = "Reuters";
  a.url = "https://example.com/closing";
  a.body = "Angèle sang. \"Quotes\", back\\slashes, tabs\t and\nnewlines; 東京 → 🏅";
  a.lang = "en";
  a.tags = {"Paris 2024", "Closing ceremony"};
  return a;
}

void check_equal(const oly::Article& x, const oly::Article& y) {
  CHECK(x.id == y.id);
  CHECK(x.title == y.title);
  CHECK(x.date == y.date);
  CHECK(x.source == y.source);
  CHECK(x.url == y.url);
  CHECK(x.body == y.body);
  CHECK(x.lang == y.lang);
  CHECK(x.tags == y.tags);
}

}  // namespace

TEST_CASE("normalize_date gives the UTC day of dates and ISO date-times", "[article][date]") {
  for (const DateRow& row : kDateRows) {
    INFO("row: " << row.behaviour << " (input '" << row.input << "')");
    CHECK(show(oly::normalize_date(row.input)) == show(row.expected));
  }
}

TEST_CASE("a record round-trips through to_record and from_record", "[article][record]") {
  const oly::Article a = sample();
  const std::string record = oly::to_record(a);
  const auto back = oly::from_record(record);
  REQUIRE(back.has_value());
  check_equal(*back, a);
  CHECK(oly::to_record(*back) == record);

  SECTION("an empty article round-trips too") {
    const auto empty = oly::from_record(oly::to_record(oly::Article{}));
    REQUIRE(empty.has_value());
    check_equal(*empty, oly::Article{});
  }
}

TEST_CASE("a record is compact JSON with the fields in a fixed order", "[article][record]") {
  oly::Article a;
  a.id = "x";
  a.title = "T";
  a.tags = {"a"};
  CHECK(oly::to_record(a) ==
        R"({"id":"x","title":"T","date":"","source":"","url":"","lang":"","tags":["a"],"body":"",)"
        R"("games":[],"countries":[]})");
}

TEST_CASE("from_record rejects what is not one of our records", "[article][record]") {
  CHECK_FALSE(oly::from_record("").has_value());
  CHECK_FALSE(oly::from_record("not json").has_value());
  CHECK_FALSE(oly::from_record("[1,2]").has_value());
  CHECK_FALSE(oly::from_record("\"a string\"").has_value());
  CHECK_FALSE(oly::from_record("{\"id\":").has_value());

  SECTION("fields of the wrong type are left empty") {
    const auto a = oly::from_record(R"({"id":5,"title":"T","tags":["a",3,"b"],"body":null})");
    REQUIRE(a.has_value());
    CHECK(a->id == "");
    CHECK(a->title == "T");
    CHECK(a->body == "");
    CHECK(a->tags == std::vector<std::string>{"a", "b"});
  }
}

TEST_CASE("content_hash is 16 hex digits and stable", "[article][hash]") {
  const oly::Article a = sample();
  const std::string h = oly::content_hash(a);
  CHECK(h.size() == 16);
  CHECK(h.find_first_not_of("0123456789abcdef") == std::string::npos);
  CHECK(oly::content_hash(a) == h);
  oly::Article copy = a;
  CHECK(oly::content_hash(copy) == h);
  // A record round trip keeps the hash, so an unchanged article is recognised.
  CHECK(oly::content_hash(*oly::from_record(oly::to_record(a))) == h);
}

TEST_CASE("content_hash changes when any indexed field changes", "[article][hash]") {
  const oly::Article a = sample();
  const std::string h = oly::content_hash(a);
  auto changed = [&](auto mutate) {
    oly::Article b = a;
    mutate(b);
    return oly::content_hash(b);
  };
  CHECK(changed([](oly::Article& b) { b.id += "x"; }) != h);
  CHECK(changed([](oly::Article& b) { b.title += "!"; }) != h);
  CHECK(changed([](oly::Article& b) { b.date = "2024-08-13"; }) != h);
  CHECK(changed([](oly::Article& b) { b.source = "AP"; }) != h);
  CHECK(changed([](oly::Article& b) { b.url += "/"; }) != h);
  CHECK(changed([](oly::Article& b) { b.body += " "; }) != h);
  CHECK(changed([](oly::Article& b) { b.lang = "fr"; }) != h);
  CHECK(changed([](oly::Article& b) { b.tags.push_back("x"); }) != h);
  CHECK(changed([](oly::Article& b) { b.tags[0] = "Paris 2028"; }) != h);
  CHECK(changed([](oly::Article& b) { std::swap(b.tags[0], b.tags[1]); }) != h);

  SECTION("moving text between fields changes the hash") {
    oly::Article x, y;
    x.title = "ab";
    x.body = "c";
    y.title = "a";
    y.body = "bc";
    CHECK(oly::content_hash(x) != oly::content_hash(y));
    oly::Article t1, t2;
    t1.tags = {"ab", "c"};
    t2.tags = {"a", "bc"};
    CHECK(oly::content_hash(t1) != oly::content_hash(t2));
  }
}

TEST_CASE("hash_hex is FNV-1a 64 with a field separator", "[article][hash]") {
  CHECK(oly::hash_hex("") == oly::hash_hex(""));
  CHECK(oly::hash_hex("a") != oly::hash_hex("b"));
  CHECK(oly::hash_hex("abc").size() == 16);
  // A one-field article with only an id hashes like the id followed by empty fields, so
  // hash_hex of the same bytes differs from content_hash (which hashes 7 fields).
  oly::Article a;
  a.id = "abc";
  CHECK(oly::hash_hex("abc") != oly::content_hash(a));
}

// ---------------------------------------------------------------- language tags

namespace {

using oly::LanguageStatus;

struct LangRow {
  const char* behaviour;
  const char* tag;
  const char* code;
  LanguageStatus status;
};

const LangRow kLangRows[] = {
    {"an ISO 639-1 code is kept", "fr", "fr", LanguageStatus::kSupported},
    {"case does not matter", "FR", "fr", LanguageStatus::kSupported},
    {"a region subtag is dropped", "fr-CA", "fr", LanguageStatus::kSupported},
    {"an underscore is read as a hyphen", "fr_FR", "fr", LanguageStatus::kSupported},
    {"a POSIX-style tag in any case", "EN_us", "en", LanguageStatus::kSupported},
    {"blanks around the tag are ignored", " de-AT\t\r\n", "de", LanguageStatus::kSupported},
    {"script, region and extensions are dropped", "zh-Hant-TW", "zh", LanguageStatus::kSupported},
    {"a Unicode extension is dropped", "ja-JP-u-ca-japanese", "ja", LanguageStatus::kSupported},
    {"a numeric region is dropped", "es-419", "es", LanguageStatus::kSupported},
    {"an English language name", "French", "fr", LanguageStatus::kSupported},
    {"an English language name in lower case", "german", "de", LanguageStatus::kSupported},
    {"Xapian's name for Norwegian", "norwegian", "no", LanguageStatus::kSupported},
    {"ISO 639-2/T code", "fra", "fr", LanguageStatus::kSupported},
    {"ISO 639-2/B code", "fre", "fr", LanguageStatus::kSupported},
    {"ISO 639-2/T code for German", "deu", "de", LanguageStatus::kSupported},
    {"ISO 639-2/B code for German", "ger", "de", LanguageStatus::kSupported},
    {"ISO 639-2 code for Japanese", "jpn", "ja", LanguageStatus::kSupported},
    {"ISO 639-2/B code for Chinese", "chi", "zh", LanguageStatus::kSupported},
    {"Korean has no stemmer but is supported", "kor", "ko", LanguageStatus::kSupported},
    {"an old code is replaced by the current one", "in", "id", LanguageStatus::kSupported},
    {"Norwegian Bokmål by its 639-2 code", "nob", "nb", LanguageStatus::kSupported},
    {"Catalan", "ca-ES", "ca", LanguageStatus::kSupported},
    {"a real language without a stemmer", "pl_PL", "pl", LanguageStatus::kNoStemmer},
    {"Greek has no stemmer in Xapian 1.4", "ell", "el", LanguageStatus::kNoStemmer},
    {"a well-formed but unassigned code", "xx", "xx", LanguageStatus::kUnknown},
    {"a made-up name", "Klingonese", "klingonese", LanguageStatus::kUnknown},
    {"not a tag at all", "fr--CA", "fr--ca", LanguageStatus::kUnknown},
    {"digits are not a language", "123", "123", LanguageStatus::kUnknown},
    {"a name in another language is not recognised", "Français", "français",
     LanguageStatus::kUnknown},
    {"undetermined is not a language", "und", "und", LanguageStatus::kUnknown},
    {"an empty tag means the index default", "", "", LanguageStatus::kNone},
    {"a blank tag means the index default", "  ", "", LanguageStatus::kNone},
};

}  // namespace

TEST_CASE("normalize_language maps tags, codes and names to one code", "[article][language]") {
  for (const LangRow& row : kLangRows) {
    INFO("row: " << row.behaviour << " ('" << row.tag << "')");
    const oly::Language l = oly::normalize_language(row.tag);
    CHECK(l.code == row.code);
    CHECK(static_cast<int>(l.status) == static_cast<int>(row.status));
    // Normalising again changes nothing: the code is its own normal form.
    CHECK(oly::normalize_language(l.code).code == l.code);
  }
}

TEST_CASE("every language Xapian can stem is reachable by its English name",
          "[article][language]") {
  const std::string names = Xapian::Stem::get_available_languages();
  std::size_t found = 0;
  for (std::size_t b = 0; b < names.size();) {
    std::size_t e = names.find(' ', b);
    if (e == std::string::npos) e = names.size();
    const std::string name = names.substr(b, e - b);
    b = e + 1;
    // Algorithm variants, not languages.
    if (name == "earlyenglish" || name == "german2" || name == "kraaij_pohlmann" ||
        name == "lovins" || name == "porter") {
      continue;
    }
    INFO("Xapian stemmer: " << name);
    const oly::Language l = oly::normalize_language(name);
    CHECK(static_cast<int>(l.status) == static_cast<int>(LanguageStatus::kSupported));
    CHECK(oly::Stemmer(l.code).enabled());
    ++found;
  }
  CHECK(found >= 20);
}

TEST_CASE("article_language warns about tags it cannot stem, with path and line",
          "[article][language]") {
  std::ostringstream log;
  oly::Diagnostics diag(log);
  CHECK(oly::article_language("fr-CA", "in.jsonl", 3, diag) == "fr");
  CHECK(oly::article_language("French", "in.jsonl", 4, diag) == "fr");
  CHECK(diag.warnings() == 0);
  CHECK(oly::article_language("xx-YY", "in.jsonl", 5, diag) == "xx");
  CHECK(oly::article_language("pl", "a.txt", 2, diag) == "pl");
  CHECK(diag.warnings() == 2);
  CHECK_THAT(log.str(), Catch::Contains("in.jsonl:5: warning: unknown language 'xx-YY'"));
  CHECK_THAT(log.str(), Catch::Contains("a.txt:2: warning: no stemmer for language 'pl'"));
}

TEST_CASE("language warnings shorten and neutralise the tag they quote", "[article][language]") {
  std::ostringstream log;
  oly::Diagnostics diag(log);
  const std::string evil = "\x1b]0;pwned\x07" + std::string(100000, 'q');
  oly::article_language(evil, "in\x1b[2J.jsonl", 7, diag);
  CHECK(diag.warnings() == 1);
  CHECK(log.str().find('\x1b') == std::string::npos);  // no escape reaches the terminal
  CHECK(log.str().find('\x07') == std::string::npos);
  CHECK(log.str().size() < 1000);  // not the 100 KB tag, twice
  CHECK_THAT(log.str(), Catch::Contains(":7: warning: unknown language"));
  // What cannot be a tag is stored as "und" (undetermined): it must fit in a term.
  CHECK(oly::normalize_language(evil).code == "und");
  CHECK(oly::normalize_language(std::string(300, 'x')).code == "und");
  CHECK(oly::normalize_language("Elvish").code == "elvish");
}

TEST_CASE("readers normalise the lang field and warn on unknown tags", "[article][language]") {
  std::ostringstream log;
  oly::Diagnostics diag(log);
  oly::Article a;
  REQUIRE(oly::parse_text_article("Title: T\nLang: fr_FR\n\nbody", "h.txt", a, diag));
  CHECK(a.lang == "fr");
  oly::Article b;
  REQUIRE(oly::parse_text_article("Title: T\nLanguage: Elvish\n\nbody", "e.txt", b, diag));
  CHECK(b.lang == "elvish");
  CHECK_THAT(log.str(), Catch::Contains("e.txt:2: warning: unknown language 'Elvish'"));
  std::vector<std::string> langs;
  oly::read_json_lines(
      "{\"id\":\"1\",\"body\":\"x\",\"lang\":\"FR-ca\"}\n{\"id\":\"2\",\"body\":\"y\",\"lang\":"
      "\"deu\"}\n{\"id\":\"3\",\"body\":\"z\",\"lang\":\"zz\"}\n",
      "in.jsonl", diag, [&](oly::InputItem&& item) {
        langs.push_back(item.article.lang);
        return true;
      });
  CHECK(langs == std::vector<std::string>{"fr", "de", "zz"});
  CHECK_THAT(log.str(), Catch::Contains("in.jsonl:3: warning: unknown language 'zz'"));
  CHECK(diag.warnings() == 2);
}

TEST_CASE("-l/--language values are normalised or left for the stemmer check",
          "[article][language]") {
  for (const auto& [given, expected] :
       std::vector<std::pair<std::string, std::string>>{{"fr-CA", "fr"},
                                                        {"French", "fr"},
                                                        {"deu", "de"},
                                                        {"EN_gb", "en"},
                                                        {"ja", "ja"},
                                                        {"none", "none"},
                                                        {"", ""}}) {
    INFO("-l '" << given << "'");
    std::string tag = given;
    CHECK(oly::normalize_language_option(tag).empty());
    CHECK(tag == expected);
  }
  for (const char* bad : {"klingon", "xx", "pl", "fr--CA"}) {
    INFO("-l '" << bad << "'");
    std::string tag = bad;
    CHECK(oly::normalize_language_option(tag).empty());
    CHECK(tag == bad);
    CHECK_FALSE(oly::Stemmer::known(tag));
  }
}

// ---------------------------------------------------------------- the schema table
// Over schema::kFields: a new row is covered with no edit here.

TEST_CASE("every stored field of the schema table round-trips through the record",
          "[article][record][schema]") {
  namespace schema = oly::schema;
  using oly::test::field_values;
  using oly::test::sample_values;
  for (const schema::Field& f : schema::kFields) {
    if (!f.has(schema::kStored)) continue;
    INFO("field " << f.key);
    oly::Article a;
    oly::test::set_field(a, f, sample_values(f, 1));
    const std::string record = oly::to_record(a);
    CHECK(nlohmann::json::parse(record).contains(std::string(f.key)));
    const auto back = oly::from_record(record);
    REQUIRE(back.has_value());
    CHECK(field_values(*back, f) == sample_values(f, 1));
  }
  const oly::Article full = oly::test::full_sample();
  const auto back = oly::from_record(oly::to_record(full));
  REQUIRE(back.has_value());
  for (const schema::Field& f : schema::kFields) {
    INFO("field " << f.key << " in a full article");
    CHECK(field_values(*back, f) == field_values(full, f));
  }
}

TEST_CASE("content_hash changes with every input field and with no derived one",
          "[article][hash][schema]") {
  namespace schema = oly::schema;
  const oly::Article base = oly::test::full_sample(0);
  const std::string h = oly::content_hash(base);
  CHECK(oly::content_hash(oly::test::full_sample(0)) == h);  // equal articles, equal hashes
  for (const schema::Field& f : schema::kFields) {
    if (schema::index_only(f)) continue;  // its member is another row's (the source)
    INFO("field " << f.key);
    oly::Article changed = base;
    oly::test::set_field(changed, f, oly::test::sample_values(f, 1));
    CHECK((oly::content_hash(changed) != h) == f.has(schema::kHashed));
    oly::Article emptied = base;
    oly::test::set_field(emptied, f, {});
    CHECK((oly::content_hash(emptied) != h) == f.has(schema::kHashed));
    // Derived fields follow from the input: only input fields identify it.
    CHECK(f.has(schema::kHashed) == f.has(schema::kRead));
  }
}

TEST_CASE("moving an element between a hashed list and the next field changes the hash",
          "[article][hash][schema]") {
  namespace schema = oly::schema;
  // A list, then the next hashed text field: {"a","b"} + "" must not hash like {"a"} + "b".
  for (std::size_t i = 0; i + 1 < schema::kArticleOrder.size(); ++i) {
    const schema::Field& list = *schema::kArticleOrder[i];
    if (!list.is_list() || !list.has(schema::kHashed)) continue;
    for (std::size_t j = i + 1; j < schema::kArticleOrder.size(); ++j) {
      const schema::Field& next = *schema::kArticleOrder[j];
      if (!next.has(schema::kHashed)) continue;
      INFO("list " << list.key << ", then " << next.key);
      oly::Article x, y;
      oly::test::set_field(x, list, {"a", "b"});
      oly::test::set_field(y, list, {"a"});
      oly::test::set_field(y, next, {"b"});
      CHECK(oly::content_hash(x) != oly::content_hash(y));
      break;
    }
  }
}

TEST_CASE("article_json prints every printed field, the version-1 keys first",
          "[article][json][schema]") {
  namespace schema = oly::schema;
  const oly::Article a = oly::test::full_sample();
  const auto j = oly::article_json(a);
  std::vector<std::string> keys;
  for (const auto& item : j.items()) keys.push_back(item.key());
  std::vector<std::string> printed;
  for (const schema::Field* f : schema::kArticleOrder) {
    if (!f->has(schema::kPrinted)) continue;
    INFO("field " << f->key);
    printed.emplace_back(f->key);
    REQUIRE(j.contains(std::string(f->key)));
    const auto& v = j[std::string(f->key)];
    if (f->is_list())
      CHECK(v.get<std::vector<std::string>>() == a.*f->member.list);
    else
      CHECK(v.get<std::string>() == a.*f->member.text);
  }
  CHECK(keys == printed);
  // JSON version 1 is only extended: its keys keep their order, new ones come after.
  const std::vector<std::string> v1{"id", "title", "date", "source", "url", "lang", "tags", "body"};
  REQUIRE(keys.size() >= v1.size());
  CHECK(std::vector<std::string>(keys.begin(), keys.begin() + v1.size()) == v1);
  CHECK(oly::article_json(oly::Article{})["date"].is_null());  // undated: null, not ""
}
