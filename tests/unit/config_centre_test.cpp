// The centre config (SPEC 5): the example loads with the right values; mistakes are reported at once.

#include "config_test_support.hpp"
#include "warden/config/centre_config.hpp"

using namespace warden;
using namespace warden::config;
using namespace config_test;
using namespace std::chrono_literals;

namespace {

std::vector<std::string> centre_errors(const std::string& text, const std::string& name = "centre.toml") {
    try {
        parse_centre_config(text, name);
    } catch (const config_error& e) {
        return e.messages();
    }
    return {};
}

const std::string minimal =
    "[centre]\ndatabase = \"/var/lib/warden-centre/centre.db\"\n[mqtt]\nuri = "
    "\"tcp://127.0.0.1:1883\"\n";

}  // namespace

TEST(CentreConfigExample, LoadsWithTheRightValues) {
    auto c = load_centre_config(source_dir + "/examples/centre.toml");
    EXPECT_EQ(std::filesystem::path(c.database),
              (std::filesystem::absolute(source_dir) / "examples" / "data" / "centre.db").lexically_normal());
    EXPECT_EQ(c.mqtt.uri, "tcp://127.0.0.1:1884");
    EXPECT_EQ(c.client_id, "warden-centre");
    EXPECT_EQ(c.http_listen, "127.0.0.1:8080");
    EXPECT_EQ(c.web_root, "");
    EXPECT_EQ(c.session_ttl, 8h);
    EXPECT_EQ(c.heartbeat_grace, 3min);
    EXPECT_EQ(c.escalate_after, 15min);
    ASSERT_TRUE(c.dc09);
    EXPECT_EQ(c.dc09->listen, "0.0.0.0:5000");
    EXPECT_EQ(c.dc09->transport, "tcp");
    EXPECT_EQ(c.dc09->max_clock_skew, 10min);
    ASSERT_EQ(c.dc09->accounts.size(), 1u);
    EXPECT_EQ(c.dc09->accounts[0].account, "1234");
    EXPECT_EQ(c.dc09->accounts[0].hub, "hub-0001");
    EXPECT_EQ(c.dc09->accounts[0].key, "0123456789abcdef");
}

TEST(CentreConfigExample, TheHubAndCentreExamplesAgree) {
    auto hub = load_hub_config(source_dir + "/examples/home.toml");
    auto centre = load_centre_config(source_dir + "/examples/centre.toml");
    EXPECT_EQ(hub.centre.broker.uri, centre.mqtt.uri) << "the hub talks to the centre's broker";
    EXPECT_EQ(centre.dc09->accounts[0].hub, hub.id);
}

TEST(CentreConfigExample, DemoCentreLoadsOnceScriptsFillItIn) {
    temp_folder web;
    auto text = read_file(source_dir + "/examples/demo/centre.toml");
    ASSERT_FALSE(text.empty());
    replace_all(text, "@DATABASE@", "/tmp/warden-demo/centre.db");
    replace_all(text, "@CENTRE_PORT@", "1884");
    replace_all(text, "@HTTP_PORT@", "8080");
    replace_all(text, "@WEB_ROOT@", web.path().string());
    auto c = parse_centre_config(text, "demo/centre.toml");
    EXPECT_EQ(c.database, "/tmp/warden-demo/centre.db");
    EXPECT_EQ(c.web_root, web.path().string());
    EXPECT_EQ(c.heartbeat_grace, 1min);
}

TEST(CentreConfig, Defaults) {
    auto c = parse_centre_config(minimal, "/etc/warden/centre.toml");
    EXPECT_EQ(c.database, "/var/lib/warden-centre/centre.db");
    EXPECT_EQ(c.client_id, "warden-centre");
    EXPECT_EQ(c.http_listen, "127.0.0.1:8080");
    EXPECT_EQ(c.session_ttl, 8h);
    EXPECT_EQ(c.session_lifetime, 12h);
    EXPECT_EQ(c.heartbeat_grace, 3min);
    EXPECT_EQ(c.escalate_after, 15min);
    EXPECT_FALSE(c.dc09);
    EXPECT_EQ(c.source_file, "/etc/warden/centre.toml");
}

TEST(CentreConfig, SessionIdleTimeAndLifetime) {
    auto c = parse_centre_config(minimal + "[http]\nsession_ttl = \"30m\"\nsession_lifetime = \"10h\"\n",
                                 "centre.toml");
    EXPECT_EQ(c.session_ttl, 30min);
    EXPECT_EQ(c.session_lifetime, 10h);
    EXPECT_TRUE(one_error(centre_errors(minimal + "[http]\nsession_lifetime = \"0s\"\n"), 6, 20,
                          {"http.session_lifetime"}, "centre.toml"));
}

