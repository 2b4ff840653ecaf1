// warden-centre as operators and hubs meet it: the real binary, a real Mosquitto, HTTP over loopback.
// Simulated hubs are plain MQTT clients publishing SPEC 3 payloads and watching their ack topic.
#include <gtest/gtest.h>

#include <poll.h>
#include <pty.h>
#include <sys/wait.h>
#include <unistd.h>
#include <atomic>
#include <csignal>
#include <map>
#include <mutex>
#include <set>
#include <thread>

#include <httplib.h>
#include <nlohmann/json.hpp>

#include "centre_run.hpp"
#include "warden/common/alert.hpp"
#include "warden/common/alert_catalogue.hpp"
#include "warden/harness/harness.hpp"
#include "warden/harness/postgres.hpp"

using namespace warden;
using namespace std::chrono_literals;
using json = nlohmann::json;

using centre_test_support::alert_payload;
using centre_test_support::api;
using centre_test_support::heartbeat_payload;

namespace {

const std::string centre_bin = std::string(WARDEN_BIN_DIR) + "/warden-centre";

/// A centre with its own broker, database and HTTP port.
class centre_test : public ::testing::Test {
protected:
    harness::temp_dir dir;
    harness::broker broker;
    int http_port = harness::free_port();
    /// SQLite in the folder, or a fresh PostgreSQL database in the -pg run.
    std::string database = harness::test_database(dir / "centre.db");
    std::filesystem::path config;
    harness::process centre;
    int starts = 0;

    void SetUp() override { write_config("3m", "15m"); }

    void write_config(const std::string& grace, const std::string& escalate,
                      const std::string& extra_http = {}) {
        config = dir.write("centre.toml",
                           "[centre]\ndatabase = \"" + database + "\"\n[mqtt]\nuri = \"" + broker.uri() +
                               "\"\nclient_id = \"centre-under-test\"\n[http]\nlisten = \"127.0.0.1:" +
                               std::to_string(http_port) + "\"\n" + extra_http +
                               "[supervision]\nheartbeat_grace = \"" + grace + "\"\nescalate_after = \"" +
                               escalate + "\"\n");
    }

    void start_centre(std::map<std::string, std::string> env = {}) {
        centre = harness::process({centre_bin, "--config", config.string(), "--log-level", "debug"},
                                  dir / ("centre-" + std::to_string(++starts) + ".log"), std::move(env));
        ASSERT_TRUE(harness::wait_for_port(http_port, 10s)) << centre.log();
        // Subscribed (the broker's SUBACK for the last of ingest's filters) before the test publishes.
        ASSERT_TRUE(harness::eventually([&] {
            return centre.log().find("mqtt subscribed filter=warden/v1/+/status") != std::string::npos;
        })) << centre.log();
    }

    void TearDown() override {
        if (centre.pid() > 0 && centre.running()) {
            centre.signal(SIGTERM);
            auto code = centre.wait(10s);
            EXPECT_EQ(code, 0) << "warden-centre did not exit cleanly on SIGTERM\n" << centre.log();
        }
    }

    void add_user(const std::string& name, const std::string& role, const std::string& password) {
        auto r = harness::run({centre_bin, "--config", config.string(), "user", "add", name, "--role", role},
                              password + "\n");
        ASSERT_EQ(r.code, 0) << r.output;
    }

    api login(const std::string& name, const std::string& role) {
        add_user(name, role, name + "-password");
        api a(http_port);
        EXPECT_EQ(a.login(name, name + "-password"), 200);
        return a;
    }
};

/// Every id in ack messages seen by `hub_client` until `want` are all acked or the timeout passes.
std::set<std::string> collect_acks(harness::mqtt_client& c, const std::set<std::string>& want,
                                   std::chrono::milliseconds timeout = 10s) {
    std::set<std::string> got;
    auto until = std::chrono::steady_clock::now() + timeout;
    while (!std::includes(got.begin(), got.end(), want.begin(), want.end()) &&
           std::chrono::steady_clock::now() < until) {
        auto m = c.next("warden/v1/+/ack", 200ms);
        if (!m) continue;
        auto ack = json::parse(m->payload);  // kept alive for the loop (no temporary in the range-init)
        for (const auto& id : ack.at("ids")) got.insert(id.get<std::string>());
    }
    return got;
}

/// Runs `argv` on a new pseudo-terminal, as a person at a terminal would: answers each prompt in
/// `answers` (prompt text -> line typed) as it appears, and returns the exit code and everything the
/// terminal showed (including whatever it echoed).
harness::run_result run_on_terminal(const std::vector<std::string>& argv,
                                    const std::vector<std::pair<std::string, std::string>>& answers) {
    int master = -1;
    pid_t pid = forkpty(&master, nullptr, nullptr, nullptr);
    if (pid < 0) return {-1, "forkpty failed"};
    if (pid == 0) {
        std::vector<char*> args;
        for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
        args.push_back(nullptr);
        execv(args[0], args.data());
        _exit(127);
    }
    harness::run_result r;
    std::size_t next = 0, answered_upto = 0;
    auto until = std::chrono::steady_clock::now() + 30s;
    while (std::chrono::steady_clock::now() < until) {
        pollfd p{master, POLLIN, 0};
        if (poll(&p, 1, 100) > 0) {
            char buf[512];
            auto n = read(master, buf, sizeof buf);
            if (n <= 0) break;  // the child closed the terminal (EIO on Linux)
            r.output.append(buf, static_cast<std::size_t>(n));
        }
        if (next < answers.size()) {
            auto at = r.output.find(answers[next].first, answered_upto);
            if (at != std::string::npos) {
                answered_upto = at + answers[next].first.size();
                auto line = answers[next].second + "\n";
                EXPECT_EQ(write(master, line.data(), line.size()), static_cast<ssize_t>(line.size()));
                ++next;
            }
        }
    }
    close(master);
    int status = 0;
    if (waitpid(pid, &status, WNOHANG) == 0) {
        kill(pid, SIGKILL);
        waitpid(pid, &status, 0);
        r.output += "\n(killed: it did not finish)";
    }
    r.code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    return r;
}

/// A console's event stream, read on a thread of its own until the centre ends it.
class stream_reader {
public:
    stream_reader(int port, httplib::Headers headers)
        : cli_(std::make_unique<httplib::Client>("127.0.0.1", port)) {
        cli_->set_read_timeout(60, 0);
        thread_ = std::thread([this, headers] {
            cli_->Get("/api/stream", headers, [this](const char* data, size_t len) {
                std::lock_guard lock(mu_);
                received_.append(data, len);
                if (received_.find(": connected") != std::string::npos) connected_ = true;
                return true;
            });
            ended_at_ = std::chrono::steady_clock::now().time_since_epoch().count();
            ended_ = true;
        });
    }
    /// Hangs up if the centre has not ended the stream (a test that failed half-way).
    ~stream_reader() {
        if (!ended_) cli_->stop();
        thread_.join();
    }
    bool connected() const { return connected_; }
    bool ended() const { return ended_; }
    /// The `data:` of every `event: <name>` so far, parsed.
    std::vector<json> events(const std::string& name) {
        std::lock_guard lock(mu_);
        std::vector<json> out;
        const std::string head = "event: " + name + "\ndata: ";
        for (auto at = received_.find(head); at != std::string::npos; at = received_.find(head, at + 1)) {
            auto start = at + head.size();
            auto end = received_.find('\n', start);
            if (end == std::string::npos) break;
            out.push_back(json::parse(received_.substr(start, end - start), nullptr, false));
        }
        return out;
    }
    std::chrono::steady_clock::time_point ended_at() const {
        return std::chrono::steady_clock::time_point(std::chrono::steady_clock::duration(ended_at_.load()));
    }

private:
    std::unique_ptr<httplib::Client> cli_;
    std::thread thread_;
    std::mutex mu_;
    std::string received_;
    std::atomic<bool> connected_{false}, ended_{false};
    std::atomic<std::chrono::steady_clock::rep> ended_at_{0};
};

}  // namespace

TEST_F(centre_test, AlertsFromSeveralHubsAreStoredOnceAndAckedAfterCommit) {
    start_centre();
    auto op = login("olive", "operator");
    harness::mqtt_client hubs(broker.uri(), "sim-hubs");
    hubs.subscribe("warden/v1/+/ack");
    for (const auto& hub : {"hub-a", "hub-b", "hub-c"})
        for (int seq = 1; seq <= 3; ++seq)
            hubs.publish(std::string("warden/v1/") + hub + "/alert", alert_payload(hub, seq));
    hubs.publish("warden/v1/hub-a/alert", alert_payload("hub-a", 1));  // a resend

    std::set<std::string> want;
    for (const auto& hub : {"hub-a", "hub-b", "hub-c"})
        for (int seq = 1; seq <= 3; ++seq) want.insert(std::string(hub) + "-" + std::to_string(seq));
    std::set<std::string> acked;
    auto until = std::chrono::steady_clock::now() + 10s;
    while (acked.size() < want.size() && std::chrono::steady_clock::now() < until) {
        auto m = hubs.next("warden/v1/+/ack", 200ms);
        if (!m) continue;
        auto ids = json::parse(m->payload).at("ids");
        for (const auto& id : ids) {
            // Acked means committed: the alert is already there to read.
            auto [status, body] = op.get("/api/alerts/" + id.get<std::string>());
            EXPECT_EQ(status, 200) << id;
            acked.insert(id.get<std::string>());
            // Each hub is acked only for its own alerts.
            EXPECT_TRUE(m->topic == "warden/v1/" + body.value("hub", std::string{}) + "/ack") << m->topic;
        }
    }
    EXPECT_EQ(acked, want);

    // A duplicate is acked again and stored once.
    hubs.publish("warden/v1/hub-b/alert", alert_payload("hub-b", 2));
    EXPECT_TRUE(collect_acks(hubs, {"hub-b-2"}).contains("hub-b-2"));
    auto [status, all] = op.get("/api/alerts?state=all&limit=1000");
    ASSERT_EQ(status, 200);
    std::multiset<std::string> ids;
    for (const auto& a : all) ids.insert(a.at("id").get<std::string>());
    EXPECT_EQ(ids.size(), 9u);
    for (const auto& id : want) EXPECT_EQ(ids.count(id), 1u) << id;

    auto [s2, hubs_json] = op.get("/api/hubs");
    ASSERT_EQ(s2, 200);
    EXPECT_EQ(hubs_json.size(), 3u);
}

TEST_F(centre_test, KilledBetweenReceiptAndAckTheResendIsStoredOnce) {
    // The centre dies in the window that matters: the alert is committed, its ack not yet published.
    // The fault is injected (WARDEN_CENTRE_FAULT, for tests only), so the test does not depend on when
    // a SIGKILL happens to land.
    start_centre({{"WARDEN_CENTRE_FAULT", "exit-after-commit"}});
    harness::mqtt_client hub(broker.uri(), "sim-hub-k");
    hub.subscribe("warden/v1/hub-k/ack");
    const auto payload = alert_payload("hub-k", 1);
    hub.publish("warden/v1/hub-k/alert", payload);
    ASSERT_EQ(centre.wait(10s), 86) << "the centre did not stop at the injected fault\n" << centre.log();
    auto first_run = centre.log();
    EXPECT_NE(first_run.find("fault injected: exiting after commit, before acks"), std::string::npos)
        << first_run;
    EXPECT_FALSE(hub.next("warden/v1/hub-k/ack", 500ms)) << "acked before the crash";

    start_centre();
    // The hub has no ack, so it resends the same alert (the broker may also redeliver its copy).
    hub.publish("warden/v1/hub-k/alert", payload);
    EXPECT_TRUE(collect_acks(hub, {"hub-k-1"}).contains("hub-k-1"));
    // The restarted centre found it already stored: committed before the crash, not stored again.
    auto second_run = centre.log();
    EXPECT_NE(second_run.find("alert duplicate acked again alert=hub-k-1"), std::string::npos) << second_run;
    EXPECT_EQ(second_run.find("alert stored alert=hub-k-1"), std::string::npos) << second_run;
    auto op = login("olive", "operator");
    auto [status, all] = op.get("/api/alerts?state=all");
    ASSERT_EQ(status, 200);
    ASSERT_EQ(all.size(), 1u);
    EXPECT_EQ(all[0].at("id"), "hub-k-1");
    auto [s2, one] = op.get("/api/alerts/hub-k-1");
    ASSERT_EQ(s2, 200);
    EXPECT_EQ(one.at("history").size(), 1u);
}

