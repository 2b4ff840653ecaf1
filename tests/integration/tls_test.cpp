// The centre broker as shipped: Mosquitto started from deploy/mosquitto/centre.conf (only its port and
// file paths rewritten) with certificates from scripts/make-certs. A real warden-hub with its own
// certificate delivers alerts; a client publishing under another hub's id is refused; a hub cannot read
// another hub's acks; a client without a certificate cannot connect.
#include <gtest/gtest.h>

#include <sys/stat.h>

#include <regex>
#include <thread>

#include <nlohmann/json.hpp>

#include "ctl_run.hpp"
#include "warden/harness/harness.hpp"

using namespace warden;
using namespace std::chrono_literals;
using ctl_test::read_all;
using ctl_test::run;

namespace {

const std::string source_dir = WARDEN_SOURCE_DIR;
const std::string bin_dir = WARDEN_BIN_DIR;
const std::string make_certs = source_dir + "/scripts/make-certs";

std::string replace_all(std::string s, const std::string& from, const std::string& to) {
    for (auto pos = s.find(from); pos != std::string::npos; pos = s.find(from, pos + to.size()))
        s.replace(pos, from.size(), to);
    return s;
}

class TlsTest : public ::testing::Test {
protected:
    harness::temp_dir dir;
    std::filesystem::path certs = dir / "certs";
    int port = harness::free_port();
    harness::process broker;
    std::filesystem::path conf;

    void SetUp() override {
        for (std::vector<std::string> args : {std::vector<std::string>{"ca"},
                                              {"server", "localhost"},
                                              {"client", "hub-a"},
                                              {"client", "hub-b"},
                                              {"client", "hub-c"},
                                              {"client", "warden-centre"}}) {
            args.insert(args.begin(), {make_certs, certs.string()});
            auto r = run(args, dir.path());
            ASSERT_EQ(r.code, 0) << r.all();
        }
        // Mosquitto started as root drops to the mosquitto user: let it read this test's files.
        std::filesystem::permissions(dir.path(), std::filesystem::perms(0755));
        for (auto& f : std::filesystem::directory_iterator(certs))
            if (f.is_regular_file()) std::filesystem::permissions(f.path(), std::filesystem::perms(0644));
        std::filesystem::permissions(certs, std::filesystem::perms(0755));
        std::filesystem::create_directories(dir / "persist");
        std::filesystem::permissions(dir / "persist", std::filesystem::perms::all);

        // The shipped config, rewritten for port and file paths only.
        const auto shipped = read_all(source_dir + "/deploy/mosquitto/centre.conf");
        auto text =
            replace_all(shipped, "\nlistener 8883\n", "\nlistener " + std::to_string(port) + " 127.0.0.1\n");
        text = replace_all(text, "/etc/mosquitto/warden/", certs.string() + "/");
        text = replace_all(text, "/var/lib/mosquitto/", (dir / "persist").string() + "/");
        std::filesystem::copy_file(source_dir + "/deploy/mosquitto/acl", certs / "acl");
        conf = dir.write("centre.conf", text);
        for (const char* setting : {"require_certificate true", "crlfile ", "use_identity_as_username true",
                                    "use_username_as_clientid true", "allow_anonymous false", "acl_file "})
            ASSERT_NE(text.find(setting), std::string::npos) << setting;

        start_broker();
    }

    void start_broker() {
        broker = harness::process({"/usr/sbin/mosquitto", "-c", conf.string()},
                                  dir / ("broker-" + std::to_string(++broker_starts) + ".log"));
        ASSERT_TRUE(harness::wait_for_port(port, 10s)) << broker.log();
    }
    int broker_starts = 0;

    void TearDown() override {
        if (broker.pid() > 0 && broker.running()) broker.stop();
    }

    std::vector<std::string> tls_args(const std::string& program, const std::string& who) {
        std::vector<std::string> a{
            program, "-h", "localhost", "-p", std::to_string(port), "--cafile", (certs / "ca.crt").string()};
        if (!who.empty()) {
            a.insert(a.end(), {"--cert", (certs / (who + ".crt")).string(), "--key",
                               (certs / (who + ".key")).string()});
        }
        return a;
    }

    /// A subscriber (mosquitto_sub -v -d) running in the background, as `who`.
    harness::process subscriber(const std::string& who, const std::vector<std::string>& topics,
                                const std::string& log) {
        auto a = tls_args("/usr/bin/mosquitto_sub", who);
        // Line-buffered, so the debug line "received SUBACK" is in the log when it happens.
        a.insert(a.begin(), {"/usr/bin/stdbuf", "-oL"});
        a.insert(a.end(), {"-v", "-d", "-q", "1", "-i", "sub-" + who + "-" + log});
        for (const auto& t : topics) a.insert(a.end(), {"-t", t});
        harness::process p(a, dir / log);
        EXPECT_TRUE(harness::eventually([&] { return p.log().find("SUBACK") != std::string::npos; }, 10s))
            << p.log();
        return p;
    }

