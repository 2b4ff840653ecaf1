#pragma once
/// The one RAII layer over SQLite that Warden's stores share (the hub's outbox, the centre's alerts):
/// a database handle, prepared statements, a transaction guard and one error type.
///
/// Error policy: opening a database is start-up work and throws sqlite::failure. Everything else
/// returns a result (status, result<T>) carrying sqlite::error, so the stores decide what a failure
/// means in their running loop: the hub turns it into a storage fault, the centre into store_error.
///
/// Thread rules: a database and its statements belong to one thread at a time (connections are opened
/// with SQLITE_OPEN_NOMUTEX); use one connection per thread, or guard a shared one with a mutex.

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <map>
#include <memory>
#include <optional>
#include <span>
#include <stdexcept>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <variant>
#include <vector>

#include "warden/common/time.hpp"

struct sqlite3;
struct sqlite3_stmt;

namespace warden::sqlite {

/// What failed: SQLite's primary result code (SQLITE_FULL = 13, SQLITE_READONLY = 8, SQLITE_IOERR =
/// 10, ...) and a message saying what was being done.
struct error {
    int code = 0;
    std::string message;
};

/// The exception form of `error`: thrown when a database cannot be opened, and by result::value().
class failure : public std::runtime_error {
public:
    explicit failure(error e) : std::runtime_error(e.message), error_(std::move(e)) {}
    const sqlite::error& err() const noexcept { return error_; }

private:
    sqlite::error error_;
};

/// A value or an error (a small `expected`). Test it before use; value() throws failure on an error.
template <class T>
class [[nodiscard]] result {
public:
    result(T v) : v_(std::in_place_index<0>, std::move(v)) {}
    result(sqlite::error e) : v_(std::in_place_index<1>, std::move(e)) {}

    bool has_value() const noexcept { return v_.index() == 0; }
    explicit operator bool() const noexcept { return has_value(); }
    T& value() & {
        if (!has_value()) throw failure(error());
        return std::get<0>(v_);
    }
    T&& value() && {
        if (!has_value()) throw failure(error());
        return std::get<0>(std::move(v_));
    }
    T& operator*() & { return std::get<0>(v_); }
    T* operator->() { return &std::get<0>(v_); }
    /// The value, or `fallback` on an error.
    T value_or(T fallback) && { return has_value() ? std::get<0>(std::move(v_)) : std::move(fallback); }
    /// Precondition: !has_value().
    const sqlite::error& error() const { return std::get<1>(v_); }

private:
    std::variant<T, sqlite::error> v_;
};

/// Success or an error.
template <>
class [[nodiscard]] result<void> {
public:
    result() = default;
    result(sqlite::error e) : e_(std::move(e)) {}
    bool has_value() const noexcept { return !e_; }
    explicit operator bool() const noexcept { return has_value(); }
    /// Throws failure on an error.
    void value() const {
        if (e_) throw failure(*e_);
    }
    /// Precondition: !has_value().
    const sqlite::error& error() const { return *e_; }

private:
    std::optional<sqlite::error> e_;
};
using status = result<void>;

/// Marks bytes to bind as a BLOB rather than TEXT (the hub's event log keeps raw payloads).
struct blob {
    std::string_view bytes;
};

/// A prepared statement. bind() resets it and binds parameters 1..n; a bind error is kept and returned
/// by the next run(), step(), first() or each(). run(), first() and each() reset it when done, so a
/// statement kept for the life of its database is ready for the next use.
class statement {
public:
    statement(sqlite3* db, sqlite3_stmt* stmt) noexcept : db_(db), stmt_(stmt) {}
    ~statement();
    statement(statement&& o) noexcept
        : db_(o.db_), stmt_(std::exchange(o.stmt_, nullptr)), bind_error_(std::move(o.bind_error_)) {}
    statement& operator=(statement&&) = delete;
    statement(const statement&) = delete;
    statement& operator=(const statement&) = delete;

    /// Resets, clears the bindings and binds `args` to parameters 1, 2, ... Supported: integers,
    /// double, text (std::string, std::string_view, const char*), blob, time_point (milliseconds since
    /// the epoch), std::nullopt (NULL) and std::optional of those.
    template <class... Args>
    statement& bind(const Args&... args) {
        reset();
        int i = 0;
        (bind_one(++i, args), ...);
        (void)i;
        return *this;
    }

    /// Steps once: true if a row is available, false when done. On an error the statement is reset.
    result<bool> step();
    /// Steps to completion and resets.
    status run();
    /// Steps once; calls `read(*this)` if there is a row. True if there was one. Resets.
    template <class F>
    result<bool> first(F&& read) {
        auto r = step();
        if (r && *r) read(std::as_const(*this));
        reset();
        return r;
    }
    /// Calls `read(*this)` for every row, then resets.
    template <class F>
    status each(F&& read) {
        for (;;) {
            auto r = step();
            if (!r) return r.error();
            if (!*r) break;
            read(std::as_const(*this));
        }
        reset();
        return {};
    }
    /// Every row as `read(*this)` returns it; resets.
    template <class Read>
    auto all(Read&& read)
        -> result<std::vector<std::decay_t<std::invoke_result_t<Read&, const statement&>>>> {
        std::vector<std::decay_t<std::invoke_result_t<Read&, const statement&>>> out;
        if (auto r = each([&](const statement& s) { out.push_back(read(s)); }); !r) return r.error();
        return out;
    }
    /// The first row as `read(*this)` returns it, nullopt if there is none; resets.
    template <class Read>
    auto one(Read&& read)
        -> result<std::optional<std::decay_t<std::invoke_result_t<Read&, const statement&>>>> {
        std::optional<std::decay_t<std::invoke_result_t<Read&, const statement&>>> out;
        if (auto r = first([&](const statement& s) { out = read(s); }); !r) return r.error();
        return out;
    }
    /// Resets and clears the bindings and a kept bind error.
    void reset() noexcept;

