// The PostgreSQL backend's activity_store: the hubs' hourly summaries, one row per hub and hour, and each
// household's own notice thresholds, laid out as the SQLite backend does (activity_rows.hpp).
#include "../activity_rows.hpp"
#include "postgres_store.hpp"

namespace warden::centre::postgres_backend {

using namespace activity_rows;

namespace {

#define WARDEN_ACTIVITY_COLUMNS                                                                        \
    "hub, hour_ms, utc_offset_min, covered_s, rooms, door_openings, out_s, bed_s, bed_in, bed_out, "   \
    "night_getups, night_getup_s, chair_s, bathroom_visits, night_bathroom_visits, kitchen_active_s, " \
    "appliance_uses, appliance_on_s, first_activity_ms, last_activity_ms"

activity_hour read_hour(const pqxx::row& r) {
    activity_hour h;
    h.hub = text(r, 0);
    h.hour = time(r, 1);
    h.utc_offset_min = static_cast<int>(int64(r, 2));
    h.covered_s = int64(r, 3);
    h.rooms = rooms_of(text(r, 4));
    h.door_openings = int64(r, 5);
    h.out_s = int64(r, 6);
    h.bed_s = int64(r, 7);
    h.bed_in = times_of(h.hour, text(r, 8));
    h.bed_out = times_of(h.hour, text(r, 9));
    h.night_getups = int64(r, 10);
    h.night_getup_s = int64(r, 11);
    h.chair_s = int64(r, 12);
    h.bathroom_visits = int64(r, 13);
    h.night_bathroom_visits = int64(r, 14);
    h.kitchen_active_s = int64(r, 15);
    h.appliance_uses = int64(r, 16);
    h.appliance_on_s = int64(r, 17);
    h.first_activity = opt_time(r, 18);
    h.last_activity = opt_time(r, 19);
    return h;
}

}  // namespace

std::vector<bool> postgres_store::store_activity(const std::vector<activity_hour>& hours,
                                                 time_point received) {
    return write([&](tx& t) {
        std::vector<bool> fresh;
        fresh.reserve(hours.size());
        for (const auto& h : hours) {
            auto household = t.int64_of("SELECT household_id FROM household_hubs WHERE hub = $1", h.hub);
            auto n = t.changes(
                "INSERT INTO activity_hours(" WARDEN_ACTIVITY_COLUMNS
                ", household_id, received_ms) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, "
                "$11, $12, $13, $14, $15, $16, $17, $18, $19, $20, $21, $22) "
                "ON CONFLICT(hub, hour_ms) DO NOTHING",
                h.hub, h.hour, h.utc_offset_min, h.covered_s, rooms_text(h.rooms), h.door_openings, h.out_s,
                h.bed_s, offsets_text(h.hour, h.bed_in), offsets_text(h.hour, h.bed_out), h.night_getups,
                h.night_getup_s, h.chair_s, h.bathroom_visits, h.night_bathroom_visits, h.kitchen_active_s,
                h.appliance_uses, h.appliance_on_s, h.first_activity, h.last_activity, household, received);
            fresh.push_back(n == 1);
        }
        return std::pair(fresh, true);
    });
}

std::vector<activity_hour> postgres_store::household_activity(std::int64_t household, time_point from,
                                                              time_point to) {
    return read([&](tx& t) {
        std::vector<activity_hour> out;
        for (const auto& r : t.run("SELECT " WARDEN_ACTIVITY_COLUMNS
                                   " FROM activity_hours WHERE household_id = $1 AND hour_ms >= $2 AND "
                                   "hour_ms < $3 ORDER BY hour_ms, hub",
                                   household, from, to))
            out.push_back(read_hour(r));
        return out;
    });
}

std::int64_t postgres_store::purge_activity(time_point before) {
    return write([&](tx& t) {
        auto n =
            static_cast<std::int64_t>(t.changes("DELETE FROM activity_hours WHERE hour_ms < $1", before));
        return std::pair(n, true);
    });
}

std::string postgres_store::activity_settings(std::int64_t household) {
    return read([&](tx& t) {
        return t.text_of("SELECT thresholds FROM activity_settings WHERE household_id = $1", household)
            .value_or("{}");
    });
}

change_result postgres_store::set_activity_settings(std::int64_t household, const std::string& json_object,
                                                    const std::string& by, time_point now) {
    return write([&](tx& t) {
        if (!t.int64_of("SELECT id FROM households WHERE id = $1 FOR UPDATE", household))
            return std::pair(change_result::not_found, false);
        t.run(
            "INSERT INTO activity_settings(household_id, thresholds) VALUES ($1, $2) "
            "ON CONFLICT(household_id) DO UPDATE SET thresholds = excluded.thresholds",
            household, json_object);
        add_audit(t, by, "activity_settings", std::to_string(household), json_object, now);
        return std::pair(change_result::ok, true);
    });
}

}  // namespace warden::centre::postgres_backend
