// The catalogue's rules, checked once when the library is compiled (tests/unit/common_test.cpp checks
// the same against docs/sia-codes.md at run time).
#include "warden/common/alert_catalogue.hpp"

namespace warden {
namespace {

constexpr bool is_sia_code(std::string_view s) {
    return s.size() == 2 && s[0] >= 'A' && s[0] <= 'Z' && s[1] >= 'A' && s[1] <= 'Z';
}

constexpr bool rows_are_complete() {
    for (const auto& t : alert_catalogue) {
        if (t.name.empty() || t.label.empty()) return false;
        if (!is_sia_code(t.sia_event) || !is_sia_code(t.sia_restore)) return false;
        if (t.contact_id < 100 || t.contact_id > 999) return false;
    }
    return true;
}

constexpr bool names_are_unique() {
    for (std::size_t i = 0; i < std::size(alert_catalogue); ++i)
        for (std::size_t j = i + 1; j < std::size(alert_catalogue); ++j)
            if (alert_catalogue[i].name == alert_catalogue[j].name) return false;
    return true;
}

static_assert(rows_are_complete(), "every alert type needs a name, a label, a SIA pair and a Contact ID");
static_assert(names_are_unique(), "alert type names must be unique");
// A received code means the first row that carries it (see the header).
static_assert(alert_type_for_sia("QA")->name == "pendant" && alert_type_for_sia("MA")->name == "medical" &&
              alert_type_for_sia("KA")->name == "heat" && alert_type_for_sia("GA")->name == "co" &&
              alert_type_for_sia("YC")->name == "uplink_fault");
static_assert(alert_type_for_contact_id(100)->name == "medical" &&
              alert_type_for_contact_id(101)->name == "pendant" &&
              alert_type_for_contact_id(158)->name == "temperature_high" &&
              alert_type_for_contact_id(350)->name == "uplink_fault");
// An unknown type still reaches a receiver, as the general alarm.
static_assert(alert_sia_code("something_new", alert_state::raised) == "UA" &&
              alert_contact_id("something_new") == alert_contact_id("alarm"));

}  // namespace
}  // namespace warden
