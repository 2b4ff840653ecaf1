#include "warden/centre/sqlite_store.hpp"

#include <algorithm>
#include <array>
#include <map>
#include <mutex>
#include <utility>

#include <fmt/format.h>
#include <sqlite3.h>

namespace warden::centre {

std::string_view to_string(alert_status s) noexcept {
    switch (s) {
        case alert_status::open:
            return "open";
        case alert_status::acknowledged:
            return "acknowledged";
        case alert_status::resolved:
            return "resolved";
    }
    return "open";
}

std::optional<alert_status> parse_alert_status(std::string_view name) noexcept {
    if (name == "open") return alert_status::open;
    if (name == "acknowledged") return alert_status::acknowledged;
    if (name == "resolved") return alert_status::resolved;
    return std::nullopt;
}

namespace {

// Versioned migrations: entry i brings the schema from version i to i+1. Append only.
constexpr std::array migrations{
    R"sql(
CREATE TABLE alerts(
  id TEXT PRIMARY KEY,
  hub TEXT NOT NULL,
  seq INTEGER NOT NULL,
  type TEXT NOT NULL,
  state TEXT NOT NULL,
  priority INTEGER NOT NULL,
  sia TEXT NOT NULL DEFAULT '',
  at_ms INTEGER NOT NULL,
  rule TEXT NOT NULL DEFAULT '',
  sensor TEXT NOT NULL DEFAULT '',
  location TEXT NOT NULL DEFAULT '',
  text TEXT NOT NULL DEFAULT '',
  clears TEXT,
  value REAL,
  status TEXT NOT NULL DEFAULT 'open',
  received_ms INTEGER NOT NULL,
  acknowledged_ms INTEGER,
  acknowledged_by TEXT,
  resolved_ms INTEGER,
  resolved_by TEXT,
  outcome TEXT,
  note TEXT,
  cleared_ms INTEGER
);
CREATE INDEX alerts_queue ON alerts(status, priority, received_ms);
CREATE INDEX alerts_hub ON alerts(hub, type, received_ms);
CREATE INDEX alerts_received ON alerts(received_ms);
CREATE TABLE alert_history(
  id INTEGER PRIMARY KEY,
  alert_id TEXT NOT NULL REFERENCES alerts(id),
  at_ms INTEGER NOT NULL,
  action TEXT NOT NULL,
  user_name TEXT NOT NULL,
  detail TEXT NOT NULL DEFAULT ''
);
CREATE INDEX alert_history_alert ON alert_history(alert_id, id);
CREATE TABLE hubs(
  id TEXT PRIMARY KEY,
  online INTEGER NOT NULL DEFAULT 1,
  first_seen_ms INTEGER NOT NULL,
  last_seen_ms INTEGER,
  last_heartbeat_ms INTEGER,
  status TEXT NOT NULL DEFAULT '',
  status_ms INTEGER,
  outbox INTEGER NOT NULL DEFAULT 0,
  sensors TEXT NOT NULL DEFAULT '{}',
  version TEXT NOT NULL DEFAULT ''
);
CREATE TABLE users(
  name TEXT PRIMARY KEY,
  role TEXT NOT NULL,
  password_hash TEXT NOT NULL,
  created_ms INTEGER NOT NULL
);
CREATE TABLE sessions(
  token_hash TEXT PRIMARY KEY,
  user_name TEXT NOT NULL REFERENCES users(name) ON DELETE CASCADE,
  csrf TEXT NOT NULL,
  created_ms INTEGER NOT NULL,
  last_seen_ms INTEGER NOT NULL,
  expires_ms INTEGER NOT NULL
);
CREATE INDEX sessions_expiry ON sessions(expires_ms);
CREATE TABLE audit(
  id INTEGER PRIMARY KEY,
  at_ms INTEGER NOT NULL,
  user_name TEXT NOT NULL,
  action TEXT NOT NULL,
  target TEXT NOT NULL DEFAULT '',
  detail TEXT NOT NULL DEFAULT ''
);
)sql",
    // 2: admins disable users (SPEC 5: admins manage users).
    R"sql(
ALTER TABLE users ADD COLUMN disabled INTEGER NOT NULL DEFAULT 0;
)sql",
};

std::int64_t to_ms(time_point t) {
    return t.time_since_epoch().count();
}
time_point from_ms(std::int64_t ms) {
    return time_point{milliseconds{ms}};
}

struct db_deleter {
    void operator()(sqlite3* db) const noexcept { sqlite3_close_v2(db); }
};
struct stmt_deleter {
    void operator()(sqlite3_stmt* s) const noexcept { sqlite3_finalize(s); }
};

/// A prepared statement, reset on every use. Binds by position (1-based) in call order.
class statement {
public:
    statement(sqlite3* db, sqlite3_stmt* s) : db_(db), s_(s) {}

