#pragma once
/// The hub daemon: owns the io_context, the signal handling, the home broker session, the sensor
/// router, the rule engine, the store and the uplink, and moves every message through them:
///
///   home broker -> sensors::router -> alerts::engine -> store (one transaction per batch) -> uplink
///
/// Everything runs on one io_context thread; Paho's threads only post to it.

#include <memory>

#include "warden/config/hub_config.hpp"

namespace spdlog {
class logger;
}

namespace warden::hub {

/// The version the hub reports in its heartbeat and local state.
const char* version() noexcept;

/// Thread rules: construct and run() on one thread.
class hub {
public:
    /// Opens the store (applying migrations), restores the rule state and prepares both MQTT
    /// sessions. Throws std::runtime_error (with the cause) if the store cannot be opened or the
    /// timezone is unknown; nothing is connected yet.
    hub(config::hub_config cfg, std::shared_ptr<spdlog::logger> log);
    ~hub();
    hub(const hub&) = delete;
    hub& operator=(const hub&) = delete;

    /// Runs until SIGTERM or SIGINT, then finishes the open transaction, says offline to the centre,
    /// disconnects and returns 0.
    int run();

private:
    struct impl;
    std::unique_ptr<impl> impl_;
};

}  // namespace warden::hub
