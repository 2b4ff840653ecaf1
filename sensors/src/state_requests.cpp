// The state requests of every source, each defined beside its routes (source_descriptor::state_request).

#include "warden/sensors/state_requests.hpp"

#include <algorithm>

#include "detail.hpp"

namespace warden::sensors {
namespace detail {

topic_payloads no_state_request(const config::sensor_spec&) {
    return {};
}

}  // namespace detail

std::vector<state_request> state_requests(const std::vector<config::sensor_spec>& sensors) {
    std::vector<state_request> out;
    for (const auto& s : sensors) {
        if (is_momentary_kind(s.kind)) continue;
        for (auto& [topic, payload] : detail::descriptor_of(s.source).state_request(s)) {
            state_request r{std::move(topic), std::move(payload)};
            if (std::find(out.begin(), out.end(), r) == out.end()) out.push_back(std::move(r));
        }
    }
    return out;
}

}  // namespace warden::sensors
