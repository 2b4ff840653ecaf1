// warden-ctl status --config CONFIG: the hub's retained warden/local/state, read from the home broker.
#include <iostream>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "cli.hpp"
#include "home_link.hpp"
#include "warden/ctl/status.hpp"

namespace warden::ctl {

namespace {

struct status_options {
    std::string config;
    std::string timeout = "3s";
    bool json = false;
};

int run_status(const status_options& o, const context& ctx) {
    auto wait = duration_option(o.timeout, "--timeout");
    auto cfg = load_config(o.config);
    home_link link(cfg.local, "status", ctx.log());
    std::optional<std::string> payload;
    link.on_message([&](mqtt::message m) {
        if (m.topic == "warden/local/state") payload = std::move(m.payload);
    });
    link.subscribe("warden/local/state");
    link.connect();
    link.run_for(wait, [&] { return payload.has_value(); });
    if (!payload) {
        throw check_failed(
            fmt::format("no hub state on {} (topic warden/local/state within {}): is warden-hub running?",
                        link.uri(), o.timeout));
    }
    auto state = nlohmann::json::parse(*payload, nullptr, false);
    if (state.is_discarded()) throw check_failed("the hub state on warden/local/state is not JSON");
    auto now = now_ms();
    auto problems = judge_state(state, now, cfg.centre.heartbeat);
    if (o.json) {
        nlohmann::json j{{"ok", problems.empty()}, {"problems", problems}, {"state", state}};
        std::cout << j.dump(2) << '\n';
    } else {
        std::cout << format_state(state, now);
        if (!problems.empty()) std::cout << '\n';
        for (const auto& p : problems) std::cout << "PROBLEM: " << p << '\n';
    }
    return problems.empty() ? exit_ok : exit_failed;
}

}  // namespace

void add_status(CLI::App& app, context& ctx) {
    auto o = std::make_shared<status_options>();
    auto* sub =
        app.add_subcommand("status",
                           "Show the running hub's state: uplink and DC-09 path, outbox, last ack, "
                           "away mode, and each sensor's\n"
                           "online state, battery and last event. Exit 1, with a PROBLEM line each, if "
                           "the hub state is\n"
                           "missing or stale, the uplink or an enabled DC-09 path is down, or a sensor "
                           "is offline, never seen,\n"
                           "low on battery or tampered: the check before leaving a home.");
    sub->add_option("--config", o->config, "The hub config (hub.toml)")->required();
    sub->add_option("--timeout", o->timeout, "How long to wait for the hub's state (default 3s)");
    sub->add_flag("--json", o->json, "Print {\"ok\",\"problems\",\"state\"} as JSON");
    sub->callback([&ctx, o] { ctx.run = [o, &ctx] { return run_status(*o, ctx); }; });
}

}  // namespace warden::ctl
