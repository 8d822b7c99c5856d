// searcher: queries the index built by `indexer`. Parses flags into a SearchCommand and
// runs it; exit codes like grep: 0 hits, 1 none, 2 error.
#include <unistd.h>

#include <xapian.h>

#include <fmt/format.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <cstdlib>
#include <iostream>

#include "cli.h"
#include "diagnostics.h"
#include "eval_command.h"
#include "language.h"
#include "output.h"
#include "recency.h"
#include "search_command.h"

namespace {

using oly::cli::UsageError;

// Flag values as typed: numbers are parsed by oly::cli, strictly, after CLI11 has split
// the command line (CLI11 would wrap "-1" around to a huge size_t).
struct Flags {
  std::vector<std::string> words;
  std::vector<std::string> indexes;
  // Defaults shown by --help come from SearchRequest and IndexSetOptions.
  std::string limit = std::to_string(oly::SearchRequest{}.limit);
  std::string offset = std::to_string(oly::SearchRequest{}.offset);
  std::string snippets = std::to_string(oly::SearchRequest{}.snippet.fragments);
  std::string snippet_length = std::to_string(oly::SearchRequest{}.snippet.length);
  std::string connect_timeout = fmt::format("{}", oly::IndexSetOptions{}.connect_timeout);
  std::string timeout = fmt::format("{}", oly::IndexSetOptions{}.timeout);
  std::string color = "auto", sort = "relevance", bm25, facets, similar;
  std::string stems{oly::stem_mode_name(oly::RankingOptions{}.stems)};
  bool json = false, ids = false, count = false, no_cache = false;
  oly::EvalCommand eval;  // --eval / --eval-run, --qrels
  bool evaluating() const { return !eval.queries.empty() || !eval.run.empty(); }
};

// "k1=1.2,b=0.75" into the options: each key at most once, finite values in range.
void parse_bm25(const std::string& spec, oly::SearchOptions& o) {
  // k1 beyond 1000 makes BM25's arithmetic overflow towards inf/inf for no useful
  // ranking; typical values are 0.5 to 2.
  struct Param {
    const char* key;
    double* value;
    double max;
    bool seen = false;
  };
  Param params[] = {
      {"k1", &o.bm25_k1, 1000}, {"b", &o.bm25_b, 1}, {"min_norm", &o.bm25_min_norm, 1}};
  const std::string usage =
      "--bm25: expected k1=NUMBER,b=NUMBER,min_norm=NUMBER (any of them), got '";
  if (spec.empty()) throw UsageError(usage + "'");
  std::size_t pos = 0;
  while (pos <= spec.size()) {
    std::size_t comma = spec.find(',', pos);
    if (comma == std::string::npos) comma = spec.size();
    const std::string part = spec.substr(pos, comma - pos);
    const std::size_t eq = part.find('=');
    if (eq == std::string::npos) throw UsageError(usage + part + "'");
    const std::string key = part.substr(0, eq), value = part.substr(eq + 1);
    Param* p = std::find_if(std::begin(params), std::end(params),
                            [&](const Param& x) { return key == x.key; });
    if (p == std::end(params)) {
      throw UsageError("--bm25: unknown parameter '" + key + "' (k1, b and min_norm are known)");
    }
    if (p->seen) throw UsageError("--bm25: " + key + " given twice");
    *p->value = oly::cli::parse_real_number("--bm25 " + key, value, 0, p->max);
    p->seen = true;
    pos = comma + 1;
  }
}

// The evaluation (front/eval_command.h): measures per query and their means.
void add_eval_flags(CLI::App& app, Flags& f) {
  auto* eval = app.add_option("--eval", f.eval.queries,
                              "Evaluate the ranking: run every query of this file "
                              "(QUERY_ID<TAB>TEXT, read as --plain words, top 100) with the "
                              "other flags and print nDCG@10, AP@100, P@10, R@100 per query and "
                              "their means; needs --qrels")
                   ->type_name("QUERIES");
  auto* run = app.add_option("--eval-run", f.eval.run,
                             "Score a TREC run file (QUERY_ID Q0 DOC_ID RANK SCORE TAG) as --eval "
                             "does, without an index; needs --qrels")
                  ->type_name("RUN");
  eval->excludes(run);
  app.add_option("--qrels", f.eval.qrels,
                 "Relevance judgments for --eval/--eval-run: QUERY_ID<TAB>DOC_ID<TAB>GRADE or "
                 "TREC's QUERY_ID 0 DOC_ID GRADE (grade 0: not relevant)")
      ->type_name("QRELS");
}

// --eval and --eval-run print a table of measures: flags that shape another output, or
// (for a run file) the search that was not made, are refused rather than ignored.
// --eval honours what changes a top-100 relevance ranking of the whole index (--any,
// --language, --bm25, --stems, --proximity, --feedback, --collapse, --recency, the date
// filters, the shard timeouts) and refuses the rest: --similar (the queries file gives the
// queries), --sort by date (not a relevance run), --partial (a run missing a shard's
// articles would be scored as if complete), --color (the table has none).
void check_eval_flags(const CLI::App& app, const Flags& f) {
  const bool run = !f.eval.run.empty();
  const char* mode = run ? "--eval-run" : "--eval";
  if (f.eval.qrels.empty()) throw UsageError(std::string(mode) + " needs --qrels FILE");
  if (!f.words.empty()) throw UsageError(std::string(mode) + " takes no query arguments");
  std::vector<std::string> refused = {"--batch",   "--ids",      "--count",          "--limit",
                                      "--offset",  "--snippets", "--snippet-length", "--facets",
                                      "--explain", "--similar",  "--partial"};
  if (run) {
    // A run file was ranked elsewhere: no switch of our search can change it.
    for (const char* o :
         {"--index", "--any", "--plain", "--language", "--sort", "--since", "--until", "--today",
          "--bm25", "--no-cache", "--connect-timeout", "--timeout", "--stems", "--proximity",
          "--feedback", "--collapse", "--recency", "--no-suggest"})
      refused.emplace_back(o);
  } else if (f.sort != "relevance") {
    throw UsageError("--sort " + f.sort +
                     " does not apply to --eval (it measures relevance order)");
  }
  for (const auto& o : refused) {
    if (app.count(o) == 0) continue;
    // --proximity and --no-proximity are one option: name both, either may have been given.
    const bool negatable = o == "--proximity" || o == "--feedback";
    throw UsageError(o + (negatable ? "/--no-" + o.substr(2) : "") + " does not apply to " + mode);
  }
}

void add_flags(CLI::App& app, Flags& f, oly::SearchCommand& cmd) {
  app.set_version_flag("--version", "searcher 0.1.0");
  // Unknown options are collected, not thrown, so that main can explain `bolt -usain`.
  app.allow_extras();
  app.add_option("query", f.words, "The query (words are joined with spaces; see README)");
  // One value per -d: `-d a b` must not swallow the query word b.
  app.add_option("-d,--index", f.indexes,
                 "Index to search; repeat for shards searched as one index. A directory, a "
                 "Xapian stub file (auto PATH / glass PATH / remote HOST:PORT lines), a "
                 "directory holding a stub named XAPIANDB, or 'remote HOST:PORT' (default: "
                 "$OLYMPIC_INDEX, else ./olympic-index)")
      ->type_name("SPEC")
      ->expected(1)
      ->allow_extra_args(false)
      ->multi_option_policy(CLI::MultiOptionPolicy::TakeAll);
  app.add_flag("--partial", cmd.search.index.partial,
               "Answer from the shards that respond and report the failed ones (default: a "
               "failed shard is an error)");
  app.add_option("--connect-timeout", f.connect_timeout,
                 "Seconds to wait for a remote shard to accept a connection")
      ->type_name("SECONDS")
      ->capture_default_str();
  app.add_option("--timeout", f.timeout,
                 "Seconds to wait for a remote shard's answer before calling it failed")
      ->type_name("SECONDS")
      ->capture_default_str();
  app.add_flag("--any", cmd.request.match_any, "Match any word (ranked OR) instead of all");
  app.add_flag("--plain", cmd.request.plain,
               "Read the query as plain words: AND, OR, NOT, NEAR, +, -, quotes, brackets, "
               "field:, * are words or punctuation, never syntax (for text passed verbatim)");
  app.add_flag("--collapse", cmd.request.collapse,
               "One hit per group of near-duplicate articles, with the number of others");
  app.add_option("-n,--limit", f.limit, "Hits to show (0 to 1000000000)")
      ->type_name("N")
      ->capture_default_str();
  app.add_option("--offset", f.offset, "Hits to skip (0 to 1000000000)")
      ->type_name("N")
      ->capture_default_str();
  app.add_option("--sort", f.sort, "relevance, date (oldest first) or -date (newest first)")
      ->check(CLI::IsMember({"relevance", "date", "-date"}))
      ->capture_default_str();
  app.add_option("--bm25", f.bm25,
                 "BM25 parameters, e.g. k1=1.2,b=0.75,min_norm=0 (the defaults; 0<=k1<=1000, "
                 "0<=b<=1; min_norm 0<=X<=1 floors the document length ratio, Xapian's is 0.5)")
      ->type_name("K1=X,B=Y,MIN_NORM=Z");
  app.add_option("--since", cmd.request.since,
                 "Only articles dated on or after: YYYY[-MM[-DD]], or relative: today, yesterday, "
                 "7d, 2w, 3m, 1y, last-week, this-month, ... (see --today)");
  app.add_option("--until", cmd.request.until,
                 "Only articles dated on or before: YYYY[-MM[-DD]] or relative, as --since");
  app.add_option("--today", cmd.request.today,
                 "The day relative dates count from (--since 7d, date:last-month); default: "
                 "today's UTC date")
      ->type_name("YYYY-MM-DD");
  app.add_option("-l,--language", cmd.request.language,
                 "Stem query words in this language only (default: every language in the index)")
      ->transform(CLI::Validator(oly::normalize_language_option, "LANG"));
  app.add_option("--snippets", f.snippets, "Snippet fragments per hit (0 to 20; 0: no snippet)")
      ->type_name("N")
      ->capture_default_str();
  app.add_option("--snippet-length", f.snippet_length, "Characters per fragment (20 to 5000)")
      ->type_name("N")
      ->capture_default_str();
  app.add_option("--facets", f.facets,
                 "Count the matches per value of these facets, over every match: a list of "
                 "source, year, month, lang, tags, games, country, each with an optional :N "
                 "(values shown, 1 to 1000; default 10), e.g. source,year:5")
      ->type_name("LIST");
  app.add_option("--recency", cmd.request.recency,
                 "Blend relevance with freshness: the score halves every HALF_LIFE of age "
                 "(30d, 2w, 12m, 1y) counted back from --today; undated articles rank last")
      ->type_name("HALF_LIFE");
  app.add_option("--similar", f.similar,
                 "Articles like the one with this id (the same as the query similar:ID; "
                 "query words, if any, narrow it further)")
      ->type_name("ID");
  auto* fjson = app.add_flag("--json", f.json, "JSON Lines: one object per hit, then a summary");
  auto* fids = app.add_flag("--ids", f.ids, "Only article ids, best first");
  auto* fcount = app.add_flag("--count", f.count, "Only the number of matches");
  fjson->excludes(fids)->excludes(fcount);
  fids->excludes(fcount);
  app.add_flag("--batch", cmd.batch,
               "Read one query per line from stdin (JSON Lines out); a line starting with { is "
               "a JSON request: {\"query\":\"...\", \"limit\":N, \"offset\":N, \"sort\":\"date\", "
               "\"since\":\"...\", \"until\":\"...\", \"today\":\"YYYY-MM-DD\", \"any\":true, "
               "\"plain\":true, "
               "\"snippets\":N, \"language\":\"fr\", \"facets\":\"source,year\", "
               "\"recency\":\"30d\"} (all but query "
               "optional; other flags give the defaults)");
  app.add_option("--color,--colour", f.color, "Colour: auto, always, never")
      ->check(CLI::IsMember({"auto", "always", "never"}))
      ->capture_default_str();
  app.add_flag("--no-cache", f.no_cache,
               "--batch: search every line afresh, even a request seen before at the same "
               "revision of the index (for measuring)");
  app.add_flag("--explain", cmd.explain, "Print on stderr how the query was understood");
  add_eval_flags(app, f);
  app.add_option("--stems", f.stems,
                 "How a word's other forms count: tiebreak (its stems; the exact form adds a "
                 "fifth of its weight), or (its stems and its exact form as two BM25 terms), "
                 "synonym (one BM25 term per word, the exact form counting extra) or exact (the "
                 "exact form only)")
      ->check(CLI::IsMember({"tiebreak", "synonym", "or", "exact"}))
      ->capture_default_str();
  app.add_flag("--proximity,!--no-proximity", cmd.request.ranking.proximity,
               "Rank adjacent query words found close together higher (default: off)");
  app.add_flag("--feedback,!--no-feedback", cmd.request.ranking.feedback,
               "Pseudo-relevance feedback: add the top 10 hits' best 10 words at half weight "
               "and search again (default: off)");
  app.add_flag("--no-suggest{false}", cmd.request.suggest,
               "No \"Did you mean\" suggestion for a query with few matches");
}

// `sh` quoting for the examples in messages.
std::string sh_quote(const std::string& s) {
  std::string q = "'";
  for (char c : s) q += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return q + "'";
}

// An argument CLI11 did not know. `-usain` is almost always a word to exclude typed
// before the query was protected from option parsing: say how to write it.
void reject_extras(const std::vector<std::string>& extras, const Flags& f) {
  const std::string& arg = extras.front();
  if (arg.size() > 1 && arg[0] == '-' && arg[1] != '-') {
    std::string query;
    for (const auto& w : f.words) query += w + " ";
    for (const auto& w : extras) query += w + " ";
    query.pop_back();
    throw UsageError(arg + " is not an option; to exclude a word, put the query after --: " +
                     "searcher -- " + query + ", or quote it: searcher " + sh_quote(query));
  }
  throw UsageError("unknown option " + arg + " (see searcher --help)");
}

// A timeout in seconds: finite and above 0 (Xapian reads 0 as "wait for ever"), at most
// a day.
double parse_timeout(std::string_view flag, const std::string& text) {
  const double v = oly::cli::parse_real_number(flag, text, 0, 86400);
  if (v <= 0)
    throw UsageError(std::string(flag) + ": expected a number of seconds above 0, got '" + text +
                     "'");
  return v;
}

// --similar ID as the query language writes it: similar:"ID", then the query words in
// a group (so that `a OR b` narrows as a whole). The language has no escape for '"'.
std::string similar_query_text(const std::string& id, const std::string& words) {
  if (id.empty()) throw UsageError("--similar: expected an article id, got ''");
  if (id.find('"') != std::string::npos) {
    throw UsageError("--similar: an id holding '\"' cannot be written in a query: " + id);
  }
  std::string q = "similar:\"" + id + "\"";
  if (!words.empty()) q += " (" + words + ")";
  return q;
}

// Checks and converts the flag values into `cmd`; throws UsageError.
void apply_flags(const CLI::App& app, const Flags& f, oly::SearchCommand& cmd) {
  const auto extras = oly::cli::unknown_arguments(app.remaining());
  if (!extras.empty()) reject_extras(extras, f);
  if (f.evaluating()) check_eval_flags(app, f);
  if (!f.evaluating() && !f.eval.qrels.empty())
    throw UsageError("--qrels goes with --eval or --eval-run");
  using oly::cli::parse_whole_number;
  cmd.request.limit = parse_whole_number("-n/--limit", f.limit, 0, 1000000000);
  cmd.request.offset = parse_whole_number("--offset", f.offset, 0, 1000000000);
  cmd.request.snippet.fragments = parse_whole_number("--snippets", f.snippets, 0, 20);
  cmd.request.snippet.length = parse_whole_number("--snippet-length", f.snippet_length, 20, 5000);
  cmd.search.index.connect_timeout = parse_timeout("--connect-timeout", f.connect_timeout);
  cmd.search.index.timeout = parse_timeout("--timeout", f.timeout);
  if (f.no_cache) cmd.search.cached_results = 0;
  if (app.count("--bm25")) parse_bm25(f.bm25, cmd.search);
  if (app.count("--facets")) {
    try {
      cmd.request.facets = oly::parse_facet_list(f.facets);
    } catch (const oly::RequestError& e) {
      throw UsageError(std::string("--facets: ") + e.what());
    }
  }
  if (cmd.batch && !f.words.empty()) {
    throw UsageError("--batch reads queries from stdin; give no query arguments");
  }
  if (cmd.batch && app.count("--similar")) {
    throw UsageError("--similar gives the query; with --batch write similar:ID in each line");
  }
  if (!cmd.batch && !f.evaluating() && f.words.empty() && !app.count("--similar")) {
    throw UsageError("no query given (try --help)");
  }
  for (const auto& w : f.words) cmd.request.query += (cmd.request.query.empty() ? "" : " ") + w;
  if (app.count("--similar")) cmd.request.query = similar_query_text(f.similar, cmd.request.query);
  if (app.count("--recency")) {
    try {
      oly::parse_half_life(cmd.request.recency);
    } catch (const std::invalid_argument& e) {
      throw UsageError(std::string("--recency: ") + e.what());
    }
    if (f.sort != "relevance") {
      throw UsageError(
          "--recency blends relevance with freshness and cannot be combined with "
          "--sort " +
          f.sort + " (--sort -date lists newest first)");
    }
  }
  if (f.indexes.empty()) {
    cmd.search.index.specs.push_back(oly::cli::index_dir(std::nullopt));
  } else {
    for (const auto& spec : f.indexes) cmd.search.index.specs.push_back(oly::cli::index_dir(spec));
  }
  cmd.request.ranking.stems = oly::parse_stem_mode(f.stems);
  cmd.request.sort = f.sort == "date"    ? oly::SortOrder::kDateAscending
                     : f.sort == "-date" ? oly::SortOrder::kDateDescending
                                         : oly::SortOrder::kRelevance;
  cmd.format = f.json    ? oly::OutputFormat::kJson
               : f.ids   ? oly::OutputFormat::kIds
               : f.count ? oly::OutputFormat::kCount
                         : oly::OutputFormat::kText;
  cmd.color = oly::color_wanted(f.color, isatty(STDOUT_FILENO), std::getenv("NO_COLOR"),
                                std::getenv("TERM"));
}

// Parses the flags and runs the search, printing on `out`; returns the exit code.
int run(int argc, char** argv, std::ostream& out) {
  oly::SearchCommand cmd;
  Flags flags;
  CLI::App app{"Search the Olympic news index. Exit status: 0 matches, 1 none, 2 error."};
  add_flags(app, flags, cmd);
  try {
    app.parse(argc, argv);
    apply_flags(app, flags, cmd);
  } catch (const CLI::ParseError& e) {
    if (e.get_exit_code() == 0) return app.exit(e, out, std::cerr);  // --help, --version
    oly::cli::report(std::cerr, "searcher", std::string("error: ") + e.what() + " (try --help)");
    return 2;
  } catch (const UsageError& e) {
    oly::cli::report(std::cerr, "searcher", std::string("error: ") + e.what());
    return 2;
  }

  // Index and other fatal errors: oly::cli::run_main reports them, exit 2.
  if (flags.evaluating()) return oly::run_eval_command(cmd, flags.eval, out, std::cerr);
  return oly::run_search_command(cmd, std::cin, out, std::cerr);
}

}  // namespace

int main(int argc, char** argv) {
  // A closed pipe (searcher ... | head) ends the run quietly; any other write error is
  // reported (exit 2).
  return oly::cli::run_main("searcher", [&](std::ostream& out) { return run(argc, argv, out); });
}
