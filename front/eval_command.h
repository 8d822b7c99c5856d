// `searcher --eval QUERIES --qrels QRELS` and `searcher --eval-run RUN --qrels QRELS`:
// runs a query file through a Searcher (or reads a TREC run) and prints the measures of
// core/eval.h per query and their means, as a text table or JSON Lines.
#pragma once

#include <iosfwd>
#include <string>

#include "search_command.h"

namespace oly {

struct EvalCommand {
  std::string queries;  // --eval: the queries file (qid<TAB>text)
  std::string run;      // --eval-run: a TREC run file, scored without an index
  std::string qrels;    // --qrels
  // Hits asked per query: the deepest cut-off of the measures (MAP@100, R@100).
  std::size_t depth = 100;
};

// Runs the evaluation; returns the exit code: 0 when at least one query was scored, 1 when
// none could be (no query with a relevant judgment), 2 for a bad input file or a query
// that failed (reported as `path:line: error: ...`; the other queries are still scored,
// the failed one as an empty answer). `cmd` gives the index, the request's switches (--any,
// --language, the ranking) and the format (kJson or text). Throws FatalError for index
// trouble.
int run_eval_command(const SearchCommand& cmd, const EvalCommand& eval, std::ostream& out,
                     std::ostream& err);

}  // namespace oly
