// ESPHome: plain-text states on <prefix>/<component>/<name>/state, <prefix>/status online/offline.

#include "detail.hpp"

namespace warden::sensors::detail {
namespace {

/// "<prefix>" of "<prefix>/<component>/<name>/state"; empty if the topic is not shaped so.
std::string prefix_of(std::string_view topic) {
    auto parts = split(topic, '/');
    if (parts.size() < 4 || parts.back() != "state") return {};
    auto cut = topic.size();
    for (int i = 0; i < 3; ++i) cut = topic.rfind('/', cut - 1);
    return std::string(topic.substr(0, cut));
}

bool is_text(std::string_view p) {
    for (unsigned char c : p)
        if ((c < 0x20 && c != '\t' && c != '\r' && c != '\n') || c == 0x7f) return false;
    return true;
}

}  // namespace

std::vector<route> esphome_routes(const config::sensor_spec& s) {
    std::vector<route> out;
    out.push_back({s.topic, s.topic, false, role::esphome_state, {}});
    if (auto prefix = prefix_of(s.topic); !prefix.empty())
        out.push_back({prefix + "/status", prefix + "/status", false, role::esphome_status, {}});
    return out;
}

outcome esphome_decode(const config::sensor_spec& s, role r, message& m) {
    if (r == role::esphome_status) return availability(s, m, false);
    auto text = trim(m.payload);
    if (text.empty()) return outcome::drop(drop_reason::malformed, "empty payload");
    if (!is_text(m.payload)) return outcome::drop(drop_reason::malformed, "not text");
    // binary_sensor: ON/OFF; sensor: a number in plain text; text_sensor: compared with `active`.
    json v = parse_number(text) ? json(*parse_number(text)) : json(std::string(text));
    outcome o;
    auto ev = make_event(s, m.at);
    if (!apply(ev, interpret(v, s, "state"), o)) return o;
    o.inputs.emplace_back(std::move(ev));
    return o;
}

topic_payloads esphome_simulate(const config::sensor_spec& s, const sim_request& req) {
    using what = sim_request::what;
    switch (req.ask) {
        case what::offline:
        case what::online: {
            auto prefix = prefix_of(s.topic);
            if (prefix.empty()) cannot(s, "topic is not <prefix>/<component>/<name>/state");
            return {{prefix + "/status", req.ask == what::online ? "online" : "offline"}};
        }
        case what::battery_low:
        case what::tamper:
            cannot(s, "an ESPHome entity reports neither battery nor tamper");
        case what::number:
            if (req.attr == "battery") cannot(s, "an ESPHome entity reports no battery");
            return {{s.topic, json(req.number).dump()}};
        case what::signal:
            break;
    }
    json v = sim_value(s, req, "state");
    if (v.is_boolean()) return {{s.topic, v.get<bool>() ? "ON" : "OFF"}};
    if (v.is_string()) return {{s.topic, v.get<std::string>()}};
    return {{s.topic, v.dump()}};
}

}  // namespace warden::sensors::detail
