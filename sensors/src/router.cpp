// The router: which configured sensor a topic belongs to, and the decoder of its source to call.

#include <algorithm>
#include <map>
#include <optional>
#include <stdexcept>

#include "detail.hpp"

namespace warden::sensors {

using namespace detail;

std::string_view to_string(drop_reason r) noexcept {
    switch (r) {
        case drop_reason::none:
            return "none";
        case drop_reason::unknown_topic:
            return "unknown_topic";
        case drop_reason::oversized:
            return "oversized";
        case drop_reason::malformed:
            return "malformed";
        case drop_reason::wrong_type:
            return "wrong_type";
        case drop_reason::unexpected:
            return "unexpected";
    }
    return "unknown";
}

namespace detail {

std::optional<bool> read_online(message& m, bool json_form_allowed, outcome& err) {
    auto online = parse_online_word(m.payload);
    if (!online && json_form_allowed) {
        const json* doc = m.parsed();
        if (!doc) {
            err = outcome::drop(drop_reason::malformed, m.why());
            return std::nullopt;
        }
        if (doc->is_string())
            online = parse_online_word(doc->get_ref<const std::string&>());
        else if (doc->is_object()) {
            auto it = doc->find("state");
            if (it != doc->end() && it->is_string())
                online = parse_online_word(it->get_ref<const std::string&>());
        }
    }
    if (!online) err = outcome::drop(drop_reason::unexpected, "availability: expected online or offline");
    return online;
}

outcome availability(const config::sensor_spec& s, message& m, bool json_form_allowed) {
    outcome o;
    auto online = read_online(m, json_form_allowed, o);
    if (online) o.inputs.emplace_back(availability_change{s.id, *online, m.at});
    return o;
}

}  // namespace detail

namespace {

/// Keeps what the message says of battery, link and tamper, but not its primary signal.
void no_signal(outcome& o) {
    for (auto& in : o.inputs)
        if (auto* ev = std::get_if<sensor_event>(&in)) ev->signal = signal::none;
}

/// MQTT filter matching: '+' is one level, a trailing '#' any number of levels (also none);
/// wildcards never match a topic starting with '$'.
bool topic_matches(std::string_view filter, std::string_view topic) {
    if (!topic.empty() && topic.front() == '$' && !filter.empty() &&
        (filter.front() == '+' || filter.front() == '#'))
        return false;
    auto f = split(filter, '/');
    auto t = split(topic, '/');
    std::size_t i = 0;
    for (; i < f.size(); ++i) {
        if (f[i] == "#") return true;
        if (i >= t.size()) return false;
        if (f[i] != "+" && f[i] != t[i]) return false;
    }
    return i == t.size();
}

}  // namespace

struct router::impl {
    struct entry {
        std::size_t sensor;  // index into sensors
        route how;
    };
    std::vector<config::sensor_spec> sensors;
    std::vector<const source_descriptor*> sources;  // of each sensor, looked up once
    std::vector<std::string> filters;
    std::map<std::string, std::vector<entry>, std::less<>> exact;
    std::vector<entry> prefixed;
    std::vector<entry> wildcard;  // a configured topic with + or # (json sensors on many devices)
    /// Last level of each momentary sensor that reports one (sos:true, ON): repeats are not presses.
    std::vector<std::optional<bool>> pressed;
    /// Last press counter of each sensor whose device counts its presses (Shelly gen1 event_cnt).
    std::vector<std::optional<double>> counters;
    /// Sensors whose device announced a planned sleep and has not been heard since.
    std::vector<bool> asleep;

    void add(std::size_t i, route r) {
        if (std::find(filters.begin(), filters.end(), r.filter) == filters.end()) filters.push_back(r.filter);
        if (r.prefix) {
            prefixed.push_back({i, std::move(r)});
            return;
        }
        if (r.match.find_first_of("+#") != std::string::npos) {
            wildcard.push_back({i, std::move(r)});
            return;
        }
        auto& list = exact[r.match];
        // One bridge_change per bridge, however many sensors sit behind it.
        if (r.what == role::z2m_bridge && std::any_of(list.begin(), list.end(), [&](const entry& e) {
                return e.how.what == role::z2m_bridge;
            }))
            return;
        list.push_back({i, std::move(r)});
    }

