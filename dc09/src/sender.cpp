#include "warden/dc09/sender.hpp"

#include <algorithm>
#include <array>
#include <deque>
#include <stdexcept>

#include <fmt/format.h>
#include <spdlog/spdlog.h>
#include <asio/connect.hpp>
#include <asio/ip/tcp.hpp>
#include <asio/ip/udp.hpp>
#include <asio/steady_timer.hpp>
#include <asio/write.hpp>

#include "warden/dc09/codec.hpp"
#include "warden/dc09/codes.hpp"

namespace warden::dc09 {

namespace {
using steady = std::chrono::steady_clock;

bool hex_string(std::string_view s) {
    return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) {
        return (c >= '0' && c <= '9') || (c >= 'A' && c <= 'F') || (c >= 'a' && c <= 'f');
    });
}
}  // namespace

struct sender::impl : std::enable_shared_from_this<impl> {
    /// One frame to deliver: an alert, or a NULL link test (empty alert_id).
    struct item {
        std::string alert_id;
        frame_id id = frame_id::sia_dcs;
        std::string data;
        unsigned seq = 0;                 ///< 0 until first sent; kept on resends
        std::optional<time_point> stamp;  ///< kept on plain resends, renewed after a NAK
        int attempts = 0;
        std::optional<steady::time_point> first_sent;
    };

    impl(asio::io_context& io, sender_options o, std::shared_ptr<spdlog::logger> l)
        : io_(io),
          opts_(std::move(o)),
          log_(l ? std::move(l) : spdlog::default_logger()),
          tcp_(io),
          udp_(io),
          resolver_tcp_(io),
          resolver_udp_(io),
          reply_timer_(io),
          retry_timer_(io),
          supervision_timer_(io) {
        const auto& s = opts_.spec;
        frame_id_for(s.format);  // throws for an unknown format
        if (!s.key.empty() && s.key.size() != 16 && s.key.size() != 24 && s.key.size() != 32)
            throw std::invalid_argument("dc09 key must be 16, 24 or 32 bytes");
        if (!hex_string(s.account) || s.account.size() < 3 || s.account.size() > 16)
            throw std::invalid_argument("dc09 account must be 3-16 hex digits");
        if (!hex_string(s.receiver) || s.receiver.size() > 6 || !hex_string(s.line) || s.line.size() > 6)
            throw std::invalid_argument("dc09 receiver and line must be 1-6 hex digits");
        if (s.port <= 0 || s.port > 65535) throw std::invalid_argument("dc09 port out of range");
        if (s.transport != "tcp" && s.transport != "udp")
            throw std::invalid_argument("dc09 transport must be tcp or udp");
        udp_mode_ = s.transport == "udp";
        next_seq_ = opts_.first_seq >= 1 && opts_.first_seq <= 9999 ? opts_.first_seq : 1;
        if (!opts_.clock) opts_.clock = [] { return now_ms(); };
    }

    time_point now() const { return opts_.clock() + offset_; }

    // ---- queue -------------------------------------------------------------------------------

    bool send(const alert& a) {
        if (pending(a.id)) return false;
        if (queue_.size() >= opts_.max_queue) {
            // Drop the oldest that is not on the wire, so the newest alarm still goes out.
            auto victim = std::find_if(queue_.begin(), queue_.end(),
                                       [&](const item& i) { return !(in_flight_ && &i == &queue_.front()); });
            if (victim != queue_.end()) {
                item dropped = std::move(*victim);
                queue_.erase(victim);
                report(dropped, false, "queue full");
            }
        }
        item it;
        it.alert_id = a.id;
        it.id = frame_id_for(opts_.spec.format);
        it.data = event_data_for(a, opts_.spec.account, opts_.spec.format, zone_for(opts_.sensors, a.sensor));
        // A NULL test that has not gone out yet gives way to the alert.
        if (!in_flight_ && !queue_.empty() && queue_.front().alert_id.empty()) queue_.pop_front();
        queue_.push_back(std::move(it));
        log_->info("dc09 queued alert={} type={} queue={}", a.id, a.type, queue_.size());
        pump();
        return true;
    }

