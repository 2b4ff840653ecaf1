#pragma once
/// The alerts a sensor raises by itself, with no rule (private to warden::alerts; docs/rules.md):
/// alarm kinds in alarms.cpp, technical alerts (offline, silence, battery, tamper, bridge, the
/// hub's own faults) and sensor health in technical.cpp. Thread rules: those of the engine.

#include <cstddef>
#include <optional>
#include <string_view>
#include <vector>

#include "core.hpp"

namespace warden::alerts::detail {

/// An alarm kind (pendant, smoke, flood, ...) reported `e`: raised at once, in away mode too.
void alarm(engine_core& core, std::size_t i, const sensor_event& e, time_point now, output& out);

/// Sensor `i` was heard: it is online again, and its silence is counted from `now`.
void heard(engine_core& core, std::size_t i, time_point now, output& out);
/// Battery and tamper in a report of sensor `i`.
void technical_checks(engine_core& core, std::size_t i, const sensor_event& e, time_point now, output& out);
void on_availability(engine_core& core, const availability_change& a, time_point now, output& out);
void on_bridge(engine_core& core, const bridge_change& b, time_point now, output& out);

/// When sensor `i`'s silence runs out (report_every); nullopt if it has none or is offline already.
std::optional<time_point> silence_deadline(const engine_core& core, std::size_t i);
/// Raises sensor_offline for every sensor whose silence ran out at `d` or earlier.
void fire_silence(engine_core& core, time_point d, output& out);

/// A technical alert raised or cleared by the hub itself (engine::technical).
void hub_technical(engine_core& core, std::string_view type, bool raised, std::string_view text,
                   time_point now, output& out);

std::vector<sensor_health> health(const engine_core& core);

}  // namespace warden::alerts::detail
