// Ranking switches: how a parsed query is weighted (exact forms and stems, proximity,
// feedback, field weights). Owned by the ranking task; placeholder.
#pragma once

namespace oly {

struct RankingOptions {
  // The ranking task defines the switches here (each with its default and its flag).
};

}  // namespace oly
