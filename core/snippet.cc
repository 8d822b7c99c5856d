#include "snippet.h"

#include <algorithm>
#include <deque>
#include <map>
#include <queue>
#include <set>
#include <stdexcept>

#include "schema.h"

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

// Word boundaries from the tokens of a whole text.
class TokenBounds : public WordBounds {
 public:
  TokenBounds(const std::vector<Token>& tokens, std::size_t size) : t_(tokens), size_(size) {}
  std::size_t snap_begin(std::size_t pos) override {
    if (pos == 0) return 0;
    auto it = std::lower_bound(t_.begin(), t_.end(), pos,
                               [](const Token& t, std::size_t p) { return t.begin < p; });
    return it != t_.end() ? it->begin : size_;
  }
  std::size_t snap_end(std::size_t pos, std::size_t at_least) override {
    if (pos >= size_) return size_;
    auto it = std::upper_bound(t_.begin(), t_.end(), pos,
                               [](std::size_t p, const Token& t) { return p < t.end; });
    return it != t_.begin() ? std::max<std::size_t>(std::prev(it)->end, at_least) : at_least;
  }

 private:
  const std::vector<Token>& t_;
  std::size_t size_;
};

// Word boundaries guessed from whitespace, for a text that was not analysed.
class WhitespaceBounds : public WordBounds {
 public:
  explicit WhitespaceBounds(std::string_view text) : text_(text) {}
  std::size_t snap_begin(std::size_t pos) override {
    while (pos > 0 && pos < text_.size() && !is_ws(text_[pos - 1])) ++pos;
    return std::min(pos, text_.size());
  }
  std::size_t snap_end(std::size_t pos, std::size_t at_least) override {
    if (pos >= text_.size()) return text_.size();
    while (pos > at_least && !is_ws(text_[pos])) --pos;
    return pos;
  }

 private:
  std::string_view text_;
};

// The occurrences of one query item among a run of tokens.
struct ItemScan {
  const MatchItem& it;
  uint32_t item_no;
  const std::vector<Token>& t;
  std::vector<Match>& out;

  void word(std::size_t i) const { out.push_back({t[i].begin, t[i].end, item_no}); }

  void term(const std::vector<std::string>& token_stems) const {
    auto stem_matches = [&](std::size_t i) {
      if (it.stems.empty()) return false;
      const std::string& s = token_stems[i];
      return !s.empty() && std::find(it.stems.begin(), it.stems.end(), s) != it.stems.end();
    };
    for (std::size_t i = 0; i < t.size(); ++i) {
      if (t[i].term == it.terms[0] || stem_matches(i)) word(i);
    }
  }

  void wildcard() const {
    for (std::size_t i = 0; i < t.size(); ++i) {
      if (starts_with(t[i].term, it.terms[0])) word(i);
    }
  }

  // One range over the whole occurrence, and nothing for the same words elsewhere.
  void exact_phrase() const {
    const std::size_t len = it.terms.size();
    for (std::size_t i = 0; i + len <= t.size(); ++i) {
      std::size_t k = 0;
      while (k < len && t[i + k].term == it.terms[k]) ++k;
      if (k == len) out.push_back({t[i].begin, t[i + len - 1].end, item_no});
    }
  }

  // The words in order within `window` positions: each the first of its term after the
  // previous one.
  void sloppy_phrase() const {
    const std::size_t n = t.size(), len = it.terms.size();
    for (std::size_t i = 0; i < n; ++i) {
      if (t[i].term != it.terms[0]) continue;
      const Xapian::termpos limit = t[i].position + it.window;
      std::vector<std::size_t> hit{i};
      std::size_t j = i + 1;
      for (std::size_t k = 1; k < len; ++k) {
        while (j < n && t[j].position < limit && t[j].term != it.terms[k]) ++j;
        if (j >= n || t[j].position >= limit) break;
        hit.push_back(j++);
      }
      if (hit.size() == len) {
        for (std::size_t h : hit) word(h);
      }
    }
  }

