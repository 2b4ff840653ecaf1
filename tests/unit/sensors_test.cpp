// warden::sensors: every source, every kind, the garbage a home broker can carry, simulate round trips.

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <fstream>
#include <functional>
#include <random>
#include <sstream>
#include <stdexcept>

#include <nlohmann/json.hpp>

#include "warden/sensors/adapters.hpp"
#include "warden/sensors/sources.hpp"
#include "warden/sensors/state_requests.hpp"

using namespace warden;
using namespace warden::sensors;
using namespace std::chrono_literals;
using config::source_type;

namespace {

const time_point t0 = time_point{} + 1'764'331'200'000ms;

config::sensor_spec spec(std::string id, sensor_kind kind, source_type source, std::string topic) {
    config::sensor_spec s;
    s.id = std::move(id);
    s.kind = kind;
    s.source = source;
    s.topic = std::move(topic);
    return s;
}

std::string fixture(const std::string& rel) {
    std::ifstream in(std::string(WARDEN_SOURCE_DIR) + "/tests/fixtures/sensors/" + rel, std::ios::binary);
    if (!in) throw std::runtime_error("missing fixture " + rel);
    std::ostringstream out;
    out << in.rdbuf();
    return out.str();
}

/// The only sensor_event of a result (fails the test if there is not exactly one).
sensor_event only_event(const decode_result& r) {
    EXPECT_EQ(r.dropped, drop_reason::none) << r.detail;
    EXPECT_EQ(r.inputs.size(), 1u);
    if (r.inputs.size() != 1 || !std::holds_alternative<sensor_event>(r.inputs[0])) {
        ADD_FAILURE() << "expected one sensor_event";
        return {};
    }
    return std::get<sensor_event>(r.inputs[0]);
}

warden::signal sig(router& r, std::string_view topic, std::string_view payload) {
    return only_event(r.decode(topic, payload, t0)).signal;
}

bool any_active(const decode_result& r) {
    return std::any_of(r.inputs.begin(), r.inputs.end(), [](const sensor_input& in) {
        auto* ev = std::get_if<sensor_event>(&in);
        return ev && ev->signal == warden::signal::active;
    });
}

std::uint64_t drops(const decode_stats& s) {
    return s.unknown_topic + s.oversized + s.malformed + s.wrong_type + s.unexpected;
}

}  // namespace

// ---------------------------------------------------------------- subscriptions

TEST(Subscriptions, FollowTheSpecTablePerSource) {
    router r({
        spec("pendant", sensor_kind::pendant, source_type::zigbee2mqtt, "zigbee2mqtt/pendant"),
        spec("hall", sensor_kind::motion, source_type::zigbee2mqtt, "zigbee2mqtt/hall_pir"),
        spec("kitchen", sensor_kind::motion, source_type::tasmota, "tasmota_1A2B3C"),
        spec("bed", sensor_kind::bed, source_type::esphome, "bedroom/binary_sensor/bed_pad/state"),
        spec("flood", sensor_kind::flood, source_type::shelly, "shellies/shellyflood-1"),
        spec("plus", sensor_kind::door, source_type::shelly, "shellyplusi4-a8032ab12345"),
        spec("generic", sensor_kind::door, source_type::json, "home/door"),
    });
    std::vector<std::string> expected = {
        "zigbee2mqtt/pendant",
        "zigbee2mqtt/pendant/availability",
        "zigbee2mqtt/bridge/state",
        "zigbee2mqtt/hall_pir",
        "zigbee2mqtt/hall_pir/availability",
        "tele/tasmota_1A2B3C/SENSOR",
        "tele/tasmota_1A2B3C/STATE",
        "stat/tasmota_1A2B3C/RESULT",
        "stat/tasmota_1A2B3C/DEEPSLEEP",
        "tele/tasmota_1A2B3C/LWT",
        "stat/tasmota_1A2B3C/STATUS10",  // the answer to the state request (docs/hub.md)
        "bedroom/binary_sensor/bed_pad/state",
        "bedroom/status",
        "shellies/shellyflood-1/sensor/#",
        "shellies/shellyflood-1/status",
        "shellies/shellyflood-1/online",
        "shellyplusi4-a8032ab12345/events/rpc",
        "shellyplusi4-a8032ab12345/status/#",
        "shellyplusi4-a8032ab12345/warden/rpc",  // the answer to Shelly.GetStatus
        "shellyplusi4-a8032ab12345/online",
        "home/door",
    };
    EXPECT_EQ(r.subscriptions(), expected);  // deduplicated: one bridge/state for both zigbee sensors
}

TEST(Subscriptions, ShellyGen1RelayAndButtonTopicsWhenTheKindNeedsThem) {
    router r({spec("tv", sensor_kind::power, source_type::shelly, "shellies/shellyplug-s-1"),
              spec("call", sensor_kind::pendant, source_type::shelly, "shellies/shellybutton1-1")});
    auto subs = r.subscriptions();
    for (auto want : {"shellies/shellyplug-s-1/relay/#", "shellies/shellybutton1-1/input_event/#"})
        EXPECT_NE(std::find(subs.begin(), subs.end(), want), subs.end()) << want;
}

// ---------------------------------------------------------------- zigbee2mqtt

TEST(Zigbee2mqtt, AllThreeSosFormsPress) {
    router r({spec("pendant", sensor_kind::pendant, source_type::zigbee2mqtt, "zigbee2mqtt/pendant")});
    EXPECT_EQ(sig(r, "zigbee2mqtt/pendant", fixture("zigbee2mqtt/sos_button_emergency.json")),
              warden::signal::active);
    EXPECT_EQ(sig(r, "zigbee2mqtt/pendant", R"({"action":"sos","linkquality":40})"), warden::signal::active);
    EXPECT_EQ(sig(r, "zigbee2mqtt/pendant", fixture("zigbee2mqtt/sos_flag.json")), warden::signal::active);
    // A plain button worn as a pendant.
    EXPECT_EQ(sig(r, "zigbee2mqtt/pendant", fixture("zigbee2mqtt/button_single.json")),
              warden::signal::active);
    EXPECT_EQ(sig(r, "zigbee2mqtt/pendant", R"({"action":"double"})"), warden::signal::active);
    EXPECT_EQ(sig(r, "zigbee2mqtt/pendant", R"({"action":"hold"})"), warden::signal::active);
}

TEST(Zigbee2mqtt, ButtonResetsAndReleasesAreNotPresses) {
    router r({spec("pendant", sensor_kind::pendant, source_type::zigbee2mqtt, "zigbee2mqtt/pendant")});
    EXPECT_EQ(sig(r, "zigbee2mqtt/pendant", R"({"action":"","battery":90})"), warden::signal::none);
    EXPECT_EQ(sig(r, "zigbee2mqtt/pendant", R"({"action":null,"battery":90})"), warden::signal::none);
    EXPECT_EQ(sig(r, "zigbee2mqtt/pendant", R"({"action":"release"})"), warden::signal::none);
    EXPECT_EQ(sig(r, "zigbee2mqtt/pendant", R"({"action":"hold_release"})"), warden::signal::none);
    EXPECT_EQ(sig(r, "zigbee2mqtt/pendant", R"({"sos":false,"battery":90})"), warden::signal::none);
}

TEST(Zigbee2mqtt, LatchedSosRepeatedFromTheStateCacheIsNotANewPress) {
    router r({spec("pendant", sensor_kind::pendant, source_type::zigbee2mqtt, "zigbee2mqtt/pendant")});
    EXPECT_EQ(sig(r, "zigbee2mqtt/pendant", R"({"sos":true,"battery":90})"), warden::signal::active);
    // zigbee2mqtt merges its cached state into the next report: the same sos:true with a new battery.
    EXPECT_EQ(sig(r, "zigbee2mqtt/pendant", R"({"sos":true,"battery":89})"), warden::signal::none);
    EXPECT_EQ(sig(r, "zigbee2mqtt/pendant", R"({"sos":false,"battery":89})"), warden::signal::none);
    EXPECT_EQ(sig(r, "zigbee2mqtt/pendant", R"({"sos":true,"battery":89})"), warden::signal::active);
    // Action words are events: every one is a press.
    EXPECT_EQ(sig(r, "zigbee2mqtt/pendant", R"({"action":"emergency"})"), warden::signal::active);
    EXPECT_EQ(sig(r, "zigbee2mqtt/pendant", R"({"action":"emergency"})"), warden::signal::active);
}

TEST(Router, ALatchedPressStaysCountedAcrossARestartWhenItsLevelsAreRestored) {
    std::vector<config::sensor_spec> sensors{
        spec("pendant", sensor_kind::pendant, source_type::zigbee2mqtt, "zigbee2mqtt/pendant"),
        spec("fall", sensor_kind::fall, source_type::tasmota, "tasmota_fall"),
        spec("cord", sensor_kind::pull_cord, source_type::zigbee2mqtt, "zigbee2mqtt/cord")};
    router before(sensors);
    EXPECT_TRUE(before.levels().empty());
    EXPECT_EQ(sig(before, "zigbee2mqtt/pendant", R"({"sos":true,"battery":90})"), warden::signal::active);
    EXPECT_TRUE(any_active(before.decode("stat/tasmota_fall/RESULT", R"({"Switch1":{"Action":"ON"}})", t0)));
    EXPECT_EQ(sig(before, "zigbee2mqtt/cord", R"({"sos":false})"), warden::signal::none);
    auto saved = before.levels();
    EXPECT_EQ(saved, (std::map<std::string, bool>{{"cord", false}, {"fall", true}, {"pendant", true}}));

    // The hub restarts: the state cache still says sos:true in the next battery report.
    router after(sensors);
    after.restore_levels(saved);
    after.restore_levels({{"gone", true}});  // a sensor no longer configured: ignored
    EXPECT_EQ(sig(after, "zigbee2mqtt/pendant", R"({"sos":true,"battery":80})"), warden::signal::none);
    EXPECT_FALSE(any_active(after.decode("tele/tasmota_fall/SENSOR", R"({"Switch1":"ON"})", t0)));
    EXPECT_EQ(sig(after, "zigbee2mqtt/cord", R"({"sos":true})"), warden::signal::active);
    // A real new press still counts.
    EXPECT_EQ(sig(after, "zigbee2mqtt/pendant", R"({"sos":false,"battery":80})"), warden::signal::none);
    EXPECT_EQ(sig(after, "zigbee2mqtt/pendant", R"({"sos":true,"battery":80})"), warden::signal::active);

    // Without the saved levels the same report would be a false alarm.
    router forgetful(sensors);
    EXPECT_EQ(sig(forgetful, "zigbee2mqtt/pendant", R"({"sos":true,"battery":80})"), warden::signal::active);
}

