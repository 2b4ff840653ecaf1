#include "warden/centre/events.hpp"

#include <algorithm>

namespace warden::centre {

sse_subscriber::wait_result sse_subscriber::wait(std::vector<sse_event>& out,
                                                 std::chrono::milliseconds timeout) {
    std::unique_lock lock(mu_);
    cv_.wait_for(lock, timeout, [this] { return closed_ || !queue_.empty(); });
    if (closed_) return wait_result::closed;
    if (queue_.empty()) return wait_result::timeout;
    out.insert(out.end(), std::make_move_iterator(queue_.begin()), std::make_move_iterator(queue_.end()));
    queue_.clear();
    return wait_result::events;
}

bool sse_subscriber::push(const sse_event& e, std::size_t limit) {
    bool ok = true;
    {
        std::lock_guard lock(mu_);
        if (closed_) return false;
        if (queue_.size() >= limit) {
            closed_ = true;
            queue_.clear();
            ok = false;
        } else {
            queue_.push_back(e);
        }
    }
    cv_.notify_all();
    return ok;
}

void sse_subscriber::close() {
    {
        std::lock_guard lock(mu_);
        closed_ = true;
    }
    cv_.notify_all();
}

std::shared_ptr<sse_subscriber> sse_broadcaster::subscribe(bool wants_alerts, std::string session,
                                                           std::string user, sse_pool pool,
                                                           sse_refusal* why) {
    std::lock_guard lock(mu_);
    auto refuse = [why](sse_refusal r) {
        if (why) *why = r;
        return nullptr;
    };
    if (stopped_) return refuse(sse_refusal::stopped);
    std::size_t same_session = 0, same_user = 0, same_pool = 0;
    for (const auto& s : subs_) {
        same_session += !session.empty() && s->session() == session;
        same_user += !user.empty() && s->user() == user;
        same_pool += s->pool() == pool;
    }
    if (same_session >= limits_.per_session) return refuse(sse_refusal::session_limit);
    if (same_user >= limits_.per_user) return refuse(sse_refusal::user_limit);
    if (same_pool >= (pool == sse_pool::handlers ? limits_.handlers : limits_.others))
        return refuse(sse_refusal::pool_full);
    auto s = std::shared_ptr<sse_subscriber>(
        new sse_subscriber(wants_alerts, std::move(session), std::move(user), pool));
    subs_.push_back(s);
    if (why) *why = sse_refusal::none;
    return s;
}

void sse_broadcaster::end_session(const std::string& session) {
    if (!session.empty()) end_where(&sse_subscriber::session, session);
}

void sse_broadcaster::end_user(const std::string& user) {
    if (!user.empty()) end_where(&sse_subscriber::user, user);
}

void sse_broadcaster::end_all() {
    std::lock_guard lock(mu_);
    for (auto& s : subs_) s->close();
    subs_.clear();
}

void sse_broadcaster::end_where(const std::string& (sse_subscriber::*field)() const,
                                const std::string& value) {
    std::lock_guard lock(mu_);
    std::erase_if(subs_, [&](const std::shared_ptr<sse_subscriber>& s) {
        if (((*s).*field)() != value) return false;
        s->close();
        return true;
    });
}

void sse_broadcaster::unsubscribe(const std::shared_ptr<sse_subscriber>& s) {
    std::lock_guard lock(mu_);
    std::erase(subs_, s);
    s->close();
}

void sse_broadcaster::publish(const sse_event& e) {
    std::lock_guard lock(mu_);
    const bool is_alert = e.name == "alert";
    std::erase_if(subs_, [&](const std::shared_ptr<sse_subscriber>& s) {
        if (is_alert && !s->wants_alerts()) return false;
        if (s->push(e, queue_limit_)) return false;
        ++dropped_;
        return true;
    });
}

void sse_broadcaster::stop() {
    std::lock_guard lock(mu_);
    stopped_ = true;
    for (auto& s : subs_) s->close();
    subs_.clear();
}

std::size_t sse_broadcaster::subscribers() {
    std::lock_guard lock(mu_);
    return subs_.size();
}

std::size_t sse_broadcaster::dropped() {
    std::lock_guard lock(mu_);
    return dropped_;
}

}  // namespace warden::centre
