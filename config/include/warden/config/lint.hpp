#pragma once
/// Warnings about a hub config that is valid but likely wrong, for `warden-ctl check`.
/// Pure: looks only at the loaded config (no files, no clock). Thread-safe.

#include <string>
#include <vector>

#include "warden/config/hub_config.hpp"

namespace warden::config {

/// One warning: where (the key at fault, or its [[sensor]]/[[rule]] header) and what to check.
struct lint_warning {
    position pos;
    std::string message;  ///< without the place, e.g. "rule 'up': from 10:00 by 10:00 never opens; ..."
    bool operator==(const lint_warning&) const = default;
};

/// Everything legal but likely wrong in `cfg` (as returned by load_hub_config), in file order:
/// a `due` window that never opens or looks swapped, a window of zero length (it means all day),
/// a threshold with below >= above, an inactivity period longer than a watched sensor's report_every,
/// an alarm sensor on a source without a silence check and no report_every, a door with no `exit`
/// rule while a bed or chair sensor exists, an exit rule with no sensor inside, an out_of_bed rule
/// without a window, a sensor without a location, a temperature sensor no rule reads, a cancel
/// button with no pre-alarm to cancel, an unencrypted uplink or DC-09 path to another machine, and
/// a heartbeat longer than the centre's default grace.
std::vector<lint_warning> lint_hub_config(const hub_config& cfg);

/// "FILE:LINE:COLUMN: warning: message".
std::string lint_text(const lint_warning& w);

}  // namespace warden::config
