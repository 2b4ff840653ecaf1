#pragma once
/// Activity insights at the centre (docs/activity.md): the hourly summaries hubs send, their storage
/// (activity_store), and the thresholds the wellbeing notices use. The analysis itself (baselines and
/// notices, pure code) is in activity_insights.hpp; the message's JSON in activity_json.hpp.

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "warden/common/time.hpp"

namespace warden::centre {

enum class change_result;  // store.hpp

/// One room's hour of a summary (`rooms[]`).
struct activity_room {
    std::string location;
    std::string role;  ///< bathroom, kitchen, bedroom, living, hall, other
    std::int64_t motion = 0;
    std::int64_t active_s = 0;
    std::optional<double> temp_min, temp_mean, temp_max;
    bool operator==(const activity_room&) const = default;
};

/// One hour's summary from one hub, as the message carries it (docs/activity.md, "The message").
struct activity_hour {
    std::string hub;
    time_point hour{};           ///< the hour's start, UTC, on a whole hour
    int utc_offset_min = 0;      ///< the hub's UTC offset in that hour (from `local`)
    std::int64_t covered_s = 0;  ///< 0..3600
    std::vector<activity_room> rooms;
    std::int64_t door_openings = 0;
    std::int64_t out_s = 0;
    std::int64_t bed_s = 0;
    std::vector<time_point> bed_in, bed_out;
    std::int64_t night_getups = 0;
    std::int64_t night_getup_s = 0;
    std::int64_t chair_s = 0;
    std::int64_t bathroom_visits = 0;
    std::int64_t night_bathroom_visits = 0;
    std::int64_t kitchen_active_s = 0;
    std::int64_t appliance_uses = 0;  ///< the sum over `appliances[]`
    std::int64_t appliance_on_s = 0;
    std::optional<time_point> first_activity, last_activity;
    bool operator==(const activity_hour&) const = default;

    /// Motion activations over every room.
    std::int64_t motion() const;
};

/// Storage of the summaries (one row per hub and hour) and the per-household settings. Thread rules
/// and errors as store.hpp's.
class activity_store {
public:
    virtual ~activity_store() = default;
    /// Stores each hour once per (hub, hour), with the household its hub is linked to now (none: kept
    /// unlinked, never shown), in ONE transaction. Returns, per hour, true if stored now, false if that
    /// hub's hour was stored already (a resend: nothing is replaced).
    virtual std::vector<bool> store_activity(const std::vector<activity_hour>& hours,
                                             time_point received) = 0;
    /// The household's hours with from <= hour < to, oldest first (by hour, then hub).
    virtual std::vector<activity_hour> household_activity(std::int64_t household, time_point from,
                                                          time_point to) = 0;
    /// Deletes every hour before `before` (retention); returns how many.
    virtual std::int64_t purge_activity(time_point before) = 0;
    /// The household's own thresholds as a JSON object text ("{}" if none).
    virtual std::string activity_settings(std::int64_t household) = 0;
    /// Replaces them, audited `activity_settings` (user `by`). not_found: no such household.
    virtual change_result set_activity_settings(std::int64_t household, const std::string& json_object,
                                                const std::string& by, time_point now) = 0;
};

}  // namespace warden::centre
