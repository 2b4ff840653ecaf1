#pragma once
/// A generator of realistic weeks for one household: a daily routine with noise, weekends, the
/// sensors' own report patterns (zigbee2mqtt occupancy payloads and their clear after the
/// occupancy timeout, periodic temperature reports, ...) and injected changes, as a recording of the
/// home broker (SPEC 2.4) for the given home config. For tests, `warden-ctl generate-week` and the
/// demo. Pure and deterministic: the same options give the same messages.

#include <cstdint>
#include <optional>
#include <vector>

#include "warden/config/hub_config.hpp"
#include "warden/ctl/recording.hpp"

namespace date {
class time_zone;
}

namespace warden::ctl {

/// What happens to the household from a given day (0 = the first day generated) on.
struct household_changes {
    /// A urinary infection: 3 to 5 night-time trips to the bathroom instead of 0 or 1.
    std::optional<int> infection_from;
    /// A cold spell: the coldest room with a temperature sensor stays at 13-15 °C for 8 to 10 hours a
    /// day, for `cold_days` days.
    std::optional<int> cold_from;
    int cold_days = 3;
    /// A slow decline: rising about 30 minutes later each day, fewer moves and outings, meals missed
    /// more and more often.
    std::optional<int> decline_from;
};

struct household_options {
    /// The first local day (its midnight in the home's zone is where the recording starts).
    int year = 2026;
    unsigned month = 11;
    unsigned day = 2;
    int days = 14;
    std::uint32_t seed = 1;
    household_changes changes;
};

/// The messages of `opts.days` days of the household in `cfg` (its sensors by kind and room role:
/// bed, chair, bathroom / kitchen / other motion, exit door, appliances, temperature), in time order.
/// Sensors a home lacks are simply not used. `zone` must outlive the call.
std::vector<recorded_message> generate_household(const config::hub_config& cfg, const date::time_zone* zone,
                                                 const household_options& opts);

}  // namespace warden::ctl
