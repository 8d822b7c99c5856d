#include "facets.h"

#include "search.h"

// PLACEHOLDER: the facets task replaces this file.
namespace oly {

std::vector<FacetSpec> parse_facet_list(std::string_view text) {
  if (!text.empty()) throw RequestError("facets are not implemented yet");
  return {};
}

}  // namespace oly
