// Lint: what a hub config allows but a technician most likely did not mean, with its place.

#include "config_test_support.hpp"
#include "warden/config/lint.hpp"

using namespace warden;
using namespace warden::config;
using namespace config_test;

namespace {

/// Stands in for sensors::default_report_every, which the hub and `warden-ctl check` pass (the config
/// tests do not link sensors; ctl_test lints the example home with the real function): zigbee2mqtt and
/// shelly 25h, tasmota 1h, esphome and json no silence check.
std::optional<milliseconds> test_defaults(source_type s) {
    using std::chrono::hours;
    switch (s) {
        case source_type::zigbee2mqtt:
        case source_type::shelly:
            return hours(25);
        case source_type::tasmota:
            return hours(1);
        default:
            return std::nullopt;
    }
}

/// The warnings for the base home plus `extra`, as warden-ctl check prints them.
std::vector<std::string> warnings_with(const std::string& extra, const std::string& replace_from = {},
                                       const std::string& replace_to = {}) {
    auto text = base_home + extra;
    if (!replace_from.empty()) replace_all(text, replace_from, replace_to);
    std::vector<std::string> out;
    for (const auto& w : lint_hub_config(parse_hub_config(text, "hub.toml"), test_defaults))
        out.push_back(lint_text(w));
    return out;
}

/// The base home warns that its door has no exit rule and its thermometer no threshold rule;
/// these rules silence that so each test sees only its own warning.
const std::string quiet = R"([[rule]]
id = "exit"
type = "exit"
sensor = "front-door"
window = "23:00-06:00"
within = "10m"
[[rule]]
id = "cold"
type = "threshold"
sensor = "lounge-temp"
below = 16.0
)";
constexpr int quiet_lines = 11;

/// One warning, at LINE:COLUMN, containing every one of `parts`.
::testing::AssertionResult one_warning(const std::vector<std::string>& w, int line, int column,
                                       std::initializer_list<std::string_view> parts) {
    if (w.size() != 1)
        return ::testing::AssertionFailure() << "expected one warning, got " << w.size() << ":" << joined(w);
    auto prefix = "hub.toml:" + std::to_string(line) + ":" + std::to_string(column) + ": warning: ";
    if (w[0].rfind(prefix, 0) != 0)
        return ::testing::AssertionFailure() << "expected at " << prefix << ": " << w[0];
    for (auto p : parts)
        if (w[0].find(p) == std::string::npos)
            return ::testing::AssertionFailure() << "expected \"" << p << "\" in: " << w[0];
    return ::testing::AssertionSuccess();
}

int Q(int n) {
    return L(quiet_lines + n);
}

}  // namespace

// The example home is linted with the hub's real defaults in ctl_test (Check.ExampleHome...).
TEST(HubConfigLint, TheBaseHomeWithItsRulesHasNoWarnings) {
    EXPECT_TRUE(warnings_with(quiet).empty()) << joined(warnings_with(quiet));
}

TEST(HubConfigLint, MissingTimezoneIsUtcAndWarnedWhenARuleReadsTheClock) {
    auto w = warnings_with(quiet, "timezone = \"Europe/London\"\n", "");
    EXPECT_TRUE(one_warning(w, 1, 1,
                            {"hub.timezone is not set, so rule windows and due times are read as UTC",
                             "timezone = \"Europe/London\""}));
    EXPECT_EQ(parse_hub_config(base_home, "hub.toml").key_pos.at("hub"), (position{"hub.toml", 1, 1}));
    // Set explicitly, even to UTC, it is a choice and not warned about.
    EXPECT_TRUE(warnings_with(quiet, "timezone = \"Europe/London\"", "timezone = \"UTC\"").empty());
    // No rule with a window or a due time: local time is never read, and nothing is warned.
    auto no_clock = warnings_with(
        "[[rule]]\nid = \"cold\"\ntype = \"threshold\"\nsensor = \"lounge-temp\"\n"
        "below = 16.0\n",
        "timezone = \"Europe/London\"\n", "");
    for (const auto& x : no_clock) EXPECT_EQ(x.find("timezone"), std::string::npos) << x;
}