TEST(CentreConfig, StreamPingBetweenOneAndSixtySeconds) {
    EXPECT_EQ(parse_centre_config(minimal, "centre.toml").stream_ping, 15s);
    EXPECT_EQ(parse_centre_config(minimal + "[http]\nstream_ping = \"2s\"\n", "centre.toml").stream_ping, 2s);
    EXPECT_TRUE(one_error(centre_errors(minimal + "[http]\nstream_ping = \"500ms\"\n"), 6, 15,
                          {"http.stream_ping", "between"}, "centre.toml"));
    EXPECT_TRUE(one_error(centre_errors(minimal + "[http]\nstream_ping = \"2m\"\n"), 6, 15,
                          {"http.stream_ping", "nginx"}, "centre.toml"));
}

TEST(CentreConfig, TrustedProxiesAreIpAddresses) {
    EXPECT_TRUE(parse_centre_config(minimal, "centre.toml").trusted_proxies.empty());
    auto c =
        parse_centre_config(minimal + "[http]\ntrusted_proxies = [\"127.0.0.1\", \"::1\"]\n", "centre.toml");
    EXPECT_EQ(c.trusted_proxies, (std::vector<std::string>{"127.0.0.1", "::1"}));
    EXPECT_TRUE(one_error(centre_errors(minimal + "[http]\ntrusted_proxies = [\"proxy.local\"]\n"), 6, 20,
                          {"http.trusted_proxies", "is not an IP address"}, "centre.toml"));
}

TEST(CentreConfig, PerHubAlertRate) {
    auto d = parse_centre_config(minimal, "centre.toml");
    EXPECT_EQ(d.hub_alerts_per_minute, 10);
    EXPECT_EQ(d.hub_alert_burst, 20);
    auto c = parse_centre_config(minimal + "[ingest]\nhub_alerts_per_minute = 2.5\nhub_alert_burst = 50\n",
                                 "centre.toml");
    EXPECT_EQ(c.hub_alerts_per_minute, 2.5);
    EXPECT_EQ(c.hub_alert_burst, 50);
    EXPECT_TRUE(one_error(centre_errors(minimal + "[ingest]\nhub_alerts_per_minute = 0\n"), 6, 25,
                          {"ingest.hub_alerts_per_minute", "out of range"}, "centre.toml"));
    EXPECT_TRUE(one_error(centre_errors(minimal + "[ingest]\nhub_alert_burst = -1\n"), 6, 19,
                          {"ingest.hub_alert_burst", "out of range"}, "centre.toml"));
}

TEST(CentreConfig, ProceduresReplaceATypesStepsAndNameOnlyCatalogueTypes) {
    EXPECT_TRUE(parse_centre_config(minimal, "centre.toml").procedures.empty());
    auto c = parse_centre_config(minimal + "[procedures]\nsmoke = [\"Call 999\", \"Call the warden\"]\n",
                                 "centre.toml");
    ASSERT_EQ(c.procedures.size(), 1u);
    EXPECT_EQ(c.procedures.at("smoke"), (std::vector<std::string>{"Call 999", "Call the warden"}));
    EXPECT_TRUE(one_error(centre_errors(minimal + "[procedures]\nsmok = [\"Call 999\"]\n"), 6, 1,
                          {"procedures.smok", "not an alert type"}, "centre.toml"));
    EXPECT_TRUE(one_error(centre_errors(minimal + "[procedures]\nsmoke = [\"Call 999\", \" \"]\n"), 6, 22,
                          {"procedures.smoke", "a step must have text"}, "centre.toml"));
}

TEST(CentreConfig, ActivityThresholdsAndRetention) {
    auto d = parse_centre_config(minimal, "centre.toml");
    EXPECT_EQ(d.activity, activity_thresholds{});
    EXPECT_EQ(d.activity_keep_days, 730);
    auto c = parse_centre_config(minimal +
                                     "[activity]\nkeep_days = 365\nnight_bathroom_min = 4\ncold_below_c = "
                                     "17.5\nlow_activity_drop = 0.5\n",
                                 "centre.toml");
    EXPECT_EQ(c.activity_keep_days, 365);
    EXPECT_EQ(c.activity.night_bathroom_min, 4);
    EXPECT_EQ(c.activity.cold_below_c, 17.5);
    EXPECT_EQ(c.activity.low_activity_drop, 0.5);
    EXPECT_EQ(c.activity.cold_hours, 6);
    EXPECT_TRUE(one_error(centre_errors(minimal + "[activity]\ncold_hours = 0\n"), 6, 14,
                          {"activity.cold_hours", "out of range"}, "centre.toml"));
    EXPECT_TRUE(one_error(centre_errors(minimal + "[activity]\nlate_rise_days = 2.5\n"), 6, 18,
                          {"activity.late_rise_days", "not a whole number"}, "centre.toml"));
    EXPECT_TRUE(one_error(centre_errors(minimal + "[activity]\nkeep_days = 7\n"), 6, 13,
                          {"activity.keep_days", "out of range"}, "centre.toml"));
    EXPECT_FALSE(centre_errors(minimal + "[activity]\nnight_bathroom = 3\n").empty());
}

