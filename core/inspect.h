// `indexer --analyze`: shows how the analyzer sees a text, like Elasticsearch's _analyze.
#pragma once

#include <iosfwd>
#include <string>
#include <string_view>

namespace oly {

// One token per line: term, stem, position, byte begin, byte end (tab-separated), or one
// JSON object per token when `json` is set.
void write_analysis(std::ostream& out, std::string_view text, const std::string& language,
                    bool json);

}  // namespace oly
