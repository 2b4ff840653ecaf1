// The real warden-hub between two real Mosquitto brokers (home and centre) and a stand-in centre that
// acks alerts: every alarm kind from every source arrives with the SPEC's fields; resends keep their
// id; kill -9 and restarts lose nothing and reuse no seq; events published while the hub is down are
// processed; garbage changes nothing; broker restarts lose nothing; SIGTERM exits 0; --check exits 2.
#include <gtest/gtest.h>

#include <csignal>
#include <map>
#include <set>
#include <thread>

#include <nlohmann/json.hpp>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include "warden/common/alert.hpp"
#include "warden/common/event.hpp"
#include "warden/config/hub_config.hpp"
#include "warden/dc09/codec.hpp"
#include "warden/harness/harness.hpp"
#include "warden/sensors/adapters.hpp"

using namespace warden;
using namespace std::chrono_literals;
using json = nlohmann::json;

namespace {

const std::string hub_bin = std::string(WARDEN_BIN_DIR) + "/warden-hub";
const std::string hub_id = "hub-0001";
const std::string alert_filter = "warden/v1/+/alert";

/// One configured sensor for a generated hub.toml.
struct sensor_line {
    std::string id, kind, source, topic;
    std::string extra;  ///< more TOML keys, e.g. field/active for the json source
};

std::string toml_for(const std::string& data_dir, const std::string& home, const std::string& centre,
                     const std::vector<sensor_line>& sensors, const std::string& rules = {}) {
    std::string t = "[hub]\nid = \"" + hub_id + "\"\ndata_dir = \"" + data_dir +
                    "\"\ntimezone = \"Europe/London\"\n\n[local]\nuri = \"" + home +
                    "\"\n\n[centre]\nuri = \"" + centre + "\"\nheartbeat = \"1s\"\nack_timeout = \"300ms\"\n";
    for (const auto& s : sensors) {
        t += "\n[[sensor]]\nid = \"" + s.id + "\"\nkind = \"" + s.kind + "\"\nsource = \"" + s.source +
             "\"\ntopic = \"" + s.topic + "\"\nlocation = \"room-" + s.id + "\"\n" + s.extra;
    }
    return t + rules;
}

/// The topic a source uses for a sensor called `id` of kind `kind`.
sensor_line sensor_for(const std::string& source, const std::string& id, const std::string& kind) {
    if (source == "zigbee2mqtt") return {id, kind, source, "zigbee2mqtt/" + id};
    if (source == "tasmota") return {id, kind, source, "tasmota_" + id};
    if (source == "esphome") return {id, kind, source, "home/binary_sensor/" + id + "/state"};
    if (source == "shelly") {
        // Shelly has no native fall, CO, gas or epilepsy sensor: a technician names the subtopic.
        bool native = kind == "smoke" || kind == "flood" || kind == "pendant" || kind == "pull_cord" ||
                      kind == "heat" || kind == "enuresis";
        return {id, kind, source, "shellies/" + id, native ? "" : "field = \"sensor/" + kind + "\"\n"};
    }
    return {id, kind, source, "things/" + id, "field = \"alarm\"\nactive = \"ON\"\n"};
}

config::sensor_spec spec_of(const sensor_line& s) {
    config::sensor_spec spec;
    spec.id = s.id;
    spec.kind = *parse_sensor_kind(s.kind);
    spec.source = *config::parse_source_type(s.source);
    spec.topic = s.topic;
    spec.location = "room-" + s.id;
    if (s.source == "json") {
        spec.field = "alarm";
        spec.active = "ON";
    }
    if (auto at = s.extra.find("field = \""); at != std::string::npos && s.source == "shelly")
        spec.field = s.extra.substr(at + 9, s.extra.find('"', at + 9) - at - 9);
    return spec;
}

/// The stand-in centre: a test client on the centre broker that collects alerts and acks them.
class centre {
public:
    explicit centre(const harness::broker& b) : uri_(b.uri()) { connect(); }

