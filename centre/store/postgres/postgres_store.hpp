#pragma once
// The PostgreSQL backend of the centre's store (private to centre/store/postgres): one class implementing
// every interface of store.hpp, its methods in one file per concern as in store/sqlite (alerts.cpp,
// queue.cpp, hubs.cpp, users.cpp, audit.cpp, stats.cpp, records.cpp, records_bulk.cpp), the connections,
// schema and shared helpers in postgres_store.cpp.
//
// Several centre instances write the same database, so nothing relies on a single writer: every call
// borrows a connection from a pool and runs in one transaction; a row is read with FOR UPDATE before a
// change that depends on it, inserts are upserts (ON CONFLICT), ingest takes a transaction-scoped advisory
// lock per hub (in hub order, so two batches never wait on each other in a cycle), and admin changes to
// users and to residents' records take one lock of their kind. A transaction that still meets a deadlock
// or serialization failure is retried, and so is one whose connection the server ended before the commit
// was sent (the server rolled it back; a commit whose outcome is unknown is never retried). A read of
// several statements sees one snapshot of the database (REPEATABLE READ, read only), as a SQLite read
// transaction does. The pool holds
// at most postgres_store_connections connections; a call waits for a free one. libpqxx's exceptions
// become store_error.

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include <pqxx/pqxx>

#include "warden/centre/records_key.hpp"
#include "warden/centre/store.hpp"

