#pragma once
/// `warden-ctl check`: the short summary of a valid hub config. Pure.

#include <string>

#include <nlohmann/json.hpp>

#include "warden/config/hub_config.hpp"

namespace warden::ctl {

/// {"hub":..,"timezone":..,"sensors":N,"sensors_by_kind":{"motion":2,..},"rules":N,
///  "rules_by_type":{..},"centre":uri,"dc09":bool}
nlohmann::json summarise(const config::hub_config& cfg);

/// The summary as a few lines of text.
std::string format_summary(const config::hub_config& cfg);

}  // namespace warden::ctl
