#pragma once
/// The hub's configuration (SPEC 2.1) as plain values, and its loader.
/// Loading validates everything before anything starts; see load_hub_config.

#include <chrono>
#include <map>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include "warden/common/kinds.hpp"
#include "warden/common/time.hpp"

namespace warden::config {

enum class source_type { zigbee2mqtt, tasmota, esphome, shelly, json };
std::string_view to_string(source_type s) noexcept;
std::optional<source_type> parse_source_type(std::string_view name) noexcept;

/// Where in the config file an item came from, for error messages.
struct position {
    std::string file;
    int line = 0;
    int column = 0;
    bool operator==(const position&) const = default;
};

/// One `[[sensor]]`.
struct sensor_spec {
    std::string id;
    sensor_kind kind = sensor_kind::motion;
    source_type source = source_type::zigbee2mqtt;
    std::string topic;
    std::string location;
    std::optional<milliseconds> report_every;  ///< silent longer than this = offline; nullopt: source default
    std::optional<std::string> field;   ///< dotted path to the primary attribute; nullopt: per-source default
    std::optional<std::string> active;  ///< json source: the value meaning active ("ON", "true", ...)
    std::optional<double> threshold;    ///< json source, numeric kinds: value >= threshold is active
    bool cancel_button = false;         ///< a press cancels a pending pre-alarm (kind button)
    bool away_button = false;           ///< a press toggles away mode (kind button)
    position pos;
    /// Where each key's value was written, by key ("topic", "report_every"), for warnings.
    std::map<std::string, position, std::less<>> key_pos;
    bool operator==(const sensor_spec&) const = default;
};

enum class rule_type { inactivity, out_of_bed, exit, due, threshold };
std::string_view to_string(rule_type t) noexcept;
std::optional<rule_type> parse_rule_type(std::string_view name) noexcept;

/// One `[[rule]]`; which fields are used depends on `type` (SPEC 2.3). Validated on load.
struct rule_spec {
    std::string id;
    rule_type type = rule_type::inactivity;
    std::vector<time_window> windows;       ///< empty = always
    std::optional<priority> prio;           ///< nullopt = high
    std::vector<std::string> sensors;       ///< inactivity/due: empty = all activity sensors
    std::vector<std::string> paused_by;     ///< inactivity (extension): bed/chair sensors; the period
                                            ///< does not run while one of them reports occupied
    std::string sensor;                     ///< out_of_bed/exit/threshold
    std::vector<std::string> inside;        ///< exit: sensors that show the resident is still inside
    std::optional<milliseconds> period;     ///< inactivity
    std::optional<milliseconds> warn;       ///< inactivity: pre-alarm this long before raising
    std::optional<milliseconds> within;     ///< out_of_bed, exit
    std::optional<milliseconds> open_for;   ///< exit
    std::string event;                      ///< due: the event word ("active", "occupied", "press", ...)
    std::optional<int> from_minute;         ///< due: local time of day the check window opens
    std::optional<int> by_minute;           ///< due: local time of day by which the event is due
    std::string attribute = "temperature";  ///< threshold
    std::optional<double> below, above;     ///< threshold
    std::optional<milliseconds> for_;  ///< threshold: must persist this long (key "for"); nullopt = at once
    double hysteresis = 0.5;           ///< threshold: re-arm after recovering by this much
    std::optional<double> rise;        ///< threshold: rate of rise ...
    std::optional<milliseconds> over;  ///< ... within this time
    position pos;
    /// Where each key's value was written, by key ("period", "from"), for warnings.
    std::map<std::string, position, std::less<>> key_pos;
    bool operator==(const rule_spec&) const = default;
};

struct broker_spec {
    std::string uri;  ///< tcp://host:port or ssl://host:port
    std::optional<std::string> username, password;
    std::optional<std::string> ca_file, cert_file, key_file;
    bool operator==(const broker_spec&) const = default;
};

struct centre_spec {
    broker_spec broker;
    milliseconds heartbeat{60'000};
    milliseconds ack_timeout{10'000};
    bool operator==(const centre_spec&) const = default;
};

struct dc09_spec {
    std::string host = "127.0.0.1";
    int port = 5000;
    std::string transport = "tcp";  ///< "tcp" or "udp"
    std::string account;
    std::string receiver = "0";
    std::string line = "0";
    std::string key;                 ///< raw key bytes (from key or key_hex); empty = plain frames
    std::string format = "SIA-DCS";  ///< or "ADM-CID"
    std::string role = "backup";     ///< or "both"
    milliseconds supervision{300'000};
    bool operator==(const dc09_spec&) const = default;
};

/// What a room is, for activity summaries (`[activity.rooms]`).
enum class room_role { bathroom, kitchen, bedroom, living, hall, other };
std::string_view to_string(room_role r) noexcept;
std::optional<room_role> parse_room_role(std::string_view name) noexcept;

/// `[activity]` (docs/activity.md): hourly activity summaries and the event log's retention.
struct activity_spec {
    bool share = false;                  ///< consent recorded: summaries are made and sent to the centre
    int keep_raw_days = 14;              ///< the event log keeps raw events this many days
    time_window night{22 * 60, 7 * 60};  ///< local night for get-ups and night bathroom visits
    std::map<std::string, room_role, std::less<>> rooms;         ///< sensor location -> role
    std::map<std::string, std::string, std::less<>> appliances;  ///< power sensor id -> appliance
    std::vector<std::string> exit_doors;  ///< door sensors; besides those of `exit` rules
    bool operator==(const activity_spec&) const = default;
};

struct hub_config {
    std::string id;
    std::string data_dir;
    std::string timezone = "UTC";  ///< IANA zone name, checked against the tz database
    broker_spec local;             ///< home broker
    centre_spec centre;
    std::optional<dc09_spec> dc09;
    std::optional<activity_spec> activity;  ///< nullopt: no [activity] section
    std::vector<sensor_spec> sensors;
    std::vector<rule_spec> rules;
    std::string source_file;  ///< path it was loaded from
    /// Where each value was written, by dotted key ("hub.timezone", "centre.heartbeat", "dc09.host").
    std::map<std::string, position, std::less<>> key_pos;

    /// The sensor with that id, or nullptr.
    const sensor_spec* find_sensor(std::string_view id) const noexcept;
    bool operator==(const hub_config&) const = default;
};

/// All the problems found in a config file, each "FILE:LINE:COLUMN: message".
class config_error : public std::runtime_error {
public:
    explicit config_error(std::vector<std::string> messages);
    const std::vector<std::string>& messages() const noexcept { return messages_; }

private:
    std::vector<std::string> messages_;
};

/// Reads and fully validates a hub config. Throws config_error listing every problem
/// (syntax, unknown keys, wrong types, bad durations/windows, duplicate ids, reserved rule ids,
/// unknown sensors, a kind a rule cannot use, a threshold attribute its sensor does not report,
/// unknown timezone). Relative data_dir is resolved against the file's folder.
/// (So are ca_file, cert_file and key_file, which must exist.) Keys, checks and messages: docs/hub-config.md.
hub_config load_hub_config(const std::string& path);
/// Same, from text (for tests and warden-ctl); `name` is used in messages.
hub_config parse_hub_config(std::string_view text, const std::string& name);

}  // namespace warden::config
