#include "indexing.h"

#include <fcntl.h>
#include <fmt/format.h>
#include <signal.h>
#include <stdio.h>
#include <unistd.h>
#include <xapian.h>
#include <cerrno>
#include <cstring>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <cstdlib>
#include <deque>
#include <filesystem>
#include <iostream>
#include <mutex>
#include <optional>
#include <set>
#include <thread>
#include <unordered_map>
#include <unordered_set>

#include "analyzer.h"
#include "document.h"
#include "identity.h"
#include "reader.h"
#include "schema.h"

namespace oly {

std::string summary_line(const std::string& dir, const IndexStats& s) {
  return fmt::format(
      "indexed {}: {} added, {} replaced, {} unchanged, {} deleted, {} skipped, {} errors, "
      "{} warnings in {:.2f} s ({} documents in the index)",
      dir, s.added, s.replaced, s.unchanged, s.deleted, s.skipped, s.errors, s.warnings, s.seconds,
      s.documents);
}

namespace {

using Clock = std::chrono::steady_clock;

class Progress {
 public:
  Progress(bool enabled, std::size_t total_bytes)
      : enabled_(enabled), total_(total_bytes), start_(Clock::now()) {}

  void update(std::size_t articles, std::size_t bytes) {
    if (!enabled_) return;
    const auto now = Clock::now();
    if (now - last_ < std::chrono::milliseconds(200)) return;
    last_ = now;
    const double secs = std::chrono::duration<double>(now - start_).count();
    const double mb = static_cast<double>(bytes) / 1e6;
    const double rate = secs > 0 ? mb / secs : 0;
    std::string line = fmt::format("\r{} articles  {:.1f}", articles, mb);
    if (total_ > 0) {
      const double total_mb = static_cast<double>(total_) / 1e6;
      const double frac = std::min(1.0, mb / total_mb);
      const int width = 24;
      const int filled = static_cast<int>(frac * width);
      line = fmt::format("\r[{}{}] {:3.0f}%  {} articles  {:.1f}/{:.1f} MB  {:.1f} MB/s",
                         std::string(static_cast<std::size_t>(filled), '#'),
                         std::string(static_cast<std::size_t>(width - filled), ' '), frac * 100,
                         articles, mb, total_mb, rate);
      if (rate > 0) line += fmt::format("  ETA {:.0f} s", (total_mb - mb) / rate);
    } else {
      line += fmt::format(" MB  {:.1f} MB/s", rate);
    }
    line += "\x1b[K";
    std::fputs(line.c_str(), stderr);
    shown_ = true;
  }

  void clear() {
    if (shown_) std::fputs("\r\x1b[K", stderr);
    shown_ = false;
  }
  static void clear_hook(void* self) { static_cast<Progress*>(self)->clear(); }