    statement& bind(std::int64_t v) { return check(sqlite3_bind_int64(s_, ++n_, v)); }
    statement& bind(int v) { return bind(static_cast<std::int64_t>(v)); }
    statement& bind(double v) { return check(sqlite3_bind_double(s_, ++n_, v)); }
    statement& bind(std::string_view v) {
        return check(sqlite3_bind_text(s_, ++n_, v.data(), static_cast<int>(v.size()), SQLITE_TRANSIENT));
    }
    statement& bind(const std::string& v) { return bind(std::string_view{v}); }
    statement& bind(const char* v) { return bind(std::string_view{v}); }
    statement& bind(time_point t) { return bind(to_ms(t)); }
    statement& bind(std::nullopt_t) { return check(sqlite3_bind_null(s_, ++n_)); }
    template <class T>
    statement& bind(const std::optional<T>& v) {
        if (v) return bind(*v);
        return bind(std::nullopt);
    }

    /// Steps once; true if a row is available.
    bool step() {
        int rc = sqlite3_step(s_);
        if (rc == SQLITE_ROW) return true;
        if (rc == SQLITE_DONE) return false;
        throw store_error(fmt::format("sqlite step: {}", sqlite3_errmsg(db_)));
    }
    void run() {
        while (step()) {
        }
    }

    bool is_null(int col) const { return sqlite3_column_type(s_, col) == SQLITE_NULL; }
    std::int64_t i64(int col) const { return sqlite3_column_int64(s_, col); }
    double dbl(int col) const { return sqlite3_column_double(s_, col); }
    std::string str(int col) const {
        auto* p = reinterpret_cast<const char*>(sqlite3_column_text(s_, col));
        return p ? std::string(p, static_cast<std::size_t>(sqlite3_column_bytes(s_, col))) : std::string{};
    }
    std::optional<std::string> opt_str(int col) const {
        if (is_null(col)) return std::nullopt;
        return str(col);
    }
    std::optional<time_point> opt_time(int col) const {
        if (is_null(col)) return std::nullopt;
        return from_ms(i64(col));
    }
    int changes() const { return sqlite3_changes(db_); }

    /// Resets the statement and clears bindings (also after an exception).
    void reset() noexcept {
        sqlite3_reset(s_);
        sqlite3_clear_bindings(s_);
        n_ = 0;
    }

private:
    statement& check(int rc) {
        if (rc != SQLITE_OK) throw store_error(fmt::format("sqlite bind: {}", sqlite3_errmsg(db_)));
        return *this;
    }
    sqlite3* db_;
    sqlite3_stmt* s_;
    int n_ = 0;
};

/// A use of a cached statement; resets it when done.
class use {
public:
    explicit use(statement& s) : s_(s) {}
    ~use() { s_.reset(); }
    use(const use&) = delete;
    use& operator=(const use&) = delete;
    statement* operator->() { return &s_; }
    statement& operator*() { return s_; }

private:
    statement& s_;
};

/// One SQLite connection with its cache of prepared statements.
class connection {
public:
    connection(const std::string& path, bool read_only) {
        sqlite3* raw = nullptr;
        int flags = read_only ? SQLITE_OPEN_READONLY : (SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE);
        flags |= SQLITE_OPEN_NOMUTEX;
        int rc = sqlite3_open_v2(path.c_str(), &raw, flags, nullptr);
        db_.reset(raw);
        if (rc != SQLITE_OK)
            throw store_error(fmt::format("cannot open database {}: {}", path,
                                          raw ? sqlite3_errmsg(raw) : sqlite3_errstr(rc)));
        sqlite3_busy_timeout(raw, 5000);
        sqlite3_extended_result_codes(raw, 1);
    }

    void exec(const char* sql) {
        char* err = nullptr;
        if (sqlite3_exec(db_.get(), sql, nullptr, nullptr, &err) != SQLITE_OK) {
            std::string msg = err ? err : "unknown error";
            sqlite3_free(err);
            throw store_error(fmt::format("sqlite: {}", msg));
        }
    }

    /// The cached prepared statement for `sql` (prepared on first use).
    use prepare(const char* sql) {
        auto it = cache_.find(sql);
        if (it == cache_.end()) {
            sqlite3_stmt* raw = nullptr;
            if (sqlite3_prepare_v3(db_.get(), sql, -1, SQLITE_PREPARE_PERSISTENT, &raw, nullptr) != SQLITE_OK)
                throw store_error(fmt::format("sqlite prepare: {}", sqlite3_errmsg(db_.get())));
            it = cache_
                     .emplace(sql, entry{std::unique_ptr<sqlite3_stmt, stmt_deleter>(raw),
                                         statement(db_.get(), raw)})
                     .first;
        }
        return use(it->second.st);
    }

    int user_version() {
        auto u = prepare("PRAGMA user_version");
        return u->step() ? static_cast<int>(u->i64(0)) : 0;
    }

    sqlite3* get() { return db_.get(); }