    void connect() {
        client_.reset();
        client_ = std::make_unique<harness::mqtt_client>(uri_);
        client_->subscribe(alert_filter, 1);
        client_->subscribe("warden/v1/+/status", 1);
        client_->subscribe("warden/v1/+/heartbeat", 1);
    }

    /// The next alert (optionally acking it); nullopt on timeout.
    std::optional<json> next(bool ack = true, std::chrono::milliseconds timeout = 10s) {
        auto m = client_->next(alert_filter, timeout);
        if (!m) return std::nullopt;
        auto j = json::parse(m->payload);
        auto id = j.at("id").get<std::string>();
        auto [it, fresh] = seen_.emplace(id, m->payload);
        // A resend carries the very same bytes: no id is ever reused for something else.
        EXPECT_EQ(it->second, m->payload) << "id " << id << " came with different content";
        if (ack) this->ack(id);
        return j;
    }

    void ack(const std::string& id) {
        client_->publish("warden/v1/" + hub_id + "/ack", json{{"ids", {id}}}.dump());
    }

    /// Collects (and acks) alerts until `pred(all distinct alerts)` holds or the timeout passes.
    template <class Pred>
    bool collect_until(Pred pred, std::chrono::milliseconds timeout = 15s) {
        auto until = std::chrono::steady_clock::now() + timeout;
        while (!pred(distinct_)) {
            auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
                until - std::chrono::steady_clock::now());
            if (left <= 0ms) return false;
            auto a = next(true, left);
            if (!a) return pred(distinct_);
            distinct_.emplace(a->at("seq").get<std::uint64_t>(), *a);
        }
        return true;
    }

    /// Every distinct alert received, by seq.
    const std::map<std::uint64_t, json>& alerts() const { return distinct_; }
    std::vector<json> of_type(const std::string& type) const {
        std::vector<json> out;
        for (const auto& [seq, a] : distinct_)
            if (a.at("type") == type) out.push_back(a);
        return out;
    }
    harness::mqtt_client& client() { return *client_; }

private:
    std::string uri_;
    std::unique_ptr<harness::mqtt_client> client_;
    std::map<std::string, std::string> seen_;
    std::map<std::uint64_t, json> distinct_;
};

/// Two brokers, a data dir and the hub process.
class HubTest : public ::testing::Test {
protected:
    harness::temp_dir dir;
    harness::broker home;
    harness::broker centre_broker;
    harness::process hub;
    std::string config_path;

    void write_config(const std::vector<sensor_line>& sensors, const std::string& rules = {}) {
        config_path = dir.write("hub.toml", toml_for((dir / "data").string(), home.uri(), centre_broker.uri(),
                                                     sensors, rules))
                          .string();
    }

    void start_hub() {
        hub = harness::process({hub_bin, "--config", config_path, "--log-level", "debug"}, dir / "hub.log");
    }

    /// Waits until the hub's home session has subscribed (its retained local state appears).
    void wait_home_ready(harness::mqtt_client& probe) {
        probe.subscribe("warden/local/state", 1);
        ASSERT_TRUE(probe.next("warden/local/state", 10s)) << hub.log();
    }

    void TearDown() override {
        if (HasFailure()) std::cerr << "---- hub log ----\n" << hub.log() << "\n";
        hub.stop();
    }
};

const std::vector<std::string> alarm_kinds = {"pendant", "pull_cord", "fall",  "smoke",    "heat",
                                              "co",      "gas",       "flood", "epilepsy", "enuresis"};

class HubAlarmTest : public HubTest, public ::testing::WithParamInterface<std::string> {};

}  // namespace

