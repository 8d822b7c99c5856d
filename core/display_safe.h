// Text made safe to show on a terminal. Article text, paths, queries and shard names are
// untrusted, and every line a person reads — the searcher's output, the indexer's
// `path:line: error:` diagnostics — shows them, so this lives in the core, not in a front
// end.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace oly {

// How a control character is shown instead of obeyed, for people reading text taken from
// articles and queries: C0 controls as their control pictures (NUL -> U+2400), DEL as
// U+2421, C1 controls and the bidi embeddings, overrides and isolates (U+202A-202E,
// U+2066-2069) as "<U+XXXX>"; std::nullopt for any other character. The terminal output
// and the web page both use it (each first handles the breaks it keeps).
std::optional<std::string> shown_control(char32_t c);

// `text` made safe to print on a terminal: a raw ESC, C1 CSI (U+009B) or bidi override
// could retitle the terminal, clear it, or make a line read differently from its bytes.
// Tab, CR, VT, FF, NEL, U+2028 and U+2029 become a space (and LF too, unless
// `keep_newlines`); other C0 controls and DEL become their Unicode control pictures
// (ESC -> U+241B); other C1 controls and the bidi embeddings, overrides and isolates
// (U+202A-202E, U+2066-2069) become "<U+XXXX>"; invalid UTF-8 becomes U+FFFD.
std::string terminal_safe(std::string_view text, bool keep_newlines = false);

}  // namespace oly
