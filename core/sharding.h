// The layout of a sharded index (`indexer --shards N -d DIR`): DIR/shard0 .. DIR/shard{N-1},
// each a normal index, and the Xapian stub file DIR/XAPIANDB listing them (`auto shard0`
// ...), which Xapian opens as one combined database, so `searcher -d DIR` searches all.
//
// An article lives in shard stable_hash(id) % N and nowhere else. The hash is part of the
// on-disk format: changing it would leave every existing sharded index with ids in the
// wrong shard (re-runs would add second copies instead of replacing), so it never changes.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace oly::sharding {

inline constexpr unsigned kMinShards = 1;
// Each shard holds a lock and a few open files during a run; 256 keeps a run well under
// common open-file limits.
inline constexpr unsigned kMaxShards = 256;
inline constexpr std::string_view kStubName = "XAPIANDB";

// FNV-1a, 64 bits, over the id's bytes (offset basis 14695981039346656037, prime
// 1099511628211). Fixed forever: see above.
std::uint64_t stable_hash(std::string_view id);

// The shard of `id` in an index of `shards` shards (shards >= 1).
unsigned shard_of(std::string_view id, unsigned shards);

// "shard3": the directory of shard `i` inside the index directory.
std::string shard_name(unsigned i);

// "3/8": the value of the metadata key schema::kMetaShards in shard 3 of 8.
std::string shard_label(unsigned i, unsigned shards);

// The content of DIR/XAPIANDB for `shards` shards: "auto shard0\nauto shard1\n...".
std::string stub_text(unsigned shards);

// What an index directory holds, judged by its files only (nothing is opened).
enum class Layout {
  kNone,     // absent, or an empty directory: a new index
  kSingle,   // a glass database (`iamglass`)
  kSharded,  // a stub file XAPIANDB
  kOther,    // a file, or a directory of something else
};
Layout detect_layout(const std::string& dir);

// The number of shards that DIR/XAPIANDB lists. Throws FatalError (`DIR/XAPIANDB:LINE:
// error: ...`) unless it is exactly what stub_text() writes for some count in range: an
// edited stub (remote shards, other paths) is not an index this indexer may write.
unsigned read_stub(const std::string& dir);

}  // namespace oly::sharding
