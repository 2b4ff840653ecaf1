#include "warden/sqlite/sqlite.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sqlite3.h>

#include <system_error>

#include <fmt/format.h>

namespace warden::sqlite {
namespace {

/// The error of a failed call: its primary result code and "doing: SQLite's message".
error make_error(sqlite3* db, int rc, std::string_view doing) {
    return error{rc & 0xff, fmt::format("{}: {}", doing, db ? sqlite3_errmsg(db) : sqlite3_errstr(rc))};
}

}  // namespace

// --- statement ---

statement::~statement() {
    sqlite3_finalize(stmt_);
}

result<bool> statement::step() {
    if (bind_error_) {
        auto e = std::move(*bind_error_);
        reset();
        return e;
    }
    int rc = sqlite3_step(stmt_);
    if (rc == SQLITE_ROW) return true;
    if (rc == SQLITE_DONE) return false;
    auto e = make_error(db_, rc, "step");
    reset();
    return e;
}

status statement::run() {
    for (;;) {
        auto r = step();
        if (!r) return r.error();
        if (!*r) break;
    }
    reset();
    return {};
}

void statement::reset() noexcept {
    sqlite3_reset(stmt_);
    sqlite3_clear_bindings(stmt_);
    bind_error_.reset();
}

void statement::check_bind(int rc, int i) {
    if (rc != SQLITE_OK && !bind_error_) bind_error_ = make_error(db_, rc, fmt::format("bind {}", i));
}

void statement::bind_one(int i, std::int64_t v) {
    check_bind(sqlite3_bind_int64(stmt_, i, v), i);
}
void statement::bind_one(int i, double v) {
    check_bind(sqlite3_bind_double(stmt_, i, v), i);
}
void statement::bind_one(int i, std::string_view v) {
    check_bind(sqlite3_bind_text(stmt_, i, v.data(), static_cast<int>(v.size()), SQLITE_TRANSIENT), i);
}
void statement::bind_one(int i, blob v) {
    check_bind(
        sqlite3_bind_blob(stmt_, i, v.bytes.data(), static_cast<int>(v.bytes.size()), SQLITE_TRANSIENT), i);
}
void statement::bind_one(int i, std::nullopt_t) {
    check_bind(sqlite3_bind_null(stmt_, i), i);
}

bool statement::is_null(int col) const noexcept {
    return sqlite3_column_type(stmt_, col) == SQLITE_NULL;
}
std::int64_t statement::int64(int col) const noexcept {
    return sqlite3_column_int64(stmt_, col);
}
double statement::real(int col) const noexcept {
    return sqlite3_column_double(stmt_, col);
}
std::string statement::text(int col) const {
    // sqlite3_column_blob returns TEXT and BLOB bytes alike, without a conversion.
    auto* p = sqlite3_column_blob(stmt_, col);
    int n = sqlite3_column_bytes(stmt_, col);
    return p ? std::string(static_cast<const char*>(p), static_cast<std::size_t>(n)) : std::string{};
}
std::optional<std::string> statement::opt_text(int col) const {
    if (is_null(col)) return std::nullopt;
    return text(col);
}
std::optional<time_point> statement::opt_time(int col) const noexcept {
    if (is_null(col)) return std::nullopt;
    return time(col);
}
std::int64_t statement::changes() const noexcept {
    return sqlite3_changes64(db_);
}

// --- database ---

namespace {

/// Makes the missing folders of `dir` with mode 0700 whatever the umask (folders that exist keep theirs).
/// A folder that cannot be made shows as the open's error.
void create_private_folders(const std::filesystem::path& dir) {
    std::error_code ec;
    if (dir.empty() || std::filesystem::exists(dir, ec)) return;
    create_private_folders(dir.parent_path());
    if (::mkdir(dir.c_str(), 0700) == 0) ::chmod(dir.c_str(), 0700);
}

/// Creates the database file with mode 0600 whatever the umask, before SQLite opens it: it holds
/// password hashes, session tokens or a home's alerts. SQLite gives its -wal and -shm files the
/// database file's mode. An existing file keeps its mode.
void create_private_file(const std::filesystem::path& file) {
    int fd = ::open(file.c_str(), O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    if (fd < 0) return;  // exists already (or cannot be made: the open below says why)
    ::fchmod(fd, 0600);
    ::close(fd);
}

}  // namespace

database::database(const open_options& opts) {
    int flags = SQLITE_OPEN_NOMUTEX;
    if (opts.mode == open_mode::read_only) {
        flags |= SQLITE_OPEN_READONLY;
    } else {
        flags |= SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE;
        if (opts.create_folders && opts.file.has_parent_path())
            create_private_folders(opts.file.parent_path());
        create_private_file(opts.file);
    }
    int rc = sqlite3_open_v2(opts.file.c_str(), &db_, flags, nullptr);
    if (rc != SQLITE_OK) {
        auto e = make_error(db_, rc, fmt::format("cannot open {}", opts.file.string()));
        sqlite3_close_v2(db_);
        db_ = nullptr;
        throw failure(std::move(e));
    }
    sqlite3_extended_result_codes(db_, 1);
    sqlite3_busy_timeout(db_, static_cast<int>(opts.busy_timeout.count()));
}

database::~database() {
    sqlite3_close_v2(db_);  // v2: statements not yet finalized keep the connection until they are
}

database::database(database&& o) noexcept : db_(std::exchange(o.db_, nullptr)) {}

status database::exec(const char* sql) {
    char* msg = nullptr;
    int rc = sqlite3_exec(db_, sql, nullptr, nullptr, &msg);
    if (rc == SQLITE_OK) return {};
    error e{rc & 0xff, fmt::format("'{}': {}", sql, msg ? msg : sqlite3_errstr(rc))};
    sqlite3_free(msg);
    return e;
}

status database::set_pragma(std::string_view name, std::int64_t value) {
    return exec(fmt::format("PRAGMA {} = {}", name, value).c_str());
}

result<std::string> database::query_text(const char* sql) {
    auto st = prepare(sql);
    if (!st) return st.error();
    std::string out;
    auto r = st->first([&](const statement& s) { out = s.text(0); });
    if (!r) return r.error();
    return out;
}

result<int> database::user_version() {
    auto v = query_text("PRAGMA user_version");
    if (!v) return v.error();
    return v->empty() ? 0 : std::stoi(*v);
}

status database::migrate(std::span<const char* const> steps) {
    auto version = user_version();
    if (!version) return version.error();
    for (auto v = static_cast<std::size_t>(*version); v < steps.size(); ++v) {
        auto tx = transaction::begin(*this);
        if (!tx) return tx.error();
        if (auto r = exec(steps[v]); !r) return r;
        // user_version takes no bound parameter; the value is the step's number, not input.
        if (auto r = set_pragma("user_version", static_cast<std::int64_t>(v + 1)); !r) return r;
        if (auto r = tx->commit(); !r) return r;
    }
    return {};
}

result<statement> database::prepare(const char* sql) {
    sqlite3_stmt* raw = nullptr;
    int rc = sqlite3_prepare_v3(db_, sql, -1, SQLITE_PREPARE_PERSISTENT, &raw, nullptr);
    if (rc != SQLITE_OK) return make_error(db_, rc, fmt::format("prepare '{}'", sql));
    return statement(db_, raw);
}

bool database::autocommit() const noexcept {
    return sqlite3_get_autocommit(db_) != 0;
}

// --- statement_cache ---

result<statement*> statement_cache::get(const char* sql) {
    auto it = cache_.find(sql);
    if (it == cache_.end()) {
        auto st = db_.prepare(sql);
        if (!st) return st.error();
        it = cache_.emplace(sql, std::move(*st)).first;
    }
    return &it->second;
}

// --- transaction ---

result<transaction> transaction::begin(database& db) {
    if (auto r = db.exec("BEGIN IMMEDIATE"); !r) return r.error();
    return transaction(db);
}

transaction::~transaction() {
    // A failed COMMIT may already have ended the transaction; roll back only one that is still open.
    if (db_ && !db_->autocommit()) sqlite3_exec(db_->handle(), "ROLLBACK", nullptr, nullptr, nullptr);
}

status transaction::commit() {
    if (auto r = db_->exec("COMMIT"); !r) return r;
    db_ = nullptr;
    return {};
}

}  // namespace warden::sqlite
