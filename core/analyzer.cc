#include "analyzer.h"

#include <unicode/brkiter.h>
#include <unicode/normalizer2.h>
#include <unicode/uchar.h>
#include <unicode/uniset.h>
#include <unicode/unistr.h>
#include <unicode/utext.h>
#include <unicode/utf8.h>
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
    case 0x2018:    // ‘ left single quotation mark, often typed for an apostrophe
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

// Characters inside an ICU word where our rules may cut it. UAX #29 keeps letter.letter,
// letter'letter and letter_letter together, and ICU's rules count '@' as a letter (for
// e-mail addresses), so `ceremony.Japan`, `l'histoire`, `@usain` and `usain_bolt` reach
// us as one word each.
enum class Cut : uint8_t {
  kNone,
  kAlways,          // '@', '_' and other connectors: never part of a searchable word
  kBetweenLetters,  // '.', narrow no-break space: cut unless between digits (9.58, 1 000)
  kMiddleDot,       // '·': cut, except Catalan l·l (col·lecció)
  kApostrophe,      // ' ’ ʼ ＇ ‘: an elided article may end here (l'histoire)
};

Cut cut_class(UChar32 c) {
  switch (c) {
    case 0x0040:  // @
    case 0xFF20:  // fullwidth @
    case 0x005F:  // _ and the other connector punctuation (Word_Break=ExtendNumLet)
    case 0x203F:
    case 0x2040:
    case 0x2054:
    case 0xFE33:
    case 0xFE34:
    case 0xFE4D:
    case 0xFE4E:
    case 0xFE4F:
    case 0xFF3F:
      return Cut::kAlways;
    case 0x002E:  // full stop, one dot leader, small and fullwidth full stop
    case 0x2024:
    case 0xFE52:
    case 0xFF0E:
    case 0x202F:  // narrow no-break space (ExtendNumLet; a French thousands separator)
      return Cut::kBetweenLetters;
    case 0x00B7:  // middle dot
    case 0x0387:  // Greek ano teleia (a semicolon; NFC makes it a middle dot)
      return Cut::kMiddleDot;
    case 0x0027:
    case 0x2019:
    case 0x02BC:
    case 0xFF07:
    case 0x2018:
      return Cut::kApostrophe;
    default:
      return Cut::kNone;
  }
}

// Articles and prepositions that French, Italian and Catalan elide before a vowel
// (l'histoire, dell'atletica, d'or). Language-neutral on purpose: a query has no
// language, and no English word is one of these followed by an apostrophe and a word
// (don't, o'clock, O'Reilly, rock'n'roll keep theirs). The price is a few English
// informal forms such as c'mon, which index as "mon".
bool is_elided_article(std::string_view lower) {
  static constexpr std::string_view kForms[] = {
      // French (and Catalan: l d m n s t)
      "l", "d", "j", "m", "n", "s", "t", "c", "qu", "jusqu", "lorsqu", "puisqu", "quoiqu", "presqu",
      // Italian
      "v", "un", "gl", "all", "dall", "dell", "nell", "sull", "coll", "pell", "agl", "dagl", "degl",
      "negl", "sugl", "quest", "quell", "nessun", "ciascun", "alcun"};
  for (std::string_view f : kForms) {
    if (f == lower) return true;
  }
  return false;
}

// Where the word [begin, end) of `text` starts once an elided article is dropped: after
// its first apostrophe when what precedes it is one of the forms above.
uint32_t skip_elision(std::string_view text, uint32_t begin, uint32_t end) {
  constexpr uint32_t kLongestForm = 7;  // "ciascun"
  std::string lower;
  for (uint32_t i = begin; i < end && i - begin <= kLongestForm;) {
    UChar32 c;
    U8_NEXT(text.data(), i, end, c);
    if (cut_class(c) == Cut::kApostrophe) {
      return i < end && is_elided_article(lower) ? i : begin;
    }
    if (c >= 'A' && c <= 'Z') c += 'a' - 'A';
    if (c < 'a' || c > 'z') return begin;  // every form is plain ASCII letters
    lower.push_back(static_cast<char>(c));
  }
  return begin;
}

// True when the word may contain a character cut_class() cares about; most words are
// plain ASCII letters and skip the code point walk.
bool may_cut(std::string_view word) {
  for (char ch : word) {
    const auto b = static_cast<unsigned char>(ch);
    if (b >= 0x80 || b == '.' || b == '\'' || b == '@' || b == '_') return true;
  }
  return false;
}

UChar32 lower_ascii(UChar32 c) {
  return c >= 'A' && c <= 'Z' ? c + ('a' - 'A') : c;
}

