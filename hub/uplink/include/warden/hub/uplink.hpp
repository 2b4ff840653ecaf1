#pragma once
/// The hub's native uplink (SPEC 3): publishes committed outbox rows QoS 1 to
/// warden/v1/<hub>/alert in seq order, takes acks from warden/v1/<hub>/ack, resends what is not acked
/// after ack_timeout with exponential backoff (the same id and bytes), publishes the heartbeat and the
/// retained status with its last will, and hands centre commands to the hub. Activity summaries
/// (docs/activity.md) go the same way on warden/v1/<hub>/activity, in hour order, after every alert
/// waiting to be sent, and are acked by hour.
///
/// Batches: a centre whose acks carry `"batch": N` takes up to N alerts in one message on
/// warden/v1/<hub>/alerts (a JSON array of the stored alert bytes, unchanged, in seq order). Once such
/// an ack has come on the current connection, the alerts waiting to be published go in batches; one
/// alone still goes on warden/v1/<hub>/alert. Acks stay per id, so a batch is acked, resent and
/// de-duplicated alert by alert. If an alert sent in a batch is due for a resend, the hub goes back to
/// single alerts until an ack names an alert that went in a batch, or it reconnects: a broker whose
/// ACL lacks the batch topic drops batches without a word, and delivery must not depend on it.

#include <chrono>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <asio/io_context.hpp>
#include <asio/steady_timer.hpp>
#include <nlohmann/json_fwd.hpp>

#include "warden/common/time.hpp"
#include "warden/config/hub_config.hpp"
#include "warden/hub/store.hpp"
#include "warden/mqtt/session.hpp"

namespace spdlog {
class logger;
}

