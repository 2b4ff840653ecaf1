// warden-centre's records commands (records_commands.hpp).
#include "records_commands.hpp"

#include <fcntl.h>
#include <netdb.h>
#include <pwd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <charconv>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <sstream>

#include <fmt/format.h>

#include "warden/centre/open_store.hpp"
#include "warden/centre/records_import.hpp"
#include "warden/centre/records_key.hpp"
#include "warden/centre/subject_access.hpp"
#include "warden/common/host_port.hpp"

namespace warden::centre {

namespace {

/// The CLI's changes are audited as user "cli", the operating-system account in the detail.
const std::string cli_user = "cli";

std::string os_user() {
    if (const passwd* pw = getpwuid(geteuid())) return pw->pw_name;
    return fmt::format("uid {}", geteuid());
}

std::string read_file(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) throw std::runtime_error(fmt::format("cannot read {}: {}", path, std::strerror(errno)));
    std::ostringstream s;
    s << in.rdbuf();
    return s.str();
}

/// Writes `text` to `path` readable by its owner only (it holds personal data), or to stdout for "-".
void write_private(const std::string& path, const std::string& text) {
    if (path == "-") {
        std::cout << text << std::flush;
        return;
    }
    int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (fd < 0 || ::fchmod(fd, 0600) != 0)
        throw std::runtime_error(fmt::format("cannot write {}: {}", path, std::strerror(errno)));
    std::size_t done = 0;
    while (done < text.size()) {
        auto n = ::write(fd, text.data() + done, text.size() - done);
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) {
            ::close(fd);
            throw std::runtime_error(fmt::format("cannot write {}: {}", path, std::strerror(errno)));
        }
        done += static_cast<std::size_t>(n);
    }
    if (::fsync(fd) != 0 || ::close(fd) != 0)
        throw std::runtime_error(fmt::format("cannot write {}: {}", path, std::strerror(errno)));
}

/// The store, given the records key when centre.toml names one.
std::unique_ptr<store> open_records_store(const config::centre_config& cfg) {
    auto db = open_store(cfg.database);
    if (!cfg.records_key_file.empty()) db->unlock_records(records_key::load(cfg.records_key_file));
    return db;
}

/// The household ID names: its id, else an external_ref.
std::optional<std::int64_t> find_household(store& db, const std::string& id) {
    std::int64_t n = 0;
    auto [end, ec] = std::from_chars(id.data(), id.data() + id.size(), n);
    if (ec == std::errc{} && end == id.data() + id.size() && db.get_household(n)) return n;
    if (auto h = db.find_household_by_ref(id)) return h->id;
    return std::nullopt;
}

/// True if something answers on the centre's HTTP address: warden-centre is running on this database.
bool centre_answers(const config::centre_config& cfg) {
    auto hp = split_host_port(cfg.http_listen);
    if (!hp) return false;
    addrinfo hints{};
    hints.ai_socktype = SOCK_STREAM;
    addrinfo* found = nullptr;
    auto host = hp->host.empty() || hp->host == "0.0.0.0" ? "127.0.0.1" : hp->host == "::" ? "::1" : hp->host;
    if (getaddrinfo(host.c_str(), std::to_string(hp->port).c_str(), &hints, &found) != 0) return false;
    bool answered = false;
    for (auto* a = found; a && !answered; a = a->ai_next) {
        int fd = ::socket(a->ai_family, a->ai_socktype | SOCK_CLOEXEC, a->ai_protocol);
        if (fd < 0) continue;
        answered = ::connect(fd, a->ai_addr, a->ai_addrlen) == 0;
        ::close(fd);
    }
    freeaddrinfo(found);
    return answered;
}

