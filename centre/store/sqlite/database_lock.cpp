#include "warden/centre/database_lock.hpp"

#include <cerrno>
#include <cstring>
#include <stdexcept>
#include <string>

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <fmt/format.h>

namespace warden::centre {

std::string database_lock::path_for(const std::string& database) {
    return database + ".lock";
}

database_lock::database_lock(const std::string& database) {
    auto path = path_for(database);
    fd_ = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
    if (fd_ < 0)
        throw std::runtime_error(
            fmt::format("cannot open the database lock {}: {}", path, std::strerror(errno)));
    if (::flock(fd_, LOCK_EX | LOCK_NB) != 0) {
        int err = errno;
        char pid[32] = {};
        auto n = ::pread(fd_, pid, sizeof pid - 1, 0);
        ::close(fd_);
        fd_ = -1;
        if (err != EWOULDBLOCK)
            throw std::runtime_error(fmt::format("cannot lock {}: {}", path, std::strerror(err)));
        std::string holder(pid, n > 0 ? static_cast<std::size_t>(n) : 0);
        while (!holder.empty() && (holder.back() == '\n' || holder.back() == ' ')) holder.pop_back();
        throw std::runtime_error(fmt::format(
            "database {} is in use by another warden-centre{} (lock {}); stop it first, or give this one "
            "its own [centre] database",
            database, holder.empty() ? "" : " (pid " + holder + ")", path));
    }
    auto pid = std::to_string(::getpid()) + "\n";
    if (::ftruncate(fd_, 0) != 0 || ::pwrite(fd_, pid.data(), pid.size(), 0) < 0) {
        // The lock holds all the same; only the pid in the other process's message is missing.
    }
}

database_lock::~database_lock() {
    if (fd_ >= 0) ::close(fd_);  // drops the lock; the file stays (removing it would race a new holder)
}

}  // namespace warden::centre
