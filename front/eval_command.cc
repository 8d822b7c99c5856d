#include "eval_command.h"

#include <fmt/format.h>

#include <algorithm>
#include <nlohmann/json.hpp>
#include <ostream>

#include "diagnostics.h"
#include "display_safe.h"
#include "eval.h"
#include "output.h"

namespace oly {
namespace {

using eval::Evaluation;

// Every query of the file through one Searcher, top `depth`, no snippets (no stored text is
// read). A query that fails is reported at its line and left with an empty answer, so it
// scores 0 rather than vanishing from the mean.
eval::Run run_queries(const SearchCommand& cmd, const EvalCommand& e,
                      const std::vector<eval::EvalQuery>& queries, std::ostream& err,
                      bool& failed) {
  SearchRequest base = cmd.request;
  base.limit = e.depth;
  base.offset = 0;
  base.snippets = false;
  base.snippet.fragments = 0;
  base.plain = true;     // request text, never syntax (QueryOptions::plain)
  base.suggest = false;  // a suggestion changes nothing measured
  base.facets.clear();
  Searcher searcher(cmd.search);
  eval::Run run;
  for (const eval::EvalQuery& q : queries) {
    std::vector<std::string>& ids = run[q.id];
    SearchRequest rq = base;
    rq.query = q.text;
    try {
      for (const Hit& h : searcher.search(rq).hits) ids.push_back(h.article.id);
    } catch (const QuerySyntaxError& x) {
      err << terminal_safe(
                 fmt::format("{}:{}: error: query {}: {}", e.queries, q.line, q.id, x.what()))
          << '\n';
      failed = true;
    }
  }
  return run;
}

// One query's value is its AP; the summary's is their mean, MAP.
void add_measures(nlohmann::ordered_json& j, const eval::Measures& m, const char* ap_key) {
  j["ndcg@10"] = m.ndcg10;
  j[ap_key] = m.ap100;
  j["p@10"] = m.p10;
  j["r@100"] = m.r100;
}

void print_json(const Evaluation& ev, std::ostream& out) {
  for (const eval::QueryScore& s : ev.queries) {
    nlohmann::ordered_json j;
    j["version"] = kJsonVersion;
    j["type"] = "eval_query";
    j["query"] = s.id;
    add_measures(j, s.m, "ap@100");
    j["relevant"] = s.relevant;
    j["retrieved"] = s.retrieved;
    j["in_run"] = s.in_run;
    out << json_text(j) << '\n';
  }
  nlohmann::ordered_json j;
  j["version"] = kJsonVersion;
  j["type"] = "eval_summary";
  j["queries"] = ev.queries.size();
  add_measures(j, ev.mean, "map@100");
  j["missing_from_run"] = ev.missing_from_run;
  j["skipped_unjudged"] = ev.skipped_unjudged;
  j["skipped_no_relevant"] = ev.skipped_no_relevant;
  out << json_text(j) << '\n';
}

std::string id_list(const std::vector<std::string>& ids) {
  std::string s;
  for (const auto& id : ids) s += (s.empty() ? "" : " ") + id;
  return terminal_safe(s);
}

void print_text(const Evaluation& ev, std::ostream& out) {
  std::size_t w = 5;  // "query", "mean"
  for (const auto& s : ev.queries) w = std::max(w, terminal_safe(s.id).size());
  out << fmt::format("{:<{}}  {:>7}  {:>7}  {:>6}  {:>6}  {:>8}  {:>9}\n", "query", w, "nDCG@10",
                     "AP@100", "P@10", "R@100", "relevant", "retrieved");
  for (const auto& s : ev.queries) {
    out << fmt::format("{:<{}}  {:>7.4f}  {:>7.4f}  {:>6.4f}  {:>6.4f}  {:>8}  {:>9}{}\n",
                       terminal_safe(s.id), w, s.m.ndcg10, s.m.ap100, s.m.p10, s.m.r100, s.relevant,
                       s.retrieved, s.in_run ? "" : "  (not in the run)");
  }
  const auto& m = ev.mean;
  out << fmt::format(
      "{:<{}}  {:>7.4f}  {:>7.4f}  {:>6.4f}  {:>6.4f}  ({} queries; MAP@100 is the "
      "mean AP@100)\n",
      "mean", w, m.ndcg10, m.ap100, m.p10, m.r100, ev.queries.size());
  if (ev.missing_from_run > 0) {
    out << ev.missing_from_run << " judged queries are not in the run: scored 0\n";
  }
  if (!ev.skipped_unjudged.empty()) {
    out << "skipped " << ev.skipped_unjudged.size()
        << " queries absent from the qrels: " << id_list(ev.skipped_unjudged) << '\n';
  }
  if (!ev.skipped_no_relevant.empty()) {
    out << "skipped " << ev.skipped_no_relevant.size()
        << " queries with no relevant judgment: " << id_list(ev.skipped_no_relevant) << '\n';
  }
}

}  // namespace

int run_eval_command(const SearchCommand& cmd, const EvalCommand& e, std::ostream& out,
                     std::ostream& err) {
  bool failed = false;
  Evaluation ev;
  try {
    // Every file is read and checked before the index is opened: a typo in line 900 of
    // the qrels must not cost a whole run.
    const eval::Qrels qrels = eval::parse_qrels(eval::read_text_file(e.qrels), e.qrels);
    eval::Run run;
    if (!e.run.empty()) {
      run = eval::parse_trec_run(eval::read_text_file(e.run), e.run);
    } else {
      const auto queries = eval::parse_queries(eval::read_text_file(e.queries), e.queries);
      run = run_queries(cmd, e, queries, err, failed);
    }
    ev = eval::evaluate(qrels, run);
  } catch (const eval::EvalError& x) {
    err << x.what() << '\n';
    return kExitError;
  }
  if (cmd.format == OutputFormat::kJson)
    print_json(ev, out);
  else
    print_text(ev, out);
  out.flush();
  if (ev.queries.empty()) {
    err << "searcher: warning: no query of the qrels has a relevant judgment: nothing was "
           "scored\n";
  }
  if (failed) return kExitError;
  return ev.queries.empty() ? kExitNoHits : kExitHits;
}

}  // namespace oly
