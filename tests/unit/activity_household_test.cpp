// The household generator and `replay --activity`'s core: generated fortnights read through the hub's
// own router and activity tracker show the routine, and each injected change shows in the summaries.

#include <gtest/gtest.h>

#include <numeric>

#include <date/tz.h>
#include <nlohmann/json.hpp>

#include "warden/ctl/activity.hpp"
#include "warden/ctl/household.hpp"

namespace warden::ctl::test {
namespace {

const config::hub_config& home() {
    static const auto c = config::load_hub_config(WARDEN_SOURCE_DIR "/tests/fixtures/activity/home.toml");
    return c;
}
const date::time_zone* zone() {
    return date::locate_zone(home().timezone);
}

std::vector<day_summary> days_of(const household_options& o) {
    auto messages = generate_household(home(), zone(), o);
    // To the end of the last day (local midnight; November in London: UTC), so its last hour ends too.
    replay_options r;
    r.until =
        date::sys_days{date::year{o.year} / date::month{o.month} / date::day{o.day}} + date::days{o.days};
    return daily(replay_activity(home(), zone(), messages, r));
}

/// The mean of `f` over days [from, to).
template <typename F>
double mean(const std::vector<day_summary>& d, std::size_t from, std::size_t to, F f) {
    double sum = 0;
    for (auto i = from; i < to; ++i) sum += f(d[i]);
    return sum / static_cast<double>(to - from);
}

double up_minutes(const day_summary& d) {
    // Minutes after local midnight (November in London: local = UTC).
    auto t = d.up_at.value().time_since_epoch();
    return static_cast<double>((t % std::chrono::hours{24}).count()) / 60'000.0;
}

int meals(const day_summary& d) {
    return d.appliance_uses.count("microwave") ? d.appliance_uses.at("microwave") : 0;
}

TEST(Household, TheSameSeedGivesTheSameRecordingInTheSensorsOwnPayloads) {
    household_options o;
    o.days = 2;
    auto a = generate_household(home(), zone(), o);
    auto b = generate_household(home(), zone(), o);
    EXPECT_EQ(a, b);
    o.seed = 2;
    EXPECT_NE(generate_household(home(), zone(), o), a);
    ASSERT_GT(a.size(), 200u);
    EXPECT_TRUE(std::is_sorted(a.begin(), a.end(), [](const auto& x, const auto& y) { return x.at < y.at; }));
    bool occupancy = false, clear = false, temperature = false;
    for (const auto& m : a) {
        if (m.topic == "zigbee2mqtt/bathroom_pir") {
            auto j = nlohmann::json::parse(m.payload);
            occupancy = occupancy || j.value("occupancy", false);
            clear = clear || (j.contains("occupancy") && !j["occupancy"].get<bool>());
        }
        if (m.topic == "zigbee2mqtt/lounge_temp")
            temperature = nlohmann::json::parse(m.payload).contains("temperature");
    }
    EXPECT_TRUE(occupancy && clear && temperature);
}

TEST(Household, AnOrdinaryFortnightHasItsRoutine) {
    auto d = days_of({});
    ASSERT_EQ(d.size(), 14u);
    int outings = 0;
    for (const auto& day : d) {
        SCOPED_TRACE(day.date);
        EXPECT_EQ(day.hours, 24);
        // Covered throughout, but for the first half minute (the replay starts at the first message).
        EXPECT_GE(day.covered_s, 24 * 3600 - 60);
        EXPECT_LE(day.night_bathroom_visits, 3);
        EXPECT_GE(day.bathroom_visits, 4);
        EXPECT_GT(day.kitchen_active_s, 600);
        EXPECT_GE(day.appliance_uses.at("kettle"), 2);
        EXPECT_EQ(day.cold_hours, 0);
        ASSERT_TRUE(day.up_at);
        EXPECT_GT(up_minutes(day), 6.5 * 60);
        EXPECT_LT(up_minutes(day), 9.5 * 60);
        EXPECT_GT(day.bed_occupied_s, 6 * 3600);
        outings += day.out_s > 0;
    }
    EXPECT_GE(outings, 5);
}

TEST(Household, AnInfectionShowsAsMoreNightBathroomVisits) {
    household_options o;
    o.changes.infection_from = 7;
    auto d = days_of(o);
    auto night = [](const day_summary& x) { return x.night_bathroom_visits; };
    double before = mean(d, 1, 7, night), after = mean(d, 8, 14, night);
    EXPECT_GE(after, 3.0);
    EXPECT_GE(after, 2 * std::max(before, 0.5)) << "before " << before << " after " << after;
    auto getups = [](const day_summary& x) { return x.night_getups; };
    EXPECT_GT(mean(d, 8, 14, getups), mean(d, 1, 7, getups) + 1.5);
}

TEST(Household, AColdSpellShowsAsHoursUnder16Degrees) {
    household_options o;
    o.changes.cold_from = 5;
    auto d = days_of(o);
    for (std::size_t i = 0; i < d.size(); ++i) {
        SCOPED_TRACE(d[i].date);
        if (i >= 5 && i < 8) {
            EXPECT_GE(d[i].cold_hours, 7);
            EXPECT_LT(d[i].min_temp.value(), 16.0);
        } else {
            EXPECT_EQ(d[i].cold_hours, 0);
        }
    }
}

TEST(Household, ASlowDeclineShowsAsLaterRisingLessActivityAndMissedMeals) {
    household_options o;
    o.changes.decline_from = 4;
    auto d = days_of(o);
    double up_before = mean(d, 0, 4, up_minutes), up_after = mean(d, 11, 14, up_minutes);
    EXPECT_GE(up_after - up_before, 120) << "rising " << up_before << " -> " << up_after;
    auto moves = [](const day_summary& x) { return x.motion; };
    EXPECT_LT(mean(d, 11, 14, moves), 0.75 * mean(d, 0, 4, moves));
    EXPECT_LT(mean(d, 11, 14, meals), mean(d, 0, 4, meals) - 0.5);
}

}  // namespace
}  // namespace warden::ctl::test
