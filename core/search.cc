#include "search.h"

#include <sys/stat.h>
#include <algorithm>

#include <chrono>
#include <thread>

#include "body_map.h"
#include "diagnostics.h"
#include "identity.h"
#include "schema.h"
#include "utf8.h"

namespace oly {

Searcher::Searcher(SearchOptions options) : opt_(std::move(options)) {
  // An indexer may commit, or swap in a rebuilt index, while we open: the open or the
  // first reads can then see a mix of revisions (DatabaseModifiedError, or a
  // DatabaseCorruptError from blocks of two revisions). Such errors are transient: retry
  // with a fresh open for a while before calling the index broken.
  IndexIdentity stored;
  std::vector<std::string> stored_langs;
  for (int attempt = 0;; ++attempt) {
    try {
      opened_version_ = version_file_id();
      db_ = Xapian::Database(opt_.index_dir);
      if (auto why = identity_mismatch(db_)) {
        throw FatalError(opt_.index_dir + ": error: " + *why +
                         "\n  rebuild it with: indexer --recreate -d " + opt_.index_dir +
                         " PATH...");
      }
      stored = stored_identity(db_);
      stored_langs = stored_languages(db_);
      break;
    } catch (const Xapian::DatabaseNotFoundError&) {
      throw FatalError(opt_.index_dir + ": error: no index here (build one with: indexer -d " +
                       opt_.index_dir + " PATH...)");
    } catch (const Xapian::Error& e) {
      const std::string type = e.get_type();
      const bool transient = type == "DatabaseModifiedError" || type == "DatabaseCorruptError" ||
                             type == "DatabaseOpeningError";
      if (!transient || attempt >= 20) {
        throw FatalError(opt_.index_dir + ": error: cannot open the index: " + e.get_description());
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(5 * (attempt + 1)));
    }
  }
  std::string lang = stored.default_language;
  if (lang.empty()) lang = "en";
  stemmers_.emplace(lang);
  // Query words are stemmed in every language the index holds, because each article's
  // stems come from its own language; --language narrows that to one.
  std::vector<std::string> langs;
  if (!opt_.language.empty()) {
    if (!Stemmer::known(opt_.language)) {
      throw FatalError("error: no stemmer for language '" + opt_.language + "'");
    }
    langs.push_back(opt_.language);
  } else {
    langs.push_back(lang);
    for (const auto& l : stored_langs) {
      if (std::find(langs.begin(), langs.end(), l) == langs.end()) langs.push_back(l);
    }
  }
  for (const auto& l : langs) query_stemmers_.emplace_back(l);

  if (!opt_.since.empty() || !opt_.until.empty()) {
    try {
      date_bounds_ = parse_date_filter(opt_.since + ".." + opt_.until);
    } catch (const QuerySyntaxError& e) {
      throw FatalError(std::string("error: --since/--until: ") + e.what());
    }
  }
}

std::pair<unsigned long, unsigned long> Searcher::version_file_id() const {
  struct stat st {};
  if (::stat((opt_.index_dir + "/iamglass").c_str(), &st) != 0) return {0, 0};
  return {static_cast<unsigned long>(st.st_dev), static_cast<unsigned long>(st.st_ino)};
}

SearchResult Searcher::search(const std::string& query) {
  // A reader's snapshot can be overwritten by a concurrent indexer's commits; reopen to
  // the latest commit and try again.
  // A long-lived searcher (--batch) moves to the latest commit before each query after
  // the first, so it sees what an indexer added since. A rebuilt index swapped in by
  // `indexer --recreate` can make blocks of two revisions meet: open afresh and retry.
  for (int attempt = 0;; ++attempt) {
    try {
      if (searches_ > 0 || attempt > 0) {
        // `indexer --recreate` swaps in a new directory, which reopen() cannot see: the
        // version file's inode tells.
        const auto now = version_file_id();
        if (now != opened_version_) {
          db_ = Xapian::Database(opt_.index_dir);
          opened_version_ = now;
        } else {
          db_.reopen();
        }
      }
      ++searches_;
      return run(query);
    } catch (const Xapian::DatabaseModifiedError& e) {
      if (attempt >= 20) {
        throw FatalError(opt_.index_dir +
                         ": error: the index keeps changing: " + e.get_description());
      }
    } catch (const Xapian::Error& e) {
      const std::string type = e.get_type();
      const bool transient = type == "DatabaseCorruptError" || type == "DatabaseOpeningError";
      if (!transient || attempt >= 20) {
        throw FatalError(opt_.index_dir + ": error: " + e.get_description());
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(5 * (attempt + 1)));
      try {
        db_ = Xapian::Database(opt_.index_dir);
      } catch (const Xapian::Error&) {
        // try again on the next attempt
      }
    }
  }
}

void Searcher::add_matches(Hit& h, const Xapian::Document& doc, Highlighter& hl) {
  const std::string& body = h.article.body;
  std::optional<BodyMap> map = decode_body_map(doc.get_value(schema::kSlotBodyMap));
  if (map && map->body_size == body.size()) {
    // Only the chunks around the matches are analysed (core/body_map.h).
    BodyText text(analyzer_, body, std::move(*map));
    const BodyMatches found = hl.find_in_body(db_, h.docid, text, h.article.lang, opt_.max_matches);
    h.matches = Highlighter::ranges(found.matches);
    h.matches_truncated = found.truncated;
    // --snippets 0: no snippet at all (the printers show none), not a default one.
    if (opt_.snippet.fragments > 0) h.snippet = hl.snippet(body, found.matches, opt_.snippet, text);
    return;
  }
  // A document indexed before body maps (or with a damaged one): the whole body, as
  // exact but as slow as it ever was.
  std::vector<Match> found = hl.find(body, "", h.article.lang);
  if (found.size() > opt_.max_matches) {
    found.resize(opt_.max_matches);
    h.matches_truncated = true;
  }
  h.matches = Highlighter::ranges(found);
  if (opt_.snippet.fragments > 0) h.snippet = hl.snippet(body, found, opt_.snippet);
}

SearchResult Searcher::run(const std::string& query) {
  const auto started = std::chrono::steady_clock::now();
  QueryOptions qo;
  qo.match_any = opt_.match_any;
  std::vector<const Stemmer*> stemmers;
  for (const auto& s : query_stemmers_) stemmers.push_back(&s);
  ParsedQuery pq = parse_query(query, analyzer_, stemmers, qo);
  if (date_bounds_) {
    QueryNode both;
    both.kind = QueryNode::Kind::kAnd;
    both.children.push_back(std::move(pq.root));
    both.children.push_back(*date_bounds_);
    pq.root = std::move(both);
  }

  SearchResult r;
  r.query = query;
  r.understood = pq.describe();
  const Xapian::Query xq = pq.to_xapian(qo, &db_);
  r.xapian = xq.get_description();

  Xapian::Enquire enquire(db_);
  enquire.set_query(xq);
  // k2 = 0 and k3 = 1 are Xapian's defaults; min_normlen 0.5 likewise.
  enquire.set_weighting_scheme(Xapian::BM25Weight(opt_.bm25_k1, 0, 1, opt_.bm25_b, 0.5));
  // Docids depend on how the index was built (bulk shards per thread), so equal scores
  // or dates are ordered by the article id: the same list on every machine.
  Xapian::MultiValueKeyMaker by_date;
  if (opt_.sort == SortOrder::kRelevance) {
    enquire.set_sort_by_relevance_then_value(schema::kSlotId, false);
  } else {
    // Undated articles last in both orders: "~" sorts after every "YYYYMMDD", and in
    // reverse an empty value sorts after every date.
    const bool newest_first = opt_.sort == SortOrder::kDateDescending;
    by_date.add_value(schema::kSlotDate, newest_first, newest_first ? "" : "~");
    by_date.add_value(schema::kSlotId);
    enquire.set_sort_by_key(&by_date, false);
  }
  // Up to kExactCountUpTo matches are counted exactly (cheap: see query.h); beyond, the
  // total is Xapian's estimate within its bounds. --count asks for the exact number.
  const Xapian::doccount check_at_least = opt_.exact_count
                                              ? db_.get_doccount()
                                              : static_cast<Xapian::doccount>(std::max<std::size_t>(
                                                    opt_.offset + opt_.limit, kExactCountUpTo));
  Xapian::MSet mset = enquire.get_mset(static_cast<Xapian::doccount>(opt_.offset),
                                       static_cast<Xapian::doccount>(opt_.limit), check_at_least);
  r.lower_bound = mset.get_matches_lower_bound();
  r.upper_bound = mset.get_matches_upper_bound();
  r.estimated = std::clamp(mset.get_matches_estimated(), r.lower_bound, r.upper_bound);

  std::optional<Highlighter> hl;
  if (opt_.snippets) hl.emplace(analyzer_, *stemmers_, pq.match_items());
  std::size_t rank = opt_.offset;
  for (auto it = mset.begin(); it != mset.end(); ++it) {
    Hit h;
    h.rank = ++rank;
    h.docid = *it;
    h.score = it.get_weight();
    Xapian::Document doc = it.get_document();
    if (opt_.snippets) {
      h.article = from_record(doc.get_data()).value_or(Article{});
      add_matches(h, doc, *hl);
      h.title_highlights = Highlighter::ranges(
          hl->find(h.article.title, std::string(schema::kPrefixTitle), h.article.lang));
    } else {
      // --ids and --count need only the id: read it from the Q term, not the record.
      const std::string prefix(schema::kPrefixId);
      auto t = doc.termlist_begin();
      t.skip_to(prefix);
      if (t != doc.termlist_end() && (*t).compare(0, prefix.size(), prefix) == 0) {
        h.article.id = (*t).substr(prefix.size());
      }
    }
    r.hits.push_back(std::move(h));
  }
  r.elapsed_ms =
      std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - started).count();
  return r;
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
