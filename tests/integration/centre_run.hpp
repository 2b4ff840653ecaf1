#pragma once
// Shared by the centre's integration tests: simulated hubs' payloads (SPEC 3) and a console user of the
// HTTP API.

#include <string>
#include <utility>

#include <gtest/gtest.h>
#include <httplib.h>
#include <nlohmann/json.hpp>

#include "warden/common/alert.hpp"
#include "warden/common/alert_catalogue.hpp"

namespace warden::centre_test_support {

using json = nlohmann::json;

/// A hub's alert. The same arguments give the same payload, as a hub's resend does (the centre tells a
/// resend from a reused id by its content).
inline std::string alert_payload(const std::string& hub, int seq, const std::string& priority = "critical",
                                 const std::string& payload_hub = {}) {
    alert a;
    a.hub = payload_hub.empty() ? hub : payload_hub;
    a.seq = static_cast<std::uint64_t>(seq);
    a.id = make_alert_id(a.hub, a.seq);
    a.type = "pendant";
    a.priority = parse_priority(priority).value();
    a.sia = "QA";
    static const time_point start = now_ms();
    a.at = start + std::chrono::seconds{seq};
    a.rule = "pendant";
    a.sensor = "pendant";
    a.location = "worn";
    a.text = "Pendant pressed";
    return to_json(a).dump();
}

inline std::string heartbeat_payload(const std::string& hub) {
    return json{{"hub", hub},
                {"at", format_time(now_ms())},
                {"outbox", 0},
                {"sensors", {{"online", 3}, {"offline", 0}, {"battery_low", 0}}},
                {"version", "0.1.0"}}
        .dump();
}

/// A logged-in console user (cookie and CSRF token), or an anonymous client.
struct api {
    httplib::Client cli;
    std::string cookie, csrf;

    explicit api(int port) : cli("127.0.0.1", port) {
        cli.set_read_timeout(10, 0);
        cli.set_connection_timeout(5, 0);
    }
    httplib::Headers headers(bool with_csrf = true) const {
        httplib::Headers h;
        if (!cookie.empty()) h.emplace("Cookie", cookie);
        if (with_csrf && !csrf.empty()) h.emplace("X-CSRF-Token", csrf);
        return h;
    }
    int login(const std::string& user, const std::string& password) {
        auto r =
            cli.Post("/api/login", json{{"user", user}, {"password", password}}.dump(), "application/json");
        if (!r) return -1;
        if (r->status == 200) {
            auto set = r->get_header_value("Set-Cookie");
            EXPECT_NE(set.find("HttpOnly"), std::string::npos);
            EXPECT_NE(set.find("SameSite=Strict"), std::string::npos);
            cookie = set.substr(0, set.find(';'));
            csrf = json::parse(r->body).at("csrf").get<std::string>();
        }
        return r->status;
    }
    std::pair<int, json> get(const std::string& path) {
        auto r = cli.Get(path, headers());
        if (!r) return {-1, {}};
        return {r->status, json::parse(r->body, nullptr, false)};
    }
    std::pair<int, json> post(const std::string& path, const json& body = json::object(),
                              bool with_csrf = true) {
        auto r = cli.Post(path, headers(with_csrf), body.dump(), "application/json");
        if (!r) return {-1, {}};
        return {r->status, json::parse(r->body, nullptr, false)};
    }
};

}  // namespace warden::centre_test_support