int import_file(const config::centre_config& cfg, records_file kind, const std::string& file, bool dry_run) {
    auto text = read_file(file);
    auto db = open_records_store(cfg);
    auto report = import_records(*db, kind, text, dry_run, cli_user, now_ms());
    if (!report.problems.empty()) {
        for (const auto& p : report.problems) std::cerr << format_problem(file, p) << '\n';
        std::cerr << fmt::format("warden-centre: {} problem(s) in {}; nothing was imported\n",
                                 report.problems.size(), file);
        return 2;
    }
    if (dry_run) {
        for (const auto& ref : report.created) std::cout << fmt::format("would create {}\n", ref);
        for (const auto& ref : report.updated) std::cout << fmt::format("would update {}\n", ref);
        std::cout << fmt::format(
            "dry run: {} household(s) would be created, {} updated; nothing was written\n",
            report.created.size(), report.updated.size());
        return 0;
    }
    auto summary = fmt::format("{}: {} household(s) created, {} updated", file, report.created.size(),
                               report.updated.size());
    db->audit(cli_user, "records_import", std::string(to_string(kind)),
              fmt::format("{} (OS user {})", summary, os_user()), now_ms());
    std::cout << summary << '\n';
    return 0;
}

int export_file(const config::centre_config& cfg, records_file kind, const std::string& file) {
    auto db = open_records_store(cfg);
    write_private(file, export_records(*db, kind));
    db->audit(cli_user, "records_export", std::string(to_string(kind)),
              fmt::format("to {} (OS user {})", file, os_user()), now_ms());
    return 0;
}

int export_household(const config::centre_config& cfg, const std::string& id, const std::string& file) {
    auto db = open_records_store(cfg);
    auto found = find_household(*db, id);
    if (!found) {
        std::cerr << fmt::format("warden-centre: no household {}\n", id);
        return 1;
    }
    // Audited before it is read, so the export holds its own audit row.
    db->audit(cli_user, "household_subject_access", std::to_string(*found),
              fmt::format("subject-access export (OS user {})", os_user()), now_ms());
    write_private(file, subject_access(*db, *found, now_ms()).dump(2) + "\n");
    return 0;
}

int erase_household(const config::centre_config& cfg, const std::string& id, bool yes) {
    auto db = open_records_store(cfg);
    auto found = find_household(*db, id);
    if (!found) {
        std::cerr << fmt::format("warden-centre: no household {}\n", id);
        return 1;
    }
    if (!yes) {
        std::cerr << fmt::format(
            "warden-centre: erasing household {} deletes its residents, care circle and access details for "
            "good; its alerts stay without them. Run again with --yes to erase it.\n",
            *found);
        return 2;
    }
    auto r = db->erase_household(*found, cli_user, fmt::format("erasure (OS user {})", os_user()), now_ms());
    if (r != change_result::ok) {
        std::cerr << fmt::format("warden-centre: no household {}\n", id);
        return 1;
    }
    std::cout << fmt::format("household {} erased; its alerts are kept without it\n", *found);
    return 0;
}

int rotate_key(const config::centre_config& cfg, const std::string& new_path) {
    if (cfg.records_key_file.empty()) {
        std::cerr
            << "warden-centre: centre.toml names no records key ([records] key_file): nothing to rotate\n";
        return 2;
    }
    if (std::filesystem::weakly_canonical(new_path) ==
        std::filesystem::weakly_canonical(cfg.records_key_file)) {
        std::cerr << "warden-centre: --new must name a new key file, not the current one\n";
        return 2;
    }
    if (centre_answers(cfg)) {
        std::cerr << fmt::format(
            "warden-centre: the centre is running (something answers on {}); stop it before rotating the "
            "key, "
            "or it would go on writing with the old one\n",
            cfg.http_listen);
        return 2;
    }
    auto old_key = records_key::load(cfg.records_key_file);
    bool created = !std::filesystem::exists(new_path);
    if (created) records_key::create(new_path);
    auto new_key = records_key::load(new_path);
    auto db = open_store(cfg.database);
    db->unlock_records(old_key);
    auto count =
        db->rekey_records(new_key, cli_user, fmt::format("key rotation (OS user {})", os_user()), now_ms());
    std::cout << fmt::format(
        "{}{} encrypted value(s) re-encrypted with {}.\n"
        "Now set [records] key_file = \"{}\" in {} and start the centre: the old key no longer opens "
        "this database (keep it only as long as backups made before now).\n",
        created ? fmt::format("new key written to {} (mode 0600); ", new_path) : "", count, new_path,
        new_path, cfg.source_file);
    return 0;
}

}  // namespace

