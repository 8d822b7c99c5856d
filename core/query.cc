#include "query.h"

#include <fmt/format.h>

#include <algorithm>
#include <charconv>
#include <chrono>

#include "language.h"
#include "schema.h"

namespace oly {
namespace {

using Kind = QueryNode::Kind;

// ---------------------------------------------------------------------------- lexer

enum class Lex { kWord, kQuoted, kLParen, kRParen, kAnd, kOr, kNot, kNear, kPlus, kMinus, kEnd };

struct Lexeme {
  Lex type = Lex::kEnd;
  std::string text;              // word or phrase text
  std::string field;             // "title" for `title:word`, "" otherwise
  std::size_t column = 0;        // 1-based, in characters
  std::size_t value_column = 0;  // where the value after `field:` starts
  unsigned number = 0;           // ~N slack of a phrase, /N window of NEAR
  bool has_number = false;
};

bool is_space(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f';
}
bool ends_word(char c) {
  return is_space(c) || c == '(' || c == ')' || c == '"';
}

std::string lower_ascii(std::string_view s) {
  std::string out(s);
  for (char& c : out) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return out;
}

class Lexer {
 public:
  explicit Lexer(std::string_view q) : q_(q) {}

  std::vector<Lexeme> run() {
    std::vector<Lexeme> out;
    while (true) {
      while (i_ < q_.size() && is_space(q_[i_])) ++i_;
      if (i_ >= q_.size()) break;
      const std::size_t start = i_;
      Lexeme lx;
      lx.column = col(start);
      const char c = q_[i_];
      if (c == '(') {
        lx.type = Lex::kLParen;
        ++i_;
      } else if (c == ')') {
        lx.type = Lex::kRParen;
        ++i_;
      } else if (c == '"') {
        quoted(lx);
      } else if ((c == '+' || c == '-') && i_ + 1 < q_.size() && !is_space(q_[i_ + 1]) &&
                 q_[i_ + 1] != ')') {
        // `+-word` lexes as two operators, which the parser rejects: never guess.
        lx.type = c == '+' ? Lex::kPlus : Lex::kMinus;
        ++i_;
      } else {
        word(lx);
      }
      out.push_back(std::move(lx));
    }
    Lexeme end;
    end.type = Lex::kEnd;
    end.column = col(q_.size());
    out.push_back(end);
    return out;
  }

 private:
  // Columns are asked for in increasing byte order, so count from the last answer rather
  // than from the start (a 10,000-word query would otherwise be quadratic).
  std::size_t col(std::size_t byte) const {
    if (byte < col_byte_) {
      col_byte_ = 0;
      col_chars_ = 1;
    }
    for (; col_byte_ < byte && col_byte_ < q_.size(); ++col_byte_) {
      if ((static_cast<unsigned char>(q_[col_byte_]) & 0xC0) != 0x80) ++col_chars_;
    }
    return col_chars_;
  }
  mutable std::size_t col_byte_ = 0;
  mutable std::size_t col_chars_ = 1;

  // A quoted phrase, then an optional ~N slack.
  void quoted(Lexeme& lx) {
    const std::size_t open = i_;
    const std::size_t close = q_.find('"', open + 1);
    if (close == std::string_view::npos) throw QuerySyntaxError(col(open), "unbalanced quote");
    lx.type = Lex::kQuoted;
    lx.text = std::string(q_.substr(open + 1, close - open - 1));
    i_ = close + 1;
    if (i_ < q_.size() && q_[i_] == '~') {
      const std::size_t tilde = i_;
      ++i_;
      const std::size_t digits = i_;
      while (i_ < q_.size() && q_[i_] >= '0' && q_[i_] <= '9') ++i_;
      if (digits == i_ || (i_ < q_.size() && !ends_word(q_[i_]))) {
        throw QuerySyntaxError(col(tilde), "'~' after a phrase needs a number, as in \"a b\"~3");
      }
      unsigned n = 0;
      auto r = std::from_chars(q_.data() + digits, q_.data() + i_, n);
      if (r.ec != std::errc() || n > 1000) {
        throw QuerySyntaxError(col(digits), "phrase slack must be a number from 0 to 1000");
      }
      lx.number = n;
      lx.has_number = true;
    } else if (i_ < q_.size() && !ends_word(q_[i_])) {
      throw QuerySyntaxError(col(i_), "a space is needed after a closing quote");
    }
  }

