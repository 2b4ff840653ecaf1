// Tasmota: JSON on tele/<t>/SENSOR, tele/<t>/STATE and stat/<t>/RESULT; tele/<t>/LWT Online/Offline.

#include "detail.hpp"

namespace warden::sensors::detail {
namespace {

/// The default place of the primary value when `field` is not set.
std::vector<std::string> default_fields(const config::sensor_spec& s) {
    switch (s.kind) {
        case sensor_kind::power:
            if (s.threshold) return {"ENERGY.Power"};
            return {"POWER", "POWER1"};
        case sensor_kind::pendant:
        case sensor_kind::pull_cord:
        case sensor_kind::button:
            return {"Button1", "Switch1"};
        case sensor_kind::temperature:
            return {};  // first "<sensor>.Temperature"
        default:
            return {"Switch1"};
    }
}

std::string tele(const config::sensor_spec& s, std::string_view what) {
    return "tele/" + s.topic + "/" + std::string(what);
}
std::string stat_result(const config::sensor_spec& s) {
    return "stat/" + s.topic + "/RESULT";
}
/// The answer to the state request: Status 10 (StatusSNS: sensors, switches, ENERGY) or, for a relay,
/// Status 11 (StatusSTS: POWER).
std::string status_number(const config::sensor_spec& s) {
    const bool relay =
        s.kind == sensor_kind::power && !s.threshold && (!s.field || iequals(s.field->substr(0, 5), "POWER"));
    return relay ? "11" : "10";
}

std::vector<route> tasmota_routes(const config::sensor_spec& s) {
    std::vector<route> out;
    // stat/<t>/DEEPSLEEP: the device is about to sleep (DeepSleepTime), then publishes LWT Offline.
    for (auto t : {tele(s, "SENSOR"), tele(s, "STATE"), stat_result(s), "stat/" + s.topic + "/DEEPSLEEP"})
        out.push_back({t, t, false, role::tasmota_data, {}});
    out.push_back({tele(s, "LWT"), tele(s, "LWT"), false, role::tasmota_lwt, {}});
    // Tasmota's PIR recipe (docs/PIR-Motion-Sensors.md) has a rule `publish stat/%topic%/PIR1 ON`: a
    // one-word field is also read from its own topic stat/<t>/<field>.
    if (s.field && !s.field->empty() && s.field->find_first_of("./") == std::string::npos) {
        auto own = "stat/" + s.topic + "/" + *s.field;
        if (own != stat_result(s) && own != "stat/" + s.topic + "/DEEPSLEEP")
            out.push_back({own, own, false, role::tasmota_published, {}});
    }
    if (!is_momentary_kind(s.kind)) {  // the answer to the state request; presses are not asked
        const std::string status = "stat/" + s.topic + "/STATUS" + status_number(s);
        out.push_back({status, status, false, role::tasmota_data, {}});
    }
    return out;
}

outcome tasmota_decode(const config::sensor_spec& s, role r, message& m) {
    if (r == role::tasmota_lwt) {
        // Newer builds (arendst/Tasmota#19134) say "DeepSleep" in the LWT instead of "Offline".
        if (iequals(trim(m.payload), "DeepSleep")) {
            outcome o;
            o.sleep = true;
            return o;
        }
        return availability(s, m, false);
    }
    if (r == role::tasmota_published) {
        // The whole payload is the field's value: "ON", "OFF", "21.5", or JSON a rule built.
        auto text = trim(m.payload);
        if (text.empty()) return outcome::drop(drop_reason::malformed, "empty payload");
        if (!is_text(m.payload)) return outcome::drop(drop_reason::malformed, "not text");
        const json* doc = m.parsed();
        json v = doc && !doc->is_object() ? *doc : json(std::string(text));
        if (doc && doc->is_object()) {
            const json* inner = find_path(*doc, *s.field, true);
            v = inner ? *inner : json(nullptr);
        }
        outcome o;
        auto ev = make_event(s, m.at);
        if (!apply(ev, interpret(v, s, *s.field), o)) return o;
        o.inputs.emplace_back(std::move(ev));
        return o;
    }
    const json* doc = m.parsed();
    if (!doc) return outcome::drop(drop_reason::malformed, m.why());
    if (!doc->is_object()) return outcome::drop(drop_reason::unexpected, "expected a JSON object");
    // stat/<t>/STATUS10 and STATUS11 (the answers to the state request) wrap what tele/<t>/SENSOR
    // and tele/<t>/STATE carry in StatusSNS / StatusSTS.
    for (const char* wrapper : {"StatusSNS", "StatusSTS"})
        if (auto it = doc->find(wrapper); it != doc->end() && it->is_object()) doc = &*it;
    outcome o;
    // {"DeepSleep":{"Time":..,"Epoch":<wake-up>}} on stat/<t>/DEEPSLEEP just before a planned sleep.
    if (auto ds = doc->find("DeepSleep"); ds != doc->end() && ds->is_object()) o.sleep = true;
    auto ev = make_event(s, m.at);
    // tele/STATE: Wifi.RSSI is the link quality in percent.
    if (const json* rssi = find_path(*doc, "Wifi.RSSI")) {
        auto n = rssi->is_number() ? json_number(*rssi) : std::nullopt;
        if (n && *n >= -1000 && *n <= 1000) ev.link = static_cast<int>(*n);
    }

    const json* v = nullptr;
    std::string attr;
    if (s.field) {
        v = find_path(*doc, *s.field, /*ignore_case=*/true);
        attr = std::string(last_segment(*s.field));
    } else if (s.kind == sensor_kind::temperature) {
        // {"DS18B20":{"Temperature":21.5}}, {"AM2301":{"Temperature":..,"Humidity":..}}, ...: the first
        // one in the message (the parsed object is sorted, so ask the text), never the ESP32's own chip.
        std::size_t first = std::string_view::npos;
        for (auto it = doc->begin(); it != doc->end(); ++it) {
            if (!it->is_object() || it.key() == "ESP32") continue;
            auto t = it->find("Temperature");
            if (t == it->end()) continue;
            auto at = m.payload.find("\"" + it.key() + "\"");
            if (!v || at < first) {
                v = &*t;
                first = at;
            }
        }
        attr = "Temperature";
    } else {
        for (const auto& f : default_fields(s))
            if ((v = find_path(*doc, f, true))) {
                attr = std::string(last_segment(f));
                break;
            }
    }
    // The detached-switch form: {"Switch1":{"Action":"ON"}}, {"Button1":{"Action":"SINGLE"}}.
    if (v && v->is_object())
        if (const json* action = find_path(*v, "Action", true)) v = action;

    reading rd = v ? interpret(*v, s, attr) : reading{};
    if (rd.value && s.kind == sensor_kind::temperature) {
        if (const json* unit = find_path(*doc, "TempUnit"); unit && unit->is_string() && *unit == "F")
            rd.value = (*rd.value - 32.0) * 5.0 / 9.0;
    }
    if (!apply(ev, rd, o)) return o;
    o.inputs.emplace_back(std::move(ev));
    return o;
}

topic_payloads tasmota_simulate(const config::sensor_spec& s, const sim_request& req) {
    using what = sim_request::what;
    switch (req.ask) {
        case what::offline:
            return {{tele(s, "LWT"), "Offline"}};
        case what::online:
            return {{tele(s, "LWT"), "Online"}};
        case what::battery_low:
        case what::tamper:
            cannot(s, "a Tasmota device reports neither battery nor tamper");
        case what::number:
            if (req.attr == "battery") cannot(s, "a Tasmota device reports no battery");
            break;
        case what::signal:
            break;
    }
    json sensor_msg = {{"Time", iso_now().substr(0, 19)}};
    if (req.ask == what::number) {
        if (s.field)
            set_path(sensor_msg, *s.field, req.number);
        else if (req.attr == "power")
            sensor_msg["ENERGY"] = {{"Power", req.number}, {"Voltage", 231}};
        else
            sensor_msg["DS18B20"] = {{"Id", "01144A0CB2AA"}, {"Temperature", req.number}};
        if (req.attr == "temperature") sensor_msg["TempUnit"] = "C";
        return {{tele(s, "SENSOR"), sensor_msg.dump()}};
    }
    const std::string path =
        s.field.value_or(default_fields(s).empty() ? "Switch1" : default_fields(s).front());
    json value = sim_value(s, req, last_segment(path));
    if (value.is_boolean()) {
        bool on = value.get<bool>();
        const bool button = iequals(path.substr(0, 6), "Button");
        value = button ? (on ? "SINGLE" : "CLEAR") : (on ? "ON" : "OFF");
    }
    if (path.find('.') != std::string::npos || value.is_number()) {
        set_path(sensor_msg, path, value);
        return {{tele(s, "SENSOR"), sensor_msg.dump()}};
    }
    // Relays answer {"POWER":"ON"}; detached switches and buttons {"Switch1":{"Action":"ON"}}.
    json result = json::object();
    if (iequals(path.substr(0, 5), "POWER"))
        result[path] = value;
    else
        result[path] = {{"Action", value}};
    return {{stat_result(s), result.dump()}};
}

/// cmnd/<t>/Status 10 (or 11): the device answers at once on stat/<t>/STATUS10 (STATUS11).
topic_payloads tasmota_state_request(const config::sensor_spec& s) {
    return {{"cmnd/" + s.topic + "/Status", status_number(s)}};
}

std::vector<std::string> tasmota_filters(const std::vector<config::sensor_spec>&) {
    return {"tele/+/+", "stat/+/RESULT"};
}

/// tele/<t>/<what> and stat/<t>/RESULT: the device is <t>.
std::optional<device_sighting> tasmota_recognise(std::string_view topic, std::string_view payload,
                                                 const std::vector<config::sensor_spec>&) {
    auto parts = split(topic, '/');
    if (parts.size() != 3 || !(parts[0] == "tele" || (parts[0] == "stat" && parts[2] == "RESULT")))
        return std::nullopt;
    device_sighting out;
    out.kind = device_sighting::what::device;
    out.device_topic = out.name = std::string(parts[1]);
    if (parts[2] == "LWT") {
        out.online = discovery_online_word(payload);
    } else if (parts[2] == "STATE") {
        auto j = json::parse(payload, nullptr, false);
        if (!j.is_discarded() && j.is_object()) {
            auto wifi = j.find("Wifi");
            if (wifi != j.end() && wifi->is_object()) out.link = json_int(*wifi, "Signal");
        }
    } else if (parts[2] == "SENSOR" || parts[2] == "RESULT") {
        out.kind = device_sighting::what::state;
    }
    return out;
}

}  // namespace

// tele/<t>/STATE comes every TelePeriod (300 s by default, at most 3600 s): an hour, with margin.
constinit const source_descriptor tasmota_source{
    .source = config::source_type::tasmota,
    .default_report_every = std::chrono::hours(1),
    .routes = tasmota_routes,
    .decode = tasmota_decode,
    .simulate = tasmota_simulate,
    .state_request = tasmota_state_request,
    .discovery = {.source = config::source_type::tasmota,
                  .filters = tasmota_filters,
                  .sensor_filters = no_sensor_filters,
                  .recognise = tasmota_recognise},
};

}  // namespace warden::sensors::detail
