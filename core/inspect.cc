#include "inspect.h"

#include <nlohmann/json.hpp>

#include <ostream>

#include "analyzer.h"
#include "utf8.h"

namespace oly {

void write_analysis(std::ostream& out, std::string_view text, const std::string& language,
                    bool json) {
  Analyzer analyzer;
  Stemmer stem(language);
  // Offsets refer to the repaired text, which is what the indexer would store.
  const std::string repaired = repair_utf8(text);
  text = repaired;
  for (const Token& t : analyzer.tokenize(text)) {
    if (!out) return;  // closed pipe or write error: the caller reports it
    const std::string s = stem(t);
    if (json) {
      nlohmann::ordered_json j{
          {"term", t.term},         {"stem", s},
          {"position", t.position}, {"begin", t.begin},
          {"end", t.end},           {"text", std::string(text.substr(t.begin, t.end - t.begin))}};
      out << j.dump() << '\n';
    } else {
      out << t.term << '\t' << s << '\t' << t.position << '\t' << t.begin << '\t' << t.end << '\n';
    }
  }
}

}  // namespace oly
