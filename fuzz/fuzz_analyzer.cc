// fuzz_analyzer: Analyzer::tokenize and fold, and the Snowball stemmers (core/analyzer.h).
//
// Input: byte 0 = the first position (1..256) and the stemming language, the rest is the
// text. Checks: every token's byte range is inside the text and non-empty, ranges increase
// and never overlap, positions are consecutive from the first position and the returned
// position follows the last token; terms are non-empty, at most kMaxTermBytes, valid UTF-8
// (whatever the input: invalid bytes read as U+FFFD), equal to fold() of the token's bytes;
// stems of letter tokens are valid UTF-8.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "analyzer.h"
#include "fuzz_util.h"

namespace {

struct Env {
  oly::Analyzer analyzer;
  oly::Stemmer stemmers[4] = {oly::Stemmer("en"), oly::Stemmer("fr"), oly::Stemmer("ru"),
                              oly::Stemmer("none")};
  std::vector<oly::Token> tokens;
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static Env* env = new Env;
  if (size < 1) return 0;
  const Xapian::termpos first = 1u + data[0];
  const oly::Stemmer& stem = env->stemmers[data[0] & 3];
  const std::string_view text(reinterpret_cast<const char*>(data) + 1, size - 1);

  std::vector<oly::Token>& tokens = env->tokens;
  tokens.clear();
  const Xapian::termpos after = env->analyzer.tokenize(text, first, tokens);
  FUZZ_CHECK(after == first + tokens.size(), "returned position " + std::to_string(after) +
                                                 " after " + std::to_string(tokens.size()) +
                                                 " tokens");
  std::size_t prev_end = 0;
  for (std::size_t i = 0; i < tokens.size(); ++i) {
    const oly::Token& t = tokens[i];
    const std::string where = "token " + std::to_string(i) + " [" + std::to_string(t.begin) + "," +
                              std::to_string(t.end) + ") " + fuzz::show(t.term);
    FUZZ_CHECK(t.begin < t.end && t.end <= text.size(), where + ": outside the text");
    FUZZ_CHECK(t.begin >= prev_end, where + ": overlaps the previous token");
    prev_end = t.end;
    FUZZ_CHECK(t.position == first + i, where + ": position " + std::to_string(t.position));
    FUZZ_CHECK(!t.term.empty() && t.term.size() <= oly::kMaxTermBytes, where + ": term size");
    FUZZ_CHECK(fuzz::valid_utf8(t.term), where + ": term is not UTF-8");
    FUZZ_CHECK(static_cast<int>(t.kind) <= static_cast<int>(oly::TokenKind::kIdeographic),
               where + ": kind");
    const std::string refolded = env->analyzer.fold(text.substr(t.begin, t.end - t.begin));
    FUZZ_CHECK(refolded == t.term, where + ": fold() of its bytes gives " + fuzz::show(refolded));
    const std::string s = stem(t);
    FUZZ_CHECK(fuzz::valid_utf8(s), where + ": stem " + fuzz::show(s));
  }
  return 0;
}
