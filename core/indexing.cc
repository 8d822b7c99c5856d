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
#include <map>
#include <mutex>
#include <optional>
#include <set>
#include <thread>
#include <unordered_map>
#include <unordered_set>

#include "analyzer.h"
#include "document.h"
#include "dupes.h"
#include "identity.h"
#include "reader.h"
#include "schema.h"
#include "sharding.h"

namespace oly {

std::string summary_line(const std::string& dir, const IndexStats& s) {
  return fmt::format(
      "indexed {}: {} added, {} replaced, {} unchanged, {} deleted, {} skipped, {} other files "
      "ignored, {} errors, {} warnings in {:.2f} s ({} documents in the index{})",
      dir, s.added, s.replaced, s.unchanged, s.deleted, s.skipped, s.ignored, s.errors, s.warnings,
      s.seconds, s.documents, s.shards ? fmt::format(", {} shards", s.shards) : std::string());
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

// Writes `text` to a new file `path` and fsyncs it.
void write_file_synced(const std::filesystem::path& path, const std::string& text) {
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  const bool ok = fd >= 0 &&
                  ::write(fd, text.data(), text.size()) == static_cast<ssize_t>(text.size()) &&
                  ::fsync(fd) == 0;
  const int saved = errno;
  if (fd >= 0) ::close(fd);
  if (!ok) throw FatalError(path.string() + ": error: cannot write: " + std::strerror(saved));
}

// A new, empty index at `path`: one glass database, or `shards` of them, each knowing its
// place, and the stub file listing them.
void create_empty(const std::filesystem::path& path, unsigned shards) {
  if (shards == 0) {
    Xapian::WritableDatabase(path.string(), Xapian::DB_CREATE | Xapian::DB_BACKEND_GLASS).close();
    return;
  }
  std::filesystem::create_directory(path);
  for (unsigned i = 0; i < shards; ++i) {
    Xapian::WritableDatabase db((path / sharding::shard_name(i)).string(),
                                Xapian::DB_CREATE | Xapian::DB_BACKEND_GLASS);
    db.set_metadata(std::string(schema::kMetaShards), sharding::shard_label(i, shards));
    db.commit();
  }
  write_file_synced(path / sharding::kStubName, sharding::stub_text(shards));
}

// Xapian creates a database by making the directory first and writing `iamglass` last, so
// a process killed in between leaves a directory that neither opens nor passes our "is it
// an index?" check. A new index (all its shards too) is therefore made in a scratch
// directory beside it and renamed into place: the path is absent or a valid empty index,
// never half of one. A concurrent indexer that wins the rename is fine; we then open its
// index (and wait on its lock like any other run).
void create_atomically(const std::string& dir, unsigned shards) {
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
    create_empty(scratch, shards);
  } catch (const Xapian::Error& e) {
    fs::remove_all(scratch, ec);
    throw FatalError(target.string() + ": error: cannot create the index: " + e.get_description());
  } catch (const fs::filesystem_error& e) {
    fs::remove_all(scratch, ec);
    throw FatalError(target.string() + ": error: cannot create the index: " + e.what());
  } catch (...) {
    fs::remove_all(scratch, ec);
    throw;
  }
  // rename(2) replaces an empty directory and fails with ENOTEMPTY/EEXIST when another
  // run got there first.
  if (::rename(scratch.c_str(), target.c_str()) != 0) fs::remove_all(scratch, ec);
}

const char* signal_name(int sig) {
  return sig == SIGINT ? "SIGINT" : "SIGTERM";
}

// Stops a run on SIGINT or SIGTERM (IndexOptions::handle_signals), so that it removes its
// scratch directories and leaves the index at its last commit (update mode) or unchanged
// (bulk mode). Both signals are blocked in the thread that makes the guard, before any
// other thread of the run starts (threads inherit the mask), and one thread takes them
// with sigtimedwait: no handler ever runs in the middle of Xapian or std::filesystem. The
// run polls interrupted() and unwinds. A run that does not stop within kGrace (blocked
// reading a terminal or a pipe on stdin, or deep in a long compaction) is ended by the
// watcher: it removes the scratch directories, outside the swap's critical section, and
// exits with 128 + the signal, like a kill during an update commit.
class SignalGuard {
 public:
  static constexpr auto kGrace = std::chrono::seconds(3);

  SignalGuard(bool enabled, const std::string& index_dir) {
    if (!enabled) return;
    const std::filesystem::path target = index_path(index_dir);
    const std::string pid = std::to_string(getpid());
    index_ = target.string();
    scratch_ = {target.parent_path() / (scratch_stem(target, ".build-") + pid),
                target.parent_path() / (scratch_stem(target, ".new-") + pid)};
    sigemptyset(&set_);
    sigaddset(&set_, SIGINT);
    sigaddset(&set_, SIGTERM);
    pthread_sigmask(SIG_BLOCK, &set_, &old_);
    thread_ = std::thread([this] { watch(); });
  }
  ~SignalGuard() {
    if (!thread_.joinable()) return;
    done_ = true;
    thread_.join();
    // A signal still pending takes its default action now: the run is over, nothing is
    // left to clean.
    pthread_sigmask(SIG_SETMASK, &old_, nullptr);
  }
  SignalGuard(const SignalGuard&) = delete;
  SignalGuard& operator=(const SignalGuard&) = delete;

