#pragma once
// Shared set-up of the hub benchmarks: a home broker, a centre broker, a generated hub.toml and the
// real warden-hub, plus small statistics helpers. Benchmark code only.

#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "warden/harness/harness.hpp"

namespace warden::bench {

using namespace std::chrono_literals;

/// The one optional argument of a benchmark, a positive count: `fallback` without it; usage and
/// exit 0 for --help, usage and exit 2 for anything else.
inline int count_arg(int argc, char** argv, int fallback, const char* usage) {
    if (argc < 2) return fallback;
    std::string a = argv[1];
    if (a == "-h" || a == "--help") {
        std::printf("usage: %s\n", usage);
        std::exit(0);
    }
    char* end = nullptr;
    long n = std::strtol(a.c_str(), &end, 10);
    if (argc > 2 || a.empty() || *end != '\0' || n <= 0 || n > 100'000'000) {
        std::fprintf(stderr, "usage: %s\n", usage);
        std::exit(2);
    }
    return static_cast<int>(n);
}

/// Where the programs are: $WARDEN_BIN_DIR if set (to measure another build), else this build's bin/.
inline std::string bin_dir() {
    if (const char* e = std::getenv("WARDEN_BIN_DIR"); e && *e) return e;
    return WARDEN_BIN_DIR;
}

inline std::string nodelay() {
    return std::getenv("WARDEN_BENCH_NAGLE") ? "" : "set_tcp_nodelay true\n";
}

struct rig {
    harness::temp_dir dir;
    // Mosquitto leaves Nagle's algorithm on by default, which with delayed ACKs adds ~40 ms per
    // hop to small messages; deploy/ configs and these brokers turn it off. WARDEN_BENCH_NAGLE=1
    // keeps Mosquitto's default to show the difference.
    harness::broker home{nodelay()};
    harness::broker centre{nodelay()};
    harness::process hub;
    std::filesystem::path conf;

    rig() = default;
    /// `centre_conf` is added to the centre broker's mosquitto.conf.
    explicit rig(const std::string& centre_conf) : centre{nodelay() + centre_conf} {}

    /// Starts the hub with `sensors` (TOML [[sensor]] tables) and `heartbeat`.
    void start(const std::string& sensors, const std::string& heartbeat = "60s") {
        conf = dir.write("hub.toml", "[hub]\nid = \"hub-0001\"\ndata_dir = \"" + (dir / "data").string() +
                                         "\"\ntimezone = \"UTC\"\n[local]\nuri = \"" + home.uri() +
                                         "\"\n[centre]\nuri = \"" + centre.uri() + "\"\nheartbeat = \"" +
                                         heartbeat + "\"\nack_timeout = \"10s\"\n" + sensors);
        start_hub();
    }

