// Searching while indexing: searcher processes (one-shot ones in a loop, and one
// long-lived `searcher --batch` fed through a pipe) run while the real indexer commits
// batch after batch (update mode) or rebuilds the index and swaps it in (bulk --recreate).
// No searcher may fail, and every answer must come from a committed state of the index.
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <unistd.h>

#include <atomic>
#include <catch2/catch.hpp>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "reliability_util.h"
#include "test_util.h"

using Catch::Contains;
using oly::reliability::Clock;
using oly::reliability::Exit;
using oly::reliability::inspect_index;
using oly::reliability::Run;
using oly::reliability::seconds_since;
using oly::test::TempDir;
using oly::test::write_file;

namespace {

// One long-lived `searcher --batch` process: a query is written to its stdin, and its
// answers are read from its stdout up to the query's summary (or error) object.
class BatchSearcher {
 public:
  BatchSearcher(const std::string& index, const std::vector<std::string>& args,
                const std::string& err_path) {
    int in[2], out[2];
    REQUIRE(::pipe2(in, O_CLOEXEC) == 0);
    REQUIRE(::pipe2(out, O_CLOEXEC) == 0);
    oly::reliability::SpawnOptions o;
    o.stdin_fd = in[0];
    o.stdout_fd = out[1];
    o.stderr_path = err_path;
    std::vector<std::string> a{"--batch"};
    a.insert(a.end(), args.begin(), args.end());
    started_ = Clock::now();
    pid_ = oly::reliability::spawn(oly::reliability::searcher_argv(index, a), o);
    ::close(in[0]);
    ::close(out[1]);
    to_ = in[1];
    from_ = out[0];
  }
  ~BatchSearcher() {
    if (to_ >= 0) ::close(to_);
    if (from_ >= 0) ::close(from_);
    if (pid_ > 0) oly::reliability::kill_and_wait(pid_, started_);
  }

  // Sends one query and returns the lines answering it, the last being its summary or
  // error object; empty when the process died or did not answer within `timeout` s.
  std::vector<std::string> ask(const std::string& query, double timeout = 30) {
    const std::string line = query + "\n";
    if (::write(to_, line.data(), line.size()) != static_cast<ssize_t>(line.size())) return {};
    std::vector<std::string> lines;
    const auto deadline = Clock::now() + std::chrono::duration_cast<Clock::duration>(
                                             std::chrono::duration<double>(timeout));
    for (;;) {
      std::size_t nl;
      while ((nl = buffer_.find('\n')) != std::string::npos) {
        lines.push_back(buffer_.substr(0, nl));
        buffer_.erase(0, nl + 1);
        const std::string& l = lines.back();
        if (l.find("\"type\":\"summary\"") != std::string::npos ||
            l.find("\"type\":\"error\"") != std::string::npos) {
          return lines;
        }
      }
      const auto left =
          std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
      if (left.count() <= 0) return {};
      pollfd p{from_, POLLIN, 0};
      if (::poll(&p, 1, static_cast<int>(left.count())) <= 0) return {};
      char buf[65536];
      const ssize_t n = ::read(from_, buf, sizeof buf);
      if (n <= 0) return {};
      buffer_.append(buf, static_cast<std::size_t>(n));
    }
  }

  // Closes stdin and waits for the process to end.
  Exit finish(double timeout = 30) {
    ::close(to_);
    to_ = -1;
    const pid_t pid = pid_;
    pid_ = -1;
    return oly::reliability::wait_exit(pid, timeout, started_);
  }