  void word(Lexeme& lx) {
    const std::size_t start = i_;
    while (i_ < q_.size() && !ends_word(q_[i_])) {
      // `field:` ends the word when the name is a schema field; the value follows.
      if (q_[i_] == ':' && i_ > start) {
        const std::string name = lower_ascii(q_.substr(start, i_ - start));
        if (schema::find_field(name) != nullptr && name != "body") {
          lx.field = name;
          ++i_;
          lx.value_column = col(i_);
          if (i_ < q_.size() && q_[i_] == '"') {
            Lexeme inner;
            quoted(inner);
            lx.type = Lex::kQuoted;
            lx.text = inner.text;
            lx.number = inner.number;
            lx.has_number = inner.has_number;
            return;
          }
          const std::size_t vstart = i_;
          while (i_ < q_.size() && !ends_word(q_[i_])) ++i_;
          if (vstart == i_) {
            throw QuerySyntaxError(lx.column, "missing value after '" + name + ":'");
          }
          lx.type = Lex::kWord;
          lx.text = std::string(q_.substr(vstart, i_ - vstart));
          return;
        }
      }
      ++i_;
    }
    lx.text = std::string(q_.substr(start, i_ - start));
    lx.type = Lex::kWord;
    if (lx.text == "AND")
      lx.type = Lex::kAnd;
    else if (lx.text == "OR")
      lx.type = Lex::kOr;
    else if (lx.text == "NOT")
      lx.type = Lex::kNot;
    else if (lx.text == "NEAR" || lx.text.rfind("NEAR/", 0) == 0) {
      lx.type = Lex::kNear;
      if (lx.text.size() > 5) {
        unsigned n = 0;
        auto r = std::from_chars(lx.text.data() + 5, lx.text.data() + lx.text.size(), n);
        if (r.ec != std::errc() || r.ptr != lx.text.data() + lx.text.size() || n == 0 || n > 1000) {
          throw QuerySyntaxError(lx.column, "NEAR/N needs a window from 1 to 1000");
        }
        lx.number = n;
        lx.has_number = true;
      }
    }
  }

  std::string_view q_;
  std::size_t i_ = 0;
};

// ---------------------------------------------------------------------------- parser

enum class Mode { kDefault, kRequired, kExcluded };

constexpr int kMaxGroupDepth = 100;

class Parser {
 public:
  Parser(std::vector<Lexeme> lx, Analyzer& a, const std::vector<const Stemmer*>& s,
         const QueryOptions& o)
      : lx_(std::move(lx)), analyzer_(a), stemmers_(s), opt_(o) {}

  QueryNode parse() {
    if (peek().type == Lex::kEnd) throw QuerySyntaxError(1, "empty query");
    QueryNode n = parse_or();
    if (peek().type == Lex::kRParen) throw QuerySyntaxError(peek().column, "unbalanced ')'");
    if (peek().type != Lex::kEnd) throw QuerySyntaxError(peek().column, "unexpected input");
    return n;
  }

 private:
  const Lexeme& peek() const { return lx_[pos_]; }
  const Lexeme& next() { return lx_[pos_ < lx_.size() - 1 ? pos_++ : pos_]; }

  static bool starts_primary(Lex t) {
    return t == Lex::kWord || t == Lex::kQuoted || t == Lex::kLParen || t == Lex::kPlus ||
           t == Lex::kMinus || t == Lex::kNot;
  }

  void expect_operand(const Lexeme& op, const char* name) {
    if (!starts_primary(peek().type)) {
      throw QuerySyntaxError(op.column,
                             std::string(name) + " needs a word, phrase or group after it");
    }
  }

  struct ItemResult {
    Mode mode;
    QueryNode node;
  };

  QueryNode parse_or() {
    QueryNode left = parse_and();
    if (peek().type != Lex::kOr) return left;
    QueryNode n;
    n.kind = Kind::kOr;
    n.children.push_back(std::move(left));
    while (peek().type == Lex::kOr) {
      const Lexeme& op = next();
      expect_operand(op, "OR");
      n.children.push_back(parse_and());
    }
    return n;
  }