TEST(Router, AShellyPressCounterStaysKnownAcrossARestartWhenItsCountersAreRestored) {
    std::vector<config::sensor_spec> sensors{
        spec("cord", sensor_kind::pull_cord, source_type::shelly, "shellies/shellyix3-10521CF2C2C2")};
    const std::string topic = "shellies/shellyix3-10521CF2C2C2/input_event/0";
    router before(sensors);
    EXPECT_TRUE(before.counters().empty());
    EXPECT_EQ(sig(before, topic, R"({"event":"S","event_cnt":4})"), warden::signal::active);
    EXPECT_EQ(sig(before, topic, R"({"event":"S","event_cnt":4})"), warden::signal::none);  // the 30 s repeat
    auto saved = before.counters();
    EXPECT_EQ(saved, (std::map<std::string, double>{{"cord", 4}}));

    // The hub restarts: gen1's next status update re-publishes the same event.
    router after(sensors);
    after.restore_counters(saved);
    after.restore_counters({{"gone", 9}});  // a sensor no longer configured: ignored
    EXPECT_EQ(sig(after, topic, R"({"event":"S","event_cnt":4})"), warden::signal::none);
    EXPECT_EQ(sig(after, topic, R"({"event":"S","event_cnt":5})"), warden::signal::active);

    // Without the saved counters the re-published event would be a false alarm.
    router forgetful(sensors);
    EXPECT_EQ(sig(forgetful, topic, R"({"event":"S","event_cnt":4})"), warden::signal::active);
}

TEST(Router, ARetainedPressIsOldNewsButItsStateCounts) {
    router r({spec("pendant", sensor_kind::pendant, source_type::zigbee2mqtt, "zigbee2mqtt/pendant"),
              spec("smoke", sensor_kind::smoke, source_type::zigbee2mqtt, "zigbee2mqtt/smoke"),
              spec("fall", sensor_kind::fall, source_type::tasmota, "tasmota_fall")});
    // Replayed by the broker at subscribe: no press, but the battery is read.
    auto e = only_event(r.decode("zigbee2mqtt/pendant", R"({"action":"sos","battery":12})", t0, true));
    EXPECT_EQ(e.signal, warden::signal::none);
    ASSERT_TRUE(e.battery);
    EXPECT_EQ(*e.battery, 12);
    EXPECT_EQ(only_event(r.decode("zigbee2mqtt/pendant", R"({"sos":true})", t0, true)).signal,
              warden::signal::none);
    EXPECT_FALSE(
        any_active(r.decode("stat/tasmota_fall/RESULT", R"({"Switch1":{"Action":"ON"}})", t0, true)));
    // A state kind's retained state is its state.
    EXPECT_EQ(only_event(r.decode("zigbee2mqtt/smoke", R"({"smoke":true})", t0, true)).signal,
              warden::signal::active);
    // The same press, live, is a press.
    EXPECT_EQ(sig(r, "zigbee2mqtt/pendant", R"({"action":"sos","battery":12})"), warden::signal::active);
    // The retained ON was the level the switch is at: a press is its next rise.
    EXPECT_FALSE(any_active(r.decode("stat/tasmota_fall/RESULT", R"({"Switch1":{"Action":"ON"}})", t0)));
    EXPECT_FALSE(any_active(r.decode("stat/tasmota_fall/RESULT", R"({"Switch1":{"Action":"OFF"}})", t0)));
    EXPECT_TRUE(any_active(r.decode("stat/tasmota_fall/RESULT", R"({"Switch1":{"Action":"ON"}})", t0)));
}

TEST(Zigbee2mqtt, ButtonWithActiveOnlyCountsThatAction) {
    auto s = spec("call", sensor_kind::button, source_type::zigbee2mqtt, "zigbee2mqtt/remote");
    s.active = "emergency";
    router r({s});
    EXPECT_EQ(sig(r, "zigbee2mqtt/remote", R"({"action":"emergency"})"), warden::signal::active);
    EXPECT_EQ(sig(r, "zigbee2mqtt/remote", R"({"action":"arm_away"})"), warden::signal::none);
}

TEST(Zigbee2mqtt, ContactTrueMeansClosed) {
    router r({spec("door", sensor_kind::door, source_type::zigbee2mqtt, "zigbee2mqtt/front_door")});
    EXPECT_EQ(sig(r, "zigbee2mqtt/front_door", fixture("zigbee2mqtt/door_open.json")),
              warden::signal::active);
    EXPECT_EQ(sig(r, "zigbee2mqtt/front_door", fixture("zigbee2mqtt/door_closed.json")),
              warden::signal::inactive);
}

TEST(Zigbee2mqtt, BedPadOnAContactIsOccupiedWhenClosed) {
    auto s = spec("bed", sensor_kind::bed, source_type::zigbee2mqtt, "zigbee2mqtt/bed_mat");
    router r({s});
    EXPECT_EQ(sig(r, "zigbee2mqtt/bed_mat", R"({"contact":true})"), warden::signal::active);
    EXPECT_EQ(sig(r, "zigbee2mqtt/bed_mat", R"({"occupancy":false})"), warden::signal::inactive);
    EXPECT_EQ(sig(r, "zigbee2mqtt/bed_mat", R"({"presence":true})"), warden::signal::active);
}

TEST(Zigbee2mqtt, MotionClearedByTheBridgeTimeoutIsNormal) {
    router r({spec("hall", sensor_kind::motion, source_type::zigbee2mqtt, "zigbee2mqtt/hall_pir")});
    auto ev = only_event(r.decode("zigbee2mqtt/hall_pir", fixture("zigbee2mqtt/motion_occupied.json"), t0));
    EXPECT_EQ(ev.signal, warden::signal::active);
    EXPECT_EQ(ev.battery, 100);
    EXPECT_EQ(ev.link, 90);
    EXPECT_EQ(ev.at, t0);
    EXPECT_EQ(ev.sensor, "hall");
    EXPECT_EQ(ev.kind, sensor_kind::motion);
    EXPECT_EQ(sig(r, "zigbee2mqtt/hall_pir", fixture("zigbee2mqtt/motion_cleared_by_timeout.json")),
              warden::signal::inactive);
    EXPECT_EQ(r.stats().wrong_type + r.stats().malformed, 0u);
}

TEST(Zigbee2mqtt, AlarmKindsReadTheirAttribute) {
    struct row {
        sensor_kind kind;
        const char* on;
        const char* off;
    };
    for (auto [kind, on, off] : std::initializer_list<row>{
             {sensor_kind::smoke, R"({"smoke":true})", R"({"smoke":false})"},
             {sensor_kind::heat, R"({"heat":true})", R"({"heat":false})"},
             {sensor_kind::heat, R"({"smoke":true})", R"({"smoke":false})"},
             {sensor_kind::co, R"({"carbon_monoxide":true})", R"({"carbon_monoxide":false})"},
             {sensor_kind::gas, R"({"gas":true})", R"({"gas":false})"},
             {sensor_kind::flood, R"({"water_leak":true})", R"({"water_leak":false})"},
             {sensor_kind::enuresis, R"({"water_leak":true})", R"({"water_leak":false})"},
             {sensor_kind::epilepsy, R"({"alarm":true})", R"({"alarm":false})"},
         }) {
        router r({spec("x", kind, source_type::zigbee2mqtt, "zigbee2mqtt/x")});
        EXPECT_EQ(sig(r, "zigbee2mqtt/x", on), warden::signal::active) << to_string(kind) << on;
        EXPECT_EQ(sig(r, "zigbee2mqtt/x", off), warden::signal::inactive) << to_string(kind) << off;
    }
    router smoke({spec("smoke", sensor_kind::smoke, source_type::zigbee2mqtt, "zigbee2mqtt/smoke")});
    auto ev = only_event(smoke.decode("zigbee2mqtt/smoke", fixture("zigbee2mqtt/smoke.json"), t0));
    EXPECT_EQ(ev.signal, warden::signal::active);
    EXPECT_EQ(ev.tamper, false);
    router flood({spec("flood", sensor_kind::flood, source_type::zigbee2mqtt, "zigbee2mqtt/leak")});
    EXPECT_EQ(sig(flood, "zigbee2mqtt/leak", fixture("zigbee2mqtt/water_leak.json")), warden::signal::active);
}

TEST(Zigbee2mqtt, FallDetectorReportsFall) {
    router r({spec("fall", sensor_kind::fall, source_type::zigbee2mqtt, "zigbee2mqtt/fall")});
    EXPECT_EQ(sig(r, "zigbee2mqtt/fall", R"({"fall":true})"), warden::signal::active);
    EXPECT_EQ(sig(r, "zigbee2mqtt/fall", R"({"fall":true,"battery":80})"), warden::signal::none);  // cached
    EXPECT_EQ(sig(r, "zigbee2mqtt/fall", R"({"fall":"normal"})"), warden::signal::none);
    EXPECT_EQ(sig(r, "zigbee2mqtt/fall", R"({"fall":"fall_detected"})"), warden::signal::active);
    EXPECT_EQ(sig(r, "zigbee2mqtt/fall", R"({"action":"fall"})"), warden::signal::active);
    EXPECT_EQ(sig(r, "zigbee2mqtt/fall", R"({"fall":false,"battery":50})"), warden::signal::none);
}