    bool pending(const std::string& id) const {
        return std::any_of(queue_.begin(), queue_.end(), [&](const item& i) { return i.alert_id == id; });
    }

    std::size_t alerts_queued() const {
        return static_cast<std::size_t>(
            std::count_if(queue_.begin(), queue_.end(), [](const item& i) { return !i.alert_id.empty(); }));
    }

    void report(const item& it, bool ok, std::string reason, std::string detail = {}) {
        if (it.alert_id.empty()) return;
        delivery d;
        d.acked = ok;
        d.reason = std::move(reason);
        d.detail = std::move(detail);
        d.attempts = it.attempts;
        if (ok && it.first_sent)
            d.rtt = std::chrono::duration_cast<milliseconds>(steady::now() - *it.first_sent);
        if (ok) {
            ++st_.acked;
            log_->info("dc09 acked alert={} attempts={} rtt_ms={}", it.alert_id, d.attempts,
                       d.rtt ? d.rtt->count() : -1);
        } else {
            ++st_.failed;
            log_->warn("dc09 failed alert={} reason=\"{}\" detail=\"{}\" attempts={}", it.alert_id, d.reason,
                       d.detail, d.attempts);
        }
        if (on_result_) on_result_(it.alert_id, d);
    }

    // ---- link --------------------------------------------------------------------------------

    void start() {
        if (running_) return;
        running_ = true;
        backoff_ = opts_.backoff_min;
        connect();
        arm_supervision();
    }

    void stop() {
        running_ = false;
        ++gen_;
        close_socket();
        reply_timer_.cancel();
        retry_timer_.cancel();
        supervision_timer_.cancel();
        in_flight_ = false;
        writing_ = false;
        set_connected(false);
    }

    void close_socket() {
        asio::error_code ec;
        resolver_tcp_.cancel();
        resolver_udp_.cancel();
        if (tcp_.is_open()) {
            tcp_.shutdown(asio::ip::tcp::socket::shutdown_both, ec);
            tcp_.close(ec);
        }
        if (udp_.is_open()) udp_.close(ec);
        socket_open_ = false;
    }

    void set_connected(bool up) {
        if (up == st_.connected) return;
        st_.connected = up;
        st_.since = opts_.clock();
        log_->info("dc09 link {} host={} port={} transport={}", up ? "up" : "down", opts_.spec.host,
                   opts_.spec.port, opts_.spec.transport);
        if (on_connection_) on_connection_(up);
    }

    void connect() {
        if (!running_) return;
        auto self = shared_from_this();
        auto g = ++gen_;
        auto port = std::to_string(opts_.spec.port);
        if (udp_mode_) {
            resolver_udp_.async_resolve(
                opts_.spec.host, port,
                [this, self, g](asio::error_code ec, asio::ip::udp::resolver::results_type r) {
                    if (g != gen_ || !running_) return;
                    if (ec || r.empty()) return link_failed(fmt::format("resolve: {}", ec.message()));
                    asio::error_code e2;
                    udp_.open(r.begin()->endpoint().protocol(), e2);
                    if (!e2) udp_.connect(r.begin()->endpoint(), e2);
                    if (e2) return link_failed(fmt::format("udp: {}", e2.message()));
                    socket_open_ = true;
                    read_udp(g);
                    if (queue_.empty()) push_null();
                    pump();
                });
            return;
        }
        resolver_tcp_.async_resolve(
            opts_.spec.host, port,
            [this, self, g](asio::error_code ec, asio::ip::tcp::resolver::results_type r) {
                if (g != gen_ || !running_) return;
                if (ec) return link_failed(fmt::format("resolve: {}", ec.message()));
                asio::async_connect(tcp_, r,
                                    [this, self, g](asio::error_code ec2, const asio::ip::tcp::endpoint&) {
                                        if (g != gen_ || !running_) return;
                                        if (ec2)
                                            return link_failed(fmt::format("connect: {}", ec2.message()));
                                        socket_open_ = true;
                                        splitter_ = frame_splitter{};
                                        set_connected(true);
                                        read_tcp(g);
                                        pump();
                                    });
            });
    }

