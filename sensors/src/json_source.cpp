// The generic `json` source: any topic, the value at `field`, compared with `active` or `threshold`.

#include "detail.hpp"

namespace warden::sensors::detail {
namespace {

std::vector<route> json_routes(const config::sensor_spec& s) {
    return {{s.topic, s.topic, false, role::json_state, {}}};
}

outcome json_decode(const config::sensor_spec& s, role, message& m) {
    const json* doc = m.parsed();
    const bool whole = !s.field || s.field->empty();
    // Plain text (Tasmota's `publish stat/%topic%/PIR1 ON`) is the value when the whole payload is.
    json plain;
    if (!doc && whole && !trim(m.payload).empty() && is_text(m.payload) && m.payload.size() <= 256 &&
        !json_nests_deeper_than(m.payload, 0)) {
        plain = std::string(trim(m.payload));
        doc = &plain;
    }
    if (!doc) return outcome::drop(drop_reason::malformed, m.why());
    outcome o;
    auto ev = make_event(s, m.at);
    const json* v = doc;
    if (s.field && !s.field->empty()) {
        if (!doc->is_object()) return outcome::drop(drop_reason::unexpected, "expected a JSON object");
        v = find_path(*doc, *s.field);
    }
    read_health(*doc, ev, o);
    if (v && !apply(ev, interpret(*v, s, s.field ? last_segment(*s.field) : std::string_view{}), o)) return o;
    o.inputs.emplace_back(std::move(ev));
    return o;
}

topic_payloads json_simulate(const config::sensor_spec& s, const sim_request& req) {
    using what = sim_request::what;
    const bool has_field = s.field && !s.field->empty();
    json p = json::object();
    switch (req.ask) {
        case what::offline:
        case what::online:
            cannot(s, "a json sensor has no availability topic");
        case what::battery_low:
            if (!has_field) cannot(s, "a bare json value cannot carry a battery report");
            p["battery"] = 5;
            p["battery_low"] = true;
            return {{s.topic, p.dump()}};
        case what::tamper:
            if (!has_field) cannot(s, "a bare json value cannot carry tamper");
            p["tamper"] = true;
            return {{s.topic, p.dump()}};
        case what::number:
            if (req.attr == "battery") {
                if (!has_field) cannot(s, "a bare json value cannot carry a battery report");
                p["battery"] = req.number;
                return {{s.topic, p.dump()}};
            }
            break;
        case what::signal:
            break;
    }
    json v = sim_value(s, req, has_field ? last_segment(*s.field) : std::string_view{});
    if (!has_field) return {{s.topic, v.dump()}};
    set_path(p, *s.field, v);
    return {{s.topic, p.dump()}};
}

/// Nothing is known of a json device's topics, so discovery listens to each configured one.
std::vector<std::string> own_topic(const config::sensor_spec& s) {
    return {s.topic};
}

/// A configured json sensor's own topic (the last sensor configured on a topic says what it is).
std::optional<device_sighting> recognise(std::string_view topic, std::string_view,
                                         const std::vector<config::sensor_spec>& sensors) {
    for (auto s = sensors.rbegin(); s != sensors.rend(); ++s) {
        if (s->topic != topic) continue;
        if (s->source != config::source_type::json) return std::nullopt;
        device_sighting out;
        out.kind = device_sighting::what::state;
        out.device_topic = out.name = std::string(topic);
        return out;
    }
    return std::nullopt;
}

}  // namespace

// Nothing is known about the device: no default report interval, set `report_every` yourself.
constinit const source_descriptor json_source{
    .source = config::source_type::json,
    .default_report_every = std::nullopt,
    .routes = json_routes,
    .decode = json_decode,
    .simulate = json_simulate,
    .state_request = no_state_request,  // nothing is known about the device
    .discovery = {.source = config::source_type::json,
                  .filters = no_filters,
                  .sensor_filters = own_topic,
                  .recognise = recognise},
};

}  // namespace warden::sensors::detail