  // A run of items joined by nothing (the default operator), AND or NOT.
  QueryNode parse_and() {
    std::vector<ItemResult> items;
    bool and_pending = false;
    while (true) {
      const Lex t = peek().type;
      if (t == Lex::kEnd || t == Lex::kOr || t == Lex::kRParen) break;
      if (t == Lex::kAnd) {
        const Lexeme& op = next();
        if (items.empty())
          throw QuerySyntaxError(op.column, "AND needs a word, phrase or group before it");
        expect_operand(op, "AND");
        if (items.back().mode == Mode::kDefault) items.back().mode = Mode::kRequired;
        and_pending = true;
        continue;
      }
      if (t == Lex::kNear) throw QuerySyntaxError(peek().column, "NEAR needs a word before it");
      ItemResult it = parse_unary();
      if (and_pending && it.mode == Mode::kDefault) it.mode = Mode::kRequired;
      and_pending = false;
      // Filters select documents; they are never optional, even under --any.
      if (it.mode == Mode::kDefault && is_filter(it.node)) it.mode = Mode::kRequired;
      items.push_back(std::move(it));
    }
    if (items.empty()) {
      if (peek().type == Lex::kRParen && depth_ == 0)
        throw QuerySyntaxError(peek().column, "unbalanced ')'");
      throw QuerySyntaxError(peek().column, peek().type == Lex::kRParen
                                                ? "empty group '()'"
                                                : "expected a word or phrase");
    }
    if (items.size() == 1 && items[0].mode != Mode::kExcluded) return std::move(items[0].node);

    std::vector<QueryNode> required, optional, excluded;
    for (ItemResult& it : items) {
      if (it.mode == Mode::kExcluded)
        excluded.push_back(std::move(it.node));
      else if (it.mode == Mode::kRequired || !opt_.match_any)
        required.push_back(std::move(it.node));
      else
        optional.push_back(std::move(it.node));
    }
    QueryNode base;
    const bool only_filters_required =
        !required.empty() && std::all_of(required.begin(), required.end(), is_filter);
    if (only_filters_required && !optional.empty()) {
      // `--any tag:x a b`: the filter selects, and at least one word must still match.
      required.push_back(join(Kind::kOr, std::move(optional)));
      optional.clear();
      base = join(Kind::kAnd, std::move(required));
    } else if (!required.empty()) {
      base = join(Kind::kAnd, std::move(required));
      if (!optional.empty()) {
        QueryNode maybe;
        maybe.kind = Kind::kAndMaybe;
        maybe.children.push_back(std::move(base));
        maybe.children.push_back(join(Kind::kOr, std::move(optional)));
        base = std::move(maybe);
      }
    } else if (!optional.empty()) {
      base = join(Kind::kOr, std::move(optional));
    } else {
      base.kind = Kind::kAll;  // only exclusions: everything but them
      base.label = "*";
    }
    if (excluded.empty()) return base;
    QueryNode n;
    n.kind = Kind::kAndNot;
    n.children.push_back(std::move(base));
    for (auto& e : excluded) n.children.push_back(std::move(e));
    return n;
  }

  static QueryNode join(Kind k, std::vector<QueryNode> v) {
    if (v.size() == 1) return std::move(v[0]);
    QueryNode n;
    n.kind = k;
    n.children = std::move(v);
    return n;
  }

  static bool is_filter(const QueryNode& n) {
    if (n.kind == Kind::kFilter) return true;
    if (n.kind == Kind::kAnd || n.kind == Kind::kOr) {
      for (const auto& c : n.children) {
        if (!is_filter(c)) return false;
      }
      return !n.children.empty();
    }
    return false;
  }

  ItemResult parse_unary() {
    const Lexeme& t = peek();
    if (t.type == Lex::kPlus || t.type == Lex::kMinus || t.type == Lex::kNot) {
      const Lexeme& op = next();
      const char* name = op.type == Lex::kPlus ? "'+'" : op.type == Lex::kMinus ? "'-'" : "NOT";
      if (peek().type == Lex::kPlus || peek().type == Lex::kMinus || peek().type == Lex::kNot) {
        throw QuerySyntaxError(peek().column, std::string("unexpected operator after ") + name);
      }
      expect_operand(op, name);
      QueryNode n = parse_near();
      return {op.type == Lex::kPlus ? Mode::kRequired : Mode::kExcluded, std::move(n)};
    }
    return {Mode::kDefault, parse_near()};
  }

