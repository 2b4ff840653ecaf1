// bench-vs-nodered [messages=1000]: warden-hub beside the Node-RED flow a council's technician would
// build instead (bench/nodered/flows.json: home broker in, smoke/flood/pendant rules, centre broker
// out), measured in one run on the same machine, each with its own pair of real brokers:
//  - latency from the home broker to the centre broker (smoke alarm/clear, one at a time), p50/p99;
//  - the highest sustained rate with nothing lost: flood alarm/clear messages paced at rising rates
//    for 3 s each; a rate is sustained if every alert reaches the centre broker;
//  - memory (private/anonymous and RSS, /proc/<pid>/smaps_rollup) and idle CPU and wake-ups
//    (context switches of all threads) over 20 s of quiet.
// The hub commits (fsync) every alert before it sends it; the Node-RED flow keeps nothing on disk.
// Needs Node-RED: scripts/bench-nodered installs it into bench/nodered and runs this program.

#include <dirent.h>

#include <atomic>
#include <condition_variable>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <mutex>
#include <set>
#include <string>
#include <thread>

#include <fmt/format.h>
#include <mqtt/async_client.h>
#include <nlohmann/json.hpp>

#include "bench_support.hpp"

using namespace warden;
using namespace std::chrono_literals;
namespace fs = std::filesystem;
using steady = std::chrono::steady_clock;

namespace {

/// The centre side of a run: collects alerts from the centre broker and acks each (batched), as the
/// centre does, so the hub's in-flight window keeps moving.
class centre_side {
public:
    /// `seen`: alert ids already counted (by an earlier centre side of the same trial), so a resend
    /// of an old alert is not counted again.
    centre_side(const std::string& uri, std::set<std::string>& seen)
        : ids_(seen), cli_(uri, "bench-centre-side") {
        cli_.set_message_callback([this](mqtt::const_message_ptr m) {
            auto j = nlohmann::json::parse(m->get_payload_str(), nullptr, false);
            if (!j.is_object()) return;
            std::lock_guard lk(mu_);
            auto id = j.value("id", "");
            if (j.value("type", "") == "hub_started") {
                to_ack_.push_back(id);
                return;
            }
            if (ids_.insert(id).second) arrivals_.push_back(steady::now());
            to_ack_.push_back(id);
            cv_.notify_all();
        });
        cli_.connect(mqtt::connect_options_builder().clean_session(true).finalize())->wait();
        cli_.subscribe("warden/v1/+/alert", 1)->wait();
        acker_ = std::thread([this] { ack_loop(); });
    }
    ~centre_side() {
        stop_ = true;
        acker_.join();
        cli_.disconnect()->wait_for(2s);
    }
    std::size_t count() {
        std::lock_guard lk(mu_);
        return arrivals_.size();
    }
    /// Waits until `n` alerts have arrived; the time the n-th arrived.
    std::optional<steady::time_point> wait_for(std::size_t n, std::chrono::milliseconds timeout) {
        std::unique_lock lk(mu_);
        if (!cv_.wait_for(lk, timeout, [&] { return arrivals_.size() >= n; })) return std::nullopt;
        return arrivals_[n - 1];
    }

private:
    void ack_loop() {
        while (!stop_) {
            std::this_thread::sleep_for(2ms);
            std::vector<std::string> ids;
            {
                std::lock_guard lk(mu_);
                ids.swap(to_ack_);
            }
            if (ids.empty()) continue;
            auto body = nlohmann::json{{"ids", ids}}.dump();
            cli_.publish("warden/v1/hub-0001/ack", body.data(), body.size(), 1, false);
        }
    }

    std::set<std::string>& ids_;
    mqtt::async_client cli_;
    std::mutex mu_;
    std::condition_variable cv_;
    std::vector<steady::time_point> arrivals_;
    std::vector<std::string> to_ack_;
    std::atomic<bool> stop_{false};
    std::thread acker_;
};

struct figures {
    std::string name;
    double p50 = 0, p99 = 0, max = 0;
    int sustained = 0;  ///< messages per second, nothing lost
    bench::memory idle_mem, busy_mem;
    double idle_cpu_percent = 0, wakeups_per_s = 0;
    std::map<std::string, double> thread_wakeups;  ///< per thread, per second, idle
};

/// One candidate: brokers, the program under test, and the measurements.
class trial {
public:
    trial(std::string name, int messages) : messages_(messages) { f_.name = std::move(name); }
    virtual ~trial() = default;
    virtual void start() = 0;
    virtual pid_t pid() = 0;

