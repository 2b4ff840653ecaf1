// hub.toml's [[sensor]] tables, and what they share with [[rule]] tables.

#include <algorithm>

#include <fmt/format.h>

#include "hub_parts.hpp"
#include "warden/common/alert.hpp"

namespace warden::config::detail {
namespace {

constexpr std::string_view kind_names[] = {
    "pendant",  "pull_cord", "fall", "smoke", "heat",  "co",     "gas",   "flood",      "epilepsy",
    "enuresis", "motion",    "door", "bed",   "chair", "button", "power", "temperature"};
constexpr std::string_view source_names[] = {"zigbee2mqtt", "tasmota", "esphome", "shelly", "json"};

std::vector<std::string_view> split_levels(std::string_view t) {
    std::vector<std::string_view> out;
    for (std::size_t start = 0;;) {
        auto slash = t.find('/', start);
        out.push_back(
            t.substr(start, slash == std::string_view::npos ? std::string_view::npos : slash - start));
        if (slash == std::string_view::npos) return out;
        start = slash + 1;
    }
}

/// Checks that a sensor's topic has the form its source expects, and says which to use if not.
void check_topic(const sensor_entry& e, diagnostics& d) {
    const auto& s = e.spec;
    const std::string_view t = s.topic;
    const std::string subject = fmt::format("sensor '{}' topic", s.id);
    auto fail = [&](const std::string& why) {
        d.error(e.topic_pos, fmt::format("{}: \"{}\" {}", subject, t, why));
    };
    if (t.empty()) {
        d.error(e.topic_pos, subject + ": empty; give the device's topic on the home broker");
        return;
    }
    if (t.find_first_of("+#") != std::string_view::npos) {
        // A json sensor may read many devices' topics (home/+/door, pir/#), as MQTT filters allow them.
        if (!(e.has_source && s.source == source_type::json))
            return fail("has an MQTT wildcard (+ or #); give one device's own topic");
        for (auto level : split_levels(t))
            if (level.find_first_of("+#") != std::string_view::npos && level != "+" && level != "#")
                return fail("has a wildcard inside a level; + and # stand alone between slashes");
        if (auto hash = t.find('#'); hash != std::string_view::npos && hash != t.size() - 1)
            return fail("has '#' before the end; # may only be the last level");
    }
    if (t.back() == '/') return fail("ends with '/'; leave it out");
    // MQTT topics may hold spaces, and zigbee2mqtt allows them in friendly names ("sensore perdita gas").
    if (t.front() == ' ' || t.back() == ' ')
        return fail("starts or ends with a space; check the device's topic in its bridge");
    auto ends_with = [&](std::string_view tail) {
        return t.size() >= tail.size() && t.substr(t.size() - tail.size()) == tail;
    };
    auto starts_with = [&](std::string_view head) { return t.substr(0, head.size()) == head; };
    if (!e.has_source) return;
    switch (s.source) {
        case source_type::zigbee2mqtt: {
            auto slash = t.find('/');
            if (slash == std::string_view::npos)
                return fail(
                    "is not a zigbee2mqtt device topic; use \"<base>/<friendly_name>\", "
                    "e.g. \"zigbee2mqtt/hall_pir\"");
            for (auto tail : {"/availability", "/set", "/get"})
                if (ends_with(tail))
                    return fail(fmt::format("names the device's {} topic; use the state topic \"{}\"",
                                            tail + 1, t.substr(0, t.size() - std::string_view(tail).size())));
            if (t.substr(slash + 1).rfind("bridge", 0) == 0 && (t.size() == slash + 7 || t[slash + 7] == '/'))
                return fail("is the bridge's own topic; use a device's topic, \"<base>/<friendly_name>\"");
            break;
        }
        case source_type::tasmota:
            for (auto head : {"tele/", "stat/", "cmnd/"}) {
                if (!starts_with(head)) continue;
                auto rest = t.substr(std::string_view(head).size());
                auto device = rest.substr(0, rest.find('/'));
                return fail(
                    fmt::format("is a full tasmota topic; give the device topic only, \"{}\" (the hub "
                                "subscribes to tele/{}/SENSOR, stat/{}/RESULT and tele/{}/LWT itself)",
                                device, device, device, device));
            }
            break;
        case source_type::esphome: {
            auto levels = std::count(t.begin(), t.end(), '/') + 1;
            if (!ends_with("/state") || levels < 4)
                return fail(
                    "is not an esphome state topic; use \"<prefix>/<component>/<name>/state\", "
                    "e.g. \"kitchen/binary_sensor/kitchen_pir/state\"");
            break;
        }
        case source_type::shelly:
            for (auto tail : {"/online", "/events/rpc", "/announce"})
                if (ends_with(tail))
                    return fail(fmt::format("names one of the device's topics; give its base topic \"{}\"",
                                            t.substr(0, t.size() - std::string_view(tail).size())));
            for (auto part : {"/sensor/", "/status/", "/input/", "/relay/"})
                if (auto p = t.find(part); p != std::string_view::npos)
                    return fail(
                        fmt::format("names one of the device's topics; give its base topic \"{}\" "
                                    "(gen1 \"shellies/<id>\", gen2 \"<id>\")",
                                    t.substr(0, p)));
            break;
        case source_type::json:
            break;
    }
}

}  // namespace

std::string quoted_id_hint() {
    return "use 1 to 64 letters, digits, '.', '_' or '-'";
}

std::string entry_label(const toml::table& t, std::string_view noun, std::size_t index) {
    const auto* idn = t.get("id");
    return idn && idn->is_string() ? fmt::format("{} '{}'", noun, idn->as_string()->get())
                                   : fmt::format("[[{}]] #{}", noun, index + 1);
}

bool read_entry_id(table_reader& r, std::string_view noun, std::string_view example, std::string& id,
                   position& id_pos) {
    auto read = r.required_string("id", example);
    if (!read) return false;
    id = *read;
    id_pos = r.value_pos("id");
    if (!is_valid_id(id))
        r.diag().error(id_pos, fmt::format("{} id: \"{}\" is not a valid {} id; {}", r.what(), id, noun,
                                           quoted_id_hint()));
    return true;
}

sensor_entry read_sensor(const toml::table& t, std::size_t index, diagnostics& d) {
    sensor_entry e;
    auto& s = e.spec;
    auto r = start_entry(t, index, d, e, "sensor", "id = \"hall-pir\"");
    const std::string& label = r.what();
    if (auto kind = r.required_string("kind", "kind = \"motion\""))
        if (auto k = read_choice(r, "kind", *kind, "a sensor kind", kind_names, parse_sensor_kind)) {
            s.kind = *k;
            e.has_kind = true;
        }
    if (auto src = r.required_string("source", "source = \"zigbee2mqtt\""))
        if (auto st = read_choice(r, "source", *src, "a source", source_names, parse_source_type)) {
            s.source = *st;
            e.has_source = true;
        }
    bool topic_read = false;
    if (auto topic = r.required_string("topic", "topic = \"zigbee2mqtt/hall_pir\"")) {
        s.topic = *topic;
        e.topic_pos = r.value_pos("topic");
        topic_read = true;
    }
    if (auto loc = r.string("location")) s.location = *loc;
    s.report_every = r.duration("report_every", true);
    if (auto field = r.string("field")) {
        s.field = *field;
        // An empty field is allowed for the json source: the whole payload is the value.
        bool bad = !field->empty() &&
                   (field->front() == '.' || field->back() == '.' || field->find("..") != std::string::npos ||
                    field->find_first_of(" +#") != std::string::npos);
        if (bad)
            d.error(r.value_pos("field"),
                    fmt::format("{} field: \"{}\" is not a path to a value; use names joined by dots, e.g. "
                                "\"DS18B20.Temperature\"",
                                label, *field));
        if (field->empty() && e.has_source && s.source != source_type::json)
            d.error(r.value_pos("field"),
                    fmt::format("{} field: empty; leave field out to use the {} default", label,
                                to_string(s.source)));
    }
    if (const auto* a = r.get("active")) {
        // `active = true` and `active = 1` mean the same as "true" and "1" in the payload.
        if (const auto* str = a->as_string()) {
            s.active = str->get();
        } else if (const auto* b = a->as_boolean()) {
            s.active = b->get() ? "true" : "false";
        } else if (const auto* i = a->as_integer()) {
            s.active = std::to_string(i->get());
        } else {
            d.error(d.at(*a),
                    fmt::format("{} active: expected the value that means active, e.g. \"ON\", got {}", label,
                                describe(*a)));
        }
        if (s.active && s.active->empty())
            d.error(d.at(*a),
                    fmt::format("{} active: empty; give the value that means active, e.g. \"ON\"", label));
    }
    s.threshold = r.number("threshold");
    s.cancel_button = r.boolean("cancel_button").value_or(false);
    s.away_button = r.boolean("away_button").value_or(false);
    r.reject_unknown(sensor_keys);

    // Checks that need the kind or the source.
    if (e.has_kind) {
        for (auto key : {"cancel_button", "away_button"}) {
            bool on = key == std::string_view("cancel_button") ? s.cancel_button : s.away_button;
            if (on && s.kind != sensor_kind::button)
                d.error(r.value_pos(key),
                        fmt::format("{} {}: only a sensor of kind \"button\" can be a {} (this one "
                                    "is a {})",
                                    label, key, key, to_string(s.kind)));
        }
        if (s.active && s.kind == sensor_kind::temperature)
            d.error(r.value_pos("active"),
                    fmt::format("{} active: a temperature sensor reports a number; leave active out", label));
        if (s.threshold && s.kind == sensor_kind::temperature)
            d.error(
                r.value_pos("threshold"),
                fmt::format("{} threshold: a temperature sensor reports its reading as it is; limits go in a "
                            "threshold [[rule]] (below/above)",
                            label));
    }
    if (s.cancel_button && s.away_button)
        d.error(r.value_pos("away_button"),
                fmt::format("{}: a button is either a cancel_button or an away_button, not both", label));
    if (s.active && s.threshold)
        d.error(r.value_pos("threshold"),
                fmt::format(
                    "{}: give either active (a value that means active) or threshold (a number at or above "
                    "which it is active), not both",
                    label));
    if (e.has_source && s.source == source_type::json && e.has_kind) {
        if (!r.has("field"))
            r.missing("field",
                      "field = \"state\" (a dotted path to the value in the JSON payload; \"\" for the whole "
                      "payload)");
        if (s.kind != sensor_kind::temperature && !r.has("active") && !r.has("threshold"))
            r.missing("active",
                      "active = \"ON\" (the value that means active), or threshold = 30 for a number");
    }
    if (topic_read) check_topic(e, d);
    return e;
}

}  // namespace warden::config::detail
