#include "local_clock.hpp"

#include <algorithm>

namespace warden::alerts::detail {

using std::chrono::duration_cast;
using std::chrono::minutes;

int local_clock::minute_of_day(time_point t) const {
    auto local = zone_->to_local(t);
    auto day = date::floor<date::days>(local);
    return static_cast<int>(date::floor<minutes>(local - day).count());
}

date::local_days local_clock::local_day(time_point t) const {
    return date::floor<date::days>(zone_->to_local(t));
}

time_point local_clock::at(date::local_days d, int minute) const {
    date::local_time<milliseconds> local = d + minutes{minute};
    return std::chrono::time_point_cast<milliseconds>(zone_->to_sys(local, date::choose::earliest));
}

bool local_clock::inside(const std::vector<time_window>& windows, time_point t) const {
    if (windows.empty()) return true;
    int m = minute_of_day(t);
    return std::any_of(windows.begin(), windows.end(), [m](const time_window& w) { return w.contains(m); });
}

std::vector<time_point> local_clock::boundaries(const std::vector<time_window>& windows, time_point a,
                                                time_point b) const {
    std::vector<time_point> out;
    if (windows.empty() || b <= a) return out;
    auto keep = [&](time_point t) {
        if (t > a && t <= b) out.push_back(t);
    };
    for (auto d = local_day(a) - date::days{1}; d <= local_day(b) + date::days{1}; d += date::days{1}) {
        for (const auto& w : windows) {
            for (int m : {w.from_minute, w.to_minute}) {
                date::local_time<milliseconds> local = d + minutes{m};
                keep(
                    std::chrono::time_point_cast<milliseconds>(zone_->to_sys(local, date::choose::earliest)));
                keep(std::chrono::time_point_cast<milliseconds>(zone_->to_sys(local, date::choose::latest)));
            }
        }
    }
    // Offset changes move the local clock under a window without crossing an edge.
    auto info = zone_->get_info(date::floor<std::chrono::seconds>(a));
    for (int i = 0; i < 64 && info.end <= b; ++i) {
        keep(std::chrono::time_point_cast<milliseconds>(info.end));
        info = zone_->get_info(info.end);
    }
    std::sort(out.begin(), out.end());
    out.erase(std::unique(out.begin(), out.end()), out.end());
    return out;
}

time_point local_clock::advance(const std::vector<time_window>& windows, time_point start,
                                milliseconds amount) const {
    if (windows.empty()) return start + amount;
    constexpr auto chunk = std::chrono::hours{24};
    milliseconds left = amount;
    time_point cur = start;
    for (int day = 0; day < 400; ++day) {
        auto edges = boundaries(windows, cur, cur + chunk);
        edges.push_back(cur + chunk);
        for (auto edge : edges) {
            if (edge <= cur) continue;
            if (inside(windows, cur)) {
                auto span = edge - cur;
                if (span >= left) return cur + left;
                left -= span;
            }
            cur = edge;
        }
    }
    return cur;
}

}  // namespace warden::alerts::detail