    /// The connection failed or broke: close, and try again after the backoff.
    void link_failed(const std::string& why) {
        log_->warn("dc09 link error={} retry_in_ms={}", why, backoff_.count());
        ++gen_;
        close_socket();
        reply_timer_.cancel();
        in_flight_ = false;  // the head of the queue is resent (same seq) on the next link
        writing_ = false;
        set_connected(false);
        if (!running_) return;
        // A connection that carried an ACK is reopened at once (some receivers close after each
        // reply); one that failed before any ACK waits the growing backoff.
        retry_timer_.expires_after(acked_on_link_ ? milliseconds{0} : backoff_);
        if (!acked_on_link_) backoff_ = std::min(backoff_ * 2, opts_.backoff_max);
        acked_on_link_ = false;
        auto self = shared_from_this();
        retry_timer_.async_wait([this, self](asio::error_code ec) {
            if (ec || !running_) return;
            connect();
        });
    }

    void read_tcp(std::uint64_t g) {
        auto self = shared_from_this();
        tcp_.async_read_some(asio::buffer(rbuf_), [this, self, g](asio::error_code ec, std::size_t n) {
            if (g != gen_ || !running_) return;
            if (ec) return link_failed(fmt::format("read: {}", ec.message()));
            for (auto& f : splitter_.feed(std::string_view{rbuf_.data(), n})) on_reply(f);
            if (g == gen_) read_tcp(g);
        });
    }

    void read_udp(std::uint64_t g) {
        auto self = shared_from_this();
        udp_.async_receive(asio::buffer(rbuf_), [this, self, g](asio::error_code ec, std::size_t n) {
            if (g != gen_ || !running_) return;
            // ICMP "port unreachable" shows up as connection_refused on a connected UDP socket: the
            // receiver is down. Keep the socket; the reply timer resends.
            if (!ec) {
                frame_splitter s;
                for (auto& f : s.feed(std::string_view{rbuf_.data(), n})) on_reply(f);
            } else if (ec == asio::error::operation_aborted) {
                return;
            }
            if (g == gen_) read_udp(g);
        });
    }

    // ---- sending -----------------------------------------------------------------------------

    void push_null() {
        item it;
        it.id = frame_id::null;
        queue_.push_back(std::move(it));
    }

    void pump() {
        if (!running_ || !socket_open_ || in_flight_ || writing_ || queue_.empty()) return;
        transmit(queue_.front());
    }

    void transmit(item& it) {
        if (it.seq == 0) {
            it.seq = next_seq_;
            next_seq_ = next_seq_ >= 9999 ? 1 : next_seq_ + 1;
        }
        if (!it.stamp) it.stamp = now();
        ++it.attempts;
        if (it.attempts > 1) ++st_.resends;
        if (!it.first_sent) it.first_sent = steady::now();
        frame f;
        f.id = it.id;
        f.seq = it.seq;
        f.receiver = opts_.spec.receiver;
        f.line = opts_.spec.line;
        f.account = opts_.spec.account;
        f.data = it.id == frame_id::null ? std::string{} : it.data;
        f.timestamp = it.stamp;
        try {
            wbuf_ = encode(f, opts_.spec.key);
        } catch (const std::exception& e) {
            log_->error("dc09 cannot encode alert={} error={}", it.alert_id, e.what());
            item bad = std::move(queue_.front());
            queue_.pop_front();
            report(bad, false, "encode");
            return pump();
        }
        log_->debug("dc09 send seq={:04d} id={} attempt={}", it.seq, to_string(it.id), it.attempts);
        in_flight_ = true;
        writing_ = true;
        auto self = shared_from_this();
        auto g = gen_;
        auto done = [this, self, g](asio::error_code ec, std::size_t) {
            if (g != gen_ || !running_) return;
            writing_ = false;
            // A UDP send error (receiver unreachable) is handled like a missing reply.
            if (ec && !udp_mode_) return link_failed(fmt::format("write: {}", ec.message()));
        };
        if (udp_mode_)
            udp_.async_send(asio::buffer(wbuf_), done);
        else
            asio::async_write(tcp_, asio::buffer(wbuf_), done);
        arm_reply_timer();
    }

