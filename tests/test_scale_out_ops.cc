// Serving and replicating indexes with Xapian's own daemons: scripts/serve-shards (one
// xapian-tcpsrv per shard, a stub of `remote` lines for `searcher -d`) and scripts/replicate
// (xapian-replicate rounds against xapian-replicate-server). Everything listens on
// 127.0.0.1 on free ports, every wait is bounded, and every server is stopped on every
// path (RAII), also when a REQUIRE fails. Queries use exact words: stems reach remote
// shards only once they are document terms (schema 4), which is another test's subject.
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <fstream>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

#include "reliability_util.h"
#include "test_util.h"

using Catch::Contains;
using oly::reliability::Clock;
using oly::reliability::find_program;
using oly::reliability::generate_corpus;
using oly::reliability::indexer_argv;
using oly::reliability::Run;
using oly::reliability::searcher_argv;
using oly::test::TempDir;
using oly::test::write_file;

namespace {

const std::string kServeShards = std::string(OLY_SOURCE_DIR) + "/scripts/serve-shards";
const std::string kReplicate = std::string(OLY_SOURCE_DIR) + "/scripts/replicate";

// True when the Xapian daemons these tests drive are installed; otherwise says so visibly.
bool have_tools(const std::vector<std::string>& tools) {
  for (const auto& t : tools) {
    if (find_program(t).empty()) {
      WARN("skipped: " << t << " is not installed (Debian package xapian-tools)");
      return false;
    }
  }
  if (find_program("bash").empty()) {
    WARN("skipped: bash is not installed");
    return false;
  }
  return true;
}

Run run_script(const std::string& script, const std::vector<std::string>& args,
               double timeout = 60) {
  std::vector<std::string> argv{find_program("bash"), script};
  argv.insert(argv.end(), args.begin(), args.end());
  return oly::reliability::run(argv, {}, timeout);
}

// Indexes `n` generated articles with ids PREFIX-... into `index`; XAPIAN_MAX_CHANGESETS
// makes the commits write changesets, as a replicated master should.
void index_corpus(const TempDir& dir, const std::string& index, std::size_t n,
                  const std::string& prefix, const std::vector<std::string>& extra = {}) {
  const std::string input = dir / (prefix + ".jsonl");
  write_file(input, generate_corpus(n, prefix));
  std::vector<std::string> args{"-q"};
  args.insert(args.end(), extra.begin(), extra.end());
  args.push_back(input);
  std::vector<std::string> argv{"/usr/bin/env", "XAPIAN_MAX_CHANGESETS=10"};
  for (auto& a : indexer_argv(index, args)) argv.push_back(a);
  const Run r = oly::reliability::run(argv);
  INFO(r.err);
  REQUIRE(r.exit.code == 0);
}

// `searcher -d SPEC --count QUERY` as a number (-1 when it failed).
long count(const std::string& spec, const std::string& query) {
  const Run r = oly::reliability::run(searcher_argv(spec, {"--count", query}), {}, 60);
  if (r.exit.code != 0 && r.exit.code != 1) return -1;
  try {
    return std::stol(r.out);
  } catch (const std::exception&) {
    return -1;
  }
}

// The pids listed in a serve-shards pid file (first field of each non-comment line).
std::vector<pid_t> pids_in(const std::string& pid_file) {
  std::vector<pid_t> out;
  std::ifstream in(pid_file);
  for (std::string line; std::getline(in, line);) {
    if (line.empty() || line[0] == '#') continue;
    out.push_back(static_cast<pid_t>(std::stol(line)));
  }
  return out;
}

// Alive (not a zombie) and running xapian-tcpsrv: a pid from a file may have been reused.
bool is_tcpsrv(pid_t pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/stat");
  std::string p, comm, state;
  return static_cast<bool>(in >> p >> comm >> state) && comm == "(xapian-tcpsrv)" && state != "Z";
}

// The servers that one serve-shards run started: stopped with `--stop` when the object goes,
// and any survivor killed (its process group: the children serving connections too).
class ServedShards {
 public:
  ServedShards(const TempDir& dir, const std::vector<std::string>& args)
      : ServedShards(dir / "remote.stub", args) {}
  // `serve-shards --stub STUB args...` (a later --stub in args wins).
  ServedShards(const std::string& stub, const std::vector<std::string>& indexes)
      : stub_(stub), pid_file_(stub_ + ".pid") {
    std::vector<std::string> args{"--stub", stub_};
    args.insert(args.end(), indexes.begin(), indexes.end());
    start = run_script(kServeShards, args);
    pids_ = pids_in(pid_file_);
  }
  ~ServedShards() {
    if (std::filesystem::exists(pid_file_)) run_script(kServeShards, {"--stop", pid_file_});
    for (pid_t pid : pids_) {
      if (is_tcpsrv(pid)) ::kill(-pid, SIGKILL);
    }
  }
  ServedShards(const ServedShards&) = delete;
  ServedShards& operator=(const ServedShards&) = delete;

