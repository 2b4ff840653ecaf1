// warden-ctl pair --config CONFIG --id ID --kind KIND: waits for the next device to join (zigbee2mqtt
// bridge/event) or to speak without being configured, and appends a [[sensor]] block for it to the
// config, leaving the rest of the file as it was. The result is validated; an invalid file is restored.
#include <fstream>
#include <iostream>
#include <sstream>

#include <fmt/format.h>

#include "cli.hpp"
#include "home_link.hpp"
#include "warden/common/alert.hpp"
#include "warden/ctl/config_edit.hpp"
#include "warden/ctl/discovery.hpp"

namespace warden::ctl {

namespace {

struct pair_options {
    std::string config;
    std::string id;
    std::string kind;
    std::string location;
    std::string timeout = "120s";
    bool dry_run = false;
};

std::string read_file(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) throw usage_error(fmt::format("{}: cannot read", path));
    std::ostringstream s;
    s << in.rdbuf();
    return s.str();
}

void write_file(const std::string& path, const std::string& text) {
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    out << text;
    out.flush();
    if (!out) throw check_failed(fmt::format("{}: cannot write", path));
}

int run_pair(const pair_options& o, const context& ctx) {
    auto wait = duration_option(o.timeout, "--timeout");
    auto kind = parse_sensor_kind(o.kind);
    if (!kind)
        throw usage_error(
            fmt::format("--kind \"{}\": not a sensor kind ({})", o.kind, all_sensor_kind_names()));
    if (!is_valid_id(o.id))
        throw usage_error(fmt::format("--id \"{}\": use 1-64 of A-Z a-z 0-9 . _ -", o.id));
    auto cfg = load_config(o.config);
    if (cfg.find_sensor(o.id))
        throw usage_error(fmt::format("--id \"{}\": {} already has that sensor", o.id, o.config));
    const std::string original = read_file(o.config);

    discovery found(cfg);
    std::optional<device> candidate;
    std::string how;
    home_link link(cfg.local, "pair", ctx.log());
    link.on_message([&](mqtt::message m) {
        if (candidate) return;
        auto seen = found.add(m.topic, m.payload, now_ms(), m.retained);
        if (!seen.device_topic || found.configured(*seen.device_topic)) return;
        // Retained messages are old news: only a device joining or speaking now is the one being paired.
        if (m.retained) return;
        if (seen.joined) {
            how = seen.joined->detail;
        } else if (seen.state_message) {
            how = fmt::format("spoke on {}", m.topic);
        } else {
            return;
        }
        candidate = *found.find(*seen.device_topic);
    });
    for (const auto& f : discovery_subscriptions(cfg)) link.subscribe(f, 0);
    link.connect();
    std::cerr << fmt::format(
        "warden-ctl: waiting up to {} for a new device on {}: put it in pairing mode now (zigbee2mqtt: "
        "permit join)\n",
        o.timeout, link.uri());
    link.run_for(wait, [&] { return candidate.has_value(); });
    if (!candidate) throw check_failed(fmt::format("no new device joined or spoke within {}", o.timeout));

    std::cout << fmt::format("found {} ({}, {}){}\n", candidate->topic, config::to_string(candidate->source),
                             how, candidate->model.empty() ? "" : ": " + candidate->model);
    if (candidate->last_payload)
        std::cout << "  last payload: " << truncate_payload(*candidate->last_payload, 200) << '\n';

    sensor_block block;
    block.id = o.id;
    block.kind = *kind;
    block.source = candidate->source;
    block.topic = candidate->topic;
    block.location = o.location;
    block.comment = fmt::format("paired by warden-ctl {}{}", format_time(now_ms()).substr(0, 10),
                                candidate->model.empty() ? "" : ": " + candidate->model);
    const std::string updated = append_sensor_block(original, block);
    // Validate before touching the file, then again from disk, as the hub will read it.
    config::parse_hub_config(updated, o.config);
    std::cout << '\n' << render_sensor_block(block) << '\n';
    if (o.dry_run) {
        std::cout << "dry run: " << o.config << " not changed\n";
        return exit_ok;
    }
    write_file(o.config, updated);
    try {
        config::load_hub_config(o.config);
    } catch (...) {
        write_file(o.config, original);
        std::cerr << "warden-ctl: the new config did not validate; " << o.config << " restored\n";
        throw;
    }
    std::cout << fmt::format(
        "added sensor \"{}\" to {}; restart warden-hub to use it, then `warden-ctl simulate` or "
        "trigger the device to test it\n",
        o.id, o.config);
    return exit_ok;
}

}  // namespace

void add_pair(CLI::App& app, context& ctx) {
    auto o = std::make_shared<pair_options>();
    auto* sub = app.add_subcommand("pair",
                                   "Wait for the next device to join (zigbee2mqtt) or speak that is not "
                                   "configured yet, show it, and append\n"
                                   "a [[sensor]] block for it to the config (the rest of the file is left as "
                                   "it was). Exit 1 on timeout.");
    sub->add_option("--config", o->config, "The hub config (hub.toml) to add the sensor to")->required();
    sub->add_option("--id", o->id, "The new sensor's id (used in rules and alerts)")->required();
    sub->add_option("--kind", o->kind, "The sensor kind (pendant, motion, door, bed, smoke, ...)")
        ->required();
    sub->add_option("--location", o->location, "Where it is, for operators (\"bedroom\")");
    sub->add_option("--timeout", o->timeout, "How long to wait for the device (default 120s)");
    sub->add_flag("--dry-run", o->dry_run, "Show the block but do not change the config");
    sub->callback([&ctx, o] { ctx.run = [o, &ctx] { return run_pair(*o, ctx); }; });
}

}  // namespace warden::ctl
