#include "document.h"

#include <algorithm>

#include "body_map.h"
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
        const std::string& text = f.name == "title"  ? a.title
                                  : f.name == "body" ? a.body
                                                     : a.source;
        tokens_.clear();
        const Xapian::termpos next = analyzer_.tokenize(text, pos, tokens_);
        const bool is_title = f.name == "title";
        const bool stemmed = f.kind == FieldKind::kText;
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
        const Xapian::termpos cjk_next = add_cjk_units(doc, text, f.prefix, is_title, cjk_pos);
        if (is_title) title_tokens_.swap(tokens_);
        if (f.name == "body") {
          add_body_map(doc, text, tokens_);
          // The taggers read the tokens made here: the text is analysed once.
          derived.games = games_.tag(a, title_tokens_, tokens_);
          derived.countries = countries_.tag(a, title_tokens_, tokens_);
        }
        // The gap keeps phrases from matching across the end of one field and the start
        // of the next.
        pos = next + schema::kFieldPositionGap;
        cjk_pos = cjk_next + schema::kFieldPositionGap;
        break;
      }
      case FieldKind::kExact: {
        if (f.prefix == schema::kPrefixTag) {
          for (const std::string& tag : a.tags) {
            std::string folded = analyzer_.fold(tag);
            if (!folded.empty() && folded.size() <= kMaxTermBytes) {
              doc.add_boolean_term(with_prefix(f.prefix, folded));
            }
          }
        } else if (f.prefix == schema::kPrefixLang && !a.lang.empty()) {
          doc.add_boolean_term(with_prefix(f.prefix, analyzer_.fold(a.lang)));
        }
        break;
      }
      case FieldKind::kRaw:
        doc.add_boolean_term(with_prefix(f.prefix, a.id));
        doc.add_value(schema::kSlotId, a.id);  // equal scores sort by id, whatever the docids
        break;
      case FieldKind::kDate:
        if (a.date.size() == 10) {
          const std::string ymd = a.date.substr(0, 4) + a.date.substr(5, 2) + a.date.substr(8, 2);
          doc.add_value(schema::kSlotDate, ymd);
          doc.add_boolean_term(with_prefix(schema::kPrefixDay, ymd));
          doc.add_boolean_term(with_prefix(schema::kPrefixMonth, ymd.substr(0, 6)));
          doc.add_boolean_term(with_prefix(schema::kPrefixYear, ymd.substr(0, 4)));
        }
        break;
      case FieldKind::kLookup: {
        const auto& values = f.prefix == schema::kPrefixGames ? derived.games : derived.countries;
        for (const std::string& v : values) {
          std::string term = with_prefix(f.prefix, v);
          for (std::size_t i = f.prefix.size(); i < term.size(); ++i) {
            if (term[i] >= 'A' && term[i] <= 'Z') term[i] = static_cast<char>(term[i] - 'A' + 'a');
          }
          doc.add_boolean_term(term);
        }
        break;
      }
    }
  }
  add_date_sort_keys(doc, a);
  doc.add_value(schema::kSlotContentHash, hash);
  if (derived.games.empty() && derived.countries.empty()) {
    add_facet_values(doc, a);
    doc.set_data(to_record(a));
  } else {
    Article full = a;
    full.games = std::move(derived.games);
    full.countries = std::move(derived.countries);
    add_facet_values(doc, full);
    doc.set_data(to_record(full));
  }
  return doc;
}

void DocumentBuilder::add_facet_values(Xapian::Document& doc, const Article& a) {
  auto put_list = [&](Xapian::valueno slot, std::vector<std::string> values) {
    std::sort(values.begin(), values.end());
    values.erase(std::unique(values.begin(), values.end()), values.end());
    if (!values.empty()) doc.add_value(slot, schema::encode_list(values));
  };
  if (!a.source.empty()) doc.add_value(schema::kSlotSource, a.source);
  if (!a.lang.empty()) doc.add_value(schema::kSlotLang, a.lang);
  std::vector<std::string> tags;
  for (const std::string& t : a.tags) {
    std::string folded = analyzer_.fold(t);
    if (!folded.empty() && folded.size() <= kMaxTermBytes) tags.push_back(std::move(folded));
  }
  put_list(schema::kSlotTags, std::move(tags));
  put_list(schema::kSlotGames, a.games);
  put_list(schema::kSlotCountries, a.countries);
}

}  // namespace oly
