// oly::build_index: whole indexing runs into a temporary index.
#include <xapian.h>

#include <catch2/catch.hpp>
#include <filesystem>
#include <functional>
#include <optional>
#include <set>
#include <sstream>
#include <string>
#include <string_view>

#include "analyzer.h"
#include "article.h"
#include "diagnostics.h"
#include "identity.h"
#include "indexing.h"
#include "schema.h"
#include "search.h"
#include "test_util.h"

namespace fs = std::filesystem;
namespace schema = oly::schema;
using Catch::Contains;
using oly::test::TempDir;
using oly::test::write_file;

namespace {

// A temporary directory holding an input tree `in/` and an index `index/`.
struct Fixture {
  TempDir dir{"indexing"};
  std::string in = dir / "in";
  std::string index = dir / "index";

  Fixture() {
    write_file(dir / "in/a.txt", "Title: Alpha\nDate: 2024-08-12\n\nAlpha body.");
    write_file(dir / "in/b.txt", " date 2024-08-10 Bravo body.");
    write_file(dir / "in/feed.jsonl",
               "{\"id\":\"j1\",\"title\":\"Juliet one\",\"body\":\"First.\"}\n"
               "{\"id\":\"j2\",\"title\":\"Juliet two\",\"body\":\"Second.\",\"lang\":\"fr\"}\n");
  }

  oly::IndexOptions options(bool prune = false) const {
    oly::IndexOptions o;
    o.index_dir = index;
    o.inputs = {in};
    o.prune = prune;
    return o;
  }

  // Runs the indexer with diagnostics captured into `log`.
  oly::IndexStats run(const oly::IndexOptions& o) {
    log.str("");
    oly::Diagnostics diag(log);
    return oly::build_index(o, diag);
  }
  oly::IndexStats run(bool prune = false) { return run(options(prune)); }

  // The id of the text file `rel` (no `ID:` header): the temporary directory is outside
  // the current one, so it is the file's absolute canonical path.
  std::string id(std::string_view rel) const { return oly::test::outside_id(dir.path() / rel); }

  std::ostringstream log;
};

std::optional<Xapian::Document> find(const Xapian::Database& db, const std::string& id) {
  const std::string term = std::string(schema::kPrefixId) + id;
  auto p = db.postlist_begin(term);
  if (p == db.postlist_end(term)) return std::nullopt;
  return db.get_document(*p);
}

}  // namespace

TEST_CASE("a first run adds every article", "[indexing]") {
  Fixture f;
  const oly::IndexStats s = f.run();
  CHECK(s.added == 4);
  CHECK(s.replaced == 0);
  CHECK(s.unchanged == 0);
  CHECK(s.deleted == 0);
  CHECK(s.skipped == 0);
  CHECK(s.errors == 0);
  CHECK(s.warnings == 0);
  CHECK(s.documents == 4);
  CHECK(s.bytes > 0);
  CHECK(f.log.str() == "");

  Xapian::Database db(f.index);
  CHECK(db.get_doccount() == 4);
  // A text file without an `ID:` header is known by its canonical path.
  const auto a = find(db, f.id("in/a.txt"));
  REQUIRE(a.has_value());
  CHECK(a->get_value(schema::kSlotDate) == "20240812");
  const auto rec = oly::from_record(a->get_data());
  REQUIRE(rec.has_value());
  CHECK(rec->title == "Alpha");
  CHECK(rec->body == "Alpha body.");
  const auto b = find(db, f.id("in/b.txt"));
  REQUIRE(b.has_value());
  CHECK(b->get_value(schema::kSlotDate) == "20240810");
  CHECK(find(db, "j1").has_value());
  CHECK(find(db, "j2").has_value());
  CHECK(db.get_termfreq("Lfr") == 1);
}

TEST_CASE("re-running on the same inputs changes nothing", "[indexing]") {
  Fixture f;
  f.run();
  const oly::IndexStats s = f.run();
  CHECK(s.added == 0);
  CHECK(s.replaced == 0);
  CHECK(s.unchanged == 4);
  CHECK(s.documents == 4);
  CHECK(Xapian::Database(f.index).get_doccount() == 4);
}