namespace warden::centre::postgres_backend {

/// Times are stored as milliseconds since the epoch (BIGINT *_ms columns), as in the SQLite schema.
inline std::int64_t ms(time_point t) {
    return std::chrono::duration_cast<std::chrono::milliseconds>(t.time_since_epoch()).count();
}
inline time_point from_ms(std::int64_t v) {
    return time_point(std::chrono::duration_cast<time_point::duration>(std::chrono::milliseconds(v)));
}

// A statement parameter as libpqxx takes it: times as milliseconds, nullopt as NULL (an empty
// std::optional is NULL already: libpqxx 6.4's string_traits for optional-like types).
template <class T>
const T& param(const T& v) {
    return v;
}
inline std::int64_t param(time_point t) {
    return ms(t);
}
inline std::optional<std::int64_t> param(const std::optional<time_point>& t) {
    return t ? std::optional(ms(*t)) : std::nullopt;
}
inline std::nullptr_t param(std::nullopt_t) {
    return nullptr;
}

// Reading a column of a row.
inline std::string text(const pqxx::row& r, int i) {
    return r[i].is_null() ? std::string() : r[i].as<std::string>();
}
inline std::optional<std::string> opt_text(const pqxx::row& r, int i) {
    return r[i].is_null() ? std::nullopt : std::optional(r[i].as<std::string>());
}
inline std::int64_t int64(const pqxx::row& r, int i) {
    return r[i].is_null() ? 0 : r[i].as<std::int64_t>();
}
inline time_point time(const pqxx::row& r, int i) {
    return from_ms(int64(r, i));
}
inline std::optional<time_point> opt_time(const pqxx::row& r, int i) {
    return r[i].is_null() ? std::nullopt : std::optional(from_ms(r[i].as<std::int64_t>()));
}

/// Sealed values (records) go to BYTEA columns as hex: decode($n, 'hex') in, encode(col, 'hex') out.
std::string to_hex(std::string_view bytes);
std::string from_hex(std::string_view hex);
inline std::optional<std::string> opt_hex(const std::optional<std::string>& bytes) {
    return bytes ? std::optional(to_hex(*bytes)) : std::nullopt;
}

/// One connection to the database with the statements prepared on it so far.
class connection {
public:
    /// Throws store_error naming host, port and database if the server cannot be reached.
    explicit connection(const std::string& uri);
    pqxx::connection& raw() noexcept { return c_; }
    /// The name of the prepared statement for `sql` on this connection (declared on first use).
    const std::string& statement(const std::string& sql);

private:
    pqxx::connection c_;
    std::unordered_map<std::string, std::string> names_;
};

/// One transaction of a store call: runs prepared statements with their parameters.
class tx {
public:
    tx(connection& c, pqxx::transaction_base& w) : c_(c), w_(w) {}
    template <class... A>
    pqxx::result run(const std::string& sql, const A&... a) {
        return w_.exec_prepared(c_.statement(sql), param(a)...);
    }
    /// Like run(), as an unnamed statement: planned for these parameters and the tables as they are now.
    /// For a statement whose best plan depends on its values (a filter that is off when its parameter
    /// is empty) or on a table's size (a range of ids): a prepared statement's generic plan, made once
    /// while the alerts table was nearly empty, scanned the whole table on every run for the life of the
    /// connection (a storm of 10,000 alerts took 12 s instead of 3). Planning costs more than a prepared
    /// statement's run, so the statements of every alert keep run().
    template <class... A>
    pqxx::result run_planned(const std::string& sql, const A&... a) {
        return w_.exec_params(sql, param(a)...);
    }
    /// SQL text run as it is, without parameters (migrations: several statements).
    void plain(const std::string& sql) { w_.exec(sql); }
    /// The first row, if any.
    template <class... A>
    std::optional<pqxx::row> one(const std::string& sql, const A&... a) {
        auto r = run(sql, a...);
        if (r.empty()) return std::nullopt;
        return r[0];
    }
    /// How many rows a statement changed.
    template <class... A>
    std::size_t changes(const std::string& sql, const A&... a) {
        return run(sql, a...).affected_rows();
    }
    /// Column 0 of the first row as text / integer.
    template <class... A>
    std::optional<std::string> text_of(const std::string& sql, const A&... a) {
        auto r = one(sql, a...);
        return r ? std::optional(text(*r, 0)) : std::nullopt;
    }
    template <class... A>
    std::optional<std::int64_t> int64_of(const std::string& sql, const A&... a) {
        auto r = one(sql, a...);
        return r ? std::optional(int64(*r, 0)) : std::nullopt;
    }

private:
    connection& c_;
    pqxx::transaction_base& w_;
};

/// Advisory lock classes (first key of pg_advisory_xact_lock(int, int)) the store takes.
enum class lock_class : int { migrate = 0x57a7d00, hub = 0x57a7d01, users = 0x57a7d02, records = 0x57a7d03 };
/// Takes a transaction-scoped advisory lock (held until commit or rollback).
void lock(tx& t, lock_class kind, const std::string& key = {});
/// Takes the locks of all `keys`, in their (sorted) order, in one round trip.
void lock_all(tx& t, lock_class kind, const std::set<std::string>& keys);
/// `items` as a PostgreSQL array literal for a text[] parameter: each element quoted, `"` and `\` escaped.
std::string text_array(const std::set<std::string>& items);

#define WARDEN_ALERT_COLUMNS                                                                                 \
    "id, hub, seq, type, state, priority, sia, at_ms, rule, sensor, location, text, clears, value, status, " \
    "received_ms, acknowledged_ms, acknowledged_by, resolved_ms, resolved_by, outcome, note, cleared_ms, "   \
    "folded_into, held_until_ms, held_by, supervisor_ms, supervisor_by"
/// How many columns WARDEN_ALERT_COLUMNS names: a query's own columns after them start here.
inline constexpr int warden_alert_columns = 28;

stored_alert read_alert(const pqxx::row& r);

/// The records key check (as in the SQLite backend).
inline constexpr std::string_view key_check_text = "warden records key check v1";

// An alert_query's filters, bound by query_params ($1 state, $2 hub, $3 text, $4 limit, $5 kind, $6 the
// technical types, $7 type, $8 priority, $9 now, $10 team), never spliced into the SQL.
#define WARDEN_UNTAKEN \
    "(status = 'open' OR (status = 'acknowledged' AND held_until_ms IS NOT NULL AND held_until_ms <= $9))"
#define WARDEN_ALERT_FILTER                                                                                 \
    "($1::text = 'all' OR (state = 'raised' AND (($1 = 'open' AND status IN ('open', 'acknowledged')) OR "  \
    "($1 = 'untaken' AND " WARDEN_UNTAKEN                                                                   \
    ") OR status = $1))) AND ($2::text IS NULL OR hub = $2) AND ($3::text IS NULL OR strpos(lower(id || ' " \
    "' || hub || ' ' || type || ' ' || text || ' ' || location || ' ' || sensor || ' ' || rule || ' ' || "  \
    "coalesce(note, '') || ' ' || coalesce(outcome, '')), lower($3)) > 0) AND ($5::integer = 0 OR "         \
    "(strpos($6::text, ',' || type || ',') > 0) = ($5 = 2)) AND ($7::text IS NULL OR type = $7) AND "       \
    "($8::integer IS NULL OR priority = $8) AND ($10::text IS NULL OR hub IN (SELECT hh.hub FROM "          \
    "household_hubs hh JOIN households h ON h.id = hh.household_id WHERE h.team = $10))"
/// The queue's order: most urgent first, then the calls that want an operator now, then oldest.
#define WARDEN_QUEUE_ORDER "priority, NOT " WARDEN_UNTAKEN ", received_ms, rowid"
/// Runs a statement using WARDEN_ALERT_FILTER with `q`'s parameters.
pqxx::result run_query(tx& t, const std::string& sql, const alert_query& q);

class postgres_store final : public store {
public:
    /// Connects, migrates. Throws store_error.
    explicit postgres_store(std::string uri);

