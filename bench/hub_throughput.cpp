// Sustained input: N motion events published as fast as the home broker takes them, then a test
// alarm as a marker; the time until the marker's alert reaches the centre gives events/s through
// the hub (decode, rules, event log, group commit). Usage: bench-hub-throughput [events=20000]
#include <cstdio>
#include <string>

#include <mqtt/async_client.h>
#include <nlohmann/json.hpp>

#include "bench_support.hpp"

int main(int argc, char** argv) {
    using namespace warden;
    using namespace std::chrono_literals;
    using clock = std::chrono::steady_clock;
    int events = bench::count_arg(argc, argv, 20000, "bench-hub-throughput [events=20000]");
    const int sensors = 20;

    bench::rig r;
    r.start(bench::z2m_sensors("motion", sensors));
    harness::mqtt_client centre(r.centre.uri(), "bench-centre");
    centre.subscribe("warden/v1/+/alert", 1);
    if (!centre.next("warden/v1/+/alert", 20s)) {
        std::fprintf(stderr, "hub did not start:\n%s\n", r.hub.log().c_str());
        return 1;
    }
    harness::mqtt_client probe(r.home.uri(), "bench-probe");
    probe.subscribe("warden/local/state", 1);
    probe.next("warden/local/state", 10s);

    // A raw async client keeps many QoS 1 publishes in flight (the harness client waits for each).
    ::mqtt::async_client pub(r.home.uri(), "bench-publisher");
    auto opts = ::mqtt::connect_options_builder().clean_session(true).max_inflight(65535).finalize();
    pub.connect(opts)->wait();
    auto t0 = clock::now();
    ::mqtt::delivery_token_ptr last;
    for (int i = 0; i < events; ++i) {
        auto topic = "zigbee2mqtt/motion-" + std::to_string(i % sensors);
        last = pub.publish(topic, (i / sensors) % 2 ? R"({"occupancy":true})" : R"({"occupancy":false})", 1,
                           false);
        if (i % 100 == 99) last->wait();  // Paho buffers a bounded number of outgoing messages
    }
    last->wait();
    auto published = clock::now();
    pub.publish("warden/local/command", R"({"id":"marker","cmd":"test"})", 1, false)->wait();
    std::optional<harness::mqtt_client::msg> m;
    while ((m = centre.next("warden/v1/+/alert", 120s))) {
        if (nlohmann::json::parse(m->payload).value("type", "") == "test") break;
    }
    auto done = clock::now();
    if (!m) {
        std::fprintf(stderr, "marker alert never came\n");
        return 1;
    }
    double secs = std::chrono::duration<double>(done - t0).count();
    std::printf("hub throughput: %d motion events (%d sensors), QoS 1, loopback\n", events, sensors);
    std::printf("  published in %.2f s, processed and committed in %.2f s: %.0f events/s\n",
                std::chrono::duration<double>(published - t0).count(), secs, events / secs);
    std::printf("  hub RSS after run: %ld KiB\n", bench::rss_kib(r.hub.pid()));
    pub.disconnect()->wait();
    r.hub.stop();
    return 0;
}
