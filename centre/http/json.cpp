#include "warden/centre/json.hpp"

#include <algorithm>

#include "warden/common/json_depth.hpp"

namespace warden::centre {

namespace {
nlohmann::json opt_time(const std::optional<time_point>& t) {
    return t ? nlohmann::json(format_time(*t)) : nlohmann::json(nullptr);
}
nlohmann::json opt_str(const std::optional<std::string>& s) {
    return s ? nlohmann::json(*s) : nlohmann::json(nullptr);
}
}  // namespace

bool json_within_depth(std::string_view text, int max_depth) noexcept {
    return !json_nests_deeper_than(text, max_depth);
}

nlohmann::json parse_bounded_json(std::string_view text) {
    // nlohmann's lexer takes a NUL byte for the end of input, so "7\0<anything>" would read as 7.
    if (text.find('\0') != std::string_view::npos || !json_within_depth(text))
        return nlohmann::json(nlohmann::json::value_t::discarded);
    return nlohmann::json::parse(text, nullptr, false);
}

nlohmann::json to_json(const stored_alert& a) {
    auto j = warden::to_json(a.a);
    j["status"] = to_string(a.status);
    j["received_at"] = format_time(a.received_at);
    j["acknowledged_at"] = opt_time(a.acknowledged_at);
    j["acknowledged_by"] = opt_str(a.acknowledged_by);
    j["resolved_at"] = opt_time(a.resolved_at);
    j["resolved_by"] = opt_str(a.resolved_by);
    j["outcome"] = opt_str(a.outcome);
    j["note"] = opt_str(a.note);
    j["cleared_at"] = opt_time(a.cleared_at);
    j["folded_into"] = opt_str(a.folded_into);
    j["held_until"] = opt_time(a.held_until);
    j["held_by"] = opt_str(a.held_by);
    j["supervisor_at"] = opt_time(a.supervisor_at);
    j["supervisor_by"] = opt_str(a.supervisor_by);
    return j;
}

nlohmann::json to_json(const queue_group& g) {
    return {{"hub", g.hub},
            {"count", g.count},
            {"untaken", g.untaken},
            {"critical_untaken", g.critical_untaken},
            {"oldest_untaken", opt_time(g.oldest_untaken)},
            {"next_callback", opt_time(g.next_callback)},
            {"top", to_json(g.top)}};
}

nlohmann::json to_json(const history_entry& h) {
    return {{"at", format_time(h.at)}, {"action", h.action}, {"user", h.user}, {"detail", h.detail}};
}

nlohmann::json to_json(const hub_record& h) {
    auto sensors = parse_bounded_json(h.sensors);
    if (sensors.is_discarded()) sensors = nlohmann::json::object();
    return {{"id", h.id},
            {"online", h.online},
            {"last_heartbeat", opt_time(h.last_heartbeat)},
            {"last_seen", opt_time(h.last_seen)},
            {"status", h.status.empty() ? nlohmann::json(nullptr) : nlohmann::json(h.status)},
            {"outbox", h.outbox},
            {"sensors", sensors},
            {"version", h.version},
            {"disabled", h.disabled},
            {"away", h.away ? to_json(*h.away) : nlohmann::json(nullptr)}};
}

nlohmann::json to_json(const audit_entry& e) {
    return {{"id", e.id},         {"at", format_time(e.at)}, {"user", e.user},
            {"action", e.action}, {"target", e.target},      {"detail", e.detail}};
}

nlohmann::json answer_stats(const std::vector<answer_time>& times, time_point now) {
    using std::chrono::seconds;
    std::vector<double> answered;
    std::size_t within_60 = 0, within_180 = 0, late_60 = 0, late_180 = 0;
    for (const auto& t : times) {
        if (!t.acknowledged_at) {
            // Still waiting: a failure only once it can no longer be answered in time.
            late_60 += now - t.received_at > seconds{60};
            late_180 += now - t.received_at > seconds{180};
            continue;
        }
        double s = std::chrono::duration<double>(*t.acknowledged_at - t.received_at).count();
        answered.push_back(s);
        within_60 += s <= 60.0;
        within_180 += s <= 180.0;
    }
    nlohmann::json j{{"alerts", times.size()},
                     {"acknowledged", answered.size()},
                     {"target_60s", 0.975},
                     {"target_180s", 0.99}};
    auto share = [](std::size_t in_time, std::size_t counted) {
        return counted ? nlohmann::json(static_cast<double>(in_time) / static_cast<double>(counted))
                       : nlohmann::json(nullptr);
    };
    j["within_60s"] = share(within_60, answered.size() + late_60);
    j["within_180s"] = share(within_180, answered.size() + late_180);
    if (answered.empty()) {
        j["median_ack_s"] = nullptr;
    } else {
        std::sort(answered.begin(), answered.end());
        auto n = answered.size();
        j["median_ack_s"] = n % 2 ? answered[n / 2] : (answered[n / 2 - 1] + answered[n / 2]) / 2;
    }
    return j;
}

}  // namespace warden::centre
