// warden-ctl as a technician uses it, against real Mosquitto brokers, the real warden-hub and the real
// warden-centre: check's exit codes and messages, simulate observed by the hub, pair with a simulated
// zigbee2mqtt join, devices, export then replay, status, and test-alarm through the centre.
#include <gtest/gtest.h>

#include <sys/resource.h>
#include <sys/stat.h>

#include <atomic>
#include <csignal>
#include <fstream>
#include <map>
#include <set>
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

    /// Starts warden-hub and waits until its retained state (on `home_uri`, default the test's home
    /// broker) says the uplink is connected.
    void start_hub(const std::string& home_uri = {}) {
        hub =
            harness::process({hub_bin, "--config", config.string(), "--log-level", "debug"}, dir / "hub.log");
        harness::mqtt_client watch(home_uri.empty() ? home.uri() : home_uri);
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
        // Subscribed (the broker's SUBACK for the last of ingest's filters) before the test publishes.
        ASSERT_TRUE(harness::eventually([&] {
            return centre.log().find("mqtt subscribed filter=warden/v1/+/status") != std::string::npos;
        })) << centre.log();
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
    auto bogus = ctl_run({"frobnicate"});
    EXPECT_EQ(bogus.code, 2) << bogus.all();
    EXPECT_NE(bogus.err.find("unknown subcommand \"frobnicate\""), std::string::npos) << bogus.all();
    EXPECT_NE(bogus.err.find("check, devices, pair"), std::string::npos) << bogus.all();
    auto bogus_v = ctl_run({"-v", "bogus", "--config", config.string()});
    EXPECT_EQ(bogus_v.code, 2) << bogus_v.all();
    EXPECT_NE(bogus_v.err.find("unknown subcommand \"bogus\""), std::string::npos) << bogus_v.all();
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
    // A door cannot be "clear": the message lists the words it takes.
    auto door_cfg =
        dir.write("door.toml", hub_toml("data", home.uri(), centre_broker.uri()) +
                                   "\n[[sensor]]\nid = \"door\"\nkind = \"door\"\nsource = "
                                   "\"zigbee2mqtt\"\ntopic = \"zigbee2mqtt/door\"\nlocation = \"front\"\n");
    auto door = ctl_run({"simulate", "--config", door_cfg.string(), "door", "clear"});
    EXPECT_EQ(door.code, 2) << door.all();
    EXPECT_NE(door.err.find("accepts: "), std::string::npos) << door.all();
    for (const char* word : {"open", "closed", "battery-low", "offline"})
        EXPECT_NE(door.err.find(word, door.err.find("accepts: ")), std::string::npos) << word << door.all();
    EXPECT_EQ(door.err.find("press", door.err.find("accepts: ")), std::string::npos) << door.all();
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
                           "--location", "landing", "--timeout", "20s", "--warm-up", "1s", "--yes"},
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
    auto again = ctl_run({"pair", "--config", config.string(), "--id", "landing", "--kind", "motion",
                          "--timeout", "1s", "--yes"});
    EXPECT_EQ(again.code, 2) << again.all();
    EXPECT_EQ(ctl_test::read_all(config), after);
}

