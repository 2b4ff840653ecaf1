#include "warden/mqtt/session.hpp"

#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>

#include <charconv>
#include <filesystem>
#include <random>
#include <stdexcept>
#include <utility>
#include <vector>

#include <MQTTAsync.h>
#include <mqtt/async_client.h>
#include <spdlog/spdlog.h>
#include <asio/post.hpp>
#include <asio/steady_timer.hpp>

#include "warden/common/host_port.hpp"

namespace warden::mqtt {
namespace {

/// A Paho action listener that forwards the outcome once and then deletes itself. Paho's token does
/// not touch its listener after calling it, so deleting at the end of the call is safe.
class once_listener final : public ::mqtt::iaction_listener {
public:
    explicit once_listener(std::function<void(bool, int)> fn) : fn_(std::move(fn)) {}
    void on_success(const ::mqtt::token&) override { finish(true, 0); }
    void on_failure(const ::mqtt::token& tok) override { finish(false, tok.get_return_code()); }

private:
    void finish(bool ok, int rc) {
        auto fn = std::move(fn_);
        delete this;
        if (fn) fn(ok, rc);
    }
    std::function<void(bool, int)> fn_;
};

std::string normalise_uri(const std::string& uri) {
    if (uri.starts_with("mqtt://")) return "tcp://" + uri.substr(7);
    if (uri.starts_with("mqtts://")) return "ssl://" + uri.substr(8);
    if (uri.starts_with("tcp://") || uri.starts_with("ssl://")) return uri;
    throw std::invalid_argument("MQTT URI must start with tcp://, ssl://, mqtt:// or mqtts://: " + uri);
}

/// The port of a broker URI ("tcp://host:1883", "ssl://[::1]:8883"); without one, MQTT's default
/// (8883 for ssl:// and mqtts://, else 1883).
int uri_port(std::string_view uri) {
    auto scheme = uri.find("://");
    if (auto hp = split_host_port(scheme == std::string_view::npos ? uri : uri.substr(scheme + 3)))
        return hp->port;
    return uri.starts_with("ssl://") || uri.starts_with("mqtts://") ? 8883 : 1883;
}

/// Paho C never sets TCP_NODELAY (paho.mqtt.c issue #530) and offers no way to reach its socket, so
/// two small packets written back to back (a PUBACK, then the next alert) wait for the peer's
/// delayed ACK: 40 ms on Linux. This finds this process's connected TCP sockets to `port` and sets
/// TCP_NODELAY on them. Harmless on any other socket to that port; returns how many were set.
int set_nodelay_towards(int port) {
    if (port <= 0) return 0;
    int set = 0;
    std::error_code ec;
    for (const auto& entry : std::filesystem::directory_iterator("/proc/self/fd", ec)) {
        int fd = -1;
        auto name = entry.path().filename().string();
        if (std::from_chars(name.data(), name.data() + name.size(), fd).ec != std::errc{}) continue;
        sockaddr_storage peer{};
        socklen_t len = sizeof peer;
        if (::getpeername(fd, reinterpret_cast<sockaddr*>(&peer), &len) != 0) continue;
        int peer_port = 0;
        if (peer.ss_family == AF_INET)
            peer_port = ntohs(reinterpret_cast<const sockaddr_in*>(&peer)->sin_port);
        else if (peer.ss_family == AF_INET6)
            peer_port = ntohs(reinterpret_cast<const sockaddr_in6*>(&peer)->sin6_port);
        if (peer_port != port) continue;
        int one = 1;
        if (::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one) == 0) ++set;
    }
    return set;
}

}  // namespace

