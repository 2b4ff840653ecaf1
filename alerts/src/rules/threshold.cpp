// `threshold`: too cold, too hot, heating up fast (docs/rules.md).

#include <algorithm>
#include <cctype>
#include <cmath>
#include <stdexcept>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "../rule_unit.hpp"

namespace warden::alerts::detail {

namespace {
/// "Temperature", or the rule's attribute capitalised.
std::string attribute_name(const config::rule_spec& r) {
    std::string a = r.attribute.empty() ? "temperature" : r.attribute;
    a[0] = static_cast<char>(std::toupper(static_cast<unsigned char>(a[0])));
    return a;
}
}  // namespace

threshold_rule::threshold_rule(const engine_core& core, const config::rule_spec& r) : rule_base(r) {
    if (r.sensor.empty() || (!r.below && !r.above && !(r.rise && r.over)))
        throw std::invalid_argument(
            fmt::format("rule '{}': threshold needs sensor and below, above or rise with over", r.id));
    sensor = core.need_sensor(r, r.sensor);
    const auto base = rule_key(r, core.cfg.sensors[sensor].id);
    key_low = base + "/low";
    key_high = base + "/high";
    key_rise = base + "/rise";
    attribute = attribute_name(r);
}

void threshold_rule::reset(const engine_core&, time_point) {
    // The last reading and the base of an open rise are kept: they describe conditions still open.
    low_since.reset();
    high_since.reset();
    history.clear();
}

std::optional<time_point> threshold_rule::deadline(const engine_core&) const {
    const auto& r = *spec;
    if (!r.for_) return std::nullopt;
    if (low_since && (!high_since || *low_since <= *high_since)) return *low_since + *r.for_;
    if (high_since) return *high_since + *r.for_;
    return std::nullopt;
}

void threshold_rule::fire(engine_core& core, time_point d, output& out) {
    const auto& r = *spec;
    const auto& sp = core.cfg.sensors[sensor];
    auto prio = rule_priority(r);
    if (low_since && *low_since + *r.for_ <= d) {
        low_since.reset();
        core.raise(out, key_low, "temperature_low", prio, d, r.id, sp.id, sp.location,
                   fmt::format("{} {} below {} for {}{}", attribute, number(last_value.value_or(0)),
                               number(*r.below), format_duration(*r.for_), where(sp.location)),
                   last_value);
    }
    if (high_since && *high_since + *r.for_ <= d) {
        high_since.reset();
        core.raise(out, key_high, "temperature_high", prio, d, r.id, sp.id, sp.location,
                   fmt::format("{} {} above {} for {}{}", attribute, number(last_value.value_or(0)),
                               number(*r.above), format_duration(*r.for_), where(sp.location)),
                   last_value);
    }
}

void threshold_rule::on_event(engine_core& core, const rule_input& in, output& out) {
    // Every reading counts, a repeated one too: the clock of `for` needs them all.
    if (in.sensor == sensor && in.event.value && std::isfinite(*in.event.value))
        reading(core, *in.event.value, in.now, out);
}

void threshold_rule::reading(engine_core& core, double v, time_point now, output& out) {
    const auto& r = *spec;
    const auto& sp = core.cfg.sensors[sensor];
    auto prio = rule_priority(r);
    last_value = v;
    // Outside the rule's window a reading may end a condition but does not start one.
    bool armed = core.clock.inside(r.windows, now);
    if (r.below) {
        const auto& key = key_low;
        if (core.is_open(key)) {
            if (v >= *r.below + r.hysteresis)
                core.clear(out, key, now,
                           fmt::format("{} back to {}{}", attribute, number(v), where(sp.location)), v);
        } else if (v < *r.below && (armed || low_since)) {
            if (!r.for_)
                core.raise(out, key, "temperature_low", prio, now, r.id, sp.id, sp.location,
                           fmt::format("{} {} below {}{}", attribute, number(v), number(*r.below),
                                       where(sp.location)),
                           v);
            else if (!low_since)
                low_since = now;
        } else {
            low_since.reset();
        }
    }
    if (r.above) {
        const auto& key = key_high;
        if (core.is_open(key)) {
            if (v <= *r.above - r.hysteresis)
                core.clear(out, key, now,
                           fmt::format("{} back to {}{}", attribute, number(v), where(sp.location)), v);
        } else if (v > *r.above && (armed || high_since)) {
            if (!r.for_)
                core.raise(out, key, "temperature_high", prio, now, r.id, sp.id, sp.location,
                           fmt::format("{} {} above {}{}", attribute, number(v), number(*r.above),
                                       where(sp.location)),
                           v);
            else if (!high_since)
                high_since = now;
        } else {
            high_since.reset();
        }
    }
    if (r.rise && r.over) {
        const auto& key = key_rise;
        history.emplace_back(now, v);
        while (!history.empty() && history.front().first < now - *r.over) history.pop_front();
        if (core.is_open(key)) {
            if (rise_base && v <= *rise_base + *r.rise - r.hysteresis) {
                core.clear(out, key, now,
                           fmt::format("{} back to {}{}", attribute, number(v), where(sp.location)), v);
                // A new rise is measured from here: the low reading before the first rise is still
                // in the history and would raise again at once on the next high reading (flapping).
                history.assign(1, {now, v});
                rise_base.reset();
            }
        } else {
            double low = v;
            for (const auto& h : history) low = std::min(low, h.second);
            if (armed && v - low >= *r.rise) {
                rise_base = low;
                core.raise(out, key, "temperature_rise", prio, now, r.id, sp.id, sp.location,
                           fmt::format("{} rose by {} within {} to {}{}", attribute, number(v - low),
                                       format_duration(*r.over), number(v), where(sp.location)),
                           v);
            }
        }
    }
}

void threshold_rule::set_away(engine_core& core, bool, time_point now, output&) {
    reset(core, now);
}

void threshold_rule::clock_went_back(const engine_core&, time_point now) {
    if (low_since && *low_since > now) low_since = now;
    if (high_since && *high_since > now) high_since = now;
    std::erase_if(history, [&](const auto& h) { return h.first > now; });
}

void threshold_rule::resume(engine_core&, time_point now, time_point overdue, output&) {
    const auto& r = *spec;
    if (!r.for_) return;
    // Moved so that since + for = overdue: a reading in the replay that is back
    // within the limit stops the clock as usual.
    if (low_since && *low_since + *r.for_ <= now) low_since = overdue - *r.for_;
    if (high_since && *high_since + *r.for_ <= now) high_since = overdue - *r.for_;
}

void threshold_rule::save(nlohmann::json& o) const {
    o["low_since"] = time_json(low_since);
    o["high_since"] = time_json(high_since);
    o["rise_base"] = rise_base ? nlohmann::json(*rise_base) : nlohmann::json(nullptr);
    o["last_value"] = last_value ? nlohmann::json(*last_value) : nlohmann::json(nullptr);
}

bool threshold_rule::restore(const engine_core&, const nlohmann::json& o) {
    low_since = time_from(o, "low_since");
    high_since = time_from(o, "high_since");
    if (o.contains("rise_base") && o["rise_base"].is_number()) rise_base = o["rise_base"].get<double>();
    if (o.contains("last_value") && o["last_value"].is_number()) last_value = o["last_value"].get<double>();
    return true;
}

}  // namespace warden::alerts::detail
