// indexer: reads articles and builds the Xapian index. Parses flags, calls
// oly::build_index(), maps the outcome to an exit code (0 clean, 1 inputs skipped,
// 2 usage or fatal error, 130/143 interrupted by SIGINT/SIGTERM).
#include <sys/resource.h>
#include <unistd.h>

#include <xapian.h>

#include <CLI/CLI.hpp>
#include <iostream>
#include <iterator>

#include "cli.h"
#include "diagnostics.h"
#include "display_safe.h"
#include "indexing.h"
#include "inspect.h"
#include "language.h"
#include "sharding.h"

namespace {

using oly::cli::UsageError;

// An argument CLI11 did not know: most likely a path starting with '-'.
void reject_extras(const std::vector<std::string>& extras) {
  const std::string& arg = extras.front();
  if (arg.size() > 1 && arg[0] == '-' && arg[1] != '-') {
    throw UsageError(arg + " is not an option; to index a path that starts with '-', write ./" +
                     arg + " or put it after --");
  }
  throw UsageError("unknown option " + arg + " (see indexer --help)");
}

// Flag values as typed: numbers are parsed strictly by apply_flags (CLI11 would take
// "nan" for --wait).
struct Flags {
  std::string analyze, index, progress = "auto";
  std::string threads = "0", batch_size = std::to_string(oly::IndexOptions{}.batch_size);
  std::string wait = "0", shards;
  bool json = false, quiet = false;
};

void add_flags(CLI::App& app, Flags& f, oly::IndexOptions& opt) {
  app.set_version_flag("--version", "indexer 0.1.0");
  app.allow_extras();  // unknown options are explained by reject_extras()
  app.add_option("-d,--index", f.index,
                 "Index directory (default: $OLYMPIC_INDEX, else ./olympic-index)");
  app.add_option("paths", opt.inputs,
                 "Files or directories to index; - reads JSON Lines from stdin");
  app.add_option(
         "-l,--language", opt.language,
         "Default stemming language for articles without one (a language tag or English name)")
      ->capture_default_str()
      ->transform(CLI::Validator(oly::normalize_language_option, "LANG"));
  app.add_flag("--prune", opt.prune,
               "Delete indexed articles whose ids are not in this run's input");
  app.add_flag("--recreate", opt.recreate, "Start from an empty index");
  app.add_option("--shards", f.shards,
                 "Build or update a sharded index of N shards (1 to 256): DIR/shard0.. and the "
                 "stub file DIR/XAPIANDB; an article goes to shard FNV-1a-64(id) % N. The "
                 "count of an existing index cannot change")
      ->type_name("N");
  app.add_option("--wait", f.wait,
                 "If another indexer holds the lock, wait up to SECONDS for it (0 to 1000000)")
      ->type_name("SECONDS");
  app.add_flag("--fail-fast", opt.fail_fast, "Stop at the first bad input (what was read is kept)");
  app.add_option("-j,--threads", f.threads,
                 "Worker threads, 0 to 16 (default 0: one per core, at most 16)")
      ->type_name("N");
  app.add_option("--batch-size", f.batch_size, "Documents per commit (1 to 1000000)")
      ->type_name("N")
      ->capture_default_str();
  app.add_option("--progress", f.progress,
                 "Progress bar on stderr: auto (when a terminal), always, never")
      ->check(CLI::IsMember({"auto", "always", "never"}))
      ->capture_default_str();
  app.add_flag("-q,--quiet", f.quiet, "No summary line");
  app.add_option("--analyze", f.analyze,
                 "Print how the analyzer sees TEXT (- for stdin): term, stem, position, byte "
                 "begin, end");
  app.add_flag("--json", f.json, "With --analyze: JSON Lines output");
}

// Checks and converts the flag values into `opt`; throws UsageError.
void apply_flags(const CLI::App& app, const Flags& f, oly::IndexOptions& opt) {
  const auto extras = oly::cli::unknown_arguments(app.remaining());
  if (!extras.empty()) reject_extras(extras);
  opt.threads =
      static_cast<unsigned>(oly::cli::parse_whole_number("-j/--threads", f.threads, 0, 16));
  opt.batch_size = oly::cli::parse_whole_number("--batch-size", f.batch_size, 1, 1000000);
  opt.wait_seconds = oly::cli::parse_real_number("--wait", f.wait, 0, 1000000);
  if (app.count("--shards")) {
    opt.shards = static_cast<unsigned>(oly::cli::parse_whole_number(
        "--shards", f.shards, oly::sharding::kMinShards, oly::sharding::kMaxShards));
  }
  opt.progress = f.progress == "always" || (f.progress == "auto" && isatty(STDERR_FILENO));
  if (app.count("--analyze")) return;  // no index involved
  if (opt.inputs.empty()) throw UsageError("no input paths given (try --help)");
  opt.index_dir = oly::cli::index_dir(app.count("--index") ? std::optional(f.index) : std::nullopt);
}

// A sharded run keeps every shard open (it holds the shard's lock) and, when building,
// a scratch database per shard: a few files each, about 2,000 for 256 shards, more than
// the usual soft limit of 1,024 open files. The hard limit is ours to take.
void raise_open_file_limit() {
  rlimit r{};
  if (::getrlimit(RLIMIT_NOFILE, &r) != 0 || r.rlim_cur >= r.rlim_max) return;
  r.rlim_cur = r.rlim_max;
  ::setrlimit(RLIMIT_NOFILE, &r);  // if refused, running out is reported as an error
}

// oly::build_index(), its fatal errors completed with the flag that is their remedy: the
// core names the remedy, only this main knows its flags.
oly::IndexStats index_with_hints(const oly::IndexOptions& opt, oly::Diagnostics& diag) {
  try {
    return oly::build_index(opt, diag);
  } catch (const oly::FatalError& e) {
    if (e.remedy().kind == oly::Remedy::Kind::kNone) throw;
    throw oly::FatalError(e.what() + oly::cli::indexer_hint(e.remedy()));
  }
}

// Parses the flags and runs the indexer (or --analyze, printing on `out`); returns the
// exit code.
int run(int argc, char** argv, std::ostream& out) {
  oly::IndexOptions opt;
  Flags f;
  CLI::App app{"Index Olympic news articles (seed, header-block text, JSON Lines) with ICU."};
  add_flags(app, f, opt);
  try {
    app.parse(argc, argv);
    apply_flags(app, f, opt);
  } catch (const CLI::ParseError& e) {
    if (e.get_exit_code() == 0) return app.exit(e, out, std::cerr);  // --help, --version
    oly::cli::report(std::cerr, "indexer", std::string("error: ") + e.what() + " (try --help)");
    return 2;
  } catch (const UsageError& e) {
    oly::cli::report(std::cerr, "indexer", std::string("error: ") + e.what());
    return 2;
  }

  try {
    if (app.count("--analyze")) {
      std::string text = f.analyze;
      if (text == "-") {
        text.assign(std::istreambuf_iterator<char>(std::cin), std::istreambuf_iterator<char>());
      }
      oly::write_analysis(out, text, opt.language, f.json);
      return 0;
    }
    opt.handle_signals = true;  // Ctrl-C and SIGTERM remove scratch directories first
    if (opt.shards > 0) raise_open_file_limit();
    oly::Diagnostics diag(std::cerr);
    const oly::IndexStats stats = index_with_hints(opt, diag);
    if (!f.quiet) {
      std::cerr << oly::terminal_safe(oly::summary_line(opt.index_dir, stats)) << '\n';
    }
    return stats.skipped > 0 ? 1 : 0;
  } catch (const oly::Interrupted& e) {
    oly::cli::report(std::cerr, "indexer", e.what());
    return 128 + e.signal();  // 130 (SIGINT), 143 (SIGTERM), as for a killed process
  }                           // other errors: oly::cli::run_main reports them, exit 2
}

}  // namespace

int main(int argc, char** argv) {
  // `indexer --analyze ... | head` ends quietly on EPIPE, and any other error writing
  // stdout (--analyze, --help, --version) is reported, exit 2.
  return oly::cli::run_main("indexer", [&](std::ostream& out) { return run(argc, argv, out); });
}
