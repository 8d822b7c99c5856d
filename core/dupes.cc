#include "dupes.h"

#include <algorithm>
#include <array>
#include <atomic>
#include <bit>
#include <charconv>
#include <exception>
#include <map>
#include <mutex>
#include <numeric>
#include <thread>
#include <unordered_map>

#include "schema.h"

namespace oly::dupes {

namespace {

// FNV-1a, then a SplitMix64 finaliser: FNV alone mixes its last bytes into few high bits,
// and SimHash needs every bit of a shingle's hash to be an even coin. Fixed functions
// (never std::hash), because the fingerprints are part of the index.
std::uint64_t mix(std::uint64_t x) {
  x += 0x9e3779b97f4a7c15ULL;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
  return x ^ (x >> 31);
}

std::uint64_t shingle_hash(const std::vector<Token>& tokens, std::size_t first) {
  std::uint64_t h = 0xcbf29ce484222325ULL;
  for (std::size_t i = first; i < first + kShingleWords; ++i) {
    for (char c : tokens[i].term) {
      h ^= static_cast<unsigned char>(c);
      h *= 0x100000001b3ULL;
    }
    h ^= 0x1f;  // a word boundary, so that "ab c" and "a bc" differ
    h *= 0x100000001b3ULL;
  }
  return mix(h);
}

// Union-find over the fingerprinted documents.
struct Components {
  std::vector<std::size_t> parent;
  explicit Components(std::size_t n) : parent(n) { std::iota(parent.begin(), parent.end(), 0); }
  std::size_t find(std::size_t i) {
    while (parent[i] != i) i = parent[i] = parent[parent[i]];
    return i;
  }
  void join(std::size_t a, std::size_t b) { parent[find(a)] = find(b); }
};

struct Entry {
  std::size_t db;
  Xapian::docid docid;
  std::uint64_t hash;
  std::string id;
};

// The documents of every database with a fingerprint of at least `min_shingles`.
std::vector<Entry> read_entries(std::vector<Xapian::WritableDatabase>& dbs,
                                std::size_t min_shingles) {
  std::vector<Entry> out;
  for (std::size_t d = 0; d < dbs.size(); ++d) {
    Xapian::Database& db = dbs[d];
    for (auto v = db.valuestream_begin(schema::kSlotSimHash);
         v != db.valuestream_end(schema::kSlotSimHash); ++v) {
      const auto f = decode(*v);
      if (!f || f->shingles < min_shingles) continue;
      out.push_back({d, v.get_docid(), f->hash, {}});
    }
    // The ids, for the keys: one sequential pass over the id slot.
    std::size_t i = out.size();
    while (i > 0 && out[i - 1].db == d) --i;
    auto ids = db.valuestream_begin(schema::kSlotId);
    for (; i < out.size(); ++i) {
      ids.skip_to(out[i].docid);
      if (ids != db.valuestream_end(schema::kSlotId) && ids.get_docid() == out[i].docid)
        out[i].id = *ids;
    }
  }
  return out;
}

// Links every two entries within `max_distance` bits. Pigeonhole: split into
// max_distance + 1 bands, two such fingerprints agree on at least one band.
void link_near(const std::vector<Entry>& entries, unsigned max_distance, Components& c) {
  // Equal fingerprints first (exact copies), so that a big group of them is not compared
  // pair by pair below.
  std::vector<std::size_t> order(entries.size());
  std::iota(order.begin(), order.end(), 0);
  std::sort(order.begin(), order.end(),
            [&](std::size_t a, std::size_t b) { return entries[a].hash < entries[b].hash; });
  std::vector<std::size_t> unique;
  for (std::size_t k = 0; k < order.size(); ++k) {
    if (k > 0 && entries[order[k]].hash == entries[order[k - 1]].hash)
      c.join(order[k], order[k - 1]);
    else
      unique.push_back(order[k]);
  }
  const unsigned bands = max_distance + 1;
  for (unsigned b = 0; b < bands; ++b) {
    const unsigned lo = 64 * b / bands, hi = 64 * (b + 1) / bands;
    const std::uint64_t mask = (hi - lo == 64) ? ~0ULL : (((1ULL << (hi - lo)) - 1) << lo);
    std::unordered_map<std::uint64_t, std::vector<std::size_t>> buckets;
    for (std::size_t e : unique) buckets[entries[e].hash & mask].push_back(e);
    for (const auto& [band, members] : buckets) {
      for (std::size_t i = 0; i < members.size(); ++i) {
        for (std::size_t j = i + 1; j < members.size(); ++j) {
          if (distance(entries[members[i]].hash, entries[members[j]].hash) <= max_distance)
            c.join(members[i], members[j]);
        }
      }
    }
  }
}

// Sets document (db, docid)'s group to `key` ("" = none), replacing `old`.
void rewrite(Xapian::WritableDatabase& db, Xapian::docid docid, const std::string& old,
             const std::string& key) {
  Xapian::Document doc = db.get_document(docid);
  if (!old.empty()) {
    try {
      doc.remove_term(group_term(old));
    } catch (const Xapian::InvalidArgumentError&) {
      // The slot and the term are written together; a missing term needs no removal.
    }
  }
  if (key.empty()) {
    doc.remove_value(schema::kSlotDupGroup);
  } else {
    doc.add_value(schema::kSlotDupGroup, key);
    doc.add_boolean_term(group_term(key));
  }
  db.replace_document(docid, doc);
}

// Brings `db` to the groups of `wanted` (docid -> key; a document absent there should
// hold no group), rewriting only the documents whose key changes. Returns their number.
std::size_t apply_groups(Xapian::WritableDatabase& db,
                         const std::map<Xapian::docid, std::string>& wanted) {
  std::size_t rewritten = 0;
  std::map<Xapian::docid, std::string> current;
  for (auto v = db.valuestream_begin(schema::kSlotDupGroup);
       v != db.valuestream_end(schema::kSlotDupGroup); ++v)
    current.emplace(v.get_docid(), *v);
  for (const auto& [docid, old] : current) {
    auto w = wanted.find(docid);
    const std::string& now = w == wanted.end() ? std::string() : w->second;
    if (now == old) continue;
    rewrite(db, docid, old, now);
    ++rewritten;
  }
  for (const auto& [docid, now] : wanted) {
    if (current.count(docid)) continue;
    rewrite(db, docid, "", now);
    ++rewritten;
  }
  return rewritten;
}

// The sum of work(0) ... work(n - 1), run on up to `threads` threads. Each index is
// taken by one thread, so a database handle is never used by two threads at once. The
// first error is re-thrown after every thread has stopped.
template <typename F>
std::size_t in_parallel(std::size_t n, unsigned threads, F work) {
  std::atomic<std::size_t> next{0}, sum{0};
  std::atomic<bool> failed{false};
  std::exception_ptr error;
  std::mutex error_mutex;
  auto body = [&] {
    while (!failed) {
      const std::size_t i = next++;
      if (i >= n) break;
      try {
        sum += work(i);
      } catch (...) {
        std::lock_guard<std::mutex> lock(error_mutex);
        if (!error) error = std::current_exception();
        failed = true;
      }
    }
  };
  const std::size_t helpers = n == 0 ? 0 : std::min<std::size_t>(std::max(threads, 1u), n) - 1;
  {
    // jthread: joined on every path, also when starting a later thread throws.
    std::vector<std::jthread> pool;
    for (std::size_t t = 0; t < helpers; ++t) pool.emplace_back(body);
    body();  // this thread works too
  }
  if (error) std::rethrow_exception(error);
  return sum;
}

}  // namespace

std::optional<Fingerprint> fingerprint(const std::vector<Token>& tokens) {
  if (tokens.size() < kShingleWords) return std::nullopt;
  // The SET of shingles votes, each distinct shingle once: counted per occurrence, a run
  // that repeats (signature art "o&o> o&o> ...", a table of "N.A." cells, uuencoded lines)
  // outvotes the text around it, and unrelated bodies sharing it got one fingerprint.
  std::vector<std::uint64_t> hashes;
  hashes.reserve(tokens.size() - kShingleWords + 1);
  for (std::size_t i = 0; i + kShingleWords <= tokens.size(); ++i)
    hashes.push_back(shingle_hash(tokens, i));
  std::sort(hashes.begin(), hashes.end());
  hashes.erase(std::unique(hashes.begin(), hashes.end()), hashes.end());
  std::array<int, 64> votes{};
  Fingerprint f;
  f.shingles = hashes.size();
  for (const std::uint64_t h : hashes) {
    for (unsigned bit = 0; bit < 64; ++bit) votes[bit] += ((h >> bit) & 1) ? 1 : -1;
  }
  for (unsigned bit = 0; bit < 64; ++bit) {
    if (votes[bit] > 0) f.hash |= 1ULL << bit;
  }
  return f;
}

std::string encode(const Fingerprint& f) {
  static const char* digits = "0123456789abcdef";
  std::string out(16, '0');
  for (int i = 15, shift = 0; i >= 0; --i, shift += 4) out[i] = digits[(f.hash >> shift) & 0xF];
  out += ' ';
  out += std::to_string(f.shingles);
  return out;
}

std::optional<Fingerprint> decode(std::string_view value) {
  if (value.size() < 18 || value[16] != ' ') return std::nullopt;
  Fingerprint f;
  const char* end = value.data() + 16;
  auto r = std::from_chars(value.data(), end, f.hash, 16);
  if (r.ec != std::errc() || r.ptr != end) return std::nullopt;
  const char* last = value.data() + value.size();
  r = std::from_chars(end + 1, last, f.shingles);
  if (r.ec != std::errc() || r.ptr != last) return std::nullopt;
  return f;
}

unsigned distance(std::uint64_t a, std::uint64_t b) {
  return static_cast<unsigned>(std::popcount(a ^ b));
}

std::string group_term(std::string_view key) {
  std::string t(schema::kPrefixDupGroup);
  t += ':';
  t += key;
  return t;
}

GroupingStats assign_groups(std::vector<Xapian::WritableDatabase>& dbs,
                            const GroupingOptions& options) {
  GroupingStats stats;
  const std::vector<Entry> entries = read_entries(dbs, options.min_shingles);
  stats.fingerprints = entries.size();
  Components c(entries.size());
  link_near(entries, options.max_distance, c);
  // Each component's key: its smallest id; its size.
  std::vector<std::size_t> size(entries.size(), 0);
  std::vector<const std::string*> key(entries.size(), nullptr);
  for (std::size_t i = 0; i < entries.size(); ++i) {
    const std::size_t r = c.find(i);
    ++size[r];
    if (!key[r] || entries[i].id < *key[r]) key[r] = &entries[i].id;
  }
  // What each document should hold; documents absent here should hold no group.
  std::vector<std::map<Xapian::docid, std::string>> wanted(dbs.size());
  for (std::size_t i = 0; i < entries.size(); ++i) {
    const std::size_t r = c.find(i);
    if (size[r] < 2) continue;
    ++stats.grouped;
    if (r == i) ++stats.groups;
    wanted[entries[i].db][entries[i].docid] = *key[r];
  }
  stats.rewritten = in_parallel(dbs.size(), options.threads,
                                [&](std::size_t d) { return apply_groups(dbs[d], wanted[d]); });
  return stats;
}

Similar similar_members(Xapian::Database& db, const Xapian::Query& query, const std::string& key,
                        const std::string& self_id, std::size_t max_ids) {
  Similar out;
  if (key.empty()) return out;
  Xapian::Enquire enquire(db);
  enquire.set_query(Xapian::Query(Xapian::Query::OP_FILTER, query, Xapian::Query(group_term(key))));
  enquire.set_weighting_scheme(Xapian::BoolWeight());
  enquire.set_sort_by_value(schema::kSlotId, false);
  // Every member is counted (check_at_least = all), so the count is exact.
  const Xapian::doccount all = db.get_doccount();
  const Xapian::MSet mset = enquire.get_mset(0, static_cast<Xapian::doccount>(max_ids + 1), all);
  out.count = mset.get_matches_estimated();
  for (auto it = mset.begin(); it != mset.end(); ++it) {
    std::string id = it.get_document().get_value(schema::kSlotId);
    if (id == self_id) continue;
    if (out.ids.size() < max_ids) out.ids.push_back(std::move(id));
  }
  if (out.count > 0) --out.count;  // the hit itself matches too
  return out;
}

Xapian::doccount collapsed_total(Xapian::Database& db, const Xapian::Query& query) {
  Xapian::Enquire enquire(db);
  enquire.set_query(query);
  enquire.set_weighting_scheme(Xapian::BoolWeight());
  Xapian::ValueCountMatchSpy spy(schema::kSlotDupGroup);
  enquire.add_matchspy(&spy);
  const Xapian::MSet mset = enquire.get_mset(0, 0, db.get_doccount());
  // Every match was checked, so the bounds meet: the count is exact.
  const Xapian::doccount matches = mset.get_matches_lower_bound();
  Xapian::doccount grouped = 0, groups = 0;
  for (auto v = spy.values_begin(); v != spy.values_end(); ++v) {
    grouped += v.get_termfreq();
    ++groups;
  }
  return matches - std::min(grouped, matches) + groups;
}

}  // namespace oly::dupes