TEST(CentreConfig, RelativePathsResolveAgainstTheConfigFolder) {
    temp_folder dir;
    std::filesystem::create_directories(dir.path() / "web");
    auto path = dir.write("centre.toml",
                          "[centre]\ndatabase = \"db/centre.db\"\n[mqtt]\nuri = "
                          "\"tcp://127.0.0.1:1883\"\n[http]\nweb_root = \"web\"\n");
    auto c = load_centre_config(path);
    EXPECT_EQ(std::filesystem::path(c.database), dir.path() / "db" / "centre.db");
    EXPECT_EQ(std::filesystem::path(c.web_root), dir.path() / "web");
}

TEST(CentreConfigErrors, MissingSectionsAndKeys) {
    auto e = centre_errors("[http]\nlisten = \"127.0.0.1:8080\"\n");
    ASSERT_EQ(e.size(), 2u) << joined(e);
    EXPECT_NE(e[0].find("centre.toml:1:1: missing the [centre] section"), std::string::npos) << e[0];
    EXPECT_NE(e[1].find("centre.toml:1:1: missing the [mqtt] section"), std::string::npos) << e[1];
    EXPECT_TRUE(one_error(centre_errors("[centre]\n[mqtt]\nuri = \"tcp://127.0.0.1:1883\"\n"), 1, 1,
                          {"[centre]: missing required key 'database'"}, "centre.toml"));
}

TEST(CentreConfigErrors, EachMistakeAtItsPlace) {
    EXPECT_TRUE(one_error(centre_errors(minimal + "[http]\nlisten = \"8080\"\n"), 6, 10,
                          {"http.listen: \"8080\" is not an address to listen on", "e.g. \"127.0.0.1:8080\""},
                          "centre.toml"));
    EXPECT_TRUE(one_error(centre_errors(minimal + "[http]\nweb_root = \"/nonexistent/web\"\n"), 6, 12,
                          {"http.web_root: no such folder \"/nonexistent/web\""}, "centre.toml"));
    EXPECT_TRUE(one_error(centre_errors(minimal + "[supervision]\nheartbeat_grace = \"3 minutes\"\n"), 6, 19,
                          {"supervision.heartbeat_grace: \"3 minutes\" is not a duration"}, "centre.toml"));
    EXPECT_TRUE(one_error(centre_errors(minimal + "[supervision]\nhearbeat_grace = \"3m\"\n"), 6, 1,
                          {"[supervision]: unknown key 'hearbeat_grace'; did you mean 'heartbeat_grace'?"},
                          "centre.toml"));
    EXPECT_TRUE(one_error(centre_errors(minimal + "[mqtt2]\n"), 5, 2,
                          {"unknown section [mqtt2]; did you mean [mqtt]?"}, "centre.toml"));
    EXPECT_TRUE(one_error(centre_errors("[centre]\ndatabase = \"c.db\"\n[mqtt]\nuri = \"tcp://127.0.0.1\"\n"),
                          4, 7, {"mqtt.uri: \"tcp://127.0.0.1\" is not a broker address"}, "centre.toml"));
    EXPECT_TRUE(one_error(centre_errors(minimal + "client_id = \"a b\"\n"), 5, 13, {"mqtt.client_id"},
                          "centre.toml"));
}

