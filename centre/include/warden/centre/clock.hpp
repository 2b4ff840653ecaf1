#pragma once
/// The centre's one time source (like dc09::receiver_options::clock): session expiry, login throttling,
/// supervision deadlines, ingest's receipt times and latencies, the audit and every stored time read it.
/// run_centre uses the real clocks; tests pass virtual ones and move them, so nothing sleeps.
///
/// Thread rules: called from the io_context's thread and from HTTP worker threads at once; an injected
/// clock must be safe to call from several threads.

#include <chrono>
#include <functional>

#include "warden/common/time.hpp"

namespace warden::centre {

struct centre_clock {
    /// Wall-clock time: stored times, session expiry, the audit, answer figures.
    std::function<time_point()> wall = [] { return now_ms(); };
    /// Monotonic time: supervision deadlines, login throttling, latencies.
    std::function<std::chrono::steady_clock::time_point()> steady = [] {
        return std::chrono::steady_clock::now();
    };
};

}  // namespace warden::centre
