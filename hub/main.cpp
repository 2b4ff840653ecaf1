// warden-hub: the daemon in the home. Reads the config, validates it fully, then runs the Hub
// until SIGTERM or SIGINT.
#include <malloc.h>

#include <cstdio>
#include <exception>
#include <string>

#include <spdlog/sinks/stdout_sinks.h>
#include <spdlog/spdlog.h>
#include <CLI/CLI.hpp>

#include "warden/config/hub_config.hpp"
#include "warden/hub/hub.hpp"
#include "warden/mqtt/session.hpp"

int main(int argc, char** argv) {
    CLI::App app{"warden-hub: sensors in, telecare rules, durable outbox, alerts to the centre"};
    std::string config_file;
    bool check = false;
    std::string level = "info";
    app.add_option("-c,--config", config_file, "the hub's TOML config (SPEC 2.1)")->required();
    app.add_flag("--check", check, "validate the config and exit (0 valid, 2 errors)");
    app.add_option("--log-level", level, "trace, debug, info, warn, error")
        ->check(CLI::IsMember({"trace", "debug", "info", "warn", "error", "critical", "off"}));
    long long activity_period_ms = 0;
    app.add_option("--test-activity-period", activity_period_ms,
                   "tests only: activity summaries every this many ms instead of every hour")
        ->group("");  // hidden
    app.set_version_flag("--version", std::string("warden-hub ") + WARDEN_VERSION);
    CLI11_PARSE(app, argc, argv);

    // Multi-threaded sink: Paho's threads may log a failed subscribe.
    auto log =
        std::make_shared<spdlog::logger>("warden-hub", std::make_shared<spdlog::sinks::stderr_sink_mt>());
    log->set_pattern("%Y-%m-%dT%H:%M:%S.%e %l %v");
    log->set_level(spdlog::level::from_str(level));
    log->flush_on(spdlog::level::trace);

    warden::config::hub_config cfg;
    try {
        cfg = warden::config::load_hub_config(config_file);
    } catch (const warden::config::config_error& e) {
        for (const auto& m : e.messages()) std::fprintf(stderr, "%s\n", m.c_str());
        return 2;
    } catch (const std::exception& e) {
        std::fprintf(stderr, "%s: %s\n", config_file.c_str(), e.what());
        return 2;
    }
    if (check) {
        std::printf("%s: ok (hub %s, %zu sensors, %zu rules)\n", config_file.c_str(), cfg.id.c_str(),
                    cfg.sensors.size(), cfg.rules.size());
        return 0;
    }

    // Memory (docs/PERFORMANCE.md): without TLS, OpenSSL's start-up is skipped (a DC-09 key still
    // works: OpenSSL starts itself when first used); one malloc arena for all threads, since Paho's
    // two threads would each get one of their own for a few small allocations.
    auto tls = [](const std::string& uri) {
        return uri.starts_with("ssl://") || uri.starts_with("mqtts://");
    };
    if (!tls(cfg.local.uri) && !tls(cfg.centre.broker.uri)) warden::mqtt::skip_openssl_init();
    ::mallopt(M_ARENA_MAX, 1);

    try {
        warden::hub::hub_options opts;
        if (activity_period_ms > 0) opts.activity_period = std::chrono::milliseconds{activity_period_ms};
        warden::hub::hub hub(std::move(cfg), log, opts);
        return hub.run();
    } catch (const std::exception& e) {
        log->critical("hub cannot start error=\"{}\"", e.what());
        return 1;
    }
}
