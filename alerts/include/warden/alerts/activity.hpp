#pragma once
/// Activity insights at the hub (docs/activity.md): sensor events in, hourly summaries out.
/// Pure like the rule engine: no clock, no threads, no I/O; it is told the time by the events and by
/// on_time(). Hours are UTC hours (start on a multiple of 3600 s); the local night is read in the
/// hub's zone, so the two clock-change nights of a year are handled by the zone, not by the hours.

#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "warden/common/event.hpp"
#include "warden/config/hub_config.hpp"

namespace date {
class time_zone;
}

namespace warden::alerts {

/// One room's hour: motion activations, seconds with something active there, its temperature.
struct room_hour {
    std::string location;
    config::room_role role = config::room_role::other;
    int motion = 0;
    int active_s = 0;
    struct temperature {
        double min = 0, mean = 0, max = 0;
        bool operator==(const temperature&) const = default;
    };
    std::optional<temperature> temp;
    bool operator==(const room_hour&) const = default;
};

struct appliance_hour {
    std::string appliance;
    int uses = 0;
    int on_s = 0;
    bool operator==(const appliance_hour&) const = default;
};

/// One finished hour, the message of docs/activity.md. Value type.
struct hour_summary {
    time_point hour{};           ///< start, UTC
    milliseconds utc_offset{0};  ///< the zone's offset at `hour`
    int covered_s = 0;
    std::vector<room_hour>
        rooms;  ///< every room with a motion, door, bed, chair, power or temperature sensor
    int door_openings = 0;
    int out_s = 0;
    int bed_occupied_s = 0;
    std::vector<time_point> bed_in_at, bed_out_at;
    int night_getups = 0;
    int night_getup_s = 0;
    int chair_occupied_s = 0;
    int bathroom_visits = 0;
    int night_bathroom_visits = 0;
    int kitchen_active_s = 0;
    std::vector<appliance_hour> appliances;  ///< every configured appliance
    std::optional<time_point> first_activity, last_activity;
    bool operator==(const hour_summary&) const = default;
};

/// The message body of docs/activity.md for `hub`.
nlohmann::json to_json(const hour_summary& s, std::string_view hub);
/// Reads a message back (warden-ctl, tests); nullopt if it is not one.
std::optional<hour_summary> summary_from_json(const nlohmann::json& j);
/// "2026-11-30T14:00:00+00:00": `t` as local time with `offset`, to the second.
std::string format_local_time(time_point t, milliseconds offset);

/// Thresholds of the summaries (docs/activity.md says what each means).
struct activity_tuning {
    /// Bathroom motion after this long without any counts as a new visit.
    milliseconds visit_gap{10 * 60'000};
    /// After an exit door closes, the home is judged empty if nothing moves inside for this long.
    milliseconds out_confirm{10 * 60'000};
    /// A night-time get-up: out of bed at least this long ...
    milliseconds getup_min{60'000};
    /// ... and back within this long.
    milliseconds getup_max{3 * 3'600'000};
    /// A motion sensor that never reports a clear is taken as clear this long after its last report.
    milliseconds motion_hold{90'000};
    /// The summary period: an hour. Only tests shorten it (to see hours end in seconds); it must
    /// divide a day.
    milliseconds hour{3'600'000};
};

/// Thread rules: not thread-safe; one thread drives it (the hub's io_context, or a replay).
class activity_tracker {
public:
    /// `cfg.activity` may be absent (then: defaults, every room "other"). `zone` must outlive the
    /// tracker. Exit doors are those of `exit` rules and `[activity] exit_doors`.
    activity_tracker(const config::hub_config& cfg, const date::time_zone* zone, activity_tuning tuning = {});
    ~activity_tracker();
    activity_tracker(activity_tracker&&) noexcept;
    activity_tracker& operator=(activity_tracker&&) noexcept;

    /// The hub (re)started at `now`: covering begins. After restore_state(), the saved hour resumes
    /// if `now` lies in it (the time the hub was down is left out of covered_s), or is finished as
    /// it was (partial) if `now` is later; hours the hub was down throughout are not reported.
    /// Call once, after restore_state() if any.
    void start(time_point now);
    /// A sensor event (its `at` is the time). Events of sensors the tracker does not know are ignored.
    void on_event(const sensor_event& e);
    /// Time passes: finishes the hours that ended by `now`. Harmless to call early or repeatedly.
    void on_time(time_point now);
    /// When on_time() next has something to do (the current hour's end, or the end of a wait to
    /// judge the home empty).
    time_point next_deadline() const;

    /// Hours finished since the last call, in hour order.
    std::vector<hour_summary> take_finished();
    /// True if finished hours wait to be taken.
    bool has_finished() const noexcept;

    /// The state to persist with each commit, and to restore after a restart.
    nlohmann::json save_state() const;
    /// Ignores what no longer matches the config (sensors, rooms, appliances); tolerates garbage.
    void restore_state(const nlohmann::json& state);

private:
    struct impl;
    std::unique_ptr<impl> impl_;
};

}  // namespace warden::alerts
