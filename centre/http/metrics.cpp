#include "warden/centre/metrics.hpp"

#include <algorithm>
#include <map>
#include <vector>

#include <fmt/format.h>

#include "warden/centre/store.hpp"

namespace warden::centre {

void centre_metrics::ack_latency(double seconds) {
    std::lock_guard lock(mu_);
    for (std::size_t i = 0; i < buckets.size(); ++i)
        if (seconds <= buckets[i]) ++counts_[i];
    ++count_;
    sum_ += seconds;
}

namespace {

double quantile(const std::vector<double>& sorted, double q) {
    if (sorted.empty()) return 0;
    auto idx = static_cast<std::size_t>(q * static_cast<double>(sorted.size() - 1) + 0.5);
    return sorted[std::min(idx, sorted.size() - 1)];
}

}  // namespace

void centre_metrics::password_check_started() {
    ++checks_;
    auto now = ++checks_running_;
    auto peak = checks_peak_.load();
    while (now > peak && !checks_peak_.compare_exchange_weak(peak, now)) {
    }
}

std::string centre_metrics::render(store& s, std::size_t sse_clients, time_point now) {
    std::string out;
    auto line = [&out]<class... A>(fmt::format_string<A...> f, A&&... args) {
        fmt::format_to(std::back_inserter(out), f, std::forward<A>(args)...);
    };

    line("# HELP warden_alerts Raised alerts in the store by operator status and priority.\n");
    line("# TYPE warden_alerts gauge\n");
    std::map<std::pair<std::string, std::string>, std::int64_t> by;
    for (auto st : {alert_status::open, alert_status::acknowledged, alert_status::resolved})
        for (auto p : {priority::critical, priority::high, priority::normal, priority::low})
            by[{std::string(to_string(st)), std::string(to_string(p))}] = 0;
    for (const auto& c : s.alert_counts())
        by[{std::string(to_string(c.status)), std::string(to_string(c.prio))}] += c.count;
    for (const auto& [k, v] : by)
        line("warden_alerts{{state=\"{}\",priority=\"{}\"}} {}\n", k.first, k.second, v);

    line("# HELP warden_alerts_ingested_total Alerts received from hubs and stored (new ids).\n");
    line("# TYPE warden_alerts_ingested_total counter\nwarden_alerts_ingested_total {}\n", ingested_.load());
    line("# HELP warden_alerts_duplicate_total Alerts received again (already stored) and acked again.\n");
    line("# TYPE warden_alerts_duplicate_total counter\nwarden_alerts_duplicate_total {}\n",
         duplicates_.load());
    line(
        "# HELP warden_alert_ids_reused_total Alerts whose id their hub had already used for a different "
        "alert (hub storage reset?), stored under <id>.r<n>.\n");
    line("# TYPE warden_alert_ids_reused_total counter\nwarden_alert_ids_reused_total {}\n", reused_.load());
    line("# HELP warden_login_password_checks_total Login passwords checked (argon2id).\n");
    line("# TYPE warden_login_password_checks_total counter\nwarden_login_password_checks_total {}\n",
         checks_.load());
    line("# HELP warden_payloads_rejected_total MQTT payloads dropped as invalid, oversized or spoofed.\n");
    line("# TYPE warden_payloads_rejected_total counter\nwarden_payloads_rejected_total {}\n",
         rejected_.load());
    line("# HELP warden_acks_published_total Ack messages published to hubs.\n");
    line("# TYPE warden_acks_published_total counter\nwarden_acks_published_total {}\n", acks_.load());

    line("# HELP warden_ack_latency_seconds Time from an alert's receipt to its ack being published.\n");
    line("# TYPE warden_ack_latency_seconds histogram\n");
    {
        std::lock_guard lock(mu_);
        for (std::size_t i = 0; i < buckets.size(); ++i)
            line("warden_ack_latency_seconds_bucket{{le=\"{}\"}} {}\n", buckets[i], counts_[i]);
        line("warden_ack_latency_seconds_bucket{{le=\"+Inf\"}} {}\n", count_);
        line("warden_ack_latency_seconds_sum {}\nwarden_ack_latency_seconds_count {}\n", sum_, count_);
    }

    std::int64_t online = 0, offline = 0;
    for (const auto& h : s.list_hubs()) (h.online ? online : offline)++;
    line("# HELP warden_hubs Hubs known to the centre by supervision state.\n# TYPE warden_hubs gauge\n");
    line("warden_hubs{{state=\"online\"}} {}\nwarden_hubs{{state=\"offline\"}} {}\n", online, offline);

    // Time to acknowledge over the last 24 hours, as a summary computed from the store.
    std::vector<double> answered;
    for (const auto& t : s.answer_times(now - std::chrono::hours{24}))
        if (t.acknowledged_at)
            answered.push_back(std::chrono::duration<double>(*t.acknowledged_at - t.received_at).count());
    std::sort(answered.begin(), answered.end());
    double total = 0;
    for (double d : answered) total += d;
    line(
        "# HELP warden_time_to_acknowledge_seconds Receipt to operator answer, last 24 hours, over the "
        "alerts an operator must answer (not low priority, not resolved by the centre itself).\n");
    line("# TYPE warden_time_to_acknowledge_seconds summary\n");
    for (double q : {0.5, 0.9, 0.975, 0.99})
        line("warden_time_to_acknowledge_seconds{{quantile=\"{}\"}} {}\n", q, quantile(answered, q));
    line("warden_time_to_acknowledge_seconds_sum {}\nwarden_time_to_acknowledge_seconds_count {}\n", total,
         answered.size());

    line("# HELP warden_sse_clients Console event streams open.\n# TYPE warden_sse_clients gauge\n");
    line("warden_sse_clients {}\n", sse_clients);
    return out;
}

}  // namespace warden::centre
