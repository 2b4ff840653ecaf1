// The hub's memory and idle wake-ups with 200 sensors, and its memory through a burst of events.
// Private memory is `Anonymous` of /proc/<pid>/smaps_rollup (what the hub alone costs: shared
// libraries' code is shared with every other process using them); RSS is printed beside it, with a
// breakdown by mapping. Idle wake-ups are the context switches of each thread over the idle period.
// Usage: bench-hub-memory [events=20000]; WARDEN_BIN_DIR picks the hub to measure;
// WARDEN_BENCH_IDLE_S sets the idle period (default 20 s).
#include <unistd.h>

#include <atomic>
#include <cstdio>
#include <string>
#include <thread>

#include <fmt/format.h>
#include <mqtt/async_client.h>

#include "bench_support.hpp"

using namespace warden;
using namespace std::chrono_literals;
using steady = std::chrono::steady_clock;

namespace {

/// 200 zigbee2mqtt sensors: 80 motion, 40 door, 40 temperature, 20 flood, 10 smoke, 10 pendants.
std::string two_hundred_sensors() {
    return bench::z2m_sensors("motion", 80) + bench::z2m_sensors("door", 40) +
           bench::z2m_sensors("temperature", 40) + bench::z2m_sensors("flood", 20) +
           bench::z2m_sensors("smoke", 10) + bench::z2m_sensors("pendant", 10);
}

double mb(long kib) {
    return static_cast<double>(kib) / 1024.0;
}

void print_memory(const char* when, pid_t pid) {
    auto m = bench::memory_of(pid);
    std::printf("%s: private %.2f MB, RSS %.2f MB\n", when, mb(m.anon), mb(m.rss));
    long other_anon = 0, other_rss = 0;
    int shown = 0;
    for (const auto& [name, part] : bench::memory_breakdown(pid)) {
        if (shown++ < 10 && (part.anon >= 32 || part.rss >= 512)) {
            std::printf("  %-36s private %7ld KiB  RSS %7ld KiB\n", name.c_str(), part.anon, part.rss);
        } else {
            other_anon += part.anon;
            other_rss += part.rss;
        }
    }
    std::printf("  %-36s private %7ld KiB  RSS %7ld KiB\n", "(the rest)", other_anon, other_rss);
}

}  // namespace

int main(int argc, char** argv) {
    int events = bench::count_arg(argc, argv, 20000, "bench-hub-memory [events=20000]");
    int idle_s = 20;
    if (const char* e = std::getenv("WARDEN_BENCH_IDLE_S")) idle_s = std::max(1, std::atoi(e));

    bench::rig r;
    harness::mqtt_client centre(r.centre.uri(), "bench-centre");
    centre.subscribe("warden/v1/+/alert", 1);
    r.start(two_hundred_sensors());
    if (!centre.next("warden/v1/+/alert", 20s)) {  // hub_started
        std::fprintf(stderr, "hub did not start:\n%s\n", r.hub.log().c_str());
        return 1;
    }
    centre.publish("warden/v1/hub-0001/ack", R"({"ids":["hub-0001-1"]})");
    std::this_thread::sleep_for(2s);  // let start-up settle
    auto pid = r.hub.pid();

    // Idle: CPU and wake-ups per thread.
    auto t0 = bench::cpu_ticks(pid);
    auto w0 = bench::context_switches(pid);
    std::this_thread::sleep_for(std::chrono::seconds(idle_s));
    auto ticks = bench::cpu_ticks(pid) - t0;
    std::printf("hub with 200 sensors, idle %d s: CPU %.0f ms\n", idle_s,
                1000.0 * static_cast<double>(ticks) / static_cast<double>(::sysconf(_SC_CLK_TCK)));
    double total = 0;
    for (auto& [thread, n] : bench::context_switches(pid)) {
        double per_s = static_cast<double>(n - (w0.count(thread) ? w0[thread] : 0)) / idle_s;
        total += per_s;
        std::printf("  wake-ups %-28s %5.2f /s\n", thread.c_str(), per_s);
    }
    std::printf("  wake-ups, all threads              %5.2f /s\n", total);
    print_memory("idle, 200 sensors", pid);

    // The burst: motion, door and temperature reports from all sensors, as fast as the publisher
    // sends them (QoS 1); private memory sampled every 10 ms. A pendant press at the end: its alert
    // reaching the centre broker means the hub has handled everything before it.
    std::atomic<bool> sampling{true};
    long peak = 0;
    std::thread sampler([&] {
        while (sampling) {
            peak = std::max(peak, bench::memory_of(pid).anon);
            std::this_thread::sleep_for(10ms);
        }
    });
    ::mqtt::async_client pub(r.home.uri(), "bench-burst", ::mqtt::create_options(MQTTVERSION_3_1_1, 200000));
    pub.connect(::mqtt::connect_options_builder().clean_session(true).max_inflight(65535).finalize())->wait();
    auto b0 = steady::now();
    ::mqtt::delivery_token_ptr last;
    for (int i = 0; i < events; ++i) {
        int k = i % 3, round = i / 120;
        if (k == 0)
            last = pub.publish(fmt::format("zigbee2mqtt/motion-{}", i % 80),
                               round % 2 ? R"({"occupancy":true})" : R"({"occupancy":false})", 1, false);
        else if (k == 1)
            last = pub.publish(fmt::format("zigbee2mqtt/door-{}", i % 40),
                               round % 2 ? R"({"contact":false})" : R"({"contact":true})", 1, false);
        else
            last = pub.publish(fmt::format("zigbee2mqtt/temperature-{}", i % 40),
                               fmt::format(R"({{"temperature":{}.{}}})", 19 + i % 3, i % 10), 1, false);
        if (i % 1000 == 999) last->wait();
    }
    last->wait();
    pub.publish("zigbee2mqtt/pendant-0", R"({"action":"single"})", 1, false)->wait();
    bool through = false;
    while (auto m = centre.next("warden/v1/+/alert", 120s)) {
        if (m->payload.find("\"pendant\"") != std::string::npos ||
            m->payload.find("pendant-0") != std::string::npos) {
            through = true;
            break;
        }
    }
    auto took = std::chrono::duration<double>(steady::now() - b0).count();
    std::this_thread::sleep_for(1s);
    sampling = false;
    sampler.join();
    pub.disconnect()->wait();
    if (!through) {
        std::fprintf(stderr, "the burst was not handled:\n%s\n", r.hub.log().c_str());
        return 1;
    }
    double load[1] = {0};
    ::getloadavg(load, 1);
    std::printf(
        "burst of %d events handled in %.2f s; private memory peak %.2f MB (sampled every 10 ms); load "
        "average %.1f\n",
        events, took, mb(peak), load[0]);
    print_memory("after the burst", pid);
    r.hub.stop();
    return 0;
}
