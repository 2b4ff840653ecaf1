// Activity summaries in virtual time (docs/activity.md): what each hour reports, the UK clock
// changes, a hub restart mid-hour and after the hour, and the message's JSON.

#include <gtest/gtest.h>

#include <date/tz.h>
#include <nlohmann/json.hpp>

#include "warden/alerts/activity.hpp"
#include "warden/config/hub_config.hpp"

namespace warden::alerts::test {
namespace {

using namespace std::chrono_literals;
using json = nlohmann::json;

const char* home = R"([hub]
id = "hub-0001"
data_dir = "/var/lib/warden"
timezone = "Europe/London"
[local]
uri = "tcp://127.0.0.1:1883"
[centre]
uri = "tcp://127.0.0.1:1884"
[[sensor]]
id = "hall-pir"
kind = "motion"
source = "zigbee2mqtt"
topic = "zigbee2mqtt/hall_pir"
location = "Hall"
[[sensor]]
id = "bath-pir"
kind = "motion"
source = "zigbee2mqtt"
topic = "zigbee2mqtt/bath_pir"
location = "Bathroom"
[[sensor]]
id = "kitchen-pir"
kind = "motion"
source = "zigbee2mqtt"
topic = "zigbee2mqtt/kitchen_pir"
location = "Kitchen"
[[sensor]]
id = "front-door"
kind = "door"
source = "zigbee2mqtt"
topic = "zigbee2mqtt/front_door"
location = "Hall"
[[sensor]]
id = "bed"
kind = "bed"
source = "zigbee2mqtt"
topic = "zigbee2mqtt/bed"
location = "Bedroom"
[[sensor]]
id = "chair"
kind = "chair"
source = "zigbee2mqtt"
topic = "zigbee2mqtt/chair"
location = "Lounge"
[[sensor]]
id = "kettle-plug"
kind = "power"
source = "zigbee2mqtt"
topic = "zigbee2mqtt/kettle_plug"
location = "Kitchen"
[[sensor]]
id = "bath-temp"
kind = "temperature"
source = "zigbee2mqtt"
topic = "zigbee2mqtt/bath_temp"
location = "Bathroom"
[[sensor]]
id = "pendant"
kind = "pendant"
source = "zigbee2mqtt"
topic = "zigbee2mqtt/pendant"
location = "worn"
[activity]
share = true
exit_doors = ["front-door"]
[activity.rooms]
"Bathroom" = "bathroom"
"Kitchen" = "kitchen"
"Hall" = "hall"
"Bedroom" = "bedroom"
"Lounge" = "living"
[activity.appliances]
kettle-plug = "kettle"
)";

const config::hub_config& cfg() {
    static const auto c = config::parse_hub_config(home, "hub.toml");
    return c;
}
const date::time_zone* london() {
    return date::locate_zone("Europe/London");
}

time_point at(const char* iso) {
    auto t = parse_time(iso);
    if (!t) throw std::invalid_argument(iso);
    return *t;
}

sensor_kind kind_of(const std::string& id) {
    return cfg().find_sensor(id)->kind;
}

sensor_event ev(const std::string& sensor, bool active, const char* iso) {
    sensor_event e;
    e.sensor = sensor;
    e.kind = kind_of(sensor);
    e.signal = active ? signal::active : signal::inactive;
    e.at = at(iso);
    return e;
}

sensor_event reading(const std::string& sensor, double v, const char* iso) {
    sensor_event e;
    e.sensor = sensor;
    e.kind = kind_of(sensor);
    e.value = v;
    e.at = at(iso);
    return e;
}

const room_hour& room(const hour_summary& s, std::string_view location) {
    for (const auto& r : s.rooms)
        if (r.location == location) return r;
    throw std::runtime_error("no room " + std::string(location));
}

/// Runs `events` from `start` and then time to `until`; returns the finished hours.
std::vector<hour_summary> run(const char* start, std::vector<sensor_event> events, const char* until) {
    activity_tracker t(cfg(), london());
    t.start(at(start));
    for (const auto& e : events) t.on_event(e);
    t.on_time(at(until));
    return t.take_finished();
}

TEST(Activity, MotionRoomsKitchenAndFirstLastActivity) {
    auto hours = run(
        "2026-11-30T14:00:00Z",
        {ev("kitchen-pir", true, "2026-11-30T14:03:12Z"), ev("kitchen-pir", false, "2026-11-30T14:05:12Z"),
         ev("kitchen-pir", true, "2026-11-30T14:10:00Z"),
         ev("kitchen-pir", true, "2026-11-30T14:10:30Z"),  // a re-trigger, not a new activation
         ev("kitchen-pir", false, "2026-11-30T14:11:00Z"), ev("hall-pir", true, "2026-11-30T14:58:40Z"),
         ev("hall-pir", false, "2026-11-30T15:01:40Z")},
        "2026-11-30T15:00:00Z");
    ASSERT_EQ(hours.size(), 1u);
    const auto& h = hours[0];
    EXPECT_EQ(h.hour, at("2026-11-30T14:00:00Z"));
    EXPECT_EQ(h.covered_s, 3600);
    EXPECT_EQ(room(h, "Kitchen").motion, 2);
    EXPECT_EQ(room(h, "Kitchen").active_s, 120 + 60);
    EXPECT_EQ(h.kitchen_active_s, 180);
    EXPECT_EQ(room(h, "Hall").motion, 1);
    EXPECT_EQ(room(h, "Hall").active_s, 80);  // cut at the hour's end, the rest goes to 15:00
    EXPECT_EQ(room(h, "Bathroom").motion, 0);
    EXPECT_EQ(h.first_activity, at("2026-11-30T14:03:12Z"));
    EXPECT_EQ(h.last_activity, at("2026-11-30T14:58:40Z"));
    EXPECT_FALSE(room(h, "Kitchen").temp);
}

TEST(Activity, QuietHoursAreReportedWithTheirCoverAndSpansAcrossHours) {
    // The hub starts at 14:20; the resident sits from 14:30 to 16:15 and nothing else happens.
    auto hours = run("2026-11-30T14:20:00Z",
                     {ev("chair", true, "2026-11-30T14:30:00Z"), ev("chair", false, "2026-11-30T16:15:00Z")},
                     "2026-11-30T17:00:00Z");
    ASSERT_EQ(hours.size(), 3u);
    EXPECT_EQ(hours[0].covered_s, 2400);
    EXPECT_EQ(hours[1].covered_s, 3600);
    EXPECT_EQ(hours[2].covered_s, 3600);
    EXPECT_EQ(hours[0].chair_occupied_s, 1800);
    EXPECT_EQ(hours[1].chair_occupied_s, 3600);
    EXPECT_EQ(hours[2].chair_occupied_s, 900);
    EXPECT_FALSE(hours[1].first_activity);
    EXPECT_EQ(hours[2].first_activity, at("2026-11-30T16:15:00Z"));
}

TEST(Activity, BathroomVisitsAfterAGapAndAtNight) {
    auto hours =
        run("2026-11-30T01:00:00Z",
            {ev("bath-pir", true, "2026-11-30T02:00:00Z"), ev("bath-pir", false, "2026-11-30T02:01:00Z"),
             ev("bath-pir", true, "2026-11-30T02:05:00Z"),  // 4 min later: the same visit
             ev("bath-pir", false, "2026-11-30T02:06:00Z"), ev("bath-pir", true, "2026-11-30T02:30:00Z"),
             ev("bath-pir", false, "2026-11-30T02:31:00Z"), ev("bath-pir", true, "2026-11-30T14:00:00Z"),
             ev("bath-pir", false, "2026-11-30T14:02:00Z")},
            "2026-11-30T15:00:00Z");
    ASSERT_EQ(hours.size(), 14u);
    const auto& night = hours[1];
    EXPECT_EQ(night.hour, at("2026-11-30T02:00:00Z"));
    EXPECT_EQ(night.bathroom_visits, 2);
    EXPECT_EQ(night.night_bathroom_visits, 2);
    EXPECT_EQ(room(night, "Bathroom").motion, 3);
    const auto& day = hours[13];
    EXPECT_EQ(day.bathroom_visits, 1);
    EXPECT_EQ(day.night_bathroom_visits, 0);
}

TEST(Activity, BedTimesAndNightGetUps) {
    auto hours = run("2026-11-30T22:00:00Z",
                     {ev("bed", true, "2026-11-30T22:30:00Z"), ev("bed", false, "2026-12-01T02:10:00Z"),
                      ev("bed", true, "2026-12-01T02:25:00Z"),
                      ev("bed", false, "2026-12-01T03:00:00Z"),  // 20 s: turning over, not a get-up
                      ev("bed", true, "2026-12-01T03:00:20Z"), ev("bed", false, "2026-12-01T07:30:00Z")},
                     "2026-12-01T10:00:00Z");
    ASSERT_EQ(hours.size(), 12u);
    EXPECT_EQ(hours[0].bed_in_at, std::vector<time_point>{at("2026-11-30T22:30:00Z")});
    EXPECT_EQ(hours[0].bed_occupied_s, 1800);
    EXPECT_EQ(hours[1].bed_occupied_s, 3600);
    const auto& two = hours[4];
    EXPECT_EQ(two.hour, at("2026-12-01T02:00:00Z"));
    EXPECT_EQ(two.night_getups, 1);
    EXPECT_EQ(two.night_getup_s, 900);
    EXPECT_EQ(two.bed_out_at, std::vector<time_point>{at("2026-12-01T02:10:00Z")});
    EXPECT_EQ(two.bed_occupied_s, 3600 - 900);
    EXPECT_EQ(hours[5].night_getups, 0);
    EXPECT_EQ(hours[5].bed_occupied_s, 3600 - 20);
    const auto& up = hours[9];  // up for the day at 07:30: not a get-up, never back at night
    EXPECT_EQ(up.bed_out_at, std::vector<time_point>{at("2026-12-01T07:30:00Z")});
    EXPECT_EQ(up.night_getups, 0);
    int getups = 0;
    for (const auto& h : hours) getups += h.night_getups;
    EXPECT_EQ(getups, 1);
}

TEST(Activity, TimeOutOfTheHomeIsJudgedAfterTheDoorAndHeldAcrossTheHour) {
    activity_tracker t(cfg(), london());
    t.start(at("2026-11-30T10:00:00Z"));
    t.on_event(ev("hall-pir", true, "2026-11-30T10:50:00Z"));
    t.on_event(ev("hall-pir", false, "2026-11-30T10:51:00Z"));
    t.on_event(ev("front-door", true, "2026-11-30T10:55:00Z"));
    t.on_event(ev("front-door", false, "2026-11-30T10:55:30Z"));
    // The hour has ended but the home is not judged yet: the 10:00 hour waits.
    t.on_time(at("2026-11-30T11:02:00Z"));
    EXPECT_FALSE(t.has_finished());
    EXPECT_EQ(t.next_deadline(), at("2026-11-30T11:05:30Z"));
    t.on_time(at("2026-11-30T11:05:30Z"));
    auto first = t.take_finished();
    ASSERT_EQ(first.size(), 1u);
    EXPECT_EQ(first[0].door_openings, 1);
    EXPECT_EQ(first[0].out_s, 270);
    // Back at 12:30: the door, then the hall.
    t.on_event(ev("front-door", true, "2026-11-30T12:30:00Z"));
    t.on_event(ev("front-door", false, "2026-11-30T12:30:20Z"));
    t.on_event(ev("hall-pir", true, "2026-11-30T12:30:40Z"));
    t.on_time(at("2026-11-30T13:00:00Z"));
    auto rest = t.take_finished();
    ASSERT_EQ(rest.size(), 2u);
    EXPECT_EQ(rest[0].out_s, 3600);
    EXPECT_EQ(rest[1].out_s, 1800);
    EXPECT_EQ(rest[1].door_openings, 1);
}

TEST(Activity, OutOfTheHomeThroughHoursWithNoEventAtAll) {
    auto hours =
        run("2026-11-30T10:00:00Z",
            {ev("front-door", true, "2026-11-30T10:55:00Z"), ev("front-door", false, "2026-11-30T10:55:30Z")},
            "2026-11-30T13:00:00Z");
    ASSERT_EQ(hours.size(), 3u);
    EXPECT_EQ(hours[0].out_s, 270);
    EXPECT_EQ(hours[1].out_s, 3600);
    EXPECT_EQ(hours[2].out_s, 3600);
}

TEST(Activity, ADoorOpenedAndSomeoneStillInsideIsNotOut) {
    auto hours =
        run("2026-11-30T10:00:00Z",
            {ev("front-door", true, "2026-11-30T10:10:00Z"), ev("front-door", false, "2026-11-30T10:11:00Z"),
             ev("kitchen-pir", true, "2026-11-30T10:14:00Z")},
            "2026-11-30T11:00:00Z");
    ASSERT_EQ(hours.size(), 1u);
    EXPECT_EQ(hours[0].door_openings, 1);
    EXPECT_EQ(hours[0].out_s, 0);
}

TEST(Activity, AppliancesAndTemperature) {
    auto hours = run(
        "2026-11-30T07:00:00Z",
        {ev("kettle-plug", true, "2026-11-30T07:10:00Z"), ev("kettle-plug", false, "2026-11-30T07:13:00Z"),
         ev("kettle-plug", true, "2026-11-30T07:50:00Z"), reading("bath-temp", 15.5, "2026-11-30T07:05:00Z"),
         reading("bath-temp", 16.5, "2026-11-30T07:25:00Z"),
         reading("bath-temp", 17.5, "2026-11-30T07:45:00Z"),
         ev("kettle-plug", false, "2026-11-30T08:02:00Z")},
        "2026-11-30T09:00:00Z");
    ASSERT_EQ(hours.size(), 2u);
    ASSERT_EQ(hours[0].appliances.size(), 1u);
    EXPECT_EQ(hours[0].appliances[0].appliance, "kettle");
    EXPECT_EQ(hours[0].appliances[0].uses, 2);
    EXPECT_EQ(hours[0].appliances[0].on_s, 180 + 600);
    EXPECT_EQ(hours[1].appliances[0].uses, 0);
    EXPECT_EQ(hours[1].appliances[0].on_s, 120);
    EXPECT_EQ(hours[0].kitchen_active_s, 780);  // an appliance in use is the kitchen in use
    auto temp = room(hours[0], "Bathroom").temp;
    ASSERT_TRUE(temp);
    EXPECT_EQ(temp->min, 15.5);
    EXPECT_EQ(temp->mean, 16.5);
    EXPECT_EQ(temp->max, 17.5);
    EXPECT_FALSE(room(hours[1], "Bathroom").temp);
}

TEST(Activity, ClocksGoForwardIn2026UkDayHas23LocalHoursEachKeyedByUtc) {
    // 29 March 2026: 01:00 GMT becomes 02:00 BST. A get-up from 01:30 to 01:50 UTC is at 02:30 BST.
    auto hours =
        run("2026-03-28T23:00:00Z",
            {ev("bed", true, "2026-03-28T23:30:00Z"), ev("bed", false, "2026-03-29T01:30:00Z"),
             ev("bed", true, "2026-03-29T01:50:00Z"), ev("bath-pir", true, "2026-03-29T01:35:00Z"),
             ev("bath-pir", false, "2026-03-29T01:36:00Z"),
             // 06:30 UTC is 07:30 BST: past the night, though 06:30 GMT would not be.
             ev("bath-pir", true, "2026-03-29T06:30:00Z"), ev("bath-pir", false, "2026-03-29T06:31:00Z")},
            "2026-03-29T23:00:00Z");
    ASSERT_EQ(hours.size(), 24u);
    int local_day = 0;
    std::set<std::string> keys;
    for (const auto& h : hours) {
        auto j = to_json(h, "hub-0001");
        keys.insert(j["hour"].get<std::string>());
        local_day += j["local"].get<std::string>().starts_with("2026-03-29");
        EXPECT_EQ(h.covered_s, 3600);
    }
    EXPECT_EQ(keys.size(), 24u);
    EXPECT_EQ(local_day, 23);
    EXPECT_EQ(to_json(hours[1], "h")["local"], "2026-03-29T00:00:00+00:00");
    EXPECT_EQ(to_json(hours[2], "h")["local"], "2026-03-29T02:00:00+01:00");
    EXPECT_EQ(hours[2].night_getups, 1);
    EXPECT_EQ(hours[2].night_getup_s, 1200);
    EXPECT_EQ(hours[2].night_bathroom_visits, 1);
    EXPECT_EQ(hours[7].hour, at("2026-03-29T06:00:00Z"));
    EXPECT_EQ(hours[7].bathroom_visits, 1);
    EXPECT_EQ(hours[7].night_bathroom_visits, 0);
}

TEST(Activity, ClocksGoBackIn2026UkDayHas25LocalHoursTheRepeatedHourTwice) {
    // 25 October 2026: 02:00 BST becomes 01:00 GMT; local 01:00-02:00 happens twice.
    auto hours =
        run("2026-10-24T23:00:00Z",
            {ev("bath-pir", true, "2026-10-25T00:30:00Z"), ev("bath-pir", false, "2026-10-25T00:31:00Z"),
             ev("bath-pir", true, "2026-10-25T01:30:00Z"), ev("bath-pir", false, "2026-10-25T01:31:00Z"),
             // 06:30 UTC is 06:30 GMT: still the night now.
             ev("bath-pir", true, "2026-10-25T06:30:00Z"), ev("bath-pir", false, "2026-10-25T06:31:00Z")},
            "2026-10-26T00:00:00Z");
    ASSERT_EQ(hours.size(), 25u);
    int local_day = 0;
    for (const auto& h : hours)
        local_day += to_json(h, "h")["local"].get<std::string>().starts_with("2026-10-25");
    EXPECT_EQ(local_day, 25);
    EXPECT_EQ(to_json(hours[1], "h")["local"], "2026-10-25T01:00:00+01:00");
    EXPECT_EQ(to_json(hours[2], "h")["local"], "2026-10-25T01:00:00+00:00");
    EXPECT_NE(to_json(hours[1], "h")["hour"], to_json(hours[2], "h")["hour"]);
    EXPECT_EQ(hours[1].night_bathroom_visits, 1);
    EXPECT_EQ(hours[2].night_bathroom_visits, 1);
    EXPECT_EQ(hours[7].hour, at("2026-10-25T06:00:00Z"));
    EXPECT_EQ(hours[7].night_bathroom_visits, 1);
}

TEST(Activity, RestartMidHourResumesTheHourWithoutTheTimeDown) {
    json saved;
    {
        activity_tracker t(cfg(), london());
        t.start(at("2026-11-30T14:00:00Z"));
        t.on_event(ev("bed", true, "2026-11-30T14:00:00Z"));
        t.on_event(ev("kitchen-pir", true, "2026-11-30T14:05:00Z"));
        t.on_event(ev("kitchen-pir", false, "2026-11-30T14:06:00Z"));
        t.on_time(at("2026-11-30T14:20:00Z"));
        saved = json::parse(t.save_state().dump());  // what the store keeps, then the hub is killed
    }
    activity_tracker t(cfg(), london());
    t.restore_state(saved);
    t.start(at("2026-11-30T14:30:00Z"));
    t.on_event(ev("kitchen-pir", true, "2026-11-30T14:40:00Z"));
    t.on_event(ev("kitchen-pir", false, "2026-11-30T14:42:00Z"));
    t.on_time(at("2026-11-30T15:00:00Z"));
    auto hours = t.take_finished();
    ASSERT_EQ(hours.size(), 1u);
    EXPECT_EQ(hours[0].covered_s, 20 * 60 + 30 * 60);
    EXPECT_EQ(room(hours[0], "Kitchen").motion, 2);
    EXPECT_EQ(room(hours[0], "Kitchen").active_s, 180);
    EXPECT_EQ(hours[0].bed_occupied_s, 50 * 60);  // in bed throughout, counted while covered
    EXPECT_EQ(hours[0].first_activity, at("2026-11-30T14:00:00Z"));
}

TEST(Activity, RestartAfterTheHourReportsItPartialAndSkipsHoursDown) {
    json saved;
    {
        activity_tracker t(cfg(), london());
        t.start(at("2026-11-30T14:00:00Z"));
        t.on_event(ev("hall-pir", true, "2026-11-30T14:10:00Z"));
        t.on_event(ev("hall-pir", false, "2026-11-30T14:11:00Z"));
        t.on_time(at("2026-11-30T14:20:00Z"));
        saved = t.save_state();
    }
    activity_tracker t(cfg(), london());
    t.restore_state(saved);
    t.start(at("2026-11-30T16:10:00Z"));
    auto partial = t.take_finished();
    ASSERT_EQ(partial.size(), 1u);
    EXPECT_EQ(partial[0].hour, at("2026-11-30T14:00:00Z"));
    EXPECT_EQ(partial[0].covered_s, 1200);
    EXPECT_EQ(room(partial[0], "Hall").motion, 1);
    t.on_time(at("2026-11-30T17:00:00Z"));
    auto next = t.take_finished();
    ASSERT_EQ(next.size(), 1u);  // nothing for 15:00: the hub was down throughout
    EXPECT_EQ(next[0].hour, at("2026-11-30T16:00:00Z"));
    EXPECT_EQ(next[0].covered_s, 3000);
}

TEST(Activity, GarbageStateStartsFreshAndUnknownSensorsAreIgnored) {
    activity_tracker t(cfg(), london());
    t.restore_state(json{{"v", 1}, {"hours", "nonsense"}});
    t.start(at("2026-11-30T14:30:00Z"));
    sensor_event e;
    e.sensor = "nobody";
    e.signal = signal::active;
    e.at = at("2026-11-30T14:31:00Z");
    t.on_event(e);
    t.on_event(ev("pendant", true, "2026-11-30T14:32:00Z"));  // an alarm kind: not activity
    t.on_time(at("2026-11-30T15:00:00Z"));
    auto hours = t.take_finished();
    ASSERT_EQ(hours.size(), 1u);
    EXPECT_EQ(hours[0].covered_s, 1800);
    EXPECT_FALSE(hours[0].first_activity);
}

TEST(Activity, TheMessageRoundTripsThroughJson) {
    auto hours = run(
        "2026-11-30T14:00:00Z",
        {ev("bed", false, "2026-11-30T14:02:00Z"), ev("bed", true, "2026-11-30T14:20:00Z"),
         reading("bath-temp", 18.25, "2026-11-30T14:05:00Z"), ev("kettle-plug", true, "2026-11-30T14:06:00Z"),
         ev("kettle-plug", false, "2026-11-30T14:08:00Z")},
        "2026-11-30T15:00:00Z");
    ASSERT_EQ(hours.size(), 1u);
    auto j = to_json(hours[0], "hub-0001");
    EXPECT_EQ(j["v"], 1);
    EXPECT_EQ(j["hub"], "hub-0001");
    EXPECT_EQ(j["hour"], "2026-11-30T14:00:00Z");
    EXPECT_EQ(j["local"], "2026-11-30T14:00:00+00:00");
    EXPECT_EQ(j["bed"]["in_at"], json::array({"2026-11-30T14:20:00Z"}));
    EXPECT_EQ(j["appliances"][0], (json{{"appliance", "kettle"}, {"uses", 1}, {"on_s", 120}}));
    EXPECT_EQ(j["first_activity"], "2026-11-30T14:02:00Z");
    auto back = summary_from_json(j);
    ASSERT_TRUE(back);
    EXPECT_EQ(*back, hours[0]);
    EXPECT_FALSE(summary_from_json(json{{"v", 1}}));
}

}  // namespace
}  // namespace warden::alerts::test
