#include "warden/ctl/activity.hpp"

#include <algorithm>

#include <date/tz.h>
#include <nlohmann/json.hpp>

#include "warden/sensors/adapters.hpp"

namespace warden::ctl {

std::vector<alerts::hour_summary> replay_activity(const config::hub_config& given,
                                                  const date::time_zone* zone,
                                                  const std::vector<recorded_message>& messages,
                                                  const replay_options& opts) {
    const config::hub_config cfg = with_hub_defaults(given);
    sensors::router router(cfg.sensors);
    alerts::activity_tracker tracker(cfg, zone);
    std::vector<alerts::hour_summary> out;
    auto take = [&] {
        for (auto& h : tracker.take_finished()) out.push_back(std::move(h));
    };
    bool started = false;
    time_point last{};
    for (const auto& m : messages) {
        if (opts.from && m.at < *opts.from) continue;
        if (opts.to && m.at >= *opts.to) continue;
        if (!started) {
            tracker.start(m.at);
            started = true;
        }
        tracker.on_time(m.at);
        last = std::max(last, m.at);
        for (const auto& input : router.decode(m.topic, m.payload, m.at).inputs)
            if (const auto* e = std::get_if<sensor_event>(&input)) tracker.on_event(*e);
        take();
    }
    if (started) {
        tracker.on_time(opts.until ? *opts.until : last);
        take();
    }
    return out;
}

std::vector<day_summary> daily(const std::vector<alerts::hour_summary>& hours) {
    std::vector<day_summary> days;
    for (const auto& h : hours) {
        auto local = alerts::format_local_time(h.hour, h.utc_offset);
        auto date = local.substr(0, 10);
        if (days.empty() || days.back().date != date) days.push_back(day_summary{.date = date});
        auto& d = days.back();
        ++d.hours;
        d.covered_s += h.covered_s;
        for (const auto& r : h.rooms) {
            d.motion += r.motion;
            d.active_s += r.active_s;
            if (r.temp) {
                d.min_temp = d.min_temp ? std::min(*d.min_temp, r.temp->min) : r.temp->min;
            }
        }
        d.cold_hours += std::any_of(h.rooms.begin(), h.rooms.end(),
                                    [](const alerts::room_hour& r) { return r.temp && r.temp->mean < 16.0; });
        d.bathroom_visits += h.bathroom_visits;
        d.night_bathroom_visits += h.night_bathroom_visits;
        d.night_getups += h.night_getups;
        d.night_getup_s += h.night_getup_s;
        d.door_openings += h.door_openings;
        d.out_s += h.out_s;
        d.kitchen_active_s += h.kitchen_active_s;
        d.bed_occupied_s += h.bed_occupied_s;
        d.chair_occupied_s += h.chair_occupied_s;
        for (const auto& a : h.appliances) d.appliance_uses[a.appliance] += a.uses;
        if (h.first_activity && !d.first_activity) d.first_activity = h.first_activity;
        if (h.last_activity) d.last_activity = h.last_activity;
        // Up for the day: the last time the bed was left between 04:00 and 14:00 and not taken again.
        const int local_hour = std::stoi(local.substr(11, 2));
        if (local_hour >= 4 && local_hour < 14) {
            std::vector<std::pair<time_point, bool>> changes;  // (when, out of bed)
            for (auto t : h.bed_out_at) changes.emplace_back(t, true);
            for (auto t : h.bed_in_at) changes.emplace_back(t, false);
            std::sort(changes.begin(), changes.end());
            for (const auto& [t, out] : changes) {
                if (out)
                    d.up_at = t;
                else
                    d.up_at.reset();
            }
        }
    }
    return days;
}

nlohmann::json to_json(const day_summary& d) {
    auto t = [](const std::optional<time_point>& x) {
        return x ? nlohmann::json(format_time(*x)) : nlohmann::json(nullptr);
    };
    return nlohmann::json{{"date", d.date},
                          {"hours", d.hours},
                          {"covered_s", d.covered_s},
                          {"motion", d.motion},
                          {"active_s", d.active_s},
                          {"bathroom_visits", d.bathroom_visits},
                          {"night_bathroom_visits", d.night_bathroom_visits},
                          {"night_getups", d.night_getups},
                          {"night_getup_s", d.night_getup_s},
                          {"door_openings", d.door_openings},
                          {"out_s", d.out_s},
                          {"kitchen_active_s", d.kitchen_active_s},
                          {"bed_occupied_s", d.bed_occupied_s},
                          {"chair_occupied_s", d.chair_occupied_s},
                          {"appliance_uses", d.appliance_uses},
                          {"first_activity", t(d.first_activity)},
                          {"last_activity", t(d.last_activity)},
                          {"up_at", t(d.up_at)},
                          {"min_temp", d.min_temp ? nlohmann::json(*d.min_temp) : nlohmann::json(nullptr)},
                          {"cold_hours", d.cold_hours}};
}

}  // namespace warden::ctl