  int signal() const { return signal_; }
  bool interrupted() const { return signal_ != 0; }
  // Throws Interrupted when a signal came; `state` says what the index holds now.
  void check(const std::string& index_dir, const char* state) const {
    if (const int sig = signal_) {
      throw Interrupted(sig,
                        index_dir + ": error: interrupted by " + signal_name(sig) + "; " + state);
    }
  }
  // Held by the run while it swaps an index in: the watcher never removes a scratch
  // directory that is being renamed.
  std::unique_lock<std::mutex> critical() { return std::unique_lock(critical_); }

 private:
  void watch() {
    const timespec tick{0, 50'000'000};
    std::optional<Clock::time_point> since;
    while (!done_) {
      const int sig = sigtimedwait(&set_, nullptr, &tick);
      if (sig > 0 && signal_ == 0) {
        signal_ = sig;
        since = Clock::now();
      }
      if (since && Clock::now() - *since > kGrace) end_now();
    }
  }
  [[noreturn]] void end_now() {
    std::lock_guard lock(critical_);
    std::error_code ec;
    for (const auto& dir : scratch_) std::filesystem::remove_all(dir, ec);
    const std::string msg = "indexer: " + index_ + ": error: interrupted by " +
                            signal_name(signal_) + " and stopped after waiting " +
                            std::to_string(kGrace.count()) +
                            " s; the index keeps its last commit\n";
    std::fputs(msg.c_str(), stderr);
    std::fflush(stderr);
    std::_Exit(128 + signal_);
  }

  sigset_t set_{};
  sigset_t old_{};
  std::string index_;
  std::vector<std::filesystem::path> scratch_;
  std::atomic<int> signal_{0};
  std::atomic<bool> done_{false};
  std::mutex critical_;
  std::thread thread_;  // last: starts after every member it uses exists
};

// Refuses, before anything is written, an index path that is not what the flags say: a
// sharded index without --shards or with another count (an id's shard depends on the
// count, so changing it would leave ids in the wrong shard), --shards on an unsharded
// index, a file, a directory of someone's files (never written into nor, by bulk builds,
// swapped away).
void check_layout(const IndexOptions& o) {
  const std::string& dir = o.index_dir;
  switch (sharding::detect_layout(dir)) {
    case sharding::Layout::kNone:
      return;
    case sharding::Layout::kOther: {
      std::error_code ec;
      if (!std::filesystem::is_directory(dir, ec)) {
        throw FatalError(dir + ": error: index path exists and is not a directory");
      }
      throw FatalError(dir +
                       ": error: the directory exists and is not an index; give an empty or new "
                       "directory");
    }
    case sharding::Layout::kSingle:
      if (o.shards == 0) return;
      throw FatalError(dir + ": error: this is an unsharded index",
                       {Remedy::Kind::kShardsNewDir, std::to_string(o.shards)});
    case sharding::Layout::kSharded: {
      const unsigned n = sharding::read_stub(dir);
      if (o.shards == n) return;
      if (o.shards == 0) {
        throw FatalError(
            dir + ": error: this is a sharded index of " + std::to_string(n) + " shards",
            {Remedy::Kind::kShards, std::to_string(n)});
      }
      throw FatalError(dir + ": error: this is a sharded index of " + std::to_string(n) +
                       " shards, not " + std::to_string(o.shards) +
                       "; the shard count of an index cannot change (build the new count "
                       "in another directory)");
    }
  }
}

// The directories of an index's databases: the index itself, or its shards in order.
std::vector<std::string> target_paths(const IndexOptions& o) {
  if (o.shards == 0) return {o.index_dir};
  std::vector<std::string> paths;
  for (unsigned i = 0; i < o.shards; ++i) {
    paths.push_back((std::filesystem::path(o.index_dir) / sharding::shard_name(i)).string());
  }
  return paths;
}

// Opens one database for writing, waiting for another indexer's lock until `give_up`.
Xapian::WritableDatabase open_target(const std::string& path, int flags, Clock::time_point give_up,
                                     const IndexOptions& o, const SignalGuard& signals) {
  try {
    for (;;) {
      try {
        return Xapian::WritableDatabase(path, flags | Xapian::DB_BACKEND_GLASS);
      } catch (const Xapian::DatabaseLockError&) {
        signals.check(o.index_dir, "nothing was written");
        if (Clock::now() >= give_up) throw;
        std::this_thread::sleep_for(std::chrono::milliseconds(100));
      }
    }
  } catch (const Xapian::DatabaseLockError&) {
    throw FatalError(
        path + ": error: the index is locked by another indexer" +
            (o.wait_seconds > 0 ? " (waited " + fmt::format("{:g}", o.wait_seconds) + " s)"
                                : std::string()),
        {Remedy::Kind::kWait, ""});
  } catch (const Xapian::Error& e) {
    throw FatalError(path + ": error: cannot open the index for writing: " + e.get_description());
  }
}

// The index's databases, open for writing: their handles hold Xapian's locks for the
// whole run. Bulk builds write their own scratch databases; the index itself is only
// opened here to hold the locks, so it is never overwritten in place (--recreate swaps a
// new one in).
std::vector<Xapian::WritableDatabase> open_for_writing(const IndexOptions& o,
                                                       const SignalGuard& signals) {
  check_layout(o);
  create_atomically(o.index_dir, o.shards);
  const auto give_up = Clock::now() + std::chrono::duration_cast<Clock::duration>(
                                          std::chrono::duration<double>(o.wait_seconds));
  // Shards exist once the index does (create_atomically), so a missing one is an error,
  // never silently recreated empty.
  const int flags = o.shards ? Xapian::DB_OPEN : Xapian::DB_CREATE_OR_OPEN;
  std::vector<Xapian::WritableDatabase> dbs;
  // In shard order, so two runs on one index never each hold a lock the other waits for.
  for (const std::string& path : target_paths(o)) {
    dbs.push_back(open_target(path, flags, give_up, o, signals));
  }
  return dbs;
}

}  // namespace

