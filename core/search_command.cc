#include "search_command.h"

#include <istream>
#include <ostream>

#include "diagnostics.h"
#include "output.h"

namespace oly {
namespace {

std::string syntax_message(const QuerySyntaxError& e, std::size_t line) {
  return "query:" + std::to_string(line) + ":" + std::to_string(e.column()) +
         ": error: " + e.what();
}

// stderr is a terminal too: the query is echoed terminal-safe.
void explain(std::ostream& err, const SearchResult& r) {
  err << "query: " << terminal_safe(r.query) << "\n"
      << "understood as: " << terminal_safe(r.understood) << "\n"
      << "xapian: " << terminal_safe(r.xapian) << "\n";
}

// --ids output is line-oriented: an id holding a newline or ESC cannot be printed as it
// is. It is printed escaped, and this says so rather than passing it off as the id.
void print_ids_warning(std::ostream& err, std::size_t escaped) {
  if (escaped == 0) return;
  err << "searcher: warning: " << escaped << (escaped == 1 ? " id holds" : " ids hold")
      << " control characters, printed escaped; --json gives ids exactly\n";
}

// Whether the query matched anything: the exit status follows the matches, not the page
// shown (-n 0, an --offset past the end). Xapian checks at least one candidate
// (check_at_least > 0 in Searcher::run), so a lower bound of 0 means no match at all.
bool matched(const SearchResult& r) {
  return !r.hits.empty() || r.lower_bound > 0;
}

}  // namespace

int run_search_command(const SearchCommand& cmd, std::istream& in, std::ostream& out,
                       std::ostream& err) {
  const bool snippets = cmd.search.snippet.fragments > 0;
  SearchOptions so = cmd.search;
  if (cmd.format == OutputFormat::kIds || cmd.format == OutputFormat::kCount) so.snippets = false;
  if (cmd.format == OutputFormat::kCount) {
    so.limit = 0;
    so.exact_count = true;
  }
  Searcher searcher(so);

  if (!cmd.batch) {
    SearchResult r;
    try {
      r = searcher.search(cmd.query);
    } catch (const QuerySyntaxError& e) {
      err << terminal_safe(syntax_message(e, 1)) << '\n';
      return kExitError;
    }
    if (cmd.explain) explain(err, r);
    switch (cmd.format) {
      case OutputFormat::kText:
        print_text(out, r, cmd.color, snippets);
        break;
      case OutputFormat::kJson:
        print_json(out, r, {}, snippets);
        break;
      case OutputFormat::kIds:
        print_ids_warning(err, print_ids(out, r));
        break;
      case OutputFormat::kCount:
        out << r.estimated << '\n';
        break;
    }
    out.flush();
    return matched(r) ? kExitHits : kExitNoHits;
  }

  // --batch: the index is opened once; each query line gets its answers (JSON Lines
  // carrying the line number, whatever the format) before the next line is read, so a
  // script can talk to one long-lived process.
  bool any_hits = false, any_error = false;
  std::string line;
  std::size_t line_no = 0;
  while (std::getline(in, line)) {
    ++line_no;
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (line.find_first_not_of(" \t") == std::string::npos) continue;
    try {
      SearchResult r = searcher.search(line);
      if (cmd.explain) explain(err, r);
      if (cmd.format == OutputFormat::kIds) {
        print_ids_warning(err, print_ids(out, r, line_no));
      } else if (cmd.format == OutputFormat::kCount) {
        out << line_no << '\t' << r.estimated << '\n';
      } else {
        print_json(out, r, line_no, snippets);
      }
      any_hits = any_hits || matched(r);
    } catch (const QuerySyntaxError& e) {
      const std::string msg = syntax_message(e, line_no);
      err << terminal_safe(msg) << '\n';
      if (cmd.format != OutputFormat::kIds && cmd.format != OutputFormat::kCount) {
        print_json_error(out, msg, line_no);
      }
      any_error = true;
    }
    out.flush();
    // The reader went away (or the disk is full: the caller reports that): the status of
    // the lines answered so far.
    if (!out) break;
  }
  if (any_error) return kExitError;
  return any_hits ? kExitHits : kExitNoHits;
}

}  // namespace oly
