#pragma once
/// A builder of hourly activity summaries (docs/activity.md, "The message") for the centre's tests,
/// benchmark and demo: one resident's days with a routine (getting up, meals in the kitchen with the
/// kettle, the living room, an outing on most days, bed, a night-time bathroom visit or two), weekend
/// mornings later, seeded noise, and changes injected from a given day (more night-time bathroom
/// visits, later mornings, no kitchen use, no outings, a cold bedroom, less activity, hours without
/// cover). Deterministic for a seed. The hub's own generator lives with the hub; this one only needs to
/// produce what the contract allows.

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "warden/centre/activity.hpp"

namespace warden::test {

/// Changes from a day on (day numbers count from the first day built, 0-based).
struct activity_changes {
    std::optional<int> uti_from;         ///< 4 or 5 night-time bathroom visits a night
    std::optional<int> late_rise_from;   ///< up 2.5 hours later than usual
    std::optional<int> no_kitchen_on;    ///< that one day: no kitchen, no kettle
    std::optional<int> housebound_from;  ///< no outings
    std::optional<int> cold_bedroom_on;  ///< that day: bedroom 13-15 °C from 00:00 to 10:00
    std::optional<int> decline_from;     ///< motion down to 40 % of the usual
    std::optional<int> outage_on;        ///< that day: the hub off from 06:00 to 14:00 (no cover)
    std::optional<int> until;            ///< the `_from` changes end on this day
};

struct activity_weeks {
    std::string hub = "hub-0001";
    /// Local midnight of the first day, UTC (the hub's offset is utc_offset_min).
    time_point first_day{};
    int days = 56;
    int utc_offset_min = 0;
    std::uint32_t seed = 1;
    activity_changes changes;
    /// The hours of every day, in order.
    std::vector<centre::activity_hour> build() const;
};

/// Local midnight `days_before` days before the one containing `now` (offset 0).
time_point midnight_days_before(time_point now, int days_before);

}  // namespace warden::test
