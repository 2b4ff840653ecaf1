// Several warden-centre instances on one PostgreSQL database, behind the shipped nginx: the failover
// proof. Real programs: PostgreSQL (the tests' throwaway cluster), Mosquitto, two centres, nginx. A storm
// of alerts from many simulated hubs (publishing and resending as hubs do, collecting their acks) while
// the leading instance is killed with SIGKILL; every alert is stored exactly once and acked; a console's
// event stream through nginx keeps receiving alerts; supervision carries on under the other instance (a
// hub that falls silent gets its hub_offline, live hubs none); the killed instance rejoins.
#include <gtest/gtest.h>

#include <atomic>
#include <csignal>
#include <map>
#include <mutex>
#include <optional>
#include <set>
#include <thread>

#include "centre_run.hpp"
#include "ctl_run.hpp"
#include "nginx_run.hpp"
#include "warden/harness/harness.hpp"
#include "warden/harness/postgres.hpp"

using namespace warden;
using namespace std::chrono_literals;
using centre_test_support::alert_payload;
using centre_test_support::api;
using centre_test_support::heartbeat_payload;
using json = nlohmann::json;

namespace {

const std::string centre_bin = std::string(WARDEN_BIN_DIR) + "/warden-centre";

/// Simulated hubs, as hubs behave towards the centre: QoS 1 alerts, the same payload resent until acked.
class hub_fleet {
public:
    explicit hub_fleet(const std::string& uri) : mqtt_(uri, "fleet") { mqtt_.subscribe("warden/v1/+/ack"); }
    void send(const std::string& hub, int seq) {
        auto id = make_alert_id(hub, static_cast<std::uint64_t>(seq));
        sent_.emplace(id, std::make_pair(hub, seq));
        mqtt_.publish("warden/v1/" + hub + "/alert", alert_payload(hub, seq));
    }
    /// Takes the acks received so far; returns how many alerts sent are still unacked.
    std::size_t collect() {
        for (const auto& m : mqtt_.drain()) {
            auto j = json::parse(m.payload, nullptr, false);
            if (j.is_object() && j.contains("ids"))
                for (const auto& id : j["ids"]) acked_.insert(id.get<std::string>());
        }
        std::size_t n = 0;
        for (const auto& [id, _] : sent_) n += !acked_.contains(id);
        return n;
    }
    /// Resends every unacked alert (a hub's resend after its ack timeout); true once all are acked.
    bool all_acked_resending(std::chrono::milliseconds timeout, std::chrono::milliseconds resend_every = 3s) {
        auto until = std::chrono::steady_clock::now() + timeout;
        auto next_resend = std::chrono::steady_clock::now() + resend_every;
        while (std::chrono::steady_clock::now() < until) {
            if (collect() == 0) return true;
            if (std::chrono::steady_clock::now() >= next_resend) {
                for (const auto& [id, hs] : sent_)
                    if (!acked_.contains(id))
                        mqtt_.publish("warden/v1/" + hs.first + "/alert", alert_payload(hs.first, hs.second));
                next_resend = std::chrono::steady_clock::now() + resend_every;
            }
            std::this_thread::sleep_for(50ms);
        }
        return collect() == 0;
    }
    std::size_t sent() const { return sent_.size(); }

private:
    harness::mqtt_client mqtt_;
    std::map<std::string, std::pair<std::string, int>> sent_;
    std::set<std::string> acked_;
};

/// Heartbeats for a set of hubs every `every` on a thread of its own; a hub can be silenced.
class heartbeats {
public:
    heartbeats(const std::string& uri, std::vector<std::string> hubs, std::chrono::milliseconds every)
        : hubs_(std::move(hubs)), thread_([this, uri, every] {
              harness::mqtt_client c(uri, "heartbeats");
              while (!stop_) {
                  std::vector<std::string> now;
                  {
                      std::lock_guard lock(mu_);
                      for (const auto& h : hubs_)
                          if (!silent_.contains(h)) now.push_back(h);
                  }
                  for (const auto& h : now) c.publish("warden/v1/" + h + "/heartbeat", heartbeat_payload(h));
                  for (auto t = 0ms; t < every && !stop_; t += 50ms) std::this_thread::sleep_for(50ms);
              }
          }) {}
    ~heartbeats() {
        stop_ = true;
        thread_.join();
    }
    void silence(const std::string& hub) {
        std::lock_guard lock(mu_);
        silent_.insert(hub);
    }

private:
    std::vector<std::string> hubs_;
    std::mutex mu_;
    std::set<std::string> silent_;
    std::atomic<bool> stop_{false};
    std::thread thread_;
};

/// A console's event stream through nginx, reconnecting as a browser's EventSource does when its stream
/// ends (its instance died). Everything received goes to files in `dir`.
class console_stream {
public:
    /// `name` names its log files (<name>-<n>.log), so several streams can share the folder.
    console_stream(const harness::temp_dir& dir, const nginx_test::nginx_site& site, std::string jar,
                   std::string name = "stream")
        : dir_(dir), name_(std::move(name)), thread_([this, &site, jar] {
              while (!stop_) {
                  auto n = ++connections_;
                  harness::process curl({"/usr/bin/curl", "-sN", "--cacert", site.ca().string(), "-b", jar,
                                         site.url("/api/stream")},
                                        dir_ / (name_ + "-" + std::to_string(n) + ".log"));
                  while (!stop_ && curl.running()) std::this_thread::sleep_for(50ms);
                  if (curl.running()) curl.stop();
                  for (int i = 0; i < 20 && !stop_; ++i) std::this_thread::sleep_for(100ms);  // retry: 2000
              }
          }) {}
    ~console_stream() {
        stop_ = true;
        thread_.join();
    }
    /// Everything every connection received.
    std::string received() const {
        std::string all;
        for (int i = 1; i <= connections_; ++i)
            all += ctl_test::read_all(dir_ / (name_ + "-" + std::to_string(i) + ".log"));
        return all;
    }
    int connections() const { return connections_; }
    bool has_alert(const std::string& id) const {
        return received().find("\"id\":\"" + id + "\"") != std::string::npos;
    }

private:
    const harness::temp_dir& dir_;
    const std::string name_;
    std::atomic<bool> stop_{false};
    std::atomic<int> connections_{0};
    std::thread thread_;
};

using harness::occurrences;

class CentreClusterTest : public ::testing::Test {
protected:
    struct instance {
        std::string name;
        int port = harness::free_port();
        std::filesystem::path config;
        harness::process proc;
        int starts = 0;
        std::string log() const { return proc.log(); }
    };
    harness::temp_dir dir;
    harness::broker broker;
    std::string database;
    std::array<instance, 2> centres{instance{"a"}, instance{"b"}};

