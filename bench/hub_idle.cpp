// The hub at rest: resident memory and CPU time used over 10 s with nothing happening
// (heartbeat every 60 s, a typical home of 9 sensors). Usage: bench-hub-idle [seconds=10]
#include <unistd.h>

#include <cstdio>
#include <string>
#include <thread>

#include <nlohmann/json.hpp>

#include "bench_support.hpp"

int main(int argc, char** argv) {
    using namespace warden;
    using namespace std::chrono_literals;
    int seconds = bench::count_arg(argc, argv, 10, "bench-hub-idle [seconds=10]");
    bench::rig r;
    r.start(bench::typical_home());
    harness::mqtt_client centre(r.centre.uri(), "bench-centre");
    centre.subscribe("warden/v1/+/alert", 1);
    auto started = centre.next("warden/v1/+/alert", 20s);
    if (!started) {
        std::fprintf(stderr, "hub did not start:\n%s\n", r.hub.log().c_str());
        return 1;
    }
    centre.publish("warden/v1/hub-0001/ack", R"({"ids":["hub-0001-1"]})");
    std::this_thread::sleep_for(1s);  // let start-up settle
    auto pid = r.hub.pid();
    long before = bench::cpu_ticks(pid);
    std::this_thread::sleep_for(std::chrono::seconds(seconds));
    long after = bench::cpu_ticks(pid);
    double tick_ms = 1000.0 / static_cast<double>(sysconf(_SC_CLK_TCK));
    std::printf("hub idle over %d s (9 sensors, outbox empty): CPU %.0f ms (%.3f %%), RSS %ld KiB\n", seconds,
                (after - before) * tick_ms, (after - before) * tick_ms / (seconds * 10.0),
                bench::rss_kib(pid));
    r.hub.stop();
    return 0;
}
