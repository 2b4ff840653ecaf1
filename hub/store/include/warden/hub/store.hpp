#pragma once
/// The hub's durable state in one SQLite file (<data_dir>/hub.db): the outbox of alerts, the open
/// conditions (to fill `clears`), the rule engine's state, the event log of the home broker, and meta.
///
/// Every change is one transaction (see commit()): the events that arrived, the engine state they
/// produced and the alerts they raised are stored together or not at all. WAL, synchronous=FULL.

#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "warden/common/alert.hpp"
#include "warden/common/time.hpp"
#include "warden/sqlite/sqlite.hpp"

namespace warden::hub {

/// One row of the outbox: an alert as committed, with its delivery bookkeeping. Value type.
struct outbox_entry {
    std::uint64_t seq = 0;
    std::string id;
    std::string json;  ///< the exact bytes published, identical on every resend
    time_point created{};
    int sent_count = 0;
    std::optional<time_point> last_sent;
    std::optional<time_point> delivered;
    bool operator==(const outbox_entry&) const = default;
};

/// A message received from the home broker, for the event log (`warden-ctl export`).
struct logged_event {
    time_point at{};
    std::string topic;
    std::string payload;  ///< raw bytes as received
    bool operator==(const logged_event&) const = default;
};

/// One hour's activity summary (docs/activity.md) in the activity outbox. Value type.
struct activity_row {
    time_point hour{};  ///< the hour's start (UTC): its key
    std::string json;   ///< the exact bytes published, identical on every resend
    time_point created{};
    std::optional<time_point> delivered;
    bool operator==(const activity_row&) const = default;
};

/// An alert to store. The store gives it `hub`, `seq` and `id`, and fills `clears` for a cleared
/// alert from the open condition `key` (empty key: no condition bookkeeping, e.g. a test alert).
/// An alert that already has a `seq` (the hub sent it from memory while writes were failing) is stored
/// as it is, with that seq, id and `clears`, so the stored bytes are the ones sent; the next seq is
/// then at least one above it. Such alerts come first in a batch, in seq order.
struct new_alert {
    std::string key;
    warden::alert alert;
};

/// Everything one transaction writes.
struct batch {
    std::vector<logged_event> events;
    std::optional<std::string> engine_state;  ///< engine::save_state() dumped; nullopt: unchanged
    std::vector<new_alert> alerts;
    std::vector<std::string> delivered;  ///< alert ids the centre acknowledged
    std::vector<std::string> sent;       ///< alert ids published since the last batch
    time_point now{};                    ///< delivered_ms / last_sent_ms
    /// Finished activity hours (stored once per hour: a second row for an hour is ignored), and the
    /// hours the centre acknowledged.
    std::vector<activity_row> activity;
    std::vector<time_point> activity_delivered;

    bool empty() const noexcept {
        return events.empty() && !engine_state && alerts.empty() && delivered.empty() && sent.empty() &&
               activity.empty() && activity_delivered.empty();
    }
};

/// What a failed commit reports: nothing of the batch was stored. `code` is SQLite's primary result
/// code (SQLITE_FULL = 13, SQLITE_IOERR = 10, ...).
using store_error = sqlite::error;

/// The outcome of commit(): the outbox rows it added (in seq order), or the error.
struct commit_result {
    std::vector<outbox_entry> added;
    std::optional<store_error> error;
    explicit operator bool() const noexcept { return !error; }
};

struct store_options {
    std::filesystem::path file;  ///< e.g. <data_dir>/hub.db; folders are created
    std::string hub_id;          ///< the alerts' `hub` and id prefix
    /// Fault injection for tests: PRAGMA max_page_count on this connection (tiny = SQLITE_FULL soon).
    std::optional<std::int64_t> max_page_count;
    milliseconds busy_timeout{5000};
    /// Opens an existing file for reading only (warden-ctl export, while the hub runs): no folders
    /// made, no pragmas set, no migrations; the file must have this build's schema. Every write
    /// returns SQLITE_READONLY.
    bool read_only = false;
};

/// Thread rules: one thread uses a store (the hub's io_context). Open/migrate errors throw
/// std::runtime_error at construction (also for a read-only open of a missing file or another schema);
/// afterwards every call returns a result and never throws except std::bad_alloc.
class store {
public:
    /// Opens (creating if needed) the database and applies the migrations (PRAGMA user_version).
    explicit store(store_options opts);
    ~store();
    store(const store&) = delete;
    store& operator=(const store&) = delete;