namespace {

// One unit of work for a worker: an article that is new or changed, and its shard.
struct Job {
  unsigned target = 0;  // index into the run's databases (0 for an unsharded index)
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
  unsigned target;
  std::string id_term;
  Xapian::Document doc;
};

using Batch = std::vector<Job>;
constexpr std::size_t kJobsPerBatch = 32;  // fewer queue hand-offs

// Where a bulk-mode worker writes the articles of one target (shard).
std::filesystem::path scratch_path(const std::filesystem::path& dir, unsigned target,
                                   unsigned worker) {
  // An unsharded index has target 0 only: its names stay shard0, shard1, ... per worker.
  std::string name = "shard" + std::to_string(worker);
  if (target > 0) name += "-t" + std::to_string(target);
  return dir / name;
}

// The threads of one run and the queues between them: workers that analyse articles
// (routed by id hash, so duplicates of an id meet in one worker) and, in update mode, the
// single writer. The destructor closes every queue and joins every thread, so whatever
// unwinds the reading thread (an index lookup that throws, an interruption) never leaves
// a joinable std::thread behind, which would end in std::terminate.
class Pipeline {
 public:
  // `bulk_dir` non-empty: bulk mode, each worker writes scratch databases there (see
  // scratch_path()); else update mode, written into `dbs` by the writer thread.
  Pipeline(const IndexOptions& o, const IndexIdentity& identity, unsigned threads,
           const std::filesystem::path& bulk_dir, std::vector<Xapian::WritableDatabase>& dbs,
           const SignalGuard& signals)
      : o_(o),
        identity_(identity),
        bulk_dir_(bulk_dir),
        dbs_(dbs),
        signals_(signals),
        pending_(threads),
        to_writer_(16) {
    for (unsigned i = 0; i < threads; ++i) inboxes_.push_back(std::make_unique<Channel<Batch>>(8));
    try {
      for (unsigned i = 0; i < threads; ++i)
        pool_.emplace_back([this, i] { guarded([&] { work(i); }); });
      if (bulk_dir_.empty()) writer_ = std::thread([this] { guarded([&] { write_updates(); }); });
    } catch (...) {
      // No destructor runs for a half-built object: join the threads already started.
      cancelled_ = true;
      close_and_join();
      throw;
    }
  }
  ~Pipeline() {
    cancelled_ = true;
    close_and_join();
  }
  Pipeline(const Pipeline&) = delete;
  Pipeline& operator=(const Pipeline&) = delete;

  // True when the run must stop reading: a thread failed, or a signal came.
  bool stopped() const { return failure_.failed() || signals_.interrupted(); }

  void route(Job&& job) {
    const unsigned worker = worker_for(job.target, std::hash<std::string>{}(job.article.id));
    pending_[worker].push_back(std::move(job));
    if (pending_[worker].size() >= kJobsPerBatch) flush(worker);
  }

  // Hands over what is pending, lets every thread finish its queue, joins them, and
  // re-throws the first error a thread raised.
  void finish() {
    for (unsigned i = 0; i < pending_.size(); ++i) flush(i);
    close_and_join();
    failure_.rethrow();
  }

  std::size_t dropped_tokens() const { return dropped_tokens_; }

 private:
  // Runs a thread's body; an error stops the whole pipeline, so that no thread stays
  // blocked on a full queue whose consumer is gone, and is re-thrown by finish().
  template <typename F>
  void guarded(F&& body) {
    try {
      body();
    } catch (...) {
      failure_.set(std::current_exception());
      for (auto& inbox : inboxes_) inbox->close();
      to_writer_.close();
    }
  }
  // Threads keep draining their queues but do no more work once this is true.
  bool halted() const { return cancelled_ || stopped(); }

  // The worker of an article: each worker serves whole targets, so that a bulk build
  // writes about max(workers, targets) scratch databases, not their product. With fewer
  // targets than workers, a target's articles are spread over workers/targets of them by
  // a hash that is independent of the shard (`h` is not the shard hash).
  unsigned worker_for(unsigned target, std::size_t h) const {
    const auto workers = static_cast<unsigned>(pending_.size());
    const auto targets = static_cast<unsigned>(dbs_.size());
    if (targets >= workers) return target % workers;
    return target + targets * static_cast<unsigned>(h % (workers / targets));
  }
  // Whether worker_for() can give `target` to `worker`.
  bool serves(unsigned worker, unsigned target) const {
    const auto workers = static_cast<unsigned>(pending_.size());
    const auto targets = static_cast<unsigned>(dbs_.size());
    if (targets >= workers) return target % workers == worker;
    return worker < targets * (workers / targets) && worker % targets == target;
  }

