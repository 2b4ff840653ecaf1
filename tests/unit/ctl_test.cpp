// warden-ctl's pure parts: appending a sensor block keeps the file, recordings round-trip, replay over
// a recorded day raises exactly the known alerts, discovery builds the device table, status is judged.
#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

#include <date/tz.h>
#include <nlohmann/json.hpp>

#include "warden/config/hub_config.hpp"
#include "warden/config/lint.hpp"
#include "warden/ctl/config_edit.hpp"
#include "warden/ctl/discovery.hpp"
#include "warden/ctl/pairing.hpp"
#include "warden/ctl/recording.hpp"
#include "warden/ctl/replay.hpp"
#include "warden/ctl/status.hpp"
#include "warden/ctl/summary.hpp"
#include "warden/sensors/adapters.hpp"

using namespace warden;
using namespace warden::ctl;
using json = nlohmann::json;

namespace {

const std::string fixtures = std::string(WARDEN_SOURCE_DIR) + "/tests/fixtures/ctl/";

time_point at(const char* iso) {
    return *parse_time(iso);
}

/// "replay-3 <at> <type> <state> <sensor or rule> [clears=<id>]": what a test compares.
std::string fmt_alert(const alert& a) {
    std::string s = a.id + " " + format_time(a.at) + " " + a.type + " " + std::string(to_string(a.state)) +
                    " " + (a.sensor.empty() ? a.rule : a.sensor);
    if (a.clears) s += " clears=" + *a.clears;
    return s;
}

const std::string small_config = R"(# Mrs Example's flat -- keep this comment
[hub]
id = "hub-0001"   # trailing comment
data_dir = "/tmp/warden-ctl-test"
timezone = "Europe/London"

[local]
uri = "tcp://127.0.0.1:1883"

[centre]
uri = "tcp://127.0.0.1:1884"

[[sensor]]
id = "pendant"
kind = "pendant"
source = "zigbee2mqtt"
topic = "zigbee2mqtt/pendant"

[[rule]]
id = "night"
type = "inactivity"
period = "2h"
# last line is a comment without newline)";

}  // namespace

// ---- config appender ----

TEST(ConfigEdit, AppendsBlockAndKeepsEveryByteOfTheFile) {
    sensor_block b{.id = "hall",
                   .kind = sensor_kind::motion,
                   .source = config::source_type::zigbee2mqtt,
                   .topic = "zigbee2mqtt/0x00158d0001a2b3c4",
                   .location = "hall",
                   .comment = "Aqara RTCGQ11LM"};
    auto out = append_sensor_block(small_config, b);
    ASSERT_EQ(out.substr(0, small_config.size()), small_config);
    EXPECT_EQ(
        out.substr(small_config.size()),
        "\n\n# Aqara RTCGQ11LM\n[[sensor]]\nid = \"hall\"\nkind = \"motion\"\nsource = \"zigbee2mqtt\"\n"
        "topic = \"zigbee2mqtt/0x00158d0001a2b3c4\"\nlocation = \"hall\"\n");
}

TEST(ConfigEdit, ResultLoadsWithTheNewSensorAfterTheOldOnes) {
    sensor_block b{.id = "front-door",
                   .kind = sensor_kind::door,
                   .source = config::source_type::shelly,
                   .topic = "shellies/shellydw2-1A2B",
                   .location = "front \"main\" door\\hall"};
    auto cfg = config::parse_hub_config(append_sensor_block(small_config, b), "hub.toml");
    ASSERT_EQ(cfg.sensors.size(), 2u);
    EXPECT_EQ(cfg.sensors[0].id, "pendant");
    EXPECT_EQ(cfg.sensors[1].id, "front-door");
    EXPECT_EQ(cfg.sensors[1].kind, sensor_kind::door);
    EXPECT_EQ(cfg.sensors[1].source, config::source_type::shelly);
    EXPECT_EQ(cfg.sensors[1].location, "front \"main\" door\\hall");
    ASSERT_EQ(cfg.rules.size(), 1u);
    EXPECT_EQ(cfg.rules[0].id, "night");
}

TEST(ConfigEdit, QuotesControlCharactersAndKeepsCommentOnOneLine) {
    EXPECT_EQ(toml_quote("a\"b\\c\nd\x01"), "\"a\\\"b\\\\c\\nd\\u0001\"");
    sensor_block b{.id = "x", .topic = "t", .comment = "line1\n[[rule]]"};
    EXPECT_EQ(render_sensor_block(b).substr(0, 19), "# line1 [[rule]]\n[[");
    EXPECT_EQ(append_sensor_block("", b), render_sensor_block(b));
}

