#include "warden/hub/store.hpp"

#include <sqlite3.h>

#include <algorithm>
#include <stdexcept>
#include <system_error>
#include <utility>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

namespace warden::hub {
namespace {

std::int64_t to_ms(time_point t) {
    return t.time_since_epoch().count();
}
time_point from_ms(std::int64_t ms) {
    return time_point{milliseconds{ms}};
}

/// A thrown store failure inside this file only; public calls turn it into a store_error.
struct sql_failure : std::runtime_error {
    sql_failure(int c, const std::string& what) : std::runtime_error(what), code(c) {}
    int code;
};

[[noreturn]] void fail(sqlite3* db, int rc, std::string_view doing) {
    throw sql_failure(rc & 0xff, fmt::format("{}: {}", doing, db ? sqlite3_errmsg(db) : sqlite3_errstr(rc)));
}

/// A prepared statement, reset after every use.
class statement {
public:
    statement(sqlite3* db, const char* sql) : db_(db) {
        int rc = sqlite3_prepare_v3(db, sql, -1, SQLITE_PREPARE_PERSISTENT, &stmt_, nullptr);
        if (rc != SQLITE_OK) fail(db, rc, fmt::format("prepare '{}'", sql));
    }
    ~statement() { sqlite3_finalize(stmt_); }
    statement(const statement&) = delete;
    statement& operator=(const statement&) = delete;

    /// Binds parameters 1..n; resets first so a statement left half-stepped by an error is reusable.
    template <class... Args>
    statement& bind(const Args&... args) {
        sqlite3_reset(stmt_);
        sqlite3_clear_bindings(stmt_);
        int i = 0;
        (bind_one(++i, args), ...);
        return *this;
    }

    /// Steps once: true if a row is available.
    bool step() {
        int rc = sqlite3_step(stmt_);
        if (rc == SQLITE_ROW) return true;
        if (rc == SQLITE_DONE) return false;
        sqlite3_reset(stmt_);
        fail(db_, rc, "step");
    }
    /// Runs to completion.
    void run() {
        while (step()) {
        }
        sqlite3_reset(stmt_);
    }
    void reset() { sqlite3_reset(stmt_); }

    std::int64_t integer(int col) const { return sqlite3_column_int64(stmt_, col); }
    bool is_null(int col) const { return sqlite3_column_type(stmt_, col) == SQLITE_NULL; }
    std::string text(int col) const {
        auto* p = sqlite3_column_blob(stmt_, col);
        int n = sqlite3_column_bytes(stmt_, col);
        return p ? std::string(static_cast<const char*>(p), static_cast<std::size_t>(n)) : std::string{};
    }

private:
    void bind_one(int i, std::int64_t v) { check(sqlite3_bind_int64(stmt_, i, v)); }
    void bind_one(int i, std::uint64_t v) {
        check(sqlite3_bind_int64(stmt_, i, static_cast<std::int64_t>(v)));
    }
    void bind_one(int i, int v) { check(sqlite3_bind_int64(stmt_, i, v)); }
    void bind_one(int i, const std::string& v) {
        check(sqlite3_bind_text(stmt_, i, v.data(), static_cast<int>(v.size()), SQLITE_TRANSIENT));
    }
    struct blob {
        const std::string& bytes;
    };
    void bind_one(int i, const blob& v) {
        check(
            sqlite3_bind_blob(stmt_, i, v.bytes.data(), static_cast<int>(v.bytes.size()), SQLITE_TRANSIENT));
    }
    void check(int rc) {
        if (rc != SQLITE_OK) fail(db_, rc, "bind");
    }

