#include "warden/dc09/codes.hpp"

#include <algorithm>
#include <stdexcept>

#include <fmt/format.h>

#include "warden/common/alert_catalogue.hpp"

namespace warden::dc09 {

namespace {

bool two_upper(std::string_view s) noexcept {
    return s.size() == 2 && s[0] >= 'A' && s[0] <= 'Z' && s[1] >= 'A' && s[1] <= 'Z';
}

}  // namespace

std::string sia_code_for(const alert& a) {
    if (two_upper(a.sia)) return a.sia;
    return std::string{alert_sia_code(a.type, a.state)};
}

int contact_id_for(const alert& a) {
    int cid = alert_contact_id(a.type);
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
    const auto* t = alert_type_for_sia(sia);
    return t ? t->contact_id : 0;
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
    const alert_type_info* row = nullptr;
    if (id == frame_id::adm_cid) {
        row = alert_type_for_contact_id(e.event);
        m.contact_id = e.event;
        m.state = e.qualifier == 3 ? alert_state::cleared : alert_state::raised;
        if (row) {
            m.sia = std::string{m.state == alert_state::cleared ? row->sia_restore : row->sia_event};
        } else {
            m.sia = m.state == alert_state::cleared ? "UR" : "UA";
        }
    } else {
        row = alert_type_for_sia(e.code);
        m.sia = e.code;
        // "RR" and "RP" are their own restore code: events, never restores.
        m.state = row && row->sia_restore == e.code && row->sia_event != e.code ? alert_state::cleared
                                                                                : alert_state::raised;
        m.contact_id = row ? row->contact_id : 0;
    }
    if (row) {
        m.type = std::string{row->name};
        m.priority = row->priority;
        m.text = std::string{row->label};
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