// ---- recordings ----

TEST(Recording, JsonPayloadIsEmbeddedAsValueOtherPayloadsAsString) {
    recorded_message m{at("2026-11-28T23:00:00Z"), "zigbee2mqtt/bed", R"({"occupancy":true})"};
    EXPECT_EQ(format_recording_line(m),
              R"({"at":"2026-11-28T23:00:00.000Z","topic":"zigbee2mqtt/bed","payload":{"occupancy":true}})");
    recorded_message s{at("2026-11-28T23:00:01Z"), "tele/x/LWT", "Online"};
    EXPECT_EQ(format_recording_line(s),
              R"({"at":"2026-11-28T23:00:01.000Z","topic":"tele/x/LWT","payload":"Online"})");
    recorded_message order{at("2026-11-28T23:00:02Z"), "zigbee2mqtt/hall",
                           R"({"occupancy":true,"battery":95})"};
    EXPECT_NE(format_recording_line(order).find(R"("payload":{"occupancy":true,"battery":95})"),
              std::string::npos);
    EXPECT_EQ(parse_recording_line(format_recording_line(order), "f", 1), order);
    EXPECT_EQ(parse_recording_line(format_recording_line(m), "f", 1), m);
    EXPECT_EQ(parse_recording_line(format_recording_line(s), "f", 1), s);
}

TEST(Recording, BadLinesNameFileAndLine) {
    std::istringstream in(
        "{\"at\":\"2026-11-28T23:00:00Z\",\"topic\":\"a\",\"payload\":1}\n\n{\"at\":\"yesterday\","
        "\"topic\":\"a\",\"payload\":1}\n");
    try {
        read_recording(in, "day.jsonl");
        FAIL() << "no error";
    } catch (const recording_error& e) {
        EXPECT_NE(std::string(e.what()).find("day.jsonl:3:"), std::string::npos) << e.what();
    }
    EXPECT_THROW(parse_recording_line("[1]", "f", 1), recording_error);
    EXPECT_THROW(parse_recording_line(R"({"at":"2026-11-28T23:00:00Z","payload":1})", "f", 1),
                 recording_error);
}

// ---- replay over a recorded day ----

TEST(Replay, FillsReportEveryDefaultsLikeTheHub) {
    auto cfg = with_hub_defaults(config::load_hub_config(fixtures + "hub.toml"));
    EXPECT_EQ(cfg.find_sensor("kitchen")->report_every, std::chrono::hours(1));   // tasmota default
    EXPECT_EQ(cfg.find_sensor("pendant")->report_every, std::chrono::hours(25));  // zigbee2mqtt default
    EXPECT_EQ(cfg.find_sensor("bed")->report_every, std::chrono::hours(25));      // configured
}

TEST(Replay, RecordedDayRaisesExactlyTheKnownAlerts) {
    auto cfg = config::load_hub_config(fixtures + "hub.toml");
    std::ifstream in(fixtures + "day.jsonl");
    auto day = read_recording(in, "day.jsonl");
    auto alerts = replay(cfg, date::locate_zone(cfg.timezone), day);

    std::vector<std::string> got;
    for (const auto& a : alerts) got.push_back(fmt_alert(a));
    std::vector<std::string> want = {
        // kitchen (tasmota, default report_every 1h) last spoke at 21:06
        "replay-1 2026-11-28T22:06:00.000Z sensor_offline raised kitchen",
        // last activity 21:30 (bed occupied); only time inside 22:00-07:00 counts: 2h -> 00:00
        "replay-2 2026-11-29T00:00:00.000Z inactivity raised night-inactivity",
        "replay-3 2026-11-29T02:05:00.000Z inactivity cleared night-inactivity clears=replay-2",
        "replay-4 2026-11-29T03:00:00.000Z pendant raised pendant",
        // not up by 10:00: no kitchen/hall activity between 07:00 and 10:00
        "replay-5 2026-11-29T10:00:00.000Z due raised up",
        "replay-6 2026-11-29T10:20:00.000Z sensor_offline cleared kitchen clears=replay-1",
        "replay-7 2026-11-29T10:20:00.000Z due cleared up clears=replay-5",
    };
    EXPECT_EQ(got, want);
    for (const auto& a : alerts) EXPECT_EQ(a.hub, "hub-test");
}

