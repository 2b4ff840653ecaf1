// Activity insights at the centre: the summary message's checks, the baselines and each wellbeing
// notice on generated weeks in virtual time (each injected change raises its notice within its days,
// a normal month raises none, missing hours are not inactivity, a notice clears when the pattern
// ends, thresholds per household), the charts, and the store (each hour once, household link, erasure,
// retention) on SQLite, or on PostgreSQL in the -pg run.
#include <gtest/gtest.h>

#include <algorithm>
#include <functional>

#include "warden/centre/activity_json.hpp"
#include "warden/centre/activity_svg.hpp"
#include "warden/centre/open_store.hpp"
#include "warden/harness/harness.hpp"
#include "warden/harness/postgres.hpp"
#include "warden/test/activity_weeks.hpp"

using namespace warden;
using namespace warden::centre;
using namespace std::chrono_literals;

namespace {

/// Monday 2026-10-05 00:00 UTC: the first generated day; 8 weeks end on Sunday 2026-11-29.
const time_point first_day = *parse_time("2026-10-05T00:00:00Z");

/// The start of generated day `d` plus `plus`.
time_point day_at(int d, std::chrono::milliseconds plus = 0ms) {
    return first_day + std::chrono::days{d} + plus;
}

std::string date_of_day(int d) {
    return iso_seconds(day_at(d)).substr(0, 10);
}

test::activity_weeks weeks(std::uint32_t seed = 1) {
    test::activity_weeks w;
    w.first_day = first_day;
    w.days = 56;
    w.seed = seed;
    return w;
}

/// The notices of the days to `now` (the 28 days shown) from the hours built before `now`.
std::vector<wellbeing_notice> notices_at(const test::activity_weeks& w, time_point now,
                                         const activity_thresholds& t = {}) {
    auto all = w.build();
    std::erase_if(all, [&](const activity_hour& h) { return h.hour >= now; });
    return analyse_activity(all, t, now, 28).notices;
}

/// The notices of one kind, copied: the list they are taken from is often a temporary.
std::vector<wellbeing_notice> of_kind(const std::vector<wellbeing_notice>& ns, const std::string& kind) {
    std::vector<wellbeing_notice> out;
    for (const auto& n : ns)
        if (n.kind == kind) out.push_back(n);
    return out;
}

std::string kinds(const std::vector<wellbeing_notice>& ns) {
    std::string out;
    for (const auto& n : ns) out += n.kind + " (" + n.from + ".." + n.to + ": " + n.evidence + ")\n";
    return out;
}

}  // namespace

TEST(ActivityNotices, NormalMonthsRaiseNone) {
    for (std::uint32_t seed = 1; seed <= 6; ++seed) {
        auto w = weeks(seed);
        auto ns = notices_at(w, day_at(56, 1h));
        EXPECT_TRUE(ns.empty()) << "seed " << seed << ":\n" << kinds(ns);
    }
}

TEST(ActivityNotices, HoursWithoutCoverAreMissingNotInactivity) {
    auto w = weeks();
    w.changes.outage_on = 50;  // the hub off from 06:00 to 14:00, then a part-covered hour
    auto all = w.build();
    auto v = analyse_activity(all, {}, day_at(56, 1h), 28);
    EXPECT_TRUE(v.notices.empty()) << kinds(v.notices);
    auto day =
        std::find_if(v.days.begin(), v.days.end(), [](const auto& d) { return d.date == date_of_day(50); });
    ASSERT_NE(day, v.days.end());
    EXPECT_TRUE(day->missing);
    EXPECT_TRUE(day->cells[7].missing);
    EXPECT_TRUE(day->cells[14].missing) << "1200 s of cover is less than min_cover_s";
    EXPECT_FALSE(day->cells[15].missing);
}

