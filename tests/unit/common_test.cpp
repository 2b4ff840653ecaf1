#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "warden/common/alert.hpp"
#include "warden/common/event.hpp"
#include "warden/common/host_port.hpp"

using namespace warden;
using namespace std::chrono_literals;

TEST(Duration, ParsesEveryUnit) {
    EXPECT_EQ(parse_duration("500ms"), 500ms);
    EXPECT_EQ(parse_duration("30s"), 30s);
    EXPECT_EQ(parse_duration("10m"), 10min);
    EXPECT_EQ(parse_duration("3h"), 3h);
    EXPECT_EQ(parse_duration("1d"), 24h);
    EXPECT_EQ(parse_duration("0s"), 0ms);
}

TEST(Duration, RejectsWhatIsNotADuration) {
    for (auto bad : {"", "s", "10", "1.5h", "-3s", "1h30m", " 5s", "5 s", "5x", "ms", "99999999999999d"})
        EXPECT_FALSE(parse_duration(bad)) << bad;
}

TEST(Duration, FormatsShortestExactForm) {
    EXPECT_EQ(format_duration(90s), "90s");
    EXPECT_EQ(format_duration(1h), "1h");
    EXPECT_EQ(format_duration(1500ms), "1500ms");
    EXPECT_EQ(format_duration(48h), "2d");
}

TEST(Time, RoundTripsIso8601) {
    auto t = parse_time("2026-11-28T12:00:00.123Z");
    ASSERT_TRUE(t);
    EXPECT_EQ(format_time(*t), "2026-11-28T12:00:00.123Z");
    EXPECT_EQ(parse_time("2026-11-28T13:00:00+01:00"), parse_time("2026-11-28T12:00:00Z"));
    EXPECT_FALSE(parse_time("2026-13-28T12:00:00Z"));
    EXPECT_FALSE(parse_time("yesterday"));
    EXPECT_FALSE(parse_time("2026-11-28T12:00:00"));
}

TEST(Window, CrossesMidnight) {
    auto w = parse_time_window("22:00-07:00");
    ASSERT_TRUE(w);
    EXPECT_TRUE(w->contains(23 * 60));
    EXPECT_TRUE(w->contains(0));
    EXPECT_TRUE(w->contains(6 * 60 + 59));
    EXPECT_FALSE(w->contains(7 * 60));
    EXPECT_FALSE(w->contains(12 * 60));
    EXPECT_EQ(format_time_window(*w), "22:00-07:00");
    EXPECT_FALSE(parse_time_window("25:00-07:00"));
    EXPECT_FALSE(parse_time_window("22:00"));
    EXPECT_TRUE(parse_time_window("00:00-24:00")->contains(12 * 60));
}

TEST(Kinds, ClassifiesAndPrioritises) {
    EXPECT_TRUE(is_alarm_kind(sensor_kind::pendant));
    EXPECT_TRUE(is_alarm_kind(sensor_kind::enuresis));
    EXPECT_FALSE(is_alarm_kind(sensor_kind::motion));
    EXPECT_TRUE(is_activity_kind(sensor_kind::bed));
    EXPECT_FALSE(is_activity_kind(sensor_kind::temperature));
    EXPECT_EQ(alarm_priority(sensor_kind::smoke), priority::critical);
    EXPECT_EQ(alarm_priority(sensor_kind::flood), priority::high);
    EXPECT_EQ(parse_sensor_kind("pull_cord"), sensor_kind::pull_cord);
    EXPECT_FALSE(parse_sensor_kind("toaster"));
    EXPECT_EQ(signal_name(sensor_kind::door, signal::active), "open");
    EXPECT_EQ(parse_signal_name(sensor_kind::bed, "vacant"), signal::inactive);
    EXPECT_EQ(parse_signal_name(sensor_kind::bed, "active"), signal::active);
    EXPECT_FALSE(parse_signal_name(sensor_kind::door, "occupied"));
}

TEST(Alert, JsonRoundTripAndValidation) {
    alert a{.id = "hub-0001-42",
            .hub = "hub-0001",
            .seq = 42,
            .type = "pendant",
            .state = alert_state::raised,
            .priority = priority::critical,
            .sia = "QA",
            .at = *parse_time("2026-11-28T12:00:00.123Z"),
            .rule = "pendant",
            .sensor = "pendant",
            .location = "worn",
            .text = "Pendant pressed"};
    auto j = to_json(a);
    EXPECT_EQ(j["at"], "2026-11-28T12:00:00.123Z");
    EXPECT_EQ(j["priority"], "critical");
    EXPECT_FALSE(j.contains("clears"));
    EXPECT_EQ(alert_from_json(j), a);
    j["seq"] = -1;
    EXPECT_THROW(alert_from_json(j), std::invalid_argument);
    j = to_json(a);
    j["hub"] = "bad hub/";
    EXPECT_THROW(alert_from_json(j), std::invalid_argument);
    EXPECT_THROW(alert_from_json(nlohmann::json::array()), std::invalid_argument);
}

TEST(HostPort, SplitsHostAndPortIPv6InBrackets) {
    using warden::host_port;
    using warden::split_host_port;
    EXPECT_EQ(split_host_port("127.0.0.1:8080"), (host_port{"127.0.0.1", 8080}));
    EXPECT_EQ(split_host_port("[::1]:80"), (host_port{"::1", 80}));
    EXPECT_EQ(split_host_port("::1:80"), (host_port{"::1", 80}));
    EXPECT_EQ(split_host_port(":0"), (host_port{"", 0}));
    EXPECT_EQ(split_host_port("broker.local:65535"), (host_port{"broker.local", 65535}));
    for (const char* bad : {"localhost", "h:", "h:99999", "h:8o", "h:-1", "[::1]", "[::1]80", "[::1:80"})
        EXPECT_EQ(split_host_port(bad), std::nullopt) << bad;
}