TEST(Zigbee2mqtt, PowerFromStateOrFromWattsOverAThreshold) {
    router plug({spec("tv", sensor_kind::power, source_type::zigbee2mqtt, "zigbee2mqtt/plug")});
    EXPECT_EQ(sig(plug, "zigbee2mqtt/plug", fixture("zigbee2mqtt/plug_on.json")), warden::signal::active);
    EXPECT_EQ(sig(plug, "zigbee2mqtt/plug", R"({"state":"OFF","power":0})"), warden::signal::inactive);
    auto s = spec("kettle", sensor_kind::power, source_type::zigbee2mqtt, "zigbee2mqtt/kettle");
    s.threshold = 100;
    router kettle({s});
    auto ev = only_event(kettle.decode("zigbee2mqtt/kettle", R"({"state":"ON","power":45.3})", t0));
    EXPECT_EQ(ev.signal, warden::signal::inactive);  // on, but drawing less than the threshold
    EXPECT_EQ(ev.value, 45.3);
    EXPECT_EQ(sig(kettle, "zigbee2mqtt/kettle", R"({"state":"ON","power":2200})"), warden::signal::active);
}

TEST(Zigbee2mqtt, TemperatureIsAValue) {
    router r({spec("lounge", sensor_kind::temperature, source_type::zigbee2mqtt, "zigbee2mqtt/lounge_temp")});
    auto ev = only_event(r.decode("zigbee2mqtt/lounge_temp", fixture("zigbee2mqtt/temperature.json"), t0));
    EXPECT_EQ(ev.value, 21.37);
    EXPECT_EQ(ev.battery, 97);
    EXPECT_EQ(ev.battery_low, std::nullopt);  // the device sends no flag; the engine judges the percentage
}

TEST(Zigbee2mqtt, BatteryOnlyMessageIsASignOfLife) {
    router r({spec("door", sensor_kind::door, source_type::zigbee2mqtt, "zigbee2mqtt/front_door")});
    auto ev =
        only_event(r.decode("zigbee2mqtt/front_door", fixture("zigbee2mqtt/battery_low_only.json"), t0));
    EXPECT_EQ(ev.signal, warden::signal::none);
    EXPECT_EQ(ev.battery, 4);
    EXPECT_EQ(ev.battery_low, true);
    EXPECT_EQ(ev.link, 72);
    auto low = only_event(r.decode("zigbee2mqtt/front_door", R"({"battery":8})", t0));
    EXPECT_EQ(low.battery, 8);
    EXPECT_EQ(low.battery_low, std::nullopt);
    auto tamper = only_event(r.decode("zigbee2mqtt/front_door", R"({"tamper":true,"linkquality":3})", t0));
    EXPECT_EQ(tamper.tamper, true);
    EXPECT_EQ(tamper.signal, warden::signal::none);
}

TEST(Zigbee2mqtt, AvailabilityInBothForms) {
    router r({spec("hall", sensor_kind::motion, source_type::zigbee2mqtt, "zigbee2mqtt/hall_pir")});
    for (auto [payload, online] :
         std::initializer_list<std::pair<const char*, bool>>{{R"({"state":"online"})", true},
                                                             {R"({"state":"offline"})", false},
                                                             {"online", true},
                                                             {"offline", false}}) {
        auto res = r.decode("zigbee2mqtt/hall_pir/availability", payload, t0);
        ASSERT_EQ(res.inputs.size(), 1u) << payload;
        EXPECT_EQ(std::get<availability_change>(res.inputs[0]), (availability_change{"hall", online, t0}));
    }
    auto bad = r.decode("zigbee2mqtt/hall_pir/availability", R"({"state":"maybe"})", t0);
    EXPECT_EQ(bad.dropped, drop_reason::unexpected);
}

TEST(Zigbee2mqtt, BridgeStateInBothFormsOncePerBridge) {
    router r({spec("hall", sensor_kind::motion, source_type::zigbee2mqtt, "zigbee2mqtt/hall_pir"),
              spec("door", sensor_kind::door, source_type::zigbee2mqtt, "zigbee2mqtt/front_door")});
    for (auto [payload, online] : std::initializer_list<std::pair<const char*, bool>>{
             {R"({"state":"offline"})", false}, {"online", true}, {"offline", false}}) {
        auto res = r.decode("zigbee2mqtt/bridge/state", payload, t0);
        ASSERT_EQ(res.inputs.size(), 1u) << payload;
        EXPECT_EQ(std::get<bridge_change>(res.inputs[0]), (bridge_change{"zigbee2mqtt", online, t0}));
    }
}

TEST(Zigbee2mqtt, WrongTypedPrimaryDropsTheMessage) {
    router r({spec("hall", sensor_kind::motion, source_type::zigbee2mqtt, "zigbee2mqtt/hall_pir")});
    auto res = r.decode("zigbee2mqtt/hall_pir", R"({"occupancy":"yes","battery":90})", t0);
    EXPECT_EQ(res.dropped, drop_reason::wrong_type);
    EXPECT_TRUE(res.inputs.empty());
    EXPECT_EQ(r.stats().wrong_type, 1u);
}

TEST(Zigbee2mqtt, WrongTypedBatteryIsIgnoredButCounted) {
    router r({spec("hall", sensor_kind::motion, source_type::zigbee2mqtt, "zigbee2mqtt/hall_pir")});
    auto res =
        r.decode("zigbee2mqtt/hall_pir", R"({"occupancy":true,"battery":"full","linkquality":"x"})", t0);
    auto ev = only_event(res);
    EXPECT_EQ(ev.signal, warden::signal::active);
    EXPECT_FALSE(ev.battery);
    EXPECT_FALSE(ev.link);
    EXPECT_FALSE(res.detail.empty());
    EXPECT_EQ(r.stats().wrong_type, 1u);
}

TEST(Zigbee2mqtt, FieldPicksAnotherAttribute) {
    auto s = spec("chair", sensor_kind::chair, source_type::zigbee2mqtt, "zigbee2mqtt/chair");
    s.field = "vibration";
    router r({s});
    EXPECT_EQ(sig(r, "zigbee2mqtt/chair", R"({"vibration":true,"occupancy":false})"), warden::signal::active);
    EXPECT_EQ(sig(r, "zigbee2mqtt/chair", R"({"occupancy":true})"), warden::signal::none);
}

// ---------------------------------------------------------------- tasmota

TEST(Tasmota, BothSwitchForms) {
    router r({spec("kitchen", sensor_kind::motion, source_type::tasmota, "tasmota_kitchen")});
    EXPECT_EQ(sig(r, "tele/tasmota_kitchen/SENSOR", fixture("tasmota/sensor_switches.json")),
              warden::signal::active);
    EXPECT_EQ(sig(r, "tele/tasmota_kitchen/SENSOR", R"({"Time":"2026-11-28T12:00:01","Switch1":"OFF"})"),
              warden::signal::inactive);
    EXPECT_EQ(sig(r, "stat/tasmota_kitchen/RESULT", fixture("tasmota/result_switch_action.json")),
              warden::signal::active);
    EXPECT_EQ(sig(r, "stat/tasmota_kitchen/RESULT", R"({"Switch1":{"Action":"OFF"}})"),
              warden::signal::inactive);
}

TEST(Tasmota, FieldPicksSwitch2) {
    auto s = spec("back", sensor_kind::door, source_type::tasmota, "tasmota_doors");
    s.field = "Switch2";
    router r({s});
    EXPECT_EQ(sig(r, "tele/tasmota_doors/SENSOR", fixture("tasmota/sensor_switches.json")),
              warden::signal::inactive);
    EXPECT_EQ(sig(r, "stat/tasmota_doors/RESULT", R"({"Switch2":{"Action":"ON"}})"), warden::signal::active);
    EXPECT_EQ(sig(r, "stat/tasmota_doors/RESULT", R"({"Switch1":{"Action":"ON"}})"), warden::signal::none);
}

TEST(Tasmota, TemperatureFromTheFirstSensorOrTheField) {
    router r({spec("t", sensor_kind::temperature, source_type::tasmota, "tasmota_t")});
    EXPECT_EQ(only_event(r.decode("tele/tasmota_t/SENSOR", fixture("tasmota/sensor_ds18b20.json"), t0)).value,
              21.5);
    EXPECT_EQ(only_event(r.decode("tele/tasmota_t/SENSOR", fixture("tasmota/sensor_am2301.json"), t0)).value,
              19.4);
    // The first sensor in the message, not the first in alphabetical order, and never the ESP32 chip.
    auto order = only_event(r.decode(
        "tele/tasmota_t/SENSOR",
        R"({"Time":"2026-11-28T12:00:00","ESP32":{"Temperature":47.8},"SHT3X":{"Temperature":6.5,"Humidity":70},"BME280":{"Temperature":30.0},"TempUnit":"C"})",
        t0));
    EXPECT_EQ(order.value, 6.5);
    auto f = only_event(
        r.decode("tele/tasmota_t/SENSOR", R"({"DS18B20":{"Temperature":50.0},"TempUnit":"F"})", t0));
    ASSERT_TRUE(f.value);
    EXPECT_NEAR(*f.value, 10.0, 1e-9);

    auto s = spec("t2", sensor_kind::temperature, source_type::tasmota, "tasmota_t2");
    s.field = "DS18B20-2.Temperature";
    router two({s});
    auto ev = only_event(two.decode(
        "tele/tasmota_t2/SENSOR",
        R"({"DS18B20-1":{"Temperature":30.0},"DS18B20-2":{"Temperature":4.5},"TempUnit":"C"})", t0));
    EXPECT_EQ(ev.value, 4.5);
}