    std::vector<const entry*> lookup(std::string_view topic) const {
        std::vector<const entry*> found;
        if (auto it = exact.find(topic); it != exact.end())
            for (const auto& e : it->second) found.push_back(&e);
        for (const auto& e : prefixed)
            if (topic.size() > e.how.match.size() && topic.substr(0, e.how.match.size()) == e.how.match)
                found.push_back(&e);
        for (const auto& e : wildcard)
            if (topic_matches(e.how.match, topic)) found.push_back(&e);
        return found;
    }
};

router::router(const std::vector<config::sensor_spec>& sensors) : impl_(std::make_unique<impl>()) {
    impl_->sensors = sensors;
    impl_->pressed.resize(sensors.size());
    impl_->counters.resize(sensors.size());
    impl_->asleep.resize(sensors.size());
    for (std::size_t i = 0; i < sensors.size(); ++i) {
        impl_->sources.push_back(&descriptor_of(sensors[i].source));
        for (auto& r : impl_->sources[i]->routes(sensors[i])) impl_->add(i, std::move(r));
    }
}

router::~router() = default;
router::router(router&&) noexcept = default;
router& router::operator=(router&&) noexcept = default;

namespace {

/// What a router remembers per sensor (`values[i]` of `sensors[i]`), by sensor id: what it has seen only.
template <class T>
std::map<std::string, T> by_id(const std::vector<config::sensor_spec>& sensors,
                               const std::vector<std::optional<T>>& values) {
    std::map<std::string, T> out;
    for (std::size_t i = 0; i < sensors.size(); ++i)
        if (values[i]) out[sensors[i].id] = *values[i];
    return out;
}

/// The reverse of by_id(): ids of sensors no longer configured are ignored.
template <class T>
void restore_by_id(const std::vector<config::sensor_spec>& sensors, const std::map<std::string, T>& saved,
                   std::vector<std::optional<T>>& values) {
    for (std::size_t i = 0; i < sensors.size(); ++i)
        if (auto it = saved.find(sensors[i].id); it != saved.end()) values[i] = it->second;
}

}  // namespace

std::map<std::string, bool> router::levels() const {
    return by_id(impl_->sensors, impl_->pressed);
}

void router::restore_levels(const std::map<std::string, bool>& levels) {
    restore_by_id(impl_->sensors, levels, impl_->pressed);
}

std::map<std::string, double> router::counters() const {
    return by_id(impl_->sensors, impl_->counters);
}

void router::restore_counters(const std::map<std::string, double>& counters) {
    restore_by_id(impl_->sensors, counters, impl_->counters);
}

std::vector<std::string> router::subscriptions() const {
    return impl_->filters;
}

decode_result router::decode(std::string_view topic, std::string_view payload, time_point at, bool retained) {
    decode_result result;
    bool partial = false;
    drop_reason partial_reason = drop_reason::none;
    try {
        ++stats_.messages;
        if (payload.size() > max_payload_bytes) {
            result.dropped = drop_reason::oversized;
            result.detail = "payload larger than 64 KiB";
        } else if (auto entries = impl_->lookup(topic); entries.empty()) {
            result.dropped = drop_reason::unknown_topic;
            result.detail = "no sensor is configured for this topic";
        } else {
            message m(topic, payload, at);
            drop_reason first_drop = drop_reason::none;
            std::string first_detail;
            for (const auto* e : entries) {
                outcome o;
                try {
                    if (e->how.what == role::z2m_bridge) {
                        if (auto up = read_online(m, true, o))
                            o.inputs.emplace_back(bridge_change{e->how.bridge, *up, at});
                    } else {
                        o = impl_->sources[e->sensor]->decode(impl_->sensors[e->sensor], e->how.what, m);
                        const auto& spec = impl_->sensors[e->sensor];
                        if (o.dropped == drop_reason::none && o.level) {
                            auto& last = impl_->pressed[e->sensor];
                            if (*o.level && last == true) no_signal(o);
                            last = *o.level;
                        }
                        if (o.dropped == drop_reason::none && o.counter) {
                            // The same count again is the device re-publishing its last event.
                            auto& last = impl_->counters[e->sensor];
                            if (last == o.counter) no_signal(o);
                            last = o.counter;
                        }
                        if (retained && is_momentary_kind(spec.kind)) no_signal(o);
                        if (o.dropped == drop_reason::none) {
                            // The offline that follows a planned sleep is no fault; a device that does
                            // not wake within its report interval is still reported silent by the engine.
                            auto sleeping = impl_->asleep[e->sensor];
                            std::erase_if(o.inputs, [&](const sensor_input& in) {
                                auto* a = std::get_if<availability_change>(&in);
                                if (a && !a->online && sleeping) return true;
                                sleeping = false;
                                return false;
                            });
                            impl_->asleep[e->sensor] = o.sleep || sleeping;
                        }
                    }
                } catch (const std::exception&) {
                    // Not ex.what(): a parser's message may quote the payload, which never goes to the log.
                    o = outcome::drop(drop_reason::malformed, "could not decode");
                }
                if (o.dropped != drop_reason::none) {
                    o.inputs.clear();  // never act on half of a bad message
                    if (first_drop == drop_reason::none) {
                        first_drop = o.dropped;
                        first_detail = o.detail;
                    }
                } else if (o.partial) {
                    partial = true;
                    partial_reason = drop_reason::wrong_type;
                    if (first_detail.empty()) first_detail = o.detail;
                }
                for (auto& in : o.inputs) result.inputs.push_back(std::move(in));
            }
            if (result.inputs.empty() && first_drop != drop_reason::none) {
                result.dropped = first_drop;
                result.detail = first_detail;
            } else if (first_drop != drop_reason::none) {
                // Another sensor on the same topic could use the message; count what this one could not.
                partial = true;
                partial_reason = first_drop;
                result.detail = first_detail;
            } else if (partial) {
                result.detail = first_detail;
            }
        }
    } catch (...) {
        result.inputs.clear();
        result.dropped = drop_reason::malformed;
        result.detail = "could not decode";
    }
    auto count = [&](drop_reason r) {
        switch (r) {
            case drop_reason::unknown_topic:
                ++stats_.unknown_topic;
                break;
            case drop_reason::oversized:
                ++stats_.oversized;
                break;
            case drop_reason::malformed:
                ++stats_.malformed;
                break;
            case drop_reason::wrong_type:
                ++stats_.wrong_type;
                break;
            case drop_reason::unexpected:
                ++stats_.unexpected;
                break;
            case drop_reason::none:
                break;
        }
    };
    if (result.dropped != drop_reason::none)
        count(result.dropped);
    else if (partial)
        count(partial_reason);
    stats_.inputs += result.inputs.size();
    return result;
}

// ---- simulate ----

namespace {

sim_request parse_request(const config::sensor_spec& s, std::string_view event) {
    sim_request req;
    if (event == "offline")
        req.ask = sim_request::what::offline;
    else if (event == "online")
        req.ask = sim_request::what::online;
    else if (event == "battery-low")
        req.ask = sim_request::what::battery_low;
    else if (event == "tamper")
        req.ask = sim_request::what::tamper;
    else if (auto eq = event.find('='); eq != std::string_view::npos) {
        req.ask = sim_request::what::number;
        req.attr = std::string(event.substr(0, eq));
        auto n = parse_number(event.substr(eq + 1));
        if (!n) cannot(s, "'" + std::string(event) + "': expected <attribute>=<number>");
        req.number = *n;
        if (req.attr == "temperature") {
            if (s.kind != sensor_kind::temperature)
                cannot(s, "only a temperature sensor reports temperature");
        } else if (req.attr == "battery") {
            if (*n < 0 || *n > 100) cannot(s, "battery is a percentage 0..100");
        } else if (req.attr == "power") {
            if (s.kind != sensor_kind::power) cannot(s, "only a power sensor reports power");
        } else {
            cannot(s, "unknown attribute '" + req.attr + "' (temperature, battery, power)");
        }
    } else {
        auto sig = parse_signal_name(s.kind, event);
        if (!sig || s.kind == sensor_kind::temperature)
            cannot(s, "a " + std::string(to_string(s.kind)) + " sensor has no event '" + std::string(event) +
                          "'");
        if (*sig == signal::inactive && is_momentary_kind(s.kind))
            cannot(s, "a " + std::string(to_string(s.kind)) + " only reports presses");
        req.sig = *sig;
    }
    return req;
}

}  // namespace

std::vector<std::pair<std::string, std::string>> simulate_payload(const config::sensor_spec& sensor,
                                                                  std::string_view event) {
    return descriptor_of(sensor.source).simulate(sensor, parse_request(sensor, event));
}

}  // namespace warden::sensors