 private:
  bool enabled_;
  std::size_t total_;
  Clock::time_point start_;
  Clock::time_point last_{};
  bool shown_ = false;
};

// The index directory as an absolute path with symbolic links resolved and no trailing
// separator: its filename names the scratch directories beside it (`idx/` and `idx` are
// one index), and renames replace the real directory, not a link to it (an index kept on
// another disk through `idx -> /data/idx` stays there).
std::filesystem::path index_path(const std::string& dir) {
  std::error_code ec;
  std::filesystem::path p = std::filesystem::weakly_canonical(std::filesystem::absolute(dir), ec);
  if (ec) p = std::filesystem::absolute(dir).lexically_normal();
  if (p.filename().empty()) p = p.parent_path();
  return p;
}

// The start of the names of an index's scratch directories: `.NAME.build-` (bulk shards)
// or `.NAME.new-` (a new, empty index); the owner's pid follows. Appended piecewise:
// GCC 12 at -O3 warns falsely on `"." + string + "..."` here.
std::string scratch_stem(const std::filesystem::path& index, const char* kind) {
  std::string stem(".");
  stem += index.filename().string();
  stem += kind;
  return stem;
}

// Removes scratch directories beside an index whose name starts with `stem` and whose
// owner process is gone (a crash or SIGKILL skips our own clean-up).
void remove_stale_builds(const std::filesystem::path& dir, const std::string& stem) {
  std::error_code ec;
  for (const auto& e : std::filesystem::directory_iterator(dir, ec)) {
    const std::string name = e.path().filename().string();
    if (name.compare(0, stem.size(), stem) != 0) continue;
    const long pid = std::strtol(name.c_str() + stem.size(), nullptr, 10);
    if (pid > 0 && (::kill(static_cast<pid_t>(pid), 0) == 0 || errno != ESRCH)) continue;
    std::filesystem::remove_all(e.path(), ec);
  }
}

// Xapian creates a database by making the directory first and writing `iamglass` last, so
// a process killed in between leaves a directory that neither opens nor passes our "is it
// an index?" check. A new index is therefore made in a scratch directory beside it and
// renamed into place: the path is absent or a valid empty index, never half of one. A
// concurrent indexer that wins the rename is fine; we then open its index (and wait on
// its lock like any other run).
void create_atomically(const std::string& dir) {
  namespace fs = std::filesystem;
  std::error_code ec;
  const fs::path target = index_path(dir);
  if (fs::exists(target, ec) && !(fs::is_directory(target, ec) && fs::is_empty(target, ec))) {
    return;
  }
  fs::create_directories(target.parent_path(), ec);
  if (ec) {
    throw FatalError(target.parent_path().string() +
                     ": error: cannot create the directory: " + ec.message());
  }
  const std::string stem = scratch_stem(target, ".new-");
  remove_stale_builds(target.parent_path(), stem);
  const fs::path scratch = target.parent_path() / (stem + std::to_string(getpid()));
  fs::remove_all(scratch, ec);
  try {
    Xapian::WritableDatabase(scratch.string(), Xapian::DB_CREATE | Xapian::DB_BACKEND_GLASS)
        .close();
  } catch (const Xapian::Error& e) {
    fs::remove_all(scratch, ec);
    throw FatalError(target.string() + ": error: cannot create the index: " + e.get_description());
  }
  // rename(2) replaces an empty directory and fails with ENOTEMPTY/EEXIST when another
  // run got there first.
  if (::rename(scratch.c_str(), target.c_str()) != 0) fs::remove_all(scratch, ec);
}

Xapian::WritableDatabase open_for_writing(const IndexOptions& o) {
  namespace fs = std::filesystem;
  std::error_code ec;
  if (fs::exists(o.index_dir, ec) && !fs::is_directory(o.index_dir, ec)) {
    throw FatalError(o.index_dir + ": error: index path exists and is not a directory");
  }
  // Never write into (or, with bulk builds, swap away) a directory of someone's files: an
  // existing index path must be empty or a Xapian glass database.
  if (fs::is_directory(o.index_dir, ec) && !fs::is_empty(o.index_dir, ec) &&
      !fs::exists(fs::path(o.index_dir) / "iamglass", ec)) {
    throw FatalError(o.index_dir +
                     ": error: the directory exists and is not an index; give an empty or new "
                     "directory");
  }
  create_atomically(o.index_dir);
  const auto give_up = Clock::now() + std::chrono::duration_cast<Clock::duration>(
                                          std::chrono::duration<double>(o.wait_seconds));
  try {
    // Bulk builds write their own shards; the index itself is only opened here to hold
    // the lock, so it is never overwritten in place (--recreate swaps a new one in).
    for (;;) {
      try {
        return Xapian::WritableDatabase(o.index_dir,
                                        Xapian::DB_CREATE_OR_OPEN | Xapian::DB_BACKEND_GLASS);
      } catch (const Xapian::DatabaseLockError&) {
        if (Clock::now() >= give_up) throw;
        std::this_thread::sleep_for(std::chrono::milliseconds(100));
      }
    }
  } catch (const Xapian::DatabaseLockError&) {
    throw FatalError(o.index_dir + ": error: the index is locked by another indexer" +
                     (o.wait_seconds > 0 ? " (waited " + fmt::format("{:g}", o.wait_seconds) + " s)"
                                         : std::string()) +
                     "; wait for it to finish, or pass --wait SECONDS");
  } catch (const Xapian::Error& e) {
    throw FatalError(o.index_dir +
                     ": error: cannot open the index for writing: " + e.get_description());
  }
}

}  // namespace

namespace {

// One unit of work for a worker: an article that is new or changed.
struct Job {
  Article article;
  std::string hash;
};

// A bounded multi-producer queue of job batches; close() ends the consumers' loops.
template <typename T>
class Channel {
 public:
  explicit Channel(std::size_t capacity) : capacity_(capacity) {}
  void push(T&& v) {
    std::unique_lock lock(m_);
    not_full_.wait(lock, [&] { return q_.size() < capacity_ || closed_; });
    if (closed_) return;
    q_.push_back(std::move(v));
    not_empty_.notify_one();
  }
  bool pop(T& out) {
    std::unique_lock lock(m_);
    not_empty_.wait(lock, [&] { return !q_.empty() || closed_; });
    if (q_.empty()) return false;
    out = std::move(q_.front());
    q_.pop_front();
    not_full_.notify_one();
    return true;
  }
  void close() {
    std::lock_guard lock(m_);
    closed_ = true;
    not_empty_.notify_all();
    not_full_.notify_all();
  }

