#pragma once
/// Warnings about a hub config that is valid but likely wrong, for `warden-ctl check`.
/// Pure: looks only at the loaded config (no files, no clock). Thread-safe.

#include <functional>
#include <optional>
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

/// The report interval the hub assumes for a sensor that sets no report_every, by source: pass
/// sensors::default_report_every, the function the hub itself uses (config cannot depend on sensors).
/// nullopt: the source has no silence check.
using report_default = std::function<std::optional<milliseconds>(source_type)>;

/// Everything legal but likely wrong in `cfg` (as returned by load_hub_config), in file order:
/// no timezone while a rule has a window or is a `due` rule (UTC is then assumed), a `due` window
/// that never opens or looks swapped, a window of zero length (it means all day),
/// a threshold with below >= above, an inactivity period shorter than a watched sensor's report
/// interval (its report_every, else `defaults(source)`: a dead sensor would raise inactivity before the
/// hub could report it offline), an alarm sensor with no report interval at all, a door with no `exit`
/// rule armed at night (22:00-07:00) while a bed or chair sensor exists, an exit rule with no sensor inside,
/// an out_of_bed rule without a window, a sensor without a location, a temperature sensor no rule reads, a
/// cancel button with no pre-alarm to cancel, an unencrypted uplink or DC-09 path to another machine, and a
/// heartbeat longer than the centre's default grace. Throws only what `defaults` throws.
std::vector<lint_warning> lint_hub_config(const hub_config& cfg, const report_default& defaults);

/// "FILE:LINE:COLUMN: warning: message".
std::string lint_text(const lint_warning& w);

}  // namespace warden::config