struct session::impl : std::enable_shared_from_this<impl> {
    impl(asio::io_context& io, options o, std::shared_ptr<spdlog::logger> l)
        : io_(io), opts_(std::move(o)), log_(std::move(l)), retry_(io), backoff_(opts_.min_backoff) {
        opts_.uri = normalise_uri(opts_.uri);
        if (opts_.client_id.empty() || opts_.client_id.size() > 128)
            throw std::invalid_argument("MQTT client id must be 1 to 128 characters");
        // Paho queues at most 100 outgoing commands by default and refuses the rest (error -12):
        // a burst of local results or alerts would be dropped. Nothing is sent while disconnected
        // (publish() fails at once then), so this only bounds the queue while connected.
        ::mqtt::create_options co(MQTTVERSION_3_1_1);
        co.set_max_buffered_messages(100'000);
        co.set_send_while_disconnected(false);
        client_ = std::make_unique<::mqtt::async_client>(opts_.uri, opts_.client_id, co, nullptr);
    }

    ~impl() {
        // Paho refuses (throws) while a connect is in progress; the callbacks hold only weak
        // pointers to us, so leaving them set is safe, and a destructor must not throw.
        try {
            if (client_) client_->disable_callbacks();
        } catch (const std::exception&) {
        }
    }

    /// Runs `fn` on the io_context if the session still exists then.
    template <class F>
    void post(F fn) {
        asio::post(io_, [weak = weak_from_this(), fn = std::move(fn)]() mutable {
            if (auto self = weak.lock()) fn(*self);
        });
    }

    void start() {
        auto weak = weak_from_this();
        client_->set_connection_lost_handler([weak](const std::string&) {
            if (auto self = weak.lock()) self->post([](impl& s) { s.lost(); });
        });
        client_->set_message_callback([weak](::mqtt::const_message_ptr m) {
            auto self = weak.lock();
            if (!self || !m) return;
            message msg{m->get_topic(), m->get_payload_str(), m->get_qos(), m->is_retained()};
            self->post([msg = std::move(msg)](impl& s) mutable {
                if (s.on_message_) s.on_message_(std::move(msg));
            });
        });
        connect();
    }

    ::mqtt::connect_options connect_options() const {
        ::mqtt::connect_options_builder b;
        b.clean_session(opts_.clean_session)
            .keep_alive_interval(opts_.keep_alive)
            .connect_timeout(std::chrono::seconds{10})
            .mqtt_version(MQTTVERSION_3_1_1);
        if (opts_.username) b.user_name(*opts_.username);
        if (opts_.password) b.password(*opts_.password);
        if (opts_.will) {
            b.will(::mqtt::message(opts_.will->topic, opts_.will->payload, opts_.will->qos,
                                   opts_.will->retained));
        }
        if (opts_.uri.starts_with("ssl://")) {
            ::mqtt::ssl_options_builder s;
            if (opts_.ca_file) s.trust_store(*opts_.ca_file);
            if (opts_.cert_file) s.key_store(*opts_.cert_file);
            if (opts_.key_file) s.private_key(*opts_.key_file);
            s.enable_server_cert_auth(true).verify(true);
            b.ssl(s.finalize());
        }
        return b.finalize();
    }

    void connect() {
        if (stopping_ || connecting_) return;
        connecting_ = true;
        auto weak = weak_from_this();
        auto* listener = new once_listener([weak](bool ok, int rc) {
            if (auto self = weak.lock()) self->post([ok, rc](impl& s) { s.connect_done(ok, rc); });
        });
        try {
            client_->connect(connect_options(), nullptr, *listener);
        } catch (const std::exception& e) {
            delete listener;
            connecting_ = false;
            log_->warn("mqtt connect failed uri={} error=\"{}\"", opts_.uri, e.what());
            schedule_retry();
        }
    }

    void connect_done(bool ok, int rc) {
        connecting_ = false;
        if (stopping_) return;
        if (!ok) {
            if (failures_++ % 20 == 0)
                log_->warn("mqtt connect failed uri={} rc={} attempts={}", opts_.uri, rc, failures_);
            schedule_retry();
            return;
        }
        connected_ = true;
        failures_ = 0;
        backoff_ = opts_.min_backoff;
        log_->info("mqtt connected uri={} client={}", opts_.uri, opts_.client_id);
        if (set_nodelay_towards(uri_port(opts_.uri)) == 0)
            log_->debug("mqtt TCP_NODELAY not set uri={} (no socket found)", opts_.uri);
        for (const auto& [filter, qos] : subscriptions_) subscribe_now(filter, qos);
        if (on_connection_) on_connection_(true);
    }

    void lost() {
        if (!connected_) return;
        connected_ = false;
        log_->warn("mqtt connection lost uri={}", opts_.uri);
        if (on_connection_) on_connection_(false);
        schedule_retry();
    }

    void schedule_retry() {
        if (stopping_) return;
        // Jitter spreads the reconnects of many hubs after a centre broker restart.
        std::uniform_real_distribution<double> jitter(0.8, 1.2);
        auto delay = std::chrono::milliseconds{static_cast<long long>(backoff_.count() * jitter(rng_))};
        backoff_ = std::min(backoff_ * 2, opts_.max_backoff);
        retry_.expires_after(delay);
        retry_.async_wait([weak = weak_from_this()](std::error_code ec) {
            if (ec) return;
            if (auto self = weak.lock()) self->connect();
        });
    }

    void subscribe_now(const std::string& filter, int qos) {
        auto* listener = new once_listener([log = log_, filter](bool ok, int rc) {
            if (!ok)
                log->error("mqtt subscribe failed filter={} rc={}", filter, rc);
            else
                log->debug("mqtt subscribed filter={}", filter);  // the broker's SUBACK
        });
        try {
            client_->subscribe(filter, qos, nullptr, *listener);
        } catch (const std::exception& e) {
            delete listener;
            log_->error("mqtt subscribe failed filter={} error=\"{}\"", filter, e.what());
        }
    }

    void publish(const std::string& topic, std::string payload, int qos, bool retained,
                 publish_handler done) {
        if (!connected_) {
            if (done) asio::post(io_, [done = std::move(done)] { done(false); });
            return;
        }
        // Without a handler, no listener: nothing to allocate or call back per message.
        auto* listener = done ? new once_listener([weak = weak_from_this(), done](bool ok, int) {
            if (auto self = weak.lock()) asio::post(self->io_, [done, ok] { done(ok); });
        })
                              : nullptr;
        try {
            auto msg = ::mqtt::make_message(topic, std::move(payload), qos, retained);
            if (listener)
                client_->publish(msg, nullptr, *listener);
            else
                client_->publish(msg);
        } catch (const std::exception& e) {
            delete listener;
            log_->warn("mqtt publish failed topic={} error=\"{}\"", topic, e.what());
            if (done) asio::post(io_, [done = std::move(done)] { done(false); });
        }
    }

    void stop(std::chrono::milliseconds timeout) {
        if (stopping_) return;
        stopping_ = true;
        retry_.cancel();
        try {
            if (client_->is_connected()) client_->disconnect(timeout)->wait_for(timeout);
        } catch (const std::exception& e) {
            log_->warn("mqtt disconnect failed uri={} error=\"{}\"", opts_.uri, e.what());
        }
        connected_ = false;
    }

    asio::io_context& io_;
    options opts_;
    std::shared_ptr<spdlog::logger> log_;
    std::unique_ptr<::mqtt::async_client> client_;
    asio::steady_timer retry_;
    std::chrono::milliseconds backoff_;
    std::minstd_rand rng_{std::random_device{}()};
    std::vector<std::pair<std::string, int>> subscriptions_;
    message_handler on_message_;
    connection_handler on_connection_;
    bool connected_ = false;
    bool connecting_ = false;
    bool stopping_ = false;
    unsigned failures_ = 0;
};

void skip_openssl_init() {
    MQTTAsync_init_options o = MQTTAsync_init_options_initializer;
    o.do_openssl_init = 0;
    MQTTAsync_global_init(&o);
}

session::session(asio::io_context& io, options opts, std::shared_ptr<spdlog::logger> log)
    : impl_(std::make_shared<impl>(io, std::move(opts), std::move(log))) {}

session::~session() {
    if (impl_) impl_->stop(std::chrono::milliseconds{500});
}

void session::on_message(message_handler h) {
    impl_->on_message_ = std::move(h);
}
void session::on_connection(connection_handler h) {
    impl_->on_connection_ = std::move(h);
}

void session::subscribe(const std::string& filter, int qos) {
    for (const auto& [f, q] : impl_->subscriptions_)
        if (f == filter) return;
    impl_->subscriptions_.emplace_back(filter, qos);
    if (impl_->connected_) impl_->subscribe_now(filter, qos);
}

void session::start() {
    impl_->start();
}

void session::publish(const std::string& topic, std::string payload, int qos, bool retained,
                      publish_handler done) {
    impl_->publish(topic, std::move(payload), qos, retained, std::move(done));
}

bool session::connected() const noexcept {
    return impl_->connected_;
}

void session::stop(std::chrono::milliseconds timeout) {
    impl_->stop(timeout);
}

}  // namespace warden::mqtt
