// `due`: something should happen every day (docs/rules.md).

#include <algorithm>
#include <stdexcept>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "../rule_unit.hpp"

namespace warden::alerts::detail {

namespace {
std::string minute_text(int m) {
    return fmt::format("{:02}:{:02}", (m / 60) % 24, m % 60);
}
}  // namespace

due_rule::due_rule(const engine_core& core, const config::rule_spec& r) : rule_base(r) {
    if (!r.from_minute || !r.by_minute || r.event.empty())
        throw std::invalid_argument(fmt::format("rule '{}': due needs event, from and by", r.id));
    watched = core.activity_sensors(r.sensors, r, false);
}

time_point due_rule::due_by(const engine_core& core, date::local_days d) const {
    const auto& r = *spec;
    auto by_day = *r.by_minute > *r.from_minute ? d : d + date::days{1};
    return core.clock.at(by_day, *r.by_minute);
}

void due_rule::set_cycle(const engine_core& core, date::local_days d) {
    cycle = d;
    from_t = core.clock.at(d, *spec->from_minute);
    by_t = due_by(core, d);
}

/// The first daily cycle whose `by` is still ahead of `now`.
void due_rule::first_cycle_after(const engine_core& core, time_point now) {
    auto d = core.clock.local_day(now) - date::days{1};
    while (due_by(core, d) <= now) d += date::days{1};
    set_cycle(core, d);
}

void due_rule::reset(const engine_core& core, time_point now) {
    missed_deadline.reset();
    first_cycle_after(core, now);
}

std::optional<time_point> due_rule::deadline(const engine_core&) const {
    if (missed_deadline && *missed_deadline < by_t) return missed_deadline;
    return by_t;
}

void due_rule::raise(engine_core& core, time_point d, output& out) const {
    const auto& r = *spec;
    core.raise(out, rule_key(r), "due", rule_priority(r), d, r.id, "", "",
               fmt::format("Expected '{}' not seen between {} and {}", r.event, minute_text(*r.from_minute),
                           minute_text(*r.by_minute)));
}

void due_rule::fire(engine_core& core, time_point d, output& out) {
    if (missed_deadline && *missed_deadline <= d) {
        missed_deadline.reset();
        if (!core.away) raise(core, d, out);
        if (by_t > d) return;
    }
    if (!core.away && done != cycle) raise(core, d, out);
    set_cycle(core, cycle + date::days{1});
}

void due_rule::on_event(engine_core& core, const rule_input& in, output& out) {
    if (!in.fresh) return;  // a repeated state is not a new event
    if (in.event.signal == signal::none ||
        std::find(watched.begin(), watched.end(), in.sensor) == watched.end())
        return;
    const auto& r = *spec;
    const auto& sp = core.cfg.sensors[in.sensor];
    auto wanted = parse_signal_name(sp.kind, r.event);
    if (!wanted || *wanted != in.event.signal) return;
    if (in.now >= from_t && in.now < by_t) done = cycle;
    missed_deadline.reset();  // the replay after a restart shows it happened
    core.clear(out, rule_key(r), in.now,
               [&] { return fmt::format("'{}' seen{}", r.event, where(sp.location)); });
}

void due_rule::set_away(engine_core& core, bool on, time_point now, output&) {
    // Keep the day being checked; coming home inside the check window counts as the event.
    missed_deadline.reset();
    if (by_t <= now) first_cycle_after(core, now);
    if (!on && now >= from_t && now < by_t) done = cycle;
}

void due_rule::clock_went_back(const engine_core&, time_point) {
    // A due rule's cycle only moves forward: a day already checked is not checked twice.
}

void due_rule::resume(engine_core& core, time_point now, time_point overdue, output&) {
    if (by_t <= now) {
        // One check for whatever fell due while down (one alert, not one per missed
        // day), made after the replay; a matching event in it cancels the check.
        first_cycle_after(core, now);
        if (done != cycle - date::days{1}) missed_deadline = overdue;
    }
}

void due_rule::save(nlohmann::json& o) const {
    o["cycle"] = cycle.time_since_epoch().count();
    o["done"] = done ? nlohmann::json(done->time_since_epoch().count()) : nlohmann::json(nullptr);
    o["missed_deadline"] = time_json(missed_deadline);
}

bool due_rule::restore(const engine_core& core, const nlohmann::json& o) {
    if (!o.contains("cycle") || !o["cycle"].is_number_integer()) return false;
    set_cycle(core, date::local_days{date::days{o["cycle"].get<int>()}});
    if (o.contains("done") && o["done"].is_number_integer())
        done = date::local_days{date::days{o["done"].get<int>()}};
    missed_deadline = time_from(o, "missed_deadline");
    return true;
}

}  // namespace warden::alerts::detail
