// What both mains share about the command line and standard output: strict parsing of
// flag values, the index directory rule, and a stdout that remembers why a write failed.
#pragma once

#include <functional>
#include <optional>
#include <ostream>
#include <stdexcept>
#include <streambuf>
#include <string>
#include <string_view>
#include <vector>

#include "diagnostics.h"

namespace oly::cli {

// A bad flag or argument: the main prints "PROGRAM: error: MESSAGE" and exits 2.
class UsageError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// A whole number in [min, max], written in decimal digits only. Signs, spaces, exponents,
// hex and overflow are usage errors naming `flag`, never wrapped around or truncated.
unsigned long long parse_whole_number(std::string_view flag, std::string_view text,
                                      unsigned long long min, unsigned long long max);

// A finite decimal number (1.5, 2e-1) in [min, max]; inf, nan and out-of-range values are
// usage errors naming `flag`.
double parse_real_number(std::string_view flag, std::string_view text, double min, double max);

// CLI11's leftover arguments (App::remaining() with allow_extras) without the "--" that
// CLI11 also files there: what was really not understood.
std::vector<std::string> unknown_arguments(const std::vector<std::string>& remaining);

// Prints "PROGRAM: MESSAGE" and a newline on `err`, flushed, MESSAGE made terminal-safe
// (its own newlines kept).
void report(std::ostream& err, std::string_view program, std::string_view message);

// The index directory: `given` (the -d value) when present, else $OLYMPIC_INDEX, else
// ./olympic-index. An empty -d or an OLYMPIC_INDEX set but empty is a usage error: either
// is almost always a script's unset variable, and silently using the default index would
// search or overwrite the wrong one.
std::string index_dir(const std::optional<std::string>& given);

// Standard output written with write(2), keeping the errno of the first failed write.
// iostreams only say "failed"; a main must tell a closed pipe (EPIPE: the reader has what
// it wanted; SIGPIPE must be ignored to see it) from a real write error (ENOSPC, EIO),
// which must not pass silently. After a failure the stream is bad and later writes are
// dropped, so printers can stop early by checking it.
class StdoutSink {
 public:
  StdoutSink() : stream_(&buf_) {}
  StdoutSink(const StdoutSink&) = delete;
  StdoutSink& operator=(const StdoutSink&) = delete;

  std::ostream& stream() { return stream_; }

  // Flushes, then returns `code` when everything was written or the reader closed the
  // pipe; otherwise prints "PROGRAM: write error: REASON" on `err` and returns 2.
  int finish(std::string_view program, int code, std::ostream& err);

 private:
  class Buf : public std::streambuf {
   public:
    Buf() { setp(data_, data_ + sizeof data_); }
    int error() const { return error_; }

   protected:
    int_type overflow(int_type c) override;
    int sync() override;

   private:
    bool drain();  // writes the buffer out; false (and error_ set) on failure
    char data_[1 << 16];
    int error_ = 0;
  };
  Buf buf_;
  std::ostream stream_;
};

// The indexer's words for a remedy the core names (core/diagnostics.h): the flag that
// applies it, as the tail of the error message ("; pass --shards 4"). "" for kNone.
std::string indexer_hint(const Remedy& remedy);

// What both mains do around their work: SIGPIPE ignored (a closed pipe then shows up as a
// failed write, see StdoutSink), stdout through a StdoutSink handed to `body`, and the
// errors that end a run (FatalError, Xapian::Error, any std::exception) reported as
// "PROGRAM: error: ..." with exit 2. Returns the exit code for main().
int run_main(std::string_view program, const std::function<int(std::ostream& out)>& body);

}  // namespace oly::cli
