// The PostgreSQL backend's queue: the query filters, one group per home, actions on a home's group, notes,
// holds and escalation to a supervisor.
#include <fmt/format.h>

#include "../query_codes.hpp"
#include "postgres_store.hpp"

namespace warden::centre::postgres_backend {

using namespace query_codes;

pqxx::result run_query(tx& t, const std::string& sql, const alert_query& q) {
    std::optional<int> prio;
    if (q.prio) prio = static_cast<int>(*q.prio);
    // Planned for its values: each filter whose parameter is empty drops out of the plan.
    return t.run_planned(sql, q.state, q.hub, q.text, q.limit, kind_code(q.kind), technical_types(), q.type,
                         prio, q.now, q.team);
}

std::vector<queue_group> postgres_store::queue_groups(const alert_query& query) {
    auto q = query;
    q.state = "open";
    return read([&](tx& t) {
        // Each hub's alerts numbered in the queue's order; the first of each is its group's top alert, and
        // the groups are ordered as their top alerts would be.
        auto rows = run_query(
            t,
            "SELECT " WARDEN_ALERT_COLUMNS
            ", n, untaken, critical_untaken, oldest, callback FROM (SELECT "
            "rowid, " WARDEN_ALERT_COLUMNS
            ", ROW_NUMBER() OVER (PARTITION BY hub ORDER BY " WARDEN_QUEUE_ORDER
            ") AS rn, COUNT(*) OVER (PARTITION BY hub) AS n, COUNT(*) FILTER (WHERE " WARDEN_UNTAKEN
            ") OVER (PARTITION BY hub) AS untaken, COUNT(*) FILTER (WHERE " WARDEN_UNTAKEN
            " AND priority = 0) OVER (PARTITION BY hub) AS critical_untaken, MIN(CASE WHEN " WARDEN_UNTAKEN
            " THEN received_ms END) OVER (PARTITION BY hub) AS oldest, MIN(CASE WHEN status = 'acknowledged' "
            "THEN held_until_ms END) OVER (PARTITION BY hub) AS callback FROM alerts "
            "WHERE " WARDEN_ALERT_FILTER ") grouped WHERE rn = 1 ORDER BY " WARDEN_QUEUE_ORDER " LIMIT $4",
            q);
        std::vector<queue_group> out;
        for (const auto& row : rows) {
            queue_group g;
            g.top = read_alert(row);
            g.hub = g.top.a.hub;
            // The columns after the alert's.
            constexpr int c = warden_alert_columns;
            g.count = int64(row, c);
            g.untaken = int64(row, c + 1);
            g.critical_untaken = int64(row, c + 2);
            g.oldest_untaken = opt_time(row, c + 3);
            g.next_callback = opt_time(row, c + 4);
            out.push_back(std::move(g));
        }
        return out;
    });
}

group_result postgres_store::acknowledge_group(const std::string& hub, const std::vector<std::string>& ids,
                                               const std::string& user, time_point now) {
    return write([&](tx& t) {
        group_result out;
        const auto detail = fmt::format("with its home's group ({} alerts of {})", ids.size(), hub);
        for (const auto& id : ids) {
            if (t.text_of("SELECT hub FROM alerts WHERE id = $1 AND state = 'raised' FOR UPDATE", id) != hub)
                out.skipped.emplace_back(id, "not a raised alert of this hub");
            else if (do_acknowledge(t, id, user, detail, now))
                out.done.push_back(id);
            else
                out.skipped.emplace_back(id, "already acknowledged or resolved");
        }
        return std::pair(std::move(out), true);
    });
}

group_result postgres_store::resolve_group(const std::string& hub, const std::vector<std::string>& ids,
                                           const std::string& user, const std::string& outcome,
                                           const std::string& note, time_point now) {
    return write([&](tx& t) {
        group_result out;
        const auto detail = fmt::format("with its home's group ({} alerts of {})", ids.size(), hub);
        for (const auto& id : ids) {
            if (t.text_of("SELECT hub FROM alerts WHERE id = $1 AND state = 'raised' FOR UPDATE", id) !=
                hub) {
                out.skipped.emplace_back(id, "not a raised alert of this hub");
                continue;
            }
            auto cur = status_of(t, id);
            if (cur == "resolved") {
                out.skipped.emplace_back(id, "already resolved");
                continue;
            }
            if (cur == "open") do_acknowledge(t, id, user, detail, now);
            auto full = note.empty() ? detail : fmt::format("{} ({})", note, detail);
            do_resolve(t, id, user, outcome, full, now);
            add_audit(t, user, "resolve", id, fmt::format("{}: {}", outcome, full), now);
            out.done.push_back(id);
        }
        return std::pair(std::move(out), true);
    });
}

change_result postgres_store::add_note(const std::string& id, const std::string& user,
                                       const std::string& note, time_point now) {
    return write([&](tx& t) {
        if (!status_of(t, id)) return std::pair(change_result::not_found, false);
        add_history(t, id, now, "note", user, note);
        add_audit(t, user, "note", id, note, now);
        return std::pair(change_result::ok, true);
    });
}

change_result postgres_store::hold(const std::string& id, const std::string& user, time_point until,
                                   const std::string& note, time_point now) {
    return write([&](tx& t) {
        auto cur = status_of(t, id);
        if (!cur) return std::pair(change_result::not_found, false);
        if (*cur == "resolved" || raised_state(t, id) != "raised")
            return std::pair(change_result::conflict, false);
        if (*cur == "open") do_acknowledge(t, id, user, "", now);
        t.run("UPDATE alerts SET held_until_ms = $1, held_by = $2 WHERE id = $3", until, user, id);
        auto detail = fmt::format("call back at {}{}{}", format_time(until), note.empty() ? "" : ": ", note);
        add_history(t, id, now, "held", user, detail);
        add_audit(t, user, "hold", id, detail, now);
        return std::pair(change_result::ok, true);
    });
}

change_result postgres_store::refer_to_supervisor(const std::string& id, const std::string& user,
                                                  const std::string& reason, time_point now) {
    return write([&](tx& t) {
        if (!status_of(t, id)) return std::pair(change_result::not_found, false);
        if (t.changes("UPDATE alerts SET supervisor_ms = $1, supervisor_by = $2 WHERE id = $3 AND status != "
                      "'resolved' AND supervisor_ms IS NULL",
                      now, user, id) == 0)
            return std::pair(change_result::conflict, false);
        add_history(t, id, now, "supervisor", user, reason);
        add_audit(t, user, "escalate_to_supervisor", id, reason, now);
        return std::pair(change_result::ok, true);
    });
}

change_result postgres_store::add_call_entry(const std::string& id, const std::string& user,
                                             const std::string& action, const std::string& detail,
                                             time_point now) {
    return write([&](tx& t) {
        if (!status_of(t, id)) return std::pair(change_result::not_found, false);
        add_history(t, id, now, action.c_str(), user, detail);
        add_audit(t, user, action, id, detail, now);
        return std::pair(change_result::ok, true);
    });
}

std::int64_t postgres_store::add_handover(const std::string& user, const std::string& note, time_point now) {
    return write([&](tx& t) {
        auto id =
            *t.int64_of("INSERT INTO handover_notes(at_ms, user_name, note) VALUES ($1, $2, $3) RETURNING id",
                        now, user, note);
        add_audit(t, user, "handover", std::to_string(id), note, now);
        return std::pair(id, true);
    });
}

std::vector<handover_note> postgres_store::handovers(int limit) {
    return read([&](tx& t) {
        std::vector<handover_note> out;
        for (const auto& r :
             t.run("SELECT id, at_ms, user_name, note FROM handover_notes ORDER BY id DESC LIMIT $1", limit))
            out.push_back({int64(r, 0), time(r, 1), text(r, 2), text(r, 3)});
        return out;
    });
}

}  // namespace warden::centre::postgres_backend
