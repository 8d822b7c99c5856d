#include "search_command.h"

#include <istream>
#include <limits>
#include <nlohmann/json.hpp>
#include <ostream>
#include <set>

#include "diagnostics.h"
#include "language.h"
#include "output.h"
#include "printer.h"

namespace oly {
namespace {

std::string syntax_message(const QuerySyntaxError& e, std::size_t line) {
  return "query:" + std::to_string(line) + ":" + std::to_string(e.column()) +
         ": error: " + e.what();
}

// stderr is a terminal too: the query is echoed terminal-safe.
void explain(std::ostream& err, const SearchResult& r, const RankingOptions& ranking) {
  err << "query: " << terminal_safe(r.query) << "\n"
      << "understood as: " << terminal_safe(r.understood) << "\n"
      << "ranking: " << describe_ranking(ranking) << "\n"
      << "xapian: " << terminal_safe(r.xapian) << "\n";
  // Did you mean: only when one was looked for and found, or some words were declined.
  if (!r.suggestion.empty()) err << "did you mean: " << terminal_safe(r.suggestion) << "\n";
  if (!r.suggestion_note.empty()) {
    err << "did you mean: " << terminal_safe(r.suggestion_note) << "\n";
  }
}

// --ids output is line-oriented: an id holding a newline or ESC cannot be printed as it
// is. It is printed escaped, and this says so rather than passing it off as the id.
// `escaped`: the printer's count for this result alone.
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

// Stderr too says when shards are missing from an answer: text output has no other place.
void print_shard_warning(std::ostream& err, const SearchResult& r) {
  if (r.shards_failed.empty()) return;
  err << "searcher: warning: " << r.shards_failed.size() << " of " << r.shards_total
      << " shards failed; the results leave them out:\n";
  for (const auto& f : r.shards_failed) {
    err << "  " << terminal_safe(f.shard) << ": " << terminal_safe(f.error) << '\n';
  }
}

using Json = nlohmann::json;

std::size_t whole_number(const Json& v, const std::string& key, std::size_t max) {
  // Only JSON integers: 1.0, 1e3, "5" and true are refused, never converted.
  if (!v.is_number_integer() || (v.is_number_integer() && !v.is_number_unsigned()) ||
      v.get<std::uint64_t>() > max) {
    throw RequestError("\"" + key + "\": expected a whole number from 0 to " + std::to_string(max) +
                       ", got " + v.dump());
  }
  return static_cast<std::size_t>(v.get<std::uint64_t>());
}

const std::string& text_value(const Json& v, const std::string& key) {
  if (!v.is_string()) throw RequestError("\"" + key + "\": expected a string, got " + v.dump());
  return v.get_ref<const std::string&>();
}

// One key of a request object into `r`.
void apply_key(const std::string& key, const Json& v, SearchRequest& r) {
  if (key == "query") {
    r.query = text_value(v, key);
  } else if (key == "limit") {
    r.limit = whole_number(v, key, 1000000000);
  } else if (key == "offset") {
    r.offset = whole_number(v, key, 1000000000);
  } else if (key == "snippets") {
    r.snippet.fragments = whole_number(v, key, 20);
  } else if (key == "sort") {
    const std::string& s = text_value(v, key);
    if (s == "relevance")
      r.sort = SortOrder::kRelevance;
    else if (s == "date")
      r.sort = SortOrder::kDateAscending;
    else if (s == "-date")
      r.sort = SortOrder::kDateDescending;
    else
      throw RequestError("\"sort\": expected relevance, date or -date, got " + v.dump());
  } else if (key == "since" || key == "until") {
    (key == "since" ? r.since : r.until) = text_value(v, key);
  } else if (key == "today") {
    r.today = text_value(v, key);
  } else if (key == "recency") {
    // "" is off, as an empty `recency=` on the server; the value is checked by
    // validate_request.
    r.recency = text_value(v, key);
  } else if (key == "any") {
    if (!v.is_boolean()) throw RequestError("\"any\": expected true or false, got " + v.dump());
    r.match_any = v.get<bool>();
  } else if (key == "suggest") {
    if (!v.is_boolean()) throw RequestError("\"suggest\": expected true or false, got " + v.dump());
    r.suggest = v.get<bool>();
  } else if (key == "collapse") {
    if (!v.is_boolean())
      throw RequestError("\"collapse\": expected true or false, got " + v.dump());
    r.collapse = v.get<bool>();
  } else if (key == "plain") {
    if (!v.is_boolean()) throw RequestError("\"plain\": expected true or false, got " + v.dump());
    r.plain = v.get<bool>();
  } else if (key == "language") {
    std::string tag = text_value(v, key);
    normalize_language_option(tag);
    r.language = tag;
  } else if (key == "facets") {
    try {
      // "" asks for none, as an empty `facets=` does on the server (a form's empty field).
      const std::string list = text_value(v, key);
      r.facets = list.empty() ? std::vector<FacetSpec>{} : parse_facet_list(list);
    } catch (const RequestError& e) {
      throw RequestError(std::string("\"facets\": ") + e.what());
    }
  } else if (key == "stems") {
    try {
      r.ranking.stems = parse_stem_mode(text_value(v, key));
    } catch (const std::invalid_argument& e) {
      throw RequestError(std::string("\"stems\": ") + e.what());
    }
  } else if (key == "proximity" || key == "feedback") {
    if (!v.is_boolean())
      throw RequestError("\"" + key + "\": expected true or false, got " + v.dump());
    (key == "proximity" ? r.ranking.proximity : r.ranking.feedback) = v.get<bool>();
  } else {
    throw RequestError("unknown key \"" + key +
                       "\" (known: query, limit, offset, sort, since, until, today, any, snippets, "
                       "language, facets, stems, proximity, feedback, suggest, collapse, recency)");
  }
}

}  // namespace

SearchRequest parse_request_line(const std::string& line, const SearchRequest& base) {
  // nlohmann keeps the last of two equal keys: a repeated key is caught while parsing.
  std::set<std::string> seen;
  std::string repeated;
  const Json::parser_callback_t check = [&](int depth, Json::parse_event_t event, Json& parsed) {
    if (event == Json::parse_event_t::key && depth == 1 &&
        !seen.insert(parsed.get<std::string>()).second && repeated.empty()) {
      repeated = parsed.get<std::string>();
    }
    return true;
  };
  Json j;
  try {
    j = Json::parse(line, check);
  } catch (const Json::parse_error& e) {
    // nlohmann's message starts with its own "[json.exception.parse_error.101] " tag.
    const std::string what = e.what();
    const std::size_t tag = what.find("] ");
    throw RequestError("bad JSON request: " +
                       (tag == std::string::npos ? what : what.substr(tag + 2)));
  }
  if (!j.is_object()) throw RequestError("a line starting with '{' must be one JSON object");
  if (!repeated.empty()) throw RequestError("key \"" + repeated + "\" given twice");
  if (!j.contains("query")) throw RequestError("the request has no \"query\"");
  SearchRequest r = base;
  for (const auto& [key, value] : j.items()) apply_key(key, value, r);
  validate_request(r);
  return r;
}

namespace {

// What a query that failed prints: the message on stderr (terminal-safe) and, in formats
// that have a place for it, on stdout.
void report_failure(ResultPrinter& printer, const RequestFailure& f, std::size_t line,
                    std::ostream& out, std::ostream& err) {
  err << terminal_safe(f.message) << '\n';
  printer.failure(out, f, PrintContext{line, std::nullopt});
}

RequestFailure syntax_failure(const QuerySyntaxError& e, std::size_t line) {
  return {RequestFailure::Kind::kSyntax, syntax_message(e, line), e.column()};
}

// Prints `r` and what goes with it on stderr. `warn_shards`: whether stderr must list
// failed shards (the JSON summary lists them itself).
void show(ResultPrinter& printer, const SearchCommand& cmd, const SearchRequest& rq,
          const SearchResult& r, const PrintContext& ctx, bool warn_shards, std::ostream& out,
          std::ostream& err) {
  if (cmd.explain) explain(err, r, rq.ranking);
  if (warn_shards) print_shard_warning(err, r);
  const std::size_t escaped_before = printer.escaped_ids();
  printer.result(out, r, ctx);
  print_ids_warning(err, printer.escaped_ids() - escaped_before);
}

// One query from the command line.
int run_one(Searcher& searcher, ResultPrinter& printer, const SearchCommand& cmd,
            const SearchRequest& base, std::ostream& out, std::ostream& err) {
  SearchResult r;
  try {
    r = searcher.search(base);
  } catch (const QuerySyntaxError& e) {
    // One query: its error is the run's error, on stderr only (exit 2).
    err << terminal_safe(syntax_message(e, 1)) << '\n';
    return kExitError;
  }
  show(printer, cmd, base, r, PrintContext{}, cmd.format != OutputFormat::kJson, out, err);
  out.flush();
  return matched(r) ? kExitHits : kExitNoHits;
}

// A --batch line into a request over `base`: a line starting with '{' is a JSON request,
// any other line a plain query. Throws RequestError.
SearchRequest batch_request(const std::string& line, const SearchRequest& base) {
  SearchRequest rq = base;
  if (line.front() != '{') {
    rq.query = line;
    return rq;
  }
  rq = parse_request_line(line, base);
  // --ids and --count print lines with no place for facet counts: refused, not dropped.
  if (!base.snippets && !rq.facets.empty()) {
    throw RequestError("\"facets\": --ids and --count print no facets; use --json");
  }
  // --ids and --count read no stored text and count everything, whatever the line asks
  // for.
  rq.snippets = base.snippets;
  if (base.exact_count) {
    rq.limit = 0;
    rq.exact_count = true;
  }
  return rq;
}

// --batch: the index is opened once; each query line gets its answers (carrying the line
// number, whatever the format) before the next line is read, so a script can talk to one
// long-lived process.
int run_batch(Searcher& searcher, ResultPrinter& printer, const SearchCommand& cmd,
              const SearchRequest& base, std::istream& in, std::ostream& out, std::ostream& err) {
  bool any_hits = false, any_error = false;
  std::size_t failures_reported = 0;  // shard failures already on stderr
  std::string line;
  std::size_t line_no = 0;
  while (std::getline(in, line)) {
    ++line_no;
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (line.find_first_not_of(" \t") == std::string::npos) continue;
    try {
      const SearchRequest rq = batch_request(line, base);
      SearchResult r = searcher.search(rq);
      const bool warn =
          cmd.format != OutputFormat::kJson && r.shards_failed.size() > failures_reported;
      if (warn) failures_reported = r.shards_failed.size();
      show(printer, cmd, rq, r, PrintContext{line_no, rq.snippet.fragments > 0}, warn, out, err);
      any_hits = any_hits || matched(r);
    } catch (const QuerySyntaxError& e) {
      report_failure(printer, syntax_failure(e, line_no), line_no, out, err);
      any_error = true;
    } catch (const RequestError& e) {
      const std::string msg = "-:" + std::to_string(line_no) + ": error: " + e.what();
      report_failure(printer, {RequestFailure::Kind::kRequest, msg, std::nullopt}, line_no, out,
                     err);
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

}  // namespace

int run_search_command(const SearchCommand& cmd, std::istream& in, std::ostream& out,
                       std::ostream& err) {
  SearchRequest base = cmd.request;
  if (cmd.format == OutputFormat::kIds || cmd.format == OutputFormat::kCount) {
    base.snippets = false;
    // Their lines have no place for facet counts: say so rather than drop them.
    if (!base.facets.empty()) {
      throw FatalError("error: --facets: --ids and --count print no facets; use --json or text");
    }
  }
  if (cmd.format == OutputFormat::kCount) {
    base.limit = 0;
    base.exact_count = true;
  }
  // Bad flags are usage errors before the index is opened.
  try {
    validate_request(base);
  } catch (const RequestError& e) {
    // On the command line the fields are flags: "since/until: ..." is about --since/--until.
    std::string what = e.what();
    if (what.rfind("since/until:", 0) == 0) what.replace(0, 11, "--since/--until");
    if (what.rfind("today:", 0) == 0) what.insert(0, "--");
    throw FatalError("error: " + what);
  }
  // --batch answers in JSON Lines unless --ids or --count asked for lines of their own.
  const OutputFormat format =
      cmd.batch && cmd.format == OutputFormat::kText ? OutputFormat::kJson : cmd.format;
  const auto printer = make_printer(format, PrintOptions{cmd.color, base.snippet.fragments > 0});
  Searcher searcher(cmd.search);
  return cmd.batch ? run_batch(searcher, *printer, cmd, base, in, out, err)
                   : run_one(searcher, *printer, cmd, base, out, err);
}

}  // namespace oly
