// warden-ctl as a technician uses it, against real Mosquitto brokers, the real warden-hub and the real
// warden-centre: check's exit codes and messages, simulate observed by the hub, pair with a simulated
// zigbee2mqtt join, devices, export then replay, status, and test-alarm through the centre.
#include <gtest/gtest.h>

#include <csignal>
#include <map>
#include <sstream>
#include <thread>

#include <nlohmann/json.hpp>

#include "ctl_run.hpp"
#include "warden/config/hub_config.hpp"
#include "warden/harness/harness.hpp"

using namespace warden;
using namespace std::chrono_literals;
using json = nlohmann::json;
using ctl_test::run;

namespace {

const std::string bin_dir = WARDEN_BIN_DIR;
const std::string ctl = bin_dir + "/warden-ctl";
const std::string hub_bin = bin_dir + "/warden-hub";
const std::string centre_bin = bin_dir + "/warden-centre";
const std::string fixtures = std::string(WARDEN_SOURCE_DIR) + "/tests/fixtures/ctl/";

const std::string sensors_toml = R"(
# the pendant hangs by the bed at night
[[sensor]]
id = "pendant"
kind = "pendant"
source = "zigbee2mqtt"
topic = "zigbee2mqtt/pendant"
location = "worn"
report_every = "25h"

[[sensor]]
id = "hall"
kind = "motion"
source = "zigbee2mqtt"
topic = "zigbee2mqtt/hall_pir"
location = "hall"
report_every = "25h"

[[sensor]]
id = "kitchen"
kind = "motion"
source = "tasmota"
topic = "tasmota_kitchen"
location = "kitchen"
report_every = "25h"
)";

std::string hub_toml(const std::string& data_dir, const std::string& home, const std::string& centre) {
    return "# Test home -- comments must survive warden-ctl pair\n[hub]\nid = \"hub-0001\"\ndata_dir = \"" +
           data_dir + "\"\ntimezone = \"Europe/London\"\n\n[local]\nuri = \"" + home +
           "\"\n\n[centre]\nuri = \"" + centre + "\"\nheartbeat = \"1s\"\nack_timeout = \"500ms\"\n" +
           sensors_toml;
}

/// Two brokers, a temp dir and a hub config; the hub and the centre are started by the tests that need them.
class CtlTest : public ::testing::Test {
protected:
    harness::temp_dir dir;
    harness::broker home;
    harness::broker centre_broker;
    std::filesystem::path config =
        dir.write("hub.toml", hub_toml((dir / "data").string(), home.uri(), centre_broker.uri()));
    harness::process hub;
    harness::process centre;

    void TearDown() override {
        if (hub.pid() > 0 && hub.running()) hub.stop();
        if (centre.pid() > 0 && centre.running()) centre.stop();
    }

    ctl_test::result ctl_run(std::vector<std::string> args, std::chrono::milliseconds timeout = 30s) {
        args.insert(args.begin(), ctl);
        return run(args, dir.path(), timeout);
    }

    /// Starts warden-hub and waits until its retained state says the uplink is connected.
    void start_hub() {
        hub =
            harness::process({hub_bin, "--config", config.string(), "--log-level", "debug"}, dir / "hub.log");
        harness::mqtt_client watch(home.uri());
        watch.subscribe("warden/local/state");
        bool up = false;
        auto until = std::chrono::steady_clock::now() + 15s;
        while (!up && std::chrono::steady_clock::now() < until) {
            auto m = watch.next("warden/local/state", 1s);
            if (!m) continue;
            auto j = json::parse(m->payload, nullptr, false);
            up = j.is_object() && j["uplink"].is_object() && j["uplink"].value("connected", false);
        }
        ASSERT_TRUE(up) << "warden-hub did not report a connected uplink\n" << hub.log();
    }

    /// The real warden-centre on the centre broker (an HTTP port of its own).
    void start_centre() {
        int http = harness::free_port();
        auto cfg = dir.write("centre.toml",
                             "[centre]\ndatabase = \"centre.db\"\n[mqtt]\nuri = \"" + centre_broker.uri() +
                                 "\"\n[http]\nlisten = \"127.0.0.1:" + std::to_string(http) + "\"\n");
        centre = harness::process({centre_bin, "--config", cfg.string(), "--log-level", "debug"},
                                  dir / "centre.log");
        ASSERT_TRUE(harness::wait_for_port(http, 15s)) << centre.log();
        ASSERT_TRUE(harness::eventually([&] {
            return centre.log().find("mqtt connected") != std::string::npos;
        })) << centre.log();
        std::this_thread::sleep_for(200ms);  // the SUBSCRIBEs reach the broker
    }
};