TEST(Tasmota, ButtonsRelaysAndTheStateTelemetry) {
    router b({spec("checkin", sensor_kind::button, source_type::tasmota, "tasmota_btn")});
    EXPECT_EQ(sig(b, "stat/tasmota_btn/RESULT", fixture("tasmota/result_button_action.json")),
              warden::signal::active);
    EXPECT_EQ(sig(b, "stat/tasmota_btn/RESULT", R"({"Button1":{"Action":"CLEAR"}})"), warden::signal::none);
    router p({spec("heater", sensor_kind::power, source_type::tasmota, "tasmota_plug")});
    EXPECT_EQ(sig(p, "stat/tasmota_plug/RESULT", R"({"POWER":"ON"})"), warden::signal::active);
    auto ev = only_event(p.decode("tele/tasmota_plug/STATE", fixture("tasmota/state.json"), t0));
    EXPECT_EQ(ev.signal, warden::signal::active);
    EXPECT_EQ(ev.link, 70);
}

TEST(Tasmota, LastWill) {
    router r({spec("kitchen", sensor_kind::motion, source_type::tasmota, "tasmota_kitchen")});
    auto off = r.decode("tele/tasmota_kitchen/LWT", "Offline", t0);
    ASSERT_EQ(off.inputs.size(), 1u);
    EXPECT_EQ(std::get<availability_change>(off.inputs[0]), (availability_change{"kitchen", false, t0}));
    auto on = r.decode("tele/tasmota_kitchen/LWT", "Online", t0);
    ASSERT_EQ(on.inputs.size(), 1u);
    EXPECT_TRUE(std::get<availability_change>(on.inputs[0]).online);
}

TEST(Tasmota, WrongTypedSwitchIsDropped) {
    router r({spec("kitchen", sensor_kind::motion, source_type::tasmota, "tasmota_kitchen")});
    auto res = r.decode("tele/tasmota_kitchen/SENSOR", R"({"Switch1":{"Action":[1]}})", t0);
    EXPECT_EQ(res.dropped, drop_reason::wrong_type);
}

// ---------------------------------------------------------------- esphome

TEST(Esphome, BinaryAndNumericStates) {
    router r(
        {spec("bed", sensor_kind::bed, source_type::esphome, "bedroom/binary_sensor/bed_pad/state"),
         spec("temp", sensor_kind::temperature, source_type::esphome, "bedroom/sensor/temperature/state")});
    EXPECT_EQ(sig(r, "bedroom/binary_sensor/bed_pad/state", "ON"), warden::signal::active);
    EXPECT_EQ(sig(r, "bedroom/binary_sensor/bed_pad/state", "OFF"), warden::signal::inactive);
    EXPECT_EQ(only_event(r.decode("bedroom/sensor/temperature/state", "18.25", t0)).value, 18.25);
    EXPECT_EQ(r.decode("bedroom/sensor/temperature/state", "nan", t0).dropped, drop_reason::wrong_type);
    EXPECT_EQ(r.decode("bedroom/binary_sensor/bed_pad/state", "maybe", t0).dropped, drop_reason::wrong_type);
}

TEST(Esphome, PendantPressesOnOffToOn) {
    router r({spec("cord", sensor_kind::pull_cord, source_type::esphome, "bath/binary_sensor/cord/state")});
    EXPECT_EQ(sig(r, "bath/binary_sensor/cord/state", "ON"), warden::signal::active);
    // ESPHome re-publishes every state when it reconnects: not a second pull.
    EXPECT_EQ(sig(r, "bath/binary_sensor/cord/state", "ON"), warden::signal::none);
    EXPECT_EQ(sig(r, "bath/binary_sensor/cord/state", "OFF"), warden::signal::none);
    EXPECT_EQ(sig(r, "bath/binary_sensor/cord/state", "ON"), warden::signal::active);
}

TEST(Esphome, StatusTopicSetsEverySensorOfTheNode) {
    router r(
        {spec("bed", sensor_kind::bed, source_type::esphome, "bedroom/binary_sensor/bed_pad/state"),
         spec("temp", sensor_kind::temperature, source_type::esphome, "bedroom/sensor/temperature/state"),
         spec("other", sensor_kind::motion, source_type::esphome, "hall/binary_sensor/pir/state")});
    auto res = r.decode("bedroom/status", "offline", t0);
    ASSERT_EQ(res.inputs.size(), 2u);
    EXPECT_EQ(std::get<availability_change>(res.inputs[0]), (availability_change{"bed", false, t0}));
    EXPECT_EQ(std::get<availability_change>(res.inputs[1]), (availability_change{"temp", false, t0}));
    EXPECT_EQ(r.decode("bedroom/status", "online", t0).inputs.size(), 2u);
}

TEST(Esphome, PowerOverThresholdFromASensor) {
    auto s = spec("kettle", sensor_kind::power, source_type::esphome, "kitchen/sensor/kettle_power/state");
    s.threshold = 500;
    router r({s});
    EXPECT_EQ(sig(r, "kitchen/sensor/kettle_power/state", "2150.4"), warden::signal::active);
    EXPECT_EQ(sig(r, "kitchen/sensor/kettle_power/state", "1.2"), warden::signal::inactive);
}

// ---------------------------------------------------------------- shelly

TEST(ShellyGen1, DoorFloodMotionTemperatureBattery) {
    router r({spec("door", sensor_kind::door, source_type::shelly, "shellies/shellydw2-1"),
              spec("flood", sensor_kind::flood, source_type::shelly, "shellies/shellyflood-1"),
              spec("pir", sensor_kind::motion, source_type::shelly, "shellies/shellymotion-1"),
              spec("temp", sensor_kind::temperature, source_type::shelly, "shellies/shellyht-1")});
    EXPECT_EQ(sig(r, "shellies/shellydw2-1/sensor/state", "open"), warden::signal::active);
    EXPECT_EQ(sig(r, "shellies/shellydw2-1/sensor/state", "close"), warden::signal::inactive);
    EXPECT_EQ(sig(r, "shellies/shellyflood-1/sensor/flood", "true"), warden::signal::active);
    EXPECT_EQ(sig(r, "shellies/shellyflood-1/sensor/flood", "false"), warden::signal::inactive);
    EXPECT_EQ(sig(r, "shellies/shellymotion-1/sensor/motion", "1"), warden::signal::active);
    EXPECT_EQ(sig(r, "shellies/shellymotion-1/sensor/motion", "false"), warden::signal::inactive);
    EXPECT_EQ(only_event(r.decode("shellies/shellyht-1/sensor/temperature", "19.75", t0)).value, 19.75);
    auto batt = only_event(r.decode("shellies/shellyflood-1/sensor/battery", "7", t0));
    EXPECT_EQ(batt.signal, warden::signal::none);
    EXPECT_EQ(batt.battery, 7);
    // Other subtopics are signs of life only.
    EXPECT_EQ(sig(r, "shellies/shellyflood-1/sensor/temperature", "21.0"), warden::signal::none);
    EXPECT_EQ(sig(r, "shellies/shellyflood-1/sensor/act_reasons", R"(["sensor"])"), warden::signal::none);
}

TEST(ShellyGen1, OnlineButtonAndRelay) {
    router r({spec("door", sensor_kind::door, source_type::shelly, "shellies/shellydw2-1"),
              spec("call", sensor_kind::pendant, source_type::shelly, "shellies/shellybutton1-1"),
              spec("tv", sensor_kind::power, source_type::shelly, "shellies/shellyplug-s-1")});
    auto off = r.decode("shellies/shellydw2-1/online", "false", t0);
    ASSERT_EQ(off.inputs.size(), 1u);
    EXPECT_EQ(std::get<availability_change>(off.inputs[0]), (availability_change{"door", false, t0}));
    EXPECT_EQ(sig(r, "shellies/shellybutton1-1/input_event/0", fixture("shelly/gen1_input_event.json")),
              warden::signal::active);
    EXPECT_EQ(sig(r, "shellies/shellyplug-s-1/relay/0", "on"), warden::signal::active);
    EXPECT_EQ(sig(r, "shellies/shellyplug-s-1/relay/0", "off"), warden::signal::inactive);
    EXPECT_EQ(sig(r, "shellies/shellyplug-s-1/relay/0/power", "12.5"), warden::signal::none);
}

TEST(ShellyGen2, NotifyStatusComponents) {
    router r({spec("door", sensor_kind::door, source_type::shelly, "shellyplusi4-a8032ab12345"),
              spec("flood", sensor_kind::flood, source_type::shelly, "shellyflood-a8032ab12345"),
              spec("smoke", sensor_kind::smoke, source_type::shelly, "shellyplussmoke-a8032ab12345"),
              spec("temp", sensor_kind::temperature, source_type::shelly, "shellyplusht-a8032ab12345")});
    EXPECT_EQ(sig(r, "shellyplusi4-a8032ab12345/events/rpc", fixture("shelly/gen2_input_on.json")),
              warden::signal::active);
    EXPECT_EQ(sig(r, "shellyflood-a8032ab12345/events/rpc", fixture("shelly/gen2_flood_alarm.json")),
              warden::signal::active);
    EXPECT_EQ(sig(r, "shellyplussmoke-a8032ab12345/events/rpc", fixture("shelly/gen2_smoke_alarm.json")),
              warden::signal::active);
    auto ht = only_event(
        r.decode("shellyplusht-a8032ab12345/events/rpc", fixture("shelly/gen2_ht_status.json"), t0));
    EXPECT_EQ(ht.value, 21.3);
    EXPECT_EQ(ht.battery, 80);
    EXPECT_EQ(sig(r, "shellyplusi4-a8032ab12345/status/input:0", R"({"id":0,"state":false})"),
              warden::signal::inactive);
    auto online = r.decode("shellyflood-a8032ab12345/online", "true", t0);
    ASSERT_EQ(online.inputs.size(), 1u);
    EXPECT_EQ(std::get<availability_change>(online.inputs[0]), (availability_change{"flood", true, t0}));
}

