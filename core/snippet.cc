#include "snippet.h"

#include <algorithm>

namespace oly {
namespace {

using Kind = QueryNode::Kind;

bool starts_with(const std::string& s, const std::string& p) {
  return s.size() >= p.size() && s.compare(0, p.size(), p) == 0;
}

bool is_ws(char c) {
  return c == ' ' || c == '\n' || c == '\t' || c == '\r' || c == '\f' || c == '\v';
}

// Byte index reached by walking `chars` characters forward from `from`.
std::size_t advance_chars(std::string_view s, std::size_t from, std::size_t chars) {
  std::size_t i = from;
  while (i < s.size() && chars > 0) {
    ++i;
    while (i < s.size() && (static_cast<unsigned char>(s[i]) & 0xC0) == 0x80) ++i;
    --chars;
  }
  return i;
}

std::size_t count_chars(std::string_view s) {
  std::size_t n = 0;
  for (char c : s) {
    if ((static_cast<unsigned char>(c) & 0xC0) != 0x80) ++n;
  }
  return n;
}

}  // namespace

void Highlighter::find_cjk_units(std::string_view text, uint32_t item_no, std::vector<Match>& out) {
  const std::vector<std::string>& run = items_[item_no].units;
  if (run.empty()) return;
  if (!units_ready_) {
    units_.clear();
    cjk::units(text, tokens_, 0, analyzer_, units_);
    units_ready_ = true;
  }
  // The run as the query has it, and without its separators (see cjk::without_breaks).
  auto find_run = [&](const std::vector<std::string>& r) {
    const std::size_t len = r.size();
    for (std::size_t i = 0; i + len <= units_.size(); ++i) {
      std::size_t k = 0;
      while (k < len && units_[i + k].term == r[k] &&
             units_[i + k].position == units_[i].position + k) {
        ++k;
      }
      if (k == len) out.push_back({units_[i].begin, units_[i + len - 1].end, item_no});
    }
  };
  find_run(run);
  const std::vector<std::string> joined = cjk::without_breaks(run);
  if (!joined.empty()) find_run(joined);
}

std::vector<Match> Highlighter::find(std::string_view text, const std::string& field_prefix,
                                     const std::string& lang) {
  units_ready_ = false;
  tokens_.clear();
  analyzer_.tokenize(text, 1, tokens_);
  tokens_text_ = text.data();
  tokens_size_ = text.size();
  std::vector<Match> out;
  if (tokens_.empty()) return out;
  const std::size_t n = tokens_.size();
  // Each token's stem, computed once (only when some query word has stems), in the
  // article's language as at index time.
  std::vector<std::string> token_stems;
  const bool any_stems = std::any_of(items_.begin(), items_.end(), [](const MatchItem& it) {
    return it.kind == Kind::kTerm && !it.stems.empty();
  });
  if (any_stems) {
    const Stemmer& stem = stemmers_.get(lang);
    token_stems.reserve(n);
    for (const Token& t : tokens_) token_stems.push_back(stem(t));
  }

  for (uint32_t item_no = 0; item_no < items_.size(); ++item_no) {
    const MatchItem& it = items_[item_no];
    // Unfielded words match the body and the title; fielded ones only their field.
    if (!(it.prefix.empty() || it.prefix == field_prefix)) continue;
    auto word = [&](std::size_t i) { out.push_back({tokens_[i].begin, tokens_[i].end, item_no}); };
    switch (it.kind) {
      case Kind::kTerm: {
        auto stem_matches = [&](std::size_t i) {
          if (it.stems.empty()) return false;
          const std::string& s = token_stems[i];
          return !s.empty() && std::find(it.stems.begin(), it.stems.end(), s) != it.stems.end();
        };
        for (std::size_t i = 0; i < n; ++i) {
          if (tokens_[i].term == it.terms[0] || stem_matches(i)) word(i);
        }
        break;
      }
      case Kind::kWildcard:
        for (std::size_t i = 0; i < n; ++i) {
          if (starts_with(tokens_[i].term, it.terms[0])) word(i);
        }
        break;
      case Kind::kPhrase: {
        const std::size_t len = it.terms.size();
        if (it.window == 0) {
          // Exact phrase: one range over the whole occurrence, and nothing for the same
          // words elsewhere.
          for (std::size_t i = 0; i + len <= n; ++i) {
            std::size_t k = 0;
            while (k < len && tokens_[i + k].term == it.terms[k]) ++k;
            if (k == len) out.push_back({tokens_[i].begin, tokens_[i + len - 1].end, item_no});
          }
          break;
        }
        // Sloppy phrase: the words in order within `window` positions.
        for (std::size_t i = 0; i < n; ++i) {
          if (tokens_[i].term != it.terms[0]) continue;
          const Xapian::termpos limit = tokens_[i].position + it.window;
          std::vector<std::size_t> hit{i};
          std::size_t j = i + 1;
          for (std::size_t k = 1; k < len; ++k) {
            while (j < n && tokens_[j].position < limit && tokens_[j].term != it.terms[k]) ++j;
            if (j >= n || tokens_[j].position >= limit) break;
            hit.push_back(j++);
          }
          if (hit.size() == len) {
            for (std::size_t h : hit) word(h);
          }
        }
        break;
      }
      case Kind::kNear: {
        // All words, in any order, within `window` positions of the first one found.
        for (std::size_t i = 0; i < n; ++i) {
          if (std::find(it.terms.begin(), it.terms.end(), tokens_[i].term) == it.terms.end())
            continue;
          const Xapian::termpos limit = tokens_[i].position + it.window;
          std::vector<bool> seen(it.terms.size(), false);
          std::vector<std::size_t> hit;
          for (std::size_t j = i; j < n && tokens_[j].position < limit; ++j) {
            for (std::size_t k = 0; k < it.terms.size(); ++k) {
              if (!seen[k] && tokens_[j].term == it.terms[k]) {
                seen[k] = true;
                hit.push_back(j);
                break;
              }
            }
          }
          if (hit.size() == it.terms.size()) {
            for (std::size_t h : hit) word(h);
          }
        }
        break;
      }
      default:
        break;
    }
    find_cjk_units(text, item_no, out);
  }
  std::sort(out.begin(), out.end(), [](const Match& a, const Match& b) {
    return a.begin != b.begin ? a.begin < b.begin : a.end > b.end;
  });
  out.erase(std::unique(out.begin(), out.end(),
                        [](const Match& a, const Match& b) {
                          return a.begin == b.begin && a.end == b.end && a.item == b.item;
                        }),
            out.end());
  return out;
}

std::vector<ByteRange> Highlighter::ranges(const std::vector<Match>& matches) {
  std::vector<ByteRange> out;
  for (const Match& m : matches) {  // sorted by begin
    if (!out.empty() && m.begin <= out.back().end) {
      out.back().end = std::max(out.back().end, m.end);
    } else {
      out.push_back({m.begin, m.end});
    }
  }
  return out;
}

Snippet Highlighter::snippet(std::string_view text, const std::vector<Match>& matches,
                             const SnippetOptions& o) const {
  const std::size_t length = std::max<std::size_t>(o.length, 20);
  // Word boundaries come from the tokens of find(); without them (text not searched)
  // whitespace is used.
  const bool have_tokens =
      !tokens_.empty() && tokens_text_ == text.data() && tokens_size_ == text.size();

  struct Window {
    std::size_t begin, end;
  };
  std::vector<Window> chosen;
  std::vector<bool> used(matches.size(), false);

  auto snap_begin = [&](std::size_t pos) {
    // The first word starting at or after pos.
    if (have_tokens) {
      auto it = std::lower_bound(tokens_.begin(), tokens_.end(), pos,
                                 [](const Token& t, std::size_t p) { return t.begin < p; });
      if (it != tokens_.end()) return std::min<std::size_t>(it->begin, pos == 0 ? 0 : it->begin);
      return text.size();
    }
    while (pos > 0 && pos < text.size() && !is_ws(text[pos - 1])) ++pos;
    return std::min(pos, text.size());
  };
  auto snap_end = [&](std::size_t pos, std::size_t at_least) {
    // The end of the last word ending at or before pos (but not before `at_least`).
    if (pos >= text.size()) return text.size();
    if (have_tokens) {
      auto it = std::upper_bound(tokens_.begin(), tokens_.end(), pos,
                                 [](std::size_t p, const Token& t) { return p < t.end; });
      if (it != tokens_.begin()) return std::max<std::size_t>(std::prev(it)->end, at_least);
      return at_least;
    }
    while (pos > at_least && !is_ws(text[pos])) --pos;
    return pos;
  };

  // The final window for a fragment anchored at match `a`: the matches that fit within
  // `length` characters from it, centred, with the spare room given to the context on
  // whichever side has text.
  auto window_for = [&](std::size_t a) {
    const std::size_t limit = advance_chars(text, matches[a].begin, length);
    std::size_t last = a;
    for (std::size_t b = a; b < matches.size() && matches[b].end <= limit; ++b) last = b;
    const std::size_t span_begin = matches[a].begin;
    const std::size_t span_end = std::max(matches[a].end, matches[last].end);
    const std::size_t span_chars = count_chars(text.substr(span_begin, span_end - span_begin));
    const std::size_t spare = length > span_chars ? length - span_chars : 0;
    // Characters after the span, counted only as far as they matter (at most `spare`).
    std::size_t chars_after = 0;
    for (std::size_t i = span_end; i < text.size() && chars_after < spare; ++i) {
      if ((static_cast<unsigned char>(text[i]) & 0xC0) != 0x80) ++chars_after;
    }
    std::size_t back = spare / 2;
    if (chars_after < spare - back) back = spare - chars_after;
    std::size_t begin = span_begin;
    for (; back > 0 && begin > 0; --back) {
      --begin;
      while (begin > 0 && (static_cast<unsigned char>(text[begin]) & 0xC0) == 0x80) --begin;
    }
    begin = std::min(snap_begin(begin), span_begin);
    const std::size_t end = snap_end(advance_chars(text, begin, length), span_end);
    return Window{begin, end};
  };

  std::size_t item_count = items_.size();
  for (const Match& m : matches) item_count = std::max<std::size_t>(item_count, m.item + 1);

  // Every anchor's window and what it holds do not depend on the fragments already
  // chosen, so they are computed once (not once per fragment): the distinct query items
  // of each window go into one flat list, `items_of[a]`..`items_of[a + 1]`.
  struct Candidate {
    Window window;
    std::size_t items = 0, count = 0;
  };
  std::vector<Candidate> candidates;
  std::vector<uint32_t> items_flat;
  std::vector<std::size_t> items_of;
  if (o.fragments > 0 && !matches.empty()) {
    candidates.reserve(matches.size());
    items_of.reserve(matches.size() + 1);
    std::vector<char> in_window(item_count, 0);
    for (std::size_t a = 0; a < matches.size(); ++a) {
      Candidate c{window_for(a)};
      items_of.push_back(items_flat.size());
      // Matches are sorted by begin: only those from the window's start on can be in it.
      const auto from = std::lower_bound(matches.begin(), matches.end(), c.window.begin,
                                         [](const Match& m, std::size_t p) { return m.begin < p; });
      for (std::size_t m = static_cast<std::size_t>(from - matches.begin());
           m < matches.size() && matches[m].begin < c.window.end; ++m) {
        if (matches[m].end > c.window.end) continue;
        if (!in_window[matches[m].item]) {
          in_window[matches[m].item] = 1;
          items_flat.push_back(matches[m].item);
        }
        ++c.count;
      }
      for (std::size_t i = items_of.back(); i < items_flat.size(); ++i) {
        in_window[items_flat[i]] = 0;
      }
      c.items = items_flat.size() - items_of.back();
      if (c.count == 0) {  // a single match longer than the fragment
        c.items = 1;
        c.count = 1;
      }
      candidates.push_back(c);
    }
    items_of.push_back(items_flat.size());
  }

  std::vector<char> shown(item_count, 0);  // query items already in a fragment
  for (std::size_t f = 0; f < o.fragments; ++f) {
    std::size_t best = matches.size();
    std::size_t best_score = 0;
    for (std::size_t a = 0; a < matches.size(); ++a) {
      if (used[a]) continue;
      const Window& w = candidates[a].window;
      bool overlaps = false;
      for (const Window& c : chosen) {
        if (w.begin < c.end && w.end > c.begin) overlaps = true;
      }
      if (overlaps) continue;
      std::size_t fresh = 0;
      for (std::size_t i = items_of[a]; i < items_of[a + 1]; ++i) fresh += !shown[items_flat[i]];
      // Query items not shown yet first (a second fragment should show other words), then
      // distinct items (both words beat one word twice), then the number of matches.
      const std::size_t score = fresh * 1000000 + candidates[a].items * 1000 + candidates[a].count;
      if (score > best_score) {
        best_score = score;
        best = a;
      }
    }
    if (best == matches.size()) break;
    const Window best_window = candidates[best].window;
    chosen.push_back(best_window);
    for (std::size_t m = 0; m < matches.size(); ++m) {
      if (matches[m].begin >= best_window.begin && matches[m].end <= best_window.end) {
        used[m] = true;
        shown[matches[m].item] = 1;
      }
    }
  }
  if (chosen.empty()) {
    // Nothing to show around (a title-only or filter-only match): the text's beginning.
    chosen.push_back({0, snap_end(advance_chars(text, 0, length), 0)});
  }
  std::sort(chosen.begin(), chosen.end(),
            [](const Window& a, const Window& b) { return a.begin < b.begin; });

  const std::vector<ByteRange> marks = ranges(matches);
  Snippet s;
  for (const Window& w : chosen) {
    std::size_t b = w.begin, e = w.end;
    while (b < e && is_ws(text[b])) ++b;
    while (e > b && is_ws(text[e - 1])) --e;
    if (!s.text.empty()) s.text += ' ';
    if (b > 0) s.text += "\u2026";
    // Copy with whitespace runs (newlines, tabs) folded to one space, mapping highlight
    // offsets as we go.
    auto mk = std::lower_bound(marks.begin(), marks.end(), b,
                               [](const ByteRange& r, std::size_t p) { return r.end <= p; });
    std::size_t open_at = std::string::npos;
    for (std::size_t i = b; i < e; ++i) {
      if (mk != marks.end() && i == std::max<std::size_t>(mk->begin, b) &&
          open_at == std::string::npos) {
        open_at = s.text.size();
      }
      if (is_ws(text[i])) {
        if (!s.text.empty() && s.text.back() != ' ') s.text += ' ';
      } else {
        s.text += text[i];
      }
      if (mk != marks.end() && open_at != std::string::npos && (i + 1 == mk->end || i + 1 == e)) {
        s.highlights.push_back(
            {static_cast<uint32_t>(open_at), static_cast<uint32_t>(s.text.size())});
        open_at = std::string::npos;
        ++mk;
      }
    }
    if (e < text.size()) s.text += "\u2026";
  }
  return s;
}

}  // namespace oly
