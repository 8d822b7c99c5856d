// Scale-out (issue 13): a search over shards must give the same answers as over one index
// holding the same articles — ids, order, totals, snippets, highlights, and scores within
// 1e-9 — whether the shards are given as repeated -d, in a stub file, or served by
// xapian-tcpsrv; in any order; and a shard that fails is named, never silently dropped.
//
// The shards are built here, by splitting the articles by a hash of their id and indexing
// each part with the real indexer (not `indexer --shards`, so that these tests check the
// searcher alone). Every layout is queried with `searcher --json --batch`, one process per
// set of flags, and compared line by line with the one-index answers.
#include <fcntl.h>
#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <catch2/catch.hpp>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "reliability_util.h"
#include "searcher_test_util.h"
#include "server_util.h"
#include "test_util.h"

namespace {

namespace fs = std::filesystem;
using nlohmann::json;
using oly::reliability::Clock;
using oly::reliability::seconds_since;
using oly::scale_out::TcpServer;
using oly::test::read_file;
using oly::test::TempDir;
using oly::test::write_file;

constexpr int kShards = 3;

// ---------------------------------------------------------------------------------------
// The queries. Each row runs in one `--batch` process with the other rows of the same
// flags, so flags that apply to a whole run (--any, --sort, --offset) are grouped.

struct QueryCase {
  std::string query;
  std::vector<std::string> flags;  // besides --json --batch -n 20
};

const std::vector<std::string> kAny{"--any"};
const std::vector<std::string> kByDate{"--sort", "date"};
const std::vector<std::string> kByDateDesc{"--sort", "-date"};
const std::vector<std::string> kPage2{"--offset", "3"};
const std::vector<std::string> kSinceUntil{"--since", "2012", "--until", "2020"};

// Over corpus/: every query class of the README's query language, and every language and
// script the corpus holds (stems differ per language; CJK adds character terms).
const std::vector<QueryCase> kCorpusQueries = {
    {"olympic", {}},
    {"gold medal", {}},
    {"bolt", {}},
    {"\"world record\"", {}},
    {"\"opening ceremony\"", {}},
    {"\"gold medal\"~3", {}},
    {"halfpipe gold", {}},
    {"marathon kipchoge", {}},
    {"bolt NEAR record", {}},
    {"gold NEAR/3 canada", {}},
    {"marath*", {}},
    {"cur*", {}},
    {"title:gold", {}},
    {"title:\"world record\"", {}},
    {"tag:swimming", {}},
    {"tag:paris-2024 gold", {}},
    {"source:wire", {}},
    {"source:desk swimming", {}},
    {"lang:fr", {}},
    {"lang:de gold", {}},
    {"lang:ja", {}},
    {"date:2024-08", {}},
    {"date:2024-08-12", {}},
    {"date:2010", {}},
    {"date:2024-07-26..2024-08-11", {}},
    {"date:..2010 gold", {}},
    {"date:2022.. halfpipe", {}},
    {"gold AND canada", {}},
    {"hockey OR curling", {}},
    {"gold NOT canada", {}},
    {"+swimming -relay", {}},
    {"(phelps OR ledecky) record", {}},
    {"medals", {}},
    {"winning", {}},
    {"records broken", {}},
    {"titre olympique", {}},
    {"olympiques", {}},
    {"goldmedaillen", {}},
    {"Rodler gewinnen", {}},
    {"oro España", {}},
    {"conquista", {}},
    {"storia", {}},
    {"Giochi olimpici", {}},
    {"金メダル", {}},
    {"メダル", {}},
    {"金", {}},
    {"北京", {}},
    {"\"鸟巢\"", {}},
    {"bjorgen", {}},
    {"marin", {}},
    {"milano cortina", {}},
    {"xylophonequartz", {}},  // no match
    {"\"unbalanced", {}},     // an error object, the same from every layout
    {"bolt phelps biles", kAny},
    {"curling hockey skating", kAny},
    {"oro gold", kAny},
    {"gold", kByDate},
    {"halfpipe", kByDate},
    {"olympic", kByDate},
    {"gold", kByDateDesc},
    {"record", kByDateDesc},
    {"lang:fr", kByDateDesc},
    {"gold", kPage2},
    {"olympic", kPage2},
    {"medal", kPage2},
    {"gold", kSinceUntil},
    {"olympic record", kSinceUntil},
};

// Over a slice of ../shared/corpora/general-news (BBC, Reuters 1987 with dates, AG News,
// Usenet): larger totals and longer bodies than corpus/.
const std::vector<QueryCase> kSharedQueries = {
    {"oil prices", {}},
    {"\"prime minister\"", {}},
    {"olympic", {}},
    {"economy growth", {}},
    {"oil NOT opec", {}},
    {"bank*", {}},
    {"title:oil", {}},
    {"date:1987-03", {}},
    {"date:1987-03-01..1987-04-15 trade", {}},
    {"source:reuters dollar", {}},
    {"football OR rugby", {}},
    {"shares NEAR profit", {}},
    {"\"interest rates\"~2", {}},
    {"election labour", {}},
    {"winning", {}},
    {"the", {}},
    {"dollar yen mark", kAny},
    {"oil", kByDate},
    {"trade", kByDateDesc},
    {"market", kPage2},
};

// ---------------------------------------------------------------------------------------
// Answers: the JSON objects of one query (its hits, then its summary or error object).

struct Answer {
  std::vector<json> hits;
  json end;  // the summary or error object
};

// One run of the whole table against one layout.
struct TableRun {
  std::vector<Answer> answers;        // in table order
  std::vector<std::string> failures;  // process-level problems (crash, exit 2, bad output)
};

// Splits `--json --batch` output into answers; a line that is not JSON is a failure.
std::vector<Answer> parse_batch(const std::string& out, std::vector<std::string>& failures) {
  std::vector<Answer> answers;
  Answer current;
  for (const auto& line : oly::search_test::lines_of(out)) {
    json j = json::parse(line, nullptr, false);
    if (j.is_discarded() || !j.is_object()) {
      failures.push_back("not a JSON object: " + line.substr(0, 200));
      continue;
    }
    if (j.value("type", "") == "hit") {
      current.hits.push_back(std::move(j));
    } else {
      current.end = std::move(j);
      answers.push_back(std::move(current));
      current = Answer{};
    }
  }
  if (!current.hits.empty()) failures.push_back("hits without a summary at the end");
  return answers;
}

// The "type" of an answer object ("" for a missing answer).
std::string type_of(const json& j) {
  return j.is_object() ? j.value("type", "") : "";
}

std::string describe(const QueryCase& q) {
  std::string s = q.query;
  for (const auto& f : q.flags) s += " " + f;
  return s;
}

// Runs every row of `table` against the index arguments `index_args` (e.g. {"-d", A,
// "-d", B}), one `--batch` process per set of flags.
TableRun run_table(const std::vector<std::string>& index_args, const std::vector<QueryCase>& table,
                   const std::vector<std::string>& extra = {}) {
  TableRun r;
  r.answers.resize(table.size());
  std::map<std::vector<std::string>, std::vector<std::size_t>> groups;
  for (std::size_t i = 0; i < table.size(); ++i) groups[table[i].flags].push_back(i);
  for (const auto& [flags, rows] : groups) {
    std::vector<std::string> argv{OLY_SEARCHER, "--color", "never", "--json",
                                  "--batch",    "-n",      "20"};
    argv.insert(argv.end(), index_args.begin(), index_args.end());
    argv.insert(argv.end(), extra.begin(), extra.end());
    argv.insert(argv.end(), flags.begin(), flags.end());
    std::string input;
    for (auto i : rows) input += table[i].query + "\n";
    const auto run = oly::reliability::run(argv, input, 60);
    std::vector<std::string> failures;
    auto answers = parse_batch(run.out, failures);
    // A query that fails gives exit 2 too: only a run with no error object is suspect.
    if (run.exit.code < 0 || run.exit.code > 2) failures.push_back("ended abnormally");
    if (answers.size() != rows.size()) {
      failures.push_back(std::to_string(answers.size()) + " answers for " +
                         std::to_string(rows.size()) + " queries");
    }
    for (auto& f : failures) {
      r.failures.push_back("[flags '" + describe({"", flags}) + "'] " + f +
                           "; stderr: " + run.err.substr(0, 400));
    }
    for (std::size_t k = 0; k < rows.size() && k < answers.size(); ++k) {
      r.answers[rows[k]] = std::move(answers[k]);
    }
  }
  return r;
}

// What may differ between layouts: the time taken, and the shards' count (checked apart).
json comparable(json j) {
  if (!j.is_object()) return j;  // a missing answer (null): compared as is
  j.erase("elapsed_ms");
  j.erase("shards");
  j.erase("score");
  return j;
}

std::string shorten(const json& j) {
  std::string s = j.dump();
  return s.size() > 300 ? s.substr(0, 300) + "..." : s;
}

// Differences between the answers `want` (one index) and `got` (a sharded layout), one
// message each: empty when the layouts agree.
std::vector<std::string> differences(const std::vector<QueryCase>& table,
                                     const std::vector<Answer>& want,
                                     const std::vector<Answer>& got) {
  std::vector<std::string> out;
  for (std::size_t i = 0; i < table.size() && i < want.size() && i < got.size(); ++i) {
    const std::string q = "query '" + describe(table[i]) + "': ";
    const Answer& w = want[i];
    const Answer& g = got[i];
    if (g.end.is_null()) continue;  // no answer: run_table reported the run as failed
    if (comparable(w.end) != comparable(g.end)) {
      out.push_back(q + "summary " + shorten(g.end) + ", want " + shorten(w.end));
    }
    if (w.hits.size() != g.hits.size()) {
      out.push_back(q + std::to_string(g.hits.size()) + " hits, want " +
                    std::to_string(w.hits.size()));
      continue;
    }
    for (std::size_t h = 0; h < w.hits.size(); ++h) {
      const std::string at = q + "hit " + std::to_string(h + 1) + ": ";
      if (comparable(w.hits[h]) != comparable(g.hits[h])) {
        out.push_back(at + shorten(g.hits[h]) + ", want " + shorten(w.hits[h]));
      }
      const double ws = w.hits[h].value("score", 0.0), gs = g.hits[h].value("score", 0.0);
      if (!(std::fabs(ws - gs) <= 1e-9)) {
        out.push_back(at + "score " + std::to_string(gs) + ", want " + std::to_string(ws));
      }
    }
  }
  if (want.size() != got.size()) out.push_back("answer counts differ");
  return out;
}

// Every summary of a sharded run reports `total` shards and none failed (an index that is
// one directory may report itself as one shard, or leave the field out: not checked).
std::vector<std::string> shard_report_problems(const std::vector<Answer>& got, int total) {
  std::vector<std::string> out;
  for (const auto& a : got) {
    if (type_of(a.end) != "summary") continue;
    const json want = {{"total", total}, {"failed", json::array()}};
    if (!a.end.contains("shards") || a.end["shards"] != want) {
      out.push_back("summary of '" + a.end.value("query", "") + "': shards " +
                    (a.end.contains("shards") ? a.end["shards"].dump() : "missing") + ", want " +
                    want.dump());
      if (out.size() >= 3) break;  // one cause; a few examples are enough
    }
  }
  return out;
}

// Reports the differences (at most 15) through Catch and checks there are none.
void check_same(const std::string& layout, const std::vector<std::string>& diffs) {
  // Which queries differ, in one line, before the details of the first few.
  std::string queries;
  std::set<std::string> seen;
  for (const auto& d : diffs) {
    const std::string q = d.substr(0, d.find("': ") + 1);
    if (q.rfind("query '", 0) == 0 && seen.insert(q).second) queries += " " + q.substr(6);
  }
  INFO("layout: " << layout << " — " << diffs.size() << " differences, in:" << queries);
  for (std::size_t i = 0; i < diffs.size() && i < 15; ++i) UNSCOPED_INFO(diffs[i]);
  CHECK(diffs.empty());
}

// Checks a layout's run against the one index's answers. A run that failed as a whole
// (e.g. a refused flag) is reported once, not as a difference per query.
bool check_run(const std::string& layout, const std::vector<QueryCase>& table, const TableRun& want,
               const TableRun& got) {
  if (!got.failures.empty()) {
    INFO("layout: " << layout);
    for (const auto& f : got.failures) UNSCOPED_INFO(f);
    CHECK(got.failures.empty());
  }
  const auto diffs = differences(table, want.answers, got.answers);
  check_same(layout, diffs);
  return got.failures.empty() && diffs.empty();
}

// ---------------------------------------------------------------------------------------
// Building the layouts.

// The shard of an article id: FNV-1a, so the split is fixed and known to the tests.
int shard_of(const std::string& id) {
  std::uint64_t h = 1469598103934665603ULL;
  for (unsigned char c : id) {
    h ^= c;
    h *= 1099511628211ULL;
  }
  return static_cast<int>(h % kShards);
}

// The id a JSON Lines record declares ("" when it has none: such a record is not routed).
std::string record_id(const std::string& line) {
  const json j = json::parse(line, nullptr, false);
  if (!j.is_object() || !j.contains("id") || !j["id"].is_string()) return "";
  return j["id"].get<std::string>();
}

// A set of articles indexed as one index and as kShards shards, plus stub files over them.
struct Layouts {
  std::unique_ptr<TempDir> dir = std::make_unique<TempDir>("scale-out");
  std::string all;                         // (a) one index
  std::vector<std::string> shards;         // (b) the shards
  std::string stub_dir;                    // (c) DIR holding XAPIANDB with relative `auto` lines
  std::string stub_file;                   // (c') a stub file elsewhere with absolute `glass` lines
  std::map<std::string, int> shard_of_id;  // every article's shard
  // Ids the indexer made up (`h<content hash>`) for records without one; such a record goes
  // to the shard its whole line hashes to.
  std::set<std::string> generated_ids;
  std::size_t records_without_id = 0;
  std::string error;  // why a build failed ("" when fine)
};

// Indexes `paths` (relative to the source tree, or absolute) into `index`; "" or the
// indexer's stderr.
std::string build_index(const std::string& index, const std::vector<std::string>& paths) {
  const auto r = oly::search_test::run_indexer(index, paths);
  if (r.code != 0) return index + ": indexer exit " + std::to_string(r.code) + ": " + r.err;
  return "";
}

void write_stubs(Layouts& l) {
  l.stub_dir = *l.dir / "sharded";
  std::string rel, abs;
  for (int k = 0; k < kShards; ++k) {
    rel += "auto shard" + std::to_string(k) + "\n";
    abs += "glass " + l.shards[k] + "\n";
  }
  write_file(fs::path(l.stub_dir) / "XAPIANDB", "# the shards, relative to this folder\n" + rel);
  l.stub_file = *l.dir / "stubs/shards.stub";
  write_file(l.stub_file, abs);
}

// Records the shard of each id the indexer made up (those not in `shard_of_id`).
void learn_generated_ids(Layouts& l) {
  for (std::size_t k = 0; k < l.shards.size(); ++k) {
    for (const auto& [id, n] : oly::reliability::inspect_index(l.shards[k]).ids) {
      if (l.shard_of_id.count(id)) continue;
      l.generated_ids.insert(id);
      l.shard_of_id[id] = static_cast<int>(k);
    }
  }
}

// Builds the layouts of the text files `files` (relative to the source tree) and the
// JSON Lines records `jsonl`: the one index from `all_inputs` (the same articles; when
// empty, one file of the records), the shards from their parts.
Layouts build_layouts(const std::vector<std::string>& files, const std::vector<std::string>& jsonl,
                      const std::vector<std::string>& all_inputs) {
  Layouts l;
  l.all = *l.dir / "all";
  if (all_inputs.empty()) {  // the one index reads the records from one file
    std::string all;
    for (const auto& line : jsonl) all += line + "\n";
    write_file(*l.dir / "parts/all.jsonl", all);
    l.error = build_index(l.all, {*l.dir / "parts/all.jsonl"});
  } else {
    l.error = build_index(l.all, all_inputs);
  }
  std::vector<std::vector<std::string>> parts(kShards);
  std::vector<std::string> records(kShards);
  for (const auto& f : files) {
    l.shard_of_id[f] = shard_of(f);
    parts[shard_of(f)].push_back(f);
  }
  for (const auto& line : jsonl) {
    const std::string id = record_id(line);
    l.records_without_id += id.empty();
    if (!id.empty()) l.shard_of_id[id] = shard_of(id);
    records[shard_of(id.empty() ? line : id)] += line + "\n";
  }
  fs::create_directories(*l.dir / "sharded");
  for (int k = 0; k < kShards && l.error.empty(); ++k) {
    l.shards.push_back(*l.dir / ("sharded/shard" + std::to_string(k)));
    const std::string part = *l.dir / ("parts/part" + std::to_string(k) + ".jsonl");
    write_file(part, records[k]);
    if (!records[k].empty()) parts[k].push_back(part);
    l.error = build_index(l.shards[k], parts[k]);
  }
  if (l.error.empty()) write_stubs(l);
  learn_generated_ids(l);
  return l;
}

std::vector<std::string> read_lines(const fs::path& path) {
  std::vector<std::string> out;
  std::ifstream in(path);
  for (std::string line; std::getline(in, line);) {
    if (!line.empty()) out.push_back(line);
  }
  return out;
}

// corpus/: its text files go to the shards by their id (their path from the source tree,
// as the indexer names them), its JSON Lines records by their `id`.
const Layouts& corpus_layouts() {
  static const Layouts l = [] {
    std::vector<std::string> files, jsonl;
    const fs::path root = fs::path(OLY_SOURCE_DIR);
    for (const auto& e : fs::recursive_directory_iterator(root / "corpus")) {
      if (!e.is_regular_file()) continue;
      const std::string rel = fs::relative(e.path(), root).generic_string();
      if (e.path().extension() == ".txt") files.push_back(rel);
      if (e.path().extension() == ".jsonl") {
        for (auto& line : read_lines(e.path())) jsonl.push_back(std::move(line));
      }
    }
    std::sort(files.begin(), files.end());
    return build_layouts(files, jsonl, {"corpus/"});
  }();
  return l;
}

const fs::path kSharedNews = fs::path(OLY_SOURCE_DIR) / "../shared/corpora/general-news";

// 3,000 articles of general-news: every 12th record of its first file (BBC, then
// Reuters, AG News and Usenet).
const Layouts& shared_layouts() {
  static const Layouts l = [] {
    std::vector<std::string> slice;
    const auto lines = read_lines(kSharedNews / "part-000.jsonl");
    for (std::size_t i = 0; i < lines.size() && slice.size() < 3000; i += 12) {
      slice.push_back(lines[i]);
    }
    return build_layouts({}, slice, {});
  }();
  return l;
}

// The index arguments of a layout: {"-d", X, "-d", Y, ...}.
std::vector<std::string> dash_d(const std::vector<std::string>& specs) {
  std::vector<std::string> out;
  for (const auto& s : specs) {
    out.push_back("-d");
    out.push_back(s);
  }
  return out;
}

}  // namespace

