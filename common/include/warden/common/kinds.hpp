#pragma once
/// Sensor kinds, alert states and priorities: the vocabulary every part of Warden shares.
/// Plain C++; no I/O. All functions are pure and thread-safe.

#include <optional>
#include <string_view>

namespace warden {

/// What a sensor is. Alarm kinds raise at once; activity kinds feed the behavioural rules;
/// temperature is numeric. Names match SPEC 2.2 (`pull_cord`, `co`, ...).
enum class sensor_kind {
    pendant,
    pull_cord,
    fall,
    smoke,
    heat,
    co,
    gas,
    flood,
    epilepsy,
    enuresis,  // alarm kinds
    motion,
    door,
    bed,
    chair,
    button,
    power,        // activity kinds
    temperature,  // numeric
};

/// The SPEC name of a kind ("pull_cord").
std::string_view to_string(sensor_kind kind) noexcept;
/// Parses a SPEC kind name; nullopt if unknown.
std::optional<sensor_kind> parse_sensor_kind(std::string_view name) noexcept;
/// Every kind, in declaration order (for help texts and validation messages).
std::string_view all_sensor_kind_names() noexcept;

/// True for the kinds that raise an alarm the moment they become active.
bool is_alarm_kind(sensor_kind kind) noexcept;
/// True for motion, door, bed, chair, button, power.
bool is_activity_kind(sensor_kind kind) noexcept;
/// True for kinds whose primary signal is momentary (a press), with no "inactive" state:
/// pendant, pull_cord, button (and fall detectors that only report a fall).
bool is_momentary_kind(sensor_kind kind) noexcept;

/// Whether an alert is the start of a condition or its end.
enum class alert_state { raised, cleared };
std::string_view to_string(alert_state state) noexcept;
std::optional<alert_state> parse_alert_state(std::string_view name) noexcept;

/// How urgently an operator must answer. Ordered: critical is the most urgent.
enum class priority { critical = 0, high = 1, normal = 2, low = 3 };
std::string_view to_string(priority p) noexcept;
std::optional<priority> parse_priority(std::string_view name) noexcept;

/// The priority SPEC 3 gives an alarm kind's alert (critical, or high for flood/enuresis).
priority alarm_priority(sensor_kind kind) noexcept;

}  // namespace warden