// Cuts the ICU word [begin, end) of `text` into the words a reader sees, appending them
// to `out` (see Cut). Runs of one-letter pieces between full stops are abbreviations and
// stay whole (U.S, e.g, a.m); a following longer piece is a word of its own (U.S.Open).
// Then each piece loses an elided article.
void cut_word(std::string_view text, uint32_t begin, uint32_t end,
              std::vector<detail::WordPiece>& out) {
  const std::size_t first = out.size();
  uint32_t piece_begin = begin;
  uint32_t letters = 0;       // code points in the current piece
  uint32_t stop = ~0u;        // the full stop before the current piece, if a full stop cut it
  UChar32 prev = U_SENTINEL;  // the previous code point of the word
  const auto close = [&](uint32_t piece_end) {
    if (piece_end > piece_begin) out.push_back({piece_begin, piece_end, stop, letters == 1});
  };
  for (uint32_t i = begin; i < end;) {
    const uint32_t at = i;
    UChar32 c;
    U8_NEXT(text.data(), i, end, c);
    const Cut cut = cut_class(c);
    bool split = cut == Cut::kAlways;
    if (cut == Cut::kBetweenLetters || cut == Cut::kMiddleDot) {
      UChar32 next = U_SENTINEL;
      if (i < end) {
        uint32_t k = i;
        U8_NEXT(text.data(), k, end, next);
      }
      // ICU joins letter.letter and digit.digit; only the latter is one word (9.58).
      split = prev >= 0 && next >= 0 && !(u_isdigit(prev) && u_isdigit(next));
      if (cut == Cut::kMiddleDot && lower_ascii(prev) == 'l' && lower_ascii(next) == 'l') {
        split = false;  // Catalan ela geminada: col·lecció is one word
      }
    }
    if (!split) {
      ++letters;
      prev = c;
      continue;
    }
    close(at);
    piece_begin = i;
    letters = 0;
    stop = cut == Cut::kBetweenLetters && c != 0x202F ? at : ~0u;
    prev = c;
  }
  close(end);
  // Merge runs of one-letter pieces cut at full stops back into their abbreviation.
  std::size_t kept = first;
  for (std::size_t i = first; i < out.size(); ++i) {
    const detail::WordPiece p = out[i];
    // Only across one full stop right after the previous piece: `B@.B` is no abbreviation.
    if (kept > first && p.single && out[kept - 1].single && p.stop == out[kept - 1].end) {
      out[kept - 1].end = p.end;  // still `single`, so the run can grow
      continue;
    }
    out[kept++] = p;
  }
  out.resize(kept);
  for (std::size_t i = first; i < out.size(); ++i) {
    out[i].begin = skip_elision(text, out[i].begin, out[i].end);
  }
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
    const auto b = static_cast<uint32_t>(start);
    const auto e = static_cast<uint32_t>(end);
    const TokenKind kind = kind_of(status);
    if (!may_cut(text.substr(b, e - b))) {
      position = emit(text, b, e, kind, position, out);
      continue;
    }
    pieces_.clear();
    cut_word(text, b, e, pieces_);
    for (const detail::WordPiece& p : pieces_) {
      position = emit(text, p.begin, p.end, kind, position, out);
    }
  }
  return position;
}

Xapian::termpos Analyzer::emit(std::string_view text, uint32_t begin, uint32_t end, TokenKind kind,
                               Xapian::termpos position, std::vector<Token>& out) {
  std::string term = fold(text.substr(begin, end - begin));
  if (term.empty()) return position;
  if (term.size() > kMaxTermBytes) {
    ++dropped_;
    return position;
  }
  out.push_back(Token{std::move(term), position, begin, end, kind});
  return position + 1;
}

std::string Analyzer::identity() {
  std::string id = "analyzer=3 icu=" U_ICU_VERSION " unicode=" U_UNICODE_VERSION
                   " words=uax29+dictionaries cut=stop+at+connector+middot abbrev=single"
                   " elision=fr+it+ca fold=nfkc_cf+strip_marks+latin_extra+quote2018"
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
    // Languages indexed on purpose without stems (core/language.h lists them as supported;
    // -l takes their normalised codes).
    return language == "ja" || language == "zh" || language == "ko";
  }
}

std::string Stemmer::operator()(const Token& t) const {
  if (t.kind != TokenKind::kLetter) return {};
  return (*this)(t.term);
}

std::string Stemmer::operator()(const std::string& term) const {
  if (!enabled_) return {};
  // One hash lookup for a hit or a miss: a one-shot searcher stems a body's words cold.
  auto [it, fresh] = cache_.try_emplace(term);
  if (!fresh) return it->second;
  std::string s;
  try {
    s = stem_(term);
  } catch (...) {
    cache_.erase(it);  // never leave an empty stem behind for the next call
    throw;
  }
  constexpr std::size_t kMaxCached = 200000;
  if (cache_.size() > kMaxCached) {
    cache_.clear();
    return s;
  }
  it->second = s;
  return s;
}

}  // namespace oly
