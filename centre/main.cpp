// warden-centre: the monitoring centre (SPEC 5). Thin: parse the command line, load the config, run.
#include <iostream>
#include <optional>
#include <string>

#include <termios.h>
#include <unistd.h>

#include <fmt/format.h>
#include <spdlog/sinks/stdout_sinks.h>
#include <spdlog/spdlog.h>
#include <CLI/CLI.hpp>

#include "records_commands.hpp"
#include "warden/centre/auth.hpp"
#include "warden/centre/centre.hpp"
#include "warden/centre/open_store.hpp"
#include "warden/centre/records_key.hpp"
#include "warden/config/centre_config.hpp"

namespace {

std::shared_ptr<spdlog::logger> make_logger(const std::string& level) {
    auto log = std::make_shared<spdlog::logger>("centre", std::make_shared<spdlog::sinks::stderr_sink_mt>());
    log->set_pattern("%Y-%m-%dT%H:%M:%S.%eZ %l %v", spdlog::pattern_time_type::utc);
    log->set_level(spdlog::level::from_str(level));
    log->flush_on(spdlog::level::info);
    return log;
}

/// One line from stdin without its line end.
std::string read_line() {
    std::string line;
    std::getline(std::cin, line);
    if (!line.empty() && line.back() == '\r') line.pop_back();
    return line;
}

/// Echo off on the terminal while it lives; the previous settings back on destruction.
class no_echo {
public:
    no_echo() {
        if (tcgetattr(STDIN_FILENO, &saved_) != 0) return;
        termios quiet = saved_;
        quiet.c_lflag &= static_cast<tcflag_t>(~ECHO);
        quiet.c_lflag |= ECHONL;  // the Enter still moves to the next line
        active_ = tcsetattr(STDIN_FILENO, TCSAFLUSH, &quiet) == 0;
    }
    ~no_echo() {
        if (active_) tcsetattr(STDIN_FILENO, TCSAFLUSH, &saved_);
    }
    no_echo(const no_echo&) = delete;
    no_echo& operator=(const no_echo&) = delete;

private:
    termios saved_{};
    bool active_ = false;
};

/// The new user's password: typed at a prompt without echo (twice) on a terminal, otherwise one line
/// from stdin (a pipe or a file, for scripts). nullopt, with the reason printed, if there is none.
std::optional<std::string> read_password(const std::string& name) {
    if (!isatty(STDIN_FILENO)) {
        auto password = read_line();
        if (password.empty()) {
            std::cerr << "warden-centre: no password on stdin\n";
            return std::nullopt;
        }
        return password;
    }
    std::string password, again;
    {
        no_echo quiet;
        std::cerr << fmt::format("Password for {}: ", name) << std::flush;
        password = read_line();
        std::cerr << "Again: " << std::flush;
        again = read_line();
    }
    if (password.empty()) {
        std::cerr << "warden-centre: no password given\n";
        return std::nullopt;
    }
    if (password != again) {
        std::cerr << "warden-centre: the passwords differ; nothing changed\n";
        return std::nullopt;
    }
    return password;
}

int user_add(const warden::config::centre_config& cfg, const std::string& name, const std::string& role,
             const std::string& team) {
    using namespace warden::centre;
    if (!warden::is_valid_id(name)) {
        std::cerr << "warden-centre: user name must match [A-Za-z0-9._-]{1,64}\n";
        return 2;
    }
    if (role == "care" && team.empty()) {
        std::cerr
            << "warden-centre: a care user belongs to a team: add --team TEAM (see warden-centre team)\n";
        return 2;
    }
    auto typed = read_password(name);
    if (!typed) return 2;
    const std::string& password = *typed;
    if (password.size() < 8) {  // as POST /api/users and the password change refuse it
        std::cerr << "warden-centre: the password must be at least 8 characters; nothing changed\n";
        return 2;
    }
    auto db = open_store(cfg.database);
    auto now = warden::now_ms();
    if (!team.empty() && !db->get_team(team)) {
        std::cerr << fmt::format("warden-centre: no team {}; add it first (warden-centre team add)\n", team);
        return 1;
    }
    if (!db->add_user({name, role, hash_password(password), now})) {
        std::cerr << fmt::format("warden-centre: user {} exists\n", name);
        return 1;
    }
    db->audit("cli", "user_add", name, "role " + role, now);
    if (!team.empty()) db->set_user_team(name, team, "cli", now);
    std::cout << fmt::format("user {} added with role {}{}\n", name, role,
                             team.empty() ? "" : " in team " + team);
    return 0;
}

int team_add(const warden::config::centre_config& cfg, const std::string& id, const std::string& name) {
    auto db = warden::centre::open_store(cfg.database);
    warden::centre::team t{id, name.empty() ? id : name};
    if (auto problems = validate(t); !problems.empty()) {
        for (const auto& p : problems)
            std::cerr << fmt::format("warden-centre: team {}: {}\n", p.field, p.message);
        return 2;
    }
    if (!db->add_team(t, "cli", warden::now_ms())) {
        std::cerr << fmt::format("warden-centre: team {} exists\n", id);
        return 1;
    }
    std::cout << fmt::format("team {} added\n", id);
    return 0;
}

/// Writes a new records key; refuses to overwrite an existing file.
int key_create(const std::string& path) {
    warden::centre::records_key::create(path);
    std::cout << fmt::format(
        "records key written to {} (mode 0600). Back it up somewhere safe and apart from the database: "
        "without it the key safe codes and medical notes cannot be read.\n",
        path);
    return 0;
}

int user_list(const warden::config::centre_config& cfg) {
    auto db = warden::centre::open_store(cfg.database);
    for (const auto& u : db->list_users())
        std::cout << fmt::format("{}\t{}\t{}\n", u.name, u.role, warden::format_time(u.created));
    return 0;
}

/// `hub disable ID` / `hub enable ID`: the same change, audited, as POST /api/hubs/<id>/disable; a
/// running centre refuses (or takes again) the hub's messages from its next batch.
int hub_set_disabled(const warden::config::centre_config& cfg, const std::string& hub, bool disabled) {
    auto db = warden::centre::open_store(cfg.database);
    switch (db->set_hub_disabled(hub, disabled, "cli", warden::now_ms())) {
        case warden::centre::change_result::not_found:
            std::cerr << fmt::format("warden-centre: no hub {} (the centre has never heard from it)\n", hub);
            return 1;
        case warden::centre::change_result::conflict:
            std::cout << fmt::format("hub {} is {} already\n", hub, disabled ? "disabled" : "enabled");
            return 0;
        case warden::centre::change_result::ok:
            break;
    }
    if (disabled)
        std::cout << fmt::format("hub {} disabled: its messages are refused (not stored, not acked)\n", hub);
    else
        std::cout << fmt::format("hub {} enabled: it resends what it kept\n", hub);
    return 0;
}

}  // namespace