TEST(Replay, FromToAndUntilLimitTheRun) {
    auto cfg = config::load_hub_config(fixtures + "hub.toml");
    std::ifstream in(fixtures + "day.jsonl");
    auto day = read_recording(in, "day.jsonl");
    replay_options o;
    o.from = at("2026-11-29T02:30:00Z");
    o.to = at("2026-11-29T09:00:00Z");
    o.until = at("2026-11-29T10:00:00Z");
    auto alerts = replay(cfg, date::locate_zone(cfg.timezone), day, o);
    std::vector<std::string> got;
    for (const auto& a : alerts) got.push_back(fmt_alert(a));
    ASSERT_FALSE(got.empty());
    EXPECT_EQ(got.front(), "replay-1 2026-11-29T03:00:00.000Z pendant raised pendant");
    EXPECT_EQ(got.back(), "replay-" + std::to_string(got.size()) + " 2026-11-29T10:00:00.000Z due raised up");
}

// ---- discovery ----

namespace {
config::hub_config discovery_config() {
    return config::parse_hub_config(small_config + R"(

[[sensor]]
id = "kitchen"
kind = "motion"
source = "tasmota"
topic = "tasmota_kitchen"

[[sensor]]
id = "bed"
kind = "bed"
source = "esphome"
topic = "bedroom/binary_sensor/bed_pad/state"
)",
                                    "hub.toml");
}
}  // namespace

TEST(Discovery, BuildsTableOfConfiguredAndUnconfiguredDevices) {
    discovery d(discovery_config());
    auto t = at("2026-11-29T10:00:00Z");
    d.add("zigbee2mqtt/bridge/devices",
          R"([{"type":"Coordinator","friendly_name":"Coordinator"},
              {"type":"EndDevice","friendly_name":"pendant","definition":{"vendor":"Xiaomi","model":"WXKG11LM"}},
              {"type":"EndDevice","friendly_name":"landing","definition":null}])",
          t, true);
    d.add("zigbee2mqtt/pendant", R"({"battery":87,"linkquality":120,"action":""})", t, true);
    d.add("zigbee2mqtt/pendant/availability", R"({"state":"online"})", t, true);
    auto s = d.add("zigbee2mqtt/landing", R"({"occupancy":true,"battery":55,"linkquality":40})", t, false);
    EXPECT_EQ(s.device_topic, "zigbee2mqtt/landing");
    EXPECT_TRUE(s.state_message);
    d.add("zigbee2mqtt/landing/availability", "offline", t, false);
    d.add("tele/tasmota_kitchen/LWT", "Online", t, true);
    d.add("stat/tasmota_kitchen/RESULT", R"({"Switch1":{"Action":"ON"}})", t, false);
    d.add("tele/tasmota_kitchen/STATE", R"({"Wifi":{"RSSI":80,"Signal":-60}})", t, false);
    d.add("bedroom/status", "online", t, true);
    d.add("bedroom/binary_sensor/bed_pad/state", "ON", t, true);
    d.add("shellies/shellyflood-1/sensor/flood", "false", t, false);
    d.add("shellies/shellyflood-1/sensor/battery", "76", t, false);
    d.add("shellyplusht-1/online", "true", t, true);

    auto list = d.devices();
    ASSERT_EQ(list.size(), 6u);
    // configured first
    EXPECT_EQ(list[0].topic, "bedroom/binary_sensor/bed_pad/state");
    EXPECT_EQ(list[0].sensors, std::vector<std::string>{"bed"});
    EXPECT_EQ(list[0].online, true);
    EXPECT_EQ(list[1].topic, "tasmota_kitchen");
    EXPECT_EQ(list[1].link, -60);
    EXPECT_EQ(list[1].online, true);
    EXPECT_EQ(list[2].topic, "zigbee2mqtt/pendant");
    EXPECT_EQ(list[2].model, "Xiaomi WXKG11LM");
    EXPECT_EQ(list[2].battery, 87);
    EXPECT_EQ(list[2].link, 120);
    EXPECT_TRUE(list[2].listed);
    EXPECT_FALSE(list[2].spoke);
    // then the rest, by topic
    EXPECT_EQ(list[3].topic, "shellies/shellyflood-1");
    EXPECT_TRUE(list[3].sensors.empty());
    EXPECT_EQ(list[3].battery, 76);
    EXPECT_EQ(list[4].topic, "shellyplusht-1");
    EXPECT_EQ(list[5].topic, "zigbee2mqtt/landing");
    EXPECT_EQ(list[5].online, false);
    EXPECT_EQ(list[5].battery, 55);
    EXPECT_TRUE(list[5].spoke);
    EXPECT_FALSE(d.configured("zigbee2mqtt/landing"));
    EXPECT_TRUE(d.configured("zigbee2mqtt/pendant"));
}