    // alert_store (alerts.cpp)
    std::vector<ingest_result> ingest(const ingest_batch& b) override;
    change_result acknowledge(const std::string& id, const std::string& user, time_point now) override;
    change_result resolve(const std::string& id, const std::string& user, const std::string& outcome,
                          const std::string& note, time_point now) override;
    change_result reopen(const std::string& id, const std::string& user, time_point now) override;
    change_result clear(const std::string& id, const std::string& user, const std::string& detail,
                        const std::optional<std::string>& auto_resolve_outcome, time_point now) override;
    change_result escalate(const std::string& id, priority to, const std::string& detail,
                           time_point now) override;
    std::optional<stored_alert> uncleared_alert(const std::string& hub, const std::string& type) override;
    std::int64_t count_alerts(const std::string& hub, const std::string& type) override;
    std::optional<stored_alert> get_alert(const std::string& id) override;
    std::vector<history_entry> history(const std::string& id) override;
    std::vector<stored_alert> list_alerts(const alert_query& q) override;
    std::vector<stored_alert> folded_alerts(const std::string& flood_id, int limit) override;
    // queue.cpp
    std::vector<queue_group> queue_groups(const alert_query& q) override;
    group_result acknowledge_group(const std::string& hub, const std::vector<std::string>& ids,
                                   const std::string& user, time_point now) override;
    group_result resolve_group(const std::string& hub, const std::vector<std::string>& ids,
                               const std::string& user, const std::string& outcome, const std::string& note,
                               time_point now) override;
    change_result add_note(const std::string& id, const std::string& user, const std::string& note,
                           time_point now) override;
    change_result hold(const std::string& id, const std::string& user, time_point until,
                       const std::string& note, time_point now) override;
    change_result refer_to_supervisor(const std::string& id, const std::string& user,
                                      const std::string& reason, time_point now) override;
    change_result add_call_entry(const std::string& id, const std::string& user, const std::string& action,
                                 const std::string& detail, time_point now) override;
    // shift_store (queue.cpp)
    std::int64_t add_handover(const std::string& user, const std::string& note, time_point now) override;
    std::vector<handover_note> handovers(int limit) override;

    // hub_store (hubs.cpp)
    void set_hub_online(const std::string& hub, bool online) override;
    std::vector<hub_record> list_hubs() override;
    std::optional<hub_record> get_hub(const std::string& id) override;
    change_result set_hub_disabled(const std::string& hub, bool disabled, const std::string& by,
                                   time_point now) override;
    std::vector<std::string> disabled_hubs() override;

    // user_store (users.cpp)
    bool add_user(const user_record& u) override;
    std::optional<user_record> find_user(const std::string& name) override;
    std::vector<user_record> list_users() override;
    change_result set_user_role(const std::string& name, const std::string& role, const std::string& by,
                                time_point now) override;
    change_result set_user_password(const std::string& name, const std::string& password_hash,
                                    const std::string& by, time_point now) override;
    change_result set_user_disabled(const std::string& name, bool disabled, const std::string& by,
                                    time_point now) override;
    void add_session(const session_record& s) override;
    std::optional<session_record> find_session(const std::string& token_hash, time_point now) override;
    void touch_session(const std::string& token_hash, time_point now, time_point expires) override;
    void delete_session(const std::string& token_hash) override;

    // audit_store (audit.cpp)
    void audit(const std::string& user, const std::string& action, const std::string& target,
               const std::string& detail, time_point now) override;
    std::vector<audit_entry> list_audit(int limit) override;

    // stats_store (stats.cpp)
    std::vector<answer_time> answer_times(time_point since) override;
    std::vector<alert_count> alert_counts() override;

