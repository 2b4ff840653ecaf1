#pragma once
/// How each sensor source lays out its topics, as `warden-ctl devices` and `pair` need to know it:
/// which filters cover a source's devices, and what one message on the home broker says about which
/// device. Each source defines this beside its routes, decoding and simulation (sensors/src/<source>.cpp);
/// the router uses the rest of the same descriptor. Pure: no I/O, no state.

#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "warden/config/hub_config.hpp"

namespace warden::sensors {

/// One device named in a bridge's device list (zigbee2mqtt bridge/devices).
struct listed_device {
    std::string topic;                 ///< what a `[[sensor]]` block's topic would be
    std::string name;                  ///< the name the bridge gives it
    std::optional<std::string> model;  ///< "vendor model", when the list says
};

/// What one home-broker message says about a device of a source.
struct device_sighting {
    enum class what {
        ignored,       ///< the source's own topic, but nothing about a device (a command, bridge/info)
        device,        ///< about the device (availability, battery, link) but not its state
        state,         ///< a state message of the device
        joined,        ///< a bridge event naming a device (join, interview, announce)
        listing,       ///< a bridge's list of its devices (`listed`)
        group_online,  ///< availability of every device in `group` (ESPHome's <prefix>/status)
    };
    what kind = what::ignored;
    std::string device_topic;  ///< what a `[[sensor]]` block's topic would be
    std::string name;          ///< friendly name / device id as the source calls it
    std::string group;         ///< devices that share one availability topic (ESPHome prefix), or empty
    std::optional<bool> online;
    std::optional<int> battery;
    std::optional<int> link;  ///< linkquality (zigbee) or signal (wifi)
    std::optional<std::string> model;
    std::string detail;     ///< joined: "device_joined", "interview successful: Aqara MCCGQ11LM"
    bool announce = false;  ///< joined: only re-announced (a known device woke up), not new
    std::vector<listed_device> listed;
};

/// A source's topic layout for discovery. All functions are plain and thread-safe.
struct source_discovery {
    config::source_type source;
    /// Filters that cover every device of the source, given the configured sensors (zigbee2mqtt
    /// adds the base topic of each configured bridge).
    std::vector<std::string> (*filters)(const std::vector<config::sensor_spec>& sensors);
    /// Extra filters one configured sensor of this source needs (its own topic, where the
    /// source-wide filters cannot cover it).
    std::vector<std::string> (*sensor_filters)(const config::sensor_spec& sensor);
    /// What a message says, or nullopt if the topic is not laid out as this source's.
    std::optional<device_sighting> (*recognise)(std::string_view topic, std::string_view payload,
                                                const std::vector<config::sensor_spec>& sensors);
};

/// Every source's discovery, in the order a message is offered to them: the first that recognises
/// its topic owns it (a configured json topic first; tasmota's tele/<t>/<x> before ESPHome's
/// <prefix>/status; Shelly's shellies/... and <id>/online before ESPHome).
std::span<const source_discovery* const> source_discoveries() noexcept;

}  // namespace warden::sensors
