#include "warden/dc09/receiver.hpp"

#include <algorithm>
#include <array>
#include <deque>
#include <list>
#include <stdexcept>
#include <unordered_map>
#include <unordered_set>

#include <fmt/format.h>
#include <spdlog/spdlog.h>
#include <asio/ip/tcp.hpp>
#include <asio/ip/udp.hpp>
#include <asio/steady_timer.hpp>
#include <asio/write.hpp>

#include "warden/common/host_port.hpp"

namespace warden::dc09 {

namespace {

std::string upper(std::string_view s) {
    std::string u{s};
    for (char& c : u)
        if (c >= 'a' && c <= 'z') c = static_cast<char>(c - 'a' + 'A');
    return u;
}

const config::dc09_account_spec* find_account(const receiver_options& o, std::string_view account) {
    auto want = upper(account);
    for (const auto& a : o.spec.accounts)
        if (upper(a.account) == want) return &a;
    return nullptr;
}

/// A reply to `f` (its seq, R, L and account), encrypted when `key` is given.
std::string make_reply(frame_id id, const frame_header& h, std::string_view key, time_point now,
                       const receiver_options& o) {
    frame r;
    r.id = id;
    r.seq = id == frame_id::nak ? 0 : h.seq;
    r.receiver = h.receiver.empty() ? o.receiver : h.receiver;
    r.line = h.line.empty() ? o.line : h.line;
    r.account = id == frame_id::nak ? std::string{} : h.account;
    // NAK and encrypted ACK carry the receiver's time; DUH and plain ACK carry none.
    if (id == frame_id::nak || !key.empty()) r.timestamp = std::chrono::floor<std::chrono::seconds>(now);
    return encode(r, key);
}

}  // namespace

frame_outcome handle_frame(std::string_view text, const receiver_options& o, time_point now) {
    frame_outcome out;
    frame_header h;
    std::string detail;
    errc e = parse_header(text, h, &detail);
    auto reply = [&](frame_id id, std::string_view key, std::string why) {
        out.reply = id;
        out.error = std::move(why);
        try {
            out.reply_bytes = make_reply(id, h, key, now, o);
        } catch (const std::exception& ex) {  // e.g. a header field we cannot echo
            out.reply_bytes.clear();
            out.error += fmt::format(" (no reply: {})", ex.what());
        }
        return out;
    };
    switch (e) {
        case errc::ok:
            break;
        case errc::bad_crc:
        case errc::bad_length:
            // Corrupted in transit: ask for it again. The header may be unreadable; echo nothing.
            h = frame_header{};
            return reply(frame_id::nak, {}, fmt::format("{}: {}", to_string(e), detail));
        case errc::unknown_id:
            return reply(frame_id::duh, {}, fmt::format("{}: {}", to_string(e), detail));
        default:
            out.error = fmt::format("{}: {}", to_string(e), detail);
            return out;  // garbage: silence
    }
    if (is_reply(h.id)) {
        out.error = "a reply frame sent to the receiver";
        return out;
    }

    std::string account = h.account;
    if (account.empty() && !h.encrypted) {
        // Some panels put the account only in the data block ("[#1234|...]").
        auto plain = open_frame(h, {});
        if (plain) {
            if (auto d = parse_event_data(h.id, plain.value.data)) account = d->account;
        }
    }
    const auto* acct = find_account(o, account);
    if (!acct) return reply(frame_id::duh, {}, fmt::format("unknown account '{}'", account.substr(0, 16)));
    out.account = acct->account;
    out.hub = acct->hub;
    if (!acct->key.empty() && !h.encrypted)
        return reply(frame_id::duh, {}, "plain frame for an account with a key");
    if (acct->key.empty() && h.encrypted)
        return reply(frame_id::duh, {}, "encrypted frame for an account without a key");

    auto opened = open_frame(h, acct->key);
    std::string_view reply_key = h.encrypted ? std::string_view{acct->key} : std::string_view{};
    if (!opened) {
        // A key that does not decrypt is not fixed by resending: DUH (plain, we cannot prove the key).
        return reply(frame_id::duh, {}, fmt::format("{}: {}", to_string(opened.error), opened.detail));
    }
    const frame& f = opened.value;
    if (f.timestamp) {
        auto skew = f.timestamp.value() - now;
        if (skew > o.spec.max_clock_skew || -skew > o.spec.max_clock_skew)
            return reply(frame_id::nak, {},
                         fmt::format("timestamp {} is {} s off", format_timestamp(*f.timestamp),
                                     std::chrono::duration_cast<std::chrono::seconds>(skew).count()));
    }
    if (f.id == frame_id::null) {
        out.link_test = true;
        return reply(frame_id::ack, reply_key, {});
    }
    auto d = parse_event_data(f.id, f.data);
    if (!d) return reply(frame_id::duh, {}, "unreadable event data");
    received_event ev;
    ev.account = acct->account;
    ev.hub = acct->hub;
    ev.seq = f.seq;
    ev.format = f.id;
    ev.meaning = interpret(f.id, *d);
    ev.code = ev.meaning.sia;
    ev.contact_id = ev.meaning.contact_id;
    ev.zone = d->zone;
    ev.area = d->area;
    ev.timestamp = f.timestamp;
    ev.received_at = now;
    ev.data = f.data;
    ev.encrypted = f.encrypted;
    auto secs = std::chrono::duration_cast<std::chrono::seconds>(
                    (f.timestamp ? *f.timestamp : now).time_since_epoch())
                    .count();
    ev.key = fmt::format("dc09-{}-{:04d}-{}", ev.account, ev.seq, secs);
    out.event = std::move(ev);
    return reply(frame_id::ack, reply_key, {});
}

// -------------------------------------------------------------------------------------------------

struct receiver::impl : std::enable_shared_from_this<impl> {
    struct session {
        explicit session(asio::io_context& io) : socket(io), timer(io) {}
        asio::ip::tcp::socket socket;
        /// Between frames: idle_timeout from the end of the last frame. Once a byte of the next one
        /// has come (`in_frame`): frame_deadline from that byte, however slowly the rest trickles in.
        asio::steady_timer timer;
        bool in_frame = false;
        std::array<char, 1024> buf{};
        frame_splitter splitter;
        std::deque<std::string> out;  ///< replies waiting to be written
        bool writing = false;
        bool closed = false;
        std::string peer;
        std::string address;  ///< the peer's address alone, for the per-address limit
    };
    using session_ptr = std::shared_ptr<session>;