    // records_store (records.cpp)
    void unlock_records(const records_key& key) override;
    bool records_unlocked() override;
    save_result create_household(const household& h, const std::string& by, time_point now) override;
    save_result update_household(std::int64_t id, const household& h, const std::string& by,
                                 time_point now) override;
    change_result delete_household(std::int64_t id, const std::string& by, time_point now) override;
    std::optional<household> get_household(std::int64_t id) override;
    std::optional<household> find_household_by_ref(const std::string& external_ref) override;
    std::vector<household_summary> list_households(const household_query& q) override;
    std::optional<household_summary> household_of_hub(const std::string& hub) override;
    bool add_team(const team& t, const std::string& by, time_point now) override;
    change_result update_team(const team& t, const std::string& by, time_point now) override;
    change_result delete_team(const std::string& id, const std::string& by, time_point now) override;
    std::vector<team> list_teams() override;
    std::optional<team> get_team(const std::string& id) override;
    change_result assign_household(std::int64_t id, const std::optional<std::string>& team,
                                   const std::string& by, time_point now) override;
    change_result set_user_team(const std::string& name, const std::optional<std::string>& team,
                                const std::string& by, time_point now) override;
    std::optional<std::string> user_team(const std::string& name) override;
    // records in bulk (records_bulk.cpp)
    std::vector<save_result> save_households(const std::vector<household_save>& batch, bool check_only,
                                             const std::string& by, time_point now) override;
    change_result erase_household(std::int64_t id, const std::string& by, const std::string& detail,
                                  time_point now) override;
    std::int64_t rekey_records(const records_key& next, const std::string& by, const std::string& detail,
                               time_point now) override;

    // activity_store (activity.cpp)
    std::vector<bool> store_activity(const std::vector<activity_hour>& hours, time_point received) override;
    std::vector<activity_hour> household_activity(std::int64_t household, time_point from,
                                                  time_point to) override;
    std::int64_t purge_activity(time_point before) override;
    std::string activity_settings(std::int64_t household) override;
    change_result set_activity_settings(std::int64_t household, const std::string& json_object,
                                        const std::string& by, time_point now) override;

    bool healthy() noexcept override;

private:
    /// Runs `f(tx&)` in a read-write transaction on a pooled connection; it commits by returning
    /// (commit = true) or rolls back. Retried on a deadlock or serialization failure; database errors
    /// become store_error. `f` returns {result, commit}.
    template <class F>
    auto write(F f) -> decltype(f(std::declval<tx&>()).first);
    /// Runs `f(tx&)` in a read-only transaction on a pooled connection: READ COMMITTED, enough for a
    /// read of one statement (and cheaper); read<snapshot> for a read of several statements.
    template <class W = pqxx::read_transaction, class F>
    auto read(F f) -> decltype(f(std::declval<tx&>()));
    /// One snapshot for every statement of a read, as a SQLite read transaction gives.
    using snapshot = pqxx::transaction<pqxx::repeatable_read, pqxx::read_only>;
    /// A connection borrowed from the pool for one call: back to the pool when the lease ends, unless
    /// the connection was lost or discard() was called (then the pool may open another).
    class lease {
    public:
        lease(postgres_store& s, std::unique_ptr<connection> c) : s_(s), c_(std::move(c)) {}
        ~lease() { s_.give_back(std::move(c_)); }
        lease(const lease&) = delete;
        lease& operator=(const lease&) = delete;
        connection* operator->() { return c_.get(); }
        connection& operator*() { return *c_; }
        void discard() noexcept { c_.reset(); }

    private:
        postgres_store& s_;
        std::unique_ptr<connection> c_;
    };
    /// A pooled connection, or a new one while fewer than postgres_store_connections are open; waits up
    /// to pool_wait for one to come back. Throws store_error if none does or the server cannot be reached.
    lease borrow();
    void give_back(std::unique_ptr<connection> c) noexcept;
    /// Closes the idle connections: after one was found lost, the others (a server restart, a failover)
    /// most likely are too.
    void drop_idle() noexcept;
    void migrate();

    // alerts.cpp
    std::optional<std::string> status_of(tx& t, const std::string& id);
    std::string raised_state(tx& t, const std::string& id);
    bool do_acknowledge(tx& t, const std::string& id, const std::string& user, const std::string& detail,
                        time_point now);
    void do_resolve(tx& t, const std::string& id, const std::string& user, const std::string& outcome,
                    const std::string& note, time_point now);
    std::optional<std::string> current_alert(tx& t, const std::string& hub, const std::string& id);
    /// Stores `a` unless it is a resend; with `touch`, also moves its hub's last_seen on (or creates it).
    ingest_result insert_alert(tx& t, const alert& a, time_point received, bool keep_reused, bool touch);
    void fold(tx& t, const std::string& id, const std::string& flood_id, time_point received);
    void update_flood(tx& t, const alert& flood, std::int64_t added, time_point received);
    void add_history(tx& t, const std::string& id, time_point at, const char* action, const std::string& user,
                     const std::string& detail);

