// warden-ctl's pure parts: appending a sensor block keeps the file, recordings round-trip, replay over
// a recorded day raises exactly the known alerts, discovery builds the device table, status is judged.
#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

#include <date/tz.h>
#include <nlohmann/json.hpp>

#include "warden/config/hub_config.hpp"
#include "warden/ctl/config_edit.hpp"
#include "warden/ctl/discovery.hpp"
#include "warden/ctl/recording.hpp"
#include "warden/ctl/replay.hpp"
#include "warden/ctl/status.hpp"
#include "warden/ctl/summary.hpp"

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
    recorded_message order{at("2026-11-28T23:00:02Z"), "zigbee2mqtt/hall", R"({"occupancy":true,"battery":95})"};
    EXPECT_NE(format_recording_line(order).find(R"("payload":{"occupancy":true,"battery":95})"), std::string::npos);
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

// ---- status ----

namespace {
json state_at(const std::string& iso, bool connected) {
    return json::parse(R"({"hub":"hub-0001","at":")" + iso + R"(","version":"0.1.0","away":false,
      "uplink":{"connected":)" +
                       (connected ? "true" : "false") + R"(,"since":"2026-11-29T09:00:00Z","last_ack":null},
      "dc09":{"enabled":false,"connected":false},"outbox":3,"dropped":0,
      "sensors":[{"id":"pendant","kind":"pendant","location":"worn","online":true,"battery":87,
                  "battery_low":false,"tamper":false,"link":120,"last_seen":"2026-11-29T09:59:00Z",
                  "last_event":"2026-11-29T09:58:00Z","last_signal":"press"},
                 {"id":"hall","kind":"motion","location":"hall","online":false,"battery":5,
                  "battery_low":true,"tamper":false,"link":null,"last_seen":null,"last_event":null,"last_signal":""}]})");
}
}  // namespace

TEST(Status, FreshConnectedStateIsFine) {
    EXPECT_TRUE(judge_state(state_at("2026-11-29T09:59:00Z", true), at("2026-11-29T10:00:00Z"),
                            std::chrono::seconds(60))
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

TEST(Status, ReportShowsUplinkOutboxAndSensorTable) {
    auto text = format_state(state_at("2026-11-29T09:59:00Z", true), at("2026-11-29T10:00:00Z"));
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

TEST(Summary, CountsSensorsByKindAndRules) {
    auto cfg = config::load_hub_config(fixtures + "hub.toml");
    auto s = summarise(cfg);
    EXPECT_EQ(s["sensors"], 4);
    EXPECT_EQ(s["sensors_by_kind"]["motion"], 2);
    EXPECT_EQ(s["rules_by_type"]["due"], 1);
    EXPECT_NE(format_summary(cfg).find("4 sensors: 1 bed, 2 motion, 1 pendant"), std::string::npos)
        << format_summary(cfg);
}