TEST_P(HubAlarmTest, EveryAlarmKindReachesTheCentreWithTheSpecFields) {
    const std::string source = GetParam();
    std::vector<sensor_line> sensors;
    std::vector<std::pair<sensor_line, std::vector<std::pair<std::string, std::string>>>> presses;
    for (const auto& kind : alarm_kinds) {
        auto s = sensor_for(source, kind + "1", kind);
        auto word = std::string(signal_name(*parse_sensor_kind(kind), signal::active));
        try {
            presses.emplace_back(s, sensors::simulate_payload(spec_of(s), word));
            sensors.push_back(s);
        } catch (const std::invalid_argument& e) {
            // A source that cannot carry a kind is not configured with it (config rejects it too).
            std::cerr << "skipping " << source << "/" << kind << ": " << e.what() << "\n";
        }
    }
    ASSERT_FALSE(sensors.empty());
    write_config(sensors);
    centre c(centre_broker);
    start_hub();
    ASSERT_TRUE(c.collect_until([](auto& a) { return !a.empty(); })) << "no hub_started";
    harness::mqtt_client probe(home.uri());
    wait_home_ready(probe);

    for (const auto& [s, msgs] : presses)
        for (const auto& [t, p] : msgs) probe.publish(t, p);

    auto raised = [&](const auto& all) {
        std::size_t n = 0;
        for (const auto& [seq, a] : all) n += a.at("state") == "raised" && a.contains("sensor");
        return n >= presses.size();
    };
    ASSERT_TRUE(c.collect_until(raised)) << "got " << c.alerts().size() << " alerts";
    for (const auto& [s, msgs] : presses) {
        auto got = c.of_type(s.kind);
        ASSERT_FALSE(got.empty()) << s.kind << " from " << source;
        const auto& a = got.front();
        auto parsed = alert_from_json(a);  // every field the SPEC requires, well-typed
        EXPECT_EQ(parsed.hub, hub_id);
        EXPECT_EQ(parsed.id, hub_id + "-" + std::to_string(parsed.seq));
        EXPECT_EQ(parsed.state, alert_state::raised);
        EXPECT_EQ(parsed.priority, alarm_priority(*parse_sensor_kind(s.kind))) << s.kind;
        EXPECT_FALSE(parsed.sia.empty()) << s.kind;
        EXPECT_EQ(parsed.sensor, s.id);
        EXPECT_EQ(parsed.location, "room-" + s.id);
        EXPECT_FALSE(parsed.text.empty());
    }
    // seq rises by one per alert.
    std::uint64_t expect = c.alerts().begin()->first;
    for (const auto& [seq, a] : c.alerts()) EXPECT_EQ(seq, expect++);
}

INSTANTIATE_TEST_SUITE_P(Sources, HubAlarmTest,
                         ::testing::Values("zigbee2mqtt", "tasmota", "esphome", "shelly", "json"));

TEST_F(HubTest, StatusHeartbeatAndLocalTestAlarm) {
    write_config({sensor_for("zigbee2mqtt", "pendant", "pendant")});
    centre c(centre_broker);
    start_hub();
    auto status = c.client().next("warden/v1/" + hub_id + "/status", 10s);
    ASSERT_TRUE(status);
    EXPECT_EQ(json::parse(status->payload).at("state"), "online");
    auto hb = c.client().next("warden/v1/" + hub_id + "/heartbeat", 5s);
    ASSERT_TRUE(hb);
    auto h = json::parse(hb->payload);
    EXPECT_EQ(h.at("hub"), hub_id);
    EXPECT_TRUE(h.at("outbox").is_number());
    EXPECT_TRUE(h.at("sensors").contains("online"));
    EXPECT_EQ(h.at("version"), "0.1.0");

    harness::mqtt_client probe(home.uri());
    wait_home_ready(probe);
    probe.subscribe("warden/local/result", 1);
    probe.publish("warden/local/command", R"({"id":"req-1","cmd":"test"})");
    auto sent = probe.next("warden/local/result", 10s);
    ASSERT_TRUE(sent) << hub.log();
    auto s = json::parse(sent->payload);
    EXPECT_EQ(s.at("id"), "req-1");
    EXPECT_EQ(s.at("state"), "sent");
    c.collect_until([](auto&) { return false; }, 1500ms);
    auto tests = c.of_type("test");
    ASSERT_EQ(tests.size(), 1u);
    EXPECT_EQ(tests[0].at("priority"), "low");
    EXPECT_EQ(tests[0].at("sia"), "RP");
    EXPECT_EQ(tests[0].at("id"), s.at("alert"));
    auto acked = probe.next("warden/local/result", 10s);
    ASSERT_TRUE(acked);
    auto a = json::parse(acked->payload);
    EXPECT_EQ(a.at("state"), "acked");
    EXPECT_TRUE(a.at("rtt_ms").is_number());

    // The retained local state tells a display about the uplink and the sensors.
    harness::mqtt_client display(home.uri());
    display.subscribe("warden/local/state", 1);
    auto st = display.next("warden/local/state", 5s);
    ASSERT_TRUE(st);
    auto state = json::parse(st->payload);
    EXPECT_EQ(state.at("hub"), hub_id);
    EXPECT_EQ(state.at("sensors").at(0).at("id"), "pendant");
    EXPECT_TRUE(state.at("uplink").at("connected").get<bool>());
}

