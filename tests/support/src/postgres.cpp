#include "warden/harness/postgres.hpp"

#include <pwd.h>
#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <mutex>
#include <random>
#include <stdexcept>
#include <vector>

#include <fmt/format.h>
#include <libpq-fe.h>

namespace warden::harness {
namespace fs = std::filesystem;

namespace {

fs::path server_bin() {
    if (const char* bin = std::getenv("WARDEN_TEST_POSTGRES_BIN"); bin && *bin) return bin;
    return "/usr/lib/postgresql/15/bin";
}

/// The unprivileged user the server runs as when the tests run as root.
std::string unprivileged_user() {
    if (const char* u = std::getenv("WARDEN_TEST_POSTGRES_USER"); u && *u) return u;
    return "nobody";
}

/// Runs one statement on the cluster's `postgres` database with libpq (not libpqxx: databases are also
/// dropped at exit, after libpqxx's own static objects are gone). Throws with the server's message.
void admin_exec(const std::string& uri, const std::string& sql) {
    PGconn* c = PQconnectdb(uri.c_str());
    std::string error;
    if (PQstatus(c) != CONNECTION_OK) {
        error = PQerrorMessage(c);
    } else {
        PGresult* r = PQexec(c, sql.c_str());
        if (PQresultStatus(r) != PGRES_COMMAND_OK) error = PQresultErrorMessage(r);
        PQclear(r);
    }
    PQfinish(c);
    if (!error.empty()) throw std::runtime_error("PostgreSQL: " + sql + ": " + error);
}

/// The database name at the end of a URI's path (before its options), as create_database() makes it.
std::string database_of(const std::string& uri) {
    auto start = uri.find('/', uri.find("://") + 3);
    if (start == std::string::npos) throw std::runtime_error("no database in " + uri);
    return uri.substr(start + 1, uri.find('?', start) - start - 1);
}

void check_binaries() {
    for (const char* tool : {"initdb", "pg_ctl", "postgres"})
        if (!fs::exists(server_bin() / tool))
            throw std::runtime_error(fmt::format(
                "PostgreSQL tests need the PostgreSQL 15 server ({} is missing): install postgresql-15 "
                "(scripts/deps), or set WARDEN_TEST_POSTGRES=off to skip the tests that need it",
                (server_bin() / tool).string()));
}

/// Gives `path` to `user` (the server must own its data folder and write its socket and log there).
void give_to(const fs::path& path, const std::string& user) {
    const passwd* pw = ::getpwnam(user.c_str());
    if (!pw)
        throw std::runtime_error("no user " + user + " to run PostgreSQL as (WARDEN_TEST_POSTGRES_USER)");
    if (::chown(path.c_str(), pw->pw_uid, pw->pw_gid) != 0)
        throw std::runtime_error("cannot give " + path.string() + " to " + user);
}

}  // namespace

bool postgres_tests_off() {
    const char* v = std::getenv("WARDEN_TEST_POSTGRES");
    return v && std::string(v) == "off";
}

postgres::postgres(fs::path folder, int port, std::string owner, bool owned)
    : folder_(std::move(folder)), port_(port), owner_(std::move(owner)), owned_(owned) {}

postgres::postgres() {
    check_binaries();
    // A folder of our own under the temp dir, kept apart from temp_dir so it outlives this object when
    // started detached.
    std::random_device rd;
    for (int i = 0; i < 100 && folder_.empty(); ++i) {
        auto p = fs::temp_directory_path() / fmt::format("warden-postgres-{:08x}", rd());
        if (fs::create_directory(p)) folder_ = p;
    }
    if (folder_.empty()) throw std::runtime_error("cannot create a folder for PostgreSQL");
    if (::geteuid() == 0) {
        owner_ = unprivileged_user();
        give_to(folder_, owner_);
    }
    port_ = free_port();
    run_as_owner({(server_bin() / "initdb").string(), "-D", (folder_ / "data").string(), "-U", "warden",
                  "--auth=trust", "--no-sync", "--encoding=UTF8", "--locale=C"});
    // Speed over durability: a test cluster is thrown away. Loopback and the folder's socket only.
    std::ofstream(folder_ / "data" / "postgresql.conf", std::ios::app) << fmt::format(
        "\nport = {}\nlisten_addresses = '127.0.0.1'\nunix_socket_directories = '{}'\n"
        "fsync = off\nsynchronous_commit = off\nfull_page_writes = off\n"
        "shared_buffers = 16MB\nmax_connections = 300\n",
        port_, folder_.string());
    start_server();
}

std::unique_ptr<postgres> postgres::attach(const fs::path& state_file) {
    std::ifstream in(state_file);
    std::string folder, owner;
    int port = 0;
    if (!std::getline(in, folder) || !(in >> port)) return nullptr;
    in >> owner;
    if (!fs::exists(fs::path(folder) / "data" / "postmaster.pid")) return nullptr;
    return std::unique_ptr<postgres>(new postgres(folder, port, owner, false));
}

postgres::~postgres() {
    if (!owned_) {
        // A shared cluster: drop what this process made, so a long run does not fill the disk.
        for (const auto& db : created_) {
            try {
                admin_exec(uri("postgres"), "DROP DATABASE IF EXISTS " + db + " WITH (FORCE)");
            } catch (const std::exception&) {
            }
        }
        return;
    }
    try {
        run_as_owner({(server_bin() / "pg_ctl").string(), "-D", (folder_ / "data").string(), "-m",
                      "immediate", "-w", "stop"});
    } catch (const std::exception&) {
    }
    if (std::getenv("WARDEN_KEEP_TMP")) return;
    std::error_code ec;
    fs::remove_all(folder_, ec);
}

void postgres::start_detached(const fs::path& state_file) {
    postgres pg;
    pg.owned_ = false;  // it keeps running after this process
    std::ofstream(state_file) << pg.folder_.string() << "\n" << pg.port_ << "\n" << pg.owner_ << "\n";
}

void postgres::stop_detached(const fs::path& state_file) {
    auto pg = attach(state_file);
    std::error_code ec;
    fs::remove(state_file, ec);
    if (!pg) return;
    pg->owned_ = true;
    pg.reset();  // stops the server and removes its folder
}

std::string postgres::run_as_owner(std::vector<std::string> argv) const {
    if (!owner_.empty()) argv.insert(argv.begin(), {"/usr/sbin/runuser", "-u", owner_, "--"});
    auto what = argv.back();
    auto r = run(std::move(argv), {}, std::chrono::minutes(2));
    if (r.code != 0) throw std::runtime_error(fmt::format("PostgreSQL {} failed: {}", what, r.output));
    return r.output;
}

void postgres::stop_server() {
    run_as_owner(
        {(server_bin() / "pg_ctl").string(), "-D", (folder_ / "data").string(), "-m", "fast", "-w", "stop"});
}

void postgres::start_server() {
    try {
        run_as_owner({(server_bin() / "pg_ctl").string(), "-D", (folder_ / "data").string(), "-l",
                      (folder_ / "postgres.log").string(), "-w", "-t", "60", "start"});
    } catch (const std::runtime_error& e) {
        throw std::runtime_error(std::string(e.what()) + "\n" + file_bytes(folder_ / "postgres.log"));
    }
}

std::string postgres::uri(const std::string& database) const {
    // No TLS or GSSAPI negotiation: the cluster has neither, and the databases are dropped at exit, when
    // OpenSSL may have been cleaned up already. (The names are made here: plain letters and digits.)
    return fmt::format("postgresql://warden@127.0.0.1:{}/{}?sslmode=disable&gssencmode=disable", port_,
                       database);
}

std::string postgres::create_database() {
    std::random_device rd;
    auto name = fmt::format("t{:08x}{:08x}", rd(), rd());
    // FILE_COPY: a checkpoint and a copy of the template, faster than WAL-logging it with fsync off.
    admin_exec(uri("postgres"), "CREATE DATABASE " + name + " STRATEGY FILE_COPY");
    created_.push_back(name);
    return uri(name);
}

std::string postgres::database_bytes(const std::string& database_uri) {
    admin_exec(uri("postgres"), "CHECKPOINT");
    auto oid = postgres_column(uri("postgres"), "SELECT oid::text FROM pg_database WHERE datname = $1",
                               {database_of(database_uri)});
    if (oid.size() != 1) throw std::runtime_error("no database behind " + database_uri);
    std::string bytes;
    for (const auto& f : fs::directory_iterator(folder_ / "data" / "base" / oid[0]))
        if (f.is_regular_file()) bytes += file_bytes(f.path());
    return bytes;
}

std::vector<std::string> postgres_column(const std::string& uri, const std::string& sql,
                                         const std::vector<std::string>& params) {
    PGconn* c = PQconnectdb(uri.c_str());
    std::vector<const char*> values;
    for (const auto& p : params) values.push_back(p.c_str());
    std::vector<std::string> out;
    std::string error;
    if (PQstatus(c) != CONNECTION_OK) {
        error = PQerrorMessage(c);
    } else {
        PGresult* r = PQexecParams(c, sql.c_str(), static_cast<int>(values.size()), nullptr, values.data(),
                                   nullptr, nullptr, 0);
        if (PQresultStatus(r) == PGRES_TUPLES_OK) {
            for (int i = 0; i < PQntuples(r); ++i) out.emplace_back(PQgetvalue(r, i, 0));
        } else {
            error = PQresultErrorMessage(r);
        }
        PQclear(r);
    }
    PQfinish(c);
    if (!error.empty()) throw std::runtime_error("PostgreSQL: " + sql + ": " + error);
    return out;
}

postgres& test_postgres() {
    static std::mutex mu;
    static std::unique_ptr<postgres> pg;
    std::lock_guard lock(mu);
    if (!pg) {
        const char* state = std::getenv("WARDEN_TEST_POSTGRES_STATE");
        pg = postgres::attach(state && *state ? state : WARDEN_TEST_POSTGRES_STATE_FILE);
        if (!pg) pg = std::make_unique<postgres>();
    }
    return *pg;
}

bool testing_postgres() {
    const char* v = std::getenv("WARDEN_TEST_DATABASE");
    return v && std::string(v) == "postgres";
}

std::string test_database(const fs::path& sqlite_file) {
    if (!testing_postgres()) return sqlite_file.string();
    return test_postgres().create_database();
}

}  // namespace warden::harness
