// A SIA DC-09 frame into the real warden-centre ([dc09] receiver): stored once as an alert of the
// mapped hub, ACKed after it is stored, and shown to operators.
#include <gtest/gtest.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <csignal>
#include <map>

#include <httplib.h>
#include <nlohmann/json.hpp>

#include "warden/dc09/codec.hpp"
#include "warden/harness/harness.hpp"
#include "warden/harness/postgres.hpp"

using namespace warden;
using namespace std::chrono_literals;
using json = nlohmann::json;

namespace {

/// Sends one frame over TCP and returns the reply bytes (up to CR), or "" when none came within
/// `wait_s` seconds.
std::string send_frame(int port, const std::string& bytes, int wait_s = 5) {
    int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(static_cast<uint16_t>(port));
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    timeval tv{wait_s, 0};
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    std::string reply;
    if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0 &&
        ::send(fd, bytes.data(), bytes.size(), 0) == static_cast<ssize_t>(bytes.size())) {
        char buf[512];
        while (reply.find('\r') == std::string::npos) {
            auto n = ::recv(fd, buf, sizeof buf, 0);
            if (n <= 0) break;
            reply.append(buf, static_cast<std::size_t>(n));
        }
    }
    ::close(fd);
    return reply;
}

/// The real warden-centre with a DC-09 receiver (account 1234 -> hub-0001) and an operator, olive. A hub's
/// rate is a burst of 4 alerts, then 1 a minute.
class CentreDc09 : public ::testing::Test {
protected:
    harness::temp_dir dir;
    harness::broker broker;
    int http_port = harness::free_port(), dc09_port = harness::free_port();
    harness::process centre;
    std::filesystem::path config;
    const std::string bin = std::string(WARDEN_BIN_DIR) + "/warden-centre";

    void SetUp() override {
        config =
            dir.write("centre.toml", "[centre]\ndatabase = \"" + harness::test_database(dir / "centre.db") +
                                         "\"\n[mqtt]\nuri = \"" + broker.uri() +
                                         "\"\n[http]\nlisten = \"127.0.0.1:" + std::to_string(http_port) +
                                         "\"\n[dc09]\nlisten = \"127.0.0.1:" + std::to_string(dc09_port) +
                                         "\"\ntransport = \"tcp\"\n[[dc09.account]]\naccount = \"1234\"\n"
                                         "hub = \"hub-0001\"\n[ingest]\nhub_alert_burst = 4\n"
                                         "hub_alerts_per_minute = 1\n");
        auto add =
            harness::run({bin, "--config", config.string(), "user", "add", "olive", "--role", "operator"},
                         "olive-password\n");
        ASSERT_EQ(add.code, 0) << add.output;
        centre = harness::process({bin, "--config", config.string()}, dir / "centre.log");
        ASSERT_TRUE(harness::wait_for_port(http_port)) << centre.log();
        ASSERT_TRUE(harness::wait_for_port(dc09_port)) << centre.log();
    }

    /// A SIA-DCS frame of `account` with event `code` in zone 1, timestamped now.
    static dc09::frame frame_of(int seq, const std::string& account, const std::string& code) {
        dc09::frame f;
        f.id = dc09::frame_id::sia_dcs;
        f.seq = seq;
        f.receiver = "0";
        f.line = "0";
        f.account = account;
        f.data = dc09::sia_data(account, 1, code, 1);
        f.timestamp = std::chrono::time_point_cast<std::chrono::seconds>(now_ms());
        return f;
    }
};

}  // namespace