    bool is_null(int col) const noexcept;
    std::int64_t int64(int col) const noexcept;
    double real(int col) const noexcept;
    /// TEXT or BLOB bytes as they are stored ("" for NULL).
    std::string text(int col) const;
    std::optional<std::string> opt_text(int col) const;
    /// An integer column of milliseconds since the epoch.
    time_point time(int col) const noexcept { return time_point{milliseconds{int64(col)}}; }
    std::optional<time_point> opt_time(int col) const noexcept;

    /// Rows changed by the last INSERT, UPDATE or DELETE on this statement's connection.
    std::int64_t changes() const noexcept;

private:
    void bind_one(int i, std::int64_t v);
    void bind_one(int i, std::uint64_t v) { bind_one(i, static_cast<std::int64_t>(v)); }
    void bind_one(int i, int v) { bind_one(i, static_cast<std::int64_t>(v)); }
    void bind_one(int i, double v);
    void bind_one(int i, std::string_view v);
    void bind_one(int i, const std::string& v) { bind_one(i, std::string_view{v}); }
    void bind_one(int i, const char* v) { bind_one(i, std::string_view{v}); }
    void bind_one(int i, blob v);
    void bind_one(int i, std::nullopt_t);
    void bind_one(int i, time_point t) {
        bind_one(i, static_cast<std::int64_t>(t.time_since_epoch().count()));
    }
    template <class T>
    void bind_one(int i, const std::optional<T>& v) {
        if (v)
            bind_one(i, *v);
        else
            bind_one(i, std::nullopt);
    }
    void check_bind(int rc, int i);

    sqlite3* db_;
    sqlite3_stmt* stmt_;
    std::optional<error> bind_error_;
};

enum class open_mode {
    read_write_create,  ///< creates the file if missing
    read_only,          ///< the file must exist; every write fails with SQLITE_READONLY
};

struct open_options {
    std::filesystem::path file;
    open_mode mode = open_mode::read_write_create;
    milliseconds busy_timeout{5000};  ///< how long to wait for another connection's write lock
    bool create_folders = false;      ///< read_write_create: make the file's missing folders first
};

/// One SQLite connection. Movable, closed (sqlite3_close_v2) in its destructor.
class database {
public:
    /// Opens the file. Throws failure ("cannot open FILE: why") if it cannot.
    explicit database(const open_options& opts);
    ~database();
    database(database&&) noexcept;
    database& operator=(database&&) = delete;
    database(const database&) = delete;
    database& operator=(const database&) = delete;

    /// Runs SQL text without parameters: pragmas, BEGIN/COMMIT, migration scripts. Never for values
    /// from outside (use a statement and bind them).
    status exec(const char* sql);
    /// Sets an integer pragma (`PRAGMA name = value`; pragmas take no bound parameters).
    status set_pragma(std::string_view name, std::int64_t value);
    /// Runs a statement without parameters and returns the first column of its first row as text
    /// ("" if no row), e.g. `PRAGMA journal_mode = WAL`, which answers with the mode in force.
    result<std::string> query_text(const char* sql);
    /// PRAGMA user_version.
    result<int> user_version();
    /// Applies `steps[v]` for every v from user_version() up, each in its own transaction with the
    /// new user_version. The caller checks first that the file is not newer than steps.size().
    status migrate(std::span<const char* const> steps);

    /// Prepares `sql` (SQLITE_PREPARE_PERSISTENT: meant to be kept and reused).
    result<statement> prepare(const char* sql);

    /// False while a transaction is open.
    bool autocommit() const noexcept;
    /// The raw handle, for what this layer does not wrap.
    sqlite3* handle() const noexcept { return db_; }

private:
    sqlite3* db_ = nullptr;
};

/// Prepared statements of one connection, prepared on first use and kept, keyed by the SQL literal's
/// address (each SQL text is a string literal).
class statement_cache {
public:
    explicit statement_cache(database& db) : db_(db) {}
    /// The cached statement for `sql`, prepared now if it is new.
    result<statement*> get(const char* sql);

private:
    database& db_;
    std::map<const char*, statement> cache_;
};

/// BEGIN IMMEDIATE ... COMMIT; rolls back in its destructor unless committed.
class transaction {
public:
    /// Begins a write transaction (BEGIN IMMEDIATE: takes the write lock now, waiting up to the busy
    /// timeout).
    static result<transaction> begin(database& db);
    ~transaction();
    transaction(transaction&& o) noexcept : db_(std::exchange(o.db_, nullptr)) {}
    transaction& operator=(transaction&&) = delete;
    transaction(const transaction&) = delete;
    transaction& operator=(const transaction&) = delete;

    status commit();

private:
    explicit transaction(database& db) noexcept : db_(&db) {}
    database* db_;  ///< null once committed or moved from
};

}  // namespace warden::sqlite
