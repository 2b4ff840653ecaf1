// The MQTT seam against a real Mosquitto: connect, subscribe, publish, reconnect after a broker
// restart, and a persistent session that receives what was published while it was away.
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>

#include <algorithm>
#include <filesystem>
#include <string>
#include <thread>

#include <spdlog/sinks/null_sink.h>
#include <spdlog/spdlog.h>
#include <asio/io_context.hpp>

#include "warden/harness/harness.hpp"
#include "warden/mqtt/session.hpp"

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

/// TCP_NODELAY of each of this process's sockets connected to 127.0.0.1:`port`.
std::vector<int> nodelay_to(int port) {
    std::vector<int> out;
    for (const auto& e : std::filesystem::directory_iterator("/proc/self/fd")) {
        int fd = std::stoi(e.path().filename().string());
        sockaddr_in peer{};
        socklen_t len = sizeof peer;
        if (::getpeername(fd, reinterpret_cast<sockaddr*>(&peer), &len) != 0 || peer.sin_family != AF_INET ||
            ntohs(peer.sin_port) != port)
            continue;
        int v = 0;
        socklen_t vl = sizeof v;
        if (::getsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &v, &vl) == 0) out.push_back(v);
    }
    return out;
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
    // Small packets go out at once (Paho itself never sets TCP_NODELAY).
    EXPECT_EQ(nodelay_to(broker.port()), std::vector<int>{1});

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
    ASSERT_TRUE(run_until(
        io, [&] { return connects >= 2 && s.connected(); }, 20s));
    auto after = nodelay_to(broker.port());  // the session's new socket, and the probe's (Paho: 0)
    EXPECT_NE(std::find(after.begin(), after.end(), 1), after.end());
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
    ASSERT_TRUE(run_until(
        io, [&] { return result.has_value(); }, 2s));
    EXPECT_FALSE(*result);
}

TEST(MqttSession, PersistentSessionGetsWhatWasPublishedWhileAway) {
    harness::broker broker;
    asio::io_context io;
    std::vector<std::string> got;
    {
        mqtt::session s(io, {.uri = broker.uri(), .client_id = "persistent", .clean_session = false},
                        quiet());
        s.subscribe("home/#", 1);
        s.start();
        ASSERT_TRUE(run_until(io, [&] { return s.connected(); }));
        run_until(
            io, [] { return false; }, 200ms);  // let the subscription land
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