  void flush(unsigned i) {
    if (pending_[i].empty()) return;
    inboxes_[i]->push(std::move(pending_[i]));
    pending_[i] = Batch();
    pending_[i].reserve(kJobsPerBatch);
  }

  void close_and_join() {
    for (auto& inbox : inboxes_) inbox->close();
    for (auto& t : pool_) {
      if (t.joinable()) t.join();
    }
    to_writer_.close();
    if (writer_.joinable()) writer_.join();
  }

  void work(unsigned index);
  void write_updates();

  const IndexOptions& o_;
  const IndexIdentity& identity_;
  const std::filesystem::path bulk_dir_;
  std::vector<Xapian::WritableDatabase>& dbs_;
  const SignalGuard& signals_;
  Failure failure_;
  std::atomic<bool> cancelled_{false};
  std::atomic<std::size_t> dropped_tokens_{0};
  std::vector<Batch> pending_;  // the reading thread's batch per worker
  std::vector<std::unique_ptr<Channel<Batch>>> inboxes_;
  Channel<std::vector<Built>> to_writer_;
  // Last: the threads start once everything they use exists.
  std::vector<std::thread> pool_;
  std::thread writer_;
};

// What one worker keeps per target: a document builder and, in bulk mode, the scratch
// database the worker writes that target's articles into.
struct Lane {
  DocumentBuilder builder;
  std::optional<Xapian::WritableDatabase> scratch;
  std::size_t pending = 0;  // documents since the scratch database's last commit
};

void Pipeline::work(unsigned index) {
  Analyzer analyzer;
  StemmerCache stemmers(o_.language);
  std::map<unsigned, Lane> lanes;
  std::unordered_set<std::string> in_shard;
  auto lane_for = [&](unsigned target) -> Lane& {
    auto it = lanes.find(target);
    if (it != lanes.end()) return it->second;
    Lane& lane = lanes.emplace(target, Lane{DocumentBuilder(analyzer, stemmers), std::nullopt, 0})
                     .first->second;
    if (!bulk_dir_.empty()) {
      // No fsync for scratch databases: a crash discards them. The merged index is synced
      // before it replaces the old one.
      lane.scratch.emplace(scratch_path(bulk_dir_, target, index).string(),
                           Xapian::DB_CREATE | Xapian::DB_BACKEND_GLASS | Xapian::DB_NO_SYNC);
      write_identity(*lane.scratch, identity_);
    }
    return lane;
  };
  // Bulk mode: a worker makes its scratch databases before reading its queue, as the
  // unsharded build always has; the signal tests take them as the sign that a run is
  // under way.
  for (unsigned t = 0; t < dbs_.size() && !bulk_dir_.empty(); ++t) {
    if (serves(index, t)) lane_for(t);
  }
  std::vector<Built> out;
  Batch batch;
  while (inboxes_[index]->pop(batch)) {
    if (halted()) continue;  // drain so the reader never blocks
    for (Job& job : batch) {
      Lane& lane = lane_for(job.target);
      DocumentBuilder& builder = lane.builder;
      std::string id_term = std::string(schema::kPrefixId) + job.article.id;
      Xapian::Document doc = builder.build(job.article, job.hash);
      if (!lane.scratch) {
        out.push_back({job.target, std::move(id_term), std::move(doc)});
        continue;
      }
      Xapian::WritableDatabase* shard = &*lane.scratch;
      // Ids are routed to workers by hash, so a duplicate id meets its first copy here.
      if (in_shard.insert(job.article.id).second)
        shard->add_document(doc);
      else
        shard->replace_document(id_term, doc);
      if (++lane.pending >= o_.batch_size) {
        shard->commit();
        lane.pending = 0;
      }
    }
    if (!out.empty()) {
      to_writer_.push(std::move(out));
      out.clear();
    }
  }
  for (auto& [target, lane] : lanes) {
    if (lane.scratch && !halted()) lane.scratch->commit();
  }
  dropped_tokens_ += analyzer.dropped_tokens();
}

// Update mode's single writer. Explicit commits: one per batch bounds what a crash can
// cost to the batch in flight (every earlier batch is durable), and a few hundred documents
// flush faster than Xapian's default threshold of 10,000 (bench/README.md).
void Pipeline::write_updates() {
  std::vector<std::size_t> pending(dbs_.size(), 0);  // per target
  std::vector<Built> docs;
  while (to_writer_.pop(docs)) {
    if (halted()) continue;
    for (Built& b : docs) {
      Xapian::WritableDatabase& db = dbs_[b.target];
      // replace_document on the unique id term keeps every run idempotent.
      db.replace_document(b.id_term, b.doc);
      if (++pending[b.target] >= o_.batch_size) {
        db.commit();
        pending[b.target] = 0;
      }
    }
  }
}

// The documents of all the run's databases.
Xapian::doccount total_docs(const std::vector<Xapian::WritableDatabase>& dbs) {
  Xapian::doccount n = 0;
  for (const auto& db : dbs) n += db.get_doccount();
  return n;
}

// One indexing run, after the index is open and checked: read the inputs on this thread,
// route new and changed articles through a Pipeline, then finish in bulk mode (merge and
// swap) or update mode (prune and commit). A sharded index is one run over several
// databases (targets): one reading pass, one set of diagnostics, one mode for all shards
// (bulk only when all are empty), so the shards never end in different states.
class IndexRun {
 public:
  IndexRun(const IndexOptions& o, Diagnostics& diag, SignalGuard& signals,
           std::vector<Xapian::WritableDatabase>& dbs)
      : o_(o),
        diag_(diag),
        signals_(signals),
        dbs_(dbs),
        old_docs_(total_docs(dbs)),
        bulk_(o.recreate || old_docs_ == 0),
        identity_(current_identity(o.language)),
        errors_at_start_(diag.errors()),
        warnings_at_start_(diag.warnings()) {
    threads_ = o.threads ? o.threads : std::max(1u, std::thread::hardware_concurrency());
    threads_ = std::min(threads_, 16u);
    languages_.insert(o.language);
    if (!bulk_) {
      // Every shard records the languages of all: a search of the combined database
      // reads the metadata of the first shard only.
      for (const auto& db : dbs) {
        for (const auto& l : stored_languages(db)) languages_.insert(l);
      }
    }
    stats_.shards = o.shards;
  }