TEST_F(centre_test, SpoofedBadAndOversizedPayloadsAreDroppedNotAcked) {
    start_centre();
    harness::mqtt_client hub(broker.uri(), "sim-spoof");
    hub.subscribe("warden/v1/+/ack");
    // Topic hub-a, payload hub-b.
    hub.publish("warden/v1/hub-a/alert", alert_payload("hub-a", 1, "critical", "hub-b"));
    // Right hub, an id that is not the hub's.
    auto j = json::parse(alert_payload("hub-a", 2));
    j["id"] = "hub-b-2";
    hub.publish("warden/v1/hub-a/alert", j.dump());
    hub.publish("warden/v1/hub-a/alert", "{not json");
    hub.publish("warden/v1/hub-a/alert", R"({"id":"hub-a-3","hub":"hub-a"})");
    hub.publish("warden/v1/hub-a/alert", std::string(70 * 1024, 'x'));
    EXPECT_FALSE(hub.next("warden/v1/+/ack", 1500ms)) << "a rejected alert was acked";

    // The centre keeps going: a good alert afterwards is stored and acked.
    hub.publish("warden/v1/hub-a/alert", alert_payload("hub-a", 4));
    EXPECT_TRUE(collect_acks(hub, {"hub-a-4"}).contains("hub-a-4"));
    auto op = login("olive", "operator");
    auto [status, all] = op.get("/api/alerts?state=all");
    ASSERT_EQ(all.size(), 1u);
    EXPECT_EQ(all[0].at("id"), "hub-a-4");
    auto metrics = httplib::Client("127.0.0.1", http_port).Get("/metrics");
    ASSERT_TRUE(metrics);
    EXPECT_NE(metrics->body.find("warden_payloads_rejected_total 5"), std::string::npos) << metrics->body;
    // No payload contents in the log.
    EXPECT_EQ(centre.log().find("Pendant pressed"), std::string::npos);
}

TEST_F(centre_test, AHubCannotTakeAnotherHubsIdsOrTheCentres) {
    start_centre();
    harness::mqtt_client hub(broker.uri(), "sim-ids");
    hub.subscribe("warden/v1/+/ack");
    // Hub "hub" sends, on its own topic and naming itself, the id hub-0001 will use for its alert #1.
    auto squat = json::parse(alert_payload("hub", 1));
    squat["id"] = "hub-0001-1";
    hub.publish("warden/v1/hub/alert", squat.dump());
    // An id with a character the API's routes cannot address (it could never be acknowledged).
    auto spaced = json::parse(alert_payload("hub-a", 2));
    spaced["id"] = "hub-a-2 x";
    hub.publish("warden/v1/hub-a/alert", spaced.dump());
    // An id that starts right but is not <hub>-<seq>.
    auto suffixed = json::parse(alert_payload("hub-a", 3));
    suffixed["id"] = "hub-a-3.r2";
    hub.publish("warden/v1/hub-a/alert", suffixed.dump());
    // Hubs whose ids would let them produce the centre's own ids.
    hub.publish("warden/v1/centre-hub_offline-hub-s/alert", alert_payload("centre-hub_offline-hub-s", 1));
    hub.publish("warden/v1/centre/alert", alert_payload("centre", 1));
    hub.publish("warden/v1/dc09-1234-0001/alert", alert_payload("dc09-1234-0001", 1700000000));
    hub.publish("warden/v1/centre-x/heartbeat", heartbeat_payload("centre-x"));
    EXPECT_FALSE(hub.next("warden/v1/+/ack", 1500ms)) << "a rejected alert was acked";

    // hub-0001's real alert #1 is stored and acked, and so is a good one from hub-a.
    hub.publish("warden/v1/hub-0001/alert", alert_payload("hub-0001", 1));
    hub.publish("warden/v1/hub-a/alert", alert_payload("hub-a", 4));
    auto acked = collect_acks(hub, {"hub-0001-1", "hub-a-4"});
    EXPECT_TRUE(acked.contains("hub-0001-1"));
    EXPECT_TRUE(acked.contains("hub-a-4"));
    auto op = login("olive", "operator");
    auto [status, one] = op.get("/api/alerts/hub-0001-1");
    ASSERT_EQ(status, 200);
    EXPECT_EQ(one.at("hub"), "hub-0001");
    std::set<std::string> ids;
    for (const auto& a : op.get("/api/alerts?state=all").second) ids.insert(a.at("id").get<std::string>());
    EXPECT_EQ(ids, (std::set<std::string>{"hub-0001-1", "hub-a-4"}));
    // No hub row for the reserved ids, so supervision raises nothing of its own for them.
    std::set<std::string> hubs;
    for (const auto& h : op.get("/api/hubs").second) hubs.insert(h.at("id").get<std::string>());
    EXPECT_EQ(hubs, (std::set<std::string>{"hub-0001", "hub-a"}));
    auto metrics = httplib::Client("127.0.0.1", http_port).Get("/metrics");
    ASSERT_TRUE(metrics);
    EXPECT_NE(metrics->body.find("warden_payloads_rejected_total 7"), std::string::npos) << metrics->body;
    EXPECT_NE(centre.log().find("alert id is not <hub>-<seq>"), std::string::npos) << centre.log();
}

TEST_F(centre_test, AHubWhoseStorageWasResetStillGetsItsNewAlertsStored) {
    start_centre();
    auto op = login("olive", "operator");
    harness::mqtt_client hub(broker.uri(), "sim-reset");
    hub.subscribe("warden/v1/hub-z/ack");
    auto before = json::parse(alert_payload("hub-z", 1, "normal"));
    before["type"] = "battery_low";
    before["rule"] = "battery_low";
    before["at"] = "2026-11-01T08:00:00.000Z";
    hub.publish("warden/v1/hub-z/alert", before.dump());
    ASSERT_TRUE(collect_acks(hub, {"hub-z-1"}).contains("hub-z-1"));

    // The hub's data_dir was wiped: same hub id, seq from 1 again, and a new (critical) alert #1.
    auto after = json::parse(alert_payload("hub-z", 1));
    after["at"] = "2026-11-28T12:00:00.000Z";
    hub.publish("warden/v1/hub-z/alert", after.dump());
    EXPECT_TRUE(collect_acks(hub, {"hub-z-1"}).contains("hub-z-1")) << "the hub must be able to move on";
    auto [status, kept] = op.get("/api/alerts/hub-z-1.r2");
    ASSERT_EQ(status, 200) << "the new alert was discarded as a duplicate";
    EXPECT_EQ(kept.at("hub"), "hub-z");
    EXPECT_EQ(kept.at("seq"), 1);
    EXPECT_EQ(kept.at("type"), "pendant");
    EXPECT_EQ(kept.at("priority"), "critical");
    EXPECT_EQ(kept.at("status"), "open");
    std::vector<std::string> actions;
    for (const auto& h : kept.at("history")) actions.push_back(h.at("action"));
    EXPECT_EQ(actions, (std::vector<std::string>{"received", "id_reused"}));
    EXPECT_NE(kept.at("history").at(1).at("detail").get<std::string>().find("storage reset"),
              std::string::npos);
    EXPECT_EQ(op.get("/api/alerts/hub-z-1").second.at("type"), "battery_low");
    // In the queue, most urgent first.
    auto queue = op.get("/api/alerts?state=open").second;
    ASSERT_EQ(queue.size(), 2u);
    EXPECT_EQ(queue.at(0).at("id"), "hub-z-1.r2");
    // Logged as an error, counted.
    EXPECT_TRUE(harness::eventually([&] {
        return centre.log().find("error alert id reused") != std::string::npos;
    })) << centre.log();

    // A resend of either (the ack was lost) is acked again and not stored again.
    hub.publish("warden/v1/hub-z/alert", after.dump());
    hub.publish("warden/v1/hub-z/alert", before.dump());
    EXPECT_TRUE(collect_acks(hub, {"hub-z-1"}).contains("hub-z-1"));
    std::this_thread::sleep_for(300ms);
    EXPECT_EQ(op.get("/api/alerts?state=all").second.size(), 2u);
    auto metrics = httplib::Client("127.0.0.1", http_port).Get("/metrics");
    ASSERT_TRUE(metrics);
    EXPECT_NE(metrics->body.find("warden_alert_ids_reused_total 1\n"), std::string::npos) << metrics->body;
    EXPECT_NE(metrics->body.find("warden_alerts_ingested_total 2\n"), std::string::npos) << metrics->body;
}

TEST_F(centre_test, SilentHubRaisesHubOfflineAndClearsWhenHeardAgain) {
    write_config("1s", "2s");
    start_centre();
    auto op = login("olive", "operator");
    harness::mqtt_client hub(broker.uri(), "sim-silent");
    hub.publish("warden/v1/hub-s/heartbeat", heartbeat_payload("hub-s"));

    json offline;
    ASSERT_TRUE(harness::eventually(
        [&] {
            auto [status, q] = op.get("/api/alerts?state=open");
            for (const auto& a : q)
                if (a.at("type") == "hub_offline" && a.at("hub") == "hub-s") offline = a;
            return !offline.is_null();
        },
        5s));
    EXPECT_EQ(offline.at("priority"), "normal");
    EXPECT_EQ(offline.at("id"), "centre-hub_offline-hub-s-1");
    auto [hs, hubs] = op.get("/api/hubs");
    EXPECT_EQ(hubs.at(0).at("online"), false);
    // Escalated to high after escalate_after.
    ASSERT_TRUE(harness::eventually(
        [&] {
            return op.get("/api/alerts/centre-hub_offline-hub-s-1").second.value("priority", "") == "high";
        },
        5s));

    hub.publish("warden/v1/hub-s/heartbeat", heartbeat_payload("hub-s"));
    json cleared;
    ASSERT_TRUE(harness::eventually(
        [&] {
            cleared = op.get("/api/alerts/centre-hub_offline-hub-s-1").second;
            return !cleared.at("cleared_at").is_null();
        },
        5s));
    // Never acknowledged: resolved by the system, out of the queue, visible in history.
    EXPECT_EQ(cleared.at("status"), "resolved");
    EXPECT_EQ(cleared.at("outcome"), "hub_back_online");
    EXPECT_EQ(cleared.at("resolved_by"), "system");
    std::vector<std::string> actions;
    for (const auto& h : cleared.at("history")) actions.push_back(h.at("action"));
    EXPECT_EQ(actions, (std::vector<std::string>{"received", "escalated", "cleared", "resolved"}));
    EXPECT_EQ(op.get("/api/hubs").second.at(0).at("online"), true);

    // A restarted centre still supervises the hub it knows from the store.
    centre.signal(SIGTERM);
    EXPECT_EQ(centre.wait(10s), 0);
    start_centre();
    ASSERT_TRUE(harness::eventually(
        [&] { return op.get("/api/alerts/centre-hub_offline-hub-s-2").first == 200; }, 6s))
        << centre.log();

    // The hub's last will (status offline) raises at once; a live status online clears it.
    hub.publish("warden/v1/hub-s/status", R"({"state":"online","at":"2026-11-28T12:00:00Z"})", 1, true);
    ASSERT_TRUE(harness::eventually(
        [&] { return !op.get("/api/alerts/centre-hub_offline-hub-s-2").second.at("cleared_at").is_null(); },
        5s));
}

TEST_F(centre_test, StatusOfflineRaisesAtOnce) {
    start_centre();
    auto op = login("olive", "operator");
    harness::mqtt_client hub(broker.uri(), "sim-lwt");
    hub.publish("warden/v1/hub-w/heartbeat", heartbeat_payload("hub-w"));
    hub.publish("warden/v1/hub-w/status", R"({"state":"offline"})", 1, true);
    ASSERT_TRUE(harness::eventually(
        [&] { return op.get("/api/alerts/centre-hub_offline-hub-w-1").first == 200; }, 5s));
    EXPECT_EQ(op.get("/api/hubs").second.at(0).at("status"), "offline");
}

