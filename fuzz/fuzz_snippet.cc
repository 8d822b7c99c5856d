// fuzz_snippet: Highlighter::find and Highlighter::snippet (core/snippet.h).
//
// Input: byte 0 = options (bits 0-2: fragment count 0..7; bit 3: title field "S" instead
// of the body; bits 4-5: the article's language; bit 6: build the snippet from a copy of
// the text, so the whitespace fallback is used instead of the tokens of find()), byte 1 =
// fragment length in characters (0..255; the Highlighter raises it to at least 20), then
// the query and the text, split at the first 0x00 byte (without one, the text is the
// query itself). Queries with a syntax error are skipped.
//
// Checks: matches are inside the text, sorted, refer to existing items, and start and end
// on UTF-8 boundaries (when the text is valid UTF-8); ranges() is sorted and disjoint;
// every highlight is inside snippet.text, non-empty, sorted and non-overlapping, on UTF-8
// boundaries, and snippet.text is valid UTF-8, when the text was.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "analyzer.h"
#include "document.h"
#include "fuzz_util.h"
#include "query.h"
#include "snippet.h"

namespace {

struct Env {
  oly::Analyzer analyzer;
  oly::Stemmer en{"en"}, fr{"fr"};
  oly::StemmerCache stemmers{"en"};
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static Env* env = new Env;
  if (size < 2) return 0;
  const uint8_t flags = data[0];
  oly::SnippetOptions options;
  options.fragments = flags & 7;
  options.length = data[1];
  const std::string field = (flags & 8) ? "S" : "";
  static const char* const kLangs[] = {"", "en", "fr", "ja"};
  const std::string lang = kLangs[(flags >> 4) & 3];
  const bool copy_text = flags & 0x40;

  const std::string_view rest(reinterpret_cast<const char*>(data) + 2, size - 2);
  const std::size_t nul = rest.find('\0');
  const std::string_view query = rest.substr(0, nul);
  const std::string_view text = nul == std::string_view::npos ? rest : rest.substr(nul + 1);
  const bool utf8 = fuzz::valid_utf8(text);

  std::vector<oly::MatchItem> items;
  try {
    items = oly::parse_query(query, env->analyzer, {&env->en, &env->fr}).match_items();
  } catch (const oly::QuerySyntaxError&) {
    return 0;
  }
  const std::size_t item_count = items.size();
  oly::Highlighter hl(env->analyzer, env->stemmers, std::move(items));

  const std::vector<oly::Match> matches = hl.find(text, field, lang);
  for (std::size_t i = 0; i < matches.size(); ++i) {
    const oly::Match& m = matches[i];
    const std::string where = "match " + std::to_string(i) + " [" + std::to_string(m.begin) + "," +
                              std::to_string(m.end) + ")";
    FUZZ_CHECK(m.begin < m.end && m.end <= text.size(), where);
    FUZZ_CHECK(m.item < item_count, where + " item " + std::to_string(m.item));
    if (i > 0) FUZZ_CHECK(matches[i - 1].begin <= m.begin, where + " not sorted");
    if (utf8) FUZZ_CHECK(fuzz::on_boundary(text, m.begin) && fuzz::on_boundary(text, m.end), where);
  }
  const std::vector<oly::ByteRange> ranges = oly::Highlighter::ranges(matches);
  for (std::size_t i = 0; i < ranges.size(); ++i) {
    FUZZ_CHECK(ranges[i].begin < ranges[i].end && ranges[i].end <= text.size(),
               "range out of the text");
    if (i > 0) FUZZ_CHECK(ranges[i - 1].end < ranges[i].begin, "ranges not sorted and disjoint");
  }

  // The copy has other bytes at another address: snippet() must not use find()'s tokens.
  const std::string copy(text);
  const oly::Snippet s = hl.snippet(copy_text ? std::string_view(copy) : text, matches, options);
  const std::string_view st = s.text;
  if (utf8) FUZZ_CHECK(fuzz::valid_utf8(st), "snippet.text = " + fuzz::show(st));
  for (std::size_t i = 0; i < s.highlights.size(); ++i) {
    const oly::ByteRange& h = s.highlights[i];
    const std::string where = "highlight " + std::to_string(i) + " [" + std::to_string(h.begin) +
                              "," + std::to_string(h.end) + ") of " + std::to_string(st.size()) +
                              " bytes in " + fuzz::show(st);
    FUZZ_CHECK(h.begin < h.end && h.end <= st.size(), where);
    if (i > 0)
      FUZZ_CHECK(s.highlights[i - 1].end <= h.begin, where + ": not sorted or overlapping");
    if (utf8)
      FUZZ_CHECK(fuzz::on_boundary(st, h.begin) && fuzz::on_boundary(st, h.end),
                 where + ": splits a character");
  }
  return 0;
}
