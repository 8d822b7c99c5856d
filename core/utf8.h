// UTF-8 validation and repair, done once when text enters the system (readers), so that
// stored records, JSON output and byte offsets always refer to valid UTF-8.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace oly {

// Index of the first byte that starts an invalid sequence, or npos when `s` is valid.
std::size_t find_invalid_utf8(std::string_view s);

// Returns `s` with every invalid sequence replaced by U+FFFD; `replaced` (if given)
// receives how many replacements were made.
std::string repair_utf8(std::string_view s, std::size_t* replaced = nullptr);

// The largest n <= pos such that s[n] does not fall inside a multi-byte sequence; used to
// cut text without splitting a character.
std::size_t utf8_floor(std::string_view s, std::size_t pos);

}  // namespace oly
