// warden-ctl generate-week --config CONFIG [--start DATE] [--days N] [--seed S] [--inject CHANGE:DAY]:
// a recording of a household's generated days (warden/ctl/household.hpp) for the home in CONFIG,
// one SPEC 2.4 JSON line per message, for `replay --activity`, the centre's tests and the demo.
#include <cstdio>
#include <iostream>

#include <date/tz.h>
#include <fmt/format.h>

#include "cli.hpp"
#include "warden/ctl/household.hpp"

namespace warden::ctl {

namespace {

struct generate_options_cli {
    std::string config;
    std::string start = "2026-11-02";
    int days = 14;
    std::uint32_t seed = 1;
    std::vector<std::string> inject;
};

int run_generate(const generate_options_cli& o) {
    auto cfg = load_config(o.config);
    household_options opts;
    int y = 0;
    unsigned m = 0, d = 0;
    if (std::sscanf(o.start.c_str(), "%d-%u-%u", &y, &m, &d) != 3 ||
        !date::year_month_day{date::year{y} / date::month{m} / date::day{d}}.ok())
        throw usage_error(fmt::format("--start: \"{}\" is not a date like 2026-11-02", o.start));
    opts.year = y;
    opts.month = m;
    opts.day = d;
    if (o.days < 1 || o.days > 366) throw usage_error("--days: give 1 to 366");
    opts.days = o.days;
    opts.seed = o.seed;
    for (const auto& change : o.inject) {
        auto colon = change.find(':');
        int day = 0;
        try {
            if (colon == std::string::npos) throw std::invalid_argument(change);
            day = std::stoi(change.substr(colon + 1));
        } catch (const std::exception&) {
            throw usage_error(fmt::format("--inject: \"{}\" is not CHANGE:DAY (e.g. infection:7)", change));
        }
        auto what = change.substr(0, colon);
        if (what == "infection")
            opts.changes.infection_from = day;
        else if (what == "cold")
            opts.changes.cold_from = day;
        else if (what == "decline")
            opts.changes.decline_from = day;
        else
            throw usage_error(
                fmt::format("--inject: \"{}\" is not a change; use infection, cold or decline", what));
    }
    const date::time_zone* zone = nullptr;
    try {
        zone = date::locate_zone(cfg.timezone);
    } catch (const std::exception& e) {
        throw usage_error(fmt::format("timezone \"{}\": {}", cfg.timezone, e.what()));
    }
    for (const auto& msg : generate_household(cfg, zone, opts))
        std::cout << format_recording_line(msg) << '\n';
    return exit_ok;
}

}  // namespace

void add_generate(CLI::App& app, context& ctx) {
    auto o = std::make_shared<generate_options_cli>();
    auto* sub = app.add_subcommand(
        "generate-week",
        "Write a recording (SPEC 2.4 JSON lines) of generated days of a household for the home in the\n"
        "config: a daily routine with noise and weekends, in each sensor's own payloads, with injected\n"
        "changes. Replay it with `warden-ctl replay --activity`.");
    sub->add_option("--config", o->config, "The hub config (hub.toml) whose sensors the household uses")
        ->required();
    sub->add_option("--start", o->start, "The first local day (default 2026-11-02, a Monday)");
    sub->add_option("--days", o->days, "How many days (default 14)");
    sub->add_option("--seed", o->seed, "Random seed (default 1); the same seed gives the same recording");
    sub->add_option("--inject", o->inject,
                    "A change from a day on (0 = the first day): infection:DAY (more night-time bathroom "
                    "visits), cold:DAY (a room under 16 °C for hours, 3 days), decline:DAY (later rising, "
                    "less activity, missed meals); repeatable");
    sub->callback([&ctx, o] { ctx.run = [o] { return run_generate(*o); }; });
}

}  // namespace warden::ctl
