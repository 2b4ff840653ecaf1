#pragma once
/// Durations ("500ms", "30s", "10m", "3h", "1d") and timestamps (ISO 8601 UTC, ms precision).
/// Pure functions, thread-safe.

#include <chrono>
#include <optional>
#include <string>
#include <string_view>

namespace warden {

using clock_type = std::chrono::system_clock;
/// Wall-clock instant, millisecond precision. Everything persisted or compared across restarts uses this.
using time_point = std::chrono::time_point<clock_type, std::chrono::milliseconds>;
using std::chrono::milliseconds;

/// Parses "500ms", "30s", "10m", "3h", "1d" (a positive integer and one unit; "0s" allowed).
/// Returns nullopt for anything else (no spaces, no fractions, no sign, no compound "1h30m").
std::optional<milliseconds> parse_duration(std::string_view text) noexcept;
/// The shortest exact form: 90000ms -> "90s", 3600000ms -> "1h", 1500ms -> "1500ms".
std::string format_duration(milliseconds d);

/// "2026-11-28T12:00:00.123Z".
std::string format_time(time_point t);
/// Parses RFC 3339 / ISO 8601 with 'Z' or a numeric offset, optional fraction; nullopt if invalid.
std::optional<time_point> parse_time(std::string_view text) noexcept;

/// Now, truncated to milliseconds.
inline time_point now_ms() {
    return std::chrono::time_point_cast<milliseconds>(clock_type::now());
}

/// A time of day "HH:MM" (00:00..23:59, or 24:00 as the end of a window) in minutes since midnight.
std::optional<int> parse_time_of_day(std::string_view text) noexcept;

/// A daily window in local wall-clock time, [from, to) in minutes since midnight;
/// from > to crosses midnight ("22:00-07:00"); from == to means all day.
struct time_window {
    int from_minute = 0;
    int to_minute = 0;
    bool operator==(const time_window&) const = default;
    /// True if the local minute-of-day lies inside the window.
    bool contains(int minute_of_day) const noexcept;
};
/// Parses "22:00-07:00"; nullopt if invalid.
std::optional<time_window> parse_time_window(std::string_view text) noexcept;
std::string format_time_window(const time_window& w);

}  // namespace warden
