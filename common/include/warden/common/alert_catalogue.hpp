#pragma once
/// The alert catalogue: every alert type Warden makes or understands, with its SIA and Contact ID
/// codes, default priority and the label the console shows. The one table the rule engine, the DC-09
/// sender and receiver, the centre's API (GET /api/alert-types) and docs/sia-codes.md follow.
/// Plain constexpr data; all functions are pure and thread-safe.
///
/// To add an alert type: add a row here (the catalogue test checks its codes and that
/// docs/sia-codes.md lists it), then the rule or adapter that raises it.

#include <span>
#include <string_view>

#include "warden/common/kinds.hpp"

namespace warden {

/// One alert type. Rows that share a SIA or Contact ID code (QA for pendant and pull cord, MA for
/// every medical call, ...) are told apart on the MQTT path by `type`; a code received over DC-09 is
/// read as the first row that carries it (see alert_type_for_sia / alert_type_for_contact_id).
struct alert_type_info {
    std::string_view name;       ///< the alert's `type` (SPEC 3), e.g. "pull_cord"
    std::string_view label;      ///< what the console shows for the type, e.g. "Pull cord"
    warden::priority priority;   ///< default priority; a rule's own `priority` overrides it
    bool technical;              ///< a fault or test of the equipment, not a call about the resident
    std::string_view sia_event;  ///< SIA code when raised, e.g. "QA"
    std::string_view
        sia_restore;  ///< SIA code when cleared; events that are never cleared repeat the event code
    int contact_id;   ///< Contact ID event code (qualifier 1 when raised, 3 when cleared)
};

/// The catalogue, in the order the console lists types. Where rows share a code, the first is what a
/// received code means: keep pendant before pull_cord, medical before the other MA/100 types, heat
/// before temperature_high (KA), temperature_high before temperature_rise (158), co before gas (GA)
/// and uplink_fault before hub_offline (YC/350). docs/sia-codes.md explains the choice of codes.
inline constexpr alert_type_info alert_catalogue[] = {
    // Personal alarms.
    {"pendant", "Pendant", priority::critical, false, "QA", "QH", 101},
    {"pull_cord", "Pull cord", priority::critical, false, "QA", "QH", 101},
    {"medical", "Medical alarm", priority::critical, false, "MA", "MH", 100},
    {"fall", "Fall", priority::critical, false, "MA", "MH", 100},
    {"epilepsy", "Epilepsy", priority::critical, false, "MA", "MH", 100},
    {"enuresis", "Enuresis", priority::high, false, "MA", "MH", 100},
    // Environment.
    {"smoke", "Smoke", priority::critical, false, "FA", "FH", 110},
    {"heat", "Heat", priority::critical, false, "KA", "KH", 114},
    {"co", "Carbon monoxide (CO)", priority::critical, false, "GA", "GH", 162},
    {"gas", "Gas", priority::critical, false, "GA", "GH", 151},
    {"flood", "Flood", priority::high, false, "WA", "WH", 154},
    // Rules (docs/rules.md); priority is the rule's, high unless it says otherwise.
    {"inactivity", "Inactivity", priority::high, false, "MA", "MH", 641},
    {"out_of_bed", "Out of bed", priority::high, false, "MA", "MH", 100},
    {"exit", "Exit", priority::high, false, "MA", "MH", 100},
    {"due", "Not seen by due time", priority::high, false, "MA", "MH", 102},
    {"temperature_low", "Temperature low", priority::high, false, "ZA", "ZH", 159},
    {"temperature_high", "Temperature high", priority::high, false, "KA", "KH", 158},
    {"temperature_rise", "Temperature rising fast", priority::high, false, "KA", "KH", 158},
    // An alarm a DC-09 transmitter sent with a code no other row has.
    {"alarm", "General alarm", priority::high, false, "UA", "UR", 140},
    // Technical.
    {"sensor_offline", "Sensor offline", priority::normal, true, "UT", "UJ", 381},
    {"battery_low", "Battery low", priority::normal, true, "XT", "XR", 384},
    {"tamper", "Tamper", priority::normal, true, "TA", "TR", 137},
    {"bridge_offline", "Bridge offline", priority::normal, true, "ET", "ER", 333},
    {"mains_fault", "Mains power lost", priority::normal, true, "AT", "AR", 301},
    {"hub_battery_low", "Hub battery low", priority::normal, true, "YT", "YR", 302},
    {"hub_started", "Hub started", priority::normal, true, "RR", "RR", 305},
    {"storage_fault", "Storage fault", priority::normal, true, "IA", "IR", 300},
    {"uplink_fault", "Uplink fault", priority::normal, true, "YC", "YK", 350},
    {"dc09_fault", "DC-09 path fault", priority::normal, true, "YS", "YK", 354},
    {"hub_offline", "Hub offline", priority::normal, true, "YC", "YK", 350},
    {"alert_flood", "Alert flood", priority::high, true, "YX", "YZ", 300},
    {"test", "Test alarm", priority::low, true, "RP", "RP", 602},
};

/// The whole catalogue.
constexpr std::span<const alert_type_info> alert_types() noexcept {
    return alert_catalogue;
}

/// The row for a type name; nullptr if the catalogue has none.
constexpr const alert_type_info* find_alert_type(std::string_view name) noexcept {
    for (const auto& t : alert_catalogue)
        if (t.name == name) return &t;
    return nullptr;
}

/// The SIA code for a type and state, e.g. ("pendant", raised) -> "QA". A type not in the catalogue
/// gets "UA"/"UR" (untyped alarm), so a receiver never drops it.
/// (These two read the rows directly rather than test find_alert_type's pointer: GCC 12 with UBSan
/// cannot evaluate that test in a constant expression, which broke the build with -fsanitize.)
constexpr std::string_view alert_sia_code(std::string_view type, alert_state state) noexcept {
    for (const auto& t : alert_catalogue)
        if (t.name == type) return state == alert_state::cleared ? t.sia_restore : t.sia_event;
    return state == alert_state::cleared ? "UR" : "UA";
}

/// The Contact ID event code for a type, e.g. "pendant" -> 101; 140 (general alarm) if unknown.
constexpr int alert_contact_id(std::string_view type) noexcept {
    for (const auto& t : alert_catalogue)
        if (t.name == type) return t.contact_id;
    return 140;
}

/// The first row whose event or restore code is `sia`; nullptr if none.
constexpr const alert_type_info* alert_type_for_sia(std::string_view sia) noexcept {
    for (const auto& t : alert_catalogue)
        if (t.sia_event == sia || t.sia_restore == sia) return &t;
    return nullptr;
}

/// The first row with Contact ID event code `cid`; nullptr if none.
constexpr const alert_type_info* alert_type_for_contact_id(int cid) noexcept {
    for (const auto& t : alert_catalogue)
        if (t.contact_id == cid) return &t;
    return nullptr;
}

}  // namespace warden