TEST(Discovery, ConfiguredSensorNeverSeenIsListed) {
    discovery d(discovery_config());
    auto list = d.devices();
    ASSERT_EQ(list.size(), 3u);
    for (const auto& dev : list) {
        EXPECT_FALSE(dev.last_seen);
        EXPECT_FALSE(dev.sensors.empty());
    }
}

TEST(Discovery, Zigbee2mqttJoinEventNamesTheNewDevice) {
    discovery d(discovery_config());
    auto t = at("2026-11-29T10:00:00Z");
    auto s = d.add(
        "zigbee2mqtt/bridge/event",
        R"({"type":"device_joined","data":{"friendly_name":"0x00158d0001a2b3c4","ieee_address":"0x00158d0001a2b3c4"}})",
        t, false);
    ASSERT_TRUE(s.joined);
    EXPECT_EQ(s.joined->topic, "zigbee2mqtt/0x00158d0001a2b3c4");
    EXPECT_EQ(s.joined->detail, "device_joined");
    s = d.add(
        "zigbee2mqtt/bridge/event",
        R"({"type":"device_interview","data":{"friendly_name":"0x00158d0001a2b3c4","status":"successful",
                  "definition":{"vendor":"Aqara","model":"MCCGQ11LM"}}})",
        t, false);
    ASSERT_TRUE(s.joined);
    EXPECT_EQ(s.joined->detail, "interview successful: Aqara MCCGQ11LM");
    EXPECT_FALSE(d.add("zigbee2mqtt/bridge/state", "online", t, false).device_topic);
    EXPECT_FALSE(d.add("zigbee2mqtt/pendant/set", "{}", t, false).device_topic);
    EXPECT_FALSE(d.add("warden/local/state", "{}", t, false).device_topic);
}

TEST(Discovery, SubscriptionsCoverEverySource) {
    auto subs = discovery_subscriptions(discovery_config());
    for (const char* f : {"zigbee2mqtt/#", "tele/+/+", "stat/+/RESULT", "shellies/#", "+/events/rpc",
                          "+/online", "+/status", "+/binary_sensor/+/state", "+/sensor/+/state"})
        EXPECT_NE(std::find(subs.begin(), subs.end(), f), subs.end()) << f;
}

TEST(Discovery, TruncatesLongPayloads) {
    EXPECT_EQ(truncate_payload("short"), "short");
    EXPECT_EQ(truncate_payload(std::string(100, 'x'), 10), "xxxxxxx...");
    EXPECT_EQ(truncate_payload("a\nb"), "a b");
}

// ---- pair: which device is the new one ----

TEST(Pairing, AMessageMustFitTheKindAsTheHubDecodesIt) {
    using config::source_type;
    auto z = [](sensor_kind k, const char* payload) {
        return kind_mismatch(k, source_type::zigbee2mqtt, "zigbee2mqtt/x", "zigbee2mqtt/x", payload);
    };
    EXPECT_EQ(z(sensor_kind::pendant, R"({"action":"single","battery":100})"), "");
    EXPECT_EQ(z(sensor_kind::pendant, R"({"power":12.5,"energy":3.1,"state":"ON"})"),
              "carries nothing a pendant sensor reports (no press)");
    EXPECT_NE(z(sensor_kind::pendant, R"({"battery":100,"linkquality":150})"), "");
    EXPECT_EQ(z(sensor_kind::motion, R"({"occupancy":false})"), "");
    EXPECT_EQ(z(sensor_kind::door, R"({"contact":true})"), "");
    EXPECT_NE(z(sensor_kind::door, R"({"occupancy":true})"), "");
    EXPECT_EQ(z(sensor_kind::temperature, R"({"temperature":19.5})"), "");
    EXPECT_NE(z(sensor_kind::temperature, R"({"battery":90})"), "");
    EXPECT_EQ(kind_mismatch(sensor_kind::motion, source_type::tasmota, "tasmota_lounge",
                            "stat/tasmota_lounge/RESULT", R"({"Switch1":{"Action":"ON"}})"),
              "");
}

