// One search: parse with the shared analyzer, run on Xapian with BM25, build snippets
// and match offsets from the stored article. The `searcher` main wraps this.
#pragma once

#include <xapian.h>

#include <map>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include "analyzer.h"
#include "article.h"
#include "document.h"
#include "facets.h"
#include "index_set.h"
#include "query.h"
#include "ranking.h"
#include "snippet.h"

namespace oly {

enum class SortOrder { kRelevance, kDateAscending, kDateDescending };

// What is fixed when the searcher opens: the shards and the ranking.
struct SearchOptions {
  IndexSetOptions index;  // the -d specs, --partial, remote timeouts
  // One index directory: the same as index.specs = {index_dir} (for callers that open
  // one index; ignored when index.specs is not empty).
  std::string index_dir;
  double bm25_k1 = 1.2;
  double bm25_b = 0.75;
  // The floor of BM25's document length ratio (Xapian's min_normlen, 0.5 by default).
  // 0 is BM25 as written (and as FTS5 and Lucene rank): a short article is not scored
  // as if it were half the average length (README "Ranking").
  double bm25_min_norm = 0;
  // Body matches reported per hit at most (Hit::matches_truncated says when a body has
  // more): a huge body with a common word would otherwise cost its whole analysis.
  std::size_t max_matches = 1000;
  // Results kept for repeated requests (0: none). A result is reused only while every
  // shard is at the revision it was computed on (IndexSet::revision_key), so it is the
  // same answer; never with remote shards.
  std::size_t cached_results = 256;
  // ... and at most this many bytes of them (mostly the hits' bodies).
  std::size_t cached_bytes = std::size_t{64} << 20;
};

// One question to an open Searcher: a command-line query or a --batch line.
struct SearchRequest {
  std::string query;
  bool match_any = false;
  bool plain = false;  // the query is plain words, no syntax (QueryOptions::plain)
  std::size_t limit = 10;
  std::size_t offset = 0;
  SortOrder sort = SortOrder::kRelevance;
  std::string language;      // stemmer for query words; "" = every language of the shards
  std::string since, until;  // date bounds (YYYY[-MM[-DD]]), "" when open
  SnippetOptions snippet;
  bool snippets = true;           // false for --ids and --count: no stored text is read
  bool exact_count = false;       // count every match instead of estimating
  std::vector<FacetSpec> facets;  // facet counts over every match (core/facets.h)
  // "Today" for relative dates (`--since 7d`, `date:last-month`), YYYY-MM-DD; "" = the
  // UTC date when the request runs (core/dates.h).
  std::string today;
  RankingOptions ranking;  // ranking switches (core/ranking.h)
  bool suggest = true;     // did-you-mean for a query with few matches (core/suggest.h)
  bool collapse = false;   // one hit per near-duplicate group (core/dupes.h)
  // Blend relevance with freshness: the half-life as written ("30d", "2w"); "" = off.
  // "Now" is `today` (core/recency.h).
  std::string recency;
};

// A request field that cannot be answered (a bad --since, an unknown language): the
// command line reports it as a usage error, --batch as an error for that line.
class RequestError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// Throws RequestError when `r`'s language or date bounds are bad (checked before any
// search, so a command line fails before opening the index).
void validate_request(const SearchRequest& r);

struct Hit {
  std::size_t rank = 0;  // 1-based, counting the offset
  Xapian::docid docid = 0;
  double score = 0;
  // --recency: the BM25 relevance that `score` blends with freshness (core/recency.h).
  std::optional<double> relevance;
  Article article;
  Snippet snippet;
  std::vector<ByteRange> matches;  // into article.body
  // True when `matches` holds only the first SearchOptions::max_matches occurrences (in
  // body order) and the body has more: the snippet is then chosen among those.
  bool matches_truncated = false;
  std::vector<ByteRange> title_highlights;  // into article.title
  // --collapse: the other members of this hit's near-duplicate group (core/dupes.h).
  std::size_t similar_count = 0;
  std::vector<std::string> similar_ids;
};

struct SearchResult {
  std::string query;
  std::string understood;  // ParsedQuery::describe()
  std::string xapian;      // Xapian's own description of the query it ran
  std::vector<Hit> hits;
  // The total number of matches: exact when Xapian's bounds meet (total_is_exact()), else
  // Xapian's estimate, always within the bounds. Ignored query tokens are in `understood`.
  Xapian::doccount estimated = 0;
  Xapian::doccount lower_bound = 0;
  Xapian::doccount upper_bound = 0;
  bool total_is_exact() const { return lower_bound == upper_bound; }
  double elapsed_ms = 0;
  // The shards asked (all of them, failed or not) and those that failed (--partial).
  std::size_t shards_total = 0;
  std::vector<ShardFailure> shards_failed;
  std::vector<FacetCounts> facets;  // in the order asked
  // Did you mean: the query rewritten from the index's vocabulary, "" when none (never
  // applied; core/suggest.h).
  std::string suggestion;
  std::string suggestion_note;  // why words were not looked at (--explain), or ""
  // --collapse was asked: each hit stands for its near-duplicate group, and the totals
  // count a group once (Xapian counts collapsed results).
  bool collapsed = false;
};

// What the server's /stats reports about the open index.
struct SearchIndexStats {
  Xapian::doccount documents = 0;
  std::vector<IndexSet::ShardStatus> shards;
  std::vector<std::string> languages;
  std::vector<ShardFailure> failed;
};

struct ResultCache;  // search.cc
struct RecencyPage;  // recency.h

class Searcher {
 public:
  // Opens the shards and checks their analyzer identities; throws FatalError.
  explicit Searcher(SearchOptions options);
  // Throws QuerySyntaxError for a bad query, RequestError for a bad request field and
  // FatalError for index trouble.
  SearchResult search(const SearchRequest& request);
  // A request with default values but the query.
  SearchResult search(const std::string& query);
  // The stored article with this id at the latest commit, or nullopt when there is none.
  // Throws FatalError for index trouble.
  std::optional<Article> article(const std::string& id);
  // The index at its latest commit. Throws FatalError for index trouble.
  SearchIndexStats stats();
  const SearchOptions& options() const { return opt_; }

