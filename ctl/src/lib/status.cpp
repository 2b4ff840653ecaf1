#include "warden/ctl/status.hpp"

#include <fmt/format.h>

#include "table.hpp"

namespace warden::ctl {

namespace {

using json = nlohmann::json;

std::optional<time_point> time_field(const json& j, std::string_view key) {
    if (!j.is_object()) return std::nullopt;
    auto it = j.find(key);
    if (it == j.end() || !it->is_string()) return std::nullopt;
    return parse_time(it->get<std::string>());
}

std::string when(const json& j, std::string_view key, time_point now) {
    auto t = time_field(j, key);
    if (!t) return "never";
    return fmt::format("{} ({})", format_time(*t), detail::ago((now - *t).count()));
}

bool flag(const json& j, std::string_view key) {
    if (!j.is_object()) return false;
    auto it = j.find(key);
    return it != j.end() && it->is_boolean() && it->get<bool>();
}

std::string number(const json& j, std::string_view key, std::string_view suffix = "") {
    if (!j.is_object()) return "-";
    auto it = j.find(key);
    if (it == j.end() || !it->is_number()) return "-";
    if (it->is_number_integer()) return fmt::format("{}{}", it->get<long long>(), suffix);
    return fmt::format("{}{}", it->get<double>(), suffix);
}

std::string text(const json& j, std::string_view key, std::string fallback = "-") {
    if (!j.is_object()) return fallback;
    auto it = j.find(key);
    if (it == j.end() || !it->is_string() || it->get<std::string>().empty()) return fallback;
    return it->get<std::string>();
}

const json& member(const json& j, std::string_view key) {
    static const json null_value;
    if (!j.is_object()) return null_value;
    auto it = j.find(key);
    return it == j.end() ? null_value : *it;
}

enum class online_state { online, offline, never_seen };

/// The hub reports a sensor it has not heard since it started as online with last_seen null: it has
/// no reason yet to call it offline, but a technician must not read that as "working".
online_state sensor_online(const json& s) {
    if (!time_field(s, "last_seen")) return online_state::never_seen;
    return flag(s, "online") ? online_state::online : online_state::offline;
}

std::string online_text(const json& s) {
    switch (sensor_online(s)) {
        case online_state::online:
            return "yes";
        case online_state::offline:
            return "NO";
        case online_state::never_seen:
            return "never seen";
    }
    return "?";
}

}  // namespace

std::vector<std::string> judge_state(const json& state, time_point now, milliseconds heartbeat) {
    std::vector<std::string> problems;
    if (!state.is_object()) return {"hub state is not a JSON object"};
    auto at = time_field(state, "at");
    if (!at) {
        problems.push_back("hub state has no valid \"at\" time");
    } else if (now - *at > 3 * heartbeat) {
        problems.push_back(fmt::format("hub state is stale: last update {} (more than 3 heartbeats of {})",
                                       detail::ago((now - *at).count()), format_duration(heartbeat)));
    }
    const auto& uplink = member(state, "uplink");
    if (!uplink.is_object()) {
        problems.push_back("hub state has no uplink section");
    } else if (!flag(uplink, "connected")) {
        problems.push_back("uplink to the centre is down");
    }
    const auto& dc09 = member(state, "dc09");
    if (flag(dc09, "enabled") && !flag(dc09, "connected"))
        problems.push_back("DC-09 path to the alarm receiving centre is enabled but not connected");
    const auto& sensors = member(state, "sensors");
    if (sensors.is_array()) {
        for (const auto& s : sensors) {
            const auto id = text(s, "id", "?");
            const auto where = text(s, "location", "");
            const auto name =
                where.empty() ? fmt::format("sensor '{}'", id) : fmt::format("sensor '{}' ({})", id, where);
            if (sensor_online(s) == online_state::never_seen) {
                problems.push_back(fmt::format(
                    "{} never seen since the hub started: trigger it (or `warden-ctl simulate`) and check it "
                    "is paired and powered",
                    name));
            } else if (sensor_online(s) == online_state::offline) {
                problems.push_back(
                    fmt::format("{} is offline (last seen {})", name, when(s, "last_seen", now)));
            }
            if (flag(s, "battery_low"))
                problems.push_back(fmt::format("{} battery low ({})", name, number(s, "battery", "%")));
            if (flag(s, "tamper")) problems.push_back(fmt::format("{} reports tamper (cover open?)", name));
        }
    }
    return problems;
}

std::string format_state(const json& state, time_point now) {
    std::string out;
    const auto& uplink = member(state, "uplink");
    const auto& dc09 = member(state, "dc09");
    out += fmt::format("hub      {} (version {}), state {}\n", text(state, "hub"), text(state, "version"),
                       when(state, "at", now));
    if (flag(uplink, "connected")) {
        out += fmt::format("uplink   connected since {}\n", when(uplink, "since", now));
    } else {
        out += fmt::format("uplink   DOWN (since {})\n", when(uplink, "since", now));
    }
    out += fmt::format("last ack {}\n", when(uplink, "last_ack", now));
    if (!flag(dc09, "enabled")) {
        out += "dc09     not configured\n";
    } else {
        out += fmt::format("dc09     {}\n", flag(dc09, "connected") ? "connected" : "DOWN");
    }
    out +=
        fmt::format("outbox   {} waiting, {} dropped\n", number(state, "outbox"), number(state, "dropped"));
    out += fmt::format("away     {}\n", flag(state, "away") ? "yes (behavioural rules suspended)" : "no");

    const auto& sensors = member(state, "sensors");
    if (!sensors.is_array() || sensors.empty()) {
        out += "\nno sensors\n";
        return out;
    }
    std::vector<std::vector<std::string>> rows{
        {"SENSOR", "KIND", "LOCATION", "ONLINE", "BATTERY", "LINK", "LAST EVENT", "LAST SEEN", "NOTES"}};
    for (const auto& s : sensors) {
        std::string notes;
        if (flag(s, "battery_low")) notes += "battery low ";
        if (flag(s, "tamper")) notes += "tamper ";
        if (!notes.empty()) notes.pop_back();
        std::string last_event = "never";
        if (auto t = time_field(s, "last_event")) {
            last_event =
                fmt::format("{} {}", text(s, "last_signal", "event"), detail::ago((now - *t).count()));
        }
        std::string last_seen = "never";
        if (auto t = time_field(s, "last_seen")) last_seen = detail::ago((now - *t).count());
        rows.push_back({text(s, "id"), text(s, "kind"), text(s, "location"), online_text(s),
                        number(s, "battery", "%"), number(s, "link"), last_event, last_seen, notes});
    }
    out += '\n' + detail::format_table(rows);
    return out;
}

}  // namespace warden::ctl