    sqlite3* db_;
    sqlite3_stmt* stmt_ = nullptr;

public:
    /// Marks a std::string to be bound as a BLOB (the event log keeps raw payload bytes).
    static blob as_blob(const std::string& s) { return blob{s}; }
};

void exec(sqlite3* db, const char* sql) {
    char* err = nullptr;
    int rc = sqlite3_exec(db, sql, nullptr, nullptr, &err);
    if (rc != SQLITE_OK) {
        std::string msg = err ? err : sqlite3_errstr(rc);
        sqlite3_free(err);
        throw sql_failure(rc & 0xff, fmt::format("'{}': {}", sql, msg));
    }
}

/// A transaction that rolls back in its destructor unless committed.
class transaction {
public:
    explicit transaction(sqlite3* db) : db_(db) { exec(db_, "BEGIN IMMEDIATE"); }
    ~transaction() {
        if (!done_ && sqlite3_get_autocommit(db_) == 0)
            sqlite3_exec(db_, "ROLLBACK", nullptr, nullptr, nullptr);
    }
    transaction(const transaction&) = delete;
    transaction& operator=(const transaction&) = delete;
    void commit() {
        exec(db_, "COMMIT");
        done_ = true;
    }

private:
    sqlite3* db_;
    bool done_ = false;
};

/// The schema, one step per version. Never edit a released step: add a new one.
constexpr const char* migrations[] = {
    // 1: the first schema.
    R"sql(
CREATE TABLE meta(key TEXT PRIMARY KEY, value TEXT NOT NULL);
INSERT INTO meta(key, value) VALUES ('next_seq', '1');
CREATE TABLE outbox(
    seq INTEGER PRIMARY KEY,
    id TEXT NOT NULL UNIQUE,
    json TEXT NOT NULL,
    created_ms INTEGER NOT NULL,
    sent_count INTEGER NOT NULL DEFAULT 0,
    last_sent_ms INTEGER,
    delivered_ms INTEGER);
CREATE INDEX outbox_undelivered ON outbox(seq) WHERE delivered_ms IS NULL;
CREATE TABLE open_conditions(key TEXT PRIMARY KEY, alert_id TEXT NOT NULL, raised_ms INTEGER NOT NULL);
CREATE TABLE engine_state(id INTEGER PRIMARY KEY CHECK (id = 1), json TEXT NOT NULL, saved_ms INTEGER NOT NULL);
CREATE TABLE events(id INTEGER PRIMARY KEY, at_ms INTEGER NOT NULL, topic TEXT NOT NULL, payload BLOB NOT NULL);
CREATE INDEX events_at ON events(at_ms);
)sql",
};

}  // namespace

struct store::statements {
    explicit statements(sqlite3* db)
        : get_meta(db, "SELECT value FROM meta WHERE key = ?"),
          set_meta(db,
                   "INSERT INTO meta(key, value) VALUES (?, ?) "
                   "ON CONFLICT(key) DO UPDATE SET value = excluded.value"),
          insert_event(db, "INSERT INTO events(at_ms, topic, payload) VALUES (?, ?, ?)"),
          save_state(db,
                     "INSERT INTO engine_state(id, json, saved_ms) VALUES (1, ?, ?) "
                     "ON CONFLICT(id) DO UPDATE SET json = excluded.json, saved_ms = excluded.saved_ms"),
          load_state(db, "SELECT json FROM engine_state WHERE id = 1"),
          insert_outbox(db, "INSERT INTO outbox(seq, id, json, created_ms) VALUES (?, ?, ?, ?)"),
          mark_delivered(db, "UPDATE outbox SET delivered_ms = ? WHERE id = ? AND delivered_ms IS NULL"),
          mark_sent(db, "UPDATE outbox SET sent_count = sent_count + 1, last_sent_ms = ? WHERE id = ?"),
          undelivered(db,
                      "SELECT seq, id, json, created_ms, sent_count, last_sent_ms, delivered_ms FROM outbox "
                      "WHERE delivered_ms IS NULL AND seq > ? ORDER BY seq LIMIT ?"),
          undelivered_count(db, "SELECT count(*) FROM outbox WHERE delivered_ms IS NULL"),
          find(db,
               "SELECT seq, id, json, created_ms, sent_count, last_sent_ms, delivered_ms FROM outbox "
               "WHERE id = ?"),
          get_condition(db, "SELECT alert_id FROM open_conditions WHERE key = ?"),
          set_condition(db,
                        "INSERT INTO open_conditions(key, alert_id, raised_ms) VALUES (?, ?, ?) "
                        "ON CONFLICT(key) DO UPDATE SET alert_id = excluded.alert_id, "
                        "raised_ms = excluded.raised_ms"),
          clear_condition(db, "DELETE FROM open_conditions WHERE key = ?"),
          events_between(db,
                         "SELECT at_ms, topic, payload FROM events WHERE at_ms >= ? AND at_ms < ? "
                         "ORDER BY id"),
          prune_events(db, "DELETE FROM events WHERE at_ms < ?"),
          prune_outbox(db, "DELETE FROM outbox WHERE delivered_ms IS NOT NULL AND delivered_ms < ?"),
          shed_events(db, "DELETE FROM events WHERE id IN (SELECT id FROM events ORDER BY id LIMIT ?)") {}

    statement get_meta, set_meta, insert_event, save_state, load_state, insert_outbox, mark_delivered,
        mark_sent, undelivered, undelivered_count, find, get_condition, set_condition, clear_condition,
        events_between, prune_events, prune_outbox, shed_events;
};

