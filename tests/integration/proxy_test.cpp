// The console behind nginx as shipped (security findings 3 and 4): deploy/nginx/warden-centre.conf
// (only ports, certificate paths and the upstream's port rewritten) in front of a real
// warden-centre. 500 slow or idle sockets (half of them trickling a TLS handshake a byte at a time,
// half silent, and slow plain-HTTP requests on the redirect port) do not keep an operator's request
// from being answered; an oversized header is refused by nginx itself (400), before any centre thread reads
// it.
#include <gtest/gtest.h>

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <csignal>
#include <thread>

#include "ctl_run.hpp"
#include "nginx_run.hpp"
#include "warden/harness/harness.hpp"

using namespace warden;
using namespace std::chrono_literals;
using ctl_test::run;

namespace {

const std::string bin_dir = WARDEN_BIN_DIR;

int connect_to(int port) {
    int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(static_cast<uint16_t>(port));
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
        ::close(fd);
        return -1;
    }
    return fd;
}

class ProxyTest : public ::testing::Test {
protected:
    harness::temp_dir dir;
    harness::broker broker;
    int centre_port = harness::free_port();
    harness::process centre;
    std::unique_ptr<nginx_test::nginx_site> nginx;
    int https = 0, http = 0;
    std::filesystem::path ca;

    void SetUp() override {
        ASSERT_TRUE(std::filesystem::exists("/usr/sbin/nginx")) << "nginx is not installed (scripts/deps)";
        auto conf = dir.write("centre.toml",
                              "[centre]\ndatabase = \"centre.db\"\n[mqtt]\nuri = \"" + broker.uri() +
                                  "\"\n[http]\nlisten = \"127.0.0.1:" + std::to_string(centre_port) + "\"\n");
        const std::string bin = bin_dir + "/warden-centre";
        auto add =
            harness::run({bin, "--config", conf.string(), "user", "add", "olive", "--role", "operator"},
                         "olive-password\n");
        ASSERT_EQ(add.code, 0) << add.output;
        centre = harness::process({bin, "--config", conf.string()}, dir / "centre.log");
        ASSERT_TRUE(harness::wait_for_port(centre_port)) << centre.log();
        nginx = std::make_unique<nginx_test::nginx_site>(dir, std::vector<int>{centre_port});
        https = nginx->https();
        http = nginx->http();
        ca = nginx->ca();
    }

    void TearDown() override {
        nginx.reset();
        if (centre.pid() > 0 && centre.running()) centre.stop();
    }

    /// curl through nginx over TLS; returns {status code, seconds}, or {0, ...} on failure.
    std::pair<int, double> timed_get(const std::string& path, const std::string& cookie_jar) {
        auto r = run(
            {"/usr/bin/curl", "-s", "-o", "/dev/null", "-w", "%{http_code} %{time_total}", "--max-time", "10",
             "--cacert", ca.string(), "-b", cookie_jar, "https://localhost:" + std::to_string(https) + path},
            dir.path(), 20s);
        int code = 0;
        double secs = 99;
        std::sscanf(r.out.c_str(), "%d %lf", &code, &secs);
        return {code, secs};
    }
};

TEST_F(ProxyTest, FiveHundredSlowOrIdleSocketsDoNotKeepAnOperatorWaiting) {
    const auto jar = (dir / "cookies").string();
    auto login =
        run({"/usr/bin/curl", "-s", "-c", jar, "--cacert", ca.string(), "-H",
             "Content-Type: application/json", "-d", R"({"user":"olive","password":"olive-password"})",
             "https://localhost:" + std::to_string(https) + "/api/login"},
            dir.path(), 20s);
    ASSERT_EQ(login.code, 0) << login.all();
    ASSERT_NE(login.out.find("\"csrf\""), std::string::npos) << login.all() << nginx->error_log();

    // 500 sockets from several "addresses" would be the attack; from one address the shipped
    // per-address limit already refuses most of them, so this is the harder case for the proxy
    // itself: they all stay connected while the operator works.
    std::atomic<bool> stop{false};
    std::vector<int> fds;
    for (int i = 0; i < 500; ++i) {
        int fd = connect_to(i % 5 == 4 ? http : https);
        if (fd >= 0) fds.push_back(fd);
    }
    ASSERT_GE(fds.size(), 490u);
    // Half trickle: a TLS record header, then a byte every 500 ms (plain HTTP: a header line a byte at a
    // time).
    std::thread trickler([&] {
        const std::string tls_start("\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03", 11);
        const std::string http_start = "GET / HTTP/1.1\r\nHost: x\r\nX-Slow: ";
        for (std::size_t round = 0; !stop; ++round) {
            for (std::size_t i = 0; i < fds.size(); i += 2) {
                const auto& start = (i % 5 == 4) ? http_start : tls_start;
                char c = round < start.size() ? start[round] : 'a';
                (void)::send(fds[i], &c, 1, MSG_NOSIGNAL | MSG_DONTWAIT);
            }
            for (int t = 0; t < 50 && !stop; ++t) std::this_thread::sleep_for(10ms);
        }
    });

    std::vector<double> times;
    for (int i = 0; i < 5; ++i) {
        auto [code, secs] = timed_get("/api/alerts", jar);
        EXPECT_EQ(code, 200) << nginx->error_log();
        times.push_back(secs);
    }
    stop = true;
    trickler.join();
    for (int fd : fds) ::close(fd);
    std::sort(times.begin(), times.end());
    EXPECT_LT(times[2], 0.2) << "median " << times[2] << " s";
    EXPECT_LT(times.back(), 1.0) << "slowest " << times.back() << " s";
    std::cout << "operator GET /api/alerts through nginx with 500 slow/idle sockets: median "
              << times[2] * 1000 << " ms, slowest " << times.back() * 1000 << " ms\n";
}

TEST_F(ProxyTest, AnOversizedHeaderIsRefusedByNginxAndNeverReachesTheCentre) {
    const std::string big(9000, 'a');  // over one 8 KB large_client_header_buffers buffer
    auto r = run({"/usr/bin/curl", "-s", "-o", "/dev/null", "-w", "%{http_code}", "--cacert", ca.string(),
                  "-H", "X-Flood: " + big, "https://localhost:" + std::to_string(https) + "/api/me"},
                 dir.path(), 20s);
    EXPECT_TRUE(r.out == "400" || r.out == "494" || r.out == "431") << r.all();
    // Many lines of allowed size: refused once the four buffers are full.
    std::vector<std::string> args{"/usr/bin/curl", "-s",       "-o",       "/dev/null", "-w",
                                  "%{http_code}",  "--cacert", ca.string()};
    for (int i = 0; i < 8; ++i)
        args.insert(args.end(), {"-H", "X-Flood-" + std::to_string(i) + ": " + std::string(6000, 'b')});
    args.push_back("https://localhost:" + std::to_string(https) + "/api/me");
    auto many = run(args, dir.path(), 20s);
    EXPECT_TRUE(many.out == "400" || many.out == "494" || many.out == "431") << many.all();
}

}  // namespace
