#include "state_io.hpp"

#include <algorithm>
#include <string>

#include <nlohmann/json.hpp>

namespace warden::alerts::detail {

using nlohmann::json;

json save_state(const engine_core& core, const std::vector<rule_unit>& rules) {
    json j;
    j["version"] = 1;
    j["away"] = core.away;
    j["last_now"] = time_json(core.last_now);
    json conds = json::array();
    for (const auto& [key, c] : core.open)
        conds.push_back({{"key", key},
                         {"type", c.type},
                         {"rule", c.rule},
                         {"sensor", c.sensor},
                         {"location", c.location},
                         {"priority", to_string(c.prio)},
                         {"since", format_time(c.since)}});
    j["open"] = std::move(conds);
    json ss = json::object();
    for (std::size_t i = 0; i < core.sensors.size(); ++i) {
        const auto& st = core.sensors[i];
        json o{{"tamper", st.tamper},
               {"last_seen", time_json(st.last_seen)},
               {"last_event", time_json(st.last_event)},
               {"last_signal", st.last_signal},
               {"last_press_alert", time_json(st.last_press_alert)},
               {"silence_from", format_time(st.silence_from)}};
        o["battery"] = st.battery ? json(*st.battery) : json(nullptr);
        o["link"] = st.link ? json(*st.link) : json(nullptr);
        ss[core.cfg.sensors[i].id] = std::move(o);
    }
    j["sensors"] = std::move(ss);
    json rs = json::object();
    for (const auto& unit : rules) {
        std::visit(
            [&](const auto& u) {
                if (!u.initialised) return;
                json o{{"type", u.name}};
                u.save(o);
                rs[u.spec->id] = std::move(o);
            },
            unit);
    }
    j["rules"] = std::move(rs);
    return j;
}

namespace {

bool condition_still_applies(const engine_core& core, const std::string& key, const condition& c) {
    if (c.sensor.empty() || core.sensor_index.count(c.sensor)) {
        if (c.rule == c.sensor || c.rule == "sensor_offline" || c.rule == "battery_low" ||
            c.rule == "tamper" || c.rule == "bridge_offline" || key == "storage_fault" ||
            key == "uplink_fault")
            return true;
        return std::any_of(core.cfg.rules.begin(), core.cfg.rules.end(),
                           [&](const config::rule_spec& r) { return r.id == c.rule; });
    }
    return false;
}

}  // namespace

void restore_state(engine_core& core, std::vector<rule_unit>& rules, const json& j) {
    if (!j.is_object()) return;
    core.away = j.value("away", false);
    if (auto t = time_from(j, "last_now")) core.last_now = t;
    if (auto it = j.find("open"); it != j.end() && it->is_array()) {
        for (const auto& c : *it) {
            if (!c.is_object()) continue;
            condition cond;
            auto key = c.value("key", std::string{});
            cond.type = c.value("type", std::string{});
            cond.rule = c.value("rule", std::string{});
            cond.sensor = c.value("sensor", std::string{});
            cond.location = c.value("location", std::string{});
            cond.prio = parse_priority(c.value("priority", std::string{"normal"})).value_or(priority::normal);
            cond.since = time_from(c, "since").value_or(time_point{});
            if (key.empty() || cond.type.empty() || !condition_still_applies(core, key, cond)) continue;
            core.open[key] = cond;
        }
    }
    if (auto it = j.find("sensors"); it != j.end() && it->is_object()) {
        for (const auto& [id, o] : it->items()) {
            auto si = core.sensor_index.find(id);
            if (si == core.sensor_index.end() || !o.is_object()) continue;
            auto& st = core.sensors[si->second];
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
        for (auto& unit : rules) {
            std::visit(
                [&](auto& u) {
                    auto ri = it->find(u.spec->id);
                    if (ri == it->end() || !ri->is_object() || ri->value("type", std::string{}) != u.name)
                        return;
                    if (u.restore(core, *ri)) u.initialised = true;
                },
                unit);
        }
    }
}

}  // namespace warden::alerts::detail
