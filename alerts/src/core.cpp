#include "core.hpp"

#include <stdexcept>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

namespace warden::alerts::detail {

using config::rule_spec;

engine_core::engine_core(const config::hub_config& c, const date::time_zone* zone, milliseconds grace)
    : cfg(c), clock(zone), start_grace(grace) {
    if (!zone) throw std::invalid_argument("rule engine needs a time zone");
    if (grace < milliseconds{0}) throw std::invalid_argument("start grace must not be negative");
    for (std::size_t i = 0; i < cfg.sensors.size(); ++i) {
        if (!sensor_index.emplace(cfg.sensors[i].id, i).second)
            throw std::invalid_argument(fmt::format("duplicate sensor id '{}'", cfg.sensors[i].id));
    }
    sensors.resize(cfg.sensors.size());
    keys.reserve(cfg.sensors.size());
    for (std::size_t i = 0; i < cfg.sensors.size(); ++i)
        if (cfg.sensors[i].report_every) reporting.push_back(i);
    for (const auto& sp : cfg.sensors)
        keys.push_back({tech_key("sensor_offline", sp.id), tech_key("battery_low", sp.id),
                        tech_key("tamper", sp.id), tech_key("test", sp.id), sp.id + "/" + sp.id});
}

std::size_t engine_core::need_sensor(const rule_spec& r, const std::string& id) const {
    auto it = sensor_index.find(id);
    if (it == sensor_index.end())
        throw std::invalid_argument(fmt::format("rule '{}' names unknown sensor '{}'", r.id, id));
    return it->second;
}

std::vector<std::size_t> engine_core::activity_sensors(const std::vector<std::string>& ids,
                                                       const rule_spec& r, bool presence_only) const {
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

alert_draft engine_core::draft(std::string key, std::string type, alert_state state, warden::priority prio,
                               time_point at, std::string rule, std::string sensor, std::string location,
                               std::string text, std::optional<double> value) const {
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

void engine_core::raise_new(output& out, std::string_view key, std::string_view type, warden::priority prio,
                            time_point at, std::string_view rule, std::string_view sensor,
                            std::string_view location, std::string text, std::optional<double> value) {
    open.emplace(std::string{key}, condition{std::string{type}, std::string{rule}, std::string{sensor},
                                             std::string{location}, prio, at});
    out.alerts.push_back(draft(std::string{key}, std::string{type}, alert_state::raised, prio, at,
                               std::string{rule}, std::string{sensor}, std::string{location}, std::move(text),
                               value));
}

void engine_core::clear_open(output& out, std::map<std::string, condition, std::less<>>::iterator it,
                             time_point at, std::string text, std::optional<double> value) {
    auto node = open.extract(it);
    auto& c = node.mapped();
    out.alerts.push_back(draft(std::move(node.key()), std::move(c.type), alert_state::cleared, c.prio, at,
                               std::move(c.rule), std::move(c.sensor), std::move(c.location), std::move(text),
                               value));
}

bool engine_core::window_closes_before(const rule_spec& r, time_point from, time_point deadline) const {
    return clock.leaves_before(r.windows, from, deadline);
}

std::string tech_key(std::string_view type, std::string_view who) {
    return fmt::format("{}/{}", type, who);
}

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

nlohmann::json time_json(const std::optional<time_point>& t) {
    return t ? nlohmann::json(format_time(*t)) : nlohmann::json(nullptr);
}

std::optional<time_point> time_from(const nlohmann::json& j, const char* name) {
    auto it = j.find(name);
    if (it == j.end() || !it->is_string()) return std::nullopt;
    return parse_time(it->get<std::string>());
}

}  // namespace warden::alerts::detail
