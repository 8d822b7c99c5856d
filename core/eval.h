// Ranking evaluation with TREC's conventions: a queries file, relevance judgments (qrels),
// a run (per query, article ids best first), and the measures nDCG@10, MAP@100, P@10 and
// R@100. No flags and no printing here: `searcher --eval` / `--eval-run` (front/) use it,
// and so does the bench for every system it compares, so all are scored by one code.
#pragma once

#include <cstddef>
#include <map>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace oly::eval {

// A bad line of an input file. what() is "path:line: error: message", ready to print.
class EvalError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

struct EvalQuery {
  std::string id;
  std::string text;
  std::size_t line = 0;  // in the queries file, for messages about this query
};

// Query ids in a natural order: numbers by value ("2" before "10"), then other ids as text,
// so that per-query rows come out as a person reads the files.
struct IdLess {
  bool operator()(const std::string& a, const std::string& b) const;
};

// Grades by article id, for one query. A grade is an integer >= 0; 0 is "not relevant".
using Judgments = std::map<std::string, int>;
using Qrels = std::map<std::string, Judgments, IdLess>;  // by query id
// Article ids best first, by query id.
using Run = std::map<std::string, std::vector<std::string>, IdLess>;

// The parsers read the text of a file; `path` names it in messages. Throw EvalError.
// Queries: `qid<TAB>text` a line (blank lines allowed, an id at most once).
std::vector<EvalQuery> parse_queries(std::string_view text, const std::string& path);
// Qrels: `qid<TAB>docid<TAB>grade`, or TREC's `qid ITERATION docid grade` (whitespace).
// A (qid, docid) pair judged twice is an error: which grade would be meant?
Qrels parse_qrels(std::string_view text, const std::string& path);
// A TREC run: `qid Q0 docid rank score tag` a line. As trec_eval does, each query's ids
// are ordered by score, highest first, equal scores by docid in descending byte order; the
// rank column is ignored; a docid listed twice for one query is an error.
// Every parser skips a UTF-8 byte order mark at the start of the text.
Run parse_trec_run(std::string_view text, const std::string& path);
// The same, reading the file; a file that cannot be read is an EvalError too.
std::string read_text_file(const std::string& path);

// The measures' cut-offs (the names of the measures).
inline constexpr std::size_t kNdcgDepth = 10;
inline constexpr std::size_t kPrecisionDepth = 10;
inline constexpr std::size_t kApDepth = 100;
inline constexpr std::size_t kRecallDepth = 100;

struct Measures {
  double ndcg10 = 0;  // gain = grade, discount log2(rank + 1), ideal = judged grades sorted
  double ap100 = 0;   // average precision over the top 100 / relevant documents (mean: MAP)
  double p10 = 0;     // relevant in the top 10 / 10 (also when fewer were retrieved)
  double r100 = 0;    // relevant in the top 100 / relevant documents
};

// One query's measures. A repeated id counts at its first rank only; its later places
// stay taken but gain nothing (a run cannot score twice with one article). `judged` must
// hold at least one grade > 0 (else every measure is 0).
Measures score_query(const std::vector<std::string>& ranked, const Judgments& judged);

struct QueryScore {
  std::string id;
  Measures m;
  std::size_t relevant = 0;   // judged grade > 0
  std::size_t retrieved = 0;  // distinct ids in the run
  bool in_run = true;         // false: judged relevant documents, but absent from the run
};

struct Evaluation {
  std::vector<QueryScore> queries;  // every query with a relevant judgment, in qrels order
  Measures mean;                    // over `queries` (0 when there are none)
  // Run queries that were not scored: absent from the qrels, or judged with no relevant
  // document (no measure is defined for them).
  std::vector<std::string> skipped_unjudged;
  std::vector<std::string> skipped_no_relevant;
  std::size_t missing_from_run = 0;  // scored queries absent from the run: all measures 0
};

// Scores `run` against `qrels`: every query of the qrels with a relevant judgment is
// scored, and one the run has no line for counts as 0 (trec_eval -c), so a system that
// answers nothing for a hard query is not rewarded for it.
Evaluation evaluate(const Qrels& qrels, const Run& run);

}  // namespace oly::eval
