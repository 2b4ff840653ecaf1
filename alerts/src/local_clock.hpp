#pragma once
/// Local wall-clock arithmetic for rule windows and daily times (private to warden::alerts).
/// Pure functions of a time zone; thread-safe as long as the zone is.

#include <optional>
#include <vector>

#include <date/tz.h>

#include "warden/common/time.hpp"

namespace warden::alerts::detail {

class local_clock {
public:
    explicit local_clock(const date::time_zone* zone) : zone_(zone) {}

    /// Minutes since local midnight at `t` (0..1439).
    int minute_of_day(time_point t) const;
    /// The local calendar day containing `t`.
    date::local_days local_day(time_point t) const;
    /// The instant of local day `d` + `minute`. A time skipped by a DST change maps to the change
    /// itself; a repeated time maps to its first occurrence.
    time_point at(date::local_days d, int minute) const;

    /// True if `t` lies inside one of `windows` (an empty list means always).
    bool inside(const std::vector<time_window>& windows, time_point t) const;
    /// Every instant in (a, b] at which membership of `windows` may change (window edges, both
    /// occurrences of a repeated edge, and zone offset changes), sorted.
    std::vector<time_point> boundaries(const std::vector<time_window>& windows, time_point a,
                                       time_point b) const;
    /// The instant at which `amount` of time inside `windows` has passed since `start`
    /// (start + amount when there are no windows). Gives up after about 400 days.
    time_point advance(const std::vector<time_window>& windows, time_point start, milliseconds amount) const;

private:
    const date::time_zone* zone_;
};

}  // namespace warden::alerts::detail
