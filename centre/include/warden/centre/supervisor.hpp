#pragma once
/// Hub supervision: a hub not heard for heartbeat_grace, or whose status says offline, gets a
/// centre-side `hub_offline` alert (priority normal, raised to high after escalate_after). When the hub is
/// heard again the alert is marked cleared; if no operator has acknowledged it yet it is also resolved
/// by "system" with outcome "hub_back_online" (an acknowledged one stays with its operator, who resolves
/// it). Hubs known from the store are supervised from start, so a centre restart forgets no silent hub.
/// A disabled hub (hub_record::disabled) is not heard, since ingest refuses it, and raises no
/// hub_offline; its deadline is pushed on by a grace each time it passes, so supervision resumes once it
/// is enabled again.
///
/// Several instances ([cluster], cluster.hpp): supervision runs on the leader only, started when the
/// instance becomes the leader and stopped when it stops being it. Hub messages land on any instance,
/// so before it raises hub_offline for a silent hub the supervisor reads the hub's last_seen from the
/// store: a hub another instance heard within the grace gets its deadline moved on, not an alert. A new
/// leader gives every hub a fresh grace from its takeover (as a restart does), so hubs whose last
/// messages went to an instance that died are not reported offline for it.
///
/// One asio timer on the earliest deadline; no polling. Runs on the io_context's thread only.

#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>

#include <asio/io_context.hpp>
#include <asio/steady_timer.hpp>

#include "warden/centre/clock.hpp"
#include "warden/centre/store.hpp"

namespace spdlog {
class logger;
}

namespace warden::centre {

class supervisor {
public:
    using clock = std::chrono::steady_clock;
    struct options {
        milliseconds heartbeat_grace{180'000};
        milliseconds escalate_after{900'000};
        /// Monotonic time for deadlines and wall-clock time for stored alerts; tests inject a virtual one.
        centre_clock clock;
    };
    struct hooks {
        std::function<void(const std::string& alert_id)> alert_changed;
        std::function<void(const std::string& hub)> hub_changed;
    };

    supervisor(asio::io_context& io, store& db, options opts, std::shared_ptr<spdlog::logger> log, hooks h);
    supervisor(const supervisor&) = delete;
    supervisor& operator=(const supervisor&) = delete;

    /// Loads the known hubs from the store (each with a fresh grace) and arms the timer.
    void start();
    /// Cancels the timer and forgets the hubs' deadlines (another instance may supervise them now).
    void stop();
    /// Between start() and stop().
    bool running() const { return running_; }
    /// The hub spoke (alert, heartbeat or live status): restart its deadline; clear hub_offline if raised.
    /// Ignored while not running.
    void heard(const std::string& hub);
    /// The hub's status says offline: raise hub_offline now (once). Ignored while not running.
    void offline(const std::string& hub);
    /// Raises and escalates whatever is due at options.clock and re-arms the timer (the timer calls it;
    /// tests call it after moving their clock).
    void check();

private:
    struct hub_state {
        clock::time_point deadline{};         ///< silent beyond this: offline
        std::optional<std::string> alert_id;  ///< the open hub_offline alert, while offline
        std::optional<clock::time_point> escalate_at;
    };
    void raise(const std::string& hub, hub_state& st, const std::string& why);
    /// When a hub's deadline passes: nullopt if it is really silent (raise), or the new deadline, if an
    /// admin disabled it (one grace on) or the store says it was heard since (perhaps by another
    /// instance: one grace after that). Read from the store.
    std::optional<clock::time_point> still_due(const std::string& hub, clock::time_point now);
    void arm();

    store& db_;
    options opts_;
    std::shared_ptr<spdlog::logger> log_;
    hooks hooks_;
    asio::steady_timer timer_;
    std::optional<clock::time_point> armed_;
    std::map<std::string, hub_state> hubs_;
    bool running_ = false;
};

}  // namespace warden::centre