TEST_F(CtlTest, PairPicksAnUnconfiguredTasmotaDeviceThatSpeaks) {
    harness::process pair({ctl, "pair", "--config", config.string(), "--id", "lounge", "--kind", "motion",
                           "--timeout", "20s", "--warm-up", "1s", "--yes"},
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
    auto r = ctl_run({"pair", "--config", config.string(), "--id", "landing", "--kind", "motion", "--timeout",
                      "1s", "--warm-up", "500ms", "--yes"});
    EXPECT_EQ(r.code, 1) << r.all();
    EXPECT_NE(r.err.find("no new device"), std::string::npos) << r.all();
    EXPECT_EQ(ctl_test::read_all(config), before);
}

TEST_F(CtlTest, PairWithoutATerminalAsksForYes) {
    const auto before = ctl_test::read_all(config);
    auto r = ctl_run(
        {"pair", "--config", config.string(), "--id", "landing", "--kind", "motion", "--timeout", "1s"});
    EXPECT_EQ(r.code, 2) << r.all();
    EXPECT_NE(r.err.find("stdin is not one"), std::string::npos) << r.all();
    EXPECT_NE(r.err.find("--yes"), std::string::npos) << r.all();
    EXPECT_EQ(ctl_test::read_all(config), before);
}

/// Publishes `messages` again and again until destroyed, like devices that keep reporting.
class chatter {
public:
    chatter(const std::string& uri, std::vector<std::pair<std::string, std::string>> messages,
            std::chrono::milliseconds every = 200ms)
        : thread_([this, uri, messages = std::move(messages), every] {
              harness::mqtt_client c(uri);
              while (!stop_) {
                  for (const auto& [t, p] : messages) c.publish(t, p);
                  ++rounds_;
                  std::this_thread::sleep_for(every);
              }
          }) {}
    ~chatter() {
        stop_ = true;
        thread_.join();
    }
    /// How many times every message has been published so far.
    int rounds() const { return rounds_; }

private:
    std::atomic<bool> stop_{false};
    std::atomic<int> rounds_{0};
    std::thread thread_;
};

TEST_F(CtlTest, PairIgnoresDevicesThatWereThereBeforeIt) {
    harness::mqtt_client z2m(home.uri());
    // zigbee2mqtt already knows listed_pir (paired with the bridge some other day, not with the hub).
    z2m.publish("zigbee2mqtt/bridge/devices",
                R"([{"type":"Coordinator","friendly_name":"Coordinator"},
                    {"type":"EndDevice","friendly_name":"listed_pir","definition":{"vendor":"Aqara","model":"RTCGQ11LM"}}])",
                1, true);
    // old_pir keeps reporting, during the warm-up and after it.
    chatter old(home.uri(), {{"zigbee2mqtt/old_pir", R"({"occupancy":true,"linkquality":40})"}});
    ASSERT_TRUE(harness::eventually([&] { return old.rounds() >= 2; }, 10s));
    harness::process pair({ctl, "pair", "--config", config.string(), "--id", "landing", "--kind", "motion",
                           "--timeout", "20s", "--warm-up", "1500ms", "--yes"},
                          dir / "pair.log");
    ASSERT_TRUE(
        harness::eventually([&] { return pair.log().find("waiting up to") != std::string::npos; }, 10s))
        << pair.log();
    z2m.publish("zigbee2mqtt/listed_pir", R"({"occupancy":true,"linkquality":90})");
    ASSERT_TRUE(harness::eventually(
        [&] { return pair.log().find("ignoring zigbee2mqtt/listed_pir") != std::string::npos; }, 5s))
        << pair.log();
    std::this_thread::sleep_for(300ms);  // old_pir speaks again after the warm-up
    EXPECT_NE(pair.log().find("ignoring zigbee2mqtt/old_pir: it was on the broker before pairing started"),
              std::string::npos)
        << pair.log();
    z2m.publish("zigbee2mqtt/new_pir", R"({"occupancy":true,"linkquality":120})");
    ASSERT_EQ(pair.wait(20s), 0) << pair.log();
    EXPECT_NE(pair.log().find("found zigbee2mqtt/new_pir"), std::string::npos) << pair.log();
    EXPECT_EQ(config::load_hub_config(config.string()).find_sensor("landing")->topic, "zigbee2mqtt/new_pir");
}

