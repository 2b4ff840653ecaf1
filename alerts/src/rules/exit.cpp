// `exit`: the resident may have left (docs/rules.md).

#include <algorithm>
#include <stdexcept>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "../rule_unit.hpp"

namespace warden::alerts::detail {

exit_rule::exit_rule(const engine_core& core, const config::rule_spec& r) : rule_base(r) {
    if (r.sensor.empty() || (!r.within && !r.open_for))
        throw std::invalid_argument(fmt::format("rule '{}': exit needs sensor and within or open_for", r.id));
    sensor = core.need_sensor(r, r.sensor);
    watched = core.activity_sensors(r.inside, r, true);
    std::erase(watched, sensor);
    key = rule_key(r, core.cfg.sensors[sensor].id);
}

void exit_rule::reset(const engine_core&, time_point) {
    left_deadline.reset();
    open_deadline.reset();
}

std::optional<time_point> exit_rule::deadline(const engine_core&) const {
    if (left_deadline && (!open_deadline || *left_deadline <= *open_deadline)) return left_deadline;
    return open_deadline;
}

void exit_rule::fire(engine_core& core, time_point d, output& out) {
    const auto& r = *spec;
    const auto& sp = core.cfg.sensors[sensor];
    auto prio = rule_priority(r);
    if (left_deadline && *left_deadline <= d) {
        left_deadline.reset();
        if (!core.is_open(key)) {
            reason = "left";
            open_deadline.reset();
            core.raise(out, key, "exit", prio, d, r.id, sp.id, sp.location,
                       fmt::format("Door opened, no activity inside for {}{}", format_duration(*r.within),
                                   where(sp.location)));
        }
    }
    if (open_deadline && *open_deadline <= d) {
        open_deadline.reset();
        if (!core.is_open(key)) {
            reason = "open";
            left_deadline.reset();
            core.raise(out, key, "exit", prio, d, r.id, sp.id, sp.location,
                       fmt::format("Door open for {}{}", format_duration(*r.open_for), where(sp.location)));
        }
    }
}

void exit_rule::on_event(engine_core& core, const rule_input& in, output& out) {
    if (!in.fresh) return;  // a repeated state is not a new event
    const auto& r = *spec;
    const auto& sp = core.cfg.sensors[in.sensor];
    auto now = in.now;
    auto sig = in.event.signal;
    if (in.sensor == sensor) {
        if (sig == signal::active) {
            if (core.is_open(key) || !core.clock.inside(r.windows, now)) return;
            // As for out_of_bed: a check that would outlast the window is not started.
            // A new opening replaces the pending check (the resident may have come back in).
            if (r.within) {
                if (core.window_closes_before(r, now, now + *r.within))
                    left_deadline.reset();
                else
                    left_deadline = now + *r.within;
            }
            if (r.open_for && !open_deadline && !core.window_closes_before(r, now, now + *r.open_for))
                open_deadline = now + *r.open_for;
        } else if (sig == signal::inactive) {
            open_deadline.reset();
            if (core.is_open(key) && reason == "open")
                core.clear(out, key, now, fmt::format("Door closed{}", where(sp.location)));
        }
    } else if (sig == signal::active &&
               std::find(watched.begin(), watched.end(), in.sensor) != watched.end()) {
        // Someone moving inside after the door opened: the resident did not leave.
        left_deadline.reset();
        if (core.is_open(key) && reason == "left")
            core.clear(out, key, now, fmt::format("Activity inside{}", where(sp.location)));
    }
}

void exit_rule::set_away(engine_core& core, bool, time_point now, output&) {
    reset(core, now);
}

void exit_rule::clock_went_back(const engine_core&, time_point now) {
    const auto& r = *spec;
    if (left_deadline && r.within && *left_deadline > now + *r.within) left_deadline = now + *r.within;
    if (open_deadline && r.open_for && *open_deadline > now + *r.open_for) open_deadline = now + *r.open_for;
}

void exit_rule::resume(engine_core&, time_point now, time_point overdue, output&) {
    if (left_deadline && *left_deadline <= now) left_deadline = overdue;
    if (open_deadline && *open_deadline <= now) open_deadline = overdue;
}

void exit_rule::save(nlohmann::json& o) const {
    o["left_deadline"] = time_json(left_deadline);
    o["open_deadline"] = time_json(open_deadline);
    o["exit_reason"] = reason;
}

bool exit_rule::restore(const engine_core&, const nlohmann::json& o) {
    left_deadline = time_from(o, "left_deadline");
    open_deadline = time_from(o, "open_deadline");
    reason = o.value("exit_reason", std::string{});
    return true;
}

}  // namespace warden::alerts::detail
