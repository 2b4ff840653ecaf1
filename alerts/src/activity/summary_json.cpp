// The activity message of docs/activity.md: an hour_summary to JSON and back.

#include <date/date.h>
#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "warden/alerts/activity.hpp"

namespace warden::alerts {

namespace {

using json = nlohmann::json;

std::string second_time(time_point t) {
    return date::format("%FT%TZ", date::floor<std::chrono::seconds>(t));
}

json time_or_null(const std::optional<time_point>& t) {
    return t ? json(second_time(*t)) : json(nullptr);
}

json times(const std::vector<time_point>& v) {
    json a = json::array();
    for (auto t : v) a.push_back(second_time(t));
    return a;
}

}  // namespace

std::string format_local_time(time_point t, milliseconds offset) {
    auto local = date::floor<std::chrono::seconds>(t + offset);
    auto minutes = std::chrono::duration_cast<std::chrono::minutes>(offset).count();
    char sign = minutes < 0 ? '-' : '+';
    if (minutes < 0) minutes = -minutes;
    return fmt::format("{}{}{:02}:{:02}", date::format("%FT%T", local), sign, minutes / 60, minutes % 60);
}

json to_json(const hour_summary& s, std::string_view hub) {
    json rooms = json::array();
    for (const auto& r : s.rooms) {
        json j{{"location", r.location},
               {"role", std::string(config::to_string(r.role))},
               {"motion", r.motion},
               {"active_s", r.active_s}};
        if (r.temp) j["temp"] = {{"min", r.temp->min}, {"mean", r.temp->mean}, {"max", r.temp->max}};
        rooms.push_back(std::move(j));
    }
    json appliances = json::array();
    for (const auto& a : s.appliances)
        appliances.push_back({{"appliance", a.appliance}, {"uses", a.uses}, {"on_s", a.on_s}});
    return json{{"v", 1},
                {"hub", std::string(hub)},
                {"hour", second_time(s.hour)},
                {"local", format_local_time(s.hour, s.utc_offset)},
                {"covered_s", s.covered_s},
                {"rooms", std::move(rooms)},
                {"doors", {{"openings", s.door_openings}, {"out_s", s.out_s}}},
                {"bed",
                 {{"occupied_s", s.bed_occupied_s},
                  {"in_at", times(s.bed_in_at)},
                  {"out_at", times(s.bed_out_at)},
                  {"night_getups", s.night_getups},
                  {"night_getup_s", s.night_getup_s}}},
                {"chair", {{"occupied_s", s.chair_occupied_s}}},
                {"bathroom_visits", s.bathroom_visits},
                {"night_bathroom_visits", s.night_bathroom_visits},
                {"kitchen_active_s", s.kitchen_active_s},
                {"appliances", std::move(appliances)},
                {"first_activity", time_or_null(s.first_activity)},
                {"last_activity", time_or_null(s.last_activity)}};
}

std::optional<hour_summary> summary_from_json(const json& j) {
    try {
        if (!j.is_object() || j.at("v").get<int>() != 1) return std::nullopt;
        auto time = [](const json& v) -> time_point {
            auto t = parse_time(v.get<std::string>());
            if (!t) throw std::invalid_argument("time");
            return *t;
        };
        hour_summary s;
        s.hour = time(j.at("hour"));
        auto local = parse_time(j.at("local").get<std::string>());
        const auto& l = j.at("local").get_ref<const std::string&>();
        if (!local || l.size() < 6) return std::nullopt;
        // The offset is the local clock reading minus the instant.
        int sign = l[l.size() - 6] == '-' ? -1 : 1;
        int hh = std::stoi(l.substr(l.size() - 5, 2)), mm = std::stoi(l.substr(l.size() - 2, 2));
        s.utc_offset = milliseconds{sign * (hh * 60 + mm) * 60'000LL};
        s.covered_s = j.at("covered_s").get<int>();
        for (const auto& r : j.at("rooms")) {
            room_hour h;
            h.location = r.at("location").get<std::string>();
            h.role =
                config::parse_room_role(r.at("role").get<std::string>()).value_or(config::room_role::other);
            h.motion = r.at("motion").get<int>();
            h.active_s = r.at("active_s").get<int>();
            if (r.contains("temp"))
                h.temp = room_hour::temperature{r["temp"].at("min").get<double>(),
                                                r["temp"].at("mean").get<double>(),
                                                r["temp"].at("max").get<double>()};
            s.rooms.push_back(std::move(h));
        }
        s.door_openings = j.at("doors").at("openings").get<int>();
        s.out_s = j.at("doors").at("out_s").get<int>();
        const auto& b = j.at("bed");
        s.bed_occupied_s = b.at("occupied_s").get<int>();
        for (const auto& t : b.at("in_at")) s.bed_in_at.push_back(time(t));
        for (const auto& t : b.at("out_at")) s.bed_out_at.push_back(time(t));
        s.night_getups = b.at("night_getups").get<int>();
        s.night_getup_s = b.at("night_getup_s").get<int>();
        s.chair_occupied_s = j.at("chair").at("occupied_s").get<int>();
        s.bathroom_visits = j.at("bathroom_visits").get<int>();
        s.night_bathroom_visits = j.at("night_bathroom_visits").get<int>();
        s.kitchen_active_s = j.at("kitchen_active_s").get<int>();
        for (const auto& a : j.at("appliances"))
            s.appliances.push_back(
                {a.at("appliance").get<std::string>(), a.at("uses").get<int>(), a.at("on_s").get<int>()});
        if (!j.at("first_activity").is_null()) s.first_activity = time(j["first_activity"]);
        if (!j.at("last_activity").is_null()) s.last_activity = time(j["last_activity"]);
        return s;
    } catch (const std::exception&) {
        return std::nullopt;
    }
}

}  // namespace warden::alerts
