#include "params.h"

#include <algorithm>

#include "dates.h"
#include "language.h"
#include "recency.h"

namespace oly::server {

namespace {

HttpError bad(const std::string& name, const std::string& why) {
  return HttpError(400, "request", "parameter '" + name + "': " + why);
}

// One date bound, checked alone so that the message names its own parameter.
void check_date(const std::string& name, const std::string& value, const std::string& today) {
  SearchRequest probe;
  probe.today = today;
  (name == "since" ? probe.since : probe.until) = value;
  try {
    validate_request(probe);
  } catch (const RequestError& e) {
    std::string why = e.what();
    if (why.rfind("since/until: ", 0) == 0) why.erase(0, 13);
    throw bad(name, why);
  }
}

bool truth(const std::string& name, const std::string& v) {
  if (v == "1" || v == "true") return true;
  if (v == "0" || v == "false") return false;
  throw bad(name, "expected true, false, 1 or 0, got '" + v + "'");
}

// The ranking switches (core/ranking.h): stems=tiebreak|synonym|or|exact, proximity, feedback.
void apply_ranking(const ParamMap& p, RankingOptions& o) {
  if (auto it = p.find("stems"); it != p.end()) {
    try {
      o.stems = parse_stem_mode(it->second);
    } catch (const std::invalid_argument& e) {
      throw bad("stems", e.what());
    }
  }
  if (auto it = p.find("proximity"); it != p.end()) o.proximity = truth("proximity", it->second);
  if (auto it = p.find("feedback"); it != p.end()) o.feedback = truth("feedback", it->second);
}

}  // namespace

ParamMap single_params(const std::multimap<std::string, std::string>& params,
                       const std::vector<std::string>& allowed) {
  ParamMap out;
  for (const auto& [name, value] : params) {
    if (std::find(allowed.begin(), allowed.end(), name) == allowed.end()) {
      std::string known;
      for (const auto& a : allowed) known += (known.empty() ? "" : ", ") + a;
      throw HttpError(400, "request", "unknown parameter '" + name + "' (known: " + known + ")");
    }
    // Which of two values was meant cannot be known: refuse rather than pick one.
    if (!out.emplace(name, value).second) throw bad(name, "given more than once");
  }
  return out;
}

std::size_t whole_param(const std::string& name, const std::string& text, std::size_t max) {
  const std::string range = "expected a whole number from 0 to " + std::to_string(max);
  if (text.empty() || text.size() > 12 ||
      text.find_first_not_of("0123456789") != std::string::npos) {
    throw bad(name, range + ", got '" + text + "'");
  }
  const std::size_t v = std::stoull(text);
  if (v > max)
    throw HttpError(400, "limit", "parameter '" + name + "': " + range + ", got " + text);
  return v;
}

void apply_common(const ParamMap& p, SearchRequest& r) {
  if (auto it = p.find("sort"); it != p.end()) {
    if (it->second == "relevance" || it->second.empty())
      r.sort = SortOrder::kRelevance;
    else if (it->second == "date")
      r.sort = SortOrder::kDateAscending;
    else if (it->second == "-date")
      r.sort = SortOrder::kDateDescending;
    else
      throw bad("sort", "expected relevance, date or -date, got '" + it->second + "'");
  }
  // A fixed "today" for relative dates (`since=7d`, `date:last-month`): reproducible
  // requests; without it, the server's UTC date.
  if (auto it = p.find("today"); it != p.end() && !it->second.empty()) {
    if (!valid_day(it->second))
      throw bad("today", "expected a date YYYY-MM-DD, got '" + it->second + "'");
    r.today = it->second;
  }
  for (const char* name : {"since", "until"}) {
    auto it = p.find(name);
    if (it == p.end() || it->second.empty()) continue;
    check_date(name, it->second, r.today);
    (std::string(name) == "since" ? r.since : r.until) = it->second;
  }
  if (auto it = p.find("lang"); it != p.end() && !it->second.empty()) {
    std::string tag = it->second;
    normalize_language_option(tag);
    if (!Stemmer::known(tag)) throw bad("lang", "no stemmer for language '" + it->second + "'");
    r.language = tag;
  }
}

SearchRequest request_from_params(const ParamMap& p) {
  SearchRequest r;
  auto q = p.find("q");
  if (q == p.end()) throw HttpError(400, "request", "parameter 'q' (the query) is missing");
  r.query = q->second;
  if (auto it = p.find("limit"); it != p.end())
    r.limit = whole_param("limit", it->second, kMaxLimit);
  if (auto it = p.find("offset"); it != p.end())
    r.offset = whole_param("offset", it->second, kMaxOffset);
  if (auto it = p.find("snippets"); it != p.end())
    r.snippet.fragments = whole_param("snippets", it->second, 20);
  if (auto it = p.find("any"); it != p.end()) r.match_any = truth("any", it->second);
  if (auto it = p.find("suggest"); it != p.end()) r.suggest = truth("suggest", it->second);
  if (auto it = p.find("collapse"); it != p.end()) r.collapse = truth("collapse", it->second);
  if (auto it = p.find("plain"); it != p.end()) r.plain = truth("plain", it->second);
  // An empty value (a form's empty field) asks for no facets, like an empty since.
  if (auto it = p.find("facets"); it != p.end() && !it->second.empty()) {
    try {
      r.facets = parse_facet_list(it->second);
    } catch (const RequestError& e) {
      throw bad("facets", e.what());
    }
  }
  apply_ranking(p, r.ranking);
  apply_common(p, r);
  // recency=30d blends relevance with freshness (core/recency.h); empty: off.
  if (auto it = p.find("recency"); it != p.end() && !it->second.empty()) {
    try {
      parse_half_life(it->second);
    } catch (const std::invalid_argument& e) {
      throw bad("recency", e.what());
    }
    if (r.sort != SortOrder::kRelevance) {
      throw bad("recency", "cannot be combined with a date sort (sort=-date lists newest first)");
    }
    r.recency = it->second;
  }
  check_limits(r);
  return r;
}

void check_limits(const SearchRequest& r, int too_long_status) {
  if (r.query.size() > kMaxQueryBytes) {
    throw HttpError(too_long_status, "limit",
                    "the query is " + std::to_string(r.query.size()) + " bytes long; at most " +
                        std::to_string(kMaxQueryBytes) + " are accepted");
  }
  if (r.limit > kMaxLimit) {
    throw HttpError(
        400, "limit",
        "\"limit\": at most " + std::to_string(kMaxLimit) + ", got " + std::to_string(r.limit));
  }
  if (r.offset > kMaxOffset) {
    throw HttpError(
        400, "limit",
        "\"offset\": at most " + std::to_string(kMaxOffset) + ", got " + std::to_string(r.offset));
  }
}

}  // namespace oly::server
