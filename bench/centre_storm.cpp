// bench-centre-storm: how the centre takes an alarm storm and the heartbeats of many hubs, on SQLite
// (one instance) and on PostgreSQL with 1, 2 and 3 instances (docs/scaling.md quotes it).
//
//   bench-centre-storm [HUBS]      (default 10000)
//
// Storm: HUBS simulated hubs send one alert each, all at once (one MQTT client publishing as the hubs,
// QoS 1, many in flight); the figure is the time from the first publish until every alert is acked (an
// ack is sent only after the commit). Steady state: 10,000 and 100,000 hubs each heartbeating once a
// minute (the hub's default), spread evenly, for 30 s, with a probe alert every 200 ms: the figures are
// the centre instances' CPU (all of them together, % of one core) and the probes' ack latency (the lag
// an alert sees behind the heartbeats). Real programs: Mosquitto, PostgreSQL (the tests' throwaway
// cluster), warden-centre. Benchmark code only.
#include <atomic>
#include <cstdio>
#include <mutex>
#include <set>
#include <thread>
#include <utility>

#include <fmt/format.h>
#include <mqtt/async_client.h>
#include <nlohmann/json.hpp>

#include "bench_support.hpp"
#include "warden/common/alert.hpp"
#include "warden/harness/postgres.hpp"

using namespace warden;
using namespace std::chrono_literals;
using steady = std::chrono::steady_clock;

namespace {

std::string alert_json(const std::string& hub, std::uint64_t seq) {
    alert a;
    a.hub = hub;
    a.seq = seq;
    a.id = make_alert_id(hub, seq);
    a.type = "pendant";
    a.priority = priority::critical;
    a.sia = "QA";
    a.at = now_ms();
    a.rule = "pendant";
    a.sensor = "pendant";
    a.text = "Pendant pressed";
    return to_json(a).dump();
}

/// One MQTT connection publishing as every simulated hub, many messages in flight, and counting acks.
class fleet {
public:
    explicit fleet(const std::string& uri) : cli_(uri, "bench-fleet", 1'000'000) {
        auto opts = mqtt::connect_options_builder().clean_session(true).max_inflight(65'535).finalize();
        cli_.set_message_callback([this](mqtt::const_message_ptr m) {
            // {"ids":["<hub>-<seq>",...]}: count the ids
            const auto& p = m->get_payload_str();
            std::lock_guard lock(mu_);
            for (std::size_t pos = p.find('"', p.find('[')); pos != std::string::npos;) {
                auto end = p.find('"', pos + 1);
                if (end == std::string::npos) break;
                auto id = p.substr(pos + 1, end - pos - 1);
                if (auto it = waiting_.find(id); it != waiting_.end()) {
                    latencies_.push_back(
                        std::chrono::duration<double, std::milli>(steady::now() - it->second).count());
                    waiting_.erase(it);
                    ++acked_;
                }
                pos = p.find('"', end + 1);
            }
        });
        cli_.connect(opts)->wait();
        cli_.subscribe("warden/v1/+/ack", 1)->wait();
    }
    ~fleet() {
        try {
            cli_.disconnect()->wait();
        } catch (...) {
        }
    }
    void alert(const std::string& hub, std::uint64_t seq) {
        {
            std::lock_guard lock(mu_);
            waiting_.emplace(make_alert_id(hub, seq), steady::now());
        }
        cli_.publish("warden/v1/" + hub + "/alert", alert_json(hub, seq), 1, false);
    }
    void heartbeat(const std::string& hub) {
        cli_.publish(
            "warden/v1/" + hub + "/heartbeat",
            R"({"hub":")" + hub + R"(","outbox":0,"sensors":{"online":9,"offline":0},"version":"bench"})", 1,
            false);
    }
    std::size_t acked() {
        std::lock_guard lock(mu_);
        return acked_;
    }
    std::vector<double> take_latencies() {
        std::lock_guard lock(mu_);
        return std::exchange(latencies_, {});
    }

private:
    mqtt::async_client cli_;
    std::mutex mu_;
    std::map<std::string, steady::time_point> waiting_;
    std::vector<double> latencies_;
    std::size_t acked_ = 0;
};

struct setup {
    std::string name;
    bool postgres = false;
    int instances = 1;
};

/// A broker, a database and `s.instances` centres on it.
struct centres {
    harness::temp_dir dir;
    harness::broker broker{bench::nodelay() + "max_queued_messages 1000000\nmax_inflight_messages 0\n"};
    std::vector<harness::process> procs;
    bool ok = true;

