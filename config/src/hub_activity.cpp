// hub.toml's [activity] section (docs/activity.md): consent, the event log's retention, the local
// night, what each room is, which power sensors are appliances and which doors lead out. Read after
// the sensors, since it names them and their locations.

#include <algorithm>
#include <set>

#include <fmt/format.h>

#include "hub_parts.hpp"

namespace warden::config::detail {
namespace {

constexpr std::string_view role_names[] = {"bathroom", "kitchen", "bedroom", "living", "hall", "other"};
/// A year of raw events is the most a hub keeps; a day the least (the summaries need the hour).
constexpr std::int64_t max_keep_raw_days = 366;

/// The sensor with `id` among those read, or nullptr.
const sensor_entry* sensor_with_id(const std::vector<sensor_entry>& sensors, std::string_view id) {
    for (const auto& s : sensors)
        if (s.has_id && s.spec.id == id) return &s;
    return nullptr;
}

std::vector<std::string_view> ids_of_kind(const std::vector<sensor_entry>& sensors, sensor_kind k) {
    std::vector<std::string_view> out;
    for (const auto& s : sensors)
        if (s.has_id && s.has_kind && s.spec.kind == k) out.push_back(s.spec.id);
    return out;
}

/// "sensor 'x' is not configured; did you mean 'y'? ..." or "... is a motion sensor, not a door".
std::optional<std::string> sensor_problem(const std::vector<sensor_entry>& sensors, std::string_view id,
                                          sensor_kind want) {
    const auto* s = sensor_with_id(sensors, id);
    auto candidates = ids_of_kind(sensors, want);
    if (!s) {
        auto near = did_you_mean(id, candidates);
        return fmt::format("no [[sensor]] has id '{}'; {}", id,
                           near ? fmt::format("did you mean '{}'?", *near)
                           : candidates.empty()
                               ? fmt::format("no {} sensor is configured", to_string(want))
                               : fmt::format("{} sensors: {}", to_string(want), join(candidates)));
    }
    if (s->has_kind && s->spec.kind != want)
        return fmt::format("sensor '{}' is a {} sensor; only {} sensors can be named here", id,
                           to_string(s->spec.kind), to_string(want));
    return std::nullopt;
}

void read_rooms(table_reader& r, activity_spec& a, const std::vector<sensor_entry>& sensors) {
    const auto* n = r.get("rooms");
    if (!n) return;
    const auto* t = n->as_table();
    auto& d = r.diag();
    if (!t) {
        d.error(d.at(*n), fmt::format("activity.rooms: expected a table of location = role, such as "
                                      "[activity.rooms] \"Bathroom\" = \"bathroom\", got {}",
                                      describe(*n)));
        return;
    }
    std::set<std::string, std::less<>> locations;
    for (const auto& s : sensors)
        if (!s.spec.location.empty()) locations.insert(s.spec.location);
    std::vector<std::string_view> known(locations.begin(), locations.end());
    for (auto&& [k, v] : *t) {
        const std::string location(k.str());
        const auto* role = v.as_string();
        if (!role) {
            d.error(d.at(v), fmt::format("activity.rooms \"{}\": expected a role in quotes ({}), got {}",
                                         location, join(role_names), describe(v)));
            continue;
        }
        auto parsed = parse_room_role(role->get());
        if (!parsed) {
            auto near = did_you_mean(role->get(), role_names);
            d.error(d.at(v),
                    fmt::format("activity.rooms \"{}\": \"{}\" is not a room role; {}use one of: {}",
                                location, role->get(),
                                near ? fmt::format("did you mean \"{}\"? ", *near) : "", join(role_names)));
            continue;
        }
        if (!locations.count(location)) {
            auto near = did_you_mean(location, known);
            d.error(d.at(k.source()),
                    fmt::format("activity.rooms: no [[sensor]] has location \"{}\"; {}the locations are: {}",
                                location, near ? fmt::format("did you mean \"{}\"? ", *near) : "",
                                known.empty() ? std::string("(none)") : join(known)));
            continue;
        }
        a.rooms.emplace(location, *parsed);
    }
}

void read_appliances(table_reader& r, activity_spec& a, const std::vector<sensor_entry>& sensors) {
    const auto* n = r.get("appliances");
    if (!n) return;
    const auto* t = n->as_table();
    auto& d = r.diag();
    if (!t) {
        d.error(d.at(*n), fmt::format("activity.appliances: expected a table of power sensor id = appliance, "
                                      "such as [activity.appliances] kettle_plug = \"kettle\", got {}",
                                      describe(*n)));
        return;
    }
    for (auto&& [k, v] : *t) {
        const std::string id(k.str());
        const auto* name = v.as_string();
        if (!name) {
            d.error(d.at(v), fmt::format("activity.appliances '{}': expected the appliance's name in quotes "
                                         "(\"kettle\"), got {}",
                                         id, describe(v)));
            continue;
        }
        if (name->get().empty() || name->get().size() > 32) {
            d.error(d.at(v), fmt::format("activity.appliances '{}': the appliance's name must be 1 to 32 "
                                         "characters (\"kettle\", \"microwave\")",
                                         id));
            continue;
        }
        if (auto problem = sensor_problem(sensors, id, sensor_kind::power)) {
            d.error(d.at(k.source()), fmt::format("activity.appliances: {}", *problem));
            continue;
        }
        a.appliances.emplace(id, name->get());
    }
}

}  // namespace

void read_activity(const toml::table& root, hub_config& cfg, const std::vector<sensor_entry>& sensors,
                   diagnostics& d) {
    const auto* t = section(root, "activity", false, "", d);
    if (!t) return;
    table_reader r(*t, "activity.", "[activity]", d, &cfg.key_pos, "activity.");
    activity_spec a;
    if (auto share = r.boolean("share")) a.share = *share;
    if (auto days = r.integer("keep_raw_days")) {
        if (*days < 1 || *days > max_keep_raw_days)
            d.error(r.value_pos("keep_raw_days"),
                    fmt::format("activity.keep_raw_days: {} is out of range; keep raw events 1 to {} days",
                                *days, max_keep_raw_days));
        else
            a.keep_raw_days = static_cast<int>(*days);
    }
    if (auto night = r.string("night")) {
        auto w = parse_time_window(*night);
        if (!w || w->from_minute == w->to_minute)
            d.error(r.value_pos("night"),
                    fmt::format("activity.night: \"{}\" is not a night; write the local hours as "
                                "\"HH:MM-HH:MM\", such as \"22:00-07:00\"",
                                *night));
        else
            a.night = *w;
    }
    read_rooms(r, a, sensors);
    read_appliances(r, a, sensors);
    if (auto doors = r.string_list("exit_doors", "exit_doors = [\"front-door\"]")) {
        for (const auto& door : *doors) {
            if (auto problem = sensor_problem(sensors, door.value, sensor_kind::door))
                d.error(door.pos, fmt::format("activity.exit_doors: {}", *problem));
            else if (std::find(a.exit_doors.begin(), a.exit_doors.end(), door.value) == a.exit_doors.end())
                a.exit_doors.push_back(door.value);
        }
    }
    r.reject_unknown(activity_keys);
    cfg.activity = std::move(a);
}

}  // namespace warden::config::detail
