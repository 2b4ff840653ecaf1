// warden-ctl replay --config CONFIG EVENTS.jsonl: the hub's own router and rule engine over a
// recording, on virtual time; prints each alert as a JSON line. With --activity, the hourly activity
// summaries the hub's tracker makes of it instead (--activity-daily: one line per local day).
#include <fstream>
#include <iostream>

#include <date/tz.h>
#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "cli.hpp"
#include "warden/ctl/activity.hpp"
#include "warden/ctl/replay.hpp"

namespace warden::ctl {

namespace {

struct replay_options_cli {
    std::string config;
    std::string events;
    std::string from, to, until;
    bool include_start = false;
    bool activity = false;
    bool activity_daily = false;
};

int run_replay(const replay_options_cli& o) {
    auto cfg = load_config(o.config);
    replay_options opts;
    if (!o.from.empty()) opts.from = time_option(o.from, "--from");
    if (!o.to.empty()) opts.to = time_option(o.to, "--to");
    if (!o.until.empty()) opts.until = time_option(o.until, "--until");
    opts.include_hub_started = o.include_start;

    std::vector<recorded_message> messages;
    if (o.events == "-") {
        messages = read_recording(std::cin, "<stdin>");
    } else {
        std::ifstream in(o.events);
        if (!in) throw usage_error(fmt::format("{}: cannot open", o.events));
        messages = read_recording(in, o.events);
    }
    const date::time_zone* zone = nullptr;
    try {
        zone = date::locate_zone(cfg.timezone);
    } catch (const std::exception& e) {
        throw usage_error(fmt::format("timezone \"{}\": {}", cfg.timezone, e.what()));
    }
    if (o.activity || o.activity_daily) {
        auto hours = replay_activity(cfg, zone, messages, opts);
        if (o.activity_daily) {
            for (const auto& d : daily(hours)) std::cout << to_json(d).dump() << '\n';
        } else {
            for (const auto& h : hours) std::cout << alerts::to_json(h, cfg.id).dump() << '\n';
        }
        return exit_ok;
    }
    for (const auto& a : replay(cfg, zone, messages, opts)) std::cout << to_json(a).dump() << '\n';
    return exit_ok;
}

}  // namespace

void add_replay(CLI::App& app, context& ctx) {
    auto o = std::make_shared<replay_options_cli>();
    auto* sub = app.add_subcommand(
        "replay",
        "Run the hub's rule engine over a recorded day (SPEC 2.4 JSON lines) on virtual time and print\n"
        "the alerts it would have raised, one JSON object per line, with `at` in virtual time.");
    sub->add_option("--config", o->config, "The hub config (hub.toml)")->required();
    sub->add_option("EVENTS", o->events, "The recording (.jsonl; - for stdin), e.g. from `warden-ctl export`")
        ->required();
    sub->add_option("--from", o->from, "Ignore messages before this ISO time");
    sub->add_option("--to", o->to, "Ignore messages from this ISO time on");
    sub->add_option("--until", o->until,
                    "Run the rules' timers up to this ISO time (default: the last message)");
    sub->add_flag("--include-start", o->include_start,
                  "Also print the hub_started alert of the replay's start");
    sub->add_flag("--activity", o->activity,
                  "Print the hourly activity summaries (docs/activity.md) instead of alerts, one JSON object "
                  "per line, as the hub would send them with [activity] share = true");
    sub->add_flag("--activity-daily", o->activity_daily,
                  "Print the activity summaries rolled up per local day instead of alerts");
    sub->callback([&ctx, o] { ctx.run = [o] { return run_replay(*o); }; });
}

}  // namespace warden::ctl