TEST_F(CtlTest, PairDoesNotTakeADeviceWhoseMessageDoesNotFitTheKind) {
    harness::process pair({ctl, "pair", "--config", config.string(), "--id", "pendant2", "--kind", "pendant",
                           "--timeout", "20s", "--warm-up", "500ms", "--yes"},
                          dir / "pair.log");
    ASSERT_TRUE(
        harness::eventually([&] { return pair.log().find("waiting up to") != std::string::npos; }, 10s))
        << pair.log();
    harness::mqtt_client z2m(home.uri());
    // A new plug reporting its power is not a pendant.
    z2m.publish("zigbee2mqtt/plug", R"({"power":12.5,"energy":3.1,"state":"ON"})");
    ASSERT_TRUE(harness::eventually(
        [&] {
            return pair.log().find("carries nothing a pendant sensor reports (no press)") !=
                   std::string::npos;
        },
        5s))
        << pair.log();
    EXPECT_NE(pair.log().find("zigbee2mqtt/plug spoke"), std::string::npos) << pair.log();
    z2m.publish(
        "zigbee2mqtt/bridge/event",
        R"({"type":"device_joined","data":{"friendly_name":"sos","ieee_address":"0x00158d0001aa0001"}})");
    z2m.publish("zigbee2mqtt/sos", R"({"battery":100,"linkquality":150})");  // joined, no press yet
    std::this_thread::sleep_for(300ms);
    EXPECT_TRUE(pair.running()) << pair.log();
    z2m.publish("zigbee2mqtt/sos", R"({"action":"single","battery":100})");
    ASSERT_EQ(pair.wait(20s), 0) << pair.log();
    EXPECT_NE(pair.log().find("found zigbee2mqtt/sos (zigbee2mqtt, joined, then spoke"), std::string::npos)
        << pair.log();
    EXPECT_EQ(config::load_hub_config(config.string()).find_sensor("pendant2")->topic, "zigbee2mqtt/sos");
}

