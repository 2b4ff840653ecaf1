#pragma once
/// One warden-centre per SQLite database: the server holds an exclusive flock(2) on `<database>.lock`
/// for as long as it runs, so a second one started with the same database stops at once with a clear
/// message instead of sharing the file (and the broker client id) with the first. The lock file keeps
/// the holder's pid for that message. The kernel drops the lock when the process ends, however it ends.
///
/// SQLite only: several centres sharing one PostgreSQL database is a supported set-up, and takes no lock.
/// Commands (user add, hub disable, ...) take no lock either: they are meant to run beside the server.

#include <string>

namespace warden::centre {

class database_lock {
public:
    /// Takes the lock beside `database`; throws std::runtime_error naming the database, the lock file
    /// and the other process's pid if another process holds it.
    explicit database_lock(const std::string& database);
    ~database_lock();
    database_lock(const database_lock&) = delete;
    database_lock& operator=(const database_lock&) = delete;

    /// The lock file's path: `<database>.lock`.
    static std::string path_for(const std::string& database);

private:
    int fd_ = -1;
};

}  // namespace warden::centre
