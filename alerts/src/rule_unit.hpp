#pragma once
/// One unit per `[[rule]]` type (private to warden::alerts; docs/rules.md says what each one does).
///
/// Every unit is a small struct holding its rule's state, with the same shape:
///
///   static constexpr rule_type type;            the config's rule type it implements
///   static constexpr std::string_view name;     its name in the saved state (never change it)
///   unit(const engine_core&, const rule_spec&)  checks the spec; throws std::invalid_argument
///   reset(core, now)                            a fresh start: the first start() and away mode
///   deadline(core)                              the earliest time fire() has something to do
///   fire(core, d, out)                          whatever is due at `d` or earlier
///   on_event(core, in, out)                     a sensor event (not called while away)
///   set_away(core, on, now, out)                away mode starts or ends
///   clock_went_back(core, now)                  nothing may have started in the future
///   resume(core, now, overdue, out)             after restore(): what ran out while down -> overdue
///   save(o) / restore(core, o)                  its fields of the saved state (state_io.cpp);
///                                               restore returns false if `o` is unusable
///   cancel_prealarm(core, now, out)             optional; rule_base's does nothing
///
/// The engine keeps the units in one std::variant and routes to them with std::visit: no heap
/// allocation and no virtual call per event. Adding a rule type: a new rules/<type>.cpp, its struct
/// below and in `rule_unit`, and its reader in config/.

#include <cstddef>
#include <deque>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

#include <date/date.h>
#include <nlohmann/json_fwd.hpp>

#include "core.hpp"

namespace warden::alerts::detail {

/// One sensor event as a rule sees it.
struct rule_input {
    std::size_t sensor;         ///< index into cfg.sensors
    const sensor_event& event;  ///< what it reported
    /// A change of state, or a fresh detection by a motion sensor or a press: someone was there.
    /// A repeat of the state the sensor was already in is not (docs/rules.md, "What counts as activity").
    bool fresh;
    time_point now;
};

struct rule_base {
    explicit rule_base(const config::rule_spec& r) : spec(&r) {}
    const config::rule_spec* spec;  ///< into engine_core::cfg.rules, which outlives the unit
    bool initialised = false;       ///< reset() or restore() has run

    void cancel_prealarm(engine_core&, time_point, output&) {}
};

struct inactivity_rule : rule_base {
    static constexpr config::rule_type type = config::rule_type::inactivity;
    static constexpr std::string_view name = "inactivity";
    inactivity_rule(const engine_core& core, const config::rule_spec& r);
    void reset(const engine_core& core, time_point now);
    std::optional<time_point> deadline(const engine_core& core) const;
    void fire(engine_core& core, time_point d, output& out);
    void on_event(engine_core& core, const rule_input& in, output& out);
    void set_away(engine_core& core, bool on, time_point now, output& out);
    void clock_went_back(const engine_core& core, time_point now);
    void resume(engine_core& core, time_point now, time_point overdue, output& out);
    void save(nlohmann::json& o) const;
    bool restore(const engine_core& core, const nlohmann::json& o);
    void cancel_prealarm(engine_core& core, time_point now, output& out);

    std::vector<std::size_t> watched;  ///< sensors that show activity
    std::vector<std::size_t> pausers;  ///< bed/chair sensors that pause it while occupied
    time_point anchor{};               ///< the period runs from here
    bool prealarm = false;
    std::optional<time_point> warn_at;
    time_point expiry{};

private:
    void recompute(const engine_core& core);
    void restart(const engine_core& core, time_point now);
    bool paused(const engine_core& core) const;
};

struct out_of_bed_rule : rule_base {
    static constexpr config::rule_type type = config::rule_type::out_of_bed;
    static constexpr std::string_view name = "out_of_bed";
    out_of_bed_rule(const engine_core& core, const config::rule_spec& r);
    void reset(const engine_core& core, time_point now);
    std::optional<time_point> deadline(const engine_core& core) const;
    void fire(engine_core& core, time_point d, output& out);
    void on_event(engine_core& core, const rule_input& in, output& out);
    void set_away(engine_core& core, bool on, time_point now, output& out);
    void clock_went_back(const engine_core& core, time_point now);
    void resume(engine_core& core, time_point now, time_point overdue, output& out);
    void save(nlohmann::json& o) const;
    bool restore(const engine_core& core, const nlohmann::json& o);

