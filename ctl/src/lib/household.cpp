// The household generator (warden/ctl/household.hpp). Times are planned in local minutes of each
// day and turned into UTC through the home's zone; every report goes through the sensor's own
// source format (sensors::simulate_payload), so the recording reads like the home broker's.

#include "warden/ctl/household.hpp"

#include <algorithm>
#include <cmath>
#include <random>

#include <date/tz.h>
#include <fmt/format.h>

#include "warden/sensors/adapters.hpp"

namespace warden::ctl {

namespace {

using config::room_role;
using config::sensor_spec;

/// The household's sensors by what the routine uses them for.
struct home_sensors {
    const sensor_spec* bed = nullptr;
    const sensor_spec* chair = nullptr;
    const sensor_spec* exit = nullptr;
    std::vector<const sensor_spec*> bathroom, kitchen, hall, living, temperature;
    const sensor_spec* kettle = nullptr;
    const sensor_spec* microwave = nullptr;
    std::vector<const sensor_spec*> other_appliances;
};

room_role role_of(const config::hub_config& cfg, const sensor_spec& s) {
    if (!cfg.activity) return room_role::other;
    auto it = cfg.activity->rooms.find(s.location);
    return it == cfg.activity->rooms.end() ? room_role::other : it->second;
}

home_sensors find_sensors(const config::hub_config& cfg) {
    home_sensors h;
    std::vector<std::string> exits;
    for (const auto& r : cfg.rules)
        if (r.type == config::rule_type::exit) exits.push_back(r.sensor);
    if (cfg.activity)
        exits.insert(exits.end(), cfg.activity->exit_doors.begin(), cfg.activity->exit_doors.end());
    for (const auto& s : cfg.sensors) {
        switch (s.kind) {
            case sensor_kind::bed:
                if (!h.bed) h.bed = &s;
                break;
            case sensor_kind::chair:
                if (!h.chair) h.chair = &s;
                break;
            case sensor_kind::door:
                // An exit door of the config; without any, the first door.
                if (!h.exit && (exits.empty() || std::find(exits.begin(), exits.end(), s.id) != exits.end()))
                    h.exit = &s;
                break;
            case sensor_kind::motion:
                switch (role_of(cfg, s)) {
                    case room_role::bathroom:
                        h.bathroom.push_back(&s);
                        break;
                    case room_role::kitchen:
                        h.kitchen.push_back(&s);
                        break;
                    case room_role::hall:
                        h.hall.push_back(&s);
                        break;
                    default:
                        h.living.push_back(&s);
                        break;
                }
                break;
            case sensor_kind::temperature:
                h.temperature.push_back(&s);
                break;
            case sensor_kind::power: {
                if (!cfg.activity) break;
                auto it = cfg.activity->appliances.find(s.id);
                if (it == cfg.activity->appliances.end()) break;
                if (it->second == "kettle" && !h.kettle)
                    h.kettle = &s;
                else if (it->second == "microwave" && !h.microwave)
                    h.microwave = &s;
                else
                    h.other_appliances.push_back(&s);
                break;
            }
            default:
                break;
        }
    }
    // Without a hall sensor, the first living-area sensor sees the comings and goings.
    if (h.hall.empty() && !h.living.empty()) h.hall.push_back(h.living.front());
    if (h.living.empty() && !h.hall.empty()) h.living.push_back(h.hall.front());
    return h;
}

class generator {
public:
    generator(const config::hub_config& cfg, const date::time_zone* zone, const household_options& o)
        : zone_(zone), opts_(o), s_(find_sensors(cfg)), rng_(o.seed) {}

    std::vector<recorded_message> run() {
        const date::local_days first{date::year{opts_.year} / date::month{opts_.month} /
                                     date::day{opts_.day}};
        // The recording starts with the resident in bed (as the hub's reconcile would report it).
        if (s_.bed) emit(at(first, 0.5), s_.bed, "occupied");
        for (int d = 0; d < opts_.days; ++d) day(first + date::days{d}, d);
        // The days asked for and no more (the last night's trips would run into the next day).
        const auto end = at(first + date::days{opts_.days}, 0);
        std::erase_if(out_, [end](const recorded_message& m) { return m.at >= end; });
        std::stable_sort(out_.begin(), out_.end(),
                         [](const recorded_message& a, const recorded_message& b) { return a.at < b.at; });
        return std::move(out_);
    }

private:
    // --- randomness ---
    double normal(double mean, double sd) { return std::normal_distribution<double>(mean, sd)(rng_); }
    double uniform(double a, double b) { return std::uniform_real_distribution<double>(a, b)(rng_); }
    bool chance(double p) { return uniform(0, 1) < p; }
    template <typename T>
    const T* pick(const std::vector<const T*>& v) {
        if (v.empty()) return nullptr;
        return v[static_cast<std::size_t>(uniform(0, static_cast<double>(v.size()) - 1e-9))];
    }