TEST_F(centre_test, ApiRefusesUnauthenticatedWrongRoleAndMissingCsrf) {
    start_centre();
    harness::mqtt_client hub(broker.uri(), "sim-roles");
    hub.subscribe("warden/v1/+/ack");
    hub.publish("warden/v1/hub-r/alert", alert_payload("hub-r", 1));
    ASSERT_TRUE(collect_acks(hub, {"hub-r-1"}).contains("hub-r-1"));

    api anon(http_port);
    EXPECT_EQ(anon.get("/api/alerts").first, 401);
    EXPECT_EQ(anon.get("/api/me").first, 401);
    EXPECT_EQ(anon.get("/api/stream").first, 401);
    EXPECT_EQ(anon.post("/api/alerts/hub-r-1/acknowledge").first, 401);
    anon.cookie = "warden_session=0123456789abcdef";
    EXPECT_EQ(anon.get("/api/alerts").first, 401);

    auto op = login("olive", "operator");
    auto tech = login("terry", "technician");
    auto admin = login("ada", "admin");
    auto sup = login("sam", "supervisor");
    EXPECT_EQ(api(http_port).login("olive", "wrong"), 401);

    // CSRF: the operator's own session, without the header.
    EXPECT_EQ(op.post("/api/alerts/hub-r-1/acknowledge", json::object(), false).first, 403);
    api forged(http_port);
    forged.cookie = op.cookie;
    forged.csrf = "0000";
    EXPECT_EQ(forged.post("/api/alerts/hub-r-1/acknowledge").first, 403);

    // Roles.
    EXPECT_EQ(tech.post("/api/alerts/hub-r-1/acknowledge").first, 403);
    EXPECT_EQ(tech.post("/api/alerts/hub-r-1/resolve", {{"outcome", "test"}}).first, 403);
    EXPECT_EQ(admin.get("/api/alerts").first, 403);
    EXPECT_EQ(op.get("/api/users").first, 403);
    EXPECT_EQ(op.get("/api/audit").first, 403);
    EXPECT_EQ(op.post("/api/hubs/hub-r/test").first, 403);
    EXPECT_EQ(tech.get("/api/stats").first, 403);
    EXPECT_EQ(tech.get("/api/alerts").first, 200);
    EXPECT_EQ(tech.get("/api/hubs").first, 200);
    EXPECT_EQ(admin.get("/api/users").first, 200);
    EXPECT_EQ(
        admin.post("/api/users", {{"name", "x"}, {"role", "operator"}, {"password", "long enough"}}).first,
        201);
    EXPECT_EQ(op.post("/api/users", {{"name", "y"}, {"role", "admin"}, {"password", "long enough"}}).first,
              403);

    // The workflow; reopen is for supervisors.
    EXPECT_EQ(op.post("/api/alerts/hub-r-1/acknowledge").first, 200);
    EXPECT_EQ(op.post("/api/alerts/hub-r-1/acknowledge").first, 409);
    EXPECT_EQ(op.post("/api/alerts/hub-r-1/resolve", {{"outcome", "not-an-outcome"}}).first, 400);
    EXPECT_EQ(op.post("/api/alerts/hub-r-1/resolve", {{"outcome", "false_alarm"}}).first, 200);
    EXPECT_EQ(op.post("/api/alerts/hub-r-1/reopen").first, 403);
    EXPECT_EQ(sup.post("/api/alerts/hub-r-1/reopen").first, 200);
    EXPECT_EQ(op.post("/api/alerts/nope-1/acknowledge").first, 404);

    // Technicians send test alarms: a command on the hub's topic.
    hub.subscribe("warden/v1/hub-r/command");
    auto [ts, tj] = tech.post("/api/hubs/hub-r/test");
    EXPECT_EQ(ts, 202);
    auto cmd = hub.next("warden/v1/hub-r/command", 5s);
    ASSERT_TRUE(cmd);
    EXPECT_EQ(json::parse(cmd->payload).at("cmd"), "test");
    EXPECT_EQ(json::parse(cmd->payload).at("id"), tj.at("id"));
    EXPECT_EQ(tech.post("/api/hubs/unknown-hub/test").first, 404);

    // Logout ends the session.
    auto [ms, me] = op.get("/api/me");
    EXPECT_EQ(ms, 200);
    EXPECT_EQ(me.at("role"), "operator");
    EXPECT_EQ(op.post("/api/logout").first, 200);
    EXPECT_EQ(op.get("/api/me").first, 401);
}

TEST_F(centre_test, AlertTypesAreTheCatalogueForEveryLoggedInRole) {
    start_centre();
    EXPECT_EQ(api(http_port).get("/api/alert-types").first, 401);

    for (const auto& [name, role] : std::map<std::string, std::string>{
             {"olive", "operator"}, {"sam", "supervisor"}, {"terry", "technician"}, {"ada", "admin"}}) {
        auto user = login(name, role);
        auto [status, types] = user.get("/api/alert-types");
        ASSERT_EQ(status, 200) << role;
        ASSERT_TRUE(types.is_array()) << types.dump();
        ASSERT_EQ(types.size(), alert_types().size()) << role;
        // Row for row the catalogue the hub and the DC-09 path use, in its order.
        for (std::size_t i = 0; i < types.size(); ++i) {
            const auto& t = alert_types()[i];
            const auto& j = types[i];
            EXPECT_EQ(j.at("type"), t.name);
            EXPECT_EQ(j.at("label"), t.label);
            EXPECT_EQ(j.at("priority"), to_string(t.priority));
            EXPECT_EQ(j.at("technical"), t.technical);
            EXPECT_EQ(j.at("sia_event"), t.sia_event);
            EXPECT_EQ(j.at("sia_restore"), t.sia_restore);
            EXPECT_EQ(j.at("contact_id"), t.contact_id);
        }
    }

    // What the console relies on, written out by hand (docs/sia-codes.md).
    auto op = login("oscar", "operator");
    auto types = op.get("/api/alert-types").second;
    std::map<std::string, json> by_type;
    for (const auto& j : types) EXPECT_TRUE(by_type.emplace(j.at("type"), j).second) << j.dump();
    EXPECT_EQ(by_type.at("pendant"), (json{{"type", "pendant"},
                                           {"label", "Pendant"},
                                           {"priority", "critical"},
                                           {"technical", false},
                                           {"sia_event", "QA"},
                                           {"sia_restore", "QH"},
                                           {"contact_id", 101}}));
    EXPECT_EQ(by_type.at("co").at("label"), "Carbon monoxide (CO)");
    EXPECT_EQ(by_type.at("hub_offline").at("label"), "Hub offline");  // the centre's own type
    EXPECT_EQ(by_type.at("hub_offline").at("technical"), true);
    EXPECT_EQ(by_type.at("temperature_rise").at("contact_id"), 158);
    EXPECT_EQ(by_type.at("mains_fault").at("sia_event"), "AT");
    EXPECT_EQ(by_type.at("test").at("priority"), "low");
}

TEST_F(centre_test, AdminsManageUsersAndEachChangeEndsTheUsersSessionsAtOnce) {
    start_centre();
    auto admin = login("ada", "admin");
    auto op = login("olive", "operator");
    auto sup = login("sam", "supervisor");

    // Admins only, and only with the session's CSRF token.
    EXPECT_EQ(op.post("/api/users/olive/role", {{"role", "admin"}}).first, 403);
    EXPECT_EQ(sup.post("/api/users/olive/disable").first, 403);
    EXPECT_EQ(sup.post("/api/users/olive/enable").first, 403);
    EXPECT_EQ(sup.post("/api/users/olive/password", {{"password", "long enough"}}).first, 403);
    EXPECT_EQ(admin.post("/api/users/olive/disable", json::object(), false).first, 403);
    EXPECT_EQ(api(http_port).post("/api/users/olive/disable").first, 401);
    EXPECT_EQ(op.get("/api/me").first, 200) << "nothing changed so far";

    // A new role: the old session ends at once; the next login has the new role.
    auto [rs, changed] = admin.post("/api/users/olive/role", {{"role", "supervisor"}});
    ASSERT_EQ(rs, 200);
    EXPECT_EQ(changed.at("role"), "supervisor");
    EXPECT_EQ(changed.at("disabled"), false);
    EXPECT_EQ(op.get("/api/me").first, 401);
    EXPECT_EQ(op.login("olive", "olive-password"), 200);
    EXPECT_EQ(op.get("/api/me").second.at("role"), "supervisor");
    EXPECT_EQ(sup.get("/api/me").first, 200) << "other users keep their sessions";
    EXPECT_EQ(admin.post("/api/users/olive/role", {{"role", "root"}}).first, 400);
    EXPECT_EQ(admin.post("/api/users/nobody/role", {{"role", "operator"}}).first, 404);

    // A password reset: sessions end, only the new password works.
    EXPECT_EQ(admin.post("/api/users/olive/password", {{"password", "short"}}).first, 400);
    EXPECT_EQ(admin.post("/api/users/olive/password", {{"password", "a new password"}}).first, 200);
    EXPECT_EQ(op.get("/api/me").first, 401);
    EXPECT_EQ(api(http_port).login("olive", "olive-password"), 401);
    EXPECT_EQ(op.login("olive", "a new password"), 200);

    // Disabled: sessions end, and the right password no longer logs in (the same answer as a wrong one).
    auto [ds, disabled] = admin.post("/api/users/olive/disable");
    ASSERT_EQ(ds, 200);
    EXPECT_EQ(disabled.at("disabled"), true);
    EXPECT_EQ(op.get("/api/me").first, 401);
    api again(http_port);
    EXPECT_EQ(again.login("olive", "a new password"), 401);
    bool listed = false;
    for (const auto& u : admin.get("/api/users").second)
        if (u.at("name") == "olive") listed = u.at("disabled") == true;
    EXPECT_TRUE(listed);
    EXPECT_EQ(admin.post("/api/users/olive/enable").first, 200);
    EXPECT_EQ(again.login("olive", "a new password"), 200);

    // The last enabled admin can be neither demoted nor disabled.
    EXPECT_EQ(admin.post("/api/users/ada/role", {{"role", "operator"}}).first, 409);
    EXPECT_EQ(admin.post("/api/users/ada/disable").first, 409);
    EXPECT_EQ(admin.get("/api/me").first, 200);

    // Every change is audited with the admin and the user.
    std::vector<std::string> actions;
    auto [as, audit] = admin.get("/api/audit");
    ASSERT_EQ(as, 200);
    bool refused_login = false;
    for (const auto& e : audit) {
        if (e.at("target") == "olive" && e.at("user") == "ada") actions.push_back(e.at("action"));
        if (e.at("action") == "login_failed" && e.at("user") == "olive" &&
            e.at("detail").get<std::string>().find("disabled") != std::string::npos)
            refused_login = true;
    }
    EXPECT_EQ(actions,
              (std::vector<std::string>{"user_enable", "user_disable", "user_password", "user_role"}));
    EXPECT_TRUE(refused_login);
}

TEST_F(centre_test, SessionsEndAtTheirLifetimeHoweverBusy) {
    // The console reloads every 60 s, which renews the idle timer for ever; the lifetime does not move.
    write_config("3m", "15m", "session_ttl = \"10s\"\nsession_lifetime = \"3s\"\n");
    start_centre();
    auto op = login("olive", "operator");
    auto logged_in = std::chrono::steady_clock::now();
    stream_reader stream(http_port, op.headers(false));
    ASSERT_TRUE(harness::eventually([&] { return stream.connected(); }, 5s));
    while (std::chrono::steady_clock::now() - logged_in < 2500ms) {
        EXPECT_EQ(op.get("/api/me").first, 200);
        std::this_thread::sleep_for(300ms);
    }
    ASSERT_TRUE(harness::eventually([&] { return op.get("/api/me").first == 401; }, 2s))
        << "the session outlived its lifetime";
    // Its event stream ended with it, not at the next 15 s ping.
    ASSERT_TRUE(harness::eventually([&] { return stream.ended(); }, 3s)) << "the stream outlived its session";
    EXPECT_LT(stream.ended_at() - logged_in, 5s);
    // Logging in again starts a new session.
    EXPECT_EQ(op.login("olive", "olive-password"), 200);
    EXPECT_EQ(op.get("/api/me").first, 200);
}

TEST_F(centre_test, AStreamEndsAtOnceWhenItsSessionIsEnded) {
    start_centre();
    auto admin = login("ada", "admin");
    auto op = login("olive", "operator");
    auto other = login("oscar", "operator");

    // Logout closes that session's stream (not the 15 s ping later), and only that one.
    stream_reader mine(http_port, op.headers(false));
    stream_reader theirs(http_port, other.headers(false));
    ASSERT_TRUE(harness::eventually([&] { return mine.connected() && theirs.connected(); }, 5s));
    auto t = std::chrono::steady_clock::now();
    EXPECT_EQ(op.post("/api/logout").first, 200);
    ASSERT_TRUE(harness::eventually([&] { return mine.ended(); }, 3s));
    EXPECT_LT(mine.ended_at() - t, 2s);
    EXPECT_FALSE(theirs.ended());

    // An admin disabling a user closes every stream of theirs.
    EXPECT_EQ(admin.post("/api/users/oscar/disable").first, 200);
    ASSERT_TRUE(harness::eventually([&] { return theirs.ended(); }, 3s));
    EXPECT_EQ(other.get("/api/me").first, 401);
}

TEST_F(centre_test, RepeatedLoginFailuresAreThrottled) {
    start_centre();
    add_user("olive", "operator", "right-password");
    api a(http_port);
    for (int i = 0; i < 5; ++i) EXPECT_EQ(a.login("olive", "wrong"), 401);
    EXPECT_EQ(a.login("olive", "right-password"), 429);
}

TEST_F(centre_test, AcknowledgeAndResolveAreAuditedAndInHistory) {
    start_centre();
    harness::mqtt_client hub(broker.uri(), "sim-audit");
    hub.subscribe("warden/v1/+/ack");
    hub.publish("warden/v1/hub-h/alert", alert_payload("hub-h", 7));
    ASSERT_TRUE(collect_acks(hub, {"hub-h-7"}).contains("hub-h-7"));
    auto op = login("olive", "operator");
    auto sup = login("sam", "supervisor");
    ASSERT_EQ(op.post("/api/alerts/hub-h-7/acknowledge").first, 200);
    auto [rs, resolved] =
        op.post("/api/alerts/hub-h-7/resolve", {{"outcome", "resident_ok"}, {"note", "spoke to resident"}});
    ASSERT_EQ(rs, 200);
    EXPECT_EQ(resolved.at("status"), "resolved");
    EXPECT_EQ(resolved.at("resolved_by"), "olive");
    EXPECT_EQ(resolved.at("acknowledged_by"), "olive");
    EXPECT_EQ(resolved.at("outcome"), "resident_ok");
    EXPECT_EQ(resolved.at("note"), "spoke to resident");

    auto [gs, one] = op.get("/api/alerts/hub-h-7");
    ASSERT_EQ(gs, 200);
    std::vector<std::pair<std::string, std::string>> history;
    for (const auto& h : one.at("history")) history.emplace_back(h.at("action"), h.at("user"));
    EXPECT_EQ(history, (std::vector<std::pair<std::string, std::string>>{
                           {"received", "hub"}, {"acknowledged", "olive"}, {"resolved", "olive"}}));
    EXPECT_TRUE(op.get("/api/alerts?state=open").second.empty());
    EXPECT_EQ(op.get("/api/alerts?state=resolved").second.size(), 1u);
    EXPECT_EQ(op.get("/api/alerts?state=all&q=PENDANT").second.size(), 1u);
    EXPECT_EQ(op.get("/api/alerts?state=all&hub=other").second.size(), 0u);
    EXPECT_EQ(op.get("/api/alerts?state=bogus").first, 400);

    auto [as, audit] = sup.get("/api/audit");
    ASSERT_EQ(as, 200);
    std::set<std::pair<std::string, std::string>> seen;
    for (const auto& e : audit)
        if (e.at("target") == "hub-h-7") seen.emplace(e.at("action"), e.at("user"));
    EXPECT_TRUE(seen.contains({"acknowledge", "olive"}));
    EXPECT_TRUE(seen.contains({"resolve", "olive"}));

    auto [ss, stats] = sup.get("/api/stats?hours=24");
    ASSERT_EQ(ss, 200);
    EXPECT_EQ(stats.at("alerts"), 1);
    EXPECT_EQ(stats.at("acknowledged"), 1);
    EXPECT_EQ(stats.at("within_60s"), 1.0);
    EXPECT_EQ(stats.at("target_60s"), 0.975);
    auto [os, outcomes] = op.get("/api/outcomes");
    EXPECT_EQ(outcomes.size(), 8u);
}

