// DC-09 over TLS as shipped (security finding 8): DC-09's AES-CBC has a zero IV and no MAC, so
// frames must cross foreign networks inside TLS. A real warden-hub sends its DC-09 frames to
// stunnel with deploy/stunnel/dc09-hub.conf, which carries them over mutual TLS to stunnel with
// deploy/stunnel/dc09-centre.conf, which hands them to the real warden-centre's DC-09 receiver
// (only ports, paths and daemon settings rewritten). A client without a certificate of the centre
// CA never reaches the receiver.
#include <gtest/gtest.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <csignal>
#include <regex>

#include "ctl_run.hpp"
#include "warden/harness/harness.hpp"

using namespace warden;
using namespace std::chrono_literals;
using ctl_test::read_all;
using ctl_test::replace_once;
using ctl_test::run;

namespace {

const std::string source_dir = WARDEN_SOURCE_DIR;
const std::string bin_dir = WARDEN_BIN_DIR;

/// The shipped stunnel config, run in the foreground as the test's user, with `edits` applied
/// (each `from` must be in the file).
std::string stunnel_config(const std::string& shipped,
                           const std::vector<std::pair<std::string, std::string>>& edits) {
    auto text = read_all(source_dir + "/deploy/stunnel/" + shipped);
    for (const auto& [from, to] : edits) text = replace_once(std::move(text), from, to);
    for (const char* daemon : {"foreground = no", "setuid = stunnel4", "setgid = stunnel4"}) {
        auto pos = text.find(daemon);
        if (pos != std::string::npos)
            text.replace(pos, std::string(daemon).size(), daemon[0] == 'f' ? "foreground = yes" : "");
    }
    text = std::regex_replace(text, std::regex("\npid = [^\n]*"), "\npid =");
    return text;
}

/// Sends raw bytes over plain TCP and returns what comes back within 2 s.
std::string plain_exchange(int port, const std::string& bytes) {
    int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(static_cast<uint16_t>(port));
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    timeval tv{2, 0};
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    std::string reply;
    if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0) {
        (void)::send(fd, bytes.data(), bytes.size(), MSG_NOSIGNAL);
        char buf[512];
        auto n = ::recv(fd, buf, sizeof buf, 0);
        if (n > 0) reply.assign(buf, static_cast<std::size_t>(n));
    }
    ::close(fd);
    return reply;
}

}  // namespace