    explicit centres(const setup& s) {
        const std::string database =
            s.postgres ? harness::test_postgres().create_database() : (dir / "centre.db").string();
        for (int i = 0; i < s.instances; ++i) {
            int port = harness::free_port();
            std::string conf = "[centre]\ndatabase = \"" + database + "\"\n[mqtt]\nuri = \"" + broker.uri() +
                               "\"\n[http]\nlisten = \"127.0.0.1:" + std::to_string(port) +
                               "\"\n[ingest]\nhub_alerts_per_minute = 600\n[supervision]\nheartbeat_grace = "
                               "\"10m\"\n";
            if (s.postgres) conf += "[cluster]\ninstance = \"i" + std::to_string(i) + "\"\n";
            auto path = dir.write("centre-" + std::to_string(i) + ".toml", conf);
            procs.emplace_back(std::vector<std::string>{bench::bin_dir() + "/warden-centre", "--config",
                                                        path.string(), "--log-level", "debug"},
                               dir / ("centre-" + std::to_string(i) + ".log"));
            if (!harness::wait_for_port(port, 30s)) {
                std::fprintf(stderr, "%s: centre %d did not start:\n%s\n", s.name.c_str(), i,
                             procs.back().log().c_str());
                ok = false;
                return;
            }
        }
        for (auto& p : procs)
            harness::eventually(
                [&] {
                    return p.log().find("mqtt subscribed filter=") != std::string::npos &&
                           p.log().find("/status") != std::string::npos;
                },
                30s);
        std::this_thread::sleep_for(500ms);
    }
    long cpu_ticks() {
        long t = 0;
        for (auto& p : procs) t += bench::cpu_ticks(p.pid());
        return t;
    }
};

/// Seconds until every one of `hubs` alerts is acked (nan if not within 10 minutes).
double storm(const setup& s, int hubs) {
    centres c(s);
    if (!c.ok) return NAN;
    fleet f(c.broker.uri());
    auto t0 = steady::now();
    for (int i = 0; i < hubs; ++i) f.alert("hub-" + std::to_string(i), 1);
    if (!harness::eventually([&] { return f.acked() == static_cast<std::size_t>(hubs); }, 10min)) return NAN;
    return std::chrono::duration<double>(steady::now() - t0).count();
}

struct steady_figures {
    double cpu_percent = 0, lag_p50 = 0, lag_p99 = 0;
};

/// `hubs` heartbeating once a minute for 30 s, a probe alert every 200 ms.
steady_figures steady_state(const setup& s, int hubs) {
    centres c(s);
    if (!c.ok) return {NAN, NAN, NAN};
    fleet f(c.broker.uri());
    const auto window = 30s;
    const double per_second = hubs / 60.0;
    auto t0 = steady::now();
    long ticks0 = c.cpu_ticks();
    std::uint64_t probe = 0;
    double sent = 0;
    int next_hub = 0;
    while (steady::now() - t0 < window) {
        auto elapsed = std::chrono::duration<double>(steady::now() - t0).count();
        while (sent < elapsed * per_second) {
            f.heartbeat("hub-" + std::to_string(next_hub));
            next_hub = (next_hub + 1) % hubs;
            sent += 1;
        }
        if (elapsed * 5 >= static_cast<double>(probe)) f.alert("probe", ++probe);
        std::this_thread::sleep_for(5ms);
    }
    harness::eventually([&] { return f.acked() == probe; }, 30s);
    auto secs = std::chrono::duration<double>(steady::now() - t0).count();
    steady_figures out;
    out.cpu_percent = 100.0 * static_cast<double>(c.cpu_ticks() - ticks0) /
                      static_cast<double>(sysconf(_SC_CLK_TCK)) / secs;
    auto lat = f.take_latencies();
    out.lag_p50 = bench::percentile(lat, 0.5);
    out.lag_p99 = bench::percentile(lat, 0.99);
    return out;
}

}  // namespace

int main(int argc, char** argv) {
    const int hubs = bench::count_arg(argc, argv, 10'000, "bench-centre-storm [HUBS]");
    const std::vector<setup> setups{{"SQLite, 1 instance", false, 1},
                                    {"PostgreSQL, 1 instance", true, 1},
                                    {"PostgreSQL, 2 instances", true, 2},
                                    {"PostgreSQL, 3 instances", true, 3}};
    std::printf("Alarm storm: %d hubs x 1 alert, time until every alert is stored and acked\n", hubs);
    std::printf("%-26s %10s %12s\n", "setup", "seconds", "alerts/s");
    for (const auto& s : setups) {
        auto secs = storm(s, hubs);
        std::printf("%-26s %10.2f %12.0f\n", s.name.c_str(), secs, hubs / secs);
        std::fflush(stdout);
    }
    std::printf("\nSteady state: hubs heartbeating once a minute for 30 s, a probe alert every 200 ms\n");
    std::printf("%-26s %8s %12s %14s %14s\n", "setup", "hubs", "CPU % core", "probe ack p50",
                "probe ack p99");
    for (int n : {10'000, 100'000})
        for (const auto& s : setups) {
            auto f = steady_state(s, n);
            std::printf("%-26s %8d %12.1f %11.1f ms %11.1f ms\n", s.name.c_str(), n, f.cpu_percent, f.lag_p50,
                        f.lag_p99);
            std::fflush(stdout);
        }
    return 0;
}