  QueryNode parse_near() {
    QueryNode left = parse_primary();
    if (peek().type != Lex::kNear) return left;
    QueryNode n;
    n.kind = Kind::kNear;
    add_near_operand(n, left, lx_[pos_ > 0 ? pos_ - 1 : 0]);
    unsigned explicit_window = 0;  // the widest NEAR/N of the chain, if any
    while (peek().type == Lex::kNear) {
      const Lexeme& op = next();
      if (op.has_number) explicit_window = std::max(explicit_window, op.number);
      if (peek().type != Lex::kWord && peek().type != Lex::kQuoted) {
        throw QuerySyntaxError(op.column, "NEAR needs a word after it");
      }
      QueryNode right = parse_primary();
      add_near_operand(n, right, op);
    }
    n.window = explicit_window ? explicit_window : opt_.near_window;
    n.label = "NEAR/" + std::to_string(n.window);
    return n;
  }

  void add_near_operand(QueryNode& near, const QueryNode& operand, const Lexeme& at) {
    const bool ok =
        (operand.kind == Kind::kTerm || (operand.kind == Kind::kPhrase && operand.window == 0));
    if (!ok || (!near.terms.empty() && operand.prefix != near.prefix)) {
      throw QuerySyntaxError(at.column, "NEAR joins words or phrases of one field only");
    }
    near.prefix = operand.prefix;
    near.terms.insert(near.terms.end(), operand.terms.begin(), operand.terms.end());
  }

  QueryNode parse_primary() {
    const Lexeme& t = next();
    switch (t.type) {
      case Lex::kLParen: {
        if (peek().type == Lex::kRParen) throw QuerySyntaxError(t.column, "empty group '()'");
        if (peek().type == Lex::kEnd)
          throw QuerySyntaxError(t.column, "unbalanced '(': no matching ')'");
        // The parser and every walk over the tree recurse once per group: bound the depth
        // so that no query can exhaust the stack (fuzz/regressions/fuzz_query).
        if (depth_ >= kMaxGroupDepth) {
          throw QuerySyntaxError(
              t.column, "groups nested deeper than " + std::to_string(kMaxGroupDepth) + " levels");
        }
        ++depth_;
        QueryNode n = parse_or();
        --depth_;
        if (peek().type != Lex::kRParen) {
          throw QuerySyntaxError(t.column, "unbalanced '(': no matching ')'");
        }
        next();
        return n;
      }
      case Lex::kWord:
      case Lex::kQuoted:
        return t.field.empty() ? text_node(t, "", true) : field_node(t);
      case Lex::kRParen:
        throw QuerySyntaxError(t.column, "unbalanced ')'");
      case Lex::kEnd:
        throw QuerySyntaxError(t.column, "unexpected end of query");
      default:
        throw QuerySyntaxError(t.column, "expected a word, phrase or group");
    }
  }

  QueryNode field_node(const Lexeme& t) {
    const schema::Field* f = schema::find_field(t.field);
    switch (f->kind) {
      case schema::FieldKind::kText:
        return text_node(t, std::string(f->prefix), true);
      case schema::FieldKind::kTextFilter: {
        QueryNode inner = text_node(t, std::string(f->prefix), false);
        QueryNode n;
        n.kind = Kind::kFilter;
        n.label = std::string(f->name) + ":" + t.text;
        n.children.push_back(std::move(inner));
        return n;
      }
      case schema::FieldKind::kExact:
      case schema::FieldKind::kRaw: {
        QueryNode n;
        n.kind = Kind::kFilter;
        std::string value = f->kind == schema::FieldKind::kRaw ? t.text : analyzer_.fold(t.text);
        // lang:fr-CA, lang:French and lang:fra are the articles' `fr` (core/language.h).
        if (f->prefix == schema::kPrefixLang)
          value = analyzer_.fold(normalize_language(t.text).code);
        if (value.empty())
          throw QuerySyntaxError(t.value_column, "empty value for " + t.field + ":");
        n.filter_term = std::string(f->prefix) + value;
        n.label = std::string(f->name) + ":" + value;
        return n;
      }
      case schema::FieldKind::kDate:
        try {
          return parse_date_filter(t.text);
        } catch (const QuerySyntaxError& e) {
          throw QuerySyntaxError(t.value_column + e.column() - 1, e.what());
        }
    }
    throw QuerySyntaxError(t.column, "unknown field");
  }