TEST(HubConfigLint, TextFormatIsFileLineColumnWarning) {
    lint_warning w{{"hub.toml", 14, 9}, "rule 'x': something"};
    EXPECT_EQ(lint_text(w), "hub.toml:14:9: warning: rule 'x': something");
}

TEST(HubConfigLint, DueWindowThatNeverOpensOrLooksSwapped) {
    auto due = [](const std::string& from, const std::string& by) {
        return warnings_with(quiet +
                             "[[rule]]\nid = \"up\"\ntype = \"due\"\nsensors = [\"hall-pir\"]\nevent = "
                             "\"active\"\nfrom = \"" +
                             from + "\"\nby = \"" + by + "\"\n");
    };
    EXPECT_TRUE(
        one_warning(due("10:00", "10:00"), Q(6), 8, {"rule 'up': from 10:00 by 10:00", "never opens"}));
    EXPECT_TRUE(
        one_warning(due("10:00", "07:00"), Q(6), 8,
                    {"crosses midnight and lasts 21h; if you meant 07:00 to 10:00, swap from and by"}));
    EXPECT_TRUE(due("21:00", "00:30").empty()) << "bedtime across midnight is normal";
    EXPECT_TRUE(due("07:00", "10:00").empty());
}

TEST(HubConfigLint, WindowOfNoLengthMeansAllDay) {
    // Watches only the bed (esphome: no report interval here), so only the window warns.
    auto w = warnings_with(quiet +
                           "[[rule]]\nid = \"n\"\ntype = \"inactivity\"\nwindow = \"22:00-22:00\"\nperiod = "
                           "\"2h\"\nsensors = [\"bed\"]\n");
    EXPECT_TRUE(one_warning(w, Q(4), 10,
                            {"rule 'n' window: \"22:00-22:00\" has no length and therefore means all day"}));
    EXPECT_TRUE(warnings_with(
                    quiet + "[[rule]]\nid = \"n\"\ntype = \"inactivity\"\nwindow = \"00:00-24:00\"\nperiod = "
                            "\"2h\"\nsensors = [\"bed\"]\n")
                    .empty());
}

TEST(HubConfigLint, ThresholdBelowNotUnderAbove) {
    auto w = warnings_with(quiet +
                           "[[rule]]\nid = \"t\"\ntype = \"threshold\"\nsensor = \"lounge-temp\"\nbelow = "
                           "25.0\nabove = 18.0\n");
    EXPECT_TRUE(one_warning(w, Q(5), 9, {"rule 't': below (25) is not lower than above (18)"}));
}

TEST(HubConfigLint, InactivityPeriodShorterThanAWatchedSensorsReportInterval) {
    // All activity sensors: the zigbee2mqtt ones fall back to the source's 25h, so if one dies the rule
    // raises "no activity" long before the hub calls it offline.
    auto w = warnings_with(quiet + "[[rule]]\nid = \"n\"\ntype = \"inactivity\"\nperiod = \"2h\"\n");
    EXPECT_TRUE(one_warning(w, Q(4), 10,
                            {"rule 'n' period: 2h is shorter than the report interval of sensors 'hall-pir' "
                             "(25h, the zigbee2mqtt default), 'front-door' (25h, the zigbee2mqtt default), "
                             "'ok-button' (25h, the zigbee2mqtt default)",
                             "raises inactivity before the hub can tell it is offline"}));
    // An explicit report_every counts as set.
    auto one = [](const std::string& every) {
        return warnings_with(
            quiet +
                "[[rule]]\nid = \"n\"\ntype = \"inactivity\"\nsensors = [\"hall-pir\"]\nperiod = \"2h\"\n",
            "topic = \"zigbee2mqtt/hall_pir\"\n",
            "topic = \"zigbee2mqtt/hall_pir\"\nreport_every = \"" + every + "\"\n");
    };
    EXPECT_TRUE(
        one_warning(one("3h"), Q(5) + 1, 10,
                    {"2h is shorter than the report interval of sensor 'hall-pir' (3h): if it dies"}));
    // A sensor that reports more often than the period is noticed offline first: fine (this used to warn).
    EXPECT_TRUE(one("1h").empty()) << joined(one("1h"));
    EXPECT_TRUE(one("2h").empty()) << joined(one("2h"));
    // A sensor the rule does not watch does not matter, nor one without any report interval.
    EXPECT_TRUE(
        warnings_with(quiet +
                      "[[rule]]\nid = \"n\"\ntype = \"inactivity\"\nsensors = [\"bed\"]\nperiod = \"2h\"\n")
            .empty());
    // The source default comes from the function the caller passes (the hub's own).
    auto text = base_home + quiet +
                "[[rule]]\nid = \"n\"\ntype = \"inactivity\"\nsensors = [\"bed\"]\nperiod = \"2h\"\n";
    auto esphome_25h = [](source_type s) -> std::optional<milliseconds> {
        return s == source_type::esphome ? std::optional<milliseconds>(std::chrono::hours(25))
                                         : test_defaults(s);
    };
    auto got = lint_hub_config(parse_hub_config(text, "hub.toml"), esphome_25h);
    ASSERT_EQ(got.size(), 1u);
    EXPECT_NE(got[0].message.find("'bed' (25h, the esphome default)"), std::string::npos) << got[0].message;
}