// ---- check ----

TEST_F(CtlTest, CheckValidConfigPrintsSummaryAndExitsZero) {
    auto r = ctl_run({"check", fixtures + "hub.toml"});
    EXPECT_EQ(r.code, 0) << r.all();
    EXPECT_NE(r.out.find("4 sensors: 1 bed, 2 motion, 1 pendant"), std::string::npos) << r.all();
    EXPECT_NE(r.out.find("2 rules: night-inactivity (inactivity), up (due)"), std::string::npos) << r.all();

    auto j = ctl_run({"check", "--json", fixtures + "hub.toml"});
    EXPECT_EQ(j.code, 0) << j.all();
    auto doc = json::parse(j.out);
    EXPECT_EQ(doc["valid"], true);
    EXPECT_EQ(doc["summary"]["sensors"], 4);
}

TEST_F(CtlTest, CheckInvalidConfigNamesFileLineColumnAndExitsTwo) {
    auto bad = dir.write("bad.toml",
                         hub_toml("data", home.uri(), centre_broker.uri()) +
                             "\n[[sensor]]\nid = \"lounge\"\nkind = \"teapot\"\nsource = \"zigbee2mqtt\"\n"
                             "topic = \"zigbee2mqtt/lounge\"\n");
    auto r = ctl_run({"check", bad.string()});
    EXPECT_EQ(r.code, 2) << r.all();
    EXPECT_NE(r.err.find(bad.string() + ":"), std::string::npos) << r.all();
    EXPECT_NE(r.err.find("teapot"), std::string::npos) << r.all();
    // FILE:LINE:COLUMN: the line of the bad kind
    auto text = ctl_test::read_all(bad);
    int line = 1;
    for (std::size_t i = 0; i < text.find("kind = \"teapot\""); ++i) line += text[i] == '\n';
    EXPECT_NE(r.err.find(bad.string() + ":" + std::to_string(line) + ":"), std::string::npos) << r.all();

    auto missing = ctl_run({"check", (dir / "nope.toml").string()});
    EXPECT_EQ(missing.code, 2) << missing.all();
    EXPECT_NE(missing.err.find("nope.toml"), std::string::npos) << missing.all();
}

TEST_F(CtlTest, CheckStrictFailsOnWarningsOnly) {
    // Legal but likely wrong: a sensor with no location tells the operator nothing.
    auto warned = dir.write("warned.toml",
                            hub_toml("data", home.uri(), centre_broker.uri()) +
                                "\n[[sensor]]\nid = \"landing\"\nkind = \"motion\"\nsource = "
                                "\"zigbee2mqtt\"\ntopic = \"zigbee2mqtt/landing\"\nreport_every = \"25h\"\n");
    auto plain = ctl_run({"check", warned.string()});
    EXPECT_EQ(plain.code, 0) << plain.all();
    auto doc = json::parse(ctl_run({"check", "--json", warned.string()}).out);
    ASSERT_FALSE(doc["warnings"].empty()) << doc.dump(2);
    const auto first = doc["warnings"][0].get<std::string>();
    EXPECT_NE(first.find(warned.string() + ":"), std::string::npos) << first;
    EXPECT_NE(plain.out.find(first), std::string::npos) << plain.all();
    EXPECT_NE(plain.out.find("warning"), std::string::npos) << plain.all();
    auto strict = ctl_run({"check", "--strict", warned.string()});
    EXPECT_EQ(strict.code, 1) << strict.all();

    // Without warnings --strict passes.
    auto clean = ctl_run({"check", "--json", config.string()});
    if (json::parse(clean.out)["warnings"].empty()) {
        EXPECT_EQ(ctl_run({"check", "--strict", config.string()}).code, 0);
    }
}

