// warden-ctl simulate --config CONFIG SENSOR EVENT: publishes a realistic payload for a configured
// sensor, in its own source's format, to the home broker (sensors::simulate_payload).
#include <iostream>

#include <fmt/format.h>

#include "cli.hpp"
#include "home_link.hpp"
#include "warden/sensors/adapters.hpp"

namespace warden::ctl {

namespace {

struct simulate_options {
    std::string config;
    std::string sensor;
    std::string event;
    bool dry_run = false;
};

/// The EVENT words this sensor takes, found by asking simulate_payload itself, so the list is always
/// the one it accepts.
std::string accepted_events(const config::sensor_spec& sensor) {
    static constexpr std::string_view words[] = {
        "press", "active", "inactive", "clear", "open",  "closed",      "occupied", "vacant",  "wet",   "dry",
        "smoke", "alarm",  "on",       "off",   "value", "battery-low", "tamper",   "offline", "online"};
    std::string out;
    for (auto w : words) {
        try {
            sensors::simulate_payload(sensor, w);
            out += (out.empty() ? "" : ", ") + std::string(w);
        } catch (const std::exception&) {
        }
    }
    for (std::string_view reading : {"temperature=20.5", "power=40", "battery=50"}) {
        try {
            sensors::simulate_payload(sensor, reading);
            out += (out.empty() ? "" : ", ") + std::string(reading.substr(0, reading.find('='))) + "=NUMBER";
        } catch (const std::exception&) {
        }
    }
    return out.empty() ? "nothing" : out;
}

int run_simulate(const simulate_options& o, const context& ctx) {
    auto cfg = load_config(o.config);
    const auto* sensor = cfg.find_sensor(o.sensor);
    if (!sensor) {
        std::string known;
        for (const auto& s : cfg.sensors) known += (known.empty() ? "" : ", ") + s.id;
        throw usage_error(fmt::format("no sensor \"{}\" in {} (sensors: {})", o.sensor, o.config,
                                      known.empty() ? "none" : known));
    }
    std::vector<std::pair<std::string, std::string>> messages;
    try {
        messages = sensors::simulate_payload(*sensor, o.event);
    } catch (const std::invalid_argument& e) {
        throw usage_error(fmt::format("{} (sensor \"{}\", {} on {}, accepts: {})", e.what(), sensor->id,
                                      to_string(sensor->kind), config::to_string(sensor->source),
                                      accepted_events(*sensor)));
    }
    if (o.dry_run) {
        for (const auto& [topic, payload] : messages) std::cout << topic << ' ' << payload << '\n';
        return exit_ok;
    }
    home_link link(cfg.local, "simulate", ctx.log());
    link.connect();
    for (const auto& [topic, payload] : messages) {
        link.publish(topic, payload);
        std::cout << "published " << topic << ' ' << payload << '\n';
    }
    return exit_ok;
}

}  // namespace

void add_simulate(CLI::App& app, context& ctx) {
    auto o = std::make_shared<simulate_options>();
    auto* sub = app.add_subcommand(
        "simulate",
        "Publish a realistic payload for a configured sensor to the home broker, in its source's format.\n"
        "EVENT: press, active, clear, open, closed, occupied, vacant, wet, dry, smoke, battery-low, tamper,\n"
        "offline, online, or ATTRIBUTE=NUMBER (temperature=8.5).");
    sub->add_option("--config", o->config, "The hub config (hub.toml)")->required();
    sub->add_option("SENSOR", o->sensor, "A sensor id from the config")->required();
    sub->add_option("EVENT", o->event, "What the sensor should report")->required();
    sub->add_flag("--dry-run", o->dry_run, "Print topic and payload instead of publishing");
    sub->callback([&ctx, o] { ctx.run = [o, &ctx] { return run_simulate(*o, ctx); }; });
}

}  // namespace warden::ctl