TEST_F(centre_test, StreamDeliversANewAlertWithinASecond) {
    start_centre();
    auto op = login("olive", "operator");
    std::atomic<bool> connected{false};
    std::atomic<long long> arrived_ns{0};
    std::string received;
    std::thread reader([&] {
        httplib::Client cli("127.0.0.1", http_port);
        cli.set_read_timeout(30, 0);
        cli.Get("/api/stream", op.headers(false), [&](const char* data, size_t len) {
            received.append(data, len);
            if (received.find(": connected") != std::string::npos) connected = true;
            if (received.find("\"id\":\"hub-live-1\"") != std::string::npos) {
                arrived_ns = std::chrono::steady_clock::now().time_since_epoch().count();
                return false;
            }
            return true;
        });
    });
    ASSERT_TRUE(harness::eventually([&] { return connected.load(); }, 5s));
    harness::mqtt_client hub(broker.uri(), "sim-live");
    auto sent = std::chrono::steady_clock::now();
    hub.publish("warden/v1/hub-live/alert", alert_payload("hub-live", 1));
    bool got = harness::eventually([&] { return arrived_ns.load() != 0; }, 5s);
    if (!got) centre.signal(SIGTERM);  // ends the stream so the reader thread returns
    reader.join();
    ASSERT_TRUE(got) << received;
    auto latency = std::chrono::steady_clock::time_point(std::chrono::nanoseconds(arrived_ns.load())) - sent;
    EXPECT_LT(latency, 1s);
    EXPECT_NE(received.find("event: alert"), std::string::npos);
}

TEST_F(centre_test, AHubsClearedAlertUpdatesTheRaisedOneAndReachesTheConsoles) {
    start_centre();
    auto op = login("olive", "operator");
    harness::mqtt_client hub(broker.uri(), "sim-clear");
    hub.subscribe("warden/v1/hub-c/ack");
    auto raised = json::parse(alert_payload("hub-c", 1, "normal"));
    raised["type"] = "sensor_offline";
    raised["rule"] = "sensor_offline";
    raised["sensor"] = "hall-motion";
    hub.publish("warden/v1/hub-c/alert", raised.dump());
    ASSERT_TRUE(collect_acks(hub, {"hub-c-1"}).contains("hub-c-1"));

    stream_reader stream(http_port, op.headers(false));
    ASSERT_TRUE(harness::eventually([&] { return stream.connected(); }, 5s));
    auto cleared = raised;
    cleared["id"] = "hub-c-2";
    cleared["seq"] = 2;
    cleared["state"] = "cleared";
    cleared["clears"] = "hub-c-1";
    cleared["text"] = "Sensor back online";
    hub.publish("warden/v1/hub-c/alert", cleared.dump());
    ASSERT_TRUE(collect_acks(hub, {"hub-c-2"}).contains("hub-c-2"));

    // Both rows go out on the stream: the notice, and the raised alert now marked cleared.
    json pushed_raised, pushed_notice;
    ASSERT_TRUE(harness::eventually(
        [&] {
            for (const auto& e : stream.events("alert")) {
                if (e.value("id", "") == "hub-c-1" && !e.at("cleared_at").is_null()) pushed_raised = e;
                if (e.value("id", "") == "hub-c-2") pushed_notice = e;
            }
            return !pushed_raised.is_null() && !pushed_notice.is_null();
        },
        5s));
    EXPECT_EQ(pushed_raised.at("status"), "open") << "a cleared condition still needs an operator";
    EXPECT_EQ(pushed_notice.at("state"), "cleared");
    EXPECT_EQ(pushed_notice.at("clears"), "hub-c-1");
    EXPECT_EQ(pushed_notice.at("status"), "resolved");
    auto [status, one] = op.get("/api/alerts/hub-c-1");
    ASSERT_EQ(status, 200);
    EXPECT_EQ(one.at("cleared_at"), pushed_raised.at("cleared_at"));
    const auto& last = one.at("history").back();
    EXPECT_EQ(last.at("action"), "cleared");
    EXPECT_EQ(last.at("user"), "hub");
    EXPECT_EQ(last.at("detail"), "hub-c-2");
    auto queue = op.get("/api/alerts?state=open").second;
    ASSERT_EQ(queue.size(), 1u);
    EXPECT_EQ(queue.at(0).at("id"), "hub-c-1");
}

TEST_F(centre_test, MetricsAndHealthz) {
    start_centre();
    harness::mqtt_client hub(broker.uri(), "sim-metrics");
    hub.subscribe("warden/v1/+/ack");
    hub.publish("warden/v1/hub-m/heartbeat", heartbeat_payload("hub-m"));
    hub.publish("warden/v1/hub-m/alert", alert_payload("hub-m", 1));
    ASSERT_TRUE(collect_acks(hub, {"hub-m-1"}).contains("hub-m-1"));
    httplib::Client cli("127.0.0.1", http_port);
    auto h = cli.Get("/healthz");
    ASSERT_TRUE(h);
    EXPECT_EQ(h->status, 200);
    EXPECT_EQ(h->body, "ok\n");
    auto m = cli.Get("/metrics");
    ASSERT_TRUE(m);
    EXPECT_EQ(m->status, 200);
    for (const char* needle :
         {"warden_alerts_ingested_total 1", "warden_alerts{state=\"open\",priority=\"critical\"} 1",
          "warden_ack_latency_seconds_count 1", "warden_hubs{state=\"online\"} 1",
          "warden_time_to_acknowledge_seconds_count 0", "# TYPE warden_ack_latency_seconds histogram"})
        EXPECT_NE(m->body.find(needle), std::string::npos) << needle << "\n" << m->body;

    // Without its broker the centre hears no hub: not ready.
    broker.kill();
    int status = 0;
    for (int i = 0; i < 100 && status != 503; ++i) {
        std::this_thread::sleep_for(100ms);
        if (auto r = cli.Get("/healthz")) status = r->status;
    }
    EXPECT_EQ(status, 503);
    auto r = cli.Get("/healthz");
    ASSERT_TRUE(r);
    EXPECT_EQ(r->body, "centre broker not connected\n");
}

TEST_F(centre_test, CommandLine) {
    auto help = harness::run({centre_bin, "--help"});
    EXPECT_EQ(help.code, 0);
    EXPECT_NE(help.output.find("--config"), std::string::npos);
    auto version = harness::run({centre_bin, "--version"});
    EXPECT_EQ(version.code, 0);
    EXPECT_NE(version.output.find("warden-centre"), std::string::npos);

    // user add reads the password from stdin and stores only an argon2id hash.
    auto add =
        harness::run({centre_bin, "--config", config.string(), "user", "add", "bob", "--role", "supervisor"},
                     "s3cret-pass\n");
    EXPECT_EQ(add.code, 0) << add.output;
    EXPECT_EQ(add.output.find("s3cret"), std::string::npos);
    auto again =
        harness::run({centre_bin, "--config", config.string(), "user", "add", "bob", "--role", "supervisor"},
                     "another-pass\n");
    EXPECT_NE(again.code, 0);
    auto bad_role = harness::run(
        {centre_bin, "--config", config.string(), "user", "add", "eve", "--role", "overlord"}, "x\n");
    EXPECT_EQ(bad_role.code, 2);
    auto list = harness::run({centre_bin, "--config", config.string(), "user", "list"});
    EXPECT_EQ(list.code, 0);
    EXPECT_NE(list.output.find("bob\tsupervisor"), std::string::npos) << list.output;

    start_centre();
    api a(http_port);
    EXPECT_EQ(a.login("bob", "s3cret-pass"), 200);
    EXPECT_EQ(a.get("/api/me").second.at("role"), "supervisor");

    // At a terminal it asks, twice, without echoing what is typed.
    auto typed = run_on_terminal(
        {centre_bin, "--config", config.string(), "user", "add", "tina", "--role", "technician"},
        {{"Password for tina: ", "typed-secret-1"}, {"Again: ", "typed-secret-1"}});
    EXPECT_EQ(typed.code, 0) << typed.output;
    EXPECT_NE(typed.output.find("Password for tina: "), std::string::npos) << typed.output;
    EXPECT_EQ(typed.output.find("typed-secret"), std::string::npos) << "the password was echoed:\n"
                                                                    << typed.output;
    EXPECT_EQ(api(http_port).login("tina", "typed-secret-1"), 200);
    auto differ =
        run_on_terminal({centre_bin, "--config", config.string(), "user", "add", "tom", "--role", "operator"},
                        {{"Password for tom: ", "typed-secret-2"}, {"Again: ", "typed-secret-3"}});
    EXPECT_EQ(differ.code, 2) << differ.output;
    EXPECT_NE(differ.output.find("differ"), std::string::npos) << differ.output;
    EXPECT_EQ(api(http_port).login("tom", "typed-secret-2"), 401);

    // Config errors: exit 2 with FILE:LINE:COLUMN.
    auto broken = dir.write("broken.toml", "[centre]\ndatabase = \n");
    auto r = harness::run({centre_bin, "--config", broken.string()});
    EXPECT_EQ(r.code, 2);
    EXPECT_NE(r.output.find("broken.toml:2:"), std::string::npos) << r.output;
}

// A second warden-centre on the same database stops at once, saying which database and which process
// holds it; the first keeps running, its broker connection undisturbed. Once the first stops, the
// same config starts.
TEST_F(centre_test, ASecondCentreOnTheSameDatabaseRefusesToStart) {
    if (harness::testing_postgres())
        GTEST_SKIP() << "one server per SQLite database; instances share a PostgreSQL database on purpose";
    start_centre();
    auto other_port = harness::free_port();
    auto second_config = dir.write(
        "second.toml", "[centre]\ndatabase = \"centre.db\"\n[mqtt]\nuri = \"" + broker.uri() +
                           "\"\n[http]\nlisten = \"127.0.0.1:" + std::to_string(other_port) + "\"\n");
    auto second = harness::run({centre_bin, "--config", second_config.string()});
    EXPECT_EQ(second.code, 1) << second.output;
    EXPECT_NE(
        second.output.find("is in use by another warden-centre (pid " + std::to_string(centre.pid()) + ")"),
        std::string::npos)
        << second.output;
    EXPECT_NE(second.output.find("centre.db.lock"), std::string::npos) << second.output;
    EXPECT_TRUE(centre.running());
    EXPECT_FALSE(harness::wait_for_port(other_port, 200ms)) << "the second centre must not listen";
    // Commands still run beside the server (they take no lock).
    add_user("beside", "operator", "beside-password");

    centre.signal(SIGTERM);
    ASSERT_EQ(centre.wait(10s), 0) << centre.log();
    start_centre();  // the lock went with the first process
    EXPECT_EQ(api(http_port).login("beside", "beside-password"), 200);
}

// A second warden-centre on the same HTTP port (its own database) stops at once with a clear message;
// it used to bind beside the first (cpp-httplib sets SO_REUSEPORT) and the two knocked each other off
// the broker. The first keeps answering.
TEST_F(centre_test, ASecondCentreOnTheSameHttpPortRefusesToStart) {
    start_centre();
    auto second_config =
        dir.write("second.toml", "[centre]\ndatabase = \"second.db\"\n[mqtt]\nuri = \"" + broker.uri() +
                                     "\"\nclient_id = \"second-centre\"\n"
                                     "[http]\nlisten = \"127.0.0.1:" +
                                     std::to_string(http_port) + "\"\n");
    auto second = harness::run({centre_bin, "--config", second_config.string()});
    EXPECT_EQ(second.code, 1) << second.output;
    EXPECT_NE(second.output.find("cannot listen on 127.0.0.1:" + std::to_string(http_port) +
                                 ": the port is in use"),
              std::string::npos)
        << second.output;
    EXPECT_EQ(second.output.find("mqtt connected"), std::string::npos) << second.output;
    EXPECT_TRUE(centre.running());
    for (int i = 0; i < 20; ++i) EXPECT_EQ(api(http_port).get("/healthz").first, 200);
    EXPECT_EQ(centre.log().find("mqtt connection lost"), std::string::npos) << centre.log();
}