    void SetUp() override {
        WARDEN_POSTGRES_OR_SKIP();
        ASSERT_TRUE(std::filesystem::exists("/usr/sbin/nginx")) << "nginx is not installed (scripts/deps)";
        database = harness::test_postgres().create_database();
        for (auto& c : centres)
            c.config =
                dir.write("centre-" + c.name + ".toml",
                          "[centre]\ndatabase = \"" + database + "\"\n[mqtt]\nuri = \"" + broker.uri() +
                              "\"\n[http]\nlisten = \"127.0.0.1:" + std::to_string(c.port) +
                              "\"\ntrusted_proxies = [\"127.0.0.1\"]\nstream_ping = "
                              "\"1s\"\n[ingest]\nhub_alerts_per_minute = "
                              "600\nhub_alert_burst = 100\n[supervision]\nheartbeat_grace = "
                              "\"8s\"\nescalate_after = \"1h\"\n[cluster]\ninstance = \"" +
                              c.name + "\"\n");
        auto add = harness::run({centre_bin, "--config", centres[0].config.string(), "user", "add", "olive",
                                 "--role", "operator"},
                                "olive-password\n");
        ASSERT_EQ(add.code, 0) << add.output;
        for (auto& c : centres) start(c);
    }

    void TearDown() override {
        for (auto& c : centres)
            if (c.proc.pid() > 0 && c.proc.running()) {
                c.proc.signal(SIGTERM);
                EXPECT_EQ(c.proc.wait(10s), 0) << c.log();
            }
    }

    void start(instance& c) {
        c.proc = harness::process({centre_bin, "--config", c.config.string(), "--log-level", "debug"},
                                  dir / ("centre-" + c.name + "-" + std::to_string(++c.starts) + ".log"));
        ASSERT_TRUE(harness::wait_for_port(c.port, 20s)) << c.log();
        ASSERT_TRUE(harness::eventually(
            [&] {
                return c.log().find("mqtt subscribed filter=$share/warden-centre/warden/v1/+/status") !=
                       std::string::npos;
            },
            20s))
            << c.log();
    }

    /// The instance leading now (the one running whose current log says it took the lease), or -1.
    int leader() {
        int found = -1, n = 0;
        for (int i = 0; i < 2; ++i) {
            auto& c = centres[i];
            if (!c.proc.running()) continue;
            auto log = c.log();
            if (occurrences(log, "this instance is the leader") > occurrences(log, "no longer the leader")) {
                found = i;
                ++n;
            }
        }
        return n == 1 ? found : -1;
    }

