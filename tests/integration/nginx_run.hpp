#pragma once
// Shared by the tests of the shipped nginx config: deploy/nginx/warden-centre.conf in front of one or
// more warden-centre instances, with only the listen ports, the certificate paths (a test CA made by
// scripts/make-certs) and the upstream servers rewritten, run as a foreground nginx.

#include <filesystem>
#include <string>
#include <vector>

#include "ctl_run.hpp"
#include "warden/harness/harness.hpp"

namespace warden::nginx_test {

/// The upstream line as shipped: the test puts one such line per centre instance in its place.
inline const std::string shipped_upstream = "server 127.0.0.1:8080 max_fails=1 fail_timeout=5s;";

/// nginx on 127.0.0.1:`https` (TLS, the shipped server) and :`http` (the redirect), proxying to the
/// centres on 127.0.0.1:`centre_ports`. Certificates and nginx's files go to `dir`; `ca()` is the CA to
/// trust (curl --cacert) for https://localhost:<https>.
class nginx_site {
public:
    nginx_site(const harness::temp_dir& dir, const std::vector<int>& centre_ports)
        : dir_(dir), https_(harness::free_port()), http_(harness::free_port()) {
        const std::string source_dir = WARDEN_SOURCE_DIR;
        const auto certs = dir / "certs";
        for (std::vector<std::string> args : {std::vector<std::string>{"ca"}, {"server", "localhost"}}) {
            args.insert(args.begin(), {source_dir + "/scripts/make-certs", certs.string()});
            auto r = ctl_test::run(args, dir.path());
            EXPECT_EQ(r.code, 0) << r.all();
        }
        ca_ = certs / "ca.crt";
        // nginx as root hands its workers to nobody: let them use this test's folders.
        std::filesystem::permissions(dir.path(), std::filesystem::perms(0755));
        std::filesystem::create_directories(dir / "nginx-tmp");
        std::filesystem::permissions(dir / "nginx-tmp", std::filesystem::perms::all);
        auto site = ctl_test::read_all(source_dir + "/deploy/nginx/warden-centre.conf");
        using ctl_test::replace_once;
        site = replace_once(site, "listen 443 ssl;", "listen 127.0.0.1:" + std::to_string(https_) + " ssl;");
        site = replace_once(site, "listen 80;", "listen 127.0.0.1:" + std::to_string(http_) + ";");
        std::string upstreams;
        for (int p : centre_ports)
            upstreams += replace_once(shipped_upstream, "8080", std::to_string(p)) + "\n    ";
        site = replace_once(site, shipped_upstream, upstreams);
        site = replace_once(site, "/etc/warden/certs/console.crt", (certs / "server.crt").string());
        site = replace_once(site, "/etc/warden/certs/console.key", (certs / "server.key").string());
        auto site_path = dir.write("warden-centre.conf", site);
        const auto d = dir.path().string();
        // What Debian's /etc/nginx/nginx.conf gives a site (events, http), with paths in this test.
        auto main_conf = dir.write(
            "nginx.conf",
            "worker_processes 1;\npid " + d + "/nginx.pid;\nerror_log " + d +
                "/nginx-error.log;\nevents { worker_connections 4096; }\nhttp {\n  access_log off;\n"
                "  client_body_temp_path " +
                d + "/nginx-tmp/body;\n  proxy_temp_path " + d + "/nginx-tmp/proxy;\n  fastcgi_temp_path " +
                d + "/nginx-tmp/fastcgi;\n  uwsgi_temp_path " + d + "/nginx-tmp/uwsgi;\n  scgi_temp_path " +
                d + "/nginx-tmp/scgi;\n  include " + site_path.string() + ";\n}\n");
        proc_ = harness::process({"/usr/sbin/nginx", "-p", d, "-c", main_conf.string(), "-g", "daemon off;"},
                                 dir / "nginx.log");
        EXPECT_TRUE(harness::wait_for_port(https_)) << proc_.log() << error_log();
        EXPECT_TRUE(harness::wait_for_port(http_)) << proc_.log();
    }
    ~nginx_site() {
        if (proc_.pid() > 0 && proc_.running()) proc_.stop();
    }
    nginx_site(const nginx_site&) = delete;
    nginx_site& operator=(const nginx_site&) = delete;

    int https() const { return https_; }
    int http() const { return http_; }
    const std::filesystem::path& ca() const { return ca_; }
    std::string url(const std::string& path) const {
        return "https://localhost:" + std::to_string(https_) + path;
    }
    std::string error_log() const { return ctl_test::read_all(dir_ / "nginx-error.log"); }
    /// curl through nginx: a login of `user` keeping its session cookie in `jar`; returns curl's output
    /// (the login's JSON, with its csrf token).
    std::string login(const std::string& user, const std::string& password, const std::string& jar) const {
        auto r = ctl_test::run(
            {"/usr/bin/curl", "-s", "-c", jar, "--cacert", ca_.string(), "-H",
             "Content-Type: application/json", "-d",
             R"({"user":")" + user + R"(","password":")" + password + R"("})", url("/api/login")},
            dir_.path(), std::chrono::seconds{20});
        return r.out;
    }

private:
    const harness::temp_dir& dir_;
    int https_, http_;
    std::filesystem::path ca_;
    harness::process proc_;
};

}  // namespace warden::nginx_test
