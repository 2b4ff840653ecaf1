// warden-ctl test-alarm --config CONFIG: asks the running hub (warden/local/command {"cmd":"test"})
// to send a test alert, and reports when it was committed and when the centre acknowledged it.
#include <iostream>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "cli.hpp"
#include "home_link.hpp"

namespace warden::ctl {

namespace {

struct test_alarm_options {
    std::string config;
    std::string timeout = "30s";
    bool json = false;
};

int run_test_alarm(const test_alarm_options& o, const context& ctx) {
    using clock = std::chrono::steady_clock;
    auto wait = duration_option(o.timeout, "--timeout");
    auto cfg = load_config(o.config);
    home_link link(cfg.local, "test", ctx.log());
    const std::string request = random_id();
    std::optional<nlohmann::json> sent, acked, other;
    link.on_message([&](mqtt::message m) {
        if (m.topic != "warden/local/result") return;
        auto j = nlohmann::json::parse(m.payload, nullptr, false);
        if (!j.is_object() || j.value("id", "") != request) return;
        auto state = j.value("state", "");
        if (state == "sent")
            sent = j;
        else if (state == "acked")
            acked = j;
        else
            other = j;
    });
    link.subscribe("warden/local/result");
    link.connect();

    auto start = clock::now();
    auto deadline = start + wait;
    nlohmann::json command{{"id", request}, {"cmd", "test"}};
    link.publish("warden/local/command", command.dump());
    std::cerr << fmt::format("warden-ctl: test alarm requested (request {}), waiting for the hub\n", request);

    auto fail = [&](std::string why) -> int {
        if (o.json) {
            nlohmann::json j{{"ok", false}, {"request", request}, {"error", why}};
            if (sent) j["alert"] = sent->value("alert", "");
            std::cout << j.dump() << '\n';
        }
        throw check_failed(why);
    };

    link.run_until([&] { return sent || acked || other; }, deadline);
    if (other) return fail(fmt::format("the hub refused the test: {}", other->dump()));
    if (!sent && !acked)
        return fail(
            fmt::format("hub not answering: no reply on warden/local/result within {} (is warden-hub running "
                        "and connected to {}?)",
                        o.timeout, link.uri()));
    auto sent_at = clock::now();
    std::string alert = (sent ? *sent : *acked).value("alert", "");
    if (!o.json)
        std::cout << fmt::format("test alert {} stored by the hub after {} ms; waiting for the centre\n",
                                 alert, std::chrono::duration_cast<milliseconds>(sent_at - start).count());
    link.run_until([&] { return acked || other; }, deadline);
    if (other) return fail(fmt::format("the hub reported: {}", other->dump()));
    if (!acked)
        return fail(
            fmt::format("centre not acking: test alert {} was sent but not acknowledged within {} (check the "
                        "uplink with `warden-ctl status`)",
                        alert, o.timeout));
    double total_ms = std::chrono::duration<double, std::milli>(clock::now() - start).count();
    auto rtt = acked->find("rtt_ms");
    double hub_rtt = (rtt != acked->end() && rtt->is_number()) ? rtt->get<double>() : -1;
    if (o.json) {
        nlohmann::json j{{"ok", true}, {"request", request}, {"alert", alert}, {"total_ms", total_ms}};
        if (hub_rtt >= 0) j["rtt_ms"] = hub_rtt;
        std::cout << j.dump() << '\n';
    } else {
        std::cout << fmt::format(
            "test alert {} acknowledged by the centre: hub-centre round trip {}, total {:.0f} ms\n", alert,
            hub_rtt >= 0 ? fmt::format("{:.1f} ms", hub_rtt) : std::string("unknown"), total_ms);
    }
    return exit_ok;
}

}  // namespace

void add_test_alarm(CLI::App& app, context& ctx) {
    auto o = std::make_shared<test_alarm_options>();
    auto* sub = app.add_subcommand(
        "test-alarm",
        "Ask the running hub to send a test alert (priority low, SIA RP) to the centre and report when the\n"
        "centre acknowledged it, with the round-trip time. Exit 1 on timeout, naming the stage that failed.");
    sub->add_option("--config", o->config, "The hub config (hub.toml)")->required();
    sub->add_option("--timeout", o->timeout, "How long to wait in all (default 30s)");
    sub->add_flag("--json", o->json, "Print the result as one JSON object");
    sub->callback([&ctx, o] { ctx.run = [o, &ctx] { return run_test_alarm(*o, ctx); }; });
}

}  // namespace warden::ctl
