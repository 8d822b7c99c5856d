#include "json_printer.h"

#include <ostream>

#include "output.h"
#include "schema.h"

namespace oly {
namespace {

using Json = nlohmann::ordered_json;

Json ranges_json(const std::vector<ByteRange>& rs) {
  auto a = Json::array();
  for (const auto& r : rs) a.push_back({r.begin, r.end});
  return a;
}

// A missing date is null, not "": a script can tell "no date" without knowing our format.
Json date_json(const std::string& date) {
  return date.empty() ? Json() : Json(date);
}

// The printed fields of `a` (schema::kPrinted) in their order, those for which `pick`
// holds. Lists print as arrays, the date as date_json.
template <typename Pick>
void add_fields(Json& j, const Article& a, Pick pick) {
  for (const schema::Field* f : schema::kArticleOrder) {
    if (!f->has(schema::kPrinted) || !pick(*f)) continue;
    const std::string key(f->key);
    if (f->is_list())
      j[key] = a.*f->member.list;
    else if (f->kind == schema::FieldKind::kDate)
      j[key] = date_json(a.*f->member.text);
    else
      j[key] = a.*f->member.text;
  }
}

Json hit_json(const Hit& h, const PrintContext& ctx, bool snippets, bool collapsed) {
  const Article& a = h.article;
  Json j;
  j["version"] = kJsonVersion;
  j["type"] = "hit";
  if (ctx.line) j["line"] = *ctx.line;
  j["rank"] = h.rank;
  add_fields(j, a, [](const schema::Field& f) { return f.has(schema::kHitHead); });
  j["score"] = h.score;
  add_fields(j, a, [](const schema::Field& f) {
    return !f.has(schema::kHitless) && !f.has(schema::kHitHead) && !f.has(schema::kHitTail);
  });
  if (snippets) {
    j["snippet"] = {{"text", h.snippet.text}, {"highlights", ranges_json(h.snippet.highlights)}};
  } else {
    j["snippet"] = nullptr;  // --snippets 0: the key stays, so the schema does not change
  }
  j["title_highlights"] = ranges_json(h.title_highlights);
  j["matches"] = ranges_json(h.matches);
  j["matches_truncated"] = h.matches_truncated;
  add_fields(j, a, [](const schema::Field& f) {
    return f.has(schema::kHitTail) && !f.has(schema::kHitless);
  });
  if (collapsed) {
    // The other members of the hit's group that match the request: the exact number, and
    // the first dupes::kMaxSimilarIds ids in id order.
    j["similar"] = h.similar_count;
    j["similar_ids"] = h.similar_ids;
  }
  // --recency: `score` is the blended one; the BM25 relevance it came from, last (JSON
  // version 1 is only extended).
  if (h.relevance) j["relevance"] = *h.relevance;
  return j;
}

// {"source":{"values":[{"value":"Reuters","count":12}],"distinct":N,"missing":N,
// "estimated":false}, ...} in the order asked; "label" only where it says more than the value.
Json facets_json(const std::vector<FacetCounts>& facets) {
  Json all = Json::object();
  for (const FacetCounts& f : facets) {
    auto values = Json::array();
    for (const FacetValue& v : f.values) {
      Json one;
      one["value"] = v.value;
      if (v.label != v.value) one["label"] = v.label;
      one["count"] = v.count;
      values.push_back(std::move(one));
    }
    all[f.name] = {{"values", std::move(values)},
                   {"distinct", f.distinct},
                   {"missing", f.missing},
                   {"estimated", f.estimated}};
  }
  return all;
}

Json summary_json(const SearchResult& r, const PrintContext& ctx) {
  Json s;
  s["version"] = kJsonVersion;
  s["type"] = "summary";
  if (ctx.line) s["line"] = *ctx.line;
  s["query"] = r.query;
  s["understood"] = r.understood;
  s["estimated_total"] = r.estimated;
  s["total_is_exact"] = r.total_is_exact();
  s["returned"] = r.hits.size();
  s["elapsed_ms"] = r.elapsed_ms;
  auto failed = Json::array();
  for (const auto& f : r.shards_failed) failed.push_back({{"shard", f.shard}, {"error", f.error}});
  s["shards"] = {{"total", r.shards_total}, {"failed", failed}};
  // Only when asked: a summary without facets keeps its keys (JSON version 1, extended).
  if (!r.facets.empty()) s["facets"] = facets_json(r.facets);
  // Did you mean (never applied): the rewritten query, or null when there is none.
  s["suggestion"] = r.suggestion.empty() ? Json(nullptr) : Json(r.suggestion);
  return s;
}

}  // namespace

Json article_json(const Article& a) {
  Json j;
  add_fields(j, a, [](const schema::Field&) { return true; });
  return j;
}

const char* failure_kind_name(RequestFailure::Kind kind) {
  switch (kind) {
    case RequestFailure::Kind::kSyntax:
      return "syntax";
    case RequestFailure::Kind::kRequest:
      return "request";
    case RequestFailure::Kind::kIndex:
      return "index";
  }
  return "request";  // not reached: every kind is named above (-Wswitch checks it)
}

Json failure_json(const RequestFailure& f, const PrintContext& ctx) {
  Json j;
  j["version"] = kJsonVersion;
  j["type"] = "error";
  if (ctx.line) j["line"] = *ctx.line;
  j["error"] = f.message;
  j["kind"] = failure_kind_name(f.kind);
  // A column only means something in the query's text.
  if (f.kind == RequestFailure::Kind::kSyntax && f.column) j["column"] = *f.column;
  return j;
}

void JsonPrinter::result(std::ostream& out, const SearchResult& r, const PrintContext& ctx) {
  const bool snippets = ctx.snippets.value_or(options_.snippets);
  for (const Hit& h : r.hits) out << json_text(hit_json(h, ctx, snippets, r.collapsed)) << '\n';
  out << json_text(summary_json(r, ctx)) << '\n';
}

void JsonPrinter::failure(std::ostream& out, const RequestFailure& f, const PrintContext& ctx) {
  out << json_text(failure_json(f, ctx)) << '\n';
}

}  // namespace oly