    ~connection() {
        cache_.clear();  // finalize statements before closing
    }

private:
    struct entry {
        std::unique_ptr<sqlite3_stmt, stmt_deleter> owner;
        statement st;
    };
    std::unique_ptr<sqlite3, db_deleter> db_;
    std::map<const char*, entry> cache_;  // keyed by the literal's address: each SQL text is a literal
};

/// BEGIN IMMEDIATE ... COMMIT; rolls back in the destructor unless committed.
class transaction {
public:
    explicit transaction(connection& c) : c_(c) { c_.exec("BEGIN IMMEDIATE"); }
    ~transaction() {
        if (!done_) sqlite3_exec(c_.get(), "ROLLBACK", nullptr, nullptr, nullptr);
    }
    transaction(const transaction&) = delete;
    transaction& operator=(const transaction&) = delete;
    void commit() {
        c_.exec("COMMIT");
        done_ = true;
    }

private:
    connection& c_;
    bool done_ = false;
};

#define ALERT_COLUMNS                                                                                        \
    "id, hub, seq, type, state, priority, sia, at_ms, rule, sensor, location, text, clears, value, status, " \
    "received_ms, acknowledged_ms, acknowledged_by, resolved_ms, resolved_by, outcome, note, cleared_ms"

stored_alert read_alert(statement& s) {
    stored_alert r;
    r.a.id = s.str(0);
    r.a.hub = s.str(1);
    r.a.seq = static_cast<std::uint64_t>(s.i64(2));
    r.a.type = s.str(3);
    r.a.state = parse_alert_state(s.str(4)).value_or(alert_state::raised);
    r.a.priority = static_cast<priority>(s.i64(5));
    r.a.sia = s.str(6);
    r.a.at = from_ms(s.i64(7));
    r.a.rule = s.str(8);
    r.a.sensor = s.str(9);
    r.a.location = s.str(10);
    r.a.text = s.str(11);
    r.a.clears = s.opt_str(12);
    if (!s.is_null(13)) r.a.value = s.dbl(13);
    r.status = parse_alert_status(s.str(14)).value_or(alert_status::open);
    r.received_at = from_ms(s.i64(15));
    r.acknowledged_at = s.opt_time(16);
    r.acknowledged_by = s.opt_str(17);
    r.resolved_at = s.opt_time(18);
    r.resolved_by = s.opt_str(19);
    r.outcome = s.opt_str(20);
    r.note = s.opt_str(21);
    r.cleared_at = s.opt_time(22);
    return r;
}

hub_record read_hub(statement& s) {
    hub_record h;
    h.id = s.str(0);
    h.online = s.i64(1) != 0;
    h.last_seen = s.opt_time(2);
    h.last_heartbeat = s.opt_time(3);
    h.status = s.str(4);
    h.outbox = s.i64(5);
    h.sensors = s.str(6);
    h.version = s.str(7);
    return h;
}

#define HUB_COLUMNS "id, online, last_seen_ms, last_heartbeat_ms, status, outbox, sensors, version"

class sqlite_store final : public store {
public:
    explicit sqlite_store(std::string path) : path_(std::move(path)), writer_(path_, false) {
        writer_.exec("PRAGMA journal_mode=WAL");
        writer_.exec("PRAGMA synchronous=FULL");
        writer_.exec("PRAGMA foreign_keys=ON");
        migrate();
    }

    std::vector<ingest_result> ingest(const ingest_batch& b) override {
        std::lock_guard lock(write_mu_);
        transaction tx(writer_);
        std::vector<ingest_result> results;
        results.reserve(b.alerts.size());
        for (const auto& a : b.alerts) {
            results.push_back(insert_alert(a, b.received_at, b.keep_reused_ids));
            touch_hub(a.hub, b.received_at);
        }
        for (const auto& h : b.heartbeats) {
            touch_hub(h.hub, b.received_at);
            auto u = writer_.prepare(
                "UPDATE hubs SET last_heartbeat_ms = ?, outbox = ?, sensors = ?, version = ? WHERE id = ?");
            u->bind(b.received_at).bind(h.outbox).bind(h.sensors).bind(h.version).bind(h.hub).run();
        }
        for (const auto& s : b.statuses) {
            if (s.state == "online")
                touch_hub(s.hub, b.received_at);
            else
                ensure_hub(s.hub, b.received_at);
            auto u = writer_.prepare("UPDATE hubs SET status = ?, status_ms = ? WHERE id = ?");
            u->bind(s.state).bind(b.received_at).bind(s.hub).run();
        }
        tx.commit();
        return results;
    }

    change_result acknowledge(const std::string& id, const std::string& user, time_point now) override {
        std::lock_guard lock(write_mu_);
        transaction tx(writer_);
        auto cur = status_of(id);
        if (!cur) return change_result::not_found;
        if (*cur != "open") return change_result::conflict;
        auto u = writer_.prepare(
            "UPDATE alerts SET status = 'acknowledged', acknowledged_ms = ?, acknowledged_by = ? WHERE id = "
            "?");
        u->bind(now).bind(user).bind(id).run();
        add_history(id, now, "acknowledged", user, "");
        add_audit(user, "acknowledge", id, "", now);
        tx.commit();
        return change_result::ok;
    }

