// The hub config: the example homes load with the right values, and every kind of mistake is
// reported at the right LINE:COLUMN with a message that names the key and says what to do.

#include "config_test_support.hpp"

using namespace warden;
using namespace warden::config;
using namespace config_test;
using namespace std::chrono_literals;

namespace {

const rule_spec& rule_named(const hub_config& c, std::string_view id) {
    for (const auto& r : c.rules)
        if (r.id == id) return r;
    throw std::runtime_error("no rule " + std::string(id));
}

}  // namespace

// --- the examples ----------------------------------------------------------------------------------------

TEST(HubConfigExample, LoadsWithTheRightValues) {
    auto c = load_hub_config(source_dir + "/examples/home.toml");
    EXPECT_EQ(c.id, "hub-0001");
    EXPECT_EQ(c.timezone, "Europe/London");
    EXPECT_TRUE(std::filesystem::path(c.data_dir).is_absolute()) << c.data_dir;
    EXPECT_EQ(std::filesystem::path(c.data_dir),
              (std::filesystem::absolute(source_dir) / "examples" / "data").lexically_normal());
    EXPECT_EQ(c.local.uri, "tcp://127.0.0.1:1883");
    EXPECT_EQ(c.centre.broker.uri, "tcp://127.0.0.1:1884");
    EXPECT_EQ(c.centre.heartbeat, 60s);
    EXPECT_EQ(c.centre.ack_timeout, 10s);
    EXPECT_FALSE(c.dc09);
    EXPECT_EQ(c.source_file, source_dir + "/examples/home.toml");

    ASSERT_EQ(c.sensors.size(), 10u);
    const auto* pendant = c.find_sensor("pendant");
    ASSERT_TRUE(pendant);
    EXPECT_EQ(pendant->kind, sensor_kind::pendant);
    EXPECT_EQ(pendant->source, source_type::zigbee2mqtt);
    EXPECT_EQ(pendant->topic, "zigbee2mqtt/pendant");
    EXPECT_EQ(pendant->location, "worn");
    EXPECT_FALSE(pendant->report_every);
    // Its position is that of its [[sensor]] header, the line before `id = "pendant"`.
    auto text = read_file(source_dir + "/examples/home.toml");
    auto before = text.substr(0, text.find("id = \"pendant\""));
    EXPECT_EQ(pendant->pos.line, std::count(before.begin(), before.end(), '\n'));
    EXPECT_EQ(pendant->pos.column, 1);
    EXPECT_EQ(c.find_sensor("kitchen-pir")->source, source_type::esphome);
    EXPECT_EQ(c.find_sensor("kitchen-pir")->topic, "kitchen/binary_sensor/kitchen_pir/state");
    EXPECT_EQ(c.find_sensor("bed")->kind, sensor_kind::bed);
    EXPECT_TRUE(c.find_sensor("ok-button")->cancel_button);
    EXPECT_FALSE(c.find_sensor("ok-button")->away_button);
    EXPECT_EQ(c.find_sensor("co")->kind, sensor_kind::co);
    EXPECT_EQ(c.find_sensor("flood")->source, source_type::shelly);
    EXPECT_EQ(c.find_sensor("flood")->report_every, 25h);
    EXPECT_EQ(c.find_sensor("lounge-temp")->kind, sensor_kind::temperature);
    EXPECT_EQ(c.find_sensor("nobody"), nullptr);

    ASSERT_EQ(c.rules.size(), 6u);
    const auto& night = rule_named(c, "night-inactivity");
    EXPECT_EQ(night.type, rule_type::inactivity);
    EXPECT_EQ(night.windows, (std::vector<time_window>{{22 * 60, 7 * 60}}));
    EXPECT_EQ(night.period, 2h);
    EXPECT_EQ(night.warn, 15min);
    EXPECT_TRUE(night.sensors.empty());
    EXPECT_FALSE(night.prio);
    const auto& day = rule_named(c, "day-inactivity");
    EXPECT_EQ(day.sensors, (std::vector<std::string>{"hall-pir", "kitchen-pir", "front-door"}));
    EXPECT_EQ(day.period, 4h);
    const auto& bed = rule_named(c, "night-bed");
    EXPECT_EQ(bed.type, rule_type::out_of_bed);
    EXPECT_EQ(bed.sensor, "bed");
    EXPECT_EQ(bed.within, 30min);
    const auto& exit = rule_named(c, "night-exit");
    EXPECT_EQ(exit.type, rule_type::exit);
    EXPECT_EQ(exit.sensor, "front-door");
    EXPECT_EQ(exit.inside, (std::vector<std::string>{"kitchen-pir", "bed"}));
    EXPECT_EQ(exit.within, 10min);
    EXPECT_EQ(exit.open_for, 15min);
    EXPECT_EQ(exit.windows, (std::vector<time_window>{{23 * 60, 6 * 60}}));
    const auto& up = rule_named(c, "not-up");
    EXPECT_EQ(up.type, rule_type::due);
    EXPECT_EQ(up.event, "active");
    EXPECT_EQ(up.from_minute, 7 * 60);
    EXPECT_EQ(up.by_minute, 10 * 60);
    EXPECT_TRUE(up.windows.empty());
    const auto& cold = rule_named(c, "cold-home");
    EXPECT_EQ(cold.type, rule_type::threshold);
    EXPECT_EQ(cold.sensor, "lounge-temp");
    EXPECT_EQ(cold.attribute, "temperature");
    EXPECT_EQ(cold.below, 16.0);
    EXPECT_FALSE(cold.above);
    EXPECT_EQ(cold.for_, 30min);
    EXPECT_EQ(cold.hysteresis, 1.0);
    EXPECT_EQ(cold.prio, priority::high);
}

TEST(HubConfigExample, DemoHomeLoadsOnceScriptsFillItIn) {
    auto text = read_file(source_dir + "/examples/demo/hub.toml");
    ASSERT_FALSE(text.empty());
    replace_all(text, "@DATA_DIR@", "/tmp/warden-demo");
    replace_all(text, "@HOME_PORT@", "1883");
    replace_all(text, "@CENTRE_PORT@", "1884");
    auto c = parse_hub_config(text, "demo/hub.toml");
    EXPECT_EQ(c.id, "hub-demo");
    EXPECT_EQ(c.data_dir, "/tmp/warden-demo");
    EXPECT_EQ(c.centre.heartbeat, 10s);
}

TEST(HubConfig, LoadsTheSameFromAFileAndFromText) {
    temp_folder dir;
    auto path = dir.write("hub.toml", base_home);
    auto from_file = load_hub_config(path);
    auto from_text = parse_hub_config(base_home, path);
    EXPECT_EQ(from_file, from_text);
}

TEST(HubConfig, DefaultsWhereKeysAreLeftOut) {
    auto c = parse_hub_config(R"([hub]
id = "h"
data_dir = "/d"
[local]
uri = "tcp://127.0.0.1:1883"
[centre]
uri = "tcp://127.0.0.1:1884"
[[sensor]]
id = "t"
kind = "temperature"
source = "zigbee2mqtt"
topic = "zigbee2mqtt/t"
[[rule]]
id = "cold"
type = "threshold"
sensor = "t"
below = 16
)",
                              "hub.toml");
    EXPECT_EQ(c.timezone, "UTC");
    EXPECT_EQ(c.centre.heartbeat, 60s);
    EXPECT_EQ(c.centre.ack_timeout, 10s);
    EXPECT_FALSE(c.local.username);
    EXPECT_FALSE(c.centre.broker.ca_file);
    ASSERT_EQ(c.sensors.size(), 1u);
    EXPECT_EQ(c.sensors[0].location, "");
    EXPECT_FALSE(c.sensors[0].field);
    ASSERT_EQ(c.rules.size(), 1u);
    EXPECT_EQ(c.rules[0].below, 16.0);  // an integer is a number too
    EXPECT_EQ(c.rules[0].hysteresis, 0.5);
    EXPECT_FALSE(c.rules[0].for_);
    EXPECT_FALSE(c.rules[0].prio);
    EXPECT_TRUE(c.rules[0].windows.empty());
}

