// warden-ctl devices --config CONFIG [--listen 10s]: every device seen on the home broker, marked
// configured or not, with its last payload, battery, link and online state.
#include <iostream>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "cli.hpp"
#include "home_link.hpp"
#include "lib/table.hpp"
#include "warden/ctl/discovery.hpp"

namespace warden::ctl {

namespace {

struct devices_options {
    std::string config;
    std::string listen = "10s";
    bool json = false;
};

std::string opt_int(const std::optional<int>& v, std::string_view suffix = "") {
    return v ? fmt::format("{}{}", *v, suffix) : "-";
}

std::string join(const std::vector<std::string>& v) {
    std::string out;
    for (const auto& s : v) out += (out.empty() ? "" : ",") + s;
    return out;
}

int run_devices(const devices_options& o, const context& ctx) {
    auto listen = duration_option(o.listen, "--listen");
    auto cfg = load_config(o.config);
    discovery found(cfg);
    home_link link(cfg.local, "devices", ctx.log());
    link.on_message([&](mqtt::message m) { found.add(m.topic, m.payload, now_ms(), m.retained); });
    for (const auto& f : discovery_subscriptions(cfg)) link.subscribe(f, 0);
    link.connect();
    std::cerr << fmt::format("warden-ctl: listening on {} for {}\n", link.uri(), o.listen);
    link.run_for(listen);

    auto now = now_ms();
    auto devices = found.devices();
    if (o.json) {
        auto arr = nlohmann::json::array();
        for (const auto& d : devices) {
            nlohmann::json j{{"topic", d.topic},
                             {"source", config::to_string(d.source)},
                             {"name", d.name},
                             {"configured", !d.sensors.empty()},
                             {"sensors", d.sensors},
                             {"seen", d.last_seen.has_value() || d.listed || d.online.has_value()}};
            j["model"] = d.model.empty() ? nlohmann::json() : nlohmann::json(d.model);
            j["last_payload"] = d.last_payload ? nlohmann::json(*d.last_payload) : nlohmann::json();
            j["last_seen"] = d.last_seen ? nlohmann::json(format_time(*d.last_seen)) : nlohmann::json();
            j["battery"] = d.battery ? nlohmann::json(*d.battery) : nlohmann::json();
            j["link"] = d.link ? nlohmann::json(*d.link) : nlohmann::json();
            j["online"] = d.online ? nlohmann::json(*d.online) : nlohmann::json();
            arr.push_back(std::move(j));
        }
        std::cout << arr.dump(2) << '\n';
        return exit_ok;
    }
    std::vector<std::vector<std::string>> rows{
        {"DEVICE", "SOURCE", "SENSOR", "ONLINE", "BATTERY", "LINK", "LAST SEEN", "LAST PAYLOAD"}};
    std::size_t unconfigured = 0, missing = 0;
    for (const auto& d : devices) {
        bool seen = d.last_seen || d.listed || d.online;
        if (d.sensors.empty()) ++unconfigured;
        if (!seen) ++missing;
        std::string name = d.topic;
        if (!d.model.empty()) name += " (" + d.model + ")";
        std::string last = "-";
        if (d.last_seen)
            last = d.spoke ? detail::ago((now - *d.last_seen).count()) : "retained";
        else if (!seen)
            last = "NOT SEEN";
        rows.push_back({name, std::string(config::to_string(d.source)),
                        d.sensors.empty() ? "(not configured)" : join(d.sensors),
                        d.online ? (*d.online ? "yes" : "NO") : "?", opt_int(d.battery, "%"), opt_int(d.link),
                        last, d.last_payload ? truncate_payload(*d.last_payload) : "-"});
    }
    std::cout << detail::format_table(rows);
    std::cout << fmt::format("\n{} device{}: {} not configured, {} configured sensor topic{} not seen\n",
                             devices.size(), devices.size() == 1 ? "" : "s", unconfigured, missing,
                             missing == 1 ? "" : "s");
    return exit_ok;
}

}  // namespace

void add_devices(CLI::App& app, context& ctx) {
    auto o = std::make_shared<devices_options>();
    auto* sub = app.add_subcommand(
        "devices",
        "List every device seen on the home broker (zigbee2mqtt bridge/devices and any topic of a known "
        "source),\n"
        "each marked configured or not, with its last payload, battery, link and online state.");
    sub->add_option("--config", o->config, "The hub config (hub.toml)")->required();
    sub->add_option("--listen", o->listen, "How long to listen (default 10s)");
    sub->add_flag("--json", o->json, "Print a JSON array");
    sub->callback([&ctx, o] { ctx.run = [o, &ctx] { return run_devices(*o, ctx); }; });
}

}  // namespace warden::ctl
