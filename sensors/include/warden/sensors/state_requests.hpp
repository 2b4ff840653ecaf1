#pragma once
/// What the hub publishes to learn the current state of its sensors after it (re)connects to the home
/// broker, so a lasting condition (flood, smoke, an open door) that began or ended while it was away
/// is seen: zigbee2mqtt `<topic>/get`, Tasmota `cmnd/<t>/Status 10`, Shelly gen2 `Shelly.GetStatus`,
/// Shelly gen1 `command update`. ESPHome publishes its states retained, so it is not asked.
/// The answers arrive on topics the router already subscribes to and decodes (docs/hub.md,
/// "After a restart"). Pure: no I/O, no state; thread-safe.

#include <string>
#include <vector>

#include "warden/config/hub_config.hpp"

namespace warden::sensors {

/// One request: publish `payload` on `topic` (not retained).
struct state_request {
    std::string topic;
    std::string payload;
    bool operator==(const state_request&) const = default;
};

/// The requests for the sensors of lasting kinds (not pendants, pull cords, buttons or fall
/// detectors: a press is not a state to ask for), in config order, each distinct request once
/// (two sensors on one Tasmota device make one request). Never throws for a valid config.
std::vector<state_request> state_requests(const std::vector<config::sensor_spec>& sensors);

}  // namespace warden::sensors