TEST_F(CentreDc09, AFrameBecomesAStoredAlertOfTheMappedHubOnce) {
    auto bytes = dc09::encode(frame_of(7, "1234", "QA"));
    EXPECT_NE(send_frame(dc09_port, bytes).find("\"ACK\""), std::string::npos) << centre.log();
    // The sender's resend of the same frame is ACKed again and not stored twice.
    EXPECT_NE(send_frame(dc09_port, bytes).find("\"ACK\""), std::string::npos) << centre.log();

    httplib::Client cli("127.0.0.1", http_port);
    auto login =
        cli.Post("/api/login", R"({"user":"olive","password":"olive-password"})", "application/json");
    ASSERT_TRUE(login);
    ASSERT_EQ(login->status, 200);
    auto cookie = login->get_header_value("Set-Cookie");
    cookie = cookie.substr(0, cookie.find(';'));
    auto r = cli.Get("/api/alerts?state=all", {{"Cookie", cookie}});
    ASSERT_TRUE(r);
    auto all = json::parse(r->body);
    ASSERT_EQ(all.size(), 1u) << r->body;
    EXPECT_EQ(all[0].at("hub"), "hub-0001");
    EXPECT_EQ(all[0].at("sia"), "QA");
    EXPECT_EQ(all[0].at("priority"), "critical");
    EXPECT_EQ(all[0].at("status"), "open");
    EXPECT_TRUE(all[0].at("id").get<std::string>().starts_with("dc09-1234-")) << all[0].at("id");

    // An unknown account is refused (DUH) and stores nothing.
    EXPECT_NE(send_frame(dc09_port, dc09::encode(frame_of(7, "9999", "QA"))).find("\"DUH\""),
              std::string::npos);
    r = cli.Get("/api/alerts?state=all", {{"Cookie", cookie}});
    EXPECT_EQ(json::parse(r->body).size(), 1u);

    centre.signal(SIGTERM);
    EXPECT_EQ(centre.wait(10s), 0) << centre.log();
}

// Security finding 8: DC-09 frames have no MAC, so flipped ciphertext bytes can turn an alarm into a
// restore. A restore never clears an alarm no operator has acknowledged; after acknowledgement it does.
TEST_F(CentreDc09, ARestoreDoesNotClearAnAlarmNoOperatorHasTaken) {
    int seq = 1;
    auto send = [&](const std::string& code) {
        return send_frame(dc09_port, dc09::encode(frame_of(seq++, "1234", code)));
    };
    httplib::Client cli("127.0.0.1", http_port);
    auto login =
        cli.Post("/api/login", R"({"user":"olive","password":"olive-password"})", "application/json");
    ASSERT_TRUE(login);
    ASSERT_EQ(login->status, 200);
    auto cookie = login->get_header_value("Set-Cookie");
    cookie = cookie.substr(0, cookie.find(';'));
    const auto csrf = json::parse(login->body).at("csrf").get<std::string>();
    auto raised = [&] {
        auto r = cli.Get("/api/alerts?state=all", {{"Cookie", cookie}});
        EXPECT_TRUE(r);
        for (const auto& a : json::parse(r->body))
            if (a.at("sia") == "WA") return a;
        return json{};
    };

    ASSERT_NE(send("WA").find("\"ACK\""), std::string::npos) << centre.log();
    ASSERT_NE(send("WH").find("\"ACK\""), std::string::npos) << centre.log();  // stored, acked: not lost
    auto alarm = raised();
    ASSERT_FALSE(alarm.empty());
    EXPECT_EQ(alarm.at("status"), "open");
    EXPECT_TRUE(alarm.at("cleared_at").is_null()) << alarm;

    auto ack = cli.Post("/api/alerts/" + alarm.at("id").get<std::string>() + "/acknowledge",
                        {{"Cookie", cookie}, {"X-CSRF-Token", csrf}}, "{}", "application/json");
    ASSERT_TRUE(ack);
    ASSERT_EQ(ack->status, 200) << ack->body;
    ASSERT_NE(send("WH").find("\"ACK\""), std::string::npos) << centre.log();
    EXPECT_FALSE(raised().at("cleared_at").is_null()) << raised();

    centre.signal(SIGTERM);
    EXPECT_EQ(centre.wait(10s), 0) << centre.log();
}

