// The alert type -> SIA code and Contact ID tables (declared in warden/alerts/engine.hpp).

#include <string>
#include <string_view>

#include "warden/alerts/engine.hpp"

namespace warden::alerts {

std::string sia_code(std::string_view type, alert_state state) {
    struct code {
        std::string_view type, raised, cleared;
    };
    static constexpr code codes[] = {
        {"pendant", "QA", "QH"},
        {"pull_cord", "QA", "QH"},
        {"fall", "MA", "MH"},
        {"smoke", "FA", "FH"},
        {"heat", "KA", "KH"},
        {"co", "GA", "GH"},
        {"gas", "GA", "GH"},
        {"flood", "WA", "WH"},
        {"epilepsy", "MA", "MH"},
        {"enuresis", "MA", "MH"},
        {"inactivity", "MA", "MH"},
        {"out_of_bed", "MA", "MH"},
        {"exit", "MA", "MH"},
        {"due", "MA", "MH"},
        {"temperature_low", "ZA", "ZH"},
        {"temperature_high", "KA", "KH"},
        {"temperature_rise", "KA", "KH"},
        {"sensor_offline", "UT", "UJ"},
        {"battery_low", "XT", "XR"},
        {"tamper", "TA", "TR"},
        {"bridge_offline", "ET", "ER"},
        {"hub_started", "RR", "RR"},
        {"storage_fault", "IA", "IR"},
        {"uplink_fault", "YC", "YK"},
        {"test", "RP", "RP"},
    };
    for (const auto& c : codes)
        if (c.type == type) return std::string{state == alert_state::raised ? c.raised : c.cleared};
    return state == alert_state::raised ? "UA" : "UR";
}

int contact_id_code(std::string_view type) {
    struct code {
        std::string_view type;
        int event;
    };
    static constexpr code codes[] = {
        {"pendant", 101},
        {"pull_cord", 101},
        {"fall", 100},
        {"smoke", 110},
        {"heat", 114},
        {"co", 162},
        {"gas", 151},
        {"flood", 154},
        {"epilepsy", 100},
        {"enuresis", 100},
        {"inactivity", 641},
        {"out_of_bed", 100},
        {"exit", 100},
        {"due", 102},
        {"temperature_low", 159},
        {"temperature_high", 158},
        {"temperature_rise", 158},
        {"sensor_offline", 381},
        {"battery_low", 384},
        {"tamper", 137},
        {"bridge_offline", 333},
        {"hub_started", 305},
        {"storage_fault", 300},
        {"uplink_fault", 350},
        {"test", 602},
    };
    for (const auto& c : codes)
        if (c.type == type) return c.event;
    return 140;  // general alarm
}

}  // namespace warden::alerts
