#pragma once
/// The centre's storage seam: what the centre needs from a database, and nothing more, split by concern
/// (alert_store, hub_store, user_store, audit_store, stats_store, records_store in records.hpp,
/// activity_store in activity.hpp; `store` is all of them). A SQLite implementation comes first
/// (sqlite_store.hpp); a PostgreSQL one can follow for a multi-server centre without touching ingest,
/// supervision or the HTTP API.
///
/// Thread rules: every method may be called from any thread; implementations serialise writes and
/// allow concurrent reads. Methods throw store_error when the database itself fails (disk full,
/// corrupt file); bad input is reported through return values.

#include <cstdint>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "warden/centre/activity.hpp"
#include "warden/centre/records.hpp"
#include "warden/common/alert.hpp"
#include "warden/common/away.hpp"
#include "warden/common/time.hpp"

namespace warden::centre {

/// The database failed (not: the caller asked for something that does not exist).
class store_error : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

/// Where an alert is in the operators' hands.
enum class alert_status { open, acknowledged, resolved };
/// "open", "acknowledged", "resolved".
std::string_view to_string(alert_status s) noexcept;
/// Parses the names above; nullopt for anything else.
std::optional<alert_status> parse_alert_status(std::string_view name) noexcept;

/// An alert as the centre keeps it: the hub's fields plus the operators' handling.
struct stored_alert {
    alert a;
    alert_status status = alert_status::open;
    time_point received_at{};
    std::optional<time_point> acknowledged_at;
    std::optional<std::string> acknowledged_by;
    std::optional<time_point> resolved_at;
    std::optional<std::string> resolved_by;
    std::optional<std::string> outcome;
    std::optional<std::string> note;
    std::optional<time_point> cleared_at;  ///< set when a `cleared` alert (or the centre) ended the condition
    /// The `alert_flood` alert this one was folded into: it came beyond its hub's rate (ingest_batch::
    /// folded_into), so it is stored resolved by `system` with outcome `folded`, out of the queue.
    std::optional<std::string> folded_into;
    std::optional<time_point> held_until;  ///< on hold: the operator calls back at this time
    std::optional<std::string> held_by;
    std::optional<time_point> supervisor_at;  ///< escalated to a supervisor by supervisor_by
    std::optional<std::string> supervisor_by;
    bool operator==(const stored_alert&) const = default;
};

/// One line of an alert's history: a state change or an operator action.
struct history_entry {
    time_point at{};
    std::string action;  ///< received, acknowledged, resolved, reopened, cleared, escalated, note, held,
                         ///< supervisor (escalated to a supervisor)
    std::string user;    ///< the operator, or "hub" / "system"
    std::string detail;
    bool operator==(const history_entry&) const = default;
};

/// What the centre knows about one hub.
struct hub_record {
    std::string id;
    bool online = true;                   ///< the centre's verdict (supervision)
    std::optional<time_point> last_seen;  ///< any message from the hub
    std::optional<time_point> last_heartbeat;
    std::string status;          ///< last `status` topic state ("online"/"offline"), "" if none
    std::int64_t outbox = 0;     ///< from the last heartbeat
    std::string sensors = "{}";  ///< sensors summary JSON from the last heartbeat
    std::string version;
    /// An admin disabled the hub (a stolen or misbehaving hub): its messages are refused.
    bool disabled = false;
    /// Away mode and who set it, from the last heartbeat; nullopt: unknown (an older hub, or none yet).
    std::optional<away_state> away;
    bool operator==(const hub_record&) const = default;
};

/// A heartbeat as ingest read it.
struct heartbeat_record {
    std::string hub;
    std::int64_t outbox = 0;
    std::string sensors = "{}";  ///< JSON object text
    std::string version;
    std::optional<away_state> away;  ///< nullopt: the heartbeat did not say (an older hub)
};

/// A `status` message as ingest read it.
struct status_record {
    std::string hub;
    std::string state;  ///< "online" or "offline"
};

/// Everything ingest received in one turn; stored in one transaction.
struct ingest_batch {
    std::vector<alert> alerts;
    std::vector<heartbeat_record> heartbeats;
    std::vector<status_record> statuses;
    time_point received_at{};
    /// An alert whose id is stored already with different content (at, type, state, sensor, rule) is a
    /// hub reusing its ids (its storage was reset, so it numbers from 1 again): true keeps it under a
    /// derived id; false treats every repeated id as a resend (DC-09, whose ids carry no alert content).
    bool keep_reused_ids = true;
    /// Empty, or one entry per alert: the id of the flood alert (in `floods`) the alert is folded into,
    /// because it came beyond its hub's rate. A folded raised alert is stored resolved by `system` with
    /// outcome `folded`, so it never enters the queue; a folded cleared alert is stored as any other.
    std::vector<std::optional<std::string>> folded_into;
    /// The centre's `alert_flood` alerts the batch folds into: each is stored if its id is new; then its
    /// value becomes the number of alerts folded into it, its text says so, its priority rises to that of
    /// the most urgent of them, and a `folded` history entry counts those this batch added.
    std::vector<alert> floods;
};

/// What the store did with one alert of a batch.
struct ingest_result {
    /// Stored now; false: a resend of an alert already stored (same id and content), not stored again.
    bool fresh = false;
    /// The id it is stored under: its own, or `<id>.r<n>` (n = 2, 3, ...; the first free) when the hub
    /// reused an id that a different alert already has.
    std::string id;
    /// For a fresh `cleared` alert: the raised alert it marked cleared, if any.
    std::optional<std::string> cleared;
    bool operator==(const ingest_result&) const = default;
};

/// Which alerts, by the alert catalogue's `technical` flag: every one, the calls about a resident (types
/// not technical, and types the catalogue does not know), or the technical faults.
enum class alert_kind { all, calls, technical };

/// Filters for listing alerts. `state`: "open" (raised, not resolved: the queue, most urgent first, then
/// the calls that want an operator now before the others, then oldest first), "untaken" (the calls that
/// want an operator now: not acknowledged, or on hold with the call-back time come; same order),
/// "acknowledged" (same order), "resolved" or "all" (newest first, cleared notices included).
struct alert_query {
    std::string state = "open";
    std::optional<std::string> hub;
    std::optional<std::string>
        text;  ///< case-insensitive substring of id, hub, type, text, location, note...
    int limit = 200;
    alert_kind kind = alert_kind::all;
    std::optional<std::string> type;
    std::optional<priority> prio;
    /// The time call-backs are due against (a held call whose held_until has come wants an operator).
    time_point now{};
    /// Only alerts of hubs in households on this team's caseload (a care user's view), applied before
    /// `limit`.
    std::optional<std::string> team;
};

/// One home's part of the queue (GET /api/queue): the raised, unresolved alerts of one hub that a query
/// selects, however many it sent.
struct queue_group {
    std::string hub;
    stored_alert top;  ///< the most urgent, in the queue's order
    std::int64_t count = 0;
    std::int64_t untaken = 0;                  ///< of them, wanting an operator now
    std::int64_t critical_untaken = 0;         ///< of those, critical
    std::optional<time_point> oldest_untaken;  ///< received_at of the oldest untaken
    std::optional<time_point> next_callback;   ///< the earliest call-back time of its held calls
    bool operator==(const queue_group&) const = default;
};

/// What an action on several alerts did: each id done, or skipped (not found, of another hub, or in no
/// state for it) with the reason.
struct group_result {
    std::vector<std::string> done;
    std::vector<std::pair<std::string, std::string>> skipped;
};

struct user_record {
    std::string name;
    std::string role;
    std::string password_hash;  ///< libsodium crypto_pwhash_str (argon2id)
    time_point created{};
    bool disabled = false;  ///< a disabled user cannot log in and has no sessions
};

/// A login session. Only a hash of the token is stored.
struct session_record {
    std::string token_hash;
    std::string user;
    std::string role;  ///< filled in by find_session from the user's row
    std::string csrf;
    time_point created{};
    time_point last_seen{};
    time_point expires{};
};

struct audit_entry {
    std::int64_t id = 0;
    time_point at{};
    std::string user;
    std::string action;
    std::string target;
    std::string detail;
};

/// The outcome of an operator action on an alert.
enum class change_result { ok, not_found, conflict };

/// One raised alert's receipt and (if any) answer, for time-to-answer figures. The answer is the
/// acknowledgement, or an operator's resolution when the alert was resolved without one.
struct answer_time {
    std::string priority;
    time_point received_at{};
    std::optional<time_point> acknowledged_at;
};

/// Count of raised alerts by status and priority (for /metrics).
struct alert_count {
    alert_status status = alert_status::open;
    priority prio = priority::normal;
    std::int64_t count = 0;
};

// The storage interfaces, one per concern, so a backend (SQLite today, PostgreSQL later) implements
// each one and runs the same tests (tests/unit/centre_store_test.cpp). See the file comment for thread
// rules and errors.

/// Alerts: ingest from hubs, the operators' workflow, supervision's centre-side alerts, and reads.
class alert_store {
public:
    virtual ~alert_store() = default;

