#pragma once
// Internal to warden-ctl: a short-lived connection to the home broker, driven synchronously
// (warden-ctl is a command, not a daemon): connect, subscribe, run the io_context until a condition
// or a deadline, publish and wait for the broker's PUBACK.

#include <chrono>
#include <functional>
#include <memory>
#include <string>

#include <asio/io_context.hpp>

#include "warden/config/hub_config.hpp"
#include "warden/mqtt/session.hpp"

namespace spdlog {
class logger;
}

namespace warden::ctl {

class home_link {
public:
    /// Does not connect yet. `purpose` goes into the client id ("warden-ctl-devices-<random>").
    home_link(const config::broker_spec& broker, std::string_view purpose,
              std::shared_ptr<spdlog::logger> log);
    ~home_link();

    void on_message(mqtt::session::message_handler h);
    void subscribe(const std::string& filter, int qos = 1);

    /// Connects; throws check_failed naming the broker when it does not answer within `timeout`.
    void connect(std::chrono::milliseconds timeout = std::chrono::seconds{5});

    /// Runs the io_context until `done()` is true (checked after every handler) or the time is up.
    /// Returns done().
    bool run_until(const std::function<bool()>& done, std::chrono::steady_clock::time_point deadline);
    bool run_for(std::chrono::milliseconds d, const std::function<bool()>& done = {});

    /// Publishes and waits for the broker to accept it; throws check_failed when it does not.
    void publish(const std::string& topic, const std::string& payload, int qos = 1, bool retained = false,
                 std::chrono::milliseconds timeout = std::chrono::seconds{5});

    const std::string& uri() const noexcept { return uri_; }

private:
    asio::io_context io_;
    std::string uri_;
    std::unique_ptr<mqtt::session> session_;
};

}  // namespace warden::ctl
