#include "warden/ctl/discovery.hpp"

#include <algorithm>

#include "warden/sensors/sources.hpp"

namespace warden::ctl {

using config::source_type;
using sensors::device_sighting;

std::vector<std::string> discovery_subscriptions(const config::hub_config& cfg) {
    std::vector<std::string> out;
    auto add = [&](const std::vector<std::string>& filters) {
        for (const auto& f : filters)
            if (std::find(out.begin(), out.end(), f) == out.end()) out.push_back(f);
    };
    const auto sources = sensors::source_discoveries();
    for (const auto* d : sources) add(d->filters(cfg.sensors));
    for (const auto& s : cfg.sensors)
        for (const auto* d : sources)
            if (d->source == s.source) add(d->sensor_filters(s));
    return out;
}

discovery::discovery(const config::hub_config& cfg) : sensors_(cfg.sensors) {
    for (const auto& s : cfg.sensors) {
        configured_[s.topic].push_back(s.id);
        configured_source_[s.topic] = s.source;
    }
}

device& discovery::entry(const std::string& topic, source_type source, std::string_view name) {
    auto [it, added] = devices_.try_emplace(topic);
    if (added) {
        it->second.topic = topic;
        it->second.source = source;
        it->second.name = std::string(name);
        if (auto c = configured_.find(topic); c != configured_.end()) it->second.sensors = c->second;
    }
    return it->second;
}

bool discovery::configured(std::string_view device_topic) const {
    return configured_.count(std::string(device_topic)) > 0;
}

const device* discovery::find(std::string_view topic) const {
    auto it = devices_.find(std::string(topic));
    return it == devices_.end() ? nullptr : &it->second;
}

discovery::seen discovery::add(std::string_view topic, std::string_view payload, time_point at,
                               bool retained) {
    // The first source whose topic layout the message fits says what it is about.
    for (const auto* d : sensors::source_discoveries())
        if (auto sighting = d->recognise(topic, payload, sensors_))
            return apply(d->source, *sighting, payload, at, retained);
    return {};
}

discovery::seen discovery::apply(source_type source, const device_sighting& s, std::string_view payload,
                                 time_point at, bool retained) {
    seen out;
    switch (s.kind) {
        case device_sighting::what::ignored:
            return out;
        case device_sighting::what::listing:
            for (const auto& l : s.listed) {
                auto& dev = entry(l.topic, source, l.name);
                dev.listed = true;
                if (l.model) dev.model = *l.model;
            }
            return out;
        case device_sighting::what::group_online:
            group_online_[s.group] = *s.online;
            for (const auto& e : group_entities_[s.group]) devices_[e].online = *s.online;
            return out;
        default:
            break;
    }
    const bool fresh = devices_.count(s.device_topic) == 0;
    auto& dev = entry(s.device_topic, source, s.name);
    if (!s.group.empty()) {
        if (fresh) group_entities_[s.group].push_back(dev.topic);
        if (auto on = group_online_.find(s.group); on != group_online_.end()) dev.online = on->second;
    }
    if (s.online) dev.online = *s.online;
    if (s.battery) dev.battery = *s.battery;
    if (s.link) dev.link = *s.link;
    if (s.model) dev.model = *s.model;
    out.device_topic = dev.topic;
    if (s.kind == device_sighting::what::state) {
        dev.last_payload = std::string(payload);
        dev.last_seen = at;
        if (!retained) dev.spoke = true;
        out.state_message = true;
    }
    if (s.kind == device_sighting::what::joined && !retained && !s.announce)
        out.joined = join_event{dev.topic, s.name, s.detail};
    return out;
}

std::vector<device> discovery::devices() const {
    std::vector<device> out;
    for (const auto& [topic, d] : devices_) out.push_back(d);
    for (const auto& [topic, ids] : configured_) {
        if (devices_.count(topic)) continue;
        device d;
        d.topic = topic;
        d.name = topic;
        d.source = configured_source_.at(topic);
        d.sensors = ids;
        out.push_back(std::move(d));
    }
    std::stable_sort(out.begin(), out.end(), [](const device& a, const device& b) {
        if (a.sensors.empty() != b.sensors.empty()) return !a.sensors.empty();
        return a.topic < b.topic;
    });
    return out;
}

std::string truncate_payload(std::string_view payload, std::size_t max) {
    std::string out;
    for (char c : payload) out += (c == '\n' || c == '\r' || c == '\t') ? ' ' : c;
    if (out.size() <= max) return out;
    auto cut = max > 3 ? max - 3 : 0;
    // Do not cut a UTF-8 sequence in half.
    while (cut > 0 && (static_cast<unsigned char>(out[cut]) & 0xC0) == 0x80) --cut;
    return out.substr(0, cut) + "...";
}

}  // namespace warden::ctl
