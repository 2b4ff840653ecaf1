#pragma once
/// Per-hub limits at ingest (security issue 12, finding 2): a token bucket of alerts per hub, so that
/// one hub cannot bury every other home's calls (ingest folds the alerts beyond it into one flood
/// alert), and a pacer that reports a repeated event (a disabled hub's refused messages) at most once
/// per interval with a count. Both take the time from the caller, so tests run them in virtual time.
/// Not thread-safe: ingest uses them on the io_context's thread only.

#include <chrono>
#include <cstdint>
#include <map>
#include <string>

namespace warden::centre {

/// How many alerts a hub may send before the rest are folded (centre.toml [ingest]).
struct hub_rate_options {
    double alerts_per_minute = 10;  ///< the rate a hub may keep up
    int burst = 20;                 ///< alerts a hub may send at once (the bucket's size)
};

/// One token bucket per hub, full at first sight.
class hub_rate_limiter {
public:
    using time_point = std::chrono::steady_clock::time_point;
    explicit hub_rate_limiter(hub_rate_options o) : opts_(o) {}
    /// True (a token taken) if `hub` is within its rate at `now`; false if this alert is beyond it.
    bool take(const std::string& hub, time_point now);
    /// Puts back the token an alert took that turned out to be a resend (stored already): a hub that
    /// resends because an ack was lost is not nearer its limit for it. Never beyond the burst.
    void give_back(const std::string& hub);

private:
    struct bucket {
        double tokens = 0;
        time_point last{};
    };
    hub_rate_options opts_;
    std::map<std::string, bucket> buckets_;
};

/// Counts occurrences per key and lets one report through per `every`, carrying the count since the
/// last report: the first occurrence is reported at once, later ones at most once per interval.
class paced_counter {
public:
    using time_point = std::chrono::steady_clock::time_point;
    explicit paced_counter(std::chrono::steady_clock::duration every) : every_(every) {}
    /// Adds `n` occurrences for `key` at `now`. Returns how many to report now (every occurrence since
    /// the previous report), or 0 when the previous report was less than `every` ago.
    std::uint64_t add(const std::string& key, std::uint64_t n, time_point now);

private:
    struct state {
        std::uint64_t held = 0;
        time_point last{};
        bool reported = false;
    };
    std::chrono::steady_clock::duration every_;
    std::map<std::string, state> keys_;
};

}  // namespace warden::centre
