#pragma once
/// The PostgreSQL implementation of the centre's store, for a centre of several instances sharing one
/// database: a pool of connections, prepared statements, one transaction per store call, upserts and row
/// locks instead of a single writer, so every instance may write at once.

#include <memory>
#include <string>
#include <string_view>

#include "warden/centre/store.hpp"

namespace warden::centre {

/// The schema version this build writes (the `schema_version` table after migrating).
int postgres_schema_version() noexcept;

/// The most connections one store (one centre instance) opens for its calls; a call waits for a free
/// one. With the cluster link's two, an instance needs postgres_store_connections + 2 of the server's
/// max_connections.
inline constexpr int postgres_store_connections = 16;

/// True if `database` names a PostgreSQL database (postgresql:// or postgres://) rather than a SQLite file.
bool is_postgres_uri(std::string_view database) noexcept;

/// Where a connection URI points, for messages: "host H port P database D", never the password.
std::string describe_postgres_uri(const std::string& uri);

/// Connects and applies pending migrations (one instance at a time). Throws store_error if the server
/// cannot be reached (the message names host, port and database, never the password), the schema is
/// newer than this build, or a migration fails.
std::unique_ptr<store> open_postgres_store(const std::string& uri);

}  // namespace warden::centre
