// Printers for search results: text for people (ANSI colour optional), JSON Lines for
// scripts, ids, count. Snippets arrive as data; only these functions decide the look.
#pragma once

#include <iosfwd>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>

#include "search.h"

namespace oly {

// Version of the JSON objects printed by --json and --batch (the "version" field).
inline constexpr int kJsonVersion = 1;

// Text for people. Every field taken from an article or a query is made terminal-safe.
// Without `snippets` (--snippets 0) a hit is its title line only.
void print_text(std::ostream& out, const SearchResult& r, bool color, bool snippets = true);
// One object per hit, then a summary object; `line` is the query's line in --batch.
// Without `snippets` (--snippets 0) each hit's "snippet" is null.
void print_json(std::ostream& out, const SearchResult& r, std::optional<std::size_t> line = {},
                bool snippets = true);
// One id per line (after "LINE<TAB>" when `line` is given), terminal-safe; returns how
// many ids had to be escaped, so that the caller can warn that they are not exact.
std::size_t print_ids(std::ostream& out, const SearchResult& r,
                      std::optional<std::size_t> line = {});
// An error object for --batch (the message is also on stderr).
void print_json_error(std::ostream& out, const std::string& message, std::size_t line);

// `text` made safe to print on a terminal: article text and queries are untrusted, and a
// raw ESC, C1 CSI (U+009B) or bidi override could retitle the terminal, clear it, or make
// a line read differently from its bytes. Tab, CR, VT, FF, NEL, U+2028 and U+2029 become a
// space (and LF too, unless `keep_newlines`); other C0 controls and DEL become their
// Unicode control pictures (ESC -> U+241B); other C1 controls and the bidi embeddings,
// overrides and isolates (U+202A-202E, U+2066-2069) become "<U+XXXX>"; invalid UTF-8
// becomes U+FFFD.
std::string terminal_safe(std::string_view text, bool keep_newlines = false);

// `nlohmann::json::dump()` output with DEL, the C1 controls, U+2028/U+2029 and the bidi
// controls above written as \uXXXX escapes as well: the same JSON value, but safe to view
// in a terminal and to embed in JavaScript. Invalid UTF-8 becomes U+FFFD.
std::string json_text(const nlohmann::ordered_json& j);

// Whether --color MODE (auto, always, never) means colour. `auto` colours only a terminal,
// and not when NO_COLOR is set to anything non-empty (no-color.org) or TERM is unset,
// empty or "dumb" (a terminal that knows no ANSI sequences).
bool color_wanted(std::string_view mode, bool stdout_is_terminal, const char* no_color,
                  const char* term);

// `text` with each range wrapped in `open` / `close`, and made terminal-safe piece by
// piece, so that the ranges (byte offsets into the raw text) still land on the right
// characters.
std::string mark_up(const std::string& text, const std::vector<ByteRange>& ranges,
                    const std::string& open, const std::string& close);

}  // namespace oly
