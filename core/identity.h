// The analyzer identity stored in an index's metadata, and the check made at open.
#pragma once

#include <xapian.h>

#include <optional>
#include <string>
#include <vector>

namespace oly {

struct IndexIdentity {
  std::string schema_version;
  std::string analyzer;
  std::string default_language;
};

// The index directory when none is given: $OLYMPIC_INDEX, else ./olympic-index. Both
// binaries use this rule.
std::string default_index_dir();

// What this build writes.
IndexIdentity current_identity(const std::string& default_language);
// What an index holds (empty strings when absent, i.e. a new index).
IndexIdentity stored_identity(const Xapian::Database& db);
void write_identity(Xapian::WritableDatabase& db, const IndexIdentity& id);

// The stemming languages recorded in an index (schema::kMetaLanguages), in stored order.
std::vector<std::string> stored_languages(const Xapian::Database& db);

// Why an index cannot be read by this build, or std::nullopt when it can. A new, empty
// index is always compatible.
std::optional<std::string> identity_mismatch(const Xapian::Database& db);

}  // namespace oly
