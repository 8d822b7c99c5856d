#include "search.h"

#include "dates.h"
#include "recency.h"

#include <fmt/format.h>
#include <sys/stat.h>
#include <algorithm>

#include <chrono>
#include <list>
#include <string_view>
#include <thread>
#include <unordered_map>

#include "body_map.h"
#include "diagnostics.h"
#include "dupes.h"
#include "identity.h"
#include "schema.h"
#include "suggest.h"
#include "utf8.h"

namespace oly {

namespace {

SearchOptions with_specs(SearchOptions o) {
  if (o.index.specs.empty()) o.index.specs.push_back(o.index_dir);
  return o;
}

// Every field of a request, each with its length, so that two keys are equal only for
// equal requests. A field added to SearchRequest must be added here: the assertion
// below fails until it is (a reused result would otherwise ignore it).
std::string request_key(const SearchRequest& r) {
  static_assert(sizeof(SearchRequest) == 288, "SearchRequest changed: update request_key()");
  std::string key;
  auto add = [&key](std::string_view field) {
    key += std::to_string(field.size());
    key += ':';
    key += field;
  };
  add(r.query);
  add(r.language);
  add(r.since);
  add(r.until);
  // The resolved day, not the field: a kept result of `--since 7d` is stale tomorrow.
  add(today_utc(r.today));
  add(r.recency);
  for (const FacetSpec& f : r.facets) {
    add(f.name);
    add(std::to_string(f.top));
  }
  key += '|';
  for (std::size_t n : {r.limit, r.offset, r.snippet.fragments, r.snippet.length,
                        static_cast<std::size_t>(r.sort)}) {
    add(std::to_string(n));
  }
  key += r.match_any ? 'a' : '-';
  key += r.plain ? 'p' : '-';
  key += r.snippets ? 's' : '-';
  key += r.exact_count ? 'c' : '-';
  key += r.suggest ? 'm' : '-';
  key += r.collapse ? 'g' : '-';
  add(describe_ranking(r.ranking));
  return key;
}

// The memory a kept result holds, roughly: mostly the articles' bodies.
std::size_t result_bytes(const SearchResult& r) {
  std::size_t n = sizeof(SearchResult) + r.query.size() + r.understood.size() + r.xapian.size();
  for (const Hit& h : r.hits) {
    n += sizeof(Hit) - sizeof(Article) + article_bytes(h.article) + h.snippet.text.size() +
         sizeof(ByteRange) *
             (h.matches.size() + h.title_highlights.size() + h.snippet.highlights.size());
    for (const std::string& id : h.similar_ids) n += sizeof id + id.size();
  }
  for (const FacetCounts& f : r.facets) {
    for (const FacetValue& v : f.values) n += sizeof v + v.value.size() + v.label.size();
  }
  return n;
}

bool has_remote_shard(const IndexSet& set) {
  for (const IndexSet::ShardStatus& s : set.status()) {
    if (s.remote && s.live) return true;
  }
  return false;
}

// Xapian 1.4.22's remote backend tallies some documents twice in a match spy when the
// matches of several remote shards are sorted by a value (our relevance-then-id and date
// orders): +1 to +13 per query over corpus/ in three shards. A match without a page
// (maxitems 0), ranked by relevance alone, counts every match once. So with a remote
// shard the facets get that match of their own, at the cost of a second pass.
std::vector<FacetCounts> facets_apart(Xapian::Database& db, const Xapian::Query& query,
                                      FacetCounter& counter) {
  Xapian::Enquire enquire(db);
  enquire.set_query(query);
  counter.attach(enquire);
  const Xapian::MSet mset = enquire.get_mset(0, 0, db.get_doccount());
  const Xapian::doccount lo = mset.get_matches_lower_bound();
  const Xapian::doccount hi = mset.get_matches_upper_bound();
  return counter.counts(std::clamp(mset.get_matches_estimated(), lo, hi), lo == hi);
}

// --since / --until: the parsed query AND the date range, which --explain names by the
// flags (not by the joined range string).
void add_date_bounds(const SearchRequest& rq, ParsedQuery& pq) {
  if (rq.since.empty() && rq.until.empty()) return;
  QueryNode both;
  both.kind = QueryNode::Kind::kAnd;
  both.children.push_back(std::move(pq.root));
  QueryNode range = parse_date_filter(rq.since + ".." + rq.until, rq.today);
  if (!range.resolved_from.empty()) {
    range.resolved_from = (rq.since.empty() ? "" : "--since " + rq.since) +
                          (!rq.since.empty() && !rq.until.empty() ? " " : "") +
                          (rq.until.empty() ? "" : "--until " + rq.until) + ", today " +
                          today_utc(rq.today);
  }
  both.children.push_back(std::move(range));
  pq.root = std::move(both);
}

QueryOptions query_options(const SearchRequest& rq) {
  QueryOptions qo;
  qo.match_any = rq.match_any;
  qo.plain = rq.plain;
  qo.today = rq.today;
  qo.ranking = rq.ranking;
  return qo;
}

// The order of the matches and their grouping.
void set_order(Xapian::Enquire& enquire, const SearchRequest& rq) {
  // Docids depend on how the index was built (bulk shards per thread), so equal scores
  // or dates are ordered by the article id: the same list on every machine.
  if (rq.sort == SortOrder::kRelevance) {
    enquire.set_sort_by_relevance_then_value(schema::kSlotId, false);
  } else {
    // One stored key per direction (date, undated last, then id): a KeyMaker would be
    // refused by remote shards.
    enquire.set_sort_by_value(
        rq.sort == SortOrder::kDateDescending ? schema::kSlotNewestFirst : schema::kSlotOldestFirst,
        false);
  }
  // One hit per near-duplicate group (core/dupes.h): the best-ranked member; singletons
  // have an empty key, which Xapian never collapses. Totals then count groups as one.
  if (rq.collapse) enquire.set_collapse_key(schema::kSlotDupGroup);
}

double ms_since(std::chrono::steady_clock::time_point t) {
  return std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t).count();
}

// Did you mean (core/suggest.h): a rewrite is counted with the request's own options and
// date bounds, so "more matches" means more of what was asked. Never applied.
void add_suggestion(const SearchRequest& rq, const QueryOptions& qo, Analyzer& analyzer,
                    const std::vector<const Stemmer*>& stemmers, Xapian::Database& db,
                    SearchResult& r) {
  auto count = [&](const std::string& text) {
    ParsedQuery pq = parse_query(text, analyzer, stemmers, qo);
    add_date_bounds(rq, pq);
    Xapian::Enquire enquire(db);
    enquire.set_query(pq.to_xapian(qo, &db));
    return enquire.get_mset(0, 0, kExactCountUpTo).get_matches_lower_bound();
  };
  Suggestion s = suggest_query(rq.query, r.upper_bound, analyzer, db, count);
  r.suggestion = std::move(s.query);
  r.suggestion_note = std::move(s.note);
}

}  // namespace

