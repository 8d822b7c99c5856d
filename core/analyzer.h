// The one text analyzer of the project. The indexer, the query parser and the snippet
// builder all see text through this class, so a word always becomes the same term
// whichever way it enters (see ARCHITECTURE.md, "The one rule").
#pragma once

#include <xapian.h>

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include <unicode/uversion.h>

U_NAMESPACE_BEGIN
class BreakIterator;
class Normalizer2;
U_NAMESPACE_END
struct UText;

namespace oly {

enum class TokenKind : uint8_t { kLetter, kNumber, kKana, kIdeographic };

struct Token {
  std::string term;          // folded form: NFKC case fold, diacritics removed
  Xapian::termpos position;  // 1-based word position within the analysed text
  uint32_t begin;            // byte offset of the word in the original text
  uint32_t end;              // byte offset one past the word
  TokenKind kind;
};

namespace detail {
// Part of an ICU word that the analyzer treats as a word of its own (analyzer.cc, cut_word).
struct WordPiece {
  uint32_t begin;
  uint32_t end;
  uint32_t stop;  // byte offset of the full stop cutting it from the text before, or ~0u
  bool single;    // one code point: part of an abbreviation when between full stops
};
}  // namespace detail

// Folded terms longer than this are dropped: no real word is this long, and Xapian
// refuses terms over 245 bytes including the prefix.
inline constexpr std::size_t kMaxTermBytes = 120;

// Not thread-safe (it owns an ICU break iterator); make one per thread.
class Analyzer {
 public:
  Analyzer();
  ~Analyzer();
  Analyzer(const Analyzer&) = delete;
  Analyzer& operator=(const Analyzer&) = delete;

  // Appends the word tokens of `text` to `out`, numbering positions from
  // `first_position`. Returns the position after the last token. Byte offsets refer to
  // `text` itself; invalid UTF-8 is read as U+FFFD and never throws.
  Xapian::termpos tokenize(std::string_view text, Xapian::termpos first_position,
                           std::vector<Token>& out);
  std::vector<Token> tokenize(std::string_view text) {
    std::vector<Token> out;
    tokenize(text, 1, out);
    return out;
  }

  // Folds one word (or a whole short value such as a tag) the way tokens are folded.
  std::string fold(std::string_view word) const;

  // How many tokens the last calls dropped for being longer than kMaxTermBytes.
  std::size_t dropped_tokens() const { return dropped_; }

  // Stable description of everything that decides which terms a text yields; it is
  // stored in the index and compared at open (core/identity.h).
  static std::string identity();

 private:
  // Folds text[begin, end) and appends it as a token at `position`; returns the next
  // position (unchanged when the word is dropped).
  Xapian::termpos emit(std::string_view text, uint32_t begin, uint32_t end, TokenKind kind,
                       Xapian::termpos position, std::vector<Token>& out);

  std::unique_ptr<icu::BreakIterator> words_;
  std::vector<detail::WordPiece> pieces_;  // reused by tokenize()
  UText* utext_ = nullptr;
  const icu::Normalizer2* nfkc_cf_ = nullptr;
  const icu::Normalizer2* nfd_ = nullptr;
  const icu::Normalizer2* nfc_ = nullptr;
  std::size_t dropped_ = 0;
};

// Snowball stemming through Xapian::Stem, by ISO 639-1 code or Xapian language name.
// Only letter tokens are stemmed: numbers and CJK words have no stems.
class Stemmer {
 public:
  explicit Stemmer(const std::string& language = "en");
  const std::string& language() const { return language_; }
  bool enabled() const { return enabled_; }
  std::string operator()(const Token& t) const;
  std::string operator()(const std::string& term) const;

  // True when Xapian has a stemmer for `language` (or it is empty/"none"), or when it is
  // a language indexed on purpose without stems (ja, zh, ko).
  static bool known(const std::string& language);

 private:
  std::string language_;
  Xapian::Stem stem_;
  bool enabled_ = false;
  // News text repeats its words: remembering recent stems saves most Snowball calls.
  // Bounded; a Stemmer belongs to one thread, like the Analyzer.
  mutable std::unordered_map<std::string, std::string> cache_;
};

}  // namespace oly
