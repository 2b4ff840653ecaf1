#include "warden/common/event.hpp"

#include <utility>

namespace warden {
namespace {

/// The (active, inactive) words of a kind.
std::pair<std::string_view, std::string_view> words(sensor_kind kind) noexcept {
    switch (kind) {
        case sensor_kind::door:
            return {"open", "closed"};
        case sensor_kind::bed:
        case sensor_kind::chair:
            return {"occupied", "vacant"};
        case sensor_kind::motion:
            return {"active", "clear"};
        case sensor_kind::pendant:
        case sensor_kind::pull_cord:
        case sensor_kind::button:
        case sensor_kind::fall:
            return {"press", "release"};
        case sensor_kind::flood:
        case sensor_kind::enuresis:
            return {"wet", "dry"};
        case sensor_kind::smoke:
        case sensor_kind::heat:
        case sensor_kind::co:
        case sensor_kind::gas:
        case sensor_kind::epilepsy:
            return {"alarm", "clear"};
        case sensor_kind::power:
            return {"on", "off"};
        case sensor_kind::temperature:
            return {"value", "value"};
    }
    return {"active", "inactive"};
}

}  // namespace

std::string_view signal_name(sensor_kind kind, signal s) noexcept {
    switch (s) {
        case signal::active:
            return words(kind).first;
        case signal::inactive:
            return words(kind).second;
        case signal::none:
            break;
    }
    return "none";
}

std::optional<signal> parse_signal_name(sensor_kind kind, std::string_view word) noexcept {
    auto [on, off] = words(kind);
    if (word == on || word == "active") return signal::active;
    if (word == off || word == "inactive") return signal::inactive;
    // Words technicians use for specific alarm kinds.
    if ((kind == sensor_kind::smoke && word == "smoke") || (kind == sensor_kind::co && word == "co") ||
        (kind == sensor_kind::gas && word == "gas") || (kind == sensor_kind::heat && word == "heat") ||
        (kind == sensor_kind::fall && word == "fall"))
        return signal::active;
    return std::nullopt;
}

}  // namespace warden