TEST_F(HubTest, UnackedAlertIsResentWithTheSameIdUntilAcked) {
    write_config({sensor_for("zigbee2mqtt", "pendant", "pendant")});
    centre c(centre_broker);
    start_hub();
    harness::mqtt_client probe(home.uri());
    wait_home_ready(probe);
    probe.publish("warden/local/command", R"({"id":"r","cmd":"test"})");

    // Take alerts without acking until the test alert has come twice.
    std::map<std::string, int> times;
    std::string test_id;
    auto until = std::chrono::steady_clock::now() + 10s;
    while (std::chrono::steady_clock::now() < until && (test_id.empty() || times[test_id] < 3)) {
        auto a = c.next(false, 2s);
        if (!a) continue;
        auto id = a->at("id").get<std::string>();
        ++times[id];
        if (a->at("type") == "test") test_id = id;
    }
    ASSERT_FALSE(test_id.empty());
    EXPECT_GE(times[test_id], 3) << "resent with the same id after ack_timeout, with backoff";

    for (const auto& [id, n] : times) c.ack(id);
    // Once acked, no more resends (after a moment for the acks to reach the hub).
    std::this_thread::sleep_for(500ms);
    c.client().drain();
    std::this_thread::sleep_for(1500ms);
    for (const auto& m : c.client().drain())
        if (m.topic.ends_with("/alert")) ADD_FAILURE() << "resent after ack: " << m.payload;
}

TEST_F(HubTest, KillNineThenRestartLosesNothingAndReusesNoSeq) {
    write_config({sensor_for("zigbee2mqtt", "pendant", "pendant")});
    centre c(centre_broker);
    start_hub();
    harness::mqtt_client probe(home.uri());
    wait_home_ready(probe);

    // Alerts committed but not acked when the hub dies must come again after the restart.
    for (int i = 0; i < 5; ++i)
        probe.publish("warden/local/command", json{{"id", i}, {"cmd", "test"}}.dump());
    std::set<std::string> unacked;
    while (unacked.size() < 5) {
        auto a = c.next(false, 10s);
        ASSERT_TRUE(a) << hub.log();
        if (a->at("type") == "test") unacked.insert(a->at("id").get<std::string>());
    }
    // And a burst in flight at the moment of the kill.
    for (int i = 0; i < 20; ++i)
        probe.publish("warden/local/command", json{{"id", 100 + i}, {"cmd", "test"}}.dump(), 1);
    hub.signal(SIGKILL);
    hub.wait(5s);
    start_hub();

    ASSERT_TRUE(c.collect_until([&](const auto& all) {
        std::size_t found = 0;
        for (const auto& [seq, a] : all) found += unacked.count(a.at("id").template get<std::string>());
        return found == unacked.size();
    }));
    // Let the rest drain, then check every seq is used once with one content (centre::next checks that).
    c.collect_until([](auto&) { return false; }, 2s);
    std::set<std::uint64_t> seqs;
    for (const auto& [seq, a] : c.alerts()) EXPECT_TRUE(seqs.insert(seq).second);
    EXPECT_EQ(c.of_type("hub_started").size(), 2u);
    // The burst published before the kill went to a persistent session: each test request that the
    // home broker accepted is answered (by the old process or the new one).
    EXPECT_GE(c.of_type("test").size(), 5u);
}

