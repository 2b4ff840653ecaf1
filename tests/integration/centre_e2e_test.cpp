// End to end: a pendant press on the home broker -> the real warden-hub -> the centre broker -> the real
// warden-centre: in the open queue and on the console's event stream well within a second; the hub
// heartbeat shows on /api/hubs; an operator acknowledges the alert. A backlog built while the centre
// is down reaches it whole and in order once it is back.
#include <gtest/gtest.h>

#include <sqlite3.h>

#include <csignal>
#include <thread>

#include <httplib.h>
#include <nlohmann/json.hpp>

#include "warden/config/hub_config.hpp"
#include "warden/harness/harness.hpp"
#include "warden/harness/postgres.hpp"
#include "warden/sensors/adapters.hpp"

using namespace warden;
using namespace std::chrono_literals;
using json = nlohmann::json;

/// The real hub (one pendant, on a home broker) and the real centre (its own broker), a logged-in
/// operator, and the hub heard by the centre (a heartbeat in, the hub_started alert stored).
class CentreEndToEnd : public ::testing::Test {
protected:
    harness::temp_dir dir;
    harness::broker home, centre_broker;
    const std::string bin = WARDEN_BIN_DIR;
    int http_port = harness::free_port();
    std::filesystem::path centre_toml;
    harness::process centre, hub;
    httplib::Client cli{"127.0.0.1", http_port};
    std::string cookie, csrf;
    httplib::Headers auth;

    void SetUp() override {
        auto hub_toml = dir.write(
            "hub.toml",
            "[hub]\nid = \"hub-e2e\"\ndata_dir = \"" + (dir / "hub").string() +
                "\"\ntimezone = \"Europe/London\"\n[local]\nuri = \"" + home.uri() +
                "\"\n[centre]\nuri = \"" + centre_broker.uri() +
                "\"\nheartbeat = \"1s\"\nack_timeout = \"2s\"\n[[sensor]]\nid = \"pendant\"\nkind = "
                "\"pendant\"\nsource = \"zigbee2mqtt\"\ntopic = \"zigbee2mqtt/pendant\"\nlocation = "
                "\"worn\"\n");
        std::filesystem::create_directories(dir / "hub");
        centre_toml = dir.write("centre.toml",
                                "[centre]\ndatabase = \"" + harness::test_database(dir / "centre.db") +
                                    "\"\n[mqtt]\nuri = \"" + centre_broker.uri() +
                                    "\"\n[http]\nlisten = \"127.0.0.1:" + std::to_string(http_port) + "\"\n");
        auto add = harness::run({bin + "/warden-centre", "--config", centre_toml.string(), "user", "add",
                                 "olive", "--role", "operator"},
                                "olive-password\n");
        ASSERT_EQ(add.code, 0) << add.output;

        centre =
            harness::process({bin + "/warden-centre", "--config", centre_toml.string()}, dir / "centre.log");
        ASSERT_TRUE(harness::wait_for_port(http_port)) << centre.log();
        hub = harness::process({bin + "/warden-hub", "--config", hub_toml.string()}, dir / "hub.log");

        auto login =
            cli.Post("/api/login", R"({"user":"olive","password":"olive-password"})", "application/json");
        ASSERT_TRUE(login);
        ASSERT_EQ(login->status, 200);
        cookie = login->get_header_value("Set-Cookie");
        cookie = cookie.substr(0, cookie.find(';'));
        csrf = json::parse(login->body).at("csrf").get<std::string>();
        auth = {{"Cookie", cookie}};

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
    }

    void TearDown() override {
        for (auto* p : {&hub, &centre}) {
            if (p->pid() <= 0 || !p->running()) continue;
            p->signal(SIGTERM);
            EXPECT_EQ(p->wait(10s), 0) << p->log();
        }
    }

    /// Presses the pendant on the home broker.
    void press() {
        config::sensor_spec pendant;
        pendant.id = "pendant";
        pendant.kind = sensor_kind::pendant;
        pendant.source = config::source_type::zigbee2mqtt;
        pendant.topic = "zigbee2mqtt/pendant";
        harness::mqtt_client sensors(home.uri(), "e2e-sensors");
        for (const auto& [topic, payload] : sensors::simulate_payload(pendant, "press"))
            sensors.publish(topic, payload);
    }