TEST_F(CtlTest, UsageErrorsExitTwoAndHelpExitsZero) {
    EXPECT_EQ(ctl_run({}).code, 2);
    EXPECT_EQ(ctl_run({"frobnicate"}).code, 2);
    EXPECT_EQ(ctl_run({"simulate", "--config", config.string()}).code, 2);
    auto help = ctl_run({"--help"});
    EXPECT_EQ(help.code, 0);
    for (const char* sub :
         {"check", "devices", "pair", "simulate", "replay", "export", "test-alarm", "status"})
        EXPECT_NE(help.out.find(sub), std::string::npos) << sub;
    for (const char* sub :
         {"check", "devices", "pair", "simulate", "replay", "export", "test-alarm", "status"}) {
        auto h = ctl_run({sub, "--help"});
        EXPECT_EQ(h.code, 0) << sub;
        EXPECT_NE(h.out.find("--"), std::string::npos) << sub;
    }
    EXPECT_EQ(ctl_run({"--version"}).code, 0);
    auto unknown = ctl_run({"simulate", "--config", config.string(), "teapot", "press"});
    EXPECT_EQ(unknown.code, 2) << unknown.all();
    EXPECT_NE(unknown.err.find("no sensor \"teapot\""), std::string::npos) << unknown.all();
    auto bad_event = ctl_run({"simulate", "--config", config.string(), "hall", "smoke"});
    EXPECT_EQ(bad_event.code, 2) << bad_event.all();
    auto bad_duration = ctl_run({"devices", "--config", config.string(), "--listen", "soon"});
    EXPECT_EQ(bad_duration.code, 2) << bad_duration.all();
    EXPECT_NE(bad_duration.err.find("--listen"), std::string::npos) << bad_duration.all();
}

// ---- simulate, observed by the real hub ----

TEST_F(CtlTest, SimulatedPressReachesTheCentreThroughTheRealHub) {
    start_hub();
    harness::mqtt_client stand_in(centre_broker.uri());
    stand_in.subscribe("warden/v1/+/alert");
    auto r = ctl_run({"simulate", "--config", config.string(), "pendant", "press"});
    ASSERT_EQ(r.code, 0) << r.all();
    EXPECT_NE(r.out.find("published zigbee2mqtt/pendant"), std::string::npos) << r.all();
    std::optional<json> pendant;
    for (int i = 0; i < 10 && !pendant; ++i) {
        auto m = stand_in.next("warden/v1/hub-0001/alert", 10s);
        ASSERT_TRUE(m) << hub.log();
        auto a = json::parse(m->payload);
        if (a["type"] == "pendant") pendant = a;
    }
    ASSERT_TRUE(pendant);
    EXPECT_EQ((*pendant)["sensor"], "pendant");
    EXPECT_EQ((*pendant)["priority"], "critical");
    EXPECT_EQ((*pendant)["location"], "worn");

    // tasmota's own format, and a reading: the hub decodes both (the kitchen's motion is activity, no alert;
    // battery-low is a technical alert).
    auto low = ctl_run({"simulate", "--config", config.string(), "hall", "battery-low"});
    ASSERT_EQ(low.code, 0) << low.all();
    bool battery = false;
    for (int i = 0; i < 10 && !battery; ++i) {
        auto m = stand_in.next("warden/v1/hub-0001/alert", 10s);
        ASSERT_TRUE(m) << hub.log();
        auto a = json::parse(m->payload);
        battery = a["type"] == "battery_low" && a["sensor"] == "hall";
    }
    EXPECT_TRUE(battery);
}

TEST_F(CtlTest, SimulateFailsClearlyWhenTheBrokerIsDown) {
    home.kill();
    auto r = ctl_run({"simulate", "--config", config.string(), "pendant", "press"});
    EXPECT_EQ(r.code, 1) << r.all();
    EXPECT_NE(r.err.find("cannot connect to the home broker"), std::string::npos) << r.all();
}

// ---- pair ----

