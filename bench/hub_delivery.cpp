// Backlog delivery: how fast a hub's committed but undelivered alerts reach the real centre. The hub
// runs with its centre broker down and commits N test alarms (warden/local/command "test"), then
// stops. The centre broker and the real warden-centre start, and the hub starts again: it loads the
// backlog and sends it. The clock runs from the hub's start until the centre has acked every alert
// (acks watched on the centre broker), then until the hub's outbox is empty (its delivered marks
// committed). At the end the centre's database must hold every alert exactly once, stored in seq order.
// Usage: bench-hub-delivery [alerts=20000]; WARDEN_BIN_DIR picks the programs to measure.
#include <sqlite3.h>

#include <cstdio>
#include <set>
#include <string>

#include <mqtt/async_client.h>
#include <nlohmann/json.hpp>

#include "bench_support.hpp"
#include "warden/common/alert.hpp"

using namespace warden;
using namespace std::chrono_literals;
using bench_clock = std::chrono::steady_clock;
using json = nlohmann::json;

namespace {

const std::string hub_id = "hub-0001";

double secs(bench_clock::duration d) {
    return std::chrono::duration<double>(d).count();
}

/// Waits for a local state document whose outbox count satisfies `pred`.
template <class Pred>
bool wait_outbox(harness::mqtt_client& probe, Pred pred, std::chrono::milliseconds timeout) {
    auto until = bench_clock::now() + timeout;
    while (bench_clock::now() < until) {
        auto m = probe.next("warden/local/state", 1s);
        if (!m) continue;
        auto j = json::parse(m->payload, nullptr, false);
        if (j.is_object() && j.contains("outbox") && pred(j["outbox"].get<std::uint64_t>())) return true;
    }
    return false;
}

/// The centre is subscribed and storing: an alert from another hub is acked.
bool centre_ready(const std::string& uri) {
    harness::mqtt_client c(uri, "bench-ready");
    c.subscribe("warden/v1/hub-probe/ack", 1);
    alert a;
    a.hub = "hub-probe";
    a.seq = 1;
    a.id = make_alert_id(a.hub, a.seq);
    a.type = "test";
    a.sia = "RP";
    a.at = now_ms();
    a.rule = "test";
    a.priority = priority::low;
    for (int i = 0; i < 20; ++i) {
        c.publish("warden/v1/hub-probe/alert", to_json(a).dump());
        if (c.next("warden/v1/hub-probe/ack", 1s)) return true;
    }
    return false;
}

/// The seqs of the hub's own alerts (not those the centre raises about it) in storage order.
std::vector<std::uint64_t> stored_seqs(const std::string& db_file) {
    std::vector<std::uint64_t> out;
    sqlite3* db = nullptr;
    if (sqlite3_open_v2(db_file.c_str(), &db, SQLITE_OPEN_READONLY, nullptr) != SQLITE_OK) {
        std::fprintf(stderr, "cannot open %s\n", db_file.c_str());
        std::exit(1);
    }
    sqlite3_stmt* st = nullptr;
    sqlite3_prepare_v2(db, "SELECT seq FROM alerts WHERE hub = ?1 AND id = hub || '-' || seq ORDER BY rowid",
                       -1, &st, nullptr);
    sqlite3_bind_text(st, 1, hub_id.c_str(), -1, SQLITE_TRANSIENT);
    while (sqlite3_step(st) == SQLITE_ROW)
        out.push_back(static_cast<std::uint64_t>(sqlite3_column_int64(st, 0)));
    sqlite3_finalize(st);
    sqlite3_close(db);
    return out;
}

}  // namespace