    /// The stored pendant alert, or null.
    json stored_pendant() {
        auto r = cli.Get("/api/alerts?state=all", auth);
        if (!r) return nullptr;
        for (const auto& a : json::parse(r->body))
            if (a.at("type") == "pendant") return a;
        return nullptr;
    }
};

TEST_F(CentreEndToEnd, PendantPressReachesTheQueueAndTheStreamWithinASecond) {
    std::string received, pendant_id;
    std::atomic<bool> connected{false};
    std::atomic<long long> arrived_ns{0};
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

    auto pressed = std::chrono::steady_clock::now();
    press();

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
}

// Security issue 12, finding 2: a hub disabled in the centre is refused, keeps its alert, and
// resends it once enabled again.
TEST_F(CentreEndToEnd, ADisabledHubsPressIsRefusedKeptByTheHubAndArrivesOnceEnabled) {
    auto disable =
        harness::run({bin + "/warden-centre", "--config", centre_toml.string(), "hub", "disable", "hub-e2e"});
    ASSERT_EQ(disable.code, 0) << disable.output;
    press();
    // The hub got no ack: it resends, and the centre refuses each time, audited (and logged) paced.
    ASSERT_TRUE(
        harness::eventually([&] { return hub.log().find("uplink resend alert=") != std::string::npos; }, 20s))
        << hub.log();
    EXPECT_NE(centre.log().find("hub disabled, messages refused hub=hub-e2e"), std::string::npos)
        << centre.log();
    EXPECT_TRUE(stored_pendant().is_null());

    auto enable =
        harness::run({bin + "/warden-centre", "--config", centre_toml.string(), "hub", "enable", "hub-e2e"});
    ASSERT_EQ(enable.code, 0) << enable.output;
    ASSERT_TRUE(harness::eventually([&] { return !stored_pendant().is_null(); }, 30s))
        << hub.log() << centre.log();
    EXPECT_EQ(stored_pendant().at("status"), "open");
}