TEST_F(CtlTest, PairAppendsABlockForAJoiningZigbeeDeviceAndKeepsTheFile) {
    const auto before = ctl_test::read_all(config);
    harness::mqtt_client z2m(home.uri());
    // An old retained message is not the device being paired.
    z2m.publish("zigbee2mqtt/old_plug", R"({"state":"ON"})", 1, true);
    harness::process pair({ctl, "pair", "--config", config.string(), "--id", "landing", "--kind", "motion",
                           "--location", "landing", "--timeout", "20s"},
                          dir / "pair.log");
    ASSERT_TRUE(
        harness::eventually([&] { return pair.log().find("waiting up to") != std::string::npos; }, 10s))
        << pair.log();
    // A configured device speaking is not the new one.
    z2m.publish("zigbee2mqtt/pendant", R"({"action":"","battery":90})");
    std::this_thread::sleep_for(300ms);
    z2m.publish(
        "zigbee2mqtt/bridge/event",
        R"({"type":"device_joined","data":{"friendly_name":"0x00158d0001a2b3c4","ieee_address":"0x00158d0001a2b3c4"}})");
    z2m.publish("zigbee2mqtt/0x00158d0001a2b3c4", R"({"occupancy":true,"battery":100,"linkquality":150})");
    auto code = pair.wait(20s);
    ASSERT_EQ(code, 0) << pair.log();
    EXPECT_NE(pair.log().find("found zigbee2mqtt/0x00158d0001a2b3c4"), std::string::npos) << pair.log();

    const auto after = ctl_test::read_all(config);
    ASSERT_EQ(after.substr(0, before.size()), before) << "pair changed the existing text";
    EXPECT_NE(after.find("[[sensor]]\nid = \"landing\"\nkind = \"motion\"\nsource = \"zigbee2mqtt\"\n"
                         "topic = \"zigbee2mqtt/0x00158d0001a2b3c4\"\nlocation = \"landing\"\n"),
              std::string::npos)
        << after;
    auto cfg = config::load_hub_config(config.string());
    ASSERT_NE(cfg.find_sensor("landing"), nullptr);
    EXPECT_EQ(cfg.find_sensor("landing")->topic, "zigbee2mqtt/0x00158d0001a2b3c4");
    EXPECT_EQ(ctl_run({"check", config.string()}).code, 0);

    // The same id again is refused before anything is touched.
    auto again = ctl_run(
        {"pair", "--config", config.string(), "--id", "landing", "--kind", "motion", "--timeout", "1s"});
    EXPECT_EQ(again.code, 2) << again.all();
    EXPECT_EQ(ctl_test::read_all(config), after);
}

TEST_F(CtlTest, PairPicksAnUnconfiguredTasmotaDeviceThatSpeaks) {
    harness::process pair(
        {ctl, "pair", "--config", config.string(), "--id", "lounge", "--kind", "motion", "--timeout", "20s"},
        dir / "pair.log");
    ASSERT_TRUE(
        harness::eventually([&] { return pair.log().find("waiting up to") != std::string::npos; }, 10s))
        << pair.log();
    harness::mqtt_client dev(home.uri());
    dev.publish("stat/tasmota_kitchen/RESULT", R"({"Switch1":{"Action":"ON"}})");  // configured: ignored
    std::this_thread::sleep_for(200ms);
    dev.publish("stat/tasmota_lounge/RESULT", R"({"Switch1":{"Action":"ON"}})");
    ASSERT_EQ(pair.wait(20s), 0) << pair.log();
    auto cfg = config::load_hub_config(config.string());
    ASSERT_NE(cfg.find_sensor("lounge"), nullptr);
    EXPECT_EQ(cfg.find_sensor("lounge")->source, config::source_type::tasmota);
    EXPECT_EQ(cfg.find_sensor("lounge")->topic, "tasmota_lounge");
}

TEST_F(CtlTest, PairTimesOutWithExitOneAndLeavesTheFile) {
    const auto before = ctl_test::read_all(config);
    auto r = ctl_run(
        {"pair", "--config", config.string(), "--id", "landing", "--kind", "motion", "--timeout", "1s"});
    EXPECT_EQ(r.code, 1) << r.all();
    EXPECT_NE(r.err.find("no new device"), std::string::npos) << r.all();
    EXPECT_EQ(ctl_test::read_all(config), before);
}

// ---- devices ----

