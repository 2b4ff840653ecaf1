// The home broker for a home with Wi-Fi sensors, as shipped: Mosquitto started from
// deploy/mosquitto/home-wifi.conf with deploy/mosquitto/home-acl (only ports and file paths
// rewritten). Security finding 10: a Wi-Fi plug's password was enough to switch away mode on,
// cancel a pre-alarm or fake a pendant press. Now a device publishes only under its own topic; the
// hub's local topics and the other bridges' topics are loopback only.
#include <gtest/gtest.h>

#include <sys/stat.h>

#include "ctl_run.hpp"
#include "warden/harness/harness.hpp"

using namespace warden;
using namespace std::chrono_literals;
using ctl_test::read_all;
using ctl_test::replace_once;
using ctl_test::run;

namespace {

const std::string source_dir = WARDEN_SOURCE_DIR;

class HomeBrokerTest : public ::testing::Test {
protected:
    harness::temp_dir dir;
    int loopback = harness::free_port();
    int lan = harness::free_port();
    harness::process broker;

    void SetUp() override {
        // Mosquitto started as root drops to the mosquitto user: let it read this test's files.
        std::filesystem::permissions(dir.path(), std::filesystem::perms(0755));
        std::filesystem::create_directories(dir / "persist");
        std::filesystem::permissions(dir / "persist", std::filesystem::perms::all);
        auto passwd = dir / "passwd";
        for (auto [user, password] :
             {std::pair{"tasmota_plug", "plug-secret"}, {"shelly1-AABBCC", "shelly-secret"}}) {
            auto r = run({"/usr/bin/mosquitto_passwd", "-b", passwd.string(), user, password}, dir.path());
            if (r.code != 0) {  // the first user creates the file
                r = run({"/usr/bin/mosquitto_passwd", "-c", "-b", passwd.string(), user, password},
                        dir.path());
            }
            ASSERT_EQ(r.code, 0) << r.all();
        }
        std::filesystem::permissions(passwd, std::filesystem::perms(0644));
        std::filesystem::copy_file(source_dir + "/deploy/mosquitto/home-acl", dir / "home-acl");
        std::filesystem::permissions(dir / "home-acl", std::filesystem::perms(0644));

        auto text = read_all(source_dir + "/deploy/mosquitto/home-wifi.conf");
        for (const char* setting : {"per_listener_settings true", "allow_anonymous false", "acl_file "})
            ASSERT_NE(text.find(setting), std::string::npos) << setting;
        text = replace_once(text, "\nlistener 1883 127.0.0.1\n",
                            "\nlistener " + std::to_string(loopback) + " 127.0.0.1\n");
        text = replace_once(text, "\nlistener 1883 192.168.1.10\n",
                            "\nlistener " + std::to_string(lan) + " 127.0.0.1\n");
        text = replace_once(text, "password_file /etc/mosquitto/passwd", "password_file " + passwd.string());
        text = replace_once(text, "acl_file /etc/mosquitto/warden/home-acl",
                            "acl_file " + (dir / "home-acl").string());
        text = replace_once(text, "/var/lib/mosquitto/", (dir / "persist").string() + "/");
        auto conf = dir.write("home.conf", text);
        broker = harness::process({"/usr/sbin/mosquitto", "-c", conf.string()}, dir / "broker.log");
        ASSERT_TRUE(harness::wait_for_port(loopback, 10s)) << broker.log();
        ASSERT_TRUE(harness::wait_for_port(lan, 10s)) << broker.log();
    }

    void TearDown() override {
        if (broker.pid() > 0 && broker.running()) broker.stop();
    }

    /// mosquitto_pub on the LAN listener as `user` (no user: anonymous).
    ctl_test::result lan_publish(const std::string& user, const std::string& password,
                                 const std::string& topic, const std::string& payload) {
        std::vector<std::string> a{"/usr/bin/mosquitto_pub",
                                   "-h",
                                   "127.0.0.1",
                                   "-p",
                                   std::to_string(lan),
                                   "-q",
                                   "1",
                                   "-t",
                                   topic,
                                   "-m",
                                   payload};
        if (!user.empty()) a.insert(a.end(), {"-u", user, "-P", password});
        return run(a, dir.path(), 15s);
    }
};

TEST_F(HomeBrokerTest, AWifiDeviceMayPublishOnlyUnderItsOwnTopic) {
    // The hub's view: everything on the loopback listener.
    harness::mqtt_client hub("tcp://127.0.0.1:" + std::to_string(loopback));
    hub.subscribe("#");

    // Its own telemetry reaches the hub.
    ASSERT_EQ(lan_publish("tasmota_plug", "plug-secret", "tele/tasmota_plug/SENSOR", R"({"own":1})").code, 0);
    ASSERT_TRUE(hub.next("tele/tasmota_plug/SENSOR", 10s)) << broker.log();
    ASSERT_EQ(lan_publish("shelly1-AABBCC", "shelly-secret", "shellies/shelly1-AABBCC/input_event/0",
                          R"({"event":"S","event_cnt":1})")
                  .code,
              0);
    ASSERT_TRUE(hub.next("shellies/shelly1-AABBCC/input_event/0", 10s)) << broker.log();

    // The attacks of the trial, with the plug's own password: each is dropped by the broker.
    const std::vector<std::pair<std::string, std::string>> attacks{
        {"warden/local/away", R"({"on":true,"by":"plug"})"},
        {"warden/local/cancel", R"({"rule":"night"})"},
        {"warden/local/command", R"({"cmd":"test"})"},
        {"zigbee2mqtt/pendant", R"({"action":"sos"})"},
        {"tele/tasmota_kitchen/SENSOR", R"({"other":"device"})"},
        {"shellies/shelly1-AABBCC/input_event/0", R"({"event":"S","event_cnt":2})"},
        {"stat/tasmota_kitchen/RESULT", R"({"Switch1":{"Action":"ON"}})"},
    };
    for (const auto& [topic, payload] : attacks)
        EXPECT_EQ(lan_publish("tasmota_plug", "plug-secret", topic, payload).code, 0)
            << topic;  // MQTT 3.1.1: silently dropped
    // Without a password, or with a wrong one, no connection at all.
    EXPECT_NE(lan_publish("", "", "warden/local/away", R"({"on":true,"by":"anonymous"})").code, 0);
    EXPECT_NE(lan_publish("tasmota_plug", "wrong", "warden/local/away", R"({"on":true,"by":"wrong"})").code,
              0);

    // A marker after the attacks: once it is here, anything the broker let through would be too.
    ASSERT_EQ(lan_publish("tasmota_plug", "plug-secret", "stat/tasmota_plug/RESULT", "marker").code, 0);
    ASSERT_TRUE(hub.next("stat/tasmota_plug/RESULT", 10s)) << broker.log();
    for (const auto& m : hub.drain()) ADD_FAILURE() << "let through: " << m.topic << " " << m.payload;

    // Loopback stays open to the hub and zigbee2mqtt on the box.
    harness::mqtt_client local("tcp://127.0.0.1:" + std::to_string(loopback));
    local.publish("warden/local/cancel", R"({"rule":"night"})");
    EXPECT_TRUE(hub.next("warden/local/cancel", 10s));
}

}  // namespace
