// Alarm kinds: raised the moment the sensor reports, no rule needed (docs/rules.md).

#include <fmt/format.h>

#include "sensor_alerts.hpp"

namespace warden::alerts::detail {

namespace {

constexpr milliseconds press_debounce{30'000};  ///< a repeated press within this is the same call

/// Wording of an alarm kind's raised / cleared alert.
std::pair<std::string_view, std::string_view> alarm_words(sensor_kind kind) {
    switch (kind) {
        case sensor_kind::pendant:
            return {"Pendant pressed", "Pendant released"};
        case sensor_kind::pull_cord:
            return {"Pull cord pulled", "Pull cord reset"};
        case sensor_kind::fall:
            return {"Fall detected", "Fall detector reset"};
        case sensor_kind::smoke:
            return {"Smoke alarm", "Smoke alarm cleared"};
        case sensor_kind::heat:
            return {"Heat alarm", "Heat alarm cleared"};
        case sensor_kind::co:
            return {"Carbon monoxide alarm", "Carbon monoxide alarm cleared"};
        case sensor_kind::gas:
            return {"Gas alarm", "Gas alarm cleared"};
        case sensor_kind::flood:
            return {"Water leak", "Water leak cleared"};
        case sensor_kind::epilepsy:
            return {"Seizure alarm", "Seizure alarm cleared"};
        case sensor_kind::enuresis:
            return {"Enuresis sensor wet", "Enuresis sensor dry"};
        default:
            return {"Alarm", "Alarm cleared"};
    }
}

}  // namespace

void alarm(engine_core& core, std::size_t i, const sensor_event& e, time_point now, output& out) {
    const auto& sp = core.cfg.sensors[i];
    auto& st = core.sensors[i];
    const auto type = to_string(sp.kind);
    const auto words = alarm_words(sp.kind);
    const auto& key = core.keys[i].alarm;
    if (is_momentary_kind(sp.kind)) {
        if (e.signal != signal::active) return;
        if (st.last_press_alert && now >= *st.last_press_alert && now - *st.last_press_alert < press_debounce)
            return;
        st.last_press_alert = now;
        // A press is an event, not a lasting condition: every new call is raised.
        out.alerts.push_back(core.draft(key, std::string{type}, alert_state::raised, alarm_priority(sp.kind),
                                        now, sp.id, sp.id, sp.location,
                                        fmt::format("{}{}", words.first, where(sp.location))));
        return;
    }
    if (e.signal == signal::active)
        core.raise(out, key, type, alarm_priority(sp.kind), now, sp.id, sp.id, sp.location,
                   [&] { return fmt::format("{}{}", words.first, where(sp.location)); });
    else if (e.signal == signal::inactive)
        core.clear(out, key, now, [&] { return fmt::format("{}{}", words.second, where(sp.location)); });
}

}  // namespace warden::alerts::detail
