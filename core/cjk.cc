#include "cjk.h"

#include <unicode/uchar.h>
#include <unicode/uscript.h>
#include <unicode/utf8.h>

namespace oly::cjk {
namespace {

// Next code point of `s` from byte `i` (advanced); U+FFFD for ill-formed bytes, as ICU's
// UTF-8 UText reads them in the analyzer.
UChar32 next_cp(std::string_view s, std::size_t& i) {
  UChar32 c;
  int32_t at = static_cast<int32_t>(i);
  U8_NEXT_OR_FFFD(s.data(), at, static_cast<int32_t>(s.size()), c);
  i = static_cast<std::size_t>(at);
  return c;
}

bool is_cjk_cp(UChar32 c) {
  if (c < 0x1100) return false;  // fast path: no CJK script below the Hangul Jamo block
  UErrorCode st = U_ZERO_ERROR;
  const UScriptCode sc = uscript_getScript(c, &st);
  return U_SUCCESS(st) && (sc == USCRIPT_HAN || sc == USCRIPT_HIRAGANA || sc == USCRIPT_KATAKANA ||
                           sc == USCRIPT_HANGUL || sc == USCRIPT_BOPOMOFO);
}

// Whether `c` continues the cluster begun before it (UAX #29 rules GB6-GB9a): combining
// marks and variation selectors stay with their base, and conjoining Hangul jamo (as in
// decomposed Korean text) with their syllable, so a cluster folds like the whole token.
bool continues(int32_t prev, int32_t cur) {
  if (cur == U_GCB_EXTEND || cur == U_GCB_ZWJ || cur == U_GCB_SPACING_MARK) return true;
  if (prev == U_GCB_L)
    return cur == U_GCB_L || cur == U_GCB_V || cur == U_GCB_LV || cur == U_GCB_LVT;
  if (prev == U_GCB_LV || prev == U_GCB_V) return cur == U_GCB_V || cur == U_GCB_T;
  if (prev == U_GCB_LVT || prev == U_GCB_T) return cur == U_GCB_T;
  return false;
}

// Byte offsets where the clusters of `s` end.
void cluster_ends(std::string_view s, std::vector<std::size_t>& ends) {
  ends.clear();
  int32_t prev = -1;
  for (std::size_t i = 0; i < s.size();) {
    const std::size_t at = i;
    const int32_t gcb = u_getIntPropertyValue(next_cp(s, i), UCHAR_GRAPHEME_CLUSTER_BREAK);
    if (at > 0 && !continues(prev, gcb)) ends.push_back(at);
    prev = gcb;
  }
  if (!s.empty()) ends.push_back(s.size());
}

// Only spaces, punctuation and symbols between two tokens: a break unit may stand for
// them. A letter or digit there belongs to a word the analyzer dropped (too long).
bool separators_only(std::string_view gap) {
  for (std::size_t i = 0; i < gap.size();) {
    if (u_isalnum(next_cp(gap, i))) return false;
  }
  return true;
}

// The character units of one CJK token. When the text is already in folded form (most
// kana, kanji and Hangul) its clusters are the term's; otherwise (half-width kana,
// compatibility ideographs, decomposed Hangul) each original cluster is folded on its own
// and every folded cluster keeps the original cluster's bytes, so that highlights stay on
// what the text really holds.
void token_units(std::string_view text, const Token& t, Xapian::termpos& pos,
                 const Analyzer& analyzer, std::vector<Unit>& out) {
  const std::string_view original = text.substr(t.begin, t.end - t.begin);
  std::vector<std::size_t> ends;
  if (original == t.term) {
    cluster_ends(original, ends);
    std::size_t from = 0;
    for (std::size_t e : ends) {
      out.push_back({std::string(original.substr(from, e - from)), pos++,
                     t.begin + static_cast<uint32_t>(from), t.begin + static_cast<uint32_t>(e)});
      from = e;
    }
    return;
  }
  std::vector<std::size_t> original_ends, folded_ends;
  cluster_ends(original, original_ends);
  std::size_t from = 0;
  for (std::size_t e : original_ends) {
    const std::string folded = analyzer.fold(original.substr(from, e - from));
    cluster_ends(folded, folded_ends);
    std::size_t f = 0;
    for (std::size_t fe : folded_ends) {
      out.push_back({folded.substr(f, fe - f), pos++, t.begin + static_cast<uint32_t>(from),
                     t.begin + static_cast<uint32_t>(e)});
      f = fe;
    }
    from = e;
  }
}

// The shared walk. `included` counts the tokens that got units.
Xapian::termpos walk(std::string_view text, const std::vector<Token>& tokens, Xapian::termpos first,
                     const Analyzer& analyzer, std::vector<Unit>& out, std::size_t& included) {
  included = 0;
  const std::size_t n = tokens.size();
  std::vector<char> cjk(n, 0);
  bool any = false;
  for (std::size_t i = 0; i < n; ++i) any |= (cjk[i] = is_cjk(tokens[i].term)) != 0;
  if (!any) return first;
  auto touching = [&](std::size_t a, std::size_t b) { return tokens[a].end == tokens[b].begin; };
  Xapian::termpos pos = first;
  std::size_t last = n;  // the last token given units
  for (std::size_t i = 0; i < n; ++i) {
    const bool in = cjk[i] || (i > 0 && cjk[i - 1] && touching(i - 1, i)) ||
                    (i + 1 < n && cjk[i + 1] && touching(i, i + 1));
    if (!in) continue;
    if (last != n) {
      const Token& p = tokens[last];
      if (last + 1 != i) {
        ++pos;  // words outside the character space lie between: no run may bridge them
      } else if (p.end != tokens[i].begin) {
        if (separators_only(text.substr(p.end, tokens[i].begin - p.end))) {
          out.push_back({std::string(kBreak), pos++, p.end, tokens[i].begin});
        } else {
          ++pos;
        }
      }
    }
    if (cjk[i]) {
      token_units(text, tokens[i], pos, analyzer, out);
    } else {
      out.push_back({tokens[i].term, pos++, tokens[i].begin, tokens[i].end});
    }
    last = i;
    ++included;
  }
  return pos;
}

}  // namespace

bool is_cjk(std::string_view term) {
  for (std::size_t i = 0; i < term.size();) {
    if (static_cast<unsigned char>(term[i]) < 0x80) {
      ++i;
      continue;
    }
    if (is_cjk_cp(next_cp(term, i))) return true;
  }
  return false;
}

Xapian::termpos units(std::string_view text, const std::vector<Token>& tokens,
                      Xapian::termpos first, const Analyzer& analyzer, std::vector<Unit>& out) {
  std::size_t included = 0;
  return walk(text, tokens, first, analyzer, out, included);
}

std::vector<std::string> query_units(std::string_view text, const std::vector<Token>& tokens,
                                     const Analyzer& analyzer) {
  std::vector<Unit> u;
  std::size_t included = 0;
  const Xapian::termpos end = walk(text, tokens, 0, analyzer, u, included);
  std::vector<std::string> out;
  // Every token must be in the run, and the run unbroken (a skipped position means a
  // dropped word lies inside the query text).
  if (included != tokens.size() || end != u.size()) return out;
  for (Unit& x : u) out.push_back(std::move(x.term));
  return out;
}

std::vector<std::string> without_breaks(const std::vector<std::string>& run) {
  std::vector<std::string> out;
  for (const std::string& u : run) {
    if (u != kBreak) out.push_back(u);
  }
  if (out.size() == run.size()) out.clear();
  return out;
}

}  // namespace oly::cjk
