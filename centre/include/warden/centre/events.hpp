#pragma once
/// Fan-out of server-sent events to console clients. Publishing never waits for a client: each
/// subscriber has a bounded queue, and a subscriber whose queue is full is dropped (its stream ends
/// and the browser reconnects and reloads).

#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <deque>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

namespace warden::centre {

/// One server-sent event: `event: <name>` and one line of JSON data.
struct sse_event {
    std::string name;  ///< "alert" or "hub"
    std::string data;
};

/// One client's queue. Thread-safe.
class sse_subscriber {
public:
    enum class wait_result { events, timeout, closed };
    /// Waits up to `timeout` for events and moves them into `out`.
    wait_result wait(std::vector<sse_event>& out, std::chrono::milliseconds timeout);
    bool wants_alerts() const { return wants_alerts_; }
    /// The login session (token hash) and user the stream belongs to ("" if none given).
    const std::string& session() const { return session_; }
    const std::string& user() const { return user_; }

private:
    friend class sse_broadcaster;
    sse_subscriber(bool wants_alerts, std::string session, std::string user)
        : wants_alerts_(wants_alerts), session_(std::move(session)), user_(std::move(user)) {}
    /// False if the queue was full: the subscriber is closed.
    bool push(const sse_event& e, std::size_t limit);
    void close();

    bool wants_alerts_;
    std::string session_, user_;
    std::mutex mu_;
    std::condition_variable cv_;
    std::deque<sse_event> queue_;
    bool closed_ = false;
};

/// Thread-safe.
class sse_broadcaster {
public:
    explicit sse_broadcaster(std::size_t queue_limit = 512, std::size_t max_subscribers = 24)
        : queue_limit_(queue_limit), max_subscribers_(max_subscribers) {}
    /// A new subscriber, or nullptr if there are too many (or the broadcaster is stopped).
    /// `wants_alerts`: false for roles that may not read alerts (they get `hub` events only).
    /// `session` (the login's token hash) and `user` let end_session / end_user find the stream.
    std::shared_ptr<sse_subscriber> subscribe(bool wants_alerts, std::string session = {},
                                              std::string user = {});
    void unsubscribe(const std::shared_ptr<sse_subscriber>& s);
    /// Closes the streams of one login session (logout) at once.
    void end_session(const std::string& session);
    /// Closes every stream of a user (disabled, role or password changed) at once.
    void end_user(const std::string& user);
    /// Queues the event for every subscriber; drops those whose queue is full. Never blocks on a client.
    void publish(const sse_event& e);
    /// Closes every stream and refuses new ones.
    void stop();
    std::size_t subscribers();
    /// Subscribers dropped for being too slow, since start.
    std::size_t dropped();

private:
    /// Closes every stream whose `field` (session or user) is `value`.
    void end_where(const std::string& (sse_subscriber::*field)() const, const std::string& value);

    std::size_t queue_limit_;
    std::size_t max_subscribers_;
    std::mutex mu_;
    std::vector<std::shared_ptr<sse_subscriber>> subs_;
    bool stopped_ = false;
    std::size_t dropped_ = 0;
};

}  // namespace warden::centre
