// Relative dates for scripts: `--since 7d`, `--until yesterday`, `date:last-month`,
// resolved against "today" (the UTC date, or a fixed one for tests and reproducible runs).
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace oly {

// Today's UTC date as YYYY-MM-DD, or `override_today` when it is not empty (validated by
// the caller: see resolve_relative_date).
std::string today_utc(std::string_view override_today = {});

// A date range in YYYYMMDD, either end "" when open.
struct DateBounds {
  std::string lo, hi;
};

// PLACEHOLDER interface: the dates task designs and documents the accepted forms.
std::optional<DateBounds> resolve_relative_date(std::string_view text, std::string_view today);

}  // namespace oly
