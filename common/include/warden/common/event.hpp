#pragma once
/// Normalised sensor input: what the adapters produce and the rule engine consumes.

#include <optional>
#include <string>
#include <string_view>
#include <variant>

#include "warden/common/kinds.hpp"
#include "warden/common/time.hpp"

namespace warden {

/// What a sensor's primary attribute says, independent of the source's wording.
/// active: pressed/occupied/open/wet/smoke/motion/mains on; inactive: the opposite;
/// none: the message carried no primary state (a battery or link report only).
enum class signal { none, active, inactive };

/// One message from one configured sensor, normalised. Value type.
struct sensor_event {
    std::string sensor;  ///< configured sensor id
    sensor_kind kind = sensor_kind::motion;
    warden::signal signal = signal::none;
    std::optional<double> value;  ///< numeric reading of the sensor's attribute (temperature, ...)
    std::optional<int> battery;   ///< percent
    std::optional<bool> battery_low;
    std::optional<bool> tamper;
    std::optional<bool> test;  ///< the device's test button or self test is on (smoke test:true)
    std::optional<int> link;   ///< link quality / RSSI as the source reports it
    time_point at{};           ///< when the hub received it

    bool operator==(const sensor_event&) const = default;
};

/// A configured sensor going online or offline (availability topic, LWT, status topic).
struct availability_change {
    std::string sensor;
    bool online = true;
    time_point at{};
    bool operator==(const availability_change&) const = default;
};

/// A bridge (zigbee2mqtt's bridge/state) going online or offline; `bridge` is its base topic.
struct bridge_change {
    std::string bridge;
    bool online = true;
    time_point at{};
    bool operator==(const bridge_change&) const = default;
};

using sensor_input = std::variant<sensor_event, availability_change, bridge_change>;

/// The word a technician or a `due` rule uses for a signal of a kind:
/// door active="open"/inactive="closed", bed/chair "occupied"/"vacant", motion "active"/"clear",
/// pendant/pull_cord/button/fall "press", flood/enuresis "wet"/"dry", smoke/heat/co/gas "alarm"/"clear",
/// power "on"/"off", temperature "value".
std::string_view signal_name(sensor_kind kind, signal s) noexcept;

/// Reads an event word for a kind: the kind's own words above, or the generic "active"/"inactive".
std::optional<signal> parse_signal_name(sensor_kind kind, std::string_view word) noexcept;

}  // namespace warden