// ---------------------------------------------------------------------------------------
// 0. The harness: a layout compared with itself agrees; any perturbed field disagrees.

TEST_CASE("scale-out harness: one index matches itself, a perturbed answer does not",
          "[scale_out]") {
  const Layouts& l = corpus_layouts();
  REQUIRE(l.error == "");
  const TableRun a = run_table({"-d", l.all}, kCorpusQueries);
  INFO(a.failures.size() << " failures; first: " << (a.failures.empty() ? "" : a.failures[0]));
  REQUIRE(a.failures.empty());
  // The table is worth comparing: its queries parse (but the one error row) and match
  // (but the one no-match row).
  std::size_t errors = 0, with_hits = 0;
  std::string sparse;
  for (std::size_t i = 0; i < a.answers.size(); ++i) {
    errors += type_of(a.answers[i].end) == "error";
    with_hits += !a.answers[i].hits.empty();
    if (a.answers[i].hits.empty()) sparse += " '" + describe(kCorpusQueries[i]) + "'";
  }
  INFO("queries without hits:" << sparse);
  CHECK(errors == 1);
  CHECK(with_hits + 2 == kCorpusQueries.size());  // all but the error and 'xylophonequartz'

  CHECK(differences(kCorpusQueries, a.answers, a.answers).empty());
  // Each perturbation of one answer must be caught; the score tolerance is 1e-9.
  struct Perturbation {
    const char* what;
    void (*apply)(Answer&);
    bool caught;
  };
  const Perturbation perturbations[] = {
      {"two hits swapped", [](Answer& x) { std::swap(x.hits[0], x.hits[1]); }, true},
      {"a hit missing", [](Answer& x) { x.hits.pop_back(); }, true},
      {"score +1e-6",
       [](Answer& x) { x.hits[1]["score"] = x.hits[1]["score"].get<double>() + 1e-6; }, true},
      {"score +1e-12",
       [](Answer& x) { x.hits[1]["score"] = x.hits[1]["score"].get<double>() + 1e-12; }, false},
      {"a highlight moved", [](Answer& x) { x.hits[0]["snippet"]["highlights"][0][0] = 1000000; },
       true},
      {"snippet text", [](Answer& x) { x.hits[0]["snippet"]["text"] = "other"; }, true},
      {"total",
       [](Answer& x) { x.end["estimated_total"] = x.end["estimated_total"].get<long>() + 1; },
       true},
      {"total not exact", [](Answer& x) { x.end["total_is_exact"] = false; }, true},
      {"elapsed time", [](Answer& x) { x.end["elapsed_ms"] = 12345.0; }, false},
  };
  for (const auto& p : perturbations) {
    std::vector<Answer> changed = a.answers;
    REQUIRE(changed[1].hits.size() >= 2);  // "gold medal"
    REQUIRE(!changed[1].hits[0]["snippet"]["highlights"].empty());
    p.apply(changed[1]);
    INFO(p.what);
    CHECK(differences(kCorpusQueries, a.answers, changed).empty() == !p.caught);
  }
}

