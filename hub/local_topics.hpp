#pragma once
/// The hub's side of the home broker's warden/local/... topics: the requests it takes (cancel, away,
/// command) and what it publishes (state, retained and at most once a second; prealarm; result).
///
/// Thread rules: construct, call and destroy on the io_context's thread; its timer runs there.

#include <chrono>
#include <functional>
#include <optional>
#include <string>
#include <string_view>

#include <asio/io_context.hpp>
#include <asio/steady_timer.hpp>

#include "warden/mqtt/session.hpp"

namespace warden::hub {

namespace topic {
inline constexpr const char* state = "warden/local/state";
inline constexpr const char* prealarm = "warden/local/prealarm";
inline constexpr const char* cancel = "warden/local/cancel";
inline constexpr const char* away = "warden/local/away";
inline constexpr const char* command = "warden/local/command";
inline constexpr const char* result = "warden/local/result";
}  // namespace topic

/// True for the topics that carry requests to the hub (cancel, away, command).
bool is_local_request(std::string_view t) noexcept;

/// Reads warden/local/away: {"on":true}, "on"/"off", true/false (any case, trailing space). Nullopt
/// if it is none of those.
std::optional<bool> parse_away(const std::string& payload);

class local_topics {
public:
    /// `state` builds the warden/local/state document when it is published.
    local_topics(asio::io_context& io, mqtt::session& home, std::function<std::string()> state);
    local_topics(const local_topics&) = delete;
    local_topics& operator=(const local_topics&) = delete;

    /// Subscribes to the request topics (QoS 1).
    void subscribe();
    /// Something in the state changed: publish it now, or when a second has passed since the last.
    void mark_state_dirty();
    /// Publishes on `t` if the home broker is connected (QoS 1); drops it otherwise.
    void publish(const char* t, std::string payload, bool retained = false);
    /// The hub is stopping: no further state publishing.
    void stop();

private:
    void publish_state();

    mqtt::session& home_;
    std::function<std::string()> state_;
    asio::steady_timer timer_;
    bool dirty_ = false;
    bool armed_ = false;
    bool stopping_ = false;
    std::chrono::steady_clock::time_point last_{};
};

}  // namespace warden::hub
