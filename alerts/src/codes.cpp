// The alert type -> SIA code and Contact ID (declared in warden/alerts/engine.hpp), from the one
// alert catalogue in common/.

#include <string>
#include <string_view>

#include "warden/alerts/engine.hpp"
#include "warden/common/alert_catalogue.hpp"

namespace warden::alerts {

std::string sia_code(std::string_view type, alert_state state) {
    return std::string{alert_sia_code(type, state)};
}

int contact_id_code(std::string_view type) {
    return alert_contact_id(type);
}

}  // namespace warden::alerts