int main(int argc, char** argv) {
    CLI::App app{
        "warden-centre: the Warden monitoring centre (alerts from hubs, supervision, operator console)"};
    app.set_version_flag("--version", std::string("warden-centre ") + WARDEN_VERSION);
    std::string config_path, log_level = "info";
    app.add_option("--config", config_path, "centre.toml (required but for `key create`)");
    app.add_option("--log-level", log_level, "trace, debug, info, warn, error")
        ->check(CLI::IsMember({"trace", "debug", "info", "warn", "error", "critical", "off"}));
    long long activity_period_ms = 0;
    app.add_option("--test-activity-period", activity_period_ms,
                   "tests only: hubs' activity summaries every this many ms instead of every hour")
        ->group("");  // hidden
    auto* user = app.add_subcommand("user", "manage console users");
    user->require_subcommand(1);
    auto* add = user->add_subcommand(
        "add", "add a user; asks for the password on a terminal (no echo), else reads a line from stdin");
    std::string name, role, team;
    add->add_option("NAME", name, "user name")->required();
    add->add_option("--role", role, "operator, supervisor, technician, admin or care")
        ->required()
        ->check(CLI::IsMember({"operator", "supervisor", "technician", "admin", "care"}));
    add->add_option("--team", team, "the team a care user belongs to (required for care)");
    auto* list = user->add_subcommand("list", "list users");
    auto* hub = app.add_subcommand("hub", "manage hubs");
    hub->require_subcommand(1);
    std::string hub_id;
    auto* disable = hub->add_subcommand(
        "disable", "refuse a hub's messages (a stolen hub): not stored, not acked, audited");
    disable->add_option("ID", hub_id, "hub id")->required();
    auto* enable = hub->add_subcommand("enable", "take a disabled hub's messages again");
    enable->add_option("ID", hub_id, "hub id")->required();
    auto* teams = app.add_subcommand("team", "manage care teams");
    teams->require_subcommand(1);
    auto* team_add_cmd = teams->add_subcommand("add", "add a team");
    std::string team_id, team_name;
    team_add_cmd->add_option("ID", team_id, "team id, [A-Za-z0-9._-]{1,64}")->required();
    team_add_cmd->add_option("--name", team_name, "display name (default: the id)");
    auto* key = app.add_subcommand("key", "the records key (encrypts key safe codes and medical notes)");
    key->require_subcommand(1);
    auto* key_create_cmd =
        key->add_subcommand("create", "write a new random records key to FILE (mode 0600, never overwrites)");
    std::string key_file;
    key_create_cmd->add_option("FILE", key_file, "the key file to create")->required();
    warden::centre::records_commands records(app);  // import, export, erase, key rotate

    try {
        app.parse(argc, argv);
    } catch (const CLI::ParseError& e) {
        int rc = app.exit(e);
        return rc == 0 ? 0 : 2;
    }

    if (key_create_cmd->parsed()) {
        try {
            return key_create(key_file);
        } catch (const std::exception& e) {
            std::cerr << "warden-centre: " << e.what() << '\n';
            return 1;
        }
    }
    if (config_path.empty()) {
        std::cerr << "--config is required\nRun with --help for more information.\n";
        return 2;
    }

    warden::config::centre_config cfg;
    try {
        cfg = warden::config::load_centre_config(config_path);
    } catch (const warden::config::config_error& e) {
        for (const auto& m : e.messages()) std::cerr << m << '\n';
        return 2;
    } catch (const std::exception& e) {
        std::cerr << config_path << ":1:1: " << e.what() << '\n';
        return 2;
    }

    try {
        if (add->parsed()) return user_add(cfg, name, role, team);
        if (team_add_cmd->parsed()) return team_add(cfg, team_id, team_name);
        if (list->parsed()) return user_list(cfg);
        if (disable->parsed()) return hub_set_disabled(cfg, hub_id, true);
        if (enable->parsed()) return hub_set_disabled(cfg, hub_id, false);
        if (auto rc = records.run(cfg)) return *rc;
        warden::centre::centre_test_options test;
        if (activity_period_ms > 0) test.activity_period = std::chrono::milliseconds{activity_period_ms};
        return warden::centre::run_centre(cfg, make_logger(log_level), test);
    } catch (const std::exception& e) {
        std::cerr << "warden-centre: " << e.what() << '\n';
        return 1;
    }
}
