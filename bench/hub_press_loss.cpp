// bench-hub-press-loss [KILLS]: how many momentary presses a kill -9 loses (docs/hub.md, "After a
// restart"). A client publishes a stream of pendant presses (QoS 1, each with its number, the next as
// soon as the home broker has acked the previous and 5 ms have passed) while warden-hub is killed with
// SIGKILL at random moments and restarted, KILLS times (default 30). Then it stops the hub cleanly and
// counts the presses missing from the hub's event log, which is written in the same transaction as
// the rule state: a press missing there was acked to the broker by Paho but never committed.
// Only such presses are lost: the persistent session holds those published while the hub is down.

#include <sqlite3.h>

#include <atomic>
#include <csignal>
#include <cstdio>
#include <random>
#include <set>
#include <thread>

#include <nlohmann/json.hpp>

#include "bench_support.hpp"

using namespace warden;
using namespace std::chrono_literals;

namespace {

/// Waits until the hub's home session is up (its retained local state is published afresh).
bool wait_ready(const std::string& home_uri) {
    harness::mqtt_client probe(home_uri);
    probe.subscribe("warden/local/state", 1);
    // The first copy may be the retained one from before the kill; the hub publishes it on connect.
    auto first = probe.next("warden/local/state", 15s);
    if (!first) return false;
    if (!first->retained) return true;
    return probe.next("warden/local/state", 15s).has_value();
}

std::set<long> logged_presses(const std::string& db_file) {
    std::set<long> out;
    sqlite3* db = nullptr;
    if (sqlite3_open_v2(db_file.c_str(), &db, SQLITE_OPEN_READONLY, nullptr) != SQLITE_OK) {
        std::fprintf(stderr, "cannot open %s\n", db_file.c_str());
        std::exit(1);
    }
    sqlite3_stmt* st = nullptr;
    sqlite3_prepare_v2(db, "SELECT payload FROM events WHERE topic = 'zigbee2mqtt/pendant-0'", -1, &st,
                       nullptr);
    while (sqlite3_step(st) == SQLITE_ROW) {
        auto j =
            nlohmann::json::parse(reinterpret_cast<const char*>(sqlite3_column_text(st, 0)), nullptr, false);
        if (j.is_object() && j.contains("n")) out.insert(j["n"].get<long>());
    }
    sqlite3_finalize(st);
    sqlite3_close(db);
    return out;
}

}  // namespace

int main(int argc, char** argv) {
    const int kills = bench::count_arg(argc, argv, 30, "bench-hub-press-loss [KILLS]");
    bench::rig r;
    r.start(bench::z2m_sensors("pendant", 1));
    if (!wait_ready(r.home.uri())) {
        std::fprintf(stderr, "hub not ready\n%s\n", r.hub.log().c_str());
        return 1;
    }

    auto began = std::chrono::steady_clock::now();
    std::atomic<bool> done{false};
    std::atomic<long> published{0};
    std::thread publisher([&] {
        harness::mqtt_client pub(r.home.uri());
        for (long n = 0; !done; ++n) {
            pub.publish("zigbee2mqtt/pendant-0", nlohmann::json{{"action", "single"}, {"n", n}}.dump(), 1);
            published = n + 1;
            std::this_thread::sleep_for(5ms);
        }
    });

    std::mt19937 rng(std::random_device{}());
    std::uniform_int_distribution<int> pause_ms(50, 700);
    for (int k = 0; k < kills; ++k) {
        std::this_thread::sleep_for(std::chrono::milliseconds(pause_ms(rng)));
        r.hub.signal(SIGKILL);
        r.hub.wait(5s);
        r.start(bench::z2m_sensors("pendant", 1));
        if (!wait_ready(r.home.uri())) {
            std::fprintf(stderr, "hub not ready after kill %d\n%s\n", k + 1, r.hub.log().c_str());
            return 1;
        }
    }
    std::this_thread::sleep_for(500ms);
    done = true;
    publisher.join();
    double run_ms =
        std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - began).count();
    std::this_thread::sleep_for(1s);  // the last presses reach the hub and are committed
    r.hub.signal(SIGTERM);
    r.hub.wait(10s);

    auto logged = logged_presses((r.dir / "data" / "hub.db").string());
    long lost = 0;
    for (long n = 0; n < published; ++n)
        if (!logged.count(n)) ++lost;
    std::printf("kills                      %d\n", kills);
    std::printf("presses published (acked)  %ld\n", published.load());
    std::printf("presses in the event log   %zu\n", logged.size());
    const double per_kill = static_cast<double>(lost) / kills;
    const double interval = run_ms / static_cast<double>(published);
    std::printf("presses lost               %ld (%.2f per kill)\n", lost, per_kill);
    // A kill loses the presses acked in the last `window` before it: per kill, window / interval.
    std::printf("interval between presses   %.2f ms\n", interval);
    std::printf("window (lost per kill x interval)  %.2f ms\n", per_kill * interval);
    return 0;
}