TEST_CASE("a modified article is replaced in place", "[indexing]") {
  Fixture f;
  f.run();
  write_file(f.dir / "in/a.txt", "Title: Alpha revised\nDate: 2024-08-12\n\nNew body.");
  const oly::IndexStats s = f.run();
  CHECK(s.added == 0);
  CHECK(s.replaced == 1);
  CHECK(s.unchanged == 3);
  CHECK(s.documents == 4);
  Xapian::Database db(f.index);
  CHECK(db.get_termfreq(std::string(schema::kPrefixId) + f.id("in/a.txt")) == 1);
  CHECK(db.get_termfreq("Srevised") == 1);
  CHECK(db.get_termfreq("alpha") == 1);
}

// Formerly a bug: the id depended on how the file was named on the command line, so
// re-indexing one edited file after its directory added a second copy of the article.
TEST_CASE("re-indexing one file after its directory updates the same article", "[indexing]") {
  Fixture f;
  f.run();
  write_file(f.dir / "in/a.txt", "Title: Alpha revised\n\nNew body.");
  oly::IndexOptions o = f.options();
  SECTION("named by its absolute path") {
    o.inputs = {f.dir / "in/a.txt"};
  }
  SECTION("named through a path with '..' and a doubled slash") {
    o.inputs = {f.dir / "in/../in//a.txt"};
  }
  const oly::IndexStats s = f.run(o);
  CHECK(s.added == 0);
  CHECK(s.replaced == 1);
  CHECK(s.documents == 4);
  Xapian::Database db(f.index);
  const auto a = find(db, f.id("in/a.txt"));
  REQUIRE(a.has_value());
  CHECK(oly::from_record(a->get_data())->title == "Alpha revised");
}

TEST_CASE("inside the current directory, ids are relative to it", "[indexing][file_id]") {
  Fixture f;
  oly::test::ScopedCwd cwd(f.dir.path());  // restored before the fixture is removed
  oly::IndexOptions o = f.options();
  o.inputs = {"in"};
  CHECK(f.run(o).added == 4);
  {
    Xapian::Database db(f.index);
    CHECK(find(db, "in/a.txt").has_value());
    CHECK(find(db, "in/b.txt").has_value());
    CHECK_FALSE(find(db, f.id("in/a.txt")).has_value());
  }
  // The same files named by their absolute paths are the same articles.
  write_file(f.dir / "in/b.txt", " date 2024-08-10 Bravo revised.");
  o.inputs = {f.dir / "in/a.txt", f.dir / "in/b.txt"};
  const oly::IndexStats s = f.run(o);
  CHECK(s.added == 0);
  CHECK(s.unchanged == 1);
  CHECK(s.replaced == 1);
  CHECK(s.documents == 4);
  Xapian::Database db(f.index);
  const auto b = find(db, "in/b.txt");
  REQUIRE(b.has_value());
  CHECK(oly::from_record(b->get_data())->body == "Bravo revised.");
}

// Formerly a bug: the counts and the --prune guard came from the totals of the
// Diagnostics, so a reused Diagnostics made a clean run look failed and refused --prune.
TEST_CASE("build_index counts only the problems of its own run", "[indexing]") {
  Fixture f;
  f.run();
  std::ostringstream log;
  oly::Diagnostics diag(log);
  diag.error("earlier.jsonl", 1, "a problem of some earlier run");
  fs::remove(f.dir / "in/b.txt");
  diag.warning("earlier.txt", 0, "a warning of some earlier run");
  const oly::IndexStats s = oly::build_index(f.options(/*prune=*/true), diag);
  CHECK(s.skipped == 0);
  CHECK(s.errors == 0);
  CHECK(s.warnings == 0);
  CHECK(s.deleted == 1);
  CHECK(s.documents == 3);
  CHECK_THAT(log.str(), !Contains("--prune skipped"));

  SECTION("a problem of this run is still counted") {
    write_file(f.dir / "in/empty.txt", "");
    const oly::IndexStats again = oly::build_index(f.options(/*prune=*/true), diag);
    CHECK(again.skipped == 1);
    CHECK(again.errors == 1);
    CHECK(diag.errors() == 2);  // the Diagnostics itself keeps counting
  }
}

