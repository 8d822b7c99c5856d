// What the `searcher` binary does once its flags are parsed: one query or a --batch of
// them, printed in the chosen format, with grep's exit codes.
#pragma once

#include <iosfwd>
#include <string>

#include "printer.h"
#include "search.h"

namespace oly {

struct SearchCommand {
  SearchOptions search;   // the shards and the ranking, fixed for the run
  SearchRequest request;  // the query and its options (--batch: each line's defaults)
  OutputFormat format = OutputFormat::kText;
  bool color = false;
  bool explain = false;  // print the query's reading on stderr
  bool batch = false;    // one query per line from `in`
};

// A --batch line that starts with `{`: a JSON object with "query" (required) and
// optionally "limit", "offset", "sort", "since", "until", "any", "snippets", "language",
// "facets" ("source,year:5", see parse_facet_list), "suggest" (true/false), over the defaults in
// `base`. Throws RequestError for bad JSON, an unknown or repeated key, or a value of the wrong
// type or out of range.
SearchRequest parse_request_line(const std::string& line, const SearchRequest& base);

// Exit codes, like grep.
inline constexpr int kExitHits = 0;
inline constexpr int kExitNoHits = 1;
inline constexpr int kExitError = 2;

// Runs the command; returns the exit code. Throws FatalError for index trouble (the
// caller prints it and exits 2). Stops when `out` fails; the caller tells a closed pipe
// (quiet) from a write error (reported).
int run_search_command(const SearchCommand& cmd, std::istream& in, std::ostream& out,
                       std::ostream& err);

}  // namespace oly
