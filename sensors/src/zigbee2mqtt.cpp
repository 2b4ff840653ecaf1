// zigbee2mqtt: one JSON object per device on <base>/<friendly_name>, availability on .../availability,
// the bridge's own state on <base>/bridge/state.

#include <algorithm>
#include <array>

#include "detail.hpp"

namespace warden::sensors::detail {
namespace {

/// The bridge's base topic: the first level of the device topic ("zigbee2mqtt/hall/pir" -> "zigbee2mqtt").
std::string base_of(std::string_view topic) {
    auto slash = topic.find('/');
    return std::string(slash == std::string_view::npos ? topic : topic.substr(0, slash));
}

/// Attributes that carry the primary state of a binary kind, in the order they are looked for.
std::vector<std::string_view> candidates(sensor_kind k) {
    switch (k) {
        case sensor_kind::smoke:
            return {"smoke"};
        case sensor_kind::heat:
            return {"heat", "smoke"};
        case sensor_kind::co:
            return {"carbon_monoxide"};
        case sensor_kind::gas:
            return {"gas"};
        case sensor_kind::flood:
        case sensor_kind::enuresis:
            return {"water_leak"};
        case sensor_kind::epilepsy:
            return {"alarm"};
        case sensor_kind::motion:
            return {"occupancy", "presence"};
        case sensor_kind::door:
            return {"contact"};
        case sensor_kind::bed:
        case sensor_kind::chair:
            return {"occupancy", "presence", "contact"};
        case sensor_kind::fall:
            return {"fall"};
        case sensor_kind::power:
            return {"state"};
        case sensor_kind::temperature:
            return {"temperature"};
        case sensor_kind::pendant:
        case sensor_kind::pull_cord:
        case sensor_kind::button:
            return {"action", "sos"};
    }
    return {};
}

/// The alarm kinds whose attribute some devices spell with a suffix.
bool alarm_kind(sensor_kind k) {
    return k == sensor_kind::smoke || k == sensor_kind::heat || k == sensor_kind::co ||
           k == sensor_kind::gas || k == sensor_kind::flood || k == sensor_kind::enuresis;
}

const json* member(const json& obj, std::string_view key) {
    auto it = obj.find(std::string(key));
    return it == obj.end() || it->is_null() ? nullptr : &*it;
}

reading wrong(std::string_view attr, std::string_view what) {
    reading r;
    r.bad = drop_reason::wrong_type;
    r.why = std::string(attr) + ": expected " + std::string(what);
    return r;
}

reading active_if(bool b) {
    reading r;
    r.sig = b ? signal::active : signal::inactive;
    return r;
}

/// A latched flag (sos, fall): zigbee2mqtt repeats it from its state cache in every later message,
/// so the router counts a press only when it goes from false (or unknown) to true.
reading level(bool on) {
    reading r = active_if(on);
    r.level = true;
    return r;
}

/// `action` of a button: any press ("single", "double", "hold", "emergency", "sos", ...) is active;
/// "" (the reset some devices send after a press) and releases carry nothing.
reading action_reading(const json& v, const config::sensor_spec& s) {
    if (!v.is_string()) return wrong("action", "a string");
    const auto& word = v.get_ref<const std::string&>();
    if (s.active) return active_if(iequals(word, *s.active));
    return is_press_word(word) ? active_if(true) : reading{};
}

reading primary(const config::sensor_spec& s, const json& obj) {
    if (s.field) {
        const json* v = find_path(obj, *s.field);
        if (!v) return {};
        auto attr = last_segment(*s.field);
        if (attr == "action") return action_reading(*v, s);
        return interpret(*v, s, attr);
    }
    switch (s.kind) {
        case sensor_kind::pendant:
        case sensor_kind::pull_cord:
        case sensor_kind::button: {
            // The three ways an SOS or plain button reports: "action":"emergency"/"sos", "sos":true,
            // and "action":"single" (a plain button worn as a pendant).
            if (const json* a = member(obj, "action")) {
                auto r = action_reading(*a, s);
                if (r.bad != drop_reason::none || r.sig == signal::active) return r;
            }
            if (const json* sos = member(obj, "sos")) {
                if (!sos->is_boolean()) return wrong("sos", "a boolean");
                return level(sos->get<bool>());
            }
            return {};
        }
        case sensor_kind::fall: {
            // Fall detectors report `fall` (a boolean, or a status word where anything but
            // "none"/"normal" is a fall), a status attribute of their own (Heiman HS2FD-EF1
            // `fall_status`, Tuya MIR-HE200-TY `fall_down_status`), or "action":"fall".
            const json* f = member(obj, "fall");
            for (auto other : {"fall_status", "fall_down_status"})
                if (!f) f = member(obj, other);
            if (f) {
                if (f->is_boolean()) return level(f->get<bool>());
                if (f->is_string()) {
                    const auto& w = f->get_ref<const std::string&>();
                    // maybe_fall (Tuya): not sure yet; the radar says fall when it is. Heiman's
                    // fall_warning stays a fall: a person lying undiscovered is worse than a visit.
                    bool calm = w.empty() || iequals(w, "none") || iequals(w, "normal") ||
                                iequals(w, "no_fall") || iequals(w, "false") || iequals(w, "maybe_fall");
                    return level(!calm);
                }
                return wrong("fall", "a boolean or a status word");
            }
            if (const json* a = member(obj, "action")) {
                if (!a->is_string()) return wrong("action", "a string");
                return iequals(a->get_ref<const std::string&>(), "fall") ? active_if(true) : reading{};
            }
            return {};
        }
        case sensor_kind::power: {
            if (s.threshold) {
                const json* p = member(obj, "power");
                return p ? interpret(*p, s, "power") : reading{};
            }
            const json* st = member(obj, "state");
            if (!st) return {};
            if (s.active) return interpret(*st, s, "state");
            if (st->is_boolean()) return active_if(st->get<bool>());
            if (st->is_string()) {
                const auto& w = st->get_ref<const std::string&>();
                if (iequals(w, "ON")) return active_if(true);
                if (iequals(w, "OFF")) return active_if(false);
            }
            return wrong("state", "ON or OFF");
        }
        case sensor_kind::temperature: {
            const json* t = member(obj, "temperature");
            if (!t) return {};
            if (!t->is_number()) return wrong("temperature", "a number");
            return interpret(*t, s, "temperature");
        }
        default:
            break;
    }
    for (auto attr : candidates(s.kind)) {
        const json* v = member(obj, attr);
        if (!v) continue;
        if (s.active || s.threshold) return interpret(*v, s, attr);
        // zigbee2mqtt publishes these as JSON booleans; anything else is a broken converter.
        if (!v->is_boolean()) return wrong(attr, "a boolean");
        return interpret(*v, s, attr);
    }
    // Some alarms name their attribute after the usual one (BlitzWolf BW-IS9: water_leak_alarm_1 and
    // _2): a silent leak sensor is worse than a guess, so any boolean <attribute>_... in alarm.
    if (alarm_kind(s.kind) && !s.active && !s.threshold) {
        std::optional<bool> any;
        for (auto attr : candidates(s.kind))
            for (auto it = obj.begin(); it != obj.end(); ++it)
                if (it->is_boolean() && it.key().size() > attr.size() + 1 && it.key().starts_with(attr) &&
                    it.key()[attr.size()] == '_')
                    any = any.value_or(false) || it->get<bool>();
        if (any) return interpret(*any, s, "");
    }
    return {};
}

std::vector<route> z2m_routes(const config::sensor_spec& s) {
    std::string base = base_of(s.topic);
    std::vector<route> out;
    out.push_back({s.topic, s.topic, false, role::z2m_state, {}});
    out.push_back({s.topic + "/availability", s.topic + "/availability", false, role::z2m_availability, {}});
    out.push_back({base + "/bridge/state", base + "/bridge/state", false, role::z2m_bridge, base});
    return out;
}

outcome z2m_decode(const config::sensor_spec& s, role r, message& m) {
    if (r == role::z2m_availability) return availability(s, m, true);
    const json* doc = m.parsed();
    if (!doc) return outcome::drop(drop_reason::malformed, m.why());
    if (!doc->is_object()) return outcome::drop(drop_reason::unexpected, "expected a JSON object");
    outcome o;
    auto ev = make_event(s, m.at);
    read_health(*doc, ev, o);
    if (!apply(ev, primary(s, *doc), o)) return o;
    o.inputs.emplace_back(std::move(ev));
    return o;
}

topic_payloads z2m_simulate(const config::sensor_spec& s, const sim_request& req) {
    using what = sim_request::what;
    if (req.ask == what::offline || req.ask == what::online)
        return {{s.topic + "/availability",
                 json{{"state", req.ask == what::online ? "online" : "offline"}}.dump()}};
    const bool mains = s.kind == sensor_kind::power;
    json p = json::object();
    switch (req.ask) {
        case what::battery_low:
            if (mains) cannot(s, "a mains-powered plug has no battery");
            p["battery"] = 5;
            p["battery_low"] = true;
            break;
        case what::tamper:
            p["tamper"] = true;
            break;
        case what::number:
            if (req.attr == "battery") {
                if (mains) cannot(s, "a mains-powered plug has no battery");
                p["battery"] = req.number;
            } else if (req.attr == "power") {
                if (s.field)
                    set_path(p, *s.field, req.number);
                else {
                    p["state"] = req.number > 0 ? "ON" : "OFF";
                    p["power"] = req.number;
                }
            } else {
                set_path(p, s.field.value_or("temperature"), req.number);
                if (!s.field) p["humidity"] = 52.4;
            }
            break;
        case what::signal: {
            const bool on = req.sig == signal::active;
            if (s.field) {
                auto attr = last_segment(*s.field);
                if (attr == "action")
                    set_path(p, *s.field, s.active.value_or("single"));
                else
                    set_path(p, *s.field, sim_value(s, req, attr));
                break;
            }
            switch (s.kind) {
                case sensor_kind::pendant:
                case sensor_kind::pull_cord:
                    p["action"] = s.active.value_or("emergency");
                    break;
                case sensor_kind::button:
                    p["action"] = s.active.value_or("single");
                    break;
                case sensor_kind::power:
                    if (s.threshold) {
                        p["state"] = "ON";
                        p["power"] = sim_value(s, req, "power");
                    } else {
                        p["state"] = s.active ? sim_value(s, req, "state") : json(on ? "ON" : "OFF");
                        p["power"] = on ? 48.5 : 0.0;
                    }
                    break;
                default: {
                    auto attr = candidates(s.kind).front();
                    p[std::string(attr)] = sim_value(s, req, attr);
                }
            }
            break;
        }
        default:
            break;
    }
    if (!mains && !p.contains("battery")) p["battery"] = 87;
    p["linkquality"] = 116;
    return {{s.topic, p.dump()}};
}

// ---- discovery ----

/// "zigbee2mqtt", then the base topic of every other configured bridge.
std::vector<std::string> bases(const std::vector<config::sensor_spec>& sensors) {
    std::vector<std::string> out{"zigbee2mqtt"};
    for (const auto& s : sensors)
        if (s.source == config::source_type::zigbee2mqtt)
            if (auto b = base_of(s.topic); std::find(out.begin(), out.end(), b) == out.end())
                out.push_back(std::move(b));
    return out;
}

std::vector<std::string> z2m_filters(const std::vector<config::sensor_spec>& sensors) {
    std::vector<std::string> out;
    for (auto& b : bases(sensors)) out.push_back(b + "/#");
    return out;
}

/// <base>/bridge/devices: the bridge's list of its devices (not the coordinator).
device_sighting listing(const std::string& base, std::string_view payload) {
    device_sighting out;
    auto j = json::parse(payload, nullptr, false);
    if (j.is_discarded() || !j.is_array()) return out;
    out.kind = device_sighting::what::listing;
    for (const auto& d : j) {
        if (!d.is_object()) continue;
        if (d.value("type", "") == "Coordinator") continue;
        auto name = d.value("friendly_name", "");
        if (name.empty()) continue;
        listed_device dev{base + "/" + name, name, std::nullopt};
        auto def = d.find("definition");
        if (def != d.end() && def->is_object()) {
            auto vendor = def->value("vendor", "");
            auto model = def->value("model", "");
            dev.model = vendor.empty() ? model : vendor + " " + model;
        }
        out.listed.push_back(std::move(dev));
    }
    return out;
}

/// <base>/bridge/event: a device joined, was interviewed or announced itself.
device_sighting bridge_event(const std::string& base, std::string_view payload) {
    device_sighting out;
    auto j = json::parse(payload, nullptr, false);
    if (j.is_discarded() || !j.is_object()) return out;
    auto type = j.value("type", "");
    auto data = j.find("data");
    if (data == j.end() || !data->is_object()) return out;
    auto name = data->value("friendly_name", "");
    if (name.empty()) name = data->value("ieee_address", "");
    if (name.empty()) return out;
    if (type != "device_joined" && type != "device_interview" && type != "device_announce") return out;
    out.kind = device_sighting::what::joined;
    out.device_topic = base + "/" + name;
    out.name = name;
    out.detail = type;
    out.announce = type == "device_announce";
    if (type == "device_interview") {
        out.detail = "interview " + data->value("status", std::string("?"));
        auto def = data->find("definition");
        if (def != data->end() && def->is_object()) {
            out.model = def->value("vendor", "") + " " + def->value("model", "");
            out.detail += ": " + *out.model;
        }
    }
    return out;
}

/// <base>/<friendly_name>, its /availability, and the bridge's own topics.
std::optional<device_sighting> z2m_recognise(std::string_view topic, std::string_view payload,
                                             const std::vector<config::sensor_spec>& sensors) {
    for (const auto& base : bases(sensors)) {
        if (!topic.starts_with(base + "/")) continue;
        std::string_view rest = topic.substr(base.size() + 1);
        if (rest == "bridge/devices") return listing(base, payload);
        if (rest == "bridge/event") return bridge_event(base, payload);
        device_sighting out;
        if (rest.starts_with("bridge/") || rest == "bridge") return out;
        if (rest.ends_with("/set") || rest.ends_with("/get") || rest.find("/set/") != std::string_view::npos)
            return out;
        if (rest.ends_with("/availability")) {
            out.kind = device_sighting::what::device;
            out.name = std::string(rest.substr(0, rest.size() - 13));
            out.device_topic = base + "/" + out.name;
            out.online = discovery_online_word(payload);
            return out;
        }
        out.kind = device_sighting::what::state;
        out.device_topic = std::string(topic);
        out.name = std::string(rest);
        auto j = json::parse(payload, nullptr, false);
        if (!j.is_discarded() && j.is_object()) {
            out.battery = json_int(j, "battery");
            out.link = json_int(j, "linkquality");
        }
        return out;
    }
    return std::nullopt;
}

/// <topic>/get {"water_leak":""}: zigbee2mqtt reads the attribute from the device and publishes the
/// device's state on <topic>. A sleepy battery device may not answer; a mains one does.
topic_payloads z2m_state_request(const config::sensor_spec& s) {
    json ask = json::object();
    if (s.field)
        ask[std::string(s.field->substr(0, s.field->find('.')))] = "";
    else
        for (auto attr : candidates(s.kind)) ask[std::string(attr)] = "";
    if (ask.empty()) return {};
    return {{s.topic + "/get", ask.dump()}};
}

}  // namespace

// Battery devices check in at least daily.
constinit const source_descriptor zigbee2mqtt_source{
    .source = config::source_type::zigbee2mqtt,
    .default_report_every = std::chrono::hours(25),
    .routes = z2m_routes,
    .decode = z2m_decode,
    .simulate = z2m_simulate,
    .state_request = z2m_state_request,
    .discovery = {.source = config::source_type::zigbee2mqtt,
                  .filters = z2m_filters,
                  .sensor_filters = no_sensor_filters,
                  .recognise = z2m_recognise},
};

}  // namespace warden::sensors::detail
