#pragma once
/// Activity summaries from a recording (`warden-ctl replay --activity`), and their daily roll-up.
/// The summaries come from the hub's own tracker (warden/alerts/activity.hpp) fed by the hub's own
/// sensor router, on virtual time. Pure: no clock, no I/O.

#include <map>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "warden/alerts/activity.hpp"
#include "warden/config/hub_config.hpp"
#include "warden/ctl/recording.hpp"
#include "warden/ctl/replay.hpp"

namespace date {
class time_zone;
}

namespace warden::ctl {

/// The hourly summaries a hub with this config would have sent for `messages` (share or not), from
/// the first message's time to `opts.until` (default: the last message). `zone` must outlive the call.
std::vector<alerts::hour_summary> replay_activity(const config::hub_config& cfg, const date::time_zone* zone,
                                                  const std::vector<recorded_message>& messages,
                                                  const replay_options& opts = {});

/// One local day, summed from its hours (what a care professional reads first).
struct day_summary {
    std::string date;  ///< local "YYYY-MM-DD"
    int hours = 0;     ///< hours reported (23 or 25 on clock-change days, fewer if the hub was down)
    int covered_s = 0;
    int motion = 0;
    int active_s = 0;
    int bathroom_visits = 0;
    int night_bathroom_visits = 0;
    int night_getups = 0;
    int night_getup_s = 0;
    int door_openings = 0;
    int out_s = 0;
    int kitchen_active_s = 0;
    int bed_occupied_s = 0;
    int chair_occupied_s = 0;
    std::map<std::string, int> appliance_uses;
    std::optional<time_point> first_activity, last_activity;
    /// Up for the day: the last time the bed was left between 04:00 and 14:00 local and not taken
    /// again before 14:00.
    std::optional<time_point> up_at;
    /// The coldest room's minimum, and the hours any room's mean was below 16 °C.
    std::optional<double> min_temp;
    int cold_hours = 0;
};

/// Groups hours by their local date (the hour's start with its offset), in order.
std::vector<day_summary> daily(const std::vector<alerts::hour_summary>& hours);
nlohmann::json to_json(const day_summary& d);

}  // namespace warden::ctl