    figures run() {
        start();
        std::this_thread::sleep_for(1s);
        {
            centre_side centre(centre_.uri(), seen_);
            wait_ready(centre);
            measure_idle();
            measure_latency(centre);
        }
        measure_rates();
        return f_;
    }

protected:
    harness::temp_dir dir_;
    harness::broker home_{bench::nodelay()};
    harness::broker centre_{bench::nodelay()};

private:
    /// Sends smoke alarms until one comes through (both sides subscribed and connected).
    void wait_ready(centre_side& centre) {
        harness::mqtt_client pub(home_.uri(), "bench-ready");
        for (int i = 0; i < 200; ++i) {
            pub.publish("zigbee2mqtt/smoke-0", i % 2 == 0 ? R"({"smoke":true})" : R"({"smoke":false})", 1);
            if (centre.wait_for(1, 100ms)) break;
        }
        // Leave the detector clear, and let anything in flight land.
        std::this_thread::sleep_for(500ms);
        if (smoke_on(centre)) pub.publish("zigbee2mqtt/smoke-0", R"({"smoke":false})", 1);
        std::this_thread::sleep_for(500ms);
    }
    static bool smoke_on(centre_side& c) { return c.count() % 2 == 1; }

    void measure_idle() {
        auto p = pid();
        auto t0 = bench::cpu_ticks(p);
        auto w0 = bench::context_switches(p);
        std::this_thread::sleep_for(20s);
        auto ticks = bench::cpu_ticks(p) - t0;
        f_.idle_cpu_percent =
            100.0 * static_cast<double>(ticks) / static_cast<double>(::sysconf(_SC_CLK_TCK)) / 20.0;
        for (auto& [thread, n] : bench::context_switches(p)) {
            double per_s = static_cast<double>(n - (w0.count(thread) ? w0[thread] : 0)) / 20.0;
            f_.thread_wakeups[thread] = per_s;
            f_.wakeups_per_s += per_s;
        }
        f_.idle_mem = bench::memory_of(p);
    }

    void measure_latency(centre_side& centre) {
        mqtt::async_client pub(home_.uri(), "bench-latency");
        pub.connect(mqtt::connect_options_builder().clean_session(true).finalize())->wait();
        std::vector<double> ms;
        auto base = centre.count();
        for (int i = 0; i < messages_; ++i) {
            auto t0 = steady::now();
            pub.publish("zigbee2mqtt/smoke-0", i % 2 == 0 ? R"({"smoke":true})" : R"({"smoke":false})", 1,
                        false);
            auto at = centre.wait_for(base + static_cast<std::size_t>(i) + 1, 10s);
            if (!at) {
                std::fprintf(stderr, "%s: message %d raised no alert\n", f_.name.c_str(), i);
                std::exit(1);
            }
            ms.push_back(std::chrono::duration<double, std::milli>(*at - t0).count());
        }
        pub.disconnect()->wait();
        f_.p50 = bench::percentile(ms, 0.5);
        f_.p99 = bench::percentile(ms, 0.99);
        f_.max = bench::percentile(ms, 1.0);
    }

