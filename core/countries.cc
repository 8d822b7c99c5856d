#include "countries.h"

#include <unicode/uchar.h>
#include <unicode/utf8.h>

#include <algorithm>
#include <cctype>
#include <cstdint>
#include <cstdio>
#include <set>
#include <stdexcept>
#include <unordered_map>

#include "schema.h"

// How an article is tied to the NOCs it mentions.
//
// Every name of the table (core/countries_table.inc) is analysed once, with the project's
// analyzer, into the folded tokens the builder makes of a text; tagging then walks the
// article's own tokens (title and body, analysed once by DocumentBuilder) and does one hash
// lookup per token on its folded term. Names in every language are looked up at once: an
// article's `lang` is not reliable enough to choose a language.
//
// Rules, in order (each is here because a plain lookup tagged wrong NOCs):
// - Longest match first: "Papua New Guinea" is PNG and not also GUI, "South Africa" is RSA,
//   "East Germany" is GDR and not GER. A name with no NOC (kBlock: "New Mexico", "Northern
//   Ireland", "guinea pig", "South America") is matched like the others and tags nothing, so
//   the shorter NOC name inside it is not tagged either.
// - The words of a multi-word name are consecutive tokens with no phrase punctuation
//   between them (",", ";", ":", "!", "?", brackets, quotes, a line break): "…the south.
//   Africa…" is not South Africa; "St. Lucia" and "Côte d'Ivoire" are kept. A comma
//   written in the table's name is part of it: the IOC calls its NOCs "Hong Kong, China"
//   and "Macao, China", which are HKG and MAC only, never CHN as well (the longest match
//   takes "China"); "Hong Kong; China" is still two names.
// - Case, from the name as written in the table: a word written with a capital must start
//   with a capital in the article ("china" the porcelain, "turkey" the bird, "chad" are never
//   tagged), and a word written in capitals (UK, DPRK, U.S.) must be in capitals ("us" is not
//   the United States). CJK names have no case.
// - IOC codes are tagged only when written in capitals in the original ("USA", "GBR"; "can"
//   is not CAN). Codes that are also common words or other abbreviations in capitals ("AND",
//   "CAN", "PER", "EST" the time zone, "ETH" the currency, "PHI"/"CHI"/"DEN" the US sports
//   teams, kWeakCodes) need corroboration like the ambiguous names.
// - Ambiguous names (kWeak: Georgia the US state, Jordan the name, Chad, Niger the river,
//   Turkey the bird in a title-case headline, Guinea, Holland the surname, America the
//   continent, German "Island" = Iceland, French "Maurice" = Mauritius, Japanese タイ = a
//   tie, Chinese 中非 = China-Africa, 苏丹 = a sultan, ...) are tagged only when the same
//   article holds a second, unambiguous sign of the same NOC: one of its unambiguous names
//   or codes, or a sign (kSign: its capital or demonym, "Tbilisi", "Jordanian", "Turkish").
//   A name that means two NOCs (Congo, Korea, Virgin Islands) tags only the ones so
//   corroborated ("Kinshasa" → COD), never both by default.
// - Demonyms ("Japanese", "Kenyan") are signs, not tags: "Japanese food" does not mention
//   Japan's NOC, and they would double the false tags for little recall (names are written
//   in the same articles almost always).
namespace oly {
namespace {

// Bumped by hand when a rule of this file changes; the table's own content is hashed.
constexpr std::string_view kRulesVersion = "countries-rules:4";

enum class Rule : uint8_t {
  kName,   // tags its NOC
  kWeak,   // tags its NOC(s) only when corroborated
  kSign,   // never tags; corroborates (capital, demonym)
  kBlock,  // tags nothing; keeps the shorter NOC name inside it from matching
};
struct CountryRow {
  std::string_view code;
  std::string_view name;
};
struct NameRow {
  std::string_view text;
  std::string_view codes;  // space-separated IOC codes, "" for kBlock
  Rule rule;
};
#include "countries_table.inc"

// Codes that are English words or other common abbreviations when written in capitals.
constexpr std::string_view kWeakCodes[] = {
    "AND", "BAN", "BUR", "COD", "DOM", "LES", "LIE", "LUX", "MAW", "NAM", "POR", "RUS", "SUD",
    "SUR", "VIE", "ANT", "ARM", "ASA", "BAH", "BAR", "BEN", "BIZ", "BOT", "CAM", "CAN", "CHA",
    "CHI", "COL", "COM", "CUB", "DEN", "ECU", "ESA", "EST", "ETH", "FIN", "GAB", "GAM", "GRE",
    "GUI", "GUM", "GUY", "HAI", "HON", "HUN", "IND", "JAM", "KEN", "LAT", "LIB", "MAD", "MAR",
    "MAS", "MON", "NCA", "NIG", "NOR", "OMA", "PAN", "PAR", "PER", "PHI", "POL", "PUR", "ROC",
    "RSA", "SAM", "SEN", "SIN", "SOL", "SRI", "TAN", "TOG", "TON", "TUN", "UGA", "VAN"};

// One word of a name: its folded term and what its case must be in the article.
struct Word {
  std::string term;
  bool capital = false;       // written with a capital: the article's word must start with one
  bool all_caps = false;      // written in capitals (UK, DPRK): the article's word must be too
  bool comma_before = false;  // "Hong Kong, China": a comma before it is part of the name
};

struct Entry {
  std::vector<Word> words;
  std::vector<std::string> codes;
  Rule rule;
};

// The code point at `i` in `s` (U+FFFD on bad UTF-8).
UChar32 code_point_at(std::string_view s, std::size_t i) {
  UChar32 c = 0;
  int32_t k = static_cast<int32_t>(i);
  U8_NEXT(s.data(), k, static_cast<int32_t>(s.size()), c);
  return c < 0 ? 0xFFFD : c;
}

bool starts_upper(std::string_view s, std::size_t begin) {
  if (begin >= s.size()) return false;
  const UChar32 c = code_point_at(s, begin);
  return u_isupper(c) || u_istitle(c);
}

// Every letter upper case, at least two of them ("UK", "U.S").
bool all_upper(std::string_view s, std::size_t begin, std::size_t end) {
  int letters = 0;
  for (int32_t i = static_cast<int32_t>(begin); i < static_cast<int32_t>(end);) {
    UChar32 c = 0;
    U8_NEXT(s.data(), i, static_cast<int32_t>(end), c);
    if (!u_isalpha(c)) continue;
    if (!u_isupper(c)) return false;
    ++letters;
  }
  return letters >= 2;
}

Word word_of(std::string_view written, const Token& t) {
  Word w;
  w.term = t.term;
  if (t.kind == TokenKind::kLetter) {
    w.all_caps = all_upper(written, t.begin, t.end);
    w.capital = w.all_caps || starts_upper(written, t.begin);
  }
  return w;
}

std::vector<std::string> split_codes(std::string_view codes) {
  std::vector<std::string> out;
  std::size_t i = 0;
  while (i < codes.size()) {
    const std::size_t j = std::min(codes.find(' ', i), codes.size());
    if (j > i) out.emplace_back(codes.substr(i, j - i));
    i = j + 1;
  }
  return out;
}

std::string lower_ascii(std::string_view s) {
  std::string out(s);
  for (char& c : out) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return out;
}

std::string upper_ascii(std::string_view s) {
  std::string out(s);
  for (char& c : out) {
    if (c >= 'a' && c <= 'z') c = static_cast<char>(c - 'a' + 'A');
  }
  return out;
}

// The folded words of a text joined by spaces: the key of a name for the resolver.
std::string key_of(const std::vector<Token>& tokens) {
  std::string key;
  for (const Token& t : tokens) {
    if (!key.empty()) key += ' ';
    key += t.term;
  }
  return key;
}

// Phrase punctuation between two words of a name breaks the name ("south. Africa" is kept:
// the capital rule stops it; "Guinea, Bissau" is not Guinea-Bissau).
bool gap_joins(std::string_view text, std::size_t begin, std::size_t end) {
  if (end < begin || end - begin > 8) return false;
  for (int32_t i = static_cast<int32_t>(begin); i < static_cast<int32_t>(end);) {
    UChar32 c = 0;
    U8_NEXT(text.data(), i, static_cast<int32_t>(end), c);
    if (c == '\n' || c == '\r') return false;
    if (c < 0x80 &&
        std::string_view(",;:!?()[]{}\"/|").find(static_cast<char>(c)) != std::string_view::npos) {
      return false;
    }
    if ((c >= 0x3000 && c <= 0x303F) || (c >= 0xFF01 && c <= 0xFF1F)) return false;
  }
  return true;
}

// The gap of a name written with a comma ("Hong Kong, China"): one comma, spaces around it.
bool gap_is_comma(std::string_view text, std::size_t begin, std::size_t end) {
  if (end < begin || end - begin > 8) return false;
  int commas = 0;
  for (std::size_t i = begin; i < end; ++i) {
    if (text[i] == ',') {
      ++commas;
    } else if (text[i] != ' ') {
      return false;
    }
  }
  return commas == 1;
}

// Everything built from the table once per process.
struct NocTables {
  // Candidate names by their first folded word, longest first.
  std::unordered_map<std::string, std::vector<Entry>> by_first;
  // "usa" → "USA": a token that is a code (tagged only when written in capitals).
  std::unordered_map<std::string, std::string> codes;
  std::set<std::string, std::less<>> weak_codes;
  // Resolver: folded name or code → the NOCs it means.
  std::unordered_map<std::string, std::set<std::string>> by_key;
  std::vector<CountryInfo> table;
};

void add_name(NocTables& t, Analyzer& analyzer, const NameRow& row) {
  const std::vector<Token> tokens = analyzer.tokenize(row.text);
  if (tokens.empty()) return;
  Entry e;
  e.rule = row.rule;
  e.codes = split_codes(row.codes);
  for (std::size_t k = 0; k < tokens.size(); ++k) {
    e.words.push_back(word_of(row.text, tokens[k]));
    e.words.back().comma_before =
        k > 0 && gap_is_comma(row.text, tokens[k - 1].end, tokens[k].begin);
  }
  const char first = row.text[tokens.front().begin];
  if (row.rule != Rule::kBlock && first >= 'a' && first <= 'z') {
    // scan() skips words starting with a small letter: such a name could never match.
    throw std::logic_error("countries_table.inc: a name must start with a capital: " +
                           std::string(row.text));
  }
  if (row.rule == Rule::kName || row.rule == Rule::kWeak) {
    auto& codes = t.by_key[key_of(tokens)];
    codes.insert(e.codes.begin(), e.codes.end());
  }
  t.by_first[tokens.front().term].push_back(std::move(e));
}

// FNV-1a over every row: the identity changes whenever the table does.
uint64_t table_hash() {
  uint64_t h = 1469598103934665603ull;
  auto mix = [&h](std::string_view s) {
    for (unsigned char c : s) h = (h ^ c) * 1099511628211ull;
    h = (h ^ 0xFF) * 1099511628211ull;
  };
  for (const CountryRow& r : kCountryRows) mix(r.code), mix(r.name);
  for (const NameRow& r : kNameRows) {
    mix(r.text), mix(r.codes), mix(std::string(1, static_cast<char>('0' + int(r.rule))));
  }
  for (std::string_view c : kWeakCodes) mix(c);
  return h;
}

NocTables* build_tables() {
  auto* t = new NocTables;
  Analyzer analyzer;
  for (const CountryRow& r : kCountryRows) {
    t->table.push_back({r.code, r.name});
    t->codes[lower_ascii(r.code)] = std::string(r.code);
    t->by_key[lower_ascii(r.code)].insert(std::string(r.code));
  }
  for (const NameRow& r : kNameRows) {
    // A typo in the table would tag a code that no facet can label: refuse it at once.
    for (const std::string& c : split_codes(r.codes)) {
      if (!t->codes.count(lower_ascii(c))) {
        throw std::logic_error("countries_table.inc: unknown code " + c + " for " +
                               std::string(r.text));
      }
    }
    add_name(*t, analyzer, r);
  }
  for (auto& [first, entries] : t->by_first) {
    std::stable_sort(entries.begin(), entries.end(), [](const Entry& a, const Entry& b) {
      return a.words.size() > b.words.size();
    });
  }
  t->weak_codes.insert(std::begin(kWeakCodes), std::end(kWeakCodes));
  return t;
}

// Built once per process (names are analysed once), shared read-only by every tagger.
const NocTables& tables() {
  static const NocTables* t = build_tables();
  return *t;
}

// What one pass over the tokens found.
struct Found {
  std::set<std::string> strong;  // unambiguous names and codes
  std::set<std::string> signs;   // capitals, demonyms
  std::set<std::string> weak;    // ambiguous names and codes: need a sign or a strong tag
  std::vector<std::string>* evidence = nullptr;  // explain(): what matched, and as what
};

void note(Found& found, Rule rule, const std::vector<std::string>& codes, std::string_view text,
          std::size_t begin, std::size_t end) {
  std::set<std::string>* into = rule == Rule::kName   ? &found.strong
                                : rule == Rule::kSign ? &found.signs
                                : rule == Rule::kWeak ? &found.weak
                                                      : nullptr;
  if (into) into->insert(codes.begin(), codes.end());
  if (!found.evidence) return;
  static constexpr std::string_view kNames[] = {"name", "weak", "sign", "block"};
  std::string line;
  for (const std::string& c : codes) line += c + " ";
  line += std::string(kNames[static_cast<int>(rule)]) + " '" +
          std::string(text.substr(begin, end - begin)) + "'";
  found.evidence->push_back(std::move(line));
}

// A text mostly in capitals (a 1987 wire headline, the TIME corpus) writes every word like a
// code: there "US", "PER" or "LES" are words, so codes and names written in capitals are not
// read in it. Codes themselves do not count, so "USA beat GBR" is not shouting.
bool shouting(const NocTables& tb, const std::vector<Token>& tokens, std::string_view text) {
  std::size_t words = 0, caps = 0;
  for (const Token& t : tokens) {
    if (t.kind != TokenKind::kLetter || t.end - t.begin < 2) continue;
    // Two capitals in a row stand for the whole word: byte tests, no decoding (this runs
    // over every word of a text that has a code in it).
    const bool upper = t.begin + 1 < text.size() &&
                       std::isupper(static_cast<unsigned char>(text[t.begin])) &&
                       std::isupper(static_cast<unsigned char>(text[t.begin + 1]));
    if (upper && t.term.size() == 3 && tb.codes.count(t.term)) continue;
    ++words;
    if (upper) ++caps;
  }
  return words >= 2 && caps * 2 > words;
}

// Does `e` match the tokens from `i` on, with the case the table asks for?
bool matches(const Entry& e, const std::vector<Token>& tokens, std::size_t i,
             std::string_view text) {
  if (i + e.words.size() > tokens.size()) return false;
  for (std::size_t k = 0; k < e.words.size(); ++k) {
    const Token& t = tokens[i + k];
    const Word& w = e.words[k];
    if (t.term != w.term) return false;
    if (k > 0) {
      const std::size_t gap_begin = tokens[i + k - 1].end;
      const bool joined = w.comma_before ? gap_is_comma(text, gap_begin, t.begin)
                                         : gap_joins(text, gap_begin, t.begin);
      if (t.position != tokens[i + k - 1].position + 1 || !joined) return false;
    }
    if (w.all_caps && !all_upper(text, t.begin, t.end)) return false;
    if (w.capital && !starts_upper(text, t.begin)) return false;
  }
  return true;
}

void scan(const NocTables& tb, const std::vector<Token>& tokens, std::string_view text,
          Found& found) {
  int shout = -1;  // computed on the first code or capitals-only name: most texts have none
  auto is_shouting = [&] {
    if (shout < 0) shout = shouting(tb, tokens, text) ? 1 : 0;
    return shout == 1;
  };
  for (std::size_t i = 0; i < tokens.size(); ++i) {
    const Token& t = tokens[i];
    // Most words of a Latin text start with a small letter, and no name or code does (only
    // the block names, which stop capitalised names): skipping them before any hashing keeps
    // tagging cheap (build_tables checks the table for this).
    if (t.kind == TokenKind::kLetter && t.begin < text.size() && text[t.begin] >= 'a' &&
        text[t.begin] <= 'z') {
      continue;
    }
    if (t.term.size() == 3 && t.kind == TokenKind::kLetter) {
      auto c = tb.codes.find(t.term);
      if (c != tb.codes.end() && t.end - t.begin == 3 &&
          text.substr(t.begin, 3) == std::string_view(c->second)) {
        if (!is_shouting()) {
          note(found, tb.weak_codes.count(c->second) ? Rule::kWeak : Rule::kName, {c->second}, text,
               t.begin, t.end);
        }
        continue;
      }
    }
    auto it = tb.by_first.find(t.term);
    if (it == tb.by_first.end()) continue;
    for (const Entry& e : it->second) {
      if (!matches(e, tokens, i, text)) continue;
      if (e.words.front().all_caps && is_shouting()) continue;
      note(found, e.rule, e.codes, text, t.begin, tokens[i + e.words.size() - 1].end);
      i += e.words.size() - 1;  // the longest match takes its words
      break;
    }
  }
}

std::vector<std::string> tag_found(Found& found) {
  std::vector<std::string> out(found.strong.begin(), found.strong.end());
  for (const std::string& c : found.weak) {
    if (!found.strong.count(c) && found.signs.count(c)) out.push_back(c);
  }
  std::sort(out.begin(), out.end());
  return out;
}

}  // namespace

// The tagger's tables are the process-wide ones; Tables is only the header's opaque handle.
struct CountryTagger::Tables {
  const NocTables& noc;
};

const std::vector<CountryInfo>& country_table() {
  return tables().table;
}

const CountryInfo* find_country(std::string_view ioc_code) {
  const std::string code = upper_ascii(ioc_code);
  for (const CountryInfo& c : tables().table) {
    if (c.code == code) return &c;
  }
  return nullptr;
}

CountryTagger::CountryTagger(const Analyzer&) {
  static const Tables shared{tables()};
  tables_ = &shared;
}
CountryTagger::~CountryTagger() = default;

std::vector<std::string> CountryTagger::tag(const Article& a, const std::vector<Token>& title,
                                            const std::vector<Token>& body) const {
  Found found;
  scan(tables_->noc, title, a.title, found);
  scan(tables_->noc, body, a.body, found);
  return tag_found(found);
}

std::vector<std::string> CountryTagger::explain(const Article& a, const std::vector<Token>& title,
                                                const std::vector<Token>& body) const {
  std::vector<std::string> evidence;
  Found found;
  found.evidence = &evidence;
  scan(tables_->noc, title, a.title, found);
  scan(tables_->noc, body, a.body, found);
  std::string line = "tags:";
  for (const std::string& c : tag_found(found)) line += " " + c;
  evidence.insert(evidence.begin(), line);
  return evidence;
}

std::string country_label(std::string_view ioc_code) {
  const CountryInfo* c = find_country(ioc_code);
  return c ? std::string(c->name) : std::string(ioc_code);
}

// From the rules version and the table's text alone: every searcher checks the index's
// identity at open, and building the tables (an analyzer over every name) cost a
// one-shot query about 5 % of its time although a search never tags.
std::string countries_identity() {
  static const std::string id = [] {
    char hex[17];
    std::snprintf(hex, sizeof hex, "%016llx", static_cast<unsigned long long>(table_hash()));
    return std::string("countries:") + std::string(kRulesVersion) + ":" + hex;
  }();
  return id;
}

// `country:JPN`, `country:japon`, `country:日本`, `country:"south korea"`. A name that means
// two NOCs is an error that lists them: OR-ing both would answer a question not asked.
bool schema::resolve_country_value(std::string_view value, std::vector<std::string>& values,
                                   std::string& error) {
  // The analyzer drops the star: "JPN*" would quietly be JPN.
  if (value.find('*') != std::string_view::npos) {
    error = "wildcards work on words, not on country: values";
    return false;
  }
  thread_local Analyzer analyzer;  // queries run on several threads
  const std::string key = key_of(analyzer.tokenize(value));
  const auto& by_key = tables().by_key;
  auto it = key.empty() ? by_key.end() : by_key.find(key);
  if (it == by_key.end() || it->second.empty()) {
    error = "unknown country '" + std::string(value) + "'; use an IOC code such as JPN or a name";
    return false;
  }
  if (it->second.size() > 1) {
    error = "country '" + std::string(value) + "' is ambiguous: it may mean";
    const char* sep = " ";
    for (const std::string& c : it->second) {
      error += sep + c + " (" + country_label(c) + ")";
      sep = " or ";
    }
    error += "; use the IOC code";
    return false;
  }
  values.assign(it->second.begin(), it->second.end());
  return true;
}

}  // namespace oly