// ---------------------------------------------------------------------------------------
// 1. Identical results: one index vs 3 shards as repeated -d, in stub files, and served.

namespace {

// Compares `table` over every sharded layout of `l` with the one index.
void check_layouts(const Layouts& l, const std::vector<QueryCase>& table) {
  REQUIRE(l.error == "");
  const TableRun want = run_table({"-d", l.all}, table);
  REQUIRE(want.failures.empty());
  auto check = [&](const std::string& name, const std::vector<std::string>& args) {
    const TableRun got = run_table(args, table);
    check_run(name, table, want, got);
    check_same(name + " (shards in summaries)", shard_report_problems(got.answers, kShards));
  };
  check("(b) -d x3", dash_d(l.shards));
  check("(c) directory with XAPIANDB", {"-d", l.stub_dir});
  check("(c') stub file", {"-d", l.stub_file});
  if (oly::scale_out::tcpsrv_program().empty()) {
    WARN("xapian-tcpsrv not found: the remote layouts (d) are not tested");
    return;
  }
  std::vector<std::unique_ptr<TcpServer>> servers;
  std::string stub;
  std::vector<std::string> specs;
  for (const auto& s : l.shards) {
    servers.push_back(std::make_unique<TcpServer>(s));
    stub += servers.back()->stub_line();
    specs.push_back(servers.back()->spec());
  }
  TempDir d("remote-stub");
  write_file(d / "XAPIANDB", stub);
  check("(d) stub of 3 xapian-tcpsrv", {"-d", d.str()});
  check("(d') -d 'remote 127.0.0.1:PORT' x3", dash_d(specs));
}

}  // namespace