namespace {

outbox_entry read_entry(const statement& s) {
    outbox_entry e;
    e.seq = static_cast<std::uint64_t>(s.integer(0));
    e.id = s.text(1);
    e.json = s.text(2);
    e.created = from_ms(s.integer(3));
    e.sent_count = static_cast<int>(s.integer(4));
    if (!s.is_null(5)) e.last_sent = from_ms(s.integer(5));
    if (!s.is_null(6)) e.delivered = from_ms(s.integer(6));
    return e;
}

sqlite3* open_db(const std::filesystem::path& file) {
    std::error_code ec;
    if (file.has_parent_path()) std::filesystem::create_directories(file.parent_path(), ec);
    sqlite3* db = nullptr;
    int rc = sqlite3_open_v2(file.c_str(), &db,
                             SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, nullptr);
    if (rc != SQLITE_OK) {
        std::string msg = db ? sqlite3_errmsg(db) : sqlite3_errstr(rc);
        sqlite3_close(db);
        throw std::runtime_error(fmt::format("cannot open {}: {}", file.string(), msg));
    }
    sqlite3_extended_result_codes(db, 0);
    return db;
}

}  // namespace

store::store(store_options opts)
    : opts_(std::move(opts)), db_(open_db(opts_.file), [](sqlite3* db) { sqlite3_close_v2(db); }) {
    try {
        sqlite3_busy_timeout(db_.get(), static_cast<int>(opts_.busy_timeout.count()));
        {
            // The pragma answers with the mode now in force: not `wal` where the file system cannot
            // share memory (some network mounts), or for an in-memory database. Rollback mode with
            // synchronous=FULL is just as durable (only slower, and readers wait for writers), so the
            // store keeps working and the hub warns at start.
            statement wal(db_.get(), "PRAGMA journal_mode = WAL");
            if (wal.step()) journal_mode_ = wal.text(0);
            wal.reset();
        }
        exec(db_.get(), "PRAGMA synchronous = FULL");
        exec(db_.get(), "PRAGMA foreign_keys = ON");

        int version = 0;
        {
            statement v(db_.get(), "PRAGMA user_version");
            if (v.step()) version = static_cast<int>(v.integer(0));
        }
        if (version > schema_version())
            throw std::runtime_error(fmt::format("{} has schema version {}, newer than this hub's {}",
                                                 opts_.file.string(), version, schema_version()));
        for (int v = version; v < schema_version(); ++v) {
            transaction tx(db_.get());
            exec(db_.get(), migrations[v]);
            // user_version takes no bound parameter; the value is a compile-time integer, not input.
            exec(db_.get(), fmt::format("PRAGMA user_version = {}", v + 1).c_str());
            tx.commit();
        }
        st_ = std::make_unique<statements>(db_.get());
        if (opts_.max_page_count) set_max_page_count(*opts_.max_page_count);
    } catch (const sql_failure& e) {
        throw std::runtime_error(fmt::format("{}: {}", opts_.file.string(), e.what()));
    }
}

store::~store() = default;

int store::schema_version() noexcept {
    return static_cast<int>(std::size(migrations));
}

void store::set_max_page_count(std::int64_t pages) {
    if (pages <= 0) pages = default_max_page_count;
    // A PRAGMA takes no bound parameter; `pages` is an integer, never text from outside.
    exec(db_.get(), fmt::format("PRAGMA max_page_count = {}", pages).c_str());
}

void store::set_read_only(bool on) {
    if (on == read_only_) return;
    try {
        exec(db_.get(), on ? "PRAGMA query_only = ON" : "PRAGMA query_only = OFF");
        read_only_ = on;
    } catch (const sql_failure&) {
        // Test seam only: left as it was; the next call tries again.
    }
}

