#pragma once
/// The hub's side of SIA DC-09 (SPEC 4): sends alerts as DC-09 event frames to an alarm receiving
/// centre over TCP or UDP and waits for each reply, one frame at a time, in order.
///
/// - ACK (`*ACK` when encrypted; a plain ACK is refused for an encrypted account): the alert is
///   delivered; the result handler is called with `acked = true`.
/// - NAK: the receiver rejected our timestamp. The clock offset is corrected from the NAK's timestamp
///   and the frame is resent at once with the same seq (at most `max_naks` times, then it fails).
/// - DUH: the receiver cannot handle the frame; it is not repeated, the result handler reports failure.
/// - No reply within `reply_timeout`: resent with the same seq (TCP: on a new connection).
/// - The connection is re-established forever with exponential backoff; nothing queued is lost.
/// - NULL link tests every `supervision` of silence, and one at start over UDP.

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
    int max_naks = 5;                    ///< NAKs in a row for one frame before it is reported failed
    std::size_t max_queue = 10'000;      ///< alerts waiting beyond this: the oldest is reported failed
    unsigned first_seq = 1;              ///< seq of the first frame (1-9999)
    std::function<time_point()> clock;   ///< wall clock for frame timestamps; empty = system clock
};

/// Options from a hub config: its [dc09] section and its sensors in order (zones). Throws
/// std::invalid_argument if the config has no [dc09] section.
sender_options make_sender_options(const config::hub_config& cfg);

/// The outcome for one alert.
struct delivery {
    bool acked = false;
    std::string reason;               ///< when not acked: "DUH", "NAK", "queue full"
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
