// Technical alerts, always on: sensor offline or silent, battery, tamper, bridge, the hub's own
// faults and tests (docs/rules.md, "Technical alerts").

#include <algorithm>

#include <fmt/format.h>

#include "sensor_alerts.hpp"

namespace warden::alerts::detail {

namespace {
constexpr int battery_low_percent = 15;  ///< at or below: battery_low raised
constexpr int battery_ok_percent = 25;   ///< above: battery_low cleared
}  // namespace

void heard(engine_core& core, std::size_t i, time_point now, output& out) {
    auto& st = core.sensors[i];
    const auto& sp = core.cfg.sensors[i];
    st.last_seen = now;
    st.silence_from = now;
    core.clear(out, core.keys[i].offline, now,
               [&] { return fmt::format("Sensor back online{}", where(sp.location)); });
}

void technical_checks(engine_core& core, std::size_t i, const sensor_event& e, time_point now, output& out) {
    const auto& sp = core.cfg.sensors[i];
    auto& st = core.sensors[i];
    if (e.battery) st.battery = std::clamp(*e.battery, 0, 100);
    const auto& key = core.keys[i].battery;
    bool low_by_percent = e.battery && *e.battery <= battery_low_percent;
    if ((e.battery_low && *e.battery_low) || low_by_percent) {
        core.raise(out, key, "battery_low", priority::normal, now, "battery_low", sp.id, sp.location, [&] {
            return e.battery ? fmt::format("Battery low {}%{}", *e.battery, where(sp.location))
                             : fmt::format("Battery low{}", where(sp.location));
        });
    } else if (e.battery ? *e.battery > battery_ok_percent : (e.battery_low && !*e.battery_low)) {
        core.clear(out, key, now, [&] {
            return e.battery ? fmt::format("Battery OK {}%{}", *e.battery, where(sp.location))
                             : fmt::format("Battery OK{}", where(sp.location));
        });
    }
    // A detector's test button (smoke test:true with smoke:false) or a self test: one `test` event
    // per test, so the centre logs it (SIA RP); the device repeats test:true until it ends.
    if (e.test) {
        if (*e.test && !st.testing)
            out.alerts.push_back(core.draft(core.keys[i].test, "test", alert_state::raised, priority::low,
                                            now, "test", sp.id, sp.location,
                                            fmt::format("Test of the sensor{}", where(sp.location))));
        st.testing = *e.test;
    }
    if (e.tamper) {
        st.tamper = *e.tamper;
        const auto& tkey = core.keys[i].tamper;
        if (*e.tamper)
            core.raise(out, tkey, "tamper", priority::normal, now, "tamper", sp.id, sp.location,
                       [&] { return fmt::format("Tamper{}", where(sp.location)); });
        else
            core.clear(out, tkey, now, [&] { return fmt::format("Tamper cleared{}", where(sp.location)); });
    }
}

void on_availability(engine_core& core, const availability_change& a, time_point now, output& out) {
    auto it = core.sensor_index.find(a.sensor);
    if (it == core.sensor_index.end()) return;
    const auto& sp = core.cfg.sensors[it->second];
    if (a.online) {
        heard(core, it->second, now, out);
    } else {
        core.raise(out, core.keys[it->second].offline, "sensor_offline", priority::normal, now,
                   "sensor_offline", sp.id, sp.location,
                   [&] { return fmt::format("Sensor offline{}", where(sp.location)); });
    }
}

void on_bridge(engine_core& core, const bridge_change& b, time_point now, output& out) {
    auto key = tech_key("bridge_offline", b.bridge);
    if (b.online)
        core.clear(out, key, now, fmt::format("Bridge {} online", b.bridge));
    else
        core.raise(out, key, "bridge_offline", priority::normal, now, "bridge_offline", "", "",
                   fmt::format("Bridge {} offline", b.bridge));
}

std::optional<time_point> silence_deadline(const engine_core& core, std::size_t i) {
    const auto& sp = core.cfg.sensors[i];
    if (!sp.report_every || core.is_open(core.keys[i].offline)) return std::nullopt;
    return std::max(core.sensors[i].silence_from + *sp.report_every, core.started + core.start_grace);
}

void fire_silence(engine_core& core, time_point d, output& out) {
    for (auto i : core.reporting) {
        auto t = silence_deadline(core, i);
        if (!t || *t > d) continue;
        const auto& sp = core.cfg.sensors[i];
        core.raise(out, core.keys[i].offline, "sensor_offline", priority::normal, d, "sensor_offline", sp.id,
                   sp.location, [&] {
                       return fmt::format("No report for {}{}", format_duration(*sp.report_every),
                                          where(sp.location));
                   });
    }
}

void hub_technical(engine_core& core, std::string_view type, bool raised, std::string_view text,
                   time_point now, output& out) {
    std::string t{type};
    if (t == "test") {
        // A test is an event: every request is raised, and nothing clears it.
        if (raised)
            out.alerts.push_back(core.draft("test", t, alert_state::raised, priority::low, now, t, "", "",
                                            text.empty() ? std::string{"Test alarm"} : std::string{text}));
        return;
    }
    if (raised)
        core.raise(out, t, t, priority::normal, now, t, "", "", std::string{text});
    else
        core.clear(out, t, now, std::string{text});
}

std::vector<sensor_health> health(const engine_core& core) {
    std::vector<sensor_health> out;
    for (std::size_t i = 0; i < core.sensors.size(); ++i) {
        const auto& sp = core.cfg.sensors[i];
        const auto& st = core.sensors[i];
        sensor_health h;
        h.sensor = sp.id;
        h.online = !core.is_open(core.keys[i].offline);
        h.battery_low = core.is_open(core.keys[i].battery);
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

}  // namespace warden::alerts::detail