 private:
  // Runs `f` at the latest commit, reopening and retrying on the errors a concurrent
  // commit or swap causes (see search()).
  template <class F>
  auto retrying(F&& f);
  SearchResult run(const SearchRequest& request);
  // The page's matches of `enquire` (query, weighting and order set), with the totals and
  // facets written into `r`.
  Xapian::MSet match(Xapian::Enquire& enquire, const SearchRequest& rq, const Xapian::Query& xq,
                     SearchResult& r);
  // The page's hits into `r.hits`: Xapian's page, or the --recency page when there is one.
  void add_hits(const SearchRequest& rq, const ParsedQuery& pq, const Xapian::Query& xq,
                const Xapian::MSet& mset, const std::optional<RecencyPage>& recent,
                SearchResult& r);
  // A hit's article (or only its id, when `hl` is null: no snippets asked), matches,
  // snippet and near-duplicate members.
  void fill_hit(const SearchRequest& rq, const Xapian::Query& xq, const Xapian::Document& doc,
                Highlighter* hl, Hit& h);
  // The body's matches and snippet of a hit whose article has been read.
  void add_matches(const SearchRequest& rq, Hit& h, const Xapian::Document& doc, Highlighter& hl,
                   const std::string& lang);
  std::vector<const Stemmer*> query_stemmers(const std::string& language);
  SearchOptions opt_;
  IndexSet set_;
  Analyzer analyzer_;
  StemmerCache stemmers_{"en"};  // highlighting; always asked with an explicit language
  std::map<std::string, Stemmer> query_stemmers_;  // by language, built once each
  std::size_t searches_ = 0;            // queries answered, so --batch reopens before the next
  std::shared_ptr<ResultCache> cache_;  // see SearchOptions::cached_results
};

// The title to show: the article's, else its first sentence (at most ~100 characters).
std::string display_title(const Article& a);

}  // namespace oly
