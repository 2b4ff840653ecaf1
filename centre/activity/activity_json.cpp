// The activity summary message and the activity view as JSON (warden/centre/activity_json.hpp).
#include "warden/centre/activity_json.hpp"

#include <chrono>
#include <cmath>

#include <fmt/format.h>

#include "warden/common/alert.hpp"

namespace warden::centre {

namespace {

using nlohmann::json;

constexpr std::int64_t hour_s = 3600;
constexpr std::size_t max_rooms = 64;
constexpr std::size_t max_name = 64;
constexpr std::size_t max_times = 256;

[[noreturn]] void bad(const std::string& field, const char* what) {
    throw bad_activity(fmt::format("{}: {}", field, what));
}

const json& field(const json& j, const char* key, const std::string& where) {
    auto it = j.find(key);
    if (it == j.end()) bad(where + key, "missing");
    return *it;
}

std::int64_t count(const json& j, const char* key, const std::string& where, std::int64_t max,
                   bool required = false) {
    auto it = j.find(key);
    if (it == j.end() || it->is_null()) {
        if (required) bad(where + key, "missing");
        return 0;
    }
    if (!it->is_number_integer()) bad(where + key, "not a whole number");
    auto v = it->get<std::int64_t>();
    if (v < 0 || v > max) bad(where + key, "out of range");
    return v;
}

std::string name(const json& j, const char* key, const std::string& where) {
    const auto& v = field(j, key, where);
    if (!v.is_string()) bad(where + key, "not a string");
    auto s = v.get<std::string>();
    if (s.size() > max_name) bad(where + key, "longer than 64 bytes");
    for (unsigned char c : s)
        if (c < 0x20 || c == 0x7f) bad(where + key, "has control characters");
    return s;
}

std::optional<double> temp(const json& t, const char* key, const std::string& where) {
    auto it = t.find(key);
    if (it == t.end() || it->is_null()) return std::nullopt;
    if (!it->is_number()) bad(where + key, "not a number");
    auto v = it->get<double>();
    if (!std::isfinite(v) || v < -60 || v > 80) bad(where + key, "out of range");
    return v;
}

time_point instant(const json& v, const std::string& where) {
    if (!v.is_string()) bad(where, "not a time string");
    auto t = parse_time(v.get<std::string>());
    if (!t) bad(where, "not an ISO 8601 time");
    return *t;
}

/// A time within the hour (the hour's end included: a pad vacated at 15:00:00.000 belongs to 14:00).
time_point within(const json& v, const std::string& where, time_point hour) {
    auto t = instant(v, where);
    if (t < hour || t > hour + std::chrono::hours{1}) bad(where, "outside the hour");
    return t;
}

std::vector<time_point> times(const json& bed, const char* key, time_point hour) {
    std::vector<time_point> out;
    auto it = bed.find(key);
    if (it == bed.end()) return out;
    if (!it->is_array()) bad(std::string("bed.") + key, "not an array");
    if (it->size() > max_times) bad(std::string("bed.") + key, "too many times");
    for (std::size_t i = 0; i < it->size(); ++i)
        out.push_back(within((*it)[i], fmt::format("bed.{}[{}]", key, i), hour));
    return out;
}

}  // namespace

std::string iso_seconds(time_point t) {
    auto s = format_time(t);  // ...SS.mmmZ
    if (s.size() > 5 && s.ends_with(".000Z")) s.replace(s.size() - 5, 5, "Z");
    return s;
}

activity_hour activity_from_json(const json& j, std::chrono::milliseconds period) {
    if (!j.is_object()) bad("summary", "not a JSON object");
    activity_hour h;
    const auto& v = field(j, "v", "");
    if (!v.is_number_integer() || v.get<std::int64_t>() != 1) bad("v", "not version 1");
    const auto& hub = field(j, "hub", "");
    if (!hub.is_string() || !is_valid_id(hub.get<std::string>())) bad("hub", "not a hub id");
    h.hub = hub.get<std::string>();
    h.hour = instant(field(j, "hour", ""), "hour");
    if (period.count() <= 0 || h.hour.time_since_epoch().count() % period.count() != 0)
        bad("hour", "not on a whole hour");
    const auto& local = field(j, "local", "");
    if (!local.is_string()) bad("local", "not a time string");
    auto ltext = local.get<std::string>();
    if (instant(local, "local") != h.hour) bad("local", "not the same instant as hour");
    if (ltext.ends_with("Z") || ltext.ends_with("z")) {
        h.utc_offset_min = 0;
    } else {
        auto sign = ltext[ltext.size() - 6] == '-' ? -1 : 1;
        h.utc_offset_min = sign * (std::stoi(ltext.substr(ltext.size() - 5, 2)) * 60 +
                                   std::stoi(ltext.substr(ltext.size() - 2, 2)));
    }
    h.covered_s = count(j, "covered_s", "", hour_s, true);
    if (auto it = j.find("rooms"); it != j.end()) {
        if (!it->is_array()) bad("rooms", "not an array");
        if (it->size() > max_rooms) bad("rooms", "more than 64 rooms");
        for (std::size_t i = 0; i < it->size(); ++i) {
            const auto& r = (*it)[i];
            auto where = fmt::format("rooms[{}].", i);
            if (!r.is_object()) bad(fmt::format("rooms[{}]", i), "not an object");
            activity_room room;
            room.location = name(r, "location", where);
            room.role = r.contains("role") ? name(r, "role", where) : "other";
            room.motion = count(r, "motion", where, 1'000'000);
            room.active_s = count(r, "active_s", where, hour_s);
            if (auto t = r.find("temp"); t != r.end() && !t->is_null()) {
                if (!t->is_object()) bad(where + "temp", "not an object");
                room.temp_min = temp(*t, "min", where + "temp.");
                room.temp_mean = temp(*t, "mean", where + "temp.");
                room.temp_max = temp(*t, "max", where + "temp.");
            }
            h.rooms.push_back(std::move(room));
        }
    }
    if (auto it = j.find("doors"); it != j.end() && !it->is_null()) {
        if (!it->is_object()) bad("doors", "not an object");
        h.door_openings = count(*it, "openings", "doors.", 100'000);
        h.out_s = count(*it, "out_s", "doors.", hour_s);
    }
    if (auto it = j.find("bed"); it != j.end() && !it->is_null()) {
        if (!it->is_object()) bad("bed", "not an object");
        h.bed_s = count(*it, "occupied_s", "bed.", hour_s);
        h.bed_in = times(*it, "in_at", h.hour);
        h.bed_out = times(*it, "out_at", h.hour);
        h.night_getups = count(*it, "night_getups", "bed.", 1000);
        h.night_getup_s = count(*it, "night_getup_s", "bed.", hour_s);
    }
    if (auto it = j.find("chair"); it != j.end() && !it->is_null()) {
        if (!it->is_object()) bad("chair", "not an object");
        h.chair_s = count(*it, "occupied_s", "chair.", hour_s);
    }
    h.bathroom_visits = count(j, "bathroom_visits", "", 1000);
    h.night_bathroom_visits = count(j, "night_bathroom_visits", "", 1000);
    h.kitchen_active_s = count(j, "kitchen_active_s", "", hour_s);
    if (auto it = j.find("appliances"); it != j.end() && !it->is_null()) {
        if (!it->is_array()) bad("appliances", "not an array");
        if (it->size() > max_rooms) bad("appliances", "more than 64 appliances");
        for (std::size_t i = 0; i < it->size(); ++i) {
            const auto& a = (*it)[i];
            auto where = fmt::format("appliances[{}].", i);
            if (!a.is_object()) bad(fmt::format("appliances[{}]", i), "not an object");
            h.appliance_uses += count(a, "uses", where, 10'000);
            h.appliance_on_s += count(a, "on_s", where, hour_s);
        }
    }
    for (auto [key, out] :
         {std::pair{"first_activity", &h.first_activity}, std::pair{"last_activity", &h.last_activity}}) {
        auto it = j.find(key);
        if (it == j.end() || it->is_null()) continue;
        *out = within(*it, key, h.hour);
    }
    return h;
}

json to_json(const activity_hour& h) {
    auto offset = h.utc_offset_min;
    auto local_t = h.hour + std::chrono::minutes{offset};
    auto local = iso_seconds(local_t);
    local.pop_back();  // Z
    local +=
        fmt::format("{}{:02}:{:02}", offset < 0 ? '-' : '+', std::abs(offset) / 60, std::abs(offset) % 60);
    json rooms = json::array();
    for (const auto& r : h.rooms) {
        json room{{"location", r.location}, {"role", r.role}, {"motion", r.motion}, {"active_s", r.active_s}};
        if (r.temp_mean || r.temp_min || r.temp_max) {
            json t = json::object();
            if (r.temp_min) t["min"] = *r.temp_min;
            if (r.temp_mean) t["mean"] = *r.temp_mean;
            if (r.temp_max) t["max"] = *r.temp_max;
            room["temp"] = t;
        }
        rooms.push_back(std::move(room));
    }
    auto list = [](const std::vector<time_point>& ts) {
        json a = json::array();
        for (auto t : ts) a.push_back(iso_seconds(t));
        return a;
    };
    auto opt = [](const std::optional<time_point>& t) { return t ? json(iso_seconds(*t)) : json(nullptr); };
    return {{"v", 1},
            {"hub", h.hub},
            {"hour", iso_seconds(h.hour)},
            {"local", local},
            {"covered_s", h.covered_s},
            {"rooms", rooms},
            {"doors", {{"openings", h.door_openings}, {"out_s", h.out_s}}},
            {"bed",
             {{"occupied_s", h.bed_s},
              {"in_at", list(h.bed_in)},
              {"out_at", list(h.bed_out)},
              {"night_getups", h.night_getups},
              {"night_getup_s", h.night_getup_s}}},
            {"chair", {{"occupied_s", h.chair_s}}},
            {"bathroom_visits", h.bathroom_visits},
            {"night_bathroom_visits", h.night_bathroom_visits},
            {"kitchen_active_s", h.kitchen_active_s},
            {"appliances",
             json::array({{{"appliance", "all"}, {"uses", h.appliance_uses}, {"on_s", h.appliance_on_s}}})},
            {"first_activity", opt(h.first_activity)},
            {"last_activity", opt(h.last_activity)}};
}

json to_json(const activity_view& v) {
    auto opt = [](const std::optional<double>& x) { return x ? json(*x) : json(nullptr); };
    json days = json::array();
    for (const auto& d : v.days) {
        json cells = json::array();
        for (const auto& c : d.cells)
            cells.push_back({{"covered_s", c.covered_s},
                             {"missing", c.missing},
                             {"motion", c.motion},
                             {"rooms", c.motion_by_role},
                             {"bed_s", c.bed_s},
                             {"out_s", c.out_s}});
        days.push_back({{"date", d.date},
                        {"weekend", d.weekend},
                        {"missing", d.missing},
                        {"good_hours", d.good_hours},
                        {"motion", d.motion},
                        {"kitchen_s", d.kitchen_s},
                        {"appliance_uses", d.appliance_uses},
                        {"out_s", d.out_s},
                        {"bed_s", d.bed_s},
                        {"bathroom_visits", d.bathroom_visits},
                        {"night_bathroom", d.night_missing ? json(nullptr) : json(d.night_bathroom)},
                        {"rise_min", d.rise_min ? json(*d.rise_min) : json(nullptr)},
                        {"hours", cells}});
    }
    json trends = json::array();
    for (const auto& t : v.trends) {
        json points = json::array();
        for (const auto& p : t.points)
            points.push_back({{"date", p.date},
                              {"value", opt(p.value)},
                              {"low", opt(p.low)},
                              {"mid", opt(p.mid)},
                              {"high", opt(p.high)}});
        trends.push_back({{"metric", t.metric}, {"label", t.label}, {"unit", t.unit}, {"points", points}});
    }
    json notices = json::array();
    for (const auto& n : v.notices) notices.push_back(to_json(n));
    return {{"days", days},
            {"trends", trends},
            {"notices", notices},
            {"hourly_baseline", {{"weekday", v.hourly_weekday}, {"weekend", v.hourly_weekend}}}};
}

json to_json(const wellbeing_notice& n) {
    auto opt = [](const std::optional<double>& x) { return x ? json(*x) : json(nullptr); };
    json ev = json::array();
    for (const auto& e : n.days)
        ev.push_back({{"date", e.date}, {"value", e.value}, {"baseline", opt(e.baseline)}});
    json j{{"kind", n.kind},     {"title", n.title}, {"evidence", n.evidence}, {"from", n.from}, {"to", n.to},
           {"active", n.active}, {"days", ev}};
    if (!n.room.empty()) j["room"] = n.room;
    return j;
}

json to_json(const activity_thresholds& t) {
    return {{"baseline_days", t.baseline_days},
            {"min_cover_s", t.min_cover_s},
            {"min_day_hours", t.min_day_hours},
            {"night_bathroom_factor", t.night_bathroom_factor},
            {"night_bathroom_min", t.night_bathroom_min},
            {"night_bathroom_nights", t.night_bathroom_nights},
            {"late_rise_minutes", t.late_rise_minutes},
            {"late_rise_days", t.late_rise_days},
            {"no_out_days", t.no_out_days},
            {"cold_below_c", t.cold_below_c},
            {"cold_hours", t.cold_hours},
            {"low_activity_drop", t.low_activity_drop},
            {"low_activity_days", t.low_activity_days}};
}

}  // namespace warden::centre