TEST_F(CtlTest, DevicesListsConfiguredAndUnconfiguredDevices) {
    harness::mqtt_client z2m(home.uri());
    z2m.publish("zigbee2mqtt/bridge/devices",
                R"([{"type":"Coordinator","friendly_name":"Coordinator"},
                    {"type":"EndDevice","friendly_name":"pendant","definition":{"vendor":"Xiaomi","model":"WXKG11LM"}},
                    {"type":"EndDevice","friendly_name":"landing","definition":{"vendor":"Aqara","model":"RTCGQ11LM"}}])",
                1, true);
    z2m.publish("zigbee2mqtt/pendant", R"({"action":"","battery":87,"linkquality":116})", 1, true);
    z2m.publish("zigbee2mqtt/pendant/availability", R"({"state":"online"})", 1, true);
    z2m.publish("zigbee2mqtt/landing", R"({"occupancy":false,"battery":64,"linkquality":33})", 1, true);
    std::this_thread::sleep_for(200ms);

    auto r = ctl_run({"devices", "--config", config.string(), "--listen", "1s", "--json"});
    ASSERT_EQ(r.code, 0) << r.all();
    auto list = json::parse(r.out);
    std::map<std::string, json> by_topic;
    for (const auto& d : list) by_topic[d["topic"]] = d;
    ASSERT_TRUE(by_topic.count("zigbee2mqtt/pendant")) << r.out;
    ASSERT_TRUE(by_topic.count("zigbee2mqtt/landing")) << r.out;
    EXPECT_EQ(by_topic["zigbee2mqtt/pendant"]["configured"], true);
    EXPECT_EQ(by_topic["zigbee2mqtt/pendant"]["sensors"], json::array({"pendant"}));
    EXPECT_EQ(by_topic["zigbee2mqtt/pendant"]["battery"], 87);
    EXPECT_EQ(by_topic["zigbee2mqtt/pendant"]["online"], true);
    EXPECT_EQ(by_topic["zigbee2mqtt/pendant"]["model"], "Xiaomi WXKG11LM");
    EXPECT_EQ(by_topic["zigbee2mqtt/landing"]["configured"], false);
    EXPECT_EQ(by_topic["zigbee2mqtt/landing"]["battery"], 64);
    EXPECT_EQ(by_topic["zigbee2mqtt/landing"]["link"], 33);
    // configured but silent: listed as not seen
    ASSERT_TRUE(by_topic.count("tasmota_kitchen"));
    EXPECT_EQ(by_topic["tasmota_kitchen"]["seen"], false);

    auto text = ctl_run({"devices", "--config", config.string(), "--listen", "500ms"});
    ASSERT_EQ(text.code, 0) << text.all();
    EXPECT_NE(text.out.find("(not configured)"), std::string::npos) << text.out;
    EXPECT_NE(text.out.find("NOT SEEN"), std::string::npos) << text.out;
}

// ---- export, then replay ----

TEST_F(CtlTest, ExportWhileTheHubRunsThenReplayRaisesTheSameAlarm) {
    start_hub();
    harness::mqtt_client stand_in(centre_broker.uri());
    stand_in.subscribe("warden/v1/+/alert");
    ASSERT_EQ(ctl_run({"simulate", "--config", config.string(), "hall", "active"}).code, 0);
    ASSERT_EQ(ctl_run({"simulate", "--config", config.string(), "pendant", "press"}).code, 0);
    bool seen = false;
    for (int i = 0; i < 10 && !seen; ++i) {
        auto m = stand_in.next("warden/v1/hub-0001/alert", 10s);
        ASSERT_TRUE(m) << hub.log();
        seen = json::parse(m->payload)["type"] == "pendant";
    }
    ASSERT_TRUE(seen);

    auto file = dir / "day.jsonl";
    auto ex = ctl_run({"export", "--config", config.string(), "--since", "1h", "--out", file.string()});
    ASSERT_EQ(ex.code, 0) << ex.all();
    auto text = ctl_test::read_all(file);
    EXPECT_NE(text.find(R"("topic":"zigbee2mqtt/pendant","payload":{"action":)"), std::string::npos) << text;
    EXPECT_NE(text.find(R"("topic":"zigbee2mqtt/hall_pir")"), std::string::npos) << text;
    EXPECT_TRUE(hub.running()) << "export disturbed the hub\n" << hub.log();

    auto rp = ctl_run({"replay", "--config", config.string(), file.string()});
    ASSERT_EQ(rp.code, 0) << rp.all();
    std::vector<json> alerts;
    std::istringstream lines(rp.out);
    for (std::string line; std::getline(lines, line);) alerts.push_back(json::parse(line));
    ASSERT_EQ(alerts.size(), 1u) << rp.out;
    EXPECT_EQ(alerts[0]["type"], "pendant");
    EXPECT_EQ(alerts[0]["id"], "replay-1");
    EXPECT_EQ(alerts[0]["hub"], "hub-0001");

    auto stale = ctl_run({"export", "--config", config.string(), "--since", "soon"});
    EXPECT_EQ(stale.code, 2) << stale.all();
}

