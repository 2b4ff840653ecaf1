// The engine: routes inputs and time to the rule units (rule_unit.hpp) and to the sensors' own
// alerts (sensor_alerts.hpp), and runs what is due in order.

#include "warden/alerts/engine.hpp"

#include <stdexcept>
#include <utility>

#include <date/tz.h>
#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "core.hpp"
#include "rule_unit.hpp"
#include "sensor_alerts.hpp"
#include "state_io.hpp"

namespace warden::alerts {

namespace detail {

namespace {

/// Builds the alternative of rule_unit whose `type` is the spec's: a rule type added to the variant
/// is found here without a new case.
template <std::size_t... I>
rule_unit make_unit(const engine_core& core, const config::rule_spec& r, std::index_sequence<I...>) {
    std::optional<rule_unit> unit;
    ((std::variant_alternative_t<I, rule_unit>::type == r.type
          ? (void)unit.emplace(std::in_place_index<I>, core, r)
          : void()),
     ...);
    if (!unit) throw std::invalid_argument(fmt::format("rule '{}': unknown rule type", r.id));
    return std::move(*unit);
}

}  // namespace

rule_unit make_rule_unit(const engine_core& core, const config::rule_spec& r) {
    return make_unit(core, r, std::make_index_sequence<std::variant_size_v<rule_unit>>{});
}

}  // namespace detail

namespace {
constexpr milliseconds button_debounce{5'000};  ///< away button: one toggle per press
constexpr int max_steps = 1'000'000;            ///< guard for on_time's catch-up loop
constexpr std::size_t max_held = 10'000;        ///< inputs kept while the clock is not set
constexpr milliseconds unset_poll{1'000};       ///< how often to look at a clock that is not set
}  // namespace

struct engine::impl {
    detail::engine_core core;
    std::vector<detail::rule_unit> rules;  ///< parallel to core.cfg.rules
    /// next_deadline()'s answer, kept until the state changes (changed()): the hub asks after every
    /// input, and on_input asks again first thing, with nothing changed in between.
    mutable std::optional<std::optional<time_point>> deadline_memo;

    /// Something next_deadline() reads may have changed.
    void changed() { deadline_memo.reset(); }

    /// What came while the wall clock was not set, taken when it is (alarms were acted on at once).
    struct held {
        enum class what { input, away, cancel } kind;
        sensor_input in;
        bool away = false;
    };
    bool unset = false;      ///< the wall clock is not set (before clock_set_after)
    time_point unset_now{};  ///< the latest such time
    std::vector<held> kept;  ///< at most max_held

    impl(const config::hub_config& c, const date::time_zone* zone, milliseconds grace)
        : core(c, zone, grace) {
        rules.reserve(core.cfg.rules.size());
        for (const auto& r : core.cfg.rules) rules.push_back(detail::make_rule_unit(core, r));
    }
    // The units point into core.cfg.
    impl(const impl&) = delete;
    impl& operator=(const impl&) = delete;

    /// Calls `f` with each rule's unit, as its own type.
    template <class F>
    void each_rule(F&& f) {
        for (auto& unit : rules) std::visit(f, unit);
    }

    // --- time ----------------------------------------------------------------------------------------

    void ensure_initialised(time_point now) {
        each_rule([&](auto& u) {
            if (u.initialised) return;
            u.reset(core, now);
            u.initialised = true;
            changed();
        });
        if (!core.last_now) {
            core.last_now = now;
            for (auto& st : core.sensors) st.silence_from = now;
            changed();
        }
    }

    /// The wall clock went back: nothing may have started in the future.
    void clock_went_back(time_point now) {
        changed();
        each_rule([&](auto& u) { u.clock_went_back(core, now); });
        for (auto& st : core.sensors) {
            if (st.silence_from > now) st.silence_from = now;
            // A press just before the jump was "now": a repeat seconds later is still the same call.
            if (st.last_press_alert && *st.last_press_alert > now) st.last_press_alert = now;
            if (st.last_toggle && *st.last_toggle > now) st.last_toggle = now;
        }
    }

    void observe_time(time_point now) {
        ensure_initialised(now);
        if (now < *core.last_now) clock_went_back(now);
        core.last_now = now;
    }

    std::optional<time_point> next_deadline() const {
        if (unset) return unset_now + unset_poll;
        if (!deadline_memo) deadline_memo = earliest_deadline();
        return *deadline_memo;
    }

    std::optional<time_point> earliest_deadline() const {
        if (!core.last_now) return std::nullopt;  // not started
        std::optional<time_point> best;
        auto consider = [&](std::optional<time_point> t) {
            if (t && (!best || *t < *best)) best = t;
        };
        for (const auto& unit : rules)
            consider(std::visit([&](const auto& u) { return u.deadline(core); }, unit));
        for (auto i : core.reporting) consider(detail::silence_deadline(core, i));
        return best;
    }

    /// Fires everything whose deadline is `d` or earlier.
    void fire(time_point d, output& out) {
        changed();
        each_rule([&](auto& u) {
            auto t = u.deadline(core);
            if (t && *t <= d) u.fire(core, d, out);
        });
        detail::fire_silence(core, d, out);
    }

    /// False while the wall clock is not set. At the first right time after it was not, the engine
    /// starts as after a restart and takes the inputs it kept.
    bool clock_set(time_point now, output& out) {
        if (now < engine::clock_set_after) {
            unset = true;
            unset_now = now;
            return false;
        }
        if (!unset) return true;
        unset = false;
        changed();
        resume(now, out);
        for (auto& h : std::exchange(kept, {})) {
            if (h.kind == held::what::away)
                set_away(h.away, now, out);
            else if (h.kind == held::what::cancel)
                cancel(now, out);
            else
                take_input(h.in, now, out, false);
        }
        return true;
    }

    void keep(held h) {
        if (kept.size() < max_held) kept.push_back(std::move(h));
    }

    void process_due(time_point now, output& out) {
        if (!clock_set(now, out)) return;
        observe_time(now);
        for (int i = 0; i < max_steps; ++i) {
            auto d = next_deadline();
            if (!d || *d > now) return;
            fire(*d, out);
        }
    }

    // --- inputs --------------------------------------------------------------------------------------

    /// An input at `now`; `alarms` false when its alarm was raised already (kept while the clock
    /// was not set).
    void take_input(const sensor_input& input, time_point now, output& out, bool alarms = true) {
        std::visit(
            [&](const auto& in) {
                using T = std::decay_t<decltype(in)>;
                if constexpr (std::is_same_v<T, sensor_event>)
                    on_event(in, now, out, alarms);
                else if constexpr (std::is_same_v<T, availability_change>)
                    detail::on_availability(core, in, now, out);
                else
                    detail::on_bridge(core, in, now, out);
            },
            input);
    }

    /// The clock is not set: an alarm sensor raises now; everything is kept for the right time.
    void hold_input(const sensor_input& input, time_point now, output& out) {
        if (const auto* e = std::get_if<sensor_event>(&input)) {
            auto it = core.sensor_index.find(e->sensor);
            if (it != core.sensor_index.end() && is_alarm_kind(core.cfg.sensors[it->second].kind))
                detail::alarm(core, it->second, *e, now, out);
        }
        keep({held::what::input, input});
    }

    void on_event(const sensor_event& e, time_point now, output& out, bool alarms = true) {
        auto it = core.sensor_index.find(e.sensor);
        if (it == core.sensor_index.end()) return;
        std::size_t i = it->second;
        const auto& sp = core.cfg.sensors[i];
        auto& st = core.sensors[i];
        detail::heard(core, i, now, out);
        if (e.link) st.link = e.link;
        // Bridges repeat a sensor's state in every report (Tasmota telemetry, zigbee2mqtt battery
        // reports). Only a change of state, or a fresh detection by a motion sensor or a press,
        // shows that someone is there; a repeat must not hold off inactivity or satisfy a due check.
        bool fresh = false;
        if (e.signal != signal::none) {
            const auto word = signal_name(sp.kind, e.signal);
            bool detection =
                e.signal == signal::active && (sp.kind == sensor_kind::motion || is_momentary_kind(sp.kind));
            fresh = detection || st.last_signal != word;
            st.last_event = now;
            st.last_signal.assign(word);
        }
        detail::technical_checks(core, i, e, now, out);
        if (alarms && is_alarm_kind(sp.kind)) detail::alarm(core, i, e, now, out);
        if (sp.kind == sensor_kind::button && e.signal == signal::active) buttons(i, now, out);
        if (core.away) return;  // behavioural rules are suspended; the return from away restarts them
        const detail::rule_input in{i, e, fresh, now};
        each_rule([&](auto& u) { u.on_event(core, in, out); });
    }

    void buttons(std::size_t i, time_point now, output& out) {
        const auto& sp = core.cfg.sensors[i];
        auto& st = core.sensors[i];
        if (sp.cancel_button) cancel(now, out);
        if (sp.away_button) {
            if (st.last_toggle && now >= *st.last_toggle && now - *st.last_toggle < button_debounce) return;
            st.last_toggle = now;
            set_away(!core.away, now, out);
        }
    }

    // --- modes ---------------------------------------------------------------------------------------

    void cancel(time_point now, output& out) {
        changed();
        each_rule([&](auto& u) { u.cancel_prealarm(core, now, out); });
    }

    void set_away(bool on, time_point now, output& out) {
        if (on == core.away) return;
        changed();
        core.away = on;
        each_rule([&](auto& u) {
            u.set_away(core, on, now, out);
            u.initialised = true;
        });
        out.notices.push_back({local_notice::what::away_changed, "", now, {}, on});
    }

    /// After a restart. A restart neither forgets a period nor raises a false one: whatever ran out
    /// while the hub was down (an inactivity period, a `due` time, an out_of_bed, exit or threshold
    /// check, a sensor's silence) fires `start_grace` after the start, unless the messages the home
    /// broker queued meanwhile (replayed by the hub in that time) show activity first.
    void resume(time_point now, output& out) {
        changed();
        ensure_initialised(now);
        if (now < *core.last_now) clock_went_back(now);
        core.last_now = now;
        core.started = now;
        const auto overdue = now + core.start_grace;
        for (auto& st : core.sensors)
            if (st.silence_from == time_point{}) st.silence_from = now;  // not in the saved state
        each_rule([&](auto& u) { u.resume(core, now, overdue, out); });
    }
};

// ---------------------------------------------------------------------------------------------------

engine::engine(const config::hub_config& cfg, const date::time_zone* zone, milliseconds start_grace)
    : impl_(std::make_unique<impl>(cfg, zone, start_grace)) {}
engine::~engine() = default;
engine::engine(engine&&) noexcept = default;
engine& engine::operator=(engine&&) noexcept = default;

output engine::start(time_point now) {
    output out;
    impl_->changed();
    if (now < clock_set_after) {
        // Started on a clock that is not set: the real start is at the first right time.
        impl_->unset = true;
        impl_->unset_now = now;
    } else {
        impl_->resume(now, out);
    }
    out.alerts.push_back(impl_->core.draft("hub_started", "hub_started", alert_state::raised,
                                           priority::normal, now, "hub_started", "", "", "Hub started"));
    impl_->process_due(now, out);
    return out;
}

output engine::on_input(const sensor_input& input, time_point now) {
    output out;
    impl_->process_due(now, out);
    impl_->changed();
    if (impl_->unset)
        impl_->hold_input(input, now, out);
    else
        impl_->take_input(input, now, out);
    return out;
}

output engine::on_time(time_point now) {
    output out;
    impl_->process_due(now, out);
    return out;
}

std::optional<time_point> engine::next_deadline() const {
    return impl_->next_deadline();
}

output engine::set_away(bool away, time_point now) {
    output out;
    impl_->process_due(now, out);
    if (impl_->unset)
        impl_->keep({impl::held::what::away, {}, away});
    else
        impl_->set_away(away, now, out);
    return out;
}

bool engine::away() const noexcept {
    return impl_->core.away;
}

output engine::cancel_prealarm(time_point now) {
    output out;
    impl_->process_due(now, out);
    if (impl_->unset)
        impl_->keep({impl::held::what::cancel, {}});
    else
        impl_->cancel(now, out);
    return out;
}

output engine::technical(std::string_view type, bool raised, std::string_view text, time_point now) {
    output out;
    impl_->process_due(now, out);
    impl_->changed();
    detail::hub_technical(impl_->core, type, raised, text, now, out);
    return out;
}

nlohmann::json engine::save_state() const {
    return detail::save_state(impl_->core, impl_->rules);
}
void engine::restore_state(const nlohmann::json& state) {
    impl_->changed();
    detail::restore_state(impl_->core, impl_->rules, state);
}

std::vector<sensor_health> engine::health() const {
    return detail::health(impl_->core);
}

}  // namespace warden::alerts