    // --- ingest (one transaction per call) ---
    /// Stores a batch; returns what happened to each alert, in order. An id already stored with the same
    /// content is a resend (not stored again); with different content (and batch.keep_reused_ids) the
    /// alert is stored under `<id>.r<n>`, keeping its hub and seq, with an `id_reused` history entry.
    /// A `cleared` alert is stored as its own row (status resolved, never in the queue) and sets
    /// cleared_at on the raised alert it names (of the same hub; where that id was reused, the newest
    /// alert stored under it). Hubs mentioned are created on first sight, and the batch's heartbeats and
    /// statuses update them, in the same transaction.
    virtual std::vector<ingest_result> ingest(const ingest_batch& batch) = 0;

    // --- operators (each writes the alert, its history and the audit in one transaction) ---
    virtual change_result acknowledge(const std::string& id, const std::string& user, time_point now) = 0;
    virtual change_result resolve(const std::string& id, const std::string& user, const std::string& outcome,
                                  const std::string& note, time_point now) = 0;
    /// A resolved alert back into the queue (status open; resolution fields kept in history only).
    virtual change_result reopen(const std::string& id, const std::string& user, time_point now) = 0;
    /// Acknowledges, then resolves, the listed alerts of `hub` in one transaction: each alert still gets
    /// its own history and audit rows (detail says it was done with its home's group). Resolving an
    /// open alert acknowledges it first. Alerts not of `hub` or already past the step are skipped.
    virtual group_result acknowledge_group(const std::string& hub, const std::vector<std::string>& ids,
                                           const std::string& user, time_point now) = 0;
    virtual group_result resolve_group(const std::string& hub, const std::vector<std::string>& ids,
                                       const std::string& user, const std::string& outcome,
                                       const std::string& note, time_point now) = 0;
    /// A note on an alert in any state (history "note", audited).
    virtual change_result add_note(const std::string& id, const std::string& user, const std::string& note,
                                   time_point now) = 0;
    /// Puts an unresolved alert on hold until `until` (acknowledging it if open; history "held",
    /// audited); conflict if resolved.
    virtual change_result hold(const std::string& id, const std::string& user, time_point until,
                               const std::string& note, time_point now) = 0;
    /// Escalates an unresolved alert to a supervisor (history "supervisor", audited); conflict if
    /// resolved or escalated already.
    virtual change_result refer_to_supervisor(const std::string& id, const std::string& user,
                                              const std::string& reason, time_point now) = 0;
    /// What an operator records during a call, in any state: `action` is "responder" (a care circle
    /// member's outcome: "Name: on the way") or "step" (a procedure step done: "2. Call 999"); written
    /// to the alert's history and the audit in one transaction.
    virtual change_result add_call_entry(const std::string& id, const std::string& user,
                                         const std::string& action, const std::string& detail,
                                         time_point now) = 0;

