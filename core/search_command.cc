#include "search_command.h"

#include <istream>
#include <limits>
#include <nlohmann/json.hpp>
#include <ostream>
#include <set>

#include "diagnostics.h"
#include "language.h"
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
  } else if (key == "any") {
    if (!v.is_boolean()) throw RequestError("\"any\": expected true or false, got " + v.dump());
    r.match_any = v.get<bool>();
  } else if (key == "language") {
    std::string tag = text_value(v, key);
    normalize_language_option(tag);
    r.language = tag;
  } else {
    throw RequestError("unknown key \"" + key +
                       "\" (known: query, limit, offset, sort, since, until, any, snippets, "
                       "language)");
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

// One query from the command line.
int run_one(Searcher& searcher, const SearchCommand& cmd, const SearchRequest& base,
            std::ostream& out, std::ostream& err) {
  const bool snippets = base.snippet.fragments > 0;
  SearchResult r;
  try {
    r = searcher.search(base);
  } catch (const QuerySyntaxError& e) {
    err << terminal_safe(syntax_message(e, 1)) << '\n';
    return kExitError;
  }
  if (cmd.explain) explain(err, r);
  if (cmd.format != OutputFormat::kJson) print_shard_warning(err, r);
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
int run_batch(Searcher& searcher, const SearchCommand& cmd, const SearchRequest& base,
              std::istream& in, std::ostream& out, std::ostream& err) {
  bool any_hits = false, any_error = false;
  std::size_t failures_reported = 0;  // shard failures already on stderr
  std::string line;
  std::size_t line_no = 0;
  while (std::getline(in, line)) {
    ++line_no;
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (line.find_first_not_of(" \t") == std::string::npos) continue;
    try {
      // A line starting with '{' is a JSON request; any other line a plain query.
      SearchRequest rq = base;
      if (line.front() == '{') {
        rq = parse_request_line(line, base);
        // --ids and --count read no stored text and count everything, whatever the line
        // asks for.
        rq.snippets = base.snippets;
        if (base.exact_count) {
          rq.limit = 0;
          rq.exact_count = true;
        }
      } else {
        rq.query = line;
      }
      const bool snippets = rq.snippet.fragments > 0;
      SearchResult r = searcher.search(rq);
      if (cmd.explain) explain(err, r);
      if (cmd.format != OutputFormat::kJson && r.shards_failed.size() > failures_reported) {
        print_shard_warning(err, r);
        failures_reported = r.shards_failed.size();
      }
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
    } catch (const RequestError& e) {
      const std::string msg = "-:" + std::to_string(line_no) + ": error: " + e.what();
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

}  // namespace

int run_search_command(const SearchCommand& cmd, std::istream& in, std::ostream& out,
                       std::ostream& err) {
  SearchRequest base = cmd.request;
  if (cmd.format == OutputFormat::kIds || cmd.format == OutputFormat::kCount) base.snippets = false;
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
    throw FatalError("error: " + what);
  }
  Searcher searcher(cmd.search);

  return cmd.batch ? run_batch(searcher, cmd, base, in, out, err)
                   : run_one(searcher, cmd, base, out, err);
}

}  // namespace oly
