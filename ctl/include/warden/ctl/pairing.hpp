#pragma once
/// `warden-ctl pair`: which device on the home broker is the one being paired. Pure: feed it the
/// home broker's messages, read the candidate. Not thread-safe.
///
/// A device that was already there must not become the new sensor just because it happened to speak:
/// an unconfigured plug reporting its power, or a device of a neighbour's. So:
/// - every device heard during a short warm-up, and every device zigbee2mqtt's bridge/devices listed
///   by then, is old and ignored unless it joins again (bridge/event device_joined / interview);
/// - a device is only a candidate once it sends something a sensor of the requested kind reports, as
///   the hub would decode it (a pendant's press, a door's contact, a thermometer's temperature);
/// - a device the technician turned down is ignored from then on.

#include <optional>
#include <set>
#include <string>
#include <string_view>

#include "warden/common/kinds.hpp"
#include "warden/common/time.hpp"
#include "warden/config/hub_config.hpp"
#include "warden/ctl/discovery.hpp"

namespace warden::ctl {

/// Why a message does not look like it comes from a sensor of `kind` on `source`: empty if the hub
/// would read a state or a reading from it for such a sensor on `device_topic`, else e.g.
/// "carries nothing a pendant reports (no press)". Never throws.
std::string kind_mismatch(sensor_kind kind, config::source_type source, std::string_view device_topic,
                          std::string_view topic, std::string_view payload);

/// The device proposed to the technician.
struct pair_candidate {
    device dev;           ///< as discovery saw it (topic, source, model, ...)
    std::string how;      ///< "joined (device_joined), then spoke on zigbee2mqtt/0x..", "spoke on ..."
    std::string topic;    ///< the message that made it a candidate
    std::string payload;  ///< its payload
};

class pairing {
public:
    /// For a new sensor of `kind`. Starts in the warm-up.
    pairing(const config::hub_config& cfg, sensor_kind kind);

    /// Ends the warm-up: from now on only new devices (or devices that join again) count.
    void end_warm_up();
    bool warming_up() const noexcept { return warming_up_; }

    /// What one message did.
    struct step {
        std::optional<pair_candidate> candidate;  ///< a new device that looks like the kind
        std::string note;                         ///< something to tell the technician (may be empty)
    };
    /// Takes one message received at `at`. Never throws.
    step add(std::string_view topic, std::string_view payload, time_point at, bool retained);

    /// The technician turned this device down: ignore it from now on.
    void reject(const std::string& device_topic);

    /// Devices that joined (zigbee2mqtt) but have not yet sent anything the kind reports.
    std::vector<std::string> joined_but_unconfirmed() const;

    const discovery& devices() const noexcept { return found_; }

private:
    sensor_kind kind_;
    discovery found_;
    bool warming_up_ = true;
    std::set<std::string> old_;       ///< there before pairing started
    std::set<std::string> joined_;    ///< joined (again) while we listened
    std::set<std::string> rejected_;  ///< turned down by the technician
    std::set<std::string> noted_;     ///< already told the technician why it is not taken
    std::set<std::string> accepted_;  ///< became a candidate
};

}  // namespace warden::ctl
