#include "warden/common/kinds.hpp"

#include <array>
#include <utility>

namespace warden {
namespace {

constexpr std::array<std::pair<sensor_kind, std::string_view>, 17> kind_names{{
    {sensor_kind::pendant, "pendant"},
    {sensor_kind::pull_cord, "pull_cord"},
    {sensor_kind::fall, "fall"},
    {sensor_kind::smoke, "smoke"},
    {sensor_kind::heat, "heat"},
    {sensor_kind::co, "co"},
    {sensor_kind::gas, "gas"},
    {sensor_kind::flood, "flood"},
    {sensor_kind::epilepsy, "epilepsy"},
    {sensor_kind::enuresis, "enuresis"},
    {sensor_kind::motion, "motion"},
    {sensor_kind::door, "door"},
    {sensor_kind::bed, "bed"},
    {sensor_kind::chair, "chair"},
    {sensor_kind::button, "button"},
    {sensor_kind::power, "power"},
    {sensor_kind::temperature, "temperature"},
}};

}  // namespace

std::string_view to_string(sensor_kind kind) noexcept {
    for (const auto& [k, name] : kind_names)
        if (k == kind) return name;
    return "unknown";
}

std::optional<sensor_kind> parse_sensor_kind(std::string_view name) noexcept {
    for (const auto& [k, n] : kind_names)
        if (n == name) return k;
    return std::nullopt;
}

std::string_view all_sensor_kind_names() noexcept {
    return "pendant, pull_cord, fall, smoke, heat, co, gas, flood, epilepsy, enuresis, motion, door, "
           "bed, chair, button, power, temperature";
}

bool is_alarm_kind(sensor_kind kind) noexcept {
    return static_cast<int>(kind) <= static_cast<int>(sensor_kind::enuresis);
}

bool is_activity_kind(sensor_kind kind) noexcept {
    return kind >= sensor_kind::motion && kind <= sensor_kind::power;
}

bool is_momentary_kind(sensor_kind kind) noexcept {
    return kind == sensor_kind::pendant || kind == sensor_kind::pull_cord || kind == sensor_kind::button ||
           kind == sensor_kind::fall;
}

std::string_view to_string(alert_state state) noexcept {
    return state == alert_state::raised ? "raised" : "cleared";
}

std::optional<alert_state> parse_alert_state(std::string_view name) noexcept {
    if (name == "raised") return alert_state::raised;
    if (name == "cleared") return alert_state::cleared;
    return std::nullopt;
}

std::string_view to_string(priority p) noexcept {
    switch (p) {
        case priority::critical:
            return "critical";
        case priority::high:
            return "high";
        case priority::normal:
            return "normal";
        case priority::low:
            return "low";
    }
    return "normal";
}

std::optional<priority> parse_priority(std::string_view name) noexcept {
    for (auto p : {priority::critical, priority::high, priority::normal, priority::low})
        if (to_string(p) == name) return p;
    return std::nullopt;
}

priority alarm_priority(sensor_kind kind) noexcept {
    switch (kind) {
        case sensor_kind::flood:
        case sensor_kind::enuresis:
            return priority::high;
        default:
            return is_alarm_kind(kind) ? priority::critical : priority::high;
    }
}

}  // namespace warden
