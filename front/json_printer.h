// JSON Lines for scripts and the HTTP server (schema version 1, see README "JSON schema"):
// one object per hit, then a summary object; an error object for a request that failed.
// Every object is printed by json_text(), one per line.
#pragma once

#include <cstddef>
#include <nlohmann/json.hpp>
#include <ostream>

#include "article.h"
#include "printer.h"
#include "search.h"

namespace oly {

// A stored article as one object: id, title, date (null when undated), source, url, lang,
// tags, body. GET /articles/{id} prints it.
nlohmann::ordered_json article_json(const Article& a);

// The error object of a failed request: version, type "error", line (when `ctx` has one),
// error (the whole message), kind ("syntax", "request" or "index") and, for a syntax
// error, column (1-based characters). The keys of schema 1 keep their places; the new
// ones come last, so a consumer may add more (the server's "status").
nlohmann::ordered_json failure_json(const RequestFailure& f, const PrintContext& ctx);

// The name of a failure's kind in the "kind" key.
const char* failure_kind_name(RequestFailure::Kind kind);

class JsonPrinter : public ResultPrinter {
 public:
  explicit JsonPrinter(const PrintOptions& options) : options_(options) {}
  void result(std::ostream& out, const SearchResult& r, const PrintContext& ctx) override;
  void failure(std::ostream& out, const RequestFailure& f, const PrintContext& ctx) override;

 private:
  PrintOptions options_;
};

}  // namespace oly