TEST_CASE("scale-out: 3 shards of corpus/ answer as one index", "[scale_out]") {
  check_layouts(corpus_layouts(), kCorpusQueries);
}

TEST_CASE("scale-out: 3 shards of a general-news slice answer as one index", "[scale_out]") {
  if (!fs::exists(kSharedNews / "part-000.jsonl")) {
    WARN("skipped: " << kSharedNews.string()
                     << " is absent: the shared corpora are not part of the repository");
    return;
  }
  check_layouts(shared_layouts(), kSharedQueries);
}

// The split really is a split: every article in exactly one shard, the one its id hashes
// to, and together as many as the one index. (Without this, a layout test could compare
// the one index with itself.)
TEST_CASE("scale-out: the test shards partition the articles by id", "[scale_out]") {
  const Layouts& l = corpus_layouts();
  REQUIRE(l.error == "");
  const auto all = oly::reliability::inspect_index(l.all);
  REQUIRE(all.opens);
  Xapian::doccount sum = 0;
  for (int k = 0; k < kShards; ++k) {
    const auto s = oly::reliability::inspect_index(l.shards[k]);
    REQUIRE(s.opens);
    CHECK(s.docs > 0);
    sum += s.docs;
    for (const auto& [id, n] : s.ids) {
      INFO("shard " << k << " holds " << id);
      if (l.generated_ids.count(id)) continue;  // routed by its line, not its id
      CHECK(l.shard_of_id.count(id) == 1);
      CHECK((l.shard_of_id.count(id) == 1 && l.shard_of_id.at(id) == shard_of(id)));
      CHECK((l.shard_of_id.count(id) == 1 && l.shard_of_id.at(id) == k));
    }
  }
  CHECK(sum == all.docs);
  CHECK(all.docs == l.shard_of_id.size());
  // corpus/feeds holds one record without an id, on purpose.
  CHECK(l.records_without_id == 1);
  CHECK(l.generated_ids.size() == l.records_without_id);
}

