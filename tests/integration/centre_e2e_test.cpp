// End to end: a pendant press on the home broker -> the real warden-hub -> the centre broker -> the real
// warden-centre: in the open queue and on the console's event stream well within a second; the hub
// heartbeat shows on /api/hubs; an operator acknowledges the alert.
#include <gtest/gtest.h>

#include <csignal>
#include <thread>

#include <httplib.h>
#include <nlohmann/json.hpp>

#include "warden/config/hub_config.hpp"
#include "warden/harness/harness.hpp"
#include "warden/sensors/adapters.hpp"

using namespace warden;
using namespace std::chrono_literals;
using json = nlohmann::json;

TEST(CentreEndToEnd, PendantPressReachesTheQueueAndTheStreamWithinASecond) {
    harness::temp_dir dir;
    harness::broker home, centre_broker;
    const std::string bin = WARDEN_BIN_DIR;
    int http_port = harness::free_port();

    auto hub_toml = dir.write(
        "hub.toml",
        "[hub]\nid = \"hub-e2e\"\ndata_dir = \"" + (dir / "hub").string() +
            "\"\ntimezone = \"Europe/London\"\n[local]\nuri = \"" + home.uri() + "\"\n[centre]\nuri = \"" +
            centre_broker.uri() +
            "\"\nheartbeat = \"1s\"\nack_timeout = \"2s\"\n[[sensor]]\nid = \"pendant\"\nkind = "
            "\"pendant\"\nsource = \"zigbee2mqtt\"\ntopic = \"zigbee2mqtt/pendant\"\nlocation = \"worn\"\n");
    std::filesystem::create_directories(dir / "hub");
    auto centre_toml = dir.write(
        "centre.toml", "[centre]\ndatabase = \"centre.db\"\n[mqtt]\nuri = \"" + centre_broker.uri() +
                           "\"\n[http]\nlisten = \"127.0.0.1:" + std::to_string(http_port) + "\"\n");
    auto add = harness::run({bin + "/warden-centre", "--config", centre_toml.string(), "user", "add", "olive",
                             "--role", "operator"},
                            "olive-password\n");
    ASSERT_EQ(add.code, 0) << add.output;

    harness::process centre({bin + "/warden-centre", "--config", centre_toml.string()}, dir / "centre.log");
    ASSERT_TRUE(harness::wait_for_port(http_port)) << centre.log();
    harness::process hub({bin + "/warden-hub", "--config", hub_toml.string()}, dir / "hub.log");

    httplib::Client cli("127.0.0.1", http_port);
    auto login =
        cli.Post("/api/login", R"({"user":"olive","password":"olive-password"})", "application/json");
    ASSERT_TRUE(login);
    ASSERT_EQ(login->status, 200);
    auto cookie = login->get_header_value("Set-Cookie");
    cookie = cookie.substr(0, cookie.find(';'));
    auto csrf = json::parse(login->body).at("csrf").get<std::string>();
    httplib::Headers auth{{"Cookie", cookie}};

    // The hub is up and talking to the centre (a heartbeat has arrived).
    ASSERT_TRUE(harness::eventually(
        [&] {
            auto r = cli.Get("/api/hubs", auth);
            if (!r || r->status != 200) return false;
            auto hubs = json::parse(r->body);
            return hubs.size() == 1 && !hubs[0].at("last_heartbeat").is_null();
        },
        20s))
        << hub.log() << centre.log();
    // Drain the hub_started alert, so the one we look for is the pendant.
    ASSERT_TRUE(harness::eventually(
        [&] {
            auto r = cli.Get("/api/alerts?state=all", auth);
            return r && json::parse(r->body).size() >= 1;
        },
        10s));

    std::atomic<bool> connected{false};
    std::atomic<long long> arrived_ns{0};
    std::string received, pendant_id;
    std::thread reader([&] {
        httplib::Client s("127.0.0.1", http_port);
        s.set_read_timeout(30, 0);
        s.Get("/api/stream", auth, [&](const char* data, size_t len) {
            received.append(data, len);
            if (received.find(": connected") != std::string::npos) connected = true;
            if (received.find("\"type\":\"pendant\"") != std::string::npos) {
                arrived_ns = std::chrono::steady_clock::now().time_since_epoch().count();
                return false;
            }
            return true;
        });
    });
    ASSERT_TRUE(harness::eventually([&] { return connected.load(); }, 5s));

    config::sensor_spec pendant;
    pendant.id = "pendant";
    pendant.kind = sensor_kind::pendant;
    pendant.source = config::source_type::zigbee2mqtt;
    pendant.topic = "zigbee2mqtt/pendant";
    harness::mqtt_client sensors(home.uri(), "e2e-sensors");
    auto pressed = std::chrono::steady_clock::now();
    for (const auto& [topic, payload] : sensors::simulate_payload(pendant, "press"))
        sensors.publish(topic, payload);

    bool streamed = harness::eventually([&] { return arrived_ns.load() != 0; }, 5s);
    if (!streamed) centre.signal(SIGTERM);
    reader.join();
    ASSERT_TRUE(streamed) << received << hub.log() << centre.log();
    auto latency =
        std::chrono::steady_clock::time_point(std::chrono::nanoseconds(arrived_ns.load())) - pressed;
    EXPECT_LT(latency, 1s) << std::chrono::duration<double>(latency).count() << " s";

    auto r = cli.Get("/api/alerts?state=open", auth);
    ASSERT_TRUE(r);
    json pendant_alert;
    for (const auto& a : json::parse(r->body))
        if (a.at("type") == "pendant") pendant_alert = a;
    ASSERT_FALSE(pendant_alert.is_null()) << r->body;
    EXPECT_EQ(pendant_alert.at("hub"), "hub-e2e");
    EXPECT_EQ(pendant_alert.at("priority"), "critical");
    EXPECT_EQ(pendant_alert.at("status"), "open");
    pendant_id = pendant_alert.at("id");

    // The operator takes it.
    auto ack = cli.Post("/api/alerts/" + pendant_id + "/acknowledge",
                        {{"Cookie", cookie}, {"X-CSRF-Token", csrf}}, "{}", "application/json");
    ASSERT_TRUE(ack);
    EXPECT_EQ(ack->status, 200);

    hub.signal(SIGTERM);
    EXPECT_EQ(hub.wait(10s), 0) << hub.log();
    centre.signal(SIGTERM);
    EXPECT_EQ(centre.wait(10s), 0) << centre.log();
}
