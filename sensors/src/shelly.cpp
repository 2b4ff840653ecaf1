// Shelly. Gen1 (topic "shellies/<id>"): one plain value per subtopic (sensor/state, sensor/flood, ...),
// <topic>/online true/false. Gen2 (any other topic, "<id>"): JSON-RPC notifications on <topic>/events/rpc,
// component status JSON on <topic>/status/<component:id>, <topic>/online true/false.

#include <cmath>

#include "detail.hpp"

namespace warden::sensors::detail {
namespace {

bool is_gen1(const config::sensor_spec& s) {
    return s.topic.rfind("shellies/", 0) == 0;
}

bool starts_with(std::string_view s, std::string_view head) {
    return s.substr(0, head.size()) == head;
}

// ---- gen1 ----

/// The subtopic (below <topic>/) that carries the primary value; nullopt if the kind has no default.
std::optional<std::string> gen1_primary(const config::sensor_spec& s) {
    if (s.field) return s.field->find('/') == std::string::npos ? "sensor/" + *s.field : *s.field;
    switch (s.kind) {
        case sensor_kind::door:
            return "sensor/state";
        case sensor_kind::flood:
        case sensor_kind::enuresis:
            return "sensor/flood";
        case sensor_kind::motion:
            return "sensor/motion";
        case sensor_kind::smoke:
        case sensor_kind::heat:
            return "sensor/smoke";
        case sensor_kind::temperature:
            return "sensor/temperature";
        case sensor_kind::gas:
            return "sensor/gas";
        case sensor_kind::power:
            return s.threshold ? "relay/0/power" : "relay/0";
        case sensor_kind::pendant:
        case sensor_kind::pull_cord:
        case sensor_kind::button:
            return "input_event/0";
        default:
            return std::nullopt;
    }
}

outcome gen1_decode(const config::sensor_spec& s, message& m) {
    auto sub = subtopic(m.topic, s.topic).value_or("");
    auto primary = gen1_primary(s);
    outcome o;
    auto ev = make_event(s, m.at);
    if (primary && sub == *primary) {
        reading rd;
        if (starts_with(sub, "input_event/")) {
            // {"event":"S","event_cnt":3}: S short, SS double, SSS triple, L long press; "" none yet.
            const json* doc = m.parsed();
            if (!doc) return outcome::drop(drop_reason::malformed, m.why());
            if (!doc->is_object()) return outcome::drop(drop_reason::unexpected, "expected a JSON object");
            auto it = doc->find("event");
            if (it == doc->end() || it->is_null())
                rd = {};
            else if (!it->is_string())
                return outcome::drop(drop_reason::wrong_type, "event: expected a string");
            else if (!it->get_ref<const std::string&>().empty())
                rd.sig = signal::active;
            // Gen1 re-publishes the last event with every status update (every 30 s): a press is a
            // new event_cnt, which the router compares with the last one it saw.
            if (auto cnt = doc->find("event_cnt"); cnt != doc->end() && cnt->is_number())
                o.counter = json_number(*cnt);
        } else {
            auto text = trim(m.payload);
            if (text.empty()) return outcome::drop(drop_reason::malformed, "empty payload");
            if (!is_text(m.payload)) return outcome::drop(drop_reason::malformed, "not text");
            json v = parse_number(text) ? json(*parse_number(text)) : json(std::string(text));
            if (sub == "sensor/gas" && !s.active) {
                // Shelly Gas: none / mild / heavy; "test" during a self test, "unknown" while warming up.
                if (text == "mild" || text == "heavy")
                    v = true;
                else if (text == "none")
                    v = false;
                else if (text == "unknown" || text == "test")
                    v = nullptr;
                ev.test = text == "test";
            }
            rd = interpret(v, s, last_segment(sub));
        }
        if (!apply(ev, rd, o)) return o;
    } else if (sub == "sensor/battery") {
        auto n = parse_number(m.payload);
        set_battery(n ? json(*n) : json(std::string(m.payload.substr(0, 16))), ev, o);
    } else if (sub == "status") {
        // Shelly Motion: {"motion":true,"timestamp":..,"active":true,"vibration":false,"lux":..,"bat":97}
        // in one message; the vibration flag is what a wall-mounted sensor has for tamper.
        const json* doc = m.parsed();
        if (!doc) return outcome::drop(drop_reason::malformed, m.why());
        if (!doc->is_object()) return outcome::drop(drop_reason::unexpected, "expected a JSON object");
        if (primary && starts_with(*primary, "sensor/"))
            if (const json* v = find_path(*doc, primary->substr(7));
                v && !apply(ev, interpret(*v, s, primary->substr(7)), o))
                return o;
        read_health(*doc, ev, o, "bat");
        if (auto vib = doc->find("vibration"); vib != doc->end() && vib->is_boolean())
            ev.tamper = vib->get<bool>();
    }
    o.inputs.emplace_back(std::move(ev));
    return o;
}

// ---- gen2 ----

struct gen2_field {
    std::string component;  ///< "input:0"
    std::string attr;       ///< "state"
};

gen2_field gen2_field_of(const config::sensor_spec& s) {
    gen2_field f;
    if (s.field) {
        auto dot = s.field->find('.');
        f.component = s.field->substr(0, dot);
        if (dot != std::string::npos) f.attr = s.field->substr(dot + 1);
    } else {
        switch (s.kind) {
            case sensor_kind::flood:
            case sensor_kind::enuresis:
                f.component = "flood:0";
                break;
            case sensor_kind::smoke:
            case sensor_kind::heat:
                f.component = "smoke:0";
                break;
            case sensor_kind::temperature:
                f.component = "temperature:0";
                break;
            case sensor_kind::power:
                f.component = "switch:0";
                break;
            default:
                f.component = "input:0";
                break;
        }
    }
    if (f.attr.empty()) {
        auto type = f.component.substr(0, f.component.find(':'));
        if (type == "flood" || type == "smoke")
            f.attr = "alarm";
        else if (type == "temperature")
            f.attr = "tC";
        else if (type == "humidity")
            f.attr = "rh";
        else if (type == "switch")
            f.attr = s.threshold ? "apower" : "output";
        else
            f.attr = "state";
    }
    return f;
}

/// Reads the sensor's component status object ({"id":0,"state":true}, {"id":0,"alarm":true}, ...).
reading component_reading(const config::sensor_spec& s, const gen2_field& f, const json& status) {
    if (!status.is_object()) {
        reading r;
        r.bad = drop_reason::wrong_type;
        r.why = f.component + ": expected an object";
        return r;
    }
    const json* v = find_path(status, f.attr);
    return v ? interpret(*v, s, f.attr) : reading{};
}

void devicepower(const json& status, sensor_event& ev, outcome& o) {
    // On USB (Plus H&T) the battery reads 0 % with external.present true: no battery to fault.
    if (const json* ext = status.is_object() ? find_path(status, "external.present") : nullptr;
        ext && ext->is_boolean() && ext->get<bool>())
        return;
    if (const json* pct = status.is_object() ? find_path(status, "battery.percent") : nullptr)
        set_battery(*pct, ev, o);
}

outcome gen2_decode(const config::sensor_spec& s, role r, message& m) {
    const json* doc = m.parsed();
    if (!doc) return outcome::drop(drop_reason::malformed, m.why());
    if (!doc->is_object()) return outcome::drop(drop_reason::unexpected, "expected a JSON object");
    auto f = gen2_field_of(s);
    outcome o;
    auto ev = make_event(s, m.at);
    reading rd;
    if (r == role::shelly_gen2_answer) {
        // {"id":1,"src":..,"dst":..,"result":{<full status>}}: read like NotifyFullStatus. An error
        // answer ({"error":{..}}, e.g. an older firmware) carries no state: a sign of life.
        if (auto res = doc->find("result"); res != doc->end() && res->is_object()) {
            if (auto c = res->find(f.component); c != res->end()) rd = component_reading(s, f, *c);
            for (auto it = res->begin(); it != res->end(); ++it)
                if (starts_with(it.key(), "devicepower:")) devicepower(*it, ev, o);
        }
    } else if (r == role::shelly_gen2_status) {
        auto component = subtopic(m.topic, s.topic + "/status").value_or("");
        if (component == f.component)
            rd = component_reading(s, f, *doc);
        else if (starts_with(component, "devicepower:"))
            devicepower(*doc, ev, o);
    } else {
        auto method = doc->find("method");
        auto params = doc->find("params");
        if (method == doc->end() || !method->is_string() || params == doc->end() || !params->is_object())
            return outcome::drop(drop_reason::unexpected, "expected a JSON-RPC notification");
        const auto& name = method->get_ref<const std::string&>();
        if (name == "NotifyStatus" || name == "NotifyFullStatus") {
            if (auto c = params->find(f.component); c != params->end()) rd = component_reading(s, f, *c);
            for (auto it = params->begin(); it != params->end(); ++it)
                if (starts_with(it.key(), "devicepower:")) devicepower(*it, ev, o);
        } else if (name == "NotifyEvent") {
            auto events = params->find("events");
            if (events == params->end() || !events->is_array())
                return outcome::drop(drop_reason::unexpected, "NotifyEvent without events");
            for (const auto& e : *events) {
                if (!e.is_object()) continue;
                auto comp = e.find("component");
                auto what = e.find("event");
                if (comp == e.end() || what == e.end() || !comp->is_string() || !what->is_string()) continue;
                if (*comp != f.component) continue;
                const auto& w = what->get_ref<const std::string&>();
                // single_push, double_push, triple_push, long_push; btn_down/btn_up are the raw edges.
                if (is_momentary_kind(s.kind) && w.size() > 5 && w.substr(w.size() - 5) == "_push")
                    rd.sig = signal::active;
            }
        }
    }
    if (!apply(ev, rd, o)) return o;
    o.inputs.emplace_back(std::move(ev));
    return o;
}

std::string device_id(const config::sensor_spec& s) {
    auto slash = s.topic.rfind('/');
    return slash == std::string::npos ? s.topic : s.topic.substr(slash + 1);
}

/// "12.5", "1500": numbers as Shelly writes them.
std::string number_text(double v) {
    if (std::abs(v) < 1e15 && v == std::floor(v)) return std::to_string(static_cast<long long>(v));
    return json(v).dump();
}

double ts_now() {
    return static_cast<double>(now_ms().time_since_epoch().count()) / 1000.0;
}

json rpc(const config::sensor_spec& s, std::string method, json params) {
    params["ts"] = std::round(ts_now() * 100) / 100;
    return {{"src", device_id(s)},
            {"dst", s.topic + "/events"},
            {"method", std::move(method)},
            {"params", std::move(params)}};
}

int component_id(const std::string& component) {
    auto colon = component.find(':');
    auto n = colon == std::string::npos ? std::nullopt
                                        : parse_number(std::string_view(component).substr(colon + 1));
    return n && *n >= 0 && *n <= 1000 ? static_cast<int>(*n) : 0;
}

/// Where a gen2 device answers the hub's RPC: "<src>/rpc", with src = "<topic>/warden".
std::string rpc_src(const config::sensor_spec& s) {
    return s.topic + "/warden";
}
std::string answer_topic(const config::sensor_spec& s) {
    return rpc_src(s) + "/rpc";
}

std::vector<route> shelly_routes(const config::sensor_spec& s) {
    std::vector<route> out;
    const std::string t = s.topic;
    if (is_gen1(s)) {
        out.push_back({t + "/sensor/#", t + "/sensor/", true, role::shelly_gen1, {}});
        // Shelly Motion reports motion, vibration and battery together on <topic>/status.
        out.push_back({t + "/status", t + "/status", false, role::shelly_gen1, {}});
        // Relays (relay/0) and buttons (input_event/0) publish outside sensor/.
        if (auto p = gen1_primary(s); p && !starts_with(*p, "sensor/")) {
            auto head = p->substr(0, p->find('/'));
            out.push_back({t + "/" + head + "/#", t + "/" + head + "/", true, role::shelly_gen1, {}});
        }
    } else {
        out.push_back({t + "/events/rpc", t + "/events/rpc", false, role::shelly_gen2_rpc, {}});
        out.push_back({t + "/status/#", t + "/status/", true, role::shelly_gen2_status, {}});
        // The answer to the state request (Shelly.GetStatus with src "<topic>/warden"); presses are not
        // asked.
        if (!is_momentary_kind(s.kind))
            out.push_back({answer_topic(s), answer_topic(s), false, role::shelly_gen2_answer, {}});
    }
    out.push_back({t + "/online", t + "/online", false, role::shelly_online, {}});
    return out;
}

outcome shelly_decode(const config::sensor_spec& s, role r, message& m) {
    switch (r) {
        case role::shelly_online:
            return availability(s, m, false);
        case role::shelly_gen1:
            return gen1_decode(s, m);
        default:
            return gen2_decode(s, r, m);
    }
}

/// Gen2: Shelly.GetStatus on <topic>/rpc, answered on <topic>/warden/rpc. Gen1: "update" on
/// <topic>/command, answered by the device publishing its status subtopics again. Battery devices
/// (Flood, H&T, Smoke, Door/Window) sleep between reports and do not hear either.
topic_payloads shelly_state_request(const config::sensor_spec& s) {
    if (is_gen1(s)) return {{s.topic + "/command", "update"}};
    json ask = {{"id", 1}, {"src", rpc_src(s)}, {"method", "Shelly.GetStatus"}};
    return {{s.topic + "/rpc", ask.dump()}};
}

topic_payloads shelly_simulate(const config::sensor_spec& s, const sim_request& req) {
    using what = sim_request::what;
    const std::string& t = s.topic;
    if (req.ask == what::online || req.ask == what::offline)
        return {{t + "/online", req.ask == what::online ? "true" : "false"}};
    if (req.ask == what::tamper) cannot(s, "Shelly devices report no tamper");
    const bool battery = req.ask == what::battery_low || (req.ask == what::number && req.attr == "battery");
    const double percent = req.ask == what::battery_low ? 5 : req.number;

    if (is_gen1(s)) {
        if (battery) return {{t + "/sensor/battery", json(static_cast<int>(percent)).dump()}};
        if (req.ask == what::number && req.attr == "power" && !s.field)
            return {{t + "/relay/0/power", number_text(req.number)}};
        auto primary = gen1_primary(s);
        if (!primary) cannot(s, "set `field` to the subtopic that carries its state (e.g. sensor/motion)");
        if (starts_with(*primary, "input_event/"))
            return {{t + "/" + *primary, json{{"event", "S"}, {"event_cnt", 1}}.dump()}};
        json v = sim_value(s, req, last_segment(*primary));
        std::string text;
        if (v.is_boolean()) {
            bool on = v.get<bool>();
            if (*primary == "sensor/state")
                text = on ? "open" : "close";
            else if (starts_with(*primary, "relay/"))
                text = on ? "on" : "off";
            else if (starts_with(*primary, "input/"))
                text = on ? "1" : "0";
            else
                text = on ? "true" : "false";
        } else {
            text = v.is_string() ? v.get<std::string>() : number_text(v.get<double>());
        }
        return {{t + "/" + *primary, text}};
    }

    json params = json::object();
    if (battery) {
        params["devicepower:0"] = {
            {"id", 0},
            {"battery", {{"V", percent < 20 ? 2.9 : 3.1}, {"percent", static_cast<int>(percent)}}},
            {"external", {{"present", false}}}};
        return {{t + "/events/rpc", rpc(s, "NotifyStatus", params).dump()}};
    }
    auto f = gen2_field_of(s);
    if (req.ask == what::number && req.attr == "power" && !s.field) {
        params[f.component] = {
            {"id", component_id(f.component)}, {"output", req.number > 0}, {"apower", req.number}};
        return {{t + "/events/rpc", rpc(s, "NotifyStatus", params).dump()}};
    }
    if (req.ask == what::signal && is_momentary_kind(s.kind) && f.component.rfind("input:", 0) == 0) {
        json event = {{"component", f.component},
                      {"id", component_id(f.component)},
                      {"event", "single_push"},
                      {"ts", std::round(ts_now() * 100) / 100}};
        return {{t + "/events/rpc", rpc(s, "NotifyEvent", {{"events", json::array({event})}}).dump()}};
    }
    json status = {{"id", component_id(f.component)}};
    json v = sim_value(s, req, f.attr);
    set_path(status, f.attr, v);
    if (f.attr == "tC" && v.is_number()) status["tF"] = std::round((v.get<double>() * 9 / 5 + 32) * 10) / 10;
    if (f.attr == "alarm") status["mute"] = false;
    params[f.component] = status;
    return {{t + "/events/rpc", rpc(s, "NotifyStatus", params).dump()}};
}

std::vector<std::string> shelly_filters(const std::vector<config::sensor_spec>&) {
    return {"shellies/#", "+/events/rpc", "+/online"};
}

/// A gen2 device's status/<component> topics, which no source-wide filter covers.
std::vector<std::string> shelly_sensor_filters(const config::sensor_spec& s) {
    if (is_gen1(s)) return {};
    return {s.topic + "/#"};
}

/// Gen1: shellies/<id>/...; gen2: <id>/events/rpc and <id>/online.
std::optional<device_sighting> shelly_recognise(std::string_view topic, std::string_view payload,
                                                const std::vector<config::sensor_spec>&) {
    auto parts = split(topic, '/');
    device_sighting out;
    if (parts[0] == "shellies") {
        if (parts.size() < 3) return out;
        out.kind = device_sighting::what::device;
        out.device_topic = "shellies/" + std::string(parts[1]);
        out.name = std::string(parts[1]);
        if (parts[2] == "online") {
            out.online = discovery_online_word(payload);
        } else if (parts[2] == "sensor" && parts.size() == 4) {
            if (parts[3] == "battery") {
                auto j = json::parse(payload, nullptr, false);
                if (!j.is_discarded() && j.is_number())
                    out.battery = static_cast<int>(std::lround(j.get<double>()));
            } else {
                out.kind = device_sighting::what::state;
            }
        }
        return out;
    }
    if (parts.size() == 3 && parts[1] == "events" && parts[2] == "rpc") {
        out.kind = device_sighting::what::state;
        out.device_topic = out.name = std::string(parts[0]);
        auto j = json::parse(payload, nullptr, false);
        if (!j.is_discarded() && j.is_object()) {
            auto params = j.find("params");
            if (params != j.end() && params->is_object()) {
                auto power = params->find("devicepower:0");
                if (power != params->end() && power->is_object()) {
                    auto bat = power->find("battery");
                    if (bat != power->end() && bat->is_object()) out.battery = json_int(*bat, "percent");
                }
            }
        }
        return out;
    }
    if (parts.size() == 2 && parts[1] == "online") {
        if (auto on = discovery_online_word(payload)) {
            out.kind = device_sighting::what::device;
            out.device_topic = out.name = std::string(parts[0]);
            out.online = on;
        }
        return out;
    }
    return std::nullopt;
}

}  // namespace

// Battery Shellies (Flood, H&T, Door/Window) wake at least daily; a mains one has its `online` last will.
constinit const source_descriptor shelly_source{
    .source = config::source_type::shelly,
    .default_report_every = std::chrono::hours(25),
    .routes = shelly_routes,
    .decode = shelly_decode,
    .simulate = shelly_simulate,
    .state_request = shelly_state_request,
    .discovery = {.source = config::source_type::shelly,
                  .filters = shelly_filters,
                  .sensor_filters = shelly_sensor_filters,
                  .recognise = shelly_recognise},
};

}  // namespace warden::sensors::detail
