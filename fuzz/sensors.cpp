// One sensor adapter (WARDEN_FUZZ_SOURCE: zigbee2mqtt, tasmota, esphome, shelly, json) behind the
// hub's router, fed a sequence of home-broker messages as a hub would see them.
//
// Input: SENSOR RS MESSAGE RS MESSAGE ...   (RS = 0x1e)
//   SENSOR   the body of a [[sensor]] block in TOML (topic, kind, field, active, threshold, ...);
//            id and source are given. A config the hub's loader refuses is skipped: the router only
//            ever sees validated sensors.
//   MESSAGE  TOPIC LF PAYLOAD; a TOPIC starting with '!' is a retained message (the '!' removed).
// Invariants: decode never throws (adapters.hpp promises it); a dropped message carries no input;
// the counters add up; the levels a hub saves restore to the same levels; discovery of the source's
// topics never throws.

#include <chrono>
#include <optional>
#include <string>

#include "fuzz.hpp"
#include "warden/config/hub_config.hpp"
#include "warden/sensors/adapters.hpp"
#include "warden/sensors/sources.hpp"

using namespace warden;

namespace {

constexpr std::string_view source_name = WARDEN_FUZZ_SOURCE;

/// The hub config around the fuzzed sensor block; nullopt if the loader refuses it.
std::optional<config::hub_config> config_of(std::string_view sensor) {
    std::string text =
        "[hub]\nid = \"hub-fuzz\"\ndata_dir = \"data\"\n\n[local]\nuri = \"tcp://127.0.0.1:1883\"\n\n"
        "[centre]\nuri = \"tcp://127.0.0.1:1884\"\n\n[[sensor]]\nid = \"dut\"\nsource = \"";
    text += source_name;
    text += "\"\n";
    text += sensor;
    text += "\n";
    try {
        return config::parse_hub_config(text, "fuzz.toml");
    } catch (const config::config_error&) {
        return std::nullopt;
    }
}

/// The last sensor block and its config: consecutive inputs often share it, and the loader is slower
/// than the adapters.
const std::optional<config::hub_config>& cached_config(std::string_view sensor) {
    static std::string last;
    static std::optional<config::hub_config> cfg;
    static bool valid = false;
    if (!valid || sensor != last) {
        last = sensor;
        cfg = config_of(sensor);
        valid = true;
    }
    return cfg;
}

const sensors::source_discovery* discovery() {
    auto type = config::parse_source_type(source_name);
    WARDEN_FUZZ_CHECK(type.has_value());
    for (const auto* d : sensors::source_discoveries())
        if (d->source == *type) return d;
    return nullptr;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    auto parts = fuzz::split(fuzz::text(data, size), fuzz::record_sep);
    const auto& cfg = cached_config(parts[0]);
    if (!cfg) return 0;
    sensors::router router(cfg->sensors);
    (void)router.subscriptions();
    static const auto* disc = discovery();

    auto at = time_point{} + std::chrono::seconds{1'764'331'200};
    std::uint64_t calls = 0, inputs = 0;
    for (std::size_t i = 1; i < parts.size(); ++i) {
        auto nl = parts[i].find('\n');
        std::string_view topic = parts[i].substr(0, nl);
        std::string_view payload =
            nl == std::string_view::npos ? std::string_view{} : parts[i].substr(nl + 1);
        bool retained = topic.starts_with('!');
        if (retained) topic.remove_prefix(1);
        at += std::chrono::seconds{1};

        auto r = router.decode(topic, payload, at, retained);
        ++calls;
        inputs += r.inputs.size();
        if (r.dropped != sensors::drop_reason::none) WARDEN_FUZZ_CHECK(r.inputs.empty());
        if (disc) (void)disc->recognise(topic, payload, cfg->sensors);
    }
    const auto& s = router.stats();
    WARDEN_FUZZ_CHECK(s.messages == calls);
    WARDEN_FUZZ_CHECK(s.inputs == inputs);
    WARDEN_FUZZ_CHECK(s.unknown_topic + s.oversized + s.malformed + s.unexpected <= calls);

    auto levels = router.levels();
    sensors::router again(cfg->sensors);
    again.restore_levels(levels);
    WARDEN_FUZZ_CHECK(again.levels() == levels);
    return 0;
}
