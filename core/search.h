// One search: parse with the shared analyzer, run on Xapian with BM25, build snippets
// and match offsets from the stored article. The `searcher` main wraps this.
#pragma once

#include <xapian.h>

#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "analyzer.h"
#include "article.h"
#include "document.h"
#include "query.h"
#include "snippet.h"

namespace oly {

enum class SortOrder { kRelevance, kDateAscending, kDateDescending };

struct SearchOptions {
  std::string index_dir;
  bool match_any = false;
  std::size_t limit = 10;
  std::size_t offset = 0;
  SortOrder sort = SortOrder::kRelevance;
  double bm25_k1 = 1.2;
  double bm25_b = 0.75;
  std::string language;      // stemmer for query words; "" = the index's default language
  std::string since, until;  // date bounds (YYYY[-MM[-DD]]), "" when open
  SnippetOptions snippet;
  bool snippets = true;      // false for --ids and --count: no stored text is read
  bool exact_count = false;  // count every match instead of estimating
  // Body matches reported per hit at most (Hit::matches_truncated says when a body has
  // more): a huge body with a common word would otherwise cost its whole analysis.
  std::size_t max_matches = 1000;
};

struct Hit {
  std::size_t rank = 0;  // 1-based, counting the offset
  Xapian::docid docid = 0;
  double score = 0;
  Article article;
  Snippet snippet;
  std::vector<ByteRange> matches;  // into article.body
  // True when `matches` holds only the first SearchOptions::max_matches occurrences (in
  // body order) and the body has more: the snippet is then chosen among those.
  bool matches_truncated = false;
  std::vector<ByteRange> title_highlights;  // into article.title
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
};

class Searcher {
 public:
  // Opens the index and checks its analyzer identity; throws FatalError.
  explicit Searcher(SearchOptions options);
  // Throws QuerySyntaxError for a bad query and FatalError for index trouble.
  SearchResult search(const std::string& query);
  const SearchOptions& options() const { return opt_; }

 private:
  SearchResult run(const std::string& query);
  // The body's matches and snippet of a hit whose article has been read.
  void add_matches(Hit& h, const Xapian::Document& doc, Highlighter& hl);
  SearchOptions opt_;
  Xapian::Database db_;
  Analyzer analyzer_;
  std::optional<StemmerCache> stemmers_;
  std::vector<Stemmer> query_stemmers_;  // one per language of the index (or --language)
  std::optional<QueryNode> date_bounds_;
  std::size_t searches_ = 0;  // queries answered, so --batch reopens before the next
  // (device, inode) of the index's version file when opened: changes when a rebuilt index
  // is swapped in.
  std::pair<unsigned long, unsigned long> version_file_id() const;
  std::pair<unsigned long, unsigned long> opened_version_{0, 0};
};

// The title to show: the article's, else its first sentence (at most ~100 characters).
std::string display_title(const Article& a);

}  // namespace oly
