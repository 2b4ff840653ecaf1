// The PostgreSQL backend's hub_store, and the hub rows ingest creates and touches.
#include "../away_columns.hpp"
#include "postgres_store.hpp"

namespace warden::centre::postgres_backend {

namespace {

#define WARDEN_HUB_COLUMNS                                                                            \
    "id, online, last_seen_ms, last_heartbeat_ms, status, outbox, sensors, version, disabled, away, " \
    "away_since_ms, away_by, away_user, away_request"

hub_record read_hub(const pqxx::row& s) {
    auto away = away_columns::from_row({s[9].is_null() ? std::nullopt : std::optional(int64(s, 9)),
                                        opt_time(s, 10), text(s, 11), text(s, 12), text(s, 13)});
    return {text(s, 0),  int64(s, 1) != 0, opt_time(s, 2), opt_time(s, 3),   text(s, 4),
            int64(s, 5), text(s, 6),       text(s, 7),     int64(s, 8) != 0, std::move(away)};
}

}  // namespace

void postgres_store::set_hub_online(const std::string& hub, bool online) {
    write([&](tx& t) {
        t.run("UPDATE hubs SET online = $1 WHERE id = $2", online ? 1 : 0, hub);
        return std::pair(0, true);
    });
}

std::vector<hub_record> postgres_store::list_hubs() {
    return read([&](tx& t) {
        std::vector<hub_record> out;
        for (const auto& row : t.run("SELECT " WARDEN_HUB_COLUMNS " FROM hubs ORDER BY id"))
            out.push_back(read_hub(row));
        return out;
    });
}

std::optional<hub_record> postgres_store::get_hub(const std::string& id) {
    return read([&](tx& t) -> std::optional<hub_record> {
        auto r = t.one("SELECT " WARDEN_HUB_COLUMNS " FROM hubs WHERE id = $1", id);
        if (!r) return std::nullopt;
        return read_hub(*r);
    });
}

change_result postgres_store::set_hub_disabled(const std::string& hub, bool disabled, const std::string& by,
                                               time_point now) {
    return write([&](tx& t) {
        auto cur = t.int64_of("SELECT disabled FROM hubs WHERE id = $1 FOR UPDATE", hub);
        if (!cur) return std::pair(change_result::not_found, false);
        if ((*cur != 0) == disabled) return std::pair(change_result::conflict, false);
        t.run("UPDATE hubs SET disabled = $1 WHERE id = $2", disabled ? 1 : 0, hub);
        add_audit(t, by, disabled ? "hub_disable" : "hub_enable", hub,
                  disabled ? "its messages are refused until it is enabled" : "its messages are taken again",
                  now);
        return std::pair(change_result::ok, true);
    });
}

std::vector<std::string> postgres_store::disabled_hubs() {
    return read([&](tx& t) {
        std::vector<std::string> out;
        for (const auto& row : t.run("SELECT id FROM hubs WHERE disabled = 1 ORDER BY id"))
            out.push_back(text(row, 0));
        return out;
    });
}

void postgres_store::ensure_hub(tx& t, const std::string& hub, time_point now) {
    t.run("INSERT INTO hubs(id, first_seen_ms) VALUES ($1, $2) ON CONFLICT(id) DO NOTHING", hub, now);
}

void postgres_store::touch_hub(tx& t, const std::string& hub, time_point now) {
    // One statement: created on first sight, its last_seen moved on otherwise.
    t.run(
        "INSERT INTO hubs(id, first_seen_ms, last_seen_ms) VALUES ($1, $2, $2) ON CONFLICT(id) DO UPDATE SET "
        "last_seen_ms = excluded.last_seen_ms",
        hub, now);
}

}  // namespace warden::centre::postgres_backend
