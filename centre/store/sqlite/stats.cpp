// The SQLite backend's stats_store: figures for /metrics.
#include "sqlite_store.hpp"

namespace warden::centre::sqlite_backend {

using sqlite::statement;

std::vector<answer_time> sqlite_store::answer_times(time_point since) {
    auto r = reader();
    // Only alerts an operator must answer: not test alarms (low), and not those the centre resolved
    // itself before anyone answered (a hub_offline whose hub came back).
    auto& s = r->prepare(
        "SELECT priority, received_ms, acknowledged_ms, CASE WHEN resolved_by = 'system' THEN NULL ELSE "
        "resolved_ms END FROM alerts WHERE state = 'raised' AND received_ms >= ?1 AND priority != ?2 AND "
        "NOT (ifnull(resolved_by, '') = 'system' AND acknowledged_ms IS NULL) ORDER BY received_ms");
    return ok(s.bind(since, static_cast<int>(priority::low)).all([](const statement& row) {
        // An alert resolved without a separate acknowledge was answered when it was resolved.
        auto answered = row.opt_time(2);
        if (!answered) answered = row.opt_time(3);
        return answer_time{std::string(to_string(static_cast<priority>(row.int64(0)))), row.time(1),
                           answered};
    }));
}

std::vector<alert_count> sqlite_store::alert_counts() {
    auto r = reader();
    auto& s = r->prepare(
        "SELECT status, priority, COUNT(*) FROM alerts WHERE state = 'raised' GROUP BY status, priority");
    return ok(s.bind().all([](const statement& row) {
        return alert_count{parse_alert_status(row.text(0)).value_or(alert_status::open),
                           static_cast<priority>(row.int64(1)), row.int64(2)};
    }));
}

}  // namespace warden::centre::sqlite_backend