    change_result resolve(const std::string& id, const std::string& user, const std::string& outcome,
                          const std::string& note, time_point now) override {
        std::lock_guard lock(write_mu_);
        transaction tx(writer_);
        auto cur = status_of(id);
        if (!cur) return change_result::not_found;
        if (*cur == "resolved") return change_result::conflict;
        do_resolve(id, user, outcome, note, now);
        add_audit(user, "resolve", id, note.empty() ? outcome : fmt::format("{}: {}", outcome, note), now);
        tx.commit();
        return change_result::ok;
    }

    change_result reopen(const std::string& id, const std::string& user, time_point now) override {
        std::lock_guard lock(write_mu_);
        transaction tx(writer_);
        auto cur = status_of(id);
        if (!cur) return change_result::not_found;
        if (*cur != "resolved" || raised_state(id) != "raised") return change_result::conflict;
        auto u = writer_.prepare(
            "UPDATE alerts SET status = 'open', acknowledged_ms = NULL, acknowledged_by = NULL, resolved_ms "
            "= NULL, "
            "resolved_by = NULL, outcome = NULL, note = NULL WHERE id = ?");
        u->bind(id).run();
        add_history(id, now, "reopened", user, "");
        add_audit(user, "reopen", id, "", now);
        tx.commit();
        return change_result::ok;
    }

    change_result clear(const std::string& id, const std::string& user, const std::string& detail,
                        const std::optional<std::string>& auto_resolve_outcome, time_point now) override {
        std::lock_guard lock(write_mu_);
        transaction tx(writer_);
        auto cur = status_of(id);
        if (!cur) return change_result::not_found;
        {
            auto u = writer_.prepare("UPDATE alerts SET cleared_ms = ? WHERE id = ? AND cleared_ms IS NULL");
            u->bind(now).bind(id).run();
            if (u->changes() == 0) return change_result::conflict;
        }
        add_history(id, now, "cleared", user, detail);
        if (auto_resolve_outcome && *cur == "open") {
            do_resolve(id, user, *auto_resolve_outcome, "", now);
            add_audit(user, "resolve", id, *auto_resolve_outcome, now);
        }
        tx.commit();
        return change_result::ok;
    }

    change_result escalate(const std::string& id, priority to, const std::string& detail,
                           time_point now) override {
        std::lock_guard lock(write_mu_);
        transaction tx(writer_);
        auto u = writer_.prepare(
            "UPDATE alerts SET priority = ? WHERE id = ? AND status != 'resolved' AND priority > ?");
        u->bind(static_cast<int>(to)).bind(id).bind(static_cast<int>(to)).run();
        if (u->changes() == 0) return change_result::conflict;
        add_history(id, now, "escalated", "system", detail);
        tx.commit();
        return change_result::ok;
    }

    std::optional<stored_alert> uncleared_alert(const std::string& hub, const std::string& type) override {
        auto r = reader();
        auto s =
            r->prepare("SELECT " ALERT_COLUMNS
                       " FROM alerts WHERE hub = ? AND type = ? AND state = 'raised' AND cleared_ms IS NULL "
                       "ORDER BY received_ms DESC, rowid DESC LIMIT 1");
        s->bind(hub).bind(type);
        if (!s->step()) return std::nullopt;
        return read_alert(*s);
    }

    std::int64_t count_alerts(const std::string& hub, const std::string& type) override {
        auto r = reader();
        auto s = r->prepare("SELECT COUNT(*) FROM alerts WHERE hub = ? AND type = ? AND state = 'raised'");
        s->bind(hub).bind(type);
        return s->step() ? s->i64(0) : 0;
    }

    void set_hub_online(const std::string& hub, bool online) override {
        std::lock_guard lock(write_mu_);
        auto u = writer_.prepare("UPDATE hubs SET online = ? WHERE id = ?");
        u->bind(online ? 1 : 0).bind(hub).run();
    }

    std::optional<stored_alert> get_alert(const std::string& id) override {
        auto r = reader();
        auto s = r->prepare("SELECT " ALERT_COLUMNS " FROM alerts WHERE id = ?");
        s->bind(id);
        if (!s->step()) return std::nullopt;
        return read_alert(*s);
    }

    std::vector<history_entry> history(const std::string& id) override {
        auto r = reader();
        auto s = r->prepare(
            "SELECT at_ms, action, user_name, detail FROM alert_history WHERE alert_id = ? ORDER BY id");
        s->bind(id);
        std::vector<history_entry> out;
        while (s->step()) out.push_back({from_ms(s->i64(0)), s->str(1), s->str(2), s->str(3)});
        return out;
    }

