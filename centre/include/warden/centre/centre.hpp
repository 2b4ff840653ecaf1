#pragma once
/// The whole centre on one io_context: store, MQTT ingest, hub supervision, HTTP API and console.

#include <chrono>
#include <memory>
#include <optional>

#include "warden/config/centre_config.hpp"

namespace spdlog {
class logger;
}

namespace warden::centre {

/// Seams for tests; the defaults are what warden-centre runs with.
struct centre_test_options {
    /// Hubs' activity summaries cover this period instead of an hour (warden-centre's hidden
    /// --test-activity-period, for hubs run with the same option).
    std::optional<std::chrono::milliseconds> activity_period;
};

/// Runs the centre until SIGINT or SIGTERM, then shuts down cleanly. Returns the process exit code
/// (0 after a clean shutdown). Throws std::runtime_error / store_error if it cannot start (database,
/// listen address).
int run_centre(const config::centre_config& cfg, std::shared_ptr<spdlog::logger> log,
               const centre_test_options& test = {});

/// The console folder built into this binary (the source tree's centre/web).
const char* default_web_root() noexcept;

}  // namespace warden::centre
