#pragma once
/// A throwaway PostgreSQL for tests: a cluster made with initdb in a temp folder and started with pg_ctl
/// on a free 127.0.0.1 port (its unix socket in the same folder, fsync off), handing out a fresh empty
/// database per test. PostgreSQL refuses to run as root: as root, the folder is given to an unprivileged
/// user (`nobody`, or WARDEN_TEST_POSTGRES_USER) and the server runs as that user through `runuser`.
///
/// One cluster serves a whole test run: ctest starts it once (the `postgres_cluster_start` fixture runs
/// warden-test-postgres, which leaves the cluster running and writes where it is to the file named by
/// WARDEN_TEST_POSTGRES_STATE) and stops it at the end; a test binary run by hand starts its own on first
/// use and stops it at exit. initdb takes seconds, a database a fraction of one.
///
/// The server binaries come from Debian's postgresql-15 (/usr/lib/postgresql/15/bin, or the folder in
/// WARDEN_TEST_POSTGRES_BIN). Without them a test that needs PostgreSQL fails saying so, unless
/// WARDEN_TEST_POSTGRES=off, which skips those tests (with a message) on purpose.

#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "warden/harness/harness.hpp"

namespace warden::harness {

/// A PostgreSQL cluster this object started, or one started earlier that it only uses.
class postgres {
public:
    /// initdb and start in a fresh temp folder on a free port. Throws std::runtime_error naming what is
    /// missing when the server binaries are not installed, or with the server's log if it does not start.
    postgres();
    /// Uses the cluster described by a state file that start_detached() wrote (not stopped by this object).
    static std::unique_ptr<postgres> attach(const std::filesystem::path& state_file);
    ~postgres();
    postgres(const postgres&) = delete;
    postgres& operator=(const postgres&) = delete;

    /// Starts a cluster that outlives this process and writes `state_file` (folder, port, owner) for
    /// attach() and stop_detached(). What the ctest fixture runs.
    static void start_detached(const std::filesystem::path& state_file);
    /// Stops the cluster a state file describes and removes its folder and the state file.
    static void stop_detached(const std::filesystem::path& state_file);

    int port() const { return port_; }
    /// A new empty database; returns its connection URI (postgresql://warden@127.0.0.1:<port>/<name>?...).
    std::string create_database();
    /// The connection URI of a database of this cluster.
    std::string uri(const std::string& database) const;
    /// Every byte of the files that hold a database's tables and indexes (after a CHECKPOINT, so what
    /// the server holds in memory is in them): what a test reads to prove a value is, or is no longer,
    /// on disk. `database_uri` is one create_database() returned. (The write-ahead log is not included.)
    std::string database_bytes(const std::string& database_uri);
    /// Stops the server (fast shutdown) and starts it again on the same port: for tests of a database
    /// that goes away and comes back.
    void stop_server();
    void start_server();

private:
    postgres(std::filesystem::path folder, int port, std::string owner, bool owned);
    /// argv run as the cluster's owner (through runuser when we are root); returns its output or throws.
    std::string run_as_owner(std::vector<std::string> argv) const;

    std::filesystem::path folder_;
    int port_ = 0;
    std::string owner_;                 ///< the user the server runs as when we are root; "" when not root
    bool owned_ = true;                 ///< stop and remove on destruction
    std::vector<std::string> created_;  ///< databases made by this object (dropped when only attached)
};

/// True when WARDEN_TEST_POSTGRES=off: tests that need PostgreSQL skip instead of failing.
bool postgres_tests_off();
/// The cluster this test process uses: the ctest fixture's (WARDEN_TEST_POSTGRES_STATE) if it is
/// running, else one started on first use and stopped at exit. Throws as postgres() does.
postgres& test_postgres();

/// Runs one statement on the database at `uri` with `params` bound as $1, $2, ... (text) and returns
/// column 0 of every row as text ("" for NULL). Throws std::runtime_error with the server's message.
std::vector<std::string> postgres_column(const std::string& uri, const std::string& sql,
                                         const std::vector<std::string>& params = {});

/// The backend the centre's tests run against in this run: WARDEN_TEST_DATABASE=postgres selects
/// PostgreSQL (the `-pg` ctest variants set it); anything else, or unset, SQLite.
bool testing_postgres();
/// What a test puts in `[centre] database`: `sqlite_file` as given, or, when testing_postgres(), the URI
/// of a fresh database on test_postgres().
std::string test_database(const std::filesystem::path& sqlite_file);

}  // namespace warden::harness

/// In a gtest test or SetUp that needs PostgreSQL: skips it, saying why, when WARDEN_TEST_POSTGRES=off.
#define WARDEN_POSTGRES_OR_SKIP()                \
    if (::warden::harness::postgres_tests_off()) \
    GTEST_SKIP() << "PostgreSQL tests are off (WARDEN_TEST_POSTGRES=off)"
