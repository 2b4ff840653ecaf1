// The small vocabulary of hub_config.hpp: source and rule type names, sensor lookup, config_error.

#include <array>
#include <utility>

#include "warden/config/hub_config.hpp"

namespace warden::config {
namespace {

constexpr std::array<std::pair<source_type, std::string_view>, 5> source_names{{
    {source_type::zigbee2mqtt, "zigbee2mqtt"},
    {source_type::tasmota, "tasmota"},
    {source_type::esphome, "esphome"},
    {source_type::shelly, "shelly"},
    {source_type::json, "json"},
}};

constexpr std::array<std::pair<rule_type, std::string_view>, 5> rule_names{{
    {rule_type::inactivity, "inactivity"},
    {rule_type::out_of_bed, "out_of_bed"},
    {rule_type::exit, "exit"},
    {rule_type::due, "due"},
    {rule_type::threshold, "threshold"},
}};

constexpr std::array<std::pair<room_role, std::string_view>, 6> room_role_names{{
    {room_role::bathroom, "bathroom"},
    {room_role::kitchen, "kitchen"},
    {room_role::bedroom, "bedroom"},
    {room_role::living, "living"},
    {room_role::hall, "hall"},
    {room_role::other, "other"},
}};

std::string join_lines(const std::vector<std::string>& lines) {
    std::string out;
    for (const auto& l : lines) {
        if (!out.empty()) out += '\n';
        out += l;
    }
    return out.empty() ? std::string("invalid configuration") : out;
}

}  // namespace

std::string_view to_string(source_type s) noexcept {
    for (const auto& [t, name] : source_names)
        if (t == s) return name;
    return "unknown";
}

std::optional<source_type> parse_source_type(std::string_view name) noexcept {
    for (const auto& [t, n] : source_names)
        if (n == name) return t;
    return std::nullopt;
}

std::string_view to_string(rule_type t) noexcept {
    for (const auto& [r, name] : rule_names)
        if (r == t) return name;
    return "unknown";
}

std::optional<rule_type> parse_rule_type(std::string_view name) noexcept {
    for (const auto& [r, n] : rule_names)
        if (n == name) return r;
    return std::nullopt;
}

std::string_view to_string(room_role r) noexcept {
    for (const auto& [t, name] : room_role_names)
        if (t == r) return name;
    return "other";
}

std::optional<room_role> parse_room_role(std::string_view name) noexcept {
    for (const auto& [t, n] : room_role_names)
        if (n == name) return t;
    return std::nullopt;
}

const sensor_spec* hub_config::find_sensor(std::string_view id) const noexcept {
    for (const auto& s : sensors)
        if (s.id == id) return &s;
    return nullptr;
}

config_error::config_error(std::vector<std::string> messages)
    : std::runtime_error(join_lines(messages)), messages_(std::move(messages)) {}

}  // namespace warden::config