TEST(HubConfigLint, AlarmSensorThatIsNeverCheckedForSilence) {
    auto json_smoke =
        "[[sensor]]\nid = \"smoke2\"\nkind = \"smoke\"\nsource = \"json\"\ntopic = \"home/smoke\"\nfield = "
        "\"alarm\"\nactive = \"ON\"\nlocation = \"loft\"\n";
    EXPECT_TRUE(one_warning(
        warnings_with(quiet + json_smoke), Q(1), 1,
        {"sensor 'smoke2' (smoke, json source) is never checked for silence", "set report_every"}));
    EXPECT_TRUE(warnings_with(quiet + json_smoke + "report_every = \"25h\"\n").empty());
    // Any source without a default (esphome here) is judged the same way.
    auto esphome_smoke =
        "[[sensor]]\nid = \"smoke2\"\nkind = \"smoke\"\nsource = \"esphome\"\ntopic = "
        "\"loft/binary_sensor/smoke/state\"\nlocation = \"loft\"\n";
    EXPECT_TRUE(one_warning(warnings_with(quiet + esphome_smoke), Q(1), 1,
                            {"sensor 'smoke2' (smoke, esphome source) is never checked for silence"}));
}

TEST(HubConfigLint, DoorWithoutExitRuleWhileThereIsABed) {
    auto w = warnings_with(
        "[[rule]]\nid = \"cold\"\ntype = \"threshold\"\nsensor = \"lounge-temp\"\nbelow = 16.0\n");
    EXPECT_TRUE(
        one_warning(w, 26, 1, {"sensor 'front-door' (door) has no exit rule at night", "type = \"exit\""}));
}

TEST(HubConfigLint, OnlyAnExitRuleArmedAtNightSilencesTheDoorWarning) {
    auto with_exit = [](const std::string& window_line) {
        return warnings_with(
            "[[rule]]\nid = \"cold\"\ntype = \"threshold\"\nsensor = \"lounge-temp\"\nbelow = "
            "16.0\n[[rule]]\nid = \"exit\"\ntype = \"exit\"\nsensor = \"front-door\"\n" +
            window_line + "within = \"10m\"\n");
    };
    EXPECT_TRUE(one_warning(with_exit("window = \"09:00-17:00\"\n"), 26, 1,
                            {"sensor 'front-door' (door) has no exit rule at night (22:00-07:00)"}));
    EXPECT_TRUE(with_exit("").empty()) << "no window: all day, night included";
    EXPECT_TRUE(with_exit("window = \"23:00-06:00\"\n").empty());
    EXPECT_TRUE(with_exit("window = \"06:00-08:00\"\n").empty()) << "06:00-07:00 is night";
    EXPECT_TRUE(with_exit("window = [\"09:00-12:00\", \"21:00-23:00\"]\n").empty());
}

