#include "warden/centre/alert_types.hpp"

#include "warden/common/alert_catalogue.hpp"

namespace warden::centre {

const nlohmann::json& alert_types_json() {
    static const nlohmann::json types = [] {
        auto list = nlohmann::json::array();
        for (const auto& t : alert_types())
            list.push_back({{"type", t.name},
                            {"label", t.label},
                            {"priority", to_string(t.priority)},
                            {"technical", t.technical},
                            {"sia_event", t.sia_event},
                            {"sia_restore", t.sia_restore},
                            {"contact_id", t.contact_id}});
        return list;
    }();
    return types;
}

}  // namespace warden::centre
