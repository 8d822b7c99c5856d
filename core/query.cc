#include "query.h"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <charconv>
#include <chrono>
#include <optional>
#include <unordered_map>
#include <unordered_set>

#include "cjk.h"
#include "dates.h"
#include "language.h"
#include "recency.h"
#include "schema.h"
#include "utf8.h"

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
  std::size_t text_column = 0;   // where `text` starts (inside the quotes for a phrase)
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
    check_input();
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
        lx.text_column = lx.column;
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

  // QueryOptions::plain: one word lexeme per token of the analyzer, so nothing in the text
  // can be syntax. Cutting at the analyzer's words (not at spaces) makes `title:x` or
  // `AT&T` separate words, as every other engine reading "plain words" would.
  std::vector<Lexeme> run_plain(Analyzer& analyzer) {
    check_input();
    const std::size_t dropped_before = analyzer.dropped_tokens();
    const std::vector<Token> tokens = analyzer.tokenize(q_);
    if (analyzer.dropped_tokens() != dropped_before) {
      throw QuerySyntaxError(1, fmt::format("the query has a word longer than the {}-byte term "
                                            "limit; words that long are not indexed",
                                            kMaxTermBytes));
    }
    if (tokens.empty() && q_.find_first_not_of(" \t\n\r\f") != std::string_view::npos)
      throw QuerySyntaxError(1, "the query has no searchable words");
    std::vector<Lexeme> out;
    for (const Token& t : tokens) {
      Lexeme lx;
      lx.type = Lex::kWord;
      lx.text = std::string(q_.substr(t.begin, t.end - t.begin));
      lx.column = lx.text_column = col(t.begin);
      out.push_back(std::move(lx));
    }
    Lexeme end;
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

  // The whole query is checked first: a byte limit keeps the cost of everything after
  // it bounded, and invalid UTF-8 would otherwise be dropped by the analyzer unseen.
  void check_input() const {
    if (q_.size() > kMaxQueryBytes) {
      throw QuerySyntaxError(col(utf8_floor(q_, kMaxQueryBytes)),
                             fmt::format("the query is {} bytes long; at most {} are allowed",
                                         q_.size(), kMaxQueryBytes));
    }
    const std::size_t bad = find_invalid_utf8(q_);
    if (bad != std::string_view::npos) {
      throw QuerySyntaxError(col(bad), fmt::format("invalid UTF-8 (byte 0x{:02X})",
                                                   static_cast<unsigned char>(q_[bad])));
    }
  }

  // A quoted phrase, then an optional ~N slack.
  void quoted(Lexeme& lx) {
    const std::size_t open = i_;
    const std::size_t close = q_.find('"', open + 1);
    if (close == std::string_view::npos) throw QuerySyntaxError(col(open), "unbalanced quote");
    lx.type = Lex::kQuoted;
    lx.text = std::string(q_.substr(open + 1, close - open - 1));
    lx.text_column = col(open + 1);
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

  // `name:` looks like a field name: an ASCII letter, then letters, digits, '_' or '-',
  // two characters at least. `12:30`, `C:` or `été:` are text.
  static bool field_like(std::string_view name) {
    auto letter = [](char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); };
    if (name.size() < 2 || !letter(name[0])) return false;
    return std::all_of(name.begin(), name.end(), [&](char c) {
      return letter(c) || (c >= '0' && c <= '9') || c == '_' || c == '-';
    });
  }

  static std::string unknown_field(const std::string& name) {
    std::string known;
    for (const schema::Field& f : schema::kFields) {
      if (f.name != "body" && f.kind != schema::FieldKind::kUnindexed)
        known += (known.empty() ? "" : ", ") + std::string(f.name) + ":";
    }
    if (name == "body") {
      return "'body:' is not a field: plain words search the title and the body (fields: " + known +
             ")";
    }
    return "unknown field '" + excerpt(name) + ":' (fields: " + known +
           "); put the text in quotes to search for it as words";
  }

  // The first ':' of a word decides: a known field's value follows; an unknown
  // field-like name with a value is an error (never read as text behind the user's
  // back); anything else (`12:30`, `C:`, `http://x`, `Update: ...`) stays text.
  bool field_prefix(Lexeme& lx, std::size_t start) {
    const std::string_view name = q_.substr(start, i_ - start);
    if (!field_like(name)) return false;
    const std::size_t v = i_ + 1;
    const bool has_value = v < q_.size() && !is_space(q_[v]) && q_[v] != '(' && q_[v] != ')';
    const std::string lname = lower_ascii(name);
    const schema::Field* f = schema::find_field(lname);
    // similar:ID is no field of the article but an article to search like (recency.h).
    if (lname == "similar") {
      if (!has_value) throw QuerySyntaxError(lx.column, "missing value after 'similar:'");
      field_value(lx, lname);
      return true;
    }
    if (f == nullptr || lname == "body") {
      if (!has_value || q_.substr(v, 2) == "//") return false;
      throw QuerySyntaxError(lx.column, unknown_field(lname));
    }
    if (!has_value) throw QuerySyntaxError(lx.column, "missing value after '" + lname + ":'");
    field_value(lx, lname);
    return true;
  }

  void field_value(Lexeme& lx, const std::string& name) {
    lx.field = name;
    ++i_;
    lx.value_column = col(i_);
    if (q_[i_] == '"') {
      Lexeme inner;
      quoted(inner);
      lx.type = Lex::kQuoted;
      lx.text = inner.text;
      lx.text_column = inner.text_column;
      lx.number = inner.number;
      lx.has_number = inner.has_number;
      return;
    }
    const std::size_t vstart = i_;
    while (i_ < q_.size() && !ends_word(q_[i_])) ++i_;
    lx.type = Lex::kWord;
    lx.text = std::string(q_.substr(vstart, i_ - vstart));
    lx.text_column = lx.value_column;
  }

  void word(Lexeme& lx) {
    const std::size_t start = i_;
    bool colon_seen = false;
    while (i_ < q_.size() && !ends_word(q_[i_])) {
      if (q_[i_] == ':' && !colon_seen) {
        colon_seen = true;
        if (field_prefix(lx, start)) return;
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

// Declared here, defined with the output code: the canonical reading of a node, used to
// drop repeated items.
void describe(const QueryNode& n, std::string& out);

// Keeps one of the items that read exactly like each other, counting the others in its
// `repeats`: `oil oil` matches what `oil` matches, and each repeat would cost Xapian's
// matcher a postlist per document (4,000 repeats took 27 s); but a word the query gives
// twice weighs twice (BM25's query term frequency, as the repeated items would score).
template <typename T, typename NodeOf>
void drop_repeats(std::vector<T>& items, NodeOf node_of) {
  std::unordered_map<std::string, std::size_t> seen;  // reading -> index in `kept`
  std::vector<T> kept;
  kept.reserve(items.size());
  for (T& it : items) {
    std::string key;
    describe(node_of(it), key);
    auto [at, added] = seen.emplace(std::move(key), kept.size());
    if (added)
      kept.push_back(std::move(it));
    else
      node_of(kept[at->second]).repeats += node_of(it).repeats;
  }
  items = std::move(kept);
}

// The parser's tree walks return nothing (std::nullopt) for a part of the query that
// had only ignored tokens (`&`, `(—)`, `-...`): it is left out of its group.
using MaybeNode = std::optional<QueryNode>;

class Parser {
 public:
  Parser(std::vector<Lexeme> lx, Analyzer& a, const std::vector<const Stemmer*>& s,
         const QueryOptions& o)
      : lx_(std::move(lx)), analyzer_(a), stemmers_(s), opt_(o) {}

  QueryNode parse() {
    if (peek().type == Lex::kEnd) throw QuerySyntaxError(1, "empty query");
    MaybeNode n = parse_or();
    if (peek().type == Lex::kRParen) throw QuerySyntaxError(peek().column, "unbalanced ')'");
    if (peek().type != Lex::kEnd) throw QuerySyntaxError(peek().column, "unexpected input");
    if (!n) {
      std::string list;
      for (const IgnoredToken& t : ignored_) list += (list.empty() ? "'" : ", '") + t.text + "'";
      throw QuerySyntaxError(ignored_.empty() ? 1 : ignored_[0].column,
                             "the query has no searchable words (ignored: " + list + ")");
    }
    return std::move(*n);
  }

  std::vector<IgnoredToken> take_ignored() { return std::move(ignored_); }

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

  MaybeNode parse_or() {
    MaybeNode left = parse_and();
    if (peek().type != Lex::kOr) return left;
    std::vector<QueryNode> children;
    if (left) children.push_back(std::move(*left));
    while (peek().type == Lex::kOr) {
      const Lexeme& op = next();
      expect_operand(op, "OR");
      if (MaybeNode right = parse_and()) children.push_back(std::move(*right));
    }
    drop_repeats(children, [](QueryNode& n) -> QueryNode& { return n; });
    if (children.empty()) return std::nullopt;
    return join(Kind::kOr, std::move(children));
  }

  // A run of items joined by nothing (the default operator), AND or NOT.
  MaybeNode parse_and() {
    std::vector<ItemResult> items;
    bool and_pending = false;
    bool any_ignored = false;  // an item had no searchable word
    while (true) {
      const Lex t = peek().type;
      if (t == Lex::kEnd || t == Lex::kOr || t == Lex::kRParen) break;
      if (t == Lex::kAnd) {
        const Lexeme& op = next();
        if (items.empty() && !any_ignored)
          throw QuerySyntaxError(op.column, "AND needs a word, phrase or group before it");
        expect_operand(op, "AND");
        if (!items.empty() && items.back().mode == Mode::kDefault)
          items.back().mode = Mode::kRequired;
        and_pending = true;
        continue;
      }
      if (t == Lex::kNear) throw QuerySyntaxError(peek().column, "NEAR needs a word before it");
      std::optional<ItemResult> it = parse_unary();
      if (!it) {
        any_ignored = true;
        continue;
      }
      if (and_pending && it->mode == Mode::kDefault) it->mode = Mode::kRequired;
      and_pending = false;
      // Filters select documents; they are never optional, even under --any.
      if (it->mode == Mode::kDefault && is_filter(it->node)) it->mode = Mode::kRequired;
      items.push_back(std::move(*it));
    }
    if (items.empty()) {
      if (any_ignored) return std::nullopt;
      if (peek().type == Lex::kRParen && depth_ == 0)
        throw QuerySyntaxError(peek().column, "unbalanced ')'");
      throw QuerySyntaxError(peek().column, peek().type == Lex::kRParen
                                                ? "empty group '()'"
                                                : "expected a word or phrase");
    }
    return combine(std::move(items));
  }

  // Required, optional (--any) and excluded items into one node.
  QueryNode combine(std::vector<ItemResult> items) const {
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
    auto self = [](QueryNode& n) -> QueryNode& { return n; };
    drop_repeats(required, self);
    drop_repeats(optional, self);
    drop_repeats(excluded, self);
    for (QueryNode& n : excluded) n.repeats = 1;  // excluded: it never scores
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

  // `-&` or `NOT ...` excludes nothing: the item is left out with its token.
  std::optional<ItemResult> parse_unary() {
    const Lexeme& t = peek();
    if (t.type == Lex::kPlus || t.type == Lex::kMinus || t.type == Lex::kNot) {
      const Lexeme& op = next();
      const char* name = op.type == Lex::kPlus ? "'+'" : op.type == Lex::kMinus ? "'-'" : "NOT";
      if (peek().type == Lex::kPlus || peek().type == Lex::kMinus || peek().type == Lex::kNot) {
        throw QuerySyntaxError(peek().column, std::string("unexpected operator after ") + name);
      }
      expect_operand(op, name);
      MaybeNode n = parse_near();
      if (!n) return std::nullopt;
      return ItemResult{op.type == Lex::kPlus ? Mode::kRequired : Mode::kExcluded, std::move(*n)};
    }
    MaybeNode n = parse_near();
    if (!n) return std::nullopt;
    return ItemResult{Mode::kDefault, std::move(*n)};
  }

  MaybeNode parse_near() {
    const Lexeme& first = peek();
    MaybeNode left = parse_primary();
    if (peek().type != Lex::kNear) return left;
    QueryNode n;
    n.kind = Kind::kNear;
    add_near_operand(n, left, first);
    unsigned explicit_window = 0;  // the widest NEAR/N of the chain, if any
    while (peek().type == Lex::kNear) {
      const Lexeme& op = next();
      if (op.has_number) explicit_window = std::max(explicit_window, op.number);
      if (peek().type != Lex::kWord && peek().type != Lex::kQuoted) {
        throw QuerySyntaxError(op.column, "NEAR needs a word after it");
      }
      const Lexeme& operand = peek();
      MaybeNode right = parse_primary();
      add_near_operand(n, right, operand);
    }
    n.window = explicit_window ? explicit_window : opt_.near_window;
    n.label = "NEAR/" + std::to_string(n.window);
    return n;
  }

  // Xapian 1.4's OP_NEAR takes single terms only (a phrase inside it throws
  // UnimplementedError), and flattening a phrase into NEAR's words would match articles
  // without the phrase: a phrase operand is an error at its column.
  void add_near_operand(QueryNode& near, const MaybeNode& operand, const Lexeme& at) {
    if (!operand) {
      throw QuerySyntaxError(
          at.column, "NEAR needs a searchable word on each side, not '" + excerpt(at.text) + "'");
    }
    if (operand->kind == Kind::kPhrase) {
      throw QuerySyntaxError(
          at.column, "NEAR joins single words; " + excerpt(operand->label) +
                         " is a phrase (a phrase inside NEAR is not supported: use AND, or a "
                         "phrase with slack such as \"a b\"~3)");
    }
    if (operand->kind != Kind::kTerm || (!near.terms.empty() && operand->prefix != near.prefix)) {
      throw QuerySyntaxError(at.column, "NEAR joins words or phrases of one field only");
    }
    near.prefix = operand->prefix;
    near.terms.insert(near.terms.end(), operand->terms.begin(), operand->terms.end());
  }

  MaybeNode parse_primary() {
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
        MaybeNode n = parse_or();
        --depth_;
        if (peek().type != Lex::kRParen) {
          throw QuerySyntaxError(t.column, "unbalanced '(': no matching ')'");
        }
        next();
        return n;
      }
      case Lex::kWord:
      case Lex::kQuoted:
        if (!t.field.empty()) return field_node(t);
        return text_node(t, "", true);
      case Lex::kRParen:
        throw QuerySyntaxError(t.column, "unbalanced ')'");
      case Lex::kEnd:
        throw QuerySyntaxError(t.column, "unexpected end of query");
      default:
        throw QuerySyntaxError(t.column, "expected a word, phrase or group");
    }
  }

  // similar:ID names an article by its id, exactly as `id:` does (raw, not folded).
  QueryNode similar_node(const Lexeme& t) {
    count_words(t, 1);
    if (t.text.empty()) throw QuerySyntaxError(t.value_column, "empty value for similar:");
    QueryNode n;
    n.kind = Kind::kSimilar;
    n.filter_term = std::string(schema::kPrefixId) + t.text;
    n.label = t.text;
    n.column = t.value_column;
    return n;
  }

  // Counts analysed words against kMaxQueryWords.
  void count_words(const Lexeme& t, std::size_t n) {
    words_ += n;
    if (words_ > kMaxQueryWords) {
      throw QuerySyntaxError(t.column,
                             fmt::format("the query has more than {} words", kMaxQueryWords));
    }
  }

  QueryNode field_node(const Lexeme& t) {
    if (t.field == "similar") return similar_node(t);
    const schema::Field* f = schema::find_field(t.field);
    switch (f->kind) {
      case schema::FieldKind::kText:
        return field_text(t, *f, true);
      case schema::FieldKind::kTextFilter: {
        QueryNode inner = field_text(t, *f, false);
        QueryNode n;
        n.kind = Kind::kFilter;
        n.label = std::string(f->name) + ":" + t.text;
        n.children.push_back(std::move(inner));
        return n;
      }
      case schema::FieldKind::kExact:
      case schema::FieldKind::kRaw: {
        count_words(t, 1);
        QueryNode n;
        n.kind = Kind::kFilter;
        std::string value = f->kind == schema::FieldKind::kRaw ? t.text : analyzer_.fold(t.text);
        // lang:fr-CA, lang:French and lang:fra are the articles' `fr` (core/language.h).
        if (f->prefix == schema::kPrefixLang)
          value = analyzer_.fold(normalize_language(t.text).code);
        // Whole values are indexed without surrounding spaces (core/document.cc): from:" AP "
        // is from:AP, and from:"  " is empty.
        if (f->kind == schema::FieldKind::kExact) {
          value.erase(0, std::min(value.find_first_not_of(' '), value.size()));
          value.erase(value.find_last_not_of(' ') + 1);
        }
        if (value.empty())
          throw QuerySyntaxError(t.value_column, "empty value for " + t.field + ":");
        if (f->kind == schema::FieldKind::kExact && t.type == Lex::kWord && value.back() == '*') {
          throw QuerySyntaxError(t.value_column + char_count(t.text) - 1,
                                 "wildcards work on words, not on " + t.field + ": values");
        }
        n.filter_term = std::string(f->prefix) + value;
        n.label = std::string(f->name) + ":" + value;
        return n;
      }
      case schema::FieldKind::kLookup:
        count_words(t, 1);
        return lookup_node(t, *f);
      case schema::FieldKind::kUnindexed:  // not reached: find_field() skips it
        break;
      case schema::FieldKind::kDate:
        count_words(t, 1);
        try {
          return parse_date_filter(t.text, opt_.today);
        } catch (const QuerySyntaxError& e) {
          throw QuerySyntaxError(t.value_column + e.column() - 1, e.what());
        }
    }
    throw QuerySyntaxError(t.column, "unknown field");
  }

  // `games:winter`, `country:japon`: the field's vocabulary says which values the text
  // means; several are OR-ed. Unknown text is an error, never a filter that matches nothing.
  // A vocabulary value starts and ends with a letter or digit (a final full stop is
  // allowed: `country:U.S.`): the resolvers fold punctuation away, so `games:tokyo*`,
  // `country:-JPN` (meant as "not"), `games:tokyo!!` or `country:+JPN` would otherwise be
  // read quietly as another value.
  static void reject_loose_value(const Lexeme& t) {
    auto loose = [](char c, bool last) {
      const auto u = static_cast<unsigned char>(c);
      return u < 0x80 && !std::isalnum(u) && !(last && c == '.');
    };
    const std::string& v = t.text;
    std::size_t bad = v.find('*');
    if (bad == std::string::npos && loose(v.front(), false)) bad = 0;
    if (bad == std::string::npos && loose(v.back(), true)) bad = v.size() - 1;
    if (bad == std::string::npos) return;
    std::string why = v[bad] == '*' ? "wildcards work on words, not on " + t.field + ": values"
                                    : t.field + ": values are names or codes: remove '" +
                                          std::string(1, v[bad]) + "'";
    if (v[bad] == '-' && bad == 0) why += " (to exclude, write -" + t.field + ":VALUE)";
    throw QuerySyntaxError(column_in(t, bad), why);
  }

  QueryNode lookup_node(const Lexeme& t, const schema::Field& f) {
    std::vector<std::string> values;
    std::string error;
    if (t.text.empty()) throw QuerySyntaxError(t.value_column, "empty value for " + t.field + ":");
    reject_loose_value(t);
    if (!f.resolve(t.text, values, error) || values.empty()) {
      throw QuerySyntaxError(t.value_column,
                             error.empty() ? "unknown " + t.field + ": value" : error);
    }
    QueryNode n;
    n.kind = Kind::kFilter;
    n.label = std::string(f.name) + ":" + t.text;
    auto term = [&](const std::string& v) { return schema::lookup_term(f.prefix, v); };
    if (values.size() == 1) {
      n.filter_term = term(values[0]);
      // --explain shows what the name was resolved to: `country:KOR from south korea`.
      if (values[0] != t.text) n.label = std::string(f.name) + ":" + values[0] + " from " + t.text;
      return n;
    }
    QueryNode any;
    any.kind = Kind::kOr;
    for (const std::string& v : values) {
      QueryNode one;
      one.kind = Kind::kFilter;
      one.filter_term = term(v);
      one.label = std::string(f.name) + ":" + v;
      any.children.push_back(std::move(one));
    }
    n.children.push_back(std::move(any));
    return n;
  }

  // A field's text must have a searchable word: ignoring it would drop the field's
  // condition.
  QueryNode field_text(const Lexeme& t, const schema::Field& f, bool stemmed) {
    MaybeNode n = text_node(t, std::string(f.prefix), stemmed);
    if (!n) {
      throw QuerySyntaxError(t.column, "'" + excerpt(t.text) + "' has no searchable words");
    }
    return std::move(*n);
  }

  static std::size_t char_count(std::string_view s) {
    return static_cast<std::size_t>(std::count_if(
        s.begin(), s.end(), [](char c) { return (static_cast<unsigned char>(c) & 0xC0) != 0x80; }));
  }
  // Column of byte `b` of a lexeme's text.
  static std::size_t column_in(const Lexeme& t, std::size_t b) {
    return t.text_column + char_count(std::string_view(t.text).substr(0, b));
  }

  // Syntax we do not have must not be read as text: `pric*` inside a phrase, `*` inside a
  // word, fuzzy `bolt~2`, boost `bolt^2`.
  static void reject_unsupported(const Lexeme& t, bool quoted) {
    const std::string& s = t.text;
    const std::size_t star = s.find('*');
    if (quoted && star != std::string::npos) {
      throw QuerySyntaxError(column_in(t, star),
                             "wildcards do not work inside a phrase: '" + excerpt(s) + "'");
    }
    if (!quoted && star != std::string::npos && star + 1 < s.size() &&
        s.find_first_not_of('*', star) != std::string::npos) {
      throw QuerySyntaxError(column_in(t, star),
                             "'*' works only at the end of a word: '" + excerpt(s) + "'");
    }
    if (quoted) return;
    // `word~`, `word~2`, `word^2.5`: a suffix of '~' or '^' and digits after some text.
    const std::size_t op = s.find_last_of("~^");
    if (op == std::string::npos || op == 0) return;
    // ... after a word character: `~_~_~` or `^^` are punctuation, ignored.
    const auto before = static_cast<unsigned char>(s[op - 1]);
    if (before < 0x80 && !std::isalnum(before)) return;
    if (s.find_first_not_of("0123456789.", op + 1) != std::string::npos) return;
    throw QuerySyntaxError(column_in(t, op), s[op] == '~'
                                                 ? "fuzzy matching ('word~N') is not supported"
                                                 : "boosting ('word^N') is not supported");
  }

  // Words and phrases through the shared analyzer. A word that yields several tokens
  // (`Mission-Impossible`, `東京オリンピック`, `AT&T`) becomes a phrase of them. A word
  // with no searchable token at all (`&`, `—`, an emoji) is ignored and recorded.
  MaybeNode text_node(const Lexeme& t, const std::string& prefix, bool stemmed) {
    std::string text = t.text;
    const bool quoted = t.type == Lex::kQuoted;
    reject_unsupported(t, quoted);
    bool wildcard = false;
    if (!quoted && text.size() > 1 && text.back() == '*') {
      wildcard = true;
      text.pop_back();
    }
    const std::size_t dropped_before = analyzer_.dropped_tokens();
    std::vector<Token> tokens = analyzer_.tokenize(text);
    if (analyzer_.dropped_tokens() != dropped_before) {
      throw QuerySyntaxError(
          t.column, fmt::format("'{}' has a word longer than the {}-byte term limit; words that "
                                "long are not indexed",
                                excerpt(t.text), kMaxTermBytes));
    }
    if (tokens.empty()) {
      ignored_.push_back({excerpt(quoted ? "\"" + t.text + "\"" : t.text), t.column});
      return std::nullopt;
    }
    count_words(t, tokens.size());
    QueryNode n;
    n.prefix = prefix;
    n.label = quoted ? "\"" + t.text + "\"" : t.text;
    if (wildcard) {
      if (tokens.size() != 1 || tokens[0].end != text.size()) {
        throw QuerySyntaxError(t.column,
                               "a wildcard applies to one word: '" + excerpt(t.text) + "'");
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
      add_cjk_units(n, text, tokens);
      return n;
    }
    n.kind = Kind::kPhrase;
    n.window = t.has_number ? static_cast<unsigned>(tokens.size()) + t.number : 0;
    add_cjk_units(n, text, tokens);
    return n;
  }

  // CJK sub-words (core/cjk.h): a CJK word or exact phrase also matches as a run of
  // characters, inside longer dictionary words and across their boundaries. A sloppy
  // phrase counts words, which characters cannot stand for, so it matches words only.
  void add_cjk_units(QueryNode& n, const std::string& text, const std::vector<Token>& tokens) {
    if (n.kind == Kind::kPhrase && n.window != 0) return;
    n.units = cjk::query_units(text, tokens, analyzer_);
  }

  std::vector<Lexeme> lx_;
  std::size_t pos_ = 0;
  Analyzer& analyzer_;
  const std::vector<const Stemmer*>& stemmers_;
  const QueryOptions& opt_;
  int depth_ = 0;  // open parentheses
  std::size_t words_ = 0;
  std::vector<IgnoredToken> ignored_;
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

std::string excerpt(std::string_view text, std::size_t max_chars) {
  std::string out;
  std::size_t chars = 0;
  for (std::size_t i = 0; i < text.size(); ++i) {
    const auto c = static_cast<unsigned char>(text[i]);
    if ((c & 0xC0) != 0x80 && chars++ == max_chars) {
      out += "\u2026";
      break;
    }
    out += c < 0x20 || c == 0x7F ? ' ' : static_cast<char>(c);
  }
  return out;
}

QueryNode parse_date_filter(std::string_view v, std::string_view today) {
  QueryNode n;
  n.kind = Kind::kFilter;
  n.label = "date:" + std::string(v);
  const char* expect =
      "expected a date YYYY, YYYY-MM or YYYY-MM-DD, or today, yesterday, Nd, Nw, Nm, Ny, "
      "this-week, last-week, this-month, last-month, this-year, last-year";
  std::string day;  // today as YYYY-MM-DD, read once when a relative form needs it
  // A relative form (core/dates.h), or nullopt when `s` is not written as one.
  auto relative = [&](std::string_view s, std::size_t column) -> std::optional<RelativeDate> {
    if (day.empty()) day = today_utc(today);
    try {
      std::optional<RelativeDate> r = resolve_relative_date(s, day);
      if (r) n.resolved_from = std::string(v) + ", today " + day;
      return r;
    } catch (const RelativeDateError& e) {
      throw QuerySyntaxError(column + e.column() - 1, e.what());
    }
  };
  const auto dots = v.find("..");
  if (dots == std::string_view::npos) {
    DateParts p;
    if (parse_partial_date(v, p)) {
      if (p.d)
        n.filter_term = std::string(schema::kPrefixDay) + bound(p, false);
      else if (p.m)
        n.filter_term = std::string(schema::kPrefixMonth) + bound(p, false).substr(0, 6);
      else
        n.filter_term = std::string(schema::kPrefixYear) + bound(p, false).substr(0, 4);
      return n;
    }
    const std::optional<RelativeDate> r = relative(v, 1);
    if (!r) throw QuerySyntaxError(1, std::string("invalid date: ") + expect);
    // `date:7d` is the day 7 days ago up to today; a named period is all of its days.
    n.range_lo = r->period.lo;
    n.range_hi = r->counted ? day.substr(0, 4) + day.substr(5, 2) + day.substr(8, 2) : r->period.hi;
    return n;
  }
  const std::string_view lo = v.substr(0, dots), hi = v.substr(dots + 2);
  if (lo.empty() && hi.empty()) throw QuerySyntaxError(1, "a date range needs at least one end");
  // A range end: an absolute date's first or last day, or a relative form's.
  auto end = [&](std::string_view s, std::size_t column, bool high) {
    DateParts p;
    if (parse_partial_date(s, p)) return bound(p, high);
    const std::optional<RelativeDate> r = relative(s, column);
    if (!r) {
      throw QuerySyntaxError(
          column, std::string(high ? "invalid range end: " : "invalid range start: ") + expect);
    }
    return high ? r->period.hi : r->period.lo;
  };
  if (!lo.empty()) n.range_lo = end(lo, 1, false);
  if (!hi.empty()) n.range_hi = end(hi, dots + 3, true);
  if (!n.range_lo.empty() && !n.range_hi.empty() && n.range_lo > n.range_hi) {
    std::string what = "date range ends before it starts";
    if (!n.resolved_from.empty()) {
      what += " (" + show(n.range_lo) + ".." + show(n.range_hi) + " from " + n.resolved_from + ")";
    }
    throw QuerySyntaxError(1, what);
  }
  return n;
}

ParsedQuery parse_query(std::string_view query, Analyzer& analyzer,
                        const std::vector<const Stemmer*>& stemmers, const QueryOptions& options) {
  ParsedQuery pq;
  pq.text = std::string(query);
  Lexer lexer(query);
  Parser p(options.plain ? lexer.run_plain(analyzer) : lexer.run(), analyzer, stemmers, options);
  pq.root = p.parse();
  pq.ignored = p.take_ignored();
  return pq;
}

// ---------------------------------------------------------------------------- output

namespace {

Xapian::Query term_query(const QueryNode& n, StemMode mode) {
  Xapian::Query exact(n.prefix + n.terms[0]);
  if (n.stems.empty() || mode == StemMode::kExact) return exact;
  // The word's stem in each query language is a term of every document holding a form of
  // it ("Z" + field prefix + stem, no positions).
  //
  // The exact word is always a part of its own: it is not always under one of these
  // stems. A document of a language the query is not stemmed in (`--language xx`) has
  // the stem of its own language, and a document of a language without a stemmer (ja, an
  // unknown tag) has no stems at all; both must still match their exact word. The price
  // is Xapian's estimate for large results: it counts the documents holding both once
  // per part (the bounds stay true, and the searcher counts the first 10,000 matches
  // exactly; tests/test_query.cc records it).
  std::vector<Xapian::Query> parts;
  for (const auto& s : n.stems) parts.emplace_back(std::string(schema::kPrefixStem) + n.prefix + s);
  // The word's forms: its stems in every query language, one BM25 term.
  const Xapian::Query forms =
      parts.size() == 1 ? parts[0]
                        : Xapian::Query(Xapian::Query::OP_SYNONYM, parts.begin(), parts.end());
  if (mode == StemMode::kTiebreak) {
    // With the stem, the exact form adds its share (AND_MAYBE: no match of its own); where
    // the stem is missing, the exact form is the word at full weight. The matches are
    // the stems' and the exact form's, and Xapian's bounds count them as OR(stems, exact).
    const Xapian::Query bonus(Xapian::Query::OP_SCALE_WEIGHT, exact, kExactTiebreakShare);
    return Xapian::Query(Xapian::Query::OP_OR,
                         Xapian::Query(Xapian::Query::OP_AND_MAYBE, forms, bonus),
                         Xapian::Query(Xapian::Query::OP_AND_NOT, exact, forms));
  }
  if (mode == StemMode::kOr) {
    // Before issue 16: the stems as one synonym, OR'd with the exact word as a second
    // BM25 term (see RankingOptions).
    return Xapian::Query(Xapian::Query::OP_OR, forms, exact);
  }
  // One BM25 term for the word: its wdf in a document is the count of all its forms plus
  // that of the exact form, so the exact form counts extra but the word saturates once
  // and has one idf, like every other word of the query (tests/test_ranking.cc).
  parts.push_back(exact);
  return Xapian::Query(Xapian::Query::OP_SYNONYM, parts.begin(), parts.end());
}

// The character run's share of a CJK word's score. At 1 a text that repeats a character
// run inside other words (選手権, nine times) could outrank texts holding the word itself;
// at 0.5 that happened for 1 of the 442 wikinews-ja articles holding 選手 (6 at 1). Whole
// words still rank first when all else is equal, and in a multi-word query a sub-word
// match still counts.
constexpr double kCjkRunScale = 0.5;

Xapian::Query cjk_run(const std::string& prefix, const std::vector<std::string>& units) {
  std::vector<Xapian::Query> parts;
  for (const auto& u : units) parts.emplace_back(prefix + u);
  if (parts.size() == 1) return parts[0];
  return Xapian::Query(Xapian::Query::OP_PHRASE, parts.begin(), parts.end());
}

// A CJK word or phrase: its words, or the run of its character units (core/cjk.h), with
// its separators or without. A text holding the whole words matches both the words and
// the run, and so ranks above one holding the run only (the run's weight is scaled down).
Xapian::Query with_cjk_units(const QueryNode& n, Xapian::Query words) {
  if (n.units.empty()) return words;
  const std::string prefix = std::string(schema::kPrefixCjk) + n.prefix;
  Xapian::Query run = cjk_run(prefix, n.units);
  const std::vector<std::string> joined = cjk::without_breaks(n.units);
  if (!joined.empty()) run = Xapian::Query(Xapian::Query::OP_OR, run, cjk_run(prefix, joined));
  return Xapian::Query(Xapian::Query::OP_OR, words,
                       Xapian::Query(Xapian::Query::OP_SCALE_WEIGHT, run, kCjkRunScale));
}

// A wildcard, expanded here over the whole index set's term list rather than by Xapian's
// OP_WILDCARD: that expands in each sub-database on its own, so over shards the
// expansion's statistics (and every score) differed from one index's. Past the limit the
// most frequent terms are kept (ties by term, so every layout keeps the same ones), as
// WILDCARD_LIMIT_MOST_FREQUENT does. The terms are combined with OP_OR (below).
Xapian::Query wildcard_query(const std::string& stem, const QueryOptions& o,
                             const Xapian::Database* db) {
  if (!db) {
    return Xapian::Query(Xapian::Query::OP_WILDCARD, stem, o.wildcard_limit,
                         Xapian::Query::WILDCARD_LIMIT_MOST_FREQUENT, Xapian::Query::OP_OR);
  }
  std::vector<std::pair<Xapian::doccount, std::string>> terms;
  for (auto t = db->allterms_begin(stem); t != db->allterms_end(stem); ++t) {
    terms.emplace_back(t.get_termfreq(), *t);
  }
  if (o.wildcard_limit > 0 && terms.size() > o.wildcard_limit) {
    std::sort(terms.begin(), terms.end(), [](const auto& a, const auto& b) {
      return a.first != b.first ? a.first > b.first : a.second < b.second;
    });
    terms.resize(o.wildcard_limit);
    std::sort(terms.begin(), terms.end(),
              [](const auto& a, const auto& b) { return a.second < b.second; });
  }
  std::vector<Xapian::Query> parts;
  parts.reserve(terms.size());
  for (const auto& t : terms) parts.emplace_back(t.second);
  // OP_OR, each term with its own, index-wide statistics: a synonym's document frequency
  // is estimated per shard from the terms that shard holds, so an article's score would
  // depend on its shard. Not OP_MAX (the best expansion's score): Xapian 1.4.22 crashes
  // (SIGSEGV in get_mset) on an OP_MAX beside a word of every document, under --collapse,
  // --feedback or a check of every match (`--any "pre* the pre*"` over TIME's articles;
  // tests/test_ranking.cc). So an article holding several of the expansions scores more:
  // a KNOWN FLAW (a short prefix outweighs the other words; test_ranking.cc, [!shouldfail]).
  return Xapian::Query(Xapian::Query::OP_OR, parts.begin(), parts.end());
}

Xapian::Query build_once(const QueryNode& n, const QueryOptions& o, const Xapian::Database* db);

// A node the query gave `repeats` times scores that many times (filters score nothing).
Xapian::Query build(const QueryNode& n, const QueryOptions& o, const Xapian::Database* db) {
  Xapian::Query q = build_once(n, o, db);
  if (n.repeats <= 1 || n.kind == Kind::kFilter) return q;
  return Xapian::Query(Xapian::Query::OP_SCALE_WEIGHT, q, static_cast<double>(n.repeats));
}

Xapian::Query build_once(const QueryNode& n, const QueryOptions& o, const Xapian::Database* db) {
  switch (n.kind) {
    case Kind::kTerm:
      return with_cjk_units(n, term_query(n, o.ranking.stems));
    case Kind::kPhrase:
    case Kind::kNear: {
      std::vector<Xapian::Query> parts;
      for (const auto& t : n.terms) parts.emplace_back(n.prefix + t);
      return with_cjk_units(n, Xapian::Query(n.kind == Kind::kPhrase ? Xapian::Query::OP_PHRASE
                                                                     : Xapian::Query::OP_NEAR,
                                             parts.begin(), parts.end(), n.window));
    }
    case Kind::kWildcard:
      return wildcard_query(n.prefix + n.terms[0], o, db);
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
    case Kind::kSimilar:
      if (!db) throw QuerySyntaxError(n.column, "similar: needs the index to read the article");
      try {
        return similar_query(*db, n.label);
      } catch (const std::out_of_range& e) {
        throw QuerySyntaxError(n.column, std::string("similar: ") + e.what());
      }
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

// `|chars(東 京)`: the CJK character run also searched; `/` marks a break unit (spaces or
// punctuation between two CJK words: the text may have a separator there or none).
void describe_cjk_units(const QueryNode& n, std::string& out) {
  if (n.units.empty()) return;
  out += "|chars(";
  for (std::size_t i = 0; i < n.units.size(); ++i) {
    if (i) out += ' ';
    out += n.units[i] == cjk::kBreak ? std::string("/") : n.units[i];
  }
  out += ")";
}

void describe_once(const QueryNode& n, std::string& out);

void describe(const QueryNode& n, std::string& out) {
  describe_once(n, out);
  // A word or phrase the query gave several times counts that many times (build()).
  if (n.repeats > 1 && n.kind != Kind::kFilter) out += "\u00d7" + std::to_string(n.repeats);
}

void describe_once(const QueryNode& n, std::string& out) {
  auto field = [&] {
    if (!n.prefix.empty()) out += field_name(n.prefix) + ":";
  };
  switch (n.kind) {
    case Kind::kTerm:
      field();
      out += "\"" + n.terms[0] + "\"";
      for (const auto& s : n.stems) out += "|stem:" + s;
      describe_cjk_units(n, out);
      return;
    case Kind::kPhrase:
    case Kind::kNear: {
      field();
      out += n.kind == Kind::kPhrase ? "PHRASE(" : "NEAR(";
      for (std::size_t i = 0; i < n.terms.size(); ++i) out += (i ? " " : "") + n.terms[i];
      out += ")";
      if (n.window) out += "/" + std::to_string(n.window);
      describe_cjk_units(n, out);
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
               (n.range_hi.empty() ? "" : show(n.range_hi));
        // A relative date says what it was resolved against: tomorrow it means other days.
        if (!n.resolved_from.empty()) out += " from " + n.resolved_from;
        out += ")";
      }
      return;
    case Kind::kAll:
      out += "ALL";
      return;
    case Kind::kSimilar:
      out += "SIMILAR(" + n.label + ")";
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
      out.push_back({n.kind, n.prefix, n.terms, n.stems, n.window, n.units});
      return;
    case Kind::kFilter:
    case Kind::kAll:
    case Kind::kSimilar:  // its terms are chosen at search time: no highlights (README)
      return;
    case Kind::kAndNot:
      if (!n.children.empty()) collect(n.children[0], out);  // what is excluded is not shown
      return;
    default:
      for (const auto& c : n.children) collect(c, out);
  }
}

// The positive words of the query in order, for proximity. Anything else that is
// positive (a phrase, a wildcard, a group's end) is a break (an empty term), so that only
// words written next to each other make a pair.
void proximity_words(const QueryNode& n, std::vector<ProximityWord>& out) {
  switch (n.kind) {
    case Kind::kTerm:
      out.push_back({n.prefix, n.terms[0]});
      return;
    case Kind::kFilter:
    case Kind::kAll:
      return;
    case Kind::kAndNot:
      if (!n.children.empty()) proximity_words(n.children[0], out);
      out.push_back({});
      return;
    case Kind::kAnd:
    case Kind::kOr:
    case Kind::kAndMaybe:
      for (const auto& c : n.children) proximity_words(c, out);
      out.push_back({});
      return;
    default:
      out.push_back({});
  }
}

}  // namespace

Xapian::Query ParsedQuery::to_xapian(const QueryOptions& o, const Xapian::Database* db) const {
  Xapian::Query q = build(root, o, db);
  if (!o.ranking.proximity) return q;
  std::vector<ProximityWord> words;
  proximity_words(root, words);
  return with_proximity(std::move(q), words);
}

std::string ParsedQuery::describe() const {
  std::string out;
  oly::describe(root, out);
  for (std::size_t i = 0; i < ignored.size(); ++i) {
    out += (i ? ", '" : " IGNORED('") + ignored[i].text + "'";
  }
  if (!ignored.empty()) out += ")";
  return out;
}

std::vector<MatchItem> ParsedQuery::match_items() const {
  std::vector<MatchItem> all;
  collect(root, all);
  // One item per distinct word or phrase, however often the query repeats it.
  std::vector<MatchItem> out;
  for (MatchItem& m : all) {
    const bool seen = std::any_of(out.begin(), out.end(), [&](const MatchItem& o) {
      return o.kind == m.kind && o.prefix == m.prefix && o.terms == m.terms && o.stems == m.stems &&
             o.window == m.window;
    });
    if (!seen) out.push_back(std::move(m));
  }
  return out;
}

}  // namespace oly
