// Language tags of articles, of the `lang:` query filter and of the -l/--language flags,
// all normalised the same way, so that `fr-CA`, `FR`, `fr_FR`, `fra`, `fre` and `french`
// are one language `fr` everywhere: the same stemmer, the same `L` filter term.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include "diagnostics.h"

namespace oly {

enum class LanguageStatus {
  kNone,       // empty tag: the index's default language applies
  kSupported,  // a language Xapian can stem, or ja/zh/ko (indexed without stems)
  kNoStemmer,  // a real ISO 639 language we have no stemmer for (pl, el, ...)
  kUnknown,    // not a language tag or English language name we recognise
};

struct Language {
  std::string code;  // ISO 639-1 code when there is one (else ISO 639-2/3); lower case
  LanguageStatus status = LanguageStatus::kNone;
};

// BCP 47 primary language subtag (`_` read as `-`, any case), ISO 639-2/3 codes
// (bibliographic too: fre, ger) or the English name of a supported language. Unknown
// tags keep their normalised text (lower case, `-`), so `lang:` can still find them.
Language normalize_language(std::string_view tag);

// An article's lang field as read from `path`:`line`: its normalised code. A tag that is
// not a supported language is reported as a warning (the article is kept, without
// stems).
std::string article_language(std::string_view value, std::string_view path, std::size_t line,
                             Diagnostics& diag);

// For -l/--language flags (a CLI11 transform, hence the std::string result, always ""):
// replaces a supported `tag` by its code. Other tags, "" and "none" are left as they are
// for the stemmer check that follows (Stemmer::known), which refuses unknown ones.
std::string normalize_language_option(std::string& tag);

}  // namespace oly