  Run start;
  const std::string& stub() const { return stub_; }
  const std::string& pid_file() const { return pid_file_; }
  const std::vector<pid_t>& pids() const { return pids_; }

 private:
  std::string stub_, pid_file_;
  std::vector<pid_t> pids_;
};

// A listening TCP socket on 127.0.0.1 with a free port chosen by the kernel.
class Listener {
 public:
  Listener() {
    fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof a;
    if (fd_ < 0 || ::bind(fd_, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0 ||
        ::listen(fd_, 4) != 0 || ::getsockname(fd_, reinterpret_cast<sockaddr*>(&a), &len) != 0) {
      FAIL("cannot open a loopback socket");
    }
    port_ = ntohs(a.sin_port);
  }
  ~Listener() { close(); }
  Listener(const Listener&) = delete;
  Listener& operator=(const Listener&) = delete;
  void close() {
    if (fd_ >= 0) ::close(fd_);
    fd_ = -1;
  }
  int port() const { return port_; }

 private:
  int fd_ = -1;
  int port_ = 0;
};

bool accepts(int port) {
  const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  a.sin_port = htons(static_cast<uint16_t>(port));
  const bool ok = fd >= 0 && ::connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0;
  if (fd >= 0) ::close(fd);
  return ok;
}

// xapian-replicate-server serving the folder `root` on a free loopback port; killed when
// the object goes. The port is found free by binding it, then handed over; a clash in
// between (another program taking it) makes the server exit, and a new port is tried.
class ReplicateServer {
 public:
  explicit ReplicateServer(const std::string& root) {
    const std::string program = find_program("xapian-replicate-server");
    for (int attempt = 0; attempt < 10 && pid_ < 0; ++attempt) {
      Listener probe;
      port_ = probe.port();
      probe.close();
      started_ = Clock::now();
      const pid_t pid =
          oly::reliability::spawn({program, "-I", "127.0.0.1", "-p", std::to_string(port_), root});
      while (oly::reliability::still_running(pid) && !accepts(port_) &&
             oly::reliability::seconds_since(started_) < 10) {
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
      }
      if (oly::reliability::still_running(pid) && accepts(port_)) {
        pid_ = pid;
      } else {
        oly::reliability::kill_and_wait(pid, started_);
      }
    }
    REQUIRE(pid_ > 0);
  }
  ~ReplicateServer() {
    if (pid_ > 0) oly::reliability::kill_and_wait(pid_, started_);
  }
  ReplicateServer(const ReplicateServer&) = delete;
  ReplicateServer& operator=(const ReplicateServer&) = delete;
  std::string port() const { return std::to_string(port_); }