    ctl_test::result publish(const std::string& who, const std::string& topic, const std::string& payload) {
        auto a = tls_args("/usr/bin/mosquitto_pub", who);
        a.insert(a.end(), {"-q", "1", "-t", topic, "-m", payload});
        return run(a, dir.path(), 15s);
    }
};

TEST_F(TlsTest, MakeCertsIsIdempotentAndChecksItsArguments) {
    auto again = run({make_certs, certs.string(), "client", "hub-a"}, dir.path());
    EXPECT_EQ(again.code, 0) << again.all();
    EXPECT_NE(again.out.find("kept"), std::string::npos) << again.all();
    EXPECT_EQ(run({make_certs, certs.string(), "ca"}, dir.path()).code, 0);
    EXPECT_EQ(run({make_certs}, dir.path()).code, 2);
    EXPECT_EQ(run({make_certs, certs.string(), "client", "no spaces"}, dir.path()).code, 2);
    EXPECT_EQ(run({make_certs, certs.string(), "server", "other.example.org"}, dir.path()).code, 1);
    EXPECT_EQ(run({make_certs, (dir / "empty").string(), "client", "hub-a"}, dir.path()).code, 1);
    auto subject =
        run({"/usr/bin/openssl", "x509", "-in", (certs / "hub-a.crt").string(), "-noout", "-subject"},
            dir.path());
    EXPECT_NE(subject.out.find("CN = hub-a"), std::string::npos) << subject.all();
    auto verify = run({"/usr/bin/openssl", "verify", "-CAfile", (certs / "ca.crt").string(),
                       (certs / "warden-centre.crt").string()},
                      dir.path());
    EXPECT_EQ(verify.code, 0) << verify.all();
}

TEST_F(TlsTest, HubWithItsCertificateDeliversAlertsOverTls) {
    harness::broker home;
    auto centre = subscriber("warden-centre", {"warden/v1/+/alert", "warden/v1/+/status"}, "centre.log");
    auto hub_conf =
        dir.write("hub.toml", "[hub]\nid = \"hub-a\"\ndata_dir = \"" + (dir / "hub-data").string() +
                                  "\"\ntimezone = \"Europe/London\"\n"
                                  "[local]\nuri = \"" +
                                  home.uri() +
                                  "\"\n"
                                  "[centre]\nuri = \"ssl://localhost:" +
                                  std::to_string(port) + "\"\nca_file = \"" + (certs / "ca.crt").string() +
                                  "\"\ncert_file = \"" + (certs / "hub-a.crt").string() +
                                  "\"\nkey_file = \"" + (certs / "hub-a.key").string() +
                                  "\"\nheartbeat = \"2s\"\n"
                                  "[[sensor]]\nid = \"pendant\"\nkind = \"pendant\"\nsource = "
                                  "\"zigbee2mqtt\"\ntopic = \"zigbee2mqtt/pendant\"\n"
                                  "location = \"worn\"\nreport_every = \"25h\"\n");
    harness::process hub({bin_dir + "/warden-hub", "--config", hub_conf.string(), "--log-level", "debug"},
                         dir / "hub.log");
    // hub_started arrives first, then the simulated pendant press.
    ASSERT_TRUE(harness::eventually(
        [&] { return centre.log().find("warden/v1/hub-a/alert") != std::string::npos; }, 20s))
        << "centre saw nothing\n"
        << centre.log() << "\nhub:\n"
        << hub.log() << "\nbroker:\n"
        << broker.log();
    auto sim = run({bin_dir + "/warden-ctl", "simulate", "--config", hub_conf.string(), "pendant", "press"},
                   dir.path());
    ASSERT_EQ(sim.code, 0) << sim.all();
    EXPECT_TRUE(harness::eventually(
        [&] { return centre.log().find(R"("type":"pendant")") != std::string::npos; }, 15s))
        << centre.log() << "\nhub:\n"
        << hub.log();
    EXPECT_TRUE(std::regex_search(centre.log(), std::regex(R"(warden/v1/hub-a/status \{.*"state":"online")")))
        << centre.log();
    hub.stop();
}

TEST_F(TlsTest, AHubCannotPublishAsAnotherHubNorReadItsAcks) {
    // One identity is one connection (the client id is the CN), so hub-b only listens and hub-c
    // forges; the centre's subscriber is checked before the centre's own publishes take its place.
    auto centre = subscriber(
        "warden-centre", {"warden/v1/+/alert", "warden/v1/+/alerts", "warden/v1/+/activity"}, "centre.log");
    auto snoop = subscriber("hub-b", {"warden/v1/hub-a/#", "warden/v1/hub-b/ack"}, "snoop.log");

    for (const char* kind : {"alert", "alerts", "activity"}) {
        auto forged = publish("hub-c", std::string("warden/v1/hub-a/") + kind, R"({"forged-by":"hub-c"})");
        EXPECT_EQ(forged.code, 0) << forged.all();  // MQTT 3.1.1: the broker accepts and silently drops it
        // A hub's own alerts, batches of alerts and activity summaries pass the shipped ACL.
        const auto mine = std::string(R"({"own":"hub-c/)") + kind + R"("})";
        auto own = publish("hub-c", std::string("warden/v1/hub-c/") + kind, mine);
        ASSERT_EQ(own.code, 0) << own.all();
        ASSERT_TRUE(harness::eventually([&] { return centre.log().find(mine) != std::string::npos; }, 10s))
            << centre.log() << broker.log();
    }

    // The centre acks both hubs; hub-b gets only its own.
    ASSERT_EQ(publish("warden-centre", "warden/v1/hub-a/ack", R"({"ids":["hub-a-1"]})").code, 0);
    ASSERT_EQ(publish("warden-centre", "warden/v1/hub-b/ack", R"({"ids":["hub-b-1"]})").code, 0);
    ASSERT_TRUE(harness::eventually([&] { return snoop.log().find("hub-b-1") != std::string::npos; }, 10s))
        << snoop.log();

    // A hub cannot pose as the centre either.
    ASSERT_EQ(publish("hub-c", "warden/v1/hub-a/command", R"({"id":"x","cmd":"away","on":true})").code, 0);

    std::this_thread::sleep_for(500ms);
    EXPECT_EQ(centre.log().find("forged-by"), std::string::npos) << centre.log();
    EXPECT_EQ(snoop.log().find("hub-a-1"), std::string::npos) << snoop.log();
    EXPECT_EQ(snoop.log().find("\"away\""), std::string::npos) << snoop.log();
}

// Security finding 1: with hub-b's certificate and the client id of the centre (or of another hub),
// with a persistent session, an attacker knocked the centre off the broker again and again. The
// broker now takes the client id from the certificate, so the centre keeps its one connection.
TEST_F(TlsTest, AHubCertificateCannotTakeTheCentresOrAnotherHubsClientId) {
    auto centre = subscriber("warden-centre", {"warden/v1/+/alert"}, "centre.log");
    auto hub_a = subscriber("hub-a", {"warden/v1/hub-a/ack"}, "hub-a.log");
    std::vector<harness::process> attackers;
    for (const std::string victim : {"warden-centre", "warden-hub-hub-a-uplink", "sub-hub-a-hub-a.log"}) {
        auto a = tls_args("/usr/bin/mosquitto_sub", "hub-b");
        a.insert(a.begin(), {"/usr/bin/stdbuf", "-oL"});
        a.insert(a.end(), {"-d", "-q", "1", "-c", "-i", victim, "-t", "warden/v1/hub-b/ack"});
        attackers.emplace_back(a, dir / ("attacker-" + std::to_string(attackers.size()) + ".log"));
    }
    // Each attacker is connected (as hub-b: the last one to connect holds hub-b's one session).
    for (auto& p : attackers)
        ASSERT_TRUE(harness::eventually([&] { return p.log().find("CONNACK") != std::string::npos; }, 10s))
            << p.log();
    ASSERT_EQ(publish("hub-c", "warden/v1/hub-c/alert", R"({"after":"attack"})").code, 0);
    ASSERT_TRUE(harness::eventually(
        [&] { return centre.log().find(R"({"after":"attack"})") != std::string::npos; }, 10s))
        << centre.log() << broker.log();
    auto connects = [](const std::string& log) {
        std::size_t n = 0;
        for (auto p = log.find("sending CONNECT"); p != std::string::npos;
             p = log.find("sending CONNECT", p + 1))
            ++n;
        return n;
    };
    // The centre's subscriber connected once and was never closed for another client.
    EXPECT_EQ(broker.log().find("Client warden-centre already connected"), std::string::npos) << broker.log();
    EXPECT_EQ(connects(centre.log()), 1u) << centre.log();
    // Nor was hub-a's: the centre's ack reaches it on its first connection.
    ASSERT_EQ(publish("warden-centre", "warden/v1/hub-a/ack", R"({"ids":["hub-a-9"]})").code, 0);
    ASSERT_TRUE(harness::eventually([&] { return hub_a.log().find("hub-a-9") != std::string::npos; }, 10s))
        << hub_a.log() << broker.log();
    EXPECT_EQ(broker.log().find("Client hub-a already connected"), std::string::npos) << broker.log();
    EXPECT_EQ(connects(hub_a.log()), 1u) << hub_a.log();
    for (auto& p : attackers) p.stop();
}

// Security finding 2 (revoking a hub): a stolen hub's certificate is revoked with make-certs; once
// the broker has the new CRL, that certificate cannot connect, the others still can, and make-certs
// will not hand out the revoked certificate again.
TEST_F(TlsTest, ARevokedHubCertificateCannotConnect) {
    auto centre = subscriber("warden-centre", {"warden/v1/+/alert"}, "centre.log");
    ASSERT_EQ(publish("hub-b", "warden/v1/hub-b/alert", R"({"before":"revoke"})").code, 0);
    ASSERT_TRUE(harness::eventually(
        [&] { return centre.log().find(R"({"before":"revoke"})") != std::string::npos; }, 10s))
        << centre.log();
    // Keep a copy of the certificate and key, as the thief has them.
    std::filesystem::copy_file(certs / "hub-b.crt", dir / "stolen.crt");
    std::filesystem::copy_file(certs / "hub-b.key", dir / "stolen.key");
    auto revoke = run({make_certs, certs.string(), "revoke", "hub-b"}, dir.path());
    ASSERT_EQ(revoke.code, 0) << revoke.all();
    EXPECT_FALSE(std::filesystem::exists(certs / "hub-b.crt"));
    std::filesystem::permissions(certs / "crl.pem", std::filesystem::perms(0644));
    centre.stop();
    broker.stop();
    start_broker();
    centre = subscriber("warden-centre", {"warden/v1/+/alert"}, "centre-2.log");

    auto a = tls_args("/usr/bin/mosquitto_pub", "");
    a.insert(a.end(), {"--cert", (dir / "stolen.crt").string(), "--key", (dir / "stolen.key").string(), "-q",
                       "1", "-t", "warden/v1/hub-b/alert", "-m", R"({"after":"revoke"})"});
    EXPECT_NE(run(a, dir.path(), 15s).code, 0) << "a revoked certificate connected";
    ASSERT_EQ(publish("hub-a", "warden/v1/hub-a/alert", R"({"other":"hub"})").code, 0);
    ASSERT_TRUE(harness::eventually(
        [&] { return centre.log().find(R"({"other":"hub"})") != std::string::npos; }, 15s))
        << centre.log();
    EXPECT_EQ(centre.log().find(R"({"after":"revoke"})"), std::string::npos) << centre.log();
    // A new certificate for the same hub id (a replacement hub box) is a new one, and connects.
    auto again = run({make_certs, certs.string(), "client", "hub-b"}, dir.path());
    EXPECT_EQ(again.code, 0) << again.all();
    EXPECT_NE(again.out.find("created"), std::string::npos) << again.all();
}

TEST_F(TlsTest, AClientWithoutACertificateCannotConnect) {
    auto centre = subscriber("warden-centre", {"warden/v1/+/alert"}, "centre.log");
    auto r = publish("", "warden/v1/hub-a/alert", R"({"anonymous":true})");
    EXPECT_NE(r.code, 0) << r.all();
    // Nor without TLS at all.
    auto plain = run({"/usr/bin/mosquitto_pub", "-h", "127.0.0.1", "-p", std::to_string(port), "-q", "1",
                      "-t", "warden/v1/hub-a/alert", "-m", R"({"plain":true})"},
                     dir.path(), 15s);
    EXPECT_NE(plain.code, 0) << plain.all();
    // A certificate from another CA is refused too.
    auto other = dir / "other";
    ASSERT_EQ(run({make_certs, other.string(), "ca"}, dir.path()).code, 0);
    ASSERT_EQ(run({make_certs, other.string(), "client", "hub-a"}, dir.path()).code, 0);
    auto a = tls_args("/usr/bin/mosquitto_pub", "");
    a.insert(a.end(), {"--cert", (other / "hub-a.crt").string(), "--key", (other / "hub-a.key").string(),
                       "-q", "1", "-t", "warden/v1/hub-a/alert", "-m", R"({"foreign":true})"});
    EXPECT_NE(run(a, dir.path(), 15s).code, 0);
    std::this_thread::sleep_for(300ms);
    EXPECT_EQ(centre.log().find("anonymous"), std::string::npos);
    EXPECT_EQ(centre.log().find("plain"), std::string::npos);
    EXPECT_EQ(centre.log().find("foreign"), std::string::npos);
}

}  // namespace