    std::vector<stored_alert> list_alerts(const alert_query& q) override {
        auto r = reader();
        // One statement per ordering; filters are bound, never spliced into the SQL. The queue: most urgent
        // first, then calls nobody has taken before acknowledged ones, then oldest first, so the top
        // row is the call to take next.
        const bool queue = q.state == "open" || q.state == "acknowledged";
        auto s =
            queue
                ? r->prepare(
                      "SELECT " ALERT_COLUMNS
                      " FROM alerts WHERE (?1 = 'all' OR (state = 'raised' AND ((?1 = 'open' AND status IN "
                      "('open', 'acknowledged')) OR status = ?1))) AND (?2 IS NULL OR hub = ?2) AND (?3 IS "
                      "NULL OR instr(lower(id || ' ' || hub || ' ' || type || ' ' || text || ' ' || location "
                      "|| ' ' || sensor || ' ' || rule || ' ' || ifnull(note, '') || ' ' || ifnull(outcome, "
                      "'')), lower(?3)) > 0) ORDER BY priority, status = 'acknowledged', received_ms, rowid "
                      "LIMIT ?4")
                : r->prepare(
                      "SELECT " ALERT_COLUMNS
                      " FROM alerts WHERE (?1 = 'all' OR (state = 'raised' AND ((?1 = 'open' AND status IN "
                      "('open', 'acknowledged')) OR status = ?1))) AND (?2 IS NULL OR hub = ?2) AND (?3 IS "
                      "NULL OR instr(lower(id || ' ' || hub || ' ' || type || ' ' || text || ' ' || location "
                      "|| ' ' || sensor || ' ' || rule || ' ' || ifnull(note, '') || ' ' || ifnull(outcome, "
                      "'')), lower(?3)) > 0) ORDER BY received_ms DESC, rowid DESC LIMIT ?4");
        s->bind(q.state).bind(q.hub).bind(q.text).bind(q.limit);
        std::vector<stored_alert> out;
        while (s->step()) out.push_back(read_alert(*s));
        return out;
    }

    std::vector<hub_record> list_hubs() override {
        auto r = reader();
        auto s = r->prepare("SELECT " HUB_COLUMNS " FROM hubs ORDER BY id");
        std::vector<hub_record> out;
        while (s->step()) out.push_back(read_hub(*s));
        return out;
    }

    std::optional<hub_record> get_hub(const std::string& id) override {
        auto r = reader();
        auto s = r->prepare("SELECT " HUB_COLUMNS " FROM hubs WHERE id = ?");
        s->bind(id);
        if (!s->step()) return std::nullopt;
        return read_hub(*s);
    }

    std::vector<answer_time> answer_times(time_point since) override {
        auto r = reader();
        // Only alerts an operator must answer: not test alarms (low), and not those the centre resolved
        // itself before anyone answered (a hub_offline whose hub came back).
        auto s = r->prepare(
            "SELECT priority, received_ms, acknowledged_ms, CASE WHEN resolved_by = 'system' THEN NULL ELSE "
            "resolved_ms END FROM alerts WHERE state = 'raised' AND received_ms >= ?1 AND priority != ?2 AND "
            "NOT (ifnull(resolved_by, '') = 'system' AND acknowledged_ms IS NULL) ORDER BY received_ms");
        s->bind(since).bind(static_cast<int>(priority::low));
        std::vector<answer_time> out;
        while (s->step()) {
            answer_time t;
            t.priority = std::string(to_string(static_cast<priority>(s->i64(0))));
            t.received_at = from_ms(s->i64(1));
            // An alert resolved without a separate acknowledge was answered when it was resolved.
            t.acknowledged_at = s->opt_time(2);
            if (!t.acknowledged_at) t.acknowledged_at = s->opt_time(3);
            out.push_back(std::move(t));
        }
        return out;
    }

    std::vector<alert_count> alert_counts() override {
        auto r = reader();
        auto s = r->prepare(
            "SELECT status, priority, COUNT(*) FROM alerts WHERE state = 'raised' GROUP BY status, priority");
        std::vector<alert_count> out;
        while (s->step()) {
            out.push_back({parse_alert_status(s->str(0)).value_or(alert_status::open),
                           static_cast<priority>(s->i64(1)), s->i64(2)});
        }
        return out;
    }

    bool add_user(const user_record& u) override {
        std::lock_guard lock(write_mu_);
        auto s = writer_.prepare(
            "INSERT INTO users(name, role, password_hash, created_ms) VALUES (?, ?, ?, ?) ON CONFLICT(name) "
            "DO "
            "NOTHING");
        s->bind(u.name).bind(u.role).bind(u.password_hash).bind(u.created).run();
        return s->changes() == 1;
    }

    std::optional<user_record> find_user(const std::string& name) override {
        auto r = reader();
        auto s =
            r->prepare("SELECT name, role, password_hash, created_ms, disabled FROM users WHERE name = ?");
        s->bind(name);
        if (!s->step()) return std::nullopt;
        return user_record{s->str(0), s->str(1), s->str(2), from_ms(s->i64(3)), s->i64(4) != 0};
    }

