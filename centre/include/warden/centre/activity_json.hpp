#pragma once
/// The activity summary message as JSON (docs/activity.md, "The message"), and the activity view the
/// API answers with (docs/api.md, "Activity").

#include <chrono>
#include <stdexcept>

#include <nlohmann/json.hpp>

#include "warden/centre/activity.hpp"
#include "warden/centre/activity_insights.hpp"

namespace warden::centre {

/// A summary the centre refuses, with what is wrong ("hour: not on a whole hour").
class bad_activity : public std::invalid_argument {
public:
    using std::invalid_argument::invalid_argument;
};

/// Reads and checks one summary message. Throws bad_activity naming the field at fault: a missing or
/// mistyped field, a version other than 1, an hour not on a whole hour, `local` not the same instant,
/// a count below zero, a duration beyond the hour, a time outside the hour, more than 64 rooms, a
/// location or role with control characters or longer than 64 bytes. `period` is the hour's length
/// (tests run hubs whose "hours" last seconds: `hour` must then start on a whole period).
activity_hour activity_from_json(const nlohmann::json& j,
                                 std::chrono::milliseconds period = std::chrono::hours{1});

/// The message form of a stored hour (the subject-access export; round-trips activity_from_json).
nlohmann::json to_json(const activity_hour& h);

/// "2026-11-30T14:00:00Z".
std::string iso_seconds(time_point t);

/// The view as the API answers it: days (each with its 24 cells), trends, notices, hourly baselines.
nlohmann::json to_json(const activity_view& v);

/// A notice with its evidence: {"kind","title","evidence","from","to","active","days":[...],"room"?}.
nlohmann::json to_json(const wellbeing_notice& n);

/// The thresholds as a JSON object with every key.
nlohmann::json to_json(const activity_thresholds& t);

}  // namespace warden::centre