TEST_F(HubTest, EventsPublishedWhileTheHubIsDownAreProcessedAfterRestart) {
    sensor_line pendant = sensor_for("zigbee2mqtt", "pendant", "pendant");
    write_config({pendant});
    centre c(centre_broker);
    start_hub();
    harness::mqtt_client probe(home.uri());
    wait_home_ready(probe);
    hub.signal(SIGTERM);
    ASSERT_EQ(hub.wait(10s), 0);

    for (const auto& [t, p] : sensors::simulate_payload(spec_of(pendant), "press")) probe.publish(t, p, 1);
    start_hub();
    ASSERT_TRUE(c.collect_until([](const auto& all) {
        for (const auto& [seq, a] : all)
            if (a.at("type") == "pendant") return true;
        return false;
    })) << hub.log();
}

TEST_F(HubTest, RetainedPressesAndRequestsRaiseNothingAtStartOrRestart) {
    sensor_line pendant = sensor_for("zigbee2mqtt", "pendant", "pendant");
    write_config({pendant});
    harness::mqtt_client probe(home.uri());
    // A bridge configured to retain, and a display that retained its requests: all old news.
    for (const auto& [t, p] : sensors::simulate_payload(spec_of(pendant), "press")) probe.publish(t, p, 1, true);
    probe.publish("warden/local/command", R"({"id":"old","cmd":"test"})", 1, true);
    probe.publish("warden/local/away", R"({"on":true})", 1, true);
    centre c(centre_broker);
    auto count = [&](const std::string& type) { return c.of_type(type).size(); };
    for (int run = 0; run < 2; ++run) {
        start_hub();
        wait_home_ready(probe);
        ASSERT_TRUE(c.collect_until([&](auto&) { return count("hub_started") == std::size_t(run + 1); }));
        c.collect_until([](auto&) { return false; }, 1500ms);
        EXPECT_EQ(count("pendant"), std::size_t(run)) << "run " << run;
        EXPECT_EQ(count("test"), 0u);
        EXPECT_NE(hub.log().find("local request ignored reason=retained"), std::string::npos);
        if (run == 0) {
            // Away was not switched on by the retained request, and a live press is a press.
            auto state = json::parse(probe.next("warden/local/state", 5s).value().payload);
            EXPECT_EQ(state.at("away"), false) << state.dump();
            for (const auto& [t, p] : sensors::simulate_payload(spec_of(pendant), "press")) probe.publish(t, p);
            ASSERT_TRUE(c.collect_until([&](auto&) { return count("pendant") == 1; })) << hub.log();
            hub.signal(SIGTERM);
            ASSERT_EQ(hub.wait(10s), 0);
        }
    }
}

