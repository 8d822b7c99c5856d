// Sample values for any field of the schema table (core/schema.h), so that tests can run
// over schema::kFields and cover a new row without being edited.
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "article.h"
#include "schema.h"

namespace oly::test {

// A value of field `f` that its input rule keeps as it is (a date normalised, a language
// code), different for each `variant` (0 or 1).
inline std::vector<std::string> sample_values(const schema::Field& f, int variant) {
  const std::string v = std::to_string(variant);
  switch (f.input) {
    case schema::InputRule::kDate:
      return {variant ? "2024-08-12" : "2021-07-23"};
    case schema::InputRule::kLanguage:
      return {variant ? "de" : "fr"};
    case schema::InputRule::kList:
      return {std::string(f.key) + " one " + v, "two " + v};
    case schema::InputRule::kText:
    case schema::InputRule::kIdentifier:
      break;
  }
  return {std::string(f.key) + " value " + v};
}

inline void set_field(Article& a, const schema::Field& f, const std::vector<std::string>& values) {
  if (f.is_list())
    a.*f.member.list = values;
  else
    a.*f.member.text = values.empty() ? std::string() : values.front();
}

// The field's values (a text field: none when empty).
inline std::vector<std::string> field_values(const Article& a, const schema::Field& f) {
  if (f.is_list()) return a.*f.member.list;
  const std::string& v = a.*f.member.text;
  return v.empty() ? std::vector<std::string>{} : std::vector<std::string>{v};
}

// An article with every field of the table set to its sample.
inline Article full_sample(int variant = 0) {
  Article a;
  for (const schema::Field& f : schema::kFields) set_field(a, f, sample_values(f, variant));
  return a;
}

// The sample as the JSON value an input record would hold.
inline nlohmann::json sample_json(const schema::Field& f, int variant) {
  const auto values = sample_values(f, variant);
  if (f.is_list()) return values;
  return values.front();
}

}  // namespace oly::test
