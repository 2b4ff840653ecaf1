// Baselines and wellbeing notices (warden/centre/activity_insights.hpp): pure code over one
// household's hourly summaries.
#include <algorithm>
#include <chrono>
#include <cmath>
#include <functional>
#include <stdexcept>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "warden/centre/activity_insights.hpp"

namespace warden::centre {

namespace {

constexpr std::int64_t day_ms = 86'400'000;
constexpr std::int64_t hour_ms = 3'600'000;
/// A day with more time out than this is a day away: it says nothing about meals at home.
constexpr std::int64_t away_day_s = 12 * 3600;
/// An hour with more time out than this is not an hour at home (activity is not expected in it).
constexpr std::int64_t out_hour_s = 1800;
/// Fewer days than this in the baseline window: no baseline yet, so no notice.
constexpr std::size_t min_baseline_days = 7;
/// With at least this many days of the same kind (weekday or weekend), a weekend-sensitive metric uses
/// only those.
constexpr std::size_t min_same_kind_days = 4;

std::int64_t floor_div(std::int64_t a, std::int64_t b) {
    return a / b - ((a % b != 0) && ((a < 0) != (b < 0)));
}

std::string date_of(std::int64_t day) {
    std::chrono::year_month_day ymd{std::chrono::sys_days{std::chrono::days{day}}};
    return fmt::format("{:04}-{:02}-{:02}", static_cast<int>(ymd.year()), static_cast<unsigned>(ymd.month()),
                       static_cast<unsigned>(ymd.day()));
}

bool weekend_of(std::int64_t day) {
    auto wd = std::chrono::weekday{std::chrono::sys_days{std::chrono::days{day}}}.c_encoding();
    return wd == 0 || wd == 6;
}

std::int64_t ms_of(time_point t) {
    return t.time_since_epoch().count();
}

/// The hubs' hours of one UTC hour taken together.
std::vector<activity_hour> merged(std::vector<activity_hour> hours) {
    std::sort(hours.begin(), hours.end(), [](const auto& a, const auto& b) { return a.hour < b.hour; });
    std::vector<activity_hour> out;
    for (auto& h : hours) {
        if (out.empty() || out.back().hour != h.hour) {
            out.push_back(std::move(h));
            continue;
        }
        auto& m = out.back();
        m.covered_s = std::max(m.covered_s, h.covered_s);
        m.rooms.insert(m.rooms.end(), h.rooms.begin(), h.rooms.end());
        m.door_openings += h.door_openings;
        m.out_s = std::max(m.out_s, h.out_s);
        m.bed_s += h.bed_s;
        m.bed_in.insert(m.bed_in.end(), h.bed_in.begin(), h.bed_in.end());
        m.bed_out.insert(m.bed_out.end(), h.bed_out.begin(), h.bed_out.end());
        m.night_getups += h.night_getups;
        m.night_getup_s += h.night_getup_s;
        m.chair_s += h.chair_s;
        m.bathroom_visits += h.bathroom_visits;
        m.night_bathroom_visits += h.night_bathroom_visits;
        m.kitchen_active_s += h.kitchen_active_s;
        m.appliance_uses += h.appliance_uses;
        m.appliance_on_s += h.appliance_on_s;
        if (h.first_activity && (!m.first_activity || *h.first_activity < *m.first_activity))
            m.first_activity = h.first_activity;
        if (h.last_activity && (!m.last_activity || *h.last_activity > *m.last_activity))
            m.last_activity = h.last_activity;
    }
    return out;
}

/// Typical value and band of a metric over earlier days.
struct baseline {
    double typical = 0, low = 0, high = 0;
    std::size_t days = 0;
};

double percentile(std::vector<double> v, double p) {
    std::sort(v.begin(), v.end());
    auto pos = p * static_cast<double>(v.size() - 1);
    auto i = static_cast<std::size_t>(pos);
    auto j = std::min(i + 1, v.size() - 1);
    return v[i] + (v[j] - v[i]) * (pos - static_cast<double>(i));
}

using day_value = std::function<std::optional<double>(const activity_day&)>;

/// The day-by-day analysis: every day from the first hour to today, with the helpers the notices use.
class analysis {
public:
    analysis(const std::vector<activity_hour>& hours, const activity_thresholds& t, time_point now)
        : t_(t), hours_(merged(hours)), now_(now) {
        int offset = hours_.empty() ? 0 : hours_.back().utc_offset_min;
        today_ = floor_div(ms_of(now) + offset * 60'000LL, day_ms);
        first_ = hours_.empty() ? today_ : std::min(today_, local_day(hours_.front()));
        for (auto d = first_; d <= today_; ++d) {
            activity_day day;
            day.day = d;
            day.date = date_of(d);
            day.weekend = weekend_of(d);
            days_.push_back(std::move(day));
        }
        fill();
    }

    const activity_thresholds& t() const { return t_; }
    std::int64_t today() const { return today_; }
    std::vector<activity_day>& days() { return days_; }
    const std::vector<activity_hour>& hours() const { return hours_; }
    time_point now() const { return now_; }
    activity_day* day(std::int64_t d) { return d < first_ || d > today_ ? nullptr : &days_[idx(d)]; }

    /// The baseline of `value` for day `d`: the baseline_days before `until` (default: d; a run of days
    /// is judged against the days before it began, so that it does not raise its own baseline),
    /// weekdays and weekends apart when `by_kind` and there are enough of the same kind as d; nullopt
    /// with too few days.
    std::optional<baseline> base(std::int64_t d, const day_value& value, bool by_kind, bool median,
                                 std::optional<std::int64_t> until = std::nullopt) {
        std::vector<double> all, same;
        const bool weekend = weekend_of(d);
        const auto end = until.value_or(d);
        for (auto e = end - t_.baseline_days; e < end; ++e) {
            auto* x = day(e);
            if (!x) continue;
            auto v = value(*x);
            if (!v) continue;
            all.push_back(*v);
            if (x->weekend == weekend) same.push_back(*v);
        }
        if (all.size() < min_baseline_days) return std::nullopt;
        auto& v = by_kind && same.size() >= min_same_kind_days ? same : all;
        baseline b;
        b.days = v.size();
        double sum = 0;
        for (double x : v) sum += x;
        b.typical = median ? percentile(v, 0.5) : sum / static_cast<double>(v.size());
        b.low = percentile(v, 0.1);
        b.high = percentile(v, 0.9);
        return b;
    }

private:
    std::size_t idx(std::int64_t d) const { return static_cast<std::size_t>(d - first_); }
    static std::int64_t local_ms(const activity_hour& h) {
        return ms_of(h.hour) + h.utc_offset_min * 60'000LL;
    }
    static std::int64_t local_day(const activity_hour& h) { return floor_div(local_ms(h), day_ms); }
    bool good(const activity_hour& h) const { return h.covered_s >= t_.min_cover_s; }

    void fill() {
        std::vector<int> night_hours(days_.size(), 0);
        struct bed_times {
            std::vector<int> in, out;  // local minutes of the day
            std::optional<int> first_active;
        };
        std::vector<bed_times> beds(days_.size());
        for (const auto& h : hours_) {
            auto lm = local_ms(h);
            auto d = floor_div(lm, day_ms);
            if (d > today_) continue;
            auto hod = static_cast<int>((lm - d * day_ms) / hour_ms);
            auto& day = days_[idx(d)];
            auto& cell = day.cells[static_cast<std::size_t>(hod)];
            const bool ok = good(h);
            cell.covered_s += h.covered_s;
            cell.missing = cell.missing && !ok;
            cell.motion += h.motion();
            for (const auto& r : h.rooms) cell.motion_by_role[r.role] += r.motion;
            cell.bed_s += h.bed_s;
            cell.out_s += h.out_s;
            // The night that ends on the morning of day n runs from noon of day n-1.
            auto night = floor_div(lm + 12 * hour_ms, day_ms);
            if (ok && night >= first_ && night <= today_) {
                ++night_hours[idx(night)];
                days_[idx(night)].night_bathroom += h.night_bathroom_visits;
            }
            if (!ok) continue;
            ++day.good_hours;
            day.motion += h.motion();
            day.kitchen_s += h.kitchen_active_s;
            day.appliance_uses += h.appliance_uses;
            day.out_s += h.out_s;
            day.bed_s += h.bed_s;
            day.bathroom_visits += h.bathroom_visits;
            auto& b = beds[idx(d)];
            auto minute = [&](time_point at) {
                return static_cast<int>((ms_of(at) + h.utc_offset_min * 60'000LL - d * day_ms) / 60'000);
            };
            for (auto at : h.bed_in) b.in.push_back(minute(at));
            for (auto at : h.bed_out) b.out.push_back(minute(at));
            if (!b.first_active && hod >= 5 && hod < 14 && h.motion() >= 3)
                b.first_active = h.first_activity ? minute(*h.first_activity) : hod * 60;
        }
        for (std::size_t i = 0; i < days_.size(); ++i) {
            auto& day = days_[i];
            day.missing = day.good_hours < t_.min_day_hours;
            day.night_missing = night_hours[i] < t_.min_day_hours;
            day.rise_min = rise(beds[i].in, beds[i].out, beds[i].first_active);
        }
        hourly_activity();
    }

    /// Getting up: the first time in 04:00-14:00 the bed was left for an hour or more; without bed
    /// events that day, the first hour from 05:00 with some movement.
    static std::optional<int> rise(std::vector<int> in, std::vector<int> out,
                                   std::optional<int> first_active) {
        if (in.empty() && out.empty()) return first_active;
        std::sort(in.begin(), in.end());
        std::sort(out.begin(), out.end());
        for (int o : out) {
            if (o < 4 * 60 || o >= 14 * 60) continue;
            auto back = std::upper_bound(in.begin(), in.end(), o);
            if (back == in.end() || *back - o >= 60) return o;
        }
        return std::nullopt;
    }

    /// Each day's motion in its good hours at home, and what the hour-of-day baseline expected then.
    void hourly_activity() {
        for (auto& day : days_) {
            if (day.missing) continue;
            std::array<double, 24> sum{}, same_sum{};
            std::array<int, 24> n{}, same_n{};
            int same_days = 0;
            for (auto e = day.day - t_.baseline_days; e < day.day; ++e) {
                auto* x = this->day(e);
                if (!x || x->missing) continue;
                const bool same = x->weekend == day.weekend;
                same_days += same ? 1 : 0;
                for (std::size_t h = 0; h < 24; ++h) {
                    const auto& c = x->cells[h];
                    if (c.missing || c.out_s > out_hour_s) continue;
                    sum[h] += static_cast<double>(c.motion);
                    ++n[h];
                    if (same) {
                        same_sum[h] += static_cast<double>(c.motion);
                        ++same_n[h];
                    }
                }
            }
            const bool by_kind = same_days >= static_cast<int>(min_same_kind_days);
            for (std::size_t h = 0; h < 24; ++h) {
                const auto& c = day.cells[h];
                if (c.missing || c.out_s > out_hour_s) continue;
                auto cnt = by_kind ? same_n[h] : n[h];
                if (cnt == 0) continue;
                day.activity += static_cast<double>(c.motion);
                day.activity_expected += (by_kind ? same_sum[h] : sum[h]) / cnt;
            }
        }
    }

    activity_thresholds t_;
    std::vector<activity_hour> hours_;
    time_point now_;
    std::int64_t today_ = 0, first_ = 0;
    std::vector<activity_day> days_;
};

std::string clock_text(double minutes) {
    auto m = static_cast<int>(std::lround(minutes));
    return fmt::format("{:02}:{:02}", m / 60, m % 60);
}

std::string hours_text(double seconds) {
    auto m = static_cast<int>(std::lround(seconds / 60));
    return m >= 60 ? fmt::format("{}h {:02}m", m / 60, m % 60) : fmt::format("{}m", m);
}

/// What a day says for a notice: missing (neither hit nor break), a hit with its figure, or neither.
struct verdict {
    bool missing = true;
    bool hit = false;
    double value = 0;
    std::optional<double> base;
};

/// Walks the complete days (today is not over) and emits a notice for each run of at least `need`
/// hit days; missing days are skipped. A run that reaches the last complete day is active. `judge`
/// gets the day and the first day of the run it would extend (the day itself when none is open).
template <class Judge, class Make>
void runs(analysis& a, std::int64_t from_day, int need, Judge judge, Make make,
          std::vector<wellbeing_notice>& out) {
    std::vector<std::pair<const activity_day*, verdict>> run;
    auto emit = [&](bool active) {
        if (static_cast<int>(run.size()) >= need && run.back().first->day >= from_day) {
            auto n = make(run);
            n.from = run.front().first->date;
            n.to = run.back().first->date;
            n.active = active;
            for (const auto& [d, v] : run) n.days.push_back({d->date, v.value, v.base});
            out.push_back(std::move(n));
        }
        run.clear();
    };
    for (auto& day : a.days()) {
        if (day.day >= a.today()) break;
        auto v = judge(day, run.empty() ? day.day : run.front().first->day);
        if (v.missing) continue;
        if (v.hit)
            run.emplace_back(&day, v);
        else
            emit(false);
    }
    emit(true);
}

using run_days = std::vector<std::pair<const activity_day*, verdict>>;

std::string day_list(const run_days& run, const std::function<std::string(const verdict&)>& figure) {
    std::string out;
    for (const auto& [d, v] : run) {
        if (!out.empty()) out += ", ";
        out += fmt::format("{} {}", d->date, figure(v));
    }
    return out;
}

void night_bathroom(analysis& a, std::int64_t from, std::vector<wellbeing_notice>& out) {
    const auto& t = a.t();
    day_value visits = [](const activity_day& d) -> std::optional<double> {
        if (d.night_missing) return std::nullopt;
        return static_cast<double>(d.night_bathroom);
    };
    runs(
        a, from, t.night_bathroom_nights,
        [&](const activity_day& d, std::int64_t start) {
            verdict v;
            auto b = a.base(d.day, visits, false, false, start);
            auto x = visits(d);
            if (!b || !x) return v;
            v = {false, *x >= t.night_bathroom_factor * b->typical && *x >= t.night_bathroom_min, *x,
                 b->typical};
            return v;
        },
        [&](const run_days& run) {
            wellbeing_notice n;
            n.kind = "night_bathroom";
            n.title = "More night-time bathroom visits";
            n.evidence = fmt::format(
                "{} nights running with at least {:g} times the usual night-time bathroom visits (usual "
                "{:.1f} a "
                "night): {}",
                run.size(), t.night_bathroom_factor, run.back().second.base.value_or(0),
                day_list(run, [](const verdict& v) { return fmt::format("{:g} visits", v.value); }));
            return n;
        },
        out);
}

void late_rise(analysis& a, std::int64_t from, std::vector<wellbeing_notice>& out) {
    const auto& t = a.t();
    day_value rise = [](const activity_day& d) -> std::optional<double> {
        if (d.missing || !d.rise_min) return std::nullopt;
        return static_cast<double>(*d.rise_min);
    };
    runs(
        a, from, t.late_rise_days,
        [&](const activity_day& d, std::int64_t start) {
            verdict v;
            auto b = a.base(d.day, rise, true, true, start);
            auto x = rise(d);
            if (!b || !x) return v;
            return verdict{false, *x - b->typical >= t.late_rise_minutes, *x, b->typical};
        },
        [&](const run_days& run) {
            wellbeing_notice n;
            n.kind = "late_rise";
            n.title = "Getting up later than usual";
            n.evidence =
                fmt::format("{} days running up {} or more later than usual: {}", run.size(),
                            hours_text(t.late_rise_minutes * 60.0), day_list(run, [](const verdict& v) {
                                return fmt::format("up at {} (usually {})", clock_text(v.value),
                                                   clock_text(v.base.value_or(0)));
                            }));
            return n;
        },
        out);
}

void no_kitchen(analysis& a, std::int64_t from, std::vector<wellbeing_notice>& out) {
    day_value kitchen = [](const activity_day& d) -> std::optional<double> {
        if (d.missing || d.out_s > away_day_s) return std::nullopt;
        return static_cast<double>(d.kitchen_s);
    };
    runs(
        a, from, 1,
        [&](const activity_day& d, std::int64_t start) {
            verdict v;
            auto b = a.base(d.day, kitchen, false, false, start);
            auto x = kitchen(d);
            if (!b || !x || b->typical <= 0) return v;
            return verdict{false, *x == 0 && d.appliance_uses == 0, *x, b->typical};
        },
        [&](const run_days& run) {
            wellbeing_notice n;
            n.kind = "no_kitchen";
            n.title = "No kitchen use";
            n.evidence = fmt::format(
                "No kitchen activity and no appliance use on {} day{} at home (usually {} of kitchen "
                "activity a "
                "day): {}",
                run.size(), run.size() == 1 ? "" : "s", hours_text(run.back().second.base.value_or(0)),
                day_list(run, [](const verdict&) { return std::string("none"); }));
            return n;
        },
        out);
}

void no_time_out(analysis& a, std::int64_t from, std::vector<wellbeing_notice>& out) {
    const auto& t = a.t();
    day_value went_out = [](const activity_day& d) -> std::optional<double> {
        if (d.missing) return std::nullopt;
        return d.out_s > 0 ? 1.0 : 0.0;
    };
    day_value out_s = [](const activity_day& d) -> std::optional<double> {
        if (d.missing) return std::nullopt;
        return static_cast<double>(d.out_s);
    };
    runs(
        a, from, t.no_out_days,
        [&](const activity_day& d, std::int64_t start) {
            verdict v;
            auto b = a.base(d.day, went_out, false, false, start);
            auto x = out_s(d);
            if (!b || !x || b->typical <= 0) return v;  // a home never left in the baseline: no change
            return verdict{false, *x == 0, *x, b->typical * 7};
        },
        [&](const run_days& run) {
            wellbeing_notice n;
            n.kind = "no_time_out";
            n.title = "No time out of the home";
            n.evidence = fmt::format(
                "No time out of the home on {} days running, {} to {} (usually out on {:.1f} "
                "days a week)",
                run.size(), run.front().first->date, run.back().first->date,
                run.back().second.base.value_or(0));
            return n;
        },
        out);
}

void low_activity(analysis& a, std::int64_t from, std::vector<wellbeing_notice>& out) {
    const auto& t = a.t();
    runs(
        a, from, t.low_activity_days,
        [&](const activity_day& d, std::int64_t) {
            verdict v;
            if (d.missing || d.activity_expected <= 0) return v;
            auto pct = 100.0 * d.activity / d.activity_expected;
            return verdict{false, pct <= 100.0 * (1.0 - t.low_activity_drop), pct, 100.0};
        },
        [&](const run_days& run) {
            wellbeing_notice n;
            n.kind = "low_activity";
            n.title = "Less activity than usual";
            n.evidence = fmt::format(
                "{} days running with activity {:.0f} % or more below the usual for the same hours: {}",
                run.size(), 100.0 * t.low_activity_drop,
                day_list(run, [](const verdict& v) { return fmt::format("{:.0f} % of usual", v.value); }));
            return n;
        },
        out);
}

/// A room whose hourly mean stays below cold_below_c for more than cold_hours hours running (hours
/// without a reading of that room are skipped). Active while the run reaches the room's latest
/// reading and that reading is recent.
void cold_room(analysis& a, std::int64_t from, std::vector<wellbeing_notice>& out) {
    const auto& t = a.t();
    struct reading {
        const activity_hour* h;
        double mean, min;
    };
    std::map<std::string, std::vector<reading>> rooms;
    for (const auto& h : a.hours())
        if (h.covered_s >= t.min_cover_s)
            for (const auto& r : h.rooms)
                if (r.temp_mean)
                    rooms[r.location].push_back({&h, *r.temp_mean, r.temp_min.value_or(*r.temp_mean)});
    auto local = [](const activity_hour& h, std::int64_t plus_ms) {
        auto lm = ms_of(h.hour) + h.utc_offset_min * 60'000LL + plus_ms;
        auto d = floor_div(lm, day_ms);
        auto minutes = static_cast<double>((lm - d * day_ms) / 60'000);
        return std::pair(d, minutes);
    };
    for (const auto& entry : rooms) {
        // Not a structured binding: clang before 16 (the fuzz builds) refuses to capture one in a lambda.
        const auto& room = entry.first;
        const auto& list = entry.second;
        std::vector<reading> run;
        auto emit = [&](bool at_end) {
            if (static_cast<int>(run.size()) > t.cold_hours) {
                auto [d0, m0] = local(*run.front().h, 0);
                auto [d1, m1] = local(*run.back().h, hour_ms);
                if (d1 >= from) {
                    wellbeing_notice n;
                    n.kind = "cold_room";
                    n.room = room;
                    n.title = fmt::format("{} below {:g} °C", room, t.cold_below_c);
                    double lowest = run.front().min;
                    for (const auto& r : run) lowest = std::min(lowest, r.min);
                    n.evidence = fmt::format(
                        "{} below {:g} °C for {} hours running, from {} {} to {} {}; lowest {:.1f} °C", room,
                        t.cold_below_c, run.size(), date_of(d0), clock_text(m0), date_of(d1), clock_text(m1),
                        lowest);
                    n.from = date_of(d0);
                    n.to = date_of(d1);
                    n.active = at_end && a.now() - run.back().h->hour <= std::chrono::hours{3};
                    for (const auto& r : run)
                        n.days.push_back({date_of(local(*r.h, 0).first), r.mean, t.cold_below_c});
                    out.push_back(std::move(n));
                }
            }
            run.clear();
        };
        for (const auto& r : list) {
            if (r.mean < t.cold_below_c)
                run.push_back(r);
            else
                emit(false);
        }
        emit(true);
    }
}

std::optional<double> opt(const std::optional<int>& v) {
    return v ? std::optional<double>(*v) : std::nullopt;
}

}  // namespace

int activity_lookback_days(const activity_thresholds& t) {
    // The baseline of the first day of a run, the longest run, and a margin.
    return t.baseline_days +
           std::max({t.no_out_days, t.night_bathroom_nights, t.late_rise_days, t.low_activity_days}) + 2;
}

activity_view analyse_activity(const std::vector<activity_hour>& hours, const activity_thresholds& t,
                               time_point now, int days_shown) {
    analysis a(hours, t, now);
    activity_view v;
    const auto from = a.today() - days_shown + 1;

    std::vector<wellbeing_notice> notices;
    night_bathroom(a, from, notices);
    late_rise(a, from, notices);
    no_kitchen(a, from, notices);
    no_time_out(a, from, notices);
    cold_room(a, from, notices);
    low_activity(a, from, notices);
    std::stable_sort(notices.begin(), notices.end(), [](const auto& x, const auto& y) {
        if (x.active != y.active) return x.active;
        return x.to > y.to;
    });
    v.notices = std::move(notices);

    struct metric {
        const char* name;
        const char* label;
        const char* unit;
        bool by_kind, median;
        day_value value;
    };
    const metric metrics[] = {
        {"activity", "Activity (% of the usual for the same hours)", "%", false, true,
         [](const activity_day& d) -> std::optional<double> {
             if (d.missing || d.activity_expected <= 0) return std::nullopt;
             return 100.0 * d.activity / d.activity_expected;
         }},
        {"night_bathroom", "Night-time bathroom visits", "visits", false, false,
         [](const activity_day& d) -> std::optional<double> {
             if (d.night_missing) return std::nullopt;
             return static_cast<double>(d.night_bathroom);
         }},
        {"rise", "Getting up", "time", true, true,
         [](const activity_day& d) -> std::optional<double> {
             return d.missing ? std::nullopt : opt(d.rise_min);
         }},
        {"kitchen", "Kitchen activity", "h", false, false,
         [](const activity_day& d) -> std::optional<double> {
             if (d.missing) return std::nullopt;
             return static_cast<double>(d.kitchen_s) / 3600.0;
         }},
        {"out", "Time out of the home", "h", true, false,
         [](const activity_day& d) -> std::optional<double> {
             if (d.missing) return std::nullopt;
             return static_cast<double>(d.out_s) / 3600.0;
         }},
    };
    for (const auto& m : metrics) {
        activity_trend tr{m.name, m.label, m.unit, {}};
        for (auto d = from; d <= a.today(); ++d) {
            auto* day = a.day(d);
            trend_point p;
            p.date = date_of(d);
            if (day && d < a.today()) p.value = m.value(*day);
            if (auto b = a.base(d, m.value, m.by_kind, m.median)) {
                p.low = b->low;
                p.mid = b->typical;
                p.high = b->high;
            }
            tr.points.push_back(std::move(p));
        }
        v.trends.push_back(std::move(tr));
    }

    // Motion by hour of day over the baseline window ending today.
    std::array<int, 24> wd_n{}, we_n{};
    for (auto d = a.today() - t.baseline_days; d < a.today(); ++d) {
        auto* day = a.day(d);
        if (!day || day->missing) continue;
        for (std::size_t h = 0; h < 24; ++h) {
            const auto& c = day->cells[h];
            if (c.missing) continue;
            (day->weekend ? v.hourly_weekend : v.hourly_weekday)[h] += static_cast<double>(c.motion);
            ++(day->weekend ? we_n : wd_n)[h];
        }
    }
    for (std::size_t h = 0; h < 24; ++h) {
        if (wd_n[h]) v.hourly_weekday[h] /= wd_n[h];
        if (we_n[h]) v.hourly_weekend[h] /= we_n[h];
    }
    for (auto d = from; d <= a.today(); ++d)
        if (auto* day = a.day(d)) v.days.push_back(*day);
    return v;
}

int notices_lookback_days(const activity_thresholds& t) {
    return 2 + activity_lookback_days(t);
}

std::vector<wellbeing_notice> active_notices(const std::vector<activity_hour>& hours,
                                             const activity_thresholds& t, time_point now) {
    auto v = analyse_activity(hours, t, now, 2);
    std::erase_if(v.notices, [](const wellbeing_notice& n) { return !n.active; });
    return std::move(v.notices);
}

activity_thresholds with_overrides(activity_thresholds base, const std::string& overrides) {
    auto j = nlohmann::json::parse(overrides, nullptr, false);
    if (!j.is_object()) throw std::invalid_argument("activity settings: not a JSON object");
    for (const auto& [key, value] : j.items()) {
        if (!value.is_number()) throw std::invalid_argument(fmt::format("{}: not a number", key));
        if (auto problem = config::set_activity_threshold(base, key, value.get<double>()))
            throw std::invalid_argument(fmt::format("{}: {}", key, *problem));
    }
    return base;
}

}  // namespace warden::centre
