// One interface for every way a search result is shown: text for people, JSON Lines for
// scripts, ids, a count, and HTML for the web page. The searcher (one query or --batch)
// and the HTTP server hand their results to a ResultPrinter and never format by hand.
#pragma once

#include <cstddef>
#include <iosfwd>
#include <memory>
#include <optional>
#include <string>

#include "search.h"

namespace oly {

enum class OutputFormat { kText, kJson, kIds, kCount, kHtml };

// Fixed for a printer's life (a run, a server).
struct PrintOptions {
  bool color = false;    // ANSI colour (text only)
  bool snippets = true;  // false for --snippets 0: no snippet shown (JSON: "snippet": null)
};

// Where one result sits: its line in a --batch input (JSON and ids print it), if any.
struct PrintContext {
  std::optional<std::size_t> line;
};

// A query that could not be answered: a syntax error (with its 1-based column), a bad
// request field, or index trouble.
struct RequestFailure {
  enum class Kind { kSyntax, kRequest, kIndex };
  Kind kind = Kind::kRequest;
  std::string message;
  std::optional<std::size_t> column;  // syntax errors only
};

class ResultPrinter {
 public:
  virtual ~ResultPrinter() = default;
  // One query's answer (hits, then whatever summary the format has).
  virtual void result(std::ostream& out, const SearchResult& r, const PrintContext& ctx) = 0;
  // One query that failed (JSON: an error object; text: nothing on stdout — the caller
  // reports on stderr).
  virtual void failure(std::ostream& out, const RequestFailure& f, const PrintContext& ctx) = 0;
  // Ids that had to be escaped to be printed (they are then not exact); 0 for formats
  // that print no ids.
  virtual std::size_t escaped_ids() const { return 0; }
};

std::unique_ptr<ResultPrinter> make_printer(OutputFormat format, const PrintOptions& options);

}  // namespace oly
