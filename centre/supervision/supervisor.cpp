#include "warden/centre/supervisor.hpp"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

namespace warden::centre {

supervisor::supervisor(asio::io_context& io, store& db, options opts, std::shared_ptr<spdlog::logger> log,
                       hooks h)
    : db_(db), opts_(opts), log_(std::move(log)), hooks_(std::move(h)), timer_(io) {}

void supervisor::start() {
    hubs_.clear();
    running_ = true;
    auto now = opts_.clock.steady();
    auto wall = opts_.clock.wall();
    for (const auto& h : db_.list_hubs()) {
        hub_state st;
        st.deadline = now + opts_.heartbeat_grace;  // a fresh grace from start for every known hub
        if (auto open = db_.uncleared_alert(h.id, "hub_offline")) {
            st.alert_id = open->a.id;
            if (open->a.priority > priority::high)
                st.escalate_at = now + (open->a.at + opts_.escalate_after - wall);
        }
        hubs_.emplace(h.id, std::move(st));
    }
    log_->info("supervision started hubs={} heartbeat_grace={} escalate_after={}", hubs_.size(),
               format_duration(opts_.heartbeat_grace), format_duration(opts_.escalate_after));
    arm();
}

void supervisor::stop() {
    running_ = false;
    timer_.cancel();
    armed_.reset();
    hubs_.clear();
}

void supervisor::heard(const std::string& hub) {
    if (!running_) return;
    auto [it, added] = hubs_.try_emplace(hub);
    auto& st = it->second;
    st.deadline = opts_.clock.steady() + opts_.heartbeat_grace;
    if (added) log_->info("hub supervised hub={}", hub);
    if (st.alert_id) {
        auto id = *st.alert_id;
        st.alert_id.reset();
        st.escalate_at.reset();
        try {
            // Online first, so anyone who sees the alert cleared also sees the hub online.
            db_.set_hub_online(hub, true);
            db_.clear(id, "system", "hub heard again", std::string("hub_back_online"), opts_.clock.wall());
        } catch (const std::exception& e) {
            log_->error("store failed clearing hub_offline alert={} error=\"{}\"", id, e.what());
        }
        log_->info("hub back online hub={} alert={}", hub, id);
        if (hooks_.alert_changed) hooks_.alert_changed(id);
        if (hooks_.hub_changed) hooks_.hub_changed(hub);
    } else if (added) {
        try {
            db_.set_hub_online(hub, true);
        } catch (const std::exception& e) {
            log_->error("store failed hub={} error=\"{}\"", hub, e.what());
        }
    }
    if (!armed_ || st.deadline < *armed_) arm();
}

void supervisor::offline(const std::string& hub) {
    if (!running_) return;
    auto& st = hubs_[hub];
    if (!st.alert_id) raise(hub, st, "the hub reported offline (its connection to the centre broke)");
    arm();
}

void supervisor::raise(const std::string& hub, hub_state& st, const std::string& why) {
    alert a;
    a.hub = hub;
    try {
        a.seq = static_cast<std::uint64_t>(db_.count_alerts(hub, "hub_offline")) + 1;
        a.id = fmt::format("centre-hub_offline-{}-{}", hub, a.seq);
        a.type = "hub_offline";
        a.state = alert_state::raised;
        a.priority = priority::normal;
        a.sia = "YC";  // SIA: communications fail
        a.at = opts_.clock.wall();
        a.rule = "supervision";
        a.text = fmt::format("Hub offline: {}", why);
        ingest_batch b;
        b.alerts.push_back(a);
        b.received_at = a.at;
        db_.set_hub_online(hub, false);  // first, so anyone who sees the alert also sees the hub offline
        db_.ingest(b);
    } catch (const std::exception& e) {
        log_->error("store failed raising hub_offline hub={} error=\"{}\"", hub, e.what());
        st.deadline = opts_.clock.steady() + std::chrono::seconds{5};  // try again soon
        return;
    }
    st.alert_id = a.id;
    st.escalate_at = opts_.clock.steady() + opts_.escalate_after;
    log_->warn("hub offline hub={} alert={}", hub, a.id);
    if (hooks_.alert_changed) hooks_.alert_changed(a.id);
    if (hooks_.hub_changed) hooks_.hub_changed(hub);
}

std::optional<supervisor::clock::time_point> supervisor::still_due(const std::string& hub,
                                                                   clock::time_point now) {
    std::optional<hub_record> h;
    try {
        h = db_.get_hub(hub);
    } catch (const std::exception& e) {
        log_->error("store failed reading hub={} error=\"{}\"", hub, e.what());
        return std::nullopt;
    }
    // A disabled hub is not heard (ingest refuses it): it is not offline, it is shut out. Looked at
    // again one grace later, so that once enabled it is supervised again.
    if (h && h->disabled) return now + opts_.heartbeat_grace;
    if (h && h->last_seen) {
        auto since = opts_.clock.wall() - *h->last_seen;
        if (since < opts_.heartbeat_grace) return now + (opts_.heartbeat_grace - since);
    }
    return std::nullopt;
}

void supervisor::arm() {
    std::optional<clock::time_point> next;
    for (const auto& [hub, st] : hubs_) {
        auto d = st.alert_id ? st.escalate_at : std::optional{st.deadline};
        if (d && (!next || *d < *next)) next = d;
    }
    if (next == armed_) return;
    armed_ = next;
    if (!next) {
        timer_.cancel();
        return;
    }
    timer_.expires_at(*next);
    timer_.async_wait([this](std::error_code ec) {
        if (ec) return;  // cancelled (re-armed or stopped)
        armed_.reset();
        check();
    });
}

void supervisor::check() {
    auto now = opts_.clock.steady();
    for (auto& [hub, st] : hubs_) {
        if (!st.alert_id && st.deadline <= now) {
            if (auto later = still_due(hub, now)) {
                st.deadline = *later;
                continue;
            }
            raise(hub, st, fmt::format("not heard for {}", format_duration(opts_.heartbeat_grace)));
        } else if (st.alert_id && st.escalate_at && *st.escalate_at <= now) {
            st.escalate_at.reset();
            try {
                auto r =
                    db_.escalate(*st.alert_id, priority::high,
                                 fmt::format("offline longer than {}", format_duration(opts_.escalate_after)),
                                 opts_.clock.wall());
                if (r == change_result::ok) {
                    log_->warn("hub_offline escalated hub={} alert={}", hub, *st.alert_id);
                    if (hooks_.alert_changed) hooks_.alert_changed(*st.alert_id);
                }
            } catch (const std::exception& e) {
                log_->error("store failed escalating alert={} error=\"{}\"", *st.alert_id, e.what());
            }
        }
    }
    arm();
}

}  // namespace warden::centre