    /// The schema version this build migrates to.
    static int schema_version() noexcept;

    /// Writes a batch in one transaction: event log rows, engine state, new outbox rows (with new seq
    /// numbers, never reused, and `clears` filled from open conditions), delivered/sent marks.
    /// On failure nothing is written, no seq is consumed, and the error is returned.
    commit_result commit(const batch& b);

    /// The undelivered outbox rows with seq > after_seq, oldest first, at most `limit`.
    std::vector<outbox_entry> undelivered(std::uint64_t after_seq = 0, std::size_t limit = 1000) const;
    /// How many outbox rows are not delivered yet; nullopt if the database cannot be read.
    std::optional<std::uint64_t> undelivered_count() const;
    /// One outbox row by alert id.
    std::optional<outbox_entry> find(const std::string& id) const;
    /// The seq the next alert will get.
    std::uint64_t next_seq() const;

    /// Seq numbers are reserved in blocks of this many, so that a crash never reuses one.
    static constexpr std::uint64_t seq_block = 10'000;
    /// Begins a run of the hub (at start-up) and returns the seq its next alert gets. While writes
    /// fail, the hub sends alerts from memory with seqs from its in-memory counter that never reach
    /// the disk; if it is then killed, the next run must not hand them out again. So every run keeps
    /// a reserve on disk (seqs below it may have been used), moved on in whole blocks as commits
    /// approach it, and a run that began but never reached end_run() is followed by one that starts
    /// at that reserve. A clean stop leaves no gap. If the database cannot be written, next_seq().
    std::uint64_t begin_run();
    /// Ends the run cleanly: every seq it handed out is in the outbox. Best effort.
    void end_run();

    /// The undelivered activity hours after `after` (all if nullopt), oldest first, at most `limit`.
    std::vector<activity_row> undelivered_activity(std::optional<time_point> after = std::nullopt,
                                                   std::size_t limit = 1000) const;
    /// One activity hour by its start.
    std::optional<activity_row> find_activity(time_point hour) const;

    /// The id of the raised alert of an open condition, if any.
    std::optional<std::string> open_condition(const std::string& key) const;

    /// The last engine state committed, if any.
    std::optional<std::string> engine_state() const;

    /// Calls `each` for the event log rows with at_ms in [from, to), in at_ms order (then as logged),
    /// without loading them all: the log holds days of messages. What `warden-ctl export` writes.
    std::optional<store_error> read_events(time_point from, time_point to,
                                           const std::function<void(const logged_event&)>& each) const;
    /// The same rows collected (for tests); empty if the database cannot be read.
    std::vector<logged_event> events(time_point from, time_point to) const;

    /// Deletes event log rows and delivered outbox rows (alerts and activity hours) older than `before`.
    /// Returns rows deleted or an error.
    std::optional<store_error> prune(time_point before, std::uint64_t* deleted = nullptr);
    /// Deletes the oldest `count` event log rows, to make room for alerts when the disk is full.
    std::optional<store_error> shed_events(std::uint64_t count, std::uint64_t* deleted = nullptr);

    /// Fault injection for tests: changes PRAGMA max_page_count (0: back to SQLite's default maximum).
    void set_max_page_count(std::int64_t pages);
    /// Fault injection for tests: PRAGMA query_only, so every write fails with SQLITE_READONLY as on
    /// an SD card that went read-only (reads still work).
    void set_read_only(bool on);

    const std::filesystem::path& file() const noexcept { return opts_.file; }

    /// The journal mode SQLite put in force at open: "wal" normally; anything else (e.g. "delete" on
    /// a file system without shared memory, "memory" for ":memory:") means rollback journalling,
    /// still durable with synchronous=FULL. The hub logs a warning then.
    const std::string& journal_mode() const noexcept { return journal_mode_; }

private:
    struct statements;
    store_options opts_;
    std::string journal_mode_;
    bool read_only_ = false;
    std::uint64_t reserved_ = 0;  ///< every seq handed out is below this (0: no run begun)
    // Declared before st_: the statements are finalized before the connection closes.
    sqlite::database db_;
    std::unique_ptr<statements> st_;
};

/// SQLite's default PRAGMA max_page_count.
inline constexpr std::int64_t default_max_page_count = 1073741823;

}  // namespace warden::hub
