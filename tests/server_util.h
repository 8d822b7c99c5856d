// A `xapian-tcpsrv` serving one index on 127.0.0.1 for the scale-out tests
// (test_scale_out.cc), owned by an object: started in its own session (so the children it
// forks per connection share its process group), ready only once it accepts connections,
// and its whole process group killed and reaped when the object goes away, whatever
// path the test takes.
#pragma once

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <memory>
#include <sstream>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "reliability_util.h"

namespace oly::scale_out {

using oly::reliability::Clock;
using oly::reliability::seconds_since;

// The path of xapian-tcpsrv, or "" when it is not installed (the tests then skip with a
// WARN: it comes with xapian-tools, which scripts/install-deps installs).
inline const std::string& tcpsrv_program() {
  static const std::string path = oly::reliability::find_program("xapian-tcpsrv");
  return path;
}

// A TCP port on 127.0.0.1 that was free a moment ago: the kernel picks it (bind to port 0)
// and the socket is closed again. Another process may take it before we do, so callers
// retry with a fresh one when the server cannot bind.
inline int free_port() {
  const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) throw std::runtime_error("socket() failed");
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  a.sin_port = 0;
  socklen_t len = sizeof a;
  const bool ok = ::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0 &&
                  ::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len) == 0;
  ::close(fd);
  if (!ok) throw std::runtime_error("cannot bind a port on 127.0.0.1");
  return ntohs(a.sin_port);
}

// True when something accepts a TCP connection on 127.0.0.1:port.
inline bool accepts(int port) {
  const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return false;
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  a.sin_port = htons(static_cast<uint16_t>(port));
  const bool ok = ::connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0;
  ::close(fd);
  return ok;
}

// Processes of the process group `pgid` that are still running (not zombies): read from
// /proc, since a killed handler whose parent died too stays a zombie until init reaps it.
inline int live_members(pid_t pgid) {
  int n = 0;
  std::error_code ec;
  for (const auto& e : std::filesystem::directory_iterator("/proc", ec)) {
    std::ifstream in(e.path() / "stat");
    std::string stat;
    if (!std::getline(in, stat)) continue;
    // pid (comm) state ppid pgrp ...: comm may hold spaces, so parse after the last ')'.
    const auto close = stat.rfind(')');
    if (close == std::string::npos) continue;
    std::istringstream rest(stat.substr(close + 1));
    char state = 0;
    long ppid = 0, pgrp = 0;
    if (rest >> state >> ppid >> pgrp && pgrp == pgid && state != 'Z') ++n;
  }
  return n;
}

class TcpServer {
 public:
  // Serves `index` read-only on 127.0.0.1 with an ephemeral port. Throws when no server
  // accepted connections within a few tries (a port taken between free_port() and the
  // server's bind makes it exit at once: then another port is tried).
  explicit TcpServer(const std::string& index) {
    for (int attempt = 0; attempt < 5; ++attempt) {
      port_ = free_port();
      pid_ = start(index, port_);
      if (wait_ready()) return;
      stop();
    }
    throw std::runtime_error("xapian-tcpsrv did not start serving " + index);
  }
  ~TcpServer() { stop(); }
  TcpServer(const TcpServer&) = delete;
  TcpServer& operator=(const TcpServer&) = delete;

  int port() const { return port_; }
  // The server's pid, which is also its process group (-1 once stopped).
  pid_t pid() const { return pid_; }
  // The searcher's one-argument form of this shard, as it names it in errors.
  std::string spec() const { return "remote 127.0.0.1:" + std::to_string(port_); }
  // The stub-file line for this shard.
  std::string stub_line() const { return "remote 127.0.0.1:" + std::to_string(port_) + "\n"; }

  // Sends `sig` to the server and to every connection handler it forked.
  void signal_all(int sig) const {
    if (pid_ > 0) ::kill(-pid_, sig);
  }
  // Kills the server and its connection handlers now and reaps the server. Idempotent.
  void stop() {
    if (pid_ <= 0) return;
    ::kill(-pid_, SIGCONT);  // a stopped handler must die too, not linger stopped
    ::kill(-pid_, SIGKILL);
    int status = 0;
    while (::waitpid(pid_, &status, 0) < 0 && errno == EINTR) {
    }
    pid_ = -1;
  }

 private:
  static pid_t start(const std::string& index, int port) {
    const std::vector<std::string> argv{
        tcpsrv_program(),     "--quiet", "--interface", "127.0.0.1", "--port",
        std::to_string(port), index};
    std::vector<char*> args;
    for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
    args.push_back(nullptr);
    const pid_t pid = ::fork();
    if (pid != 0) return pid;
    // The child: a new session, so that kill(-pid) reaches the handlers it forks and a
    // Ctrl-C in the test's terminal is not its business.
    ::setsid();
    const int null = ::open("/dev/null", O_RDWR);
    if (null >= 0) {
      ::dup2(null, 0);
      ::dup2(null, 1);
      ::dup2(null, 2);
    }
    ::execv(args[0], args.data());
    ::_exit(127);
  }

  // Polls until the server accepts a connection (true) or exits or 10 s pass (false).
  bool wait_ready() const {
    const auto started = Clock::now();
    while (seconds_since(started) < 10 * oly::reliability::kSlowdown) {
      if (!oly::reliability::still_running(pid_)) return false;
      if (accepts(port_)) return true;
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    return false;
  }

  pid_t pid_ = -1;
  int port_ = 0;
};

// One xapian-tcpsrv per shard of an `indexer --shards N` directory (DIR/shard0, ...),
// all stopped when the object goes. Empty when xapian-tcpsrv is not installed: the caller
// warns and checks what it can without them.
class ShardServers {
 public:
  explicit ShardServers(const std::string& sharded_dir, int shards = 3) {
    if (tcpsrv_program().empty()) return;
    for (int i = 0; i < shards; ++i)
      servers_.push_back(std::make_unique<TcpServer>(sharded_dir + "/shard" + std::to_string(i)));
  }
  bool empty() const { return servers_.empty(); }
  const TcpServer& operator[](std::size_t i) const { return *servers_.at(i); }
  // A searcher run over every remote shard is `-d first()` with `with_others(args)`.
  std::string first() const { return servers_.at(0)->spec(); }
  std::vector<std::string> with_others(std::vector<std::string> args) const {
    for (std::size_t i = 1; i < servers_.size(); ++i)
      args.insert(args.end(), {"-d", servers_[i]->spec()});
    return args;
  }

 private:
  std::vector<std::unique_ptr<TcpServer>> servers_;
};

// A searcher run over every local shard of DIR is `-d DIR/shard0` with these args: `args`
// and `-d DIR/shard1 ... -d DIR/shard<N-1>`.
inline std::vector<std::string> with_local_shards(std::vector<std::string> args,
                                                  const std::string& sharded_dir, int shards = 3) {
  for (int i = 1; i < shards; ++i)
    args.insert(args.end(), {"-d", sharded_dir + "/shard" + std::to_string(i)});
  return args;
}

}  // namespace oly::scale_out
