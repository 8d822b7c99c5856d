// fuzz_text_reader: parse_text_article (core/reader.h) on arbitrary bytes, then what the
// indexer does with the article: DocumentBuilder::build and the stored record.
//
// Checks: no crash, UB or exception; an accepted article has valid UTF-8 in every field
// (invalid input is repaired to U+FFFD), a title or a body, a date that is empty or
// YYYY-MM-DD; a rejected file is reported as an error; the record round-trips every
// input field (the derived ones, Games and countries, are the taggers' and may be added).
#include <xapian.h>

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "analyzer.h"
#include "article.h"
#include "diagnostics.h"
#include "document.h"
#include "fuzz_util.h"
#include "reader.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static oly::Analyzer* analyzer = new oly::Analyzer;
  const std::string_view contents(reinterpret_cast<const char*>(data), size);
  oly::Diagnostics diag(fuzz::null_stream());
  oly::Article a;
  const bool ok = oly::parse_text_article(contents, "fuzz.txt", a, diag);
  if (!ok) {
    FUZZ_CHECK(diag.errors() > 0, "parse_text_article returned false without reporting an error");
    return 0;
  }
  FUZZ_CHECK(diag.errors() == 0, "an accepted article was reported as an error");
  fuzz::check_article(a);

  if (a.id.empty()) a.id = "fuzz.txt";  // as read_input does (the file's id)
  oly::StemmerCache stemmers("en");     // per input: `lang:` headers are arbitrary
  oly::DocumentBuilder builder(*analyzer, stemmers);
  const Xapian::Document doc = builder.build(a, oly::content_hash(a));
  const std::optional<oly::Article> back = oly::from_record(doc.get_data());
  FUZZ_CHECK(back.has_value(), "stored record does not parse");
  FUZZ_CHECK(fuzz::input_difference(a, *back).empty(),
             "record does not round-trip: " + fuzz::input_difference(a, *back));
  return 0;
}