// BlitzWolf BW-IS9 (corpus z2m-blitzwolf-bw-is9-water-leak-alarm-1) has no `water_leak`: the hub reads
// its water_leak_alarm_1/_2, so `pair` proposes it as a flood sensor and the default config works.
TEST(Pairing, ALeakSensorWithSuffixedAlarmAttributesIsAFloodSensor) {
    auto bw = R"({"battery":100,"battery_low":false,"linkquality":150,"tamper":false,)"
              R"("water_leak_alarm_1":false,"water_leak_alarm_2":false})";
    EXPECT_EQ(kind_mismatch(sensor_kind::flood, config::source_type::zigbee2mqtt, "zigbee2mqtt/kitchen_leak",
                            "zigbee2mqtt/kitchen_leak", bw),
              "");
    EXPECT_NE(kind_mismatch(sensor_kind::flood, config::source_type::zigbee2mqtt, "zigbee2mqtt/kitchen_leak",
                            "zigbee2mqtt/kitchen_leak", R"({"battery":100,"water_leak_sensitivity":"high"})"),
              "");
}

TEST(Pairing, OnlyANewDeviceWhoseMessageFitsIsProposed) {
    pairing p(discovery_config(), sensor_kind::motion);
    auto t = at("2026-11-29T10:00:00Z");
    // Warm-up: the broker's retained list and a device that keeps talking.
    p.add("zigbee2mqtt/bridge/devices", R"([{"type":"EndDevice","friendly_name":"listed_pir"}])", t, true);
    p.add("zigbee2mqtt/old_pir", R"({"occupancy":true})", t, false);
    p.end_warm_up();

    auto old = p.add("zigbee2mqtt/old_pir", R"({"occupancy":true})", t, false);
    EXPECT_FALSE(old.candidate);
    EXPECT_NE(old.note.find("ignoring zigbee2mqtt/old_pir: it was on the broker before"), std::string::npos);
    EXPECT_EQ(p.add("zigbee2mqtt/old_pir", R"({"occupancy":true})", t, false).note, "") << "said once";
    EXPECT_FALSE(p.add("zigbee2mqtt/listed_pir", R"({"occupancy":true})", t, false).candidate);
    EXPECT_FALSE(p.add("zigbee2mqtt/pendant", R"({"action":"single"})", t, false).candidate) << "configured";
    EXPECT_FALSE(p.add("zigbee2mqtt/new_pir", R"({"occupancy":true})", t, true).candidate) << "retained";

    // A new device that does not fit the kind is named, not taken.
    auto plug = p.add("zigbee2mqtt/plug", R"({"power":40})", t, false);
    EXPECT_FALSE(plug.candidate);
    EXPECT_NE(
        plug.note.find("zigbee2mqtt/plug spoke but its message carries nothing a motion sensor reports"),
        std::string::npos)
        << plug.note;

    // An old device that joins again is new.
    auto join = p.add(
        "zigbee2mqtt/bridge/event",
        R"({"type":"device_joined","data":{"friendly_name":"listed_pir","ieee_address":"0x1"}})", t, false);
    EXPECT_FALSE(join.candidate);
    EXPECT_EQ(p.joined_but_unconfirmed(), std::vector<std::string>{"zigbee2mqtt/listed_pir"});
    auto c = p.add("zigbee2mqtt/listed_pir", R"({"occupancy":true})", t, false);
    ASSERT_TRUE(c.candidate);
    EXPECT_EQ(c.candidate->dev.topic, "zigbee2mqtt/listed_pir");
    EXPECT_EQ(c.candidate->how, "joined, then spoke on zigbee2mqtt/listed_pir");
    EXPECT_EQ(c.candidate->payload, R"({"occupancy":true})");

    // Turned down: never proposed again; the next new device is.
    p.reject("zigbee2mqtt/listed_pir");
    EXPECT_FALSE(p.add("zigbee2mqtt/listed_pir", R"({"occupancy":true})", t, false).candidate);
    auto next = p.add("zigbee2mqtt/new_pir", R"({"occupancy":true})", t, false);
    ASSERT_TRUE(next.candidate);
    EXPECT_EQ(next.candidate->how, "spoke on zigbee2mqtt/new_pir");
}