TEST(HubConfig, RelativePathsResolveAgainstTheConfigFolder) {
    auto text = base_home;
    replace_all(text, "data_dir = \"/var/lib/warden\"", "data_dir = \"data\"");
    EXPECT_EQ(parse_hub_config(text, "/etc/warden/hub.toml").data_dir, "/etc/warden/data");
    EXPECT_EQ(parse_hub_config(text, "hub.toml").data_dir, "data");
    EXPECT_EQ(parse_hub_config(base_home, "/etc/warden/hub.toml").data_dir, "/var/lib/warden");
    temp_folder dir;
    auto path = dir.write("site/hub.toml", text);
    EXPECT_EQ(std::filesystem::path(load_hub_config(path).data_dir), dir.path() / "site" / "data");
}

TEST(HubConfig, MqttSchemesAreRewrittenToPahoSchemes) {
    auto text = base_home;
    replace_all(text, "tcp://127.0.0.1:1883", "mqtt://localhost:1883");
    replace_all(text, "tcp://127.0.0.1:1884", "mqtts://[::1]:8883");
    auto c = parse_hub_config(text, "hub.toml");
    EXPECT_EQ(c.local.uri, "tcp://localhost:1883");
    EXPECT_EQ(c.centre.broker.uri, "ssl://[::1]:8883");
}

TEST(HubConfig, KeyPositionsAreKeptForWarnings) {
    auto c = load_with(R"([[rule]]
id = "up"
type = "due"
sensors = ["hall-pir"]
event = "active"
from = "07:00"
by = "10:00"
)");
    EXPECT_EQ(c.key_pos.at("hub.timezone"), (position{"hub.toml", 4, 12}));
    EXPECT_EQ(c.key_pos.at("centre.uri"), (position{"hub.toml", 10, 7}));
    EXPECT_EQ(c.sensors[0].key_pos.at("topic"), (position{"hub.toml", 16, 9}));
    EXPECT_EQ(c.rules[0].pos, (position{"hub.toml", L(1), 1}));
    EXPECT_EQ(c.rules[0].key_pos.at("from"), (position{"hub.toml", L(6), 8}));
}

TEST(HubConfig, TomlTimesAndWindowListsAreAccepted) {
    auto c = load_with(R"([[rule]]
id = "up"
type = "due"
sensors = ["hall-pir"]
event = "active"
from = 07:00:00
by = "10:00"

[[rule]]
id = "naps"
type = "inactivity"
window = ["13:00-15:00", "22:00-07:00"]
period = "3h"
)");
    EXPECT_EQ(c.rules[0].from_minute, 420);
    EXPECT_EQ(c.rules[1].windows, (std::vector<time_window>{{780, 900}, {1320, 420}}));
}

TEST(HubConfig, ASecondSensorOnOneDeviceIsFineWithAnotherKindOrField) {
    auto c = load_with(R"([[sensor]]
id = "flood"
kind = "flood"
source = "shelly"
topic = "shellies/shellyflood-1"
[[sensor]]
id = "flood-temp"
kind = "temperature"
source = "shelly"
topic = "shellies/shellyflood-1"
[[sensor]]
id = "sw1"
kind = "door"
source = "tasmota"
topic = "tasmota_1"
field = "Switch1"
[[sensor]]
id = "sw2"
kind = "door"
source = "tasmota"
topic = "tasmota_1"
field = "Switch2"
)");
    EXPECT_EQ(c.sensors.size(), 11u);
}

TEST(HubConfig, JsonSensorsAndButtonsWithOptions) {
    auto c = load_with(R"([[sensor]]
id = "chair"
kind = "chair"
source = "json"
topic = "home/chair"
field = "state.occupied"
active = true
report_every = "2h"
[[sensor]]
id = "kettle"
kind = "power"
source = "json"
topic = "home/kettle"
field = ""
threshold = 100
[[sensor]]
id = "cellar"
kind = "temperature"
source = "json"
topic = "home/cellar"
field = "t"
[[sensor]]
id = "away"
kind = "button"
source = "zigbee2mqtt"
topic = "zigbee2mqtt/away"
away_button = true
)");
    const auto* chair = c.find_sensor("chair");
    EXPECT_EQ(chair->field, "state.occupied");
    EXPECT_EQ(chair->active, "true");
    EXPECT_EQ(chair->report_every, 2h);
    EXPECT_EQ(c.find_sensor("kettle")->field, "");
    EXPECT_EQ(c.find_sensor("kettle")->threshold, 100.0);
    EXPECT_TRUE(c.find_sensor("away")->away_button);
}

// --- errors: syntax, files, sections, keys and types ----------------------------------------------

TEST(HubConfigErrors, SyntaxErrorHasItsPlace) {
    EXPECT_TRUE(
        one_error(errors_of("[hub]\nid = \"x\"\ndata_dir = \n"), 3, 12, {"TOML syntax error", "expected"}));
    EXPECT_TRUE(one_error(errors_of("[hub]\nid = \"x\"; data_dir = \"d\"\n"), 2, 9,
                          {"TOML syntax error", "put each key = value on its own line"}));
    EXPECT_TRUE(
        one_error(errors_of("[hub]\nid = \"x\"\nid = \"y\"\n"), 3, 6, {"TOML syntax error", "redefine"}));
}

TEST(HubConfigErrors, UnreadableFileIsReported) {
    try {
        load_hub_config("/nonexistent/warden/hub.toml");
        FAIL() << "expected config_error";
    } catch (const config_error& e) {
        ASSERT_EQ(e.messages().size(), 1u);
        EXPECT_EQ(e.messages()[0].rfind("/nonexistent/warden/hub.toml:1:1: cannot read the file", 0), 0u)
            << e.messages()[0];
    }
}

