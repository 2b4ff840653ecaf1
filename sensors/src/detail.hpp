#pragma once
// Internal to warden::sensors: what the per-source adapters share. Not installed, not public.

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "warden/common/json_depth.hpp"
#include "warden/sensors/adapters.hpp"
#include "warden/sensors/sources.hpp"

namespace warden::sensors::detail {

using json = nlohmann::json;
using topic_payloads = std::vector<std::pair<std::string, std::string>>;

/// Deeper JSON than this is refused before parsing (no real bridge nests more than 4 or 5 levels).
inline constexpr int max_json_depth = 32;

/// What one route of one message produced.
struct outcome {
    std::vector<sensor_input> inputs;
    drop_reason dropped = drop_reason::none;
    std::string detail;
    /// Something secondary (battery, link, ...) had the wrong type: ignored, but counted as wrong_type.
    bool partial = false;
    /// A momentary sensor's level reading (see reading::level): true = pressed, false = released.
    std::optional<bool> level;
    /// A device's press counter (Shelly gen1 `event_cnt`): a press only when it differs from the last.
    std::optional<double> counter;
    /// The device announced a planned sleep (Tasmota DeepSleep): its next `offline` is not a fault.
    bool sleep = false;

    static outcome drop(drop_reason r, std::string why) {
        outcome o;
        o.dropped = r;
        o.detail = std::move(why);
        return o;
    }
};

/// One received message; its JSON is parsed at most once, however many sensors read it.
class message {
public:
    message(std::string_view topic, std::string_view payload, time_point at)
        : topic(topic), payload(payload), at(at) {}

    std::string_view topic;
    std::string_view payload;
    time_point at;

