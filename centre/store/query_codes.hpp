#pragma once
// How every backend binds an alert_query's kind (private to centre/store): the technical types as one
// ",a,b," string from the catalogue, and the kind as a number (0 all, 1 calls, 2 technical).

#include <string>

#include "warden/centre/store.hpp"
#include "warden/common/alert_catalogue.hpp"

namespace warden::centre::query_codes {

/// ",sensor_offline,battery_low,...," from the catalogue: the types a query's kind tells apart.
inline const std::string& technical_types() {
    static const std::string list = [] {
        std::string s = ",";
        for (const auto& t : alert_types())
            if (t.technical) s += std::string(t.name) + ",";
        return s;
    }();
    return list;
}

inline int kind_code(alert_kind k) {
    return k == alert_kind::calls ? 1 : k == alert_kind::technical ? 2 : 0;
}

}  // namespace warden::centre::query_codes
