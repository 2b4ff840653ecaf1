// The backend a `[centre] database` setting selects (warden/centre/open_store.hpp).
#include "warden/centre/open_store.hpp"

#include "warden/centre/postgres_store.hpp"
#include "warden/centre/sqlite_store.hpp"

namespace warden::centre {

std::unique_ptr<store> open_store(const std::string& database) {
    if (is_postgres_uri(database)) return open_postgres_store(database);
    return open_sqlite_store(database);
}

std::string store_backend_name(const std::string& database) {
    return is_postgres_uri(database) ? "postgresql" : "sqlite";
}

int store_schema_version(const std::string& database) noexcept {
    return is_postgres_uri(database) ? postgres_schema_version() : sqlite_schema_version();
}

std::string describe_database(const std::string& database) {
    return is_postgres_uri(database) ? describe_postgres_uri(database) : database;
}

}  // namespace warden::centre