    /// The parsed payload, or nullptr when it is not valid JSON (why() tells).
    const json* parsed();
    const std::string& why() const noexcept { return why_; }

private:
    bool tried_ = false;
    std::optional<json> doc_;
    std::string why_;
};

/// A primary reading: the signal, an optional numeric value, or why it could not be read.
struct reading {
    warden::signal sig = signal::none;
    std::optional<double> value;
    drop_reason bad = drop_reason::none;
    std::string why;
    /// The value is a level (sos:true, ON, state:true) rather than an event word ("single", SINGLE,
    /// single_push): a momentary kind presses only when it goes from not-true to true.
    bool level = false;
};

// ---- text and numbers ----
bool iequals(std::string_view a, std::string_view b) noexcept;
std::string lower(std::string_view s);
std::string_view trim(std::string_view s) noexcept;
/// A finite number written as plain text ("21.5", " 3 "); nullopt otherwise (also for "nan", "inf").
std::optional<double> parse_number(std::string_view text) noexcept;
/// A finite number from a JSON number, or from a string holding one.
std::optional<double> json_number(const json& v) noexcept;
/// "online"/"offline", "true"/"false", "Online"/"Offline" (case-insensitive, trimmed); nullopt otherwise.
std::optional<bool> parse_online_word(std::string_view text) noexcept;
/// The part of a topic after `prefix` + "/"; nullopt if it does not start so.
std::optional<std::string_view> subtopic(std::string_view topic, std::string_view prefix) noexcept;
std::vector<std::string_view> split(std::string_view s, char sep);
/// True if a plain-text payload has no control bytes (tab, CR and LF allowed).
bool is_text(std::string_view payload) noexcept;

// ---- JSON paths ----
/// The value at a dotted path ("DS18B20.Temperature"), or nullptr.
const json* find_path(const json& root, std::string_view dotted, bool ignore_case = false);
/// Sets the value at a dotted path, creating objects on the way.
void set_path(json& root, std::string_view dotted, json value);
/// The last segment of a dotted path.
std::string_view last_segment(std::string_view dotted) noexcept;

// ---- interpretation ----
/// An event for the sensor, stamped with the message time.
sensor_event make_event(const config::sensor_spec& s, time_point at);
/// Reads a primary value the generic way: `threshold`, `active`, the temperature kind's number,
/// booleans, numbers 0/1 and the usual words (ON/OFF, open/close, true/false, ...).
/// `attr` is the attribute's name: "contact" is inverted (true = closed) except for bed and chair pads.
reading interpret(const json& v, const config::sensor_spec& s, std::string_view attr);
/// True if an action word means a press ("single", "emergency", "SINGLE", "TOGGLE", ...), not a
/// release or an empty reset.
bool is_press_word(std::string_view word) noexcept;
/// Applies a reading to the event (momentary kinds have no inactive state). Returns false if bad.
bool apply(sensor_event& ev, const reading& r, outcome& out);
/// Reads battery, battery_low, tamper and link from the keys of an object (names as given).
/// A wrong-typed one is ignored and marks the outcome partial.
void read_health(const json& obj, sensor_event& ev, outcome& out, std::string_view battery_key = "battery",
                 std::string_view link_key = "linkquality");
/// Sets battery from a number (0..100); marks partial if it is not one.
void set_battery(const json& v, sensor_event& ev, outcome& out);

// ---- simulate ----
/// What `warden-ctl simulate` was asked for.
struct sim_request {
    enum class what { signal, battery_low, tamper, offline, online, number };
    what ask = what::signal;
    warden::signal sig = signal::none;
    std::string attr;  ///< for number
    double number = 0;
};
/// The JSON value a generic (field/active/threshold) sensor would carry for a signal.
json sim_value(const config::sensor_spec& s, const sim_request& req, std::string_view attr);
[[noreturn]] void cannot(const config::sensor_spec& s, std::string_view why);
std::string iso_now();

// ---- routes ----
enum class role {
    z2m_state,
    z2m_availability,
    z2m_bridge,
    tasmota_data,
    tasmota_lwt,
    tasmota_published,  ///< stat/<t>/<field>: what a rule publishes (plain ON/OFF, a number, or JSON)
    esphome_state,
    esphome_status,
    shelly_gen1,
    shelly_gen2_rpc,
    shelly_gen2_status,
    shelly_gen2_answer,
    shelly_online,
    json_state,
};

/// A subscription and how to read what arrives on it.
struct route {
    std::string filter;  ///< MQTT filter to subscribe to
    std::string match;   ///< exact topic, or prefix (with trailing '/') when `prefix`
    bool prefix = false;
    warden::sensors::detail::role what = role::json_state;
    std::string bridge;  ///< z2m_bridge: the base topic
};

/// One sensor source: everything the router, `warden-ctl simulate` and discovery need to know of it,
/// defined in the source's own file. Constant-initialised, so the registry can point at them.
struct source_descriptor {
    config::source_type source;
    /// Silence after which a sensor counts as offline when `report_every` is not set; nullopt: never.
    std::optional<milliseconds> default_report_every;
    /// The subscriptions of one configured sensor and how to read each.
    std::vector<route> (*routes)(const config::sensor_spec& s);
    /// Decodes one message for one sensor that a route `r` of it matched.
    outcome (*decode)(const config::sensor_spec& s, role r, message& m);
    /// What the sensor's device would publish for a request (throws std::invalid_argument).
    topic_payloads (*simulate)(const config::sensor_spec& s, const sim_request& req);
    /// What to publish to make the device (or its bridge) tell its current state, after the hub
    /// (re)connects; the answer must come on one of the sensor's routes. Empty when it cannot be asked.
    topic_payloads (*state_request)(const config::sensor_spec& s);
    /// How warden-ctl recognises the source's devices on the home broker.
    source_discovery discovery;
};

extern const source_descriptor zigbee2mqtt_source;
extern const source_descriptor tasmota_source;
extern const source_descriptor esphome_source;
extern const source_descriptor shelly_source;
extern const source_descriptor json_source;

/// The descriptor of a source. Never fails for a source_type value.
const source_descriptor& descriptor_of(config::source_type source) noexcept;

/// For a source whose devices cannot be asked (or need not be: ESPHome's states are retained).
topic_payloads no_state_request(const config::sensor_spec& s);

// ---- discovery ----
/// An availability payload as warden-ctl reads it: "online"/"offline", true/false, 1/0 (quotes and
/// blanks ignored, any case), or a JSON object's "state".
std::optional<bool> discovery_online_word(std::string_view payload);
/// A finite number at `key` of a JSON object, rounded.
std::optional<int> json_int(const json& j, std::string_view key);
/// For a source whose topics its source-wide filters all cover (or have none of its own).
std::vector<std::string> no_filters(const std::vector<config::sensor_spec>& sensors);
std::vector<std::string> no_sensor_filters(const config::sensor_spec& sensor);

/// Reads online/offline (plain, or {"state":...} / a JSON string when allowed); on failure fills `err`.
std::optional<bool> read_online(message& m, bool json_form_allowed, outcome& err);
/// Availability for one sensor from an online/offline payload (plain or {"state":...}).
outcome availability(const config::sensor_spec& s, message& m, bool json_form_allowed);

}  // namespace warden::sensors::detail
