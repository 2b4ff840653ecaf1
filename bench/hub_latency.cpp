// End-to-end latency on loopback: a pendant press published on the home broker until the alert
// arrives on the centre broker, through the real warden-hub (committed to SQLite before it is sent).
// Usage: bench-hub-latency [presses=1000]
#include <cstdio>
#include <string>

#include <nlohmann/json.hpp>

#include "bench_support.hpp"

int main(int argc, char** argv) {
    using namespace warden;
    using clock = std::chrono::steady_clock;
    int presses = argc > 1 ? std::stoi(argv[1]) : 1000;

    bench::rig r;
    // One sensor per press: the engine treats a second press of one pendant within 30 s as the same call.
    r.start(bench::z2m_sensors("pendant", presses));
    harness::mqtt_client centre(r.centre.uri(), "bench-centre");
    centre.subscribe("warden/v1/+/alert", 1);
    auto ack = [&](const std::string& payload) {
        auto id = nlohmann::json::parse(payload).at("id").get<std::string>();
        centre.publish("warden/v1/hub-0001/ack", nlohmann::json{{"ids", {id}}}.dump());
    };
    auto first = centre.next("warden/v1/+/alert", 20s);  // hub_started
    if (!first) {
        std::fprintf(stderr, "hub did not start:\n%s\n", r.hub.log().c_str());
        return 1;
    }
    ack(first->payload);
    harness::mqtt_client home(r.home.uri(), "bench-home");
    home.subscribe("warden/local/state", 1);
    home.next("warden/local/state", 10s);  // the hub's home session is up

    std::vector<double> ms;
    for (int i = 0; i < presses; ++i) {
        auto topic = "zigbee2mqtt/pendant-" + std::to_string(i);
        auto t0 = clock::now();
        home.publish(topic, R"({"action":"sos","battery":90,"linkquality":120})", 1);
        auto m = centre.next("warden/v1/+/alert", 10s);
        auto t1 = clock::now();
        if (!m) {
            std::fprintf(stderr, "press %d: no alert\n", i);
            return 1;
        }
        ms.push_back(std::chrono::duration<double, std::milli>(t1 - t0).count());
        ack(m->payload);
    }
    std::printf("hub latency, home broker -> centre broker, loopback, %d pendant presses, commit first\n",
                presses);
    std::printf("  p50 %.2f ms  p90 %.2f ms  p99 %.2f ms  max %.2f ms\n", bench::percentile(ms, 0.5),
                bench::percentile(ms, 0.9), bench::percentile(ms, 0.99), bench::percentile(ms, 1.0));
    std::printf("  hub RSS after run: %ld KiB\n", bench::rss_kib(r.hub.pid()));
    r.hub.stop();
    return 0;
}
