#include "warden/ctl/summary.hpp"

#include <map>

#include <fmt/format.h>

namespace warden::ctl {

nlohmann::json summarise(const config::hub_config& cfg) {
    nlohmann::json by_kind = nlohmann::json::object();
    for (const auto& s : cfg.sensors) {
        auto k = std::string(to_string(s.kind));
        by_kind[k] = by_kind.value(k, 0) + 1;
    }
    nlohmann::json by_type = nlohmann::json::object();
    for (const auto& r : cfg.rules) {
        auto t = std::string(config::to_string(r.type));
        by_type[t] = by_type.value(t, 0) + 1;
    }
    return {{"hub", cfg.id},
            {"timezone", cfg.timezone},
            {"local", cfg.local.uri},
            {"centre", cfg.centre.broker.uri},
            {"dc09", cfg.dc09.has_value()},
            {"sensors", cfg.sensors.size()},
            {"sensors_by_kind", by_kind},
            {"rules", cfg.rules.size()},
            {"rules_by_type", by_type}};
}

std::string format_summary(const config::hub_config& cfg) {
    std::string out =
        fmt::format("hub {} ({}), home broker {}, centre {}{}\n", cfg.id, cfg.timezone, cfg.local.uri,
                    cfg.centre.broker.uri, cfg.dc09 ? ", DC-09 path configured" : "");
    std::map<std::string, int> kinds;
    for (const auto& s : cfg.sensors) ++kinds[std::string(to_string(s.kind))];
    std::string list;
    for (const auto& [k, n] : kinds) list += fmt::format("{}{} {}", list.empty() ? "" : ", ", n, k);
    out += fmt::format("{} sensor{}{}{}\n", cfg.sensors.size(), cfg.sensors.size() == 1 ? "" : "s",
                       list.empty() ? "" : ": ", list);
    std::string rules;
    for (const auto& r : cfg.rules)
        rules += fmt::format("{}{} ({})", rules.empty() ? "" : ", ", r.id, config::to_string(r.type));
    out += fmt::format("{} rule{}{}{}\n", cfg.rules.size(), cfg.rules.size() == 1 ? "" : "s",
                       rules.empty() ? "" : ": ", rules);
    return out;
}

}  // namespace warden::ctl