    std::size_t sensor = 0;  ///< the bed or chair
    std::string key;         ///< its condition's key, "<rule>/<sensor>"
    std::optional<time_point> vacant_deadline;
};

struct exit_rule : rule_base {
    static constexpr config::rule_type type = config::rule_type::exit;
    static constexpr std::string_view name = "exit";
    exit_rule(const engine_core& core, const config::rule_spec& r);
    void reset(const engine_core& core, time_point now);
    std::optional<time_point> deadline(const engine_core& core) const;
    void fire(engine_core& core, time_point d, output& out);
    void on_event(engine_core& core, const rule_input& in, output& out);
    void set_away(engine_core& core, bool on, time_point now, output& out);
    void clock_went_back(const engine_core& core, time_point now);
    void resume(engine_core& core, time_point now, time_point overdue, output& out);
    void save(nlohmann::json& o) const;
    bool restore(const engine_core& core, const nlohmann::json& o);

    std::size_t sensor = 0;            ///< the door
    std::vector<std::size_t> watched;  ///< the inside sensors
    std::string key;                   ///< its condition's key, "<rule>/<door>"
    std::optional<time_point> left_deadline, open_deadline;
    std::string reason;  ///< "left" or "open" while the exit condition is raised
};

struct due_rule : rule_base {
    static constexpr config::rule_type type = config::rule_type::due;
    static constexpr std::string_view name = "due";
    due_rule(const engine_core& core, const config::rule_spec& r);
    void reset(const engine_core& core, time_point now);
    std::optional<time_point> deadline(const engine_core& core) const;
    void fire(engine_core& core, time_point d, output& out);
    void on_event(engine_core& core, const rule_input& in, output& out);
    void set_away(engine_core& core, bool on, time_point now, output& out);
    void clock_went_back(const engine_core& core, time_point now);
    void resume(engine_core& core, time_point now, time_point overdue, output& out);
    void save(nlohmann::json& o) const;
    bool restore(const engine_core& core, const nlohmann::json& o);

    std::vector<std::size_t> watched;  ///< sensors whose event counts
    date::local_days cycle{};          ///< the day being checked
    std::optional<date::local_days> done;
    time_point from_t{}, by_t{};                ///< the cycle's window
    std::optional<time_point> missed_deadline;  ///< a `by` that passed while the hub was down

private:
    time_point due_by(const engine_core& core, date::local_days d) const;
    void set_cycle(const engine_core& core, date::local_days d);
    void first_cycle_after(const engine_core& core, time_point now);
    void raise(engine_core& core, time_point d, output& out) const;
};

struct threshold_rule : rule_base {
    static constexpr config::rule_type type = config::rule_type::threshold;
    static constexpr std::string_view name = "threshold";
    threshold_rule(const engine_core& core, const config::rule_spec& r);
    void reset(const engine_core& core, time_point now);
    std::optional<time_point> deadline(const engine_core& core) const;
    void fire(engine_core& core, time_point d, output& out);
    void on_event(engine_core& core, const rule_input& in, output& out);
    void set_away(engine_core& core, bool on, time_point now, output& out);
    void clock_went_back(const engine_core& core, time_point now);
    void resume(engine_core& core, time_point now, time_point overdue, output& out);
    void save(nlohmann::json& o) const;
    bool restore(const engine_core& core, const nlohmann::json& o);

    std::size_t sensor = 0;                   ///< the sensor with the reading
    std::string key_low, key_high, key_rise;  ///< its conditions' keys, "<rule>/<sensor>/low" ...
    std::string attribute;                    ///< "Temperature", or the attribute capitalised
    std::optional<time_point> low_since, high_since;
    std::optional<double> last_value;
    std::deque<std::pair<time_point, double>> history;  ///< readings within `over`
    std::optional<double> rise_base;                    ///< the low a raised rise is measured from

private:
    void reading(engine_core& core, double v, time_point now, output& out);
};

/// Every rule type; the engine holds one per configured rule.
using rule_unit = std::variant<inactivity_rule, out_of_bed_rule, exit_rule, due_rule, threshold_rule>;

/// The unit for `r` (by its type). Throws std::invalid_argument if the spec is inconsistent.
rule_unit make_rule_unit(const engine_core& core, const config::rule_spec& r);

}  // namespace warden::alerts::detail
