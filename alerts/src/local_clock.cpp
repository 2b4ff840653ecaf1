#include "local_clock.hpp"

#include <algorithm>

namespace warden::alerts::detail {

using std::chrono::duration_cast;
using std::chrono::minutes;

namespace {

/// Answers from the cached offset period only this far inside it: no local time there can be skipped,
/// repeated or read with another offset (zone offsets differ by less than this).
constexpr milliseconds steady_margin = std::chrono::hours{48};
/// advance() walks at most this much local time from the cache; longer walks ask the zone.
constexpr milliseconds steady_walk = std::chrono::hours{24 * 8};

/// Local times below are milliseconds since the local epoch (date::local_time's count).
int minute_in_day(milliseconds local) {
    return static_cast<int>(date::floor<minutes>(local - date::floor<date::days>(local)).count());
}

bool in_windows(const std::vector<time_window>& windows, int minute) {
    return std::any_of(windows.begin(), windows.end(),
                       [minute](const time_window& w) { return w.contains(minute); });
}

/// The first window edge (a `from` or `to` minute of any day) after local time `local`.
milliseconds next_edge(const std::vector<time_window>& windows, milliseconds local) {
    const milliseconds day = date::floor<date::days>(local);
    milliseconds best = milliseconds::max();
    for (const auto& w : windows) {
        for (int m : {w.from_minute, w.to_minute}) {
            milliseconds e = day + minutes{m};
            if (e <= local) e += date::days{1};
            best = std::min(best, e);
        }
    }
    return best;
}

}  // namespace

const local_clock::period& local_clock::period_of(time_point t) const {
    if (t >= cached_.begin && t < cached_.end) return cached_;
    auto info = zone_->get_info(date::floor<std::chrono::seconds>(t));
    cached_.begin = std::chrono::time_point_cast<milliseconds>(info.begin);
    cached_.end = std::chrono::time_point_cast<milliseconds>(info.end);
    cached_.offset = info.offset;
    return cached_;
}

const local_clock::period* local_clock::steady(time_point a, time_point b) const {
    const auto& p = period_of(a);
    return a - steady_margin >= p.begin && b + steady_margin < p.end ? &p : nullptr;
}

int local_clock::minute_of_day(time_point t) const {
    return minute_in_day(t.time_since_epoch() + period_of(t).offset);
}

date::local_days local_clock::local_day(time_point t) const {
    return date::local_days{date::floor<date::days>(t.time_since_epoch() + period_of(t).offset)};
}

time_point local_clock::at(date::local_days d, int minute) const {
    date::local_time<milliseconds> local = d + minutes{minute};
    // Read with the cached offset, then with that of the period the guess falls in.
    time_point guess{local.time_since_epoch() - cached_.offset};
    for (int i = 0; i < 2; ++i) {
        const auto& p = period_of(guess);
        time_point t{local.time_since_epoch() - p.offset};
        if (t - steady_margin >= p.begin && t + steady_margin < p.end) return t;
        guess = t;
    }
    return std::chrono::time_point_cast<milliseconds>(zone_->to_sys(local, date::choose::earliest));
}

bool local_clock::inside(const std::vector<time_window>& windows, time_point t) const {
    if (windows.empty()) return true;
    return in_windows(windows, minute_of_day(t));
}

void local_clock::boundaries(const std::vector<time_window>& windows, time_point a, time_point b,
                             std::vector<time_point>& out) const {
    out.clear();
    if (windows.empty() || b <= a) return;
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
}

std::optional<bool> local_clock::leaves_steady(const std::vector<time_window>& windows, time_point a,
                                               time_point b) const {
    const auto* p = steady(a, b);
    if (!p) return std::nullopt;
    // In one steady period the boundaries are the window edges, each at its local time less the offset.
    const milliseconds end = b.time_since_epoch() + p->offset;
    milliseconds local = a.time_since_epoch() + p->offset;
    for (int i = 0; i < 10'000; ++i) {
        local = next_edge(windows, local);
        if (local >= end) return false;
        if (!in_windows(windows, minute_in_day(local))) return true;
    }
    return std::nullopt;
}

bool local_clock::leaves_before(const std::vector<time_window>& windows, time_point a, time_point b) const {
    if (windows.empty() || b <= a) return false;
    if (auto steady_answer = leaves_steady(windows, a, b)) return *steady_answer;
    boundaries(windows, a, b, edges_);
    for (auto edge : edges_)
        if (edge < b && !inside(windows, edge)) return true;
    return false;
}

std::optional<time_point> local_clock::advance_steady(const std::vector<time_window>& windows,
                                                      time_point start, milliseconds amount) const {
    const auto* p = steady(start, start);
    if (!p) return std::nullopt;
    const auto offset = p->offset;
    const time_point limit = p->end - steady_margin;
    milliseconds local = start.time_since_epoch() + offset;
    const milliseconds stop = local + steady_walk;
    milliseconds left = amount;
    // The same walk as below, edge to edge, with no offset change to meet.
    while (local < stop) {
        milliseconds edge = next_edge(windows, local);
        if (in_windows(windows, minute_in_day(local))) {
            if (edge - local >= left) {
                time_point t{local + left - offset};
                return t < limit ? std::optional{t} : std::nullopt;
            }
            left -= edge - local;
        }
        local = edge;
        if (time_point{local - offset} >= limit) return std::nullopt;
    }
    return std::nullopt;
}

time_point local_clock::advance(const std::vector<time_window>& windows, time_point start,
                                milliseconds amount) const {
    if (windows.empty()) return start + amount;
    if (auto t = advance_steady(windows, start, amount)) return *t;
    constexpr auto chunk = std::chrono::hours{24};
    milliseconds left = amount;
    time_point cur = start;
    for (int day = 0; day < 400; ++day) {
        boundaries(windows, cur, cur + chunk, edges_);
        edges_.push_back(cur + chunk);
        for (auto edge : edges_) {
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