    // --- time ---
    /// Local day `d` plus `minute` (may pass midnight) as UTC; a time skipped by the clocks going
    /// forward is the change itself.
    time_point at(date::local_days d, double minute) const {
        auto local = date::local_time<milliseconds>{d.time_since_epoch()} +
                     milliseconds{static_cast<std::int64_t>(minute * 60'000)};
        return std::chrono::time_point_cast<milliseconds>(zone_->to_sys(local, date::choose::earliest));
    }

    // --- reports ---
    void emit(time_point t, const sensor_spec* s, const std::string& event) {
        if (!s) return;
        for (auto& [topic, payload] : sensors::simulate_payload(*s, event))
            out_.push_back(recorded_message{t, std::move(topic), std::move(payload)});
    }
    /// A motion sensor sees someone: occupancy, then its clear after the occupancy timeout (90 s).
    void motion(date::local_days d, double minute, const sensor_spec* s) {
        if (!s) return;
        emit(at(d, minute), s, "active");
        emit(at(d, minute + 1.5), s, "clear");
    }
    void bathroom_visit(date::local_days d, double minute) {
        if (const auto* hall = pick(s_.hall)) motion(d, minute - 0.5, hall);
        const auto* b = pick(s_.bathroom);
        motion(d, minute, b);
        motion(d, minute + uniform(2, 4), b);
    }
    void appliance(date::local_days d, double minute, const sensor_spec* s, double minutes_on) {
        if (!s) return;
        emit(at(d, minute), s, "on");
        emit(at(d, minute + minutes_on), s, "off");
    }
    void kitchen(date::local_days d, double minute, double length) {
        for (double m = minute; m < minute + length; m += uniform(2, 6)) motion(d, m, pick(s_.kitchen));
    }
    void meal(date::local_days d, double minute, bool hot) {
        kitchen(d, minute, 15);
        appliance(d, minute + 2, s_.kettle, uniform(2.5, 3.5));
        if (hot)
            appliance(d, minute + 5, s_.microwave ? s_.microwave : pick(s_.other_appliances), uniform(3, 7));
    }
    /// Sitting (the chair occupied) with a move now and then.
    void sitting(date::local_days d, double from, double to, double moves_per_hour) {
        if (to <= from) return;
        if (s_.chair) {
            emit(at(d, from), s_.chair, "occupied");
            emit(at(d, to), s_.chair, "vacant");
        }
        for (double m = from; m < to; m += 60.0 / std::max(0.2, moves_per_hour) * uniform(0.5, 1.5))
            motion(d, m, pick(s_.living));
    }

    void day(date::local_days d, int index) {
        const auto weekday = date::weekday{d};
        const bool weekend = weekday == date::Saturday || weekday == date::Sunday;
        const auto& c = opts_.changes;
        const int decline = c.decline_from && index >= *c.decline_from ? index - *c.decline_from + 1 : 0;
        const bool infection = c.infection_from && index >= *c.infection_from;
        const bool cold = c.cold_from && index >= *c.cold_from && index < *c.cold_from + c.cold_days;

        const double activity = std::max(0.35, 1.0 - 0.08 * decline);
        const double miss_meal = std::min(0.75, 0.12 * decline);
        double wake = (weekend ? 8 * 60 + 15 : 7 * 60 + 30) + normal(0, 15) + 30.0 * decline;
        wake = std::min(wake, 13.0 * 60);
        const double bed = 22 * 60 + 30 + normal(0, 20);

        temperatures(d, cold);

        // Up: out of bed, the bathroom, the kettle, breakfast unless missed.
        if (s_.bed) emit(at(d, wake), s_.bed, "vacant");
        motion(d, wake + 0.5, pick(s_.living));
        bathroom_visit(d, wake + 2);
        if (!chance(miss_meal)) meal(d, wake + 15, false);
        // The morning sitting, a bathroom visit, lunch.
        const double lunch = std::max(wake + 120, 12.5 * 60 + normal(0, 20));
        sitting(d, wake + 40, lunch - 30, 3 * activity);
        bathroom_visit(d, lunch - 20);
        if (!chance(miss_meal)) meal(d, lunch, true);
        // The afternoon: out (shops, a walk, a club) or in the chair.
        const double afternoon = lunch + 40;
        const double tea = 17.5 * 60 + normal(0, 15);
        const double leave = afternoon + uniform(0, 40);
        const double back = std::min(leave + uniform(50, 130), tea - 20);
        if (s_.exit && back - leave >= 40 && chance((weekend ? 0.35 : 0.7) * activity * activity)) {
            motion(d, leave - 1, pick(s_.hall));
            emit(at(d, leave), s_.exit, "open");
            emit(at(d, leave + 0.4), s_.exit, "closed");
            emit(at(d, back), s_.exit, "open");
            emit(at(d, back + 0.3), s_.exit, "closed");
            motion(d, back + 0.6, pick(s_.hall));
            sitting(d, back + 10, tea - 10, 2 * activity);
        } else {
            sitting(d, afternoon, tea - 10, 2.5 * activity);
        }
        bathroom_visit(d, tea - 5);
        appliance(d, tea, s_.kettle, uniform(2.5, 3.5));
        kitchen(d, tea, 8);
        if (!chance(miss_meal)) meal(d, tea + 30, true);
        // The evening, the bathroom, bed.
        sitting(d, tea + 60, bed - 25, 2 * activity);
        bathroom_visit(d, bed - 15);
        if (s_.bed) emit(at(d, bed), s_.bed, "occupied");
        night(d, bed, infection);
    }

    /// Night-time trips to the bathroom between going to bed and the next morning.
    void night(date::local_days d, double bed, bool infection) {
        int trips = infection ? static_cast<int>(uniform(3, 6)) : (chance(0.45) ? 1 : 0);
        const double from = bed + 60, to = 24 * 60 + 6 * 60;  // 06:00 the next day at the latest
        std::vector<double> times;
        for (int i = 0; i < trips; ++i) times.push_back(uniform(from, to));
        std::sort(times.begin(), times.end());
        double last = -1e9;
        for (double t : times) {
            if (t - last < 40) t = last + 40;
            if (t > to + 30) break;
            last = t;
            const double back = t + uniform(5, 12);
            if (s_.bed) emit(at(d, t), s_.bed, "vacant");
            bathroom_visit(d, t + 1.5);
            if (s_.bed) emit(at(d, back), s_.bed, "occupied");
        }
    }

    /// Every temperature sensor reports every 10 minutes (zigbee2mqtt's periodic report); in a cold
    /// spell the first one's room stays below 16 °C from 01:00 to about 10:00.
    void temperatures(date::local_days d, bool cold) {
        for (std::size_t i = 0; i < s_.temperature.size(); ++i) {
            const auto* s = s_.temperature[i];
            const std::string attribute =
                s->field ? s->field->substr(s->field->rfind('.') + 1) : "temperature";
            const double cold_until = 10 * 60 + uniform(-30, 30);
            for (double m = uniform(0, 10); m < 24 * 60; m += 10) {
                const double hour = m / 60;
                double v = hour < 6.5    ? 17.5
                           : hour < 8    ? 17.5 + (hour - 6.5) * 1.7
                           : hour < 22.5 ? 20.0
                                         : 18.5;
                if (cold && i == 0 && m >= 60 && m < cold_until) v = 14.2;
                v += normal(0, 0.25);
                emit(at(d, m), s, fmt::format("{}={:.1f}", attribute, v));
            }
        }
    }

    const date::time_zone* zone_;
    household_options opts_;
    home_sensors s_;
    std::mt19937 rng_;
    std::vector<recorded_message> out_;
};

}  // namespace

std::vector<recorded_message> generate_household(const config::hub_config& cfg, const date::time_zone* zone,
                                                 const household_options& opts) {
    return generator(cfg, zone, opts).run();
}

}  // namespace warden::ctl