TEST(ActivityNotices, NightTimeBathroomVisitsTwiceTheUsualOnThreeNightsRaiseANoticeThatClears) {
    auto w = weeks();
    w.changes.uti_from = 45;
    // Two nights: not yet.
    EXPECT_TRUE(of_kind(notices_at(w, day_at(47, 1h)), "night_bathroom").empty());
    // The third night (the morning of day 47 is over once day 47 is): raised.
    auto ns = notices_at(w, day_at(48, 1h));
    auto found = of_kind(ns, "night_bathroom");
    ASSERT_EQ(found.size(), 1u) << kinds(ns);
    EXPECT_TRUE(found[0].active);
    EXPECT_EQ(found[0].from, date_of_day(45));
    EXPECT_EQ(found[0].to, date_of_day(47));
    ASSERT_EQ(found[0].days.size(), 3u);
    EXPECT_GE(found[0].days[0].value, 4);
    ASSERT_TRUE(found[0].days[0].baseline);
    EXPECT_LT(*found[0].days[0].baseline, 2.0);
    EXPECT_NE(found[0].evidence.find(date_of_day(46)), std::string::npos) << found[0].evidence;
    EXPECT_NE(found[0].evidence.find("visits"), std::string::npos) << found[0].evidence;

    // The infection treated: from day 50 the nights are as before, and the notice ends.
    w.changes.until = 50;
    auto after = of_kind(notices_at(w, day_at(54, 1h)), "night_bathroom");
    ASSERT_EQ(after.size(), 1u);
    EXPECT_FALSE(after[0].active);
    EXPECT_GE(after[0].to, date_of_day(49));  // the first night after may still be a busy one by chance
    EXPECT_LE(after[0].to, date_of_day(50));
}

TEST(ActivityNotices, GettingUpTwoHoursLaterOnThreeDays) {
    auto w = weeks();
    w.changes.late_rise_from = 44;
    EXPECT_TRUE(of_kind(notices_at(w, day_at(46, 1h)), "late_rise").empty());
    auto ns = notices_at(w, day_at(47, 1h));
    auto found = of_kind(ns, "late_rise");
    ASSERT_EQ(found.size(), 1u) << kinds(ns);
    EXPECT_TRUE(found[0].active);
    EXPECT_EQ(found[0].from, date_of_day(44));
    EXPECT_NE(found[0].evidence.find("usually 07:"), std::string::npos) << found[0].evidence;
    for (const auto& d : found[0].days) EXPECT_GE(d.value - d.baseline.value_or(0), 120) << d.date;
}

TEST(ActivityNotices, NoKitchenUseOnADay) {
    auto w = weeks();
    w.changes.no_kitchen_on = 50;
    EXPECT_TRUE(of_kind(notices_at(w, day_at(50, 20h)), "no_kitchen").empty()) << "the day is not over";
    auto ns = notices_at(w, day_at(51, 1h));
    auto found = of_kind(ns, "no_kitchen");
    ASSERT_EQ(found.size(), 1u) << kinds(ns);
    EXPECT_TRUE(found[0].active);
    EXPECT_EQ(found[0].from, date_of_day(50));
    // The next day the kitchen is used again: the notice has ended.
    auto next = of_kind(notices_at(w, day_at(52, 1h)), "no_kitchen");
    ASSERT_EQ(next.size(), 1u);
    EXPECT_FALSE(next[0].active);
}

TEST(ActivityNotices, NoTimeOutForSevenDays) {
    auto w = weeks();
    w.changes.housebound_from = 40;
    EXPECT_TRUE(of_kind(notices_at(w, day_at(40, 1h)), "no_time_out").empty());
    // Raised by the end of the 7th day at home (earlier if the days before happened to be at home too).
    auto ns = notices_at(w, day_at(47, 1h));
    auto found = of_kind(ns, "no_time_out");
    ASSERT_EQ(found.size(), 1u) << kinds(ns);
    EXPECT_TRUE(found[0].active);
    EXPECT_GE(found[0].days.size(), 7u);
    EXPECT_LE(found[0].from, date_of_day(40));
    for (const auto& d : found[0].days) EXPECT_EQ(d.value, 0) << d.date;
    EXPECT_NE(found[0].evidence.find("days running"), std::string::npos) << found[0].evidence;
    // Out again on day 50: ended.
    w.changes.until = 50;
    auto later = notices_at(w, day_at(53, 1h));
    auto ended = of_kind(later, "no_time_out");
    ASSERT_EQ(ended.size(), 1u) << kinds(later);
    EXPECT_FALSE(ended[0].active);
}