// Results of recent requests at one revision of the index set, least recently used
// first out. A bench or a web page asks the same questions again and again; a request
// costs milliseconds (match, snippets), a reused answer a copy.
struct ResultCache {
  std::string revision;  // IndexSet::revision_key() of every kept result
  std::list<std::pair<std::string, SearchResult>> lru;  // most recent first
  std::unordered_map<std::string, decltype(lru)::iterator> by_key;
  std::size_t bytes = 0;

  // Forgets everything when the index set moved to another revision.
  void at_revision(const std::string& key) {
    if (key == revision) return;
    lru.clear();
    by_key.clear();
    bytes = 0;
    revision = key;
  }
  const SearchResult* find(const std::string& key) {
    auto it = by_key.find(key);
    if (it == by_key.end()) return nullptr;
    lru.splice(lru.begin(), lru, it->second);
    return &it->second->second;
  }
  // Kept results are bounded by count and by bytes (a hit holds its whole body).
  void add(std::string key, const SearchResult& r, std::size_t max_entries, std::size_t max_bytes) {
    const std::size_t size = result_bytes(r) + key.size();
    if (max_entries == 0 || size > max_bytes / 4 || by_key.count(key)) return;
    lru.emplace_front(std::move(key), r);
    by_key.emplace(lru.front().first, lru.begin());
    bytes += size;
    while (lru.size() > max_entries || bytes > max_bytes) {
      bytes -= result_bytes(lru.back().second) + lru.back().first.size();
      by_key.erase(lru.back().first);
      lru.pop_back();
    }
  }
};

