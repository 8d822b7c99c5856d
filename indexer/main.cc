// indexer: reads articles and builds the Xapian index. Parses flags, calls
// oly::build_index(), maps the outcome to an exit code (0 clean, 1 inputs skipped,
// 2 usage or fatal error).
#include <unistd.h>

#include <xapian.h>

#include <CLI/CLI.hpp>
#include <iostream>
#include <iterator>

#include "diagnostics.h"
#include "indexing.h"
#include "inspect.h"
#include "language.h"

int main(int argc, char** argv) {
  oly::IndexOptions opt;
  std::string analyze;
  bool json = false;
  bool quiet = false;
  std::string progress = "auto";

  CLI::App app{"Index Olympic news articles (seed, header-block text, JSON Lines) with ICU."};
  app.set_version_flag("--version", "indexer 0.1.0");
  app.add_option("-d,--index", opt.index_dir,
                 "Index directory (default: $OLYMPIC_INDEX, else ./olympic-index)");
  app.add_option("paths", opt.inputs,
                 "Files or directories to index; - reads JSON Lines from stdin");
  app.add_option("-l,--language", opt.language,
                 "Default stemming language for articles without one (ISO 639-1 or Xapian name)")
      ->capture_default_str()
      ->transform(CLI::Validator(oly::normalize_language_option, "LANG"));
  app.add_flag("--prune", opt.prune,
               "Delete indexed articles whose ids are not in this run's input");
  app.add_flag("--recreate", opt.recreate, "Start from an empty index");
  app.add_option("--wait", opt.wait_seconds,
                 "If another indexer holds the lock, wait up to SECONDS for it")
      ->check(CLI::NonNegativeNumber);
  app.add_flag("--fail-fast", opt.fail_fast, "Stop at the first bad input (what was read is kept)");
  app.add_option("-j,--threads", opt.threads, "Worker threads (default: one per core)")
      ->check(CLI::Range(0, 64));
  app.add_option("--batch-size", opt.batch_size, "Documents per commit")
      ->capture_default_str()
      ->check(CLI::Range(1, 1000000));
  app.add_option("--progress", progress,
                 "Progress bar on stderr: auto (when a terminal), always, never")
      ->check(CLI::IsMember({"auto", "always", "never"}))
      ->capture_default_str();
  app.add_flag("-q,--quiet", quiet, "No summary line");
  app.add_option("--analyze", analyze,
                 "Print how the analyzer sees TEXT (- for stdin): term, stem, position, byte "
                 "begin, end");
  app.add_flag("--json", json, "With --analyze: JSON Lines output");

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e) == 0 ? 0 : 2;
  }

  try {
    if (app.count("--analyze")) {
      if (analyze == "-") {
        analyze.assign(std::istreambuf_iterator<char>(std::cin), std::istreambuf_iterator<char>());
      }
      oly::write_analysis(std::cout, analyze, opt.language, json);
      return 0;
    }
    if (opt.inputs.empty()) {
      std::cerr << "indexer: error: no input paths given (try --help)\n";
      return 2;
    }
    if (opt.index_dir.empty()) opt.index_dir = oly::default_index_dir();
    opt.progress = progress == "always" || (progress == "auto" && isatty(STDERR_FILENO));

    oly::Diagnostics diag(std::cerr);
    const oly::IndexStats stats = oly::build_index(opt, diag);
    if (!quiet) std::cerr << oly::summary_line(opt.index_dir, stats) << '\n';
    return stats.skipped > 0 ? 1 : 0;
  } catch (const oly::FatalError& e) {
    std::cerr << "indexer: " << e.what() << '\n';
    return 2;
  } catch (const Xapian::Error& e) {
    std::cerr << "indexer"
              << ": error: " << e.get_description() << '\n';
    return 2;
  } catch (const std::exception& e) {
    std::cerr << "indexer: error: " << e.what() << '\n';
    return 2;
  }
}
