// Did you mean (see suggest.h). Candidates for a word come from one scan of the index's
// terms that start with the word's first letter (allterms_begin(prefix), which every
// backend serves), plus, for a Latin first letter, the few words that differ from it in
// that letter, looked up one by one: a scan of the whole vocabulary would cost a full
// term list per word, over the network for remote shards.
#include "suggest.h"

#include <unicode/uchar.h>
#include <unicode/uscript.h>
#include <unicode/utf8.h>

#include <algorithm>
#include <map>
#include <optional>
#include <vector>

#include "query.h"
#include "schema.h"

namespace oly {
namespace {

std::u32string decode(std::string_view s) {
  std::u32string out;
  const auto* p = reinterpret_cast<const uint8_t*>(s.data());
  const auto n = static_cast<int32_t>(s.size());
  for (int32_t i = 0; i < n;) {
    UChar32 c = 0;
    U8_NEXT(p, i, n, c);
    out.push_back(c < 0 ? 0xFFFD : static_cast<char32_t>(c));
  }
  return out;
}

std::string encode(std::u32string_view s) {
  std::string out;
  for (char32_t c : s) {
    uint8_t buf[U8_MAX_LENGTH];
    int32_t len = 0;
    U8_APPEND_UNSAFE(buf, len, static_cast<UChar32>(c));
    out.append(reinterpret_cast<const char*>(buf), static_cast<std::size_t>(len));
  }
  return out;
}

// The three rows of the distance table, kept between calls: a scan measures thousands
// of terms.
class Distance {
 public:
  std::size_t operator()(std::u32string_view a, std::u32string_view b, std::size_t limit) {
    const std::size_t n = a.size(), m = b.size();
    if ((n > m ? n - m : m - n) > limit) return limit + 1;
    prev2_.assign(m + 1, 0);
    prev_.resize(m + 1);
    cur_.resize(m + 1);
    for (std::size_t j = 0; j <= m; ++j) prev_[j] = j;
    for (std::size_t i = 1; i <= n; ++i) {
      cur_[0] = i;
      std::size_t row_min = i;
      for (std::size_t j = 1; j <= m; ++j) {
        const std::size_t cost = a[i - 1] == b[j - 1] ? 0 : 1;
        std::size_t d = std::min({prev_[j] + 1, cur_[j - 1] + 1, prev_[j - 1] + cost});
        if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1]) {
          d = std::min(d, prev2_[j - 2] + 1);
        }
        cur_[j] = d;
        row_min = std::min(row_min, d);
      }
      // No later row can go below this one's minimum (a transposition from two rows back
      // costs at least what the row between already holds), so stop early.
      if (row_min > limit) return limit + 1;
      std::swap(prev2_, prev_);
      std::swap(prev_, cur_);
    }
    return std::min(prev_[m], limit + 1);
  }

 private:
  std::vector<std::size_t> prev2_, prev_, cur_;
};

bool is_space(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f';
}
// The query lexer's word ends (core/query.cc): the scan below follows its reading.
bool ends_word(char c) {
  return is_space(c) || c == '(' || c == ')' || c == '"';
}

struct Span {
  std::size_t begin, end;
};

// The query's text that holds positive words of the title or body, as the query lexer
// reads it: plain words, +words, phrases, `title:` values. Operators, excluded items
// (-x, NOT x, NOT (...)), wildcards and the values of other fields are left out.
class Spans {
 public:
  explicit Spans(std::string_view q) : q_(q) {}

  std::vector<Span> run() {
    while (skip_spaces()) {
      const char c = q_[i_];
      if (c == '(') {
        if (exclude_next_ && skip_depth_ < 0) skip_depth_ = depth_;
        exclude_next_ = false;
        ++depth_;
        ++i_;
      } else if (c == ')') {
        --depth_;
        if (depth_ == skip_depth_) skip_depth_ = -1;
        ++i_;
      } else if ((c == '+' || c == '-') && i_ + 1 < q_.size() && !is_space(q_[i_ + 1]) &&
                 q_[i_ + 1] != ')') {
        if (c == '-') exclude_next_ = true;
        ++i_;
      } else if (c == '"') {
        quoted(true);
      } else {
        word();
      }
    }
    return std::move(out_);
  }