    impl(asio::io_context& io, receiver_options o, std::shared_ptr<spdlog::logger> l)
        : io_(io),
          opts_(std::move(o)),
          log_(l ? std::move(l) : spdlog::default_logger()),
          acceptor_(io),
          udp_(io) {
        if (!opts_.clock) opts_.clock = [] { return now_ms(); };
        const auto& t = opts_.spec.transport;
        if (t != "tcp" && t != "udp" && t != "both")
            throw std::invalid_argument(fmt::format("dc09 transport must be tcp, udp or both, not '{}'", t));
        for (const auto& a : opts_.spec.accounts)
            if (!a.key.empty() && a.key.size() != 16 && a.key.size() != 24 && a.key.size() != 32)
                throw std::invalid_argument(
                    fmt::format("dc09 account {}: key must be 16, 24 or 32 bytes", a.account));
        auto listen = split_host_port(opts_.spec.listen);
        if (!listen)
            throw std::invalid_argument(fmt::format("dc09 listen '{}': bad host:port", opts_.spec.listen));
        host_ = listen->host;
        port_ = static_cast<unsigned short>(listen->port);
        asio::error_code ec;
        address_ = asio::ip::make_address(host_.empty() ? "0.0.0.0" : host_, ec);
        if (ec) throw std::invalid_argument(fmt::format("dc09 listen '{}': bad address", opts_.spec.listen));
    }

    void start() {
        if (running_) return;
        const auto& t = opts_.spec.transport;
        if (t == "tcp" || t == "both") {
            asio::ip::tcp::endpoint ep{address_, port_};
            acceptor_.open(ep.protocol());
            acceptor_.set_option(asio::ip::tcp::acceptor::reuse_address(true));
            acceptor_.bind(ep);
            acceptor_.listen();
            tcp_port_ = acceptor_.local_endpoint().port();
        }
        if (t == "udp" || t == "both") {
            // With "both" and port 0, UDP takes the port TCP got, so one number serves both.
            unsigned short p = port_ == 0 && tcp_port_ != 0 ? tcp_port_ : port_;
            asio::ip::udp::endpoint ep{address_, p};
            udp_.open(ep.protocol());
            udp_.set_option(asio::ip::udp::socket::reuse_address(true));
            udp_.bind(ep);
            udp_port_ = udp_.local_endpoint().port();
        }
        running_ = true;
        if (acceptor_.is_open()) accept();
        if (udp_.is_open()) receive_udp();
        log_->info("dc09 receiver listening address={} tcp_port={} udp_port={} accounts={}", host_, tcp_port_,
                   udp_port_, opts_.spec.accounts.size());
    }

