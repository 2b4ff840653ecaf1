// The SQLite backend's alert_store: ingest, the operators' workflow, supervision's changes, reads.
#include <algorithm>
#include <map>
#include <set>
#include <string_view>

#include <fmt/format.h>

#include "../away_columns.hpp"
#include "sqlite_store.hpp"

namespace warden::centre::sqlite_backend {

using sqlite::statement;

stored_alert read_alert(const statement& s) {
    stored_alert r;
    r.a.id = s.text(0);
    r.a.hub = s.text(1);
    r.a.seq = static_cast<std::uint64_t>(s.int64(2));
    r.a.type = s.text(3);
    r.a.state = parse_alert_state(s.text(4)).value_or(alert_state::raised);
    r.a.priority = static_cast<priority>(s.int64(5));
    r.a.sia = s.text(6);
    r.a.at = s.time(7);
    r.a.rule = s.text(8);
    r.a.sensor = s.text(9);
    r.a.location = s.text(10);
    r.a.text = s.text(11);
    r.a.clears = s.opt_text(12);
    if (!s.is_null(13)) r.a.value = s.real(13);
    r.status = parse_alert_status(s.text(14)).value_or(alert_status::open);
    r.received_at = s.time(15);
    r.acknowledged_at = s.opt_time(16);
    r.acknowledged_by = s.opt_text(17);
    r.resolved_at = s.opt_time(18);
    r.resolved_by = s.opt_text(19);
    r.outcome = s.opt_text(20);
    r.note = s.opt_text(21);
    r.cleared_at = s.opt_time(22);
    r.folded_into = s.opt_text(23);
    r.held_until = s.opt_time(24);
    r.held_by = s.opt_text(25);
    r.supervisor_at = s.opt_time(26);
    r.supervisor_by = s.opt_text(27);
    return r;
}

std::vector<ingest_result> sqlite_store::ingest(const ingest_batch& b) {
    std::lock_guard lock(write_mu_);
    auto tx = writer_.begin();
    std::vector<ingest_result> results;
    results.reserve(b.alerts.size());
    std::map<std::string, std::int64_t> folded;  // flood id -> alerts folded into it by this batch
    // A hub is touched once per batch (its first alert), not once per alert: the same last_seen_ms.
    std::set<std::string_view> touched;
    for (std::size_t i = 0; i < b.alerts.size(); ++i) {
        const auto& a = b.alerts[i];
        results.push_back(insert_alert(a, b.received_at, b.keep_reused_ids));
        if (touched.insert(a.hub).second) touch_hub(a.hub, b.received_at);
        const auto* into = i < b.folded_into.size() && b.folded_into[i] ? &*b.folded_into[i] : nullptr;
        if (into && results.back().fresh) {
            fold(results.back().id, *into, b.received_at);
            ++folded[*into];
        }
    }
    // A flood alert is raised (or goes on) only for new alerts folded into it: resends beyond the rate
    // (an ack lost) are no flood.
    for (const auto& f : b.floods) {
        auto it = folded.find(f.id);
        if (it == folded.end()) continue;
        ensure_hub(f.hub, b.received_at);
        insert_alert(f, b.received_at, false);  // an id stored already is the flood going on
        update_flood(f, it->second, b.received_at);
    }
    for (const auto& h : b.heartbeats) {
        touch_hub(h.hub, b.received_at);
        auto away = away_columns::to_row(h.away);
        auto& u = writer_.prepare(
            "UPDATE hubs SET last_heartbeat_ms = ?, outbox = ?, sensors = ?, version = ?, away = ?, "
            "away_since_ms = "
            "?, away_by = ?, away_user = ?, away_request = ? WHERE id = ?");
        ok(u.bind(b.received_at, h.outbox, h.sensors, h.version, away.on, away.since, away.by, away.user,
                  away.request, h.hub)
               .run());
    }
    for (const auto& s : b.statuses) {
        if (s.state == "online")
            touch_hub(s.hub, b.received_at);
        else
            ensure_hub(s.hub, b.received_at);
        auto& u = writer_.prepare("UPDATE hubs SET status = ?, status_ms = ? WHERE id = ?");
        ok(u.bind(s.state, b.received_at, s.hub).run());
    }
    ok(tx.commit());
    return results;
}

change_result sqlite_store::acknowledge(const std::string& id, const std::string& user, time_point now) {
    std::lock_guard lock(write_mu_);
    auto tx = writer_.begin();
    auto cur = status_of(id);
    if (!cur) return change_result::not_found;
    if (!do_acknowledge(id, user, "", now)) return change_result::conflict;
    ok(tx.commit());
    return change_result::ok;
}

bool sqlite_store::do_acknowledge(const std::string& id, const std::string& user, const std::string& detail,
                                  time_point now) {
    // An open alert is taken; an acknowledged one on hold is taken back (its call-back answered).
    auto& u = writer_.prepare(
        "UPDATE alerts SET status = 'acknowledged', acknowledged_ms = ?1, acknowledged_by = ?2 WHERE id = ?3 "
        "AND status = 'open'");
    ok(u.bind(now, user, id).run());
    if (u.changes() == 1) {
        add_history(id, now, "acknowledged", user, detail);
        add_audit(user, "acknowledge", id, detail, now);
        return true;
    }
    auto& back = writer_.prepare(
        "UPDATE alerts SET held_until_ms = NULL, held_by = NULL WHERE id = ? AND status = 'acknowledged' AND "
        "held_until_ms IS NOT NULL");
    ok(back.bind(id).run());
    if (back.changes() == 0) return false;
    add_history(id, now, "acknowledged", user, detail.empty() ? "taken back from hold" : detail);
    add_audit(user, "acknowledge", id, "taken back from hold", now);
    return true;
}

change_result sqlite_store::resolve(const std::string& id, const std::string& user,
                                    const std::string& outcome, const std::string& note, time_point now) {
    std::lock_guard lock(write_mu_);
    auto tx = writer_.begin();
    auto cur = status_of(id);
    if (!cur) return change_result::not_found;
    if (*cur == "resolved") return change_result::conflict;
    do_resolve(id, user, outcome, note, now);
    add_audit(user, "resolve", id, note.empty() ? outcome : fmt::format("{}: {}", outcome, note), now);
    ok(tx.commit());
    return change_result::ok;
}

change_result sqlite_store::reopen(const std::string& id, const std::string& user, time_point now) {
    std::lock_guard lock(write_mu_);
    auto tx = writer_.begin();
    auto cur = status_of(id);
    if (!cur) return change_result::not_found;
    if (*cur != "resolved" || raised_state(id) != "raised") return change_result::conflict;
    auto& u = writer_.prepare(
        "UPDATE alerts SET status = 'open', acknowledged_ms = NULL, acknowledged_by = NULL, resolved_ms = "
        "NULL, "
        "resolved_by = NULL, outcome = NULL, note = NULL WHERE id = ?");
    ok(u.bind(id).run());
    add_history(id, now, "reopened", user, "");
    add_audit(user, "reopen", id, "", now);
    ok(tx.commit());
    return change_result::ok;
}

change_result sqlite_store::clear(const std::string& id, const std::string& user, const std::string& detail,
                                  const std::optional<std::string>& auto_resolve_outcome, time_point now) {
    std::lock_guard lock(write_mu_);
    auto tx = writer_.begin();
    auto cur = status_of(id);
    if (!cur) return change_result::not_found;
    auto& u = writer_.prepare("UPDATE alerts SET cleared_ms = ? WHERE id = ? AND cleared_ms IS NULL");
    ok(u.bind(now, id).run());
    if (u.changes() == 0) return change_result::conflict;
    add_history(id, now, "cleared", user, detail);
    if (auto_resolve_outcome && *cur == "open") {
        do_resolve(id, user, *auto_resolve_outcome, "", now);
        add_audit(user, "resolve", id, *auto_resolve_outcome, now);
    }
    ok(tx.commit());
    return change_result::ok;
}

change_result sqlite_store::escalate(const std::string& id, priority to, const std::string& detail,
                                     time_point now) {
    std::lock_guard lock(write_mu_);
    auto tx = writer_.begin();
    auto& u = writer_.prepare(
        "UPDATE alerts SET priority = ? WHERE id = ? AND status != 'resolved' AND priority > ?");
    ok(u.bind(static_cast<int>(to), id, static_cast<int>(to)).run());
    if (u.changes() == 0) return change_result::conflict;
    add_history(id, now, "escalated", "system", detail);
    ok(tx.commit());
    return change_result::ok;
}

std::optional<stored_alert> sqlite_store::uncleared_alert(const std::string& hub, const std::string& type) {
    auto r = reader();
    auto& s =
        r->prepare("SELECT " WARDEN_ALERT_COLUMNS
                   " FROM alerts WHERE hub = ? AND type = ? AND state = 'raised' AND cleared_ms IS NULL "
                   "ORDER BY received_ms DESC, rowid DESC LIMIT 1");
    return ok(s.bind(hub, type).one(read_alert));
}

std::int64_t sqlite_store::count_alerts(const std::string& hub, const std::string& type) {
    auto r = reader();
    auto& s = r->prepare("SELECT COUNT(*) FROM alerts WHERE hub = ? AND type = ? AND state = 'raised'");
    return ok(s.bind(hub, type).one(int64_of)).value_or(0);
}

std::optional<stored_alert> sqlite_store::get_alert(const std::string& id) {
    auto r = reader();
    return ok(
        r->prepare("SELECT " WARDEN_ALERT_COLUMNS " FROM alerts WHERE id = ?").bind(id).one(read_alert));
}

std::vector<history_entry> sqlite_store::history(const std::string& id) {
    auto r = reader();
    auto& s = r->prepare(
        "SELECT at_ms, action, user_name, detail FROM alert_history WHERE alert_id = ? ORDER BY id");
    return ok(s.bind(id).all([](const statement& row) {
        return history_entry{row.time(0), row.text(1), row.text(2), row.text(3)};
    }));
}

std::vector<stored_alert> sqlite_store::list_alerts(const alert_query& q) {
    auto r = reader();
    // One statement per ordering. The queue: most urgent first, then calls that want an operator now
    // before taken ones, then oldest first, so the top row is the call to take next.
    const bool queue = q.state == "open" || q.state == "acknowledged" || q.state == "untaken";
    auto& s = queue ? r->prepare("SELECT " WARDEN_ALERT_COLUMNS " FROM alerts WHERE " WARDEN_ALERT_FILTER
                                 " ORDER BY " WARDEN_QUEUE_ORDER " LIMIT ?4")
                    : r->prepare("SELECT " WARDEN_ALERT_COLUMNS " FROM alerts WHERE " WARDEN_ALERT_FILTER
                                 " ORDER BY received_ms DESC, rowid DESC LIMIT ?4");
    return ok(bind_query(s, q).all(read_alert));
}

std::vector<stored_alert> sqlite_store::folded_alerts(const std::string& flood_id, int limit) {
    auto r = reader();
    auto& s = r->prepare("SELECT " WARDEN_ALERT_COLUMNS
                         " FROM alerts WHERE folded_into = ? ORDER BY received_ms DESC, rowid DESC LIMIT ?");
    return ok(s.bind(flood_id, limit).all(read_alert));
}

std::optional<std::string> sqlite_store::status_of(const std::string& id) {
    return ok(writer_.prepare("SELECT status FROM alerts WHERE id = ?").bind(id).one(text_of));
}

std::string sqlite_store::raised_state(const std::string& id) {
    return ok(writer_.prepare("SELECT state FROM alerts WHERE id = ?").bind(id).one(text_of)).value_or("");
}

void sqlite_store::do_resolve(const std::string& id, const std::string& user, const std::string& outcome,
                              const std::string& note, time_point now) {
    auto& u = writer_.prepare(
        "UPDATE alerts SET status = 'resolved', resolved_ms = ?, resolved_by = ?, outcome = ?, note = ? "
        "WHERE "
        "id = ?");
    ok(u.bind(now, user, outcome, note.empty() ? std::optional<std::string>{} : note, id).run());
    add_history(id, now, "resolved", user, note.empty() ? outcome : fmt::format("{}: {}", outcome, note));
}

/// The raised alert of `hub` that `id` means now: the newest row stored under `id` or derived from it
/// (`<id>.r<n>`: a hub that reused its ids refers to its latest alert of that id).
std::optional<std::string> sqlite_store::current_alert(const std::string& hub, const std::string& id) {
    auto& s = writer_.prepare(
        "SELECT id FROM alerts WHERE hub = ?1 AND state = 'raised' AND (id = ?2 OR (id > (?2 || '.r') "
        "AND id < (?2 || '.s'))) ORDER BY rowid DESC LIMIT 1");
    return ok(s.bind(hub, id).one(text_of));
}

ingest_result sqlite_store::insert_alert(const alert& a, time_point received, bool keep_reused) {
    ingest_result r{false, a.id, std::nullopt};
    const bool cleared = a.state == alert_state::cleared;
    // Rows already stored under this id or derived from it, oldest first. One with the same content
    // means this is a resend; otherwise the hub reused the id for a new alert.
    std::vector<std::string> taken;
    std::optional<time_point> first_received;
    std::optional<std::string> resend_of;
    {
        auto& s = writer_.prepare(
            "SELECT id, received_ms, at_ms, type, state, sensor, rule FROM alerts WHERE id = ?1 OR (id > "
            "(?1 || '.r') AND id < (?1 || '.s')) ORDER BY rowid");
        ok(s.bind(a.id).each([&](const statement& row) {
            if (resend_of) return;
            const bool same = row.time(2) == a.at && row.text(3) == a.type &&
                              row.text(4) == to_string(a.state) && row.text(5) == a.sensor &&
                              row.text(6) == a.rule;
            if (same || !keep_reused) {
                resend_of = row.text(0);
                return;
            }
            if (!first_received) first_received = row.time(1);
            taken.push_back(row.text(0));
        }));
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
    if (cleared && a.clears) target = current_alert(a.hub, *a.clears);
    {
        auto& s = writer_.prepare(
            "INSERT INTO alerts(id, hub, seq, type, state, priority, sia, at_ms, rule, sensor, location, "
            "text, "
            "clears, value, status, received_ms, resolved_ms, resolved_by) VALUES (?, ?, ?, ?, ?, ?, ?, ?, "
            "?, "
            "?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT(id) DO NOTHING");
        auto bind_with = [&](const auto& resolved_ms, const auto& resolved_by) -> statement& {
            return s.bind(r.id, a.hub, static_cast<std::int64_t>(a.seq), a.type, to_string(a.state),
                          static_cast<int>(a.priority), a.sia, a.at, a.rule, a.sensor, a.location, a.text,
                          target ? target : a.clears, a.value, cleared ? "resolved" : "open", received,
                          resolved_ms, resolved_by);
        };
        // A cleared alert is stored resolved by the system when it arrives.
        ok((cleared ? bind_with(received, "system") : bind_with(std::nullopt, std::nullopt)).run());
        if (s.changes() == 0) return r;
    }
    r.fresh = true;
    add_history(r.id, received, "received", "hub", std::string(to_string(a.state)));
    if (r.id != a.id)
        add_history(r.id, received, "id_reused", "system",
                    fmt::format("the hub sent id {}, which a different alert received {} already has; "
                                "stored as {}. Was the hub's storage reset?",
                                a.id, format_time(*first_received), r.id));
    if (target) {
        auto& u = writer_.prepare("UPDATE alerts SET cleared_ms = ? WHERE id = ? AND cleared_ms IS NULL");
        ok(u.bind(received, *target).run());
        if (u.changes() == 1) {
            add_history(*target, received, "cleared", "hub", r.id);
            r.cleared = target;
        }
    }
    return r;
}

/// A fresh alert beyond its hub's rate: linked to the flood alert and, if raised, kept out of the queue.
void sqlite_store::fold(const std::string& id, const std::string& flood_id, time_point received) {
    auto& u = writer_.prepare(
        "UPDATE alerts SET folded_into = ?1, status = 'resolved', resolved_ms = ifnull(resolved_ms, ?2), "
        "resolved_by = ifnull(resolved_by, 'system'), outcome = CASE state WHEN 'raised' THEN 'folded' ELSE "
        "outcome END WHERE id = ?3");
    ok(u.bind(flood_id, received, id).run());
    add_history(id, received, "folded", "system", flood_id);
}

/// The flood alert after a batch folded `added` more alerts into it: count, text, priority, history.
void sqlite_store::update_flood(const alert& flood, std::int64_t added, time_point received) {
    auto& c = writer_.prepare(
        "SELECT COUNT(*), MIN(CASE state WHEN 'raised' THEN priority END) FROM alerts WHERE folded_into = ?");
    std::int64_t total = 0;
    std::optional<std::int64_t> most_urgent;
    ok(c.bind(flood.id).first([&](const statement& row) {
        total = row.int64(0);
        if (!row.is_null(1)) most_urgent = row.int64(1);
    }));
    auto& u = writer_.prepare(
        "UPDATE alerts SET value = ?1, text = ?2, priority = min(priority, ifnull(?3, priority)) WHERE id = "
        "?4");
    ok(u.bind(static_cast<double>(total), fmt::format("{} ({} folded)", flood.text, total), most_urgent,
              flood.id)
           .run());
    add_history(flood.id, received, "folded", "system",
                fmt::format("{} more alerts from hub {} folded here ({} in all)", added, flood.hub, total));
}

void sqlite_store::add_history(const std::string& id, time_point at, const char* action,
                               const std::string& user, const std::string& detail) {
    auto& s = writer_.prepare(
        "INSERT INTO alert_history(alert_id, at_ms, action, user_name, detail) VALUES (?, ?, ?, ?, ?)");
    ok(s.bind(id, at, action, user, detail).run());
}

}  // namespace warden::centre::sqlite_backend