TEST_CASE("with --prune, articles whose input is gone are deleted", "[indexing]") {
  Fixture f;
  f.run();
  fs::remove(f.dir / "in/b.txt");
  SECTION("without --prune they stay") {
    const oly::IndexStats s = f.run(false);
    CHECK(s.deleted == 0);
    CHECK(s.documents == 4);
  }
  SECTION("with --prune") {
    const oly::IndexStats s = f.run(true);
    CHECK(s.deleted == 1);
    CHECK(s.unchanged == 3);
    CHECK(s.documents == 3);
    Xapian::Database db(f.index);
    CHECK_FALSE(find(db, f.id("in/b.txt")).has_value());
    CHECK(find(db, f.id("in/a.txt")).has_value());
  }
}

TEST_CASE("--prune is skipped when an input had errors", "[indexing]") {
  Fixture f;
  f.run();
  fs::remove(f.dir / "in/b.txt");
  write_file(f.dir / "in/empty.txt", "");
  const oly::IndexStats s = f.run(true);
  CHECK(s.deleted == 0);
  CHECK(s.skipped == 1);
  CHECK(s.documents == 4);
  CHECK_THAT(f.log.str(),
             Contains(f.index + ": warning: --prune skipped because some inputs had errors or "
                                "yielded no articles; nothing was deleted"));
}

TEST_CASE("a duplicate id within one run warns and keeps one document", "[indexing]") {
  Fixture f;
  write_file(f.dir / "in/feed.jsonl",
             "{\"id\":\"dup\",\"title\":\"First\"}\n"
             "{\"id\":\"dup\",\"title\":\"Second\"}\n");
  const oly::IndexStats s = f.run();
  const std::string feed = f.dir / "in/feed.jsonl";
  CHECK(f.log.str() ==
        feed + ":2: warning: duplicate id 'dup' (first at " + feed + ":1); this one replaces it\n");
  CHECK(s.warnings == 1);
  CHECK(s.documents == 3);  // a.txt, b.txt, dup
  Xapian::Database db(f.index);
  const auto d = find(db, "dup");
  REQUIRE(d.has_value());
  CHECK(oly::from_record(d->get_data())->title == "Second");
  CHECK(db.get_termfreq("Qdup") == 1);
}

TEST_CASE("a bad JSON line is skipped and the rest is committed", "[indexing]") {
  Fixture f;
  write_file(f.dir / "in/feed.jsonl",
             "{\"id\":\"j1\",\"title\":\"One\"}\n"
             "{\"id\":\"j2\",\"title\":\n"
             "{\"id\":\"j3\",\"title\":\"Three\"}\n");
  const oly::IndexStats s = f.run();
  CHECK(s.added == 4);
  CHECK(s.skipped == 1);
  CHECK(s.errors == 1);
  CHECK(s.documents == 4);
  CHECK_THAT(f.log.str(), Contains(f.dir / "in/feed.jsonl" + ":2: error: invalid JSON"));
  Xapian::Database db(f.index);
  CHECK(find(db, "j1").has_value());
  CHECK_FALSE(find(db, "j2").has_value());
  CHECK(find(db, "j3").has_value());
}

TEST_CASE("a missing input path is an error and the rest is indexed", "[indexing]") {
  Fixture f;
  oly::IndexOptions o = f.options();
  o.inputs.push_back(f.dir / "nope");
  const oly::IndexStats s = f.run(o);
  CHECK(s.skipped == 1);
  CHECK(s.errors == 1);
  CHECK(s.documents == 4);
  CHECK_THAT(f.log.str(), Catch::Equals(f.dir / "nope" + ": error: no such file or directory\n",
                                        Catch::CaseSensitive::No));
}

TEST_CASE("fail_fast stops at the first bad input and keeps what was read", "[indexing]") {
  Fixture f;
  // Files are read in sorted order: the good feed first, then the bad one, then a.txt ...
  fs::remove(f.dir / "in/feed.jsonl");
  write_file(f.dir / "in/0-good.jsonl", "{\"id\":\"g\",\"title\":\"G\"}\n");
  write_file(f.dir / "in/1-bad.jsonl", "{\"id\":\"x\",\"title\":5}\n");
  oly::IndexOptions o = f.options();
  o.fail_fast = true;
  const oly::IndexStats s = f.run(o);
  CHECK(s.errors == 1);
  CHECK(s.skipped == 1);
  CHECK(s.added == 1);
  CHECK(s.documents == 1);
  Xapian::Database db(f.index);
  CHECK(find(db, "g").has_value());
  CHECK_FALSE(find(db, f.id("in/a.txt")).has_value());
}

