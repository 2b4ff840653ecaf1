#pragma once
// The SQLite backend of the centre's store (private to centre/store/sqlite): one class implementing
// every interface of store.hpp, its methods in one file per concern (alerts.cpp, hubs.cpp, users.cpp,
// audit.cpp, stats.cpp, records.cpp,
// activity.cpp), the connections, schema and shared helpers in sqlite_store.cpp.
//
// Writes go through one writer connection guarded by write_mu_; reads borrow a read-only connection
// from a pool, so HTTP threads read while ingest writes (WAL). The interface throws store_error when
// the database fails: the sqlite layer's results are turned into it by ok() below.

#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "warden/centre/records_key.hpp"
#include "warden/centre/store.hpp"
#include "warden/sqlite/sqlite.hpp"

namespace warden::centre::sqlite_backend {

/// Throws store_error for a failed database call.
[[noreturn]] void fail(const sqlite::error& e);
inline void ok(const sqlite::status& r) {
    if (!r) fail(r.error());
}
template <class T>
T ok(sqlite::result<T> r) {
    if (!r) fail(r.error());
    return std::move(*r);
}

/// One SQLite connection with its prepared statements.
class connection {
public:
    /// Throws store_error if the file cannot be opened.
    connection(const std::string& path, bool read_only);
    connection(const connection&) = delete;
    connection& operator=(const connection&) = delete;

    /// The cached prepared statement for `sql` (a literal; prepared on first use). Throws store_error.
    sqlite::statement& prepare(const char* sql) { return *ok(cache_.get(sql)); }
    /// BEGIN IMMEDIATE; rolled back unless committed. Throws store_error.
    sqlite::transaction begin() { return ok(sqlite::transaction::begin(db_)); }
    sqlite::database& db() noexcept { return db_; }

private:
    sqlite::database db_;
    sqlite::statement_cache cache_{db_};  // destroyed first: statements finalized before the close
};

#define WARDEN_ALERT_COLUMNS                                                                                 \
    "id, hub, seq, type, state, priority, sia, at_ms, rule, sensor, location, text, clears, value, status, " \
    "received_ms, acknowledged_ms, acknowledged_by, resolved_ms, resolved_by, outcome, note, cleared_ms, "   \
    "folded_into, held_until_ms, held_by, supervisor_ms, supervisor_by"
/// How many columns WARDEN_ALERT_COLUMNS names: a query's own columns after them start here.
inline constexpr int warden_alert_columns = 28;

stored_alert read_alert(const sqlite::statement& s);

/// The records key check: this text sealed with the key, stored when a database first gets a key
/// (records.cpp) and sealed again with the new key when it is rotated (records_bulk.cpp).
inline constexpr std::string_view key_check_text = "warden records key check v1";

// An alert_query's filters, bound by bind_query (?1 state, ?2 hub, ?3 text, ?4 limit, ?5 kind, ?6 the
// technical types, ?7 type, ?8 priority, ?9 now, ?10 team), never spliced into the SQL.
#define WARDEN_UNTAKEN \
    "(status = 'open' OR (status = 'acknowledged' AND held_until_ms IS NOT NULL AND held_until_ms <= ?9))"
#define WARDEN_ALERT_FILTER                                                                                  \
    "(?1 = 'all' OR (state = 'raised' AND ((?1 = 'open' AND status IN ('open', 'acknowledged')) OR (?1 = "   \
    "'untaken' AND " WARDEN_UNTAKEN                                                                          \
    ") OR status = ?1))) AND (?2 IS NULL OR hub = ?2) AND (?3 IS NULL OR "                                   \
    "instr(lower(id || ' ' || hub || ' ' || type || ' ' || text || ' ' || location || ' ' || sensor || ' ' " \
    "|| rule || ' ' || ifnull(note, '') || ' ' || ifnull(outcome, '')), lower(?3)) > 0) AND (?5 = 0 OR "     \
    "(instr(?6, ',' || type || ',') > 0) = (?5 = 2)) AND (?7 IS NULL OR type = ?7) AND (?8 IS NULL OR "      \
    "priority = ?8) AND (?10 IS NULL OR hub IN (SELECT hh.hub FROM household_hubs hh JOIN households h "     \
    "ON h.id = hh.household_id WHERE h.team = ?10))"
/// The queue's order: most urgent first, then the calls that want an operator now, then oldest.
#define WARDEN_QUEUE_ORDER "priority, NOT " WARDEN_UNTAKEN ", received_ms, rowid"
/// Binds `q` to a statement using WARDEN_ALERT_FILTER.
sqlite::statement& bind_query(sqlite::statement& s, const alert_query& q);
/// Column 0 of a row as text, or as an integer (a COUNT).
inline std::string text_of(const sqlite::statement& s) {
    return s.text(0);
}
inline std::int64_t int64_of(const sqlite::statement& s) {
    return s.int64(0);
}

class sqlite_store final : public store {
public:
    /// Opens (creating) the file, sets WAL and synchronous=FULL, migrates. Throws store_error.
    explicit sqlite_store(std::string path);

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
    /// A read-only connection borrowed from the pool for one call.
    class borrowed {
    public:
        borrowed(sqlite_store& st, std::unique_ptr<connection> c) : st_(st), c_(std::move(c)) {}
        ~borrowed();
        borrowed(const borrowed&) = delete;
        borrowed& operator=(const borrowed&) = delete;
        connection* operator->() { return c_.get(); }