 private:
  pid_t pid_ = -1;
  int port_ = 0;
  Clock::time_point started_;
};

std::size_t count_lines_starting(const std::string& text, const std::string& prefix) {
  std::istringstream in(text);
  std::size_t n = 0;
  for (std::string line; std::getline(in, line);) n += line.rfind(prefix, 0) == 0;
  return n;
}

// A sharded directory as `indexer --shards 2` lays it out: DIR/shard0, DIR/shard1 and a
// XAPIANDB stub naming them (built by hand here, so these tests stand on their own).
void make_sharded(const TempDir& dir, const std::string& set) {
  index_corpus(dir, set + "/shard0", 30, "alpha");
  index_corpus(dir, set + "/shard1", 20, "beta");
  write_file(set + "/XAPIANDB", "# two shards\nauto shard0\nauto shard1\n");
}

}  // namespace

TEST_CASE(
    "serve-shards serves each shard on a loopback port, the stub searches them all, "
    "--stop stops them",
    "[scale_out_ops][serve_shards]") {
  if (!have_tools({"xapian-tcpsrv"})) return;
  TempDir dir("serve");
  make_sharded(dir, dir / "set");
  index_corpus(dir, dir / "single", 5, "gamma");
  REQUIRE(count(dir / "set", "\"corpusword\"") == 50);

  std::vector<pid_t> pids;
  {
    ServedShards served(dir, {dir / "set", dir / "single"});
    INFO(served.start.err);
    REQUIRE(served.start.exit.code == 0);
    const std::string stub = oly::test::read_file(served.stub());
    CHECK(count_lines_starting(stub, "remote 127.0.0.1:") == 3);
    CHECK(count_lines_starting(stub, "#") >= 1);  // says how it was made
    pids = served.pids();
    REQUIRE(pids.size() == 3);
    for (pid_t pid : pids) CHECK(is_tcpsrv(pid));

    // One combined database over the three remote shards.
    CHECK(count(served.stub(), "\"corpusword\"") == 55);
    CHECK(count(served.stub(), "id:beta-00007") == 1);
    const Run ids = oly::reliability::run(
        searcher_argv(served.stub(), {"--ids", "-n", "100", "\"corpusword\""}), {}, 60);
    CHECK(ids.exit.code == 0);
    CHECK(count_lines_starting(ids.out, "alpha-") == 30);
    CHECK(count_lines_starting(ids.out, "gamma-") == 5);

    const Run stop = run_script(kServeShards, {"--stop", served.pid_file()});
    INFO(stop.err);
    CHECK(stop.exit.code == 0);
    CHECK_FALSE(std::filesystem::exists(served.pid_file()));
    for (pid_t pid : pids) CHECK_FALSE(is_tcpsrv(pid));
    // The stub now names servers that are gone: an error, never an empty answer.
    const Run gone =
        oly::reliability::run(searcher_argv(served.stub(), {"--count", "corpusword"}), {}, 60);
    CHECK(gone.exit.code == 2);
    CHECK_THAT(gone.err, Contains("error"));
  }
}

TEST_CASE("serve-shards: a port in use is an error and leaves no server behind",
          "[scale_out_ops][serve_shards]") {
  if (!have_tools({"xapian-tcpsrv"})) return;
  TempDir dir("serve-clash");
  index_corpus(dir, dir / "idx", 3, "one");
  make_sharded(dir, dir / "set");
  // The second shard's port is taken (and most likely the first's is free): the server
  // already started for the first shard must be stopped again.
  Listener taken;
  ServedShards served(dir, {"--port", std::to_string(taken.port() - 1), dir / "set"});
  INFO(served.start.err);
  CHECK(served.start.exit.code == 1);
  CHECK_THAT(served.start.err, Contains("already in use"));
  const std::string& err = served.start.err;
  for (std::size_t at = err.find("(pid "); at != std::string::npos;
       at = err.find("(pid ", at + 1)) {
    const pid_t pid = static_cast<pid_t>(std::stol(err.substr(at + 5)));
    CHECK_FALSE(is_tcpsrv(pid));
  }
  CHECK_FALSE(std::filesystem::exists(served.stub()));
  CHECK_FALSE(std::filesystem::exists(served.pid_file()));
}

TEST_CASE("serve-shards: bad arguments are usage errors (exit 2) that say what is wrong",
          "[scale_out_ops][serve_shards]") {
  if (!have_tools({"xapian-tcpsrv"})) return;
  TempDir dir("serve-bad");
  index_corpus(dir, dir / "idx", 3, "one");
  make_sharded(dir, dir / "set");
  write_file(dir / "remote.stub", "remote 127.0.0.1:1\n");
  write_file(dir / "odd.stub", "# comment\ninmemory\n");
  write_file(dir / "empty.stub", "# nothing\n\n");
  write_file(dir / "missing.stub", "auto no-such-shard\n");
  std::filesystem::create_directories(dir / "plain-dir");
  const std::string stub = dir / "s.stub";
  struct Case {
    std::vector<std::string> args;
    std::string message;
  };
  const std::vector<Case> cases = {
      {{}, "no INDEX given"},
      {{"--frobnicate", dir / "idx"}, "unknown option '--frobnicate'"},
      {{"--port", "x", dir / "idx"}, "--port: expected 0..65535, got 'x'"},
      {{"--port", "70000", dir / "idx"}, "--port: expected"},
      {{"--port", "-1", dir / "idx"}, "--port: expected"},
      {{"--port", "65535", dir / "set"}, "do not fit below 65536"},
      {{"--wait", "0", dir / "idx"}, "--wait: expected"},
      {{"--bind", "1.2.3.4;rm", dir / "idx"}, "--bind: not an address"},
      {{"--stub"}, "--stub needs a value"},
      {{"--stub", "", dir / "idx"}, "--stub: empty value"},
      {{dir / "no-such-index"}, "no such index"},
      {{dir / "plain-dir"}, "not an index"},
      {{dir / "remote.stub"}, "is already remote"},
      {{dir / "odd.stub"}, "odd.stub:2: error: unsupported stub line"},
      {{dir / "empty.stub"}, "names no shard"},
      {{dir / "missing.stub"}, "missing.stub:1: error: shard"},
      // The same shard twice would count its documents twice: refused, whatever the path.
      {{dir / "idx", dir / "idx/"}, "served twice"},
      {{dir / "set", dir / "set/shard1"}, "served twice"},
      {{"--stub", dir / "no-such-dir/s.stub", dir / "idx"}, "no-such-dir"},
      {{"--stop", dir / "no-such.pid"}, "no pid file"},
      {{"--stop", dir / "idx/iamglass", "x"}, "--stop takes only the pid file"},
  };
  for (const auto& c : cases) {
    const ServedShards served(stub, c.args);  // stops the servers of a wrong success
    const Run& r = served.start;
    INFO("args: " << Catch::Detail::stringify(c.args) << "\nstderr: " << r.err);
    CHECK(r.exit.code == 2);
    CHECK_THAT(r.err, Contains(c.message));
    CHECK_FALSE(std::filesystem::exists(stub));
  }
  const Run help = run_script(kServeShards, {"--help"});
  CHECK(help.exit.code == 0);
  CHECK_THAT(help.out, Contains("--stop PIDFILE"));
}

TEST_CASE("replicate: a replica follows its master, in update mode and after --recreate",
          "[scale_out_ops][replicate]") {
  if (!have_tools({"xapian-replicate", "xapian-replicate-server"})) return;
  TempDir dir("replicate");
  const std::string master = dir / "master/news";
  const std::string replica = dir / "replica/news";
  index_corpus(dir, master, 20, "first");
  ReplicateServer server(dir / "master");
  const std::vector<std::string> once{"--host", "127.0.0.1", "--port", server.port(),
                                      "--once", "news",      replica};
  auto round = [&] {
    const Run r = run_script(kReplicate, once);
    INFO(r.err);
    REQUIRE(r.exit.code == 0);
  };
  round();  // the first round copies the whole database
  CHECK(count(replica, "\"corpusword\"") == 20);

  index_corpus(dir, master, 1, "late");  // update mode: a commit in place, a changeset
  CHECK(count(replica, "id:late-00000") == 0);
  round();
  CHECK(count(replica, "id:late-00000") == 1);
  CHECK(count(replica, "\"corpusword\"") == 21);

  // The replica served remotely: the server must follow the replica's switch to a full
  // copy, not keep serving the copy it found at start (which the switch deletes).
  const bool served_too = !find_program("xapian-tcpsrv").empty();
  std::optional<ServedShards> served;
  if (served_too) {
    served.emplace(dir, std::vector<std::string>{replica});
    INFO(served->start.err);
    REQUIRE(served->start.exit.code == 0);
    CHECK(count(served->stub(), "\"corpusword\"") == 21);
  }

  // --recreate swaps a new database in: the replica gets a full copy of it.
  index_corpus(dir, master, 4, "fresh", {"--recreate"});
  round();
  CHECK(count(replica, "\"corpusword\"") == 4);
  CHECK(count(replica, "id:first-00000") == 0);
  if (served_too) CHECK(count(served->stub(), "\"corpusword\"") == 4);
}

TEST_CASE("replicate --shards: a sharded replica opens like its master and can be served",
          "[scale_out_ops][replicate][serve_shards]") {
  if (!have_tools({"xapian-replicate", "xapian-replicate-server", "xapian-tcpsrv"})) return;
  TempDir dir("replicate-sharded");
  make_sharded(dir, dir / "master/set");
  ReplicateServer server(dir / "master");
  const std::string replica = dir / "replica";
  const Run r = run_script(kReplicate, {"--host", "127.0.0.1", "--port", server.port(), "--shards",
                                        "2", "--once", "set", replica});
  INFO(r.err);
  REQUIRE(r.exit.code == 0);
  CHECK(count(replica, "\"corpusword\"") == 50);

  ServedShards served(dir, {replica});
  INFO(served.start.err);
  REQUIRE(served.start.exit.code == 0);
  CHECK(served.pids().size() == 2);
  CHECK(count(served.stub(), "\"corpusword\"") == 50);

  // The master re-sharded (a third shard): the replica's stub must name it, or the
  // replica would silently answer without its documents.
  index_corpus(dir, dir / "master/set/shard2", 7, "delta");
  write_file(dir / "master/set/XAPIANDB", "auto shard0\nauto shard1\nauto shard2\n");
  const Run resharded = run_script(kReplicate, {"--host", "127.0.0.1", "--port", server.port(),
                                                "--shards", "3", "--once", "set", replica});
  INFO(resharded.err);
  REQUIRE(resharded.exit.code == 0);
  CHECK(count(replica, "\"corpusword\"") == 57);

  // A shard count the master does not have: the missing shard is named, exit 1.
  const Run three = run_script(kReplicate, {"--host", "127.0.0.1", "--port", server.port(),
                                            "--shards", "4", "--once", "set", dir / "r3"});
  CHECK(three.exit.code == 1);
  CHECK_THAT(three.err, Contains("set/shard3"));
  CHECK_FALSE(std::filesystem::exists(dir / "r3/XAPIANDB"));
  // Usage errors.
  CHECK(run_script(kReplicate, {"--port", server.port(), "--once", "set", dir / "r4"}).exit.code ==
        2);
  CHECK(
      run_script(kReplicate, {"--host", "127.0.0.1", "--port", "0", "set", dir / "r4"}).exit.code ==
      2);
}

namespace {

// `searcher --batch --count` on `index`, fed one line at a time through a pipe, so that it
// stays open across replication rounds like a long-lived front end.
class CountingBatch {
 public:
  CountingBatch(const TempDir& dir, const std::string& index) : out_(dir / "batch-out.txt") {
    int fds[2];
    REQUIRE(::pipe2(fds, O_CLOEXEC) == 0);
    oly::reliability::SpawnOptions o;
    o.stdin_fd = fds[0];
    o.stdout_path = out_;
    o.stderr_path = dir / "batch-err.txt";
    err_path_ = o.stderr_path;
    started_ = Clock::now();
    pid_ = oly::reliability::spawn(searcher_argv(index, {"--batch", "--count"}), o);
    ::close(fds[0]);
    to_ = fds[1];
  }
  ~CountingBatch() {
    if (to_ >= 0) ::close(to_);
    if (pid_ > 0) oly::reliability::kill_and_wait(pid_, started_);
  }
  CountingBatch(const CountingBatch&) = delete;
  CountingBatch& operator=(const CountingBatch&) = delete;