void validate_request(const SearchRequest& r) {
  if (!r.language.empty() && !Stemmer::known(r.language)) {
    throw RequestError("no stemmer for language '" + r.language + "'");
  }
  if (!r.today.empty() && !valid_day(r.today)) {
    throw RequestError("today: '" + r.today + "' is not a date YYYY-MM-DD");
  }
  if (!r.recency.empty()) {
    try {
      parse_half_life(r.recency);
    } catch (const std::invalid_argument& e) {
      throw RequestError(std::string("recency: ") + e.what());
    }
    // A date order has no scores to blend; ignoring one of the two would be a silent guess.
    if (r.sort != SortOrder::kRelevance) {
      throw RequestError(
          "recency: blends relevance with freshness and cannot be combined with a date sort "
          "(sort by -date for newest first)");
    }
    // Xapian collapses on relevance, so each group would be shown by its most relevant
    // member, not its freshest: refused rather than answered wrong.
    if (r.collapse) {
      throw RequestError(
          "--recency and --collapse together are not supported: a group would be shown by its "
          "most relevant member, not its freshest");
    }
  }
  if (!r.since.empty() || !r.until.empty()) {
    try {
      parse_date_filter(r.since + ".." + r.until, today_utc(r.today));
    } catch (const QuerySyntaxError& e) {
      throw RequestError(std::string("since/until: ") + e.what());
    }
  }
}

Searcher::Searcher(SearchOptions options)
    : opt_(with_specs(std::move(options))),
      set_(opt_.index),
      cache_(std::make_shared<ResultCache>()) {}

std::vector<const Stemmer*> Searcher::query_stemmers(const std::string& language) {
  // Query words are stemmed in every language the shards hold, because each article's
  // stems come from its own language; a request's language narrows that to one.
  std::vector<std::string> langs =
      language.empty() ? set_.languages() : std::vector<std::string>{language};
  std::vector<const Stemmer*> out;
  for (const auto& l : langs) out.push_back(&query_stemmers_.try_emplace(l, l).first->second);
  return out;
}

SearchResult Searcher::search(const std::string& query) {
  SearchRequest r;
  r.query = query;
  return search(r);
}

template <class F>
auto Searcher::retrying(F&& f) {
  // A reader's snapshot can be overwritten by a concurrent indexer's commits; reopen to
  // the latest commit and try again.
  // A long-lived searcher (--batch, the server) moves to the latest commit before each
  // query after the first, so it sees what an indexer added since. A rebuilt index
  // swapped in by `indexer --recreate` can make blocks of two revisions meet: open afresh
  // and retry. Any other error (a remote shard gone) is pinned on its shard by IndexSet.
  int unexplained = 0;
  for (int attempt = 0;; ++attempt) {
    try {
      if (searches_ > 0 || attempt > 0) set_.refresh();
      ++searches_;
      return f();
    } catch (const Xapian::DatabaseModifiedError& e) {
      // Backing off lets a slow reader (a loaded machine, a sanitizer build) finish one
      // pass between the writer's commits; 40 tries wait about 2 s in all.
      if (attempt >= 40) {
        throw FatalError("error: the index keeps changing: " + e.get_description());
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(5 * std::min(attempt + 1, 10)));
    } catch (const Xapian::Error& e) {
      const std::string type = e.get_type();
      const bool transient = type == "DatabaseCorruptError" || type == "DatabaseOpeningError";
      if (transient && attempt < 20) {
        std::this_thread::sleep_for(std::chrono::milliseconds(5 * (attempt + 1)));
        set_.reopen_local();
        continue;
      }
      // Throws naming the shard that failed (without --partial), or drops it.
      if (set_.handle_failure(e)) continue;
      // Every shard answers the probe: a glitch worth one more try, not two.
      if (++unexplained > 1) throw FatalError("error: " + e.get_description());
    }
  }
}

SearchResult Searcher::search(const SearchRequest& request) {
  validate_request(request);
  // Today is read once per request, so the cache key, --since and date: agree even when
  // the request runs across midnight.
  SearchRequest fixed = request;
  fixed.today = today_utc(request.today);
  return retrying([&] { return run(fixed); });
}

std::optional<Article> Searcher::article(const std::string& id) {
  return retrying([&]() -> std::optional<Article> {
    Xapian::Database& db = set_.db();
    const std::string term = std::string(schema::kPrefixId) + id;
    Xapian::PostingIterator p = db.postlist_begin(term);
    if (p == db.postlist_end(term)) return std::nullopt;
    return from_record(db.get_document(*p).get_data());
  });
}

SearchIndexStats Searcher::stats() {
  return retrying([&] {
    SearchIndexStats s;
    s.documents = set_.db().get_doccount();
    s.shards = set_.status();
    s.languages = set_.languages();
    s.failed = set_.failed();
    return s;
  });
}