// Formerly a bug: the record after a bad JSON line was indexed and committed before the
// error was noticed.
TEST_CASE("fail_fast indexes nothing after the first bad record", "[indexing]") {
  Fixture f;
  write_file(f.dir / "in/0-bad.jsonl",
             "{\"id\":\"x\",\"title\":5}\n{\"id\":\"y\",\"title\":\"Y\"}\n");
  oly::IndexOptions o = f.options();
  o.fail_fast = true;
  const oly::IndexStats s = f.run(o);
  CHECK(s.errors == 1);
  CHECK(s.added == 0);
  CHECK(s.documents == 0);
  CHECK_FALSE(find(Xapian::Database(f.index), "y").has_value());
}

TEST_CASE("over-long ids are skipped and over-long tokens are counted", "[indexing]") {
  Fixture f;
  write_file(f.dir / "in/feed.jsonl",
             "{\"id\":\"" + std::string(201, 'i') + "\",\"title\":\"Long id\"}\n" +
                 "{\"id\":\"j1\",\"title\":\"x " + std::string(200, 'a') + " y\"}\n");
  const oly::IndexStats s = f.run();
  CHECK(s.skipped == 1);
  CHECK(s.documents == 3);
  CHECK_THAT(f.log.str(), Contains(f.dir / "in/feed.jsonl" +
                                   ":1: error: id longer than 200 bytes; record skipped"));
  CHECK_THAT(f.log.str(),
             Contains(f.index + ": warning: 1 token(s) longer than 120 bytes were not indexed"));
}

TEST_CASE("small batches commit everything", "[indexing]") {
  Fixture f;
  oly::IndexOptions o = f.options();
  o.batch_size = 1;
  CHECK(f.run(o).added == 4);
  CHECK(Xapian::Database(f.index).get_doccount() == 4);
}

TEST_CASE("the analyzer identity is stored in the index metadata", "[indexing][identity]") {
  Fixture f;
  f.run();
  Xapian::Database db(f.index);
  CHECK_FALSE(oly::identity_mismatch(db).has_value());
  const oly::IndexIdentity id = oly::stored_identity(db);
  CHECK(id.schema_version == std::to_string(schema::kSchemaVersion));
  CHECK(id.analyzer == oly::current_identity("en").analyzer);
  CHECK(id.analyzer.find(oly::Analyzer::identity()) == 0);
  CHECK(id.default_language == "en");
}

TEST_CASE("an index built by another analyzer is refused", "[indexing][identity]") {
  Fixture f;
  f.run();
  {
    Xapian::WritableDatabase db(f.index);
    db.set_metadata(std::string(schema::kMetaAnalyzer), "other");
    db.commit();
  }
  CHECK(oly::identity_mismatch(Xapian::Database(f.index)).has_value());
  CHECK_THROWS_WITH(f.run(), Contains("another analyzer"));
  // The remedy is named, the flag is the indexer's to add (oly::cli::indexer_hint).
  bool refused = false;
  try {
    f.run();
  } catch (const oly::FatalError& e) {
    refused = true;
    CHECK(e.remedy().kind == oly::Remedy::Kind::kRecreate);
  }
  CHECK(refused);

  SECTION("--recreate rebuilds it") {
    oly::IndexOptions o = f.options();
    o.recreate = true;
    const oly::IndexStats s = f.run(o);
    CHECK(s.added == 0);
    CHECK(s.replaced == 4);  // the same 4 ids, rebuilt
    CHECK(s.deleted == 0);
    CHECK(s.documents == 4);
    CHECK_FALSE(oly::identity_mismatch(Xapian::Database(f.index)).has_value());
  }
}

TEST_CASE("an index with another schema version is refused", "[indexing][identity]") {
  Fixture f;
  f.run();
  {
    Xapian::WritableDatabase db(f.index);
    db.set_metadata(std::string(schema::kMetaSchemaVersion), "999");
    db.commit();
  }
  CHECK_THROWS_AS(f.run(), oly::FatalError);
  CHECK_THROWS_WITH(f.run(), Contains("schema version 999"));
}

