// Printers for search results: text for people (ANSI colour optional), JSON Lines for
// scripts, ids, count. Snippets arrive as data; only these functions decide the look.
#pragma once

#include <iosfwd>
#include <optional>
#include <string>

#include "search.h"

namespace oly {

// Version of the JSON objects printed by --json and --batch (the "version" field).
inline constexpr int kJsonVersion = 1;

void print_text(std::ostream& out, const SearchResult& r, bool color);
// One object per hit, then a summary object; `line` is the query's line in --batch.
void print_json(std::ostream& out, const SearchResult& r, std::optional<std::size_t> line = {});
void print_ids(std::ostream& out, const SearchResult& r);
// An error object for --batch (the message is also on stderr).
void print_json_error(std::ostream& out, const std::string& message, std::size_t line);

// `text` with each range wrapped in `open` / `close`.
std::string mark_up(const std::string& text, const std::vector<ByteRange>& ranges,
                    const std::string& open, const std::string& close);

}  // namespace oly
