// The PostgreSQL backend's stats_store: figures for /metrics.
#include "postgres_store.hpp"

namespace warden::centre::postgres_backend {

std::vector<answer_time> postgres_store::answer_times(time_point since) {
    return read([&](tx& t) {
        // Only alerts an operator must answer: not test alarms (low), and not those the centre resolved
        // itself before anyone answered (a hub_offline whose hub came back).
        std::vector<answer_time> out;
        for (const auto& row : t.run("SELECT priority, received_ms, acknowledged_ms, CASE WHEN resolved_by = "
                                     "'system' THEN NULL ELSE "
                                     "resolved_ms END FROM alerts WHERE state = 'raised' AND received_ms >= "
                                     "$1 AND priority != $2 AND "
                                     "NOT (coalesce(resolved_by, '') = 'system' AND acknowledged_ms IS NULL) "
                                     "ORDER BY received_ms, "
                                     "rowid",
                                     since, static_cast<int>(priority::low))) {
            // An alert resolved without a separate acknowledge was answered when it was resolved.
            auto answered = opt_time(row, 2);
            if (!answered) answered = opt_time(row, 3);
            out.push_back(
                {std::string(to_string(static_cast<priority>(int64(row, 0)))), time(row, 1), answered});
        }
        return out;
    });
}

std::vector<alert_count> postgres_store::alert_counts() {
    return read([&](tx& t) {
        std::vector<alert_count> out;
        for (const auto& row :
             t.run("SELECT status, priority, COUNT(*) FROM alerts WHERE state = 'raised' GROUP BY "
                   "status, priority ORDER BY status, priority"))
            out.push_back({parse_alert_status(text(row, 0)).value_or(alert_status::open),
                           static_cast<priority>(int64(row, 1)), int64(row, 2)});
        return out;
    });
}

}  // namespace warden::centre::postgres_backend