  // All words, in any order, within `window` positions of the first one found.
  void near() const {
    const std::size_t n = t.size();
    for (std::size_t i = 0; i < n; ++i) {
      if (std::find(it.terms.begin(), it.terms.end(), t[i].term) == it.terms.end()) continue;
      const Xapian::termpos limit = t[i].position + it.window;
      std::vector<bool> seen(it.terms.size(), false);
      std::vector<std::size_t> hit;
      for (std::size_t j = i; j < n && t[j].position < limit; ++j) {
        for (std::size_t k = 0; k < it.terms.size(); ++k) {
          if (!seen[k] && t[j].term == it.terms[k]) {
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
  }
};

// Text order; the item breaks ties, so that equal matches are adjacent and removed (a
// word of two NEAR or sloppy-phrase occurrences is found twice) and the result does not
// depend on the order in which the matches were found.
void sort_matches(std::vector<Match>& out) {
  std::sort(out.begin(), out.end(), [](const Match& a, const Match& b) {
    if (a.begin != b.begin) return a.begin < b.begin;
    return a.end != b.end ? a.end > b.end : a.item < b.item;
  });
  out.erase(std::unique(out.begin(), out.end(),
                        [](const Match& a, const Match& b) {
                          return a.begin == b.begin && a.end == b.end && a.item == b.item;
                        }),
            out.end());
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
  match_tokens(tokens_, field_prefix, lang, out);
  for (uint32_t item_no = 0; item_no < items_.size(); ++item_no) {
    const MatchItem& it = items_[item_no];
    if (it.prefix.empty() || it.prefix == field_prefix) find_cjk_units(text, item_no, out);
  }
  sort_matches(out);
  return out;
}

void Highlighter::match_tokens(const std::vector<Token>& tokens, const std::string& field_prefix,
                               const std::string& lang, std::vector<Match>& out) {
  if (tokens.empty()) return;
  // Each token's stem, computed once (only when some query word has stems), in the
  // article's language as at index time.
  std::vector<std::string> token_stems;
  const bool any_stems = std::any_of(items_.begin(), items_.end(), [](const MatchItem& it) {
    return it.kind == Kind::kTerm && !it.stems.empty();
  });
  if (any_stems) {
    const Stemmer& stem = stemmers_.get(lang);
    token_stems.reserve(tokens.size());
    for (const Token& t : tokens) token_stems.push_back(stem(t));
  }
  for (uint32_t item_no = 0; item_no < items_.size(); ++item_no) {
    const MatchItem& it = items_[item_no];
    // Unfielded words match the body and the title; fielded ones only their field.
    if (!(it.prefix.empty() || it.prefix == field_prefix)) continue;
    const ItemScan scan{it, item_no, tokens, out};
    switch (it.kind) {
      case Kind::kTerm:
        scan.term(token_stems);
        break;
      case Kind::kWildcard:
        scan.wildcard();
        break;
      case Kind::kPhrase:
        if (it.window == 0) {
          scan.exact_phrase();
        } else {
          scan.sloppy_phrase();
        }
        break;
      case Kind::kNear:
        scan.near();
        break;
      default:
        break;
    }
  }
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
  // Word boundaries come from the tokens of find(); without them (text not searched)
  // whitespace is used.
  if (!tokens_.empty() && tokens_text_ == text.data() && tokens_size_ == text.size()) {
    TokenBounds bounds(tokens_, text.size());
    return snippet(text, matches, o, bounds);
  }
  WhitespaceBounds bounds(text);
  return snippet(text, matches, o, bounds);
}

namespace {

struct Window {
  std::size_t begin, end;
};

// The final window for a fragment anchored at match `a`: the matches that fit within
// `length` characters from it, centred, with the spare room given to the context on
// whichever side has text.
Window window_for(std::string_view text, const std::vector<Match>& matches, std::size_t a,
                  std::size_t length, WordBounds& bounds) {
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
  begin = std::min(bounds.snap_begin(begin), span_begin);
  const std::size_t end = bounds.snap_end(advance_chars(text, begin, length), span_end);
  return Window{begin, end};
}

// The chosen windows (in text order) as one text, whitespace runs folded to one space,
// `…` at each cut, and the merged matches as highlight ranges into it.
Snippet render(std::string_view text, const std::vector<Window>& chosen,
               const std::vector<ByteRange>& marks) {
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

}  // namespace

Snippet Highlighter::snippet(std::string_view text, const std::vector<Match>& matches,
                             const SnippetOptions& o, WordBounds& bounds) const {
  const std::size_t length = std::max<std::size_t>(o.length, 20);
  std::vector<Window> chosen;
  std::vector<bool> used(matches.size(), false);

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
      Candidate c{window_for(text, matches, a, length, bounds)};
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
    chosen.push_back({0, bounds.snap_end(advance_chars(text, 0, length), 0)});
  }
  std::sort(chosen.begin(), chosen.end(),
            [](const Window& a, const Window& b) { return a.begin < b.begin; });

  return render(text, chosen, ranges(matches));
}

BodyText::BodyText(Analyzer& analyzer, std::string_view body, BodyMap map)
    : analyzer_(analyzer), body_(body), map_(std::move(map)) {
  // A map of another text would put chunks at the wrong bytes: a bug, not bad input.
  if (map_.body_size != body_.size()) throw std::logic_error("BodyText: map of another text");
}

const std::vector<Token>& BodyText::chunk(std::size_t c) {
  auto [it, fresh] = chunks_.try_emplace(c);
  if (fresh) {
    // A chunk starts at a checkpoint, where breaking words gives what breaking the whole
    // body gives (core/body_map.h); its words keep their indexed positions.
    const uint32_t begin = map_.chunk_begin(c);
    const std::string_view piece = body_.substr(begin, map_.chunk_end(c) - begin);
    analyzer_.tokenize(piece, map_.positions[c], it->second);
    for (Token& t : it->second) {
      t.begin += begin;
      t.end += begin;
    }
    analysed_ += piece.size();
  }
  return it->second;
}

std::size_t BodyText::snap_begin(std::size_t pos) {
  if (pos == 0) return 0;
  if (map_.chunks() == 0) return WhitespaceBounds(body_).snap_begin(pos);
  // Chunks hold whole words, so the word is in pos's chunk or starts the next one.
  for (std::size_t c = map_.chunk_of_byte(pos); c < map_.chunks(); ++c) {
    const std::vector<Token>& t = chunk(c);
    auto it = std::lower_bound(t.begin(), t.end(), pos,
                               [](const Token& tok, std::size_t p) { return tok.begin < p; });
    if (it != t.end()) return it->begin;
  }
  return body_.size();
}

std::size_t BodyText::snap_end(std::size_t pos, std::size_t at_least) {
  if (pos >= body_.size()) return body_.size();
  if (map_.chunks() == 0) return WhitespaceBounds(body_).snap_end(pos, at_least);
  for (std::size_t c = map_.chunk_of_byte(pos) + 1; c-- > 0;) {
    const std::vector<Token>& t = chunk(c);
    auto it = std::upper_bound(t.begin(), t.end(), pos,
                               [](std::size_t p, const Token& tok) { return p < tok.end; });
    if (it != t.begin()) return std::max<std::size_t>(std::prev(it)->end, at_least);
  }
  return at_least;
}

namespace {

// Positions of several terms of one document, merged in ascending order.
class PositionMerge {
 public:
  void add(Xapian::PositionIterator it) {
    if (it != Xapian::PositionIterator()) heap_.push({*it, std::move(it)});
  }
  bool done() const { return heap_.empty(); }
  Xapian::termpos current() const { return heap_.top().pos; }
  void next() {
    Entry e = heap_.top();
    heap_.pop();
    ++e.it;
    if (e.it != Xapian::PositionIterator()) heap_.push({*e.it, std::move(e.it)});
  }

 private:
  struct Entry {
    Xapian::termpos pos;
    Xapian::PositionIterator it;
    bool operator>(const Entry& o) const { return pos > o.pos; }
  };
  std::priority_queue<Entry, std::vector<Entry>, std::greater<Entry>> heap_;
};

// The document's body-space words (unprefixed terms) whose stem, in the article's
// language, is one of the body items' stems: stem -> words. Found from the document's
// termlist, which every backend has (the 1.4 remote backend has no synonym table). The
// walk is skipped unless the document holds one of the stems ("Z" + stem), so a document
// that matched on the exact word only, or in another language, costs one lookup per stem.
using StemForms = std::map<std::string, std::vector<std::string>, std::less<>>;

StemForms stem_forms(const Xapian::Database& db, Xapian::docid did,
                     const std::vector<MatchItem>& items, const Stemmer& stem) {
  std::set<std::string> wanted;  // "Z" + stem, sorted for one forward walk
  for (const MatchItem& it : items) {
    if (it.kind != Kind::kTerm || !it.prefix.empty()) continue;
    for (const std::string& s : it.stems) {
      if (!s.empty()) wanted.insert(std::string(schema::kPrefixStem) + s);
    }
  }
  StemForms forms;
  if (wanted.empty()) return forms;
  // One pass over the termlist (each opening inflates the whole list): the body words
  // before the prefixed block (digits) are kept aside until the stems are known to be
  // held; the block itself is only probed for the stem terms, then skipped whole.
  auto add_form = [&](const std::string& w) {
    // A word of digits only is a number token, never stemmed at index time.
    if (std::all_of(w.begin(), w.end(), [](char c) { return c >= '0' && c <= '9'; })) return;
    auto f = forms.find(stem(w));
    if (f != forms.end()) f->second.push_back(w);
  };
  const Xapian::TermIterator end = db.termlist_end(did);
  Xapian::TermIterator t = db.termlist_begin(did);
  std::vector<std::string> before;  // terms sort by bytes: these precede 'A'
  for (; t != end; ++t) {
    std::string w = *t;
    if (!w.empty() && static_cast<unsigned char>(w[0]) >= 'A') break;
    before.push_back(std::move(w));
  }
  bool held = false;
  for (const std::string& key : wanted) {
    t.skip_to(key);
    if (t == end) break;
    if (*t == key) {
      held = true;
      forms[key.substr(schema::kPrefixStem.size())];
    }
  }
  if (!held) return forms;
  for (const std::string& w : before) add_form(w);
  // The body words after the block (lower case, UTF-8): past every prefixed term.
  for (t.skip_to("["); t != end; ++t) add_form(*t);
  return forms;
}

// The positions where one query item may start an occurrence in a document, in order:
// a superset of the true starts (the words are then matched on the analysed chunks, as
// in the whole text), found from Xapian's positional data alone. `span` positions from
// a start hold the whole occurrence.
class ItemStarts {
 public:
  ItemStarts(const Xapian::Database& db, Xapian::docid did, const MatchItem& it,
             const StemForms& forms)
      : it_(it) {
    switch (it.kind) {
      case Kind::kTerm:
        init_term(db, did, forms);
        break;
      case Kind::kWildcard: {
        // The document's own terms with the prefix (not the whole index's).
        Xapian::TermIterator t = db.termlist_begin(did);
        t.skip_to(it.terms[0]);
        for (; t != db.termlist_end(did) && starts_with(*t, it.terms[0]); ++t) {
          starts_.add(t.positionlist_begin());
        }
        break;
      }
      case Kind::kPhrase:
        starts_.add(db.positionlist_begin(did, it.terms[0]));
        for (std::size_t k = 1; k < it.terms.size(); ++k) {
          others_.push_back(db.positionlist_begin(did, it.terms[k]));
        }
        span_ = it.window == 0 ? static_cast<unsigned>(it.terms.size()) : it.window;
        break;
      case Kind::kNear:
        init_near(db, did);
        break;
      default:
        break;
    }
    settle();
  }
  bool done() const { return starts_.done(); }
  Xapian::termpos current() const { return starts_.current(); }
  unsigned span() const { return std::max(span_, 1u); }
  void next() {
    starts_.next();
    settle();
  }

 private:
  // The word itself, and the document's words that have one of its stems in the
  // article's language (see stem_forms), as find() stems the article's words.
  void init_term(const Xapian::Database& db, Xapian::docid did, const StemForms& forms) {
    starts_.add(db.positionlist_begin(did, it_.terms[0]));
    std::set<std::string> words{it_.terms[0]};
    for (const std::string& s : it_.stems) {
      auto f = forms.find(s);
      if (f == forms.end()) continue;
      for (const std::string& w : f->second) {
        if (words.insert(w).second) starts_.add(db.positionlist_begin(did, w));
      }
    }
  }

  // Any of the words starts; each distinct word is then wanted as many times as the item
  // names it within the window after the start.
  void init_near(const Xapian::Database& db, Xapian::docid did) {
    std::map<std::string, std::size_t> count;
    for (const std::string& term : it_.terms) ++count[term];
    for (const auto& [term, n] : count) {
      starts_.add(db.positionlist_begin(did, term));
      near_.push_back({db.positionlist_begin(did, term), {}, n});
    }
    span_ = it_.window;
  }

  // Moves to the first start from the current one that the other words allow. Every
  // check only moves iterators forward, because the starts ascend.
  void settle() {
    while (!starts_.done() && !possible(starts_.current())) starts_.next();
  }
  bool possible(Xapian::termpos p) {
    const Xapian::PositionIterator end;
    if (it_.kind == Kind::kPhrase) {
      Xapian::termpos prev = p;
      for (std::size_t k = 0; k < others_.size(); ++k) {
        // Exact: word k + 1 right at p + k + 1; sloppy: after the previous word, in the
        // window (as the scan of the analysed words does).
        const Xapian::termpos want = it_.window == 0 ? p + k + 1 : prev + 1;
        others_[k].skip_to(want);
        if (others_[k] == end) return false;
        if (it_.window == 0 ? *others_[k] != want : *others_[k] >= p + it_.window) return false;
        prev = *others_[k];
      }
      return true;
    }
    if (it_.kind == Kind::kNear) {
      // The positions of each word in [p, p + window), kept as the window slides.
      for (NearWord& w : near_) {
        while (!w.seen.empty() && w.seen.front() < p) w.seen.pop_front();
        for (; w.it != end && *w.it < p + it_.window; ++w.it) {
          if (*w.it >= p) w.seen.push_back(*w.it);
        }
        if (w.seen.size() < w.wanted) return false;
      }
    }
    return true;
  }

  struct NearWord {
    Xapian::PositionIterator it;
    std::deque<Xapian::termpos> seen;
    std::size_t wanted;
  };
  const MatchItem& it_;
  PositionMerge starts_;
  std::vector<Xapian::PositionIterator> others_;
  std::vector<NearWord> near_;
  unsigned span_ = 1;
};

// Chunks analysed together at most (unless one occurrence's span needs more).
constexpr std::size_t kMaxRunChunks = 16;

// Bodies of at most this many bytes (about 600 English words, 10 chunks) are analysed
// whole, without reading the document's term list and position lists. Measured with
// callgrind over bench/queries.tsv on 5,000 general-news articles (top 10 with snippets,
// one process per query): opening a term list, walking it and stemming its words cost
// more than analysing the chunks the matches would have spared, since a query word tends
// to be in most chunks of a short body. Total instructions: 322 M always chunked, 306 M
// up to 2 KB whole, 301 M up to 4 KB, 304 M up to 8 KB. A limit in bytes, not chunks: a
// chunk can be large (text without whitespace), and must then be spared when no query
// word is in it.
constexpr std::size_t kWholeBodyBytes = 4096;

}  // namespace

bool Highlighter::holds_cjk_run(const Xapian::Database& db, Xapian::docid did) const {
  for (const MatchItem& it : items_) {
    if (it.units.empty() || !it.prefix.empty()) continue;
    // The run's first unit in this body's character space: without it the run cannot be
    // there, and the word items are found by the chunked path alone.
    const std::string term = std::string(schema::kPrefixCjk) + it.units[0];
    if (db.positionlist_begin(did, term) != db.positionlist_end(did, term)) return true;
  }
  return false;
}

BodyMatches Highlighter::find_in_body(const Xapian::Database& db, Xapian::docid did, BodyText& body,
                                      const std::string& lang, std::size_t max_matches,
                                      std::size_t max_bytes) {
  BodyMatches r;
  if (holds_cjk_run(db, did)) {
    // CJK character runs have positions in the character space (core/cjk.h), which the
    // body map does not cover: the whole body is analysed, as find() does, with the cap.
    r.matches = find(body.text(), "", lang);
    if (r.matches.size() > max_matches) {
      r.matches.resize(max_matches);
      r.truncated = true;
    }
    return r;
  }
  const BodyMap& map = body.map();
  if (map.chunks() == 0) return r;  // no words
  if (body.text().size() <= kWholeBodyBytes) {
    // Every chunk, in order: the whole body's tokens (core/body_map.h), which `body` keeps
    // for the snippet's word bounds.
    std::vector<Token> all;
    for (std::size_t c = 0; c < map.chunks(); ++c) {
      const std::vector<Token>& t = body.chunk(c);
      all.insert(all.end(), t.begin(), t.end());
    }
    match_tokens(all, "", lang, r.matches);
    sort_matches(r.matches);
    if (r.matches.size() > max_matches) {
      r.matches.resize(max_matches);
      r.truncated = true;
    }
    return r;
  }
  const StemForms forms = stem_forms(db, did, items_, stemmers_.get(lang));
  std::vector<ItemStarts> items;
  for (const MatchItem& it : items_) {
    if (it.prefix.empty()) items.emplace_back(db, did, it, forms);  // body items only
  }
  // The starts of all items in position order, gathered into runs of chunks analysed
  // together. After a run, every match before the next start's chunk is known: that is
  // where the search stops once it has more than `max_matches`.
  std::vector<Token> run;
  std::size_t run_lo = 0, run_hi = 0;
  bool have_run = false;
  auto flush = [&] {
    run.clear();
    for (std::size_t c = run_lo; c <= run_hi; ++c) {
      const std::vector<Token>& t = body.chunk(c);
      run.insert(run.end(), t.begin(), t.end());
    }
    match_tokens(run, "", lang, r.matches);
  };
  std::size_t stop_at = body.text().size();
  for (;;) {
    ItemStarts* next = nullptr;
    for (ItemStarts& s : items) {
      if (!s.done() && (!next || s.current() < next->current())) next = &s;
    }
    if (!next) break;
    const Xapian::termpos p = next->current();
    if (p < map.positions[0]) {  // a title word (titles are also indexed unprefixed)
      next->next();
      continue;
    }
    const std::size_t lo = map.chunk_of_position(p);
    const std::size_t hi = map.chunk_of_position(p + next->span() - 1);
    if (have_run && lo <= run_hi + 1 && hi - run_lo < kMaxRunChunks) {
      run_hi = std::max(run_hi, hi);
    } else {
      if (have_run) {
        flush();
        const std::size_t known = map.chunk_begin(lo);
        std::size_t before = 0;
        if (r.matches.size() > max_matches) {
          // Runs may overlap (a long one is cut): count each match once.
          sort_matches(r.matches);
          before = static_cast<std::size_t>(
              std::lower_bound(r.matches.begin(), r.matches.end(), known,
                               [](const Match& m, std::size_t b) { return m.begin < b; }) -
              r.matches.begin());
        }
        if (before > max_matches || body.analysed_bytes() > max_bytes) {
          stop_at = known;
          r.truncated = true;
          break;
        }
      }
      have_run = true;
      run_lo = lo;
      run_hi = hi;
    }
    next->next();
  }
  if (have_run && !r.truncated) flush();
  sort_matches(r.matches);
  // Keep only what is known for certain: the matches before the place where it stopped.
  while (!r.matches.empty() && r.matches.back().begin >= stop_at) r.matches.pop_back();
  if (r.matches.size() > max_matches) {
    r.matches.resize(max_matches);
    r.truncated = true;
  }
  return r;
}

}  // namespace oly