// Security issue 12, finding 2: 5,000 critical alerts from one hub, then a pendant press from another.
TEST_F(centre_test, AHubsFloodIsFoldedIntoOneAlertAndAnotherHomesPressIsInTheQueueAtOnce) {
    start_centre();  // the default rate: bursts of 20, then 10 a minute
    auto op = login("olive", "operator");
    harness::mqtt_client hubs(broker.uri(), "sim-flood");
    hubs.subscribe("warden/v1/+/ack");
    constexpr int flood = 5000;
    std::set<std::string> want;
    for (int seq = 1; seq <= flood; ++seq) {
        hubs.publish("warden/v1/hub-flood/alert", alert_payload("hub-flood", seq));
        want.insert("hub-flood-" + std::to_string(seq));
    }
    hubs.publish("warden/v1/hub-calm/alert", alert_payload("hub-calm", 1));
    const auto pressed = std::chrono::steady_clock::now();
    // In the default open queue as soon as it is stored: behind the flood on the broker, not under it
    // (not folded, not held back by the other hub's rate). How long the 5,000 ahead of it take is a
    // figure, printed, not a pass mark: it is bench-centre-storm's to measure (a loaded CI machine
    // running this on PostgreSQL took 20 s).
    ASSERT_TRUE(harness::eventually(
        [&] {
            for (const auto& a : op.get("/api/alerts").second)
                if (a.at("id") == "hub-calm-1") return true;
            return false;
        },
        90s))
        << centre.log();
    const auto took = std::chrono::steady_clock::now() - pressed;
    std::cout << "pendant press in the queue "
              << std::chrono::duration_cast<std::chrono::milliseconds>(took).count() << " ms after " << flood
              << " alerts from another hub\n";

    // Nothing dropped: every alert of the flood is acked (so stored).
    want.insert("hub-calm-1");
    auto acked = collect_acks(hubs, want, 30s);
    EXPECT_EQ(acked.size(), want.size());

    // The queue holds the hub's burst and ONE flood alert that counts the rest, at the hub's priority.
    auto [status, queue] = op.get("/api/alerts?limit=1000");
    ASSERT_EQ(status, 200);
    int from_flood = 0;
    json flood_alert;
    for (const auto& a : queue) {
        if (a.at("hub") != "hub-flood") continue;
        if (a.at("type") == "alert_flood")
            flood_alert = a;
        else
            ++from_flood;
    }
    ASSERT_TRUE(flood_alert.is_object()) << queue.dump();
    EXPECT_GE(from_flood, 20);
    EXPECT_LE(from_flood, 25);  // the burst, and what the rate refilled while the test ran
    EXPECT_EQ(flood_alert.at("priority"), "critical");  // as urgent as the most urgent it folded
    EXPECT_EQ(flood_alert.at("value").get<int>(), flood - from_flood);
    EXPECT_NE(flood_alert.at("text").get<std::string>().find(std::to_string(flood - from_flood) + " folded"),
              std::string::npos)
        << flood_alert;

    // The folded alerts are stored, out of the queue, and listed in the flood alert's detail.
    auto [ds, detail] = op.get("/api/alerts/" + flood_alert.at("id").get<std::string>());
    ASSERT_EQ(ds, 200);
    ASSERT_EQ(detail.at("folded").size(), 100u);
    for (const auto& f : detail.at("folded")) {
        EXPECT_EQ(f.at("folded_into"), flood_alert.at("id"));
        EXPECT_EQ(f.at("status"), "resolved");
        EXPECT_EQ(f.at("outcome"), "folded");
    }
    auto [ls, last] = op.get("/api/alerts/hub-flood-" + std::to_string(flood));
    ASSERT_EQ(ls, 200);
    EXPECT_EQ(last.at("folded_into"), flood_alert.at("id"));
    bool history_counts = false;
    for (const auto& h : detail.at("history")) history_counts |= h.at("action") == "folded";
    EXPECT_TRUE(history_counts) << detail.at("history");
}

// Security issue 12, finding 2: a stolen hub is disabled in the centre.
TEST_F(centre_test, ADisabledHubIsRefusedAuditedAndNotSupervisedAndItsAlertsArriveOnceEnabled) {
    write_config("2s", "15m");
    start_centre();
    auto admin = login("ada", "admin");
    auto tech = login("terry", "technician");
    auto op = login("olive", "operator");
    harness::mqtt_client hubs(broker.uri(), "sim-disable");
    hubs.subscribe("warden/v1/+/ack");
    hubs.publish("warden/v1/hub-stolen/alert", alert_payload("hub-stolen", 1));
    hubs.publish("warden/v1/hub-quiet/alert", alert_payload("hub-quiet", 1));
    ASSERT_EQ(collect_acks(hubs, {"hub-stolen-1", "hub-quiet-1"}).size(), 2u);

    // Only an admin, with the CSRF token.
    EXPECT_EQ(tech.post("/api/hubs/hub-stolen/disable").first, 403);
    EXPECT_EQ(admin.post("/api/hubs/hub-stolen/disable", json::object(), false).first, 403);
    EXPECT_EQ(admin.post("/api/hubs/no-such-hub/disable").first, 404);
    auto [ds, disabled] = admin.post("/api/hubs/hub-stolen/disable");
    ASSERT_EQ(ds, 200);
    EXPECT_EQ(disabled.at("disabled"), true);
    EXPECT_EQ(admin.post("/api/hubs/hub-stolen/disable").first, 409);

    // Its messages are refused: not acked, not stored, its heartbeat not taken; and audited, not once each.
    for (int seq = 2; seq <= 301; ++seq)
        hubs.publish("warden/v1/hub-stolen/alert", alert_payload("hub-stolen", seq));
    hubs.publish("warden/v1/hub-stolen/heartbeat", heartbeat_payload("hub-stolen"));
    hubs.publish("warden/v1/hub-quiet/alert", alert_payload("hub-quiet", 2));  // after them on the broker
    EXPECT_EQ(collect_acks(hubs, {"hub-quiet-2"}), std::set<std::string>{"hub-quiet-2"});
    EXPECT_EQ(op.get("/api/alerts/hub-stolen-2").first, 404);
    EXPECT_EQ(op.get("/api/alerts/hub-stolen-301").first, 404);
    for (const auto& h : op.get("/api/hubs").second)
        if (h.at("id") == "hub-stolen") {
            EXPECT_TRUE(h.at("last_heartbeat").is_null()) << h;
        }
    auto refusals = [&] {
        std::vector<json> rows;
        for (const auto& e : admin.get("/api/audit?limit=1000").second)
            if (e.at("action") == "hub_refused" && e.at("target") == "hub-stolen") rows.push_back(e);
        return rows;
    };
    auto refused = refusals();
    ASSERT_GE(refused.size(), 1u);
    EXPECT_LE(refused.size(), 2u) << "301 messages refused must not write one audit row each";
    EXPECT_NE(refused.back().at("detail").get<std::string>().find("disabled"), std::string::npos);

    // Supervision: the silent enabled hub goes offline; the disabled one raises nothing.
    ASSERT_TRUE(harness::eventually(
        [&] {
            for (const auto& a : op.get("/api/alerts").second)
                if (a.at("type") == "hub_offline" && a.at("hub") == "hub-quiet") return true;
            return false;
        },
        10s));
    std::this_thread::sleep_for(1s);  // a second grace of hub-stolen's deadline has passed too
    for (const auto& a : op.get("/api/alerts?state=all&limit=1000").second)
        EXPECT_FALSE(a.at("type") == "hub_offline" && a.at("hub") == "hub-stolen") << a;

    // Enabled again (from the command line, with the centre running): the hub resends, they arrive.
    auto unknown = harness::run({centre_bin, "--config", config.string(), "hub", "enable", "no-such-hub"});
    EXPECT_EQ(unknown.code, 1) << unknown.output;
    auto enable = harness::run({centre_bin, "--config", config.string(), "hub", "enable", "hub-stolen"});
    ASSERT_EQ(enable.code, 0) << enable.output;
    std::set<std::string> resent;
    for (int seq = 2; seq <= 301; ++seq) {
        hubs.publish("warden/v1/hub-stolen/alert", alert_payload("hub-stolen", seq));
        resent.insert("hub-stolen-" + std::to_string(seq));
    }
    EXPECT_EQ(collect_acks(hubs, resent, 20s), resent);
    EXPECT_EQ(op.get("/api/alerts/hub-stolen-2").first, 200);
    bool enabled_by_cli = false, disabled_by_ada = false;
    for (const auto& e : admin.get("/api/audit?limit=1000").second) {
        enabled_by_cli |= e.at("action") == "hub_enable" && e.at("user") == "cli";
        disabled_by_ada |= e.at("action") == "hub_disable" && e.at("user") == "ada";
    }
    EXPECT_TRUE(enabled_by_cli);
    EXPECT_TRUE(disabled_by_ada);
}

// Security issue 12, finding 7: one user cannot take every live-event slot.
TEST_F(centre_test, ATechniciansStreamsAreCappedAndAnOperatorStillGetsOne) {
    start_centre();
    auto tech = login("terry", "technician");
    std::vector<std::unique_ptr<stream_reader>> open;
    auto open_stream = [&](const api& who) {
        open.push_back(std::make_unique<stream_reader>(http_port, who.headers(false)));
        return harness::eventually([&] { return open.back()->connected(); }, 5s);
    };
    auto refused = [&](const api& who) {
        httplib::Client c("127.0.0.1", http_port);
        auto r = c.Get("/api/stream", who.headers(false));
        return r ? r->status : -1;
    };
    for (int i = 0; i < 4; ++i) ASSERT_TRUE(open_stream(tech)) << i;
    EXPECT_EQ(refused(tech), 429);  // per login
    api tech2(http_port), tech3(http_port);
    ASSERT_EQ(tech2.login("terry", "terry-password"), 200);
    for (int i = 0; i < 4; ++i) ASSERT_TRUE(open_stream(tech2)) << i;
    ASSERT_EQ(tech3.login("terry", "terry-password"), 200);
    EXPECT_EQ(refused(tech3), 429);  // per user, whatever the login
    // The other roles' pool is full now (8): an admin waits, an operator does not.
    auto admin = login("ada", "admin");
    EXPECT_EQ(refused(admin), 503);
    auto op = login("olive", "operator");
    EXPECT_TRUE(open_stream(op));
    auto [s, me] = op.get("/api/me");  // and the operator's ordinary requests are answered
    EXPECT_EQ(s, 200);
}

TEST_F(centre_test, UserAddRefusesAPasswordShorterThanEightCharacters) {
    auto r =
        harness::run({centre_bin, "--config", config.string(), "user", "add", "shorty", "--role", "operator"},
                     "1234567\n");
    EXPECT_EQ(r.code, 2) << r.output;
    EXPECT_NE(r.output.find("at least 8"), std::string::npos) << r.output;
    auto list = harness::run({centre_bin, "--config", config.string(), "user", "list"});
    EXPECT_EQ(list.output.find("shorty"), std::string::npos) << list.output;
    auto ok =
        harness::run({centre_bin, "--config", config.string(), "user", "add", "shorty", "--role", "operator"},
                     "12345678\n");
    EXPECT_EQ(ok.code, 0) << ok.output;
}

TEST_F(centre_test, StaticFilesAreNeverCachedAndANulOrControlCharacterIsNotServed) {
    start_centre();
    httplib::Client c("127.0.0.1", http_port);
    auto css = c.Get("/style.css");
    ASSERT_TRUE(css);
    EXPECT_EQ(css->status, 200);
    EXPECT_EQ(css->get_header_value("Cache-Control"), "no-store");
    EXPECT_EQ(css->get_header_value("Content-Type"), "text/css");
    auto index = c.Get("/");
    ASSERT_TRUE(index);
    EXPECT_EQ(index->get_header_value("Cache-Control"), "no-store");
    for (const char* trick : {"/style.css%00.html", "/style.css%00", "/index.html%00.css",
                              "/style.css%0a.html", "/js%2f..%2fstyle.css%00.html", "/api/me%00"}) {
        auto r = c.Get(trick);
        ASSERT_TRUE(r) << trick;
        EXPECT_EQ(r->status, 404) << trick;
        EXPECT_EQ(r->get_header_value("Content-Type").find("text/html"), std::string::npos) << trick;
    }
}

// --- residents' records (docs/residents.md): CRUD, roles and caseloads, audit, encryption at rest ---

namespace {

/// A fictional household for the API: `hub` linked, a key safe code and medical notes to look for.
json household_json(const std::string& ref, const std::string& postcode, const std::string& hub,
                    const std::string& name) {
    return {{"external_ref", ref},
            {"address_lines", {"7 Fictional Row", "Testford"}},
            {"postcode", postcode},
            {"key_safe_code", "KS-" + ref},
            {"key_safe_location", "behind the water butt"},
            {"door_entry", "none"},
            {"instructions", "Knock twice"},
            {"hubs", {hub}},
            {"residents",
             {{{"name", name},
               {"preferred_name", ""},
               {"date_of_birth", "1941-02-03"},
               {"phone", "01632 960100"},
               {"communication", "hard of hearing"},
               {"medical_conditions", "MED-" + ref + " heart failure"},
               {"medication_notes", "warfarin"},
               {"risk_notes", "lives with a dog"},
               {"gp", "Dr Fiction"}}}},
            {"responders",
             {{{"call_order", 1},
               {"name", "Fictional Son"},
               {"relation", "son"},
               {"phones", {"07700 900100"}},
               {"holds_key", true},
               {"available_hours", "any time"},
               {"can_attend", true}}}},
            {"professionals",
             {{{"role", "social_worker"}, {"name", "Pat Example"}, {"email", "pat@example.org"}}}}};
}

/// A centre with a records key, an admin who made teams north and south, and one household on each.
class records_test : public centre_test {
protected:
    std::optional<api> admin;
    std::int64_t north = 0, south = 0;

