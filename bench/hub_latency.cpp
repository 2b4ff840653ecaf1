// End-to-end latency on loopback: a smoke detector's message published on the home broker until the
// alert arrives on the centre broker, through the real warden-hub (committed to SQLite, fsync'd,
// before it is sent). A typical home of 9 sensors; the detector alternates alarm / clear, so every
// message raises or clears an alert. Usage: bench-hub-latency [messages=1000]
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <set>
#include <string>
#include <thread>

#include <mqtt/async_client.h>
#include <nlohmann/json.hpp>

#include "bench_support.hpp"

int main(int argc, char** argv) {
    using namespace warden;
    using namespace std::chrono_literals;
    using clock = std::chrono::steady_clock;
    int presses = bench::count_arg(argc, argv, 1000, "bench-hub-latency [messages=1000]");

    bench::rig r;
    // Observers on both brokers stamp each message as the broker hands it out (libmosquitto's
    // mosquitto_sub, wall clock): the difference is the hub's own part, free of this program's
    // client library.
    auto home_log = r.dir / "home.ts";
    auto centre_log = r.dir / "centre.ts";
    harness::process home_obs({"/usr/bin/mosquitto_sub", "-p", std::to_string(r.home.port()), "-t",
                               "zigbee2mqtt/smoke-0", "-q", "1", "-F", "%U"},
                              home_log);
    harness::process centre_obs({"/usr/bin/mosquitto_sub", "-p", std::to_string(r.centre.port()), "-t",
                                 "warden/v1/+/alert", "-q", "1", "-F", "%U %p"},
                                centre_log);
    std::this_thread::sleep_for(300ms);
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

    // A pause between messages (ms), so each one meets an idle hub: WARDEN_BENCH_GAP_MS.
    int gap = std::getenv("WARDEN_BENCH_GAP_MS") ? std::atoi(std::getenv("WARDEN_BENCH_GAP_MS")) : 0;
    std::vector<double> ms;
    for (int i = 0; i < presses; ++i) {
        if (gap > 0) std::this_thread::sleep_for(std::chrono::milliseconds(gap));
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
    std::printf("  measured by this program (Paho clients, publish to receipt):\n");
    std::printf("    p50 %.2f ms  p90 %.2f ms  p99 %.2f ms  max %.2f ms\n", bench::percentile(ms, 0.5),
                bench::percentile(ms, 0.9), bench::percentile(ms, 0.99), bench::percentile(ms, 1.0));
    std::this_thread::sleep_for(500ms);
    home_obs.stop();
    centre_obs.stop();
    std::vector<double> in, out, hop;
    {
        std::ifstream h(home_log);
        std::string line;
        while (std::getline(h, line))
            if (!line.empty()) in.push_back(std::stod(line));
        std::ifstream c(centre_log);
        std::set<std::string> ids;
        while (std::getline(c, line)) {
            auto sp = line.find(' ');
            if (sp == std::string::npos) continue;
            auto j = nlohmann::json::parse(line.substr(sp + 1), nullptr, false);
            if (j.is_discarded() || j.value("type", "") != "smoke" || !ids.insert(j.value("id", "")).second)
                continue;
            out.push_back(std::stod(line.substr(0, sp)));
        }
    }
    for (std::size_t i = 0; i < std::min(in.size(), out.size()); ++i)
        hop.push_back((out[i] - in[i]) * 1000.0);
    std::printf(
        "  measured at the brokers (home broker hands out the payload -> centre broker hands out the alert), "
        "%zu:\n",
        hop.size());
    std::printf("    p50 %.2f ms  p90 %.2f ms  p99 %.2f ms  max %.2f ms\n", bench::percentile(hop, 0.5),
                bench::percentile(hop, 0.9), bench::percentile(hop, 0.99), bench::percentile(hop, 1.0));
    pub.disconnect()->wait();
    std::printf("  hub RSS after run: %ld KiB\n", bench::rss_kib(r.hub.pid()));
    r.hub.stop();
    return 0;
}