    /// Alerts of one type (or all), as stored, read from an instance's API.
    std::vector<json> alerts(int instance, const std::string& query) {
        api u(centres[instance].port);
        EXPECT_EQ(u.login("olive", "olive-password"), 200);
        auto [code, body] = u.get("/api/alerts?state=all&limit=1000&" + query);
        EXPECT_EQ(code, 200);
        std::vector<json> out;
        if (body.is_array())
            for (auto& a : body) out.push_back(a);
        return out;
    }
};

TEST_F(CentreClusterTest, AStormSurvivesTheLeaderKilledAndTheKilledInstanceRejoins) {
    ASSERT_TRUE(harness::eventually([&] { return leader() >= 0; }, 10s))
        << centres[0].log() << centres[1].log();
    nginx_test::nginx_site site(dir, {centres[0].port, centres[1].port});
    const auto jar = (dir / "cookies").string();
    ASSERT_NE(site.login("olive", "olive-password", jar).find("\"csrf\""), std::string::npos)
        << site.error_log();

    constexpr int storm_hubs = 400, first_wave = 60;
    std::vector<std::string> hubs;
    for (int i = 0; i < storm_hubs; ++i) hubs.push_back("storm-" + std::to_string(i));
    hubs.push_back("quiet-1");
    heartbeats beats(broker.uri(), hubs, 2s);
    // Two consoles, one on each instance, so one of them is on the instance that will be killed, whichever
    // it is. nginx's round robin usually splits them; an upstream it marked failed for a moment (a reused
    // keepalive connection the centre had closed, under load) can put both on one, so the second is opened
    // again until each instance serves one (each instance's warden_sse_clients says).
    auto streams_on = [&](int i) {
        httplib::Client cli("127.0.0.1", centres[i].port);
        auto r = cli.Get("/metrics");
        if (!r) return -1;
        auto at = r->body.find("\nwarden_sse_clients ");
        return at == std::string::npos ? -1 : std::atoi(r->body.c_str() + at + 20);
    };
    console_stream stream(dir, site, jar);
    ASSERT_TRUE(
        harness::eventually([&] { return stream.received().find(": connected") != std::string::npos; }));
    std::optional<console_stream> other;
    for (int attempt = 1; attempt <= 6; ++attempt) {
        other.reset();
        other.emplace(dir, site, jar, "other-stream-" + std::to_string(attempt));
        ASSERT_TRUE(
            harness::eventually([&] { return other->received().find(": connected") != std::string::npos; }));
        // A stream closed here leaves its instance's count at the next ping (1 s in this test).
        if (harness::eventually([&] { return streams_on(0) == 1 && streams_on(1) == 1; }, 4s)) break;
    }
    ASSERT_TRUE(streams_on(0) == 1 && streams_on(1) == 1)
        << "streams per instance: " << streams_on(0) << ", " << streams_on(1) << "\n"
        << site.error_log();
    auto& other_stream = *other;

    // Before any failure: alerts stored by either instance reach the console, whichever it is on.
    hub_fleet fleet(broker.uri());
    for (int i = 0; i < first_wave; ++i) fleet.send(hubs[i], 1);
    ASSERT_TRUE(fleet.all_acked_resending(30s)) << fleet.collect() << " unacked";
    for (auto& c : centres)  // the shared subscription gives each instance its share
        EXPECT_GT(occurrences(c.log(), "alert stored alert=storm-"), 5u) << c.name << "\n" << c.log();
    EXPECT_TRUE(harness::eventually([&] {
        for (int i = 0; i < first_wave; ++i)
            if (!stream.has_alert(hubs[i] + "-1")) return false;
        return true;
    })) << stream.received();

    // Supervision can only miss a hub it knows: every hub's heartbeat is stored before the kill. (On a quiet
    // machine the storm starts within a second of the first heartbeats; one the killed instance took but had
    // not stored left quiet-1 unknown to the survivor, which then rightly raised nothing for it.)
    api hubs_reader(centres[0].port);
    ASSERT_EQ(hubs_reader.login("olive", "olive-password"), 200);
    ASSERT_TRUE(harness::eventually(
        [&] {
            auto [code, body] = hubs_reader.get("/api/hubs");
            return code == 200 && body.is_array() && body.size() == hubs.size();
        },
        15s));

    // The storm, and the leader killed in the middle of it.
    const int victim = leader();
    ASSERT_GE(victim, 0);
    const int survivor = 1 - victim;
    const int stream_connections = stream.connections() + other_stream.connections();
    for (int i = first_wave; i < storm_hubs; ++i) {
        fleet.send(hubs[i], 1);
        if (i == first_wave + (storm_hubs - first_wave) / 3) {
            centres[victim].proc.signal(SIGKILL);
            beats.silence("quiet-1");
        }
    }
    EXPECT_TRUE(centres[victim].proc.wait(5s));
    ASSERT_TRUE(fleet.all_acked_resending(90s)) << fleet.collect() << " unacked\n" << centres[survivor].log();
    ASSERT_TRUE(harness::eventually([&] { return leader() == survivor; }, 5s)) << centres[survivor].log();

    // Every alert stored exactly once: one row per alert sent, none stored twice under a derived id.
    auto stored = alerts(survivor, "text=storm-");
    std::set<std::string> ids;
    for (const auto& a : stored)
        if (a.value("type", "") == "pendant") ids.insert(a.value("id", ""));
    std::size_t pendants = 0;
    for (const auto& a : stored) pendants += a.value("type", "") == "pendant";
    EXPECT_EQ(pendants, static_cast<std::size_t>(storm_hubs));
    EXPECT_EQ(ids.size(), static_cast<std::size_t>(storm_hubs));
    for (const auto& id : ids) EXPECT_EQ(id.find(".r"), std::string::npos) << id;

    // The console whose stream was on the killed instance came back through nginx on the survivor, and both
    // receive what arrives next. (What arrived while one was away it reloads with the queue, as the console
    // does on every reconnect.)
    EXPECT_GT(stream.connections() + other_stream.connections(), stream_connections);
    fleet.send(hubs[1], 3);
    ASSERT_TRUE(fleet.all_acked_resending(30s)) << fleet.collect() << " unacked";
    for (auto* s : {&stream, &other_stream})
        EXPECT_TRUE(harness::eventually([&] { return s->has_alert(hubs[1] + "-3"); }, 15s))
            << s->received().substr(0, 2000);

    // Supervision carries on under the survivor: the hub silenced at the kill goes offline (its grace counts
    // from the takeover), and none of the 400 hubs still heartbeating does.
    ASSERT_TRUE(
        harness::eventually([&] { return !alerts(survivor, "type=hub_offline&hub=quiet-1").empty(); }, 30s))
        << centres[survivor].log();
    std::this_thread::sleep_for(10s);  // more than a grace longer: time for any false alert to show
    auto offline = alerts(survivor, "type=hub_offline");
    ASSERT_EQ(offline.size(), 1u) << json(offline).dump(1);
    EXPECT_EQ(offline[0].value("hub", ""), "quiet-1");
    EXPECT_TRUE(harness::eventually([&] { return stream.has_alert(offline[0].value("id", "")); }));

    // The killed instance rejoins: a follower now, taking its share of the hubs' messages again.
    start(centres[victim]);
    std::this_thread::sleep_for(1s);
    EXPECT_EQ(leader(), survivor);
    for (int i = 0; i < storm_hubs; i += 5) fleet.send(hubs[i], 2);
    ASSERT_TRUE(fleet.all_acked_resending(60s)) << fleet.collect() << " unacked";
    EXPECT_GT(occurrences(centres[victim].log(), "alert stored alert=storm-"), 5u) << centres[victim].log();
    EXPECT_TRUE(harness::eventually(
        [&] {
            for (int i = 0; i < storm_hubs; i += 5)
                if (!stream.has_alert(hubs[i] + "-2")) return false;
            return true;
        },
        15s));
}

// An instance whose connection to the others (its LISTEN) was lost may have missed what they stored
// meanwhile: it ends its consoles' event streams, so that each console reconnects and reloads.
TEST_F(CentreClusterTest, AnInstanceThatMayHaveMissedTheOthersUpdatesMakesItsConsolesReload) {
    ASSERT_TRUE(harness::eventually([&] { return leader() >= 0; }, 10s))
        << centres[0].log() << centres[1].log();
    api u(centres[1].port);
    ASSERT_EQ(u.login("olive", "olive-password"), 200);
    harness::process stream({"/usr/bin/curl", "-sN", "-H", "Cookie: " + u.cookie,
                             "http://127.0.0.1:" + std::to_string(centres[1].port) + "/api/stream"},
                            dir / "direct-stream.log");
    ASSERT_TRUE(harness::eventually([&] { return stream.log().find(": connected") != std::string::npos; }))
        << stream.log();
    std::this_thread::sleep_for(1s);
    EXPECT_TRUE(stream.running()) << "the stream stays open while nothing is lost";

    // The database ends the instances' lease connections (the leader's and the follower's, both LISTEN).
    auto ended = harness::postgres_column(
        database,
        "SELECT pg_terminate_backend(pid)::text FROM pg_stat_activity WHERE datname = current_database() AND "
        "pid != pg_backend_pid() AND (query LIKE '%try_advisory_lock%' OR query = 'SELECT 1')");
    ASSERT_EQ(ended.size(), 2u);
    EXPECT_TRUE(harness::eventually([&] { return !stream.running(); }, 10s)) << stream.log();
    EXPECT_NE(centres[1].log().find("messages from other instances may have been missed"), std::string::npos)
        << centres[1].log();
    ASSERT_TRUE(harness::eventually([&] { return leader() >= 0; }, 10s));
    auto [code, body] = u.get("/api/alerts?state=all");  // the console reloads
    EXPECT_EQ(code, 200);
}

}  // namespace
