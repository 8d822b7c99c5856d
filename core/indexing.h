// One indexing run: inputs in, a committed Xapian index out. The `indexer` main is a thin
// wrapper around build_index().
#pragma once

#include <cstddef>
#include <iosfwd>
#include <string>
#include <vector>

#include "diagnostics.h"
#include "identity.h"  // default_index_dir()

namespace oly {

struct IndexOptions {
  std::string index_dir;
  std::vector<std::string> inputs;
  std::string language = "en";   // default stemming language for articles without `lang`
  bool prune = false;            // delete indexed articles not seen in this run
  bool recreate = false;         // start from an empty index
  bool fail_fast = false;        // stop at the first bad input
  bool progress = false;         // draw a progress bar on stderr
  std::size_t batch_size = 300;  // documents per commit (bench/: 200-500 is fastest)
  unsigned threads = 0;          // analysis/writer threads; 0 = one per core
  double wait_seconds = 0;       // how long to wait for another indexer's lock
};

struct IndexStats {
  std::size_t added = 0;
  std::size_t replaced = 0;
  std::size_t unchanged = 0;
  std::size_t deleted = 0;
  std::size_t skipped = 0;  // files or records not indexed because of an error
  std::size_t errors = 0;
  std::size_t warnings = 0;
  std::size_t bytes = 0;
  std::size_t documents = 0;  // documents in the index at the end
  double seconds = 0;
};

// Throws FatalError when the run cannot start or go on (locked index, incompatible
// index, unwritable path). Everything indexed before a fatal error stays committed.
IndexStats build_index(const IndexOptions& options, Diagnostics& diag);

// "indexed DIR: N added, ..." as printed at the end of a run.
std::string summary_line(const std::string& index_dir, const IndexStats& s);

}  // namespace oly
