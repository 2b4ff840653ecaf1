#pragma once
// How every backend keeps a hub's away mode in its row (private to centre/store): away (NULL: unknown,
// 0 off, 1 on), away_since_ms (NULL: not known), away_by, away_user, away_request (text, '' if none).

#include <cstdint>
#include <optional>
#include <string>

#include "warden/common/away.hpp"

namespace warden::centre::away_columns {

/// The values of the five columns, in that order.
struct row {
    std::optional<std::int64_t> on;
    std::optional<time_point> since;
    std::string by, user, request;
};

inline row to_row(const std::optional<away_state>& a) {
    if (!a) return {};
    return {a->on ? 1 : 0, a->since, a->by == away_setter::unknown ? "" : std::string(to_string(a->by)),
            a->user, a->request};
}

/// Unknown when `on` is NULL (a hub that never said, or a row from before migration 8).
inline std::optional<away_state> from_row(row r) {
    if (!r.on) return std::nullopt;
    return away_state{*r.on != 0, r.since, parse_away_setter(r.by), std::move(r.user), std::move(r.request)};
}

}  // namespace warden::centre::away_columns
