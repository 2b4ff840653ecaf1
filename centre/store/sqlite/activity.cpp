// The SQLite backend's activity_store: the hubs' hourly summaries, one row per hub and hour, and each
// household's own notice thresholds. Plain columns and text fields only (no JSON functions), so the
// same SQL serves another backend.
#include <fmt/format.h>

#include "../activity_rows.hpp"
#include "sqlite_store.hpp"

namespace warden::centre::sqlite_backend {

using sqlite::statement;
using namespace activity_rows;

namespace {

#define WARDEN_ACTIVITY_COLUMNS                                                                        \
    "hub, hour_ms, utc_offset_min, covered_s, rooms, door_openings, out_s, bed_s, bed_in, bed_out, "   \
    "night_getups, night_getup_s, chair_s, bathroom_visits, night_bathroom_visits, kitchen_active_s, " \
    "appliance_uses, appliance_on_s, first_activity_ms, last_activity_ms"

activity_hour read_hour(const statement& s) {
    activity_hour h;
    h.hub = s.text(0);
    h.hour = s.time(1);
    h.utc_offset_min = static_cast<int>(s.int64(2));
    h.covered_s = s.int64(3);
    h.rooms = rooms_of(s.text(4));
    h.door_openings = s.int64(5);
    h.out_s = s.int64(6);
    h.bed_s = s.int64(7);
    h.bed_in = times_of(h.hour, s.text(8));
    h.bed_out = times_of(h.hour, s.text(9));
    h.night_getups = s.int64(10);
    h.night_getup_s = s.int64(11);
    h.chair_s = s.int64(12);
    h.bathroom_visits = s.int64(13);
    h.night_bathroom_visits = s.int64(14);
    h.kitchen_active_s = s.int64(15);
    h.appliance_uses = s.int64(16);
    h.appliance_on_s = s.int64(17);
    h.first_activity = s.opt_time(18);
    h.last_activity = s.opt_time(19);
    return h;
}

}  // namespace

std::vector<bool> sqlite_store::store_activity(const std::vector<activity_hour>& hours, time_point received) {
    std::lock_guard lock(write_mu_);
    auto tx = writer_.begin();
    std::vector<bool> fresh;
    fresh.reserve(hours.size());
    for (const auto& h : hours) {
        auto household = ok(writer_.prepare("SELECT household_id FROM household_hubs WHERE hub = ?")
                                .bind(h.hub)
                                .one(int64_of));
        auto& s = writer_.prepare("INSERT INTO activity_hours(" WARDEN_ACTIVITY_COLUMNS
                                  ", household_id, received_ms) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, "
                                  "?, ?, ?, ?, ?, ?, ?, ?, ?, "
                                  "?) ON CONFLICT(hub, hour_ms) DO NOTHING");
        ok(s.bind(h.hub, h.hour, h.utc_offset_min, h.covered_s, rooms_text(h.rooms), h.door_openings, h.out_s,
                  h.bed_s, offsets_text(h.hour, h.bed_in), offsets_text(h.hour, h.bed_out), h.night_getups,
                  h.night_getup_s, h.chair_s, h.bathroom_visits, h.night_bathroom_visits, h.kitchen_active_s,
                  h.appliance_uses, h.appliance_on_s, h.first_activity, h.last_activity, household, received)
               .run());
        fresh.push_back(s.changes() == 1);
    }
    ok(tx.commit());
    return fresh;
}

std::vector<activity_hour> sqlite_store::household_activity(std::int64_t household, time_point from,
                                                            time_point to) {
    auto r = reader();
    return ok(r->prepare("SELECT " WARDEN_ACTIVITY_COLUMNS
                         " FROM activity_hours WHERE household_id = ? AND hour_ms >= ? AND hour_ms < ? "
                         "ORDER BY hour_ms, hub")
                  .bind(household, from, to)
                  .all(read_hour));
}

std::int64_t sqlite_store::purge_activity(time_point before) {
    std::lock_guard lock(write_mu_);
    auto& s = writer_.prepare("DELETE FROM activity_hours WHERE hour_ms < ?");
    ok(s.bind(before).run());
    return s.changes();
}

std::string sqlite_store::activity_settings(std::int64_t household) {
    auto r = reader();
    auto t = ok(r->prepare("SELECT thresholds FROM activity_settings WHERE household_id = ?")
                    .bind(household)
                    .one(text_of));
    return t.value_or("{}");
}

change_result sqlite_store::set_activity_settings(std::int64_t household, const std::string& json_object,
                                                  const std::string& by, time_point now) {
    std::lock_guard lock(write_mu_);
    auto tx = writer_.begin();
    if (!ok(writer_.prepare("SELECT id FROM households WHERE id = ?").bind(household).one(int64_of)))
        return change_result::not_found;
    ok(writer_
           .prepare("INSERT INTO activity_settings(household_id, thresholds) VALUES (?, ?) "
                    "ON CONFLICT(household_id) DO UPDATE SET thresholds = excluded.thresholds")
           .bind(household, json_object)
           .run());
    add_audit(by, "activity_settings", std::to_string(household), json_object, now);
    ok(tx.commit());
    return change_result::ok;
}

}  // namespace warden::centre::sqlite_backend