 private:
  std::mutex m_;
  std::condition_variable not_empty_, not_full_;
  std::deque<T> q_;
  std::size_t capacity_;
  bool closed_ = false;
};

// The first exception raised by any thread, re-thrown on the main thread.
class Failure {
 public:
  void set(std::exception_ptr e) {
    std::lock_guard lock(m_);
    if (!e_) e_ = e;
    failed_ = true;
  }
  bool failed() const { return failed_; }
  void rethrow() {
    if (e_) std::rethrow_exception(e_);
  }

 private:
  std::mutex m_;
  std::exception_ptr e_;
  std::atomic<bool> failed_{false};
};

// A sibling directory for shards, removed whatever happens.
struct TempDir {
  std::filesystem::path path;
  ~TempDir() {
    std::error_code ec;
    if (!path.empty()) std::filesystem::remove_all(path, ec);
  }
};

// fsync every file of a directory, then the directory itself, so a rename that follows
// publishes complete data.
void sync_directory(const std::filesystem::path& dir) {
  for (const auto& e : std::filesystem::directory_iterator(dir)) {
    if (!e.is_regular_file()) continue;
    const int fd = ::open(e.path().c_str(), O_RDONLY);
    if (fd < 0) continue;
    if (::fsync(fd) != 0) {
      ::close(fd);
      throw FatalError(e.path().string() + ": error: fsync failed");
    }
    ::close(fd);
  }
  const int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY);
  if (fd >= 0) {
    ::fsync(fd);
    ::close(fd);
  }
}

// A built document on its way to the update-mode writer.
struct Built {
  std::string id_term;
  Xapian::Document doc;
  std::vector<StemPair> stem_pairs;
};

using Batch = std::vector<Job>;
constexpr std::size_t kJobsPerBatch = 32;  // fewer queue hand-offs

}  // namespace

