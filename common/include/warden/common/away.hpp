#pragma once
/// A hub's away mode as the hub reports it to the centre: the heartbeat's "away" field (docs/hub.md),
/// `{"on":true,"since":"<ISO time>","by":"centre","user":"olive","request":"c-1a2b"}`. The hub keeps
/// it with its rule state; the centre stores the last one heard. A heartbeat without the field (an
/// older hub) says nothing: the centre then holds the hub's away mode as unknown.

#include <optional>
#include <string>
#include <string_view>

#include <nlohmann/json_fwd.hpp>

#include "warden/common/time.hpp"

namespace warden {

/// Who made the last change of away mode.
enum class away_setter {
    unknown,  ///< not known: saved by a hub that did not record it, or a word this build does not know
    centre,   ///< the centre's `away` command (an operator in the console or the API)
    local,    ///< warden/local/away: an app or automation in the home
    ctl,      ///< warden/local/command {"cmd":"away"}: warden-ctl or a tool in the home
    button,   ///< a sensor with away_button = true
};

/// Away mode and its last change. Value type.
struct away_state {
    bool on = false;
    std::optional<time_point> since;  ///< the last change; nullopt: never changed, or not recorded
    away_setter by = away_setter::unknown;
    std::string user;     ///< by centre: the operator who sent the command ("" if not said)
    std::string request;  ///< by centre or ctl: the command's request id ("" if none)
    bool operator==(const away_state&) const = default;
};

/// "unknown", "centre", "local", "ctl", "button".
std::string_view to_string(away_setter s) noexcept;
/// The word's setter; unknown for any other word.
away_setter parse_away_setter(std::string_view word) noexcept;

/// The longest `user` or `request` taken from a message; a longer one is dropped (read as "").
inline constexpr std::size_t away_text_max = 128;

/// {"on"} plus "since", "by", "user", "request" when known (empty ones omitted).
nlohmann::json to_json(const away_state& a);
/// Reads the field leniently: nullopt unless `j` is an object with a boolean "on" (the state is then
/// unknown); a bad or missing "since" is read as not known, an unknown "by" as away_setter::unknown,
/// a "user" or "request" that is not a string of at most away_text_max bytes as "".
std::optional<away_state> away_state_from_json(const nlohmann::json& j);

}  // namespace warden