TEST_CASE("an index with documents but no identity is refused", "[indexing][identity]") {
  Fixture f;
  {
    Xapian::WritableDatabase db(f.index, Xapian::DB_CREATE);
    Xapian::Document d;
    d.add_term("hello");
    db.add_document(d);
    db.commit();
  }
  CHECK_THROWS_AS(f.run(), oly::FatalError);
}

TEST_CASE("an index with another default language is refused", "[indexing][identity]") {
  Fixture f;
  f.run();
  oly::IndexOptions o = f.options();
  o.language = "fr";
  CHECK_THROWS_WITH(f.run(o), Contains("default language is 'en'"));
}

TEST_CASE("an unknown default language is a fatal error", "[indexing]") {
  Fixture f;
  oly::IndexOptions o = f.options();
  o.language = "klingon";
  CHECK_THROWS_AS(f.run(o), oly::FatalError);
  CHECK_FALSE(fs::exists(f.index));
}

TEST_CASE("a locked index is a fatal error", "[indexing]") {
  Fixture f;
  Xapian::WritableDatabase holder(f.index, Xapian::DB_CREATE_OR_OPEN);
  CHECK_THROWS_AS(f.run(), oly::FatalError);
  CHECK_THROWS_WITH(f.run(), Contains("locked"));
}

TEST_CASE("an index path that is a regular file is a fatal error", "[indexing]") {
  Fixture f;
  write_file(f.index, "not an index");
  CHECK_THROWS_AS(f.run(), oly::FatalError);
  CHECK_THROWS_WITH(f.run(), Contains("not a directory"));
  CHECK(oly::test::read_file(f.index) == "not an index");
}

TEST_CASE("the summary line reports every count", "[indexing]") {
  oly::IndexStats s;
  s.added = 1;
  s.replaced = 2;
  s.unchanged = 3;
  s.deleted = 4;
  s.skipped = 5;
  s.ignored = 9;
  s.errors = 6;
  s.warnings = 7;
  s.seconds = 1.234;
  s.documents = 8;
  CHECK(oly::summary_line("idx", s) ==
        "indexed idx: 1 added, 2 replaced, 3 unchanged, 4 deleted, 5 skipped, 9 other files "
        "ignored, 6 errors, 7 warnings in 1.23 s (8 documents in the index)");
}

namespace {

std::set<std::string> hit_ids(const oly::SearchResult& r) {
  std::set<std::string> out;
  for (const oly::Hit& h : r.hits) out.insert(h.article.id);
  return out;
}

}  // namespace

