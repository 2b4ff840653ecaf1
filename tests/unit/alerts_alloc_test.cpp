// The rule engine allocates nothing per event that raises no alert (docs/PERFORMANCE.md, "Rule
// engine"), nor does the activity tracker within an hour (docs/activity.md).
// Its own executable: warden/harness/allocation_counter.hpp replaces operator new to count
// the heap allocations.

#include <atomic>
#include <cstdlib>
#include <new>
#include <vector>

#include <date/tz.h>
#include <gtest/gtest.h>

#include "warden/alerts/activity.hpp"
#include "warden/alerts/engine.hpp"
#include "warden/config/hub_config.hpp"
#include "warden/harness/allocation_counter.hpp"

namespace warden::alerts::test {
namespace {

/// Someone at home: the hall and kitchen sensors see movement and clear, the lounge is warm, the hall
/// sensor sends a battery-only report now and then. Nothing here raises an alert in the example home.
std::vector<sensor_input> ordinary_inputs(std::size_t n) {
    std::vector<sensor_input> out;
    out.reserve(n);
    for (std::size_t i = 0; i < n; ++i) {
        sensor_event e;
        switch (i % 5) {
            case 0:
            case 1:
                e.sensor = "hall-pir";
                e.kind = sensor_kind::motion;
                e.signal = i % 10 < 5 ? signal::active : signal::inactive;
                break;
            case 2:
                e.sensor = "kitchen-pir";
                e.kind = sensor_kind::motion;
                e.signal = i % 4 < 2 ? signal::active : signal::inactive;
                break;
            case 3:
                e.sensor = "lounge-temp";
                e.kind = sensor_kind::temperature;
                e.value = 18.0 + static_cast<double>(i % 40) / 10.0;
                break;
            default:
                e.sensor = "hall-pir";
                e.kind = sensor_kind::motion;
                e.battery = 80;
                e.link = 120;
        }
        out.emplace_back(std::move(e));
    }
    return out;
}

/// Feeds `inputs` 10 s apart from `start` the way the hub does (on_input, then on_time at the next
/// deadline when it is due); returns the allocations after the first `warm_up` inputs.
long allocations_while_feeding(time_point start, const std::vector<sensor_input>& inputs, std::size_t warm_up,
                               bool& quiet) {
    auto cfg = config::load_hub_config(WARDEN_SOURCE_DIR "/examples/home.toml");
    engine eng(cfg, date::locate_zone(cfg.timezone));
    eng.start(start);
    quiet = true;
    long before = 0;
    auto now = start;
    for (std::size_t i = 0; i < inputs.size(); ++i) {
        if (i == warm_up) before = harness::allocations.load();
        now += std::chrono::seconds(10);
        auto out = eng.on_input(inputs[i], now);
        quiet = quiet && out.empty();
        if (auto d = eng.next_deadline(); d && *d <= now) {
            auto due = eng.on_time(now);
            quiet = quiet && due.empty();
        }
    }
    return harness::allocations.load() - before;
}

TEST(AlertsAllocation, NoHeapAllocationPerQuietEvent) {
    // 12 hours of a November day (no offset change near): the cached local time answers everything.
    auto inputs = ordinary_inputs(4320);
    bool quiet = false;
    auto n = allocations_while_feeding(date::sys_days{date::year{2026} / 11 / 30} + std::chrono::hours{8},
                                       inputs, 100, quiet);
    EXPECT_TRUE(quiet) << "the inputs were meant to raise nothing";
    EXPECT_EQ(n, 0) << "heap allocations over " << inputs.size() - 100 << " events";
}

TEST(AlertsAllocation, NoHeapAllocationPerQuietEventAcrossTheClocksGoingForward) {
    // The night of 27-28 March 2027 in London, through 01:00 UTC: the zone is asked, with a reused buffer.
    auto inputs = ordinary_inputs(4320);
    bool quiet = false;
    auto n = allocations_while_feeding(date::sys_days{date::year{2027} / 3 / 27} + std::chrono::hours{20},
                                       inputs, 100, quiet);
    EXPECT_TRUE(quiet) << "the inputs were meant to raise nothing";
    EXPECT_EQ(n, 0) << "heap allocations over " << inputs.size() - 100 << " events";
}

/// The activity tracker on the same inputs: `hours` hours of them, 10 s apart from `start`.
/// Returns allocations after the first `warm_up` inputs, and the hours finished then.
long tracker_allocations(time_point start, const std::vector<sensor_input>& inputs, std::size_t warm_up,
                         std::size_t& finished) {
    auto cfg = config::load_hub_config(WARDEN_SOURCE_DIR "/examples/home.toml");
    cfg.activity = config::activity_spec{.share = true};
    activity_tracker t(cfg, date::locate_zone(cfg.timezone));
    t.start(start);
    long before = 0;
    finished = 0;
    auto now = start;
    for (std::size_t i = 0; i < inputs.size(); ++i) {
        if (i == warm_up) before = harness::allocations.load();
        now += std::chrono::seconds(10);
        auto e = std::get<sensor_event>(inputs[i]);
        e.at = now;
        t.on_event(e);
        if (t.has_finished()) finished += t.take_finished().size();
    }
    return harness::allocations.load() - before;
}

TEST(ActivityAllocation, NoHeapAllocationPerEventWithinAnHour) {
    // 50 minutes of events inside one hour (08:00-08:50): nothing is allocated per event.
    auto inputs = ordinary_inputs(300);
    std::size_t finished = 0;
    auto n = tracker_allocations(date::sys_days{date::year{2026} / 11 / 30} + std::chrono::hours{8}, inputs,
                                 50, finished);
    EXPECT_EQ(finished, 0u);
    EXPECT_EQ(n, 0) << "heap allocations over " << inputs.size() - 50 << " events";
}

TEST(ActivityAllocation, EachFinishedHourCostsAFewAllocationsOnly) {
    // 12 hours: the allocations are those of the 12 summaries (rooms' names, vectors), not per event.
    auto inputs = ordinary_inputs(4320);
    std::size_t finished = 0;
    auto n = tracker_allocations(date::sys_days{date::year{2026} / 11 / 30} + std::chrono::hours{8}, inputs,
                                 100, finished);
    EXPECT_GE(finished, 11u);
    EXPECT_LE(n, static_cast<long>(finished) * 40) << n << " allocations for " << finished << " hours";
}

}  // namespace
}  // namespace warden::alerts::test
