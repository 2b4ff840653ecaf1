// bench-engine: the rule engine alone (Google Benchmark), the example home's sensors and rules
// (examples/home.toml: inactivity by day and night, out of bed, night exit, not up by 10:00, a cold
// home), fed a day's mix of sensor events in virtual time. Reports events per second per core and
// heap allocations per event (operator new counted). The engine is pure, so this is its cost alone,
// without MQTT, decoding or storage.

#include <atomic>
#include <cstdlib>
#include <new>
#include <random>
#include <vector>

#include <benchmark/benchmark.h>
#include <date/tz.h>

#include "warden/alerts/engine.hpp"
#include "warden/config/hub_config.hpp"
#include "warden/harness/allocation_counter.hpp"

namespace {

using namespace warden;

/// A day of inputs for the example home, 10 s apart from 07:00 UTC: mostly motion (active and clear),
/// doors, bed and chair changes, temperature readings and battery-only reports, at random.
std::vector<sensor_input> day_of_inputs(const config::hub_config& cfg, std::size_t n, time_point start) {
    std::mt19937 rng(42);
    std::vector<sensor_input> out;
    out.reserve(n);
    std::vector<const config::sensor_spec*> activity, temperature;
    for (auto& s : cfg.sensors) {
        if (s.kind == sensor_kind::temperature)
            temperature.push_back(&s);
        else if (s.kind == sensor_kind::motion || s.kind == sensor_kind::door || s.kind == sensor_kind::bed)
            activity.push_back(&s);
    }
    for (std::size_t i = 0; i < n; ++i) {
        sensor_event e;
        e.at = start + std::chrono::seconds(10 * static_cast<long>(i));
        auto r = rng() % 10;
        if (r < 7 && !activity.empty()) {
            auto* s = activity[rng() % activity.size()];
            e.sensor = s->id;
            e.kind = s->kind;
            e.signal = rng() % 2 ? signal::active : signal::inactive;
        } else if (r < 9 && !temperature.empty()) {
            auto* s = temperature[rng() % temperature.size()];
            e.sensor = s->id;
            e.kind = s->kind;
            e.value = 17.0 + static_cast<double>(rng() % 60) / 10.0;
        } else {
            auto* s = activity[rng() % activity.size()];
            e.sensor = s->id;
            e.kind = s->kind;
            e.battery = 80;
            e.link = 120;
        }
        out.emplace_back(std::move(e));
    }
    return out;
}

void bm_engine_on_input(benchmark::State& state) {
    auto cfg = config::load_hub_config(WARDEN_SOURCE_DIR "/examples/home.toml");
    auto* zone = date::locate_zone(cfg.timezone);
    const time_point start = date::sys_days{date::year{2026} / 11 / 30} + std::chrono::hours{7};
    auto inputs = day_of_inputs(cfg, 8640, start);
    alerts::engine eng(cfg, zone);
    eng.start(start);
    auto clock = start;
    std::size_t i = 0;
    long events = 0, alerts_raised = 0;
    long before = harness::allocations.load();
    for (auto _ : state) {
        auto& in = inputs[i];
        // Keep time moving forward: each lap of the day starts where the last one ended.
        clock += std::chrono::seconds(10);
        std::visit([&](auto& e) { e.at = clock; }, in);
        auto out = eng.on_input(in, clock);
        if (!out.alerts.empty()) alerts_raised += static_cast<long>(out.alerts.size());
        if (auto d = eng.next_deadline(); d && *d <= clock) eng.on_time(clock);
        benchmark::DoNotOptimize(out);
        ++events;
        if (++i == inputs.size()) i = 0;
    }
    long allocs = harness::allocations.load() - before;
    state.SetItemsProcessed(events);
    state.counters["allocs/event"] =
        benchmark::Counter(static_cast<double>(allocs) / static_cast<double>(events));
    state.counters["alerts"] = benchmark::Counter(static_cast<double>(alerts_raised));
}
BENCHMARK(bm_engine_on_input);

}  // namespace

BENCHMARK_MAIN();