TEST(ActivityNotices, ARoomUnderSixteenDegreesForMoreThanSixHours) {
    auto w = weeks();
    w.changes.cold_bedroom_on = 50;  // 00:00 to 10:00 at about 14 °C
    EXPECT_TRUE(of_kind(notices_at(w, day_at(50, 6h)), "cold_room").empty()) << "6 hours are not more than 6";
    auto ns = notices_at(w, day_at(50, 8h));
    auto found = of_kind(ns, "cold_room");
    ASSERT_EQ(found.size(), 1u) << kinds(ns);
    EXPECT_TRUE(found[0].active);
    EXPECT_EQ(found[0].room, "Bedroom");
    EXPECT_NE(found[0].evidence.find("8 hours"), std::string::npos) << found[0].evidence;
    auto later = of_kind(notices_at(w, day_at(50, 14h)), "cold_room");
    ASSERT_EQ(later.size(), 1u);
    EXPECT_FALSE(later[0].active) << "warm again since 10:00";
    EXPECT_NE(later[0].evidence.find("10 hours"), std::string::npos) << later[0].evidence;
}

TEST(ActivityNotices, ActivityFortyPercentBelowTheUsualForThreeDays) {
    auto w = weeks();
    w.changes.decline_from = 45;
    EXPECT_TRUE(of_kind(notices_at(w, day_at(47, 1h)), "low_activity").empty());
    auto ns = notices_at(w, day_at(48, 1h));
    auto found = of_kind(ns, "low_activity");
    ASSERT_EQ(found.size(), 1u) << kinds(ns);
    EXPECT_TRUE(found[0].active);
    for (const auto& d : found[0].days) EXPECT_LE(d.value, 60.0) << d.date;
}

// The caseload list's notices (active_notices): from only the hours of its window, the same active
// notices as the household's own view, for each injected change on its day; none for normal months
// and none once the pattern has ended.
TEST(ActivityNotices, TheCaseloadListHasTheActiveNoticesOfTheHouseholdsViewFromItsWindowOnly) {
    const activity_thresholds t;
    auto active_at = [&](const test::activity_weeks& w, time_point now) {
        auto all = w.build();
        std::erase_if(all, [&](const activity_hour& h) {
            return h.hour >= now || h.hour < now - std::chrono::days{notices_lookback_days(t)};
        });
        return active_notices(all, t, now);
    };
    auto active_in_view = [&](const test::activity_weeks& w, time_point now) {
        auto ns = notices_at(w, now);
        std::erase_if(ns, [](const wellbeing_notice& n) { return !n.active; });
        return ns;
    };
    struct injected {
        const char* kind;
        std::function<void(test::activity_changes&)> change;
        time_point at;
    };
    const injected cases[] = {
        {"night_bathroom", [](test::activity_changes& c) { c.uti_from = 45; }, day_at(48, 1h)},
        {"late_rise", [](test::activity_changes& c) { c.late_rise_from = 44; }, day_at(47, 1h)},
        {"no_kitchen", [](test::activity_changes& c) { c.no_kitchen_on = 50; }, day_at(51, 1h)},
        {"no_time_out", [](test::activity_changes& c) { c.housebound_from = 40; }, day_at(47, 1h)},
        {"cold_room", [](test::activity_changes& c) { c.cold_bedroom_on = 50; }, day_at(50, 8h)},
        {"low_activity", [](test::activity_changes& c) { c.decline_from = 45; }, day_at(48, 1h)},
    };
    for (const auto& c : cases) {
        SCOPED_TRACE(c.kind);
        auto w = weeks();
        c.change(w.changes);
        auto listed = active_at(w, c.at);
        EXPECT_EQ(of_kind(listed, c.kind).size(), 1u) << kinds(listed);
        auto shown = active_in_view(w, c.at);
        ASSERT_EQ(listed.size(), shown.size()) << kinds(listed) << "--\n" << kinds(shown);
        for (std::size_t i = 0; i < listed.size(); ++i) {
            EXPECT_EQ(listed[i].kind, shown[i].kind);
            EXPECT_EQ(listed[i].from, shown[i].from);
            EXPECT_EQ(listed[i].evidence, shown[i].evidence);
        }
    }
    for (std::uint32_t seed = 1; seed <= 6; ++seed) {
        auto ns = active_at(weeks(seed), day_at(56, 1h));
        EXPECT_TRUE(ns.empty()) << "seed " << seed << ":\n" << kinds(ns);
    }
    // The infection treated from day 50: by day 54 the list has nothing for the household.
    auto w = weeks();
    w.changes.uti_from = 45;
    w.changes.until = 50;
    EXPECT_TRUE(active_at(w, day_at(54, 1h)).empty()) << kinds(active_at(w, day_at(54, 1h)));
}