 private:
  bool skip_spaces() {
    while (i_ < q_.size() && is_space(q_[i_])) ++i_;
    return i_ < q_.size();
  }
  bool excluded() {
    const bool e = exclude_next_ || skip_depth_ >= 0;
    exclude_next_ = false;
    return e;
  }
  void add(std::size_t b, std::size_t e, bool keep) {
    if (keep && b < e) out_.push_back({b, e});
  }
  // A phrase from its opening quote, then an optional ~N.
  void quoted(bool text) {
    const bool keep = !excluded() && text;
    const std::size_t close = q_.find('"', i_ + 1);
    const std::size_t end = close == std::string_view::npos ? q_.size() : close;
    add(i_ + 1, end, keep);
    i_ = std::min(q_.size(), end + 1);
    while (i_ < q_.size() && !ends_word(q_[i_])) ++i_;
  }
  void word() {
    const std::size_t start = i_;
    while (i_ < q_.size() && !ends_word(q_[i_])) ++i_;
    const std::string_view w = q_.substr(start, i_ - start);
    if (w == "AND" || w == "OR" || w == "NEAR" || w.rfind("NEAR/", 0) == 0) return;
    if (w == "NOT") {
      exclude_next_ = true;
      return;
    }
    const std::size_t colon = w.find(':');
    if (colon != std::string_view::npos && field_value(start, colon)) return;
    const bool keep = !excluded() && w.find('*') == std::string_view::npos;
    add(start, i_, keep);
  }
  // `name:value` with a known field: only a text field's value holds words to correct.
  bool field_value(std::size_t start, std::size_t colon) {
    std::string name(q_.substr(start, colon));
    for (char& c : name) {
      if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    }
    const schema::Field* f = schema::find_field(name);
    if (f == nullptr || name == "body") return false;
    const bool text = f->kind == schema::FieldKind::kText;
    const std::size_t v = start + colon + 1;
    if (v == i_ && i_ < q_.size() && q_[i_] == '"') {
      quoted(text);
    } else {
      const bool keep = !excluded() && text && q_.substr(v, i_ - v).find('*') == std::string::npos;
      add(v, i_, keep);
    }
    return true;
  }

  std::string_view q_;
  std::size_t i_ = 0;
  int depth_ = 0;
  int skip_depth_ = -1;  // the depth of an excluded group being skipped, or -1
  bool exclude_next_ = false;
  std::vector<Span> out_;
};

// Scripts written without spaces between words: an edit distance over their words (or
// their characters) says nothing about a typo, so they are declined, and said so.
bool unspaced_script(const Token& t) {
  if (t.kind == TokenKind::kIdeographic || t.kind == TokenKind::kKana) return true;
  UErrorCode err = U_ZERO_ERROR;
  const std::u32string w = decode(t.term);
  if (w.empty()) return false;
  switch (uscript_getScript(static_cast<UChar32>(w[0]), &err)) {
    case USCRIPT_HAN:
    case USCRIPT_HIRAGANA:
    case USCRIPT_KATAKANA:
    case USCRIPT_HANGUL:
    case USCRIPT_THAI:
    case USCRIPT_LAO:
    case USCRIPT_KHMER:
    case USCRIPT_MYANMAR:
      return true;
    default:
      return false;
  }
}

struct Candidate {
  std::string term;
  std::size_t distance = 0;
  Xapian::doccount df = 0;
  bool keeps_typed = false;  // holds every letter typed (see better())
};