    std::vector<user_record> list_users() override {
        auto r = reader();
        auto s = r->prepare("SELECT name, role, created_ms, disabled FROM users ORDER BY name");
        std::vector<user_record> out;
        while (s->step()) out.push_back({s->str(0), s->str(1), {}, from_ms(s->i64(2)), s->i64(3) != 0});
        return out;
    }

    change_result set_user_role(const std::string& name, const std::string& role, const std::string& by,
                                time_point now) override {
        return change_user(name, by, now, [&](const user_state& u) -> std::optional<user_change> {
            if (u.role != "admin" || role == "admin" || u.disabled || other_admins(name) > 0)
                return user_change{"user_role", fmt::format("{} -> {}", u.role, role), role, u.disabled};
            return std::nullopt;
        });
    }

    change_result set_user_password(const std::string& name, const std::string& password_hash,
                                    const std::string& by, time_point now) override {
        return change_user(name, by, now, [&](const user_state& u) -> std::optional<user_change> {
            return user_change{"user_password", "", u.role, u.disabled, password_hash};
        });
    }

    change_result set_user_disabled(const std::string& name, bool disabled, const std::string& by,
                                    time_point now) override {
        return change_user(name, by, now, [&](const user_state& u) -> std::optional<user_change> {
            if (disabled && u.role == "admin" && !u.disabled && other_admins(name) == 0) return std::nullopt;
            return user_change{disabled ? "user_disable" : "user_enable", "", u.role, disabled};
        });
    }

    void add_session(const session_record& x) override {
        std::lock_guard lock(write_mu_);
        auto d = writer_.prepare("DELETE FROM sessions WHERE expires_ms < ?");
        d->bind(x.created).run();
        auto s = writer_.prepare(
            "INSERT INTO sessions(token_hash, user_name, csrf, created_ms, last_seen_ms, expires_ms) VALUES "
            "(?, ?, "
            "?, ?, ?, ?)");
        s->bind(x.token_hash)
            .bind(x.user)
            .bind(x.csrf)
            .bind(x.created)
            .bind(x.last_seen)
            .bind(x.expires)
            .run();
    }

    std::optional<session_record> find_session(const std::string& token_hash, time_point now) override {
        auto r = reader();
        auto s = r->prepare(
            "SELECT s.token_hash, s.user_name, u.role, s.csrf, s.created_ms, s.last_seen_ms, s.expires_ms "
            "FROM "
            "sessions s JOIN users u ON u.name = s.user_name WHERE s.token_hash = ? AND s.expires_ms > ? AND "
            "u.disabled = 0");
        s->bind(token_hash).bind(now);
        if (!s->step()) return std::nullopt;
        return session_record{s->str(0),          s->str(1),          s->str(2),         s->str(3),
                              from_ms(s->i64(4)), from_ms(s->i64(5)), from_ms(s->i64(6))};
    }

    void touch_session(const std::string& token_hash, time_point now, time_point expires) override {
        std::lock_guard lock(write_mu_);
        auto s = writer_.prepare("UPDATE sessions SET last_seen_ms = ?, expires_ms = ? WHERE token_hash = ?");
        s->bind(now).bind(expires).bind(token_hash).run();
    }

    void delete_session(const std::string& token_hash) override {
        std::lock_guard lock(write_mu_);
        auto s = writer_.prepare("DELETE FROM sessions WHERE token_hash = ?");
        s->bind(token_hash).run();
    }

    void audit(const std::string& user, const std::string& action, const std::string& target,
               const std::string& detail, time_point now) override {
        std::lock_guard lock(write_mu_);
        add_audit(user, action, target, detail, now);
    }

    std::vector<audit_entry> list_audit(int limit) override {
        auto r = reader();
        auto s = r->prepare(
            "SELECT id, at_ms, user_name, action, target, detail FROM audit ORDER BY id DESC LIMIT ?");
        s->bind(limit);
        std::vector<audit_entry> out;
        while (s->step())
            out.push_back({s->i64(0), from_ms(s->i64(1)), s->str(2), s->str(3), s->str(4), s->str(5)});
        return out;
    }

    bool healthy() noexcept override {
        try {
            auto r = reader();
            auto s = r->prepare("SELECT COUNT(*) FROM hubs");
            return s->step();
        } catch (...) {
            return false;
        }
    }

private:
    /// A read-only connection borrowed from the pool for one call.
    class borrowed {
    public:
        borrowed(sqlite_store& st, std::unique_ptr<connection> c) : st_(st), c_(std::move(c)) {}
        ~borrowed() {
            std::lock_guard lock(st_.pool_mu_);
            st_.pool_.push_back(std::move(c_));
        }
        borrowed(const borrowed&) = delete;
        borrowed& operator=(const borrowed&) = delete;
        connection* operator->() { return c_.get(); }

