// Turns an Article into a Xapian::Document, driven by the field table in schema.h.
#pragma once

#include <xapian.h>

#include <map>
#include <string>
#include <vector>

#include "analyzer.h"
#include "article.h"
#include "cjk.h"
#include "countries.h"
#include "games.h"
#include "schema.h"

namespace oly {

// Keeps one Stemmer per language seen, so building is cheap per document.
class StemmerCache {
 public:
  explicit StemmerCache(std::string default_language) : default_(std::move(default_language)) {}
  // The stemmer for an article's language; the index default when `lang` is empty.
  const Stemmer& get(const std::string& lang);
  const std::string& default_language() const { return default_; }

 private:
  std::string default_;
  std::map<std::string, Stemmer> cache_;
};

class DocumentBuilder {
 public:
  DocumentBuilder(Analyzer& analyzer, StemmerCache& stemmers)
      : analyzer_(analyzer), stemmers_(stemmers), games_(analyzer), countries_(analyzer) {}

  // `hash` is stored in schema::kSlotContentHash (see content_hash()). The article's
  // derived fields (games, countries) are computed here from its text, whatever `a` holds.
  Xapian::Document build(const Article& a, const std::string& hash);

 private:
  // The CJK character units of one field's tokens_ (see core/cjk.h); returns the next
  // character position.
  Xapian::termpos add_cjk_units(Xapian::Document& doc, std::string_view text,
                                std::string_view prefix, bool is_title, Xapian::termpos pos);

  Xapian::termpos add_text(Xapian::Document& doc, const schema::Field& f, const std::string& text,
                           const Stemmer& stem, Xapian::termpos pos, Xapian::termpos& cjk_pos);

  Analyzer& analyzer_;
  StemmerCache& stemmers_;
  // Adds the facet value slots of every field that has one (schema::Field::facet_slot).
  void add_facet_values(Xapian::Document& doc, const Article& a);

  GamesTagger games_;
  CountryTagger countries_;
  std::vector<Token> tokens_;        // reused between documents
  std::vector<Token> title_tokens_;  // the title's, kept for the taggers
  std::vector<cjk::Unit> units_;     // reused between fields and documents
};

}  // namespace oly
