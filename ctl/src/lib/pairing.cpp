#include "warden/ctl/pairing.hpp"

#include <fmt/format.h>

#include "warden/common/event.hpp"
#include "warden/sensors/adapters.hpp"

namespace warden::ctl {

std::string kind_mismatch(sensor_kind kind, config::source_type source, std::string_view device_topic,
                          std::string_view topic, std::string_view payload) {
    config::sensor_spec spec;
    spec.id = "new";
    spec.kind = kind;
    spec.source = source;
    spec.topic = std::string(device_topic);
    auto what = [&] {
        return fmt::format("carries nothing a {} sensor reports (no {})", to_string(kind),
                           kind == sensor_kind::temperature ? "temperature"
                                                            : std::string(signal_name(kind, signal::active)));
    };
    try {
        sensors::router r({spec});
        auto result = r.decode(topic, payload, time_point{}, false);
        for (const auto& in : result.inputs) {
            const auto* e = std::get_if<sensor_event>(&in);
            if (e && (e->signal != signal::none || e->value)) return {};
        }
    } catch (const std::exception&) {
        // A topic the router cannot take for this kind: not a match either.
    }
    return what();
}

pairing::pairing(const config::hub_config& cfg, sensor_kind kind) : kind_(kind), found_(cfg) {}

void pairing::end_warm_up() {
    warming_up_ = false;
    for (const auto& d : found_.devices())
        if (d.listed || d.last_seen || d.online) old_.insert(d.topic);
}

void pairing::reject(const std::string& device_topic) {
    rejected_.insert(device_topic);
    accepted_.erase(device_topic);
}

std::vector<std::string> pairing::joined_but_unconfirmed() const {
    std::vector<std::string> out;
    for (const auto& t : joined_)
        if (!rejected_.count(t) && !accepted_.count(t)) out.push_back(t);
    return out;
}

pairing::step pairing::add(std::string_view topic, std::string_view payload, time_point at, bool retained) {
    step out;
    auto seen = found_.add(topic, payload, at, retained);
    if (!seen.device_topic) return out;
    const std::string& dev = *seen.device_topic;
    if (warming_up_) {
        old_.insert(dev);
        return out;
    }
    // Retained messages come from the broker's store: old news, not the device being paired.
    if (retained || found_.configured(dev) || rejected_.count(dev) || accepted_.count(dev)) return out;
    if (seen.joined) {
        if (joined_.insert(dev).second)
            out.note =
                fmt::format("{}: {}; waiting for it to report (trigger it now)", dev, seen.joined->detail);
        return out;
    }
    if (!seen.state_message) return out;
    if (old_.count(dev) && !joined_.count(dev)) {
        if (noted_.insert(dev).second)
            out.note =
                fmt::format("ignoring {}: it was on the broker before pairing started{}", dev,
                            found_.find(dev) && found_.find(dev)->source == config::source_type::zigbee2mqtt
                                ? " (to pair it, make it rejoin zigbee2mqtt)"
                                : "");
        return out;
    }
    if (auto why = kind_mismatch(kind_, found_.find(dev)->source, dev, topic, payload); !why.empty()) {
        if (noted_.insert(dev).second)
            out.note = fmt::format(
                "{} spoke but its message {}: {}; not taking it as the new {} (trigger the "
                "new device, or check --kind)",
                dev, why, truncate_payload(payload, 80), to_string(kind_));
        return out;
    }
    accepted_.insert(dev);
    pair_candidate c;
    c.dev = *found_.find(dev);
    c.topic = std::string(topic);
    c.payload = std::string(payload);
    c.how = joined_.count(dev) ? fmt::format("joined, then spoke on {}", topic)
                               : fmt::format("spoke on {}", topic);
    out.candidate = std::move(c);
    return out;
}

}  // namespace warden::ctl
