#include "warden/common/alert.hpp"

#include <stdexcept>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

namespace warden {

nlohmann::json to_json(const alert& a) {
    nlohmann::json j{
        {"id", a.id},
        {"hub", a.hub},
        {"seq", a.seq},
        {"type", a.type},
        {"state", to_string(a.state)},
        {"priority", to_string(a.priority)},
        {"sia", a.sia},
        {"at", format_time(a.at)},
        {"rule", a.rule},
    };
    if (!a.sensor.empty()) j["sensor"] = a.sensor;
    if (!a.location.empty()) j["location"] = a.location;
    j["text"] = a.text;
    if (a.clears) j["clears"] = *a.clears;
    if (a.value) j["value"] = *a.value;
    return j;
}

namespace {

const nlohmann::json& field(const nlohmann::json& j, const char* name) {
    auto it = j.find(name);
    if (it == j.end()) throw std::invalid_argument(fmt::format("missing field '{}'", name));
    return *it;
}

std::string string_field(const nlohmann::json& j, const char* name, bool required, std::size_t max = 1024) {
    auto it = j.find(name);
    if (it == j.end() || it->is_null()) {
        if (required) throw std::invalid_argument(fmt::format("missing field '{}'", name));
        return {};
    }
    if (!it->is_string()) throw std::invalid_argument(fmt::format("field '{}' must be a string", name));
    auto s = it->get<std::string>();
    if (s.size() > max) throw std::invalid_argument(fmt::format("field '{}' is too long", name));
    return s;
}

}  // namespace

alert alert_from_json(const nlohmann::json& j) {
    if (!j.is_object()) throw std::invalid_argument("an alert must be a JSON object");
    alert a;
    a.id = string_field(j, "id", true, 200);
    a.hub = string_field(j, "hub", true, 64);
    if (!is_valid_id(a.hub)) throw std::invalid_argument("field 'hub' is not a valid hub id");
    if (a.id.empty()) throw std::invalid_argument("field 'id' is empty");
    const auto& seq = field(j, "seq");
    if (!seq.is_number_unsigned()) throw std::invalid_argument("field 'seq' must be a non-negative integer");
    a.seq = seq.get<std::uint64_t>();
    a.type = string_field(j, "type", true, 64);
    if (a.type.empty()) throw std::invalid_argument("field 'type' is empty");
    auto state = parse_alert_state(string_field(j, "state", true));
    if (!state) throw std::invalid_argument("field 'state' must be 'raised' or 'cleared'");
    a.state = *state;
    auto prio = parse_priority(string_field(j, "priority", true));
    if (!prio) throw std::invalid_argument("field 'priority' must be critical, high, normal or low");
    a.priority = *prio;
    a.sia = string_field(j, "sia", false, 16);
    auto at = parse_time(string_field(j, "at", true));
    if (!at) throw std::invalid_argument("field 'at' is not an ISO 8601 time");
    a.at = *at;
    a.rule = string_field(j, "rule", false, 64);
    a.sensor = string_field(j, "sensor", false, 64);
    a.location = string_field(j, "location", false, 200);
    a.text = string_field(j, "text", false, 1000);
    if (auto c = string_field(j, "clears", false, 200); !c.empty()) a.clears = c;
    if (auto it = j.find("value"); it != j.end() && !it->is_null()) {
        if (!it->is_number()) throw std::invalid_argument("field 'value' must be a number");
        a.value = it->get<double>();
    }
    return a;
}

std::string make_alert_id(std::string_view hub, std::uint64_t seq) {
    return fmt::format("{}-{}", hub, seq);
}

bool is_valid_id(std::string_view id) noexcept {
    if (id.empty() || id.size() > 64) return false;
    for (char c : id) {
        bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' ||
                  c == '_' || c == '-';
        if (!ok) return false;
    }
    return true;
}

}  // namespace warden
