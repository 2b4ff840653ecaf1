// The SQLite backend's hub_store, and the hub rows ingest creates and touches.
#include "../away_columns.hpp"
#include "sqlite_store.hpp"

namespace warden::centre::sqlite_backend {

using sqlite::statement;

namespace {

#define WARDEN_HUB_COLUMNS                                                                            \
    "id, online, last_seen_ms, last_heartbeat_ms, status, outbox, sensors, version, disabled, away, " \
    "away_since_ms, away_by, away_user, away_request"

hub_record read_hub(const statement& s) {
    auto away = away_columns::from_row({s.is_null(9) ? std::nullopt : std::optional(s.int64(9)),
                                        s.opt_time(10), s.text(11), s.text(12), s.text(13)});
    return {s.text(0),  s.int64(1) != 0, s.opt_time(2), s.opt_time(3),   s.text(4),
            s.int64(5), s.text(6),       s.text(7),     s.int64(8) != 0, std::move(away)};
}

}  // namespace

void sqlite_store::set_hub_online(const std::string& hub, bool online) {
    std::lock_guard lock(write_mu_);
    ok(writer_.prepare("UPDATE hubs SET online = ? WHERE id = ?").bind(online ? 1 : 0, hub).run());
}

std::vector<hub_record> sqlite_store::list_hubs() {
    auto r = reader();
    return ok(r->prepare("SELECT " WARDEN_HUB_COLUMNS " FROM hubs ORDER BY id").bind().all(read_hub));
}

std::optional<hub_record> sqlite_store::get_hub(const std::string& id) {
    auto r = reader();
    return ok(r->prepare("SELECT " WARDEN_HUB_COLUMNS " FROM hubs WHERE id = ?").bind(id).one(read_hub));
}

change_result sqlite_store::set_hub_disabled(const std::string& hub, bool disabled, const std::string& by,
                                             time_point now) {
    std::lock_guard lock(write_mu_);
    auto tx = writer_.begin();
    auto cur = ok(writer_.prepare("SELECT disabled FROM hubs WHERE id = ?").bind(hub).one(int64_of));
    if (!cur) return change_result::not_found;
    if ((*cur != 0) == disabled) return change_result::conflict;
    ok(writer_.prepare("UPDATE hubs SET disabled = ? WHERE id = ?").bind(disabled ? 1 : 0, hub).run());
    add_audit(by, disabled ? "hub_disable" : "hub_enable", hub,
              disabled ? "its messages are refused until it is enabled" : "its messages are taken again",
              now);
    ok(tx.commit());
    return change_result::ok;
}

std::vector<std::string> sqlite_store::disabled_hubs() {
    auto r = reader();
    return ok(r->prepare("SELECT id FROM hubs WHERE disabled = 1 ORDER BY id").bind().all(text_of));
}

void sqlite_store::ensure_hub(const std::string& hub, time_point now) {
    auto& s = writer_.prepare("INSERT INTO hubs(id, first_seen_ms) VALUES (?, ?) ON CONFLICT(id) DO NOTHING");
    ok(s.bind(hub, now).run());
}

void sqlite_store::touch_hub(const std::string& hub, time_point now) {
    ensure_hub(hub, now);
    ok(writer_.prepare("UPDATE hubs SET last_seen_ms = ? WHERE id = ?").bind(now, hub).run());
}

}  // namespace warden::centre::sqlite_backend
