// The shards a search runs on: the -d SPECs (index directories, Xapian stub files,
// directories holding a stub named XAPIANDB, `remote HOST:PORT`) expanded into shards,
// each opened and checked on its own, then combined into one Xapian::Database so that
// statistics are merged and scores equal those of one big index.
#pragma once

#include <xapian.h>

#include <cstddef>
#include <string>
#include <utility>
#include <vector>

namespace oly {

// One shard of an index set: a local index directory or a remote xapian-tcpsrv.
struct ShardSpec {
  bool remote = false;
  std::string name;  // how messages and the JSON report name it (a path, or "remote H:P")
  std::string path;  // local: the index directory
  std::string host;  // remote
  unsigned port = 0;
  // Where it was listed ("STUB:LINE", or "" for a -d argument), for messages.
  std::string origin;
};

struct ShardFailure {
  std::string shard;  // ShardSpec::name
  std::string error;
};

struct IndexSetOptions {
  std::vector<std::string> specs;  // the -d values, in order
  bool partial = false;            // answer from the shards that respond
  double connect_timeout = 5;      // seconds, remote shards only
  double timeout = 30;             // seconds of idle wait per remote operation
};

// Stub files may name stub files; deeper than this is refused (a cycle, surely).
inline constexpr int kMaxStubDepth = 8;

// The shards `spec` stands for (see the file comment), in order. Throws FatalError for a
// bad stub line (`STUB:LINE: error: ...`) or nesting deeper than kMaxStubDepth. A
// directory without `XAPIANDB` or a path that does not exist is one local shard: opening
// it reports what is wrong.
std::vector<ShardSpec> expand_spec(const std::string& spec);

// The shards listed by the stub file `stub` (see expand_spec); `depth` counts nesting.
std::vector<ShardSpec> parse_stub(const std::string& stub, int depth = 0);

class IndexSet {
 public:
  // Expands and opens every shard; throws FatalError naming the shard that cannot be
  // opened, is incompatible or listed twice (with `partial`, unreachable shards are
  // recorded in failed() instead, unless none is left).
  explicit IndexSet(IndexSetOptions options);

  // The combined database of the live shards.
  Xapian::Database& db() { return db_; }
  // Stemming languages: every shard's default language first (in shard order), then
  // every other language a shard holds. Metadata is per shard: the combined database
  // would show the first shard's only.
  const std::vector<std::string>& languages() const { return languages_; }
  std::size_t total() const { return shards_.size(); }
  // The default language of the shard holding `docid` of db(): an article without a
  // language was stemmed in it.
  const std::string& default_language_of(Xapian::docid docid) const;
  // Whether `docid` of db() lives on a remote shard (where each read is a round trip).
  bool is_remote(Xapian::docid docid) const;
  const std::vector<ShardFailure>& failed() const { return failed_; }

  // Each shard as the server's /stats shows it (ShardSpec::name, not opened again).
  struct ShardStatus {
    std::string name;
    bool remote = false;
    bool live = false;
    Xapian::doccount documents = 0;
    Xapian::rev revision = 0;  // last commit the shard is open at (0 for a remote shard)
  };
  std::vector<ShardStatus> status() const;

  // Moves every live shard to its latest commit (a rebuilt local index swapped in is
  // opened afresh) and rereads the languages; when a stub now names other shards (a
  // replica switched to a new full copy), opens the set again. Called before each
  // --batch query.
  void refresh();
  // Reopens the local shards from scratch: after a transient error from a commit or a
  // swap racing the search.
  void reopen_local();
  // After an error during a search: probes each live shard on its own to find the
  // failed one(s). With `partial`, drops them (recorded) and returns true (retry). Without,
  // throws FatalError naming them. When every shard answers, reconnects and returns
  // false (the caller decides whether to retry).
  bool handle_failure(const Xapian::Error& e);

 private:
  struct Shard {
    ShardSpec spec;
    Xapian::Database db;
    bool live = false;
    // (device, inode) of a local shard's version file when opened: changes when a
    // rebuilt index is swapped in, which reopen() cannot see.
    std::pair<unsigned long, unsigned long> version{0, 0};
    // Its metadata, reread only when it moved to another revision (a round trip each for
    // a remote shard).
    std::string default_language;
    std::vector<std::string> languages;
  };
  static void read_languages(Shard& s);
  std::vector<ShardSpec> expand_all() const;
  void load();
  bool layout_changed() const;
  Xapian::Database open_shard(const ShardSpec& s) const;
  void check_shard(Shard& s);
  void rebuild();
  IndexSetOptions opt_;
  std::vector<Shard> shards_;
  std::vector<ShardFailure> failed_;
  std::vector<std::string> languages_;
  std::vector<std::string> live_defaults_;  // default language of each live shard, in order
  std::vector<bool> live_remote_;           // each live shard: remote or not, in order
  Xapian::Database db_;
};

}  // namespace oly
