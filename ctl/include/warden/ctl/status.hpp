#pragma once
/// `warden-ctl status`: the hub's retained warden/local/state read and judged. Pure.

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "warden/common/time.hpp"

namespace warden::ctl {

/// What is wrong with a state message (empty: all well).
/// Problems: state older than 3 heartbeats at `now`, uplink down, DC-09 enabled but not connected,
/// a sensor offline or never seen (last_seen null), a battery low, a tamper, unreadable fields.
std::vector<std::string> judge_state(const nlohmann::json& state, time_point now, milliseconds heartbeat);

/// A human-readable report of the state: hub, uplink, DC-09, outbox, last ack, away, and a sensor table
/// (ONLINE is "yes", "NO" or "never seen").
std::string format_state(const nlohmann::json& state, time_point now);

}  // namespace warden::ctl