TEST(ShellyGen2, ButtonEventsAndSwitchStatus) {
    router r({spec("checkin", sensor_kind::button, source_type::shelly, "shellyplusi4-a8032ab12345"),
              spec("tv", sensor_kind::power, source_type::shelly, "shellyplusplugs-1")});
    EXPECT_EQ(sig(r, "shellyplusi4-a8032ab12345/events/rpc", fixture("shelly/gen2_single_push.json")),
              warden::signal::active);
    EXPECT_EQ(
        sig(r, "shellyplusi4-a8032ab12345/events/rpc",
            R"({"method":"NotifyEvent","params":{"ts":1.0,"events":[{"component":"input:0","id":0,"event":"btn_down"}]}})"),
        warden::signal::none);
    EXPECT_EQ(sig(r, "shellyplusplugs-1/status/switch:0", fixture("shelly/gen2_status_switch.json")),
              warden::signal::active);
    EXPECT_EQ(r.decode("shellyplusplugs-1/events/rpc", R"({"params":{}})", t0).dropped,
              drop_reason::unexpected);
}

TEST(ShellyGen2, FieldPicksComponentAndAttribute) {
    auto s = spec("kettle", sensor_kind::power, source_type::shelly, "shellyplusplugs-1");
    s.field = "switch:0.apower";
    s.threshold = 1000;
    router r({s});
    EXPECT_EQ(sig(r, "shellyplusplugs-1/status/switch:0", fixture("shelly/gen2_status_switch.json")),
              warden::signal::inactive);
    EXPECT_EQ(sig(r, "shellyplusplugs-1/status/switch:0", R"({"id":0,"output":true,"apower":2100})"),
              warden::signal::active);
}

// ---------------------------------------------------------------- json

TEST(JsonSource, FieldAndActive) {
    auto s = spec("door", sensor_kind::door, source_type::json, "home/hall/door");
    s.field = "state.door";
    s.active = "ON";
    router r({s});
    EXPECT_EQ(sig(r, "home/hall/door", R"({"state":{"door":"ON"}})"), warden::signal::active);
    EXPECT_EQ(sig(r, "home/hall/door", R"({"state":{"door":"off"}})"), warden::signal::inactive);
    EXPECT_EQ(sig(r, "home/hall/door", R"({"other":1})"), warden::signal::none);

    auto b = spec("bed", sensor_kind::bed, source_type::json, "home/bed");
    b.field = "occupied";
    b.active = "true";
    router rb({b});
    EXPECT_EQ(sig(rb, "home/bed", R"({"occupied":true})"), warden::signal::active);
    EXPECT_EQ(sig(rb, "home/bed", R"({"occupied":false})"), warden::signal::inactive);

    auto n = spec("pir", sensor_kind::motion, source_type::json, "home/pir");
    n.field = "motion";
    n.active = "1";
    router rn({n});
    EXPECT_EQ(sig(rn, "home/pir", R"({"motion":1})"), warden::signal::active);
    EXPECT_EQ(sig(rn, "home/pir", R"({"motion":0})"), warden::signal::inactive);
    auto w = spec("leak", sensor_kind::flood, source_type::json, "home/leak");
    w.field = "wet";
    w.active = "on";
    router rw({w});
    EXPECT_EQ(sig(rw, "home/leak", R"({"wet":1})"), warden::signal::active);
    EXPECT_EQ(sig(rw, "home/leak", R"({"wet":true})"), warden::signal::active);
    EXPECT_EQ(sig(rw, "home/leak", R"({"wet":"ON"})"), warden::signal::active);
    EXPECT_EQ(sig(rw, "home/leak", R"({"wet":0})"), warden::signal::inactive);
}

TEST(JsonSource, ThresholdAndTemperature) {
    auto s = spec("kettle", sensor_kind::power, source_type::json, "home/kettle");
    s.field = "power.w";
    s.threshold = 100;
    auto t = spec("temp", sensor_kind::temperature, source_type::json, "home/temp");
    t.field = "t";
    router r({s, t});
    EXPECT_EQ(sig(r, "home/kettle", R"({"power":{"w":100}})"), warden::signal::active);
    EXPECT_EQ(sig(r, "home/kettle", R"({"power":{"w":99.9}})"), warden::signal::inactive);
    EXPECT_EQ(only_event(r.decode("home/temp", R"({"t":-3.5})", t0)).value, -3.5);
    EXPECT_EQ(r.decode("home/temp", R"({"t":"cold"})", t0).dropped, drop_reason::wrong_type);
}

TEST(JsonSource, WildcardTopic) {
    auto s = spec("any-door", sensor_kind::door, source_type::json, "home/+/door");
    s.field = "open";
    router r({s});
    EXPECT_EQ(r.subscriptions(), std::vector<std::string>{"home/+/door"});
    EXPECT_EQ(sig(r, "home/hall/door", R"({"open":true})"), warden::signal::active);
    EXPECT_EQ(r.decode("home/hall/window", R"({"open":true})", t0).dropped, drop_reason::unknown_topic);
    EXPECT_EQ(r.decode("home/a/b/door", R"({"open":true})", t0).dropped, drop_reason::unknown_topic);
    auto all = spec("all", sensor_kind::motion, source_type::json, "pir/#");
    all.field = "m";
    router ra({all});
    EXPECT_EQ(sig(ra, "pir/x/y", R"({"m":1})"), warden::signal::active);
    EXPECT_EQ(ra.decode("$SYS/pir", "{}", t0).dropped, drop_reason::unknown_topic);
}

// Tasmota's PIR recipe publishes plain ON/OFF (docs/PIR-Motion-Sensors.md: publish stat/%topic%/PIR1 ON).
TEST(JsonSource, PlainTextIsTheWholeValueOnly) {
    auto s = spec("pir", sensor_kind::motion, source_type::json, "stat/tasmota/PIR1");
    s.field = "";
    s.active = "ON";
    router r({s});
    EXPECT_EQ(sig(r, "stat/tasmota/PIR1", "ON"), warden::signal::active);
    EXPECT_EQ(sig(r, "stat/tasmota/PIR1", "OFF"), warden::signal::inactive);
    EXPECT_EQ(r.decode("stat/tasmota/PIR1", "{\"broken", t0).dropped, drop_reason::malformed);
    auto f = spec("door", sensor_kind::door, source_type::json, "home/door");
    f.field = "state";
    f.active = "ON";
    router rf({f});
    EXPECT_EQ(rf.decode("home/door", "ON", t0).dropped, drop_reason::malformed) << "a field needs JSON";
}

TEST(Tasmota, RulePublishedFieldTopic) {
    auto s = spec("pir", sensor_kind::motion, source_type::tasmota, "tasmota");
    s.field = "PIR1";
    router r({s});
    auto subs = r.subscriptions();
    EXPECT_NE(std::find(subs.begin(), subs.end(), "stat/tasmota/PIR1"), subs.end());
    EXPECT_EQ(sig(r, "stat/tasmota/PIR1", "ON"), warden::signal::active);
    EXPECT_EQ(sig(r, "stat/tasmota/PIR1", "OFF"), warden::signal::inactive);
}

TEST(JsonSource, TwoSensorsOnOneTopic) {
    auto a = spec("a", sensor_kind::door, source_type::json, "home/multi");
    a.field = "a";
    a.active = "open";
    auto b = spec("b", sensor_kind::motion, source_type::json, "home/multi");
    b.field = "b";
    b.active = "true";
    router r({a, b});
    auto res = r.decode("home/multi", R"({"a":"open","b":false})", t0);
    ASSERT_EQ(res.inputs.size(), 2u);
    EXPECT_EQ(std::get<sensor_event>(res.inputs[0]).signal, warden::signal::active);
    EXPECT_EQ(std::get<sensor_event>(res.inputs[1]).signal, warden::signal::inactive);
}

// ---------------------------------------------------------------- garbage

TEST(Garbage, TableOfBadPayloadsOnAZigbeeSensor) {
    std::string nested(10000, '[');
    nested += std::string(10000, ']');
    std::string nested_obj;
    for (int i = 0; i < 10000; ++i) nested_obj += R"({"a":)";
    nested_obj += "1" + std::string(10000, '}');
    std::string big = R"({"occupancy":true,"pad":")" + std::string(70 * 1024, 'x') + R"("})";
    std::string binary("\x00\xff\xfe{\x01\x80\"occupancy\":true}", 20);
    struct row {
        std::string name;
        std::string payload;
        drop_reason want;
    };
    std::vector<row> rows = {
        {"empty", "", drop_reason::malformed},
        {"null", "null", drop_reason::unexpected},
        {"empty array", "[]", drop_reason::unexpected},
        {"string", R"("x")", drop_reason::unexpected},
        {"number", "42", drop_reason::unexpected},
        {"truncated", R"({"occupancy":tr)", drop_reason::malformed},
        {"truncated object", R"({"occupancy":true,)", drop_reason::malformed},
        {"70 KiB", big, drop_reason::oversized},
        {"binary", binary, drop_reason::malformed},
        {"invalid utf-8", "{\"occupancy\":true,\"n\":\"\xc3\x28\"}", drop_reason::malformed},
        {"wrong type", R"({"occupancy":"yes"})", drop_reason::wrong_type},
        {"object where bool", R"({"occupancy":{"v":true}})", drop_reason::wrong_type},
        {"nested arrays 10000 deep", nested, drop_reason::malformed},
        {"nested objects 10000 deep", nested_obj, drop_reason::malformed},
        {"battery 1e999", R"({"battery":1e999})", drop_reason::malformed},
        {"NaN", R"({"occupancy":NaN})", drop_reason::malformed},
    };
    for (const auto& [name, payload, want] : rows) {
        router r({spec("hall", sensor_kind::motion, source_type::zigbee2mqtt, "zigbee2mqtt/hall_pir")});
        decode_result res;
        ASSERT_NO_THROW(res = r.decode("zigbee2mqtt/hall_pir", payload, t0)) << name;
        EXPECT_FALSE(any_active(res)) << name;
        EXPECT_TRUE(res.inputs.empty()) << name;
        EXPECT_EQ(res.dropped, want) << name << ": " << res.detail;
        EXPECT_FALSE(res.detail.empty()) << name;
        EXPECT_EQ(res.detail.find("occupancy\":"), std::string::npos) << "the payload is not logged";
        const auto& st = r.stats();
        EXPECT_EQ(st.messages, 1u) << name;
        EXPECT_EQ(drops(st), 1u) << name;
        EXPECT_EQ(st.inputs, 0u) << name;
        switch (want) {
            case drop_reason::malformed:
                EXPECT_EQ(st.malformed, 1u) << name;
                break;
            case drop_reason::unexpected:
                EXPECT_EQ(st.unexpected, 1u) << name;
                break;
            case drop_reason::oversized:
                EXPECT_EQ(st.oversized, 1u) << name;
                break;
            case drop_reason::wrong_type:
                EXPECT_EQ(st.wrong_type, 1u) << name;
                break;
            default:
                FAIL() << name;
        }
    }
}