    private:
        sqlite_store& st_;
        std::unique_ptr<connection> c_;
    };

    borrowed reader() {
        {
            std::lock_guard lock(pool_mu_);
            if (!pool_.empty()) {
                auto c = std::move(pool_.back());
                pool_.pop_back();
                return borrowed(*this, std::move(c));
            }
        }
        return borrowed(*this, std::make_unique<connection>(path_, true));
    }

    void migrate() {
        int version = writer_.user_version();
        if (version > static_cast<int>(migrations.size()))
            throw store_error(fmt::format("database {} has schema version {}, newer than this build ({})",
                                          path_, version, migrations.size()));
        for (auto v = static_cast<std::size_t>(version); v < migrations.size(); ++v) {
            transaction tx(writer_);
            writer_.exec(migrations[v]);
            writer_.exec(fmt::format("PRAGMA user_version = {}", v + 1).c_str());
            tx.commit();
        }
    }

    struct user_state {
        std::string role;
        bool disabled = false;
    };
    /// What an admin's change does to a user's row, and how it is audited.
    struct user_change {
        const char* action;
        std::string detail;
        std::string role;
        bool disabled = false;
        std::optional<std::string> password_hash;  ///< unchanged if empty
    };

    /// Enabled admins other than `name`.
    std::int64_t other_admins(const std::string& name) {
        auto s =
            writer_.prepare("SELECT COUNT(*) FROM users WHERE role = 'admin' AND disabled = 0 AND name != ?");
        s->bind(name);
        return s->step() ? s->i64(0) : 0;
    }

    /// One admin change to a user: `decide` sees the row as it is and returns the change, or nullopt
    /// when it would leave no enabled admin. Ends every session of the user, audits, one transaction.
    template <class Decide>
    change_result change_user(const std::string& name, const std::string& by, time_point now, Decide decide) {
        std::lock_guard lock(write_mu_);
        transaction tx(writer_);
        user_state cur;
        {
            auto s = writer_.prepare("SELECT role, disabled FROM users WHERE name = ?");
            s->bind(name);
            if (!s->step()) return change_result::not_found;
            cur = {s->str(0), s->i64(1) != 0};
        }
        auto change = decide(cur);
        if (!change) return change_result::conflict;
        {
            auto u = writer_.prepare(
                "UPDATE users SET role = ?, disabled = ?, password_hash = ifnull(?, password_hash) WHERE "
                "name "
                "= ?");
            u->bind(change->role).bind(change->disabled ? 1 : 0).bind(change->password_hash).bind(name).run();
        }
        int ended = 0;
        {
            auto d = writer_.prepare("DELETE FROM sessions WHERE user_name = ?");
            d->bind(name).run();
            ended = d->changes();
        }
        auto detail = fmt::format("{}{}{} session{} ended", change->detail,
                                  change->detail.empty() ? "" : "; ", ended, ended == 1 ? "" : "s");
        add_audit(by, change->action, name, detail, now);
        tx.commit();
        return change_result::ok;
    }

    std::optional<std::string> status_of(const std::string& id) {
        auto s = writer_.prepare("SELECT status FROM alerts WHERE id = ?");
        s->bind(id);
        if (!s->step()) return std::nullopt;
        return s->str(0);
    }

    std::string raised_state(const std::string& id) {
        auto s = writer_.prepare("SELECT state FROM alerts WHERE id = ?");
        s->bind(id);
        return s->step() ? s->str(0) : std::string{};
    }

    void do_resolve(const std::string& id, const std::string& user, const std::string& outcome,
                    const std::string& note, time_point now) {
        auto u = writer_.prepare(
            "UPDATE alerts SET status = 'resolved', resolved_ms = ?, resolved_by = ?, outcome = ?, note = ? "
            "WHERE "
            "id = ?");
        u->bind(now)
            .bind(user)
            .bind(outcome)
            .bind(note.empty() ? std::optional<std::string>{} : note)
            .bind(id)
            .run();
        add_history(id, now, "resolved", user, note.empty() ? outcome : fmt::format("{}: {}", outcome, note));
    }

    /// The raised alert of `hub` that `id` means now: the newest row stored under `id` or derived
    /// from it (`<id>.r<n>`: a hub that reused its ids refers to its latest alert of that id).
    std::optional<std::string> current_alert(const std::string& hub, const std::string& id) {
        auto s = writer_.prepare(
            "SELECT id FROM alerts WHERE hub = ?1 AND state = 'raised' AND (id = ?2 OR (id > (?2 || '.r') "
            "AND id < (?2 || '.s'))) ORDER BY rowid DESC LIMIT 1");
        s->bind(hub).bind(id);
        if (!s->step()) return std::nullopt;
        return s->str(0);
    }

