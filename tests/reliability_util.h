// Helpers of the reliability tests (test_bad_input.cc, test_crash_safety.cc,
// test_concurrency.cc): run the real binaries as child processes with a timeout, a file
// size limit, resource usage and SIGKILL; look inside an index; generate corpora.
#pragma once

#include <fcntl.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>
#include <xapian.h>

#include <cerrno>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "test_util.h"

extern char** environ;

// In their own namespace, so that helpers added to test_util.h later cannot clash.
namespace oly::reliability {

using Clock = std::chrono::steady_clock;

// Time limits in these tests catch hangs and super-linear blow-ups, not speed: under
// AddressSanitizer the same work takes several times longer (the 100 MB record case of
// test_bad_input.cc: 11 s in all plain; under ASan on a loaded CI machine 59 s to index
// and 36 s for one snippet), so every limit is scaled by this.
#if defined(__SANITIZE_ADDRESS__)
inline constexpr double kSlowdown = 4;
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
inline constexpr double kSlowdown = 4;
#else
inline constexpr double kSlowdown = 1;
#endif
#else
inline constexpr double kSlowdown = 1;
#endif

inline double seconds_since(Clock::time_point t) {
  return std::chrono::duration<double>(Clock::now() - t).count();
}

// The full path of a program found on $PATH ("" when absent).
inline std::string find_program(const std::string& name) {
  const char* path = std::getenv("PATH");
  std::string_view rest = path ? path : "/usr/bin:/bin";
  while (!rest.empty()) {
    const std::size_t colon = std::min(rest.find(':'), rest.size());
    const std::filesystem::path candidate =
        std::filesystem::path(std::string(rest.substr(0, colon))) / name;
    if (::access(candidate.c_str(), X_OK) == 0) return candidate.string();
    rest.remove_prefix(std::min(colon + 1, rest.size()));
  }
  return "";
}

struct SpawnOptions {
  std::string stdin_path = "/dev/null";
  std::string stdout_path = "/dev/null";
  std::string stderr_path = "/dev/null";
  int stdin_fd = -1;   // instead of stdin_path (a pipe's read end)
  int stdout_fd = -1;  // instead of stdout_path (a pipe's write end)
  // RLIMIT_FSIZE in bytes, with SIGXFSZ ignored, so that a write past it fails with EFBIG
  // instead of killing the process: a disk that fills up. -1: no limit.
  long long file_size_limit = -1;
};

// fork + execve of argv[0] (a path), with OLYMPIC_INDEX removed from the environment so
// that a forgotten -d cannot touch a real index. Everything the child needs is prepared
// before fork(): the tests spawn from several threads.
inline pid_t spawn(const std::vector<std::string>& argv, const SpawnOptions& o = {}) {
  std::vector<char*> args;
  for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  std::vector<char*> env;
  for (char** e = environ; *e; ++e) {
    if (std::strncmp(*e, "OLYMPIC_INDEX=", 14) != 0) env.push_back(*e);
  }
  env.push_back(nullptr);
  const pid_t pid = ::fork();
  if (pid != 0) return pid;
  // The child: only async-signal-safe calls until execve.
  auto redirect = [](int fd, const char* path, int flags, int target) {
    if (fd < 0) fd = ::open(path, flags, 0644);
    if (fd < 0 || ::dup2(fd, target) < 0) ::_exit(127);
  };
  redirect(o.stdin_fd, o.stdin_path.c_str(), O_RDONLY, 0);
  redirect(o.stdout_fd, o.stdout_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 1);
  redirect(-1, o.stderr_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 2);
  if (o.file_size_limit >= 0) {
    ::signal(SIGXFSZ, SIG_IGN);  // an ignored signal stays ignored across execve
    const rlimit rl{static_cast<rlim_t>(o.file_size_limit), static_cast<rlim_t>(o.file_size_limit)};
    if (::setrlimit(RLIMIT_FSIZE, &rl) != 0) ::_exit(127);
  }
  ::execve(args[0], args.data(), env.data());
  ::_exit(127);
}

struct Exit {
  int code = -1;           // exit status; -1 when killed by a signal
  int signal = 0;          // the signal that ended the process, or 0
  bool timed_out = false;  // killed by wait_exit after its timeout
  long max_rss_kb = 0;     // peak resident memory
  double seconds = 0;      // wall time since `started`
};

inline Exit exit_of(int status, const rusage& ru, Clock::time_point started) {
  Exit e;
  if (WIFEXITED(status)) e.code = WEXITSTATUS(status);
  if (WIFSIGNALED(status)) e.signal = WTERMSIG(status);
  e.max_rss_kb = ru.ru_maxrss;
  e.seconds = seconds_since(started);
  return e;
}

// Waits for `pid`; after `timeout` seconds kills it with SIGKILL (timed_out is then set).
inline Exit wait_exit(pid_t pid, double timeout, Clock::time_point started) {
  int status = 0;
  rusage ru{};
  bool killed = false;
  for (;;) {
    const pid_t r = ::wait4(pid, &status, WNOHANG, &ru);
    if (r == pid) break;
    if (r < 0) return Exit{};
    if (!killed && seconds_since(started) > timeout * kSlowdown) {
      ::kill(pid, SIGKILL);
      killed = true;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
  }
  Exit e = exit_of(status, ru, started);
  e.timed_out = killed;
  return e;
}

// Kills `pid` with SIGKILL and reaps it. Returns how it ended: a process that had already
// exited reports its own status (signal 0).
inline Exit kill_and_wait(pid_t pid, Clock::time_point started) {
  ::kill(pid, SIGKILL);
  int status = 0;
  rusage ru{};
  while (::wait4(pid, &status, 0, &ru) < 0 && errno == EINTR) {
  }
  return exit_of(status, ru, started);
}

// True while `pid` (a child) has not exited; does not reap it.
inline bool still_running(pid_t pid) {
  siginfo_t info{};
  if (::waitid(P_PID, static_cast<id_t>(pid), &info, WEXITED | WNOHANG | WNOWAIT) != 0) {
    return false;
  }
  return info.si_pid == 0;
}

struct Run {
  Exit exit;
  std::string out;
  std::string err;
};

// Runs argv to completion (or `timeout`), `input` on stdin; captures stdout and stderr.
inline Run run(const std::vector<std::string>& argv, std::string_view input = {},
               double timeout = 60, SpawnOptions o = {}) {
  oly::test::TempDir io("run");
  oly::test::write_file(io / "in", input);
  o.stdin_path = io / "in";
  o.stdout_path = io / "out";
  o.stderr_path = io / "err";
  const auto started = Clock::now();
  Run r;
  r.exit = wait_exit(spawn(argv, o), timeout, started);
  r.out = oly::test::read_file(io / "out");
  r.err = oly::test::read_file(io / "err");
  return r;
}

// `indexer --progress never -d INDEX args...`
inline std::vector<std::string> indexer_argv(const std::string& index,
                                             const std::vector<std::string>& args) {
  std::vector<std::string> v{OLY_INDEXER, "--progress", "never", "-d", index};
  v.insert(v.end(), args.begin(), args.end());
  return v;
}

// `searcher --color never -d INDEX args...`
inline std::vector<std::string> searcher_argv(const std::string& index,
                                              const std::vector<std::string>& args) {
  std::vector<std::string> v{OLY_SEARCHER, "--color", "never", "-d", index};
  v.insert(v.end(), args.begin(), args.end());
  return v;
}

// `xapian-check DIR`: its exit status (0: no errors found) and output.
inline Run xapian_check(const std::string& dir) {
  static const std::string program = find_program("xapian-check");
  if (program.empty()) return Run{Exit{}, "", "xapian-check not found on $PATH"};
  return run({program, dir}, {}, 60);
}

// What an index holds, read through Xapian as a searcher would.
struct IndexState {
  bool opens = false;
  std::string error;  // why it did not open
  Xapian::doccount docs = 0;
  std::map<std::string, Xapian::doccount> ids;  // id (Q term without the Q) -> termfreq
  std::map<std::string, std::string> metadata;  // oly.* keys

  bool has(const std::string& id) const {
    auto it = ids.find(id);
    return it != ids.end() && it->second == 1;
  }
  // Ids stored on more than one document.
  std::vector<std::string> duplicates() const {
    std::vector<std::string> out;
    for (const auto& [id, n] : ids) {
      if (n != 1) out.push_back(id);
    }
    return out;
  }
};

inline IndexState inspect_index(const std::string& dir) {
  IndexState s;
  try {
    Xapian::Database db(dir);
    s.docs = db.get_doccount();
    for (auto t = db.allterms_begin("Q"); t != db.allterms_end("Q"); ++t) {
      s.ids[(*t).substr(1)] = t.get_termfreq();
    }
    for (auto k = db.metadata_keys_begin("oly."); k != db.metadata_keys_end("oly."); ++k) {
      s.metadata[*k] = db.get_metadata(*k);
    }
    s.opens = true;
  } catch (const Xapian::Error& e) {
    s.error = e.get_description();
  }
  return s;
}

// Directory entries of `dir` whose names start with `prefix` (scratch dirs of bulk builds).
inline std::vector<std::string> entries_starting_with(const std::filesystem::path& dir,
                                                      const std::string& prefix) {
  std::vector<std::string> out;
  std::error_code ec;
  for (const auto& e : std::filesystem::directory_iterator(dir, ec)) {
    const std::string name = e.path().filename().string();
    if (name.compare(0, prefix.size(), prefix) == 0) out.push_back(name);
  }
  return out;
}

// A copy of the index directory `from` at `to` (which must not exist; its parent is
// created).
inline void copy_index(const std::string& from, const std::string& to) {
  std::filesystem::create_directories(std::filesystem::path(to).parent_path());
  std::filesystem::copy(from, to, std::filesystem::copy_options::recursive);
}

// JSON Lines of `n` small articles with ids PREFIX-00000 ..., every one holding the words
// "olympic" and "corpusword" and a few of a small vocabulary, so queries have hits.
inline std::string generate_corpus(std::size_t n, const std::string& id_prefix, unsigned seed = 1) {
  static const char* const kWords[] = {
      "marathon", "sprint",  "relay", "medal",  "swimmer", "record",  "final",   "heat",
      "podium",   "rowing",  "judo",  "fencer", "archery", "cycling", "diving",  "hurdles",
      "javelin",  "stadium", "torch", "gold",   "silver",  "bronze",  "referee", "coach"};
  constexpr std::size_t kCount = sizeof kWords / sizeof kWords[0];
  std::uint64_t x = seed * 0x9E3779B97F4A7C15ULL + 1;
  auto next = [&x] {
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    return x;
  };
  std::string out;
  char id[64], date[16];
  for (std::size_t i = 0; i < n; ++i) {
    std::snprintf(id, sizeof id, "%s-%05zu", id_prefix.c_str(), i);
    std::snprintf(date, sizeof date, "2024-08-%02zu", 1 + i % 28);
    std::string body = "olympic corpusword";
    for (int w = 0; w < 40; ++w) {
      body += ' ';
      body += kWords[next() % kCount];
    }
    out += std::string("{\"id\":\"") + id + "\",\"title\":\"" + kWords[next() % kCount] + " " +
           kWords[next() % kCount] + " " + std::to_string(i) + "\",\"date\":\"" + date +
           "\",\"body\":\"" + body + "\"}\n";
  }
  return out;
}

}  // namespace oly::reliability