// ---- status ----

namespace {
const std::string pendant_ok =
    R"({"id":"pendant","kind":"pendant","location":"worn","online":true,"battery":87,
                  "battery_low":false,"tamper":false,"link":120,"last_seen":"2026-11-29T09:59:00Z",
                  "last_event":"2026-11-29T09:58:00Z","last_signal":"press"})";
const std::string hall_ok = R"({"id":"hall","kind":"motion","location":"hall","online":true,"battery":90,
                  "battery_low":false,"tamper":false,"link":80,"last_seen":"2026-11-29T09:30:00Z",
                  "last_event":null,"last_signal":null})";
/// The hub's state for a sensor it has not heard since it started: online, but last_seen null.
const std::string hall_never = R"({"id":"hall","kind":"motion","location":"hall","online":true,"battery":null,
                  "battery_low":false,"tamper":false,"link":null,"last_seen":null,"last_event":null,"last_signal":null})";
const std::string hall_bad = R"({"id":"hall","kind":"motion","location":"hall","online":false,"battery":5,
                  "battery_low":true,"tamper":true,"link":null,"last_seen":"2026-11-28T09:00:00Z","last_event":null,"last_signal":""})";

json state_at(const std::string& iso, bool connected, const std::string& hall = hall_ok,
              const std::string& dc09 = R"({"enabled":false,"connected":false})") {
    return json::parse(R"({"hub":"hub-0001","at":")" + iso + R"(","version":"0.1.0","away":false,
      "uplink":{"connected":)" +
                       (connected ? "true" : "false") + R"(,"since":"2026-11-29T09:00:00Z","last_ack":null},
      "dc09":)" + dc09 +
                       R"(,"outbox":3,"dropped":0,
      "sensors":[)" + pendant_ok +
                       "," + hall + "]}");
}
}  // namespace

TEST(Status, FreshConnectedStateIsFine) {
    EXPECT_TRUE(judge_state(state_at("2026-11-29T09:59:00Z", true), at("2026-11-29T10:00:00Z"),
                            std::chrono::seconds(60))
                    .empty());
    EXPECT_TRUE(
        judge_state(state_at("2026-11-29T09:59:00Z", true, hall_ok, R"({"enabled":true,"connected":true})"),
                    at("2026-11-29T10:00:00Z"), std::chrono::seconds(60))
            .empty());
}

TEST(Status, StaleOrDisconnectedOrMissingFieldsAreProblems) {
    auto now = at("2026-11-29T10:00:00Z");
    EXPECT_EQ(judge_state(state_at("2026-11-29T09:56:59Z", true), now, std::chrono::seconds(60)).size(), 1u);
    EXPECT_TRUE(judge_state(state_at("2026-11-29T09:57:01Z", true), now, std::chrono::seconds(60)).empty());
    auto down = judge_state(state_at("2026-11-29T09:59:00Z", false), now, std::chrono::seconds(60));
    ASSERT_EQ(down.size(), 1u);
    EXPECT_NE(down[0].find("uplink"), std::string::npos);
    EXPECT_EQ(judge_state(json::parse(R"({"hub":"x"})"), now, std::chrono::seconds(60)).size(), 2u);
    EXPECT_EQ(judge_state(json::array(), now, std::chrono::seconds(60)).size(), 1u);
}

TEST(Status, SensorsThatAreNotWorkingAndADownDc09PathAreProblems) {
    auto now = at("2026-11-29T10:00:00Z");
    auto never =
        judge_state(state_at("2026-11-29T09:59:00Z", true, hall_never), now, std::chrono::seconds(60));
    ASSERT_EQ(never.size(), 1u);
    EXPECT_NE(never[0].find("sensor 'hall' (hall) never seen since the hub started"), std::string::npos)
        << never[0];

    auto bad = judge_state(state_at("2026-11-29T09:59:00Z", true, hall_bad), now, std::chrono::seconds(60));
    ASSERT_EQ(bad.size(), 3u);
    EXPECT_NE(bad[0].find("sensor 'hall' (hall) is offline (last seen 2026-11-28T09:00:00.000Z"),
              std::string::npos)
        << bad[0];
    EXPECT_EQ(bad[1], "sensor 'hall' (hall) battery low (5%)");
    EXPECT_NE(bad[2].find("sensor 'hall' (hall) reports tamper"), std::string::npos) << bad[2];

    auto dc09 =
        judge_state(state_at("2026-11-29T09:59:00Z", true, hall_ok, R"({"enabled":true,"connected":false})"),
                    now, std::chrono::seconds(60));
    ASSERT_EQ(dc09.size(), 1u);
    EXPECT_NE(dc09[0].find("DC-09"), std::string::npos) << dc09[0];
}