commit_result store::commit(const batch& b) {
    commit_result result;
    if (b.empty()) return result;
    try {
        transaction tx(db_.get());
        for (const auto& e : b.events)
            st_->insert_event.bind(to_ms(e.at), e.topic, statement::as_blob(e.payload)).run();
        if (b.engine_state) st_->save_state.bind(*b.engine_state, to_ms(b.now)).run();

        if (!b.alerts.empty()) {
            auto& m = st_->get_meta.bind(std::string("next_seq"));
            std::uint64_t seq = m.step() ? std::stoull(m.text(0)) : 1;
            m.reset();
            for (const auto& n : b.alerts) {
                warden::alert a = n.alert;
                a.hub = opts_.hub_id;
                // An alert already sent from memory while writes failed keeps its seq, id and bytes.
                const bool sent_before = a.seq != 0;
                if (sent_before) {
                    seq = std::max(seq, a.seq + 1);
                } else {
                    a.seq = seq++;
                    a.id = make_alert_id(opts_.hub_id, a.seq);
                }
                if (!n.key.empty()) {
                    if (a.state == alert_state::raised) {
                        st_->set_condition.bind(n.key, a.id, to_ms(a.at)).run();
                    } else {
                        if (!a.clears && !sent_before) {
                            auto& g = st_->get_condition.bind(n.key);
                            if (g.step()) a.clears = g.text(0);
                            g.reset();
                        }
                        st_->clear_condition.bind(n.key).run();
                    }
                }
                outbox_entry e;
                e.seq = a.seq;
                e.id = a.id;
                e.json = to_json(a).dump();
                e.created = b.now;
                st_->insert_outbox.bind(e.seq, e.id, e.json, to_ms(e.created)).run();
                result.added.push_back(std::move(e));
            }
            st_->set_meta.bind(std::string("next_seq"), std::to_string(seq)).run();
        }
        for (const auto& id : b.sent) st_->mark_sent.bind(to_ms(b.now), id).run();
        for (const auto& id : b.delivered) st_->mark_delivered.bind(to_ms(b.now), id).run();
        tx.commit();
    } catch (const sql_failure& e) {
        result.added.clear();
        result.error = store_error{e.code, e.what()};
    }
    return result;
}

std::vector<outbox_entry> store::undelivered(std::uint64_t after_seq, std::size_t limit) const {
    std::vector<outbox_entry> out;
    try {
        auto& s = st_->undelivered.bind(after_seq, static_cast<std::int64_t>(limit));
        while (s.step()) out.push_back(read_entry(s));
        s.reset();
    } catch (const sql_failure&) {
        // A read failure leaves the caller with what it has; it asks again later.
    }
    return out;
}

std::optional<std::uint64_t> store::undelivered_count() const {
    try {
        auto& s = st_->undelivered_count.bind();
        std::uint64_t n = s.step() ? static_cast<std::uint64_t>(s.integer(0)) : 0;
        s.reset();
        return n;
    } catch (const sql_failure&) {
        return std::nullopt;
    }
}

std::optional<outbox_entry> store::find(const std::string& id) const {
    try {
        auto& s = st_->find.bind(id);
        std::optional<outbox_entry> e;
        if (s.step()) e = read_entry(s);
        s.reset();
        return e;
    } catch (const sql_failure&) {
        return std::nullopt;
    }
}

std::uint64_t store::next_seq() const {
    try {
        auto& s = st_->get_meta.bind(std::string("next_seq"));
        std::uint64_t seq = s.step() ? std::stoull(s.text(0)) : 1;
        s.reset();
        return seq;
    } catch (const sql_failure&) {
        return 0;
    }
}

std::optional<std::string> store::open_condition(const std::string& key) const {
    try {
        auto& s = st_->get_condition.bind(key);
        std::optional<std::string> id;
        if (s.step()) id = s.text(0);
        s.reset();
        return id;
    } catch (const sql_failure&) {
        return std::nullopt;
    }
}

std::optional<std::string> store::engine_state() const {
    try {
        auto& s = st_->load_state.bind();
        std::optional<std::string> json;
        if (s.step()) json = s.text(0);
        s.reset();
        return json;
    } catch (const sql_failure&) {
        return std::nullopt;
    }
}

std::vector<logged_event> store::events(time_point from, time_point to) const {
    std::vector<logged_event> out;
    try {
        auto& s = st_->events_between.bind(to_ms(from), to_ms(to));
        while (s.step()) out.push_back({from_ms(s.integer(0)), s.text(1), s.text(2)});
        s.reset();
    } catch (const sql_failure&) {
    }
    return out;
}

std::optional<store_error> store::prune(time_point before, std::uint64_t* deleted) {
    try {
        transaction tx(db_.get());
        st_->prune_events.bind(to_ms(before)).run();
        auto n = static_cast<std::uint64_t>(sqlite3_changes64(db_.get()));
        st_->prune_outbox.bind(to_ms(before)).run();
        n += static_cast<std::uint64_t>(sqlite3_changes64(db_.get()));
        tx.commit();
        if (deleted) *deleted = n;
        return std::nullopt;
    } catch (const sql_failure& e) {
        return store_error{e.code, e.what()};
    }
}

std::optional<store_error> store::shed_events(std::uint64_t count, std::uint64_t* deleted) {
    try {
        transaction tx(db_.get());
        st_->shed_events.bind(count).run();
        auto n = static_cast<std::uint64_t>(sqlite3_changes64(db_.get()));
        tx.commit();
        if (deleted) *deleted = n;
        return std::nullopt;
    } catch (const sql_failure& e) {
        return store_error{e.code, e.what()};
    }
}

}  // namespace warden::hub
