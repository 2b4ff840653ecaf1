#include "warden/dc09/codes.hpp"

#include <algorithm>
#include <stdexcept>

#include <fmt/format.h>

#include "warden/alerts/engine.hpp"

namespace warden::dc09 {

namespace {

/// One row of the code table: SIA alarm/restore pair, Contact ID event, Warden type, priority, text.
struct code_row {
    std::string_view alarm, restore;
    int cid;
    std::string_view type;
    warden::priority prio;
    std::string_view text;
};

// The SIA pair is the one the project sends (docs/sia-codes.md); where SPEC 4 and the project table
// both name a code the two agree. Order matters for lookups by SIA code: the first row wins.
constexpr code_row rows[] = {
    {"QA", "QH", 101, "pendant", priority::critical, "Personal emergency"},
    {"MA", "MH", 100, "medical", priority::critical, "Medical alarm"},
    {"MA", "MH", 102, "due", priority::high, "Failed to report in"},
    {"MA", "MH", 641, "inactivity", priority::high, "Inactivity (senior watch)"},
    {"FA", "FH", 110, "smoke", priority::critical, "Fire alarm"},
    {"KA", "KH", 114, "heat", priority::critical, "Heat alarm"},
    {"KA", "KH", 158, "temperature_high", priority::high, "High temperature"},
    {"ZA", "ZH", 159, "temperature_low", priority::high, "Low temperature"},
    {"GA", "GH", 162, "co", priority::critical, "Carbon monoxide"},
    {"GA", "GH", 151, "gas", priority::critical, "Gas detected"},
    {"WA", "WH", 154, "flood", priority::high, "Water leak"},
    {"AT", "AR", 301, "mains_fault", priority::normal, "Mains power lost"},
    {"YT", "YR", 302, "hub_battery_low", priority::normal, "Hub battery low"},
    {"XT", "XR", 384, "battery_low", priority::normal, "Sensor battery low"},
    {"TA", "TR", 137, "tamper", priority::normal, "Tamper"},
    {"UT", "UJ", 381, "sensor_offline", priority::normal, "Sensor supervision lost"},
    {"ET", "ER", 333, "bridge_offline", priority::normal, "Expansion module (radio bridge) failure"},
    {"RR", "RR", 305, "hub_started", priority::normal, "System reset (hub started)"},
    {"IA", "IR", 300, "storage_fault", priority::normal, "System trouble (storage)"},
    {"YC", "YK", 350, "uplink_fault", priority::normal, "Communication trouble"},
    {"RP", "RP", 602, "test", priority::low, "Periodic test report"},
    {"UA", "UR", 140, "alarm", priority::high, "General alarm"},
};

bool two_upper(std::string_view s) noexcept {
    return s.size() == 2 && s[0] >= 'A' && s[0] <= 'Z' && s[1] >= 'A' && s[1] <= 'Z';
}

}  // namespace

std::string sia_code_for(const alert& a) {
    if (two_upper(a.sia)) return a.sia;
    return alerts::sia_code(a.type, a.state);
}

int contact_id_for(const alert& a) {
    int cid = alerts::contact_id_code(a.type);
    if (cid != 140) return cid;
    int from_sia = contact_id_of_sia(sia_code_for(a));
    return from_sia ? from_sia : 140;
}

int cid_qualifier(const alert& a) noexcept {
    return a.state == alert_state::cleared ? 3 : 1;
}

int contact_id_of_sia(std::string_view sia) noexcept {
    // SPEC 4 pairs KA with 158 (high temperature); a received KA is read as the more urgent heat alarm.
    if (sia == "KA" || sia == "KH") return 158;
    for (const auto& r : rows)
        if (r.alarm == sia || r.restore == sia) return r.cid;
    return 0;
}

unsigned zone_for(const std::vector<std::string>& ids, std::string_view sensor) noexcept {
    if (sensor.empty()) return 0;
    auto it = std::find(ids.begin(), ids.end(), sensor);
    return it == ids.end() ? 0 : static_cast<unsigned>(it - ids.begin()) + 1;
}

std::vector<std::string> sensor_ids(const config::hub_config& cfg) {
    std::vector<std::string> ids;
    ids.reserve(cfg.sensors.size());
    for (const auto& s : cfg.sensors) ids.push_back(s.id);
    return ids;
}

frame_id frame_id_for(std::string_view format) {
    if (format == "SIA-DCS") return frame_id::sia_dcs;
    if (format == "ADM-CID") return frame_id::adm_cid;
    throw std::invalid_argument(fmt::format("DC-09 format must be SIA-DCS or ADM-CID, not '{}'", format));
}

std::string event_data_for(const alert& a, std::string_view account, std::string_view format, unsigned zone) {
    if (frame_id_for(format) == frame_id::sia_dcs)
        return sia_data(account, default_area, sia_code_for(a), zone);
    return cid_data(account, cid_qualifier(a), contact_id_for(a), default_area, std::min(zone, 999u));
}

event_meaning interpret(frame_id id, const event_data& e) {
    event_meaning m;
    const code_row* row = nullptr;
    if (id == frame_id::adm_cid) {
        for (const auto& r : rows)
            if (r.cid == e.event) {
                row = &r;
                break;
            }
        m.contact_id = e.event;
        m.state = e.qualifier == 3 ? alert_state::cleared : alert_state::raised;
        if (row) {
            m.sia = std::string{m.state == alert_state::cleared ? row->restore : row->alarm};
        } else {
            m.sia = m.state == alert_state::cleared ? "UR" : "UA";
        }
    } else {
        for (const auto& r : rows)
            if (r.alarm == e.code || r.restore == e.code) {
                row = &r;
                break;
            }
        m.sia = e.code;
        // "RR" and "RP" are their own restore code: events, never restores.
        m.state = row && row->restore == e.code && row->alarm != e.code ? alert_state::cleared
                                                                        : alert_state::raised;
        m.contact_id = row ? row->cid : 0;
    }
    if (row) {
        m.type = std::string{row->type};
        m.priority = row->prio;
        m.text = std::string{row->text};
    } else {
        m.type = "alarm";
        m.priority = priority::high;
        m.text = id == frame_id::adm_cid ? fmt::format("Contact ID event {:03d}", e.event)
                                         : fmt::format("SIA event {}", e.code);
    }
    if (m.state == alert_state::cleared) m.text += " restored";
    return m;
}

}  // namespace warden::dc09