    ingest_result insert_alert(const alert& a, time_point received, bool keep_reused) {
        ingest_result r{false, a.id, std::nullopt};
        const bool cleared = a.state == alert_state::cleared;
        // Rows already stored under this id or derived from it, oldest first. One with the same content
        // means this is a resend; otherwise the hub reused the id for a new alert.
        std::vector<std::string> taken;
        std::optional<time_point> first_received;
        {
            auto s = writer_.prepare(
                "SELECT id, received_ms, at_ms, type, state, sensor, rule FROM alerts WHERE id = ?1 OR (id > "
                "(?1 || '.r') AND id < (?1 || '.s')) ORDER BY rowid");
            s->bind(a.id);
            while (s->step()) {
                const bool same = s->i64(2) == to_ms(a.at) && s->str(3) == a.type &&
                                  s->str(4) == to_string(a.state) && s->str(5) == a.sensor &&
                                  s->str(6) == a.rule;
                if (same || !keep_reused) {
                    r.id = s->str(0);
                    return r;
                }
                if (!first_received) first_received = from_ms(s->i64(1));
                taken.push_back(s->str(0));
            }
        }
        if (!taken.empty()) {
            for (int n = 2;; ++n) {
                r.id = fmt::format("{}.r{}", a.id, n);
                if (std::find(taken.begin(), taken.end(), r.id) == taken.end()) break;
            }
        }
        std::optional<std::string> target;
        if (cleared && a.clears) target = current_alert(a.hub, *a.clears);
        {
            auto s = writer_.prepare(
                "INSERT INTO alerts(id, hub, seq, type, state, priority, sia, at_ms, rule, sensor, location, "
                "text, "
                "clears, value, status, received_ms, resolved_ms, resolved_by) VALUES (?, ?, ?, ?, ?, ?, ?, "
                "?, ?, "
                "?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT(id) DO NOTHING");
            s->bind(r.id)
                .bind(a.hub)
                .bind(static_cast<std::int64_t>(a.seq))
                .bind(a.type)
                .bind(to_string(a.state))
                .bind(static_cast<int>(a.priority))
                .bind(a.sia)
                .bind(a.at)
                .bind(a.rule)
                .bind(a.sensor)
                .bind(a.location)
                .bind(a.text)
                .bind(target ? target : a.clears)
                .bind(a.value)
                .bind(cleared ? "resolved" : "open")
                .bind(received);
            if (cleared)
                s->bind(received).bind("system");
            else
                s->bind(std::nullopt).bind(std::nullopt);
            s->run();
            if (s->changes() == 0) return r;
        }
        r.fresh = true;
        add_history(r.id, received, "received", "hub", std::string(to_string(a.state)));
        if (r.id != a.id)
            add_history(r.id, received, "id_reused", "system",
                        fmt::format("the hub sent id {}, which a different alert received {} already has; "
                                    "stored as {}. Was the hub's storage reset?",
                                    a.id, format_time(*first_received), r.id));
        if (target) {
            auto u = writer_.prepare("UPDATE alerts SET cleared_ms = ? WHERE id = ? AND cleared_ms IS NULL");
            u->bind(received).bind(*target).run();
            if (u->changes() == 1) {
                add_history(*target, received, "cleared", "hub", r.id);
                r.cleared = target;
            }
        }
        return r;
    }

    void ensure_hub(const std::string& hub, time_point now) {
        auto s =
            writer_.prepare("INSERT INTO hubs(id, first_seen_ms) VALUES (?, ?) ON CONFLICT(id) DO NOTHING");
        s->bind(hub).bind(now).run();
    }

    void touch_hub(const std::string& hub, time_point now) {
        ensure_hub(hub, now);
        auto s = writer_.prepare("UPDATE hubs SET last_seen_ms = ? WHERE id = ?");
        s->bind(now).bind(hub).run();
    }

    void add_history(const std::string& id, time_point at, const char* action, const std::string& user,
                     const std::string& detail) {
        auto s = writer_.prepare(
            "INSERT INTO alert_history(alert_id, at_ms, action, user_name, detail) VALUES (?, ?, ?, ?, ?)");
        s->bind(id).bind(at).bind(action).bind(user).bind(detail).run();
    }

    void add_audit(const std::string& user, const std::string& action, const std::string& target,
                   const std::string& detail, time_point now) {
        auto s = writer_.prepare(
            "INSERT INTO audit(at_ms, user_name, action, target, detail) VALUES (?, ?, ?, ?, ?)");
        s->bind(now).bind(user).bind(action).bind(target).bind(detail).run();
    }

    std::string path_;
    std::mutex write_mu_;
    connection writer_;
    std::mutex pool_mu_;
    std::vector<std::unique_ptr<connection>> pool_;
};

}  // namespace

int sqlite_schema_version() noexcept {
    return static_cast<int>(migrations.size());
}

std::unique_ptr<store> open_sqlite_store(const std::string& path) {
    return std::make_unique<sqlite_store>(path);
}

}  // namespace warden::centre
