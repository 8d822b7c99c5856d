#include "dates.h"

#include <fmt/format.h>

#include <algorithm>
#include <charconv>
#include <chrono>
#include <cstdint>

namespace oly {

namespace {

using std::chrono::year_month_day;

std::optional<year_month_day> parse_day(std::string_view s) {
  auto num = [](std::string_view v, int& n) {
    if (v.empty() || !std::all_of(v.begin(), v.end(), [](char c) { return c >= '0' && c <= '9'; }))
      return false;
    return std::from_chars(v.data(), v.data() + v.size(), n).ec == std::errc();
  };
  int y, m, d;
  if (s.size() != 10 || s[4] != '-' || s[7] != '-' || !num(s.substr(0, 4), y) ||
      !num(s.substr(5, 2), m) || !num(s.substr(8, 2), d) || y < 1) {
    return std::nullopt;
  }
  const year_month_day ymd{std::chrono::year{y}, std::chrono::month{static_cast<unsigned>(m)},
                           std::chrono::day{static_cast<unsigned>(d)}};
  if (!ymd.ok()) return std::nullopt;
  return ymd;
}

std::string compact(const year_month_day& d) {
  return fmt::format("{:04}{:02}{:02}", static_cast<int>(d.year()),
                     static_cast<unsigned>(d.month()), static_cast<unsigned>(d.day()));
}

year_month_day plus_days(const year_month_day& d, std::int64_t n) {
  return year_month_day{std::chrono::sys_days{d} + std::chrono::days{n}};
}

year_month_day last_of_month(int y, unsigned m) {
  return year_month_day{std::chrono::year{y} / std::chrono::month{m} / std::chrono::last};
}

// The relative forms stop at year 1: our dates are written with four digits.
[[noreturn]] void too_far(std::string_view text) {
  throw RelativeDateError(1, "'" + std::string(text) + "' reaches back before the year 0001");
}

// Nd, Nw, Nm, Ny: the day counted back from `t` (see dates.h for month ends).
year_month_day count_back(year_month_day t, std::uint64_t n, char unit, std::string_view text) {
  const int y = static_cast<int>(t.year());
  const unsigned m = static_cast<unsigned>(t.month());
  // Bounds well past year 1 keep the arithmetic below far from any overflow.
  const std::uint64_t max_units = unit == 'd'   ? 4'000'000
                                  : unit == 'w' ? 600'000
                                  : unit == 'm' ? 130'000
                                                : 10'000;
  if (n > max_units) too_far(text);
  std::int64_t index;  // months since year 0 (y*12 + m-1)
  if (unit == 'd' || unit == 'w') {
    const year_month_day d = plus_days(t, -static_cast<std::int64_t>(unit == 'w' ? n * 7 : n));
    if (static_cast<int>(d.year()) < 1) too_far(text);
    return d;
  }
  index = std::int64_t{y} * 12 + (m - 1) - static_cast<std::int64_t>(unit == 'y' ? n * 12 : n);
  if (index < 12) too_far(text);
  const int y2 = static_cast<int>(index / 12);
  const unsigned m2 = static_cast<unsigned>(index % 12) + 1;
  const year_month_day end = last_of_month(y2, m2);
  return year_month_day{end.year(), end.month(), std::min(t.day(), end.day())};
}

// this-/last- week, month, year. Weeks are ISO: Monday to Sunday.
DateBounds named_period(year_month_day t, bool last, std::string_view unit, std::string_view text) {
  const int y = static_cast<int>(t.year());
  const unsigned m = static_cast<unsigned>(t.month());
  if (unit == "week") {
    const unsigned from_monday = std::chrono::weekday{std::chrono::sys_days{t}}.iso_encoding() - 1;
    const year_month_day monday =
        plus_days(t, -static_cast<std::int64_t>(from_monday) - (last ? 7 : 0));
    if (static_cast<int>(monday.year()) < 1) too_far(text);
    const year_month_day sunday = plus_days(monday, 6);
    if (static_cast<int>(sunday.year()) > 9999) {
      throw RelativeDateError(1, "'" + std::string(text) + "' reaches past the year 9999");
    }
    return {compact(monday), compact(sunday)};
  }
  if (unit == "month") {
    const int y2 = last && m == 1 ? y - 1 : y;
    const unsigned m2 = last ? (m == 1 ? 12 : m - 1) : m;
    if (y2 < 1) too_far(text);
    return {fmt::format("{:04}{:02}01", y2, m2), compact(last_of_month(y2, m2))};
  }
  if (unit == "year") {
    const int y2 = last ? y - 1 : y;
    if (y2 < 1) too_far(text);
    return {fmt::format("{:04}0101", y2), fmt::format("{:04}1231", y2)};
  }
  throw RelativeDateError(6, "unknown period '" + std::string(unit) + "' in '" + std::string(text) +
                                 "': week, month or year");
}

bool is_digit(char c) {
  return c >= '0' && c <= '9';
}
bool is_letter(char c) {
  return c >= 'a' && c <= 'z';
}

}  // namespace

bool valid_day(std::string_view ymd) {
  return parse_day(ymd).has_value();
}

std::string today_utc(std::string_view override_today) {
  if (!override_today.empty()) {
    if (!valid_day(override_today)) {
      throw std::invalid_argument("invalid today '" + std::string(override_today) +
                                  "': expected YYYY-MM-DD");
    }
    return std::string(override_today);
  }
  // system_clock counts from the UTC epoch: its day is the UTC date.
  const year_month_day d{std::chrono::floor<std::chrono::days>(std::chrono::system_clock::now())};
  return fmt::format("{:04}-{:02}-{:02}", static_cast<int>(d.year()),
                     static_cast<unsigned>(d.month()), static_cast<unsigned>(d.day()));
}

std::optional<RelativeDate> resolve_relative_date(std::string_view text, std::string_view today) {
  const std::optional<year_month_day> t = parse_day(today);
  if (!t) throw std::invalid_argument("invalid today '" + std::string(today) + "'");
  std::string s(text);
  for (char& c : s) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  RelativeDate r;
  auto one_day = [&r](const year_month_day& d) {
    r.period = {compact(d), compact(d)};
    return r;
  };
  if (s == "today") return one_day(*t);
  if (s == "yesterday") return one_day(plus_days(*t, -1));
  for (const char* lead : {"last-", "this-"}) {
    if (s.rfind(lead, 0) == 0) {
      r.period = named_period(*t, lead[0] == 'l', std::string_view(s).substr(5), text);
      return r;
    }
  }
  if ((s[0] == '-' || s[0] == '+') && s.size() > 1 && is_digit(s[1])) {
    throw RelativeDateError(1, "a relative date counts back from today and has no sign: write '" +
                                   std::string(text.substr(1)) + "', not '" + std::string(text) +
                                   "'");
  }
  std::size_t digits = 0;
  while (digits < s.size() && is_digit(s[digits])) ++digits;
  // Digits then letters (`7d`, `7x`, `7days`); anything else is not a relative form.
  if (digits == 0 || digits == s.size() || !std::all_of(s.begin() + digits, s.end(), is_letter)) {
    return std::nullopt;
  }
  const std::string_view unit = std::string_view(s).substr(digits);
  if (unit.size() != 1 || std::string_view("dwmy").find(unit[0]) == std::string_view::npos) {
    throw RelativeDateError(digits + 1, "unknown unit '" + std::string(text.substr(digits)) +
                                            "': d (days), w (weeks), m (months) or y (years)");
  }
  std::uint64_t n = 0;
  if (std::from_chars(s.data(), s.data() + digits, n).ec != std::errc()) too_far(text);
  r.counted = true;
  return one_day(count_back(*t, n, unit[0], text));
}

}  // namespace oly