    /// (Re)starts the hub with the configuration start() wrote.
    void start_hub() {
        hub = harness::process({bin_dir() + "/warden-hub", "--config", conf.string(), "--log-level", "warn"},
                               dir / "hub.log");
    }
};

/// `n` zigbee2mqtt sensors of `kind` named <kind>-<i>.
inline std::string z2m_sensors(const std::string& kind, int n) {
    std::string t;
    for (int i = 0; i < n; ++i) {
        auto id = kind + "-" + std::to_string(i);
        t += "[[sensor]]\nid = \"" + id + "\"\nkind = \"" + kind +
             "\"\nsource = \"zigbee2mqtt\"\ntopic = \"zigbee2mqtt/" + id + "\"\nlocation = \"bench\"\n";
    }
    return t;
}

/// A typical home: pendant, two PIRs, front door, bed pad, smoke, CO, flood, temperature.
inline std::string typical_home() {
    return z2m_sensors("pendant", 1) + z2m_sensors("motion", 2) + z2m_sensors("door", 1) +
           z2m_sensors("bed", 1) + z2m_sensors("smoke", 1) + z2m_sensors("co", 1) + z2m_sensors("flood", 1) +
           z2m_sensors("temperature", 1);
}

inline double percentile(std::vector<double> v, double p) {
    if (v.empty()) return 0;
    std::sort(v.begin(), v.end());
    auto i = static_cast<std::size_t>(p * static_cast<double>(v.size() - 1) + 0.5);
    return v[std::min(i, v.size() - 1)];
}

/// Resident set size of a process in KiB (/proc/<pid>/status VmRSS).
inline long rss_kib(pid_t pid) {
    std::ifstream f("/proc/" + std::to_string(pid) + "/status");
    std::string line;
    while (std::getline(f, line))
        if (line.rfind("VmRSS:", 0) == 0) return std::stol(line.substr(6));
    return -1;
}

/// utime + stime of a process in clock ticks (/proc/<pid>/stat fields 14 and 15).
inline long cpu_ticks(pid_t pid) {
    std::ifstream f("/proc/" + std::to_string(pid) + "/stat");
    std::string all((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
    auto close = all.rfind(')');
    std::vector<std::string> fields;
    std::string cur;
    for (auto c : all.substr(close + 2)) {
        if (c == ' ') {
            fields.push_back(cur);
            cur.clear();
        } else {
            cur += c;
        }
    }
    // fields[0] is field 3 (state); utime is field 14, stime 15.
    return std::stol(fields.at(11)) + std::stol(fields.at(12));
}

/// Private (anonymous) memory and resident set size of a process in KiB
/// (/proc/<pid>/smaps_rollup: `Anonymous`, `Rss`).
struct memory {
    long anon = 0, rss = 0;
};
inline memory memory_of(pid_t pid) {
    memory m;
    std::ifstream f("/proc/" + std::to_string(pid) + "/smaps_rollup");
    std::string line;
    while (std::getline(f, line)) {
        if (line.rfind("Rss:", 0) == 0) m.rss = std::atol(line.c_str() + 4);
        if (line.rfind("Anonymous:", 0) == 0) m.anon = std::atol(line.c_str() + 10);
    }
    return m;
}

/// memory_of() by mapping (/proc/<pid>/smaps): `[heap]`, `[stack]`, `anonymous` (malloc arenas of
/// other threads, thread stacks, large allocations), and each file by its name (a library's
/// private part is the pages its relocations and data wrote). Largest private part first.
inline std::vector<std::pair<std::string, memory>> memory_breakdown(pid_t pid) {
    std::map<std::string, memory> by;
    std::ifstream f("/proc/" + std::to_string(pid) + "/smaps");
    std::string line, name;
    while (std::getline(f, line)) {
        auto first = line.substr(0, line.find(' '));
        bool header =
            first.find('-') != std::string::npos && std::all_of(first.begin(), first.end(), [](char c) {
                return c == '-' || std::isxdigit(static_cast<unsigned char>(c));
            });
        if (header) {
            // address perms offset dev inode [path]
            std::size_t pos = 0;
            for (int field = 0; field < 5 && pos != std::string::npos; ++field) {
                pos = line.find(' ', pos);
                if (pos != std::string::npos) pos = line.find_first_not_of(' ', pos);
            }
            name = pos == std::string::npos ? "anonymous" : line.substr(pos);
            if (auto slash = name.rfind('/'); slash != std::string::npos && name[0] == '/')
                name = name.substr(slash + 1);
            continue;
        }
        if (line.rfind("Rss:", 0) == 0) by[name].rss += std::atol(line.c_str() + 4);
        if (line.rfind("Anonymous:", 0) == 0) by[name].anon += std::atol(line.c_str() + 10);
    }
    std::vector<std::pair<std::string, memory>> out(by.begin(), by.end());
    std::sort(out.begin(), out.end(), [](const auto& a, const auto& b) {
        return a.second.anon != b.second.anon ? a.second.anon > b.second.anon : a.second.rss > b.second.rss;
    });
    return out;
}

/// Voluntary + involuntary context switches per thread of a process (by thread name and id): how
/// often each woke.
inline std::map<std::string, long> context_switches(pid_t pid) {
    std::map<std::string, long> out;
    auto dir = "/proc/" + std::to_string(pid) + "/task";
    for (auto& t : std::filesystem::directory_iterator(dir)) {
        std::ifstream f(t.path() / "status");
        std::string line, name;
        long n = 0;
        while (std::getline(f, line)) {
            if (line.rfind("Name:", 0) == 0) name = line.substr(line.find_first_not_of(" \t", 5));
            if (line.rfind("voluntary_ctxt_switches:", 0) == 0 ||
                line.rfind("nonvoluntary_ctxt_switches:", 0) == 0)
                n += std::atol(line.c_str() + line.find(':') + 1);
        }
        out[name + " (" + t.path().filename().string() + ")"] = n;
    }
    return out;
}

}  // namespace warden::bench
