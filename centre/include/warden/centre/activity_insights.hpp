#pragma once
/// Baselines and wellbeing notices from one household's hourly summaries (docs/activity.md, "At the
/// centre"). Pure code: no clock, no store, no I/O; the time is an argument, so tests drive it through
/// generated weeks in virtual time.
///
/// Days are the hub's local days (each hour's own UTC offset, so a clock-change day has 23 or 25
/// hours). An hour covered less than thresholds.min_cover_s is missing, and a day with fewer than
/// min_day_hours good hours is missing: it neither raises a notice nor breaks or ends a run of days.

#include <array>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "warden/centre/activity.hpp"
#include "warden/config/centre_config.hpp"

namespace warden::centre {

using config::activity_thresholds;

/// One local hour of a day, all of the household's hubs together.
struct activity_cell {
    std::int64_t covered_s = 0;
    bool missing = true;
    std::int64_t motion = 0;
    std::map<std::string, std::int64_t> motion_by_role;  ///< bathroom, kitchen, bedroom, ...
    std::int64_t bed_s = 0;
    std::int64_t out_s = 0;
};

/// One local day.
struct activity_day {
    std::int64_t day = 0;  ///< days since 1970-01-01, local
    std::string date;      ///< YYYY-MM-DD
    bool weekend = false;
    int good_hours = 0;
    bool missing = true;
    std::array<activity_cell, 24> cells{};
    std::int64_t motion = 0;
    std::int64_t kitchen_s = 0;
    std::int64_t appliance_uses = 0;
    std::int64_t out_s = 0;
    std::int64_t bed_s = 0;
    std::int64_t bathroom_visits = 0;
    /// Night-time bathroom visits of the night that ended this morning (noon before to noon).
    std::int64_t night_bathroom = 0;
    bool night_missing = true;
    std::optional<int> rise_min;  ///< getting up, minutes after local midnight
    /// Motion per good hour at home, and the same hours' motion expected from the hour-of-day baseline.
    double activity = 0, activity_expected = 0;
};

/// A point of a trend: the day's value and its baseline (the previous days' typical value and band).
struct trend_point {
    std::string date;
    std::optional<double> value;
    std::optional<double> low, mid, high;  ///< baseline band: 10th and 90th percentile, and typical
};

/// A key metric over the days shown.
struct activity_trend {
    std::string metric;  ///< night_bathroom, rise, activity, kitchen, out
    std::string label;
    std::string unit;  ///< "visits", "time", "%", "h"
    std::vector<trend_point> points;
};

/// One day's figure behind a notice.
struct notice_evidence {
    std::string date;
    double value = 0;
    std::optional<double> baseline;
};

/// A wellbeing notice: a change that persisted. Not an alarm.
struct wellbeing_notice {
    std::string kind;      ///< night_bathroom, late_rise, no_kitchen, no_time_out, cold_room, low_activity
    std::string title;     ///< one line for the list
    std::string evidence;  ///< the figures and the days, in words
    std::string from;      ///< the first day of the pattern (YYYY-MM-DD)
    std::string to;        ///< the last day it was seen
    bool active = false;   ///< still seen on the latest day with data; false: it ended (cleared)
    std::string room;      ///< cold_room: the room's location
    std::vector<notice_evidence> days;
};

/// What the console shows for a household.
struct activity_view {
    std::vector<activity_day> days;  ///< the days shown, oldest first (including missing ones)
    std::vector<activity_trend> trends;
    std::vector<wellbeing_notice> notices;  ///< raised within the days shown, active first
    /// Motion by local hour of day over the baseline window: weekday and weekend means.
    std::array<double, 24> hourly_weekday{}, hourly_weekend{};
};

/// How many days of hours analyse_activity needs before the days shown (the baseline and the runs).
int activity_lookback_days(const activity_thresholds& t);

/// Analyses `hours` (one household's, any order, several hubs allowed) up to `now`: the `days_shown`
/// local days ending today, with trends and the notices raised in them. Pass the hours from
/// days_shown + activity_lookback_days(t) days back.
activity_view analyse_activity(const std::vector<activity_hour>& hours, const activity_thresholds& t,
                               time_point now, int days_shown);

/// How many days of hours active_notices needs: the baseline and the longest run before yesterday.
int notices_lookback_days(const activity_thresholds& t);

/// The household's notices that are active at `now` (the caseload list): analyse_activity's notices
/// over the last 2 days (yesterday is the latest complete day), keeping the active ones. Pass the hours
/// from notices_lookback_days(t) days back. A run longer than that window shows as starting at its edge.
std::vector<wellbeing_notice> active_notices(const std::vector<activity_hour>& hours,
                                             const activity_thresholds& t, time_point now);

/// The thresholds with the keys of `overrides` (a JSON object text, as stored per household) applied.
/// Throws std::invalid_argument naming a key that is unknown or out of range.
activity_thresholds with_overrides(activity_thresholds base, const std::string& overrides);

}  // namespace warden::centre
