#include "identity.h"

#include <algorithm>
#include <cstdlib>

#include "analyzer.h"
#include "countries.h"
#include "games.h"
#include "schema.h"

namespace oly {

std::string default_index_dir() {
  const char* env = std::getenv("OLYMPIC_INDEX");
  return env && *env ? env : "olympic-index";
}

IndexIdentity current_identity(const std::string& default_language) {
  // The taggers' tables decide terms too: an index tagged by other tables is rebuilt.
  return {std::to_string(schema::kSchemaVersion),
          Analyzer::identity() + " " + games_identity() + " " + countries_identity(),
          default_language};
}

IndexIdentity stored_identity(const Xapian::Database& db) {
  return {db.get_metadata(std::string(schema::kMetaSchemaVersion)),
          db.get_metadata(std::string(schema::kMetaAnalyzer)),
          db.get_metadata(std::string(schema::kMetaDefaultLanguage))};
}

void write_identity(Xapian::WritableDatabase& db, const IndexIdentity& id) {
  db.set_metadata(std::string(schema::kMetaSchemaVersion), id.schema_version);
  db.set_metadata(std::string(schema::kMetaAnalyzer), id.analyzer);
  db.set_metadata(std::string(schema::kMetaDefaultLanguage), id.default_language);
}

std::vector<std::string> stored_languages(const Xapian::Database& db) {
  std::vector<std::string> out;
  const std::string stored = db.get_metadata(std::string(schema::kMetaLanguages));
  for (std::size_t b = 0; b < stored.size();) {
    const std::size_t e = std::min(stored.find(',', b), stored.size());
    if (e > b) out.push_back(stored.substr(b, e - b));
    b = e + 1;
  }
  return out;
}

std::optional<std::string> identity_mismatch(const Xapian::Database& db) {
  const IndexIdentity stored = stored_identity(db);
  if (stored.schema_version.empty() && stored.analyzer.empty()) {
    if (db.get_doccount() == 0) return std::nullopt;
    return "the index holds documents but no analyzer identity (not built by this indexer)";
  }
  const IndexIdentity mine = current_identity(stored.default_language);
  if (stored.schema_version != mine.schema_version) {
    return "the index has schema version " + stored.schema_version + ", this build reads " +
           mine.schema_version;
  }
  if (stored.analyzer != mine.analyzer) {
    return "the index was built by another analyzer\n  index: " + stored.analyzer +
           "\n  this build: " + mine.analyzer;
  }
  return std::nullopt;
}

}  // namespace oly
