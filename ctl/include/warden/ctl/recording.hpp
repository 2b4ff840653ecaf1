#pragma once
/// Recordings of the home broker (SPEC 2.4): one JSON object per line,
/// `{"at":"2026-11-28T23:00:00Z","topic":"zigbee2mqtt/bed","payload":{"occupancy":true}}`.
/// `payload` is the JSON value when the raw bytes are JSON, else a string. Pure functions.

#include <istream>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "warden/common/time.hpp"

namespace warden::ctl {

/// One recorded message; `payload` holds the raw bytes the broker carried.
struct recorded_message {
    time_point at{};
    std::string topic;
    std::string payload;
    bool operator==(const recorded_message&) const = default;
};

/// A line that is not a valid recording entry; what() names the line number and the problem.
class recording_error : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

/// One JSON line for a message (no trailing newline). A payload that parses as JSON is embedded as a
/// JSON value, anything else as a string (invalid UTF-8 bytes replaced by U+FFFD).
std::string format_recording_line(const recorded_message& m);

/// Parses one line (`name` and `line_no` are for the error message). A string payload is taken as the raw
/// bytes; any other JSON value is serialised compactly. Throws recording_error.
recorded_message parse_recording_line(std::string_view line, std::string_view name, int line_no);

/// Reads every non-blank line of a stream. Throws recording_error at the first bad line.
std::vector<recorded_message> read_recording(std::istream& in, std::string_view name);

}  // namespace warden::ctl