records_commands::records_commands(CLI::App& app) {
    auto* import = app.add_subcommand("import", "import households, responders or professionals from CSV");
    import->require_subcommand(1);
    auto* exp = app.add_subcommand(
        "export", "export households, responders or professionals as CSV, or one household's data as JSON");
    exp->require_subcommand(1);
    struct kind {
        const char* name;
        CLI::App** import_cmd;
        CLI::App** export_cmd;
    };
    for (auto [name, import_cmd, export_cmd] :
         {kind{"households", &import_households_, &export_households_},
          kind{"responders", &import_responders_, &export_responders_},
          kind{"professionals", &import_professionals_, &export_professionals_}}) {
        *import_cmd = import->add_subcommand(
            name, fmt::format("import {} from a CSV file (docs/residents.md); all rows or none", name));
        (*import_cmd)->add_option("FILE", file_, "the CSV file")->required();
        (*import_cmd)
            ->add_flag("--dry-run", dry_run_, "check every row and say what would change; write nothing");
        *export_cmd = exp->add_subcommand(name, fmt::format("export every household's {} as CSV", name));
        (*export_cmd)
            ->add_option("FILE", file_, "the CSV file to write (mode 0600), - for stdout")
            ->required();
    }
    export_household_ = exp->add_subcommand(
        "household", "subject-access export: everything held about one household, as JSON");
    export_household_->add_option("ID", household_, "the household's id or external_ref")->required();
    export_household_->add_option("--output", file_,
                                  "the JSON file to write (mode 0600); stdout if not given");

    auto* erase = app.add_subcommand("erase", "erase personal data");
    erase->require_subcommand(1);
    erase_household_ = erase->add_subcommand(
        "household",
        "erase a household: its residents, care circle and access details; alerts stay, unlinked");
    erase_household_->add_option("ID", household_, "the household's id or external_ref")->required();
    erase_household_->add_flag("--yes", yes_, "really erase it");

    CLI::App* key = nullptr;
    try {
        key = app.get_subcommand("key");  // main.cpp's, with `key create`
    } catch (const CLI::OptionNotFound&) {
        key = app.add_subcommand("key", "the records key");
        key->require_subcommand(1);
    }
    key_rotate_ = key->add_subcommand(
        "rotate", "re-encrypt every encrypted field with a new key (the centre must be stopped)");
    key_rotate_->add_option("--new", new_key_, "the new key file (created, mode 0600, if it does not exist)")
        ->required();
}

std::optional<int> records_commands::run(const config::centre_config& cfg) {
    auto file = file_.empty() ? std::string("-") : file_;
    if (import_households_->parsed()) return import_file(cfg, records_file::households, file_, dry_run_);
    if (import_responders_->parsed()) return import_file(cfg, records_file::responders, file_, dry_run_);
    if (import_professionals_->parsed())
        return import_file(cfg, records_file::professionals, file_, dry_run_);
    if (export_households_->parsed()) return export_file(cfg, records_file::households, file);
    if (export_responders_->parsed()) return export_file(cfg, records_file::responders, file);
    if (export_professionals_->parsed()) return export_file(cfg, records_file::professionals, file);
    if (export_household_->parsed()) return export_household(cfg, household_, file);
    if (erase_household_->parsed()) return erase_household(cfg, household_, yes_);
    if (key_rotate_->parsed()) return rotate_key(cfg, new_key_);
    return std::nullopt;
}

}  // namespace warden::centre
