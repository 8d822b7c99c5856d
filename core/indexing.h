// One indexing run: inputs in, a committed Xapian index out. The `indexer` main is a thin
// wrapper around build_index().
#pragma once

#include <cstddef>
#include <functional>
#include <iosfwd>
#include <string>
#include <vector>

#include "article.h"
#include "diagnostics.h"
#include "identity.h"  // default_index_dir()

namespace oly {

struct IndexOptions {
  std::string index_dir;
  std::vector<std::string> inputs;
  // 0: index_dir is one index. N (1 to sharding::kMaxShards): index_dir holds N shards and
  // the stub file XAPIANDB (core/sharding.h); the count of an existing index cannot change.
  unsigned shards = 0;
  std::string language = "en";   // default stemming language for articles without `lang`
  bool prune = false;            // delete indexed articles not seen in this run
  bool recreate = false;         // start from an empty index
  bool fail_fast = false;        // stop at the first bad input
  bool progress = false;         // draw a progress bar on stderr
  std::size_t batch_size = 300;  // documents per commit (bench/: 200-500 is fastest)
  unsigned threads = 0;          // analysis/writer threads; 0 = one per core
  double wait_seconds = 0;       // how long to wait for another indexer's lock
  // SIGINT and SIGTERM stop the run cleanly (build_index then throws Interrupted). For
  // the indexer binary: it blocks both signals in the calling thread during the run.
  bool handle_signals = false;
  // Tests only: called on the reading thread for every article read, before it is
  // routed; an exception it throws ends the run like a failing index lookup would.
  std::function<void(const Article&)> test_read_hook;
};

struct IndexStats {
  std::size_t added = 0;
  std::size_t replaced = 0;
  std::size_t unchanged = 0;
  std::size_t deleted = 0;
  std::size_t skipped = 0;  // files or records not indexed because of an error
  std::size_t ignored = 0;  // files inside directories not read (other types, FIFOs, ...)
  std::size_t errors = 0;
  std::size_t warnings = 0;
  std::size_t bytes = 0;
  std::size_t documents = 0;  // documents in the index at the end (all shards)
  unsigned shards = 0;        // IndexOptions::shards
  double seconds = 0;
};

// A run stopped by SIGINT or SIGTERM (IndexOptions::handle_signals). what() says what
// the index holds now; the indexer exits with 128 + signal() (130 for SIGINT, 143 for
// SIGTERM), as a shell reports a process killed by that signal.
class Interrupted : public FatalError {
 public:
  Interrupted(int signal, const std::string& what) : FatalError(what), signal_(signal) {}
  int signal() const { return signal_; }

 private:
  int signal_;
};

// Throws FatalError when the run cannot start or go on (locked index, incompatible
// index, unwritable path). Everything indexed before a fatal error stays committed.
// --recreate never swaps in, and --prune never deletes, when an input had an error or a
// path yielded no articles: the old index stays as it was. A sharded index is one run:
// inputs are read once, each article goes to its shard, the refusals above hold for all
// shards together, and a new or --recreate'd sharded index is swapped in as one directory.
IndexStats build_index(const IndexOptions& options, Diagnostics& diag);

// "indexed DIR: N added, ..." as printed at the end of a run (counts summed over shards).
std::string summary_line(const std::string& index_dir, const IndexStats& s);

}  // namespace oly
