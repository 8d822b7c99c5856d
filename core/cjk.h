// The character space of CJK text: sub-word matching for Chinese, Japanese and Korean.
//
// ICU segments Chinese and Japanese with a dictionary, and Korean words carry their
// particles (`선수가`), so a dictionary word hides its parts: `金メダル` is one term and
// neither `メダル` nor `金` would be found. Beside the words, the document builder indexes
// every character of a CJK token as a unit term (schema::kPrefixCjk), numbered in a
// position range of its own, and the query parser searches a CJK word or phrase as
// OR(the words, PHRASE of its units): a character run is found wherever it occurs, across
// dictionary-word boundaries too, while whole words score twice and rank first.
//
// Units, in text order, with consecutive positions while the text is contiguous:
//  - each character (grapheme cluster, folded like the token) of a token holding a Han,
//    Hiragana, Katakana, Hangul or Bopomofo character;
//  - a whole other token (number, Latin word) written directly against such a token
//    (`金メダル2個`, `Ｔシャツ`, `100m自由形`), as its folded term;
//  - a break unit (kBreak) where two such tokens are separated by spaces or punctuation
//    only (`한국 선수가`, `東京、大阪`), so that a quoted `"한국 선수"` still matches exactly
//    and `京大` does not match across the comma (see without_breaks());
//  - nothing, but one position skipped, where other words lie between: no phrase of
//    units can bridge them.
// The same function serves the index, the query and the snippet, so they always agree.
#pragma once

#include <xapian.h>

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "analyzer.h"

namespace oly::cjk {

// The term of a break unit. No token contains a space, so it never equals a real unit.
inline constexpr std::string_view kBreak = " ";

struct Unit {
  std::string term;          // folded character cluster, whole token, or kBreak
  Xapian::termpos position;  // in the character space
  uint32_t begin;            // bytes of the unit in the analysed text (for a break: the gap)
  uint32_t end;
};

// True when the (folded) term holds a Han, Hiragana, Katakana, Hangul or Bopomofo letter.
bool is_cjk(std::string_view term);

// Appends the units of `tokens` (all tokens of one field of `text`, in order) to `out`,
// numbering from `first`. Returns the position after the last unit, or `first` when the
// text has no CJK token (the cost for other text is one scan of the token bytes).
Xapian::termpos units(std::string_view text, const std::vector<Token>& tokens,
                      Xapian::termpos first, const Analyzer& analyzer, std::vector<Unit>& out);

// The unit terms a query word or phrase must match as one contiguous run, or nothing when
// it has no CJK token or holds a token that is not in the character space (`東京 2020`:
// the number stands apart, so only the words can be matched).
std::vector<std::string> query_units(std::string_view text, const std::vector<Token>& tokens,
                                     const Analyzer& analyzer);

// The run with its break units taken out. A separator between CJK words of a query
// matches a separator or none (`"한국 선수"` finds `한국선수` too, as the words do), so
// a run with breaks is searched in both forms; a query without a separator never matches
// across one (`京大` is not in `東京、大阪`). Empty when `run` has no break unit.
std::vector<std::string> without_breaks(const std::vector<std::string>& run);

}  // namespace oly::cjk