int main(int argc, char** argv) {
    int n = bench::count_arg(argc, argv, 20000, "bench-hub-delivery [alerts=20000]");

    // 1. The backlog: the centre broker is down while the hub commits n test alarms.
    // The centre broker as deploy/mosquitto/centre.conf sets it up: up to this many QoS 1 messages
    // on their way to the centre at once (Mosquitto's default is 20).
    const char* inflight = std::getenv("WARDEN_BENCH_INFLIGHT");
    bench::rig r("max_inflight_messages " + std::string(inflight ? inflight : "100") + "\n");
    r.centre.stop();
    harness::mqtt_client probe(r.home.uri(), "bench-probe");
    probe.subscribe("warden/local/state", 1);
    r.start("");
    if (!wait_outbox(
            probe, [](std::uint64_t o) { return o >= 1; }, 20s)) {
        std::fprintf(stderr, "hub did not start:\n%s\n", r.hub.log().c_str());
        return 1;
    }
    ::mqtt::async_client pub(r.home.uri(), "bench-publisher");
    pub.connect(::mqtt::connect_options_builder().clean_session(true).max_inflight(65535).finalize())->wait();
    auto t0 = bench_clock::now();
    ::mqtt::delivery_token_ptr last;
    for (int i = 0; i < n; ++i) {
        last = pub.publish("warden/local/command", R"({"cmd":"test"})", 1, false);
        if (i % 100 == 99) last->wait();  // Paho buffers a bounded number of outgoing messages
    }
    last->wait();
    // hub_started and n test alarms.
    auto backlog = static_cast<std::uint64_t>(n) + 1;
    if (!wait_outbox(
            probe, [&](std::uint64_t o) { return o >= backlog; }, 120s)) {
        std::fprintf(stderr, "backlog never committed:\n%s\n", r.hub.log().c_str());
        return 1;
    }
    auto committed = bench_clock::now();
    pub.disconnect()->wait();
    r.hub.stop();

    // 2. The centre comes up, then the hub: it sends the backlog (and its new hub_started).
    r.centre.start();
    int http_port = harness::free_port();
    auto centre_conf = r.dir.write(
        "centre.toml", "[centre]\ndatabase = \"" + (r.dir / "centre.db").string() + "\"\n[mqtt]\nuri = \"" +
                           r.centre.uri() + "\"\n[http]\nlisten = \"127.0.0.1:" + std::to_string(http_port) +
                           "\"\n");
    harness::process centre(
        {bench::bin_dir() + "/warden-centre", "--config", centre_conf.string(), "--log-level", "warn"},
        r.dir / "centre.log");
    if (!centre_ready(r.centre.uri())) {
        std::fprintf(stderr, "centre not ready:\n%s\n", centre.log().c_str());
        return 1;
    }
    harness::mqtt_client acks(r.centre.uri(), "bench-acks");
    acks.subscribe("warden/v1/" + hub_id + "/ack", 1);
    const auto total = backlog + 1;
    std::set<std::string> acked;
    int ack_messages = 0;
    auto started = bench_clock::now();
    r.start_hub();
    long centre_ticks0 = bench::cpu_ticks(centre.pid());
    long broker_ticks0 = bench::cpu_ticks(r.centre.pid());
    std::optional<bench_clock::time_point> first_ack;
    while (acked.size() < total) {
        auto m = acks.next("warden/v1/" + hub_id + "/ack", 60s);
        if (!m) {
            std::fprintf(stderr, "acks stopped at %zu of %llu\n", acked.size(), (unsigned long long)total);
            return 1;
        }
        if (!first_ack) first_ack = bench_clock::now();
        ++ack_messages;
        auto ack = json::parse(m->payload);
        for (const auto& id : ack.at("ids")) acked.insert(id.get<std::string>());
    }
    auto all_acked = bench_clock::now();
    double tick = static_cast<double>(::sysconf(_SC_CLK_TCK));
    double hub_cpu = static_cast<double>(bench::cpu_ticks(r.hub.pid())) / tick;
    double centre_cpu = static_cast<double>(bench::cpu_ticks(centre.pid()) - centre_ticks0) / tick;
    double broker_cpu = static_cast<double>(bench::cpu_ticks(r.centre.pid()) - broker_ticks0) / tick;
    double load[1] = {0};
    ::getloadavg(load, 1);
    if (!wait_outbox(
            probe, [](std::uint64_t o) { return o == 0; }, 60s)) {
        std::fprintf(stderr, "hub outbox never emptied\n");
        return 1;
    }
    auto marked = bench_clock::now();
    r.hub.stop();
    centre.stop();

    // 3. Every alert once, in seq order.
    auto seqs = stored_seqs((r.dir / "centre.db").string());
    bool in_order = std::is_sorted(seqs.begin(), seqs.end()) &&
                    std::adjacent_find(seqs.begin(), seqs.end()) == seqs.end();
    bool complete = seqs.size() == total && !seqs.empty() && seqs.front() == 1 && seqs.back() == total;

    std::printf("hub delivery: backlog of %llu alerts (%d test alarms) to the real centre, loopback\n",
                (unsigned long long)total, n);
    std::printf("  backlog committed in %.2f s (%.0f alerts/s)\n", secs(committed - t0),
                n / secs(committed - t0));
    std::printf(
        "  hub start to first ack %.3f s; to all acked %.2f s: %.0f alerts/s (%.0f from the first ack)\n",
        secs(*first_ack - started), secs(all_acked - started),
        static_cast<double>(total) / secs(all_acked - started),
        static_cast<double>(total) / secs(all_acked - *first_ack));
    std::printf("  ack messages %d (%.1f ids each); hub outbox empty (marks committed) after %.2f s\n",
                ack_messages, static_cast<double>(total) / ack_messages, secs(marked - started));
    std::printf(
        "  CPU until all acked: hub %.2f s (%.0f us/alert), centre %.2f s (%.0f us/alert); load average "
        "%.1f\n",
        hub_cpu, hub_cpu * 1e6 / static_cast<double>(total), centre_cpu,
        centre_cpu * 1e6 / static_cast<double>(total), load[0]);
    std::printf(
        "  CPU of the centre broker (Mosquitto) %.2f s (%.0f us/alert); hub + centre + broker %.0f "
        "us/alert\n",
        broker_cpu, broker_cpu * 1e6 / static_cast<double>(total),
        (hub_cpu + centre_cpu + broker_cpu) * 1e6 / static_cast<double>(total));
    std::printf("  centre stored %zu rows for %s: %s, %s\n", seqs.size(), hub_id.c_str(),
                complete ? "complete" : "INCOMPLETE", in_order ? "in seq order" : "REORDERED OR DUPLICATED");
    return complete && in_order ? 0 : 1;
}