TEST_CASE("query words are stemmed in every language of the index", "[indexing][languages]") {
  TempDir dir("languages");
  const std::string in = dir / "in";
  write_file(
      dir / "in/de.txt",
      "Title: Die Meisterschaften enden\nLang: de\n\nDie Meisterschaften in Berlin sind vorbei.");
  write_file(dir / "in/de-one.txt", "Title: Eine Meisterschaft\nLang: de\n\nSie war kurz.");
  write_file(dir / "in/en.txt",
             "Title: Swimming championships end\nLang: en\n\n"
             "The German papers called them the Meisterschaften.");
  const std::string de = oly::test::outside_id(dir / "in/de.txt");
  const std::string de_one = oly::test::outside_id(dir / "in/de-one.txt");
  const std::string en = oly::test::outside_id(dir / "in/en.txt");

  oly::IndexOptions o;
  o.index_dir = dir / "index";
  std::ostringstream log;
  oly::Diagnostics diag(log);
  SECTION("a new index (bulk mode)") {
    o.inputs = {in};
    o.threads = 2;
    CHECK(oly::build_index(o, diag).added == 3);
  }
  SECTION("the German articles added to an English index (update mode)") {
    o.inputs = {dir / "in/en.txt"};
    CHECK(oly::build_index(o, diag).added == 1);
    CHECK(oly::stored_languages(Xapian::Database(o.index_dir)) == std::vector<std::string>{"en"});
    o.inputs = {in};
    const oly::IndexStats s = oly::build_index(o, diag);
    CHECK(s.added == 2);
    CHECK(s.unchanged == 1);
  }
  INFO("diagnostics: " << log.str());
  CHECK(log.str() == "");

  Xapian::Database db(o.index_dir);
  CHECK(oly::stored_languages(db) == std::vector<std::string>{"de", "en"});
  // German "meisterschaften" and "meisterschaft" share the German stem "meisterschaft";
  // the English stemmer leaves "meisterschaften" alone. Stems are document terms in each
  // article's own language (schema 4); the synonym table is unused.
  CHECK(db.synonym_keys_begin() == db.synonym_keys_end());
  const auto de_doc = find(db, de);
  REQUIRE(de_doc.has_value());
  std::set<std::string> de_terms(de_doc->termlist_begin(), de_doc->termlist_end());
  CHECK(de_terms.count("meisterschaften") == 1);
  CHECK(de_terms.count("Smeisterschaften") == 1);
  CHECK(de_terms.count("Lde") == 1);
  CHECK(de_terms.count("Zmeisterschaft") == 1);
  CHECK(de_terms.count("ZSmeisterschaft") == 1);
  CHECK(de_terms.count("Zmeisterschaften") == 0);
  const auto en_doc = find(db, en);
  REQUIRE(en_doc.has_value());
  std::set<std::string> en_terms(en_doc->termlist_begin(), en_doc->termlist_end());
  CHECK(en_terms.count("Zmeisterschaften") == 1);
  CHECK(en_terms.count("Zmeisterschaft") == 0);

  oly::SearchOptions so;
  so.index_dir = o.index_dir;
  oly::Searcher searcher(so);
  const oly::SearchResult r = searcher.search("Meisterschaften");
  // The stems of the index's default language first, then of the other languages.
  CHECK(r.understood == "\"meisterschaften\"|stem:meisterschaften|stem:meisterschaft");
  CHECK(hit_ids(r) == std::set<std::string>{de, de_one, en});
  REQUIRE_FALSE(r.hits.empty());
  // The German article with the word in its title and body ranks first.
  CHECK(r.hits[0].article.id == de);

  // --language narrows the query stems to one language.
  oly::SearchRequest english;
  english.query = "Meisterschaften";
  english.language = "en";
  const oly::SearchResult e = searcher.search(english);
  CHECK(e.understood == "\"meisterschaften\"|stem:meisterschaften");
  CHECK(hit_ids(e) == std::set<std::string>{de, en});  // not the singular
}

TEST_CASE("the seed files index with their dates", "[indexing][seeds]") {
  const fs::path seeds = fs::weakly_canonical(fs::path(OLY_SOURCE_DIR) / ".." / "shared" / "seeds");
  if (!fs::is_directory(seeds)) {
    WARN("../shared/seeds absent: skipping seed test");
    return;
  }
  TempDir dir("seeds");
  oly::IndexOptions o;
  o.index_dir = dir / "index";
  o.inputs = {seeds.string()};
  std::ostringstream log;
  oly::Diagnostics diag(log);
  const oly::IndexStats s = oly::build_index(o, diag);
  INFO(log.str());
  CHECK(s.errors == 0);
  REQUIRE(s.documents > 0);
  Xapian::Database db(o.index_dir);
  bool found = false;
  for (auto it = db.postlist_begin(""); it != db.postlist_end(""); ++it) {
    const Xapian::Document doc = db.get_document(*it);
    if (doc.get_value(schema::kSlotDate) == "20240812") {
      found = true;
      CHECK(doc.get_value(schema::kSlotContentHash).size() == 16);
      const auto rec = oly::from_record(doc.get_data());
      REQUIRE(rec.has_value());
      CHECK(rec->date == "2024-08-12");
      CHECK(rec->title == "");
      // The seeds lie outside the current directory: ids are absolute canonical paths.
      CHECK_THAT(rec->id, Catch::StartsWith(seeds.generic_string() + "/"));
      CHECK(rec->id == oly::test::outside_id(rec->id));
    }
  }
  CHECK(found);
}

// ---------------------------------------------------------------------------------------
// Data loss: --recreate and --prune never act on an incomplete input

