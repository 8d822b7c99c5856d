// What the printers share: the JSON schema version, JSON text safe for terminals and
// JavaScript, ANSI mark-up of highlight ranges, and the --color rule. The printers
// themselves are behind front/printer.h.
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "display_safe.h"
#include "snippet.h"

namespace oly {

// Version of the JSON objects printed by --json and --batch (the "version" field).
inline constexpr int kJsonVersion = 1;

// `nlohmann::json::dump()` output with DEL, the C1 controls, U+2028/U+2029 and the bidi
// controls (U+202A-202E, U+2066-2069) written as \uXXXX escapes as well: the same JSON
// value, but safe to view in a terminal and to embed in JavaScript. Invalid UTF-8 becomes
// U+FFFD.
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
