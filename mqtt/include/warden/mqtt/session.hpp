#pragma once
/// A narrow seam over Eclipse Paho MQTT C++ (1.2): one MQTT connection driven from an asio::io_context.
///
/// Paho runs its own threads; every Paho callback here only posts to the io_context and returns, so
/// all handlers given to a session run on the io_context's thread. The session connects in the
/// background and reconnects with backoff forever; subscriptions are remembered and renewed on every
/// connect.

#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <string>

#include <asio/io_context.hpp>

namespace spdlog {
class logger;
}

namespace warden::mqtt {

/// A message to publish as last will, or one received.
struct message {
    std::string topic;
    std::string payload;
    int qos = 1;
    bool retained = false;
};

struct options {
    std::string uri;  ///< tcp://host:port or ssl://host:port (mqtt:// and mqtts:// too)
    std::string client_id;
    std::optional<std::string> username, password;
    std::optional<std::string> ca_file;    ///< trust store for ssl://
    std::optional<std::string> cert_file;  ///< client certificate (mutual TLS)
    std::optional<std::string> key_file;   ///< client private key
    bool clean_session = true;    ///< false: a persistent session; the broker queues QoS 1 while away
    std::optional<message> will;  ///< last will, published by the broker if the connection dies
    std::chrono::seconds keep_alive{20};
    std::chrono::milliseconds min_backoff{250};
    std::chrono::milliseconds max_backoff{30'000};
};

/// For a program that makes no TLS connection: call once, before the first session. Paho MQTT C
/// then skips its explicit OpenSSL start-up (error strings and the tables of every algorithm), which
/// would cost the process private memory it never uses (docs/PERFORMANCE.md). A TLS session made
/// anyway still works: OpenSSL (1.1 and later) starts itself when first used.
void skip_openssl_init();

/// Thread rules: construct, call and destroy on the io_context's thread (or before it runs).
class session {
public:
    using message_handler = std::function<void(message)>;
    /// Called with true after every successful (re)connect, false when the connection is lost.
    using connection_handler = std::function<void(bool connected)>;
    /// Called once per publish: true when the broker has it (QoS 1: PUBACK), false on failure.
    using publish_handler = std::function<void(bool ok)>;

    /// Throws std::invalid_argument for an unusable URI or client id.
    session(asio::io_context& io, options opts, std::shared_ptr<spdlog::logger> log);
    ~session();
    session(const session&) = delete;
    session& operator=(const session&) = delete;

    void on_message(message_handler h);
    void on_connection(connection_handler h);

    /// Remembers a subscription; made at once if connected and again on every reconnect.
    void subscribe(const std::string& filter, int qos);

    /// Starts connecting (and reconnecting forever with backoff).
    void start();

    /// Publishes. Fails at once (handler(false), posted) when not connected.
    void publish(const std::string& topic, std::string payload, int qos, bool retained,
                 publish_handler done = {});

    bool connected() const noexcept;

    /// Disconnects cleanly (publishing nothing further, no last will) and stops reconnecting.
    /// Blocks up to `timeout` for the broker to confirm.
    void stop(std::chrono::milliseconds timeout = std::chrono::milliseconds{2000});

private:
    struct impl;
    std::shared_ptr<impl> impl_;
};

}  // namespace warden::mqtt