TEST(Garbage, HugeNumbersAreReadSafely) {
    router r({spec("hall", sensor_kind::motion, source_type::zigbee2mqtt, "zigbee2mqtt/hall_pir"),
              spec("t", sensor_kind::temperature, source_type::zigbee2mqtt, "zigbee2mqtt/t")});
    auto res = r.decode("zigbee2mqtt/hall_pir", R"({"battery":1e300,"linkquality":-1e300})", t0);
    auto ev = only_event(res);
    EXPECT_FALSE(ev.battery);
    EXPECT_FALSE(ev.link);
    EXPECT_EQ(r.stats().wrong_type, 1u);
    EXPECT_EQ(r.decode("zigbee2mqtt/t", R"({"temperature":"hot"})", t0).dropped, drop_reason::wrong_type);
}

TEST(Garbage, NoSourceRaisesAnAlarmFromGarbage) {
    std::vector<config::sensor_spec> sensors = {
        spec("a", sensor_kind::pendant, source_type::zigbee2mqtt, "zigbee2mqtt/a"),
        spec("b", sensor_kind::smoke, source_type::tasmota, "tas_b"),
        spec("c", sensor_kind::flood, source_type::esphome, "node/binary_sensor/leak/state"),
        spec("d", sensor_kind::flood, source_type::shelly, "shellies/shellyflood-d"),
        spec("e", sensor_kind::smoke, source_type::shelly, "shellyplussmoke-e"),
        spec("f", sensor_kind::co, source_type::json, "home/co"),
    };
    sensors.back().field = "co.alarm";
    sensors.back().active = "true";
    std::vector<std::string> topics = {"zigbee2mqtt/a",
                                       "zigbee2mqtt/a/availability",
                                       "zigbee2mqtt/bridge/state",
                                       "tele/tas_b/SENSOR",
                                       "stat/tas_b/RESULT",
                                       "tele/tas_b/LWT",
                                       "node/binary_sensor/leak/state",
                                       "node/status",
                                       "shellies/shellyflood-d/sensor/flood",
                                       "shellies/shellyflood-d/online",
                                       "shellyplussmoke-e/events/rpc",
                                       "shellyplussmoke-e/status/smoke:0",
                                       "home/co"};
    std::string nested(10000, '{');
    std::vector<std::string> garbage = {"",
                                        "null",
                                        "[]",
                                        R"("x")",
                                        "{\"a\":",
                                        std::string(70 * 1024, '1'),
                                        std::string("\x00\x01\x02\xff", 4),
                                        nested,
                                        R"({"battery":1e999})",
                                        R"({"params":[]})",
                                        R"({"method":"NotifyStatus","params":{"smoke:0":true}})",
                                        R"({"Switch1":{"Action":{"x":1}}})",
                                        "maybe"};
    router r(sensors);
    std::mt19937 rng(42);
    for (int i = 0; i < 300; ++i) {
        std::string noise(rng() % 64, '\0');
        for (auto& c : noise) c = static_cast<char>(rng() % 256);
        garbage.push_back(noise);
    }
    std::uint64_t sent = 0;
    for (const auto& t : topics)
        for (const auto& g : garbage) {
            decode_result res;
            ASSERT_NO_THROW(res = r.decode(t, g, t0)) << t;
            ++sent;
            EXPECT_FALSE(any_active(res)) << t << " <- " << g.substr(0, 40);
        }
    EXPECT_EQ(r.stats().messages, sent);
}

TEST(Garbage, RandomlyTypedAttributesNeverEscapeAsExceptions) {
    // Well-formed JSON with the attribute names the adapters read, each given a random type: every
    // message is either used or dropped with a reason, never by an exception caught at the edge.
    std::vector<config::sensor_spec> sensors;
    for (auto kind : {sensor_kind::pendant, sensor_kind::door, sensor_kind::temperature, sensor_kind::power,
                      sensor_kind::fall, sensor_kind::bed}) {
        std::string k(to_string(kind));
        sensors.push_back(spec("z-" + k, kind, source_type::zigbee2mqtt, "zigbee2mqtt/" + k));
        sensors.push_back(spec("t-" + k, kind, source_type::tasmota, "tas_" + k));
        sensors.push_back(spec("s-" + k, kind, source_type::shelly, "shelly-" + k));
        auto j = spec("j-" + k, kind, source_type::json, "json/" + k);
        j.field = "a.b";
        sensors.push_back(j);
    }
    router r(sensors);
    const std::vector<std::string> keys = {"action",
                                           "sos",
                                           "contact",
                                           "occupancy",
                                           "presence",
                                           "temperature",
                                           "state",
                                           "power",
                                           "fall",
                                           "battery",
                                           "battery_low",
                                           "tamper",
                                           "linkquality",
                                           "Switch1",
                                           "Button1",
                                           "POWER",
                                           "DS18B20",
                                           "Wifi",
                                           "TempUnit",
                                           "a",
                                           "b",
                                           "method",
                                           "params",
                                           "input:0",
                                           "switch:0",
                                           "temperature:0",
                                           "devicepower:0",
                                           "events",
                                           "component",
                                           "event",
                                           "Action",
                                           "Temperature",
                                           "RSSI",
                                           "battery.percent"};
    std::mt19937 rng(7);
    std::function<nlohmann::json(int)> value = [&](int depth) -> nlohmann::json {
        switch (rng() % (depth > 3 ? 7 : 9)) {
            case 0:
                return nullptr;
            case 1:
                return rng() % 2 == 0;
            case 2:
                return static_cast<int>(rng() % 300) - 100;
            case 3:
                return (static_cast<double>(rng()) - 2e9) * 1e290;
            case 4:
                return std::vector<std::string>{"ON",           "OFF",         "single", "",
                                                "open",         "true",        "nan",    "NotifyEvent",
                                                "NotifyStatus", "single_push", "F"}[rng() % 11];
            case 5:
                return static_cast<std::uint64_t>(rng()) << 32;
            case 6:
                return -0.0;
            case 7: {
                nlohmann::json o = nlohmann::json::object();
                for (int i = 0, n = static_cast<int>(rng() % 5); i < n; ++i)
                    o[keys[rng() % keys.size()]] = value(depth + 1);
                return o;
            }
            default: {
                nlohmann::json a = nlohmann::json::array();
                for (int i = 0, n = static_cast<int>(rng() % 4); i < n; ++i) a.push_back(value(depth + 1));
                return a;
            }
        }
    };
    std::vector<std::string> topics;
    for (const auto& f : r.subscriptions()) {
        auto t = f;
        if (t.ends_with("/#")) {
            t.resize(t.size() - 2);
            for (auto sub : {"/input:0", "/switch:0", "/devicepower:0"}) topics.push_back(t + sub);
        } else {
            topics.push_back(t);
        }
    }
    std::uint64_t sent = 0;
    for (int i = 0; i < 3000; ++i) {
        nlohmann::json doc = nlohmann::json::object();
        for (int k = 0, n = 1 + static_cast<int>(rng() % 6); k < n; ++k)
            doc[keys[rng() % keys.size()]] = value(1);
        const auto& topic = topics[rng() % topics.size()];
        decode_result res;
        ASSERT_NO_THROW(res = r.decode(topic, doc.dump(), t0));
        ++sent;
        EXPECT_EQ(res.detail.find("could not decode"), std::string::npos) << topic << " " << doc.dump();
    }
    EXPECT_EQ(r.stats().messages, sent);
}

TEST(Garbage, UnknownTopicIsCounted) {
    router r({spec("hall", sensor_kind::motion, source_type::zigbee2mqtt, "zigbee2mqtt/hall_pir")});
    auto res = r.decode("zigbee2mqtt/kitchen_pir", R"({"occupancy":true})", t0);
    EXPECT_EQ(res.dropped, drop_reason::unknown_topic);
    EXPECT_TRUE(res.inputs.empty());
    EXPECT_EQ(r.stats().unknown_topic, 1u);
    EXPECT_EQ(to_string(drop_reason::unknown_topic), "unknown_topic");
}

TEST(Stats, CountMessagesAndInputs) {
    router r({spec("hall", sensor_kind::motion, source_type::zigbee2mqtt, "zigbee2mqtt/hall_pir")});
    r.decode("zigbee2mqtt/hall_pir", R"({"occupancy":true})", t0);
    r.decode("zigbee2mqtt/hall_pir/availability", "online", t0);
    r.decode("zigbee2mqtt/hall_pir", "{", t0);
    EXPECT_EQ(r.stats().messages, 3u);
    EXPECT_EQ(r.stats().inputs, 2u);
    EXPECT_EQ(r.stats().malformed, 1u);
    router moved = std::move(r);
    EXPECT_EQ(moved.stats().messages, 3u);
    EXPECT_EQ(moved.decode("zigbee2mqtt/hall_pir", R"({"occupancy":false})", t0).inputs.size(), 1u);
}

