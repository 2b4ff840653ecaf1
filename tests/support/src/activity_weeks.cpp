// The builder of hourly activity summaries (warden/test/activity_weeks.hpp): each day is painted
// minute by minute with where the resident is, then summed into hours as a hub would report them.
#include "warden/test/activity_weeks.hpp"

#include <array>
#include <chrono>
#include <cmath>
#include <random>

namespace warden::test {

namespace {

enum class place { bed, bedroom, bathroom, kitchen, living, hall, out };
constexpr int day_min = 1440;

struct room_spec {
    place p;
    const char* location;
    const char* role;
};
constexpr room_spec rooms[] = {
    {place::kitchen, "Kitchen", "kitchen"}, {place::bathroom, "Bathroom", "bathroom"},
    {place::bedroom, "Bedroom", "bedroom"}, {place::living, "Living room", "living"},
    {place::hall, "Hall", "hall"},
};

/// Portable draws (std::uniform_*_distribution differ between standard libraries).
class draws {
public:
    explicit draws(std::uint32_t seed) : g_(seed) {}
    double unit() { return static_cast<double>(g_()) / 4294967296.0; }
    int between(int lo, int hi) { return lo + static_cast<int>(unit() * (hi - lo + 1)); }
    bool chance(double p) { return unit() < p; }

private:
    std::mt19937 g_;
};

bool is_night(int minute) {
    return minute >= 22 * 60 || minute < 7 * 60;
}

struct appliance_use {
    int minute;
    int on_s;
};

}  // namespace

time_point midnight_days_before(time_point now, int days_before) {
    auto day = std::chrono::floor<std::chrono::days>(now);
    return std::chrono::time_point_cast<milliseconds>(day - std::chrono::days{days_before});
}

std::vector<centre::activity_hour> activity_weeks::build() const {
    std::vector<centre::activity_hour> out;
    for (int d = 0; d < days; ++d) {
        draws r(seed * 7919u + static_cast<std::uint32_t>(d));
        const auto midnight_utc = first_day + std::chrono::days{d};
        const auto local_day =
            std::chrono::floor<std::chrono::days>(midnight_utc + std::chrono::minutes{utc_offset_min});
        const auto wd =
            std::chrono::weekday{std::chrono::sys_days{local_day.time_since_epoch()}}.c_encoding();
        const bool weekend = wd == 0 || wd == 6;
        auto on = [&](const std::optional<int>& from) {
            return from && d >= *from && (!changes.until || d < *changes.until);
        };
        auto only = [&](const std::optional<int>& day) { return day && d == *day; };

        int rise = (weekend ? 510 : 450) + r.between(-20, 20) + (on(changes.late_rise_from) ? 150 : 0);
        int bed = 1350 + r.between(-20, 20);
        const bool kitchen = !only(changes.no_kitchen_on);
        std::array<place, day_min> at;
        auto paint = [&](int from, int to, place p) {
            for (int m = std::max(0, from); m < std::min(day_min, to); ++m)
                at[static_cast<std::size_t>(m)] = p;
        };
        std::vector<appliance_use> uses;
        paint(0, rise, place::bed);
        paint(rise, bed, place::living);
        paint(bed, day_min, place::bed);
        // Morning: bathroom, then breakfast.
        paint(rise, rise + 10, place::bathroom);
        if (kitchen) {
            paint(rise + 10, rise + 40 + r.between(0, 10), place::kitchen);
            uses.push_back({rise + 12, 180});
        }
        // An outing on most days.
        if (!on(changes.housebound_from) && r.chance(weekend ? 0.5 : 0.8)) {
            int go = std::max(rise + 60, 600 + r.between(0, 60));
            int back = go + r.between(90, 150);
            paint(go - 3, go, place::hall);
            paint(go, back, place::out);
            paint(back, back + 3, place::hall);
        }
        if (kitchen) {
            int lunch = 750 + r.between(-15, 15);
            paint(lunch, lunch + 30, place::kitchen);
            uses.push_back({lunch + 2, 180});
            int tea = 930 + r.between(-20, 20);
            paint(tea, tea + 15, place::kitchen);
            uses.push_back({tea + 1, 180});
            int dinner = 1050 + r.between(-15, 15);
            paint(dinner, dinner + 45, place::kitchen);
            uses.push_back({dinner + 10, 300});
        }
        for (int i = 0; i < 3; ++i) {
            int m = r.between(rise + 90, bed - 60);
            if (at[static_cast<std::size_t>(m)] == place::living) paint(m, m + 5, place::bathroom);
        }
        paint(bed - 25, bed - 15, place::bathroom);
        paint(bed - 15, bed, place::bedroom);
        // Night-time visits to the bathroom, between 00:30 and 06:50.
        int visits = 0;
        if (on(changes.uti_from)) {
            visits = 4 + r.between(0, 1);
        } else {
            double x = r.unit();
            visits = x < 0.45 ? 0 : x < 0.9 ? 1 : x < 0.99 ? 2 : 3;
        }
        for (int i = 0; i < visits; ++i) {
            int m = 30 + (360 * i) / std::max(1, visits) + r.between(0, 40);
            paint(m, m + 6, place::bathroom);
        }
        const double rate = on(changes.decline_from) ? 0.2 : 0.5;  // motion activations a minute in a room

        for (int h = 0; h < 24; ++h) {
            if (only(changes.outage_on) && h >= 6 && h < 14) continue;  // the hub was off: no summary
            centre::activity_hour s;
            s.hub = hub;
            s.hour = midnight_utc + std::chrono::hours{h};
            s.utc_offset_min = utc_offset_min;
            s.covered_s = only(changes.outage_on) && h == 14 ? 1200 : 3600;
            std::array<int, 7> minutes{};
            auto time_of = [&](int m) { return midnight_utc + std::chrono::minutes{m}; };
            for (int m = h * 60; m < h * 60 + 60; ++m) {
                auto p = at[static_cast<std::size_t>(m)];
                ++minutes[static_cast<std::size_t>(p)];
                auto prev = m == 0 ? place::bed : at[static_cast<std::size_t>(m - 1)];
                if (p == prev) continue;
                if (p == place::bed) s.bed_in.push_back(time_of(m));
                if (prev == place::bed) s.bed_out.push_back(time_of(m));
                if (p == place::bathroom) {
                    ++s.bathroom_visits;
                    if (is_night(m)) ++s.night_bathroom_visits;
                    if (is_night(m) && prev == place::bed) {
                        ++s.night_getups;
                        s.night_getup_s += 360;
                    }
                }
                if (p == place::out || prev == place::out) ++s.door_openings;
                if (p != place::bed && p != place::out && !s.first_activity) s.first_activity = time_of(m);
                if (p != place::bed && p != place::out) s.last_activity = time_of(m);
            }
            for (const auto& room : rooms) {
                const int n = minutes[static_cast<std::size_t>(room.p)];
                centre::activity_room a;
                a.location = room.location;
                a.role = room.role;
                a.motion =
                    n == 0 ? 0 : std::max<std::int64_t>(1, std::lround(n * rate * (0.8 + 0.4 * r.unit())));
                a.active_s = n * 60;
                double base = room.p == place::living    ? 20.0
                              : room.p == place::bedroom ? (h < 7 ? 17.0 : 18.0)
                              : room.p == place::kitchen ? 19.5
                                                         : 19.0;
                if (room.p == place::bedroom && only(changes.cold_bedroom_on) && h < 10) base = 14.0;
                if (room.p != place::hall) {
                    double mean = base + (r.unit() - 0.5);
                    a.temp_mean = std::round(mean * 10) / 10;
                    a.temp_min = std::round((mean - 0.4) * 10) / 10;
                    a.temp_max = std::round((mean + 0.4) * 10) / 10;
                }
                s.rooms.push_back(std::move(a));
            }
            s.bed_s = minutes[static_cast<std::size_t>(place::bed)] * 60;
            s.out_s = minutes[static_cast<std::size_t>(place::out)] * 60;
            s.kitchen_active_s = minutes[static_cast<std::size_t>(place::kitchen)] * 60;
            for (const auto& u : uses)
                if (u.minute / 60 == h) {
                    ++s.appliance_uses;
                    s.appliance_on_s += u.on_s;
                }
            out.push_back(std::move(s));
        }
    }
    return out;
}

}  // namespace warden::test