// ---------------------------------------------------------------------------------------
// 2. Order: every permutation of the shards' -d gives the same answers.

TEST_CASE("scale-out: every order of the shards gives the same answers", "[scale_out]") {
  const Layouts& l = corpus_layouts();
  REQUIRE(l.error == "");
  const TableRun want = run_table({"-d", l.all}, kCorpusQueries);
  REQUIRE(want.failures.empty());
  std::vector<int> order{0, 1, 2};
  do {
    std::vector<std::string> specs;
    std::string name = "-d shards";
    for (int k : order) {
      specs.push_back(l.shards[k]);
      name += " " + std::to_string(k);
    }
    check_run(name, kCorpusQueries, want, run_table(dash_d(specs), kCorpusQueries));
  } while (std::next_permutation(order.begin(), order.end()));
}

// ---------------------------------------------------------------------------------------
// 3. A shard that fails: killed or stopped during a --batch, or dead from the start.

namespace {

// A searcher in --batch mode whose stdin is a pipe we write query lines to.
class BatchSearcher {
 public:
  explicit BatchSearcher(const std::vector<std::string>& args) {
    // A searcher that already exited must not kill the test with SIGPIPE: send() fails.
    ::signal(SIGPIPE, SIG_IGN);
    int fds[2];
    REQUIRE(::pipe2(fds, O_CLOEXEC) == 0);
    std::vector<std::string> argv{OLY_SEARCHER, "--color", "never", "--json", "--batch"};
    argv.insert(argv.end(), args.begin(), args.end());
    oly::reliability::SpawnOptions o;
    o.stdin_fd = fds[0];
    o.stdout_path = io_ / "out";
    o.stderr_path = io_ / "err";
    started_ = Clock::now();
    pid_ = oly::reliability::spawn(argv, o);
    ::close(fds[0]);
    in_ = fds[1];
  }
  ~BatchSearcher() {
    close_input();
    if (pid_ > 0) oly::reliability::kill_and_wait(pid_, started_);
  }
  BatchSearcher(const BatchSearcher&) = delete;
  BatchSearcher& operator=(const BatchSearcher&) = delete;

