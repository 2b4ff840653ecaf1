#pragma once
/// Warden alerts <-> SIA-DCS / Contact ID event codes (SPEC 4, docs/sia-codes.md, docs/dc09.md).
/// Pure functions, thread-safe.

#include <string>
#include <string_view>
#include <vector>

#include "warden/common/alert.hpp"
#include "warden/common/kinds.hpp"
#include "warden/config/hub_config.hpp"
#include "warden/dc09/codec.hpp"

namespace warden::dc09 {

/// The area (SIA "ri") / Contact ID group every Warden frame uses.
inline constexpr unsigned default_area = 1;

/// The SIA code sent for an alert: its `sia` field when that is two upper-case letters, else the
/// alert catalogue's code (warden/common/alert_catalogue.hpp) for its type and state.
std::string sia_code_for(const alert& a);
/// The Contact ID event code for an alert: the alert catalogue's for its type; for a type the
/// catalogue does not know, the Contact ID of its SIA code (SPEC 4 table), else 140 (general alarm).
int contact_id_for(const alert& a);
/// Contact ID qualifier: 1 (new event) for `raised`, 3 (restore) for `cleared`.
int cid_qualifier(const alert& a) noexcept;
/// The Contact ID event for a SIA code (SPEC 4 table: MA 100, QA 101, FA 110, GA 162, WA 154,
/// KA 158, ZA 159, AT 301, YT 302, XT 384, TA 137, RP 602, ...), restores mapping to the same
/// event; 0 if unknown.
int contact_id_of_sia(std::string_view sia) noexcept;

/// The zone of a sensor: its index in the hub config's [[sensor]] list + 1 (the first sensor is
/// zone 1). Alerts of the hub itself (no sensor, or a sensor no longer configured) use zone 0.
unsigned zone_for(const std::vector<std::string>& sensor_ids, std::string_view sensor) noexcept;
/// The sensor ids of a hub config in order, for zone_for.
std::vector<std::string> sensor_ids(const config::hub_config& cfg);

/// The data block of the event frame for an alert: SIA-DCS "#acct|Nri1/QA001" or ADM-CID
/// "#acct|1101 01 001", by `format` ("SIA-DCS" or "ADM-CID"). Throws std::invalid_argument for
/// another format.
std::string event_data_for(const alert& a, std::string_view account, std::string_view format, unsigned zone);
/// frame_id::sia_dcs or frame_id::adm_cid for a config format name; throws std::invalid_argument.
frame_id frame_id_for(std::string_view format);

/// What a received event means, for the centre: the first alert catalogue type that carries the code
/// (QA -> pendant, 101 -> pendant, 641 -> inactivity, MA/100 -> "medical", RP -> test, unknown ->
/// "alarm"), whether it is a restore, the type's priority and label, and the SIA code (ADM-CID events
/// converted).
struct event_meaning {
    std::string type;
    alert_state state = alert_state::raised;
    warden::priority priority = priority::normal;
    std::string sia;     ///< e.g. "QA"; for ADM-CID the SIA equivalent of the event ("UA" if none)
    int contact_id = 0;  ///< e.g. 101; for SIA-DCS the Contact ID equivalent (0 if none)
    std::string text;    ///< the type's catalogue label, e.g. "Pendant" ("... restored" for a restore)
    bool operator==(const event_meaning&) const = default;
};
/// Interprets the data of a received SIA-DCS or ADM-CID event.
event_meaning interpret(frame_id id, const event_data& e);

}  // namespace warden::dc09
