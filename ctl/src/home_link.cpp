#include "home_link.hpp"

#include <fmt/format.h>
#include <spdlog/spdlog.h>
#include <asio/executor_work_guard.hpp>

#include "cli.hpp"
#include "warden/mqtt/broker_options.hpp"

namespace warden::ctl {

home_link::home_link(const config::broker_spec& broker, std::string_view purpose,
                     std::shared_ptr<spdlog::logger> log)
    : uri_(broker.uri) {
    auto o = mqtt::broker_options(broker, fmt::format("warden-ctl-{}-{}", purpose, random_id().substr(0, 8)));
    o.clean_session = true;
    o.min_backoff = std::chrono::milliseconds{200};
    o.max_backoff = std::chrono::milliseconds{1000};
    try {
        session_ = std::make_unique<mqtt::session>(io_, std::move(o), std::move(log));
    } catch (const std::invalid_argument& e) {
        throw usage_error(fmt::format("home broker uri \"{}\": {}", broker.uri, e.what()));
    }
}

home_link::~home_link() {
    if (session_) session_->stop(std::chrono::milliseconds{1000});
}

void home_link::on_message(mqtt::session::message_handler h) {
    session_->on_message(std::move(h));
}

void home_link::subscribe(const std::string& filter, int qos) {
    session_->subscribe(filter, qos);
}

void home_link::connect(std::chrono::milliseconds timeout) {
    session_->start();
    if (!run_for(timeout, [this] { return session_->connected(); }))
        throw check_failed(fmt::format("cannot connect to the home broker {} (is mosquitto running?)", uri_));
}

bool home_link::run_until(const std::function<bool()>& done, std::chrono::steady_clock::time_point deadline) {
    // Paho's threads post their callbacks to io_ from outside; without outstanding work io_.run_*()
    // would return at once and this loop would spin a core while waiting. The guard keeps it blocked
    // until a handler is posted or the deadline passes.
    auto guard = asio::make_work_guard(io_);
    while (!(done && done())) {
        auto now = std::chrono::steady_clock::now();
        if (now >= deadline) break;
        if (io_.stopped()) io_.restart();
        io_.run_one_for(deadline - now);
    }
    return done && done();
}

bool home_link::run_for(std::chrono::milliseconds d, const std::function<bool()>& done) {
    return run_until(done, std::chrono::steady_clock::now() + d);
}

void home_link::publish(const std::string& topic, const std::string& payload, int qos, bool retained,
                        std::chrono::milliseconds timeout) {
    // Shared: the handler may still run after a timeout, during a later run_for().
    auto result = std::make_shared<std::optional<bool>>();
    session_->publish(topic, payload, qos, retained, [result](bool ok) { *result = ok; });
    run_for(timeout, [&] { return result->has_value(); });
    if (!result->has_value() || !**result)
        throw check_failed(fmt::format("the home broker {} did not accept the message on {}", uri_, topic));
}

}  // namespace warden::ctl
