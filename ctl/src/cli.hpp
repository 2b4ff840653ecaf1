#pragma once
// Internal to warden-ctl: what every subcommand shares (exit codes, errors, logger, option parsing).

#include <functional>
#include <memory>
#include <stdexcept>
#include <string>

#include <CLI/CLI.hpp>

#include "warden/common/time.hpp"
#include "warden/config/hub_config.hpp"

namespace spdlog {
class logger;
}

namespace warden::ctl {

/// Exit codes shared by every subcommand.
inline constexpr int exit_ok = 0;
inline constexpr int exit_failed = 1;  ///< a check failed (timeout, hub missing, broker unreachable, ...)
inline constexpr int exit_usage = 2;   ///< bad arguments or an invalid config

/// Bad arguments: printed as "warden-ctl: <message>", exit 2.
class usage_error : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

/// A check that failed: printed as "warden-ctl: <message>", exit 1.
class check_failed : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

/// Set up by main, handed to every subcommand.
struct context {
    bool verbose = false;
    /// The chosen subcommand's work, set by its CLI11 callback; returns the exit code.
    std::function<int()> run;
    /// Logs to stderr; level info with --verbose, else warnings only.
    std::shared_ptr<spdlog::logger> log() const;
};

/// "30s" -> 30000ms; throws usage_error naming the option.
milliseconds duration_option(const std::string& text, std::string_view option);
/// An ISO time for --from/--to/--until; throws usage_error.
time_point time_option(const std::string& text, std::string_view option);

/// load_hub_config; config_error propagates (main prints it and exits 2).
config::hub_config load_config(const std::string& path);

/// A request id: 16 random hex digits.
std::string random_id();

void add_check(CLI::App& app, context& ctx);
void add_devices(CLI::App& app, context& ctx);
void add_pair(CLI::App& app, context& ctx);
void add_simulate(CLI::App& app, context& ctx);
void add_replay(CLI::App& app, context& ctx);
void add_generate(CLI::App& app, context& ctx);
void add_export(CLI::App& app, context& ctx);
void add_test_alarm(CLI::App& app, context& ctx);
void add_status(CLI::App& app, context& ctx);

}  // namespace warden::ctl
