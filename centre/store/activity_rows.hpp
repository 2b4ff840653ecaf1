#pragma once
// How every backend lays an hour of activity out in a row (private to centre/store): rooms one per line
// with tab-separated fields, bed times as seconds after the hour, comma separated. Plain text columns,
// no JSON functions, so both dialects read and write them the same way.

#include <string>
#include <string_view>
#include <vector>

#include "warden/centre/activity.hpp"

namespace warden::centre::activity_rows {

/// One line per room: location, role, motion, active_s, min, mean, max (empty: no temperature).
std::string rooms_text(const std::vector<activity_room>& rooms);
std::vector<activity_room> rooms_of(std::string_view text);
/// Times in the hour as seconds after its start, comma separated.
std::string offsets_text(time_point hour, const std::vector<time_point>& times);
std::vector<time_point> times_of(time_point hour, std::string_view text);

}  // namespace warden::centre::activity_rows