  void send(const std::string& lines) {
    if (in_ >= 0) (void)!::write(in_, lines.data(), lines.size());
  }
  // Waits until `n` answers (summaries or errors) are out, the searcher exits, or
  // `timeout` seconds pass; true in the first case.
  bool wait_for_answers(std::size_t n, double timeout) {
    const auto t = Clock::now();
    while (seconds_since(t) < timeout * oly::reliability::kSlowdown) {
      std::vector<std::string> failures;
      if (parse_batch(out(), failures).size() >= n) return true;
      if (!oly::reliability::still_running(pid_)) return false;
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    return false;
  }
  // Closes stdin (the end of the batch) and waits for the exit, killing after `timeout`.
  oly::reliability::Exit finish(double timeout) {
    close_input();
    const auto e = oly::reliability::wait_exit(pid_, timeout, Clock::now());
    pid_ = -1;
    return e;
  }
  std::string out() const { return read_file(io_ / "out"); }
  std::string err() const { return read_file(io_ / "err"); }

 private:
  void close_input() {
    if (in_ >= 0) ::close(in_);
    in_ = -1;
  }
  TempDir io_{"batch"};
  pid_t pid_ = -1;
  int in_ = -1;
  Clock::time_point started_;
};

// Three xapian-tcpsrv serving the corpus shards.
std::vector<std::unique_ptr<TcpServer>> serve(const Layouts& l) {
  std::vector<std::unique_ptr<TcpServer>> servers;
  for (const auto& s : l.shards) servers.push_back(std::make_unique<TcpServer>(s));
  return servers;
}

std::vector<std::string> specs_of(const std::vector<std::unique_ptr<TcpServer>>& servers) {
  std::vector<std::string> out;
  for (const auto& s : servers) out.push_back(s->spec());
  return out;
}

// Checks that a --partial answer names `failed` (and only it) as failed among 3 shards,
// and that its hits all come from the other shards.
void check_partial_answer(const Answer& a, const std::string& failed, int failed_shard,
                          const Layouts& l) {
  INFO("answer: " << shorten(a.end));
  REQUIRE(type_of(a.end) == "summary");
  REQUIRE(a.end.contains("shards"));
  const json& s = a.end["shards"];
  CHECK(s.value("total", 0) == 3);
  REQUIRE(s.contains("failed"));
  REQUIRE(s["failed"].is_array());
  REQUIRE(s["failed"].size() == 1);
  CHECK(s["failed"][0].value("shard", "") == failed);
  CHECK(!s["failed"][0].value("error", "").empty());
  for (const auto& h : a.hits) {
    const std::string id = h.value("id", "");
    INFO("hit " << id);
    CHECK(l.shard_of_id.count(id) == 1);
    CHECK((l.shard_of_id.count(id) == 1 && l.shard_of_id.at(id) != failed_shard));
  }
}

}  // namespace

// The harness of the tests below, on what works without the scale-out features: a
// server answers through a stub file, and stop() ends its connection handlers too (else
// a killed "shard" would keep answering through the handler forked for the searcher).
TEST_CASE("scale-out harness: a xapian-tcpsrv serves a batch and dies with its handlers",
          "[scale_out]") {
  if (oly::scale_out::tcpsrv_program().empty()) {
    WARN("skipped: xapian-tcpsrv not found (install xapian-tools)");
    return;
  }
  const Layouts& l = corpus_layouts();
  REQUIRE(l.error == "");
  TcpServer server(l.shards[0]);
  TempDir d("one-remote");
  write_file(d / "XAPIANDB", server.stub_line());
  BatchSearcher searcher({"-d", d.str()});
  searcher.send("olympic\n");
  const bool answered = searcher.wait_for_answers(1, 20);
  INFO("stdout: " << searcher.out().substr(0, 300) << "\nstderr: " << searcher.err());
  REQUIRE(answered);
  std::vector<std::string> failures;
  CHECK(!parse_batch(searcher.out(), failures)[0].hits.empty());
  const pid_t group = server.pid();
  server.stop();
  // Nothing of the group runs any more: the handler serving the searcher died with it.
  CHECK(oly::scale_out::live_members(group) == 0);
  CHECK(!oly::scale_out::accepts(server.port()));
  searcher.send("gold\n");
  const auto exit = searcher.finish(30);
  CHECK_FALSE(exit.timed_out);
  CHECK(exit.code == 2);  // today's searcher: the lost connection is an error
}

TEST_CASE("scale-out: a shard server that dies during a --batch is named", "[scale_out]") {
  if (oly::scale_out::tcpsrv_program().empty()) {
    WARN("skipped: xapian-tcpsrv not found (install xapian-tools)");
    return;
  }
  const Layouts& l = corpus_layouts();
  REQUIRE(l.error == "");
  auto servers = serve(l);
  const std::string victim = servers[1]->spec();
  constexpr double kTimeout = 2;
  const bool partial = GENERATE(false, true);
  // Killed: the connection drops. Stopped: it stays open and silent, so only --timeout
  // can end the wait.
  const int how = GENERATE(SIGKILL, SIGSTOP);
  INFO((partial ? "--partial, " : "") << (how == SIGKILL ? "server killed" : "server stopped"));

  std::vector<std::string> args{"--timeout", std::to_string(static_cast<int>(kTimeout)),
                                "--connect-timeout", "2"};
  if (partial) args.push_back("--partial");
  for (const auto& a : dash_d(specs_of(servers))) args.push_back(a);
  BatchSearcher searcher(args);
  searcher.send("olympic\n");
  const bool answered = searcher.wait_for_answers(1, 20);
  INFO("stdout: " << searcher.out().substr(0, 500) << "\nstderr: " << searcher.err());
  REQUIRE(answered);

  const auto killed = Clock::now();
  if (how == SIGKILL) {
    servers[1]->stop();
  } else {
    servers[1]->signal_all(SIGSTOP);
  }
  searcher.send("gold\nmedal\nolympic\n");
  const auto exit = searcher.finish(kTimeout * 3 + 20);
  const double took = seconds_since(killed);
  std::vector<std::string> failures;
  const auto answers = parse_batch(searcher.out(), failures);
  INFO("exit " << exit.code << " after " << took << " s\nstdout: " << searcher.out().substr(0, 1500)
               << "\nstderr: " << searcher.err());
  CHECK(failures.empty());
  CHECK_FALSE(exit.timed_out);
  // Each of the three queries may wait out --timeout once at most.
  CHECK(took < kTimeout * 3 + 5);
  REQUIRE(!answers.empty());
  CHECK(type_of(answers[0].end) == "summary");
  CHECK(!answers[0].hits.empty());
  if (!partial) {
    CHECK(exit.code == 2);
    CHECK((searcher.err() + searcher.out()).find(victim) != std::string::npos);
    // Never an answer that quietly lacks a shard.
    for (std::size_t i = 1; i < answers.size(); ++i) {
      CHECK(type_of(answers[i].end) != "summary");
    }
  } else {
    CHECK(exit.code == 0);
    REQUIRE(answers.size() == 4);
    CHECK(answers[0].end["shards"] == json({{"total", 3}, {"failed", json::array()}}));
    bool any_hit = false;
    for (std::size_t i = 1; i < answers.size(); ++i) {
      check_partial_answer(answers[i], victim, 1, l);
      any_hit = any_hit || !answers[i].hits.empty();
    }
    CHECK(any_hit);
  }
}

TEST_CASE("scale-out: a remote shard with nothing listening fails fast, named", "[scale_out]") {
  const Layouts& l = corpus_layouts();
  REQUIRE(l.error == "");
  const std::string dead = "remote 127.0.0.1:" + std::to_string(oly::scale_out::free_port());
  const auto args = [&](bool partial) {
    std::vector<std::string> v{OLY_SEARCHER, "--color",  "never",     "--json", "--connect-timeout",
                               "1",          "-d",       l.shards[0], "-d",     dead,
                               "-d",         l.shards[2]};
    if (partial) v.push_back("--partial");
    v.push_back("olympic");
    return v;
  };
  SECTION("without --partial: exit 2, 'SPEC: error: ...'") {
    const auto r = oly::reliability::run(args(false), {}, 30);
    INFO("stdout: " << r.out.substr(0, 300) << "\nstderr: " << r.err);
    CHECK(r.exit.code == 2);
    CHECK(r.err.find(dead + ": error: ") != std::string::npos);
    CHECK(r.out.find("\"type\":\"hit\"") == std::string::npos);
    CHECK(r.exit.seconds < 5 * oly::reliability::kSlowdown);
  }
  SECTION("with --partial: answered from the others, the dead one reported") {
    const auto r = oly::reliability::run(args(true), {}, 30);
    INFO("stdout: " << r.out.substr(0, 300) << "\nstderr: " << r.err);
    CHECK(r.exit.code == 0);
    std::vector<std::string> failures;
    const auto answers = parse_batch(r.out, failures);
    CHECK(failures.empty());
    REQUIRE(answers.size() == 1);
    CHECK(!answers[0].hits.empty());
    check_partial_answer(answers[0], dead, 1, l);
    CHECK(r.exit.seconds < 5 * oly::reliability::kSlowdown);
  }
}

// ---------------------------------------------------------------------------------------
// 4. Languages across shards: a query is stemmed in the languages of every shard, not
// only those of the first.

namespace {

struct LanguageCase {
  const char* lang;
  const char* query;  // shares its Snowball stem (in `lang` only) with a word of `body`
  const char* body;
};

const LanguageCase kLanguageCases[] = {
    {"fr", "courir", "Les marathoniens couraient sous la pluie et Kipchoge courait en tete."},
    {"es", "correr", "Los atletas corrieron la maraton bajo el sol de Paris."},
    {"it", "correre", "Gli atleti corrono la maratona sotto la pioggia."},
    {"de", "Rennen", "Der Sieger des Rennens kam aus Kenia."},
};

bool has_hit(const Answer& a, const std::string& id) {
  for (const auto& h : a.hits) {
    if (h.value("id", "") == id) return true;
  }
  return false;
}

std::string article(const std::string& id, const std::string& lang, const std::string& body) {
  return json({{"id", id}, {"title", "t " + id}, {"lang", lang}, {"body", body}}).dump() + "\n";
}

}  // namespace

TEST_CASE("scale-out: a stemmed query finds its language's shard in any order", "[scale_out]") {
  TempDir d("langs");
  write_file(d / "en.jsonl",
             article("en-1", "en", "The runners ran the marathon in the rain.") +
                 article("en-2", "en", "Courir is not an English word; the race was long."));
  REQUIRE(build_index(d / "en", {d / "en.jsonl"}) == "");
  for (const auto& c : kLanguageCases) {
    const std::string lang = c.lang, id = lang + "-1";
    INFO("language " << lang << ", query '" << c.query << "'");
    write_file(d / (lang + ".jsonl"), article(id, lang, c.body));
    const std::string shard = d / lang, one = d / (lang + "-one");
    REQUIRE(build_index(shard, {d / (lang + ".jsonl")}) == "");
    REQUIRE(build_index(one, {d / "en.jsonl", d / (lang + ".jsonl")}) == "");
    const std::vector<QueryCase> table{{c.query, {}}};
    const TableRun want = run_table({"-d", one}, table);
    REQUIRE(want.failures.empty());
    // The case itself is right: one index finds the article by its stem.
    REQUIRE(has_hit(want.answers[0], id));
    for (const bool en_first : {true, false}) {
      const std::string first = en_first ? d / "en" : shard, last = en_first ? shard : d / "en";
      write_file(d / ("stub-" + lang + (en_first ? "-en-first" : "-en-last")),
                 "auto " + first + "\nauto " + last + "\n");
      const TableRun by_d = run_table({"-d", first, "-d", last}, table);
      const TableRun by_stub =
          run_table({"-d", d / ("stub-" + lang + (en_first ? "-en-first" : "-en-last"))}, table);
      const std::string order = en_first ? " (en shard first)" : " (en shard last)";
      check_run("-d x2" + order, table, want, by_d);
      check_run("stub" + order, table, want, by_stub);
    }
  }
}