/// Issue 10: the hubs view shows away mode and who set it. An operator sets away through the centre
/// (POST /api/hubs/<id>/away, audited with her name); the home ends it on warden/local/away (a local
/// app) and warden-ctl's command topic sets it again. Each change reaches GET /api/hubs from the real
/// hub's heartbeat with who made it, and the hub still says so after a restart.
TEST_F(CentreEndToEnd, AwaySetFromTheCentreAndFromTheHomeShowsOnTheHubsList) {
    auto hub_away = [&]() -> json {
        auto r = cli.Get("/api/hubs", auth);
        if (!r || r->status != 200) return nullptr;
        auto hubs = json::parse(r->body);
        return hubs.size() == 1 ? hubs[0].value("away", json(nullptr)) : json(nullptr);
    };
    auto away_is = [&](bool on) {
        auto a = hub_away();
        return a.is_object() && a.contains("on") && a["on"] == on;
    };
    // A hub that reports it, and was never switched: off, nothing more known.
    ASSERT_TRUE(harness::eventually([&] { return hub_away() == json{{"on", false}}; }, 10s)) << hub_away();

    // --- from the centre: the operator's name and the request id come back from the hub
    auto before = std::chrono::system_clock::now() - 1s;
    auto sent = cli.Post("/api/hubs/hub-e2e/away", {{"Cookie", cookie}, {"X-CSRF-Token", csrf}},
                         R"({"on":true})", "application/json");
    ASSERT_TRUE(sent);
    ASSERT_EQ(sent->status, 202) << sent->body;
    auto request = json::parse(sent->body).at("id").get<std::string>();
    ASSERT_TRUE(harness::eventually([&] { return away_is(true); }, 10s)) << hub.log();
    auto away = hub_away();
    EXPECT_EQ(away.at("by"), "centre");
    EXPECT_EQ(away.at("user"), "olive");
    EXPECT_EQ(away.at("request"), request);
    auto since = parse_time(away.at("since").get<std::string>());
    ASSERT_TRUE(since) << away;
    EXPECT_GE(*since, before);
    EXPECT_LE(*since, std::chrono::system_clock::now() + 1s);

    // The switch is audited with the operator (read by a supervisor: operators do not read the audit).
    auto add = harness::run({bin + "/warden-centre", "--config", centre_toml.string(), "user", "add", "sam",
                             "--role", "supervisor"},
                            "sam-password\n");
    ASSERT_EQ(add.code, 0) << add.output;
    auto login = cli.Post("/api/login", R"({"user":"sam","password":"sam-password"})", "application/json");
    ASSERT_TRUE(login);
    auto sam = login->get_header_value("Set-Cookie");
    auto audit = cli.Get("/api/audit?limit=50", {{"Cookie", sam.substr(0, sam.find(';'))}});
    ASSERT_TRUE(audit);
    ASSERT_EQ(audit->status, 200) << audit->body;
    json audited;
    for (const auto& e : json::parse(audit->body))
        if (e.at("action") == "hub_away") audited = e;
    ASSERT_FALSE(audited.is_null()) << audit->body;
    EXPECT_EQ(audited.at("user"), "olive");
    EXPECT_EQ(audited.at("target"), "hub-e2e");
    EXPECT_NE(audited.at("detail").get<std::string>().find(request), std::string::npos) << audited;

    // --- from the home: a local app ends it, then warden-ctl's command topic sets it again. A request is
    // acted on only once the hub is subscribed, so it is repeated until it shows (a repeat changes nothing).
    harness::mqtt_client home_app(home.uri(), "e2e-home-app");
    auto from_home = [&](const std::string& topic, const std::string& payload, bool on) {
        return harness::eventually(
            [&] {
                home_app.publish(topic, payload);
                return harness::eventually([&] { return away_is(on); }, 2s);
            },
            20s);
    };
    ASSERT_TRUE(from_home("warden/local/away", R"({"on":false})", false)) << hub_away() << hub.log();
    away = hub_away();
    EXPECT_EQ(away.at("by"), "local");
    EXPECT_FALSE(away.contains("user")) << away;
    EXPECT_FALSE(away.contains("request")) << away;
    EXPECT_GE(*parse_time(away.at("since").get<std::string>()), *since);

    ASSERT_TRUE(from_home("warden/local/command", R"({"id":"ctl-7","cmd":"away","on":true})", true))
        << hub_away() << hub.log();
    away = hub_away();
    EXPECT_EQ(away.at("by"), "ctl");
    EXPECT_EQ(away.at("request"), "ctl-7");

    // --- the hub keeps who set it across a restart: a heartbeat of the new run says the same
    hub.signal(SIGTERM);
    ASSERT_EQ(hub.wait(10s), 0) << hub.log();
    auto last_heartbeat = [&] {
        auto r = cli.Get("/api/hubs", auth);
        return r ? json::parse(r->body)[0].at("last_heartbeat").get<std::string>() : std::string{};
    };
    auto stopped_at = last_heartbeat();
    hub = harness::process({bin + "/warden-hub", "--config", (dir / "hub.toml").string()}, dir / "hub.log");
    ASSERT_TRUE(harness::eventually([&] { return last_heartbeat() > stopped_at; }, 20s)) << hub.log();
    EXPECT_EQ(hub_away(), away);
}

