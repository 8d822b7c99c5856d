#include "eval.h"

#include <fmt/format.h>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <unordered_set>
#include <utility>

#include "display_safe.h"

namespace oly::eval {
namespace {

bool all_digits(const std::string& s) {
  return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
}

// Calls `f(line_number, line)` for each line that is not blank, without its '\r'.
// A UTF-8 byte order mark (editors on Windows write one) is not part of the first line:
// left in, it would make the first query id "\ufeff1", a query that matches nothing.
template <class F>
void for_each_line(std::string_view text, F&& f) {
  constexpr std::string_view kBom = "\xEF\xBB\xBF";
  if (text.substr(0, kBom.size()) == kBom) text.remove_prefix(kBom.size());
  std::size_t pos = 0, number = 0;
  while (pos < text.size()) {
    std::size_t nl = text.find('\n', pos);
    if (nl == std::string_view::npos) nl = text.size();
    std::string_view line = text.substr(pos, nl - pos);
    pos = nl + 1;
    ++number;
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (line.find_first_not_of(" \t\f\v") == std::string_view::npos) continue;
    f(number, line);
  }
}

std::vector<std::string> split_whitespace(std::string_view line) {
  std::vector<std::string> out;
  std::size_t i = 0;
  auto space = [](char c) { return c == ' ' || c == '\t' || c == '\f' || c == '\v'; };
  while (i < line.size()) {
    while (i < line.size() && space(line[i])) ++i;
    const std::size_t start = i;
    while (i < line.size() && !space(line[i])) ++i;
    if (i > start) out.emplace_back(line.substr(start, i - start));
  }
  return out;
}

std::vector<std::string> split_tabs(std::string_view line) {
  std::vector<std::string> out;
  std::size_t pos = 0;
  while (true) {
    const std::size_t tab = line.find('\t', pos);
    out.emplace_back(line.substr(pos, tab == std::string_view::npos ? tab : tab - pos));
    if (tab == std::string_view::npos) return out;
    pos = tab + 1;
  }
}

// Messages quote the file's text: shown, never obeyed by the terminal.
[[noreturn]] void fail(const std::string& path, std::size_t line, const std::string& message) {
  throw EvalError(
      fmt::format("{}:{}: error: {}", terminal_safe(path), line, terminal_safe(message)));
}

std::string in_quotes(std::string_view s) {
  constexpr std::size_t kMax = 60;
  return "'" + std::string(s.substr(0, kMax)) + (s.size() > kMax ? "...'" : "'");
}

// A whole number within [lo, hi]: no sign, spaces or fractions.
bool whole_number(const std::string& s, long long lo, long long hi, long long& out) {
  const bool negative = !s.empty() && s[0] == '-';
  if (!all_digits(negative ? s.substr(1) : s)) return false;
  auto r = std::from_chars(s.data(), s.data() + s.size(), out);
  return r.ec == std::errc() && r.ptr == s.data() + s.size() && out >= lo && out <= hi;
}

bool finite_number(const std::string& s) {
  if (s.empty()) return false;
  errno = 0;
  char* end = nullptr;
  const double v = std::strtod(s.c_str(), &end);
  return end == s.c_str() + s.size() && errno == 0 && std::isfinite(v);
}

}  // namespace

bool IdLess::operator()(const std::string& a, const std::string& b) const {
  const bool na = all_digits(a), nb = all_digits(b);
  if (na != nb) return na;  // numbers first
  if (na) {
    // By value: without leading zeros, a longer number is larger.
    const std::size_t za = std::min(a.find_first_not_of('0'), a.size());
    const std::size_t zb = std::min(b.find_first_not_of('0'), b.size());
    const std::string_view va = std::string_view(a).substr(za), vb = std::string_view(b).substr(zb);
    if (va.size() != vb.size()) return va.size() < vb.size();
    if (va != vb) return va < vb;
  }
  return a < b;  // "01" and "1" stay two ids
}

std::vector<EvalQuery> parse_queries(std::string_view text, const std::string& path) {
  std::vector<EvalQuery> out;
  std::unordered_set<std::string> seen;
  for_each_line(text, [&](std::size_t n, std::string_view line) {
    const std::size_t tab = line.find('\t');
    if (tab == std::string_view::npos)
      fail(path, n, "expected QUERY_ID<TAB>TEXT, got " + in_quotes(line));
    EvalQuery q{std::string(line.substr(0, tab)), std::string(line.substr(tab + 1)), n};
    if (q.id.empty() || split_whitespace(q.id).size() != 1 || split_whitespace(q.id)[0] != q.id)
      fail(path, n, "a query id must be one word without spaces, got " + in_quotes(q.id));
    if (split_whitespace(q.text).empty()) fail(path, n, "query " + q.id + " has no text");
    if (!seen.insert(q.id).second) fail(path, n, "query id " + q.id + " appears twice");
    out.push_back(std::move(q));
  });
  return out;
}

Qrels parse_qrels(std::string_view text, const std::string& path) {
  Qrels out;
  for_each_line(text, [&](std::size_t n, std::string_view line) {
    // The tab form allows spaces inside an article id (file paths); TREC's form does not.
    std::vector<std::string> f = split_tabs(line);
    if (f.size() != 3) {
      f = split_whitespace(line);
      if (f.size() != 4) {
        fail(path, n,
             "expected QUERY_ID<TAB>DOC_ID<TAB>GRADE or TREC's QUERY_ID ITERATION DOC_ID GRADE, "
             "got " +
                 in_quotes(line));
      }
      f.erase(f.begin() + 1);  // the iteration, unused by every measure
    }
    if (f[0].empty() || f[1].empty()) fail(path, n, "empty query or document id");
    long long grade = 0;
    if (!whole_number(f[2], 0, 1000000, grade)) {
      fail(path, n, "a grade is a whole number from 0 (not relevant) up, got " + in_quotes(f[2]));
    }
    if (!out[f[0]].emplace(f[1], static_cast<int>(grade)).second)
      fail(path, n, "query " + f[0] + " judges document " + f[1] + " twice");
  });
  return out;
}

Run parse_trec_run(std::string_view text, const std::string& path) {
  struct Line {
    double score;
    std::string id;
  };
  std::map<std::string, std::vector<Line>, IdLess> lines;
  std::map<std::string, std::unordered_set<std::string>> seen;  // ids by query
  for_each_line(text, [&](std::size_t n, std::string_view line) {
    std::vector<std::string> f = split_whitespace(line);
    if (f.size() != 6)
      fail(path, n, "expected QUERY_ID Q0 DOC_ID RANK SCORE TAG, got " + in_quotes(line));
    // The rank is checked as a number (a garbled column means a garbled file) but, as in
    // trec_eval, it does not order the run: the score does.
    long long rank = 0;
    if (!whole_number(f[3], 0, 1000000000, rank))
      fail(path, n, "the rank is a whole number from 0 up, got " + in_quotes(f[3]));
    if (!finite_number(f[4])) fail(path, n, "the score is a finite number, got " + in_quotes(f[4]));
    // trec_eval refuses a run that retrieves one document twice for a query: scoring it
    // either way would measure something the file does not clearly say.
    if (!seen[f[0]].insert(f[2]).second)
      fail(path, n, "query " + f[0] + " retrieves document " + f[2] + " twice");
    lines[f[0]].push_back({std::strtod(f[4].c_str(), nullptr), f[2]});
  });
  Run run;
  for (auto& [qid, v] : lines) {
    // trec_eval's order: score descending, ties by document id descending (strcmp), so
    // that a run scores the same whatever order its lines come in.
    std::sort(v.begin(), v.end(), [](const Line& a, const Line& b) {
      if (a.score != b.score) return a.score > b.score;
      return std::strcmp(a.id.c_str(), b.id.c_str()) > 0;
    });
    std::vector<std::string>& ids = run[qid];
    for (Line& l : v) ids.push_back(std::move(l.id));
  }
  return run;
}

std::string read_text_file(const std::string& path) {
  // A directory opens as a stream that reads nothing: it would pass for an empty file.
  std::error_code ec;
  if (std::filesystem::is_directory(path, ec))
    throw EvalError(terminal_safe(path) + ": error: is a directory, not a file");
  std::ifstream in(path, std::ios::binary);
  std::ostringstream s;
  if (in) s << in.rdbuf();
  if (!in || in.bad()) {
    throw EvalError(terminal_safe(path) + ": error: cannot read the file");
  }
  return s.str();
}

Measures score_query(const std::vector<std::string>& ranked, const Judgments& judged) {
  std::vector<int> ideal;
  for (const auto& [id, grade] : judged) {
    if (grade > 0) ideal.push_back(grade);
  }
  Measures m;
  if (ideal.empty()) return m;
  std::sort(ideal.rbegin(), ideal.rend());
  auto discount = [](std::size_t rank) { return 1.0 / std::log2(static_cast<double>(rank) + 1); };
  double ideal_dcg = 0;
  for (std::size_t i = 0; i < ideal.size() && i < kNdcgDepth; ++i)
    ideal_dcg += ideal[i] * discount(i + 1);

  std::unordered_set<std::string> seen;
  double dcg = 0, precision_sum = 0;
  std::size_t found = 0, found_at_10 = 0;
  const std::size_t depth = std::max({kNdcgDepth, kPrecisionDepth, kApDepth, kRecallDepth});
  for (std::size_t i = 0; i < ranked.size() && i < depth; ++i) {
    const std::size_t rank = i + 1;
    if (!seen.insert(ranked[i]).second) continue;  // a repeat: its place gains nothing
    const auto it = judged.find(ranked[i]);
    const int grade = it == judged.end() ? 0 : it->second;
    if (grade <= 0) continue;
    if (rank <= kNdcgDepth) dcg += grade * discount(rank);
    if (rank <= kPrecisionDepth) ++found_at_10;
    if (rank <= std::max(kApDepth, kRecallDepth)) {
      ++found;
      if (rank <= kApDepth) precision_sum += static_cast<double>(found) / static_cast<double>(rank);
    }
  }
  const auto relevant = static_cast<double>(ideal.size());
  m.ndcg10 = dcg / ideal_dcg;
  m.ap100 = precision_sum / relevant;
  m.p10 = static_cast<double>(found_at_10) / static_cast<double>(kPrecisionDepth);
  m.r100 = static_cast<double>(found) / relevant;
  return m;
}

Evaluation evaluate(const Qrels& qrels, const Run& run) {
  Evaluation e;
  for (const auto& [qid, ids] : run) {
    const auto q = qrels.find(qid);
    if (q == qrels.end()) {
      e.skipped_unjudged.push_back(qid);
    } else if (std::none_of(q->second.begin(), q->second.end(),
                            [](const auto& j) { return j.second > 0; })) {
      e.skipped_no_relevant.push_back(qid);
    }
  }
  static const std::vector<std::string> kNothing;
  for (const auto& [qid, judged] : qrels) {
    QueryScore s;
    s.id = qid;
    s.relevant = static_cast<std::size_t>(
        std::count_if(judged.begin(), judged.end(), [](const auto& j) { return j.second > 0; }));
    if (s.relevant == 0) continue;
    const auto r = run.find(qid);
    s.in_run = r != run.end();
    if (!s.in_run) ++e.missing_from_run;
    const std::vector<std::string>& ranked = s.in_run ? r->second : kNothing;
    s.retrieved = std::unordered_set<std::string>(ranked.begin(), ranked.end()).size();
    s.m = score_query(ranked, judged);
    e.mean.ndcg10 += s.m.ndcg10;
    e.mean.ap100 += s.m.ap100;
    e.mean.p10 += s.m.p10;
    e.mean.r100 += s.m.r100;
    e.queries.push_back(std::move(s));
  }
  if (!e.queries.empty()) {
    const auto n = static_cast<double>(e.queries.size());
    e.mean = {e.mean.ndcg10 / n, e.mean.ap100 / n, e.mean.p10 / n, e.mean.r100 / n};
  }
  return e;
}

}  // namespace oly::eval
