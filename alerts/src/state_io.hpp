#pragma once
/// The engine's saved state (private to warden::alerts): what engine::save_state() writes to the
/// hub's store and engine::restore_state() reads back after a restart. The format is version 1
/// and must stay readable: a hub upgraded in place restores the state its old version saved
/// (tests/unit/alerts_test.cpp, Restart.StateSavedByAnEarlierVersionIsRestored).

#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "core.hpp"
#include "rule_unit.hpp"

namespace warden::alerts::detail {

/// Away mode, the last time seen, the open conditions, each sensor's state and each started rule's.
nlohmann::json save_state(const engine_core& core, const std::vector<rule_unit>& rules);

/// Reads what save_state() wrote; ignores state for rules or sensors no longer configured, a rule
/// whose type changed, and anything malformed.
void restore_state(engine_core& core, std::vector<rule_unit>& rules, const nlohmann::json& j);

}  // namespace warden::alerts::detail
