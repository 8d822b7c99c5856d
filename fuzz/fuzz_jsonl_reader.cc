// fuzz_jsonl_reader: read_json_lines (core/reader.h) on arbitrary bytes, and each article
// that reaches the sink through what the indexer does with it (DocumentBuilder::build,
// the stored record).
//
// Checks: no crash, UB or exception; every article in the sink has valid UTF-8 in every
// field (__builtin_trap otherwise; escapes such as \udc00 must not smuggle in invalid
// sequences), an id, a title or a body, a date that is empty or YYYY-MM-DD; line numbers
// increase and the bytes consumed never exceed the input; the record round-trips
// every input field (derived ones are the taggers').
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
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  oly::Diagnostics diag(fuzz::null_stream());
  oly::StemmerCache stemmers("en");  // per input: `lang` values are arbitrary
  oly::DocumentBuilder builder(*analyzer, stemmers);
  std::size_t last_line = 0, bytes = 0;
  oly::read_json_lines(input, "fuzz.jsonl", diag, [&](oly::InputItem&& item) {
    FUZZ_CHECK(item.path == "fuzz.jsonl", "path " + item.path);
    FUZZ_CHECK(item.line > last_line,
               "line " + std::to_string(item.line) + " after " + std::to_string(last_line));
    last_line = item.line;
    bytes += item.bytes;
    FUZZ_CHECK(item.bytes > 0 && bytes <= input.size(), "bytes consumed " + std::to_string(bytes));
    const oly::Article& a = item.article;
    fuzz::check_article(a);
    FUZZ_CHECK(!a.id.empty(), "article without an id");
    const Xapian::Document doc = builder.build(a, oly::content_hash(a));
    const std::optional<oly::Article> back = oly::from_record(doc.get_data());
    FUZZ_CHECK(back.has_value(), "stored record does not parse");
    FUZZ_CHECK(fuzz::input_difference(a, *back).empty(),
               "record does not round-trip: " + fuzz::input_difference(a, *back));
    return true;
  });
  return 0;
}
