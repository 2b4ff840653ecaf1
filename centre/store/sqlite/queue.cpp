// The SQLite backend's queue: the query filters, one group per home, actions on a home's group, notes,
// holds and escalation to a supervisor.
#include <fmt/format.h>

#include "../query_codes.hpp"
#include "sqlite_store.hpp"

namespace warden::centre::sqlite_backend {

using sqlite::statement;

using namespace query_codes;

statement& bind_query(statement& s, const alert_query& q) {
    std::optional<int> prio;
    if (q.prio) prio = static_cast<int>(*q.prio);
    return s.bind(q.state, q.hub, q.text, q.limit, kind_code(q.kind), technical_types(), q.type, prio, q.now,
                  q.team);
}

std::vector<queue_group> sqlite_store::queue_groups(const alert_query& query) {
    auto q = query;
    q.state = "open";
    auto r = reader();
    // Each hub's alerts numbered in the queue's order; the first of each is its group's top alert, and
    // the groups are ordered as their top alerts would be.
    auto& s = r->prepare(
        "SELECT " WARDEN_ALERT_COLUMNS
        ", n, untaken, critical_untaken, oldest, callback FROM (SELECT " WARDEN_ALERT_COLUMNS
        ", rowid AS rid, ROW_NUMBER() OVER (PARTITION BY hub ORDER BY " WARDEN_QUEUE_ORDER
        ") AS rn, COUNT(*) OVER (PARTITION BY hub) AS n, SUM(" WARDEN_UNTAKEN
        ") OVER (PARTITION BY hub) AS untaken, SUM(" WARDEN_UNTAKEN
        " AND priority = 0) OVER (PARTITION BY hub) AS critical_untaken, MIN(CASE WHEN " WARDEN_UNTAKEN
        " THEN received_ms END) OVER (PARTITION BY hub) AS oldest, MIN(CASE WHEN status = 'acknowledged' "
        "THEN "
        "held_until_ms END) OVER (PARTITION BY hub) AS callback FROM alerts WHERE " WARDEN_ALERT_FILTER
        ") WHERE rn = 1 ORDER BY priority, NOT " WARDEN_UNTAKEN ", received_ms, rid LIMIT ?4");
    return ok(bind_query(s, q).all([](const statement& row) {
        queue_group g;
        g.top = read_alert(row);
        g.hub = g.top.a.hub;
        // The columns after the alert's.
        constexpr int c = warden_alert_columns;
        g.count = row.int64(c);
        g.untaken = row.int64(c + 1);
        g.critical_untaken = row.int64(c + 2);
        g.oldest_untaken = row.opt_time(c + 3);
        g.next_callback = row.opt_time(c + 4);
        return g;
    }));
}

group_result sqlite_store::acknowledge_group(const std::string& hub, const std::vector<std::string>& ids,
                                             const std::string& user, time_point now) {
    std::lock_guard lock(write_mu_);
    auto tx = writer_.begin();
    group_result out;
    const auto detail = fmt::format("with its home's group ({} alerts of {})", ids.size(), hub);
    for (const auto& id : ids) {
        auto& s = writer_.prepare("SELECT hub FROM alerts WHERE id = ? AND state = 'raised'");
        if (ok(s.bind(id).one(text_of)) != hub)
            out.skipped.emplace_back(id, "not a raised alert of this hub");
        else if (do_acknowledge(id, user, detail, now))
            out.done.push_back(id);
        else
            out.skipped.emplace_back(id, "already acknowledged or resolved");
    }
    ok(tx.commit());
    return out;
}

group_result sqlite_store::resolve_group(const std::string& hub, const std::vector<std::string>& ids,
                                         const std::string& user, const std::string& outcome,
                                         const std::string& note, time_point now) {
    std::lock_guard lock(write_mu_);
    auto tx = writer_.begin();
    group_result out;
    const auto detail = fmt::format("with its home's group ({} alerts of {})", ids.size(), hub);
    for (const auto& id : ids) {
        auto& s = writer_.prepare("SELECT hub FROM alerts WHERE id = ? AND state = 'raised'");
        if (ok(s.bind(id).one(text_of)) != hub) {
            out.skipped.emplace_back(id, "not a raised alert of this hub");
            continue;
        }
        auto cur = status_of(id);
        if (cur == "resolved") {
            out.skipped.emplace_back(id, "already resolved");
            continue;
        }
        if (cur == "open") do_acknowledge(id, user, detail, now);
        auto full = note.empty() ? detail : fmt::format("{} ({})", note, detail);
        do_resolve(id, user, outcome, full, now);
        add_audit(user, "resolve", id, fmt::format("{}: {}", outcome, full), now);
        out.done.push_back(id);
    }
    ok(tx.commit());
    return out;
}

change_result sqlite_store::add_note(const std::string& id, const std::string& user, const std::string& note,
                                     time_point now) {
    std::lock_guard lock(write_mu_);
    auto tx = writer_.begin();
    if (!status_of(id)) return change_result::not_found;
    add_history(id, now, "note", user, note);
    add_audit(user, "note", id, note, now);
    ok(tx.commit());
    return change_result::ok;
}

change_result sqlite_store::hold(const std::string& id, const std::string& user, time_point until,
                                 const std::string& note, time_point now) {
    std::lock_guard lock(write_mu_);
    auto tx = writer_.begin();
    auto cur = status_of(id);
    if (!cur) return change_result::not_found;
    if (*cur == "resolved" || raised_state(id) != "raised") return change_result::conflict;
    if (*cur == "open") do_acknowledge(id, user, "", now);
    auto& u = writer_.prepare("UPDATE alerts SET held_until_ms = ?, held_by = ? WHERE id = ?");
    ok(u.bind(until, user, id).run());
    auto detail = fmt::format("call back at {}{}{}", format_time(until), note.empty() ? "" : ": ", note);
    add_history(id, now, "held", user, detail);
    add_audit(user, "hold", id, detail, now);
    ok(tx.commit());
    return change_result::ok;
}

change_result sqlite_store::refer_to_supervisor(const std::string& id, const std::string& user,
                                                const std::string& reason, time_point now) {
    std::lock_guard lock(write_mu_);
    auto tx = writer_.begin();
    auto cur = status_of(id);
    if (!cur) return change_result::not_found;
    auto& u = writer_.prepare(
        "UPDATE alerts SET supervisor_ms = ?, supervisor_by = ? WHERE id = ? AND status != 'resolved' AND "
        "supervisor_ms IS NULL");
    ok(u.bind(now, user, id).run());
    if (u.changes() == 0) return change_result::conflict;
    add_history(id, now, "supervisor", user, reason);
    add_audit(user, "escalate_to_supervisor", id, reason, now);
    ok(tx.commit());
    return change_result::ok;
}

change_result sqlite_store::add_call_entry(const std::string& id, const std::string& user,
                                           const std::string& action, const std::string& detail,
                                           time_point now) {
    std::lock_guard lock(write_mu_);
    auto tx = writer_.begin();
    if (!status_of(id)) return change_result::not_found;
    add_history(id, now, action.c_str(), user, detail);
    add_audit(user, action, id, detail, now);
    ok(tx.commit());
    return change_result::ok;
}

std::int64_t sqlite_store::add_handover(const std::string& user, const std::string& note, time_point now) {
    std::lock_guard lock(write_mu_);
    auto tx = writer_.begin();
    auto& s =
        writer_.prepare("INSERT INTO handover_notes(at_ms, user_name, note) VALUES (?, ?, ?) RETURNING id");
    auto id = *ok(s.bind(now, user, note).one([](const statement& row) { return row.int64(0); }));
    add_audit(user, "handover", std::to_string(id), note, now);
    ok(tx.commit());
    return id;
}

std::vector<handover_note> sqlite_store::handovers(int limit) {
    auto r = reader();
    auto& s = r->prepare("SELECT id, at_ms, user_name, note FROM handover_notes ORDER BY id DESC LIMIT ?");
    return ok(s.bind(limit).all([](const statement& row) {
        return handover_note{row.int64(0), row.time(1), row.text(2), row.text(3)};
    }));
}

}  // namespace warden::centre::sqlite_backend