    void arm_reply_timer() {
        reply_timer_.expires_after(opts_.reply_timeout);
        auto self = shared_from_this();
        auto g = gen_;
        reply_timer_.async_wait([this, self, g](asio::error_code ec) {
            if (ec || g != gen_ || !running_ || !in_flight_) return;
            no_reply();
        });
    }

    void no_reply() {
        auto& head = queue_.front();
        log_->warn("dc09 no reply seq={:04d} id={} attempt={}", head.seq, to_string(head.id), head.attempts);
        in_flight_ = false;
        give_up_if_spent("no reply", fmt::format("no reply within {} ms", opts_.reply_timeout.count()));
        if (udp_mode_) {
            set_connected(false);
            if (queue_.empty()) return;
            // Resend at once: the reply timeout already spaced the attempts.
            pump();
        } else {
            // No reply on a TCP connection: it is probably half-open. Start a fresh one.
            link_failed("no reply");
        }
    }

    /// After a send that got no ACK: drops the head if it is a link test (never repeated) or has had
    /// its max_attempts, reporting the alert failed. True if the head was dropped.
    bool give_up_if_spent(std::string reason, std::string detail) {
        if (queue_.empty()) return false;
        item& head = queue_.front();
        if (head.id != frame_id::null && head.attempts < std::max(1, opts_.max_attempts)) return false;
        item bad = std::move(head);
        queue_.pop_front();
        report(bad, false, std::move(reason), std::move(detail));
        return true;
    }

    /// The receiver answered the frame in flight, but not with an ACK we can take: resend it at once
    /// (same seq) or give it up.
    void answered_without_ack(std::string reason, std::string detail) {
        reply_timer_.cancel();
        in_flight_ = false;
        set_connected(true);
        give_up_if_spent(std::move(reason), std::move(detail));
        pump();
    }

    void on_reply(const std::string& text) {
        auto r = parse_frame(text, opts_.spec.key);
        if (!r) {
            log_->warn("dc09 unreadable reply error=\"{}\" detail=\"{}\"", to_string(r.error), r.detail);
            // Waiting for the reply timeout would only delay the same outcome: this receiver answers,
            // and we cannot read what it says about this frame.
            if (in_flight_ && !queue_.empty())
                answered_without_ack("unreadable reply", fmt::format("{}: {}", to_string(r.error), r.detail));
            return;
        }
        const frame& f = r.value;
        if (!is_reply(f.id)) {
            log_->warn("dc09 unexpected frame id={} from the receiver", to_string(f.id));
            return;
        }
        if (!in_flight_ || queue_.empty()) {
            log_->debug("dc09 stray reply id={} seq={:04d}", to_string(f.id), f.seq);
            return;
        }
        item& head = queue_.front();
        switch (f.id) {
            case frame_id::ack: {
                if (f.seq != head.seq) {
                    log_->debug("dc09 ACK for seq={:04d} while waiting for {:04d}", f.seq, head.seq);
                    return;
                }
                if (!opts_.spec.key.empty() && !f.encrypted) {
                    log_->warn("dc09 plain ACK for an encrypted account refused seq={:04d}", f.seq);
                    answered_without_ack("plain ACK", "a plain ACK cannot confirm an encrypted frame");
                    return;
                }
                reply_timer_.cancel();
                in_flight_ = false;
                backoff_ = opts_.backoff_min;
                acked_on_link_ = !udp_mode_;
                st_.last_ack = opts_.clock();
                set_connected(true);
                item done = std::move(head);
                queue_.pop_front();
                report(done, true, {});
                arm_supervision();
                pump();
                break;
            }
            case frame_id::nak: {
                // A NAK carries seq 0000 (or ours): it is about the frame in flight.
                if (f.seq != 0 && f.seq != head.seq) return;
                ++st_.naks;
                head.stamp.reset();  // a new timestamp from the corrected clock; same seq
                std::string detail = "NAK without a timestamp";
                if (f.timestamp) {
                    offset_ = *f.timestamp - opts_.clock();
                    st_.clock_offset = offset_;
                    detail = fmt::format("NAK; clock offset now {} ms", offset_.count());
                }
                log_->warn("dc09 {} seq={:04d}", detail, head.seq);
                answered_without_ack("NAK", std::move(detail));
                break;
            }
            case frame_id::duh: {
                if (f.seq != head.seq && f.seq != 0) return;
                reply_timer_.cancel();
                in_flight_ = false;
                set_connected(true);
                item bad = std::move(head);
                queue_.pop_front();
                if (bad.id == frame_id::null) log_->warn("dc09 receiver does not understand NULL link tests");
                report(bad, false, "DUH");
                pump();
                break;
            }
            default:
                break;
        }
    }