    void stop() {
        running_ = false;
        asio::error_code ec;
        acceptor_.close(ec);
        udp_.close(ec);
        for (auto& s : sessions_) close(s);
        sessions_.clear();
        tcp_port_ = udp_port_ = 0;
    }

    // ---- frames --------------------------------------------------------------------------------

    /// Handles one frame; returns the reply bytes to send (possibly empty).
    std::string process(const std::string& text, const std::string& transport, const std::string& peer) {
        ++stats_.frames;
        auto o = handle_frame(text, opts_, opts_.clock());
        if (o.reply_bytes.empty()) {
            if (auto held = may_log("ignored"))
                log_->warn("dc09 ignored frame peer={} error=\"{}\"{}", peer, o.error, *held);
            return {};
        }
        if (o.reply == frame_id::nak) {
            ++stats_.naks;
            if (auto held = may_log("NAK"))
                log_->warn("dc09 NAK peer={} account={} error=\"{}\"{}", peer, o.account, o.error, *held);
            return o.reply_bytes;
        }
        if (o.reply == frame_id::duh) {
            ++stats_.duhs;
            if (auto held = may_log("DUH"))
                log_->warn("dc09 DUH peer={} account={} error=\"{}\"{}", peer, o.account, o.error, *held);
            return o.reply_bytes;
        }
        if (o.link_test) {
            ++stats_.links;
            log_->debug("dc09 link test account={} hub={}", o.account, o.hub);
            if (on_link_) on_link_(o.account, o.hub);
        } else if (o.event) {
            auto& ev = *o.event;
            ev.transport = transport;
            ev.peer = peer;
            std::string dedupe = fmt::format("{}|{:04d}|{}|{}", ev.account, ev.seq, ev.data,
                                             ev.timestamp ? format_timestamp(*ev.timestamp) : std::string{});
            // Only frames with a timestamp are recognised as repeats: without one, a new event after a
            // panel restart could look like an old frame, and a duplicate is better than a lost alarm.
            if (ev.timestamp && seen_.count(dedupe)) {
                ++stats_.duplicates;
                log_->info("dc09 repeat acked again account={} seq={:04d}", ev.account, ev.seq);
            } else {
                bool taken = false;
                try {
                    taken = on_event_ ? on_event_(ev) : true;
                } catch (const std::exception& ex) {
                    log_->error("dc09 event handler failed account={} error={}", ev.account, ex.what());
                }
                if (!taken) {
                    if (auto held = may_log("not taken"))
                        log_->warn("dc09 event not taken, no reply account={} seq={:04d}{}", ev.account,
                                   ev.seq, *held);
                    return {};
                }
                ++stats_.events;
                if (ev.timestamp) remember(std::move(dedupe));
                log_->info("dc09 event account={} hub={} seq={:04d} code={} zone={} transport={}", ev.account,
                           ev.hub, ev.seq, ev.code, ev.zone, transport);
            }
        }
        ++stats_.acks;
        return o.reply_bytes;
    }

    /// Whether a warning for `reason` may be logged now: at most log_lines_per_second a second per
    /// reason, so a flood of bad input cannot flood the log (finding 11). The text to append to the
    /// line (" suppressed=K" after a held-back run), or nothing when the line is to be dropped.
    std::optional<std::string> may_log(const char* reason) {
        auto now = opts_.clock();
        auto& g = log_gates_[reason];
        if (now - g.since >= std::chrono::seconds{1} ||
            now < g.since) {  // a new second (or the clock went back)
            g.since = now;
            g.lines = 0;
        }
        if (g.lines >= opts_.log_lines_per_second) {
            ++g.held;
            return std::nullopt;
        }
        ++g.lines;
        std::string tail = g.held ? fmt::format(" suppressed={}", g.held) : std::string{};
        g.held = 0;
        return tail;
    }

    void remember(std::string key) {
        seen_.insert(key);
        seen_order_.push_back(std::move(key));
        if (seen_order_.size() > 4096) {
            seen_.erase(seen_order_.front());
            seen_order_.pop_front();
        }
    }

    // ---- UDP -----------------------------------------------------------------------------------