  IndexStats run();

 private:
  std::size_t run_errors() const { return diag_.errors() - errors_at_start_; }
  // --recreate over documents, or --prune in update mode: the run's input is taken as
  // the whole collection, so every input must have been read completely.
  bool replaces_all() const { return (o_.recreate && old_docs_ > 0) || (o_.prune && !bulk_); }
  const char* replacing_flag() const { return o_.recreate ? "--recreate" : "--prune"; }

  void make_scratch();
  bool read_file(const InputFile& f, Pipeline& pipeline);
  bool take(InputItem&& item, Pipeline& pipeline);
  bool is_unchanged(unsigned target, const std::string& id, const std::string& hash, bool& exists);
  void check_yields(const std::vector<IgnoredFiles>& ignored);
  void finish_bulk();
  void group_scratch();
  Xapian::doccount merge_target(unsigned target, const std::filesystem::path& out);
  void write_metadata(Xapian::WritableDatabase& db, unsigned target) const;
  void count_replaced_and_deleted();
  void finish_update();
  std::string language_list() const;

  const IndexOptions& o_;
  Diagnostics& diag_;
  SignalGuard& signals_;
  std::vector<Xapian::WritableDatabase>& dbs_;  // the index, or its shards in order
  const Xapian::doccount old_docs_;
  const bool bulk_;
  const IndexIdentity identity_;
  const std::size_t errors_at_start_, warnings_at_start_;
  unsigned threads_ = 1;
  IndexStats stats_;
  std::vector<Xapian::Database> snapshots_;  // update mode: each target as it was
  TempDir temp_;  // bulk mode: the workers' scratch databases and the merged index
  std::unordered_map<std::string, std::string> seen_;  // id -> where, for duplicates, prune
  std::set<std::string> languages_;                    // stemming languages in the index
  std::vector<std::size_t> yields_, errors_in_;        // per input path
  std::size_t articles_ = 0;
  bool stopped_ = false;  // --fail-fast or a failure stopped the reading early
  std::optional<Progress> progress_;
};

void IndexRun::make_scratch() {
  namespace fs = std::filesystem;
  const fs::path target = index_path(o_.index_dir);
  const std::string stem = scratch_stem(target, ".build-");
  remove_stale_builds(target.parent_path(), stem);
  temp_.path = target.parent_path() / (stem + std::to_string(getpid()));
  fs::remove_all(temp_.path);
  fs::create_directories(temp_.path);
}

IndexStats IndexRun::run() {
  const auto started = Clock::now();
  std::vector<IgnoredFiles> ignored;
  const std::vector<InputFile> files = list_inputs(o_.inputs, diag_, &ignored);
  stats_.skipped += run_errors();  // missing paths
  std::size_t total_bytes = 0;
  for (const auto& f : files) total_bytes += f.size;
  for (const auto& i : ignored) stats_.ignored += i.count;
  progress_.emplace(o_.progress, total_bytes);
  diag_.set_before_print(&Progress::clear_hook, &*progress_);
  struct Unhook {
    Diagnostics& d;
    ~Unhook() { d.set_before_print(nullptr, nullptr); }
  } unhook{diag_};

  if (bulk_) {
    make_scratch();
  } else {
    // Unchanged articles are judged against these.
    for (const std::string& path : target_paths(o_)) snapshots_.emplace_back(path);
  }
  {
    Pipeline pipeline(o_, identity_, threads_, bulk_ ? temp_.path : std::filesystem::path(), dbs_,
                      signals_);
    yields_.assign(o_.inputs.size(), 0);
    errors_in_.assign(o_.inputs.size(), 0);
    for (const InputFile& f : files) {
      if (!read_file(f, pipeline)) break;
    }
    progress_->clear();
    pipeline.finish();
    if (pipeline.dropped_tokens() > 0) {
      diag_.warning(o_.index_dir, 0,
                    std::to_string(pipeline.dropped_tokens()) + " token(s) longer than " +
                        std::to_string(kMaxTermBytes) + " bytes were not indexed");
    }
  }
  signals_.check(o_.index_dir, bulk_ ? "nothing was swapped in; the index is unchanged"
                                     : "the index keeps its last commit");
  check_yields(ignored);
  if (bulk_) {
    finish_bulk();
  } else {
    finish_update();
  }
  stats_.errors = run_errors();
  stats_.warnings = diag_.warnings() - warnings_at_start_;
  stats_.seconds = std::chrono::duration<double>(Clock::now() - started).count();
  return stats_;
}

// Reads one input file into the pipeline; false when the run must stop reading.
bool IndexRun::read_file(const InputFile& f, Pipeline& pipeline) {
  const std::size_t errors_before = diag_.errors();
  const bool whole_file_ok = read_input(f, diag_, [&](InputItem&& item) {
    // A bad record before this one was reported but never reached the sink: stop
    // before indexing anything after it.
    if (o_.fail_fast && diag_.errors() > errors_before) return false;
    ++yields_[f.arg];
    return take(std::move(item), pipeline);
  });
  errors_in_[f.arg] += diag_.errors() - errors_before;
  if (!whole_file_ok) {
    ++stats_.skipped;
  } else {
    // Bad records inside a readable file were reported and skipped one by one.
    stats_.skipped += diag_.errors() - errors_before;
  }
  if ((o_.fail_fast && run_errors() > 0) || pipeline.stopped()) stopped_ = true;
  return !stopped_;
}

// The sink of the readers: drops unchanged articles and routes the rest.
bool IndexRun::take(InputItem&& item, Pipeline& pipeline) {
  if (pipeline.stopped()) return false;
  if (o_.test_read_hook) o_.test_read_hook(item.article);
  Article& a = item.article;
  stats_.bytes += item.bytes;
  progress_->update(++articles_, stats_.bytes);
  if (a.id.size() > 200) {
    // Counted as skipped by the caller, from the error count.
    diag_.error(item.path, item.line, "id longer than 200 bytes; record skipped");
    return !o_.fail_fast;
  }
  const std::string where = item.path + ":" + std::to_string(item.line);
  auto [it, first_time] = seen_.emplace(a.id, where);
  if (!first_time) {
    diag_.warning(
        item.path, item.line,
        "duplicate id '" + a.id + "' (first at " + it->second + "); this one replaces it");
    it->second = where;
  }
  if (!a.lang.empty() && !languages_.count(a.lang) && Stemmer(a.lang).enabled()) {
    languages_.insert(a.lang);
  }
  std::string hash = content_hash(a);
  const unsigned target = o_.shards ? sharding::shard_of(a.id, o_.shards) : 0;
  bool exists = !first_time;
  if (!bulk_ && first_time && is_unchanged(target, a.id, hash, exists)) {
    ++stats_.unchanged;
    return true;
  }
  ++(exists ? stats_.replaced : stats_.added);
  pipeline.route(Job{target, std::move(a), std::move(hash)});
  return true;
}

// Update mode: whether the index already holds `id` (`exists`) with this content hash.
// Only the id's own shard is looked at: that is the only place it can be.
bool IndexRun::is_unchanged(unsigned target, const std::string& id, const std::string& hash,
                            bool& exists) {
  const std::string id_term = std::string(schema::kPrefixId) + id;
  Xapian::Database& snapshot = snapshots_[target];
  // Our own writer commits while we read: when the snapshot's blocks are reused, move it
  // to the latest commit and look again. A newer commit cannot hold this id from this run
  // (it is seen here for the first time), so the answer stays right.
  for (int attempt = 0;; ++attempt) {
    try {
      exists = false;
      Xapian::PostingIterator p = snapshot.postlist_begin(id_term);
      if (p == snapshot.postlist_end(id_term)) return false;
      exists = true;
      return snapshot.get_document(*p, Xapian::DOC_ASSUME_VALID)
                 .get_value(schema::kSlotContentHash) == hash;
    } catch (const Xapian::DatabaseModifiedError&) {
      if (attempt >= 100) throw;
      snapshot.reopen();
    }
  }
}

// A path that yields no articles (an empty directory, an empty feed, a directory of other
// files) is worth a warning; when this run replaces the collection (--recreate, --prune)
// it is an error, because taking it as "no articles" would delete what it used to hold.
void IndexRun::check_yields(const std::vector<IgnoredFiles>& ignored) {
  namespace fs = std::filesystem;
  for (std::size_t arg = 0; arg < o_.inputs.size(); ++arg) {
    const std::string& path = o_.inputs[arg];
    std::error_code ec;
    // Paths with errors (missing, unreadable, bad records) have been reported already.
    if (yields_[arg] > 0 || errors_in_[arg] > 0 || (path != "-" && !fs::exists(path, ec))) continue;
    if (stopped_) continue;  // not read to the end: nothing to conclude
    std::string msg = "no articles found in this input";
    if (arg < ignored.size() && ignored[arg].count > 0) {
      msg += fmt::format(" ({} file(s) of other types not read, e.g. {})", ignored[arg].count,
                         ignored[arg].example);
    }
    if (replaces_all()) {
      diag_.error(path, 0, msg + "; " + replacing_flag() + " refused");
      ++stats_.skipped;
    } else {
      diag_.warning(path, 0, msg);
    }
  }
}

std::string IndexRun::language_list() const {
  std::string list;
  for (const auto& l : languages_) list += (list.empty() ? "" : ",") + l;
  return list;
}

// --recreate over an index with documents: which of them the new index keeps
// (replaced) and which the swap deletes.
void IndexRun::count_replaced_and_deleted() {
  const std::string prefix(schema::kPrefixId);
  std::size_t kept = 0;
  for (auto& db : dbs_) {
    for (auto t = db.allterms_begin(prefix); t != db.allterms_end(prefix); ++t) {
      if (seen_.count((*t).substr(prefix.size())))
        ++kept;
      else
        ++stats_.deleted;
    }
  }
  stats_.replaced = kept;
  stats_.added -= std::min(stats_.added, kept);
}

// The metadata every database of the index carries: the analyzer's identity, the
// languages, and for a shard its place ("I/N").
void IndexRun::write_metadata(Xapian::WritableDatabase& db, unsigned target) const {
  write_identity(db, identity_);
  db.set_metadata(std::string(schema::kMetaLanguages), language_list());
  if (o_.shards) {
    db.set_metadata(std::string(schema::kMetaShards), sharding::shard_label(target, o_.shards));
  }
}

// Compacts the workers' scratch databases of one target into `out`; a target no article
// went to becomes an empty database. Returns its document count.
Xapian::doccount IndexRun::merge_target(unsigned target, const std::filesystem::path& out) {
  Xapian::Database all;
  for (unsigned w = 0; w < threads_; ++w) {
    const std::filesystem::path p = scratch_path(temp_.path, target, w);
    if (std::filesystem::exists(p)) all.add_database(Xapian::Database(p.string()));
  }
  if (all.size() > 0) all.compact(out.string(), Xapian::DBCOMPACT_MULTIPASS);
  // compact() copies user metadata from the scratch databases; make sure it is there.
  Xapian::WritableDatabase m(out.string(), all.size() > 0
                                               ? Xapian::DB_OPEN
                                               : Xapian::DB_CREATE | Xapian::DB_BACKEND_GLASS);
  write_metadata(m, target);
  m.commit();
  return m.get_doccount();
}

// Near-duplicate groups of a bulk build, written into the workers' scratch databases
// before they are merged. Their union is the new index (an id always goes to one worker,
// where a second copy replaced the first), so the groups are those of the merged index,
// every shard at once (a group spans shards). Before the merge rather than after: the
// scratch databases are rewritten in parallel, one thread each, and the compactor then
// packs the rewritten documents (rewriting a compacted index splits its full blocks).
void IndexRun::group_scratch() {
  std::vector<Xapian::WritableDatabase> scratch;
  for (unsigned t = 0; t < dbs_.size(); ++t) {
    for (unsigned w = 0; w < threads_; ++w) {
      const std::filesystem::path p = scratch_path(temp_.path, t, w);
      if (!std::filesystem::exists(p)) continue;
      scratch.emplace_back(p.string(),
                           Xapian::DB_OPEN | Xapian::DB_BACKEND_GLASS | Xapian::DB_NO_SYNC);
    }
  }
  dupes::GroupingOptions options;
  options.threads = threads_;
  dupes::assign_groups(scratch, options);
  for (auto& db : scratch) {
    db.commit();
    db.close();
  }
}

// Merges the scratch databases into a new index beside the old one (for a sharded index,
// a new directory of shards and stub), then swaps directories: a reader sees the old
// index until the new one is complete, and all shards change in the same single step.
void IndexRun::finish_bulk() {
  namespace fs = std::filesystem;
  if (replaces_all() && (run_errors() > 0 || stopped_)) {
    diag_.warning(o_.index_dir, 0,
                  fmt::format("--recreate refused because some inputs had errors or yielded no "
                              "articles; the old index is unchanged ({} documents)",
                              old_docs_));
    stats_.added = stats_.replaced = 0;
    stats_.documents = old_docs_;
    return;
  }
  if (o_.recreate && old_docs_ > 0) count_replaced_and_deleted();
  const fs::path target = index_path(o_.index_dir);
  const fs::path merged = temp_.path / "merged";
  if (o_.shards) fs::create_directory(merged);
  group_scratch();
  std::vector<fs::path> outs;
  for (unsigned t = 0; t < dbs_.size(); ++t) {
    outs.push_back(o_.shards ? merged / sharding::shard_name(t) : merged);
    stats_.documents += merge_target(t, outs.back());
  }
  for (const fs::path& out : outs) sync_directory(out);
  if (o_.shards) {
    write_file_synced(merged / sharding::kStubName, sharding::stub_text(o_.shards));
    sync_directory(merged);
  }
  const auto critical = signals_.critical();
  signals_.check(o_.index_dir, "nothing was swapped in; the index is unchanged");
  for (auto& db : dbs_) db.close();  // releases the locks just before the swap
  // One atomic step: readers see either the old index or the new one, and a crash
  // leaves one of them in place.
  if (::renameat2(AT_FDCWD, merged.c_str(), AT_FDCWD, target.c_str(), RENAME_EXCHANGE) != 0) {
    throw FatalError(o_.index_dir +
                     ": error: cannot swap in the new index: " + std::strerror(errno));
  }
  sync_directory(target.parent_path());
}

void IndexRun::finish_update() {
  if (o_.prune) {
    if (run_errors() > 0 || stopped_) {
      // An unreadable input yields no ids; pruning now would delete its articles.
      diag_.warning(o_.index_dir, 0,
                    "--prune skipped because some inputs had errors or yielded no articles; "
                    "nothing was deleted");
    } else {
      const std::string prefix(schema::kPrefixId);
      for (auto& db : dbs_) {
        std::vector<std::string> doomed;
        for (auto t = db.allterms_begin(prefix); t != db.allterms_end(prefix); ++t) {
          if (!seen_.count((*t).substr(prefix.size()))) doomed.push_back(*t);
        }
        for (const auto& term : doomed) db.delete_document(term);
        stats_.deleted += doomed.size();
      }
    }
  }
  // After every write and delete of the run, before its last commit: groups over all
  // shards (rewritten in parallel), committed with the documents they describe.
  dupes::GroupingOptions grouping;
  grouping.threads = threads_;
  dupes::assign_groups(dbs_, grouping);
  for (unsigned t = 0; t < dbs_.size(); ++t) {
    write_metadata(dbs_[t], t);
    dbs_[t].commit();
    stats_.documents += dbs_[t].get_doccount();
  }
  for (auto& db : dbs_) db.close();
}

// A database's recorded place in a sharded index must be the one it is opened as: a
// shard written on its own (`-d DIR/shard2`) would receive ids that belong elsewhere.
void check_place(const IndexOptions& o, Xapian::WritableDatabase& db, const std::string& path,
                 unsigned target) {
  const std::string place = db.get_metadata(std::string(schema::kMetaShards));
  const std::string expected = o.shards ? sharding::shard_label(target, o.shards) : "";
  if (place == expected) return;
  if (expected.empty()) {
    throw FatalError(path + ": error: this is shard " + place +
                         " of a sharded index; index the directory that holds its " +
                         std::string(sharding::kStubName),
                     {Remedy::Kind::kShardsAtStub, ""});
  }
  throw FatalError(path + ": error: recorded as shard '" + place + "', not " + expected +
                   "; the shards or the " + std::string(sharding::kStubName) +
                   " file were changed by hand");
}

// Refuses an index this run cannot update: another analyzer or default language.
void check_compatible(const IndexOptions& o, Xapian::WritableDatabase& db,
                      const std::string& path) {
  if (o.recreate) return;
  if (auto why = identity_mismatch(db)) {
    throw FatalError(path + ": error: " + *why, {Remedy::Kind::kRecreate, ""});
  }
  const IndexIdentity stored = stored_identity(db);
  if (!stored.default_language.empty() && stored.default_language != o.language) {
    throw FatalError(path + ": error: the index's default language is '" + stored.default_language +
                         "', not '" + o.language + "'",
                     {Remedy::Kind::kLanguageOrRecreate, stored.default_language});
  }
}

}  // namespace

