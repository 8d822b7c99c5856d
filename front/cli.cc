#include "cli.h"

#include <unistd.h>

#include <xapian.h>

#include <cerrno>
#include <charconv>
#include <cmath>
#include <csignal>
#include <cstdlib>
#include <cstring>
#include <iostream>

#include <fmt/format.h>

#include "diagnostics.h"
#include "display_safe.h"

namespace oly::cli {
namespace {

std::string quoted(std::string_view text) {
  return "'" + std::string(text) + "'";
}

}  // namespace

unsigned long long parse_whole_number(std::string_view flag, std::string_view text,
                                      unsigned long long min, unsigned long long max) {
  const std::string expected = std::string(flag) + ": expected a whole number from " +
                               std::to_string(min) + " to " + std::to_string(max) + ", got " +
                               quoted(text);
  // from_chars takes no sign, space or prefix for unsigned types, so "-1", "+3", " 3" and
  // "0x10" fail here rather than wrap around or be half-read.
  unsigned long long value = 0;
  const char* end = text.data() + text.size();
  const auto [ptr, ec] = std::from_chars(text.data(), end, value, 10);
  if (text.empty() || ec == std::errc::invalid_argument || (ec == std::errc() && ptr != end)) {
    throw UsageError(expected);
  }
  if (ec == std::errc::result_out_of_range || value < min || value > max) {
    throw UsageError(expected + " (out of range)");
  }
  return value;
}

double parse_real_number(std::string_view flag, std::string_view text, double min, double max) {
  const std::string range = std::string(flag) + ": expected a number from " +
                            fmt::format("{}", min) + " to " + fmt::format("{}", max) + ", got " +
                            quoted(text);
  double value = 0;
  const char* end = text.data() + text.size();
  const auto [ptr, ec] = std::from_chars(text.data(), end, value);
  if (text.empty() || ec == std::errc::invalid_argument || (ec == std::errc() && ptr != end)) {
    throw UsageError(range);
  }
  // from_chars reads "inf" and "nan": a weight or a wait of infinity is never meant.
  if (ec == std::errc::result_out_of_range || !std::isfinite(value) || value < min || value > max) {
    throw UsageError(range + " (out of range)");
  }
  return value;
}

std::vector<std::string> unknown_arguments(const std::vector<std::string>& remaining) {
  std::vector<std::string> out;
  for (const auto& a : remaining) {
    if (a != "--") out.push_back(a);
  }
  return out;
}

void report(std::ostream& err, std::string_view program, std::string_view message) {
  // Messages echo arguments, paths and queries: terminal-safe, keeping their own newlines.
  err << program << ": " << terminal_safe(message, true) << '\n';
  err.flush();
}

std::string index_dir(const std::optional<std::string>& given) {
  if (given) {
    if (given->empty()) throw UsageError("-d/--index: the index directory is empty");
    return *given;
  }
  const char* env = std::getenv("OLYMPIC_INDEX");
  if (env != nullptr) {
    if (*env == '\0') {
      throw UsageError(
          "OLYMPIC_INDEX is set but empty; unset it to use ./olympic-index, or give -d DIR");
    }
    return env;
  }
  return "olympic-index";
}

bool StdoutSink::Buf::drain() {
  const char* p = pbase();
  const char* const end = pptr();
  while (p < end && error_ == 0) {
    const ssize_t n = ::write(STDOUT_FILENO, p, static_cast<std::size_t>(end - p));
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      error_ = n < 0 ? errno : EIO;
      break;
    }
    p += n;
  }
  // After a failure the rest is dropped: nobody can read it any more.
  setp(data_, data_ + sizeof data_);
  return error_ == 0;
}

StdoutSink::Buf::int_type StdoutSink::Buf::overflow(int_type c) {
  if (error_ != 0 || !drain()) return traits_type::eof();
  if (!traits_type::eq_int_type(c, traits_type::eof())) {
    *pptr() = traits_type::to_char_type(c);
    pbump(1);
  }
  return traits_type::not_eof(c);
}

int StdoutSink::Buf::sync() {
  return error_ == 0 && drain() ? 0 : -1;
}

int StdoutSink::finish(std::string_view program, int code, std::ostream& err) {
  stream_.flush();
  const int e = buf_.error();
  if (e == 0 || e == EPIPE) return code;
  err << program << ": write error: " << std::strerror(e) << '\n';
  return 2;
}

std::string indexer_hint(const Remedy& remedy) {
  switch (remedy.kind) {
    case Remedy::Kind::kNone:
      return "";
    case Remedy::Kind::kRecreate:
      return "\n  re-run with --recreate to rebuild it with this analyzer";
    case Remedy::Kind::kWait:
      return "; wait for it to finish, or pass --wait SECONDS";
    case Remedy::Kind::kShardsNewDir:
      return "; --shards " + remedy.value +
             " builds a sharded index only in a new or empty directory";
    case Remedy::Kind::kShards:
      return "; pass --shards " + remedy.value;
    case Remedy::Kind::kShardsAtStub:
      return ", with --shards";
    case Remedy::Kind::kLanguageOrRecreate:
      return "; pass --language " + remedy.value + " or --recreate";
  }
  return "";  // not reached: -Wswitch checks that every kind is handled above
}

int run_main(std::string_view program, const std::function<int(std::ostream& out)>& body) {
  std::signal(SIGPIPE, SIG_IGN);
  StdoutSink out;
  int code = 2;
  try {
    code = body(out.stream());
  } catch (const FatalError& e) {
    report(std::cerr, program, e.what());
  } catch (const Xapian::Error& e) {
    report(std::cerr, program, "error: " + e.get_description());
  } catch (const std::exception& e) {
    report(std::cerr, program, std::string("error: ") + e.what());
  }
  return out.finish(program, code, std::cerr);
}

}  // namespace oly::cli