TEST(CentreConfigErrors, Dc09Accounts) {
    auto c = parse_centre_config(minimal + R"([dc09]
listen = "127.0.0.1:5001"
transport = "udp"
[[dc09.account]]
account = "1234"
hub = "hub-0001"
key_hex = "000102030405060708090a0b0c0d0e0f1011121314151617"
[[dc09.account]]
account = "ABCDEF"
hub = "hub-0002"
)",
                                 "centre.toml");
    ASSERT_TRUE(c.dc09);
    EXPECT_EQ(c.dc09->transport, "udp");
    ASSERT_EQ(c.dc09->accounts.size(), 2u);
    EXPECT_EQ(c.dc09->accounts[0].key.size(), 24u);
    EXPECT_EQ(c.dc09->accounts[0].key[23], '\x17');
    EXPECT_EQ(c.dc09->accounts[1].key, "");

    auto e = centre_errors(minimal + R"([dc09]
listen = "0.0.0.0"
transport = "sctp"
[[dc09.account]]
account = "1234"
hub = "hub 1"
key = "tooshort"
[[dc09.account]]
account = "1234"
hub = "hub-0002"
pin = 1
[[dc09.account]]
hub = "hub-0003"
)");
    ASSERT_EQ(e.size(), 7u) << joined(e);
    EXPECT_EQ(e[0].rfind("centre.toml:6:10: dc09.listen:", 0), 0u) << e[0];
    EXPECT_EQ(e[1].rfind("centre.toml:7:13: dc09.transport:", 0), 0u) << e[1];
    EXPECT_EQ(e[2].rfind("centre.toml:10:7: dc09 account '1234' hub: \"hub 1\" is not a valid hub id", 0), 0u)
        << e[2];
    EXPECT_EQ(
        e[3].rfind("centre.toml:11:7: dc09 account '1234' key: an AES key is 16, 24 or 32 characters", 0), 0u)
        << e[3];
    EXPECT_EQ(e[4].rfind("centre.toml:13:11: dc09 account '1234' is configured twice (first at line 9)", 0),
              0u)
        << e[4];
    EXPECT_EQ(e[5].rfind("centre.toml:15:1: dc09 account '1234': unknown key 'pin'", 0), 0u) << e[5];
    EXPECT_EQ(e[6].rfind("centre.toml:16:1: [[dc09.account]] #3: missing required key 'account'", 0), 0u)
        << e[6];
}

TEST(CentreConfig, RecordsKeyFileIsResolvedAgainstTheConfigsFolder) {
    EXPECT_EQ(parse_centre_config(minimal, "/etc/warden/centre.toml").records_key_file, "");
    auto c =
        parse_centre_config(minimal + "[records]\nkey_file = \"records.key\"\n", "/etc/warden/centre.toml");
    EXPECT_EQ(c.records_key_file, "/etc/warden/records.key");
    EXPECT_TRUE(one_error(centre_errors(minimal + "[records]\nkey_file = \"\"\n"), 6, 12,
                          {"records.key_file"}, "centre.toml"));
    EXPECT_TRUE(one_error(centre_errors(minimal + "[records]\nkey = \"x\"\n"), 6, 1, {"key"}, "centre.toml"));
}

TEST(CentreConfig, ClusterInstancesNeedPostgresqlAndAName) {
    auto single = parse_centre_config(minimal, "centre.toml");
    EXPECT_FALSE(single.cluster);
    EXPECT_EQ(single.mqtt_client_id(), "warden-centre");

    const std::string pg =
        "[centre]\ndatabase = \"postgresql://warden@db.example.org/warden\"\n[mqtt]\nuri = "
        "\"tcp://127.0.0.1:1883\"\n";
    auto c = parse_centre_config(pg + "[cluster]\ninstance = \"b\"\n", "centre.toml");
    ASSERT_TRUE(c.cluster);
    EXPECT_EQ(c.cluster->instance, "b");
    EXPECT_EQ(c.cluster->share_group, "warden-centre");
    EXPECT_EQ(c.mqtt_client_id(), "warden-centre-b");
    EXPECT_EQ(
        parse_centre_config(pg + "[cluster]\ninstance = \"b\"\nshare_group = \"night\"\n", "centre.toml")
            .cluster->share_group,
        "night");

    EXPECT_TRUE(one_error(centre_errors(minimal + "[cluster]\ninstance = \"a\"\n"), 5, 1,
                          {"[cluster]", "PostgreSQL"}, "centre.toml"));
    EXPECT_TRUE(one_error(centre_errors(pg + "[cluster]\n"), 5, 1,
                          {"[cluster]: missing required key 'instance'"}, "centre.toml"));
    EXPECT_TRUE(one_error(centre_errors(pg + "[cluster]\ninstance = \"a/b\"\n"), 6, 12, {"cluster.instance"},
                          "centre.toml"));
    EXPECT_TRUE(one_error(centre_errors(pg + "[cluster]\ninstance = \"a\"\nshare_group = \"a+b\"\n"), 7, 15,
                          {"cluster.share_group"}, "centre.toml"));
}
