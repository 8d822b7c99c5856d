// searcher: queries the index built by `indexer`. Parses flags into a SearchCommand and
// runs it; exit codes like grep: 0 hits, 1 none, 2 error.
#include <unistd.h>

#include <xapian.h>

#include <CLI/CLI.hpp>
#include <csignal>
#include <iostream>

#include "diagnostics.h"
#include "identity.h"
#include "language.h"
#include "search_command.h"

namespace {

// "k1=1.2,b=0.75" into the options.
bool parse_bm25(const std::string& spec, oly::SearchOptions& o, std::string& error) {
  std::size_t pos = 0;
  while (pos <= spec.size()) {
    std::size_t comma = spec.find(',', pos);
    if (comma == std::string::npos) comma = spec.size();
    const std::string part = spec.substr(pos, comma - pos);
    const std::size_t eq = part.find('=');
    if (eq == std::string::npos) {
      error = "expected k1=NUMBER,b=NUMBER, got '" + part + "'";
      return false;
    }
    const std::string key = part.substr(0, eq);
    double value = 0;
    try {
      std::size_t used = 0;
      value = std::stod(part.substr(eq + 1), &used);
      if (used != part.size() - eq - 1) throw std::invalid_argument(part);
    } catch (const std::exception&) {
      error = "not a number in '" + part + "'";
      return false;
    }
    if (key == "k1" && value >= 0)
      o.bm25_k1 = value;
    else if (key == "b" && value >= 0 && value <= 1)
      o.bm25_b = value;
    else {
      error = "unknown or out-of-range parameter '" + part + "' (k1 >= 0, 0 <= b <= 1)";
      return false;
    }
    pos = comma + 1;
  }
  return true;
}

}  // namespace

int main(int argc, char** argv) {
  // A closed pipe (searcher ... | head) shows up as a failed write, which ends the run
  // quietly, instead of a signal.
  std::signal(SIGPIPE, SIG_IGN);
  oly::SearchCommand cmd;
  std::vector<std::string> words;
  std::string color = "auto", sort = "relevance", bm25;
  bool json = false, ids = false, count = false;

  CLI::App app{"Search the Olympic news index. Exit status: 0 hits, 1 no hits, 2 error."};
  app.set_version_flag("--version", "searcher 0.1.0");
  app.add_option("query", words, "The query (words are joined with spaces; see README)");
  app.add_option("-d,--index", cmd.search.index_dir,
                 "Index directory (default: $OLYMPIC_INDEX, else ./olympic-index)");
  app.add_flag("--any", cmd.search.match_any, "Match any word (ranked OR) instead of all");
  app.add_option("-n,--limit", cmd.search.limit, "Hits to show")->capture_default_str();
  app.add_option("--offset", cmd.search.offset, "Hits to skip")->capture_default_str();
  app.add_option("--sort", sort, "relevance, date (oldest first) or -date (newest first)")
      ->check(CLI::IsMember({"relevance", "date", "-date"}))
      ->capture_default_str();
  app.add_option("--bm25", bm25, "BM25 parameters, e.g. k1=1.2,b=0.75");
  app.add_option("--since", cmd.search.since, "Only articles dated on or after (YYYY[-MM[-DD]])");
  app.add_option("--until", cmd.search.until, "Only articles dated on or before (YYYY[-MM[-DD]])");
  app.add_option("-l,--language", cmd.search.language,
                 "Stem query words in this language only (default: every language in the index)")
      ->transform(CLI::Validator(oly::normalize_language_option, "LANG"));
  app.add_option("--snippets", cmd.search.snippet.fragments, "Snippet fragments per hit")
      ->capture_default_str()
      ->check(CLI::Range(0, 20));
  app.add_option("--snippet-length", cmd.search.snippet.length, "Characters per fragment")
      ->capture_default_str()
      ->check(CLI::Range(20, 5000));
  auto* fjson = app.add_flag("--json", json, "JSON Lines: one object per hit, then a summary");
  auto* fids = app.add_flag("--ids", ids, "Only article ids, best first");
  auto* fcount = app.add_flag("--count", count, "Only the number of matches");
  fjson->excludes(fids)->excludes(fcount);
  fids->excludes(fcount);
  app.add_flag("--batch", cmd.batch, "Read one query per line from stdin (JSON Lines out)");
  app.add_option("--color,--colour", color, "Colour: auto, always, never")
      ->check(CLI::IsMember({"auto", "always", "never"}))
      ->capture_default_str();
  app.add_flag("--explain", cmd.explain, "Print on stderr how the query was understood");

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e) == 0 ? 0 : 2;
  }
  std::string error;
  if (!bm25.empty() && !parse_bm25(bm25, cmd.search, error)) {
    std::cerr << "searcher: error: --bm25: " << error << '\n';
    return 2;
  }
  if (cmd.batch && !words.empty()) {
    std::cerr << "searcher: error: --batch reads queries from stdin; give no query arguments\n";
    return 2;
  }
  if (!cmd.batch && words.empty()) {
    std::cerr << "searcher: error: no query given (try --help)\n";
    return 2;
  }
  for (const auto& w : words) cmd.query += (cmd.query.empty() ? "" : " ") + w;
  if (cmd.search.index_dir.empty()) cmd.search.index_dir = oly::default_index_dir();
  cmd.search.sort = sort == "date"    ? oly::SortOrder::kDateAscending
                    : sort == "-date" ? oly::SortOrder::kDateDescending
                                      : oly::SortOrder::kRelevance;
  cmd.format = json    ? oly::OutputFormat::kJson
               : ids   ? oly::OutputFormat::kIds
               : count ? oly::OutputFormat::kCount
                       : oly::OutputFormat::kText;
  cmd.color = color == "always" || (color == "auto" && isatty(STDOUT_FILENO));

  try {
    return oly::run_search_command(cmd, std::cin, std::cout, std::cerr);
  } catch (const oly::FatalError& e) {
    std::cerr << "searcher: " << e.what() << '\n';
    return 2;
  } catch (const Xapian::Error& e) {
    std::cerr << "searcher"
              << ": error: " << e.get_description() << '\n';
    return 2;
  } catch (const std::exception& e) {
    std::cerr << "searcher: error: " << e.what() << '\n';
    return 2;
  }
}
