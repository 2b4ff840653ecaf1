#pragma once
/// The centre's side of SIA DC-09 (SPEC 4, SPEC 5 [dc09]): listens on TCP and/or UDP, reads frames,
/// checks the account (known accounts map to a hub and a key), decrypts, checks the timestamp and
/// replies:
///   ACK (`*ACK` when the frame was encrypted) once the event handler has taken the event,
///   NAK with the receiver's own timestamp when the frame's timestamp is further off than
///       max_clock_skew, or the frame arrived corrupted (bad CRC / length): the sender resends,
///   DUH for what cannot be handled: unknown account, wrong or missing encryption, unknown message
///       id, unreadable data. The sender does not repeat it.
/// Over UDP only the first frame of a datagram is read, and a reply larger than the datagram is not
/// sent (the source address is unverified: no reflection amplification).
/// Garbage between frames is skipped, oversized input is discarded, silent TCP clients are closed
/// after idle_timeout, a frame must arrive whole within frame_deadline, and the number of TCP
/// clients is capped, in all and per source address (docs/dc09.md, "Limits").

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>

#include <asio/io_context.hpp>

#include "warden/common/time.hpp"
#include "warden/config/centre_config.hpp"
#include "warden/dc09/codec.hpp"
#include "warden/dc09/codes.hpp"

namespace spdlog {
class logger;
}

namespace warden::dc09 {

/// One event frame (SIA-DCS or ADM-CID) received and understood.
struct received_event {
    std::string account;                  ///< DC-09 account
    std::string hub;                      ///< the hub configured for that account
    unsigned seq = 0;                     ///< the frame's sequence number
    frame_id format = frame_id::sia_dcs;  ///< SIA-DCS or ADM-CID
    std::string code;                     ///< SIA code ("QA"); for ADM-CID the SIA equivalent
    int contact_id = 0;                   ///< Contact ID event (ADM-CID), or the equivalent of the SIA code
    unsigned zone = 0;                    ///< Warden hubs: sensor index in the hub config + 1; 0 = the hub
    unsigned area = 0;
    std::optional<time_point> timestamp;  ///< the sender's timestamp (UTC), if the frame has one
    time_point received_at{};
    std::string data;  ///< the decrypted data block, e.g. "#1234|Nri1/QA001"
    bool encrypted = false;
    std::string transport;  ///< "tcp" or "udp"
    std::string peer;       ///< "address:port" of the sender
    /// "dc09-<account>-<seq>-<timestamp as epoch seconds>": the same for resends of one frame,
    /// different for a new frame, so the centre can store each event once.
    std::string key;
    event_meaning meaning;  ///< Warden type, raised/cleared, priority, text
};

/// How a receiver works; `spec` is the centre's [dc09] section.
struct receiver_options {
    config::dc09_receiver_spec spec;  ///< listen "host:port" (port 0: any), transport tcp|udp|both
    std::string receiver = "0";       ///< our R number, used in NAKs to frames that have none
    std::string line = "0";           ///< our L number, likewise
    /// A TCP client silent this long is closed. Longer than twice the hubs' default supervision
    /// (300 s), so a healthy hub keeps its connection.
    milliseconds idle_timeout{660'000};
    std::size_t max_clients = 512;  ///< TCP clients beyond this are refused
    /// At most this many TCP clients from one source address; more are accepted and closed at once,
    /// so one host cannot take all max_clients places. Hubs behind one NAT share an address: raise it.
    std::size_t max_clients_per_address = 16;
    /// A frame must arrive whole within this time of its first byte (the first byte after the
    /// previous frame, garbage included), or the client is closed: trickling one byte at a time
    /// does not keep a connection alive. Between frames, idle_timeout applies.
    milliseconds frame_deadline{10'000};
    /// Per-frame and per-client warnings (ignored frame, NAK, DUH, refused client, ...) are logged at
    /// most this many times a second for each reason (by `clock`); the next line after a held-back
    /// run says how many were held back ("suppressed=K"). The counters in stats() count them all.
    std::size_t log_lines_per_second = 5;
    std::size_t max_frame = 4106;       ///< bytes; longer input is discarded
    std::function<time_point()> clock;  ///< wall clock for skew checks and NAK/ACK timestamps
};

/// Counters for metrics and logs.
struct receiver_stats {
    std::uint64_t frames = 0, events = 0, links = 0, acks = 0, naks = 0, duhs = 0, duplicates = 0;
    std::uint64_t garbage_bytes = 0, refused_clients = 0, timed_out_clients = 0;
    std::uint64_t withheld_replies = 0;  ///< UDP replies not sent: larger than the datagram
    std::size_t clients = 0;
};

/// Thread rules: construct, call and destroy on the io_context's thread; handlers run there.
class receiver {
public:
    /// Takes one event. Return true once it is safely stored: the frame is then ACKed. Return false
    /// to leave the frame unanswered, so the sender resends it later (e.g. the store is failing).
    /// A resend of a frame already taken (same key, within the last 4096 frames) is ACKed again
    /// without calling the handler.
    using event_handler = std::function<bool(const received_event& e)>;
    /// A NULL link test from a known account (the hub's DC-09 path is alive).
    using link_handler = std::function<void(const std::string& account, const std::string& hub)>;

    /// Throws std::invalid_argument for a bad listen address, transport or account key length.
    /// `log` null: spdlog's default logger.
    receiver(asio::io_context& io, receiver_options opts, std::shared_ptr<spdlog::logger> log = nullptr);
    /// Closes every socket.
    ~receiver();
    receiver(const receiver&) = delete;
    receiver& operator=(const receiver&) = delete;

    void on_event(event_handler h);
    void on_link_test(link_handler h);

    /// Binds and starts accepting. Throws std::system_error if the address cannot be bound.
    void start();
    /// Closes the listeners and every client connection.
    void stop();

    /// The bound ports (useful with port 0); 0 when not listening on that transport.
    unsigned short tcp_port() const noexcept;
    unsigned short udp_port() const noexcept;
    receiver_stats stats() const noexcept;

    struct impl;

private:
    std::shared_ptr<impl> impl_;
};

/// What a receiver does with one frame (pure; the receiver's sockets call it): the event, if any,
/// and the reply bytes (empty: no reply). Exposed for tests and tools.
struct frame_outcome {
    std::optional<received_event> event;  ///< an event to hand to the centre
    bool link_test = false;               ///< a NULL frame from a known account
    std::string account, hub;             ///< when known
    frame_id reply = frame_id::ack;       ///< ACK, NAK or DUH (meaningless when reply_bytes is empty)
    std::string reply_bytes;              ///< the encoded reply (ACK before the handler agreed)
    std::string error;                    ///< why it was NAKed / DUHed / ignored, for the log
};
/// Reads one frame (LF..CR) against the configured accounts at time `now`.
frame_outcome handle_frame(std::string_view text, const receiver_options& opts, time_point now);

}  // namespace warden::dc09
