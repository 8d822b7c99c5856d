#include "language.h"

#include <unicode/locid.h>
#include <unicode/uloc.h>
#include <unicode/unistr.h>

#include <algorithm>
#include <map>
#include <set>

#include "analyzer.h"
#include "query.h"

namespace oly {
namespace {

// The codes we support and the English names that stand for them, built once from ICU's
// list of ISO 639 languages and Xapian's stemmers, so that neither is written out here.
struct LanguageTable {
  std::set<std::string> codes;
  std::map<std::string, std::string> names;  // "french" -> "fr"

  LanguageTable() {
    for (const char* const* l = uloc_getISOLanguages(); *l; ++l) {
      const std::string code(*l);
      if (code == "ja" || code == "zh" || code == "ko" || Stemmer::known(code)) add(code);
    }
  }

  void add(const std::string& code) {
    codes.insert(code);
    icu::UnicodeString name;
    icu::Locale(code.c_str()).getDisplayLanguage(icu::Locale::getEnglish(), name);
    std::string utf8;
    name.toLower(icu::Locale::getEnglish()).toUTF8String(utf8);
    // ICU returns the code itself for a language it has no name for.
    if (!utf8.empty() && utf8 != code) names.emplace(utf8, code);
  }
};

const LanguageTable& table() {
  static const LanguageTable t;
  return t;
}

bool blank(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f';
}

std::string clean(std::string_view tag) {
  while (!tag.empty() && blank(tag.front())) tag.remove_prefix(1);
  while (!tag.empty() && blank(tag.back())) tag.remove_suffix(1);
  std::string s(tag);
  for (char& c : s) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    if (c == '_') c = '-';
  }
  return s;
}

// Letters (any script: "français" is kept, to be found by lang:), digits and '-', at most
// 35 bytes (a long BCP 47 tag with extensions); no controls, spaces or punctuation.
bool plausible_tag(const std::string& s) {
  if (s.size() > 35) return false;
  return std::all_of(s.begin(), s.end(), [](char c) {
    const auto u = static_cast<unsigned char>(c);
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' ||
           (u >= 0x80 && !(u == 0xC2));  // UTF-8 letters, but not C1 controls (C2 80..9F)
  });
}

}  // namespace

Language normalize_language(std::string_view tag) {
  const std::string s = clean(tag);
  if (s.empty()) return {"", LanguageStatus::kNone};
  const LanguageTable& t = table();
  if (t.codes.count(s)) return {s, LanguageStatus::kSupported};  // the common case: "fr"
  if (auto it = t.names.find(s); it != t.names.end())
    return {it->second, LanguageStatus::kSupported};
  UErrorCode st = U_ZERO_ERROR;
  const icu::Locale parsed = icu::Locale::forLanguageTag(s, st);
  if (U_FAILURE(st) || parsed.isBogus() || *parsed.getLanguage() == '\0') {
    // Kept as written only when it could be a tag: anything else (control characters, a
    // 300-byte value, which would not even fit in a term) is BCP 47's "undetermined".
    return {plausible_tag(s) ? s : "und", LanguageStatus::kUnknown};
  }
  // Canonical form of the primary subtag: fra, fre -> fr; ger -> de; iw -> he.
  const icu::Locale canonical = icu::Locale::createCanonical(parsed.getLanguage());
  std::string code = *canonical.getLanguage() ? canonical.getLanguage() : parsed.getLanguage();
  if (t.codes.count(code)) return {code, LanguageStatus::kSupported};
  // A language ICU knows has an ISO 639-2 code; "xx" or "klingon" have none.
  const bool real = *icu::Locale(code.c_str()).getISO3Language() != '\0';
  return {code, real ? LanguageStatus::kNoStemmer : LanguageStatus::kUnknown};
}

std::string article_language(std::string_view value, std::string_view path, std::size_t line,
                             Diagnostics& diag) {
  Language l = normalize_language(value);
  if (l.status == LanguageStatus::kNoStemmer) {
    diag.warning(path, line,
                 "no stemmer for language '" + excerpt(value) + "'; indexed as '" +
                     excerpt(l.code) + "' without stems");
  } else if (l.status == LanguageStatus::kUnknown) {
    diag.warning(path, line,
                 "unknown language '" + excerpt(value) + "'; indexed as '" + excerpt(l.code) +
                     "' without stems");
  }
  return std::move(l.code);
}

std::string normalize_language_option(std::string& tag) {
  if (tag.empty() || tag == "none") return "";
  const Language l = normalize_language(tag);
  // Anything else stays as typed, so that the stemmer check of the indexer or searcher
  // names it in its error ("no stemmer for language 'pl_PL'").
  if (l.status == LanguageStatus::kSupported) tag = l.code;
  return "";
}

}  // namespace oly
