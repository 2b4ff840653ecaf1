#pragma once
/// The hub's side of SIA DC-09 (SPEC 4): sends alerts as DC-09 event frames to an alarm receiving
/// centre over TCP or UDP and waits for each reply, one frame at a time, in order.
///
/// - ACK (`*ACK` when encrypted): the alert is delivered; the result handler gets `acked = true`.
///   Encrypted ACKs are read in the standard's form and in the forms real receivers send (see
///   codec.hpp, open_frame).
/// - NAK: the receiver rejected our timestamp. The clock offset is corrected from the NAK's timestamp
///   and the frame is resent at once with the same seq.
/// - An unreadable reply (wrong key, unknown layout) or a plain ACK for an encrypted account: resent
///   at once with the same seq.
/// - No reply within `reply_timeout`: resent with the same seq (TCP: on a new connection).
/// - A frame sent `max_attempts` times without an ACK is given up: the result handler reports it
///   failed (`reason` says what the last answer was) and the frames behind it go out, so one frame a
///   receiver cannot digest never holds the alarms queued after it.
/// - DUH: the receiver cannot handle the frame; it is not repeated, the result handler reports failure.
/// - The connection is re-established forever with exponential backoff; an alert waits in the queue
///   while no connection can be made (it is only sent, and so only given up, over a working link).
/// - NULL link tests every `supervision` of silence, and one at start over UDP; a NULL is never
///   repeated, whatever the answer.

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <asio/io_context.hpp>

#include "warden/common/alert.hpp"
#include "warden/common/time.hpp"
#include "warden/config/hub_config.hpp"

namespace spdlog {
class logger;
}

namespace warden::dc09 {

/// How a sender works; `spec` is the hub's [dc09] section.
struct sender_options {
    config::dc09_spec spec;
    std::vector<std::string> sensors;    ///< sensor ids in config order: zone = index + 1 (see zone_for)
    milliseconds reply_timeout{10'000};  ///< no reply this long: resend (SIA DC-09 asks for 5-60 s)
    milliseconds backoff_min{1'000};     ///< first reconnect delay; doubles on each failure ...
    milliseconds backoff_max{60'000};    ///< ... up to this
    int max_attempts =
        5;  ///< sends of one frame without an ACK (NAK, unreadable or no reply) before it fails
    std::size_t max_queue = 10'000;     ///< alerts waiting beyond this: the oldest is reported failed
    unsigned first_seq = 1;             ///< seq of the first frame (1-9999)
    std::function<time_point()> clock;  ///< wall clock for frame timestamps; empty = system clock
};

/// Options from a hub config: its [dc09] section and its sensors in order (zones). Throws
/// std::invalid_argument if the config has no [dc09] section.
sender_options make_sender_options(const config::hub_config& cfg);

/// The outcome for one alert. An alert that is not acked did not reach the receiver over DC-09 and
/// will not be sent again by this sender: a technical fault of the DC-09 path for the hub to raise.
struct delivery {
    bool acked = false;
    /// When not acked, what the receiver last did: "DUH", "NAK", "unreadable reply", "plain ACK"
    /// (refused for an encrypted account), "no reply" (after max_attempts sends), or "queue full",
    /// "encode" (never sent).
    std::string reason;
    std::string detail;               ///< for the log and the alert text, e.g. the codec's error
    int attempts = 0;                 ///< frames sent for it (1 = first try)
    std::optional<milliseconds> rtt;  ///< first send to ACK
};

/// A snapshot for status displays (hub state, warden-ctl status).
struct sender_state {
    bool connected = false;           ///< TCP: connected; UDP: the last frame was answered
    std::optional<time_point> since;  ///< when `connected` last changed
    std::optional<time_point> last_ack;
    std::size_t queue = 0;         ///< alerts waiting or in flight
    milliseconds clock_offset{0};  ///< added to our clock, learnt from NAKs
    std::uint64_t acked = 0, failed = 0, naks = 0, resends = 0;
};

/// Thread rules: construct, call and destroy on the io_context's thread; handlers run there.
class sender {
public:
    /// Called once per alert id given to send(): acked, or failed for good.
    using result_handler = std::function<void(const std::string& alert_id, const delivery& d)>;
    /// Called when `state().connected` changes.
    using connection_handler = std::function<void(bool connected)>;

    /// Throws std::invalid_argument for an unusable spec (format, key length, account, port).
    /// `log` null: spdlog's default logger.
    sender(asio::io_context& io, sender_options opts, std::shared_ptr<spdlog::logger> log = nullptr);
    /// Closes the socket and cancels timers; undelivered alerts are dropped without a result.
    ~sender();
    sender(const sender&) = delete;
    sender& operator=(const sender&) = delete;

    void on_result(result_handler h);
    void on_connection(connection_handler h);

    /// Starts connecting (and reconnecting forever) and the supervision timer.
    void start();
    /// Stops: closes the socket, cancels timers. Queued alerts stay queued for a later start().
    void stop();

    /// Queues an alert (frame built now: code, zone). An id already queued is ignored (returns false).
    bool send(const alert& a);
    /// True while the alert is queued or in flight.
    bool pending(const std::string& alert_id) const;
    sender_state state() const;

    struct impl;

private:
    std::shared_ptr<impl> impl_;
};

}  // namespace warden::dc09