IndexStats build_index(const IndexOptions& o, Diagnostics& diag) {
  if (!Stemmer::known(o.language)) {
    throw FatalError("error: no stemmer for language '" + o.language + "'");
  }
  if (o.shards > sharding::kMaxShards) {
    throw FatalError("error: --shards " + std::to_string(o.shards) + " is more than " +
                     std::to_string(sharding::kMaxShards));
  }
  // First, so that every thread of the run starts with SIGINT and SIGTERM blocked.
  SignalGuard signals(o.handle_signals, o.index_dir);
  // The writable handles hold Xapian's locks on the index (every shard) for the whole
  // run, so no other indexer can interleave with us.
  std::vector<Xapian::WritableDatabase> dbs = open_for_writing(o, signals);
  signals.check(o.index_dir, "nothing was written");
  const std::vector<std::string> paths = target_paths(o);
  for (unsigned t = 0; t < dbs.size(); ++t) {
    check_place(o, dbs[t], paths[t], t);
    check_compatible(o, dbs[t], paths[t]);
  }
  try {
    // Bulk mode, for a new or recreated index: each worker writes a shard of its own and
    // the shards are merged by Xapian's compactor at the end. Writing fresh shards in
    // parallel uses every core and the compacted index is smaller. Update mode, for an
    // index that already holds articles: workers analyse in parallel, one writer replaces
    // documents in place, batch by batch.
    IndexRun run(o, diag, signals, dbs);
    return run.run();
  } catch (const Xapian::Error& e) {
    // What was committed in earlier batches stays; the batch in flight is lost.
    throw FatalError(o.index_dir + ": error: " + e.get_description() +
                     " (the index keeps its last commit)");
  } catch (const std::filesystem::filesystem_error& e) {
    throw FatalError(o.index_dir + ": error: " + e.what());
  }
}

}  // namespace oly