// Security finding 14: hostile TOML crashed the config check (a 100 KB `[a.a.a...]` header overflowed
// the stack, exit 139, so systemd restarted it for ever) and `--config /dev/zero` used 4.6 GB.
TEST(HubConfigErrors, HostileNestingIsRefusedWithItsPlaceNotACrash) {
    std::string header = "[a";
    for (int i = 0; i < 50'000; ++i) header += ".a";
    header += "]\n";
    EXPECT_TRUE(one_error(errors_of(header), 1, 67, {"dotted keys nested deeper than 32 levels"}));
    EXPECT_TRUE(one_error(errors_of("[hub]\nx = " + std::string(100'000, '[') + "\n"), 2, 37,
                          {"arrays or tables nested deeper than 32 levels"}));
    EXPECT_TRUE(one_error(errors_of("x = " + std::string(100'000, '{') + "\n"), 1, 37, {"deeper than 32"}));
    // Strings, comments and numbers are not nesting.
    auto ok = errors_of(
        "# [[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[ ......................................\n"
        "[hub]\nid = \"[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[.........................\"\n");
    for (const auto& m : ok) EXPECT_EQ(m.find("nested deeper"), std::string::npos) << m;
}

TEST(HubConfigErrors, AHugeFileOrADeviceIsRefusedWithoutReadingItAll) {
    temp_folder dir;
    auto big = dir.write("big.toml", "[hub]\n# " + std::string(2 * 1024 * 1024, 'x') + "\n");
    for (const std::string& path : {big, std::string("/dev/zero")}) {
        try {
            load_hub_config(path);
            FAIL() << "expected config_error for " << path;
        } catch (const config_error& e) {
            ASSERT_EQ(e.messages().size(), 1u);
            EXPECT_EQ(e.messages()[0],
                      path +
                          ":1:1: the file is larger than 1024 KiB; a Warden config is a few KiB: "
                          "is this the right file?");
        }
    }
}

TEST(HubConfigErrors, MissingSectionsAndKeys) {
    auto e = errors_of("[hub]\ndata_dir = \"d\"\n");
    ASSERT_EQ(e.size(), 3u) << joined(e);
    EXPECT_EQ(e[0], "hub.toml:1:1: [hub]: missing required key 'id'; e.g. id = \"hub-0001\"");
    EXPECT_EQ(e[1], "hub.toml:1:1: missing the [local] section; add it with uri = \"tcp://127.0.0.1:1883\"");
    EXPECT_NE(e[2].find("hub.toml:1:1: missing the [centre] section"), std::string::npos) << e[2];

    auto text = base_home;
    replace_all(text, "[centre]\nuri = \"tcp://127.0.0.1:1884\"", "[centre]\nheartbeat = \"30s\"");
    EXPECT_TRUE(one_error(errors_of(text), 9, 1, {"[centre]: missing required key 'uri'"}));

    EXPECT_TRUE(
        one_error(errors_with("[[sensor]]\nid = \"x\"\nkind = \"motion\"\ntopic = \"zigbee2mqtt/x\"\n"), L(1),
                  1, {"sensor 'x': missing required key 'source'", "source = \"zigbee2mqtt\""}));
}

TEST(HubConfigErrors, UnknownKeysSayWhatWasMeant) {
    auto text = base_home;
    replace_all(text, "[centre]\n", "[centre]\nheartbeet = \"30s\"\n");
    EXPECT_TRUE(
        one_error(errors_of(text), 10, 1, {"[centre]: unknown key 'heartbeet'; did you mean 'heartbeat'?"}));

    EXPECT_TRUE(
        one_error(errors_with("[[sensor]]\nid = \"x\"\nkind = \"motion\"\nsource = \"zigbee2mqtt\"\ntopic = "
                              "\"zigbee2mqtt/x\"\ncolour = \"red\"\n"),
                  L(6), 1, {"sensor 'x': unknown key 'colour' (known keys: id, kind, source"}));
    EXPECT_TRUE(
        one_error(errors_with("[alarms]\nx = 1\n"), L(1), 2,
                  {"unknown section [alarms] (sections: [hub], [local], [centre], [dc09], [[sensor]], "
                   "[[rule]], [activity])"}));
    EXPECT_TRUE(one_error(errors_with("[[rules]]\nx = 1\n"), L(1), 3,
                          {"unknown section [rules]; did you mean [[rule]]?"}));
    EXPECT_TRUE(one_error(errors_of("heartbeat = \"30s\"\n" + base_home), 1, 1,
                          {"'heartbeat' is written outside any section; move it under [centre]"}));
    EXPECT_TRUE(one_error(errors_of("uri = \"tcp://127.0.0.1:1883\"\n" + base_home), 1, 1,
                          {"'uri' is written outside any section; move it under [local], [centre]"}));
}

TEST(HubConfigErrors, WrongTypesNameTheKeyAndWhatWasGiven) {
    auto text = base_home;
    replace_all(text, "data_dir = \"/var/lib/warden\"", "data_dir = 7");
    EXPECT_TRUE(
        one_error(errors_of(text), 3, 12, {"hub.data_dir: expected a string in quotes, got integer 7"}));

    text = base_home;
    replace_all(text, "[centre]\n", "[centre]\nheartbeat = 30\n");
    EXPECT_TRUE(one_error(errors_of(text), 10, 13,
                          {"centre.heartbeat: expected a duration in quotes", "got integer 30"}));

    EXPECT_TRUE(one_error(errors_with(R"([[sensor]]
id = "b"
kind = "button"
source = "zigbee2mqtt"
topic = "zigbee2mqtt/b"
cancel_button = "yes"
)"),
                          L(6), 17,
                          {"sensor 'b' cancel_button: expected true or false", "got string \"yes\""}));
    EXPECT_TRUE(one_error(
        errors_with("[[rule]]\nid = \"cold\"\ntype = \"threshold\"\nsensor = \"lounge-temp\"\nbelow = "
                    "\"16\"\n"),
        L(5), 9, {"rule 'cold' below: expected a number (no quotes), got string \"16\""}));
    EXPECT_TRUE(
        one_error(errors_with("[[rule]]\nid = \"n\"\ntype = \"inactivity\"\nperiod = \"2h\"\nsensors = "
                              "\"hall-pir\"\n"),
                  L(5), 11, {"rule 'n' sensors: expected a list in brackets", "[\"hall-pir\""}));
    EXPECT_TRUE(one_error(
        errors_of("[hub]\nid = \"h\"\ndata_dir = \"d\"\n[local]\nuri = \"tcp://a:1\"\n[centre]\nuri = "
                  "\"tcp://a:2\"\n[sensor]\nid = \"x\"\n"),
        8, 1, {"[sensor] is written with two brackets: [[sensor]]"}));
    EXPECT_TRUE(one_error(errors_of("hub = 3\n[local]\nuri = \"tcp://a:1\"\n[centre]\nuri = \"tcp://a:2\"\n"),
                          1, 7, {"hub: expected a section [hub], got integer 3"}));
}

TEST(HubConfigErrors, BadDurationsTimesAndWindows) {
    auto text = base_home;
    replace_all(text, "[centre]\n", "[centre]\nheartbeat = \"10x\"\n");
    EXPECT_TRUE(one_error(
        errors_of(text), 10, 13,
        {R"(centre.heartbeat: "10x" is not a duration; use e.g. "500ms", "30s", "10m", "3h", "1d")"}));
    text = base_home;
    replace_all(text, "[centre]\n", "[centre]\nack_timeout = \"0s\"\n");
    EXPECT_TRUE(one_error(errors_of(text), 10, 15, {"centre.ack_timeout: must be longer than 0s"}));

    EXPECT_TRUE(one_error(
        errors_with("[[rule]]\nid = \"n\"\ntype = \"inactivity\"\nwindow = \"22-07\"\nperiod = \"2h\"\n"),
        L(4), 10, {R"(rule 'n' window: "22-07" is not a window; use "HH:MM-HH:MM")", "22:00-07:00"}));
    EXPECT_TRUE(one_error(errors_with("[[rule]]\nid = \"n\"\ntype = \"inactivity\"\nwindow = "
                                      "[\"22:00-07:00\", \"13:00-25:00\"]\nperiod = \"2h\"\n"),
                          L(4), 26, {R"("13:00-25:00" is not a window)"}));
    EXPECT_TRUE(
        one_error(errors_with("[[rule]]\nid = \"up\"\ntype = \"due\"\nsensors = [\"hall-pir\"]\nevent = "
                              "\"active\"\nfrom = \"7am\"\nby = \"10:00\"\n"),
                  L(6), 8, {R"(rule 'up' from: "7am" is not a time of day; use "HH:MM")"}));
    EXPECT_TRUE(one_error(errors_with("[[rule]]\nid = \"n\"\ntype = \"inactivity\"\nperiod = \"2 h\"\n"),
                          L(4), 10, {R"(rule 'n' period: "2 h" is not a duration)"}));
}

TEST(HubConfigErrors, InvalidIds) {
    auto text = base_home;
    replace_all(text, "id = \"hub-0001\"", "id = \"hub 1\"");
    EXPECT_TRUE(
        one_error(errors_of(text), 2, 6, {"hub.id: \"hub 1\" is not a valid hub id; use 1 to 64 letters"}));
    text = base_home;
    replace_all(text, "id = \"hub-0001\"", "id = \"" + std::string(65, 'h') + "\"");
    EXPECT_TRUE(one_error(errors_of(text), 2, 6, {"is not a valid hub id"}));

    EXPECT_TRUE(one_error(
        errors_with(
            "[[sensor]]\nid = \"hall/pir\"\nkind = \"motion\"\nsource = \"zigbee2mqtt\"\ntopic = \"z/x\"\n"),
        L(2), 6, {"sensor 'hall/pir' id: \"hall/pir\" is not a valid sensor id"}));
    EXPECT_TRUE(
        one_error(errors_with("[[rule]]\nid = \"night rule\"\ntype = \"inactivity\"\nperiod = \"2h\"\n"),
                  L(2), 6, {"rule 'night rule' id: \"night rule\" is not a valid rule id"}));
}

TEST(HubConfigErrors, RuleIdsOfTechnicalAlertsAreReserved) {
    for (std::string id : {"sensor_offline", "battery_low", "tamper", "bridge_offline", "hub_started",
                           "storage_fault", "uplink_fault", "test"}) {
        EXPECT_TRUE(one_error(
            errors_with("[[rule]]\nid = \"" + id + "\"\ntype = \"inactivity\"\nperiod = \"2h\"\n"), L(2), 6,
            {"rule '" + id + "' id: \"" + id + "\" is reserved for the hub's technical alerts",
             "give the rule another id"}));
    }
    EXPECT_TRUE(
        errors_with("[[rule]]\nid = \"tamper-check\"\ntype = \"inactivity\"\nperiod = \"2h\"\n").empty());
}

TEST(HubConfigErrors, DuplicateIdsAndTopics) {
    EXPECT_TRUE(one_error(errors_with("[[sensor]]\nid = \"bed\"\nkind = \"chair\"\nsource = "
                                      "\"zigbee2mqtt\"\ntopic = \"zigbee2mqtt/chair\"\n"),
                          L(2), 6, {"sensor id 'bed' is used twice (first at line 34)"}));
    EXPECT_TRUE(
        one_error(errors_with("[[rule]]\nid = \"n\"\ntype = \"inactivity\"\nperiod = \"2h\"\n[[rule]]\nid = "
                              "\"n\"\ntype = \"inactivity\"\nperiod = \"3h\"\n"),
                  L(6), 6, {"rule id 'n' is used twice (first at line " + std::to_string(L(2)) + ")"}));
    EXPECT_TRUE(
        one_error(errors_with("[[sensor]]\nid = \"hall-pir-2\"\nkind = \"motion\"\nsource = "
                              "\"zigbee2mqtt\"\ntopic = \"zigbee2mqtt/hall_pir\"\n"),
                  L(5), 9,
                  {"sensor 'hall-pir-2' topic: \"zigbee2mqtt/hall_pir\" is already the topic of sensor "
                   "'hall-pir' (line 23) with the same source and kind"}));
    EXPECT_TRUE(one_error(errors_with(R"([[sensor]]
id = "a"
kind = "door"
source = "tasmota"
topic = "tasmota_1"
field = "Switch1"
[[sensor]]
id = "b"
kind = "motion"
source = "tasmota"
topic = "tasmota_1"
field = "Switch1"
)"),
                          L(11), 9, {"already the topic of sensor 'a'", "same source and field"}));
}

TEST(HubConfigErrors, UnknownNamesSuggestTheNearestOne) {
    EXPECT_TRUE(one_error(
        errors_with("[[sensor]]\nid = \"x\"\nkind = \"montion\"\nsource = \"zigbee2mqtt\"\ntopic = "
                    "\"zigbee2mqtt/x\"\n"),
        L(3), 8,
        {R"(sensor 'x' kind: "montion" is not a sensor kind; did you mean "motion"? use one of: pendant,)"}));
    EXPECT_TRUE(one_error(
        errors_with(
            "[[sensor]]\nid = \"x\"\nkind = \"motion\"\nsource = \"zigbee\"\ntopic = \"zigbee2mqtt/x\"\n"),
        L(4), 10,
        {R"(sensor 'x' source: "zigbee" is not a source;)", "zigbee2mqtt, tasmota, esphome, shelly, json"}));
    EXPECT_TRUE(one_error(
        errors_with("[[rule]]\nid = \"b\"\ntype = \"out-of-bed\"\nsensor = \"bed\"\nwithin = \"30m\"\n"),
        L(3), 8, {R"(did you mean "out_of_bed"?)"}));
    EXPECT_TRUE(one_error(
        errors_with("[[rule]]\nid = \"n\"\ntype = \"inactivity\"\nperiod = \"2h\"\npriority = \"urgent\"\n"),
        L(5), 12,
        {R"(rule 'n' priority: "urgent" is not a priority; use one of: critical, high, normal, low)"}));
    auto text = base_home;
    replace_all(text, "Europe/London", "Europe/Londn");
    EXPECT_TRUE(one_error(
        errors_of(text), 4, 12,
        {R"(hub.timezone: "Europe/Londn" is not a known IANA time zone; did you mean "Europe/London"?)"}));
}

TEST(HubConfigErrors, BrokerAddresses) {
    auto with_local = [](const std::string& uri) {
        auto text = base_home;
        replace_all(text, "tcp://127.0.0.1:1883", uri);
        return errors_of(text);
    };
    EXPECT_TRUE(
        one_error(with_local("http://127.0.0.1:1883"), 7, 7,
                  {R"(local.uri: "http://127.0.0.1:1883" is not a broker address)", "use tcp://HOST:PORT"}));
    EXPECT_TRUE(one_error(with_local("tcp://127.0.0.1"), 7, 7, {"(no :PORT)"}));
    EXPECT_TRUE(one_error(with_local("tcp://127.0.0.1:0"), 7, 7, {"is not a number from 1 to 65535"}));
    EXPECT_TRUE(one_error(with_local("tcp://:1883"), 7, 7, {"(no host)"}));
    EXPECT_TRUE(with_local("ssl://broker.local:8883").empty());

    auto text = base_home;
    replace_all(text, "[local]\n", "[local]\npassword = \"secret\"\n");
    EXPECT_TRUE(one_error(errors_of(text), 7, 12, {"local.password: a password needs a username"}));
}

TEST(HubConfigErrors, TlsFilesMustExistAndNeedSsl) {
    temp_folder dir;
    dir.write("certs/ca.pem", "-----BEGIN CERTIFICATE-----\n");
    auto text = base_home;
    replace_all(text, "tcp://127.0.0.1:1884\"",
                "ssl://centre.example.org:8883\"\nca_file = \"certs/ca.pem\"");
    auto path = dir.write("hub.toml", text);
    auto c = load_hub_config(path);
    EXPECT_EQ(std::filesystem::path(*c.centre.broker.ca_file), dir.path() / "certs" / "ca.pem");

    auto missing = text;
    replace_all(missing, "certs/ca.pem", "certs/nope.pem");
    auto e = errors_of(missing, (dir.path() / "hub.toml").string());
    ASSERT_EQ(e.size(), 1u) << joined(e);
    EXPECT_NE(e[0].find(":11:11: centre.ca_file: no such file"), std::string::npos) << e[0];

    auto plain = text;
    replace_all(plain, "ssl://centre.example.org:8883", "tcp://centre.example.org:1883");
    e = errors_of(plain, (dir.path() / "hub.toml").string());
    ASSERT_EQ(e.size(), 1u) << joined(e);
    EXPECT_NE(e[0].find("centre.ca_file: TLS files need an ssl:// uri"), std::string::npos) << e[0];

    auto key_only = text;
    replace_all(key_only, "ca_file", "key_file");
    e = errors_of(key_only, (dir.path() / "hub.toml").string());
    ASSERT_EQ(e.size(), 1u) << joined(e);
    EXPECT_NE(e[0].find("a private key needs its certificate"), std::string::npos) << e[0];
}

// --- errors: sensors --------------------------------------------------------------------------------------

TEST(HubConfigErrors, TopicsInTheFormTheirSourceUses) {
    auto sensor = [](const std::string& source, const std::string& topic) {
        return errors_with("[[sensor]]\nid = \"x\"\nkind = \"motion\"\nsource = \"" + source +
                           "\"\ntopic = \"" + topic + "\"\n");
    };
    EXPECT_TRUE(
        one_error(sensor("zigbee2mqtt", "zigbee2mqtt/pir/availability"), L(5), 9,
                  {"names the device's availability topic; use the state topic \"zigbee2mqtt/pir\""}));
    EXPECT_TRUE(one_error(sensor("zigbee2mqtt", "hall_pir"), L(5), 9, {"\"<base>/<friendly_name>\""}));
    EXPECT_TRUE(
        one_error(sensor("zigbee2mqtt", "zigbee2mqtt/bridge/state"), L(5), 9, {"the bridge's own topic"}));
    EXPECT_TRUE(one_error(sensor("tasmota", "tele/tasmota_1A2B3C/SENSOR"), L(5), 9,
                          {"give the device topic only, \"tasmota_1A2B3C\""}));
    EXPECT_TRUE(one_error(sensor("esphome", "kitchen/pir"), L(5), 9,
                          {"not an esphome state topic; use \"<prefix>/<component>/<name>/state\""}));
    EXPECT_TRUE(one_error(sensor("shelly", "shellies/shellymotion-1/sensor/motion"), L(5), 9,
                          {"give its base topic \"shellies/shellymotion-1\""}));
    EXPECT_TRUE(one_error(sensor("zigbee2mqtt", "zigbee2mqtt/+"), L(5), 9, {"wildcard"}));
    EXPECT_TRUE(one_error(sensor("zigbee2mqtt", ""), L(5), 9, {"sensor 'x' topic: empty"}));
    EXPECT_TRUE(sensor("shelly", "shellyplus1-a8032ab1c2d3").empty());
    EXPECT_TRUE(sensor("esphome", "home/hall/binary_sensor/pir/state").empty());
}

// zigbee2mqtt allows spaces in friendly names (a real one: "sensore perdita gas"); MQTT topics may hold them.
TEST(HubConfigErrors, TopicsMayHoldSpaces) {
    auto sensor = [](const std::string& source, const std::string& topic) {
        return errors_with("[[sensor]]\nid = \"x\"\nkind = \"gas\"\nsource = \"" + source + "\"\ntopic = \"" +
                           topic + "\"\n");
    };
    EXPECT_TRUE(sensor("zigbee2mqtt", "zigbee2mqtt/sensore perdita gas").empty());
    EXPECT_TRUE(one_error(sensor("zigbee2mqtt", "zigbee2mqtt/gas "), L(5), 9, {"ends with a space"}));
}

// docs/sensors.md: one json sensor may read every matching topic (home/+/door, pir/#).
TEST(HubConfigErrors, JsonSensorsTakeWildcardsWhereMqttAllowsThem) {
    auto json_sensor = [](const std::string& topic) {
        return errors_with("[[sensor]]\nid = \"x\"\nkind = \"motion\"\nsource = \"json\"\ntopic = \"" +
                           topic + "\"\nfield = \"state\"\nactive = \"ON\"\n");
    };
    EXPECT_TRUE(json_sensor("home/+/door").empty());
    EXPECT_TRUE(json_sensor("pir/#").empty());
    EXPECT_TRUE(one_error(json_sensor("pir/#/x"), L(5), 9, {"# may only be the last level"}));
    EXPECT_TRUE(one_error(json_sensor("home/a+/door"), L(5), 9, {"+ and # stand alone"}));
}

TEST(HubConfigErrors, JsonSourceNeedsFieldAndActiveOrThreshold) {
    auto e =
        errors_with("[[sensor]]\nid = \"x\"\nkind = \"motion\"\nsource = \"json\"\ntopic = \"home/x\"\n");
    ASSERT_EQ(e.size(), 2u) << joined(e);
    EXPECT_NE(e[0].find(":" + std::to_string(L(1)) + ":1: sensor 'x': missing required key 'field'"),
              std::string::npos)
        << e[0];
    EXPECT_NE(e[1].find("sensor 'x': missing required key 'active'; e.g. active = \"ON\""), std::string::npos)
        << e[1];
    EXPECT_TRUE(one_error(errors_with("[[sensor]]\nid = \"x\"\nkind = \"power\"\nsource = \"json\"\ntopic = "
                                      "\"home/x\"\nfield = \"w\"\nactive = \"ON\"\nthreshold = 5\n"),
                          L(8), 13, {"give either active", "or threshold", "not both"}));
}

TEST(HubConfigErrors, ButtonOptionsOnlyOnButtons) {
    EXPECT_TRUE(
        one_error(errors_with("[[sensor]]\nid = \"x\"\nkind = \"motion\"\nsource = \"zigbee2mqtt\"\ntopic = "
                              "\"zigbee2mqtt/x\"\ncancel_button = true\n"),
                  L(6), 17,
                  {"sensor 'x' cancel_button: only a sensor of kind \"button\" can be a cancel_button (this "
                   "one is a motion)"}));
    EXPECT_TRUE(
        one_error(errors_with("[[sensor]]\nid = \"x\"\nkind = \"button\"\nsource = \"zigbee2mqtt\"\ntopic = "
                              "\"zigbee2mqtt/x\"\ncancel_button = true\naway_button = true\n"),
                  L(7), 15, {"either a cancel_button or an away_button, not both"}));
    EXPECT_TRUE(
        one_error(errors_with("[[sensor]]\nid = \"x\"\nkind = \"temperature\"\nsource = \"tasmota\"\ntopic = "
                              "\"t1\"\nthreshold = 20\n"),
                  L(6), 13, {"limits go in a threshold [[rule]]"}));
}

// --- errors: rules
// ------------------------------------------------------------------------------------------

TEST(HubConfigErrors, RulesNamingUnknownSensors) {
    EXPECT_TRUE(one_error(
        errors_with("[[rule]]\nid = \"night\"\ntype = \"exit\"\nsensor = \"frontdoor\"\nwithin = \"10m\"\n"),
        L(4), 10,
        {"rule 'night': sensor 'frontdoor' is not configured (did you mean 'front-door'? configured: "
         "pendant, "
         "hall-pir, front-door, bed, ok-button, lounge-temp, smoke)"}));
    EXPECT_TRUE(one_error(errors_with("[[rule]]\nid = \"n\"\ntype = \"inactivity\"\nsensors = [\"hall-pir\", "
                                      "\"kitchen\"]\nperiod = \"2h\"\n"),
                          L(4), 24, {"rule 'n': sensor 'kitchen' is not configured"}));
    EXPECT_TRUE(one_error(errors_with("[[rule]]\nid = \"n\"\ntype = \"inactivity\"\nsensors = [\"hall-pir\", "
                                      "\"hall-pir\"]\nperiod = \"2h\"\n"),
                          L(4), 24, {"rule 'n' sensors: sensor 'hall-pir' is listed twice"}));
    EXPECT_TRUE(
        one_error(errors_with("[[rule]]\nid = \"n\"\ntype = \"inactivity\"\nsensors = []\nperiod = \"2h\"\n"),
                  L(4), 11, {"rule 'n' sensors: empty list; leave sensors out to use the default"}));
}

TEST(HubConfigErrors, KindsARuleCannotUse) {
    EXPECT_TRUE(one_error(
        errors_with("[[rule]]\nid = \"b\"\ntype = \"out_of_bed\"\nsensor = \"hall-pir\"\nwithin = \"30m\"\n"),
        L(4), 10,
        {"rule 'b': sensor 'hall-pir' is a motion sensor; out_of_bed needs a bed or chair sensor"}));
    EXPECT_TRUE(
        one_error(errors_with("[[rule]]\nid = \"x\"\ntype = \"exit\"\nsensor = \"bed\"\nwithin = \"10m\"\n"),
                  L(4), 10, {"rule 'x': sensor 'bed' is a bed sensor; exit needs a door sensor"}));
    EXPECT_TRUE(
        one_error(errors_with("[[rule]]\nid = \"x\"\ntype = \"exit\"\nsensor = \"front-door\"\ninside = "
                              "[\"lounge-temp\"]\nwithin = \"10m\"\n"),
                  L(5), 11, {"rule 'x' inside: sensor 'lounge-temp' is a temperature sensor"}));
    EXPECT_TRUE(
        one_error(errors_with("[[rule]]\nid = \"x\"\ntype = \"exit\"\nsensor = \"front-door\"\ninside = "
                              "[\"front-door\"]\nwithin = \"10m\"\n"),
                  L(5), 11, {"'front-door' is the door itself"}));
    EXPECT_TRUE(one_error(
        errors_with("[[rule]]\nid = \"n\"\ntype = \"inactivity\"\nsensors = [\"smoke\"]\nperiod = \"2h\"\n"),
        L(4), 12,
        {"rule 'n': sensor 'smoke' is a smoke sensor, whose regular reports do not show that anyone is "
         "there"}));
    EXPECT_TRUE(one_error(
        errors_with("[[rule]]\nid = \"c\"\ntype = \"threshold\"\nsensor = \"front-door\"\nabove = 5\n"), L(4),
        10, {"rule 'c': sensor 'front-door' is a door sensor and reports no number"}));
    // A pendant press shows someone is there; a sensor whose field names a number can have a threshold.
    EXPECT_TRUE(
        errors_with(
            "[[rule]]\nid = \"n\"\ntype = \"inactivity\"\nsensors = [\"pendant\", \"hall-pir\"]\nperiod "
            "= \"2h\"\n")
            .empty());
    EXPECT_TRUE(
        errors_with(
            "[[sensor]]\nid = \"plug\"\nkind = \"power\"\nsource = \"zigbee2mqtt\"\ntopic = "
            "\"zigbee2mqtt/plug\"\nfield = \"power\"\n[[rule]]\nid = \"c\"\ntype = \"threshold\"\nsensor "
            "= \"plug\"\nattribute = \"power\"\nabove = 2500\n")
            .empty());
}

TEST(HubConfigErrors, ThresholdAttributeMustBeTheSensorsReading) {
    // A sensor gives the engine one reading; attribute cannot pick another one.
    EXPECT_TRUE(
        one_error(errors_with("[[rule]]\nid = \"c\"\ntype = \"threshold\"\nsensor = \"lounge-temp\"\n"
                              "attribute = \"humidity\"\nbelow = 30\n"),
                  L(5), 13,
                  {"rule 'c' attribute: \"humidity\" is not what sensor 'lounge-temp' reports: its one "
                   "reading is \"temperature\"",
                   "field is \"humidity\""}));
    const std::string tasmota =
        "[[sensor]]\nid = \"t\"\nkind = \"temperature\"\nsource = \"tasmota\"\ntopic = \"tasmota_1\"\n"
        "field = \"DS18B20.Temperature\"\n";
    EXPECT_TRUE(one_error(errors_with(tasmota + "[[rule]]\nid = \"c\"\ntype = \"threshold\"\nsensor = \"t\"\n"
                                                "attribute = \"Humidity\"\nbelow = 30\n"),
                          L(11), 13,
                          {"its one reading is \"Temperature\" (its field is \"DS18B20.Temperature\")"}));
    // The reading's own name, in any case, or the whole field, is fine; so is leaving it out.
    for (std::string a : {"temperature", "Temperature", "DS18B20.Temperature"})
        EXPECT_TRUE(errors_with(tasmota +
                                "[[rule]]\nid = \"c\"\ntype = \"threshold\"\nsensor = \"t\"\n"
                                "attribute = \"" +
                                a + "\"\nbelow = 30\n")
                        .empty())
            << a;
    EXPECT_TRUE(errors_with("[[rule]]\nid = \"c\"\ntype = \"threshold\"\nsensor = \"lounge-temp\"\n"
                            "attribute = \"temperature\"\nbelow = 16\n")
                    .empty());
}

TEST(HubConfigErrors, RequiredKeysPerRuleType) {
    EXPECT_TRUE(one_error(errors_with("[[rule]]\nid = \"n\"\ntype = \"inactivity\"\n"), L(1), 1,
                          {"rule 'n': missing required key 'period'; e.g. period = \"2h\""}));
    auto e = errors_with("[[rule]]\nid = \"b\"\ntype = \"out_of_bed\"\n");
    ASSERT_EQ(e.size(), 2u) << joined(e);
    EXPECT_NE(e[0].find("missing required key 'sensor'"), std::string::npos);
    EXPECT_NE(e[1].find("missing required key 'within'"), std::string::npos);
    EXPECT_TRUE(one_error(errors_with("[[rule]]\nid = \"x\"\ntype = \"exit\"\nsensor = \"front-door\"\n"),
                          L(1), 1, {"rule 'x': an exit rule needs within", "open_for"}));
    e = errors_with("[[rule]]\nid = \"up\"\ntype = \"due\"\n");
    ASSERT_EQ(e.size(), 3u) << joined(e);
    EXPECT_NE(e[0].find("missing required key 'event'"), std::string::npos);
    EXPECT_NE(e[1].find("missing required key 'from'"), std::string::npos);
    EXPECT_NE(e[2].find("missing required key 'by'"), std::string::npos);
    EXPECT_TRUE(
        one_error(errors_with("[[rule]]\nid = \"c\"\ntype = \"threshold\"\nsensor = \"lounge-temp\"\n"), L(1),
                  1, {"rule 'c': a threshold rule needs below, above, or rise with over"}));
    EXPECT_TRUE(one_error(
        errors_with("[[rule]]\nid = \"c\"\ntype = \"threshold\"\nsensor = \"lounge-temp\"\nrise = 5\n"), L(1),
        1, {"rule 'c': missing required key 'over'"}));
    EXPECT_TRUE(one_error(errors_with("[[rule]]\nid = \"c\"\ntype = \"threshold\"\nsensor = \"lounge-temp\"\n"
                                      "below = 16\nhysteresis = -1\n"),
                          L(6), 14, {"rule 'c' hysteresis: must be 0 or more"}));
    EXPECT_TRUE(one_error(errors_with("[[rule]]\nid = \"x\"\nperiod = \"2h\"\n"), L(1), 1,
                          {"rule 'x': missing required key 'type'"}));
}

TEST(HubConfigErrors, KeysOfAnotherRuleType) {
    EXPECT_TRUE(one_error(
        errors_with("[[rule]]\nid = \"n\"\ntype = \"inactivity\"\nperiod = \"2h\"\nwithin = \"10m\"\n"), L(5),
        1,
        {"rule 'n': 'within' is not a key of inactivity rules (it belongs to out_of_bed rules); inactivity "
         "rules "
         "take: id, type, window, priority, sensors, period, warn, paused_by"}));
    EXPECT_TRUE(
        one_error(errors_with("[[rule]]\nid = \"up\"\ntype = \"due\"\nsensors = [\"hall-pir\"]\nevent = "
                              "\"active\"\nfrom = \"07:00\"\nby = \"10:00\"\nwindow = \"07:00-10:00\"\n"),
                  L(8), 1, {"rule 'up': a due rule has no window; from and by are its window"}));
    EXPECT_TRUE(one_error(
        errors_with("[[rule]]\nid = \"n\"\ntype = \"inactivity\"\nperoid = \"2h\"\nperiod = \"2h\"\n"), L(4),
        1, {"rule 'n': unknown key 'peroid'; did you mean 'period'?"}));
}

TEST(HubConfig, InactivityPausedByABedOrChair) {
    auto c =
        load_with("[[rule]]\nid = \"n\"\ntype = \"inactivity\"\nperiod = \"2h\"\npaused_by = [\"bed\"]\n");
    ASSERT_EQ(c.rules.size(), 1u);
    EXPECT_EQ(c.rules[0].paused_by, std::vector<std::string>{"bed"});
    auto example = load_hub_config(source_dir + "/examples/home.toml");
    EXPECT_EQ(rule_named(example, "night-inactivity").paused_by, std::vector<std::string>{"bed"});
}

TEST(HubConfigErrors, PausedByNeedsConfiguredBedOrChairSensors) {
    EXPECT_TRUE(one_error(
        errors_with("[[rule]]\nid = \"n\"\ntype = \"inactivity\"\nperiod = \"2h\"\npaused_by = "
                    "[\"hall-pir\"]\n"),
        L(5), 14,
        {"rule 'n' paused_by: sensor 'hall-pir' is a motion sensor; only a bed or chair sensor can pause"}));
    EXPECT_TRUE(one_error(
        errors_with("[[rule]]\nid = \"n\"\ntype = \"inactivity\"\nperiod = \"2h\"\npaused_by = [\"bde\"]\n"),
        L(5), 14, {"rule 'n': sensor 'bde' is not configured", "did you mean 'bed'?"}));
    EXPECT_TRUE(one_error(
        errors_with("[[rule]]\nid = \"n\"\ntype = \"inactivity\"\nperiod = \"2h\"\npaused_by = [\"bed\", "
                    "\"bed\"]\n"),
        L(5), 21, {"rule 'n' paused_by: sensor 'bed' is listed twice"}));
    EXPECT_TRUE(one_error(
        errors_with("[[rule]]\nid = \"b\"\ntype = \"out_of_bed\"\nsensor = \"bed\"\nwithin = \"30m\"\n"
                    "paused_by = [\"bed\"]\n"),
        L(6), 1, {"'paused_by' is not a key of out_of_bed rules (it belongs to inactivity rules)"}));
}

TEST(HubConfigErrors, WarnMustComeBeforeThePeriodEnds) {
    EXPECT_TRUE(one_error(
        errors_with("[[rule]]\nid = \"n\"\ntype = \"inactivity\"\nperiod = \"2h\"\nwarn = \"2h\"\n"), L(5), 8,
        {"rule 'n' warn: the pre-alarm (2h) must come before the alarm, so warn must be shorter than period "
         "(2h)"}));
}

TEST(HubConfigErrors, DueEventMustBeAWordOfEachSensorsKind) {
    auto due = [](const std::string& sensors, const std::string& event) {
        return errors_with("[[rule]]\nid = \"up\"\ntype = \"due\"\n" + sensors + "event = \"" + event +
                           "\"\nfrom = \"07:00\"\nby = \"10:00\"\n");
    };
    EXPECT_TRUE(due("sensors = [\"bed\"]\n", "vacant").empty());
    EXPECT_TRUE(due("sensors = [\"bed\"]\n", "occupied").empty());
    EXPECT_TRUE(due("sensors = [\"ok-button\"]\n", "press").empty());
    EXPECT_TRUE(due("sensors = [\"front-door\", \"hall-pir\"]\n", "active").empty());
    EXPECT_TRUE(due("", "active").empty());
    EXPECT_TRUE(
        one_error(due("sensors = [\"hall-pir\", \"bed\"]\n", "occupied"), L(4), 12,
                  {"rule 'up': sensor 'hall-pir' (motion) never sends event \"occupied\"; its events are "
                   "\"active\", \"clear\" or \"inactive\""}));
    EXPECT_TRUE(
        one_error(due("sensors = [\"ok-button\"]\n", "release"), L(4), 12,
                  {"sensor 'ok-button' (button) never sends event \"release\"; its events are \"press\" or "
                   "\"active\""}));
    // Without `sensors` the rule watches every activity sensor: one message lists those that never send it.
    EXPECT_TRUE(one_error(due("", "press"), L(4), 9,
                          {"rule 'up' event: \"press\" never comes from 'hall-pir' (motion:",
                           "'front-door' (door:", "'bed' (bed:", "because sensors is not given"}));
}

TEST(HubConfigErrors, RulesNeedSomethingToWatch) {
    auto e = errors_of(R"([hub]
id = "h"
data_dir = "/d"
[local]
uri = "tcp://127.0.0.1:1883"
[centre]
uri = "tcp://127.0.0.1:1884"
[[sensor]]
id = "pendant"
kind = "pendant"
source = "zigbee2mqtt"
topic = "zigbee2mqtt/pendant"
[[rule]]
id = "n"
type = "inactivity"
period = "2h"
)");
    EXPECT_TRUE(one_error(e, 13, 1, {"rule 'n': there is no sensor to watch"}));
}

TEST(HubConfigErrors, Dc09Section) {
    auto c = load_with(R"([dc09]
host = "arc.example.org"
port = 5001
transport = "udp"
account = "AB12"
receiver = "12"
line = "3"
key_hex = "000102030405060708090a0b0c0d0e0f"
format = "ADM-CID"
role = "both"
supervision = "90s"
)");
    ASSERT_TRUE(c.dc09);
    EXPECT_EQ(c.dc09->host, "arc.example.org");
    EXPECT_EQ(c.dc09->port, 5001);
    EXPECT_EQ(c.dc09->transport, "udp");
    EXPECT_EQ(c.dc09->account, "AB12");
    EXPECT_EQ(c.dc09->receiver, "12");
    EXPECT_EQ(c.dc09->line, "3");
    EXPECT_EQ(c.dc09->key,
              std::string("\x00\x01\x02\x03\x04\x05\x06\x07\x08\x09\x0a\x0b\x0c\x0d\x0e\x0f", 16));
    EXPECT_EQ(c.dc09->format, "ADM-CID");
    EXPECT_EQ(c.dc09->role, "both");
    EXPECT_EQ(c.dc09->supervision, 90s);

    auto d = load_with("[dc09]\naccount = \"1234\"\nkey = \"0123456789abcdef01234567\"\n");
    EXPECT_EQ(d.dc09->host, "127.0.0.1");
    EXPECT_EQ(d.dc09->port, 5000);
    EXPECT_EQ(d.dc09->format, "SIA-DCS");
    EXPECT_EQ(d.dc09->role, "backup");
    EXPECT_EQ(d.dc09->key.size(), 24u);

    auto e = errors_with(R"([dc09]
host = "arc.example.org:5000"
port = 70000
transport = "sctp"
account = "12G4"
receiver = "1234567"
key = "short"
format = "SIA"
role = "primary"
supervision = "5 min"
colour = 1
)");
    ASSERT_EQ(e.size(), 10u) << joined(e);
    auto at = [&](int i, int line, std::string_view part) {
        auto prefix = "hub.toml:" + std::to_string(L(line)) + ":";
        EXPECT_EQ(e[i].rfind(prefix, 0), 0u) << e[i];
        EXPECT_NE(e[i].find(part), std::string::npos) << e[i];
    };
    at(0, 2, "dc09.host: \"arc.example.org:5000\" is not a host name or address");
    at(1, 3, "dc09.port: 70000 is not a port; use 1 to 65535");
    at(2, 4, "dc09.transport: \"sctp\" is not a transport; use \"tcp\" or \"udp\"");
    at(3, 5, "dc09.account: \"12G4\" is not an account number; use 3 to 16 hex digits");
    at(4, 6, "dc09.receiver: \"1234567\" is not a receiver number");
    at(5, 7, "dc09.key: an AES key is 16, 24 or 32 characters, this one has 5");
    at(6, 8, "dc09.format: \"SIA\" is not a DC-09 format; use \"SIA-DCS\" or \"ADM-CID\"");
    at(7, 9, "dc09.role: \"primary\" is not a role");
    at(8, 10, "dc09.supervision: \"5 min\" is not a duration");
    at(9, 11, "[dc09]: unknown key 'colour'");

    EXPECT_TRUE(
        one_error(errors_with("[dc09]\naccount = \"1234\"\nkey_hex = \"00112233445566778899AABBCCDDEEFG\"\n"),
                  L(3), 11, {"dc09.key_hex: only hex digits"}));
    EXPECT_TRUE(one_error(errors_with("[dc09]\naccount = \"1234\"\nkey_hex = \"0011\"\n"), L(3), 11,
                          {"expected 32, 48 or 64 hex digits", "got 4"}));
    EXPECT_TRUE(one_error(errors_with("[dc09]\naccount = \"1234\"\nkey = \"0123456789abcdef\"\nkey_hex = "
                                      "\"00112233445566778899AABBCCDDEEFF\"\n"),
                          L(4), 11, {"give either key or key_hex, not both"}));
    EXPECT_TRUE(one_error(errors_with("[dc09]\nhost = \"arc\"\n"), L(1), 1,
                          {"[dc09]: missing required key 'account'"}));
}

TEST(HubConfigErrors, ManyErrorsAreReportedAtOnceInFileOrder) {
    const std::string path = source_dir + "/tests/fixtures/config/many_errors.toml";
    std::vector<std::string> e;
    try {
        load_hub_config(path);
        FAIL() << "expected config_error";
    } catch (const config_error& err) {
        e = err.messages();
        // what() is every message, one per line, for a plain `catch (std::exception&)`.
        const std::string what = err.what();
        EXPECT_EQ(std::count(what.begin(), what.end(), '\n') + 1, static_cast<long>(e.size()));
    }
    std::vector<std::string> expected_lines;
    std::istringstream in(read_file(source_dir + "/tests/fixtures/config/many_errors.expected"));
    for (std::string line; std::getline(in, line);)
        if (!line.empty()) expected_lines.push_back(line);
    ASSERT_EQ(e.size(), expected_lines.size()) << joined(e);
    int last_line = 0;
    for (std::size_t i = 0; i < e.size(); ++i) {
        // Each expected line is "LINE:COLUMN: text the message must contain".
        auto colon = expected_lines[i].find(": ");
        auto place = expected_lines[i].substr(0, colon);
        auto text = expected_lines[i].substr(colon + 2);
        EXPECT_EQ(e[i].rfind(path + ":" + place + ": ", 0), 0u) << "message " << i << ": " << e[i];
        EXPECT_NE(e[i].find(text), std::string::npos) << "message " << i << ": " << e[i];
        int line = std::stoi(place);
        EXPECT_GE(line, last_line) << "sorted by place";
        last_line = line;
    }
}

// --- [activity] ------------------------------------------------------------------------------------------

TEST(HubConfig, ActivitySection) {
    EXPECT_FALSE(load_with("").activity);
    auto c = load_with(R"([[sensor]]
id = "kettle_plug"
kind = "power"
source = "zigbee2mqtt"
topic = "zigbee2mqtt/kettle_plug"
location = "kitchen"

[activity]
share = true
keep_raw_days = 30
night = "23:00-06:30"
exit_doors = ["front-door"]

[activity.rooms]
"hallway" = "hall"
"kitchen" = "kitchen"
"bedroom" = "bedroom"

[activity.appliances]
kettle_plug = "kettle"
)");
    ASSERT_TRUE(c.activity);
    const auto& a = *c.activity;
    EXPECT_TRUE(a.share);
    EXPECT_EQ(a.keep_raw_days, 30);
    EXPECT_EQ(a.night, (time_window{23 * 60, 6 * 60 + 30}));
    EXPECT_EQ(a.exit_doors, std::vector<std::string>{"front-door"});
    EXPECT_EQ(a.rooms.at("hallway"), room_role::hall);
    EXPECT_EQ(a.rooms.at("kitchen"), room_role::kitchen);
    EXPECT_EQ(a.rooms.at("bedroom"), room_role::bedroom);
    EXPECT_EQ(a.appliances.at("kettle_plug"), "kettle");
    EXPECT_EQ(c.key_pos.at("activity.share").line, L(9));

    // Defaults: no consent, 14 days, 22:00-07:00.
    auto d = load_with("[activity]\n");
    ASSERT_TRUE(d.activity);
    EXPECT_FALSE(d.activity->share);
    EXPECT_EQ(d.activity->keep_raw_days, 14);
    EXPECT_EQ(d.activity->night, (time_window{22 * 60, 7 * 60}));
    EXPECT_TRUE(d.activity->rooms.empty());
}

TEST(HubConfigErrors, ActivityValues) {
    EXPECT_TRUE(one_error(errors_with("[activity]\nshare = \"yes\"\n"), L(2), 9,
                          {"activity.share: expected", "got string"}));
    EXPECT_TRUE(one_error(errors_with("[activity]\nkeep_raw_days = 0\n"), L(2), 17,
                          {"activity.keep_raw_days: 0 is out of range", "1 to 366"}));
    EXPECT_TRUE(one_error(errors_with("[activity]\nnight = \"22:00\"\n"), L(2), 9,
                          {"activity.night: \"22:00\" is not a night", "\"22:00-07:00\""}));
    EXPECT_TRUE(one_error(errors_with("[activity]\nnight = \"07:00-07:00\"\n"), L(2), 9,
                          {"activity.night: \"07:00-07:00\" is not a night"}));
    EXPECT_TRUE(one_error(errors_with("[activity]\nconsent = true\n"), L(2), 1,
                          {"[activity]: unknown key 'consent'"}));
    EXPECT_TRUE(one_error(errors_with("[activity]\nrooms = \"bathroom\"\n"), L(2), 9,
                          {"activity.rooms: expected a table of location = role"}));
}

TEST(HubConfigErrors, ActivityRoomsAppliancesAndDoorsNameWhatIsConfigured) {
    EXPECT_TRUE(one_error(errors_with("[activity.rooms]\n\"hallway\" = \"bathrom\"\n"), L(2), 13,
                          {"activity.rooms \"hallway\": \"bathrom\" is not a room role; did you mean "
                           "\"bathroom\"? use one of: bathroom, kitchen, bedroom, living, hall, other"}));
    EXPECT_TRUE(one_error(errors_with("[activity.rooms]\n\"hallway\" = 3\n"), L(2), 13,
                          {"activity.rooms \"hallway\": expected a role in quotes", "got integer 3"}));
    EXPECT_TRUE(
        one_error(errors_with("[activity.rooms]\n\"Lounge\" = \"living\"\n"), L(2), 1,
                  {"activity.rooms: no [[sensor]] has location \"Lounge\"; did you mean \"lounge\"?"}));
    EXPECT_TRUE(one_error(errors_with("[activity.appliances]\nkettle = \"kettle\"\n"), L(2), 1,
                          {"activity.appliances: no [[sensor]] has id 'kettle'", "no power sensor"}));
    EXPECT_TRUE(one_error(errors_with("[activity.appliances]\nhall-pir = \"kettle\"\n"), L(2), 1,
                          {"sensor 'hall-pir' is a motion sensor; only power sensors can be named here"}));
    EXPECT_TRUE(one_error(errors_with("[activity.appliances]\n\"hall-pir\" = \"\"\n"), L(2), 14,
                          {"activity.appliances 'hall-pir': the appliance's name must be 1 to 32"}));
    EXPECT_TRUE(
        one_error(errors_with("[activity]\nexit_doors = [\"front-dor\"]\n"), L(2), 15,
                  {"activity.exit_doors: no [[sensor]] has id 'front-dor'; did you mean 'front-door'?"}));
    EXPECT_TRUE(one_error(errors_with("[activity]\nexit_doors = [\"bed\"]\n"), L(2), 15,
                          {"sensor 'bed' is a bed sensor; only door sensors can be named here"}));
}