    void SetUp() override {
        auto k = harness::run({centre_bin, "key", "create", (dir / "records.key").string()});
        ASSERT_EQ(k.code, 0) << k.output;
        write_config("3m", "15m", "[records]\nkey_file = \"records.key\"\n");
    }

    void start_with_households() {
        start_centre();
        admin.emplace(login("ada", "admin"));
        ASSERT_EQ(admin->post("/api/teams", {{"id", "north"}, {"name", "North"}}).first, 201);
        ASSERT_EQ(admin->post("/api/teams", {{"id", "south"}, {"name", "South"}}).first, 201);
        auto n = household_json("N-1", "ZZ99 1NN", "hub-n", "Nora North");
        n["team"] = "north";
        auto [sn, bn] = admin->post("/api/households", n);
        ASSERT_EQ(sn, 201) << bn;
        north = bn.at("id").get<std::int64_t>();
        auto s = household_json("S-1", "ZZ99 2SS", "hub-s", "Sid South");
        s["team"] = "south";
        auto [ss, bs] = admin->post("/api/households", s);
        ASSERT_EQ(ss, 201) << bs;
        south = bs.at("id").get<std::int64_t>();
    }

    /// A care user of `team`.
    api care_user(const std::string& name, const std::string& team) {
        auto r = harness::run(
            {centre_bin, "--config", config.string(), "user", "add", name, "--role", "care", "--team", team},
            name + "-password\n");
        EXPECT_EQ(r.code, 0) << r.output;
        api a(http_port);
        EXPECT_EQ(a.login(name, name + "-password"), 200);
        return a;
    }

    /// An alert from `hub`, once the centre has it.
    std::string raise(const std::string& hub, int seq) {
        harness::mqtt_client c(broker.uri(), "sim-" + hub);
        c.subscribe("warden/v1/" + hub + "/ack");
        c.publish("warden/v1/" + hub + "/alert", alert_payload(hub, seq));
        auto id = make_alert_id(hub, static_cast<std::uint64_t>(seq));
        EXPECT_EQ(collect_acks(c, {id}).count(id), 1u);
        return id;
    }

    std::vector<json> audit_rows(const std::string& action) {
        std::vector<json> out;
        for (const auto& e : admin->get("/api/audit?limit=1000").second)
            if (e.at("action") == action) out.push_back(e);
        return out;
    }
};

std::set<std::int64_t> ids_of(const json& list) {
    std::set<std::int64_t> out;
    for (const auto& x : list) out.insert(x.at("id").get<std::int64_t>());
    return out;
}

}  // namespace

TEST_F(records_test, HouseholdsAreCreatedFoundUpdatedAndValidatedFieldByField) {
    start_with_households();
    auto op = login("olive", "operator");
    auto h = op.get("/api/households/" + std::to_string(north));
    ASSERT_EQ(h.first, 200) << h.second;
    EXPECT_EQ(h.second.at("residents").at(0).at("medical_conditions"), "MED-N-1 heart failure");
    EXPECT_EQ(h.second.at("key_safe_code_set"), true);
    EXPECT_EQ(h.second.dump().find("KS-N-1"), std::string::npos) << "the code is in an ordinary answer";
    EXPECT_EQ(h.second.at("hub_health").at(0).at("id"), "hub-n");

    // Search by postcode (spaces ignored), name, hub and phone.
    EXPECT_EQ(ids_of(op.get("/api/households?q=zz991nn").second), std::set<std::int64_t>{north});
    EXPECT_EQ(ids_of(op.get("/api/households?q=Sid").second), std::set<std::int64_t>{south});
    EXPECT_EQ(ids_of(op.get("/api/households?q=hub-s").second), std::set<std::int64_t>{south});
    EXPECT_EQ(ids_of(op.get("/api/households").second), (std::set<std::int64_t>{north, south}));
    EXPECT_EQ(op.get("/api/households?q=07700900100").second.size(), 2u);

    // 400s name the field; nothing is stored.
    auto bad = household_json("N-2", "not a postcode", "hub-x", "X");
    bad["residents"][0]["date_of_birth"] = "03/02/1941";
    bad["responders"][0]["holds_key"] = "yes";
    auto [status, body] = admin->post("/api/households", bad);
    EXPECT_EQ(status, 400) << body;
    std::set<std::string> fields;
    for (const auto& f : body.at("fields")) fields.insert(f.at("field").get<std::string>());
    EXPECT_EQ(fields, (std::set<std::string>{"responders[0].holds_key"})) << body;  // types first
    bad["responders"][0]["holds_key"] = true;
    std::tie(status, body) = admin->post("/api/households", bad);
    EXPECT_EQ(status, 400);
    fields.clear();
    for (const auto& f : body.at("fields")) fields.insert(f.at("field").get<std::string>());
    EXPECT_EQ(fields, (std::set<std::string>{"postcode", "residents[0].date_of_birth"})) << body;
    EXPECT_EQ(body.at("error").get<std::string>().rfind("postcode: ", 0), 0u) << body;
    EXPECT_EQ(admin->post("/api/households", {{"nonsense", 1}}).second.at("fields").at(0).at("field"),
              "nonsense");
    // A taken hub or external ref is a 409 naming it.
    auto clash = household_json("N-1", "ZZ99 3AA", "hub-new", "Y");
    EXPECT_EQ(admin->post("/api/households", clash).second.at("field"), "external_ref");
    EXPECT_EQ(op.post("/api/households", clash).first, 403);  // operators do not edit records

    // An update from the edit form (the GET answer, changed) keeps the key safe code it never saw.
    auto edited = h.second;
    edited["instructions"] = "Ring the bell";
    auto [us, ub] = admin->post("/api/households/" + std::to_string(north), edited);
    ASSERT_EQ(us, 200) << ub;
    EXPECT_EQ(ub.at("instructions"), "Ring the bell");
    auto reveal =
        op.post("/api/households/" + std::to_string(north) + "/keysafe/reveal", {{"reason", "check"}});
    EXPECT_EQ(reveal.second.at("key_safe_code"), "KS-N-1") << reveal.second;
    edited["postcode"] = "";
    EXPECT_EQ(
        admin->post("/api/households/" + std::to_string(north), edited).second.at("fields").at(0).at("field"),
        "postcode");
    EXPECT_EQ(admin->post("/api/households/99999", household_json("Z", "ZZ99 9ZZ", "hub-z", "Z")).first, 404);

    // The CSRF token is required on changes; admins delete.
    EXPECT_EQ(
        admin->post("/api/households/" + std::to_string(south) + "/delete", json::object(), false).first,
        403);
    EXPECT_EQ(admin->post("/api/households/" + std::to_string(south) + "/delete").first, 200);
    EXPECT_EQ(op.get("/api/households/" + std::to_string(south)).first, 404);
}

TEST_F(records_test, EachRoleSeesWhatItMayOfARecord) {
    start_with_households();
    auto path = "/api/households/" + std::to_string(north);
    auto tech = login("tina", "technician").get(path).second;
    EXPECT_EQ(tech.at("key_safe_location"), "behind the water butt");
    EXPECT_FALSE(tech.at("residents").at(0).contains("medical_conditions")) << tech;
    EXPECT_FALSE(tech.at("residents").at(0).contains("medication_notes")) << tech;
    EXPECT_FALSE(tech.contains("professionals"));
    EXPECT_EQ(tech.dump().find("MED-N-1"), std::string::npos);
    auto care = care_user("carl", "north").get(path).second;
    EXPECT_EQ(care.at("residents").at(0).at("medical_conditions"), "MED-N-1 heart failure");
    EXPECT_FALSE(care.contains("key_safe_location")) << care;
    auto sup = login("sue", "supervisor").get(path).second;
    EXPECT_EQ(sup.at("residents").at(0).at("medication_notes"), "warfarin");
    for (const auto& j : {tech, care, sup}) EXPECT_EQ(j.dump().find("KS-N-1"), std::string::npos);
}

// The team decides which care professionals read a record: only an admin puts a household on a caseload or
// moves it. A supervisor edits the rest of the record (the edit form sends the team back unchanged).
TEST_F(records_test, OnlyAnAdminPutsAHouseholdOnATeamsCaseload) {
    start_with_households();
    auto sup = login("sue", "supervisor");
    const auto path = "/api/households/" + std::to_string(north);
    auto record = sup.get(path).second;
    record["instructions"] = "Back door";
    auto [kept, kept_body] = sup.post(path, record);
    EXPECT_EQ(kept, 200) << kept_body;
    record["team"] = "south";
    auto [moved, moved_body] = sup.post(path, record);
    EXPECT_EQ(moved, 403) << moved_body;
    EXPECT_EQ(moved_body.value("field", ""), "team") << moved_body;
    record["team"] = nullptr;
    EXPECT_EQ(sup.post(path, record).first, 403) << "taken off the caseload by a supervisor";
    EXPECT_EQ(sup.get(path).second.at("team"), "north");

    auto created = household_json("N-3", "ZZ99 3NN", "hub-n3", "Nell");
    created["team"] = "north";
    EXPECT_EQ(sup.post("/api/households", created).first, 403);
    created.erase("team");
    EXPECT_EQ(sup.post("/api/households", created).first, 201);

    record["team"] = "south";
    auto [by_admin, admin_body] = admin->post(path, record);
    EXPECT_EQ(by_admin, 200) << admin_body;
    EXPECT_EQ(admin_body.at("team"), "south");
}

TEST_F(records_test, ACareUserSeesTheirCaseloadOnlyAndEveryOtherIdIsNotFound) {
    start_with_households();
    auto mine = raise("hub-n", 1);
    auto theirs = raise("hub-s", 1);
    auto unlinked = raise("hub-free", 1);
    auto carl = care_user("carl", "north");
    EXPECT_EQ(carl.get("/api/me").second.at("team"), "north");

    // Lists list the caseload.
    EXPECT_EQ(ids_of(carl.get("/api/households").second), std::set<std::int64_t>{north});
    EXPECT_EQ(ids_of(carl.get("/api/households?q=zz99").second), std::set<std::int64_t>{north});
    std::set<std::string> alerts, hubs;
    for (const auto& a : carl.get("/api/alerts?state=all").second)
        alerts.insert(a.at("id").get<std::string>());
    EXPECT_EQ(alerts, std::set<std::string>{mine});
    for (const auto& x : carl.get("/api/hubs").second) hubs.insert(x.at("id").get<std::string>());
    EXPECT_EQ(hubs, std::set<std::string>{"hub-n"});
    // Their own: the record, its alert history with outcomes, hub health.
    auto n = std::to_string(north), s = std::to_string(south);
    EXPECT_EQ(carl.get("/api/households/" + n).first, 200);
    auto history = carl.get("/api/households/" + n + "/alerts").second;
    ASSERT_EQ(history.size(), 1u);
    EXPECT_EQ(history[0].at("id"), mine);
    EXPECT_EQ(history[0].at("history").at(0).at("action"), "received");
    EXPECT_EQ(carl.get("/api/alerts/" + mine).second.at("household").at("id"), north);
    EXPECT_EQ(carl.get("/api/hubs/hub-n").first, 200);

    // Every endpoint with another team's ids (or ones off any caseload): 404, as for ids that do not exist.
    const std::vector<std::pair<std::string, bool>> others = {
        {"/api/households/" + s, false},
        {"/api/households/" + s + "/alerts", false},
        {"/api/households/999999", false},
        {"/api/alerts/" + theirs, false},
        {"/api/alerts/" + unlinked, false},
        {"/api/hubs/hub-s", false},
        {"/api/hubs/hub-free", false},
        {"/api/teams/south", false},
        {"/api/households/" + s, true},
        {"/api/households/" + s + "/delete", true},
        {"/api/households/" + s + "/team", true},
        {"/api/households/" + s + "/keysafe/reveal", true},
        {"/api/alerts/" + theirs + "/acknowledge", true},
        {"/api/alerts/" + theirs + "/resolve", true},
        {"/api/alerts/" + theirs + "/reopen", true},
        {"/api/hubs/hub-s/test", true},
        {"/api/hubs/hub-s/away", true},
        {"/api/teams/south", true},
        {"/api/users/ada/team", true},
    };
    for (const auto& [path, post] : others) {
        auto r =
            post ? carl.post(path, {{"reason", "x"}, {"on", true}, {"outcome", "other"}, {"team", "north"}})
                 : carl.get(path);
        EXPECT_EQ(r.first, 404) << (post ? "POST " : "GET ") << path << " " << r.second;
    }
    // Read-only even on their own: no acknowledge, resolve, edit or reveal.
    EXPECT_EQ(carl.post("/api/alerts/" + mine + "/acknowledge").first, 404);
    EXPECT_EQ(carl.post("/api/households/" + n + "/keysafe/reveal", {{"reason", "x"}}).first, 404);
    EXPECT_EQ(carl.post("/api/households/" + n, household_json("N-1", "ZZ99 1NN", "hub-n", "X")).first, 404);
    EXPECT_EQ(carl.get("/api/alerts/" + mine).second.at("status"), "open");
    // An operator sees everything, and an alert names its household.
    auto op = login("olive", "operator");
    auto a = op.get("/api/alerts/" + theirs).second;
    EXPECT_EQ(a.at("household").at("id"), south);
    EXPECT_EQ(a.at("household").at("names").at(0), "Sid South");
    EXPECT_EQ(a.at("household").at("postcode"), "ZZ99 2SS");
    EXPECT_TRUE(op.get("/api/alerts/" + unlinked).second.at("household").is_null());
    // A care user without a team sees nothing.
    ASSERT_EQ(admin->post("/api/users/carl/team", {{"team", nullptr}}).first, 200);
    auto again = api(http_port);
    ASSERT_EQ(again.login("carl", "carl-password"), 200);
    EXPECT_TRUE(again.get("/api/households").second.empty());
    EXPECT_EQ(again.get("/api/households/" + n).first, 404);
}