    void receive_udp() {
        auto self = shared_from_this();
        udp_.async_receive_from(
            asio::buffer(ubuf_), uperr_, [this, self](asio::error_code ec, std::size_t n) {
                if (!running_ || ec == asio::error::operation_aborted) return;
                if (!ec) {
                    frame_splitter s{opts_.max_frame};
                    std::string peer = fmt::format("{}:{}", uperr_.address().to_string(), uperr_.port());
                    auto frames = s.feed(std::string_view{ubuf_.data(), n});
                    // The source address of a datagram is unverified: a reply may go to a victim.
                    // So one frame per datagram, as DC-09 sends them (the rest are dropped unread:
                    // a real sender resends each on its own), and never a reply larger than the
                    // datagram (finding 12: one NAK per tiny frame reflected 3 to 4 times the bytes).
                    if (!frames.empty()) {
                        for (std::size_t i = 1; i < frames.size(); ++i)
                            stats_.garbage_bytes += frames[i].size();
                        auto r = process(frames.front(), "udp", peer);
                        if (r.size() > n) {
                            ++stats_.withheld_replies;
                            if (auto held = may_log("reply withheld"))
                                log_->warn(
                                    "dc09 udp reply withheld, larger than the datagram peer={} "
                                    "datagram={} reply={}{}",
                                    peer, n, r.size(), *held);
                        } else if (!r.empty()) {
                            auto msg = std::make_shared<std::string>(std::move(r));
                            udp_.async_send_to(asio::buffer(*msg), uperr_,
                                               [msg](asio::error_code, std::size_t) {});
                        }
                    }
                    stats_.garbage_bytes += s.discarded() + s.pending();
                }
                receive_udp();
            });
    }

    // ---- TCP -----------------------------------------------------------------------------------

    void accept() {
        auto self = shared_from_this();
        acceptor_.async_accept([this, self](asio::error_code ec, asio::ip::tcp::socket sock) {
            if (!running_ || ec == asio::error::operation_aborted) return;
            if (!ec) {
                prune();
                asio::error_code e2;
                auto ep = sock.remote_endpoint(e2);
                std::string address = e2 ? "?" : ep.address().to_string();
                auto from_address = static_cast<std::size_t>(
                    std::count_if(sessions_.begin(), sessions_.end(),
                                  [&](const session_ptr& x) { return x->address == address; }));
                if (sessions_.size() >= opts_.max_clients) {
                    ++stats_.refused_clients;
                    if (auto held = may_log("too many clients"))
                        log_->warn("dc09 too many clients, refused max={}{}", opts_.max_clients, *held);
                    sock.close(e2);
                } else if (from_address >= opts_.max_clients_per_address) {
                    // Accept and close at once: one host cannot hold every place (finding 9).
                    ++stats_.refused_clients;
                    if (auto held = may_log("too many from one address"))
                        log_->warn("dc09 too many clients from one address, refused address={} max={}{}",
                                   address, opts_.max_clients_per_address, *held);
                    sock.close(e2);
                } else {
                    auto s = std::make_shared<session>(io_);
                    s->socket = std::move(sock);
                    s->splitter = frame_splitter{opts_.max_frame};
                    s->address = address;
                    s->peer = e2 ? "?" : fmt::format("{}:{}", address, ep.port());
                    sessions_.push_back(s);
                    log_->debug("dc09 client connected peer={}", s->peer);
                    arm_timer(s);
                    read(s);
                }
            } else if (auto held =
                           may_log("accept error")) {  // e.g. out of file descriptors, again and again
                log_->warn("dc09 accept error={}{}", ec.message(), *held);
            }
            accept();
        });
    }

    void prune() {
        sessions_.remove_if([](const session_ptr& s) { return s->closed; });
    }

    void close(const session_ptr& s) {
        if (s->closed) return;
        s->closed = true;
        asio::error_code ec;
        s->timer.cancel();
        s->socket.shutdown(asio::ip::tcp::socket::shutdown_both, ec);
        s->socket.close(ec);
    }

    /// (Re)starts the session's timer for its state: idle_timeout between frames, frame_deadline
    /// once a frame has begun.
    void arm_timer(const session_ptr& s) {
        s->timer.expires_after(s->in_frame ? opts_.frame_deadline : opts_.idle_timeout);
        auto self = shared_from_this();
        s->timer.async_wait([this, self, s](asio::error_code ec) {
            if (ec || s->closed) return;
            ++stats_.timed_out_clients;
            if (s->in_frame) {
                if (auto held = may_log("frame deadline"))
                    log_->info("dc09 client closed, frame not finished within the deadline peer={}{}",
                               s->peer, *held);
            } else if (auto held = may_log("idle")) {
                log_->info("dc09 idle client closed peer={}{}", s->peer, *held);
            }
            close(s);
        });
    }

