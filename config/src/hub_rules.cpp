// hub.toml's [[rule]] tables: the keys every rule has, then one reader per rule type.

#include <algorithm>
#include <set>

#include <fmt/format.h>

#include "hub_parts.hpp"
#include "warden/common/alert.hpp"

namespace warden::config::detail {
namespace {

constexpr std::string_view rule_type_names[] = {"inactivity", "out_of_bed", "exit", "due", "threshold"};
constexpr std::string_view priority_names[] = {"critical", "high", "normal", "low"};

constexpr std::string_view rule_common_keys[] = {"id", "type", "window", "priority"};
/// The hub's technical alerts name their conditions after their type (`storage_fault`,
/// `sensor_offline/<sensor>`); a rule with one of these ids would share their keys.
constexpr std::string_view reserved_rule_ids[] = {"sensor_offline", "battery_low", "tamper",
                                                  "bridge_offline", "hub_started", "storage_fault",
                                                  "uplink_fault",   "dc09_fault",  "test"};

/// What a rule type's reader works with: the table, the entry being filled, and the helpers the
/// readers share.
struct rule_context {
    table_reader& rd;
    rule_entry& e;
    const std::string& label;

    rule_spec& spec() noexcept { return e.spec; }
    diagnostics& diag() noexcept { return rd.diag(); }
    /// A required positive duration; reported at the table's header when missing.
    std::optional<milliseconds> required_duration(std::string_view key, std::string_view example) {
        if (!rd.has(key)) {
            rd.missing(key, example);
            return std::nullopt;
        }
        return rd.duration(key, true);
    }
    /// The one sensor the rule watches (`sensor`, required).
    void required_sensor(std::string_view example) {
        if (auto s = rd.required_string("sensor", example)) {
            e.spec.sensor = *s;
            e.sensor = located_string{*s, rd.value_pos("sensor")};
        }
    }
};

// --- one reader per rule type: its own keys (beside id, type, window, priority) and how to read them ---

// paused_by: an extension of SPEC 2.3.
constexpr std::string_view inactivity_keys[] = {"sensors", "period", "warn", "paused_by"};
void read_inactivity(rule_context& c) {
    auto& r = c.spec();
    if (auto l = c.rd.string_list("sensors", "sensors = [\"hall-pir\", \"kitchen-pir\"]")) c.e.sensors = *l;
    if (auto l = c.rd.string_list("paused_by", "paused_by = [\"bed\"]")) c.e.paused_by = *l;
    r.period = c.required_duration("period", "period = \"2h\"");
    r.warn = c.rd.duration("warn", true);
    if (r.period && r.warn && *r.warn >= *r.period)
        c.diag().error(c.rd.value_pos("warn"),
                       fmt::format("{} warn: the pre-alarm ({}) must come before the alarm, so warn must be "
                                   "shorter than period ({})",
                                   c.label, format_duration(*r.warn), format_duration(*r.period)));
}

constexpr std::string_view out_of_bed_keys[] = {"sensor", "within"};
void read_out_of_bed(rule_context& c) {
    c.required_sensor("sensor = \"bed\"");
    c.spec().within = c.required_duration("within", "within = \"30m\"");
}

constexpr std::string_view exit_keys[] = {"sensor", "inside", "within", "open_for"};
void read_exit(rule_context& c) {
    auto& r = c.spec();
    c.required_sensor("sensor = \"front-door\"");
    if (auto l = c.rd.string_list("inside", "inside = [\"hall-pir\", \"bed\"]")) c.e.inside = *l;
    r.within = c.rd.duration("within", true);
    r.open_for = c.rd.duration("open_for", true);
    if (!c.rd.has("within") && !c.rd.has("open_for"))
        c.diag().error(r.pos,
                       fmt::format("{}: an exit rule needs within (no activity inside this long after the "
                                   "door opens), open_for (the door open this long), or both; e.g. "
                                   "within = \"10m\"",
                                   c.label));
}

constexpr std::string_view due_keys[] = {"sensors", "event", "from", "by"};
void read_due(rule_context& c) {
    auto& r = c.spec();
    if (auto l = c.rd.string_list("sensors", "sensors = [\"kitchen-pir\"]")) c.e.sensors = *l;
    if (auto ev = c.rd.required_string("event", "event = \"active\"")) {
        r.event = *ev;
        if (ev->empty())
            c.diag().error(c.rd.value_pos("event"), fmt::format("{} event: empty; e.g. \"active\"", c.label));
    }
    if (!c.rd.has("from")) c.rd.missing("from", "from = \"07:00\"");
    if (!c.rd.has("by")) c.rd.missing("by", "by = \"10:00\"");
    r.from_minute = c.rd.time_of_day("from");
    r.by_minute = c.rd.time_of_day("by");
}

constexpr std::string_view threshold_keys[] = {"sensor", "attribute",  "below", "above",
                                               "for",    "hysteresis", "rise",  "over"};
void read_threshold(rule_context& c) {
    auto& r = c.spec();
    auto& rd = c.rd;
    c.required_sensor("sensor = \"lounge-temp\"");
    if (auto a = rd.string("attribute")) {
        r.attribute = *a;
        if (a->empty())
            c.diag().error(rd.value_pos("attribute"),
                           fmt::format("{} attribute: empty; leave it out for \"temperature\"", c.label));
    }
    r.below = rd.number("below");
    r.above = rd.number("above");
    r.for_ = rd.duration("for", false);
    if (auto h = rd.number("hysteresis")) {
        r.hysteresis = *h;
        if (*h < 0)
            c.diag().error(
                rd.value_pos("hysteresis"),
                fmt::format("{} hysteresis: must be 0 or more (how far the reading must come back)",
                            c.label));
    }
    r.rise = rd.number("rise");
    if (r.rise && *r.rise <= 0)
        c.diag().error(rd.value_pos("rise"), fmt::format("{} rise: must be more than 0", c.label));
    r.over = rd.duration("over", true);
    if (rd.has("rise") && !rd.has("over"))
        rd.missing("over", "over = \"10m\" (the time within which the reading rises by rise)");
    if (rd.has("over") && !rd.has("rise"))
        rd.missing("rise", "rise = 5.0 (how much the reading must rise within over)");
    if (!rd.has("below") && !rd.has("above") && !rd.has("rise"))
        c.diag().error(r.pos, fmt::format("{}: a threshold rule needs below, above, or rise with over; e.g. "
                                          "below = 16.0",
                                          c.label));
}

struct rule_type_reader {
    rule_type type;
    std::span<const std::string_view> keys;  ///< its own keys, beside rule_common_keys
    bool has_window;                         ///< `due` has its own window: from .. by
    void (*read)(rule_context& c);
};

/// One row per rule type, in the order messages list them.
constexpr rule_type_reader rule_readers[] = {
    {rule_type::inactivity, inactivity_keys, true, read_inactivity},
    {rule_type::out_of_bed, out_of_bed_keys, true, read_out_of_bed},
    {rule_type::exit, exit_keys, true, read_exit},
    {rule_type::due, due_keys, false, read_due},
    {rule_type::threshold, threshold_keys, true, read_threshold},
};

const rule_type_reader& reader_of(rule_type t) {
    for (const auto& r : rule_readers)
        if (r.type == t) return r;
    return rule_readers[0];  // unreachable: every rule type has a row
}

std::vector<std::string_view> keys_of(const rule_type_reader& t) {
    std::vector<std::string_view> k;
    for (auto key : rule_common_keys)
        if (key != "window" || t.has_window) k.push_back(key);
    k.insert(k.end(), t.keys.begin(), t.keys.end());
    return k;
}

}  // namespace

std::vector<std::string_view> all_rule_keys() {
    std::vector<std::string_view> all;
    for (const auto& t : rule_readers)
        for (auto k : keys_of(t))
            if (std::find(all.begin(), all.end(), k) == all.end()) all.push_back(k);
    return all;
}

rule_entry read_rule(const toml::table& t, std::size_t index, diagnostics& d) {
    rule_entry e;
    auto& r = e.spec;
    auto rd = start_entry(t, index, d, e, "rule", "id = \"night-inactivity\"");
    const std::string& label = rd.what();
    if (e.has_id && is_valid_id(r.id) &&
        std::find(std::begin(reserved_rule_ids), std::end(reserved_rule_ids), r.id) !=
            std::end(reserved_rule_ids))
        d.error(e.id_pos, fmt::format("{} id: \"{}\" is reserved for the hub's technical alerts ({}); "
                                      "give the rule another id",
                                      label, r.id, join(reserved_rule_ids)));
    if (auto type = rd.required_string("type", "type = \"inactivity\""))
        if (auto rt = read_choice(rd, "type", *type, "a rule type", rule_type_names, parse_rule_type)) {
            r.type = *rt;
            e.has_type = true;
        }
    if (auto p = rd.string("priority"))
        if (auto pr = read_choice(rd, "priority", *p, "a priority", priority_names, parse_priority))
            r.prio = *pr;
    if (!e.has_type) {
        // Without a type, which keys belong is unknown; only report keys no rule type has.
        std::set<std::string_view> all;
        for (auto k : all_rule_keys()) all.insert(k);
        all.insert("window");
        std::vector<std::string_view> allowed(all.begin(), all.end());
        rd.reject_unknown(allowed);
        return e;
    }

    const auto& type = reader_of(r.type);
    const auto type_name = to_string(r.type);
    if (type.has_window) {
        if (auto w = rd.windows("window")) r.windows = *w;
    }
    rule_context c{rd, e, label};
    type.read(c);

    const auto allowed = keys_of(type);
    rd.reject_unknown(allowed, [&](std::string_view key) -> std::optional<std::string> {
        if (!type.has_window && key == "window")
            return fmt::format("{}: a {} rule has no window; from and by are its window", label, type_name);
        for (const auto& other : rule_readers) {
            auto k = keys_of(other);
            if (std::find(k.begin(), k.end(), key) != k.end())
                return fmt::format(
                    "{}: '{}' is not a key of {} rules (it belongs to {} rules); {} rules take: {}", label,
                    key, type_name, to_string(other.type), type_name, join(allowed));
        }
        return std::nullopt;
    });
    return e;
}

}  // namespace warden::config::detail