TEST(ActivityNotices, AHouseholdsOwnThresholdsApply) {
    auto w = weeks();
    w.changes.uti_from = 45;
    auto t = with_overrides({}, R"({"night_bathroom_min": 8, "cold_hours": 12})");
    EXPECT_EQ(t.night_bathroom_min, 8);
    EXPECT_EQ(t.cold_hours, 12);
    EXPECT_TRUE(of_kind(notices_at(w, day_at(48, 1h), t), "night_bathroom").empty());
    EXPECT_THROW(with_overrides({}, R"({"night_bathroom_min": 0})"), std::invalid_argument);
    EXPECT_THROW(with_overrides({}, R"({"no_such_threshold": 1})"), std::invalid_argument);
    EXPECT_THROW(with_overrides({}, R"({"cold_hours": "six"})"), std::invalid_argument);
}

TEST(ActivityNotices, DaysFollowTheHubsLocalTimeAcrossAClockChange) {
    // The UK's clocks go back on 2026-10-25: hours before carry +01:00, after +00:00.
    auto w = weeks();
    auto all = w.build();
    const auto change = *parse_time("2026-10-25T01:00:00Z");
    for (auto& h : all)
        if (h.hour < change) h.utc_offset_min = 60;
    auto v = analyse_activity(all, {}, *parse_time("2026-10-27T12:00:00Z"), 7);
    auto day =
        std::find_if(v.days.begin(), v.days.end(), [](const auto& d) { return d.date == "2026-10-25"; });
    ASSERT_NE(day, v.days.end());
    int covered_cells = 0;
    for (const auto& c : day->cells) covered_cells += c.covered_s > 0;
    EXPECT_EQ(covered_cells, 24);
    EXPECT_EQ(day->cells[1].covered_s, 7200) << "01:00 happened twice";
    EXPECT_EQ(day->good_hours, 25);
}

TEST(ActivityCharts, TheGridAndTrendsAreSvgWithEscapedText) {
    auto w = weeks();
    w.changes.uti_from = 45;
    auto all = w.build();
    all.back().rooms.front().location = "<script>";
    auto v = analyse_activity(all, {}, day_at(56, 1h), 14);
    EXPECT_EQ(v.days.size(), 14u);
    auto grid = day_hour_svg(v);
    EXPECT_TRUE(grid.starts_with("<svg")) << grid.substr(0, 80);
    EXPECT_EQ(std::count(grid.begin(), grid.end(), '\n'), 0);
    EXPECT_NE(grid.find(date_of_day(50)), std::string::npos);
    for (const auto& t : v.trends) {
        auto svg = trend_svg(t);
        EXPECT_NE(svg.find("class=\"band\""), std::string::npos) << t.metric;
    }
    auto report = activity_report_html({7, "A <b>", "AB1 2CD", "carol", "2026-11-30T09:00:00Z"}, v, 14);
    EXPECT_NE(report.find("A &lt;b&gt;"), std::string::npos);
    EXPECT_NE(report.find("@media print"), std::string::npos);
    EXPECT_NE(report.find("More night-time bathroom visits"), std::string::npos);
    EXPECT_EQ(report.find("<script"), std::string::npos);
}

