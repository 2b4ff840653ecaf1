// warden-ctl export --config CONFIG [--since 24h] [--out FILE]: the hub's event log (<data_dir>/hub.db) as
// a SPEC 2.4 recording, read through the hub's own store opened read-only, so it works while the hub runs.
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>
#include <filesystem>

#include <fstream>
#include <iostream>
#include <memory>
#include <stdexcept>

#include <fmt/format.h>

#include "cli.hpp"
#include "warden/ctl/recording.hpp"
#include "warden/hub/store.hpp"

namespace warden::ctl {

namespace {

struct export_options {
    std::string config;
    std::string since = "24h";
    std::string out;
};

/// The hub's store opened read-only; the hub may be writing, and a read waits for its transaction.
hub::store open_hub_store(const std::filesystem::path& file) {
    try {
        return hub::store({.file = file, .read_only = true});
    } catch (const std::runtime_error& e) {
        throw check_failed(e.what());
    }
}

int run_export(const export_options& o) {
    auto since = duration_option(o.since, "--since");
    auto cfg = load_config(o.config);
    auto file = std::filesystem::path(cfg.data_dir) / "hub.db";
    if (!std::filesystem::exists(file))
        throw check_failed(
            fmt::format("no hub database at {} (has the hub run with this config?)", file.string()));
    auto db = open_hub_store(file);
    auto from = now_ms() - since;

    std::ofstream file_out;
    std::ostream* out = &std::cout;
    if (!o.out.empty() && o.out != "-") {
        // The recording is a home's raw sensor traffic: mode 0600 whatever the umask.
        int fd = ::open(o.out.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
        if (fd < 0 || ::fchmod(fd, 0600) != 0) {
            if (fd >= 0) ::close(fd);
            throw usage_error(fmt::format("--out {}: cannot write", o.out));
        }
        ::close(fd);
        file_out.open(o.out, std::ios::trunc);
        if (!file_out) throw usage_error(fmt::format("--out {}: cannot write", o.out));
        out = &file_out;
    }
    std::size_t count = 0;
    auto failed = db.read_events(from, time_point::max(), [&](const hub::logged_event& e) {
        *out << format_recording_line({e.at, e.topic, e.payload}) << '\n';
        ++count;
    });
    if (failed) throw check_failed(fmt::format("reading {} failed: {}", file.string(), failed->message));
    out->flush();
    if (!*out) throw check_failed("writing the recording failed");
    std::cerr << fmt::format("warden-ctl: exported {} message{} since {}\n", count, count == 1 ? "" : "s",
                             format_time(from));
    return exit_ok;
}

}  // namespace

void add_export(CLI::App& app, context& ctx) {
    auto o = std::make_shared<export_options>();
    auto* sub = app.add_subcommand(
        "export",
        "Write the hub's event log (home broker messages, <data_dir>/hub.db) as JSON lines for `replay`.\n"
        "Read-only; safe while the hub runs.");
    sub->add_option("--config", o->config, "The hub config (hub.toml)")->required();
    sub->add_option("--since", o->since, "How far back (default 24h; the hub keeps 8 days)");
    sub->add_option("--out", o->out, "Write to this file instead of stdout");
    sub->callback([&ctx, o] { ctx.run = [o] { return run_export(*o); }; });
}

}  // namespace warden::ctl
