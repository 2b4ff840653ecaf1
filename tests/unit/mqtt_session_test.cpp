// The MQTT seam against a real Mosquitto: connect, subscribe, publish, reconnect after a broker
// restart, and a persistent session that receives what was published while it was away.
#include <gtest/gtest.h>

#include <thread>

#include <asio/io_context.hpp>
#include <spdlog/sinks/null_sink.h>
#include <spdlog/spdlog.h>

#include "warden/mqtt/session.hpp"
#include "warden/harness/harness.hpp"

using namespace warden;
using namespace std::chrono_literals;

namespace {

std::shared_ptr<spdlog::logger> quiet() {
    return std::make_shared<spdlog::logger>("test", std::make_shared<spdlog::sinks::null_sink_mt>());
}

/// Runs the io_context until `pred` holds or the timeout passes.
template <class Pred>
bool run_until(asio::io_context& io, Pred pred, std::chrono::milliseconds timeout = 10s) {
    auto until = std::chrono::steady_clock::now() + timeout;
    while (!pred() && std::chrono::steady_clock::now() < until) {
        io.restart();
        io.run_for(10ms);
    }
    return pred();
}

}  // namespace

TEST(MqttSession, ReceivesAndPublishesAndReconnects) {
    harness::broker broker;
    asio::io_context io;
    mqtt::session s(io, {.uri = broker.uri(), .client_id = "session-test"}, quiet());
    std::vector<mqtt::message> got;
    int connects = 0;
    s.on_message([&](mqtt::message m) { got.push_back(std::move(m)); });
    s.on_connection([&](bool up) { connects += up; });
    s.subscribe("in/#", 1);
    s.start();
    ASSERT_TRUE(run_until(io, [&] { return s.connected(); }));

    harness::mqtt_client probe(broker.uri());
    probe.subscribe("out/#");
    probe.publish("in/a", "hello");
    ASSERT_TRUE(run_until(io, [&] { return got.size() == 1; }));
    EXPECT_EQ(got[0].topic, "in/a");
    EXPECT_EQ(got[0].payload, "hello");

    bool acked = false;
    s.publish("out/x", "world", 1, false, [&](bool ok) { acked = ok; });
    ASSERT_TRUE(run_until(io, [&] { return acked; }));
    auto m = probe.next("out/x", 5s);
    ASSERT_TRUE(m);
    EXPECT_EQ(m->payload, "world");

    broker.restart();
    ASSERT_TRUE(run_until(io, [&] { return connects >= 2 && s.connected(); }, 20s));
    // The subscription was renewed on reconnect.
    harness::mqtt_client probe2(broker.uri());
    probe2.publish("in/b", "again");
    ASSERT_TRUE(run_until(io, [&] { return got.size() == 2; }));
    EXPECT_EQ(got[1].topic, "in/b");
}

TEST(MqttSession, PublishWhileDisconnectedFailsAtOnce) {
    asio::io_context io;
    int port = harness::free_port();  // nothing listens here
    mqtt::session s(io, {.uri = "tcp://127.0.0.1:" + std::to_string(port), .client_id = "nobody"}, quiet());
    s.start();
    std::optional<bool> result;
    s.publish("t", "x", 1, false, [&](bool ok) { result = ok; });
    ASSERT_TRUE(run_until(io, [&] { return result.has_value(); }, 2s));
    EXPECT_FALSE(*result);
}

TEST(MqttSession, PersistentSessionGetsWhatWasPublishedWhileAway) {
    harness::broker broker;
    asio::io_context io;
    std::vector<std::string> got;
    {
        mqtt::session s(io, {.uri = broker.uri(), .client_id = "persistent", .clean_session = false}, quiet());
        s.subscribe("home/#", 1);
        s.start();
        ASSERT_TRUE(run_until(io, [&] { return s.connected(); }));
        run_until(io, [] { return false; }, 200ms);  // let the subscription land
        s.stop();
    }
    harness::mqtt_client probe(broker.uri());
    probe.publish("home/door", "open", 1);
    mqtt::session s(io, {.uri = broker.uri(), .client_id = "persistent", .clean_session = false}, quiet());
    s.on_message([&](mqtt::message m) { got.push_back(m.payload); });
    s.subscribe("home/#", 1);
    s.start();
    ASSERT_TRUE(run_until(io, [&] { return !got.empty(); }));
    EXPECT_EQ(got[0], "open");
}