TEST_F(records_test, EveryReadAndRevealIsAudited) {
    start_with_households();
    auto alert_id = raise("hub-n", 1);
    auto op = login("olive", "operator");
    auto n = std::to_string(north);
    EXPECT_EQ(op.get("/api/households/" + n + "?alert=" + alert_id).first, 200);
    EXPECT_EQ(op.get("/api/households/" + n).first, 200);
    auto carl = care_user("carl", "north");
    EXPECT_EQ(carl.get("/api/households/" + n).first, 200);
    auto reads = audit_rows("household_read");
    ASSERT_EQ(reads.size(), 3u);  // newest first
    EXPECT_EQ(reads[0].at("user"), "carl");
    EXPECT_EQ(reads[0].at("detail"), "caseload");
    EXPECT_EQ(reads[1].at("detail"), "search");
    EXPECT_EQ(reads[2].at("user"), "olive");
    EXPECT_EQ(reads[2].at("target"), n);
    EXPECT_EQ(reads[2].at("detail"), "alert " + alert_id);

    // A reveal needs a reason; the alert, if given, must be this household's.
    auto reveal = "/api/households/" + n + "/keysafe/reveal";
    auto [s1, b1] = op.post(reveal, json::object());
    EXPECT_EQ(s1, 400);
    EXPECT_EQ(b1.at("field"), "reason");
    EXPECT_EQ(op.post(reveal, {{"reason", "x"}, {"alert", raise("hub-s", 1)}}).second.at("field"), "alert");
    EXPECT_TRUE(audit_rows("keysafe_reveal").empty());
    auto [s2, b2] = op.post(reveal, {{"reason", "paramedics at the door"}, {"alert", alert_id}});
    ASSERT_EQ(s2, 200) << b2;
    EXPECT_EQ(b2.at("key_safe_code"), "KS-N-1");
    auto tech = login("tina", "technician");
    EXPECT_EQ(tech.post(reveal, {{"reason", "battery change visit"}}).first, 200);
    auto reveals = audit_rows("keysafe_reveal");
    ASSERT_EQ(reveals.size(), 2u);
    EXPECT_EQ(reveals[1].at("user"), "olive");
    EXPECT_EQ(reveals[1].at("target"), n);
    EXPECT_EQ(reveals[1].at("detail"), "alert " + alert_id + ": paramedics at the door");
    EXPECT_EQ(reveals[0].at("user"), "tina");
    // Nothing personal in the log.
    for (const char* secret : {"KS-N-1", "Nora North", "MED-N-1", "ZZ99"})
        EXPECT_EQ(centre.log().find(secret), std::string::npos) << secret;
}

// The wellbeing notices across a caseload (docs/activity.md, "Notices across the caseload"): eight
// weeks of generated summaries for three households through the real ingest, an infection pattern in
// the last nights of the north and south households; each care user lists only their team's household
// with a notice, a supervisor lists both (or one team's), the other roles get 403, and each household
// listed is audited for the user who listed it.
TEST_F(records_test, ACareUserListsTheActiveNoticesOfTheirTeamsHouseholdsOnly) {
    start_with_households();
    auto quiet = household_json("N-2", "ZZ99 3NN", "hub-n2", "Quentin Quiet");
    quiet["team"] = "north";
    auto [sq, bq] = admin->post("/api/households", quiet);
    ASSERT_EQ(sq, 201) << bq;
    const auto quiet_id = bq.at("id").get<std::int64_t>();
    for (const auto& [hub, change] : std::vector<std::pair<std::string, std::string>>{
             {"hub-n", "uti:51"}, {"hub-s", "uti:51"}, {"hub-n2", ""}}) {
        std::vector<std::string> gen{std::string(WARDEN_BIN_DIR) + "/warden-activity-weeks",
                                     "--hub",
                                     hub,
                                     "--days",
                                     "56",
                                     "--seed",
                                     hub == "hub-s" ? "2" : "1"};
        if (!change.empty()) gen.insert(gen.end(), {"--change", change});
        auto weeks = harness::run(gen);
        ASSERT_EQ(weeks.code, 0) << weeks.output;
        auto sent = harness::run({"mosquitto_pub", "-h", "127.0.0.1", "-p", std::to_string(broker.port()),
                                  "-q", "1", "-t", "warden/v1/" + hub + "/activity", "-l"},
                                 weeks.output, 60s);
        ASSERT_EQ(sent.code, 0) << sent.output;
    }
    auto sue = login("sue", "supervisor");
    auto listed = [](const json& answer) {
        std::set<std::int64_t> out;
        for (const auto& x : answer.at("households"))
            out.insert(x.at("household").at("id").get<std::int64_t>());
        return out;
    };
    // Stored (the last nights are in): the supervisor lists both households with the notice.
    json all;
    ASSERT_TRUE(harness::eventually(
        [&] {
            auto [status, body] = sue.get("/api/activity/notices");
            all = body;
            return status == 200 && listed(body) == std::set<std::int64_t>{north, south};
        },
        60s))
        << all.dump();
    EXPECT_EQ(all.at("checked"), 3);
    EXPECT_EQ(listed(sue.get("/api/activity/notices?team=south").second), std::set<std::int64_t>{south});

    auto carl = care_user("carl", "north");
    auto [cs, mine] = carl.get("/api/activity/notices");
    ASSERT_EQ(cs, 200) << mine;
    EXPECT_EQ(listed(mine), std::set<std::int64_t>{north}) << mine.dump();
    EXPECT_EQ(mine.at("checked"), 2) << "the north caseload: Nora's household and Quentin's, who has none";
    const auto& row = mine.at("households").at(0);
    EXPECT_EQ(row.at("household").at("names"), json::array({"Nora North"}));
    ASSERT_EQ(row.at("notices").size(), 1u) << row;
    const auto& n = row.at("notices").at(0);
    EXPECT_EQ(n.at("kind"), "night_bathroom");
    EXPECT_TRUE(n.at("active").get<bool>());
    EXPECT_GE(n.at("days").size(), 3u);
    EXPECT_NE(n.at("evidence").get<std::string>().find("nights running"), std::string::npos) << n;
    // ?team= does not widen a care user's caseload.
    EXPECT_EQ(listed(carl.get("/api/activity/notices?team=south").second), std::set<std::int64_t>{north});
    auto sian = care_user("sian", "south");
    EXPECT_EQ(listed(sian.get("/api/activity/notices").second), std::set<std::int64_t>{south});
    EXPECT_EQ(login("olive", "operator").get("/api/activity/notices").first, 403);
    EXPECT_EQ(login("tina", "technician").get("/api/activity/notices").first, 403);
    EXPECT_EQ(admin->get("/api/activity/notices").first, 403);

    // Audited per household listed, for the user who listed it; Quentin's (no notice) is not listed.
    std::map<std::string, std::set<std::string>> audited;
    for (const auto& e : audit_rows("activity_notices"))
        audited[e.at("user").get<std::string>()].insert(e.at("target").get<std::string>());
    EXPECT_EQ(audited["carl"], std::set<std::string>{std::to_string(north)});
    EXPECT_EQ(audited["sian"], std::set<std::string>{std::to_string(south)});
    EXPECT_EQ(audited["sue"], (std::set<std::string>{std::to_string(north), std::to_string(south)}));
    EXPECT_FALSE(audited["sue"].contains(std::to_string(quiet_id)));
}

// The demo's seeding (scripts/demo: its households, then scripts/demo-activity) gives the care user of
// the demo team one household with an active wellbeing notice, listed in Notices, and its chart.
TEST_F(records_test, TheDemosSeedingShowsTheCareUserAHouseholdWithAnActiveNoticeAndItsChart) {
    start_centre();
    admin.emplace(login("ada", "admin"));
    for (const char* team : {"demo", "other"})
        ASSERT_EQ(admin->post("/api/teams", {{"id", team}, {"name", team}}).first, 201);
    const std::filesystem::path source = WARDEN_SOURCE_DIR;
    for (const auto& f : std::filesystem::directory_iterator(source / "examples" / "demo" / "households")) {
        auto [status, body] = admin->post("/api/households", json::parse(harness::file_bytes(f.path())));
        ASSERT_EQ(status, 201) << f.path() << ": " << body;
    }
    auto seeded = harness::run(
        {(source / "scripts" / "demo-activity").string(), WARDEN_BIN_DIR, std::to_string(broker.port())}, {},
        60s);
    ASSERT_EQ(seeded.code, 0) << seeded.output;

    auto care = care_user("care", "demo");
    json listed;
    ASSERT_TRUE(harness::eventually(
        [&] {
            listed = care.get("/api/activity/notices").second;
            return listed.is_object() && listed.at("households").size() == 1;
        },
        60s))
        << listed.dump();
    const auto& row = listed.at("households").at(0);
    EXPECT_EQ(row.at("household").at("hubs"), json::array({"hub-demo-2"}));
    auto night_bathroom = [](const json& notices) {
        for (const auto& n : notices)
            if (n.at("kind") == "night_bathroom") return n;
        return json();
    };
    EXPECT_FALSE(night_bathroom(row.at("notices")).is_null()) << row;
    const auto id = row.at("household").at("id").get<std::int64_t>();
    auto [status, view] = care.get("/api/households/" + std::to_string(id) + "/activity?days=28");
    ASSERT_EQ(status, 200) << view;
    EXPECT_GE(view.at("days").size(), 28u);
    auto shown = night_bathroom(view.at("notices"));
    ASSERT_FALSE(shown.is_null()) << view.at("notices");
    EXPECT_TRUE(shown.at("active").get<bool>());
    EXPECT_TRUE(view.at("charts").at("grid").get<std::string>().starts_with("<svg"));
    std::size_t with_data = 0;
    for (const auto& d : view.at("days")) with_data += !d.at("missing").get<bool>();
    EXPECT_GE(with_data, 27u) << "every day but today has its hours";
}

TEST_F(records_test, KeySafeCodesAndMedicalNotesAreNotReadableInTheDatabaseFile) {
    start_with_households();
    centre.signal(SIGTERM);
    ASSERT_EQ(centre.wait(10s), 0) << centre.log();
    // The SQLite file and its journal, or the PostgreSQL database's tables and indexes.
    std::string bytes;
    if (harness::testing_postgres())
        bytes = harness::test_postgres().database_bytes(database);
    else
        for (const auto& f : std::filesystem::directory_iterator(dir.path()))
            if (f.path().filename().string().starts_with("centre.db")) bytes += harness::file_bytes(f.path());
    EXPECT_NE(bytes.find("Nora North"), std::string::npos);  // the search really reads the file
    for (const char* secret : {"KS-N-1", "KS-S-1", "MED-N-1", "warfarin", "water butt"})
        EXPECT_EQ(bytes.find(secret), std::string::npos) << secret;
}

TEST_F(records_test, AMissingMalformedOrWrongKeyStopsTheStart) {
    start_with_households();
    centre.signal(SIGTERM);
    ASSERT_EQ(centre.wait(10s), 0);
    auto key = dir / "records.key";
    EXPECT_EQ(std::filesystem::status(key).permissions() & std::filesystem::perms::mask,
              std::filesystem::perms::owner_read | std::filesystem::perms::owner_write);
    auto original = harness::file_bytes(key);
    auto again = harness::run({centre_bin, "key", "create", key.string()});
    EXPECT_EQ(again.code, 1);
    EXPECT_NE(again.output.find("not overwriting"), std::string::npos) << again.output;
    EXPECT_EQ(harness::file_bytes(key), original);

    auto starts_with = [&](const std::string& expect) {
        auto r = harness::run({centre_bin, "--config", config.string()}, {}, 20s);
        EXPECT_EQ(r.code, 1) << r.output;
        EXPECT_NE(r.output.find(expect), std::string::npos) << r.output;
    };
    std::filesystem::rename(key, dir / "saved.key");
    starts_with("cannot read the records key file");
    dir.write("records.key", "0123abcd\n");
    starts_with("must hold 64 hex digits");
    std::filesystem::remove(key);
    ASSERT_EQ(harness::run({centre_bin, "key", "create", key.string()}).code, 0);
    starts_with("does not match this database");
    std::filesystem::rename(dir / "saved.key", key);
    start_centre();
    EXPECT_EQ(login("olive", "operator").get("/api/households/" + std::to_string(north)).first, 200);
}