namespace {

// Scratch directories of bulk builds beside the fixture's index.
std::vector<std::string> scratch_dirs(const Fixture& f) {
  std::vector<std::string> out;
  for (const auto& e : fs::directory_iterator(f.dir.path())) {
    const std::string name = e.path().filename().string();
    if (name.rfind(".index.", 0) == 0) out.push_back(name);
  }
  return out;
}

// One way an input can fail to give the whole collection; `setup` writes it and returns
// the input paths of the run (the fixture's 4 articles are already indexed).
struct IncompleteInput {
  const char* name;
  std::function<std::vector<std::string>(Fixture&)> setup;
  bool fail_fast;
  std::string message;  // in the log ({dir} stands for the fixture's directory)
};

const std::vector<IncompleteInput>& incomplete_inputs() {
  static const std::vector<IncompleteInput> table = {
      {"a mistyped path", [](Fixture& f) { return std::vector<std::string>{f.dir / "typo"}; },
       false, "{dir}/typo: error: "},
      {"a good path and a mistyped one",
       [](Fixture& f) {
         return std::vector<std::string>{f.in, f.dir / "typo"};
       },
       false, "{dir}/typo: error: "},
      {"a bad second line with --fail-fast",
       [](Fixture& f) {
         write_file(f.dir / "bad.jsonl", "{\"id\":\"j1\",\"title\":\"One\"}\n{\"id\":\n");
         return std::vector<std::string>{f.dir / "bad.jsonl"};
       },
       true, "{dir}/bad.jsonl:2: error: invalid JSON"},
      {"an empty directory",
       [](Fixture& f) {
         fs::create_directories(f.dir / "empty");
         return std::vector<std::string>{f.in, f.dir / "empty"};
       },
       false, "{dir}/empty: error: no articles found in this input; {flag} refused"},
      {"an empty .jsonl file",
       [](Fixture& f) {
         write_file(f.dir / "empty.jsonl", "");
         return std::vector<std::string>{f.dir / "empty.jsonl"};
       },
       false, "{dir}/empty.jsonl: error: no articles found in this input; {flag} refused"},
      {"a directory of files of other types",
       [](Fixture& f) {
         write_file(f.dir / "docs/a.md", "# notes");
         write_file(f.dir / "docs/b.html", "<p>x</p>");
         return std::vector<std::string>{f.in, f.dir / "docs"};
       },
       false,
       "{dir}/docs: error: no articles found in this input (2 file(s) of other types not read, "
       "e.g. {dir}/docs/"},
      {"an empty stdin-less .json array",
       [](Fixture& f) {
         write_file(f.dir / "none.json", "[]");
         return std::vector<std::string>{f.in, f.dir / "none.json"};
       },
       false, "{dir}/none.json: error: no articles found in this input; {flag} refused"},
  };
  return table;
}

std::string expand(std::string s, const Fixture& f, const std::string& flag) {
  for (const auto& [key, value] :
       {std::pair<std::string, std::string>{"{dir}", f.dir.str()}, {"{flag}", flag}}) {
    for (std::size_t pos; (pos = s.find(key)) != std::string::npos;)
      s.replace(pos, key.size(), value);
  }
  return s;
}

}  // namespace

// Formerly `--recreate` swapped the 98-article index for an empty one (a mistyped path) or
// a 1-article one (--fail-fast at line 2), and said "0 deleted".
TEST_CASE("--recreate keeps the old index when an input is incomplete", "[indexing][recreate]") {
  for (const auto& c : incomplete_inputs()) {
    DYNAMIC_SECTION(c.name) {
      Fixture f;
      f.run();
      oly::IndexOptions o = f.options();
      o.recreate = true;
      o.fail_fast = c.fail_fast;
      o.inputs = c.setup(f);
      const oly::IndexStats s = f.run(o);
      INFO(f.log.str());
      CHECK_THAT(f.log.str(), Contains(expand(c.message, f, "--recreate")));
      CHECK_THAT(
          f.log.str(),
          Contains(f.index + ": warning: --recreate refused because some inputs had errors or "
                             "yielded no articles; the old index is unchanged (4 documents)"));
      CHECK(s.skipped >= 1);
      CHECK(s.added == 0);
      CHECK(s.deleted == 0);
      CHECK(s.documents == 4);
      CHECK(Xapian::Database(f.index).get_doccount() == 4);
      CHECK(scratch_dirs(f).empty());
    }
  }
}

// Formerly an input that yields no articles pruned everything, with exit 0 and no word.
TEST_CASE("--prune keeps every article when an input is incomplete", "[indexing][prune]") {
  for (const auto& c : incomplete_inputs()) {
    DYNAMIC_SECTION(c.name) {
      Fixture f;
      f.run();
      oly::IndexOptions o = f.options(/*prune=*/true);
      o.fail_fast = c.fail_fast;
      o.inputs = c.setup(f);
      const oly::IndexStats s = f.run(o);
      INFO(f.log.str());
      CHECK_THAT(f.log.str(), Contains(expand(c.message, f, "--prune")));
      CHECK_THAT(f.log.str(), Contains(f.index + ": warning: --prune skipped"));
      CHECK(s.skipped >= 1);
      CHECK(s.deleted == 0);
      CHECK(s.documents >= 4);
      CHECK(Xapian::Database(f.index).get_doccount() == s.documents);
    }
  }
}

