#pragma once
/// The HTTP API's JSON shapes (the brief's API contract). Pure functions.

#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "warden/centre/store.hpp"

namespace warden::centre {

/// How deep any JSON the centre accepts (MQTT payloads, HTTP bodies) may nest.
inline constexpr int max_json_depth = 32;

/// True if the objects and arrays in `text` nest no deeper than `max_depth` (brackets inside strings
/// do not count). A linear scan without recursion, run before parsing: nlohmann's parser is
/// iterative, but dump(), copies and comparisons recurse once per level, so a 13,000-level payload
/// would overflow a thread's stack after it had been accepted. Malformed text is left to the parser.
bool json_within_depth(std::string_view text, int max_depth = max_json_depth) noexcept;

/// Parses `text` if it is no deeper than max_json_depth and holds no NUL byte (JSON allows none
/// outside escapes, and nlohmann's parser would stop at one and ignore the rest); a discarded value
/// otherwise (as for bad JSON).
nlohmann::json parse_bounded_json(std::string_view text);

/// The hub's alert fields plus status, received_at, acknowledged_at/by, resolved_at/by, outcome, note,
/// cleared_at, held_until/by, supervisor_at/by (null where not yet).
nlohmann::json to_json(const stored_alert& a);
/// {"hub","count","untaken","critical_untaken","oldest_untaken","next_callback","top":{alert}}.
nlohmann::json to_json(const queue_group& g);
/// {"at","action","user","detail"}.
nlohmann::json to_json(const history_entry& h);
/// {"id","online","last_heartbeat","last_seen","status","outbox","sensors":{..},"version","disabled",
/// "away":{"on","since","by","user","request"} or null (unknown)}.
nlohmann::json to_json(const hub_record& h);
/// {"id","at","user","action","target","detail"}.
nlohmann::json to_json(const audit_entry& e);

/// Answer-time figures for /api/stats against the telecare code of practice targets, at `now`.
/// `within_60s` is the share answered within 60 s of receipt among the alerts whose fate is known: those
/// answered, and those still waiting after more than 60 s (which can no longer make it). An alert still
/// waiting that is 60 s old or younger is left out: it may yet be answered in time. Likewise for 180 s.
nlohmann::json answer_stats(const std::vector<answer_time>& times, time_point now);

}  // namespace warden::centre