    // --- supervision ---
    /// Marks the condition ended (cleared_at, history). If `auto_resolve_outcome` is given and nobody
    /// has acknowledged the alert yet, it is also resolved by `user` with that outcome.
    virtual change_result clear(const std::string& id, const std::string& user, const std::string& detail,
                                const std::optional<std::string>& auto_resolve_outcome, time_point now) = 0;
    /// Raises the priority of an unresolved alert (history "escalated").
    virtual change_result escalate(const std::string& id, priority to, const std::string& detail,
                                   time_point now) = 0;
    /// The newest raised alert of `type` for `hub` whose condition has not cleared.
    virtual std::optional<stored_alert> uncleared_alert(const std::string& hub, const std::string& type) = 0;
    /// How many raised alerts of `type` the hub has had (to number centre-side alerts).
    virtual std::int64_t count_alerts(const std::string& hub, const std::string& type) = 0;

    // --- reads ---
    virtual std::optional<stored_alert> get_alert(const std::string& id) = 0;
    virtual std::vector<history_entry> history(const std::string& id) = 0;
    virtual std::vector<stored_alert> list_alerts(const alert_query& q) = 0;
    /// The alerts folded into a flood alert, newest first, at most `limit`.
    virtual std::vector<stored_alert> folded_alerts(const std::string& flood_id, int limit) = 0;
    /// One group per hub of the "open" alerts `q` selects (q.state ignored), most urgent group first
    /// (by its top alert), at most q.limit groups. A hub sending thousands of alerts is one group, so
    /// every other home's most urgent call is always in the answer.
    virtual std::vector<queue_group> queue_groups(const alert_query& q) = 0;
};

/// Hubs as the centre knows them (created and updated by alert_store::ingest).
class hub_store {
public:
    virtual ~hub_store() = default;
    /// Supervision's verdict.
    virtual void set_hub_online(const std::string& hub, bool online) = 0;
    virtual std::vector<hub_record> list_hubs() = 0;
    virtual std::optional<hub_record> get_hub(const std::string& id) = 0;
    /// An admin disables (or enables again) a hub, audited (user `by`, action `hub_disable` or
    /// `hub_enable`) in the same transaction. not_found: no such hub; conflict: it already is.
    virtual change_result set_hub_disabled(const std::string& hub, bool disabled, const std::string& by,
                                           time_point now) = 0;
    /// The ids of the disabled hubs.
    virtual std::vector<std::string> disabled_hubs() = 0;
};

/// Operators' accounts and their login sessions.
class user_store {
public:
    virtual ~user_store() = default;
    /// False if the name is taken.
    virtual bool add_user(const user_record& u) = 0;
    virtual std::optional<user_record> find_user(const std::string& name) = 0;
    /// Every user, by name, without password hashes.
    virtual std::vector<user_record> list_users() = 0;
    /// An admin's changes to a user. Each one, in one transaction, changes the user's row, ends every
    /// session of the user, and writes the audit (user `by`, actions `user_role`, `user_password`,
    /// `user_disable`, `user_enable`). not_found: no such user; conflict: it would leave no enabled
    /// admin (the last admin cannot be demoted or disabled).
    virtual change_result set_user_role(const std::string& name, const std::string& role,
                                        const std::string& by, time_point now) = 0;
    virtual change_result set_user_password(const std::string& name, const std::string& password_hash,
                                            const std::string& by, time_point now) = 0;
    virtual change_result set_user_disabled(const std::string& name, bool disabled, const std::string& by,
                                            time_point now) = 0;
    virtual void add_session(const session_record& s) = 0;
    /// The session with this token hash if it has not expired at `now` and its user is not disabled.
    virtual std::optional<session_record> find_session(const std::string& token_hash, time_point now) = 0;
    virtual void touch_session(const std::string& token_hash, time_point now, time_point expires) = 0;
    virtual void delete_session(const std::string& token_hash) = 0;
};

/// The audit trail of operators' and admins' actions (the alert and user changes above write theirs
/// in their own transaction).
class audit_store {
public:
    virtual ~audit_store() = default;
    virtual void audit(const std::string& user, const std::string& action, const std::string& target,
                       const std::string& detail, time_point now) = 0;
    /// Newest first.
    virtual std::vector<audit_entry> list_audit(int limit) = 0;
};

/// One shift's hand-over note for the next.
struct handover_note {
    std::int64_t id = 0;
    time_point at{};
    std::string user;
    std::string note;
    bool operator==(const handover_note&) const = default;
};

/// Shift hand-over notes (shown to the next shift at login).
class shift_store {
public:
    virtual ~shift_store() = default;
    /// Stores a note (and its audit row, action "handover") in one transaction; answers its id.
    virtual std::int64_t add_handover(const std::string& user, const std::string& note, time_point now) = 0;
    /// Newest first, at most `limit`.
    virtual std::vector<handover_note> handovers(int limit) = 0;
};

/// Figures for /metrics and the console.
class stats_store {
public:
    virtual ~stats_store() = default;
    /// Raised alerts received at or after `since` that an operator must answer: not `low` priority
    /// (test alarms), and not resolved by `system` without an acknowledgement (a hub_offline that
    /// cleared by itself before anyone answered). Oldest first.
    virtual std::vector<answer_time> answer_times(time_point since) = 0;
    virtual std::vector<alert_count> alert_counts() = 0;
};

/// The whole centre's storage: one object providing every interface above, which ingest, supervision
/// and the HTTP server take. A backend implements this (see sqlite_store.hpp).
class store : public alert_store,
              public hub_store,
              public user_store,
              public audit_store,
              public stats_store,
              public shift_store,
              public records_store,
              public activity_store {
public:
    /// True if the database answers a trivial query.
    virtual bool healthy() noexcept = 0;
};

}  // namespace warden::centre
