// hub.toml's checks across sensors and rules: ids and topics used twice, rules naming sensors that do
// not exist or cannot give what the rule needs.

#include <algorithm>
#include <cctype>
#include <map>
#include <set>
#include <tuple>

#include <fmt/format.h>

#include "hub_parts.hpp"
#include "warden/common/event.hpp"

namespace warden::config::detail {
namespace {

std::string kind_list(std::initializer_list<sensor_kind> kinds) {
    std::vector<std::string> names;
    for (auto k : kinds) names.emplace_back(to_string(k));
    return join(names);
}

/// Kinds whose reports show that someone is there (inactivity and due).
bool shows_presence(sensor_kind k) {
    return is_activity_kind(k) || k == sensor_kind::pendant || k == sensor_kind::pull_cord ||
           k == sensor_kind::fall;
}

/// "a motion", "an epilepsy" (followed by "sensor" in messages).
std::string a_kind(sensor_kind k) {
    auto name = to_string(k);
    bool vowel = std::string_view("aeiou").find(name.front()) != std::string_view::npos;
    return fmt::format("{} {}", vowel ? "an" : "a", name);
}

/// The words a sensor of kind `k` can send, for messages: "\"open\", \"closed\", \"active\" or \"inactive\"".
std::string event_words(sensor_kind k) {
    std::vector<std::string> words{std::string(signal_name(k, signal::active))};
    if (!is_momentary_kind(k)) words.emplace_back(signal_name(k, signal::inactive));
    for (auto generic : {"active", "inactive"}) {
        if (is_momentary_kind(k) && generic == std::string_view("inactive")) continue;
        if (std::find(words.begin(), words.end(), generic) == words.end()) words.emplace_back(generic);
    }
    std::string out;
    for (std::size_t i = 0; i < words.size(); ++i)
        out += fmt::format("{}\"{}\"", i == 0 ? "" : (i + 1 == words.size() ? " or " : ", "), words[i]);
    return out;
}

/// A due rule's event must be a word every watched sensor can send (a momentary kind is never
/// "released": the engine drops that state).
void check_event(const rule_entry& re, const std::vector<std::pair<const sensor_entry*, position>>& watched,
                 const std::string& label, diagnostics& d) {
    const auto& r = re.spec;
    const position event_pos = r.key_pos.count("event") ? r.key_pos.at("event") : r.pos;
    std::vector<std::string> never;
    for (const auto& [s, pos] : watched) {
        auto k = s->spec.kind;
        if (!shows_presence(k)) continue;  // reported already
        auto sig = parse_signal_name(k, r.event);
        if (sig && !(is_momentary_kind(k) && *sig == signal::inactive)) continue;
        if (!re.sensors.empty()) {
            d.error(pos, fmt::format("{}: sensor '{}' ({}) never sends event \"{}\"; its events are {}",
                                     label, s->spec.id, to_string(k), r.event, event_words(k)));
        } else {
            never.push_back(fmt::format("'{}' ({}: {})", s->spec.id, to_string(k), event_words(k)));
        }
    }
    if (!never.empty())
        d.error(event_pos, fmt::format("{} event: \"{}\" never comes from {}, which the rule watches because "
                                       "sensors is not given; list in sensors the sensors that send \"{}\"",
                                       label, r.event, join(never, 6), r.event));
}

/// The name of the one reading a sensor gives the rule engine: the last part of its `field`, or
/// "temperature" for a temperature sensor without one; empty if unknown.
std::string reading_name(const sensor_spec& s) {
    if (s.field) {
        auto dot = s.field->rfind('.');
        return dot == std::string::npos ? *s.field : s.field->substr(dot + 1);
    }
    return s.kind == sensor_kind::temperature ? "temperature" : "";
}

bool same_name(std::string_view a, std::string_view b) {
    return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
               return std::tolower(static_cast<unsigned char>(x)) ==
                      std::tolower(static_cast<unsigned char>(y));
           });
}

/// A threshold's `attribute` must name the reading the sensor gives: a sensor event carries one number
/// (picked by the sensor's `field`), so an attribute cannot pick another one (SPEC 2.3 extension note
/// in docs/rules.md).
void check_attribute(const rule_spec& r, const sensor_spec& s, const position& pos, const std::string& label,
                     diagnostics& d) {
    auto reading = reading_name(s);
    if (reading.empty() || r.attribute.empty()) return;
    if (same_name(r.attribute, reading) || (s.field && same_name(r.attribute, *s.field))) return;
    d.error(pos,
            fmt::format("{} attribute: \"{}\" is not what sensor '{}' reports: its one reading is \"{}\" "
                        "({}); leave attribute out, or add a [[sensor]] on the same device whose "
                        "field is \"{}\"",
                        label, r.attribute, s.id, reading,
                        s.field ? fmt::format("its field is \"{}\"", *s.field)
                                : std::string("a temperature sensor without a field"),
                        r.attribute));
}

}  // namespace

