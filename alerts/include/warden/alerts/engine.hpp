#pragma once
/// The telecare rule engine: sensor inputs and the time in, alerts and pre-alarm notices out.
/// Pure: no clock, no threads, no I/O. The caller tells it the time and asks for its next deadline.

#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "warden/common/alert.hpp"
#include "warden/common/event.hpp"
#include "warden/config/hub_config.hpp"

namespace date {
class time_zone;
}

namespace warden::alerts {

/// An alert before the hub's store gives it an id and seq. `key` names the condition
/// ("<rule>/<sensor>"; "<rule>" for inactivity and due, "<type>/<sensor>" for technical alerts,
/// see docs/rules.md); a cleared draft has the same key as the raised one it ends, so the store
/// can fill in `clears` with that raised alert's id. Events that are never cleared (a press,
/// hub_started, test) also carry a key; the store must not expect a `cleared` for them.
struct alert_draft {
    std::string key;
    std::string type;
    alert_state state = alert_state::raised;
    warden::priority priority = priority::normal;
    std::string sia;
    time_point at{};
    std::string rule;
    std::string sensor;
    std::string location;
    std::string text;
    std::optional<double> value;
    bool operator==(const alert_draft&) const = default;
};

/// Something to tell the home (warden/local/prealarm, warden/local/cancel).
struct local_notice {
    enum class what { prealarm, prealarm_cancelled, away_changed };
    what kind = what::prealarm;
    std::string rule;
    time_point at{};
    time_point deadline{};  ///< prealarm: when the alert will be raised unless cancelled
    bool away = false;      ///< away_changed: the new mode
    bool operator==(const local_notice&) const = default;
};

struct output {
    std::vector<alert_draft> alerts;
    std::vector<local_notice> notices;
    bool empty() const noexcept { return alerts.empty() && notices.empty(); }
};

/// Sensor health as the engine sees it, for status displays and the heartbeat.
struct sensor_health {
    std::string sensor;
    bool online = true;
    bool battery_low = false;
    bool tamper = false;
    std::optional<int> battery;
    std::optional<int> link;
    std::optional<time_point> last_seen;
    std::optional<time_point> last_event;  ///< last message with a primary signal
    std::string last_signal;               ///< its word ("open", "press", ...)
};

/// Thread rules: not thread-safe; one thread drives it.
class engine {
public:
    /// After a restart, what ran out while the hub was down (docs/rules.md, "Restarts and the clock")
    /// fires this long after start(), so that the home broker's queued messages are replayed first.
    static constexpr milliseconds default_start_grace{120'000};
    /// A wall clock earlier than this (2024-01-01T00:00Z) is taken as not set: a hub without a
    /// battery-backed clock boots in 1970 until NTP sets it. Until the time is right the engine acts
    /// on alarm sensors and hub faults only and keeps the other inputs; at the first right time it
    /// starts as after a restart and then takes the kept inputs (docs/rules.md, "Restarts and the
    /// clock"). While the clock is not set, next_deadline() asks to be called again a second later.
    static constexpr time_point clock_set_after{milliseconds{1'704'067'200'000}};

    /// `zone` must outlive the engine (date::locate_zone's zones do). Throws std::invalid_argument
    /// if the config is inconsistent (load_hub_config has already checked that) or `start_grace`
    /// is negative.
    engine(const config::hub_config& cfg, const date::time_zone* zone,
           milliseconds start_grace = default_start_grace);
    ~engine();
    engine(engine&&) noexcept;
    engine& operator=(engine&&) noexcept;

    /// The hub (re)started at `now`: raises hub_started, and starts silence timers for sensors
    /// not seen yet. Deadlines that passed while the hub was down (saved state) are moved to
    /// `now + start_grace`. Call once, after restore().
    output start(time_point now);

    output on_input(const sensor_input& input, time_point now);
    /// Fires whatever is due at `now` (inactivity, windows opening/closing, silence, due times...).
    /// Calling it early or repeatedly is harmless; time going backwards is tolerated.
    output on_time(time_point now);
    /// The earliest time on_time() has something to do; nullopt if nothing is pending.
    std::optional<time_point> next_deadline() const;

    /// Away mode: suspends behavioural rules (never alarm kinds, never technical alerts).
    output set_away(bool away, time_point now);
    bool away() const noexcept;
    /// Cancels a pending pre-alarm (warden/local/cancel or a cancel button).
    output cancel_prealarm(time_point now);

    /// A technical alert raised by the hub itself (storage_fault, uplink_fault, test).
    /// `type` is its SPEC name; the engine applies no-repeat/cleared bookkeeping for it.
    output technical(std::string_view type, bool raised, std::string_view text, time_point now);

    /// Rule state to persist (last activity, open conditions, timers, sensor health), and restore it
    /// after a restart. restore() ignores state for rules or sensors no longer configured.
    nlohmann::json save_state() const;
    void restore_state(const nlohmann::json& state);

    std::vector<sensor_health> health() const;

private:
    struct impl;
    std::unique_ptr<impl> impl_;
};

/// The SIA code for an alert type (SPEC 4 and docs/dc09.md), e.g. "pendant" -> "QA"; raised vs cleared.
/// Types without a code of their own get "UA"/"UR" (untyped alarm). From the alert catalogue
/// (warden/common/alert_catalogue.hpp, docs/sia-codes.md).
std::string sia_code(std::string_view type, alert_state state);

/// The Contact ID event code (ADM-CID `EEE`) for an alert type, e.g. "pendant" -> 101; the qualifier
/// (1 new event, 3 restore) follows the alert's state. Unknown types get 140 (general alarm). From the
/// alert catalogue.
int contact_id_code(std::string_view type);

}  // namespace warden::alerts
