// warden-ctl export --config CONFIG [--since 24h] [--out FILE]: the hub's event log (<data_dir>/hub.db,
// table events) as a SPEC 2.4 recording. Opens the database read-only, so it works while the hub runs.
#include <filesystem>
#include <fstream>
#include <iostream>
#include <memory>

#include <fmt/format.h>
#include <sqlite3.h>

#include "cli.hpp"
#include "warden/ctl/recording.hpp"

namespace warden::ctl {

namespace {

struct export_options {
    std::string config;
    std::string since = "24h";
    std::string out;
};

struct db_closer {
    void operator()(sqlite3* db) const noexcept { sqlite3_close_v2(db); }
};
struct stmt_closer {
    void operator()(sqlite3_stmt* s) const noexcept { sqlite3_finalize(s); }
};

int run_export(const export_options& o) {
    auto since = duration_option(o.since, "--since");
    auto cfg = load_config(o.config);
    auto file = std::filesystem::path(cfg.data_dir) / "hub.db";
    if (!std::filesystem::exists(file))
        throw check_failed(
            fmt::format("no hub database at {} (has the hub run with this config?)", file.string()));

    sqlite3* raw = nullptr;
    int rc = sqlite3_open_v2(file.c_str(), &raw, SQLITE_OPEN_READONLY, nullptr);
    std::unique_ptr<sqlite3, db_closer> db(raw);
    if (rc != SQLITE_OK)
        throw check_failed(
            fmt::format("cannot open {}: {}", file.string(), raw ? sqlite3_errmsg(raw) : "out of memory"));
    // The hub may be writing: wait for its transaction rather than failing.
    sqlite3_busy_timeout(db.get(), 5000);

    sqlite3_stmt* raw_stmt = nullptr;
    rc = sqlite3_prepare_v2(db.get(),
                            "SELECT at_ms, topic, payload FROM events WHERE at_ms >= ?1 ORDER BY at_ms, id",
                            -1, &raw_stmt, nullptr);
    std::unique_ptr<sqlite3_stmt, stmt_closer> stmt(raw_stmt);
    if (rc != SQLITE_OK)
        throw check_failed(
            fmt::format("cannot read the event log in {}: {}", file.string(), sqlite3_errmsg(db.get())));
    auto from = now_ms() - since;
    sqlite3_bind_int64(stmt.get(), 1, from.time_since_epoch().count());

    std::ofstream file_out;
    std::ostream* out = &std::cout;
    if (!o.out.empty() && o.out != "-") {
        file_out.open(o.out, std::ios::trunc);
        if (!file_out) throw usage_error(fmt::format("--out {}: cannot write", o.out));
        out = &file_out;
    }
    std::size_t count = 0;
    while ((rc = sqlite3_step(stmt.get())) == SQLITE_ROW) {
        recorded_message m;
        m.at = time_point{milliseconds{sqlite3_column_int64(stmt.get(), 0)}};
        auto topic = reinterpret_cast<const char*>(sqlite3_column_text(stmt.get(), 1));
        m.topic = topic ? topic : "";
        auto bytes = static_cast<const char*>(sqlite3_column_blob(stmt.get(), 2));
        m.payload.assign(bytes ? bytes : "", static_cast<std::size_t>(sqlite3_column_bytes(stmt.get(), 2)));
        *out << format_recording_line(m) << '\n';
        ++count;
    }
    if (rc != SQLITE_DONE)
        throw check_failed(fmt::format("reading {} failed: {}", file.string(), sqlite3_errmsg(db.get())));
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
