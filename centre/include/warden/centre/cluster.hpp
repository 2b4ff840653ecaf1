#pragma once
/// Several warden-centre instances side by side (docs/install.md, "Several instances"): what one
/// instance shares with the others beyond the database, through one `cluster_link`.
///
/// - Leadership: hub supervision runs on one instance at a time, the leader. The single centre (SQLite)
///   is always the leader; on PostgreSQL the leader holds a session advisory lock on a connection of its
///   own, so the lock goes with the process (a crash or kill -9 closes the connection and frees it) and
///   another instance takes it within `check_every`.
/// - Messages: alerts and hubs an instance stored or changed (every instance feeds them to its own
///   event streams, so a console behind any instance sees them) and the hubs it heard from or saw go
///   offline (for the leader's supervision). Best effort: a lost message costs a console a late update
///   (the console reloads when its stream reconnects) or the leader a late clear; supervision reads the
///   hub's last_seen from the database before it raises, so a lost message never raises a false alert.
///   Messages are not lost to a dropped connection: the sender keeps those it could not send and sends
///   them once it has reconnected, and a receiver whose connection was lost (it may have missed some)
///   calls `missed`, on which the centre ends its event streams so that every console reloads.
///
/// On PostgreSQL the messages are NOTIFY on one channel, batched: one payload names the sender, the
/// kind and up to ~7,000 bytes of ids (NOTIFY takes under 8,000); an id that could never fit one (none
/// does: hub ids are at most 64 bytes) is left out and logged.

#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include <asio/io_context.hpp>

namespace spdlog {
class logger;
}

namespace warden::centre {

/// What a message from another instance is about.
enum class peer_kind {
    alert,    ///< alerts stored or changed: publish their current state to this instance's streams
    hub,      ///< hub rows changed: the same for hubs
    heard,    ///< hubs heard from (alert, heartbeat, live status): the leader's supervision hears them
    offline,  ///< hubs whose status said offline: the leader raises hub_offline
};
/// "alert", "hub", "heard", "offline".
const char* to_string(peer_kind k) noexcept;

struct cluster_hooks {
    /// This instance became the leader (true) or stopped being it (false). On the io_context's thread.
    std::function<void(bool leader)> leadership;
    /// A message from another instance (never one's own). On the io_context's thread.
    std::function<void(peer_kind kind, const std::vector<std::string>& ids)> message;
    /// Messages from other instances may have been missed: the connection that receives them was lost
    /// and is back. What this instance's consoles show may be stale (the centre ends their streams, so
    /// they reconnect and reload). On the io_context's thread.
    std::function<void()> missed;
};

class cluster_link {
public:
    virtual ~cluster_link() = default;
    /// Starts taking part; the hooks are called on the io_context's thread from now on.
    virtual void start(cluster_hooks hooks) = 0;
    /// Tells the other instances (any thread; queued, never waits for the database).
    virtual void send(peer_kind kind, const std::string& id) = 0;
    /// Leaves: gives up leadership (the other instances take over) and stops calling the hooks.
    virtual void stop() = 0;
};

/// The single centre: always the leader, nobody to tell.
std::unique_ptr<cluster_link> single_instance_link(asio::io_context& io);

struct postgresql_link_options {
    std::string uri;       ///< postgresql://...
    std::string instance;  ///< this instance's name ([cluster] instance); messages carry it
    std::string channel = "warden_centre";
    /// How often a follower tries to take the lease and the leader checks its connection.
    std::chrono::milliseconds check_every{500};
};

/// Several instances on PostgreSQL: a session advisory lock held on a dedicated connection for the
/// leadership, LISTEN on that connection for messages, and a second connection (its own thread) that
/// sends the queued messages as NOTIFY. Either connection lost: reconnects every second; the leader that
/// loses its lease connection steps down at once.
std::unique_ptr<cluster_link> postgresql_link(asio::io_context& io, postgresql_link_options opts,
                                              std::shared_ptr<spdlog::logger> log);

}  // namespace warden::centre
