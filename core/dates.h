// Relative dates for scripts: `--since 7d`, `--until yesterday`, `date:last-month`,
// resolved against "today" (the UTC date, or a fixed one for tests and reproducible runs).
//
// The forms (ASCII, case-insensitive), for a today T:
//   today, yesterday          the day T, the day before T
//   Nd, Nw                    the day N days / 7N days before T (0d is T)
//   Nm, Ny                    the same day number N calendar months / years before T,
//                             clamped to the month's end (2024-05-31 - 3m = 2024-02-29,
//                             2024-02-29 - 1y = 2023-02-28)
//   this-week, last-week      ISO weeks, Monday to Sunday
//   this-month, last-month    calendar months
//   this-year, last-year      calendar years
// A named period is every day of it (this-week runs to its Sunday, even after T). As a
// range end a form stands for its first day (start) or last day (end), like `2024-08`.
#pragma once

#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>

namespace oly {

// True when `ymd` is a real calendar day written YYYY-MM-DD (year 0001 to 9999).
bool valid_day(std::string_view ymd);

// Today's UTC date as YYYY-MM-DD, or `override_today` when it is not empty. Throws
// std::invalid_argument when the override is not a valid_day: a wrong "today" would
// silently shift every relative date.
std::string today_utc(std::string_view override_today = {});

// A date range in YYYYMMDD, either end "" when open.
struct DateBounds {
  std::string lo, hi;
};

struct RelativeDate {
  DateBounds period;  // the days the form names (one day for today, yesterday, Nd ...)
  // Nd/Nw/Nm/Ny: a day counted back from today. Alone as `date:7d` it means that day up
  // to today, both included (8 days); today and yesterday are not counted forms.
  bool counted = false;
};

// A form that looks relative but is wrong (`7x`, `last-fortnight`, `-3d`, a count reaching
// before year 1). `column` is 1-based in the text given.
class RelativeDateError : public std::runtime_error {
 public:
  RelativeDateError(std::size_t column, const std::string& what)
      : std::runtime_error(what), column_(column) {}
  std::size_t column() const { return column_; }

 private:
  std::size_t column_;
};

// Resolves one relative form against `today` (YYYY-MM-DD, valid). Returns std::nullopt
// when `text` is not written as a relative form at all (an absolute date, or junk, for the
// caller to judge); throws RelativeDateError when it is one but cannot be resolved.
std::optional<RelativeDate> resolve_relative_date(std::string_view text, std::string_view today);

}  // namespace oly
