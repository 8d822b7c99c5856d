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

// Where one result sits: its line in a --batch input (JSON, ids and count print it), if
// any.
struct PrintContext {
  std::optional<std::size_t> line;
  // This request's own choice when it differs from PrintOptions::snippets (a --batch line
  // or an HTTP request with "snippets": 0); unset: the printer's option.
  std::optional<bool> snippets;
};

// A query that could not be answered: a syntax error (with its 1-based column), a bad
// request field, or index trouble. `message` is the whole message as shown to the user
// (the JSON error object's "error", e.g. "query:4:6: error: unbalanced quote").
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
  // Ids that had to be escaped to be printed (they are then not exact), counted over the
  // printer's life; 0 for formats that print no ids.
  virtual std::size_t escaped_ids() const { return 0; }
};

// The printer for `format`; never null (throws std::logic_error if a format has none).
std::unique_ptr<ResultPrinter> make_printer(OutputFormat format, const PrintOptions& options);

}  // namespace oly