  // Words and phrases through the shared analyzer. A word that yields several tokens
  // (`Mission-Impossible`, `東京オリンピック`, `AT&T`) becomes a phrase of them.
  QueryNode text_node(const Lexeme& t, const std::string& prefix, bool stemmed) {
    std::string text = t.text;
    const bool quoted = t.type == Lex::kQuoted;
    bool wildcard = false;
    if (!quoted && text.size() > 1 && text.back() == '*') {
      wildcard = true;
      text.pop_back();
    } else if (!quoted && text == "*") {
      throw QuerySyntaxError(t.column, "a wildcard needs at least one letter before '*'");
    }
    std::vector<Token> tokens = analyzer_.tokenize(text);
    QueryNode n;
    n.prefix = prefix;
    n.label = quoted ? "\"" + t.text + "\"" : t.text;
    if (tokens.empty()) {
      throw QuerySyntaxError(t.column, "'" + t.text + "' has no searchable words");
    }
    if (wildcard) {
      if (tokens.size() != 1 || tokens[0].end != text.size()) {
        throw QuerySyntaxError(t.column, "a wildcard applies to one word: '" + t.text + "'");
      }
      n.kind = Kind::kWildcard;
      n.terms.push_back(tokens[0].term);
      n.stems.push_back("");
      return n;
    }
    for (const Token& tok : tokens) n.terms.push_back(tok.term);
    // Quoted text is exact: no stems, as in Xapian's own query language.
    if (stemmed && !quoted && tokens.size() == 1) {
      for (const Stemmer* st : stemmers_) {
        std::string s = (*st)(tokens[0]);
        if (!s.empty() && std::find(n.stems.begin(), n.stems.end(), s) == n.stems.end()) {
          n.stems.push_back(std::move(s));
        }
      }
    }
    if (tokens.size() == 1) {
      n.kind = Kind::kTerm;
      if (quoted && t.has_number) {
        throw QuerySyntaxError(t.column, "'~N' needs a phrase of two or more words");
      }
      return n;
    }
    n.kind = Kind::kPhrase;
    n.window = t.has_number ? static_cast<unsigned>(tokens.size()) + t.number : 0;
    return n;
  }