TEST(ActivityMessage, ASummaryRoundTripsAndBadOnesNameTheirField) {
    auto w = weeks();
    auto hours = w.build();
    const auto& h = hours[31];
    auto back = activity_from_json(to_json(h));
    EXPECT_EQ(back.hour, h.hour);
    EXPECT_EQ(back.rooms, h.rooms);
    EXPECT_EQ(back.bed_out, h.bed_out);
    EXPECT_EQ(back.night_bathroom_visits, h.night_bathroom_visits);

    auto j = nlohmann::json::parse(R"({"v":1,"hub":"hub-0001","hour":"2026-11-30T14:00:00Z",
      "local":"2026-11-30T14:00:00+00:00","covered_s":3600,
      "rooms":[{"location":"Kitchen","role":"kitchen","motion":12,"active_s":900,
                "temp":{"min":18.5,"mean":19.2,"max":20.1}}],
      "doors":{"openings":3,"out_s":1200},
      "bed":{"occupied_s":0,"in_at":[],"out_at":[],"night_getups":0,"night_getup_s":0},
      "chair":{"occupied_s":1800},"bathroom_visits":1,"night_bathroom_visits":0,"kitchen_active_s":600,
      "appliances":[{"appliance":"kettle","uses":2,"on_s":240}],
      "first_activity":"2026-11-30T14:03:12Z","last_activity":"2026-11-30T14:58:40Z"})");
    auto ok = activity_from_json(j);  // the example of docs/activity.md
    EXPECT_EQ(ok.motion(), 12);
    EXPECT_EQ(ok.appliance_uses, 2);
    auto bst = j;
    bst["local"] = "2026-11-30T15:00:00+01:00";
    EXPECT_EQ(activity_from_json(bst).utc_offset_min, 60);

    auto refused = [&](const char* pointer, nlohmann::json value, const std::string& field) {
        auto bad = j;
        bad[nlohmann::json::json_pointer(pointer)] = std::move(value);
        try {
            activity_from_json(bad);
            ADD_FAILURE() << pointer << " accepted";
        } catch (const bad_activity& e) {
            EXPECT_TRUE(std::string(e.what()).starts_with(field)) << e.what();
        }
    };
    refused("/v", 2, "v");
    refused("/hour", "2026-11-30T14:30:00Z", "hour");
    refused("/local", "2026-11-30T14:00:00+01:00", "local");
    refused("/covered_s", 4000, "covered_s");
    refused("/covered_s", -1, "covered_s");
    refused("/rooms/0/motion", "many", "rooms[0].motion");
    refused("/rooms/0/location", "Kit\nchen", "rooms[0].location");
    refused("/doors/out_s", 3601, "doors.out_s");
    refused("/bed/out_at", nlohmann::json::array({"2026-11-30T16:00:01Z"}), "bed.out_at[0]");
    refused("/first_activity", "yesterday", "first_activity");
    refused("/hub", "bad hub!", "hub");
}

TEST(ActivityStore, EachHourOnceWithItsHouseholdErasedWithItAndKeptForTheRetention) {
    harness::temp_dir dir;
    auto db = open_store(harness::test_database(dir / "centre.db"));
    household h;
    h.address_lines = {"1 Test Street"};
    h.postcode = "AB1 2CD";
    h.residents.push_back({});
    h.residents[0].name = "Test Resident";
    h.hubs = {"hub-0001"};
    auto saved = db->create_household(h, "admin", first_day);
    ASSERT_EQ(saved.status, save_status::ok);

    auto w = weeks();
    w.days = 3;
    auto hours = w.build();
    auto fresh = db->store_activity(hours, first_day);
    EXPECT_EQ(std::count(fresh.begin(), fresh.end(), true), 72);
    // A resend replaces nothing, even with other figures.
    auto again = hours;
    again[0].rooms.clear();
    fresh = db->store_activity({again[0], again[1]}, first_day);
    EXPECT_EQ(fresh, (std::vector<bool>{false, false}));
    auto stored = db->household_activity(saved.id, first_day, day_at(3));
    ASSERT_EQ(stored.size(), 72u);
    EXPECT_EQ(stored[0], hours[0]);
    EXPECT_EQ(stored[30], hours[30]);
    // A hub in no household: stored (and acked) but shown to nobody.
    auto other = hours[0];
    other.hub = "hub-9999";
    EXPECT_EQ(db->store_activity({other}, first_day), std::vector<bool>{true});
    EXPECT_EQ(db->household_activity(saved.id, first_day, day_at(3)).size(), 72u);

    EXPECT_EQ(db->activity_settings(saved.id), "{}");
    EXPECT_EQ(db->set_activity_settings(saved.id, R"({"cold_hours":4})", "sam", first_day),
              change_result::ok);
    EXPECT_EQ(db->activity_settings(saved.id), R"({"cold_hours":4})");
    EXPECT_EQ(db->set_activity_settings(saved.id + 1, "{}", "sam", first_day), change_result::not_found);

    EXPECT_EQ(db->purge_activity(day_at(1)), 25) << "day 0 of the household's hub and the unlinked hour";
    EXPECT_EQ(db->household_activity(saved.id, first_day, day_at(3)).size(), 48u);

    ASSERT_EQ(db->erase_household(saved.id, "admin", "test", day_at(3)), change_result::ok);
    EXPECT_TRUE(db->household_activity(saved.id, first_day, day_at(3)).empty());
    EXPECT_EQ(db->activity_settings(saved.id), "{}");
}
