#pragma once
/// The centre's own counters, and the Prometheus text for GET /metrics.

#include <array>
#include <atomic>
#include <cstdint>
#include <mutex>
#include <string>

#include "warden/common/time.hpp"

namespace warden::centre {

class store;

/// Thread-safe counters updated by ingest; figures about stored alerts and hubs come from the store
/// when /metrics is scraped.
class centre_metrics {
public:
    /// Alerts stored (new ids only).
    void ingested(std::uint64_t n) { ingested_ += n; }
    /// Alerts received again and acked again (duplicate ids).
    void duplicates(std::uint64_t n) { duplicates_ += n; }
    /// Alerts whose id the hub had already used for a different alert (stored under a derived id).
    void reused_ids(std::uint64_t n) { reused_ += n; }
    /// Payloads dropped (bad, oversized, spoofed).
    void rejected() { ++rejected_; }
    std::uint64_t rejected_count() const { return rejected_.load(); }
    /// Acks published.
    void acks(std::uint64_t n) { acks_ += n; }
    /// A login's password check (argon2, 64 MiB) starts / ends. Any thread.
    void password_check_started();
    void password_check_finished() { --checks_running_; }
    /// Password checks since start, and the most that ran at once.
    std::uint64_t password_checks() const { return checks_.load(); }
    std::uint64_t password_checks_peak() const { return checks_peak_.load(); }
    /// One alert's time from receipt to its ack being published, in seconds.
    void ack_latency(double seconds);

    /// The Prometheus text exposition (version 0.0.4) at `now`. Reads the store; throws store_error if it
    /// fails.
    std::string render(store& s, std::size_t sse_clients, time_point now);

    static constexpr std::array<double, 12> buckets{0.001, 0.0025, 0.005, 0.01, 0.025, 0.05,
                                                    0.1,   0.25,   0.5,   1.0,  2.5,   5.0};

private:
    std::atomic<std::uint64_t> ingested_{0}, duplicates_{0}, reused_{0}, rejected_{0}, acks_{0};
    std::atomic<std::uint64_t> checks_{0}, checks_running_{0}, checks_peak_{0};
    std::mutex mu_;
    std::array<std::uint64_t, buckets.size()> counts_{};
    std::uint64_t count_ = 0;
    double sum_ = 0;
};

}  // namespace warden::centre
