// Query matches in a text and snippets built from them. The text is re-analysed with the
// shared Analyzer, so what is highlighted is exactly what the index matched. A snippet is
// data (text plus highlight byte ranges); printers decide how to show it.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include <xapian.h>

#include "analyzer.h"
#include "body_map.h"
#include "document.h"
#include "query.h"

namespace oly {

struct ByteRange {
  uint32_t begin;
  uint32_t end;
  bool operator==(const ByteRange&) const = default;
};

struct Match {
  uint32_t begin;
  uint32_t end;
  uint32_t item;  // index into the query's match items
};

struct Snippet {
  std::string text;
  std::vector<ByteRange> highlights;  // byte ranges into `text`, sorted, not overlapping
};

struct SnippetOptions {
  std::size_t fragments = 1;
  std::size_t length = 200;  // characters per fragment (before the … marks)
};

// Word boundaries of a text, so that snippets are cut between words.
class WordBounds {
 public:
  virtual ~WordBounds() = default;
  // The start of the first word at or after byte `pos` (0 stays 0; the text's size when
  // no word follows).
  virtual std::size_t snap_begin(std::size_t pos) = 0;
  // The end of the last word ending at or before byte `pos`, but not before `at_least`
  // (the text's size when `pos` is at or past it).
  virtual std::size_t snap_end(std::size_t pos, std::size_t at_least) = 0;
};

// An article body analysed lazily, one chunk of its BodyMap at a time, and only the
// chunks that are asked for: around the matches and the snippet's windows. Memory and
// work are bounded by the matches, not by the body's size.
class BodyText : public WordBounds {
 public:
  // `map` must have been made for `body` (map.body_size == body.size()).
  BodyText(Analyzer& analyzer, std::string_view body, BodyMap map);
  std::string_view text() const { return body_; }
  const BodyMap& map() const { return map_; }
  // The tokens of chunk `c`, with byte offsets into the whole body and the positions
  // they were indexed with. Analysed on first use.
  const std::vector<Token>& chunk(std::size_t c);
  // Bytes given to the analyzer so far: tests check that this stays bounded.
  std::size_t analysed_bytes() const { return analysed_; }

  std::size_t snap_begin(std::size_t pos) override;
  std::size_t snap_end(std::size_t pos, std::size_t at_least) override;

 private:
  Analyzer& analyzer_;
  std::string_view body_;
  BodyMap map_;
  std::unordered_map<std::size_t, std::vector<Token>> chunks_;
  std::size_t analysed_ = 0;
};

// Bytes of one body analysed at most for its matches (the snippet's context comes on top).
inline constexpr std::size_t kMaxAnalysedBytes = std::size_t{2} << 20;

// The matches of a body, in text order. When `truncated`, they are exactly the first
// matches of the body but not all of them: the search stopped at the cap (or at the
// analysis budget, see find_in_body).
struct BodyMatches {
  std::vector<Match> matches;
  bool truncated = false;
};

class Highlighter {
 public:
  Highlighter(Analyzer& analyzer, StemmerCache& stemmers, std::vector<MatchItem> items)
      : analyzer_(analyzer), stemmers_(stemmers), items_(std::move(items)) {}

  // Every occurrence of a query word or phrase in `text`. `field_prefix` is "" for the
  // body and "S" for the title: items of other fields are ignored. `lang` is the
  // article's language, which chose the stemmer at index time.
  std::vector<Match> find(std::string_view text, const std::string& field_prefix,
                          const std::string& lang);

  // The same as find(body.text(), "", lang) for the body of document `docid` of `db`
  // (indexed with `body`'s map), but only the chunks around the positions where the
  // query's words occur (Xapian's positional data) are analysed; a body of a few KB is
  // analysed whole from its chunks, without reading the database (cheaper, same matches). At most
  // `max_matches` are returned, and `truncated` says when there are more. The possible starts taken
  // from the positions are a superset of the true ones (a NEAR of a phrase's words may not be a
  // real occurrence), so the search also stops, flagged, once it has analysed more than
  // `max_bytes`.
  BodyMatches find_in_body(const Xapian::Database& db, Xapian::docid docid, BodyText& body,
                           const std::string& lang, std::size_t max_matches,
                           std::size_t max_bytes = kMaxAnalysedBytes);

  // The best `fragments` windows of `text` by distinct query items, then by matches.
  // Cuts fall on word boundaries when `text` is the one last passed to find(), else on
  // whitespace.
  Snippet snippet(std::string_view text, const std::vector<Match>& matches,
                  const SnippetOptions& options) const;
  // The same, with the word boundaries from `bounds` (a BodyText of `text`).
  Snippet snippet(std::string_view text, const std::vector<Match>& matches,
                  const SnippetOptions& options, WordBounds& bounds) const;

  // Merged, sorted byte ranges of the matches (overlaps joined).
  static std::vector<ByteRange> ranges(const std::vector<Match>& matches);

  // True when a body item's CJK run may be in document `did` (its first unit is there):
  // find_in_body() then analyses the whole body, as the run's positions are not mapped.
  bool holds_cjk_run(const Xapian::Database& db, Xapian::docid did) const;

 private:
  // Occurrences of item `item_no`'s CJK character run (core/cjk.h) in the text of find():
  // the exact bytes of the run, also inside a longer dictionary word.
  void find_cjk_units(std::string_view text, uint32_t item_no, std::vector<Match>& out);
  // Appends the matches of the items of `field_prefix` among `tokens` (a contiguous run
  // of the text's words), unsorted.
  void match_tokens(const std::vector<Token>& tokens, const std::string& field_prefix,
                    const std::string& lang, std::vector<Match>& out);

  Analyzer& analyzer_;
  StemmerCache& stemmers_;
  std::vector<MatchItem> items_;
  std::vector<cjk::Unit> units_;  // of the text last passed to find(), when needed
  bool units_ready_ = false;
  std::vector<Token> tokens_;          // of the text last passed to find()
  const char* tokens_text_ = nullptr;  // that text, so snippet() knows the tokens fit it
  std::size_t tokens_size_ = 0;
};

}  // namespace oly