    // hubs.cpp
    void ensure_hub(tx& t, const std::string& hub, time_point now);
    void touch_hub(tx& t, const std::string& hub, time_point now);

    // users.cpp
    struct user_state {
        std::string role;
        bool disabled = false;
    };
    struct user_change {
        const char* action;
        std::string detail;
        std::string role;
        bool disabled = false;
        std::optional<std::string> password_hash;  ///< unchanged if empty
    };
    std::int64_t other_admins(tx& t, const std::string& name);
    template <class Decide>
    change_result change_user(const std::string& name, const std::string& by, time_point now, Decide decide);

    // audit.cpp
    void add_audit(tx& t, const std::string& user, const std::string& action, const std::string& target,
                   const std::string& detail, time_point now);

    // records.cpp
    std::optional<field_error> household_conflict(tx& t, std::int64_t id, const household& h);
    void write_people(tx& t, std::int64_t id, const household& h);
    save_result create_in(tx& t, const household& h, const std::string& by, time_point now);
    save_result update_in(tx& t, std::int64_t id, const household& h, const std::string& by, time_point now);
    std::optional<std::string> seal(const std::string& plain);
    std::string unseal(const pqxx::row& r, int col);
    household read_household(tx& t, std::int64_t id);

    std::string uri_;
    std::shared_ptr<const records_key> records_key_;
    std::mutex pool_mu_;
    std::condition_variable pool_cv_;
    std::vector<std::unique_ptr<connection>> pool_;  ///< idle connections
    int open_ = 0;                                   ///< idle and borrowed
};

/// How long a call waits for a connection when all of an instance's are busy.
inline constexpr std::chrono::seconds pool_wait{10};

template <class W, class F>
auto postgres_store::read(F f) -> decltype(f(std::declval<tx&>())) {
    for (int attempt = 1;; ++attempt) {
        auto c = borrow();
        try {
            W w(c->raw());
            tx t(*c, w);
            auto out = f(t);
            w.commit();
            return out;
        } catch (const pqxx::broken_connection& e) {  // nothing was changed: read again on a new one
            c.discard();
            drop_idle();
            if (attempt >= 2) throw store_error(std::string("postgresql: connection lost: ") + e.what());
        } catch (const pqxx::sql_error& e) {
            throw store_error(std::string("postgresql: ") + e.what());
        } catch (const pqxx::failure& e) {
            c.discard();
            throw store_error(std::string("postgresql: ") + e.what());
        } catch (const pqxx::conversion_error& e) {
            throw store_error(std::string("postgresql: ") + e.what());
        }
    }
}

template <class F>
auto postgres_store::write(F f) -> decltype(f(std::declval<tx&>()).first) {
    int lost = 0;
    for (int attempt = 1;; ++attempt) {
        auto c = borrow();
        try {
            pqxx::work w(c->raw());
            tx t(*c, w);
            auto [out, commit] = f(t);
            if (commit)
                w.commit();
            else
                w.abort();
            return out;
        } catch (const pqxx::transaction_rollback& e) {  // deadlock, serialization failure: try again
            if (attempt >= 5) throw store_error(std::string("postgresql: ") + e.what());
        } catch (const pqxx::broken_connection& e) {
            // Lost before the commit was sent (a loss during the commit is in_doubt_error): the server
            // rolled the transaction back, so it runs again, once, on a new connection. `f` keeps its
            // results in its own locals, so a second run is the only one that counts.
            c.discard();
            drop_idle();
            if (++lost >= 2) throw store_error(std::string("postgresql: connection lost: ") + e.what());
        } catch (const pqxx::in_doubt_error& e) {
            c.discard();
            throw store_error(std::string("postgresql: commit in doubt: ") + e.what());
        } catch (const pqxx::sql_error& e) {
            throw store_error(std::string("postgresql: ") + e.what());
        } catch (const pqxx::failure& e) {
            c.discard();
            throw store_error(std::string("postgresql: ") + e.what());
        } catch (const pqxx::conversion_error& e) {
            throw store_error(std::string("postgresql: ") + e.what());
        }
    }
}

}  // namespace warden::centre::postgres_backend
