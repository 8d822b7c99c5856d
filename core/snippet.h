// Query matches in a text and snippets built from them. The text is re-analysed with the
// shared Analyzer, so what is highlighted is exactly what the index matched. A snippet is
// data (text plus highlight byte ranges); printers decide how to show it.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "analyzer.h"
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

class Highlighter {
 public:
  Highlighter(Analyzer& analyzer, StemmerCache& stemmers, std::vector<MatchItem> items)
      : analyzer_(analyzer), stemmers_(stemmers), items_(std::move(items)) {}

  // Every occurrence of a query word or phrase in `text`. `field_prefix` is "" for the
  // body and "S" for the title: items of other fields are ignored. `lang` is the
  // article's language, which chose the stemmer at index time.
  std::vector<Match> find(std::string_view text, const std::string& field_prefix,
                          const std::string& lang);

  // The best `fragments` windows of `text` by distinct query items, then by matches.
  // Cuts fall on word boundaries when `text` is the one last passed to find().
  Snippet snippet(std::string_view text, const std::vector<Match>& matches,
                  const SnippetOptions& options) const;

  // Merged, sorted byte ranges of the matches (overlaps joined).
  static std::vector<ByteRange> ranges(const std::vector<Match>& matches);

 private:
  // Occurrences of item `item_no`'s CJK character run (core/cjk.h) in the text of find():
  // the exact bytes of the run, also inside a longer dictionary word.
  void find_cjk_units(std::string_view text, uint32_t item_no, std::vector<Match>& out);

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