TEST_F(CtlTest, PairThatCannotWriteTheConfigLeavesItWhole) {
    const auto before = ctl_test::read_all(config);
    const auto mode = std::filesystem::status(config).permissions();
    chatter device(
        home.uri(),
        {{"zigbee2mqtt/bridge/event",
          R"({"type":"device_joined","data":{"friendly_name":"landing_pir","ieee_address":"0x1"}})"},
         {"zigbee2mqtt/landing_pir", R"({"occupancy":true})"}},
        300ms);
    // No file may grow past the size of the original: the new text cannot be written in full.
    const auto limit = static_cast<rlim_t>(before.size() + 16);
    auto r = ctl_test::run({ctl, "pair", "--config", config.string(), "--id", "landing", "--kind", "motion",
                            "--timeout", "20s", "--warm-up", "200ms", "--yes"},
                           dir.path(), 30s, [limit] {
                               std::signal(SIGXFSZ, SIG_IGN);
                               rlimit l{limit, limit};
                               setrlimit(RLIMIT_FSIZE, &l);
                           });
    EXPECT_EQ(r.code, 1) << r.all();
    EXPECT_NE(r.err.find("file left as it was"), std::string::npos) << r.all();
    EXPECT_EQ(ctl_test::read_all(config), before);
    EXPECT_EQ(std::filesystem::status(config).permissions(), mode);
    for (const auto& f : std::filesystem::directory_iterator(dir.path()))
        EXPECT_EQ(f.path().filename().string().rfind(".hub.toml.", 0), std::string::npos) << "temp file left";

    // With room to write, the new file keeps the original's mode.
    std::filesystem::permissions(config, std::filesystem::perms(0640));
    auto ok = ctl_run({"pair", "--config", config.string(), "--id", "landing", "--kind", "motion",
                       "--timeout", "20s", "--warm-up", "200ms", "--yes"});
    ASSERT_EQ(ok.code, 0) << ok.all();
    EXPECT_EQ(std::filesystem::status(config).permissions(), std::filesystem::perms(0640));
    EXPECT_EQ(ctl_test::read_all(config).substr(0, before.size()), before);
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

TEST_F(CtlTest, WaitingDoesNotSpinACore) {
    // devices, pair, status and test-alarm wait on the broker; waiting must sleep, not poll. Two runs
    // that differ only in how long they listen: start-up and connecting cost the same in both (and
    // cost far more under a sanitizer), so the difference is what 3 s of waiting cost.
    auto cpu_of = [&](const std::string& listen) {
        rusage before{}, after{};
        getrusage(RUSAGE_CHILDREN, &before);
        auto r = ctl_run({"devices", "--config", config.string(), "--listen", listen});
        getrusage(RUSAGE_CHILDREN, &after);
        EXPECT_EQ(r.code, 0) << r.all();
        auto cpu = [](const rusage& u) {
            return std::chrono::seconds(u.ru_utime.tv_sec + u.ru_stime.tv_sec) +
                   std::chrono::microseconds(u.ru_utime.tv_usec + u.ru_stime.tv_usec);
        };
        return std::chrono::duration_cast<std::chrono::milliseconds>(cpu(after) - cpu(before));
    };
    const auto short_run = cpu_of("1s");
    const auto long_run = cpu_of("4s");
    // A sanitizer's runtime has threads of its own that wake while the program waits (TSan: 115 ms
    // of CPU a second); a spinning core would still use 3,000 ms.
    EXPECT_LT(long_run - short_run, 300ms * harness::time_scale())
        << "warden-ctl devices used " << long_run.count() << " ms of CPU listening 4 s and "
        << short_run.count() << " ms listening 1 s";
}

// ---- the shipped home broker config ----

TEST_F(CtlTest, ShippedHomeBrokerKeepsABurstForTheHubWhileItRestarts) {
    // deploy/mosquitto/home.conf as shipped, with only its port and persistence folder rewritten. As
    // root, Mosquitto would switch to the mosquitto user and could not write this test's folder.
    auto text = ctl_test::read_all(std::string(WARDEN_SOURCE_DIR) + "/deploy/mosquitto/home.conf");
    const int port = harness::free_port();
    auto swap = [&](const std::string& from, const std::string& to) {
        auto at = text.find(from);
        ASSERT_NE(at, std::string::npos) << from;
        text.replace(at, from.size(), to);
    };
    swap("\nlistener 1883 127.0.0.1\n", "\nlistener " + std::to_string(port) + " 127.0.0.1\n");
    std::filesystem::create_directories(dir / "persist");
    swap("\npersistence_location /var/lib/mosquitto/\n",
         "\npersistence_location " + (dir / "persist").string() + "/\n");
    if (::geteuid() == 0) text += "\nuser root\n";
    auto conf = dir.write("home.conf", text);
    auto start_broker = [&] {
        auto b = harness::process({"/usr/sbin/mosquitto", "-c", conf.string()}, dir / "home-broker.log");
        EXPECT_TRUE(harness::wait_for_port(port, 10s)) << b.log();
        return b;
    };
    auto broker = start_broker();
    const std::string uri = "tcp://127.0.0.1:" + std::to_string(port);
    config = dir.write("hub.toml", hub_toml((dir / "data").string(), uri, centre_broker.uri()));
    ASSERT_NO_FATAL_FAILURE(start_hub(uri));
    hub.stop();  // SIGTERM, as systemd stops it for an upgrade

    // A burst while the hub is away, then the broker itself restarts (its persistence on disk).
    constexpr int burst = 300;
    {
        harness::mqtt_client z2m(uri);
        for (int i = 0; i < burst; ++i)
            z2m.publish("zigbee2mqtt/hall_pir", R"({"occupancy":)" + std::string(i % 2 ? "false" : "true") +
                                                    R"(,"linkquality":)" + std::to_string(i) + "}");
    }
    broker.stop();
    broker = start_broker();

    ASSERT_NO_FATAL_FAILURE(start_hub(uri));
    std::set<int> got;
    auto file = dir / "burst.jsonl";
    ASSERT_TRUE(harness::eventually(
        [&] {
            got.clear();
            auto ex =
                ctl_run({"export", "--config", config.string(), "--since", "1h", "--out", file.string()});
            if (ex.code != 0) return false;
            std::istringstream lines(ctl_test::read_all(file));
            for (std::string line; std::getline(lines, line);) {
                auto j = json::parse(line, nullptr, false);
                if (j.is_object() && j.value("topic", "") == "zigbee2mqtt/hall_pir" &&
                    j["payload"].is_object() && j["payload"].contains("linkquality"))
                    got.insert(j["payload"]["linkquality"].get<int>());
            }
            return got.size() == burst;
        },
        30s))
        << got.size() << " of " << burst << " processed\n"
        << hub.log() << broker.log();
    EXPECT_EQ(*got.begin(), 0);
    EXPECT_EQ(*got.rbegin(), burst - 1);
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

    // The recording is a home's raw sensor traffic: mode 0600 whatever the umask, also over a file that
    // was readable by all.
    auto file = dir / "day.jsonl";
    std::ofstream(file) << "an older, longer file that the export replaces\n";
    std::filesystem::permissions(
        file, std::filesystem::perms::owner_read | std::filesystem::perms::owner_write |
                  std::filesystem::perms::group_read | std::filesystem::perms::others_read);
    const auto old_umask = ::umask(022);
    auto ex = ctl_run({"export", "--config", config.string(), "--since", "1h", "--out", file.string()});
    ::umask(old_umask);
    ASSERT_EQ(ex.code, 0) << ex.all();
    EXPECT_EQ(std::filesystem::status(file).permissions() & std::filesystem::perms::mask,
              std::filesystem::perms::owner_read | std::filesystem::perms::owner_write);
    auto text = ctl_test::read_all(file);
    EXPECT_EQ(text.find("an older"), std::string::npos) << text;
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
    // The fixture day's known alerts (tests/unit/ctl_test.cpp explains each), in order.
    std::vector<std::string> got;
    for (const auto& a : alerts)
        got.push_back(a["id"].get<std::string>() + " " + a["at"].get<std::string>() + " " +
                      a["type"].get<std::string>() + " " + a["state"].get<std::string>() + " " +
                      a.value("sensor", a.value("rule", "")) +
                      (a.contains("clears") ? " clears=" + a["clears"].get<std::string>() : ""));
    const std::vector<std::string> want = {
        "replay-1 2026-11-28T22:06:00.000Z sensor_offline raised kitchen",
        "replay-2 2026-11-29T00:00:00.000Z inactivity raised night-inactivity",
        "replay-3 2026-11-29T02:05:00.000Z inactivity cleared night-inactivity clears=replay-2",
        "replay-4 2026-11-29T03:00:00.000Z pendant raised pendant",
        "replay-5 2026-11-29T10:00:00.000Z due raised up",
        "replay-6 2026-11-29T10:20:00.000Z sensor_offline cleared kitchen clears=replay-1",
        "replay-7 2026-11-29T10:20:00.000Z due cleared up clears=replay-5",
    };
    EXPECT_EQ(got, want) << r.out;
    for (const auto& a : alerts) EXPECT_EQ(a["hub"], "hub-test");

    auto bad =
        dir.write("bad.jsonl", "{\"at\":\"2026-11-28T23:00:00Z\",\"topic\":\"a\",\"payload\":1}\nnot json\n");
    auto b = ctl_run({"replay", "--config", fixtures + "hub.toml", bad.string()});
    EXPECT_EQ(b.code, 2) << b.all();
    EXPECT_NE(b.err.find("bad.jsonl:2:"), std::string::npos) << b.all();
}

TEST_F(CtlTest, GenerateWeekThenReplayActivityShowsTheInjectedInfection) {
    const std::string home = std::string(WARDEN_SOURCE_DIR) + "/tests/fixtures/activity/home.toml";
    auto g = ctl_run(
        {"generate-week", "--config", home, "--days", "14", "--seed", "3", "--inject", "infection:7"});
    ASSERT_EQ(g.code, 0) << g.err;
    auto file = dir.write("fortnight.jsonl", g.out);
    // The recording is the home broker's own: replay (alerts) reads it as it reads an export.
    auto alerts = ctl_run({"replay", "--config", home, file.string()});
    ASSERT_EQ(alerts.code, 0) << alerts.all();

    auto r = ctl_run({"replay", "--config", home, "--activity-daily", file.string()});
    ASSERT_EQ(r.code, 0) << r.all();
    std::vector<json> days;
    std::istringstream lines(r.out);
    for (std::string line; std::getline(lines, line);) days.push_back(json::parse(line));
    ASSERT_EQ(days.size(), 14u) << r.out;
    EXPECT_EQ(days.front()["date"], "2026-11-02");
    int before = 0, after = 0;
    for (int i = 0; i < 7; ++i) before += days[i]["night_bathroom_visits"].get<int>();
    for (int i = 7; i < 14; ++i) after += days[i]["night_bathroom_visits"].get<int>();
    EXPECT_GE(after, 2 * before) << "before " << before << " after " << after;

    auto hourly = ctl_run({"replay", "--config", home, "--activity", file.string()});
    ASSERT_EQ(hourly.code, 0);
    std::istringstream hl(hourly.out);
    std::string first;
    std::getline(hl, first);
    auto h = json::parse(first);
    EXPECT_EQ(h["hub"], "hub-activity");
    EXPECT_EQ(h["hour"], "2026-11-02T00:00:00Z");
    EXPECT_TRUE(h.contains("bed") && h.contains("rooms") && h.contains("appliances")) << first;

    auto bad = ctl_run({"generate-week", "--config", home, "--inject", "flu:3"});
    EXPECT_EQ(bad.code, 2) << bad.all();
    EXPECT_NE(bad.err.find("use infection, cold or decline"), std::string::npos) << bad.all();
}

// ---- status ----

TEST_F(CtlTest, StatusShowsTheRunningHubAndFailsWhenTheUplinkIsDown) {
    auto none = ctl_run({"status", "--config", config.string(), "--timeout", "1s"});
    EXPECT_EQ(none.code, 1) << none.all();
    EXPECT_NE(none.err.find("no hub state"), std::string::npos) << none.all();

    start_hub();
    // Nothing has been heard yet: the hub says "online" with no last_seen, status says "never seen"
    // and fails, so a technician cannot leave with a sensor that was never tested.
    auto fresh = ctl_run({"status", "--config", config.string()});
    EXPECT_EQ(fresh.code, 1) << fresh.all();
    for (const char* id : {"pendant", "hall", "kitchen"})
        EXPECT_NE(fresh.out.find(std::string("PROBLEM: sensor '") + id + "'"), std::string::npos)
            << id << fresh.all();
    EXPECT_NE(fresh.out.find("never seen since the hub started"), std::string::npos) << fresh.all();
    EXPECT_NE(fresh.out.find("never seen"), std::string::npos) << fresh.all();
    for (auto [sensor, event] : {std::pair{"pendant", "press"}, {"hall", "clear"}, {"kitchen", "clear"}})
        ASSERT_EQ(ctl_run({"simulate", "--config", config.string(), sensor, event}).code, 0) << sensor;
    ctl_test::result r;
    ASSERT_TRUE(harness::eventually(
        [&] {
            r = ctl_run({"status", "--config", config.string()});
            return r.code == 0;
        },
        15s))
        << r.all() << hub.log();
    EXPECT_EQ(r.out.find("PROBLEM"), std::string::npos) << r.all();
    EXPECT_EQ(r.out.find("never seen"), std::string::npos) << r.all();
    auto j = ctl_run({"status", "--config", config.string(), "--json"});
    EXPECT_EQ(j.code, 0) << j.all();
    EXPECT_EQ(json::parse(j.out)["state"]["hub"], "hub-0001");

    // A low battery is a problem to fix before leaving.
    ASSERT_EQ(ctl_run({"simulate", "--config", config.string(), "hall", "battery-low"}).code, 0);
    ASSERT_TRUE(harness::eventually(
        [&] {
            auto s = ctl_run({"status", "--config", config.string()});
            return s.code == 1 &&
                   s.out.find("PROBLEM: sensor 'hall' (hall) battery low") != std::string::npos;
        },
        15s))
        << hub.log();

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