TEST_CASE("--recreate says how many articles the swap deleted", "[indexing][recreate]") {
  Fixture f;
  f.run();
  fs::remove(f.dir / "in/b.txt");
  write_file(f.dir / "in/c.txt", "Title: Charlie\n\nNew.");
  oly::IndexOptions o = f.options();
  o.recreate = true;
  const oly::IndexStats s = f.run(o);
  INFO(f.log.str());
  CHECK(s.added == 1);     // c.txt
  CHECK(s.replaced == 3);  // a.txt, j1, j2
  CHECK(s.deleted == 1);   // b.txt
  CHECK(s.documents == 4);
  CHECK(s.skipped == 0);
  CHECK(f.log.str() == "");
  CHECK(scratch_dirs(f).empty());
}

TEST_CASE("a path that yields no articles is a warning when nothing depends on it", "[indexing]") {
  Fixture f;
  write_file(f.dir / "docs/a.md", "# notes");
  fs::create_directories(f.dir / "empty");
  oly::IndexOptions o = f.options();
  o.inputs = {f.in, f.dir / "docs", f.dir / "empty", f.dir / "typo"};
  const oly::IndexStats s = f.run(o);
  CHECK_THAT(
      f.log.str(),
      Catch::Equals(f.dir / "typo" + ": error: no such file or directory\n" + f.dir / "docs" +
                        ": warning: no articles found in this input (1 file(s) of other types "
                        "not read, e.g. " +
                        f.dir / "docs/a.md" + ")\n" + f.dir / "empty" +
                        ": warning: no articles found in this input\n",
                    Catch::CaseSensitive::No));
  CHECK(s.skipped == 1);  // the mistyped path only
  CHECK(s.ignored == 1);
  CHECK(s.documents == 4);

  SECTION("a new index from a --recreate of only empty inputs is merely empty") {
    oly::IndexOptions r = f.options();
    r.index_dir = f.dir / "fresh";
    r.recreate = true;
    r.inputs = {f.dir / "empty"};
    const oly::IndexStats e = f.run(r);
    CHECK(e.skipped == 0);
    CHECK(e.documents == 0);
  }
}

TEST_CASE("files of other types inside directories are counted as ignored", "[indexing]") {
  Fixture f;
  write_file(f.dir / "in/README.md", "x");
  write_file(f.dir / "in/sub/page.html", "x");
  const oly::IndexStats s = f.run();
  CHECK(s.ignored == 2);
  CHECK(s.documents == 4);
  CHECK(f.log.str() == "");
}

// Formerly an exception on the reading thread (e.g. a damaged index block found by the
// unchanged-check lookup) left the worker threads joinable: std::terminate, exit 134.
TEST_CASE("an error on the reading thread ends the run with an error, threads joined",
          "[indexing][pipeline]") {
  Fixture f;
  auto failing = [&](bool recreate) {
    oly::IndexOptions o = f.options();
    o.recreate = recreate;
    o.threads = 3;
    int n = 0;
    o.test_read_hook = [n](const oly::Article&) mutable {
      if (++n == 2) throw Xapian::DatabaseCorruptError("injected damaged block");
    };
    return o;
  };
  SECTION("update mode") {
    f.run();
    CHECK_THROWS_WITH(f.run(failing(false)),
                      Contains(f.index + ": error: DatabaseCorruptError: "
                                         "injected damaged block (the index keeps "
                                         "its last commit)"));
    CHECK(Xapian::Database(f.index).get_doccount() == 4);
  }
  SECTION("bulk mode: no scratch directory is left") {
    CHECK_THROWS_WITH(f.run(failing(true)), Contains("injected damaged block"));
    CHECK(scratch_dirs(f).empty());
  }
  SECTION("a later run works") {
    CHECK_THROWS(f.run(failing(false)));
    CHECK(f.run().documents == 4);
  }
}
