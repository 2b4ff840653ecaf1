// The generic `json` source: any topic, the value at `field`, compared with `active` or `threshold`.

#include "detail.hpp"

namespace warden::sensors::detail {

std::vector<route> json_routes(const config::sensor_spec& s) {
    return {{s.topic, s.topic, false, role::json_state, {}}};
}

outcome json_decode(const config::sensor_spec& s, role, message& m) {
    const json* doc = m.parsed();
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

}  // namespace warden::sensors::detail