void Searcher::add_matches(const SearchRequest& rq, Hit& h, const Xapian::Document& doc,
                           Highlighter& hl, const std::string& lang) {
  const std::string& body = h.article.body;
  std::optional<BodyMap> map = decode_body_map(doc.get_value(schema::kSlotBodyMap));
  // On a remote shard each position list and term list is a network round trip (several
  // per hit): analysing the whole body, which came with the record, is faster there and
  // finds the same matches (tests/test_snippet.cc compares the two ways).
  if (map && map->body_size == body.size() && !set_.is_remote(h.docid)) {
    // Only the chunks around the matches are analysed (core/body_map.h).
    BodyText text(analyzer_, body, std::move(*map));
    const BodyMatches found = hl.find_in_body(set_.db(), h.docid, text, lang, opt_.max_matches);
    h.matches = Highlighter::ranges(found.matches);
    h.matches_truncated = found.truncated;
    // --snippets 0: no snippet at all (the printers show none), not a default one.
    if (rq.snippet.fragments > 0) h.snippet = hl.snippet(body, found.matches, rq.snippet, text);
    return;
  }
  // A remote hit, or a document with a damaged body map: the whole body, exact, in time
  // proportional to the body.
  std::vector<Match> found = hl.find(body, "", lang);
  if (found.size() > opt_.max_matches) {
    found.resize(opt_.max_matches);
    h.matches_truncated = true;
  }
  h.matches = Highlighter::ranges(found);
  if (rq.snippet.fragments > 0) h.snippet = hl.snippet(body, found, rq.snippet);
}

SearchResult Searcher::run(const SearchRequest& rq) {
  const auto started = std::chrono::steady_clock::now();
  // The same request at the same revision of every shard: the same answer (only the
  // time it took differs).
  const std::string revision = opt_.cached_results > 0 ? set_.revision_key() : std::string();
  std::string key;
  if (!revision.empty()) {
    cache_->at_revision(revision);
    key = request_key(rq);
    if (const SearchResult* kept = cache_->find(key)) {
      SearchResult r = *kept;
      r.shards_failed = set_.failed();
      r.elapsed_ms = ms_since(started);
      return r;
    }
  }
  try {
    check_ranking_layout(rq.ranking, set_.total());
  } catch (const std::invalid_argument& e) {
    throw RequestError(e.what());
  }
  const QueryOptions qo = query_options(rq);
  ParsedQuery pq = parse_query(rq.query, analyzer_, query_stemmers(rq.language), qo);
  add_date_bounds(rq, pq);
  Xapian::Database& db = set_.db();

  SearchResult r;
  r.query = rq.query;
  r.shards_total = set_.total();
  r.shards_failed = set_.failed();
  r.understood = pq.describe();
  r.collapsed = rq.collapse;
  Xapian::Query xq = pq.to_xapian(qo, &db);
  Xapian::Enquire enquire(db);
  enquire.set_query(xq);
  // k2 = 0 and k3 = 1 are Xapian's defaults (a repeated query word is scaled instead).
  enquire.set_weighting_scheme(
      Xapian::BM25Weight(opt_.bm25_k1, 0, 1, opt_.bm25_b, opt_.bm25_min_norm));
  // Feedback reads the top documents by relevance, whatever the order asked for.
  if (rq.ranking.feedback) {
    xq = with_feedback(enquire, xq);
    enquire.set_query(xq);
  }
  r.xapian = xq.get_description();
  set_order(enquire, rq);
  // --recency reranks the relevance order before any match spy is attached (it asks
  // the enquire several times).
  std::optional<RecencyPage> recent;
  if (!rq.recency.empty()) {
    const double half_life = parse_half_life(rq.recency);
    recent = rerank_by_recency(enquire, rq.offset, rq.limit, day_number(rq.today).value_or(0),
                               half_life);
    r.understood += fmt::format(" RECENCY(half-life {} = {:.6g} days, now {}, {} matches reranked",
                                rq.recency, half_life, rq.today, recent->fetched);
    r.understood += "; future dates count as now, undated articles last)";
  }
  const Xapian::MSet mset = match(enquire, rq, xq, r);
  add_hits(rq, pq, xq, mset, recent, r);
  if (rq.suggest && r.upper_bound < kSuggestBelow)
    add_suggestion(rq, qo, analyzer_, query_stemmers(rq.language), db, r);
  if (!revision.empty()) cache_->add(std::move(key), r, opt_.cached_results, opt_.cached_bytes);
  r.elapsed_ms = ms_since(started);
  return r;
}

