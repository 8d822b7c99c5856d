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
      "indexed {}: {} added, {} replaced, {} unchanged, {} deleted, {} skipped, {} other files "
      "ignored, {} errors, {} warnings in {:.2f} s ({} documents in the index)",
      dir, s.added, s.replaced, s.unchanged, s.deleted, s.skipped, s.ignored, s.errors, s.warnings,
      s.seconds, s.documents);
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

Xapian::WritableDatabase open_for_writing(const IndexOptions& o, const SignalGuard& signals) {
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
        signals.check(o.index_dir, "nothing was written");
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
};

using Batch = std::vector<Job>;
constexpr std::size_t kJobsPerBatch = 32;  // fewer queue hand-offs

// The threads of one run and the queues between them: workers that analyse articles
// (routed by id hash, so duplicates of an id meet in one worker) and, in update mode, the
// single writer. The destructor closes every queue and joins every thread, so whatever
// unwinds the reading thread (an index lookup that throws, an interruption) never leaves
// a joinable std::thread behind, which would end in std::terminate.
class Pipeline {
 public:
  // `shard_paths` non-empty: bulk mode, one shard per worker; else update mode, written
  // into `db` by the writer thread.
  Pipeline(const IndexOptions& o, const IndexIdentity& identity, unsigned threads,
           const std::vector<std::string>& shard_paths, Xapian::WritableDatabase& db,
           const SignalGuard& signals)
      : o_(o),
        identity_(identity),
        shard_paths_(shard_paths),
        db_(db),
        signals_(signals),
        pending_(threads),
        to_writer_(16) {
    for (unsigned i = 0; i < threads; ++i) inboxes_.push_back(std::make_unique<Channel<Batch>>(8));
    try {
      for (unsigned i = 0; i < threads; ++i)
        pool_.emplace_back([this, i] { guarded([&] { work(i); }); });
      if (shard_paths_.empty())
        writer_ = std::thread([this] { guarded([&] { write_updates(); }); });
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
    const auto shard =
        static_cast<unsigned>(std::hash<std::string>{}(job.article.id) % pool_.size());
    pending_[shard].push_back(std::move(job));
    if (pending_[shard].size() >= kJobsPerBatch) flush(shard);
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
  const std::vector<std::string>& shard_paths_;
  Xapian::WritableDatabase& db_;
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

void Pipeline::work(unsigned index) {
  Analyzer analyzer;
  StemmerCache stemmers(o_.language);
  DocumentBuilder builder(analyzer, stemmers);
  std::optional<Xapian::WritableDatabase> shard;
  std::unordered_set<std::string> in_shard;
  std::size_t pending = 0;
  if (!shard_paths_.empty()) {
    // No fsync for shards: they are scratch until merged, and a crash discards them.
    // The merged index is synced before it replaces the old one.
    shard.emplace(shard_paths_[index],
                  Xapian::DB_CREATE | Xapian::DB_BACKEND_GLASS | Xapian::DB_NO_SYNC);
    write_identity(*shard, identity_);
  }
  std::vector<Built> out;
  Batch batch;
  while (inboxes_[index]->pop(batch)) {
    if (halted()) continue;  // drain so the reader never blocks
    for (Job& job : batch) {
      std::string id_term = std::string(schema::kPrefixId) + job.article.id;
      Xapian::Document doc = builder.build(job.article, job.hash);
      if (!shard) {
        out.push_back({std::move(id_term), std::move(doc)});
        continue;
      }
      // Ids are routed to shards by hash, so a duplicate id meets its first copy here.
      if (in_shard.insert(job.article.id).second)
        shard->add_document(doc);
      else
        shard->replace_document(id_term, doc);
      if (++pending >= o_.batch_size) {
        shard->commit();
        pending = 0;
      }
    }
    if (!out.empty()) {
      to_writer_.push(std::move(out));
      out.clear();
    }
  }
  if (shard && !halted()) shard->commit();
  dropped_tokens_ += analyzer.dropped_tokens();
}

// Update mode's single writer. Explicit commits: one per batch bounds what a crash can
// cost to the batch in flight (every earlier batch is durable), and a few hundred documents
// flush faster than Xapian's default threshold of 10,000 (bench/README.md).
void Pipeline::write_updates() {
  std::size_t pending = 0;
  std::vector<Built> docs;
  while (to_writer_.pop(docs)) {
    if (halted()) continue;
    for (Built& b : docs) {
      // replace_document on the unique id term keeps every run idempotent.
      db_.replace_document(b.id_term, b.doc);
      if (++pending >= o_.batch_size) {
        db_.commit();
        pending = 0;
      }
    }
  }
}

// One indexing run, after the index is open and checked: read the inputs on this thread,
// route new and changed articles through a Pipeline, then finish in bulk mode (merge and
// swap) or update mode (prune and commit).
class IndexRun {
 public:
  IndexRun(const IndexOptions& o, Diagnostics& diag, SignalGuard& signals,
           Xapian::WritableDatabase& db)
      : o_(o),
        diag_(diag),
        signals_(signals),
        db_(db),
        old_docs_(db.get_doccount()),
        bulk_(o.recreate || old_docs_ == 0),
        identity_(current_identity(o.language)),
        errors_at_start_(diag.errors()),
        warnings_at_start_(diag.warnings()) {
    threads_ = o.threads ? o.threads : std::max(1u, std::thread::hardware_concurrency());
    threads_ = std::min(threads_, 16u);
    languages_.insert(o.language);
    if (!bulk_) {
      for (const auto& l : stored_languages(db)) languages_.insert(l);
    }
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
  bool is_unchanged(const std::string& id, const std::string& hash, bool& exists);
  void check_yields(const std::vector<IgnoredFiles>& ignored);
  void finish_bulk();
  void count_replaced_and_deleted();
  void finish_update();
  std::string language_list() const;

  const IndexOptions& o_;
  Diagnostics& diag_;
  SignalGuard& signals_;
  Xapian::WritableDatabase& db_;
  const Xapian::doccount old_docs_;
  const bool bulk_;
  const IndexIdentity identity_;
  const std::size_t errors_at_start_, warnings_at_start_;
  unsigned threads_ = 1;
  IndexStats stats_;
  std::optional<Xapian::Database> snapshot_;  // update mode: the index as it was
  TempDir temp_;                              // bulk mode: shards and the merged index
  std::vector<std::string> shard_paths_;
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
  for (unsigned i = 0; i < threads_; ++i)
    shard_paths_.push_back((temp_.path / ("shard" + std::to_string(i))).string());
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
    snapshot_.emplace(o_.index_dir);  // unchanged articles are judged against this
  }
  {
    Pipeline pipeline(o_, identity_, threads_, shard_paths_, db_, signals_);
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
  bool exists = !first_time;
  if (snapshot_ && first_time && is_unchanged(a.id, hash, exists)) {
    ++stats_.unchanged;
    return true;
  }
  ++(exists ? stats_.replaced : stats_.added);
  pipeline.route(Job{std::move(a), std::move(hash)});
  return true;
}

// Update mode: whether the index already holds `id` (`exists`) with this content hash.
bool IndexRun::is_unchanged(const std::string& id, const std::string& hash, bool& exists) {
  const std::string id_term = std::string(schema::kPrefixId) + id;
  // Our own writer commits while we read: when the snapshot's blocks are reused, move it
  // to the latest commit and look again. A newer commit cannot hold this id from this run
  // (it is seen here for the first time), so the answer stays right.
  for (int attempt = 0;; ++attempt) {
    try {
      exists = false;
      Xapian::PostingIterator p = snapshot_->postlist_begin(id_term);
      if (p == snapshot_->postlist_end(id_term)) return false;
      exists = true;
      return snapshot_->get_document(*p, Xapian::DOC_ASSUME_VALID)
                 .get_value(schema::kSlotContentHash) == hash;
    } catch (const Xapian::DatabaseModifiedError&) {
      if (attempt >= 100) throw;
      snapshot_->reopen();
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
  for (auto t = db_.allterms_begin(prefix); t != db_.allterms_end(prefix); ++t) {
    if (seen_.count((*t).substr(prefix.size())))
      ++kept;
    else
      ++stats_.deleted;
  }
  stats_.replaced = kept;
  stats_.added -= std::min(stats_.added, kept);
}

// Merges the shards into a new index beside the old one, then swaps directories: a reader
// sees the old index until the new one is complete.
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
  Xapian::Database all;
  for (const auto& p : shard_paths_) all.add_database(Xapian::Database(p));
  const fs::path target = index_path(o_.index_dir);
  const fs::path merged = temp_.path / "merged";
  all.compact(merged.string(), Xapian::DBCOMPACT_MULTIPASS);
  {
    // compact() copies user metadata from the shards; make sure it is there.
    Xapian::WritableDatabase m(merged.string(), Xapian::DB_OPEN);
    write_identity(m, identity_);
    m.set_metadata(std::string(schema::kMetaLanguages), language_list());
    m.commit();
    stats_.documents = m.get_doccount();
  }
  sync_directory(merged);
  const auto critical = signals_.critical();
  signals_.check(o_.index_dir, "nothing was swapped in; the index is unchanged");
  db_.close();  // releases the lock just before the swap
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
      std::vector<std::string> doomed;
      const std::string prefix(schema::kPrefixId);
      for (auto t = db_.allterms_begin(prefix); t != db_.allterms_end(prefix); ++t) {
        if (!seen_.count((*t).substr(prefix.size()))) doomed.push_back(*t);
      }
      for (const auto& term : doomed) db_.delete_document(term);
      stats_.deleted = doomed.size();
    }
  }
  write_identity(db_, identity_);
  db_.set_metadata(std::string(schema::kMetaLanguages), language_list());
  db_.commit();
  stats_.documents = db_.get_doccount();
  db_.close();
}

// Refuses an index this run cannot update: another analyzer or default language.
void check_compatible(const IndexOptions& o, Xapian::WritableDatabase& db) {
  if (o.recreate) return;
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

}  // namespace

IndexStats build_index(const IndexOptions& o, Diagnostics& diag) {
  if (!Stemmer::known(o.language)) {
    throw FatalError("error: no stemmer for language '" + o.language + "'");
  }
  // First, so that every thread of the run starts with SIGINT and SIGTERM blocked.
  SignalGuard signals(o.handle_signals, o.index_dir);
  // The writable handle holds Xapian's lock on the index for the whole run, so no other
  // indexer can interleave with us.
  Xapian::WritableDatabase db = open_for_writing(o, signals);
  signals.check(o.index_dir, "nothing was written");
  check_compatible(o, db);
  try {
    // Bulk mode, for a new or recreated index: each worker writes a shard of its own and
    // the shards are merged by Xapian's compactor at the end. Writing fresh shards in
    // parallel uses every core and the compacted index is smaller. Update mode, for an
    // index that already holds articles: workers analyse in parallel, one writer replaces
    // documents in place, batch by batch.
    IndexRun run(o, diag, signals, db);
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