namespace warden::hub {

struct uplink_options {
    std::string hub_id;
    config::broker_spec broker;
    milliseconds ack_timeout{10'000};
    milliseconds max_backoff{5 * 60'000};  ///< cap of the resend backoff
    milliseconds heartbeat{60'000};
    std::size_t window = 512;          ///< at most this many alerts published and not yet acked
    std::size_t activity_window = 24;  ///< at most this many activity hours published and not yet acked
    /// At most this many alerts in one batch on warden/v1/<hub>/alerts (and never more than the centre
    /// says it takes); 1 sends every alert on its own.
    std::size_t max_batch = 256;
};

/// Thread rules: construct, call and destroy on the io_context's thread. Handlers run there too.
class uplink {
public:
    /// An alert the centre acked; `rtt` from its first publish by this process, if it was one.
    using ack_handler = std::function<void(const std::string& id, std::optional<milliseconds> rtt)>;
    /// A message on warden/v1/<hub>/command, parsed; malformed ones are logged and dropped.
    using command_handler = std::function<void(const std::string& payload)>;
    using connection_handler = std::function<void(bool connected)>;
    /// An activity hour (its start) the centre acked.
    using activity_ack_handler = std::function<void(time_point hour)>;
    /// Builds the heartbeat payload when it is due.
    using heartbeat_source = std::function<std::string()>;

    /// `outbox` is read to load undelivered rows (at start and when the window has room); it must
    /// outlive the uplink. Throws std::invalid_argument for an unusable broker URI.
    uplink(asio::io_context& io, uplink_options opts, const store& outbox,
           std::shared_ptr<spdlog::logger> log);
    ~uplink();
    uplink(const uplink&) = delete;
    uplink& operator=(const uplink&) = delete;

    void on_acked(ack_handler h) { on_acked_ = std::move(h); }
    void on_command(command_handler h) { on_command_ = std::move(h); }
    void on_connection(connection_handler h) { on_connection_ = std::move(h); }
    void set_heartbeat_source(heartbeat_source h) { heartbeat_source_ = std::move(h); }
    void on_activity_acked(activity_ack_handler h) { on_activity_acked_ = std::move(h); }

    /// Loads the undelivered outbox and starts connecting (and reconnecting forever).
    void start();
    /// Publishes the retained offline status if connected, waits for the broker to take it (at most
    /// `timeout`, without blocking the io_context), disconnects, then calls `done`.
    void stop(std::function<void()> done, milliseconds timeout = milliseconds{1500});

    /// Rows the store has just committed (seq order): they are published now if the window allows.
    void enqueue(const std::vector<outbox_entry>& rows);

    /// Alerts the store could not write (the hub gave them seq numbers from memory): published now,
    /// ahead of the window limit and of stored rows not yet loaded, and resent like any other until
    /// acked. When they are stored later, enqueue() and the refill recognise them by id.
    void send_unstored(const std::vector<outbox_entry>& rows);

    /// Activity hours the store has just committed (hour order): published when no alert waits to be
    /// published, in hour order, and resent like alerts until the centre acks their hour.
    void enqueue_activity(const std::vector<activity_row>& rows);
    /// Activity hours published or waiting in their window (not yet acked).
    std::size_t activity_in_window() const noexcept { return activity_window_.size(); }

    /// Publishes a message to the centre broker (QoS 1) if connected; for the heartbeat and tools.
    void publish(const std::string& topic_suffix, std::string payload, bool retained = false);

    /// Ids published since the last call, for the store's sent_count / last_sent_ms.
    std::vector<std::string> take_sent();

    bool connected() const noexcept;
    /// When the current connection (or the current outage) began.
    std::optional<time_point> since() const noexcept { return since_; }
    std::optional<time_point> last_ack() const noexcept { return last_ack_; }
    /// Alerts published or waiting in the window (not yet acked).
    std::size_t in_window() const noexcept { return window_.size(); }
    /// Alerts of the window older than `age` since their commit and not acked (DC-09 backup).
    std::vector<outbox_entry> unacked_older_than(milliseconds age) const;

private:
    struct flight {
        outbox_entry entry;
        bool published = false;  ///< on the current connection
        bool batched = false;    ///< last published in a batch
        int attempts = 0;
        std::chrono::steady_clock::time_point due{};  ///< resend if no ack by then
        std::optional<std::chrono::steady_clock::time_point> first_sent;
        std::chrono::steady_clock::time_point queued{};
    };

    struct activity_flight {
        activity_row row;
        bool published = false;
        int attempts = 0;
        std::chrono::steady_clock::time_point due{};
    };

    bool in_window(const std::string& id) const;
    void handle_activity_ack(const nlohmann::json& hours);
    void refill_activity();
    void pump_activity();
    void arm_activity_resend();
    void connected_changed(bool up);
    void message(mqtt::message m);
    void handle_ack(const std::string& payload);
    void refill();
    void pump();
    void arm_resend();
    void arm_heartbeat();
    milliseconds backoff(int attempts) const;
    std::string topic(const char* suffix) const;

    asio::io_context& io_;
    uplink_options opts_;
    const store& outbox_;
    std::shared_ptr<spdlog::logger> log_;
    std::unique_ptr<mqtt::session> session_;
    asio::steady_timer resend_timer_;
    asio::steady_timer heartbeat_timer_;
    asio::steady_timer stop_timer_;
    asio::steady_timer activity_timer_;

    std::deque<flight> window_;
    std::uint64_t loaded_upto_ = 0;  ///< highest seq ever taken into the window
    bool more_in_store_ = true;      ///< undelivered rows above loaded_upto_ may exist
    std::deque<activity_flight> activity_window_;
    std::optional<time_point> activity_loaded_upto_;  ///< latest hour ever taken into the window
    bool more_activity_ = true;                       ///< undelivered hours after it may exist
    std::vector<std::string> sent_;
    std::optional<time_point> since_;
    std::optional<time_point> last_ack_;
    bool started_ = false;
    bool stopping_ = false;
    /// Alerts per batch the centre of the current connection takes (from its acks); 0 until one of its
    /// acks said so: until then, and always with an older centre, each alert goes alone.
    std::size_t batch_ = 0;
    /// A batch went unacked past its timeout on this connection, and no alert sent in a batch has
    /// been acked since: single alerts only.
    bool batches_unacked_ = false;

    ack_handler on_acked_;
    command_handler on_command_;
    connection_handler on_connection_;
    heartbeat_source heartbeat_source_;
    activity_ack_handler on_activity_acked_;
};

}  // namespace warden::hub
