// `inactivity`: no activity for a while (docs/rules.md).

#include <algorithm>
#include <stdexcept>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "../rule_unit.hpp"

namespace warden::alerts::detail {

inactivity_rule::inactivity_rule(const engine_core& core, const config::rule_spec& r) : rule_base(r) {
    if (!r.period || r.period->count() <= 0)
        throw std::invalid_argument(fmt::format("rule '{}': inactivity needs a positive period", r.id));
    watched = core.activity_sensors(r.sensors, r, false);
    for (const auto& id : r.paused_by) pausers.push_back(core.need_sensor(r, id));
}

void inactivity_rule::recompute(const engine_core& core) {
    const auto& r = *spec;
    expiry = core.clock.advance(r.windows, anchor, *r.period);
    warn_at.reset();
    if (r.warn && r.warn->count() > 0 && *r.warn < *r.period)
        warn_at = core.clock.advance(r.windows, anchor, *r.period - *r.warn);
}

/// A full new period from `now`.
void inactivity_rule::restart(const engine_core& core, time_point now) {
    prealarm = false;
    anchor = now;
    recompute(core);
}

void inactivity_rule::reset(const engine_core& core, time_point now) {
    restart(core, now);
}

/// An inactivity rule does not run while one of its `paused_by` sensors reports occupied.
bool inactivity_rule::paused(const engine_core& core) const {
    return std::any_of(pausers.begin(), pausers.end(), [&](std::size_t j) {
        return core.sensors[j].last_signal == signal_name(core.cfg.sensors[j].kind, signal::active);
    });
}

std::optional<time_point> inactivity_rule::deadline(const engine_core& core) const {
    if (core.away || core.is_open(rule_key(*spec)) || paused(core)) return std::nullopt;
    return warn_at && !prealarm ? warn_at : std::optional{expiry};
}

void inactivity_rule::fire(engine_core& core, time_point d, output& out) {
    const auto& r = *spec;
    if (warn_at && !prealarm && *warn_at <= d && d < expiry) {
        prealarm = true;
        out.notices.push_back({local_notice::what::prealarm, r.id, d, expiry, core.away});
    } else if (expiry <= d) {
        prealarm = false;
        core.raise(out, rule_key(r), "inactivity", rule_priority(r), d, r.id, "", "", [&] {
            return fmt::format("No activity for {}{}", format_duration(*r.period), windows_text(r));
        });
    }
}

void inactivity_rule::on_event(engine_core& core, const rule_input& in, output& out) {
    if (!in.fresh) return;  // a repeated state is not a new event
    // Getting into bed (or out of it) is activity too for a rule it pauses: the period
    // stops while the bed is occupied, and a full one starts when it goes vacant.
    if (in.event.signal == signal::none) return;
    if (std::find(watched.begin(), watched.end(), in.sensor) == watched.end() &&
        std::find(pausers.begin(), pausers.end(), in.sensor) == pausers.end())
        return;
    const auto& r = *spec;
    if (prealarm)
        out.notices.push_back({local_notice::what::prealarm_cancelled, r.id, in.now, expiry, core.away});
    core.clear(out, rule_key(r), in.now,
               [&] { return fmt::format("Activity again{}", where(core.cfg.sensors[in.sensor].location)); });
    restart(core, in.now);
}

void inactivity_rule::cancel_prealarm(engine_core& core, time_point now, output& out) {
    if (!prealarm) return;
    out.notices.push_back({local_notice::what::prealarm_cancelled, spec->id, now, expiry, core.away});
    restart(core, now);
}

void inactivity_rule::set_away(engine_core& core, bool on, time_point now, output& out) {
    if (on && prealarm)
        out.notices.push_back({local_notice::what::prealarm_cancelled, spec->id, now, expiry, true});
    reset(core, now);
}

void inactivity_rule::clock_went_back(const engine_core& core, time_point now) {
    if (anchor > now) {
        anchor = now;
        recompute(core);
    }
}

void inactivity_rule::resume(engine_core& core, time_point now, time_point overdue, output& out) {
    if (core.away || core.is_open(rule_key(*spec))) return;
    const auto& id = spec->id;
    if (expiry <= now) {
        expiry = overdue;  // anchor kept: activity in the replay restarts it normally
        warn_at.reset();
        if (prealarm) out.notices.push_back({local_notice::what::prealarm, id, now, expiry, core.away});
    } else if (prealarm) {
        out.notices.push_back({local_notice::what::prealarm, id, now, expiry, core.away});
    } else if (warn_at && *warn_at <= now) {
        // The pre-alarm time passed while down: ask after the replay, not before it.
        if (overdue < expiry)
            warn_at = overdue;
        else
            warn_at.reset();
    }
}

void inactivity_rule::save(nlohmann::json& o) const {
    o["anchor"] = format_time(anchor);
    o["prealarm"] = prealarm;
}

bool inactivity_rule::restore(const engine_core& core, const nlohmann::json& o) {
    auto a = time_from(o, "anchor");
    if (!a) return false;
    anchor = *a;
    prealarm = o.value("prealarm", false);
    recompute(core);
    return true;
}

}  // namespace warden::alerts::detail
