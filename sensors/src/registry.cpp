// The registry of sensor sources: one descriptor per source, each defined in its own file. Adding a
// source is its file plus one line here.

#include <array>

#include "detail.hpp"

namespace warden::sensors {
namespace detail {
namespace {

/// In the order discovery offers a message to them (see source_discoveries()).
constexpr std::array<const source_descriptor*, 5> registry{&json_source, &zigbee2mqtt_source, &tasmota_source,
                                                           &shelly_source, &esphome_source};

}  // namespace

const source_descriptor& descriptor_of(config::source_type source) noexcept {
    for (const auto* d : registry)
        if (d->source == source) return *d;
    return json_source;  // unreachable: every source_type has a descriptor (tested)
}

}  // namespace detail

std::optional<milliseconds> default_report_every(config::source_type source) {
    return detail::descriptor_of(source).default_report_every;
}

std::span<const source_discovery* const> source_discoveries() noexcept {
    static constexpr auto discoveries = [] {
        std::array<const source_discovery*, detail::registry.size()> out{};
        for (std::size_t i = 0; i < out.size(); ++i) out[i] = &detail::registry[i]->discovery;
        return out;
    }();
    return discoveries;
}

}  // namespace warden::sensors
