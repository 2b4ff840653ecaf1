#pragma once
/// Reconciling lasting conditions after a start or a reconnect of the home session (issue 11).
///
/// A flood, smoke or open door that began or ended while the hub was not listening is lost if the
/// device's message was neither retained nor held in the hub's persistent session (a QoS 0 publish, a
/// broker restarted without persistence, a message Paho acknowledged just before a kill -9). So after
/// each (re)connect the hub asks the bridges for the current state (sensors::state_requests). The
/// answers come in on the sensors' own topics and take the normal router -> engine path: the engine
/// sees the current level, raises what is active and not yet raised, clears what is open and now
/// clear, and repeats nothing.
///
/// Thread rules: construct, call and destroy on the io_context's thread.

#include <memory>
#include <vector>

#include <spdlog/logger.h>

#include "warden/config/hub_config.hpp"
#include "warden/mqtt/session.hpp"
#include "warden/sensors/state_requests.hpp"

namespace warden::hub {

class reconcile {
public:
    reconcile(mqtt::session& home, const std::vector<config::sensor_spec>& sensors,
              std::shared_ptr<spdlog::logger> log);
    reconcile(const reconcile&) = delete;
    reconcile& operator=(const reconcile&) = delete;

    /// The home session has (re)connected: publishes each request once (QoS 1, not retained). The
    /// session sends its SUBSCRIBEs before it reports the connection, on the same connection, so the
    /// broker has the subscriptions in place before a request can reach a bridge and be answered.
    void connected();

private:
    mqtt::session& home_;
    std::vector<sensors::state_request> requests_;
    std::shared_ptr<spdlog::logger> log_;
};

}  // namespace warden::hub
