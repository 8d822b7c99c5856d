#include "document.h"

#include <algorithm>

#include "body_map.h"
#include "dupes.h"
#include "schema.h"

namespace oly {

const Stemmer& StemmerCache::get(const std::string& lang) {
  const std::string& key = lang.empty() ? default_ : lang;
  auto it = cache_.find(key);
  if (it == cache_.end()) it = cache_.emplace(key, Stemmer(key)).first;
  return it->second;
}

namespace {
// The body's checkpoints (core/body_map.h), from its tokens as posted, so that the
// searcher can find a matched position's bytes without analysing the whole body.
void add_body_map(Xapian::Document& doc, std::string_view body, const std::vector<Token>& tokens) {
  doc.add_value(schema::kSlotBodyMap, encode_body_map(make_body_map(body, tokens)));
}

// Spaces around a whole value are no part of it: " AP " is "AP", and "  " is no value
// (no term, no facet value: the article counts as missing).
std::string_view trim_space(std::string_view s) {
  const char* ws = " \t\r\n\f\v";
  const std::size_t b = s.find_first_not_of(ws);
  if (b == std::string_view::npos) return {};
  return s.substr(b, s.find_last_not_of(ws) - b + 1);
}

// A kExact field's value as its term holds it: trimmed and folded; "" when it is none
// (blank, or too long for a term).
std::string exact_value(const Analyzer& analyzer, std::string_view v) {
  std::string folded(trim_space(analyzer.fold(trim_space(v))));
  return folded.size() <= kMaxTermBytes ? folded : std::string();
}

// A facet slot keyed by its folded value (schema::FacetFrom::kKeyed)?
bool keyed_slot(Xapian::valueno slot) {
  for (const schema::Facet& facet : schema::kFacets) {
    if (facet.slot == slot) return facet.from == schema::FacetFrom::kKeyed;
  }
  return false;
}

std::string with_prefix(std::string_view prefix, const std::string& term) {
  std::string t;
  t.reserve(prefix.size() + term.size());
  t.append(prefix);
  t.append(term);
  return t;
}
}  // namespace

Xapian::termpos DocumentBuilder::add_cjk_units(Xapian::Document& doc, std::string_view text,
                                               std::string_view prefix, bool is_title,
                                               Xapian::termpos pos) {
  units_.clear();
  const Xapian::termpos next = cjk::units(text, tokens_, pos, analyzer_, units_);
  std::string term(schema::kPrefixCjk);
  term += prefix;
  const std::size_t head = term.size();
  for (const cjk::Unit& u : units_) {
    term.resize(head);
    term += u.term;
    doc.add_posting(term, u.position);
    // As for words: title units count in the body space too, with the title's weight.
    if (is_title) {
      doc.add_posting(std::string(schema::kPrefixCjk) + u.term, u.position, schema::kTitleBoost);
    }
  }
  return next;
}

namespace {

// See schema::kSlotOldestFirst / kSlotNewestFirst.
void add_date_sort_keys(Xapian::Document& doc, const Article& a) {
  std::string oldest = "~", newest = "~";
  if (a.date.size() == 10) {
    oldest = a.date.substr(0, 4) + a.date.substr(5, 2) + a.date.substr(8, 2);
    newest = oldest;
    for (char& c : newest) c = static_cast<char>('9' - (c - '0'));
  }
  doc.add_value(schema::kSlotOldestFirst, oldest + a.id);
  doc.add_value(schema::kSlotNewestFirst, newest + a.id);
}

// The date's value slot and its day, month and year terms ("YYYY-MM-DD" or empty).
void add_date_terms(Xapian::Document& doc, const std::string& date) {
  if (date.size() != 10) return;
  const std::string ymd = date.substr(0, 4) + date.substr(5, 2) + date.substr(8, 2);
  doc.add_value(schema::kSlotDate, ymd);
  doc.add_boolean_term(with_prefix(schema::kPrefixDay, ymd));
  doc.add_boolean_term(with_prefix(schema::kPrefixMonth, ymd.substr(0, 6)));
  doc.add_boolean_term(with_prefix(schema::kPrefixYear, ymd.substr(0, 4)));
}

}  // namespace

// One analysed field (kText, kTextFilter): positional words, stems, CJK units. Returns the
// next word position; `cjk_pos` moves on likewise.
Xapian::termpos DocumentBuilder::add_text(Xapian::Document& doc, const schema::Field& f,
                                          const std::string& text, const Stemmer& stem,
                                          Xapian::termpos pos, Xapian::termpos& cjk_pos) {
  tokens_.clear();
  const Xapian::termpos next = analyzer_.tokenize(text, pos, tokens_);
  const bool is_title = f.has(schema::kTitleText);
  const bool stemmed = f.kind == schema::FieldKind::kText;
  for (const Token& t : tokens_) {
    doc.add_posting(with_prefix(f.prefix, t.term), t.position);
    // Title words also count as body-space words, with a higher wdf, so that an
    // unfielded query matches titles and ranks them first.
    if (is_title) doc.add_posting(t.term, t.position, schema::kTitleBoost);
    if (!stemmed || !stem.enabled() || t.kind != TokenKind::kLetter) continue;
    // Stems are terms of the document without positions (omega's layout): a query
    // word matches every form through its stem, on any backend, remote included
    // (the 1.4 remote backend has no synonym table). Title stems count in the body
    // space too, like the title words.
    const std::string s = stem(t);
    if (s.empty()) continue;
    std::string key(schema::kPrefixStem);
    key += f.prefix;
    key += s;
    doc.add_term(key);
    if (is_title) doc.add_term(with_prefix(schema::kPrefixStem, s), schema::kTitleBoost);
  }
  cjk_pos = add_cjk_units(doc, text, f.prefix, is_title, cjk_pos);
  if (is_title) title_tokens_.swap(tokens_);
  return next;
}

namespace {
// The values a field holds: its one value (if not empty) or its list.
template <typename Fn>
void for_each_value(const Article& a, const schema::Field& f, Fn fn) {
  if (f.is_list()) {
    for (const std::string& v : a.*f.member.list) fn(v);
  } else if (const std::string& v = a.*f.member.text; !v.empty()) {
    fn(v);
  }
}
// Computed at index time (the taggers'), never read: not an input field, nor an index-only
// row (which indexes an input field's member again).
bool derived_field(const schema::Field& f) {
  return !f.has(schema::kRead) && !schema::index_only(f);
}
// A field's values, for comparing (a text field: itself, empty or not).
std::vector<std::string> field_values(const Article& a, const schema::Field& f) {
  return f.is_list() ? a.*f.member.list : std::vector<std::string>{a.*f.member.text};
}
}  // namespace

Xapian::Document DocumentBuilder::build(const Article& a, const std::string& hash) {
  using schema::FieldKind;
  Xapian::Document doc;
  Article derived;  // games and countries only
  const Stemmer& stem = stemmers_.get(a.lang);
  Xapian::termpos pos = 1;
  Xapian::termpos cjk_pos = schema::kCjkPositionBase;
  for (const schema::Field& f : schema::kFields) {
    switch (f.kind) {
      case FieldKind::kText:
      case FieldKind::kTextFilter: {
        const std::string& text = a.*f.member.text;
        const Xapian::termpos next = add_text(doc, f, text, stem, pos, cjk_pos);
        if (f.has(schema::kMainText)) {
          add_body_map(doc, text, tokens_);
          // Near duplicates are grouped from this after the run (core/dupes.h).
          if (const auto print = dupes::fingerprint(tokens_))
            doc.add_value(schema::kSlotSimHash, dupes::encode(*print));
          // The taggers read the tokens made here: the text is analysed once.
          derived.games = games_.tag(a, title_tokens_, tokens_);
          derived.countries = countries_.tag(a, title_tokens_, tokens_);
        }
        // The gap keeps phrases from matching across the end of one field and the start
        // of the next.
        pos = next + schema::kFieldPositionGap;
        cjk_pos += schema::kFieldPositionGap;
        break;
      }
      case FieldKind::kExact:
        for_each_value(a, f, [&](const std::string& v) {
          const std::string folded = exact_value(analyzer_, v);
          if (!folded.empty()) doc.add_boolean_term(with_prefix(f.prefix, folded));
        });
        break;
      case FieldKind::kRaw: {
        const std::string& v = a.*f.member.text;
        doc.add_boolean_term(with_prefix(f.prefix, v));
        doc.add_value(schema::kSlotId, v);  // equal scores sort by id, whatever the docids
        break;
      }
      case FieldKind::kDate:
        add_date_terms(doc, a.*f.member.text);
        break;
      case FieldKind::kLookup:
        // Derived from the text above (the taggers), never from the input article.
        for_each_value(derived, f, [&](const std::string& v) {
          doc.add_boolean_term(schema::lookup_term(f.prefix, v));
        });
        break;
      case FieldKind::kUnindexed:
        break;
    }
  }
  add_date_sort_keys(doc, a);
  doc.add_value(schema::kSlotContentHash, hash);
  // The derived fields stored and counted are the taggers', never the caller's: `a` is
  // used as it is only when they agree (the common case: no copy of the body).
  bool agree = true;
  for (const schema::Field& f : schema::kFields) {
    if (derived_field(f) && field_values(a, f) != field_values(derived, f)) agree = false;
  }
  if (agree) {
    add_facet_values(doc, a);
    doc.set_data(to_record(a));
  } else {
    Article full = a;
    for (const schema::Field& f : schema::kFields) {
      if (!derived_field(f)) continue;
      if (f.is_list())
        full.*f.member.list = std::move(derived.*f.member.list);
      else
        full.*f.member.text = std::move(derived.*f.member.text);
    }
    add_facet_values(doc, full);
    doc.set_data(to_record(full));
  }
  return doc;
}

// Each field with a facet slot: a single value as written, a list sorted, unique and
// packed (schema::encode_list). Exact fields hold their values folded, as their terms do,
// so that a facet value is what a filter on it matches; a single exact value (the source,
// FacetFrom::kKeyed) is keyed by its folded form and keeps its form as written.
void DocumentBuilder::add_facet_values(Xapian::Document& doc, const Article& a) {
  for (const schema::Field& f : schema::kFields) {
    if (f.facet_slot == schema::kNoSlot) continue;
    const bool fold = f.kind == schema::FieldKind::kExact;
    std::vector<std::string> values;
    for_each_value(a, f, [&](const std::string& v) {
      std::string value = fold ? exact_value(analyzer_, v) : v;
      if (!value.empty()) values.push_back(std::move(value));
    });
    if (values.empty()) continue;
    if (!f.is_list()) {
      if (keyed_slot(f.facet_slot)) {
        values.emplace_back(trim_space(a.*f.member.text));  // the label, as written
        doc.add_value(f.facet_slot, schema::encode_list(values));
      } else {
        doc.add_value(f.facet_slot, values.front());
      }
      continue;
    }
    std::sort(values.begin(), values.end());
    values.erase(std::unique(values.begin(), values.end()), values.end());
    doc.add_value(f.facet_slot, schema::encode_list(values));
  }
}

}  // namespace oly