    /// Flood alarm/clear on 8 sensors, each message a change, paced at rising rates. A fresh centre
    /// side for each rate; the rate is sustained if every alert arrives within 10 s of the last send.
    void measure_rates() {
        for (int rate : {250, 500, 1000, 2000, 4000, 8000, 16000, 32000, 64000}) {
            centre_side centre(centre_.uri(), seen_);
            mqtt::async_client pub(home_.uri(), "bench-rate",
                                   mqtt::create_options(MQTTVERSION_3_1_1, 200000));
            pub.connect(mqtt::connect_options_builder().clean_session(true).max_inflight(65535).finalize())
                ->wait();
            const int n = rate * 3;
            std::vector<bool> wet(8, false);
            auto t0 = steady::now();
            for (int i = 0; i < n; ++i) {
                std::this_thread::sleep_until(t0 + std::chrono::nanoseconds(1'000'000'000LL * i / rate));
                int s = i % 8;
                wet[s] = !wet[s];
                auto topic = fmt::format("zigbee2mqtt/flood-{}", s);
                pub.publish(topic, wet[s] ? R"({"water_leak":true})" : R"({"water_leak":false})", 1, false);
            }
            bool all = centre.wait_for(static_cast<std::size_t>(n), 10s).has_value();
            auto arrived = centre.count();
            f_.busy_mem = bench::memory_of(pid());
            // Leave every sensor dry for the next rate.
            for (int s = 0; s < 8; ++s)
                if (wet[s])
                    pub.publish(fmt::format("zigbee2mqtt/flood-{}", s), R"({"water_leak":false})", 1, false)
                        ->wait();
            std::this_thread::sleep_for(500ms);
            pub.disconnect()->wait();
            std::printf("  %-10s %6d msg/s for 3 s: %zu of %d alerts\n", f_.name.c_str(), rate, arrived, n);
            std::fflush(stdout);
            if (!all) break;
            f_.sustained = rate;
        }
    }

    int messages_;
    figures f_;
    std::set<std::string> seen_;
};

class hub_trial : public trial {
public:
    using trial::trial;
    void start() override {
        std::string sensors = bench::z2m_sensors("smoke", 1) + bench::z2m_sensors("flood", 8) +
                              bench::z2m_sensors("pendant", 1);
        auto conf =
            dir_.write("hub.toml", "[hub]\nid = \"hub-0001\"\ndata_dir = \"" + (dir_ / "data").string() +
                                       "\"\ntimezone = \"UTC\"\n[local]\nuri = \"" + home_.uri() +
                                       "\"\n[centre]\nuri = \"" + centre_.uri() +
                                       "\"\nheartbeat = \"60s\"\nack_timeout = \"10s\"\n" + sensors);
        hub_ = harness::process(
            {bench::bin_dir() + "/warden-hub", "--config", conf.string(), "--log-level", "warn"},
            dir_ / "hub.log");
    }
    pid_t pid() override { return hub_.pid(); }

private:
    harness::process hub_;
};

class nodered_trial : public trial {
public:
    nodered_trial(std::string name, int messages, fs::path nodered)
        : trial(std::move(name), messages), nr_(nodered) {}
    void start() override {
        fs::copy_file(nr_ / "flows.json", dir_ / "flows.json");
        proc_ =
            harness::process({"/usr/bin/env", "node", (nr_ / "node_modules/node-red/red.js").string(),
                              "--userDir", dir_.path().string(), "--settings", (nr_ / "settings.js").string(),
                              "--port", std::to_string(harness::free_port()), "flows.json"},
                             dir_ / "nodered.log",
                             {{"WARDEN_HOME_PORT", std::to_string(home_.port())},
                              {"WARDEN_CENTRE_PORT", std::to_string(centre_.port())}});
    }
    /// `env` execs node, so the process is node itself.
    pid_t pid() override { return proc_.pid(); }

private:
    fs::path nr_;
    harness::process proc_;
};

void print(const figures& a, const figures& b) {
    auto row = [](const char* what, const std::string& x, const std::string& y) {
        std::printf("%-40s %16s %16s\n", what, x.c_str(), y.c_str());
    };
    auto ms = [](double v) { return fmt::format("{:.2f} ms", v); };
    auto kib = [](long v) { return fmt::format("{:.1f} MB", static_cast<double>(v) / 1024.0); };
    std::printf("\n");
    row("", a.name, b.name);
    row("latency p50 (home broker -> centre broker)", ms(a.p50), ms(b.p50));
    row("latency p99", ms(a.p99), ms(b.p99));
    row("latency max", ms(a.max), ms(b.max));
    row("highest sustained rate, nothing lost", fmt::format("{} msg/s", a.sustained),
        fmt::format("{} msg/s", b.sustained));
    row("private memory, idle", kib(a.idle_mem.anon), kib(b.idle_mem.anon));
    row("RSS, idle", kib(a.idle_mem.rss), kib(b.idle_mem.rss));
    row("private memory, after the rate runs", kib(a.busy_mem.anon), kib(b.busy_mem.anon));
    row("RSS, after the rate runs", kib(a.busy_mem.rss), kib(b.busy_mem.rss));
    row("idle CPU (20 s)", fmt::format("{:.2f} %", a.idle_cpu_percent),
        fmt::format("{:.2f} %", b.idle_cpu_percent));
    row("idle wake-ups (all threads)", fmt::format("{:.1f} /s", a.wakeups_per_s),
        fmt::format("{:.1f} /s", b.wakeups_per_s));
    row("alert on disk before it is sent", "yes (fsync)", "no");
    for (auto* f : {&a, &b}) {
        std::printf("\nidle wake-ups per thread, %s:\n", f->name.c_str());
        for (auto& [thread, per_s] : f->thread_wakeups)
            if (per_s > 0) std::printf("  %-30s %6.1f /s\n", thread.c_str(), per_s);
    }
}

}  // namespace

int main(int argc, char** argv) {
    int messages = bench::count_arg(argc, argv, 1000, "bench-vs-nodered [messages=1000]");
    const char* nr = std::getenv("WARDEN_NODERED_DIR");
    fs::path nodered = nr ? fs::path(nr) : fs::path(WARDEN_SOURCE_DIR) / "bench" / "nodered";
    if (!fs::exists(nodered / "node_modules" / "node-red" / "red.js")) {
        std::fprintf(stderr, "Node-RED is not installed in %s: run scripts/bench-nodered\n", nodered.c_str());
        return 2;
    }
    std::printf("warden-hub and Node-RED side by side, %d latency messages each, same machine, same run\n",
                messages);
    figures hub, red;
    {
        hub_trial t("warden-hub", messages);
        hub = t.run();
    }
    {
        nodered_trial t("Node-RED", messages, nodered);
        red = t.run();
    }
    print(hub, red);
    return 0;
}
