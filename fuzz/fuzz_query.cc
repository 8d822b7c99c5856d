// fuzz_query: the query language (core/query.h) on arbitrary bytes.
//
// Input: byte 0 chooses the options (bit 0: --any; bits 1-2: the index languages the
// query is stemmed in), the rest is the query. parse_query may throw QuerySyntaxError and
// nothing else; a parsed query must then describe(), convert to_xapian() (with and without
// a database) and run against a small index without any exception, and its
// match_items() must be usable by the Highlighter (kinds it knows, non-empty terms).
// When the query is valid UTF-8, describe() and every term must be too, and a syntax
// error's column must point inside the query (or just past its end).
#include <xapian.h>

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

#include "analyzer.h"
#include "article.h"
#include "document.h"
#include "fuzz_util.h"
#include "query.h"

namespace {

struct Env {
  oly::Analyzer analyzer;
  oly::Stemmer en{"en"}, fr{"fr"}, de{"de"}, ru{"ru"}, none{"none"};
  // A real (glass) index, as the searcher reads. It lives in a fresh
  // directory under $TMPDIR, removed at exit (fuzz/run points TMPDIR at its scratch dir).
  std::string dir = make_dir();
  Xapian::WritableDatabase db{dir, Xapian::DB_CREATE_OR_OVERWRITE | Xapian::DB_BACKEND_GLASS};

  static std::string make_dir() {
    const char* tmp = std::getenv("TMPDIR");
    std::string tmpl = std::string(tmp && *tmp ? tmp : "/tmp") + "/oly-fuzz-query-XXXXXX";
    if (!mkdtemp(tmpl.data())) std::abort();
    return tmpl + "/index";
  }

  Env() {
    // A few documents, stem terms included, so that the matcher really runs every kind of
    // subquery.
    oly::StemmerCache stemmers("en");
    oly::DocumentBuilder builder(analyzer, stemmers);
    const oly::Article articles[] = {
        {"a1",
         "Swimmers win gold",
         "2024-07-28",
         "Sports Wire",
         "",
         "The swimmers won the gold medal "
         "in the relay. Running and jumping events follow.",
         "en",
         {"swimming", "gold"}},
        {"a2",
         "Le cyclisme",
         "2024-08-01",
         "Agence",
         "",
         "Les cyclistes courent sur la piste.",
         "fr",
         {"cyclisme"}},
        {"a3",
         "東京オリンピック",
         "2021-07-23",
         "",
         "",
         "東京オリンピックの開会式が行われた。",
         "ja",
         {}},
        {"a4",
         "",
         "",
         "",
         "",
         "Mission-Impossible AT&T New York marathon runners ran 42 km.",
         "",
         {}},
    };
    for (const oly::Article& a : articles) {
      Xapian::Document doc = builder.build(a, oly::content_hash(a));
      db.add_document(doc);
    }
    db.commit();
  }
};

Env& env() {
  static Env* e = [] {
    Env* made = new Env;
    std::atexit([] {
      std::error_code ec;
      std::filesystem::remove_all(std::filesystem::path(env().dir).parent_path(), ec);
    });
    return made;
  }();
  return *e;
}

std::size_t count_chars(std::string_view s) {
  std::size_t n = 0;
  for (char c : s) n += (static_cast<unsigned char>(c) & 0xC0) != 0x80;
  return n;
}

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  env();
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 1) return 0;
  Env& e = env();
  const uint8_t flags = data[0];
  const std::string_view query(reinterpret_cast<const char*>(data) + 1, size - 1);
  const bool utf8 = fuzz::valid_utf8(query);

  oly::QueryOptions options;
  options.match_any = flags & 1;
  std::vector<const oly::Stemmer*> stemmers;
  switch ((flags >> 1) & 3) {
    case 0:
      stemmers = {&e.en};
      break;
    case 1:
      stemmers = {&e.en, &e.fr};
      break;
    case 2:
      stemmers = {&e.none};
      break;
    default:
      stemmers = {&e.de, &e.ru, &e.en};
      break;
  }

  oly::ParsedQuery pq;
  try {
    pq = oly::parse_query(query, e.analyzer, stemmers, options);
  } catch (const oly::QuerySyntaxError& err) {
    FUZZ_CHECK(
        err.column() >= 1 && err.column() <= count_chars(query) + 1,
        "column " + std::to_string(err.column()) + " for " + fuzz::show(query) + ": " + err.what());
    FUZZ_CHECK(*err.what() != '\0', "empty syntax error message");
    return 0;
  }
  FUZZ_CHECK(pq.text == query, "ParsedQuery::text differs from the query");

  const std::string described = pq.describe();
  FUZZ_CHECK(!described.empty(), "empty describe()");
  if (utf8) FUZZ_CHECK(fuzz::valid_utf8(described), "describe() = " + fuzz::show(described));

  for (const oly::MatchItem& item : pq.match_items()) {
    using K = oly::QueryNode::Kind;
    FUZZ_CHECK(item.kind == K::kTerm || item.kind == K::kPhrase || item.kind == K::kNear ||
                   item.kind == K::kWildcard,
               "match item of kind " + std::to_string(static_cast<int>(item.kind)));
    FUZZ_CHECK(!item.terms.empty(), "match item without terms");
    if (item.kind == K::kTerm)
      FUZZ_CHECK(item.stems.size() <= stemmers.size(), "more stems than stemmers");
    for (const std::string& t : item.terms) {
      FUZZ_CHECK(!t.empty() && t.size() <= oly::kMaxTermBytes, "term " + fuzz::show(t));
      if (utf8) FUZZ_CHECK(fuzz::valid_utf8(t), "term " + fuzz::show(t));
    }
    for (const std::string& s : item.stems) {
      if (utf8) FUZZ_CHECK(fuzz::valid_utf8(s), "stem " + fuzz::show(s));
    }
  }

  // Any exception here (Xapian::Error included) escapes and is reported as a crash.
  const Xapian::Query plain = pq.to_xapian(options);
  (void)plain.get_description();
  const Xapian::Query expanded = pq.to_xapian(options, &e.db);
  (void)expanded.get_description();
  Xapian::Enquire enquire(e.db);
  enquire.set_query(expanded);
  Xapian::MSet mset = enquire.get_mset(0, 10);
  for (auto it = mset.begin(); it != mset.end(); ++it) (void)it.get_weight();
  return 0;
}