// ---------------------------------------------------------------- defaults and simulate

TEST(Defaults, ReportEveryPerSource) {
    EXPECT_EQ(default_report_every(source_type::zigbee2mqtt), 25h);
    EXPECT_EQ(default_report_every(source_type::tasmota), 1h);
    // ESPHome publishes binary sensors on change only; a quiet pendant must not go offline after an
    // hour. Its <prefix>/status last will reports a device that really dropped.
    EXPECT_EQ(default_report_every(source_type::esphome), std::nullopt);
    EXPECT_EQ(default_report_every(source_type::shelly), 25h);
    EXPECT_EQ(default_report_every(source_type::json), std::nullopt);
}

TEST(Registry, EverySourceHasOneDescriptorWithItsDiscovery) {
    const auto all = source_discoveries();
    for (auto src : {source_type::zigbee2mqtt, source_type::tasmota, source_type::esphome,
                     source_type::shelly, source_type::json}) {
        auto n = std::count_if(all.begin(), all.end(), [&](const auto* d) { return d->source == src; });
        EXPECT_EQ(n, 1) << to_string(src);
    }
    EXPECT_EQ(all.size(), 5u);
    for (const auto* d : all) {
        ASSERT_TRUE(d->filters && d->sensor_filters && d->recognise) << to_string(d->source);
        // A topic of no source's layout is nobody's.
        EXPECT_FALSE(d->recognise("nobody", "{}", {})) << to_string(d->source);
    }
}

namespace {

const sensor_kind all_kinds[] = {
    sensor_kind::pendant,     sensor_kind::pull_cord, sensor_kind::fall,   sensor_kind::smoke,
    sensor_kind::heat,        sensor_kind::co,        sensor_kind::gas,    sensor_kind::flood,
    sensor_kind::epilepsy,    sensor_kind::enuresis,  sensor_kind::motion, sensor_kind::door,
    sensor_kind::bed,         sensor_kind::chair,     sensor_kind::button, sensor_kind::power,
    sensor_kind::temperature,
};

/// A plausible sensor of that kind on that source (json and shelly gen1 need a field for some kinds).
std::vector<config::sensor_spec> sensors_for(source_type src, sensor_kind kind) {
    std::vector<config::sensor_spec> out;
    std::string k(to_string(kind));
    switch (src) {
        case source_type::zigbee2mqtt:
            out.push_back(spec(k, kind, src, "zigbee2mqtt/" + k + "_dev"));
            break;
        case source_type::tasmota:
            out.push_back(spec(k, kind, src, "tasmota_" + k));
            break;
        case source_type::esphome: {
            bool numeric = kind == sensor_kind::temperature;
            out.push_back(
                spec(k, kind, src,
                     "node/" + std::string(numeric ? "sensor" : "binary_sensor") + "/" + k + "/state"));
            break;
        }
        case source_type::shelly: {
            auto gen2 = spec(k, kind, src, "shelly-" + k + "-a8032a");
            out.push_back(gen2);
            auto gen1 = spec(k, kind, src, "shellies/shelly-" + k);
            switch (kind) {
                case sensor_kind::bed:
                case sensor_kind::chair:
                case sensor_kind::co:
                case sensor_kind::gas:
                case sensor_kind::epilepsy:
                case sensor_kind::fall:
                    gen1.field = "input/0";
                    break;
                default:
                    break;
            }
            out.push_back(gen1);
            break;
        }
        case source_type::json: {
            auto s = spec(k, kind, src, "home/" + k);
            s.field = "state.value";
            if (kind != sensor_kind::temperature) s.active = "ON";
            out.push_back(s);
            auto t = s;
            t.active.reset();
            t.threshold = 50;
            if (kind != sensor_kind::temperature && !is_momentary_kind(kind)) out.push_back(t);
            break;
        }
    }
    return out;
}

}  // namespace

TEST(Simulate, RoundTripsForEveryKindAndSource) {
    int checked = 0;
    for (auto src : {source_type::zigbee2mqtt, source_type::tasmota, source_type::esphome,
                     source_type::shelly, source_type::json}) {
        for (auto kind : all_kinds) {
            for (const auto& s : sensors_for(src, kind)) {
                router r({s});
                std::vector<std::pair<std::string, std::function<bool(const sensor_input&)>>> cases;
                auto signal_is = [](warden::signal want) {
                    return [want](const sensor_input& in) {
                        auto* ev = std::get_if<sensor_event>(&in);
                        return ev && ev->signal == want;
                    };
                };
                if (kind == sensor_kind::temperature) {
                    cases.push_back({"temperature=8.5", [](const sensor_input& in) {
                                         auto* ev = std::get_if<sensor_event>(&in);
                                         return ev && ev->value && std::abs(*ev->value - 8.5) < 1e-9;
                                     }});
                } else {
                    cases.push_back({std::string(signal_name(kind, warden::signal::active)),
                                     signal_is(warden::signal::active)});
                    if (!is_momentary_kind(kind))
                        cases.push_back({std::string(signal_name(kind, warden::signal::inactive)),
                                         signal_is(warden::signal::inactive)});
                }
                bool has_availability = src != source_type::json;
                if (has_availability) {
                    for (bool online : {false, true})
                        cases.push_back({online ? "online" : "offline", [online](const sensor_input& in) {
                                             auto* a = std::get_if<availability_change>(&in);
                                             return a && a->online == online;
                                         }});
                }
                bool has_battery = (src == source_type::zigbee2mqtt && kind != sensor_kind::power) ||
                                   src == source_type::shelly || src == source_type::json;
                if (has_battery)
                    cases.push_back({"battery-low", [](const sensor_input& in) {
                                         auto* ev = std::get_if<sensor_event>(&in);
                                         bool low = ev && (ev->battery_low == true ||
                                                           (ev->battery && *ev->battery <= 10));
                                         return low && ev->signal == warden::signal::none;
                                     }});
                if (src == source_type::zigbee2mqtt || src == source_type::json)
                    cases.push_back({"tamper", [](const sensor_input& in) {
                                         auto* ev = std::get_if<sensor_event>(&in);
                                         return ev && ev->tamper == true &&
                                                ev->signal == warden::signal::none;
                                     }});
                for (const auto& [event, ok] : cases) {
                    std::vector<std::pair<std::string, std::string>> msgs;
                    ASSERT_NO_THROW(msgs = simulate_payload(s, event))
                        << to_string(kind) << " " << s.topic << " " << event;
                    ASSERT_FALSE(msgs.empty());
                    auto subs = r.subscriptions();
                    for (const auto& [topic, payload] : msgs) {
                        auto res = r.decode(topic, payload, t0);
                        SCOPED_TRACE(s.topic + " " + event + ": " + topic + " " + payload);
                        EXPECT_EQ(res.dropped, drop_reason::none) << res.detail;
                        EXPECT_TRUE(res.detail.empty()) << res.detail;
                        ASSERT_EQ(res.inputs.size(), 1u);
                        EXPECT_TRUE(ok(res.inputs[0]));
                        if (auto* ev = std::get_if<sensor_event>(&res.inputs[0])) {
                            EXPECT_EQ(ev->at, t0);
                        }
                        ++checked;
                    }
                }
            }
        }
    }
    EXPECT_GT(checked, 250);
}

TEST(Simulate, RealisticPayloads) {
    auto door = spec("door", sensor_kind::door, source_type::zigbee2mqtt, "zigbee2mqtt/front_door");
    auto open = simulate_payload(door, "open");
    ASSERT_EQ(open.size(), 1u);
    EXPECT_EQ(open[0].first, "zigbee2mqtt/front_door");
    EXPECT_NE(open[0].second.find(R"("contact":false)"), std::string::npos);
    auto off = simulate_payload(door, "offline");
    EXPECT_EQ(off[0], (std::pair<std::string, std::string>{"zigbee2mqtt/front_door/availability",
                                                           R"({"state":"offline"})"}));
    auto pir = spec("pir", sensor_kind::motion, source_type::tasmota, "tasmota_kitchen");
    EXPECT_EQ(simulate_payload(pir, "active")[0],
              (std::pair<std::string, std::string>{"stat/tasmota_kitchen/RESULT",
                                                   R"({"Switch1":{"Action":"ON"}})"}));
    EXPECT_EQ(simulate_payload(pir, "offline")[0],
              (std::pair<std::string, std::string>{"tele/tasmota_kitchen/LWT", "Offline"}));
    auto bed = spec("bed", sensor_kind::bed, source_type::esphome, "bedroom/binary_sensor/bed_pad/state");
    EXPECT_EQ(simulate_payload(bed, "vacant")[0],
              (std::pair<std::string, std::string>{"bedroom/binary_sensor/bed_pad/state", "OFF"}));
    EXPECT_EQ(simulate_payload(bed, "offline")[0],
              (std::pair<std::string, std::string>{"bedroom/status", "offline"}));
    auto flood = spec("flood", sensor_kind::flood, source_type::shelly, "shellies/shellyflood-demo");
    EXPECT_EQ(simulate_payload(flood, "wet")[0],
              (std::pair<std::string, std::string>{"shellies/shellyflood-demo/sensor/flood", "true"}));
    auto smoke = spec("smoke", sensor_kind::smoke, source_type::zigbee2mqtt, "zigbee2mqtt/smoke_hall");
    EXPECT_NE(simulate_payload(smoke, "smoke")[0].second.find(R"("smoke":true)"), std::string::npos);
}