TEST_F(HubTest, GarbagePayloadsChangeNothing) {
    sensor_line pendant = sensor_for("zigbee2mqtt", "pendant", "pendant");
    sensor_line smoke = sensor_for("tasmota", "smoke", "smoke");
    write_config({pendant, smoke});
    centre c(centre_broker);
    start_hub();
    harness::mqtt_client probe(home.uri());
    wait_home_ready(probe);
    ASSERT_TRUE(c.collect_until([](const auto& all) { return !all.empty(); }));

    const std::vector<std::string> garbage = {"",
                                              "{",
                                              "null",
                                              "[1,2,3]",
                                              R"({"action":42})",
                                              R"({"sos":"yes please"})",
                                              "\xff\xfe\x00garbage",
                                              std::string(100 * 1024, '{'),
                                              R"({"contact":{"deep":[[[[[]]]]]}})",
                                              "ON"};
    for (const auto& g : garbage) {
        probe.publish(pendant.topic, g);
        probe.publish("tele/" + smoke.topic + "/SENSOR", g);
        probe.publish("stat/" + smoke.topic + "/RESULT", g);
        probe.publish("warden/local/away", g);
        probe.publish("warden/local/command", g);
    }
    // A real press still works afterwards, and it is the only alarm.
    for (const auto& [t, p] : sensors::simulate_payload(spec_of(pendant), "press")) probe.publish(t, p);
    ASSERT_TRUE(c.collect_until([](const auto& all) {
        for (const auto& [seq, a] : all)
            if (a.at("type") == "pendant") return true;
        return false;
    }));
    c.collect_until([](auto&) { return false; }, 1s);
    for (const auto& [seq, a] : c.alerts()) {
        auto type = a.at("type").get<std::string>();
        EXPECT_TRUE(type == "pendant" || type == "hub_started") << a.dump();
    }
    EXPECT_TRUE(hub.running());
    EXPECT_EQ(hub.log().find("yes please"), std::string::npos) << "payload text in the log";
}

TEST_F(HubTest, BothBrokersRestartedMidStreamLoseNothing) {
    write_config({sensor_for("zigbee2mqtt", "pendant", "pendant")});
    auto c = std::make_unique<centre>(centre_broker);  // keeps what it saw across the restart
    start_hub();
    {
        harness::mqtt_client probe(home.uri());
        wait_home_ready(probe);
        for (int i = 0; i < 10; ++i)
            probe.publish("warden/local/command", json{{"id", i}, {"cmd", "test"}}.dump());
    }
    home.restart();
    centre_broker.restart();
    c->connect();
    {
        harness::mqtt_client probe(home.uri());
        // The hub reconnects to the home broker with its persistent session.
        ASSERT_TRUE(harness::eventually(
            [&] {
                probe.publish("warden/local/command", R"({"id":"ping","cmd":"test"})");
                return c->collect_until(
                    [](const auto& all) {
                        for (const auto& [seq, a] : all)
                            if (a.at("type") == "test") return true;
                        return false;
                    },
                    500ms);
            },
            30s));
        for (int i = 10; i < 20; ++i)
            probe.publish("warden/local/command", json{{"id", i}, {"cmd", "test"}}.dump());
    }
    // 20 requests + at least one ping, each a distinct test alert; nothing lost across the restarts.
    ASSERT_TRUE(c->collect_until(
        [](const auto& all) {
            std::size_t n = 0;
            for (const auto& [seq, a] : all) n += a.at("type") == "test";
            return n >= 21;
        },
        30s))
        << "got " << c->of_type("test").size();
    // seq has no holes from the first test alert on: every committed alert reached the centre.
    auto first = c->of_type("test").front().at("seq").get<std::uint64_t>();
    auto last = c->alerts().rbegin()->first;
    for (auto s = first; s <= last; ++s) EXPECT_TRUE(c->alerts().count(s)) << "seq " << s << " missing";
}

TEST_F(HubTest, SigtermExitsZeroAndSaysOffline) {
    write_config({sensor_for("zigbee2mqtt", "pendant", "pendant")});
    centre c(centre_broker);
    start_hub();
    ASSERT_TRUE(c.collect_until([](const auto& all) { return !all.empty(); }));
    hub.signal(SIGTERM);
    EXPECT_EQ(hub.wait(10s), 0) << hub.log();
    harness::mqtt_client late(centre_broker.uri());
    late.subscribe("warden/v1/+/status", 1);
    auto st = late.next("warden/v1/+/status", 5s);
    ASSERT_TRUE(st);
    EXPECT_TRUE(st->retained);
    EXPECT_EQ(json::parse(st->payload).at("state"), "offline");
}

