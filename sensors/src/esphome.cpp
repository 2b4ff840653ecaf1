// ESPHome: plain-text states on <prefix>/<component>/<name>/state, <prefix>/status online/offline.

#include <algorithm>

#include "detail.hpp"

namespace warden::sensors::detail {
namespace {

/// "<prefix>" of "<prefix>/<component>/<name>/state"; nullopt if the topic is not shaped so (an
/// empty prefix, "/<component>/<name>/state", is shaped so but names no status topic).
std::optional<std::string> prefix_of(std::string_view topic) {
    if (!topic.ends_with("/state")) return std::nullopt;
    auto body = topic.substr(0, topic.size() - 6);
    auto name_slash = body.rfind('/');
    if (name_slash == std::string_view::npos || name_slash == 0) return std::nullopt;
    auto comp_slash = body.rfind('/', name_slash - 1);
    if (comp_slash == std::string_view::npos) return std::nullopt;
    return std::string(body.substr(0, comp_slash));
}

std::vector<route> esphome_routes(const config::sensor_spec& s) {
    std::vector<route> out;
    out.push_back({s.topic, s.topic, false, role::esphome_state, {}});
    if (auto prefix = prefix_of(s.topic); prefix && !prefix->empty())
        out.push_back({*prefix + "/status", *prefix + "/status", false, role::esphome_status, {}});
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
            if (!prefix || prefix->empty()) cannot(s, "topic is not <prefix>/<component>/<name>/state");
            return {{*prefix + "/status", req.ask == what::online ? "online" : "offline"}};
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

std::vector<std::string> esphome_filters(const std::vector<config::sensor_spec>&) {
    return {"+/status", "+/binary_sensor/+/state", "+/sensor/+/state"};
}

/// Entities of other components, and prefixes of more levels, only when configured.
std::vector<std::string> esphome_sensor_filters(const config::sensor_spec& s) {
    std::vector<std::string> out{s.topic};
    if (auto p = prefix_of(s.topic)) out.push_back(*p + "/status");
    return out;
}

/// <prefix>/status: every entity of the device; <prefix>/<component>/<name>/state: one entity, a
/// binary_sensor or sensor, or another component when configured.
std::optional<device_sighting> esphome_recognise(std::string_view topic, std::string_view payload,
                                                 const std::vector<config::sensor_spec>& sensors) {
    device_sighting out;
    if (topic.ends_with("/status")) {
        if (auto on = discovery_online_word(payload)) {
            out.kind = device_sighting::what::group_online;
            out.group = std::string(topic.substr(0, topic.size() - 7));
            out.online = on;
        }
        return out;
    }
    auto prefix = prefix_of(topic);
    if (!prefix) return std::nullopt;
    auto comp_and_name = topic.substr(prefix->size() + 1);
    auto comp = comp_and_name.substr(0, comp_and_name.find('/'));
    if (comp != "binary_sensor" && comp != "sensor" &&
        std::none_of(sensors.begin(), sensors.end(), [&](const auto& s) { return s.topic == topic; }))
        return out;
    out.kind = device_sighting::what::state;
    out.device_topic = std::string(topic);
    out.name = *prefix + "/" + std::string(split(comp_and_name, '/')[1]);
    out.group = *prefix;
    return out;
}

}  // namespace

// Binary sensors publish only on change: a quiet door or pendant is not a dead one, so there is no
// default report interval. ESPHome's `<prefix>/status` last will says offline when the device drops.
constinit const source_descriptor esphome_source{
    .source = config::source_type::esphome,
    .default_report_every = std::nullopt,
    .routes = esphome_routes,
    .decode = esphome_decode,
    .simulate = esphome_simulate,
    .state_request = no_state_request,  // states are published retained: the subscribe brings them
    .discovery = {.source = config::source_type::esphome,
                  .filters = esphome_filters,
                  .sensor_filters = esphome_sensor_filters,
                  .recognise = esphome_recognise},
};

}  // namespace warden::sensors::detail