TEST(HubConfigLint, ExitRuleWithNobodyInsideToSee) {
    auto text = R"([hub]
id = "h"
data_dir = "/d"
[local]
uri = "tcp://127.0.0.1:1883"
[centre]
uri = "tcp://127.0.0.1:1884"
[[sensor]]
id = "door"
kind = "door"
source = "zigbee2mqtt"
topic = "zigbee2mqtt/door"
location = "front"
[[rule]]
id = "x"
type = "exit"
sensor = "door"
within = "10m"
)";
    std::vector<std::string> w;
    for (const auto& x : lint_hub_config(parse_hub_config(text, "hub.toml"), test_defaults))
        w.push_back(lint_text(x));
    EXPECT_TRUE(one_warning(w, 18, 10, {"rule 'x' within: no sensor can show that someone is still inside"}));
}

TEST(HubConfigLint, OutOfBedWithoutWindow) {
    auto w = warnings_with(
        quiet + "[[rule]]\nid = \"b\"\ntype = \"out_of_bed\"\nsensor = \"bed\"\nwithin = \"30m\"\n");
    EXPECT_TRUE(one_warning(w, Q(1), 1, {"rule 'b' (out_of_bed) has no window", "longer than 30m"}));
}

TEST(HubConfigLint, SensorsWithoutLocationOrUse) {
    auto w = warnings_with(quiet +
                           "[[sensor]]\nid = \"hall2\"\nkind = \"motion\"\nsource = \"zigbee2mqtt\"\ntopic = "
                           "\"zigbee2mqtt/hall2\"\n");
    EXPECT_TRUE(one_warning(w, Q(1), 1, {"sensor 'hall2' has no location"}));
    w = warnings_with(quiet +
                      "[[sensor]]\nid = \"t2\"\nkind = \"temperature\"\nsource = \"zigbee2mqtt\"\ntopic = "
                      "\"zigbee2mqtt/t2\"\nlocation = \"loft\"\n");
    EXPECT_TRUE(one_warning(w, Q(1), 1, {"sensor 't2' (temperature) is read by no threshold rule"}));
}

TEST(HubConfigLint, CancelButtonWithNothingToCancel) {
    auto w =
        warnings_with(quiet, "location = \"bedside\"\n", "location = \"bedside\"\ncancel_button = true\n");
    EXPECT_TRUE(one_warning(w, 46, 17, {"sensor 'ok-button' cancel_button: no inactivity rule has warn"}));
    EXPECT_TRUE(
        warnings_with(quiet + "[[rule]]\nid = \"n\"\ntype = \"inactivity\"\nsensors = [\"bed\"]\nperiod = "
                              "\"2h\"\nwarn = \"10m\"\n",
                      "location = \"bedside\"\n", "location = \"bedside\"\ncancel_button = true\n")
            .empty());
}

TEST(HubConfigLint, UnencryptedLinksAndSlowHeartbeat) {
    EXPECT_TRUE(one_warning(warnings_with(quiet, "tcp://127.0.0.1:1884", "tcp://centre.example.org:1883"), 10,
                            7, {"centre.uri: \"tcp://centre.example.org:1883\" is not encrypted"}));
    EXPECT_TRUE(
        one_warning(warnings_with(quiet, "[centre]\n", "[centre]\nheartbeat = \"5m\"\n"), 10, 13,
                    {"centre.heartbeat: 5m is longer than the centre's default heartbeat_grace (3m)"}));
    EXPECT_TRUE(one_warning(warnings_with(quiet + "[dc09]\nhost = \"arc.example.org\"\naccount = \"1234\"\n"),
                            Q(2), 8, {"dc09: frames to arc.example.org are sent in plain text"}));
    EXPECT_TRUE(warnings_with(quiet + "[dc09]\naccount = \"1234\"\n").empty())
        << "loopback: a local test receiver";
}

TEST(HubConfigLint, WarningsComeInFileOrder) {
    auto w =
        warnings_with("[[rule]]\nid = \"b\"\ntype = \"out_of_bed\"\nsensor = \"bed\"\nwithin = \"30m\"\n");
    ASSERT_EQ(w.size(), 3u) << joined(w);
    EXPECT_NE(w[0].find("front-door"), std::string::npos);
    EXPECT_NE(w[1].find("lounge-temp"), std::string::npos);
    EXPECT_NE(w[2].find("rule 'b'"), std::string::npos);
}