TEST_F(HubTest, CheckOnABrokenConfigExitsTwoWithPositions) {
    auto bad = dir.write(
        "bad.toml", "[hub]\nid = \"hub 1\"\ndata_dir = 7\n\n[[sensor]]\nid = \"p\"\nkind = \"teapot\"\n");
    auto r = harness::run({hub_bin, "--check", "--config", bad.string()});
    EXPECT_EQ(r.code, 2) << r.output;
    EXPECT_NE(r.output.find("bad.toml:2:"), std::string::npos) << r.output;
    EXPECT_NE(r.output.find("bad.toml:7:"), std::string::npos) << r.output;

    write_config({sensor_for("zigbee2mqtt", "pendant", "pendant")});
    auto ok = harness::run({hub_bin, "--check", "--config", config_path});
    EXPECT_EQ(ok.code, 0) << ok.output;
    EXPECT_EQ(harness::run({hub_bin, "--version"}).output.find("0.1.0") != std::string::npos, true);
}

TEST_F(HubTest, Dc09BothSendsEveryAlertToTheReceiver) {
    // A minimal alarm receiving centre: accepts one TCP connection, ACKs every frame it can read.
    int srv = ::socket(AF_INET, SOCK_STREAM, 0);
    ASSERT_GE(srv, 0);
    int one = 1;
    ::setsockopt(srv, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    int port = harness::free_port();
    addr.sin_port = htons(static_cast<std::uint16_t>(port));
    ASSERT_EQ(::bind(srv, reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0);
    ASSERT_EQ(::listen(srv, 4), 0);

    sensor_line pendant = sensor_for("zigbee2mqtt", "pendant", "pendant");
    write_config({pendant}, "\n[dc09]\nhost = \"127.0.0.1\"\nport = " + std::to_string(port) +
                                "\ntransport = \"tcp\"\naccount = \"1234\"\nrole = \"both\"\n");
    centre c(centre_broker);
    start_hub();
    harness::mqtt_client probe(home.uri());
    wait_home_ready(probe);
    for (const auto& [t, p] : sensors::simulate_payload(spec_of(pendant), "press")) probe.publish(t, p);

    pollfd pf{srv, POLLIN, 0};
    ASSERT_EQ(::poll(&pf, 1, 10'000), 1) << hub.log();
    int conn = ::accept(srv, nullptr, nullptr);
    ASSERT_GE(conn, 0);
    dc09::frame_splitter splitter;
    std::vector<std::string> codes;
    auto until = std::chrono::steady_clock::now() + 10s;
    while (std::chrono::steady_clock::now() < until &&
           std::find(codes.begin(), codes.end(), "QA") == codes.end()) {
        pollfd cf{conn, POLLIN, 0};
        if (::poll(&cf, 1, 200) != 1) continue;
        char buf[4096];
        auto n = ::read(conn, buf, sizeof buf);
        if (n <= 0) break;
        for (const auto& text : splitter.feed(std::string_view(buf, static_cast<std::size_t>(n)))) {
            auto f = dc09::parse_frame(text);
            ASSERT_TRUE(f) << f.detail;
            if (auto ev = dc09::parse_event_data(f.value.id, f.value.data)) codes.push_back(ev->code);
            dc09::frame ack;
            ack.id = dc09::frame_id::ack;
            ack.seq = f.value.seq;
            ack.receiver = f.value.receiver;
            ack.line = f.value.line;
            ack.account = f.value.account;
            ack.timestamp = now_ms();
            auto reply = dc09::encode(ack);
            ASSERT_EQ(::write(conn, reply.data(), reply.size()), static_cast<ssize_t>(reply.size()));
        }
    }
    ::close(conn);
    ::close(srv);
    EXPECT_NE(std::find(codes.begin(), codes.end(), "QA"), codes.end()) << hub.log();
    // The MQTT path got it as well.
    ASSERT_TRUE(c.collect_until([](const auto& all) {
        for (const auto& [seq, a] : all)
            if (a.at("type") == "pendant") return true;
        return false;
    }));
}