    private:
        sqlite_store& st_;
        std::unique_ptr<connection> c_;
    };
    borrowed reader();
    void migrate();

    // alerts.cpp, under write_mu_
    std::optional<std::string> status_of(const std::string& id);
    std::string raised_state(const std::string& id);
    /// Takes an open alert, or a held one back; false if it is in no state for that.
    bool do_acknowledge(const std::string& id, const std::string& user, const std::string& detail,
                        time_point now);
    void do_resolve(const std::string& id, const std::string& user, const std::string& outcome,
                    const std::string& note, time_point now);
    std::optional<std::string> current_alert(const std::string& hub, const std::string& id);
    ingest_result insert_alert(const alert& a, time_point received, bool keep_reused);
    void fold(const std::string& id, const std::string& flood_id, time_point received);
    void update_flood(const alert& flood, std::int64_t added, time_point received);
    void add_history(const std::string& id, time_point at, const char* action, const std::string& user,
                     const std::string& detail);

    // hubs.cpp, under write_mu_
    void ensure_hub(const std::string& hub, time_point now);
    void touch_hub(const std::string& hub, time_point now);

    // users.cpp, under write_mu_
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
    std::int64_t other_admins(const std::string& name);
    template <class Decide>
    change_result change_user(const std::string& name, const std::string& by, time_point now, Decide decide);

    // audit.cpp, under write_mu_
    void add_audit(const std::string& user, const std::string& action, const std::string& target,
                   const std::string& detail, time_point now);

    // records.cpp, under write_mu_
    std::optional<field_error> household_conflict(std::int64_t id, const household& h);
    void write_people(std::int64_t id, const household& h);
    /// create_household and update_household inside the caller's transaction (records_bulk.cpp's batch).
    save_result create_unlocked(const household& h, const std::string& by, time_point now);
    save_result update_unlocked(std::int64_t id, const household& h, const std::string& by, time_point now);
    std::optional<std::string> seal(const std::string& plain);
    std::string unseal(const sqlite::statement& s, int col);
    household read_household(connection& c, std::int64_t id);

    std::string path_;
    /// The records key, once unlock_records succeeded (set at start, before other threads use the store).
    std::shared_ptr<const records_key> records_key_;
    std::mutex write_mu_;
    connection writer_;
    std::mutex pool_mu_;
    std::vector<std::unique_ptr<connection>> pool_;
};

}  // namespace warden::centre::sqlite_backend
