#pragma once
/// `warden-ctl replay`: a recording fed through the hub's own sensor router and rule engine on
/// virtual time. Pure: no clock, no I/O.

#include <optional>
#include <vector>

#include "warden/common/alert.hpp"
#include "warden/config/hub_config.hpp"
#include "warden/ctl/recording.hpp"

namespace date {
class time_zone;
}

namespace warden::ctl {

struct replay_options {
    std::optional<time_point> from;    ///< ignore messages before this
    std::optional<time_point> to;      ///< ignore messages at or after this
    std::optional<time_point> until;   ///< run the rules' deadlines up to here (default: the last message)
    bool include_hub_started = false;  ///< the engine's hub_started alert at the start (left out by default)
};

/// The config as the hub runs it: every sensor without `report_every` gets its source's default
/// (sensors::default_report_every).
config::hub_config with_hub_defaults(config::hub_config cfg);

/// Replays `messages` (in file order; times should not go backwards) and returns the alerts raised,
/// in order, with ids "replay-<n>", seq n, `hub` = the config's id and `clears` filled in.
/// The engine starts at the first message's time. Messages on warden/local/away and
/// warden/local/cancel act as they do on the hub. `zone` must outlive the call.
/// Throws std::invalid_argument when the engine refuses the config.
std::vector<alert> replay(const config::hub_config& cfg, const date::time_zone* zone,
                          const std::vector<recorded_message>& messages, const replay_options& opts = {});

}  // namespace warden::ctl
