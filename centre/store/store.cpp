// What every backend of the centre's store shares: the names of an alert's operator status.
#include "warden/centre/store.hpp"

namespace warden::centre {

std::string_view to_string(alert_status s) noexcept {
    switch (s) {
        case alert_status::open:
            return "open";
        case alert_status::acknowledged:
            return "acknowledged";
        case alert_status::resolved:
            return "resolved";
    }
    return "open";
}

std::optional<alert_status> parse_alert_status(std::string_view name) noexcept {
    if (name == "open") return alert_status::open;
    if (name == "acknowledged") return alert_status::acknowledged;
    if (name == "resolved") return alert_status::resolved;
    return std::nullopt;
}

}  // namespace warden::centre

namespace warden::centre {

std::int64_t activity_hour::motion() const {
    std::int64_t n = 0;
    for (const auto& r : rooms) n += r.motion;
    return n;
}

}  // namespace warden::centre