void cross_check(std::vector<sensor_entry>& sensors, std::vector<rule_entry>& rules, diagnostics& d) {
    // Duplicate sensor ids and duplicate device topics.
    std::map<std::string, const sensor_entry*, std::less<>> by_id;
    for (const auto& s : sensors) {
        if (!s.has_id) continue;
        auto [it, fresh] = by_id.emplace(s.spec.id, &s);
        if (!fresh)
            d.error(
                s.id_pos,
                fmt::format("sensor id '{}' is used twice (first at line {}); give each sensor its own id",
                            s.spec.id, it->second->id_pos.line));
    }
    std::map<std::tuple<int, std::string, std::string>, const sensor_entry*> by_topic;
    for (const auto& s : sensors) {
        if (!s.has_source || s.spec.topic.empty()) continue;
        // Without a field the kind picks the attribute, so two kinds on one device are fine.
        std::string what = s.spec.field ? "field:" + *s.spec.field
                                        : (s.has_kind ? "kind:" + std::string(to_string(s.spec.kind)) : "");
        auto key = std::make_tuple(static_cast<int>(s.spec.source), s.spec.topic, what);
        auto [it, fresh] = by_topic.emplace(key, &s);
        if (!fresh)
            d.error(
                s.topic_pos,
                fmt::format(
                    "sensor '{}' topic: \"{}\" is already the topic of sensor '{}' (line {}) with the same "
                    "source and {}; give each a different field, or remove one",
                    s.spec.id, s.spec.topic, it->second->spec.id, it->second->topic_pos.line,
                    s.spec.field ? "field" : "kind"));
    }
    std::vector<std::string> configured;
    for (const auto& s : sensors)
        if (s.has_id && std::find(configured.begin(), configured.end(), s.spec.id) == configured.end())
            configured.push_back(s.spec.id);
    std::vector<std::string_view> configured_views(configured.begin(), configured.end());

    // Duplicate rule ids.
    std::map<std::string, const rule_entry*, std::less<>> rule_ids;
    for (const auto& r : rules) {
        if (!r.has_id) continue;
        auto [it, fresh] = rule_ids.emplace(r.spec.id, &r);
        if (!fresh)
            d.error(r.id_pos,
                    fmt::format("rule id '{}' is used twice (first at line {}); give each rule its own id",
                                r.spec.id, it->second->id_pos.line));
    }

    for (auto& re : rules) {
        if (!re.has_type) continue;
        const auto& r = re.spec;
        const std::string label = fmt::format("rule '{}'", r.id);
        const auto type_name = to_string(r.type);
        // Finds a referenced sensor; nullptr (after a message) if it is not configured, or if its kind
        // could not be read (that was reported at the sensor already).
        auto lookup = [&](const located_string& ref) -> const sensor_entry* {
            auto it = by_id.find(ref.value);
            if (it == by_id.end()) {
                auto near = did_you_mean(ref.value, configured_views);
                d.error(ref.pos,
                        fmt::format("{}: sensor '{}' is not configured ({}configured: {})", label, ref.value,
                                    near ? fmt::format("did you mean '{}'? ", *near) : "",
                                    configured.empty() ? std::string("none") : join(configured, 12)));
                return nullptr;
            }
            return it->second->has_kind ? it->second : nullptr;
        };
        auto no_duplicates = [&](const std::vector<located_string>& list, std::string_view key) {
            std::set<std::string, std::less<>> seen;
            for (const auto& ref : list)
                if (!seen.insert(ref.value).second)
                    d.error(ref.pos,
                            fmt::format("{} {}: sensor '{}' is listed twice", label, key, ref.value));
        };
        auto watched = [&](const std::vector<located_string>& list) {
            // The sensors of an inactivity or due rule: those listed, or every activity-kind sensor.
            std::vector<std::pair<const sensor_entry*, position>> out;
            if (!list.empty()) {
                for (const auto& ref : list)
                    if (const auto* s = lookup(ref)) out.emplace_back(s, ref.pos);
                return out;
            }
            for (const auto& s : sensors)
                if (s.has_kind && s.has_id && is_activity_kind(s.spec.kind)) out.emplace_back(&s, r.pos);
            return out;
        };
        auto need_watched = [&](const std::vector<located_string>& list, bool any) {
            if (list.empty() && !any)
                d.error(r.pos, fmt::format(
                                   "{}: there is no sensor to watch: no sensors are listed and no activity "
                                   "sensor ({}) is configured",
                                   label,
                                   kind_list({sensor_kind::motion, sensor_kind::door, sensor_kind::bed,
                                              sensor_kind::chair, sensor_kind::button, sensor_kind::power})));
        };
        auto presence_kinds = [&](const std::vector<std::pair<const sensor_entry*, position>>& list) {
            for (const auto& [s, pos] : list)
                if (!shows_presence(s->spec.kind))
                    d.error(pos,
                            fmt::format(
                                "{}: sensor '{}' is {} sensor, whose regular reports do not show that "
                                "anyone is there; {} rules watch activity sensors ({}) and the "
                                "pendant, pull_cord and fall buttons",
                                label, s->spec.id, a_kind(s->spec.kind), type_name,
                                kind_list({sensor_kind::motion, sensor_kind::door, sensor_kind::bed,
                                           sensor_kind::chair, sensor_kind::button, sensor_kind::power})));
        };

        // `sensors` of an inactivity or due rule: checked, and given to the engine by id.
        auto watched_sensors = [&] {
            no_duplicates(re.sensors, "sensors");
            auto w = watched(re.sensors);
            need_watched(re.sensors, !w.empty());
            presence_kinds(w);
            re.spec.sensors.clear();
            for (const auto& ref : re.sensors) re.spec.sensors.push_back(ref.value);
            return w;
        };

        switch (r.type) {
            case rule_type::inactivity: {
                watched_sensors();
                no_duplicates(re.paused_by, "paused_by");
                re.spec.paused_by.clear();
                for (const auto& ref : re.paused_by) {
                    re.spec.paused_by.push_back(ref.value);
                    if (const auto* s = lookup(ref))
                        if (s->spec.kind != sensor_kind::bed && s->spec.kind != sensor_kind::chair)
                            d.error(ref.pos,
                                    fmt::format("{} paused_by: sensor '{}' is {} sensor; only a bed or chair "
                                                "sensor can pause inactivity (while it reports occupied)",
                                                label, s->spec.id, a_kind(s->spec.kind)));
                }
                break;
            }
            case rule_type::due: {
                auto w = watched_sensors();
                if (r.event.empty()) break;
                check_event(re, w, label, d);
                break;
            }
            case rule_type::out_of_bed:
                if (re.sensor)
                    if (const auto* s = lookup(*re.sensor))
                        if (s->spec.kind != sensor_kind::bed && s->spec.kind != sensor_kind::chair)
                            d.error(
                                re.sensor->pos,
                                fmt::format(
                                    "{}: sensor '{}' is {} sensor; out_of_bed needs a bed or chair sensor",
                                    label, s->spec.id, a_kind(s->spec.kind)));
                break;
            case rule_type::exit: {
                if (re.sensor)
                    if (const auto* s = lookup(*re.sensor))
                        if (s->spec.kind != sensor_kind::door)
                            d.error(re.sensor->pos,
                                    fmt::format("{}: sensor '{}' is {} sensor; exit needs a door sensor",
                                                label, s->spec.id, a_kind(s->spec.kind)));
                no_duplicates(re.inside, "inside");
                re.spec.inside.clear();
                for (const auto& ref : re.inside) {
                    re.spec.inside.push_back(ref.value);
                    if (re.sensor && ref.value == re.sensor->value) {
                        d.error(ref.pos,
                                fmt::format("{} inside: '{}' is the door itself; list the sensors that see "
                                            "someone inside (motion, bed, chair)",
                                            label, ref.value));
                        continue;
                    }
                    if (const auto* s = lookup(ref))
                        if (!is_activity_kind(s->spec.kind))
                            d.error(ref.pos,
                                    fmt::format("{} inside: sensor '{}' is {} sensor, which does not show "
                                                "that someone is inside; use activity sensors ({})",
                                                label, s->spec.id, a_kind(s->spec.kind),
                                                kind_list({sensor_kind::motion, sensor_kind::bed,
                                                           sensor_kind::chair, sensor_kind::door,
                                                           sensor_kind::button, sensor_kind::power})));
                }
                break;
            }
            case rule_type::threshold:
                if (re.sensor)
                    if (const auto* s = lookup(*re.sensor)) {
                        if (s->spec.kind != sensor_kind::temperature && !s->spec.field && !s->spec.threshold)
                            d.error(
                                re.sensor->pos,
                                fmt::format(
                                    "{}: sensor '{}' is {} sensor and reports no number; threshold needs a "
                                    "temperature sensor, or a sensor whose field names a numeric reading",
                                    label, s->spec.id, a_kind(s->spec.kind)));
                        else if (auto a = r.key_pos.find("attribute"); a != r.key_pos.end())
                            check_attribute(r, s->spec, a->second, label, d);
                    }
                break;
        }
    }
}

}  // namespace warden::config::detail