TEST(Status, ReportShowsUplinkOutboxAndSensorTable) {
    auto text = format_state(state_at("2026-11-29T09:59:00Z", true, hall_bad), at("2026-11-29T10:00:00Z"));
    EXPECT_NE(text.find("uplink   connected since 2026-11-29T09:00:00.000Z (60m ago)"), std::string::npos)
        << text;
    EXPECT_NE(text.find("last ack never"), std::string::npos) << text;
    EXPECT_NE(text.find("outbox   3 waiting"), std::string::npos) << text;
    EXPECT_NE(text.find("dc09     not configured"), std::string::npos) << text;
    EXPECT_NE(text.find("pendant  pendant  worn      yes     87%      120   press 2m ago"), std::string::npos)
        << text;
    EXPECT_NE(text.find("battery low"), std::string::npos) << text;
    EXPECT_NE(text.find("NO"), std::string::npos) << text;
}

TEST(Status, ASensorNeverHeardIsShownAsNeverSeenNotOnline) {
    auto text = format_state(state_at("2026-11-29T09:59:00Z", true, hall_never), at("2026-11-29T10:00:00Z"));
    auto row = text.substr(text.find("\nhall "));
    row = row.substr(0, row.find('\n', 1));
    EXPECT_NE(row.find("never seen"), std::string::npos) << text;
    EXPECT_EQ(row.find("yes"), std::string::npos) << text;
}

TEST(Summary, CountsSensorsByKindAndRules) {
    auto cfg = config::load_hub_config(fixtures + "hub.toml");
    auto s = summarise(cfg);
    EXPECT_EQ(s["sensors"], 4);
    EXPECT_EQ(s["sensors_by_kind"]["motion"], 2);
    EXPECT_EQ(s["rules_by_type"]["due"], 1);
    EXPECT_NE(format_summary(cfg).find("4 sensors: 1 bed, 2 motion, 1 pendant"), std::string::npos)
        << format_summary(cfg);
}

// ---- check: lint with the hub's own report_every defaults ----

TEST(Check, LintJudgesTheReportIntervalTheHubUses) {
    // The fixture's kitchen (tasmota) sets no report_every: the hub gives it the source default, and so
    // must check. A 30m inactivity rule on it is shorter than that default.
    auto text = std::string(
        "[hub]\nid = \"h\"\ndata_dir = \"/d\"\n[local]\nuri = \"tcp://127.0.0.1:1883\"\n"
        "[centre]\nuri = \"tcp://127.0.0.1:1884\"\n[[sensor]]\nid = \"kitchen\"\nkind = "
        "\"motion\"\nsource = \"tasmota\"\ntopic = \"tasmota_kitchen\"\nlocation = \"kitchen\"\n"
        "[[rule]]\nid = \"n\"\ntype = \"inactivity\"\nperiod = \"30m\"\n");
    auto cfg = config::parse_hub_config(text, "hub.toml");
    auto hub_view = with_hub_defaults(cfg);
    ASSERT_TRUE(hub_view.find_sensor("kitchen")->report_every);
    auto w = config::lint_hub_config(cfg, sensors::default_report_every);
    ASSERT_EQ(w.size(), 1u);
    EXPECT_NE(
        w[0].message.find("'kitchen' (" + format_duration(*hub_view.find_sensor("kitchen")->report_every) +
                          ", the tasmota default)"),
        std::string::npos)
        << w[0].message;
}

TEST(Check, TheExampleHomeWarnsOnlyAboutReportIntervals) {
    // examples/home.toml leaves report_every to the source defaults (zigbee2mqtt: 25h) while its
    // inactivity rules run for 2h and 4h: a dead hall sensor would look like a resident who has not
    // moved. Every other check must stay quiet for the example.
    auto cfg = config::load_hub_config(std::string(WARDEN_SOURCE_DIR) + "/examples/home.toml");
    for (const auto& x : config::lint_hub_config(cfg, sensors::default_report_every)) {
        EXPECT_NE(x.message.find("is shorter than the report interval of"), std::string::npos)
            << config::lint_text(x);
    }
}