    void read(const session_ptr& s) {
        auto self = shared_from_this();
        s->socket.async_read_some(asio::buffer(s->buf), [this, self, s](asio::error_code ec, std::size_t n) {
            if (s->closed || !running_) return;
            if (ec) {
                log_->debug("dc09 client gone peer={} reason={}", s->peer, ec.message());
                close(s);
                return;
            }
            auto before = s->splitter.discarded();
            auto frames = s->splitter.feed(std::string_view{s->buf.data(), n});
            // Only a whole frame restarts the idle timer; the first byte after it starts the frame
            // deadline, which later bytes do not extend (finding 9: one byte per minute kept a
            // connection forever).
            if (!frames.empty() && s->splitter.pending() == 0) {
                s->in_frame = false;
                arm_timer(s);
            } else if (!frames.empty() || !s->in_frame) {
                s->in_frame = true;
                arm_timer(s);
            }
            for (auto& f : frames) {
                auto r = process(f, "tcp", s->peer);
                if (!r.empty()) queue_write(s, std::move(r));
                if (s->closed) return;
            }
            stats_.garbage_bytes += s->splitter.discarded() - before;
            read(s);
        });
    }

    void queue_write(const session_ptr& s, std::string bytes) {
        if (s->out.size() >= 64) {  // a client that sends but never reads
            if (auto held = may_log("not reading"))
                log_->warn("dc09 client not reading replies, closed peer={}{}", s->peer, *held);
            close(s);
            return;
        }
        s->out.push_back(std::move(bytes));
        if (!s->writing) write(s);
    }

    void write(const session_ptr& s) {
        s->writing = true;
        auto self = shared_from_this();
        asio::async_write(s->socket, asio::buffer(s->out.front()),
                          [this, self, s](asio::error_code ec, std::size_t) {
                              s->writing = false;
                              if (s->closed) return;
                              if (ec) {
                                  close(s);
                                  return;
                              }
                              s->out.pop_front();
                              if (!s->out.empty()) write(s);
                          });
    }

    asio::io_context& io_;
    receiver_options opts_;
    std::shared_ptr<spdlog::logger> log_;
    asio::ip::tcp::acceptor acceptor_;
    asio::ip::udp::socket udp_;
    asio::ip::udp::endpoint uperr_;
    std::array<char, 8192> ubuf_{};
    std::list<session_ptr> sessions_;
    struct log_gate {
        time_point since{};      ///< start of the current second
        std::size_t lines = 0;   ///< lines logged in it
        std::uint64_t held = 0;  ///< lines not logged since the last one that was
    };
    std::unordered_map<std::string_view, log_gate> log_gates_;  ///< by reason (string literals)
    std::unordered_set<std::string> seen_;
    std::deque<std::string> seen_order_;
    std::string host_;
    asio::ip::address address_;
    unsigned short port_ = 0, tcp_port_ = 0, udp_port_ = 0;
    bool running_ = false;
    receiver_stats stats_;
    event_handler on_event_;
    link_handler on_link_;
};

receiver::receiver(asio::io_context& io, receiver_options opts, std::shared_ptr<spdlog::logger> log)
    : impl_(std::make_shared<impl>(io, std::move(opts), std::move(log))) {}

receiver::~receiver() {
    impl_->on_event_ = nullptr;
    impl_->on_link_ = nullptr;
    impl_->stop();
}

void receiver::on_event(event_handler h) {
    impl_->on_event_ = std::move(h);
}
void receiver::on_link_test(link_handler h) {
    impl_->on_link_ = std::move(h);
}
void receiver::start() {
    impl_->start();
}
void receiver::stop() {
    impl_->stop();
}
unsigned short receiver::tcp_port() const noexcept {
    return impl_->tcp_port_;
}
unsigned short receiver::udp_port() const noexcept {
    return impl_->udp_port_;
}

receiver_stats receiver::stats() const noexcept {
    auto s = impl_->stats_;
    s.clients = static_cast<std::size_t>(std::count_if(impl_->sessions_.begin(), impl_->sessions_.end(),
                                                       [](const auto& x) { return !x->closed; }));
    return s;
}

}  // namespace warden::dc09
