// The subject-access export (warden/centre/subject_access.hpp).
#include "warden/centre/subject_access.hpp"

#include <algorithm>
#include <climits>
#include <stdexcept>

#include "warden/centre/activity_json.hpp"
#include "warden/centre/json.hpp"
#include "warden/centre/records_json.hpp"

namespace warden::centre {

nlohmann::json subject_access(store& db, std::int64_t id, time_point now) {
    auto h = db.get_household(id);
    if (!h) throw std::out_of_range("no household " + std::to_string(id));
    if (h->sealed) throw records_locked();
    nlohmann::json hubs = nlohmann::json::array(), alerts = nlohmann::json::array();
    for (const auto& hub : h->hubs) {
        if (auto r = db.get_hub(hub)) hubs.push_back(to_json(*r));
        alert_query q;
        q.state = "all";
        q.hub = hub;
        q.limit = INT_MAX;
        for (const auto& a : db.list_alerts(q)) {
            auto j = to_json(a);
            j["history"] = nlohmann::json::array();
            for (const auto& e : db.history(a.a.id)) j["history"].push_back(to_json(e));
            alerts.push_back(std::move(j));
        }
    }
    // The hourly activity summaries stored with the household (docs/activity.md), oldest first.
    nlohmann::json activity = nlohmann::json::array();
    for (const auto& a : db.household_activity(id, time_point{}, time_point::max()))
        activity.push_back(to_json(a));
    nlohmann::json audit = nlohmann::json::array();
    auto rows = db.list_audit(INT_MAX);
    std::reverse(rows.begin(), rows.end());
    const auto target = std::to_string(id);
    for (const auto& e : rows)
        if (e.target == target && (e.action.starts_with("household") || e.action.starts_with("caseload") ||
                                   e.action.starts_with("key_safe") || e.action.starts_with("activity")))
            audit.push_back(to_json(e));
    return {{"household", to_json(*h, true)}, {"hubs", std::move(hubs)},
            {"alerts", std::move(alerts)},    {"activity", std::move(activity)},
            {"audit", std::move(audit)},      {"exported_at", format_time(now)}};
}

}  // namespace warden::centre
