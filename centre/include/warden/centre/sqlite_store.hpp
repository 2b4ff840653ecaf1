#pragma once
/// The SQLite implementation of the centre's store: WAL, synchronous=FULL, prepared statements,
/// one writer connection (guarded by a mutex) and a pool of read-only connections for readers.

#include <memory>
#include <string>

#include "warden/centre/store.hpp"

namespace warden::centre {

/// The schema version this build writes (PRAGMA user_version after migrating).
int sqlite_schema_version() noexcept;

/// Opens (creating if needed) the database file and applies pending migrations.
/// Throws store_error if the file cannot be opened, is newer than this build, or a migration fails.
std::unique_ptr<store> open_sqlite_store(const std::string& path);

}  // namespace warden::centre
