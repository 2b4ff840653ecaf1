#include "warden/alerts/engine.hpp"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <deque>
#include <map>
#include <stdexcept>
#include <string_view>

#include <date/tz.h>
#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "local_clock.hpp"

namespace warden::alerts {
namespace {

using config::rule_spec;
using config::rule_type;
using config::sensor_spec;
using nlohmann::json;

constexpr milliseconds press_debounce{30'000};  ///< a repeated press within this is the same call
constexpr milliseconds button_debounce{5'000};  ///< away button: one toggle per press
constexpr int battery_low_percent = 15;         ///< at or below: battery_low raised
constexpr int battery_ok_percent = 25;          ///< above: battery_low cleared
constexpr int max_steps = 1'000'000;            ///< guard for on_time's catch-up loop

std::string where(std::string_view location) {
    return location.empty() ? std::string{} : fmt::format(" ({})", location);
}

std::string number(double v) {
    return fmt::format("{:.1f}", v);
}

std::string windows_text(const rule_spec& r) {
    if (r.windows.empty()) return {};
    std::string s;
    for (const auto& w : r.windows) {
        if (!s.empty()) s += ", ";
        s += format_time_window(w);
    }
    return " (" + s + ")";
}

/// The rule type's name in saved state (kept here so the engine needs nothing compiled from config).
std::string_view type_name(rule_type t) {
    switch (t) {
        case rule_type::inactivity:
            return "inactivity";
        case rule_type::out_of_bed:
            return "out_of_bed";
        case rule_type::exit:
            return "exit";
        case rule_type::due:
            return "due";
        case rule_type::threshold:
            return "threshold";
    }
    return "unknown";
}

std::string minute_text(int m) {
    return fmt::format("{:02}:{:02}", (m / 60) % 24, m % 60);
}

/// Wording of an alarm kind's raised / cleared alert.
std::pair<std::string_view, std::string_view> alarm_words(sensor_kind kind) {
    switch (kind) {
        case sensor_kind::pendant:
            return {"Pendant pressed", "Pendant released"};
        case sensor_kind::pull_cord:
            return {"Pull cord pulled", "Pull cord reset"};
        case sensor_kind::fall:
            return {"Fall detected", "Fall detector reset"};
        case sensor_kind::smoke:
            return {"Smoke alarm", "Smoke alarm cleared"};
        case sensor_kind::heat:
            return {"Heat alarm", "Heat alarm cleared"};
        case sensor_kind::co:
            return {"Carbon monoxide alarm", "Carbon monoxide alarm cleared"};
        case sensor_kind::gas:
            return {"Gas alarm", "Gas alarm cleared"};
        case sensor_kind::flood:
            return {"Water leak", "Water leak cleared"};
        case sensor_kind::epilepsy:
            return {"Seizure alarm", "Seizure alarm cleared"};
        case sensor_kind::enuresis:
            return {"Enuresis sensor wet", "Enuresis sensor dry"};
        default:
            return {"Alarm", "Alarm cleared"};
    }
}

json time_json(const std::optional<time_point>& t) {
    return t ? json(format_time(*t)) : json(nullptr);
}

std::optional<time_point> time_from(const json& j, const char* name) {
    auto it = j.find(name);
    if (it == j.end() || !it->is_string()) return std::nullopt;
    return parse_time(it->get<std::string>());
}

}  // namespace

// ---------------------------------------------------------------------------------------------------

struct engine::impl {
    struct condition {
        std::string type, rule, sensor, location;
        warden::priority prio = priority::normal;
        time_point since{};
    };

    struct sensor_state {
        std::optional<int> battery, link;
        bool tamper = false;
        std::optional<time_point> last_seen, last_event;
        std::string last_signal;
        std::optional<time_point> last_press_alert;  ///< momentary alarm kinds: debounce
        std::optional<time_point> last_toggle;       ///< away button: debounce
        time_point silence_from{};                   ///< silence is counted from here
    };

    struct rule_state {
        std::size_t index = 0;             ///< into cfg.rules
        std::vector<std::size_t> watched;  ///< inactivity/due: sensors; exit: inside sensors
        std::vector<std::size_t> pausers;  ///< inactivity: bed/chair sensors that pause it while occupied
        std::size_t sensor = 0;            ///< out_of_bed/exit/threshold: the sensor
        bool initialised = false;
        // inactivity
        time_point anchor{};
        bool prealarm = false;
        std::optional<time_point> warn_at;
        time_point expiry{};
        // out_of_bed, exit
        std::optional<time_point> vacant_deadline, left_deadline, open_deadline;
        std::string exit_reason;  ///< "left" or "open" while the exit condition is raised
        // due
        date::local_days cycle{};
        std::optional<date::local_days> done;
        time_point from_t{}, by_t{};
        std::optional<time_point> missed_deadline;  ///< a `by` that passed while the hub was down
        // threshold
        std::optional<time_point> low_since, high_since;
        std::optional<double> last_value;
        std::deque<std::pair<time_point, double>> history;
        std::optional<double> rise_base;
    };

    config::hub_config cfg;
    detail::local_clock clock;
    std::map<std::string, std::size_t, std::less<>> sensor_index;
    std::vector<sensor_state> sensors;
    std::vector<rule_state> rules;
    std::map<std::string, condition, std::less<>> open;
    bool away = false;
    std::optional<time_point> last_now;
    time_point started{};  ///< the last start(); no silence is reported before started + start_grace
    /// After a restart, a deadline that passed while the hub was down fires this long after the start:
    /// the hub replays the home broker's queued messages meanwhile, and activity in them cancels it.
    milliseconds start_grace;

    impl(const config::hub_config& c, const date::time_zone* zone, milliseconds grace)
        : cfg(c), clock(zone), start_grace(grace) {
        if (!zone) throw std::invalid_argument("rule engine needs a time zone");
        if (grace < milliseconds{0}) throw std::invalid_argument("start grace must not be negative");
        for (std::size_t i = 0; i < cfg.sensors.size(); ++i) {
            if (!sensor_index.emplace(cfg.sensors[i].id, i).second)
                throw std::invalid_argument(fmt::format("duplicate sensor id '{}'", cfg.sensors[i].id));
        }
        sensors.resize(cfg.sensors.size());
        for (std::size_t i = 0; i < cfg.rules.size(); ++i) rules.push_back(make_rule(i));
    }

    // --- configuration -----------------------------------------------------------------------------

    std::size_t need_sensor(const rule_spec& r, const std::string& id) const {
        auto it = sensor_index.find(id);
        if (it == sensor_index.end())
            throw std::invalid_argument(fmt::format("rule '{}' names unknown sensor '{}'", r.id, id));
        return it->second;
    }

    std::vector<std::size_t> activity_sensors(const std::vector<std::string>& ids, const rule_spec& r,
                                              bool presence_only) const {
        std::vector<std::size_t> out;
        if (!ids.empty()) {
            for (const auto& id : ids) out.push_back(need_sensor(r, id));
            return out;
        }
        for (std::size_t i = 0; i < cfg.sensors.size(); ++i) {
            auto k = cfg.sensors[i].kind;
            if (presence_only ? (k == sensor_kind::motion || k == sensor_kind::bed || k == sensor_kind::chair)
                              : is_activity_kind(k))
                out.push_back(i);
        }
        return out;
    }

    rule_state make_rule(std::size_t i) const {
        const auto& r = cfg.rules[i];
        rule_state s;
        s.index = i;
        auto fail = [&](std::string_view what) {
            throw std::invalid_argument(fmt::format("rule '{}': {}", r.id, what));
        };
        switch (r.type) {
            case rule_type::inactivity:
                if (!r.period || r.period->count() <= 0) fail("inactivity needs a positive period");
                s.watched = activity_sensors(r.sensors, r, false);
                for (const auto& id : r.paused_by) s.pausers.push_back(need_sensor(r, id));
                break;
            case rule_type::out_of_bed:
                if (r.sensor.empty() || !r.within) fail("out_of_bed needs sensor and within");
                s.sensor = need_sensor(r, r.sensor);
                break;
            case rule_type::exit:
                if (r.sensor.empty() || (!r.within && !r.open_for))
                    fail("exit needs sensor and within or open_for");
                s.sensor = need_sensor(r, r.sensor);
                s.watched = activity_sensors(r.inside, r, true);
                std::erase(s.watched, s.sensor);
                break;
            case rule_type::due:
                if (!r.from_minute || !r.by_minute || r.event.empty()) fail("due needs event, from and by");
                s.watched = activity_sensors(r.sensors, r, false);
                break;
            case rule_type::threshold:
                if (r.sensor.empty() || (!r.below && !r.above && !(r.rise && r.over)))
                    fail("threshold needs sensor and below, above or rise with over");
                s.sensor = need_sensor(r, r.sensor);
                break;
        }
        return s;
    }

    const rule_spec& spec(const rule_state& s) const { return cfg.rules[s.index]; }
    warden::priority rule_priority(const rule_spec& r) const { return r.prio.value_or(priority::high); }

    // --- conditions ------------------------------------------------------------------------------------

    bool is_open(std::string_view key) const { return open.find(key) != open.end(); }

    alert_draft draft(std::string key, std::string type, alert_state state, warden::priority prio,
                      time_point at, std::string rule, std::string sensor, std::string location,
                      std::string text, std::optional<double> value = std::nullopt) const {
        alert_draft d;
        d.sia = sia_code(type, state);
        d.key = std::move(key);
        d.type = std::move(type);
        d.state = state;
        d.priority = prio;
        d.at = at;
        d.rule = std::move(rule);
        d.sensor = std::move(sensor);
        d.location = std::move(location);
        d.text = std::move(text);
        d.value = value;
        return d;
    }

    /// Raises a lasting condition once; nothing if it is already open.
    void raise(output& out, const std::string& key, const std::string& type, warden::priority prio,
               time_point at, const std::string& rule, const std::string& sensor, const std::string& location,
               std::string text, std::optional<double> value = std::nullopt) {
        if (is_open(key)) return;
        open.emplace(key, condition{type, rule, sensor, location, prio, at});
        out.alerts.push_back(
            draft(key, type, alert_state::raised, prio, at, rule, sensor, location, std::move(text), value));
    }

    /// Ends a condition; nothing if it is not open.
    void clear(output& out, std::string_view key, time_point at, std::string text,
               std::optional<double> value = std::nullopt) {
        auto it = open.find(key);
        if (it == open.end()) return;
        auto c = it->second;
        std::string k{key};
        open.erase(it);
        out.alerts.push_back(draft(k, c.type, alert_state::cleared, c.prio, at, c.rule, c.sensor, c.location,
                                   std::move(text), value));
    }

    static std::string rule_key(const rule_spec& r) { return r.id; }
    static std::string rule_key(const rule_spec& r, const std::string& sensor) { return r.id + "/" + sensor; }
    static std::string tech_key(std::string_view type, std::string_view who) {
        return fmt::format("{}/{}", type, who);
    }

    // --- rule state set-up -----------------------------------------------------------------------------

    void recompute_inactivity(rule_state& s) {
        const auto& r = spec(s);
        s.expiry = clock.advance(r.windows, s.anchor, *r.period);
        s.warn_at.reset();
        if (r.warn && r.warn->count() > 0 && *r.warn < *r.period)
            s.warn_at = clock.advance(r.windows, s.anchor, *r.period - *r.warn);
    }

    time_point due_by(const rule_spec& r, date::local_days d) const {
        auto by_day = *r.by_minute > *r.from_minute ? d : d + date::days{1};
        return clock.at(by_day, *r.by_minute);
    }

    void set_cycle(rule_state& s, date::local_days d) {
        const auto& r = spec(s);
        s.cycle = d;
        s.from_t = clock.at(d, *r.from_minute);
        s.by_t = due_by(r, d);
    }

    /// The first daily cycle whose `by` is still ahead of `now`.
    void first_cycle_after(rule_state& s, time_point now) {
        const auto& r = spec(s);
        auto d = clock.local_day(now) - date::days{1};
        while (due_by(r, d) <= now) d += date::days{1};
        set_cycle(s, d);
    }

    void reset_rule(rule_state& s, time_point now) {
        const auto& r = spec(s);
        s.initialised = true;
        s.vacant_deadline.reset();
        s.left_deadline.reset();
        s.open_deadline.reset();
        s.low_since.reset();
        s.high_since.reset();
        s.history.clear();
        s.missed_deadline.reset();
        switch (r.type) {
            case rule_type::inactivity:
                s.anchor = now;
                s.prealarm = false;
                recompute_inactivity(s);
                break;
            case rule_type::due:
                first_cycle_after(s, now);
                break;
            default:
                break;
        }
    }

    void ensure_initialised(time_point now) {
        for (auto& s : rules)
            if (!s.initialised) reset_rule(s, now);
        if (!last_now) {
            last_now = now;
            for (auto& st : sensors) st.silence_from = now;
        }
    }

    // --- time ----------------------------------------------------------------------------------------

    /// The wall clock went back: nothing may have started in the future.
    void clock_went_back(time_point now) {
        for (auto& s : rules) {
            const auto& r = spec(s);
            if (r.type == rule_type::inactivity && s.anchor > now) {
                s.anchor = now;
                recompute_inactivity(s);
            }
            auto clamp = [&](std::optional<time_point>& deadline, std::optional<milliseconds> span) {
                if (deadline && span && *deadline > now + *span) deadline = now + *span;
            };
            clamp(s.vacant_deadline, r.within);
            clamp(s.left_deadline, r.within);
            clamp(s.open_deadline, r.open_for);
            if (s.low_since && *s.low_since > now) s.low_since = now;
            if (s.high_since && *s.high_since > now) s.high_since = now;
            std::erase_if(s.history, [&](const auto& h) { return h.first > now; });
            // A due rule's cycle only moves forward: a day already checked is not checked twice.
        }
        for (auto& st : sensors) {
            if (st.silence_from > now) st.silence_from = now;
            // A press just before the jump was "now": a repeat seconds later is still the same call.
            if (st.last_press_alert && *st.last_press_alert > now) st.last_press_alert = now;
            if (st.last_toggle && *st.last_toggle > now) st.last_toggle = now;
        }
    }

    void observe_time(time_point now) {
        ensure_initialised(now);
        if (now < *last_now) clock_went_back(now);
        last_now = now;
    }

    std::optional<time_point> rule_deadline(const rule_state& s) const {
        const auto& r = spec(s);
        std::optional<time_point> best;
        auto consider = [&](std::optional<time_point> t) {
            if (t && (!best || *t < *best)) best = t;
        };
        switch (r.type) {
            case rule_type::inactivity:
                if (away || is_open(rule_key(r)) || paused(s)) break;
                consider(s.warn_at && !s.prealarm ? s.warn_at : std::optional{s.expiry});
                break;
            case rule_type::out_of_bed:
                consider(s.vacant_deadline);
                break;
            case rule_type::exit:
                consider(s.left_deadline);
                consider(s.open_deadline);
                break;
            case rule_type::due:
                consider(s.by_t);
                consider(s.missed_deadline);
                break;
            case rule_type::threshold:
                if (r.for_) {
                    if (s.low_since) consider(*s.low_since + *r.for_);
                    if (s.high_since) consider(*s.high_since + *r.for_);
                }
                break;
        }
        return best;
    }

    std::optional<time_point> silence_deadline(std::size_t i) const {
        const auto& sp = cfg.sensors[i];
        if (!sp.report_every || is_open(tech_key("sensor_offline", sp.id))) return std::nullopt;
        return std::max(sensors[i].silence_from + *sp.report_every, started + start_grace);
    }

    std::optional<time_point> next_deadline() const {
        if (!last_now) return std::nullopt;  // not started
        std::optional<time_point> best;
        auto consider = [&](std::optional<time_point> t) {
            if (t && (!best || *t < *best)) best = t;
        };
        for (const auto& s : rules) consider(rule_deadline(s));
        for (std::size_t i = 0; i < sensors.size(); ++i) consider(silence_deadline(i));
        return best;
    }

    /// An inactivity rule does not run while one of its `paused_by` sensors reports occupied.
    bool paused(const rule_state& s) const {
        return std::any_of(s.pausers.begin(), s.pausers.end(), [&](std::size_t j) {
            return sensors[j].last_signal == signal_name(cfg.sensors[j].kind, signal::active);
        });
    }

    /// True if the rule's window closes somewhere in (from, deadline): a check started at `from`
    /// could not run its whole span inside the window, so it is not started.
    bool window_closes_before(const rule_spec& r, time_point from, time_point deadline) const {
        for (auto b : clock.boundaries(r.windows, from, deadline))
            if (b < deadline && !clock.inside(r.windows, b)) return true;
        return false;
    }

    /// Fires everything whose deadline is `d` or earlier.
    void fire(time_point d, output& out) {
        for (auto& s : rules) {
            auto t = rule_deadline(s);
            if (t && *t <= d) fire_rule(s, d, out);
        }
        for (std::size_t i = 0; i < sensors.size(); ++i) {
            auto t = silence_deadline(i);
            if (!t || *t > d) continue;
            const auto& sp = cfg.sensors[i];
            raise(out, tech_key("sensor_offline", sp.id), "sensor_offline", priority::normal, d,
                  "sensor_offline", sp.id, sp.location,
                  fmt::format("No report for {}{}", format_duration(*sp.report_every), where(sp.location)));
        }
    }

    void fire_rule(rule_state& s, time_point d, output& out) {
        const auto& r = spec(s);
        auto prio = rule_priority(r);
        switch (r.type) {
            case rule_type::inactivity:
                if (s.warn_at && !s.prealarm && *s.warn_at <= d && d < s.expiry) {
                    s.prealarm = true;
                    out.notices.push_back({local_notice::what::prealarm, r.id, d, s.expiry, away});
                } else if (s.expiry <= d) {
                    s.prealarm = false;
                    raise(out, rule_key(r), "inactivity", prio, d, r.id, "", "",
                          fmt::format("No activity for {}{}", format_duration(*r.period), windows_text(r)));
                }
                break;
            case rule_type::out_of_bed: {
                s.vacant_deadline.reset();
                const auto& sp = cfg.sensors[s.sensor];
                raise(out, rule_key(r, sp.id), "out_of_bed", prio, d, r.id, sp.id, sp.location,
                      fmt::format("Out of {} for {}{}", sp.kind == sensor_kind::chair ? "chair" : "bed",
                                  format_duration(*r.within), where(sp.location)));
                break;
            }
            case rule_type::exit: {
                const auto& sp = cfg.sensors[s.sensor];
                auto key = rule_key(r, sp.id);
                if (s.left_deadline && *s.left_deadline <= d) {
                    s.left_deadline.reset();
                    if (!is_open(key)) {
                        s.exit_reason = "left";
                        s.open_deadline.reset();
                        raise(out, key, "exit", prio, d, r.id, sp.id, sp.location,
                              fmt::format("Door opened, no activity inside for {}{}",
                                          format_duration(*r.within), where(sp.location)));
                    }
                }
                if (s.open_deadline && *s.open_deadline <= d) {
                    s.open_deadline.reset();
                    if (!is_open(key)) {
                        s.exit_reason = "open";
                        s.left_deadline.reset();
                        raise(out, key, "exit", prio, d, r.id, sp.id, sp.location,
                              fmt::format("Door open for {}{}", format_duration(*r.open_for),
                                          where(sp.location)));
                    }
                }
                break;
            }
            case rule_type::due:
                if (s.missed_deadline && *s.missed_deadline <= d) {
                    s.missed_deadline.reset();
                    if (!away)
                        raise(out, rule_key(r), "due", prio, d, r.id, "", "",
                              fmt::format("Expected '{}' not seen between {} and {}", r.event,
                                          minute_text(*r.from_minute), minute_text(*r.by_minute)));
                    if (s.by_t > d) break;
                }
                if (!away && s.done != s.cycle)
                    raise(out, rule_key(r), "due", prio, d, r.id, "", "",
                          fmt::format("Expected '{}' not seen between {} and {}", r.event,
                                      minute_text(*r.from_minute), minute_text(*r.by_minute)));
                set_cycle(s, s.cycle + date::days{1});
                break;
            case rule_type::threshold: {
                const auto& sp = cfg.sensors[s.sensor];
                if (s.low_since && *s.low_since + *r.for_ <= d) {
                    s.low_since.reset();
                    raise(out, rule_key(r, sp.id) + "/low", "temperature_low", prio, d, r.id, sp.id,
                          sp.location,
                          fmt::format("{} {} below {} for {}{}", attribute_name(r),
                                      number(s.last_value.value_or(0)), number(*r.below),
                                      format_duration(*r.for_), where(sp.location)),
                          s.last_value);
                }
                if (s.high_since && *s.high_since + *r.for_ <= d) {
                    s.high_since.reset();
                    raise(out, rule_key(r, sp.id) + "/high", "temperature_high", prio, d, r.id, sp.id,
                          sp.location,
                          fmt::format("{} {} above {} for {}{}", attribute_name(r),
                                      number(s.last_value.value_or(0)), number(*r.above),
                                      format_duration(*r.for_), where(sp.location)),
                          s.last_value);
                }
                break;
            }
        }
    }

    static std::string attribute_name(const rule_spec& r) {
        std::string a = r.attribute.empty() ? "temperature" : r.attribute;
        a[0] = static_cast<char>(std::toupper(static_cast<unsigned char>(a[0])));
        return a;
    }

    void process_due(time_point now, output& out) {
        observe_time(now);
        for (int i = 0; i < max_steps; ++i) {
            auto d = next_deadline();
            if (!d || *d > now) return;
            fire(*d, out);
        }
    }

    // --- inputs --------------------------------------------------------------------------------------

    void heard(std::size_t i, time_point now, output& out) {
        auto& st = sensors[i];
        const auto& sp = cfg.sensors[i];
        st.last_seen = now;
        st.silence_from = now;
        clear(out, tech_key("sensor_offline", sp.id), now,
              fmt::format("Sensor back online{}", where(sp.location)));
    }

    void on_event(const sensor_event& e, time_point now, output& out) {
        auto it = sensor_index.find(e.sensor);
        if (it == sensor_index.end()) return;
        std::size_t i = it->second;
        const auto& sp = cfg.sensors[i];
        auto& st = sensors[i];
        heard(i, now, out);
        if (e.link) st.link = e.link;
        // Bridges repeat a sensor's state in every report (Tasmota telemetry, zigbee2mqtt battery
        // reports). Only a change of state, or a fresh detection by a motion sensor or a press,
        // shows that someone is there; a repeat must not hold off inactivity or satisfy a due check.
        bool fresh = false;
        if (e.signal != signal::none) {
            auto word = std::string{signal_name(sp.kind, e.signal)};
            bool detection =
                e.signal == signal::active && (sp.kind == sensor_kind::motion || is_momentary_kind(sp.kind));
            fresh = detection || st.last_signal != word;
            st.last_event = now;
            st.last_signal = std::move(word);
        }
        technical_checks(i, e, now, out);
        if (is_alarm_kind(sp.kind)) alarm(i, e, now, out);
        if (sp.kind == sensor_kind::button && e.signal == signal::active) buttons(i, now, out);
        for (auto& s : rules) rule_event(s, i, e, fresh, now, out);
    }

    void technical_checks(std::size_t i, const sensor_event& e, time_point now, output& out) {
        const auto& sp = cfg.sensors[i];
        auto& st = sensors[i];
        if (e.battery) st.battery = std::clamp(*e.battery, 0, 100);
        auto key = tech_key("battery_low", sp.id);
        bool low_by_percent = e.battery && *e.battery <= battery_low_percent;
        if ((e.battery_low && *e.battery_low) || low_by_percent) {
            raise(out, key, "battery_low", priority::normal, now, "battery_low", sp.id, sp.location,
                  e.battery ? fmt::format("Battery low {}%{}", *e.battery, where(sp.location))
                            : fmt::format("Battery low{}", where(sp.location)));
        } else if (e.battery ? *e.battery > battery_ok_percent : (e.battery_low && !*e.battery_low)) {
            clear(out, key, now,
                  e.battery ? fmt::format("Battery OK {}%{}", *e.battery, where(sp.location))
                            : fmt::format("Battery OK{}", where(sp.location)));
        }
        if (e.tamper) {
            st.tamper = *e.tamper;
            auto tkey = tech_key("tamper", sp.id);
            if (*e.tamper)
                raise(out, tkey, "tamper", priority::normal, now, "tamper", sp.id, sp.location,
                      fmt::format("Tamper{}", where(sp.location)));
            else
                clear(out, tkey, now, fmt::format("Tamper cleared{}", where(sp.location)));
        }
    }

    void alarm(std::size_t i, const sensor_event& e, time_point now, output& out) {
        const auto& sp = cfg.sensors[i];
        auto& st = sensors[i];
        auto type = std::string{to_string(sp.kind)};
        auto [on, off] = alarm_words(sp.kind);
        auto key = rule_key_for_sensor(sp.id);
        if (is_momentary_kind(sp.kind)) {
            if (e.signal != signal::active) return;
            if (st.last_press_alert && now >= *st.last_press_alert &&
                now - *st.last_press_alert < press_debounce)
                return;
            st.last_press_alert = now;
            // A press is an event, not a lasting condition: every new call is raised.
            out.alerts.push_back(draft(key, type, alert_state::raised, alarm_priority(sp.kind), now, sp.id,
                                       sp.id, sp.location, fmt::format("{}{}", on, where(sp.location))));
            return;
        }
        if (e.signal == signal::active)
            raise(out, key, type, alarm_priority(sp.kind), now, sp.id, sp.id, sp.location,
                  fmt::format("{}{}", on, where(sp.location)));
        else if (e.signal == signal::inactive)
            clear(out, key, now, fmt::format("{}{}", off, where(sp.location)));
    }

    static std::string rule_key_for_sensor(const std::string& id) { return id + "/" + id; }

    void buttons(std::size_t i, time_point now, output& out) {
        const auto& sp = cfg.sensors[i];
        auto& st = sensors[i];
        if (sp.cancel_button) cancel(now, out);
        if (sp.away_button) {
            if (st.last_toggle && now >= *st.last_toggle && now - *st.last_toggle < button_debounce) return;
            st.last_toggle = now;
            set_away(!away, now, out);
        }
    }

    bool watches(const rule_state& s, std::size_t i) const {
        return std::find(s.watched.begin(), s.watched.end(), i) != s.watched.end();
    }

    void rule_event(rule_state& s, std::size_t i, const sensor_event& e, bool fresh, time_point now,
                    output& out) {
        const auto& r = spec(s);
        const auto& sp = cfg.sensors[i];
        if (away) return;  // behavioural rules are suspended; the return from away restarts them
        if (!fresh && r.type != rule_type::threshold) return;  // a repeated state is not a new event
        switch (r.type) {
            case rule_type::inactivity:
                // Getting into bed (or out of it) is activity too for a rule it pauses: the period
                // stops while the bed is occupied, and a full one starts when it goes vacant.
                if (e.signal == signal::none) return;
                if (!watches(s, i) && std::find(s.pausers.begin(), s.pausers.end(), i) == s.pausers.end())
                    return;
                activity(s, now, sp, out);
                break;
            case rule_type::out_of_bed: {
                if (i != s.sensor || e.signal == signal::none) return;
                auto key = rule_key(r, sp.id);
                if (e.signal == signal::active) {
                    s.vacant_deadline.reset();
                    clear(out, key, now,
                          fmt::format("Back in {}{}", sp.kind == sensor_kind::chair ? "chair" : "bed",
                                      where(sp.location)));
                } else if (!s.vacant_deadline && !is_open(key) && clock.inside(r.windows, now) &&
                           !window_closes_before(r, now, now + *r.within)) {
                    // A check that would end after the window closes is not started: getting up at
                    // 06:50 with a 22:00-07:00 window is the morning, not a night-time fall.
                    s.vacant_deadline = now + *r.within;
                }
                break;
            }
            case rule_type::exit: {
                auto key = rule_key(r, cfg.sensors[s.sensor].id);
                if (i == s.sensor) {
                    if (e.signal == signal::active) {
                        if (is_open(key) || !clock.inside(r.windows, now)) return;
                        // As for out_of_bed: a check that would outlast the window is not started.
                        // A new opening replaces the pending check (the resident may have come back in).
                        if (r.within) {
                            if (window_closes_before(r, now, now + *r.within))
                                s.left_deadline.reset();
                            else
                                s.left_deadline = now + *r.within;
                        }
                        if (r.open_for && !s.open_deadline &&
                            !window_closes_before(r, now, now + *r.open_for))
                            s.open_deadline = now + *r.open_for;
                    } else if (e.signal == signal::inactive) {
                        s.open_deadline.reset();
                        if (is_open(key) && s.exit_reason == "open")
                            clear(out, key, now, fmt::format("Door closed{}", where(sp.location)));
                    }
                } else if (watches(s, i) && e.signal == signal::active) {
                    // Someone moving inside after the door opened: the resident did not leave.
                    s.left_deadline.reset();
                    if (is_open(key) && s.exit_reason == "left")
                        clear(out, key, now, fmt::format("Activity inside{}", where(sp.location)));
                }
                break;
            }
            case rule_type::due: {
                if (!watches(s, i) || e.signal == signal::none) return;
                auto wanted = parse_signal_name(sp.kind, r.event);
                if (!wanted || *wanted != e.signal) return;
                if (now >= s.from_t && now < s.by_t) s.done = s.cycle;
                s.missed_deadline.reset();  // the replay after a restart shows it happened
                clear(out, rule_key(r), now, fmt::format("'{}' seen{}", r.event, where(sp.location)));
                break;
            }
            case rule_type::threshold:
                if (i == s.sensor && e.value && std::isfinite(*e.value)) reading(s, *e.value, now, out);
                break;
        }
    }

    void activity(rule_state& s, time_point now, const sensor_spec& sp, output& out) {
        const auto& r = spec(s);
        if (s.prealarm)
            out.notices.push_back({local_notice::what::prealarm_cancelled, r.id, now, s.expiry, away});
        clear(out, rule_key(r), now, fmt::format("Activity again{}", where(sp.location)));
        s.prealarm = false;
        s.anchor = now;
        recompute_inactivity(s);
    }

    void reading(rule_state& s, double v, time_point now, output& out) {
        const auto& r = spec(s);
        const auto& sp = cfg.sensors[s.sensor];
        auto prio = rule_priority(r);
        auto base = rule_key(r, sp.id);
        s.last_value = v;
        auto name = attribute_name(r);
        // Outside the rule's window a reading may end a condition but does not start one.
        bool armed = clock.inside(r.windows, now);
        if (r.below) {
            auto key = base + "/low";
            if (is_open(key)) {
                if (v >= *r.below + r.hysteresis)
                    clear(out, key, now, fmt::format("{} back to {}{}", name, number(v), where(sp.location)),
                          v);
            } else if (v < *r.below && (armed || s.low_since)) {
                if (!r.for_)
                    raise(out, key, "temperature_low", prio, now, r.id, sp.id, sp.location,
                          fmt::format("{} {} below {}{}", name, number(v), number(*r.below),
                                      where(sp.location)),
                          v);
                else if (!s.low_since)
                    s.low_since = now;
            } else {
                s.low_since.reset();
            }
        }
        if (r.above) {
            auto key = base + "/high";
            if (is_open(key)) {
                if (v <= *r.above - r.hysteresis)
                    clear(out, key, now, fmt::format("{} back to {}{}", name, number(v), where(sp.location)),
                          v);
            } else if (v > *r.above && (armed || s.high_since)) {
                if (!r.for_)
                    raise(out, key, "temperature_high", prio, now, r.id, sp.id, sp.location,
                          fmt::format("{} {} above {}{}", name, number(v), number(*r.above),
                                      where(sp.location)),
                          v);
                else if (!s.high_since)
                    s.high_since = now;
            } else {
                s.high_since.reset();
            }
        }
        if (r.rise && r.over) {
            auto key = base + "/rise";
            s.history.emplace_back(now, v);
            while (!s.history.empty() && s.history.front().first < now - *r.over) s.history.pop_front();
            if (is_open(key)) {
                if (s.rise_base && v <= *s.rise_base + *r.rise - r.hysteresis) {
                    clear(out, key, now, fmt::format("{} back to {}{}", name, number(v), where(sp.location)),
                          v);
                    // A new rise is measured from here: the low reading before the first rise is still
                    // in the history and would raise again at once on the next high reading (flapping).
                    s.history.assign(1, {now, v});
                    s.rise_base.reset();
                }
            } else {
                double low = v;
                for (const auto& h : s.history) low = std::min(low, h.second);
                if (armed && v - low >= *r.rise) {
                    s.rise_base = low;
                    raise(out, key, "temperature_rise", prio, now, r.id, sp.id, sp.location,
                          fmt::format("{} rose by {} within {} to {}{}", name, number(v - low),
                                      format_duration(*r.over), number(v), where(sp.location)),
                          v);
                }
            }
        }
    }

    void on_availability(const availability_change& a, time_point now, output& out) {
        auto it = sensor_index.find(a.sensor);
        if (it == sensor_index.end()) return;
        const auto& sp = cfg.sensors[it->second];
        if (a.online) {
            heard(it->second, now, out);
        } else {
            raise(out, tech_key("sensor_offline", sp.id), "sensor_offline", priority::normal, now,
                  "sensor_offline", sp.id, sp.location, fmt::format("Sensor offline{}", where(sp.location)));
        }
    }

    void on_bridge(const bridge_change& b, time_point now, output& out) {
        auto key = tech_key("bridge_offline", b.bridge);
        if (b.online)
            clear(out, key, now, fmt::format("Bridge {} online", b.bridge));
        else
            raise(out, key, "bridge_offline", priority::normal, now, "bridge_offline", "", "",
                  fmt::format("Bridge {} offline", b.bridge));
    }

    // --- modes ---------------------------------------------------------------------------------------

    void cancel(time_point now, output& out) {
        for (auto& s : rules) {
            if (spec(s).type != rule_type::inactivity || !s.prealarm) continue;
            out.notices.push_back({local_notice::what::prealarm_cancelled, spec(s).id, now, s.expiry, away});
            s.prealarm = false;
            s.anchor = now;
            recompute_inactivity(s);
        }
    }

    void set_away(bool on, time_point now, output& out) {
        if (on == away) return;
        if (on) {
            for (auto& s : rules)
                if (spec(s).type == rule_type::inactivity && s.prealarm)
                    out.notices.push_back(
                        {local_notice::what::prealarm_cancelled, spec(s).id, now, s.expiry, true});
        }
        away = on;
        for (auto& s : rules) {
            const auto& r = spec(s);
            auto cycle = s.cycle;
            auto done = s.done;
            auto by = s.by_t;
            reset_rule(s, now);
            if (r.type == rule_type::due) {
                // Keep the day being checked; coming home inside the check window counts as the event.
                set_cycle(s, cycle);
                s.done = done;
                if (by <= now) first_cycle_after(s, now);
                if (!on && now >= s.from_t && now < s.by_t) s.done = s.cycle;
            }
        }
        out.notices.push_back({local_notice::what::away_changed, "", now, {}, on});
    }

    // --- persistence ---------------------------------------------------------------------------------

    json save() const {
        json j;
        j["version"] = 1;
        j["away"] = away;
        j["last_now"] = time_json(last_now);
        json conds = json::array();
        for (const auto& [key, c] : open)
            conds.push_back({{"key", key},
                             {"type", c.type},
                             {"rule", c.rule},
                             {"sensor", c.sensor},
                             {"location", c.location},
                             {"priority", to_string(c.prio)},
                             {"since", format_time(c.since)}});
        j["open"] = std::move(conds);
        json ss = json::object();
        for (std::size_t i = 0; i < sensors.size(); ++i) {
            const auto& st = sensors[i];
            json o{{"tamper", st.tamper},
                   {"last_seen", time_json(st.last_seen)},
                   {"last_event", time_json(st.last_event)},
                   {"last_signal", st.last_signal},
                   {"last_press_alert", time_json(st.last_press_alert)},
                   {"silence_from", format_time(st.silence_from)}};
            o["battery"] = st.battery ? json(*st.battery) : json(nullptr);
            o["link"] = st.link ? json(*st.link) : json(nullptr);
            ss[cfg.sensors[i].id] = std::move(o);
        }
        j["sensors"] = std::move(ss);
        json rs = json::object();
        for (const auto& s : rules) {
            if (!s.initialised) continue;
            const auto& r = spec(s);
            json o{{"type", type_name(r.type)}};
            switch (r.type) {
                case rule_type::inactivity:
                    o["anchor"] = format_time(s.anchor);
                    o["prealarm"] = s.prealarm;
                    break;
                case rule_type::out_of_bed:
                    o["vacant_deadline"] = time_json(s.vacant_deadline);
                    break;
                case rule_type::exit:
                    o["left_deadline"] = time_json(s.left_deadline);
                    o["open_deadline"] = time_json(s.open_deadline);
                    o["exit_reason"] = s.exit_reason;
                    break;
                case rule_type::due:
                    o["cycle"] = s.cycle.time_since_epoch().count();
                    o["done"] = s.done ? json(s.done->time_since_epoch().count()) : json(nullptr);
                    o["missed_deadline"] = time_json(s.missed_deadline);
                    break;
                case rule_type::threshold:
                    o["low_since"] = time_json(s.low_since);
                    o["high_since"] = time_json(s.high_since);
                    o["rise_base"] = s.rise_base ? json(*s.rise_base) : json(nullptr);
                    o["last_value"] = s.last_value ? json(*s.last_value) : json(nullptr);
                    break;
            }
            rs[r.id] = std::move(o);
        }
        j["rules"] = std::move(rs);
        return j;
    }

    bool condition_still_applies(const std::string& key, const condition& c) const {
        if (c.sensor.empty() || sensor_index.count(c.sensor)) {
            if (c.rule == c.sensor || c.rule == "sensor_offline" || c.rule == "battery_low" ||
                c.rule == "tamper" || c.rule == "bridge_offline" || key == "storage_fault" ||
                key == "uplink_fault")
                return true;
            return std::any_of(cfg.rules.begin(), cfg.rules.end(),
                               [&](const rule_spec& r) { return r.id == c.rule; });
        }
        return false;
    }

    void restore(const json& j) {
        if (!j.is_object()) return;
        away = j.value("away", false);
        if (auto t = time_from(j, "last_now")) last_now = t;
        if (auto it = j.find("open"); it != j.end() && it->is_array()) {
            for (const auto& c : *it) {
                if (!c.is_object()) continue;
                condition cond;
                auto key = c.value("key", std::string{});
                cond.type = c.value("type", std::string{});
                cond.rule = c.value("rule", std::string{});
                cond.sensor = c.value("sensor", std::string{});
                cond.location = c.value("location", std::string{});
                cond.prio =
                    parse_priority(c.value("priority", std::string{"normal"})).value_or(priority::normal);
                cond.since = time_from(c, "since").value_or(time_point{});
                if (key.empty() || cond.type.empty() || !condition_still_applies(key, cond)) continue;
                open[key] = cond;
            }
        }
        if (auto it = j.find("sensors"); it != j.end() && it->is_object()) {
            for (const auto& [id, o] : it->items()) {
                auto si = sensor_index.find(id);
                if (si == sensor_index.end() || !o.is_object()) continue;
                auto& st = sensors[si->second];
                st.tamper = o.value("tamper", false);
                st.last_seen = time_from(o, "last_seen");
                st.last_event = time_from(o, "last_event");
                st.last_signal = o.value("last_signal", std::string{});
                st.last_press_alert = time_from(o, "last_press_alert");
                st.silence_from = time_from(o, "silence_from").value_or(time_point{});
                if (o.contains("battery") && o["battery"].is_number_integer())
                    st.battery = o["battery"].get<int>();
                if (o.contains("link") && o["link"].is_number_integer()) st.link = o["link"].get<int>();
            }
        }
        if (auto it = j.find("rules"); it != j.end() && it->is_object()) {
            for (auto& s : rules) {
                const auto& r = spec(s);
                auto ri = it->find(r.id);
                if (ri == it->end() || !ri->is_object() ||
                    ri->value("type", std::string{}) != type_name(r.type))
                    continue;
                const auto& o = *ri;
                switch (r.type) {
                    case rule_type::inactivity: {
                        auto anchor = time_from(o, "anchor");
                        if (!anchor) continue;
                        s.anchor = *anchor;
                        s.prealarm = o.value("prealarm", false);
                        recompute_inactivity(s);
                        break;
                    }
                    case rule_type::out_of_bed:
                        s.vacant_deadline = time_from(o, "vacant_deadline");
                        break;
                    case rule_type::exit:
                        s.left_deadline = time_from(o, "left_deadline");
                        s.open_deadline = time_from(o, "open_deadline");
                        s.exit_reason = o.value("exit_reason", std::string{});
                        break;
                    case rule_type::due: {
                        if (!o.contains("cycle") || !o["cycle"].is_number_integer()) continue;
                        set_cycle(s, date::local_days{date::days{o["cycle"].get<int>()}});
                        if (o.contains("done") && o["done"].is_number_integer())
                            s.done = date::local_days{date::days{o["done"].get<int>()}};
                        s.missed_deadline = time_from(o, "missed_deadline");
                        break;
                    }
                    case rule_type::threshold:
                        s.low_since = time_from(o, "low_since");
                        s.high_since = time_from(o, "high_since");
                        if (o.contains("rise_base") && o["rise_base"].is_number())
                            s.rise_base = o["rise_base"].get<double>();
                        if (o.contains("last_value") && o["last_value"].is_number())
                            s.last_value = o["last_value"].get<double>();
                        break;
                }
                s.initialised = true;
            }
        }
    }

    /// After a restart. A restart neither forgets a period nor raises a false one: whatever ran out
    /// while the hub was down (an inactivity period, a `due` time, an out_of_bed, exit or threshold
    /// check, a sensor's silence) fires `start_grace` after the start, unless the messages the home
    /// broker queued meanwhile (replayed by the hub in that time) show activity first.
    void resume(time_point now, output& out) {
        ensure_initialised(now);
        if (now < *last_now) clock_went_back(now);
        last_now = now;
        started = now;
        const auto overdue = now + start_grace;
        for (auto& st : sensors)
            if (st.silence_from == time_point{}) st.silence_from = now;  // not in the saved state
        for (auto& s : rules) {
            const auto& r = spec(s);
            auto defer = [&](std::optional<time_point>& t) {
                if (t && *t <= now) t = overdue;
            };
            switch (r.type) {
                case rule_type::inactivity:
                    if (away || is_open(rule_key(r))) break;
                    if (s.expiry <= now) {
                        s.expiry = overdue;  // anchor kept: activity in the replay restarts it normally
                        s.warn_at.reset();
                        if (s.prealarm)
                            out.notices.push_back({local_notice::what::prealarm, r.id, now, s.expiry, away});
                    } else if (s.prealarm) {
                        out.notices.push_back({local_notice::what::prealarm, r.id, now, s.expiry, away});
                    } else if (s.warn_at && *s.warn_at <= now) {
                        // The pre-alarm time passed while down: ask after the replay, not before it.
                        if (overdue < s.expiry)
                            s.warn_at = overdue;
                        else
                            s.warn_at.reset();
                    }
                    break;
                case rule_type::out_of_bed:
                    defer(s.vacant_deadline);
                    break;
                case rule_type::exit:
                    defer(s.left_deadline);
                    defer(s.open_deadline);
                    break;
                case rule_type::due:
                    if (s.by_t <= now) {
                        // One check for whatever fell due while down (one alert, not one per missed
                        // day), made after the replay; a matching event in it cancels the check.
                        first_cycle_after(s, now);
                        if (s.done != s.cycle - date::days{1}) s.missed_deadline = overdue;
                    }
                    break;
                case rule_type::threshold:
                    if (r.for_) {
                        // Moved so that since + for = overdue: a reading in the replay that is back
                        // within the limit stops the clock as usual.
                        if (s.low_since && *s.low_since + *r.for_ <= now) s.low_since = overdue - *r.for_;
                        if (s.high_since && *s.high_since + *r.for_ <= now) s.high_since = overdue - *r.for_;
                    }
                    break;
            }
        }
    }
};

// ---------------------------------------------------------------------------------------------------

engine::engine(const config::hub_config& cfg, const date::time_zone* zone, milliseconds start_grace)
    : impl_(std::make_unique<impl>(cfg, zone, start_grace)) {}
engine::~engine() = default;
engine::engine(engine&&) noexcept = default;
engine& engine::operator=(engine&&) noexcept = default;

output engine::start(time_point now) {
    output out;
    impl_->resume(now, out);
    out.alerts.push_back(impl_->draft("hub_started", "hub_started", alert_state::raised, priority::normal,
                                      now, "hub_started", "", "", "Hub started"));
    impl_->process_due(now, out);
    return out;
}

output engine::on_input(const sensor_input& input, time_point now) {
    output out;
    impl_->process_due(now, out);
    std::visit(
        [&](const auto& in) {
            using T = std::decay_t<decltype(in)>;
            if constexpr (std::is_same_v<T, sensor_event>)
                impl_->on_event(in, now, out);
            else if constexpr (std::is_same_v<T, availability_change>)
                impl_->on_availability(in, now, out);
            else
                impl_->on_bridge(in, now, out);
        },
        input);
    return out;
}

output engine::on_time(time_point now) {
    output out;
    impl_->process_due(now, out);
    return out;
}

std::optional<time_point> engine::next_deadline() const {
    return impl_->next_deadline();
}

output engine::set_away(bool away, time_point now) {
    output out;
    impl_->process_due(now, out);
    impl_->set_away(away, now, out);
    return out;
}

bool engine::away() const noexcept {
    return impl_->away;
}

output engine::cancel_prealarm(time_point now) {
    output out;
    impl_->process_due(now, out);
    impl_->cancel(now, out);
    return out;
}

output engine::technical(std::string_view type, bool raised, std::string_view text, time_point now) {
    output out;
    impl_->process_due(now, out);
    std::string t{type};
    if (t == "test") {
        // A test is an event: every request is raised, and nothing clears it.
        if (raised)
            out.alerts.push_back(impl_->draft("test", t, alert_state::raised, priority::low, now, t, "", "",
                                              text.empty() ? std::string{"Test alarm"} : std::string{text}));
        return out;
    }
    if (raised)
        impl_->raise(out, t, t, priority::normal, now, t, "", "", std::string{text});
    else
        impl_->clear(out, t, now, std::string{text});
    return out;
}

nlohmann::json engine::save_state() const {
    return impl_->save();
}
void engine::restore_state(const nlohmann::json& state) {
    impl_->restore(state);
}

std::vector<sensor_health> engine::health() const {
    std::vector<sensor_health> out;
    for (std::size_t i = 0; i < impl_->sensors.size(); ++i) {
        const auto& sp = impl_->cfg.sensors[i];
        const auto& st = impl_->sensors[i];
        sensor_health h;
        h.sensor = sp.id;
        h.online = !impl_->is_open(impl::tech_key("sensor_offline", sp.id));
        h.battery_low = impl_->is_open(impl::tech_key("battery_low", sp.id));
        h.tamper = st.tamper;
        h.battery = st.battery;
        h.link = st.link;
        h.last_seen = st.last_seen;
        h.last_event = st.last_event;
        h.last_signal = st.last_signal;
        out.push_back(std::move(h));
    }
    return out;
}

}  // namespace warden::alerts