// Security finding 2 on the second path: a disabled hub's DC-09 frames are refused as its MQTT messages
// are (no reply, nothing stored), so the sender keeps resending, and the frame is taken once the hub is
// enabled again.
TEST_F(CentreDc09, ADisabledHubsFrameIsNeitherStoredNorAckedAndArrivesOnceEnabled) {
    auto hub = [&](const std::string& verb) {
        auto r = harness::run({bin, "--config", config.string(), "hub", verb, "hub-0001"});
        EXPECT_EQ(r.code, 0) << r.output;
    };
    auto stored = [&] {
        httplib::Client cli("127.0.0.1", http_port);
        auto login =
            cli.Post("/api/login", R"({"user":"olive","password":"olive-password"})", "application/json");
        EXPECT_TRUE(login && login->status == 200);
        auto cookie = login->get_header_value("Set-Cookie");
        auto r = cli.Get("/api/alerts?state=all", {{"Cookie", cookie.substr(0, cookie.find(';'))}});
        EXPECT_TRUE(r);
        return json::parse(r->body).size();
    };

    // The centre knows the hub from a first frame (a hub it never heard from cannot be disabled).
    ASSERT_NE(send_frame(dc09_port, dc09::encode(frame_of(2, "1234", "QA"))).find("\"ACK\""),
              std::string::npos)
        << centre.log();
    ASSERT_EQ(stored(), 1u);

    hub("disable");
    const auto bytes = dc09::encode(frame_of(3, "1234", "FA"));
    EXPECT_EQ(send_frame(dc09_port, bytes, 1), "") << centre.log();
    EXPECT_EQ(send_frame(dc09_port, bytes, 1), "") << centre.log();
    EXPECT_EQ(stored(), 1u);
    // Audited once for the first refusal; the second, within the minute, waits for the next report.
    EXPECT_EQ(harness::occurrences(centre.log(), "hub disabled, dc09 frames refused hub=hub-0001 count=1"),
              1u)
        << centre.log();

    hub("enable");
    EXPECT_NE(send_frame(dc09_port, bytes).find("\"ACK\""), std::string::npos) << centre.log();
    EXPECT_EQ(stored(), 2u);

    centre.signal(SIGTERM);
    EXPECT_EQ(centre.wait(10s), 0) << centre.log();
}

// Security finding 2 (flood folding) on the second path: a hub's DC-09 events take tokens of the same
// bucket as its MQTT alerts; beyond it they are stored and ACKed (nothing lost) but folded into the hub's
// flood alert, out of the queue.
TEST_F(CentreDc09, EventsBeyondTheHubsRateAreAckedStoredAndFoldedIntoItsFloodAlert) {
    for (int seq = 1; seq <= 6; ++seq)
        ASSERT_NE(send_frame(dc09_port, dc09::encode(frame_of(seq, "1234", "FA"))).find("\"ACK\""),
                  std::string::npos)
            << seq << "\n"
            << centre.log();

    httplib::Client cli("127.0.0.1", http_port);
    auto login =
        cli.Post("/api/login", R"({"user":"olive","password":"olive-password"})", "application/json");
    ASSERT_TRUE(login && login->status == 200);
    auto cookie = login->get_header_value("Set-Cookie");
    const httplib::Headers auth{{"Cookie", cookie.substr(0, cookie.find(';'))}};
    std::map<std::string, int> queued;
    auto open = cli.Get("/api/alerts", auth);
    ASSERT_TRUE(open);
    for (const auto& a : json::parse(open->body)) ++queued[a.at("type").get<std::string>()];
    EXPECT_EQ(queued, (std::map<std::string, int>{{"alert_flood", 1}, {"smoke", 4}})) << open->body;
    auto all = cli.Get("/api/alerts?state=all", auth);
    ASSERT_TRUE(all);
    int stored = 0;
    for (const auto& a : json::parse(all->body)) {
        stored += a.at("type") == "smoke";
        if (a.at("type") == "alert_flood") {
            EXPECT_NE(a.at("text").get<std::string>().find("(2 folded)"), std::string::npos) << a;
        }
    }
    EXPECT_EQ(stored, 6);
    EXPECT_NE(centre.log().find("alert flood: dc09 alert beyond the hub's rate folded"), std::string::npos)
        << centre.log();

    centre.signal(SIGTERM);
    EXPECT_EQ(centre.wait(10s), 0) << centre.log();
}
