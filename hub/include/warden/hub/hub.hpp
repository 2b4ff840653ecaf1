#pragma once
/// The hub daemon: owns the io_context, the signal handling, the home broker session, the sensor
/// router, the rule engine, the store and the uplink, and moves every message through them:
///
///   home broker -> sensors::router -> alerts::engine -> store (one transaction per batch) -> uplink
///
/// Everything runs on one io_context thread; Paho's threads only post to it.

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>

#include "warden/config/hub_config.hpp"

namespace spdlog {
class logger;
}

namespace warden::hub {

/// The version the hub reports in its heartbeat and local state.
const char* version() noexcept;

/// Seams for tests; the defaults are what warden-hub runs with.
struct hub_options {
    /// Fault injection: limits the database to this many pages (a tiny value makes writes fail
    /// with SQLITE_FULL, as a full disk would).
    std::optional<std::int64_t> store_max_page_count;
    /// Fault injection: asked on the hub's thread before every commit; while it returns true the
    /// database refuses writes (SQLITE_READONLY), as a card gone read-only or failing would.
    std::function<bool()> store_read_only;
    /// Test seam: the activity summaries' period instead of an hour (integration tests see "hours"
    /// end in seconds). warden-hub's hidden --test-activity-period sets it.
    std::optional<std::chrono::milliseconds> activity_period;
    /// Listen for SIGTERM/SIGINT (off when a test runs the hub inside its own process).
    bool handle_signals = true;
};

/// Thread rules: construct and run() on one thread; stop() may be called from any thread.
class hub {
public:
    /// Opens the store (applying migrations), restores the rule state and prepares both MQTT
    /// sessions. Throws std::runtime_error (with the cause) if the store cannot be opened or the
    /// timezone is unknown; nothing is connected yet.
    hub(config::hub_config cfg, std::shared_ptr<spdlog::logger> log, hub_options opts = {});
    ~hub();
    hub(const hub&) = delete;
    hub& operator=(const hub&) = delete;

    /// Runs until SIGTERM or SIGINT, then finishes the open transaction, says offline to the centre,
    /// disconnects and returns 0.
    int run();

    /// Does what SIGTERM does (finish the open transaction, say offline, disconnect); run() then
    /// returns. Thread-safe.
    void stop();

private:
    struct impl;
    std::unique_ptr<impl> impl_;
};

}  // namespace warden::hub
