#include "analyzer.h"

#include <unicode/brkiter.h>
#include <unicode/normalizer2.h>
#include <unicode/uchar.h>
#include <unicode/uniset.h>
#include <unicode/unistr.h>
#include <unicode/utext.h>
#include <unicode/uvernum.h>

#include <stdexcept>

namespace oly {
namespace {

void check(UErrorCode status, const char* what) {
  if (U_FAILURE(status)) throw std::runtime_error(std::string(what) + ": " + u_errorName(status));
}

// Generic combining diacritics. Script-specific marks (Japanese dakuten U+3099, Indic
// vowel signs, Thai marks) are kept on purpose: removing them changes the word.
bool is_diacritic(UChar32 c) {
  return (c >= 0x0300 && c <= 0x036F) || (c >= 0x1AB0 && c <= 0x1AFF) ||
         (c >= 0x1DC0 && c <= 0x1DFF) || (c >= 0x20D0 && c <= 0x20FF) ||
         (c >= 0xFE20 && c <= 0xFE2F);
}

// Latin letters whose "accent" is not a combining mark, so NFD cannot strip it.
const char16_t* latin_extra(UChar32 c) {
  switch (c) {
    case 0x00F8:
      return u"o";  // ø
    case 0x0111:
      return u"d";  // đ
    case 0x0142:
      return u"l";  // ł
    case 0x00E6:
      return u"ae";  // æ
    case 0x0153:
      return u"oe";  // œ
    case 0x00F0:
      return u"d";  // ð
    case 0x00FE:
      return u"th";  // þ
    case 0x0127:
      return u"h";  // ħ
    case 0x0131:
      return u"i";  // dotless ı
    case 0x2019:    // ’ right single quotation mark
    case 0x02BC:    // ʼ modifier letter apostrophe
    case 0xFF07:
      return u"'";  // ＇ fullwidth apostrophe
    default:
      return nullptr;
  }
}

void strip_possessive(std::string& term) {
  if (term.size() > 2 && term.compare(term.size() - 2, 2, "'s") == 0) term.resize(term.size() - 2);
}

TokenKind kind_of(int32_t status) {
  if (status >= UBRK_WORD_IDEO) return TokenKind::kIdeographic;
  if (status >= UBRK_WORD_KANA) return TokenKind::kKana;
  if (status >= UBRK_WORD_LETTER) return TokenKind::kLetter;
  return TokenKind::kNumber;
}

}  // namespace

Analyzer::Analyzer() {
  UErrorCode st = U_ZERO_ERROR;
  // Root locale: UAX #29 rules plus ICU's dictionaries for Chinese, Japanese, Thai, Lao,
  // Khmer and Burmese, whatever the language of the article.
  words_.reset(icu::BreakIterator::createWordInstance(icu::Locale::getRoot(), st));
  check(st, "ICU word break iterator");
  nfkc_cf_ = icu::Normalizer2::getNFKCCasefoldInstance(st);
  nfd_ = icu::Normalizer2::getNFDInstance(st);
  nfc_ = icu::Normalizer2::getNFCInstance(st);
  check(st, "ICU normalizer");
}

Analyzer::~Analyzer() {
  if (utext_) utext_close(utext_);
}

std::string Analyzer::fold(std::string_view word) const {
  std::string out;
  bool ascii = true;
  for (char ch : word) {
    if (static_cast<unsigned char>(ch) >= 0x80) {
      ascii = false;
      break;
    }
  }
  if (ascii) {
    // Fast path: for ASCII, NFKC case folding is plain lower-casing.
    out.assign(word);
    for (char& ch : out) {
      if (ch >= 'A' && ch <= 'Z') ch = static_cast<char>(ch - 'A' + 'a');
    }
    strip_possessive(out);
    return out;
  }
  UErrorCode st = U_ZERO_ERROR;
  icu::UnicodeString src = icu::UnicodeString::fromUTF8(
      icu::StringPiece(word.data(), static_cast<int32_t>(word.size())));
  icu::UnicodeString folded = nfkc_cf_->normalize(src, st);
  icu::UnicodeString decomposed = nfd_->normalize(folded, st);
  if (U_FAILURE(st)) return out;  // cannot happen for valid input; drop the word if it does
  icu::UnicodeString kept;
  for (int32_t i = 0; i < decomposed.length();) {
    UChar32 c = decomposed.char32At(i);
    i += U16_LENGTH(c);
    if (is_diacritic(c)) continue;
    if (const char16_t* repl = latin_extra(c)) {
      kept.append(icu::UnicodeString(repl));
    } else {
      kept.append(c);
    }
  }
  icu::UnicodeString composed = nfc_->normalize(kept, st);
  if (U_FAILURE(st)) return out;
  composed.toUTF8String(out);
  strip_possessive(out);
  return out;
}

Xapian::termpos Analyzer::tokenize(std::string_view text, Xapian::termpos position,
                                   std::vector<Token>& out) {
  if (text.empty()) return position;
  UErrorCode st = U_ZERO_ERROR;
  // The UTF-8 UText makes the iterator's indices byte offsets into `text` itself, so no
  // offset mapping is needed. Ill-formed bytes read as U+FFFD.
  utext_ = utext_openUTF8(utext_, text.data(), static_cast<int64_t>(text.size()), &st);
  check(st, "utext_openUTF8");
  words_->setText(utext_, st);
  check(st, "BreakIterator::setText");
  int32_t start = words_->first();
  for (int32_t end = words_->next(); end != icu::BreakIterator::DONE;
       start = end, end = words_->next()) {
    const int32_t status = words_->getRuleStatus();
    if (status < UBRK_WORD_NONE_LIMIT) continue;  // spaces, punctuation, symbols, emoji
    std::string term =
        fold(text.substr(static_cast<std::size_t>(start), static_cast<std::size_t>(end - start)));
    if (term.empty()) continue;
    if (term.size() > kMaxTermBytes) {
      ++dropped_;
      continue;
    }
    out.push_back(Token{std::move(term), position++, static_cast<uint32_t>(start),
                        static_cast<uint32_t>(end), kind_of(status)});
  }
  return position;
}

std::string Analyzer::identity() {
  std::string id = "analyzer=2 icu=" U_ICU_VERSION " unicode=" U_UNICODE_VERSION
                   " words=uax29+dictionaries fold=nfkc_cf+strip_marks+latin_extra"
                   " possessive=strip max_term=";
  id += std::to_string(kMaxTermBytes);
  return id;
}

Stemmer::Stemmer(const std::string& language) : language_(language) {
  if (language.empty() || language == "none") return;
  try {
    stem_ = Xapian::Stem(language);
    enabled_ = true;
  } catch (const Xapian::InvalidArgumentError&) {
    // No Snowball stemmer for this language (e.g. ja, zh): exact terms only.
  }
}

bool Stemmer::known(const std::string& language) {
  if (language.empty() || language == "none") return true;
  try {
    Xapian::Stem s(language);
    return true;
  } catch (const Xapian::InvalidArgumentError&) {
    return false;
  }
}

std::string Stemmer::operator()(const Token& t) const {
  if (t.kind != TokenKind::kLetter) return {};
  return (*this)(t.term);
}

std::string Stemmer::operator()(const std::string& term) const {
  if (!enabled_) return {};
  if (auto it = cache_.find(term); it != cache_.end()) return it->second;
  constexpr std::size_t kMaxCached = 200000;
  if (cache_.size() >= kMaxCached) cache_.clear();
  std::string s = stem_(term);
  cache_.emplace(term, s);
  return s;
}

}  // namespace oly