TEST(Dc09Tls, AHubsFramesReachTheCentreThroughTheShippedStunnelConfigs) {
    const std::string stunnel = "/usr/bin/stunnel";
    ASSERT_TRUE(std::filesystem::exists(stunnel))
        << "stunnel is not installed (scripts/deps installs stunnel4)";
    harness::temp_dir dir;
    auto certs = dir / "certs";
    for (std::vector<std::string> args :
         {std::vector<std::string>{"ca"}, {"server", "localhost"}, {"client", "hub-0001"}}) {
        args.insert(args.begin(), {source_dir + "/scripts/make-certs", certs.string()});
        auto r = run(args, dir.path());
        ASSERT_EQ(r.code, 0) << r.all();
    }
    const int receiver = harness::free_port(), tls = harness::free_port(), local = harness::free_port();
    const int http = harness::free_port();
    harness::broker centre_broker, home;

    auto centre_conf =
        dir.write("centre.toml",
                  "[centre]\ndatabase = \"centre.db\"\n[mqtt]\nuri = \"" + centre_broker.uri() +
                      "\"\n[http]\nlisten = \"127.0.0.1:" + std::to_string(http) +
                      "\"\n[dc09]\nlisten = \"127.0.0.1:" + std::to_string(receiver) +
                      "\"\ntransport = \"tcp\"\n[[dc09.account]]\naccount = \"1234\"\nhub = \"hub-0001\"\n");
    harness::process centre({bin_dir + "/warden-centre", "--config", centre_conf.string()},
                            dir / "centre.log");
    ASSERT_TRUE(harness::wait_for_port(receiver)) << centre.log();

    const auto c = certs.string() + "/";
    auto server_conf = dir.write(
        "stunnel-centre.conf",
        stunnel_config("dc09-centre.conf",
                       {{"accept = 5001", "accept = 127.0.0.1:" + std::to_string(tls)},
                        {"connect = 127.0.0.1:5000", "connect = 127.0.0.1:" + std::to_string(receiver)},
                        {"/etc/warden/certs/ca.crt", c + "ca.crt"},
                        {"/etc/warden/certs/server.crt", c + "server.crt"},
                        {"/etc/warden/certs/server.key", c + "server.key"}}));
    harness::process tls_server({stunnel, server_conf.string()}, dir / "stunnel-centre.log");
    ASSERT_TRUE(harness::wait_for_port(tls)) << tls_server.log();
    auto client_conf = dir.write(
        "stunnel-hub.conf",
        stunnel_config(
            "dc09-hub.conf",
            {{"accept = 127.0.0.1:5009", "accept = 127.0.0.1:" + std::to_string(local)},
             {"connect = dc09.centre.example.org:5001", "connect = localhost:" + std::to_string(tls)},
             {"checkHost = dc09.centre.example.org", "checkHost = localhost"},
             {"/etc/warden/certs/ca.crt", c + "ca.crt"},
             {"/etc/warden/certs/hub-0001.crt", c + "hub-0001.crt"},
             {"/etc/warden/certs/hub-0001.key", c + "hub-0001.key"}}));
    harness::process tls_client({stunnel, client_conf.string()}, dir / "stunnel-hub.log");
    ASSERT_TRUE(harness::wait_for_port(local)) << tls_client.log();

    // A client without a certificate on the TLS port: the handshake fails, nothing is stored.
    EXPECT_EQ(plain_exchange(tls, "\n0000001A\"SIA-DCS\"0001R0L0#1234[#1234|Nri1/QA1]\r"), "");

    auto hub_conf = dir.write(
        "hub.toml", "[hub]\nid = \"hub-0001\"\ndata_dir = \"" + (dir / "hub-data").string() +
                        "\"\ntimezone = \"Europe/London\"\n[local]\nuri = \"" + home.uri() +
                        "\"\n[centre]\nuri = \"" + centre_broker.uri() +
                        "\"\n[dc09]\nhost = \"127.0.0.1\"\nport = " + std::to_string(local) +
                        "\ntransport = \"tcp\"\naccount = \"1234\"\nrole = \"both\"\n"
                        "[[sensor]]\nid = \"pendant\"\nkind = \"pendant\"\nsource = \"zigbee2mqtt\"\n"
                        "topic = \"zigbee2mqtt/pendant\"\nlocation = \"worn\"\nreport_every = \"25h\"\n");
    harness::process hub({bin_dir + "/warden-hub", "--config", hub_conf.string(), "--log-level", "debug"},
                         dir / "hub.log");
    ASSERT_TRUE(harness::eventually(
        [&] {
            return hub.log().find("home session ready") != std::string::npos ||
                   hub.log().find("mqtt subscribed filter=zigbee2mqtt/pendant") != std::string::npos;
        },
        15s))
        << hub.log();
    auto sim = run({bin_dir + "/warden-ctl", "simulate", "--config", hub_conf.string(), "pendant", "press"},
                   dir.path());
    ASSERT_EQ(sim.code, 0) << sim.all();
    EXPECT_TRUE(harness::eventually(
        [&] {
            return std::regex_search(
                centre.log(), std::regex("dc09 alert stored .*hub=hub-0001 type=pendant .*transport=tcp"));
        },
        15s))
        << centre.log() << "\nhub:\n"
        << hub.log() << "\nstunnel (hub):\n"
        << tls_client.log() << "\nstunnel (centre):\n"
        << tls_server.log();
    EXPECT_TRUE(
        harness::eventually([&] { return hub.log().find("dc09 delivered") != std::string::npos; }, 10s))
        << hub.log();
    // Only the hub's frames were stored: the plain client's frame never reached the receiver.
    EXPECT_EQ(centre.log().find("seq=0001 code=QA"), std::string::npos) << centre.log();

    hub.stop();
    tls_client.stop();
    tls_server.stop();
    centre.signal(SIGTERM);
    EXPECT_EQ(centre.wait(10s), 0) << centre.log();
}
