// warden-ctl: the technician's tool. One program, one subcommand per task (see --help).
#include <cstdio>
#include <iostream>

#include <fmt/format.h>
#include <spdlog/sinks/stdout_sinks.h>
#include <spdlog/spdlog.h>

#include "cli.hpp"
#include "warden/ctl/recording.hpp"

#include <random>

namespace warden::ctl {

std::shared_ptr<spdlog::logger> context::log() const {
    auto log =
        std::make_shared<spdlog::logger>("warden-ctl", std::make_shared<spdlog::sinks::stderr_sink_mt>());
    log->set_pattern("%Y-%m-%dT%H:%M:%S.%eZ %l %v", spdlog::pattern_time_type::utc);
    log->set_level(verbose ? spdlog::level::info : spdlog::level::warn);
    return log;
}

milliseconds duration_option(const std::string& text, std::string_view option) {
    auto d = parse_duration(text);
    if (!d)
        throw usage_error(
            fmt::format("{}: \"{}\" is not a duration (like 500ms, 30s, 10m, 3h, 1d)", option, text));
    return *d;
}

time_point time_option(const std::string& text, std::string_view option) {
    auto t = parse_time(text);
    if (!t)
        throw usage_error(
            fmt::format("{}: \"{}\" is not an ISO 8601 time (like 2026-11-28T22:00:00Z)", option, text));
    return *t;
}

config::hub_config load_config(const std::string& path) {
    return config::load_hub_config(path);
}

std::string random_id() {
    std::random_device rd;
    std::uniform_int_distribution<unsigned long long> dist;
    return fmt::format("{:016x}", dist(rd));
}

}  // namespace warden::ctl

int main(int argc, char** argv) {
    using namespace warden::ctl;
    CLI::App app{
        "warden-ctl: the technician's tool for a Warden hub (check, devices, pair, simulate, replay,\n"
        "generate-week, export, test-alarm, status). Exit codes: 0 fine, 1 a check failed, 2 usage or config "
        "error."};
    app.name("warden-ctl");
    app.set_version_flag("--version", std::string("warden-ctl ") + WARDEN_VERSION);
    app.require_subcommand(1, 1);
    context ctx;
    app.add_flag("-v,--verbose", ctx.verbose, "Log progress to stderr");
    add_check(app, ctx);
    add_devices(app, ctx);
    add_pair(app, ctx);
    add_simulate(app, ctx);
    add_replay(app, ctx);
    add_generate(app, ctx);
    add_export(app, ctx);
    add_test_alarm(app, ctx);
    add_status(app, ctx);

    // CLI11 would say only that a subcommand is required, or that an argument was not expected:
    // name the word the technician typed and the subcommands there are.
    for (int i = 1; i < argc; ++i) {
        std::string_view arg = argv[i];
        if (!arg.empty() && arg.front() == '-') continue;
        std::string names;
        bool known = false;
        for (const auto* sub : app.get_subcommands([](CLI::App*) { return true; })) {
            known = known || sub->get_name() == arg;
            names += (names.empty() ? "" : ", ") + sub->get_name();
        }
        if (!known) {
            std::cerr << fmt::format(
                "warden-ctl: unknown subcommand \"{}\" (one of: {}); see warden-ctl --help\n", arg, names);
            return exit_usage;
        }
        break;
    }
    try {
        app.parse(argc, argv);
    } catch (const CLI::ParseError& e) {
        int code = app.exit(e);
        return code == 0 ? exit_ok : exit_usage;
    }
    if (!ctx.run) return exit_usage;
    try {
        int code = ctx.run();
        std::fflush(stdout);
        return code;
    } catch (const warden::config::config_error& e) {
        for (const auto& m : e.messages()) std::cerr << m << '\n';
        return exit_usage;
    } catch (const usage_error& e) {
        std::cerr << "warden-ctl: " << e.what() << '\n';
        return exit_usage;
    } catch (const warden::ctl::recording_error& e) {
        std::cerr << e.what() << '\n';
        return exit_usage;
    } catch (const check_failed& e) {
        std::cerr << "warden-ctl: " << e.what() << '\n';
        return exit_failed;
    } catch (const std::exception& e) {
        std::cerr << "warden-ctl: " << e.what() << '\n';
        return exit_failed;
    }
}