    void arm_supervision() {
        if (!running_ || opts_.spec.supervision.count() <= 0) return;
        supervision_timer_.expires_after(opts_.spec.supervision);
        auto self = shared_from_this();
        supervision_timer_.async_wait([this, self](asio::error_code ec) {
            if (ec || !running_) return;
            if (queue_.empty()) {
                push_null();
                pump();
            }
            arm_supervision();
        });
    }

    asio::io_context& io_;
    sender_options opts_;
    std::shared_ptr<spdlog::logger> log_;
    asio::ip::tcp::socket tcp_;
    asio::ip::udp::socket udp_;
    asio::ip::tcp::resolver resolver_tcp_;
    asio::ip::udp::resolver resolver_udp_;
    asio::steady_timer reply_timer_, retry_timer_, supervision_timer_;
    std::array<char, 2048> rbuf_{};
    std::string wbuf_;
    frame_splitter splitter_;
    std::deque<item> queue_;
    bool udp_mode_ = false;
    bool running_ = false;
    bool socket_open_ = false;
    bool in_flight_ = false;
    bool writing_ = false;
    bool acked_on_link_ = false;  ///< the current TCP connection carried an ACK
    std::uint64_t gen_ = 0;
    unsigned next_seq_ = 1;
    milliseconds offset_{0};
    milliseconds backoff_{1000};
    sender_state st_;
    result_handler on_result_;
    connection_handler on_connection_;
};

sender_options make_sender_options(const config::hub_config& cfg) {
    if (!cfg.dc09) throw std::invalid_argument("the hub config has no [dc09] section");
    sender_options o;
    o.spec = *cfg.dc09;
    o.sensors = sensor_ids(cfg);
    return o;
}

sender::sender(asio::io_context& io, sender_options opts, std::shared_ptr<spdlog::logger> log)
    : impl_(std::make_shared<impl>(io, std::move(opts), std::move(log))) {}

sender::~sender() {
    try {
        impl_->on_result_ = nullptr;
        impl_->on_connection_ = nullptr;
        impl_->stop();
    } catch (...) {
        // Closing sockets does not throw with error_code overloads; nothing else to do here.
    }
}

void sender::on_result(result_handler h) {
    impl_->on_result_ = std::move(h);
}
void sender::on_connection(connection_handler h) {
    impl_->on_connection_ = std::move(h);
}
void sender::start() {
    impl_->start();
}
void sender::stop() {
    impl_->stop();
}
bool sender::send(const alert& a) {
    return impl_->send(a);
}
bool sender::pending(const std::string& id) const {
    return impl_->pending(id);
}

sender_state sender::state() const {
    sender_state s = impl_->st_;
    s.queue = impl_->alerts_queued();
    return s;
}

}  // namespace warden::dc09