TEST(Simulate, PowerReadingsRoundTripOnEverySource) {
    std::vector<config::sensor_spec> all = {
        spec("z", sensor_kind::power, source_type::zigbee2mqtt, "zigbee2mqtt/kettle"),
        spec("t", sensor_kind::power, source_type::tasmota, "tasmota_kettle"),
        spec("e", sensor_kind::power, source_type::esphome, "kitchen/sensor/kettle_power/state"),
        spec("s1", sensor_kind::power, source_type::shelly, "shellies/shellyplug-s-1"),
        spec("s2", sensor_kind::power, source_type::shelly, "shellyplusplugs-1"),
        spec("j", sensor_kind::power, source_type::json, "home/kettle"),
    };
    all.back().field = "watts";
    for (auto& s : all) s.threshold = 100;
    for (const auto& s : all) {
        router r({s});
        for (auto [event, want] : std::initializer_list<std::pair<const char*, warden::signal>>{
                 {"power=1500", warden::signal::active}, {"power=20", warden::signal::inactive}}) {
            auto msgs = simulate_payload(s, event);
            ASSERT_EQ(msgs.size(), 1u);
            auto ev = only_event(r.decode(msgs[0].first, msgs[0].second, t0));
            EXPECT_EQ(ev.signal, want)
                << s.topic << " " << event << ": " << msgs[0].first << " " << msgs[0].second;
            EXPECT_TRUE(ev.value) << s.topic;
        }
    }
    auto plug = spec("p", sensor_kind::power, source_type::shelly, "shellies/shellyplug-s-1");
    EXPECT_EQ(simulate_payload(plug, "power=1500")[0],
              (std::pair<std::string, std::string>{"shellies/shellyplug-s-1/relay/0/power", "1500"}));
}

TEST(Simulate, RefusesEventsTheKindCannotHave) {
    auto pendant = spec("pendant", sensor_kind::pendant, source_type::zigbee2mqtt, "zigbee2mqtt/pendant");
    EXPECT_THROW(simulate_payload(pendant, "release"), std::invalid_argument);
    EXPECT_THROW(simulate_payload(pendant, "open"), std::invalid_argument);
    EXPECT_THROW(simulate_payload(pendant, "temperature=20"), std::invalid_argument);
    EXPECT_THROW(simulate_payload(pendant, "battery=x"), std::invalid_argument);
    auto temp = spec("t", sensor_kind::temperature, source_type::zigbee2mqtt, "zigbee2mqtt/t");
    EXPECT_THROW(simulate_payload(temp, "active"), std::invalid_argument);
    auto tas = spec("pir", sensor_kind::motion, source_type::tasmota, "tasmota_kitchen");
    EXPECT_THROW(simulate_payload(tas, "battery-low"), std::invalid_argument);
    EXPECT_THROW(simulate_payload(tas, "tamper"), std::invalid_argument);
    auto json_src = spec("j", sensor_kind::door, source_type::json, "home/door");
    json_src.field = "door";
    json_src.active = "open";
    EXPECT_THROW(simulate_payload(json_src, "offline"), std::invalid_argument);
}

// ---- state requests: what the hub asks the bridges after a (re)connect (issue 11) ----

TEST(StateRequests, AskEachBridgeInItsOwnWayForLastingKindsOnly) {
    std::vector<config::sensor_spec> sensors = {
        spec("flood", sensor_kind::flood, source_type::zigbee2mqtt, "zigbee2mqtt/bathroom_leak"),
        spec("heat", sensor_kind::heat, source_type::zigbee2mqtt, "zigbee2mqtt/kitchen_heat"),
        spec("pendant", sensor_kind::pendant, source_type::zigbee2mqtt, "zigbee2mqtt/pendant"),
        spec("smoke", sensor_kind::smoke, source_type::tasmota, "tasmota_hall"),
        spec("pull", sensor_kind::pull_cord, source_type::tasmota, "tasmota_bath"),
        spec("door", sensor_kind::door, source_type::shelly, "shellyplusi4-a8032ab12345"),
        spec("gas", sensor_kind::gas, source_type::shelly, "shellies/shellygas-1"),
        spec("button", sensor_kind::button, source_type::shelly, "shellyplusi4-b1"),
        spec("bed", sensor_kind::bed, source_type::esphome, "bedroom/binary_sensor/bed_pad/state"),
        spec("co", sensor_kind::co, source_type::json, "things/co"),
    };
    std::vector<state_request> want = {
        {"zigbee2mqtt/bathroom_leak/get", R"({"water_leak":""})"},
        {"zigbee2mqtt/kitchen_heat/get", R"({"heat":"","smoke":""})"},
        {"cmnd/tasmota_hall/Status", "10"},
        {"shellyplusi4-a8032ab12345/rpc",
         R"({"id":1,"method":"Shelly.GetStatus","src":"shellyplusi4-a8032ab12345/warden"})"},
        {"shellies/shellygas-1/command", "update"},
    };
    EXPECT_EQ(state_requests(sensors), want);
}

TEST(StateRequests, FieldNamesTheAttributeAndOneDeviceIsAskedOnce) {
    auto a = spec("a", sensor_kind::epilepsy, source_type::zigbee2mqtt, "zigbee2mqtt/mat");
    a.field = "vibration.strength";
    auto b = spec("t1", sensor_kind::door, source_type::tasmota, "tasmota_1");
    auto c = spec("t2", sensor_kind::smoke, source_type::tasmota, "tasmota_1");
    c.field = "Switch2";
    auto p = spec("p", sensor_kind::power, source_type::tasmota, "tasmota_plug");
    auto w = spec("w", sensor_kind::power, source_type::tasmota, "tasmota_meter");
    w.threshold = 30.0;
    std::vector<state_request> want = {
        {"zigbee2mqtt/mat/get", R"({"vibration":""})"},
        {"cmnd/tasmota_1/Status", "10"},
        {"cmnd/tasmota_plug/Status", "11"},  // POWER is in StatusSTS, not StatusSNS
        {"cmnd/tasmota_meter/Status", "10"},
    };
    EXPECT_EQ(state_requests({a, b, c, p, w}), want);
}

TEST(StateRequests, AnswersArriveOnRoutesTheRouterDecodes) {
    auto leak = spec("leak", sensor_kind::flood, source_type::zigbee2mqtt, "zigbee2mqtt/leak");
    auto smoke = spec("smoke", sensor_kind::smoke, source_type::tasmota, "tasmota_hall");
    auto plug = spec("plug", sensor_kind::power, source_type::tasmota, "tasmota_plug");
    auto temp = spec("temp", sensor_kind::temperature, source_type::tasmota, "tasmota_temp");
    auto door = spec("door", sensor_kind::door, source_type::shelly, "shellyplus-door");
    auto flood = spec("flood", sensor_kind::flood, source_type::shelly, "shellyplus-flood");
    auto cord = spec("cord", sensor_kind::pull_cord, source_type::tasmota, "tasmota_cord");
    auto i4 = spec("i4", sensor_kind::button, source_type::shelly, "shellyplusi4-b1");
    router r({leak, smoke, plug, temp, door, flood, cord, i4});
    auto subs = r.subscriptions();
    for (auto t : {"stat/tasmota_hall/STATUS10", "stat/tasmota_plug/STATUS11", "shellyplus-door/warden/rpc"})
        EXPECT_NE(std::find(subs.begin(), subs.end(), t), subs.end()) << t;
    // Presses are not asked for, so nothing listens for an answer.
    for (auto t : {"stat/tasmota_cord/STATUS10", "shellyplusi4-b1/warden/rpc"})
        EXPECT_EQ(std::find(subs.begin(), subs.end(), t), subs.end()) << t;

    EXPECT_EQ(sig(r, "zigbee2mqtt/leak", R"({"water_leak":true,"battery":90})"), signal::active);
    // Tasmota: Status 10 answers with StatusSNS, read exactly as tele/<t>/SENSOR.
    EXPECT_EQ(sig(r, "stat/tasmota_hall/STATUS10",
                  R"({"StatusSNS":{"Time":"2026-11-30T10:00:00","Switch1":"ON"}})"),
              signal::active);
    EXPECT_EQ(sig(r, "stat/tasmota_hall/STATUS10",
                  R"({"StatusSNS":{"Time":"2026-11-30T10:00:00","Switch1":"OFF"}})"),
              signal::inactive);
    EXPECT_EQ(sig(r, "stat/tasmota_plug/STATUS11", R"({"StatusSTS":{"POWER":"ON","Wifi":{"RSSI":70}}})"),
              signal::active);
    auto t = only_event(r.decode("stat/tasmota_temp/STATUS10",
                                 R"({"StatusSNS":{"DS18B20":{"Temperature":8.5},"TempUnit":"C"}})", t0));
    EXPECT_EQ(t.value, 8.5);
    // Shelly gen2: the Shelly.GetStatus result, addressed to <prefix>/warden, read like NotifyFullStatus.
    EXPECT_EQ(
        sig(r, "shellyplus-door/warden/rpc",
            R"({"id":1,"src":"shellyplus-door","dst":"shellyplus-door/warden","result":{"input:0":{"id":0,"state":true},"sys":{}}})"),
        signal::active);
    auto fl = only_event(r.decode(
        "shellyplus-flood/warden/rpc",
        R"({"id":1,"src":"shellyplus-flood","dst":"shellyplus-flood/warden","result":{"flood:0":{"id":0,"alarm":false},"devicepower:0":{"battery":{"percent":77}}}})",
        t0));
    EXPECT_EQ(fl.signal, signal::inactive);
    EXPECT_EQ(fl.battery, 77);
    // An error answer (method unknown on this firmware) raises nothing.
    auto err =
        r.decode("shellyplus-door/warden/rpc",
                 R"({"id":1,"src":"shellyplus-door","error":{"code":404,"message":"No handler"}})", t0);
    EXPECT_FALSE(any_active(err));
}
