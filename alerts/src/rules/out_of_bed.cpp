// `out_of_bed`: out of bed or chair and not back (docs/rules.md).

#include <stdexcept>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "../rule_unit.hpp"

namespace warden::alerts::detail {

namespace {
std::string_view furniture(sensor_kind k) {
    return k == sensor_kind::chair ? "chair" : "bed";
}
}  // namespace

out_of_bed_rule::out_of_bed_rule(const engine_core& core, const config::rule_spec& r) : rule_base(r) {
    if (r.sensor.empty() || !r.within)
        throw std::invalid_argument(fmt::format("rule '{}': out_of_bed needs sensor and within", r.id));
    sensor = core.need_sensor(r, r.sensor);
    key = rule_key(r, core.cfg.sensors[sensor].id);
}

void out_of_bed_rule::reset(const engine_core&, time_point) {
    vacant_deadline.reset();
}

std::optional<time_point> out_of_bed_rule::deadline(const engine_core&) const {
    return vacant_deadline;
}

void out_of_bed_rule::fire(engine_core& core, time_point d, output& out) {
    const auto& r = *spec;
    const auto& sp = core.cfg.sensors[sensor];
    vacant_deadline.reset();
    core.raise(out, key, "out_of_bed", rule_priority(r), d, r.id, sp.id, sp.location,
               fmt::format("Out of {} for {}{}", furniture(sp.kind), format_duration(*r.within),
                           where(sp.location)));
}

void out_of_bed_rule::on_event(engine_core& core, const rule_input& in, output& out) {
    if (!in.fresh) return;  // a repeated state is not a new event
    if (in.sensor != sensor || in.event.signal == signal::none) return;
    const auto& r = *spec;
    const auto& sp = core.cfg.sensors[sensor];
    auto now = in.now;
    if (in.event.signal == signal::active) {
        vacant_deadline.reset();
        core.clear(out, key, now,
                   [&] { return fmt::format("Back in {}{}", furniture(sp.kind), where(sp.location)); });
    } else if (!vacant_deadline && !core.is_open(key) && core.clock.inside(r.windows, now) &&
               !core.window_closes_before(r, now, now + *r.within)) {
        // A check that would end after the window closes is not started: getting up at
        // 06:50 with a 22:00-07:00 window is the morning, not a night-time fall.
        vacant_deadline = now + *r.within;
    }
}

void out_of_bed_rule::set_away(engine_core& core, bool, time_point now, output&) {
    reset(core, now);
}

void out_of_bed_rule::clock_went_back(const engine_core&, time_point now) {
    if (vacant_deadline && *vacant_deadline > now + *spec->within) vacant_deadline = now + *spec->within;
}

void out_of_bed_rule::resume(engine_core&, time_point now, time_point overdue, output&) {
    if (vacant_deadline && *vacant_deadline <= now) vacant_deadline = overdue;
}

void out_of_bed_rule::save(nlohmann::json& o) const {
    o["vacant_deadline"] = time_json(vacant_deadline);
}

bool out_of_bed_rule::restore(const engine_core&, const nlohmann::json& o) {
    vacant_deadline = time_from(o, "vacant_deadline");
    return true;
}

}  // namespace warden::alerts::detail
