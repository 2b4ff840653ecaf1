#pragma once
/// Fan-out of server-sent events to console clients. Publishing never waits for a client: each
/// subscriber has a bounded queue, and a subscriber whose queue is full is dropped (its stream ends
/// and the browser reconnects and reloads).

#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

namespace warden::centre {

/// One server-sent event: `event: <name>` and one line of JSON data.
struct sse_event {
    std::string name;  ///< "alert" or "hub"
    std::string data;
};

/// How many streams may be open at once (each holds one of the HTTP server's threads). Alert handlers
/// (operators, supervisors) and every other role draw on separate pools, so no technician's or admin's
/// streams can take an operator's place; within a pool no one session or user can take it all.
struct sse_limits {
    std::size_t per_session = 4;  ///< streams of one login (a browser with a few tabs)
    std::size_t per_user = 8;     ///< streams of one user, all sessions together
    std::size_t handlers = 24;    ///< the pool of operators' and supervisors' streams
    std::size_t others = 8;       ///< the pool of every other role's streams
};

/// Which pool a stream draws on.
enum class sse_pool { handlers, others };

/// Why subscribe refused a stream.
enum class sse_refusal { none, session_limit, user_limit, pool_full, stopped };

/// One client's queue. Thread-safe.
class sse_subscriber {
public:
    enum class wait_result { events, timeout, closed };
    /// Waits up to `timeout` for events and moves them into `out`.
    wait_result wait(std::vector<sse_event>& out, std::chrono::milliseconds timeout);
    bool wants_alerts() const { return wants_alerts_; }
    sse_pool pool() const { return pool_; }
    /// The login session (token hash) and user the stream belongs to ("" if none given).
    const std::string& session() const { return session_; }
    const std::string& user() const { return user_; }

private:
    friend class sse_broadcaster;
    sse_subscriber(bool wants_alerts, std::string session, std::string user, sse_pool pool)
        : wants_alerts_(wants_alerts), pool_(pool), session_(std::move(session)), user_(std::move(user)) {}
    /// False if the queue was full: the subscriber is closed.
    bool push(const sse_event& e, std::size_t limit);
    void close();

    bool wants_alerts_;
    sse_pool pool_;
    std::string session_, user_;
    std::mutex mu_;
    std::condition_variable cv_;
    std::deque<sse_event> queue_;
    bool closed_ = false;
};

/// Thread-safe.
class sse_broadcaster {
public:
    explicit sse_broadcaster(std::size_t queue_limit = 512, sse_limits limits = {})
        : queue_limit_(queue_limit), limits_(limits) {}
    /// A new subscriber, or nullptr (with the reason in `why`, if given) when its session, its user or
    /// its pool has as many streams as sse_limits allows, or the broadcaster is stopped.
    /// `wants_alerts`: false for roles that may not read alerts (they get `hub` events only).
    /// `session` (the login's token hash) and `user` let end_session / end_user find the stream and
    /// count it against the per-session and per-user limits ("" counts against neither).
    std::shared_ptr<sse_subscriber> subscribe(bool wants_alerts, std::string session = {},
                                              std::string user = {}, sse_pool pool = sse_pool::handlers,
                                              sse_refusal* why = nullptr);
    void unsubscribe(const std::shared_ptr<sse_subscriber>& s);
    /// Closes the streams of one login session (logout) at once.
    void end_session(const std::string& session);
    /// Closes every stream of a user (disabled, role or password changed) at once.
    void end_user(const std::string& user);
    /// Closes every stream but takes new ones: each console reconnects and reloads (what it shows may
    /// be stale: cluster_hooks::missed).
    void end_all();
    /// Queues the event for every subscriber; drops those whose queue is full. Never blocks on a client.
    void publish(const sse_event& e);
    /// Several instances (cluster.hpp): `f` tells the other instances that an alert or hub changed here,
    /// so that they publish it to their own streams. Set once, before any publish.
    void set_relay(std::function<void(std::string_view name, const std::string& id)> f) {
        relay_ = std::move(f);
    }
    /// Calls the relay, if any (publish_alert_event and publish_hub_event do, after publishing here).
    void relay(std::string_view name, const std::string& id) const {
        if (relay_) relay_(name, id);
    }
    /// Closes every stream and refuses new ones.
    void stop();
    std::size_t subscribers();
    /// Subscribers dropped for being too slow, since start.
    std::size_t dropped();

private:
    /// Closes every stream whose `field` (session or user) is `value`.
    void end_where(const std::string& (sse_subscriber::*field)() const, const std::string& value);

    std::size_t queue_limit_;
    sse_limits limits_;
    std::mutex mu_;
    std::vector<std::shared_ptr<sse_subscriber>> subs_;
    bool stopped_ = false;
    std::size_t dropped_ = 0;
    std::function<void(std::string_view, const std::string&)> relay_;
};

}  // namespace warden::centre
