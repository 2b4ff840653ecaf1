// bench-hub-activity: the activity tracker's cost at the hub per 10,000 sensor events. A generated
// fortnight of one household (tests/fixtures/activity/home.toml, warden-ctl generate-week's generator)
// is decoded once by the hub's sensor router; then the tracker alone is timed over its events (with
// the hourly summaries it finishes), and the state saved with each commit is timed apart, since the
// hub saves it with every batch. Heap allocations are counted (operator new). Prints figures.

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <vector>

#include <date/tz.h>
#include <nlohmann/json.hpp>

#include "warden/alerts/activity.hpp"
#include "warden/ctl/household.hpp"
#include "warden/ctl/replay.hpp"
#include "warden/harness/allocation_counter.hpp"
#include "warden/sensors/adapters.hpp"

using namespace warden;
using steady = std::chrono::steady_clock;

int main() {
    const auto cfg = ctl::with_hub_defaults(
        config::load_hub_config(WARDEN_SOURCE_DIR "/tests/fixtures/activity/home.toml"));
    const auto* zone = date::locate_zone(cfg.timezone);
    ctl::household_options o;
    o.days = 28;
    o.changes.infection_from = 10;
    auto messages = ctl::generate_household(cfg, zone, o);
    sensors::router router(cfg.sensors);
    std::vector<sensor_event> events;
    for (const auto& m : messages)
        for (const auto& in : router.decode(m.topic, m.payload, m.at).inputs)
            if (const auto* e = std::get_if<sensor_event>(&in)) events.push_back(*e);
    std::printf("household: %zu messages, %zu sensor events over %d days (%.0f events/day)\n",
                messages.size(), events.size(), o.days, static_cast<double>(events.size()) / o.days);

    double best_ns = 1e300;
    long allocs = 0;
    std::size_t hours = 0, message_bytes = 0;
    for (int round = 0; round < 5; ++round) {
        alerts::activity_tracker t(cfg, zone);
        t.start(events.front().at);
        hours = 0;
        const long a0 = harness::allocations.load();
        const auto t0 = steady::now();
        for (const auto& e : events) {
            t.on_event(e);
            if (!t.has_finished()) continue;
            auto done = t.take_finished();
            hours += done.size();
            if (round == 0)
                message_bytes = std::max(message_bytes, alerts::to_json(done.back(), cfg.id).dump().size());
        }
        const auto took = std::chrono::duration<double, std::nano>(steady::now() - t0).count();
        allocs = harness::allocations.load() - a0;
        best_ns = std::min(best_ns, took);
    }
    const double per_event = best_ns / static_cast<double>(events.size());
    std::printf("tracker: %.0f ns/event, %.2f ms per 10,000 events (best of 5), %zu hours finished\n",
                per_event, per_event * 10'000 / 1e6, hours);
    std::printf("tracker: %.3f heap allocations/event (hour summaries included: %.1f per hour)\n",
                static_cast<double>(allocs) / static_cast<double>(events.size()),
                static_cast<double>(allocs) / static_cast<double>(hours));

    // The state the hub saves with each commit (at most one per batch of messages).
    alerts::activity_tracker t(cfg, zone);
    t.start(events.front().at);
    for (std::size_t i = 0; i < events.size() / 2; ++i) t.on_event(events[i]);
    std::size_t bytes = 0;
    const int saves = 2000;
    const auto s0 = steady::now();
    for (int i = 0; i < saves; ++i) bytes = t.save_state().dump().size();
    const auto save_us = std::chrono::duration<double, std::micro>(steady::now() - s0).count() / saves;
    std::printf("saved state: %zu bytes, %.1f us to build and serialise (once per commit)\n", bytes, save_us);
    std::printf("summary message: at most %zu bytes per hour (this home: 5 rooms, 2 appliances)\n",
                message_bytes);
    return 0;
}
