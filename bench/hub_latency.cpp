// End-to-end latency on loopback: a smoke detector's message published on the home broker until the
// alert arrives on the centre broker, through the real warden-hub (committed to SQLite, fsync'd,
// before it is sent). A typical home of 9 sensors; the detector alternates alarm / clear, so every
// message raises or clears an alert. Usage: bench-hub-latency [messages=1000]
#include <cstdio>
#include <string>

#include <mqtt/async_client.h>
#include <nlohmann/json.hpp>

#include "bench_support.hpp"

int main(int argc, char** argv) {
    using namespace warden;
    using namespace std::chrono_literals;
    using clock = std::chrono::steady_clock;
    int presses = argc > 1 ? std::stoi(argv[1]) : 1000;

    bench::rig r;
    r.start(bench::typical_home());
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

    ::mqtt::async_client pub(r.home.uri(), "bench-publisher");
    pub.connect(::mqtt::connect_options_builder().clean_session(true).finalize())->wait();

    std::vector<double> ms;
    for (int i = 0; i < presses; ++i) {
        auto t0 = clock::now();
        // Not waiting for the PUBACK: the clock runs from the moment the message leaves.
        pub.publish("zigbee2mqtt/smoke-0",
                    i % 2 == 0 ? R"({"smoke":true,"battery":90,"linkquality":120})"
                               : R"({"smoke":false,"battery":90,"linkquality":120})",
                    1, false);
        auto m = centre.next("warden/v1/+/alert", 10s);
        auto t1 = clock::now();
        if (!m) {
            std::fprintf(stderr, "message %d: no alert\n", i);
            return 1;
        }
        ms.push_back(std::chrono::duration<double, std::milli>(t1 - t0).count());
        ack(m->payload);
    }
    std::printf(
        "hub latency, home broker -> centre broker, loopback, %d smoke alarm/clear messages, commit first\n",
        presses);
    std::printf("  p50 %.2f ms  p90 %.2f ms  p99 %.2f ms  max %.2f ms\n", bench::percentile(ms, 0.5),
                bench::percentile(ms, 0.9), bench::percentile(ms, 0.99), bench::percentile(ms, 1.0));
    pub.disconnect()->wait();
    std::printf("  hub RSS after run: %ld KiB\n", bench::rss_kib(r.hub.pid()));
    r.hub.stop();
    return 0;
}