 private:
  pid_t pid_ = -1;
  int to_ = -1, from_ = -1;
  std::string buffer_;
  Clock::time_point started_;
};

// The outcome of one one-shot searcher run.
struct Outcome {
  std::vector<std::string> args;
  Run run;
  bool during = false;  // started while the indexer was running
};

// Runs one-shot searchers, cycling through `queries`, until `stop` is set and at least
// `at_least` have run.
std::vector<Outcome> search_loop(const std::string& index,
                                 const std::vector<std::vector<std::string>>& queries,
                                 const std::atomic<bool>& stop, std::size_t at_least) {
  std::vector<Outcome> out;
  for (std::size_t i = 0; !stop || out.size() < at_least; ++i) {
    Outcome o;
    o.args = queries[i % queries.size()];
    o.during = !stop;
    o.run = oly::reliability::run(oly::reliability::searcher_argv(index, o.args), {}, 30);
    out.push_back(std::move(o));
  }
  return out;
}

std::string describe(const std::vector<std::string>& args) {
  std::string s;
  for (const auto& a : args) s += (s.empty() ? "" : " ") + a;
  return s;
}

std::size_t to_count(const std::string& out) {
  try {
    return std::stoul(out);
  } catch (const std::exception&) {
    return static_cast<std::size_t>(-1);
  }
}

const std::vector<std::vector<std::string>> kQueries = {
    {"--count", "olympic"},
    {"olympic"},
    {"--json", "-n", "5", "gold medal"},
    {"--ids", "-n", "50", "corpusword"},
    {"--json", "\"gold medal\" OR title:marathon"},
    {"--count", "olympic"},
    {"--sort", "-date", "-n", "3", "marath*"},
    {"--json", "--any", "relay sprint torch"},
    {"--count", "date:2024-08 NOT judo"},
    {"-n", "20", "swimmer NEAR/5 record"},
};

const std::vector<std::string> kBatchQueries = {
    "olympic",
    "gold medal",
    "\"gold medal\"",
    "title:marathon OR relay",
    "marath*",
    "date:2024-08-05..2024-08-20 swimmer",
    "corpusword NOT judo",
};

// Update mode: kInitial articles, then kCorpus more with a commit every kBatch documents
// (100 commits, a few ms apart). While it runs: one-shot searchers in a loop, one
// long-lived `searcher --batch` fed through a pipe, a second indexer (refused: the index is
// locked) and a third with --wait (it goes after the first). The scenario runs once; two
// test cases check it.
struct UpdateScenario {
  static constexpr std::size_t kInitial = 20, kCorpus = 2000, kBatch = 20, kLate = 10;
  Exit indexed, waited, batch_exit;
  Run locked;
  std::string indexer_err, waiter_err, batch_err;
  oly::reliability::IndexState final_state;
  std::vector<Outcome> outcomes;                  // one-shot searchers
  std::vector<std::vector<std::string>> answers;  // batch queries 2, 3, ...
};

UpdateScenario run_update_scenario() {
  using S = UpdateScenario;
  UpdateScenario s;
  TempDir dir("conc-update");
  const std::string index = dir / "index";
  write_file(dir / "initial.jsonl", oly::reliability::generate_corpus(S::kInitial, "init", 3));
  write_file(dir / "corpus.jsonl", oly::reliability::generate_corpus(S::kCorpus, "gen", 4));
  write_file(dir / "late.jsonl", oly::reliability::generate_corpus(S::kLate, "late", 5));
  const Run built =
      oly::reliability::run(oly::reliability::indexer_argv(index, {"-q", dir / "initial.jsonl"}));
  REQUIRE(built.exit.code == 0);

  BatchSearcher batch(index, {"--json", "-n", "3"}, dir / "batch-err.txt");
  REQUIRE(!batch.ask("olympic").empty());  // it has opened the index

  oly::reliability::SpawnOptions so;
  so.stderr_path = dir / "indexer-err.txt";
  const auto started = Clock::now();
  const pid_t indexer = oly::reliability::spawn(
      oly::reliability::indexer_argv(
          index, {"--batch-size", std::to_string(S::kBatch), dir / "corpus.jsonl"}),
      so);
  std::atomic<bool> stop{false};
  std::thread searchers([&] { s.outcomes = search_loop(index, kQueries, stop, 50); });

  // Once the first commit is visible the running indexer surely holds the lock.
  while (inspect_index(index).docs == S::kInitial && seconds_since(started) < 30) {
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  s.locked = oly::reliability::run(
      oly::reliability::indexer_argv(index, {"-q", dir / "late.jsonl"}), {}, 30);
  oly::reliability::SpawnOptions wo;
  wo.stderr_path = dir / "waiter-err.txt";
  const auto waiter_started = Clock::now();
  const pid_t waiter = oly::reliability::spawn(
      oly::reliability::indexer_argv(index, {"--wait", "60", dir / "late.jsonl"}), wo);

  // The long-lived batch searcher, fed while the indexer runs, then a few more.
  for (std::size_t i = 0; oly::reliability::still_running(indexer) || s.answers.size() < 30; ++i) {
    s.answers.push_back(batch.ask(kBatchQueries[i % kBatchQueries.size()]));
    if (s.answers.back().empty()) break;
  }
  s.indexed = oly::reliability::wait_exit(indexer, 60, started);
  s.waited = oly::reliability::wait_exit(waiter, 90, waiter_started);
  stop = true;
  searchers.join();
  s.batch_exit = batch.finish();

  s.indexer_err = oly::test::read_file(dir / "indexer-err.txt");
  s.waiter_err = oly::test::read_file(dir / "waiter-err.txt");
  s.batch_err = oly::test::read_file(dir / "batch-err.txt");
  s.final_state = inspect_index(index);
  return s;
}

const UpdateScenario& update_scenario() {
  static const UpdateScenario s = run_update_scenario();
  return s;
}

}  // namespace

// The indexers, the batch searcher, and what the one-shot searchers that succeeded saw.
// A searcher opens the latest commit, and one whose snapshot a later commit overwrote
// reopens (DatabaseModifiedError), so `--count olympic` (a word in every article) is
// always kInitial plus whole batches, and never goes down from one searcher to the next.
TEST_CASE("concurrency: searching while an update-mode run commits", "[concurrency]") {
  using S = UpdateScenario;
  const UpdateScenario& s = update_scenario();
  INFO("indexer stderr: " << s.indexer_err);
  INFO("waiting indexer stderr: " << s.waiter_err);
  REQUIRE(s.indexed.signal == 0);
  CHECK(s.indexed.code == 0);
  CHECK(s.locked.exit.code == 2);
  CHECK_THAT(s.locked.err, Contains("error: the index is locked by another indexer"));
  CHECK(s.waited.code == 0);
  CHECK(s.final_state.docs == S::kInitial + S::kCorpus + S::kLate);
  CHECK(s.final_state.duplicates().empty());

  std::size_t during = 0, previous = 0;
  for (const Outcome& o : s.outcomes) {
    during += o.during;
    if (o.run.exit.code != 0 && o.run.exit.code != 1) continue;  // see the next test case
    INFO("searcher " << describe(o.args) << ": exit " << o.run.exit.code
                     << "\nstderr: " << o.run.err);
    if (o.args == std::vector<std::string>{"--count", "olympic"}) {
      const std::size_t n = to_count(o.run.out);
      INFO("count " << n);
      CHECK(n >= S::kInitial);
      const bool whole_batches =
          n <= S::kInitial + S::kCorpus && (n - S::kInitial) % S::kBatch == 0;
      CHECK((whole_batches || n == S::kInitial + S::kCorpus + S::kLate));
      CHECK(n >= previous);  // later searchers see later commits
      previous = n;
    }
  }
  CHECK(s.outcomes.size() >= 50);
  CHECK(during >= 10);

  // The batch searcher: every query answered with its summary, no error.
  CHECK(s.answers.size() >= 30);
  for (std::size_t i = 0; i < s.answers.size(); ++i) {
    INFO("batch query " << i + 2);
    REQUIRE(!s.answers[i].empty());
    CHECK_THAT(s.answers[i].back(),
               Contains("\"type\":\"summary\",\"line\":" + std::to_string(i + 2) + ","));
  }
  INFO("batch stderr: " << s.batch_err);
  CHECK(s.batch_err.empty());
  CHECK(s.batch_exit.code == 0);
}

// Every one-shot searcher run during the commits must succeed. Regression (fixed: the
// constructor now retries transient errors); it was: oly::Searcher's
// constructor (core/search.cc) opens the index and reads its metadata with no retry:
//  - Xapian::Database(dir) itself throws when commits land while it opens:
//    DatabaseModifiedError ("The revision being read has been discarded"), or
//    DatabaseCorruptError ("Expected block N to be level N, not N"), or DatabaseError
//    ("EOF reading block N"); the searcher exits 2 with "cannot open the index: ...".
//  - identity_mismatch() / stored_identity() / stored_languages() run outside any try:
//    their DatabaseModifiedError is not a std::exception, main() does not catch it, and the
//    searcher dies of SIGABRT ("terminate called after throwing an instance of
//    'Xapian::DatabaseModifiedError'").
// Seen in about one run in three of this test (batch size 20); with --batch-size 3 and two
// searcher loops, dozens of times a minute. Wanted: reopen and retry, as search() does.
TEST_CASE("concurrency: one-shot searchers never fail while an update-mode run commits",
          "[concurrency]") {
  const UpdateScenario& s = update_scenario();
  for (const Outcome& o : s.outcomes) {
    INFO("searcher " << describe(o.args) << ": exit " << o.run.exit.code << ", signal "
                     << o.run.exit.signal << "\nstderr: " << o.run.err);
    CHECK(o.run.exit.signal == 0);
    CHECK((o.run.exit.code == 0 || o.run.exit.code == 1));
    CHECK(o.run.err.empty());
  }
}

namespace {

// Bulk mode: `indexer --recreate` builds a new index beside the old one and swaps it in
// with one RENAME_EXCHANGE, while one-shot searchers and a `searcher --batch` run. The
// scenario runs once; two test cases check it.
struct BulkScenario {
  static constexpr std::size_t kOld = 30, kNew = 3000;
  Exit indexed, batch_exit;
  std::string indexer_err, batch_err;
  Xapian::doccount final_docs = 0;
  Run after;                                      // `--count olympic` once it is over
  std::vector<Outcome> outcomes;                  // one-shot searchers
  std::vector<std::vector<std::string>> answers;  // batch queries 2, 3, ...
};

BulkScenario run_bulk_scenario() {
  using S = BulkScenario;
  BulkScenario s;
  TempDir dir("conc-bulk");
  const std::string index = dir / "index";
  write_file(dir / "old.jsonl", oly::reliability::generate_corpus(S::kOld, "old", 6));
  write_file(dir / "new.jsonl", oly::reliability::generate_corpus(S::kNew, "new", 7));
  const Run built =
      oly::reliability::run(oly::reliability::indexer_argv(index, {"-q", dir / "old.jsonl"}));
  REQUIRE(built.exit.code == 0);

  BatchSearcher batch(index, {"--json", "-n", "3"}, dir / "batch-err.txt");
  REQUIRE(!batch.ask("olympic").empty());

  oly::reliability::SpawnOptions so;
  so.stderr_path = dir / "indexer-err.txt";
  const auto started = Clock::now();
  const pid_t indexer = oly::reliability::spawn(
      oly::reliability::indexer_argv(index, {"--recreate", dir / "new.jsonl"}), so);
  std::atomic<bool> stop{false};
  std::thread searchers([&] { s.outcomes = search_loop(index, kQueries, stop, 40); });

  for (std::size_t i = 0;; ++i) {
    s.answers.push_back(batch.ask(kBatchQueries[i % kBatchQueries.size()]));
    if (s.answers.back().empty()) break;
    if (!oly::reliability::still_running(indexer) && s.answers.size() >= 20) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  s.indexed = oly::reliability::wait_exit(indexer, 60, started);
  stop = true;
  searchers.join();
  s.batch_exit = batch.finish();
  s.indexer_err = oly::test::read_file(dir / "indexer-err.txt");
  s.batch_err = oly::test::read_file(dir / "batch-err.txt");
  s.final_docs = inspect_index(index).docs;
  s.after = oly::reliability::run(oly::reliability::searcher_argv(index, {"--count", "olympic"}));
  return s;
}

const BulkScenario& bulk_scenario() {
  static const BulkScenario s = run_bulk_scenario();
  return s;
}

}  // namespace

// Searchers keep answering, from the old index or the new one, never from a mixture:
// `--count olympic` (a word in every article) is kOld or kNew. The batch searcher answers
// every query.
TEST_CASE("concurrency: searching while a bulk --recreate swaps the index", "[concurrency]") {
  using S = BulkScenario;
  const BulkScenario& s = bulk_scenario();
  INFO("indexer stderr: " << s.indexer_err);
  CHECK(s.indexed.signal == 0);
  CHECK(s.indexed.code == 0);
  CHECK(s.final_docs == S::kNew);
  CHECK(s.after.out == std::to_string(S::kNew) + "\n");

  std::size_t during = 0;
  for (const Outcome& o : s.outcomes) {
    during += o.during;
    if (o.run.exit.code != 0 && o.run.exit.code != 1) continue;  // see the next test case
    if (o.args == std::vector<std::string>{"--count", "olympic"}) {
      const std::size_t n = to_count(o.run.out);
      INFO("count " << n);
      CHECK((n == S::kOld || n == S::kNew));
    }
  }
  CHECK(during >= 10);

  CHECK(s.answers.size() >= 20);
  for (std::size_t i = 0; i < s.answers.size(); ++i) {
    INFO("batch query " << i + 2);
    REQUIRE(!s.answers[i].empty());
    CHECK_THAT(s.answers[i].back(),
               Contains("\"type\":\"summary\",\"line\":" + std::to_string(i + 2) + ","));
  }
  INFO("batch stderr: " << s.batch_err);
  CHECK(s.batch_err.empty());
  CHECK(s.batch_exit.code == 0);
}

// Every one-shot searcher run during the rebuild must succeed. Regression (fixed: opens are
// retried); it was: Xapian opens a glass
// database file by file, by path: the version file `iamglass` (revision, root blocks),
// then each table. When the RENAME_EXCHANGE falls between the two, a searcher combines the
// old index's version file with the new one's tables (or the reverse) and oly::Searcher's
// constructor reports "cannot open the index: DatabaseCorruptError: Expected block 2 to
// be level 0, not 1" and exits 2. Seen in about one run in three of this test. Wanted:
// retry the open (a swap race is gone on the next try; real damage is not).
TEST_CASE("concurrency: one-shot searchers never fail while a bulk --recreate swaps the index",
          "[concurrency]") {
  const BulkScenario& s = bulk_scenario();
  for (const Outcome& o : s.outcomes) {
    INFO("searcher " << describe(o.args) << ": exit " << o.run.exit.code << ", signal "
                     << o.run.exit.signal << "\nstderr: " << o.run.err);
    CHECK(o.run.exit.signal == 0);
    CHECK((o.run.exit.code == 0 || o.run.exit.code == 1));
    CHECK(o.run.err.empty());
  }
}

// A long-lived `searcher --batch` should answer from the latest commit. Regression (fixed:
// reopen before each query, fresh open after a swap); it was: it opens the
// index once and reopens only when Xapian throws DatabaseModifiedError, so after an
// indexer commits (or a --recreate swaps in a new index: its open file descriptors still
// point at the old files) it keeps answering from its first snapshot for as long as it
// runs. Repro: start `searcher --batch --count`, ask `zebra` (0), index an article about a
// zebra, ask again: still 0. Wanted: reopen (Database::reopen() is cheap) before each query.
TEST_CASE("concurrency: a long-lived --batch searcher sees later commits", "[concurrency]") {
  TempDir dir("conc-fresh");
  const std::string index = dir / "index";
  write_file(dir / "a.jsonl", oly::reliability::generate_corpus(5, "a", 8));
  write_file(dir / "zebra.jsonl", "{\"id\":\"zebra\",\"title\":\"A zebra crossing\"}\n");
  REQUIRE(oly::reliability::run(oly::reliability::indexer_argv(index, {"-q", dir / "a.jsonl"}))
              .exit.code == 0);

  BatchSearcher batch(index, {"--json"}, dir / "batch-err.txt");
  const auto first = batch.ask("zebra");
  REQUIRE(!first.empty());
  CHECK_THAT(first.back(), Contains("\"estimated_total\":0"));

  SECTION("after an update-mode commit") {
    REQUIRE(
        oly::reliability::run(oly::reliability::indexer_argv(index, {"-q", dir / "zebra.jsonl"}))
            .exit.code == 0);
    const auto second = batch.ask("zebra");
    REQUIRE(!second.empty());
    CHECK_THAT(second.back(), Contains("\"estimated_total\":1"));
  }
  SECTION("after a --recreate swapped in a new index") {
    REQUIRE(oly::reliability::run(
                oly::reliability::indexer_argv(index, {"-q", "--recreate", dir / "zebra.jsonl"}))
                .exit.code == 0);
    const auto second = batch.ask("zebra");
    REQUIRE(!second.empty());
    CHECK_THAT(second.back(), Contains("\"estimated_total\":1"));
  }
  CHECK(batch.finish().code <= 1);
}
