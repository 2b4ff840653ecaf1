// The PostgreSQL backend's alert_store: ingest, the operators' workflow, supervision's changes, reads.
#include <algorithm>
#include <map>
#include <set>

#include <fmt/format.h>

#include "../away_columns.hpp"
#include "postgres_store.hpp"

namespace warden::centre::postgres_backend {

stored_alert read_alert(const pqxx::row& s) {
    stored_alert r;
    r.a.id = text(s, 0);
    r.a.hub = text(s, 1);
    r.a.seq = static_cast<std::uint64_t>(int64(s, 2));
    r.a.type = text(s, 3);
    r.a.state = parse_alert_state(text(s, 4)).value_or(alert_state::raised);
    r.a.priority = static_cast<priority>(int64(s, 5));
    r.a.sia = text(s, 6);
    r.a.at = time(s, 7);
    r.a.rule = text(s, 8);
    r.a.sensor = text(s, 9);
    r.a.location = text(s, 10);
    r.a.text = text(s, 11);
    r.a.clears = opt_text(s, 12);
    if (!s[13].is_null()) r.a.value = s[13].as<double>();
    r.status = parse_alert_status(text(s, 14)).value_or(alert_status::open);
    r.received_at = time(s, 15);
    r.acknowledged_at = opt_time(s, 16);
    r.acknowledged_by = opt_text(s, 17);
    r.resolved_at = opt_time(s, 18);
    r.resolved_by = opt_text(s, 19);
    r.outcome = opt_text(s, 20);
    r.note = opt_text(s, 21);
    r.cleared_at = opt_time(s, 22);
    r.folded_into = opt_text(s, 23);
    r.held_until = opt_time(s, 24);
    r.held_by = opt_text(s, 25);
    r.supervisor_at = opt_time(s, 26);
    r.supervisor_by = opt_text(s, 27);
    return r;
}

namespace {
std::vector<stored_alert> alerts_of(const pqxx::result& r) {
    std::vector<stored_alert> out;
    out.reserve(r.size());
    for (const auto& row : r) out.push_back(read_alert(row));
    return out;
}
}  // namespace

std::vector<ingest_result> postgres_store::ingest(const ingest_batch& b) {
    return write([&](tx& t) {
        // Every hub of the batch locked, in order: another instance's batch for one of them waits here,
        // so the check for a stored id and the insert after it see one order of arrival per hub.
        std::set<std::string> hubs;
        for (const auto& a : b.alerts) hubs.insert(a.hub);
        for (const auto& f : b.floods) hubs.insert(f.hub);
        for (const auto& h : b.heartbeats) hubs.insert(h.hub);
        for (const auto& s : b.statuses) hubs.insert(s.hub);
        lock_all(t, lock_class::hub, hubs);
        std::vector<ingest_result> results;
        results.reserve(b.alerts.size());
        std::map<std::string, std::int64_t> folded;  // flood id -> alerts folded into it by this batch
        for (std::size_t i = 0; i < b.alerts.size(); ++i) {
            const auto& a = b.alerts[i];
            results.push_back(insert_alert(t, a, b.received_at, b.keep_reused_ids, true));
            const auto* into = i < b.folded_into.size() && b.folded_into[i] ? &*b.folded_into[i] : nullptr;
            if (into && results.back().fresh) {
                fold(t, results.back().id, *into, b.received_at);
                ++folded[*into];
            }
        }
        // A flood alert is raised (or goes on) only for new alerts folded into it: resends beyond the
        // rate (an ack lost) are no flood.
        for (const auto& f : b.floods) {
            auto it = folded.find(f.id);
            if (it == folded.end()) continue;
            ensure_hub(t, f.hub, b.received_at);
            insert_alert(t, f, b.received_at, false, false);  // an id stored already: the flood goes on
            update_flood(t, f, it->second, b.received_at);
        }
        for (const auto& h : b.heartbeats) {
            // One round trip: the hub created on first sight, or its last_seen and report moved on.
            auto away = away_columns::to_row(h.away);
            t.run(
                "INSERT INTO hubs(id, first_seen_ms, last_seen_ms, last_heartbeat_ms, outbox, sensors, "
                "version, "
                "away, away_since_ms, away_by, away_user, away_request) "
                "VALUES ($10, $1, $1, $1, $2, $3, $4, $5, $6, $7, $8, $9) "
                "ON CONFLICT(id) DO UPDATE SET last_seen_ms = excluded.last_seen_ms, "
                "last_heartbeat_ms = excluded.last_heartbeat_ms, outbox = excluded.outbox, sensors = "
                "excluded.sensors, version = excluded.version, away = excluded.away, away_since_ms = "
                "excluded.away_since_ms, away_by = excluded.away_by, away_user = excluded.away_user, "
                "away_request = excluded.away_request",
                b.received_at, h.outbox, h.sensors, h.version, away.on, away.since, away.by, away.user,
                away.request, h.hub);
        }
        for (const auto& s : b.statuses) {
            if (s.state == "online")
                touch_hub(t, s.hub, b.received_at);
            else
                ensure_hub(t, s.hub, b.received_at);
            t.run("UPDATE hubs SET status = $1, status_ms = $2 WHERE id = $3", s.state, b.received_at, s.hub);
        }
        return std::pair(std::move(results), true);
    });
}

change_result postgres_store::acknowledge(const std::string& id, const std::string& user, time_point now) {
    return write([&](tx& t) {
        if (!status_of(t, id)) return std::pair(change_result::not_found, false);
        if (!do_acknowledge(t, id, user, "", now)) return std::pair(change_result::conflict, false);
        return std::pair(change_result::ok, true);
    });
}

bool postgres_store::do_acknowledge(tx& t, const std::string& id, const std::string& user,
                                    const std::string& detail, time_point now) {
    // An open alert is taken; an acknowledged one on hold is taken back (its call-back answered).
    if (t.changes(
            "UPDATE alerts SET status = 'acknowledged', acknowledged_ms = $1, acknowledged_by = $2 WHERE "
            "id = $3 AND status = 'open'",
            now, user, id) == 1) {
        add_history(t, id, now, "acknowledged", user, detail);
        add_audit(t, user, "acknowledge", id, detail, now);
        return true;
    }
    if (t.changes("UPDATE alerts SET held_until_ms = NULL, held_by = NULL WHERE id = $1 AND status = "
                  "'acknowledged' AND held_until_ms IS NOT NULL",
                  id) == 0)
        return false;
    add_history(t, id, now, "acknowledged", user, detail.empty() ? "taken back from hold" : detail);
    add_audit(t, user, "acknowledge", id, "taken back from hold", now);
    return true;
}

change_result postgres_store::resolve(const std::string& id, const std::string& user,
                                      const std::string& outcome, const std::string& note, time_point now) {
    return write([&](tx& t) {
        auto cur = status_of(t, id);
        if (!cur) return std::pair(change_result::not_found, false);
        if (*cur == "resolved") return std::pair(change_result::conflict, false);
        do_resolve(t, id, user, outcome, note, now);
        add_audit(t, user, "resolve", id, note.empty() ? outcome : fmt::format("{}: {}", outcome, note), now);
        return std::pair(change_result::ok, true);
    });
}

change_result postgres_store::reopen(const std::string& id, const std::string& user, time_point now) {
    return write([&](tx& t) {
        auto cur = status_of(t, id);
        if (!cur) return std::pair(change_result::not_found, false);
        if (*cur != "resolved" || raised_state(t, id) != "raised")
            return std::pair(change_result::conflict, false);
        t.run(
            "UPDATE alerts SET status = 'open', acknowledged_ms = NULL, acknowledged_by = NULL, resolved_ms "
            "= "
            "NULL, resolved_by = NULL, outcome = NULL, note = NULL WHERE id = $1",
            id);
        add_history(t, id, now, "reopened", user, "");
        add_audit(t, user, "reopen", id, "", now);
        return std::pair(change_result::ok, true);
    });
}

change_result postgres_store::clear(const std::string& id, const std::string& user, const std::string& detail,
                                    const std::optional<std::string>& auto_resolve_outcome, time_point now) {
    return write([&](tx& t) {
        auto cur = status_of(t, id);
        if (!cur) return std::pair(change_result::not_found, false);
        if (t.changes("UPDATE alerts SET cleared_ms = $1 WHERE id = $2 AND cleared_ms IS NULL", now, id) == 0)
            return std::pair(change_result::conflict, false);
        add_history(t, id, now, "cleared", user, detail);
        if (auto_resolve_outcome && *cur == "open") {
            do_resolve(t, id, user, *auto_resolve_outcome, "", now);
            add_audit(t, user, "resolve", id, *auto_resolve_outcome, now);
        }
        return std::pair(change_result::ok, true);
    });
}

change_result postgres_store::escalate(const std::string& id, priority to, const std::string& detail,
                                       time_point now) {
    return write([&](tx& t) {
        if (t.changes(
                "UPDATE alerts SET priority = $1 WHERE id = $2 AND status != 'resolved' AND priority > $1",
                static_cast<int>(to), id) == 0)
            return std::pair(change_result::conflict, false);
        add_history(t, id, now, "escalated", "system", detail);
        return std::pair(change_result::ok, true);
    });
}

std::optional<stored_alert> postgres_store::uncleared_alert(const std::string& hub, const std::string& type) {
    return read([&](tx& t) -> std::optional<stored_alert> {
        auto r =
            t.one("SELECT " WARDEN_ALERT_COLUMNS
                  " FROM alerts WHERE hub = $1 AND type = $2 AND state = 'raised' AND cleared_ms IS NULL "
                  "ORDER BY received_ms DESC, rowid DESC LIMIT 1",
                  hub, type);
        if (!r) return std::nullopt;
        return read_alert(*r);
    });
}

std::int64_t postgres_store::count_alerts(const std::string& hub, const std::string& type) {
    return read([&](tx& t) {
        return t
            .int64_of("SELECT COUNT(*) FROM alerts WHERE hub = $1 AND type = $2 AND state = 'raised'", hub,
                      type)
            .value_or(0);
    });
}

std::optional<stored_alert> postgres_store::get_alert(const std::string& id) {
    return read([&](tx& t) -> std::optional<stored_alert> {
        auto r = t.one("SELECT " WARDEN_ALERT_COLUMNS " FROM alerts WHERE id = $1", id);
        if (!r) return std::nullopt;
        return read_alert(*r);
    });
}

std::vector<history_entry> postgres_store::history(const std::string& id) {
    return read([&](tx& t) {
        std::vector<history_entry> out;
        for (const auto& row : t.run(
                 "SELECT at_ms, action, user_name, detail FROM alert_history WHERE alert_id = $1 ORDER BY id",
                 id))
            out.push_back({time(row, 0), text(row, 1), text(row, 2), text(row, 3)});
        return out;
    });
}

std::vector<stored_alert> postgres_store::list_alerts(const alert_query& q) {
    return read([&](tx& t) {
        // One statement per ordering. The queue: most urgent first, then calls that want an operator now
        // before taken ones, then oldest first, so the top row is the call to take next.
        const bool queue = q.state == "open" || q.state == "acknowledged" || q.state == "untaken";
        return alerts_of(
            queue ? run_query(t,
                              "SELECT " WARDEN_ALERT_COLUMNS " FROM alerts WHERE " WARDEN_ALERT_FILTER
                              " ORDER BY " WARDEN_QUEUE_ORDER " LIMIT $4",
                              q)
                  : run_query(t,
                              "SELECT " WARDEN_ALERT_COLUMNS " FROM alerts WHERE " WARDEN_ALERT_FILTER
                              " ORDER BY received_ms DESC, rowid DESC LIMIT $4",
                              q));
    });
}

std::vector<stored_alert> postgres_store::folded_alerts(const std::string& flood_id, int limit) {
    return read([&](tx& t) {
        return alerts_of(
            t.run("SELECT " WARDEN_ALERT_COLUMNS
                  " FROM alerts WHERE folded_into = $1 ORDER BY received_ms DESC, rowid DESC LIMIT $2",
                  flood_id, limit));
    });
}

/// The alert's status, its row locked until the transaction ends (another instance's change waits).
std::optional<std::string> postgres_store::status_of(tx& t, const std::string& id) {
    return t.text_of("SELECT status FROM alerts WHERE id = $1 FOR UPDATE", id);
}

std::string postgres_store::raised_state(tx& t, const std::string& id) {
    return t.text_of("SELECT state FROM alerts WHERE id = $1", id).value_or("");
}

void postgres_store::do_resolve(tx& t, const std::string& id, const std::string& user,
                                const std::string& outcome, const std::string& note, time_point now) {
    t.run(
        "UPDATE alerts SET status = 'resolved', resolved_ms = $1, resolved_by = $2, outcome = $3, note = $4 "
        "WHERE id = $5",
        now, user, outcome, note.empty() ? std::optional<std::string>{} : note, id);
    add_history(t, id, now, "resolved", user, note.empty() ? outcome : fmt::format("{}: {}", outcome, note));
}

/// The raised alert of `hub` that `id` means now: the newest row stored under `id` or derived from it
/// (`<id>.r<n>`: a hub that reused its ids refers to its latest alert of that id).
std::optional<std::string> postgres_store::current_alert(tx& t, const std::string& hub,
                                                         const std::string& id) {
    auto r = t.run_planned(
        "SELECT id FROM alerts WHERE hub = $1 AND state = 'raised' AND (id = $2 OR (id > ($2 || "
        "'.r') AND id < ($2 || '.s'))) ORDER BY rowid DESC LIMIT 1",
        hub, id);
    return r.empty() ? std::nullopt : std::optional(text(r[0], 0));
}

namespace {
/// The INSERT of a new alert: its parameters are $1 to $18, the id $1, the hub $2, the state $5 and the
/// time received $16.
constexpr const char* insert_alert_sql =
    "INSERT INTO alerts(id, hub, seq, type, state, priority, sia, at_ms, rule, sensor, location, text, "
    "clears, value, status, received_ms, resolved_ms, resolved_by) "
    "VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18) "
    "ON CONFLICT(id) DO NOTHING";
}  // namespace

ingest_result postgres_store::insert_alert(tx& t, const alert& a, time_point received, bool keep_reused,
                                           bool touch) {
    ingest_result r{false, a.id, std::nullopt};
    const bool cleared = a.state == alert_state::cleared;
    // The alert under `id`; a cleared one is stored resolved by the system when it arrives. An id stored
    // already (another instance took the same alert a moment before) inserts nothing: a resend.
    auto insert = [&](const std::string& sql, const std::string& id, const std::optional<std::string>& clears,
                      const auto&... more) {
        return t.run(sql, id, a.hub, static_cast<std::int64_t>(a.seq), a.type,
                     std::string(to_string(a.state)), static_cast<int>(a.priority), a.sia, a.at, a.rule,
                     a.sensor, a.location, a.text, clears, a.value,
                     std::string(cleared ? "resolved" : "open"), received,
                     cleared ? std::optional(ms(received)) : std::nullopt,
                     cleared ? std::optional<std::string>("system") : std::nullopt, more...);
    };
    if (!(cleared && a.clears)) {
        // Most alerts are new and clear nothing: one round trip stores the alert, its first history row
        // and (with `touch`) the hub's last_seen. An id stored already takes the path below.
        static const std::string fresh_sql =
            std::string("WITH stored AS (") + insert_alert_sql + " RETURNING id), " +
            "history AS (INSERT INTO alert_history(alert_id, at_ms, action, user_name, detail) "
            "SELECT id, $16, 'received', 'hub', $5 FROM stored), "
            "hub AS (INSERT INTO hubs(id, first_seen_ms, last_seen_ms) SELECT $2, $16, $16 WHERE $19 "
            "ON CONFLICT(id) DO UPDATE SET last_seen_ms = excluded.last_seen_ms) "
            "SELECT count(*) FROM stored";
        auto stored = insert(fresh_sql, a.id, a.clears, touch);
        if (int64(stored[0], 0) == 1) {
            r.fresh = true;
            return r;
        }
    } else if (touch) {
        touch_hub(t, a.hub, received);
    }
    // Rows already stored under this id or derived from it, oldest first. One with the same content
    // means this is a resend; otherwise the hub reused the id for a new alert.
    std::vector<std::string> taken;
    std::optional<time_point> first_received;
    std::optional<std::string> resend_of;
    for (const auto& row :
         t.run_planned("SELECT id, received_ms, at_ms, type, state, sensor, rule FROM alerts WHERE id = "
                       "$1 OR (id > ($1 || '.r') AND id < ($1 || '.s')) ORDER BY rowid",
                       a.id)) {
        const bool same = time(row, 2) == a.at && text(row, 3) == a.type &&
                          text(row, 4) == to_string(a.state) && text(row, 5) == a.sensor &&
                          text(row, 6) == a.rule;
        if (same || !keep_reused) {
            resend_of = text(row, 0);
            break;
        }
        if (!first_received) first_received = time(row, 1);
        taken.push_back(text(row, 0));
    }
    if (resend_of) {
        r.id = *resend_of;
        return r;
    }
    if (!taken.empty()) {
        for (int n = 2;; ++n) {
            r.id = fmt::format("{}.r{}", a.id, n);
            if (std::find(taken.begin(), taken.end(), r.id) == taken.end()) break;
        }
    }
    std::optional<std::string> target;
    if (cleared && a.clears) target = current_alert(t, a.hub, *a.clears);
    if (insert(insert_alert_sql, r.id, target ? target : a.clears).affected_rows() == 0) return r;
    r.fresh = true;
    add_history(t, r.id, received, "received", "hub", std::string(to_string(a.state)));
    if (r.id != a.id)
        add_history(t, r.id, received, "id_reused", "system",
                    fmt::format("the hub sent id {}, which a different alert received {} already has; "
                                "stored as {}. Was the hub's storage reset?",
                                a.id, format_time(*first_received), r.id));
    if (target && t.changes("UPDATE alerts SET cleared_ms = $1 WHERE id = $2 AND cleared_ms IS NULL",
                            received, *target) == 1) {
        add_history(t, *target, received, "cleared", "hub", r.id);
        r.cleared = target;
    }
    return r;
}

/// A fresh alert beyond its hub's rate: linked to the flood alert and, if raised, kept out of the queue.
void postgres_store::fold(tx& t, const std::string& id, const std::string& flood_id, time_point received) {
    t.run(
        "UPDATE alerts SET folded_into = $1, status = 'resolved', resolved_ms = coalesce(resolved_ms, $2), "
        "resolved_by = coalesce(resolved_by, 'system'), outcome = CASE state WHEN 'raised' THEN 'folded' "
        "ELSE "
        "outcome END WHERE id = $3",
        flood_id, received, id);
    add_history(t, id, received, "folded", "system", flood_id);
}

/// The flood alert after a batch folded `added` more alerts into it: count, text, priority, history.
void postgres_store::update_flood(tx& t, const alert& flood, std::int64_t added, time_point received) {
    auto row = t.one(
        "SELECT COUNT(*), MIN(CASE state WHEN 'raised' THEN priority END) FROM alerts WHERE "
        "folded_into = $1",
        flood.id);
    const std::int64_t total = int64(*row, 0);
    std::optional<std::int64_t> most_urgent;
    if (!(*row)[1].is_null()) most_urgent = int64(*row, 1);
    t.run(
        "UPDATE alerts SET value = $1, text = $2, priority = LEAST(priority, coalesce($3::integer, "
        "priority)) "
        "WHERE id = $4",
        static_cast<double>(total), fmt::format("{} ({} folded)", flood.text, total), most_urgent, flood.id);
    add_history(t, flood.id, received, "folded", "system",
                fmt::format("{} more alerts from hub {} folded here ({} in all)", added, flood.hub, total));
}

void postgres_store::add_history(tx& t, const std::string& id, time_point at, const char* action,
                                 const std::string& user, const std::string& detail) {
    t.run("INSERT INTO alert_history(alert_id, at_ms, action, user_name, detail) VALUES ($1, $2, $3, $4, $5)",
          id, at, std::string(action), user, detail);
}

}  // namespace warden::centre::postgres_backend
