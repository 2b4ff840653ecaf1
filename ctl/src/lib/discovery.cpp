#include "warden/ctl/discovery.hpp"

#include <algorithm>
#include <cmath>
#include <set>

#include <nlohmann/json.hpp>

namespace warden::ctl {

namespace {

using json = nlohmann::json;
using config::source_type;

bool starts_with(std::string_view s, std::string_view p) {
    return s.substr(0, p.size()) == p;
}
bool ends_with(std::string_view s, std::string_view p) {
    return s.size() >= p.size() && s.substr(s.size() - p.size()) == p;
}

std::vector<std::string_view> split(std::string_view s, char sep) {
    std::vector<std::string_view> out;
    std::size_t start = 0;
    while (true) {
        auto pos = s.find(sep, start);
        out.push_back(s.substr(start, pos == std::string_view::npos ? std::string_view::npos : pos - start));
        if (pos == std::string_view::npos) return out;
        start = pos + 1;
    }
}

std::string trimmed_lower(std::string_view s) {
    std::string out;
    for (char c : s)
        if (c != ' ' && c != '\t' && c != '\r' && c != '\n' && c != '"')
            out += static_cast<char>(std::tolower(c));
    return out;
}

/// "online"/"offline", true/false, {"state":"online"}.
std::optional<bool> online_word(std::string_view payload) {
    auto j = json::parse(payload, nullptr, false);
    if (!j.is_discarded() && j.is_object()) {
        auto st = j.find("state");
        if (st != j.end() && st->is_string()) return online_word(st->get<std::string>());
        return std::nullopt;
    }
    auto w = trimmed_lower(payload);
    if (w == "online" || w == "true" || w == "1") return true;
    if (w == "offline" || w == "false" || w == "0") return false;
    return std::nullopt;
}

std::optional<int> json_int(const json& j, std::string_view key) {
    auto it = j.find(key);
    if (it == j.end()) return std::nullopt;
    if (it->is_number()) {
        double v = it->get<double>();
        if (std::isfinite(v)) return static_cast<int>(std::lround(v));
    }
    return std::nullopt;
}

std::string first_segment(std::string_view topic) {
    return std::string(topic.substr(0, topic.find('/')));
}

/// esphome: "<prefix>/<component>/<name>/state" -> prefix (component is binary_sensor, sensor, ...).
std::optional<std::string> esphome_prefix(std::string_view topic) {
    if (!ends_with(topic, "/state")) return std::nullopt;
    auto body = topic.substr(0, topic.size() - 6);
    auto name_slash = body.rfind('/');
    if (name_slash == std::string_view::npos) return std::nullopt;
    auto comp_slash = body.rfind('/', name_slash - 1);
    if (comp_slash == std::string_view::npos || name_slash == 0) return std::nullopt;
    return std::string(body.substr(0, comp_slash));
}

}  // namespace

std::vector<std::string> discovery_subscriptions(const config::hub_config& cfg) {
    std::vector<std::string> out;
    auto add = [&](std::string f) {
        if (std::find(out.begin(), out.end(), f) == out.end()) out.push_back(std::move(f));
    };
    add("zigbee2mqtt/#");
    for (const auto& s : cfg.sensors)
        if (s.source == source_type::zigbee2mqtt) add(first_segment(s.topic) + "/#");
    add("tele/+/+");
    add("stat/+/RESULT");
    add("shellies/#");
    add("+/events/rpc");
    add("+/online");
    add("+/status");
    add("+/binary_sensor/+/state");
    add("+/sensor/+/state");
    for (const auto& s : cfg.sensors) {
        switch (s.source) {
            case source_type::esphome:
                add(s.topic);
                if (auto p = esphome_prefix(s.topic)) add(*p + "/status");
                break;
            case source_type::shelly:
                if (!starts_with(s.topic, "shellies/")) add(s.topic + "/#");
                break;
            case source_type::json:
                add(s.topic);
                break;
            default:
                break;
        }
    }
    return out;
}

discovery::discovery(const config::hub_config& cfg) {
    z2m_bases_.push_back("zigbee2mqtt");
    for (const auto& s : cfg.sensors) {
        configured_[s.topic].push_back(s.id);
        configured_source_[s.topic] = s.source;
        if (s.source == source_type::zigbee2mqtt) {
            auto b = first_segment(s.topic);
            if (std::find(z2m_bases_.begin(), z2m_bases_.end(), b) == z2m_bases_.end())
                z2m_bases_.push_back(b);
        }
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
    seen out;
    const std::string t(topic);
    auto state = [&](device& d) {
        d.last_payload = std::string(payload);
        d.last_seen = at;
        if (!retained) d.spoke = true;
        out.device_topic = d.topic;
        out.state_message = true;
    };

    // A json sensor's own topic, or any configured topic spoken to directly.
    if (auto c = configured_source_.find(t);
        c != configured_source_.end() && c->second == source_type::json) {
        state(entry(t, source_type::json, t));
        return out;
    }

    // zigbee2mqtt
    for (const auto& base : z2m_bases_) {
        if (!starts_with(topic, base + "/")) continue;
        std::string_view rest = topic.substr(base.size() + 1);
        if (rest == "bridge/devices") {
            auto j = json::parse(payload, nullptr, false);
            if (j.is_discarded() || !j.is_array()) return out;
            for (const auto& d : j) {
                if (!d.is_object()) continue;
                if (d.value("type", "") == "Coordinator") continue;
                auto name = d.value("friendly_name", "");
                if (name.empty()) continue;
                auto& dev = entry(base + "/" + name, source_type::zigbee2mqtt, name);
                dev.listed = true;
                auto def = d.find("definition");
                if (def != d.end() && def->is_object()) {
                    auto vendor = def->value("vendor", "");
                    auto model = def->value("model", "");
                    dev.model = vendor.empty() ? model : vendor + " " + model;
                }
            }
            return out;
        }
        if (rest == "bridge/event") {
            auto j = json::parse(payload, nullptr, false);
            if (j.is_discarded() || !j.is_object()) return out;
            auto type = j.value("type", "");
            auto data = j.find("data");
            if (data == j.end() || !data->is_object()) return out;
            auto name = data->value("friendly_name", "");
            if (name.empty()) name = data->value("ieee_address", "");
            if (name.empty()) return out;
            if (type != "device_joined" && type != "device_interview" && type != "device_announce")
                return out;
            auto& dev = entry(base + "/" + name, source_type::zigbee2mqtt, name);
            std::string detail = type;
            if (type == "device_interview") {
                detail = "interview " + data->value("status", std::string("?"));
                auto def = data->find("definition");
                if (def != data->end() && def->is_object()) {
                    auto model = def->value("vendor", "") + " " + def->value("model", "");
                    dev.model = model;
                    detail += ": " + model;
                }
            }
            out.device_topic = dev.topic;
            if (!retained && type != "device_announce") out.joined = join_event{dev.topic, name, detail};
            return out;
        }
        if (starts_with(rest, "bridge/") || rest == "bridge") return out;
        if (ends_with(rest, "/set") || ends_with(rest, "/get") ||
            rest.find("/set/") != std::string_view::npos)
            return out;
        if (ends_with(rest, "/availability")) {
            auto name = rest.substr(0, rest.size() - 13);
            auto& dev = entry(base + "/" + std::string(name), source_type::zigbee2mqtt, name);
            if (auto on = online_word(payload)) dev.online = *on;
            out.device_topic = dev.topic;
            return out;
        }
        auto& dev = entry(t, source_type::zigbee2mqtt, rest);
        auto j = json::parse(payload, nullptr, false);
        if (!j.is_discarded() && j.is_object()) {
            if (auto b = json_int(j, "battery")) dev.battery = *b;
            if (auto l = json_int(j, "linkquality")) dev.link = *l;
        }
        state(dev);
        return out;
    }

    auto parts = split(topic, '/');

    // tasmota: tele/<t>/<what>, stat/<t>/RESULT
    if (parts.size() == 3 && (parts[0] == "tele" || (parts[0] == "stat" && parts[2] == "RESULT"))) {
        std::string dt(parts[1]);
        auto& dev = entry(dt, source_type::tasmota, dt);
        out.device_topic = dev.topic;
        if (parts[2] == "LWT") {
            if (auto on = online_word(payload)) dev.online = *on;
        } else if (parts[2] == "STATE") {
            auto j = json::parse(payload, nullptr, false);
            if (!j.is_discarded() && j.is_object()) {
                auto wifi = j.find("Wifi");
                if (wifi != j.end() && wifi->is_object())
                    if (auto r = json_int(*wifi, "Signal")) dev.link = *r;
            }
        } else if (parts[2] == "SENSOR" || parts[2] == "RESULT") {
            state(dev);
        }
        return out;
    }

    // shelly gen1: shellies/<id>/...
    if (parts.size() >= 3 && parts[0] == "shellies") {
        std::string dt = "shellies/" + std::string(parts[1]);
        auto& dev = entry(dt, source_type::shelly, parts[1]);
        out.device_topic = dev.topic;
        if (parts[2] == "online") {
            if (auto on = online_word(payload)) dev.online = *on;
        } else if (parts[2] == "sensor" && parts.size() == 4) {
            if (parts[3] == "battery") {
                auto j = json::parse(payload, nullptr, false);
                if (!j.is_discarded() && j.is_number())
                    dev.battery = static_cast<int>(std::lround(j.get<double>()));
            } else {
                state(dev);
            }
        }
        return out;
    }
    if (parts.size() < 3 && parts[0] == "shellies") return out;

    // shelly gen2: <id>/events/rpc, <id>/online
    if (parts.size() == 3 && parts[1] == "events" && parts[2] == "rpc") {
        std::string dt(parts[0]);
        auto& dev = entry(dt, source_type::shelly, dt);
        auto j = json::parse(payload, nullptr, false);
        if (!j.is_discarded() && j.is_object()) {
            auto params = j.find("params");
            if (params != j.end() && params->is_object()) {
                auto power = params->find("devicepower:0");
                if (power != params->end() && power->is_object()) {
                    auto bat = power->find("battery");
                    if (bat != power->end() && bat->is_object())
                        if (auto p = json_int(*bat, "percent")) dev.battery = *p;
                }
            }
        }
        state(dev);
        return out;
    }
    if (parts.size() == 2 && parts[1] == "online") {
        std::string dt(parts[0]);
        if (auto on = online_word(payload)) {
            auto& dev = entry(dt, source_type::shelly, dt);
            dev.online = *on;
            out.device_topic = dev.topic;
        }
        return out;
    }

    // esphome: <prefix>/status and <prefix>/<component>/<name>/state
    if (ends_with(topic, "/status")) {
        std::string prefix(topic.substr(0, topic.size() - 7));
        if (auto on = online_word(payload)) {
            esphome_online_[prefix] = *on;
            for (const auto& e : esphome_entities_[prefix]) devices_[e].online = *on;
        }
        return out;
    }
    if (auto prefix = esphome_prefix(topic)) {
        auto comp_and_name = topic.substr(prefix->size() + 1);
        auto comp = comp_and_name.substr(0, comp_and_name.find('/'));
        if (comp != "binary_sensor" && comp != "sensor" && !configured(topic)) return out;
        auto name = *prefix + "/" + std::string(split(comp_and_name, '/')[1]);
        bool fresh = devices_.count(t) == 0;
        auto& dev = entry(t, source_type::esphome, name);
        if (fresh) esphome_entities_[*prefix].push_back(t);
        if (auto on = esphome_online_.find(*prefix); on != esphome_online_.end()) dev.online = on->second;
        state(dev);
        return out;
    }
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
