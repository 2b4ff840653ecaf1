#include "warden/common/time.hpp"

#include <charconv>
#include <cstdint>

#include <date/date.h>
#include <fmt/format.h>

namespace warden {
namespace {

std::optional<std::int64_t> parse_uint(std::string_view s) noexcept {
    if (s.empty() || s.size() > 12) return std::nullopt;
    std::int64_t v = 0;
    auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
    if (ec != std::errc{} || p != s.data() + s.size() || v < 0) return std::nullopt;
    return v;
}

bool digits(std::string_view s, std::size_t pos, std::size_t n) noexcept {
    if (pos + n > s.size()) return false;
    for (std::size_t i = pos; i < pos + n; ++i)
        if (s[i] < '0' || s[i] > '9') return false;
    return true;
}

int num(std::string_view s, std::size_t pos, std::size_t n) noexcept {
    int v = 0;
    for (std::size_t i = pos; i < pos + n; ++i) v = v * 10 + (s[i] - '0');
    return v;
}

}  // namespace

std::optional<milliseconds> parse_duration(std::string_view text) noexcept {
    struct unit {
        std::string_view suffix;
        std::int64_t ms;
    };
    static constexpr unit units[] = {
        {"ms", 1}, {"s", 1000}, {"m", 60'000}, {"h", 3'600'000}, {"d", 86'400'000}};
    for (const auto& u : units) {
        if (text.size() <= u.suffix.size() || !text.ends_with(u.suffix)) continue;
        auto number = text.substr(0, text.size() - u.suffix.size());
        // "5ms" also ends with "s": only accept when the rest is all digits.
        auto v = parse_uint(number);
        if (!v) continue;
        if (*v > (std::int64_t{1} << 40) / u.ms) return std::nullopt;  // absurdly long
        return milliseconds{*v * u.ms};
    }
    return std::nullopt;
}

std::string format_duration(milliseconds d) {
    auto ms = d.count();
    if (ms != 0) {
        if (ms % 86'400'000 == 0) return fmt::format("{}d", ms / 86'400'000);
        if (ms % 3'600'000 == 0) return fmt::format("{}h", ms / 3'600'000);
        if (ms % 60'000 == 0) return fmt::format("{}m", ms / 60'000);
        if (ms % 1000 == 0) return fmt::format("{}s", ms / 1000);
    } else {
        return "0s";
    }
    return fmt::format("{}ms", ms);
}

std::string format_time(time_point t) {
    auto day = date::floor<date::days>(t);
    date::year_month_day ymd{day};
    date::hh_mm_ss<milliseconds> tod{t - day};
    return fmt::format("{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{:03}Z", int(ymd.year()), unsigned(ymd.month()),
                       unsigned(ymd.day()), tod.hours().count(), tod.minutes().count(), tod.seconds().count(),
                       tod.subseconds().count());
}

std::optional<time_point> parse_time(std::string_view s) noexcept {
    // YYYY-MM-DDTHH:MM:SS[.fff...](Z|+HH:MM|-HH:MM)
    if (s.size() < 20 || !digits(s, 0, 4) || s[4] != '-' || !digits(s, 5, 2) || s[7] != '-' ||
        !digits(s, 8, 2) || (s[10] != 'T' && s[10] != 't' && s[10] != ' ') || !digits(s, 11, 2) ||
        s[13] != ':' || !digits(s, 14, 2) || s[16] != ':' || !digits(s, 17, 2))
        return std::nullopt;
    date::year_month_day ymd{date::year{num(s, 0, 4)}, date::month{unsigned(num(s, 5, 2))},
                             date::day{unsigned(num(s, 8, 2))}};
    int hh = num(s, 11, 2), mm = num(s, 14, 2), ss = num(s, 17, 2);
    if (!ymd.ok() || hh > 23 || mm > 59 || ss > 60) return std::nullopt;
    std::size_t pos = 19;
    std::int64_t frac_ms = 0;
    if (pos < s.size() && s[pos] == '.') {
        ++pos;
        std::size_t start = pos;
        int scale = 100;
        while (pos < s.size() && s[pos] >= '0' && s[pos] <= '9') {
            frac_ms += (s[pos] - '0') * scale;
            scale /= 10;
            ++pos;
        }
        if (pos == start) return std::nullopt;
    }
    std::int64_t offset_min = 0;
    if (pos < s.size() && (s[pos] == 'Z' || s[pos] == 'z')) {
        ++pos;
    } else if (pos < s.size() && (s[pos] == '+' || s[pos] == '-')) {
        if (!digits(s, pos + 1, 2) || pos + 3 >= s.size() || s[pos + 3] != ':' || !digits(s, pos + 4, 2))
            return std::nullopt;
        offset_min = num(s, pos + 1, 2) * 60 + num(s, pos + 4, 2);
        if (s[pos] == '-') offset_min = -offset_min;
        pos += 6;
    } else {
        return std::nullopt;
    }
    if (pos != s.size()) return std::nullopt;
    auto t = date::sys_days{ymd} + std::chrono::hours{hh} + std::chrono::minutes{mm} +
             std::chrono::seconds{ss} + milliseconds{frac_ms} - std::chrono::minutes{offset_min};
    return std::chrono::time_point_cast<milliseconds>(t);
}

std::optional<int> parse_time_of_day(std::string_view s) noexcept {
    if (s.size() != 5 || !digits(s, 0, 2) || s[2] != ':' || !digits(s, 3, 2)) return std::nullopt;
    int h = num(s, 0, 2), m = num(s, 3, 2);
    if (h == 24 && m == 0) return 24 * 60;
    if (h > 23 || m > 59) return std::nullopt;
    return h * 60 + m;
}

bool time_window::contains(int minute) const noexcept {
    if (from_minute == to_minute) return true;
    if (from_minute < to_minute) return minute >= from_minute && minute < to_minute;
    return minute >= from_minute || minute < to_minute;
}

std::optional<time_window> parse_time_window(std::string_view s) noexcept {
    auto dash = s.find('-');
    if (dash == std::string_view::npos) return std::nullopt;
    auto from = parse_time_of_day(s.substr(0, dash));
    auto to = parse_time_of_day(s.substr(dash + 1));
    if (!from || !to || *from == 24 * 60) return std::nullopt;
    return time_window{*from, *to % (24 * 60)};
}

std::string format_time_window(const time_window& w) {
    return fmt::format("{:02}:{:02}-{:02}:{:02}", w.from_minute / 60, w.from_minute % 60, w.to_minute / 60,
                       w.to_minute % 60);
}

}  // namespace warden
