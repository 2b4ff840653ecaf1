// warden-ctl check CONFIG: validates a hub config as the hub does, then warns about what is legal
// but likely wrong (config::lint_hub_config), and prints a short summary.
#include <iostream>

#include <nlohmann/json.hpp>

#include "cli.hpp"
#include "warden/config/lint.hpp"
#include "warden/ctl/summary.hpp"
#include "warden/sensors/adapters.hpp"

namespace warden::ctl {

namespace {

struct check_options {
    std::string config;
    bool strict = false;
    bool json = false;
};

std::vector<std::string> warnings_for(const config::hub_config& cfg) {
    std::vector<std::string> out;
    // The hub's own defaults, so that check judges the report intervals the hub will use.
    for (const auto& w : config::lint_hub_config(cfg, sensors::default_report_every))
        out.push_back(lint_text(w));
    return out;
}

int run_check(const check_options& o) {
    config::hub_config cfg;
    try {
        cfg = load_config(o.config);
    } catch (const config::config_error& e) {
        if (!o.json) throw;
        nlohmann::json j{{"config", o.config},
                         {"valid", false},
                         {"errors", e.messages()},
                         {"warnings", nlohmann::json::array()}};
        std::cout << j.dump(2) << '\n';
        return exit_usage;
    }
    auto warnings = warnings_for(cfg);
    bool fail = o.strict && !warnings.empty();
    if (o.json) {
        nlohmann::json j{{"config", o.config},
                         {"valid", true},
                         {"errors", nlohmann::json::array()},
                         {"warnings", warnings},
                         {"summary", summarise(cfg)}};
        std::cout << j.dump(2) << '\n';
    } else {
        for (const auto& w : warnings) std::cout << w << '\n';
        std::cout << format_summary(cfg);
        if (warnings.empty()) {
            std::cout << o.config << ": OK\n";
        } else {
            std::cout << o.config << ": valid, " << warnings.size() << " warning"
                      << (warnings.size() == 1 ? "" : "s") << (o.strict ? " (--strict: failing)" : "")
                      << '\n';
        }
    }
    return fail ? exit_failed : exit_ok;
}

}  // namespace

void add_check(CLI::App& app, context& ctx) {
    auto o = std::make_shared<check_options>();
    auto* sub = app.add_subcommand("check",
                                   "Validate a hub config as the hub does and warn about likely mistakes.\n"
                                   "Exit 0 valid (warnings printed), 1 warnings with --strict, 2 invalid.");
    sub->add_option("CONFIG", o->config, "The hub config (hub.toml)")->required();
    sub->add_flag("--strict", o->strict, "Treat warnings as a failed check (exit 1)");
    sub->add_flag("--json", o->json, "Print the result as JSON");
    sub->callback([&ctx, o] { ctx.run = [o] { return run_check(*o); }; });
}

}  // namespace warden::ctl
