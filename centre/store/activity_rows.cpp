// How every backend lays an hour of activity out in a row (activity_rows.hpp).
#include "activity_rows.hpp"

#include <charconv>

#include <fmt/format.h>

namespace warden::centre::activity_rows {

namespace {

std::vector<std::string_view> split(std::string_view text, char sep) {
    std::vector<std::string_view> out;
    if (text.empty()) return out;
    for (;;) {
        auto at = text.find(sep);
        out.push_back(text.substr(0, at));
        if (at == std::string_view::npos) break;
        text.remove_prefix(at + 1);
    }
    return out;
}

std::int64_t to_int(std::string_view s) {
    std::int64_t v = 0;
    std::from_chars(s.data(), s.data() + s.size(), v);
    return v;
}

std::optional<double> to_temp(std::string_view s) {
    if (s.empty()) return std::nullopt;
    return std::stod(std::string(s));
}

std::string temp_text(const std::optional<double>& t) {
    return t ? fmt::format("{:.1f}", *t) : std::string();
}

}  // namespace

/// One line per room: location, role, motion, active_s, min, mean, max (empty: no temperature), tab
/// separated. Ingest refuses control characters in locations and roles.
std::string rooms_text(const std::vector<activity_room>& rooms) {
    std::string out;
    for (const auto& r : rooms) {
        if (!out.empty()) out += '\n';
        out += fmt::format("{}\t{}\t{}\t{}\t{}\t{}\t{}", r.location, r.role, r.motion, r.active_s,
                           temp_text(r.temp_min), temp_text(r.temp_mean), temp_text(r.temp_max));
    }
    return out;
}

std::vector<activity_room> rooms_of(std::string_view text) {
    std::vector<activity_room> out;
    for (auto line : split(text, '\n')) {
        auto f = split(line, '\t');
        if (f.size() != 7) continue;
        out.push_back({std::string(f[0]), std::string(f[1]), to_int(f[2]), to_int(f[3]), to_temp(f[4]),
                       to_temp(f[5]), to_temp(f[6])});
    }
    return out;
}

/// Times in the hour as seconds after its start, comma separated.
std::string offsets_text(time_point hour, const std::vector<time_point>& times) {
    std::string out;
    for (auto t : times) {
        if (!out.empty()) out += ',';
        out += std::to_string(std::chrono::duration_cast<std::chrono::seconds>(t - hour).count());
    }
    return out;
}

std::vector<time_point> times_of(time_point hour, std::string_view text) {
    std::vector<time_point> out;
    for (auto s : split(text, ',')) out.push_back(hour + std::chrono::seconds{to_int(s)});
    return out;
}

}  // namespace warden::centre::activity_rows
