#pragma once
/// What every part of the rule engine shares (private to warden::alerts): the config, the local clock,
/// each sensor's state and the open conditions, with the raise/clear bookkeeping over them.
/// The rule units (rule_unit.hpp), the sensors' own alerts (sensor_alerts.hpp) and the saved state
/// (state_io.hpp) all work on one engine_core. Thread rules: those of the engine; one thread.

#include <cstddef>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "local_clock.hpp"
#include "warden/alerts/engine.hpp"
#include "warden/config/hub_config.hpp"

namespace warden::alerts::detail {

/// A lasting condition that has been raised and not cleared yet, by key.
struct condition {
    std::string type, rule, sensor, location;
    warden::priority prio = priority::normal;
    time_point since{};
};

struct sensor_state {
    std::optional<int> battery, link;
    bool tamper = false;
    bool testing = false;  ///< the device reported test:true and not test:false since
    std::optional<time_point> last_seen, last_event;
    std::string last_signal;
    std::optional<time_point> last_press_alert;  ///< momentary alarm kinds: debounce
    std::optional<time_point> last_toggle;       ///< away button: debounce
    time_point silence_from{};                   ///< silence is counted from here
};

/// A sensor's condition keys, made once (docs/rules.md, "<type>/<sensor>"; an alarm kind's is
/// "<sensor>/<sensor>"), so that an event builds no string to look its conditions up.
struct sensor_keys {
    std::string offline, battery, tamper, test, alarm;
};

/// An alert's text: a string, or something callable that makes one. Raise and clear call it only
/// when an alert is made, so an event that changes nothing formats nothing.
template <class Text>
std::string text_of(Text&& text) {
    if constexpr (std::is_invocable_v<Text&>)
        return text();
    else
        return std::string(std::forward<Text>(text));
}

struct engine_core {
    engine_core(const config::hub_config& c, const date::time_zone* zone, milliseconds grace);

    config::hub_config cfg;
    local_clock clock;
    std::map<std::string, std::size_t, std::less<>> sensor_index;
    std::vector<sensor_state> sensors;   ///< parallel to cfg.sensors
    std::vector<sensor_keys> keys;       ///< parallel to cfg.sensors
    std::vector<std::size_t> reporting;  ///< the sensors with a report_every (silence is watched)
    std::map<std::string, condition, std::less<>> open;
    bool away = false;
    std::optional<time_point> last_now;  ///< the latest time the engine was told; nullopt: not started
    time_point started{};  ///< the last start(); no silence is reported before started + start_grace
    /// After a restart, a deadline that passed while the hub was down fires this long after the start:
    /// the hub replays the home broker's queued messages meanwhile, and activity in them cancels it.
    milliseconds start_grace;

    /// The index of sensor `id` named by rule `r`; throws std::invalid_argument if there is none.
    std::size_t need_sensor(const config::rule_spec& r, const std::string& id) const;
    /// The sensors `ids`, or when empty every activity-kind sensor (`presence_only`: every motion,
    /// bed and chair sensor).
    std::vector<std::size_t> activity_sensors(const std::vector<std::string>& ids, const config::rule_spec& r,
                                              bool presence_only) const;

    bool is_open(std::string_view key) const { return open.find(key) != open.end(); }

    alert_draft draft(std::string key, std::string type, alert_state state, warden::priority prio,
                      time_point at, std::string rule, std::string sensor, std::string location,
                      std::string text, std::optional<double> value = std::nullopt) const;

    /// Raises a lasting condition once; nothing if it is already open. `text`: see text_of.
    template <class Text>
    void raise(output& out, std::string_view key, std::string_view type, warden::priority prio, time_point at,
               std::string_view rule, std::string_view sensor, std::string_view location, Text&& text,
               std::optional<double> value = std::nullopt) {
        if (is_open(key)) return;
        raise_new(out, key, type, prio, at, rule, sensor, location, text_of(std::forward<Text>(text)), value);
    }

    /// Ends a condition; nothing if it is not open. `text`: see text_of.
    template <class Text>
    void clear(output& out, std::string_view key, time_point at, Text&& text,
               std::optional<double> value = std::nullopt) {
        auto it = open.find(key);
        if (it == open.end()) return;
        clear_open(out, it, at, text_of(std::forward<Text>(text)), value);
    }

    /// True if the rule's window closes somewhere in (from, deadline): a check started at `from`
    /// could not run its whole span inside the window, so it is not started.
    bool window_closes_before(const config::rule_spec& r, time_point from, time_point deadline) const;

private:
    void raise_new(output& out, std::string_view key, std::string_view type, warden::priority prio,
                   time_point at, std::string_view rule, std::string_view sensor, std::string_view location,
                   std::string text, std::optional<double> value);
    void clear_open(output& out, std::map<std::string, condition, std::less<>>::iterator it, time_point at,
                    std::string text, std::optional<double> value);
};

// --- keys and wording --------------------------------------------------------------------------------

inline const std::string& rule_key(const config::rule_spec& r) {
    return r.id;
}
inline std::string rule_key(const config::rule_spec& r, const std::string& sensor) {
    return r.id + "/" + sensor;
}
std::string tech_key(std::string_view type, std::string_view who);

inline warden::priority rule_priority(const config::rule_spec& r) {
    return r.prio.value_or(priority::high);
}

/// " (<location>)", or nothing when there is no location.
std::string where(std::string_view location);
/// A reading with one decimal.
std::string number(double v);
/// " (<window>, <window>)", or nothing when the rule has no window.
std::string windows_text(const config::rule_spec& r);

// --- saved state -------------------------------------------------------------------------------------

nlohmann::json time_json(const std::optional<time_point>& t);
std::optional<time_point> time_from(const nlohmann::json& j, const char* name);

}  // namespace warden::alerts::detail
