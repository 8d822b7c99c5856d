// Near-duplicate articles (the same wire story with small edits): a SimHash fingerprint of
// each body at build time, groups over the whole index after each indexing run, and the
// members of a group for `--collapse`.
//
// Fingerprint (schema::kSlotSimHash): 64-bit SimHash over the body's word 3-shingles,
// made of the analyzer's folded tokens (the same words the index holds, so case, accents
// and punctuation never separate two copies; numbers kept, so that two daily market
// reports with other figures differ). Shingles rather than single words: a bag of words
// cannot tell two template reports apart; each distinct shingle votes once. Stored as 16 hex
// digits, a space and the number of distinct shingles ("0123456789abcdef 57").
//
// Groups (schema::kSlotDupGroup, term schema::kPrefixDupGroup + ":" + key): after the
// documents of a run are written, one pass reads every fingerprint of every database of
// the index (all shards, the run's uncommitted documents included) and links two
// articles whose fingerprints differ in at most kMaxDistance bits, both with at least
// kMinShingles shingles. A group is a connected component of those links; its key is its
// smallest article id (byte order), so the key depends neither on input order, thread
// count, nor sharding. Only documents whose key changes are rewritten, so an update run
// also regroups what an edit, a new article or a prune changed. Singletons have no key
// (an empty collapse key is never collapsed by Xapian).
//
// The band terms of kPrefixDupBand are not written: candidates are found in memory by the
// same banding (kMaxDistance + 1 bands, so two fingerprints within kMaxDistance bits share
// one band exactly), from the value streams; terms would cost four postings lists per
// article for a lookup the whole-index pass does not need.
#pragma once

#include <xapian.h>

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "analyzer.h"

namespace oly::dupes {

// Words per shingle.
inline constexpr std::size_t kShingleWords = 3;
// Fewest shingles (about words - 2) for an article to be grouped: below, a one-line
// summary shares too few shingles for its fingerprint to mean anything (bench/dupes.py).
inline constexpr std::size_t kMinShingles = 20;
// Most differing fingerprint bits of two articles in one group. With about 80 shingles,
// one changed word moves about 4 bits and an added sentence about 9 (tests/fixtures/dupes);
// two unrelated texts differ in 32 on average, and P(d <= 9) for random 64-bit hashes is
// about 2e-9 per pair. NOT yet checked on labelled pairs (bench/dupes.py is the tool).
inline constexpr unsigned kMaxDistance = 9;

struct Fingerprint {
  std::uint64_t hash = 0;
  std::size_t shingles = 0;
};

// The fingerprint of a body's tokens; nullopt when it has fewer than kShingleWords words.
std::optional<Fingerprint> fingerprint(const std::vector<Token>& tokens);

// The value stored in schema::kSlotSimHash, and back (nullopt when malformed).
std::string encode(const Fingerprint& f);
std::optional<Fingerprint> decode(std::string_view value);

// Bits in which two fingerprints differ.
unsigned distance(std::uint64_t a, std::uint64_t b);

// The boolean term of a group: kPrefixDupGroup, ":", the key. The colon always (Xapian's
// convention needs one before an upper-case start, and always adding it keeps two keys
// from ever spelling one term).
std::string group_term(std::string_view key);

struct GroupingOptions {
  unsigned max_distance = kMaxDistance;
  std::size_t min_shingles = kMinShingles;
  // Databases rewritten at once, one thread each (a rewrite is bound by reading the
  // document's positions, one B-tree lookup per term, so databases proceed in parallel).
  unsigned threads = 1;
};

struct GroupingStats {
  std::size_t fingerprints = 0;  // documents with a fingerprint long enough
  std::size_t grouped = 0;       // documents in a group of two or more
  std::size_t groups = 0;
  std::size_t rewritten = 0;  // documents whose group changed in this pass
};

// Recomputes the groups of an index made of `dbs` (one database, every shard, or the
// scratch databases of a bulk build: any set whose union is the index) and rewrites the
// documents whose group changed. Does not commit.
GroupingStats assign_groups(std::vector<Xapian::WritableDatabase>& dbs,
                            const GroupingOptions& options = {});

// The other members of group `key` that match `query` (what --collapse hid behind the
// hit `self_id`): their exact number, and the first `max_ids` of their ids in id order.
struct Similar {
  std::size_t count = 0;
  std::vector<std::string> ids;
};
inline constexpr std::size_t kMaxSimilarIds = 100;
Similar similar_members(Xapian::Database& db, const Xapian::Query& query, const std::string& key,
                        const std::string& self_id, std::size_t max_ids = kMaxSimilarIds);

// The number of --collapse results of `query`: its matches, each group counted once
// (articles without a group count one each). Counted exactly over every match with a
// ValueCountMatchSpy on the group slot, which every backend serves: Xapian's own totals
// under a collapse key are bounds that were found far off on local databases (210
// "matches" for 119 groups), and its remote and local answers differed.
Xapian::doccount collapsed_total(Xapian::Database& db, const Xapian::Query& query);

}  // namespace oly::dupes