namespace {

/// The hub's outbox count from its next local state document that has one.
std::optional<std::uint64_t> next_outbox(harness::mqtt_client& probe) {
    auto m = probe.next("warden/local/state", 2s);
    if (!m) return std::nullopt;
    auto j = json::parse(m->payload, nullptr, false);
    if (!j.is_object() || !j.contains("outbox")) return std::nullopt;
    return j["outbox"].get<std::uint64_t>();
}

/// The seqs of `hub`'s own alerts in the centre's database, in the order they were stored.
std::vector<std::uint64_t> stored_seqs(const std::string& database, const std::string& hub) {
    std::vector<std::uint64_t> out;
    if (harness::testing_postgres()) {
        for (const auto& seq : harness::postgres_column(
                 database, "SELECT seq FROM alerts WHERE hub = $1 AND id = hub || '-' || seq ORDER BY rowid",
                 {hub}))
            out.push_back(std::stoull(seq));
        return out;
    }
    sqlite3* db = nullptr;
    if (sqlite3_open_v2(database.c_str(), &db, SQLITE_OPEN_READONLY, nullptr) != SQLITE_OK) {
        sqlite3_close(db);
        return out;
    }
    sqlite3_stmt* st = nullptr;
    sqlite3_prepare_v2(db, "SELECT seq FROM alerts WHERE hub = ?1 AND id = hub || '-' || seq ORDER BY rowid",
                       -1, &st, nullptr);
    sqlite3_bind_text(st, 1, hub.c_str(), -1, SQLITE_TRANSIENT);
    while (sqlite3_step(st) == SQLITE_ROW)
        out.push_back(static_cast<std::uint64_t>(sqlite3_column_int64(st, 0)));
    sqlite3_finalize(st);
    sqlite3_close(db);
    return out;
}

}  // namespace

// Thousands of alerts committed while the centre is killed (kill -9) are all stored once, in seq
// order, when it comes back: the window, resends of the overdue ones and acks of whole batches keep
// the order and lose nothing. (Speed is bench-hub-delivery's business, not this test's.)
TEST(CentreDelivery, ABacklogReachesARestartedCentreWholeAndInOrder) {
    harness::temp_dir dir;
    harness::broker home, centre_broker;
    const std::string bin = WARDEN_BIN_DIR;
    const int alarms = 3000;
    auto hub_toml = dir.write(
        "hub.toml", "[hub]\nid = \"hub-backlog\"\ndata_dir = \"" + (dir / "hub").string() +
                        "\"\ntimezone = \"Europe/London\"\n[local]\nuri = \"" + home.uri() +
                        "\"\n[centre]\nuri = \"" + centre_broker.uri() + "\"\nack_timeout = \"2s\"\n");
    std::filesystem::create_directories(dir / "hub");
    const auto database = harness::test_database(dir / "centre.db");
    auto centre_toml =
        dir.write("centre.toml",
                  "[centre]\ndatabase = \"" + database + "\"\n[mqtt]\nuri = \"" + centre_broker.uri() +
                      "\"\n[http]\nlisten = \"127.0.0.1:" + std::to_string(harness::free_port()) + "\"\n");
    auto start_centre = [&] {
        return harness::process({bin + "/warden-centre", "--config", centre_toml.string()},
                                dir / "centre.log");
    };
    auto centre = start_centre();
    harness::mqtt_client probe(home.uri(), "backlog-probe");
    probe.subscribe("warden/local/state", 1);
    harness::process hub({bin + "/warden-hub", "--config", hub_toml.string()}, dir / "hub.log");
    // hub_started is acked: the centre's persistent session exists and the hub's outbox is empty.
    ASSERT_TRUE(harness::eventually([&] { return next_outbox(probe) == 0u; }, 20s))
        << hub.log() << centre.log();

    centre.signal(SIGKILL);
    centre.wait();
    for (int i = 0; i < alarms; ++i) probe.publish("warden/local/command", R"({"cmd":"test"})");
    // All committed; the first window went out and waits, unacked, at the broker.
    ASSERT_TRUE(harness::eventually([&] { return next_outbox(probe) == alarms + 0u; }, 60s)) << hub.log();

    centre = start_centre();
    ASSERT_TRUE(harness::eventually([&] { return next_outbox(probe) == 0u; }, 120s))
        << hub.log() << centre.log();
    hub.signal(SIGTERM);
    EXPECT_EQ(hub.wait(10s), 0) << hub.log();
    centre.signal(SIGTERM);
    EXPECT_EQ(centre.wait(10s), 0) << centre.log();

    auto seqs = stored_seqs(database, "hub-backlog");
    ASSERT_EQ(seqs.size(), alarms + 1u);  // hub_started and the test alarms, each once
    for (std::size_t i = 0; i < seqs.size(); ++i)
        ASSERT_EQ(seqs[i], i + 1) << "stored out of order at row " << i;
}