IndexStats build_index(const IndexOptions& o, Diagnostics& diag) {
  namespace fs = std::filesystem;
  const auto started = Clock::now();
  IndexStats stats;
  if (!Stemmer::known(o.language)) {
    throw FatalError("error: no stemmer for language '" + o.language + "'");
  }

  // The writable handle holds Xapian's lock on the index for the whole run, so no other
  // indexer can interleave with us.
  Xapian::WritableDatabase db = open_for_writing(o);
  if (!o.recreate) {
    if (auto why = identity_mismatch(db)) {
      throw FatalError(o.index_dir + ": error: " + *why +
                       "\n  re-run with --recreate to rebuild it with this analyzer");
    }
    const IndexIdentity stored = stored_identity(db);
    if (!stored.default_language.empty() && stored.default_language != o.language) {
      throw FatalError(o.index_dir + ": error: the index's default language is '" +
                       stored.default_language + "', not '" + o.language + "'; pass --language " +
                       stored.default_language + " or --recreate");
    }
  }
  const IndexIdentity identity = current_identity(o.language);

  // Bulk mode, for a new or recreated index: each worker writes a shard of its own and the
  // shards are merged by Xapian's compactor at the end. Writing fresh shards in parallel
  // uses every core and the compacted index is smaller. Update mode, for an index that
  // already holds articles: workers analyse in parallel, one writer replaces documents in
  // place, batch by batch.
  const bool bulk = o.recreate || db.get_doccount() == 0;
  // Counts are this run's: the Diagnostics may have reported earlier problems.
  const std::size_t errors_at_start = diag.errors();
  const std::size_t warnings_at_start = diag.warnings();
  auto run_errors = [&] { return diag.errors() - errors_at_start; };
  unsigned threads = o.threads ? o.threads : std::max(1u, std::thread::hardware_concurrency());
  threads = std::min(threads, 16u);

  std::vector<InputFile> files = list_inputs(o.inputs, diag);
  std::size_t total_bytes = 0;
  for (const auto& f : files) total_bytes += f.size;
  stats.skipped += diag.errors() - errors_at_start;  // missing paths

  Progress progress(o.progress, total_bytes);
  diag.set_before_print(&Progress::clear_hook, &progress);

  // Update mode compares content hashes against the index as it was at the start.
  std::optional<Xapian::Database> snapshot;
  if (!bulk) snapshot.emplace(o.index_dir);

  TempDir temp;
  std::vector<std::string> shard_paths;
  if (bulk) {
    const fs::path target = index_path(o.index_dir);
    const std::string stem = scratch_stem(target, ".build-");
    remove_stale_builds(target.parent_path(), stem);
    temp.path = target.parent_path() / (stem + std::to_string(getpid()));
    fs::remove_all(temp.path);
    fs::create_directories(temp.path);
    for (unsigned i = 0; i < threads; ++i)
      shard_paths.push_back((temp.path / ("shard" + std::to_string(i))).string());
  }

  Failure failure;
  std::vector<std::unique_ptr<Channel<Batch>>> inboxes;
  for (unsigned i = 0; i < threads; ++i) inboxes.push_back(std::make_unique<Channel<Batch>>(8));
  Channel<std::vector<Built>> to_writer(16);
  std::atomic<std::size_t> dropped_tokens{0};

  // A thread that fails closes every channel, so that no other thread stays blocked on a
  // full queue whose consumer is gone; the main thread then re-throws the error.
  auto abort_pipeline = [&] {
    failure.set(std::current_exception());
    for (auto& inbox : inboxes) inbox->close();
    to_writer.close();
  };

  auto worker = [&](unsigned index) {
    try {
      Analyzer analyzer;
      StemmerCache stemmers(o.language);
      DocumentBuilder builder(analyzer, stemmers);
      std::optional<Xapian::WritableDatabase> shard;
      std::unordered_set<std::string> in_shard;
      std::size_t pending = 0;
      if (bulk) {
        // No fsync for shards: they are scratch until merged, and a crash discards them.
        // The merged index is synced before it replaces the old one.
        shard.emplace(shard_paths[index],
                      Xapian::DB_CREATE | Xapian::DB_BACKEND_GLASS | Xapian::DB_NO_SYNC);
        write_identity(*shard, identity);
      }
      std::vector<Built> out;
      Batch batch;
      while (inboxes[index]->pop(batch)) {
        if (failure.failed()) continue;  // drain so the reader never blocks
        for (Job& job : batch) {
          std::string id_term = std::string(schema::kPrefixId) + job.article.id;
          Xapian::Document doc = builder.build(job.article, job.hash);
          if (shard) {
            for (const StemPair& p : builder.new_stem_pairs()) shard->add_synonym(p.key, p.term);
            // Ids are routed to shards by hash, so a duplicate id meets its first copy here.
            if (in_shard.insert(job.article.id).second)
              shard->add_document(doc);
            else
              shard->replace_document(id_term, doc);
            if (++pending >= o.batch_size) {
              shard->commit();
              pending = 0;
            }
          } else {
            out.push_back({std::move(id_term), std::move(doc), builder.new_stem_pairs()});
          }
        }
        if (!out.empty()) {
          to_writer.push(std::move(out));
          out.clear();
        }
      }
      if (shard) {
        shard->commit();
        shard->close();
      }
      dropped_tokens += analyzer.dropped_tokens();
    } catch (...) {
      abort_pipeline();
    }
  };

  // Update mode's single writer. Explicit commits: one per batch bounds what a crash can
  // cost to the batch in flight (every earlier batch is durable), and a few hundred documents
  // flush faster than Xapian's default threshold of 10,000 (bench/README.md).
  auto writer = [&] {
    try {
      std::size_t pending = 0;
      std::vector<Built> docs;
      while (to_writer.pop(docs)) {
        if (failure.failed()) continue;
        for (Built& b : docs) {
          for (const StemPair& p : b.stem_pairs) db.add_synonym(p.key, p.term);
          // replace_document on the unique id term keeps every run idempotent.
          db.replace_document(b.id_term, b.doc);
          if (++pending >= o.batch_size) {
            db.commit();
            pending = 0;
          }
        }
      }
    } catch (...) {
      abort_pipeline();
    }
  };

  std::vector<std::thread> pool;
  for (unsigned i = 0; i < threads; ++i) pool.emplace_back(worker, i);
  std::thread writer_thread;
  if (!bulk) writer_thread = std::thread(writer);

  // The reader (this thread): parse inputs, drop unchanged articles, route the rest.
  std::unordered_map<std::string, std::string> seen;  // id -> where, for duplicates and --prune
  std::set<std::string> languages{o.language};        // stemming languages in the index
  if (!bulk) {
    for (const auto& l : stored_languages(db)) languages.insert(l);
  }
  std::vector<Batch> pending(threads);
  std::size_t articles = 0;
  bool stop = false;
  auto flush = [&](unsigned i) {
    if (pending[i].empty()) return;
    inboxes[i]->push(std::move(pending[i]));
    pending[i] = Batch();
    pending[i].reserve(kJobsPerBatch);
  };
  auto sink = [&](InputItem&& item) -> bool {
    if (failure.failed()) return false;
    Article& a = item.article;
    stats.bytes += item.bytes;
    ++articles;
    progress.update(articles, stats.bytes);
    if (a.id.size() > 200) {
      // Counted as skipped by the caller, from the error count.
      diag.error(item.path, item.line, "id longer than 200 bytes; record skipped");
      return !o.fail_fast;
    }
    const std::string where = item.path + ":" + std::to_string(item.line);
    auto [it, first_time] = seen.emplace(a.id, where);
    if (!first_time) {
      diag.warning(
          item.path, item.line,
          "duplicate id '" + a.id + "' (first at " + it->second + "); this one replaces it");
      it->second = where;
    }
    if (!a.lang.empty() && !languages.count(a.lang) && Stemmer(a.lang).enabled()) {
      languages.insert(a.lang);
    }
    std::string hash = content_hash(a);
    bool exists = !first_time;
    if (snapshot && first_time) {
      const std::string id_term = std::string(schema::kPrefixId) + a.id;
      // Our own writer commits while we read: when the snapshot's blocks are reused,
      // move it to the latest commit and look again. A newer commit cannot hold this id
      // from this run (it is seen here for the first time), so the answer stays right.
      for (int attempt = 0;; ++attempt) {
        try {
          exists = false;
          Xapian::PostingIterator p = snapshot->postlist_begin(id_term);
          if (p != snapshot->postlist_end(id_term)) {
            exists = true;
            if (snapshot->get_document(*p, Xapian::DOC_ASSUME_VALID)
                    .get_value(schema::kSlotContentHash) == hash) {
              ++stats.unchanged;
              return true;
            }
          }
          break;
        } catch (const Xapian::DatabaseModifiedError&) {
          if (attempt >= 100) throw;
          snapshot->reopen();
        }
      }
    }
    ++(exists ? stats.replaced : stats.added);
    const unsigned shard = static_cast<unsigned>(std::hash<std::string>{}(a.id) % threads);
    pending[shard].push_back(Job{std::move(a), std::move(hash)});
    if (pending[shard].size() >= kJobsPerBatch) flush(shard);
    return true;
  };

  for (const InputFile& f : files) {
    const std::size_t errors_before = diag.errors();
    const bool whole_file_ok = read_input(f, diag, [&](InputItem&& item) {
      // A bad record before this one was reported but never reached the sink: stop
      // before indexing anything after it.
      if (o.fail_fast && diag.errors() > errors_before) return false;
      return sink(std::move(item));
    });
    if (!whole_file_ok) {
      ++stats.skipped;
    } else {
      // Bad records inside a readable file were reported and skipped one by one.
      stats.skipped += diag.errors() - errors_before;
    }
    if ((o.fail_fast && run_errors() > 0) || failure.failed()) {
      stop = true;
      break;
    }
  }
  for (unsigned i = 0; i < threads; ++i) {
    flush(i);
    inboxes[i]->close();
  }
  for (auto& t : pool) t.join();
  to_writer.close();
  if (writer_thread.joinable()) writer_thread.join();
  progress.clear();

  std::string language_list;
  for (const auto& l : languages) language_list += (language_list.empty() ? "" : ",") + l;
  try {
    failure.rethrow();
    if (dropped_tokens > 0) {
      diag.warning(o.index_dir, 0,
                   std::to_string(dropped_tokens.load()) + " token(s) longer than " +
                       std::to_string(kMaxTermBytes) + " bytes were not indexed");
    }
    if (bulk) {
      // Merge the shards into a new index beside the old one, then swap directories: a
      // reader sees the old index until the new one is complete.
      Xapian::Database all;
      for (const auto& p : shard_paths) all.add_database(Xapian::Database(p));
      const fs::path target = index_path(o.index_dir);
      const fs::path merged = temp.path / "merged";
      all.compact(merged.string(), Xapian::DBCOMPACT_MULTIPASS);
      {
        // compact() copies user metadata from the shards; make sure it is there.
        Xapian::WritableDatabase m(merged.string(), Xapian::DB_OPEN);
        write_identity(m, identity);
        m.set_metadata(std::string(schema::kMetaLanguages), language_list);
        m.commit();
        stats.documents = m.get_doccount();
      }
      sync_directory(merged);
      db.close();  // releases the lock just before the swap
      // One atomic step: readers see either the old index or the new one, and a crash
      // leaves one of them in place.
      if (::renameat2(AT_FDCWD, merged.c_str(), AT_FDCWD, target.c_str(), RENAME_EXCHANGE) != 0) {
        throw FatalError(o.index_dir +
                         ": error: cannot swap in the new index: " + std::strerror(errno));
      }
      sync_directory(target.parent_path());
    } else {
      if (o.prune) {
        if (run_errors() > 0 || stop) {
          // An unreadable input yields no ids; pruning now would delete its articles.
          diag.warning(o.index_dir, 0, "--prune skipped because some inputs had errors");
        } else {
          std::vector<std::string> doomed;
          const std::string prefix(schema::kPrefixId);
          for (auto t = db.allterms_begin(prefix); t != db.allterms_end(prefix); ++t) {
            if (!seen.count((*t).substr(prefix.size()))) doomed.push_back(*t);
          }
          for (const auto& term : doomed) db.delete_document(term);
          stats.deleted = doomed.size();
        }
      }
      write_identity(db, identity);
      db.set_metadata(std::string(schema::kMetaLanguages), language_list);
      db.commit();
      stats.documents = db.get_doccount();
      db.close();
    }
  } catch (const Xapian::Error& e) {
    // What was committed in earlier batches stays; the batch in flight is lost.
    throw FatalError(o.index_dir + ": error: " + e.get_description() +
                     " (the index keeps its last commit)");
  } catch (const fs::filesystem_error& e) {
    throw FatalError(o.index_dir + ": error: " + e.what());
  }
  diag.set_before_print(nullptr, nullptr);
  stats.errors = run_errors();
  stats.warnings = diag.warnings() - warnings_at_start;
  stats.seconds = std::chrono::duration<double>(Clock::now() - started).count();
  return stats;
}

}  // namespace oly