  std::vector<Lexeme> lx_;
  std::size_t pos_ = 0;
  Analyzer& analyzer_;
  const std::vector<const Stemmer*>& stemmers_;
  const QueryOptions& opt_;
  int depth_ = 0;  // open parentheses
};

// ---------------------------------------------------------------------------- dates

struct DateParts {
  int y = 0;
  unsigned m = 0, d = 0;  // 0 when not given
};

bool parse_partial_date(std::string_view s, DateParts& out) {
  auto num = [](std::string_view v, int& n) {
    if (v.empty()) return false;
    for (char c : v) {
      if (c < '0' || c > '9') return false;
    }
    return std::from_chars(v.data(), v.data() + v.size(), n).ec == std::errc();
  };
  int y, m, d;
  if (s.size() == 4 && num(s, y)) {
    out = {y, 0, 0};
    return true;
  }
  if (s.size() == 7 && s[4] == '-' && num(s.substr(0, 4), y) && num(s.substr(5, 2), m) && m >= 1 &&
      m <= 12) {
    out = {y, static_cast<unsigned>(m), 0};
    return true;
  }
  if (s.size() == 10 && s[4] == '-' && s[7] == '-' && num(s.substr(0, 4), y) &&
      num(s.substr(5, 2), m) && num(s.substr(8, 2), d)) {
    using namespace std::chrono;
    if (!year_month_day{year{y}, month{static_cast<unsigned>(m)}, day{static_cast<unsigned>(d)}}
             .ok()) {
      return false;
    }
    out = {y, static_cast<unsigned>(m), static_cast<unsigned>(d)};
    return true;
  }
  return false;
}

// Lowest or highest YYYYMMDD covered by a partial date.
std::string bound(const DateParts& p, bool high) {
  return fmt::format("{:04}{:02}{:02}", p.y, p.m ? p.m : (high ? 12u : 1u),
                     p.d ? p.d : (high ? 31u : 1u));
}

std::string show(const std::string& ymd) {
  return ymd.substr(0, 4) + "-" + ymd.substr(4, 2) + "-" + ymd.substr(6, 2);
}

}  // namespace

QueryNode parse_date_filter(std::string_view v) {
  QueryNode n;
  n.kind = Kind::kFilter;
  n.label = "date:" + std::string(v);
  const auto dots = v.find("..");
  const char* expect = "expected a date YYYY, YYYY-MM or YYYY-MM-DD";
  if (dots == std::string_view::npos) {
    DateParts p;
    if (!parse_partial_date(v, p))
      throw QuerySyntaxError(1, std::string("invalid date: ") + expect);
    if (p.d)
      n.filter_term = std::string(schema::kPrefixDay) + bound(p, false);
    else if (p.m)
      n.filter_term = std::string(schema::kPrefixMonth) + bound(p, false).substr(0, 6);
    else
      n.filter_term = std::string(schema::kPrefixYear) + bound(p, false).substr(0, 4);
    return n;
  }
  const std::string_view lo = v.substr(0, dots), hi = v.substr(dots + 2);
  if (lo.empty() && hi.empty()) throw QuerySyntaxError(1, "a date range needs at least one end");
  DateParts p;
  if (!lo.empty()) {
    if (!parse_partial_date(lo, p))
      throw QuerySyntaxError(1, std::string("invalid range start: ") + expect);
    n.range_lo = bound(p, false);
  }
  if (!hi.empty()) {
    if (!parse_partial_date(hi, p)) {
      throw QuerySyntaxError(dots + 3, std::string("invalid range end: ") + expect);
    }
    n.range_hi = bound(p, true);
  }
  if (!n.range_lo.empty() && !n.range_hi.empty() && n.range_lo > n.range_hi) {
    throw QuerySyntaxError(1, "date range ends before it starts");
  }
  return n;
}

ParsedQuery parse_query(std::string_view query, Analyzer& analyzer,
                        const std::vector<const Stemmer*>& stemmers, const QueryOptions& options) {
  ParsedQuery pq;
  pq.text = std::string(query);
  Parser p(Lexer(query).run(), analyzer, stemmers, options);
  pq.root = p.parse();
  return pq;
}

// ---------------------------------------------------------------------------- output

namespace {

Xapian::Query term_query(const QueryNode& n, const Xapian::Database* db) {
  Xapian::Query exact(n.prefix + n.terms[0]);
  if (n.stems.empty()) return exact;
  // Every word sharing a stem of the query word (in any language of the index), as one
  // BM25 term; the exact word scores again on its own, so exact matches rank above
  // stem-only ones. Xapian estimates the group's document frequency from its forms' (as
  // for an OR), which overstates it when forms co-occur: a known approximation, small on
  // real collections (tests/test_query.cc records it). OP_MAX, the alternative, uses each
  // form's own frequency and lets a rare form outrank the exact word.
  std::vector<std::string> words;
  for (const auto& s : n.stems) {
    const std::string key = std::string(schema::kPrefixStem) + n.prefix + s;
    if (!db) {
      words.push_back(key);
      continue;
    }
    for (auto w = db->synonyms_begin(key); w != db->synonyms_end(key); ++w) {
      if (std::find(words.begin(), words.end(), *w) == words.end()) words.push_back(*w);
    }
  }
  if (words.empty()) return exact;
  std::vector<Xapian::Query> parts(words.begin(), words.end());
  return Xapian::Query(Xapian::Query::OP_OR, exact,
                       Xapian::Query(Xapian::Query::OP_SYNONYM, parts.begin(), parts.end()));
}

Xapian::Query build(const QueryNode& n, const QueryOptions& o, const Xapian::Database* db) {
  switch (n.kind) {
    case Kind::kTerm:
      return term_query(n, db);
    case Kind::kPhrase:
    case Kind::kNear: {
      std::vector<Xapian::Query> parts;
      for (const auto& t : n.terms) parts.emplace_back(n.prefix + t);
      return Xapian::Query(
          n.kind == Kind::kPhrase ? Xapian::Query::OP_PHRASE : Xapian::Query::OP_NEAR,
          parts.begin(), parts.end(), n.window);
    }
    case Kind::kWildcard:
      return Xapian::Query(Xapian::Query::OP_WILDCARD, n.prefix + n.terms[0], o.wildcard_limit,
                           Xapian::Query::WILDCARD_LIMIT_MOST_FREQUENT);
    case Kind::kFilter: {
      Xapian::Query q;
      if (!n.children.empty()) {
        q = build(n.children[0], o, db);
      } else if (!n.filter_term.empty()) {
        q = Xapian::Query(n.filter_term);
      } else if (n.range_hi.empty()) {
        q = Xapian::Query(Xapian::Query::OP_VALUE_GE, schema::kSlotDate, n.range_lo);
      } else if (n.range_lo.empty()) {
        q = Xapian::Query(Xapian::Query::OP_VALUE_LE, schema::kSlotDate, n.range_hi);
      } else {
        q = Xapian::Query(Xapian::Query::OP_VALUE_RANGE, schema::kSlotDate, n.range_lo, n.range_hi);
      }
      // Weight 0: a filter selects documents but adds nothing to their score.
      return Xapian::Query(Xapian::Query::OP_SCALE_WEIGHT, q, 0.0);
    }
    case Kind::kAll:
      return Xapian::Query::MatchAll;
    case Kind::kAnd:
    case Kind::kOr:
    case Kind::kAndNot:
    case Kind::kAndMaybe: {
      std::vector<Xapian::Query> parts;
      for (const auto& c : n.children) parts.push_back(build(c, o, db));
      const auto op = n.kind == Kind::kAnd      ? Xapian::Query::OP_AND
                      : n.kind == Kind::kOr     ? Xapian::Query::OP_OR
                      : n.kind == Kind::kAndNot ? Xapian::Query::OP_AND_NOT
                                                : Xapian::Query::OP_AND_MAYBE;
      if (n.kind == Kind::kAndNot && parts.size() > 2) {
        // A AND_NOT (B OR C): Xapian's AND_NOT with more subqueries means the same.
        Xapian::Query rest(Xapian::Query::OP_OR, parts.begin() + 1, parts.end());
        return Xapian::Query(op, parts[0], rest);
      }
      return Xapian::Query(op, parts.begin(), parts.end());
    }
  }
  return Xapian::Query::MatchNothing;
}

std::string field_name(const std::string& prefix) {
  for (const auto& f : schema::kFields) {
    if (f.prefix == prefix) return std::string(f.name);
  }
  return prefix;
}

void describe(const QueryNode& n, std::string& out) {
  auto field = [&] {
    if (!n.prefix.empty()) out += field_name(n.prefix) + ":";
  };
  switch (n.kind) {
    case Kind::kTerm:
      field();
      out += "\"" + n.terms[0] + "\"";
      for (const auto& s : n.stems) out += "|stem:" + s;
      return;
    case Kind::kPhrase:
    case Kind::kNear: {
      field();
      out += n.kind == Kind::kPhrase ? "PHRASE(" : "NEAR(";
      for (std::size_t i = 0; i < n.terms.size(); ++i) out += (i ? " " : "") + n.terms[i];
      out += ")";
      if (n.window) out += "/" + std::to_string(n.window);
      return;
    }
    case Kind::kWildcard:
      field();
      out += n.terms[0] + "*";
      return;
    case Kind::kFilter:
      if (!n.children.empty()) {
        out += "FILTER(";
        describe(n.children[0], out);
        out += ")";
      } else if (!n.filter_term.empty()) {
        out += "FILTER(" + n.label + ")";
      } else {
        out += "FILTER(date " + (n.range_lo.empty() ? std::string("..") : show(n.range_lo) + "..") +
               (n.range_hi.empty() ? "" : show(n.range_hi)) + ")";
      }
      return;
    case Kind::kAll:
      out += "ALL";
      return;
    default:
      break;
  }
  const char* name = n.kind == Kind::kAnd      ? "AND"
                     : n.kind == Kind::kOr     ? "OR"
                     : n.kind == Kind::kAndNot ? "AND_NOT"
                                               : "AND_MAYBE";
  out += name;
  out += "(";
  for (std::size_t i = 0; i < n.children.size(); ++i) {
    if (i) out += ", ";
    describe(n.children[i], out);
  }
  out += ")";
}

void collect(const QueryNode& n, std::vector<MatchItem>& out) {
  switch (n.kind) {
    case Kind::kTerm:
    case Kind::kPhrase:
    case Kind::kNear:
    case Kind::kWildcard:
      out.push_back({n.kind, n.prefix, n.terms, n.stems, n.window});
      return;
    case Kind::kFilter:
    case Kind::kAll:
      return;
    case Kind::kAndNot:
      if (!n.children.empty()) collect(n.children[0], out);  // what is excluded is not shown
      return;
    default:
      for (const auto& c : n.children) collect(c, out);
  }
}

}  // namespace

Xapian::Query ParsedQuery::to_xapian(const QueryOptions& o, const Xapian::Database* db) const {
  return build(root, o, db);
}

std::string ParsedQuery::describe() const {
  std::string out;
  oly::describe(root, out);
  return out;
}

std::vector<MatchItem> ParsedQuery::match_items() const {
  std::vector<MatchItem> out;
  collect(root, out);
  return out;
}

}  // namespace oly