TEST_F(CtlTest, ReplayOfTheFixtureDayPrintsJsonLines) {
    auto r = ctl_run({"replay", "--config", fixtures + "hub.toml", fixtures + "day.jsonl"});
    ASSERT_EQ(r.code, 0) << r.all();
    std::vector<json> alerts;
    std::istringstream lines(r.out);
    for (std::string line; std::getline(lines, line);) alerts.push_back(json::parse(line));
    ASSERT_GE(alerts.size(), 3u) << r.out;
    bool pendant = false;
    for (const auto& a : alerts)
        pendant = pendant || (a["type"] == "pendant" && a["at"] == "2026-11-29T03:00:00.000Z");
    EXPECT_TRUE(pendant) << r.out;

    auto bad =
        dir.write("bad.jsonl", "{\"at\":\"2026-11-28T23:00:00Z\",\"topic\":\"a\",\"payload\":1}\nnot json\n");
    auto b = ctl_run({"replay", "--config", fixtures + "hub.toml", bad.string()});
    EXPECT_EQ(b.code, 2) << b.all();
    EXPECT_NE(b.err.find("bad.jsonl:2:"), std::string::npos) << b.all();
}

// ---- status ----

TEST_F(CtlTest, StatusShowsTheRunningHubAndFailsWhenTheUplinkIsDown) {
    auto none = ctl_run({"status", "--config", config.string(), "--timeout", "1s"});
    EXPECT_EQ(none.code, 1) << none.all();
    EXPECT_NE(none.err.find("no hub state"), std::string::npos) << none.all();

    start_hub();
    auto r = ctl_run({"status", "--config", config.string()});
    EXPECT_EQ(r.code, 0) << r.all();
    EXPECT_NE(r.out.find("hub      hub-0001"), std::string::npos) << r.all();
    EXPECT_NE(r.out.find("uplink   connected"), std::string::npos) << r.all();
    EXPECT_NE(r.out.find("pendant"), std::string::npos) << r.all();
    EXPECT_NE(r.out.find("kitchen"), std::string::npos) << r.all();
    auto j = ctl_run({"status", "--config", config.string(), "--json"});
    EXPECT_EQ(j.code, 0) << j.all();
    EXPECT_EQ(json::parse(j.out)["state"]["hub"], "hub-0001");

    centre_broker.kill();
    bool down = harness::eventually(
        [&] {
            auto s = ctl_run({"status", "--config", config.string()});
            return s.code == 1 && s.out.find("uplink to the centre is down") != std::string::npos;
        },
        20s);
    EXPECT_TRUE(down) << hub.log();
}

// ---- test-alarm ----

TEST_F(CtlTest, TestAlarmIsAcknowledgedByTheRealCentre) {
    ASSERT_TRUE(std::filesystem::exists(centre_bin)) << "warden-centre not built";
    start_centre();
    start_hub();
    auto r = ctl_run({"test-alarm", "--config", config.string(), "--timeout", "20s"});
    ASSERT_EQ(r.code, 0) << r.all() << "\nhub:\n" << hub.log() << "\ncentre:\n" << centre.log();
    EXPECT_NE(r.out.find("acknowledged by the centre"), std::string::npos) << r.all();
    EXPECT_NE(r.out.find("test alert hub-0001-"), std::string::npos) << r.all();
    auto j = ctl_run({"test-alarm", "--config", config.string(), "--timeout", "20s", "--json"});
    ASSERT_EQ(j.code, 0) << j.all();
    auto doc = json::parse(j.out);
    EXPECT_EQ(doc["ok"], true);
    EXPECT_GE(doc["rtt_ms"].get<double>(), 0.0);
}

TEST_F(CtlTest, TestAlarmNamesTheStageThatFailed) {
    auto no_hub = ctl_run({"test-alarm", "--config", config.string(), "--timeout", "2s"});
    EXPECT_EQ(no_hub.code, 1) << no_hub.all();
    EXPECT_NE(no_hub.err.find("hub not answering"), std::string::npos) << no_hub.all();

    start_hub();  // connected to the centre broker, but no centre there to ack
    auto no_ack = ctl_run({"test-alarm", "--config", config.string(), "--timeout", "3s"});
    EXPECT_EQ(no_ack.code, 1) << no_ack.all();
    EXPECT_NE(no_ack.err.find("centre not acking"), std::string::npos) << no_ack.all() << hub.log();
}

}  // namespace
