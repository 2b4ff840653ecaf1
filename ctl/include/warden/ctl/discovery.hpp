#pragma once
/// What `warden-ctl devices` and `pair` see on the home broker: every device of a known source
/// (zigbee2mqtt, tasmota, esphome, shelly gen1/gen2), built from the messages it publishes, and
/// matched against the configured sensors. Pure: feed it messages, read the table.

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "warden/common/time.hpp"
#include "warden/config/hub_config.hpp"

namespace warden::sensors {
struct device_sighting;
}

namespace warden::ctl {

/// The MQTT filters that cover every known source (each source's own, see warden/sensors/sources.hpp),
/// plus those configured sensors need ("zigbee2mqtt" plus any base a configured sensor uses).
std::vector<std::string> discovery_subscriptions(const config::hub_config& cfg);

/// One device as seen on the broker. `topic` is what a `[[sensor]]` block's `topic` would be.
struct device {
    std::string topic;  ///< zigbee2mqtt/<name>, tasmota device topic, esphome entity topic, shelly id
    config::source_type source = config::source_type::zigbee2mqtt;
    std::string name;                  ///< friendly name / device id as the source calls it
    std::string model;                 ///< from zigbee2mqtt's bridge/devices, if known
    std::vector<std::string> sensors;  ///< configured sensor ids using this topic (empty: not configured)
    std::optional<std::string> last_payload;
    std::optional<time_point> last_seen;
    std::optional<int> battery;
    std::optional<int> link;  ///< linkquality (zigbee) or RSSI (wifi)
    std::optional<bool> online;
    bool listed = false;  ///< named in bridge/devices (zigbee2mqtt)
    bool spoke = false;   ///< published a state message while we listened
};

/// A device announced by a bridge event: zigbee2mqtt bridge/event device_joined / device_interview.
struct join_event {
    std::string topic;
    std::string name;
    std::string detail;  ///< e.g. "device_joined" or "interview successful: Aqara MCCGQ11LM"
};

/// Builds the device table from home-broker messages. Not thread-safe.
class discovery {
public:
    explicit discovery(const config::hub_config& cfg);

    /// What one message told us.
    struct seen {
        std::optional<std::string> device_topic;  ///< the device it belongs to, if any
        bool state_message = false;        ///< a sensor state message (not availability or a bridge list)
        std::optional<join_event> joined;  ///< a zigbee2mqtt join/interview event
    };

    /// Takes one message received at `at`. Unknown topics are ignored. Never throws.
    seen add(std::string_view topic, std::string_view payload, time_point at, bool retained);

    /// Every device (configured ones first, then by topic), including configured sensors not seen at
    /// all (marked by no last_seen and listed=false).
    std::vector<device> devices() const;
    /// The device for a topic, if known.
    const device* find(std::string_view topic) const;
    /// True if some configured sensor uses this device topic.
    bool configured(std::string_view device_topic) const;

private:
    device& entry(const std::string& topic, config::source_type source, std::string_view name);
    seen apply(config::source_type source, const sensors::device_sighting& s, std::string_view payload,
               time_point at, bool retained);
    std::vector<config::sensor_spec> sensors_;
    std::map<std::string, std::vector<std::string>> configured_;  ///< device topic -> sensor ids
    std::map<std::string, config::source_type> configured_source_;
    std::map<std::string, device> devices_;
    /// Devices that share one availability topic (ESPHome entities of one prefix): group -> topics.
    std::map<std::string, std::vector<std::string>> group_entities_;
    std::map<std::string, bool> group_online_;
};

/// Cuts a payload to at most `max` bytes for display, adding "..." when cut.
std::string truncate_payload(std::string_view payload, std::size_t max = 60);

}  // namespace warden::ctl