// Nearest first; then the more likely intent: the more documents, where a word holding
// every letter typed counts ten times its documents (kSuggestDominance, "far more
// common"). A letter left out is the commonest slip and a swap keeps them all, so `unitd`
// means `united` rather than the as common `unit`, `finl` `final` rather than `find`, but
// `olimpic` still means `olympic` (200 articles), not `olimpico` (1). Then the term, so
// ties are the same everywhere.
double likelihood(const Candidate& c) {
  return static_cast<double>(c.df) * (c.keeps_typed ? kSuggestDominance : 1);
}
bool better(const Candidate& a, const Candidate& b) {
  if (a.distance != b.distance) return a.distance < b.distance;
  if (likelihood(a) != likelihood(b)) return likelihood(a) > likelihood(b);
  return a.term < b.term;
}

// Whether `candidate` holds every code point of `typed` at least as many times.
bool holds_all(std::u32string typed, std::u32string candidate) {
  std::sort(typed.begin(), typed.end());
  std::sort(candidate.begin(), candidate.end());
  return std::includes(candidate.begin(), candidate.end(), typed.begin(), typed.end());
}

class Finder {
 public:
  Finder(Analyzer& analyzer, const Xapian::Database& db) : analyzer_(analyzer), db_(db) {}

  // The best replacement for `term` (a word in `df` documents), if one is worth offering.
  std::optional<Candidate> best(const std::string& term, Xapian::doccount df) {
    word_ = decode(term);
    if (word_.size() < kSuggestMinLength) return std::nullopt;
    best_.reset();
    df_ = df;
    const std::size_t limit = word_.size() >= kSuggestTwoEditsFrom ? 2 : 1;
    scan(term, limit);
    first_letter_edits(term);
    return best_;
  }

 private:
  // Every term that starts with the word's first letter, within `limit` edits.
  void scan(const std::string& term, std::size_t limit) {
    const std::string first = encode(word_.substr(0, 1));
    for (auto t = db_.allterms_begin(first); t != db_.allterms_end(first); ++t) {
      const std::string& cand = *t;
      const std::size_t a = cand.size(), b = term.size();
      // A code point is 1 to 4 bytes: a length this far off is more than `limit` edits.
      if ((a > b ? a - b : b - a) > 4 * limit) continue;
      const std::u32string c = decode(cand);
      const std::size_t d = distance_(word_, c, limit);
      if (d == 0 || d > limit) continue;
      consider({cand, d, t.get_termfreq()});
    }
  }

  // A typo in a Latin first letter (`lympic`, `klympic`, `lolympic`, `loympic`): the scan
  // above cannot see these, so the 54 one-edit words that change it are looked up.
  void first_letter_edits(const std::string& term) {
    const char32_t f = word_[0];
    if (f < U'a' || f > U'z') return;
    std::vector<std::string> edits;
    const std::string rest = term.substr(1);
    edits.push_back(rest);
    if (word_.size() > 1)
      edits.push_back(encode(word_.substr(1, 1)) + term.substr(0, 1) + encode(word_.substr(2)));
    for (char c = 'a'; c <= 'z'; ++c) {
      if (c == static_cast<char>(f)) continue;
      edits.push_back(std::string(1, c) + rest);
      edits.push_back(std::string(1, c) + term);
    }
    for (const std::string& e : edits) {
      if (e.empty() || e == term) continue;
      const Xapian::doccount df = db_.get_termfreq(e);
      if (df > 0) consider({e, 1, df});
    }
  }

  void consider(Candidate c) {
    // A rare correct word keeps its spelling: only a much more common one replaces it.
    if (df_ > 0 && c.df < kSuggestDominance * df_) return;
    c.keeps_typed = holds_all(word_, decode(c.term));
    if (df_ > kSuggestOneOffDocs && !c.keeps_typed) return;
    if (best_ && !better(c, *best_)) return;
    if (!is_word(c.term)) return;
    best_ = std::move(c);
  }

  // Only a term that reads back as itself, one letter word, is offered: the rewritten
  // query must search for exactly that word.
  bool is_word(const std::string& term) {
    const std::vector<Token> t = analyzer_.tokenize(term);
    return t.size() == 1 && t[0].term == term && t[0].kind == TokenKind::kLetter &&
           t[0].begin == 0 && t[0].end == term.size();
  }

