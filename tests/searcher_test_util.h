// Helpers of the searcher's CLI tests (test_searcher_cli.cc, test_corpus_search.cc): run a
// shell command capturing stdout, stderr and the exit code, and build indexes with the
// real indexer binary.
#pragma once

#include <sys/wait.h>

#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

#include "test_util.h"

// In their own namespace, so that helpers added to test_util.h later cannot clash.
namespace oly::search_test {

using oly::test::read_file;
using oly::test::TempDir;
using oly::test::write_file;

struct CommandResult {
  std::string out;
  std::string err;
  int code = -1;  // exit status; 128+N when killed by signal N
};

// `s` quoted for the POSIX shell.
inline std::string shell_quote(std::string_view s) {
  std::string q = "'";
  for (char c : s) {
    if (c == '\'')
      q += "'\\''";
    else
      q += c;
  }
  return q + "'";
}

// Runs `command` with /bin/sh, `input` on its stdin.
inline CommandResult run_command(const std::string& command, std::string_view input = {}) {
  TempDir io("cmd");
  write_file(io / "in", input);
  const std::string full = "( " + command + " ) <" + shell_quote(io / "in") + " >" +
                           shell_quote(io / "out") + " 2>" + shell_quote(io / "err");
  const int status = std::system(full.c_str());
  CommandResult r;
  r.out = read_file(io / "out");
  r.err = read_file(io / "err");
  if (status != -1 && WIFEXITED(status))
    r.code = WEXITSTATUS(status);
  else if (status != -1 && WIFSIGNALED(status))
    r.code = 128 + WTERMSIG(status);
  return r;
}

// `searcher` with these arguments (each quoted), colour off.
inline CommandResult run_searcher(const std::string& index, const std::vector<std::string>& args,
                                  std::string_view input = {}) {
  std::string cmd = shell_quote(OLY_SEARCHER) + " --color never -d " + shell_quote(index);
  for (const auto& a : args) cmd += " " + shell_quote(a);
  return run_command(cmd, input);
}

// Indexes `paths` into `index` with the real indexer, run in the source directory (ids of
// files are their paths relative to the current directory: "corpus/seed/x.txt").
inline CommandResult run_indexer(const std::string& index, const std::vector<std::string>& paths) {
  std::string cmd = "cd " + shell_quote(OLY_SOURCE_DIR) + " && " + shell_quote(OLY_INDEXER) +
                    " --progress never -q -d " + shell_quote(index);
  for (const auto& p : paths) cmd += " " + shell_quote(p);
  return run_command(cmd);
}

// Splits `s` into lines (without the '\n').
inline std::vector<std::string> lines_of(const std::string& s) {
  std::vector<std::string> out;
  std::size_t pos = 0;
  while (pos < s.size()) {
    std::size_t nl = s.find('\n', pos);
    if (nl == std::string::npos) nl = s.size();
    out.push_back(s.substr(pos, nl - pos));
    pos = nl + 1;
  }
  return out;
}

}  // namespace oly::search_test
