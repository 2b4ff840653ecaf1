#pragma once
/// The hub's commit path: the pending batch (event log rows, rule state, alerts, sent and delivered
/// marks), its group commit to the store, and storage faults. A failed commit keeps the batch and
/// retries it with backoff, raises storage_fault, and from the second failure on sends the batch's
/// alerts from memory (seq numbers from an in-memory counter) while the event log gives way.
///
/// Thread rules: construct, call and destroy on the io_context's thread; its handlers and the hooks
/// run there. A hook may add to the batch (add(), engine_changed()) but must not flush.

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <asio/io_context.hpp>
#include <asio/steady_timer.hpp>
#include <nlohmann/json.hpp>

#include "warden/hub/store.hpp"

namespace spdlog {
class logger;
}

namespace warden::hub {

/// A time as SPEC's ISO 8601 text, or JSON null when there is none (status answers).
nlohmann::json iso_or_null(const std::optional<time_point>& t);

class commit_path {
public:
    /// What the commit path asks of the hub.
    struct hooks {
        /// The rule state to save (the engine's, with the router's levels), serialised.
        std::function<std::string()> rule_state;
        /// The alert ids published since the last call (uplink::take_sent).
        std::function<std::vector<std::string>()> take_sent;
        /// A commit succeeded; `added` are its new outbox rows in seq order (may be empty): send them.
        std::function<void(const std::vector<outbox_entry>& added)> committed;
        /// Alerts sent from memory because commits keep failing: send them.
        std::function<void(const std::vector<outbox_entry>& rows)> unstored;
        /// Raise (true) or clear (false) the technical alert `type` (storage_fault).
        std::function<void(const char* type, bool raised, const char* text)> technical;
        /// Something the hub's state document shows changed (outbox, storage).
        std::function<void()> changed;
        /// A commit stored these activity hours (hour order): send them. May be empty (not set).
        std::function<void(const std::vector<activity_row>& rows)> activity_committed;
    };

    /// `read_only`, when set, is asked before every commit (fault injection, see hub_options).
    commit_path(asio::io_context& io, store& st, std::string hub_id, std::shared_ptr<spdlog::logger> log,
                std::function<bool()> read_only, hooks h);
    commit_path(const commit_path&) = delete;
    commit_path& operator=(const commit_path&) = delete;

    /// A message from the home broker: counts toward the batch size, and its event log row (if
    /// `logged`) joins the batch unless writes keep failing.
    void add_message(time_point at, const std::string& topic, const std::string& payload, bool logged);
    /// Adds an alert to the batch; returns its index in the batch (and in the commit's `added`).
    std::size_t add(new_alert n);
    /// The centre acknowledged this alert: its delivered mark goes in the next commit, which is not
    /// brought forward for it (a lost mark only means one more resend, which the centre acks again):
    /// the next group commit carries it, or, if no other input comes, one within `marks_delay`.
    void delivered(std::string id);
    /// Finished activity hours: stored with the next commit (with the rule state that finished them),
    /// then handed to hooks::activity_committed. They wait for the disk: none is sent from memory.
    void add_activity(activity_row row) { pending_.activity.push_back(std::move(row)); }
    /// The centre acknowledged an activity hour; its mark rides on the next commit like delivered().
    void activity_delivered(time_point hour);
    /// The rule state may have changed: the next flush saves it if it differs from the last saved.
    void engine_changed() { engine_dirty_ = true; }
    /// The rule state as last committed (read from the store at start).
    void set_saved_state(std::string s) { saved_state_ = std::move(s); }
    /// The seq the next alert sent from memory gets (the store's next_seq at start).
    void set_next_seq(std::uint64_t seq) { next_seq_ = seq; }

    /// A flush is due: now if the batch is full, else posted behind what is queued; while the retry
    /// timer is armed it flushes instead (and alerts go from memory if writes keep failing).
    void schedule();
    /// Commits the batch now.
    void flush();
    /// The hub is stopping: the retry timer is cancelled. Then commit_final().
    void stop();
    /// The last commit at shutdown (up to three attempts); returns the outbox rows it added.
    std::vector<outbox_entry> commit_final();

    /// Undelivered alerts: the stored outbox (its last readable count) and the batch's alerts.
    std::uint64_t outbox_count();
    /// The `storage` object of the state and heartbeat documents.
    nlohmann::json storage_json() const;

private:
    void failed(batch b, const store_error& e);
    void arm_marks();
    void send_unstored();

    asio::io_context& io_;
    store& store_;
    std::string hub_id_;
    std::shared_ptr<spdlog::logger> log_;
    std::function<bool()> read_only_;
    hooks hooks_;
    asio::steady_timer retry_timer_;
    asio::steady_timer marks_timer_;  ///< commits delivered marks when nothing else does
    bool marks_armed_ = false;

    batch pending_;
    std::size_t pending_messages_ = 0;
    bool engine_dirty_ = false;
    std::string saved_state_;  ///< the engine state as last committed
    bool flush_posted_ = false;
    bool stopping_ = false;

    // Storage faults: the batch is kept and retried with backoff; the event log gives way to alerts.
    bool storage_fault_ = false;
    bool retry_armed_ = false;
    int failures_ = 0;
    std::string storage_error_;                ///< the last commit error while failing
    std::optional<time_point> storage_since_;  ///< when the current fault began
    std::uint64_t events_not_logged_ = 0;      ///< event log rows given up to storage faults (this run)
    /// The seq the next alert gets: follows the store, and runs ahead of it while alerts are sent
    /// from memory because commits fail.
    std::uint64_t next_seq_ = 1;
    /// Open conditions raised by alerts sent from memory and not yet stored (key -> alert id).
    std::map<std::string, std::string> unstored_conditions_;
    std::uint64_t last_outbox_ = 0;  ///< the stored outbox count last read
};

}  // namespace warden::hub