TEST_F(centre_test, WithoutARecordsKeyTheEncryptedFieldsAreRefusedNotStoredInTheClear) {
    start_centre();
    EXPECT_NE(centre.log().find("no records key"), std::string::npos);
    auto admin = login("ada", "admin");
    auto [status, body] = admin.post("/api/households", household_json("N-1", "ZZ99 1NN", "hub-n", "Nora"));
    EXPECT_EQ(status, 409) << body;
    EXPECT_NE(body.at("error").get<std::string>().find("no records key"), std::string::npos);
    auto plain = household_json("N-1", "ZZ99 1NN", "hub-n", "Nora");
    plain["key_safe_code"] = plain["key_safe_location"] = plain["door_entry"] = "";
    plain["residents"][0]["medical_conditions"] = plain["residents"][0]["medication_notes"] = "";
    auto [s2, b2] = admin.post("/api/households", plain);
    ASSERT_EQ(s2, 201) << b2;
    EXPECT_EQ(b2.at("sealed"), true);
}

/// A hub's alert of `type` and `priority` (a pendant press unless told otherwise).
std::string typed_payload(const std::string& hub, int seq, const std::string& type, const std::string& prio) {
    auto j = json::parse(alert_payload(hub, seq, prio));
    j["type"] = type;
    j["rule"] = type;
    return j.dump();
}

TEST_F(centre_test, OneHubsFloodNeverHidesAnotherHomesPressFromTheQueue) {
    // Ingest's flood folding off (a rate no hub reaches): the grouped queue alone keeps the press in view.
    write_config("3m", "15m", "[ingest]\nhub_alerts_per_minute = 60000\nhub_alert_burst = 1000000\n");
    start_centre();
    harness::mqtt_client flood(broker.uri(), "sim-flood");
    flood.subscribe("warden/v1/+/ack");
    std::set<std::string> want;
    for (int seq = 1; seq <= 5000; ++seq) {
        flood.publish("warden/v1/hub-flood/alert", alert_payload("hub-flood", seq));
        want.insert("hub-flood-" + std::to_string(seq));
    }
    ASSERT_EQ(collect_acks(flood, want, 60s).size(), want.size());
    harness::mqtt_client home(broker.uri(), "sim-home");
    home.subscribe("warden/v1/+/ack");
    home.publish("warden/v1/hub-home/alert", alert_payload("hub-home", 1));
    ASSERT_TRUE(collect_acks(home, {"hub-home-1"}).contains("hub-home-1"));

    auto op = login("olive", "operator");
    // The flat list the console used to load: 1,000 of the flood, the press not among them.
    auto [ls, flat] = op.get("/api/alerts?state=open&limit=1000");
    ASSERT_EQ(ls, 200);
    EXPECT_EQ(flat.size(), 1000u);
    for (const auto& a : flat) EXPECT_NE(a.at("hub"), "hub-home");
    // The queue: one group per home, so the press is there whatever the other hub sends.
    auto [qs, queue] = op.get("/api/queue?kind=calls");
    ASSERT_EQ(qs, 200) << queue.dump();
    ASSERT_EQ(queue.at("groups").size(), 2u);
    std::map<std::string, json> groups;
    for (const auto& g : queue.at("groups")) groups[g.at("hub")] = g;
    ASSERT_TRUE(groups.contains("hub-home"));
    EXPECT_EQ(groups["hub-home"].at("top").at("id"), "hub-home-1");
    EXPECT_EQ(groups["hub-home"].at("count"), 1);
    EXPECT_EQ(groups["hub-flood"].at("count"), 5000);
    EXPECT_EQ(groups["hub-flood"].at("untaken"), 5000);
    EXPECT_EQ(groups["hub-flood"].at("top").at("id"), "hub-flood-1");  // oldest first within critical
    EXPECT_EQ(queue.at("untaken"), 5001);
    EXPECT_EQ(queue.at("critical_untaken"), 5001);
    // Even when the flood is all that the first group shows, a query for one group still has both.
    EXPECT_EQ(op.get("/api/queue?limit=1").second.at("groups").size(), 1u);
    EXPECT_EQ(op.get("/api/queue?kind=technical").second.at("groups").size(), 0u);
}

TEST_F(centre_test, AHomesGroupIsAcknowledgedAndResolvedTogetherEachAlertWithItsHistory) {
    start_centre();
    harness::mqtt_client hub(broker.uri(), "sim-group");
    hub.subscribe("warden/v1/+/ack");
    hub.publish("warden/v1/hub-g/alert", typed_payload("hub-g", 1, "pendant", "critical"));
    hub.publish("warden/v1/hub-g/alert", typed_payload("hub-g", 2, "inactivity", "high"));
    hub.publish("warden/v1/hub-g/alert", typed_payload("hub-g", 3, "battery_low", "normal"));
    hub.publish("warden/v1/hub-x/alert", typed_payload("hub-x", 1, "flood", "high"));
    ASSERT_EQ(collect_acks(hub, {"hub-g-1", "hub-g-2", "hub-g-3", "hub-x-1"}).size(), 4u);
    auto op = login("olive", "operator");
    auto tech = login("tess", "technician");

    auto [qs, calls] = op.get("/api/queue?kind=calls");
    ASSERT_EQ(qs, 200);
    ASSERT_EQ(calls.at("groups").size(), 2u);
    EXPECT_EQ(calls.at("groups")[0].at("hub"), "hub-g");  // the critical home first
    EXPECT_EQ(calls.at("groups")[0].at("count"), 2);      // the battery is a technical fault, not a call
    auto technical = op.get("/api/queue?kind=technical").second;
    ASSERT_EQ(technical.at("groups").size(), 1u);
    EXPECT_EQ(technical.at("groups")[0].at("top").at("type"), "battery_low");
    EXPECT_EQ(op.get("/api/alerts?state=open&kind=technical").second.size(), 1u);
    EXPECT_EQ(op.get("/api/alerts?state=open&priority=high").second.size(), 2u);
    EXPECT_EQ(op.get("/api/alerts?state=open&type=flood").second.size(), 1u);
    EXPECT_EQ(op.get("/api/queue?kind=bogus").first, 400);

    // Only handlers, with the CSRF token, and only the hub's own alerts.
    json ids = {"hub-g-1", "hub-g-2", "hub-x-1"};
    EXPECT_EQ(tech.post("/api/queue/hub-g/acknowledge", {{"ids", ids}}).first, 403);
    EXPECT_EQ(op.post("/api/queue/hub-g/acknowledge", {{"ids", ids}}, false).first, 403);
    EXPECT_EQ(op.post("/api/queue/hub-g/acknowledge", {{"ids", json::array()}}).first, 400);
    auto [as, acked] = op.post("/api/queue/hub-g/acknowledge", {{"ids", ids}});
    ASSERT_EQ(as, 200) << acked.dump();
    EXPECT_EQ(acked.at("done"), (json{"hub-g-1", "hub-g-2"}));
    ASSERT_EQ(acked.at("skipped").size(), 1u);
    EXPECT_EQ(acked.at("skipped")[0].at("id"), "hub-x-1");
    EXPECT_EQ(op.get("/api/alerts/hub-x-1").second.at("status"), "open");

    EXPECT_EQ(op.post("/api/queue/hub-g/resolve", {{"ids", ids}, {"outcome", "nope"}}).first, 400);
    auto [rs, resolved] =
        op.post("/api/queue/hub-g/resolve",
                {{"ids", {"hub-g-1", "hub-g-2"}}, {"outcome", "resident_ok"}, {"note", "fine"}});
    ASSERT_EQ(rs, 200) << resolved.dump();
    EXPECT_EQ(resolved.at("done").size(), 2u);
    for (const char* id : {"hub-g-1", "hub-g-2"}) {
        auto one = op.get(std::string("/api/alerts/") + id).second;
        EXPECT_EQ(one.at("status"), "resolved");
        EXPECT_EQ(one.at("outcome"), "resident_ok");
        std::vector<std::string> actions;
        for (const auto& h : one.at("history")) actions.push_back(h.at("action"));
        EXPECT_EQ(actions, (std::vector<std::string>{"received", "acknowledged", "resolved"})) << id;
    }
    auto sup = login("sam", "supervisor");
    int audited = 0;
    auto audit = sup.get("/api/audit").second;
    for (const auto& e : audit)
        if (e.at("user") == "olive" && (e.at("action") == "acknowledge" || e.at("action") == "resolve"))
            ++audited;
    EXPECT_EQ(audited, 4);
    EXPECT_EQ(op.get("/api/queue?kind=calls").second.at("groups").size(), 1u);
}

TEST_F(centre_test, NotesHoldsAndSupervisorEscalationAreInTheHistoryAndTheRaceNamesTheColleague) {
    start_centre();
    harness::mqtt_client hub(broker.uri(), "sim-hold");
    hub.subscribe("warden/v1/+/ack");
    hub.publish("warden/v1/hub-h/alert", typed_payload("hub-h", 1, "pendant", "critical"));
    hub.publish("warden/v1/hub-h/alert", typed_payload("hub-h", 2, "fall", "critical"));
    ASSERT_EQ(collect_acks(hub, {"hub-h-1", "hub-h-2"}).size(), 2u);
    auto op = login("olive", "operator");
    auto op2 = login("owen", "operator");
    auto tech = login("tess", "technician");

    // Notes at any time, before anyone took the call.
    EXPECT_EQ(tech.post("/api/alerts/hub-h-1/notes", {{"note", "x"}}).first, 403);
    EXPECT_EQ(op.post("/api/alerts/hub-h-1/notes", {{"note", "x"}}, false).first, 403);
    EXPECT_EQ(op.post("/api/alerts/hub-h-1/notes", {{"note", "  "}}).first, 400);
    EXPECT_EQ(op.post("/api/alerts/nope/notes", {{"note", "x"}}).first, 404);
    ASSERT_EQ(op.post("/api/alerts/hub-h-1/notes", {{"note", "line busy"}}).first, 200);

    // The race: the loser is told who took it.
    ASSERT_EQ(op.post("/api/alerts/hub-h-1/acknowledge").first, 200);
    auto [cs, lost] = op2.post("/api/alerts/hub-h-1/acknowledge");
    EXPECT_EQ(cs, 409);
    EXPECT_NE(lost.at("error").get<std::string>().find("olive"), std::string::npos) << lost.dump();

    // Hold: taken, so the untaken list no longer has it; a call-back time is required.
    EXPECT_EQ(op.post("/api/alerts/hub-h-2/hold", json::object()).first, 400);
    EXPECT_EQ(op.post("/api/alerts/hub-h-2/hold", {{"minutes", 0}}).first, 400);
    auto [hs, held] = op.post("/api/alerts/hub-h-2/hold", {{"minutes", 5}, {"note", "calling daughter"}});
    ASSERT_EQ(hs, 200) << held.dump();
    EXPECT_EQ(held.at("status"), "acknowledged");
    EXPECT_EQ(held.at("held_by"), "olive");
    EXPECT_FALSE(held.at("held_until").is_null());
    EXPECT_TRUE(op.get("/api/alerts?state=untaken").second.empty());
    // Taken back from hold by acknowledging it again.
    ASSERT_EQ(op.post("/api/alerts/hub-h-2/acknowledge").first, 200);
    EXPECT_TRUE(op.get("/api/alerts/hub-h-2").second.at("held_until").is_null());

    // Escalated to a supervisor: once, audited.
    EXPECT_EQ(op.post("/api/alerts/hub-h-2/supervisor", json::object()).first, 400);
    auto [ss, referred] = op.post("/api/alerts/hub-h-2/supervisor", {{"reason", "resident refuses help"}});
    ASSERT_EQ(ss, 200);
    EXPECT_EQ(referred.at("supervisor_by"), "olive");
    EXPECT_EQ(op.post("/api/alerts/hub-h-2/supervisor", {{"reason", "again"}}).first, 409);

    std::vector<std::pair<std::string, std::string>> history;
    auto second = op.get("/api/alerts/hub-h-2").second;
    for (const auto& h : second.at("history")) history.emplace_back(h.at("action"), h.at("user"));
    EXPECT_EQ(history, (std::vector<std::pair<std::string, std::string>>{{"received", "hub"},
                                                                         {"acknowledged", "olive"},
                                                                         {"held", "olive"},
                                                                         {"acknowledged", "olive"},
                                                                         {"supervisor", "olive"}}));
    auto first = op.get("/api/alerts/hub-h-1").second.at("history");
    EXPECT_EQ(first[1].at("action"), "note");
    EXPECT_EQ(first[1].at("detail"), "line busy");
    auto sup = login("sam", "supervisor");
    std::set<std::string> actions;
    auto audit = sup.get("/api/audit").second;
    for (const auto& e : audit) actions.insert(e.at("action"));
    for (const char* a : {"note", "hold", "escalate_to_supervisor"}) EXPECT_TRUE(actions.contains(a)) << a;
}
