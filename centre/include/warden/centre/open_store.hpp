#pragma once
/// Opens the centre's store that a `[centre] database` setting names: a postgresql:// or postgres://
/// URI selects PostgreSQL (postgres_store.hpp), anything else is a SQLite file (sqlite_store.hpp).

#include <memory>
#include <string>

#include "warden/centre/store.hpp"

namespace warden::centre {

/// Throws store_error as open_sqlite_store / open_postgres_store do.
std::unique_ptr<store> open_store(const std::string& database);

/// "sqlite" or "postgresql", and the schema version this build writes for it: for the start-up log.
std::string store_backend_name(const std::string& database);
int store_schema_version(const std::string& database) noexcept;

/// The database for messages and logs: a SQLite path as it is, a PostgreSQL URI as its host, port and
/// database (never its password).
std::string describe_database(const std::string& database);

}  // namespace warden::centre
