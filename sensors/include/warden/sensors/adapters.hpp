#pragma once
/// Sensor adapters: (topic, payload) from the home broker -> normalised sensor inputs.
/// One adapter per source (zigbee2mqtt, tasmota, esphome, shelly gen1/gen2, json).
/// Pure: no I/O, no logging; a bad payload is a counted result, never an exception or an alarm.

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "warden/common/event.hpp"
#include "warden/config/hub_config.hpp"

namespace warden::sensors {

/// Payloads larger than this are dropped unread.
inline constexpr std::size_t max_payload_bytes = 64 * 1024;

/// Why a message produced nothing.
enum class drop_reason { none, unknown_topic, oversized, malformed, wrong_type, unexpected };
/// The reason's name as counted and logged ("wrong_type").
std::string_view to_string(drop_reason r) noexcept;

struct decode_result {
    std::vector<sensor_input> inputs;  ///< empty when dropped or when the message carries nothing we use
    drop_reason dropped = drop_reason::none;
    std::string detail;  ///< short reason for the (rate-limited) log; never the payload itself
    // When `dropped` is none but `detail` is set, a secondary attribute (battery, link, tamper) had the
    // wrong type: it was ignored, the rest was used, and stats().wrong_type counted it.
};

/// Counters of what was decoded and dropped, for the local state topic and the heartbeat.
struct decode_stats {
    std::uint64_t messages = 0, inputs = 0, unknown_topic = 0, oversized = 0, malformed = 0, wrong_type = 0,
                  unexpected = 0;
};

/// Routes home-broker messages to the adapter of the configured sensor they belong to.
/// Thread rules: not thread-safe; call from one thread (the hub's io_context).
class router {
public:
    explicit router(const std::vector<config::sensor_spec>& sensors);
    ~router();
    router(router&&) noexcept;
    router& operator=(router&&) noexcept;

    /// MQTT topic filters to subscribe to (deduplicated), e.g. "zigbee2mqtt/pendant",
    /// "zigbee2mqtt/pendant/availability", "zigbee2mqtt/bridge/state", "tele/tasmota_1/LWT".
    std::vector<std::string> subscriptions() const;

    /// Decodes one message received at `at`. Never throws.
    /// `retained`: the broker's stored copy, sent because we (re)subscribed. It tells a sensor's state
    /// and health, but a press in it is old news (it may be days old, and comes again at every
    /// restart): for momentary kinds (pendant, fall, ...) it raises nothing. A press made while the
    /// hub was away still arrives, queued in the hub's persistent session, without the flag.
    decode_result decode(std::string_view topic, std::string_view payload, time_point at,
                         bool retained = false);

    const decode_stats& stats() const noexcept { return stats_; }

    /// The last level seen of each momentary sensor that reports one (zigbee2mqtt `"sos":true`,
    /// Tasmota `Switch1` ON), by sensor id: true = the press is latched and already counted. A level
    /// presses only when it rises, so this memory must outlive a restart, or the first report after it
    /// still carrying the cached `"sos":true` (a battery report) would count as a new press. The hub
    /// saves it with the rule state, in the same transaction, and gives it back with restore_levels().
    std::map<std::string, bool> levels() const;
    /// Restores what levels() returned (at start, before any decode). Unknown sensor ids are ignored.
    void restore_levels(const std::map<std::string, bool>& levels);

    /// The last press counter seen of each sensor whose device counts its presses (Shelly gen1
    /// `event_cnt`), by sensor id. A press is a new count; gen1 re-publishes its last event with every
    /// status update, so this memory must outlive a restart too, or the first re-publish after it
    /// would count as a new press. Saved and restored like levels().
    std::map<std::string, double> counters() const;
    /// Restores what counters() returned (at start, before any decode). Unknown sensor ids are ignored.
    void restore_counters(const std::map<std::string, double>& counters);

private:
    struct impl;
    std::unique_ptr<impl> impl_;
    decode_stats stats_;
};

/// The default silence after which a sensor counts as offline when `report_every` is not set:
/// zigbee2mqtt 25h, tasmota 1h (telemetry period + margin), shelly 25h; esphome none (states are
/// published on change only; its `<prefix>/status` last will reports a dead device), json none.
std::optional<milliseconds> default_report_every(config::source_type source);

/// A realistic payload for a sensor in its own source's format, for `warden-ctl simulate` and tests:
/// returns (topic, payload) pairs. `event` is a signal word ("press", "open", "occupied", "wet", ...),
/// "battery-low", "tamper", "offline", "online", or "<attribute>=<number>" ("temperature=8.5").
/// Throws std::invalid_argument for an event the kind cannot have.
std::vector<std::pair<std::string, std::string>> simulate_payload(const config::sensor_spec& sensor,
                                                                  std::string_view event);

}  // namespace warden::sensors
