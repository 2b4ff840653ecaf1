#pragma once
/// The alert as it travels from hub to centre (SPEC 3), and its JSON form.

#include <cstdint>
#include <optional>
#include <string>

#include <nlohmann/json_fwd.hpp>

#include "warden/common/kinds.hpp"
#include "warden/common/time.hpp"

namespace warden {

/// One alert. `id` is "<hub>-<seq>", stable across resends. Value type.
struct alert {
    std::string id;
    std::string hub;
    std::uint64_t seq = 0;
    std::string type;  ///< sensor kind, rule type, or technical type (SPEC 3)
    alert_state state = alert_state::raised;
    warden::priority priority = priority::normal;
    std::string sia;  ///< SIA event code, e.g. "QA"
    time_point at{};
    std::string rule;                   ///< rule id (alarm kinds: the sensor id; technical: the type)
    std::string sensor;                 ///< sensor id, empty if none
    std::string location;               ///< sensor location, empty if none
    std::string text;                   ///< human readable, no personal data
    std::optional<std::string> clears;  ///< for state=cleared: the id of the raised alert
    std::optional<double> value;        ///< e.g. the temperature that crossed a threshold

    bool operator==(const alert&) const = default;
};

/// The SPEC 3 JSON object (omits empty optional fields).
nlohmann::json to_json(const alert& a);
/// Validates and reads an alert; throws std::invalid_argument naming the bad field.
alert alert_from_json(const nlohmann::json& j);

/// "<hub>-<seq>".
std::string make_alert_id(std::string_view hub, std::uint64_t seq);

/// True if `id` matches [A-Za-z0-9._-]{1,64} (hub ids, sensor ids, rule ids).
bool is_valid_id(std::string_view id) noexcept;

}  // namespace warden