Xapian::MSet Searcher::match(Xapian::Enquire& enquire, const SearchRequest& rq,
                             const Xapian::Query& xq, SearchResult& r) {
  Xapian::Database& db = set_.db();
  // Up to kExactCountUpTo matches are counted exactly (cheap: see query.h); beyond, the
  // total is Xapian's estimate within its bounds. --count asks for the exact number.
  // Facets are counted over every match, so they too make the matcher check them all;
  // with a remote shard they are counted in a pass of their own (see facets_apart).
  std::optional<FacetCounter> facets;
  // Under --collapse too: facets count the matching articles, not the groups shown.
  const bool apart = !rq.facets.empty() && (has_remote_shard(set_) || rq.collapse);
  if (!rq.facets.empty()) {
    facets.emplace(rq.facets);
    if (!apart) facets->attach(enquire);
  }
  const Xapian::doccount check_at_least = rq.exact_count || (facets && !apart)
                                              ? db.get_doccount()
                                              : static_cast<Xapian::doccount>(std::max<std::size_t>(
                                                    rq.offset + rq.limit, kExactCountUpTo));
  Xapian::MSet mset = enquire.get_mset(static_cast<Xapian::doccount>(rq.offset),
                                       static_cast<Xapian::doccount>(rq.limit), check_at_least);
  r.lower_bound = mset.get_matches_lower_bound();
  r.upper_bound = mset.get_matches_upper_bound();
  r.estimated = std::clamp(mset.get_matches_estimated(), r.lower_bound, r.upper_bound);
  if (rq.collapse) {
    // Groups counted once, exactly (Xapian's bounds under a collapse key are not).
    r.estimated = r.lower_bound = r.upper_bound = dupes::collapsed_total(db, xq);
  }
  if (apart) {
    r.facets = facets_apart(db, xq, *facets);
  } else if (facets) {
    r.facets = facets->counts(r.estimated, r.total_is_exact());
  }
  return mset;
}

void Searcher::add_hits(const SearchRequest& rq, const ParsedQuery& pq, const Xapian::Query& xq,
                        const Xapian::MSet& mset, const std::optional<RecencyPage>& recent,
                        SearchResult& r) {
  std::optional<Highlighter> hl;
  if (rq.snippets) hl.emplace(analyzer_, stemmers_, pq.match_items());
  std::size_t rank = rq.offset;
  auto add = [&](Xapian::docid docid, double score, const Xapian::Document& doc) {
    Hit h;
    h.rank = ++rank;
    h.docid = docid;
    h.score = score;
    fill_hit(rq, xq, doc, hl ? &*hl : nullptr, h);
    r.hits.push_back(std::move(h));
  };
  if (recent) {
    // --recency: the reranked page replaces Xapian's (core/recency.h); totals and facets
    // are the relevance match's, which has the same matches.
    for (const RecencyHit& rh : recent->hits) {
      add(rh.docid, rh.score, rh.doc);
      r.hits.back().relevance = rh.relevance;
    }
  } else {
    for (auto it = mset.begin(); it != mset.end(); ++it)
      add(*it, it.get_weight(), it.get_document());
  }
}

void Searcher::fill_hit(const SearchRequest& rq, const Xapian::Query& xq,
                        const Xapian::Document& doc, Highlighter* hl, Hit& h) {
  if (hl) {
    h.article = from_record(doc.get_data()).value_or(Article{});
    // An article without a language was stemmed in its shard's default language.
    const std::string lang =
        h.article.lang.empty() ? set_.default_language_of(h.docid) : h.article.lang;
    add_matches(rq, h, doc, *hl, lang);
    h.title_highlights =
        Highlighter::ranges(hl->find(h.article.title, std::string(schema::kPrefixTitle), lang));
  } else {
    // --ids and --count need only the id: read it from its value slot (every index of
    // schema 3 and later has it; values come with the document, one round trip on a
    // remote shard), not the record.
    h.article.id = doc.get_value(schema::kSlotId);
  }
  if (rq.collapse) {
    dupes::Similar similar = dupes::similar_members(
        set_.db(), xq, doc.get_value(schema::kSlotDupGroup), doc.get_value(schema::kSlotId));
    h.similar_count = similar.count;
    h.similar_ids = std::move(similar.ids);
  }
}

std::string display_title(const Article& a) {
  if (!a.title.empty()) return a.title;
  std::string_view body = a.body;
  std::size_t end = body.size();
  for (std::size_t i = 0; i + 1 < body.size(); ++i) {
    if ((body[i] == '.' || body[i] == '!' || body[i] == '?') &&
        (body[i + 1] == ' ' || body[i + 1] == '\n')) {
      end = i + 1;
      break;
    }
    if (body[i] == '\n') {
      end = i;
      break;
    }
  }
  const std::size_t max_bytes = 100;
  if (end > max_bytes) {
    std::size_t cut = utf8_floor(body, max_bytes);
    while (cut > 0 && body[cut] != ' ') --cut;
    if (cut == 0) cut = utf8_floor(body, max_bytes);
    return std::string(body.substr(0, cut)) + "\u2026";
  }
  return std::string(body.substr(0, end));
}

}  // namespace oly