  Analyzer& analyzer_;
  const Xapian::Database& db_;
  Distance distance_;
  std::u32string word_;
  Xapian::doccount df_ = 0;
  std::optional<Candidate> best_;
};

// `term` written the way the user wrote `original`: capitalised or in capitals, except
// where capitals would turn it into an operator (AND, OR, NOT, NEAR).
std::string cased_like(std::string_view original, const std::string& term) {
  const std::u32string o = decode(original);
  std::u32string t = decode(term);
  if (o.empty() || t.empty() || !u_isupper(static_cast<UChar32>(o[0]))) return term;
  const bool all_caps =
      o.size() > 1 && std::all_of(o.begin(), o.end(), [](char32_t c) {
        return !u_isalpha(static_cast<UChar32>(c)) || u_isupper(static_cast<UChar32>(c));
      });
  const std::size_t n = all_caps ? t.size() : 1;
  for (std::size_t i = 0; i < n; ++i)
    t[i] = static_cast<char32_t>(u_toupper(static_cast<UChar32>(t[i])));
  std::string out = encode(t);
  if (out == "AND" || out == "OR" || out == "NOT" || out.rfind("NEAR", 0) == 0) {
    t = decode(term);
    t[0] = static_cast<char32_t>(u_toupper(static_cast<UChar32>(t[0])));
    out = encode(t);
  }
  return out;
}

struct Word {
  std::size_t begin, end;  // bytes of the query
  std::string term;
};

}  // namespace

std::size_t edit_distance(std::u32string_view a, std::u32string_view b, std::size_t limit) {
  Distance d;
  return d(a, b, limit);
}

Suggestion suggest_query(std::string_view query, Xapian::doccount matches, Analyzer& analyzer,
                         const Xapian::Database& db, const MatchCounter& count) {
  Suggestion s;
  std::vector<Word> words;
  for (const Span& sp : Spans(query).run()) {
    for (const Token& t : analyzer.tokenize(query.substr(sp.begin, sp.end - sp.begin))) {
      if (unspaced_script(t)) {
        s.note = "not offered for words of scripts written without spaces (" +
                 excerpt(query.substr(sp.begin + t.begin, t.end - t.begin)) + ")";
        continue;
      }
      if (t.kind != TokenKind::kLetter) continue;
      words.push_back({sp.begin + t.begin, sp.begin + t.end, t.term});
    }
  }
  // The rarest words first: they are the likely typos, and the cost is bounded.
  std::map<std::string, Xapian::doccount> df;
  for (const Word& w : words) df.try_emplace(w.term, 0);
  for (auto& [term, n] : df) n = db.get_termfreq(term);
  std::vector<std::pair<Xapian::doccount, std::string>> order;
  for (const auto& [term, n] : df) order.emplace_back(n, term);
  std::sort(order.begin(), order.end());
  if (order.size() > kSuggestMaxWords) order.resize(kSuggestMaxWords);

  Finder finder(analyzer, db);
  std::map<std::string, std::string> replace;
  for (const auto& [n, term] : order) {
    if (auto c = finder.best(term, n)) replace[term] = c->term;
  }
  if (replace.empty()) return s;
  std::string out;
  std::size_t at = 0;
  for (const Word& w : words) {
    auto r = replace.find(w.term);
    if (r == replace.end()) continue;
    out.append(query.substr(at, w.begin - at));
    out += cased_like(query.substr(w.begin, w.end - w.begin), r->second);
    at = w.end;
  }
  out.append(query.substr(at));
  // Offered only when it is shown to find more: never a rewrite that finds less.
  try {
    if (count(out) > matches) s.query = std::move(out);
  } catch (const QuerySyntaxError&) {
    // Not reached: only letters replace letters. A rewrite that does not parse is no
    // suggestion.
  }
  return s;
}

}  // namespace oly
