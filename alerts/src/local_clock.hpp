#pragma once
/// Local wall-clock arithmetic for rule windows and daily times (private to warden::alerts).
///
/// The zone's offsets change a few times a year, so the clock keeps the offset period it last looked
/// up (date::sys_info's begin, end and offset) and answers from it whenever a question lies well
/// inside that period, two days or more from either end: there the answer is the zone's own, with
/// no ambiguous or skipped local time possible. Near an offset change, and for anything the cache
/// does not cover, it asks the zone. Same answers, no lock and no allocation on the common path.
/// Thread rules: not thread-safe (the cache); one thread, that of the engine.

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
    /// The zone's offset from UTC at `t`.
    milliseconds offset(time_point t) const { return period_of(t).offset; }
    /// The local calendar day containing `t`.
    date::local_days local_day(time_point t) const;
    /// The instant of local day `d` + `minute`. A time skipped by a DST change maps to the change
    /// itself; a repeated time maps to its first occurrence.
    time_point at(date::local_days d, int minute) const;

    /// True if `t` lies inside one of `windows` (an empty list means always).
    bool inside(const std::vector<time_window>& windows, time_point t) const;
    /// True if an instant in (a, b) at which membership of `windows` may change (see boundaries)
    /// lies outside `windows`: a window closes (or the clock leaves it) before `b`.
    bool leaves_before(const std::vector<time_window>& windows, time_point a, time_point b) const;
    /// The instant at which `amount` of time inside `windows` has passed since `start`
    /// (start + amount when there are no windows). Gives up after about 400 days.
    time_point advance(const std::vector<time_window>& windows, time_point start, milliseconds amount) const;

private:
    /// One offset period of the zone: [begin, end) at `offset` from UTC.
    struct period {
        time_point begin{time_point::max()}, end{time_point::min()};
        milliseconds offset{0};
    };

    /// The offset period containing `t` (looked up in the zone when the cached one does not hold it).
    const period& period_of(time_point t) const;
    /// Every instant in (a, b] at which membership of `windows` may change (window edges, both
    /// occurrences of a repeated edge, and zone offset changes), sorted, into `out` (cleared first).
    void boundaries(const std::vector<time_window>& windows, time_point a, time_point b,
                    std::vector<time_point>& out) const;
    /// The cached period if [a, b] lies two days or more inside it (after looking up `a`), else null.
    const period* steady(time_point a, time_point b) const;
    /// advance() and leaves_before() within one steady period; nullopt where they need the zone.
    std::optional<time_point> advance_steady(const std::vector<time_window>& windows, time_point start,
                                             milliseconds amount) const;
    std::optional<bool> leaves_steady(const std::vector<time_window>& windows, time_point a,
                                      time_point b) const;

    const date::time_zone* zone_;
    mutable period cached_;
    mutable std::vector<time_point> edges_;  ///< boundaries() of the slow paths, its capacity reused
};

}  // namespace warden::alerts::detail