  // Sends a query; returns its count (the `LINE<TAB>count` answer), or -1 when the searcher
  // gave no answer within 20 s (it failed or died).
  long ask(const std::string& query) {
    ++asked_;
    const std::string line = query + "\n";
    if (::write(to_, line.data(), line.size()) != static_cast<ssize_t>(line.size())) return -1;
    const auto t0 = Clock::now();
    while (oly::reliability::seconds_since(t0) < 20) {
      std::istringstream in(oly::test::read_file(out_));
      for (std::string l; std::getline(in, l);) {
        if (l.rfind(std::to_string(asked_) + "\t", 0) == 0)
          return std::stol(l.substr(l.find('\t')));
      }
      if (!oly::reliability::still_running(pid_)) return -1;
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    return -1;
  }
  std::string err() const { return oly::test::read_file(err_path_); }

 private:
  std::string out_, err_path_;
  pid_t pid_ = -1;
  int to_ = -1;
  int asked_ = 0;
  Clock::time_point started_;
};

}  // namespace

TEST_CASE("replicate: a long-lived searcher on a replica sees a changeset round",
          "[scale_out_ops][replicate]") {
  if (!have_tools({"xapian-replicate", "xapian-replicate-server"})) return;
  TempDir dir("replicate-reader");
  index_corpus(dir, dir / "master/news", 10, "first");
  ReplicateServer server(dir / "master");
  const std::vector<std::string> once{"--host", "127.0.0.1", "--port",       server.port(),
                                      "--once", "news",      dir / "replica"};
  REQUIRE(run_script(kReplicate, once).exit.code == 0);
  CountingBatch batch(dir, dir / "replica");
  REQUIRE(batch.ask("\"corpusword\"") == 10);
  index_corpus(dir, dir / "master/news", 1, "late");  // a changeset, applied in place
  REQUIRE(run_script(kReplicate, once).exit.code == 0);
  const long after = batch.ask("\"corpusword\"");
  INFO(batch.err());
  CHECK(after == 11);
}

// A full copy (the first round after `indexer --recreate`, or any round without
// XAPIAN_MAX_CHANGESETS on the master) is written beside the live copy, the replica's
// XAPIANDB is switched to it and the old copy deleted. Xapian's reopen() would reopen the
// old copy's path ("DatabaseNotFoundError: .../replica_0/iamglass"); the searcher reads
// the -d stubs again before each --batch query and opens the new copy.
TEST_CASE("replicate: a long-lived searcher on a replica survives a full-copy round",
          "[scale_out_ops][replicate]") {
  if (!have_tools({"xapian-replicate", "xapian-replicate-server"})) return;
  TempDir dir("replicate-fullcopy");
  index_corpus(dir, dir / "master/news", 10, "first");
  ReplicateServer server(dir / "master");
  const std::vector<std::string> once{"--host", "127.0.0.1", "--port",       server.port(),
                                      "--once", "news",      dir / "replica"};
  REQUIRE(run_script(kReplicate, once).exit.code == 0);
  CountingBatch batch(dir, dir / "replica");
  REQUIRE(batch.ask("\"corpusword\"") == 10);
  index_corpus(dir, dir / "master/news", 3, "fresh", {"--recreate"});  // a new database
  REQUIRE(run_script(kReplicate, once).exit.code == 0);
  const long after = batch.ask("\"corpusword\"");
  INFO(batch.err());
  CHECK(after == 3);
}

TEST_CASE("replicate: without --once it keeps the replica up to date until SIGTERM",
          "[scale_out_ops][replicate]") {
  if (!have_tools({"xapian-replicate", "xapian-replicate-server"})) return;
  TempDir dir("replicate-loop");
  index_corpus(dir, dir / "master/news", 5, "first");
  ReplicateServer server(dir / "master");
  oly::reliability::SpawnOptions o;
  o.stderr_path = dir / "loop-err.txt";
  const auto started = Clock::now();
  pid_t pid =
      oly::reliability::spawn({find_program("bash"), kReplicate, "--host", "127.0.0.1", "--port",
                               server.port(), "--interval", "1", "news", dir / "replica"},
                              o);
  // Killed (SIGKILL) on every path out of this test, unless it has been reaped below.
  struct Reaper {
    pid_t& pid;
    Clock::time_point started;
    ~Reaper() {
      if (pid > 0) oly::reliability::kill_and_wait(pid, started);
    }
  } reaper{pid, started};
  auto wait_for = [&](long want) {
    const auto t0 = Clock::now();
    while (oly::reliability::seconds_since(t0) < 30 * oly::reliability::kSlowdown) {
      if (count(dir / "replica", "\"corpusword\"") == want) return true;
      std::this_thread::sleep_for(std::chrono::milliseconds(200));
    }
    return false;
  };
  INFO(oly::test::read_file(dir / "loop-err.txt"));
  CHECK(wait_for(5));
  index_corpus(dir, dir / "master/news", 2, "late");
  CHECK(wait_for(7));  // a later round brought the new articles

  ::kill(pid, SIGTERM);
  const auto exit = oly::reliability::wait_exit(pid, 30, started);
  pid = -1;
  CHECK_FALSE(exit.timed_out);
  CHECK(exit.code == 143);
}
