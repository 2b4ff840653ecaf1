#include "warden/hub/uplink.hpp"

#include <algorithm>

#include <spdlog/spdlog.h>
#include <nlohmann/json.hpp>

#include "warden/mqtt/broker_options.hpp"

namespace warden::hub {
namespace {

using steady = std::chrono::steady_clock;

/// An ack carries at most this many ids; more is a broken or hostile centre.
constexpr std::size_t max_ack_ids = 10'000;
/// A batch's payload stays under this (the centre drops payloads over 64 KiB unread).
constexpr std::size_t max_batch_bytes = 60 * 1024;

std::string status_json(const char* state) {
    return nlohmann::json{{"state", state}, {"at", format_time(now_ms())}}.dump();
}

}  // namespace

uplink::uplink(asio::io_context& io, uplink_options opts, const store& outbox,
               std::shared_ptr<spdlog::logger> log)
    : io_(io),
      opts_(std::move(opts)),
      outbox_(outbox),
      log_(std::move(log)),
      resend_timer_(io),
      heartbeat_timer_(io),
      stop_timer_(io),
      activity_timer_(io) {
    // Distinct from the home session's id: the two brokers may be one in small set-ups.
    auto o = mqtt::broker_options(opts_.broker, "warden-hub-" + opts_.hub_id + "-uplink");
    // A persistent session keeps acks and commands the centre sends while the hub reconnects;
    // the resend path would cover lost acks anyway.
    o.clean_session = false;
    o.will = mqtt::message{topic("status"), R"({"state":"offline"})", 1, true};
    o.max_backoff = std::chrono::milliseconds{30'000};
    session_ = std::make_unique<mqtt::session>(io_, std::move(o), log_);
    session_->on_message([this](mqtt::message m) { message(std::move(m)); });
    session_->on_connection([this](bool up) { connected_changed(up); });
    session_->subscribe(topic("ack"), 1);
    session_->subscribe(topic("command"), 1);
}

uplink::~uplink() = default;

std::string uplink::topic(const char* suffix) const {
    return "warden/v1/" + opts_.hub_id + "/" + suffix;
}

void uplink::start() {
    if (started_) return;
    started_ = true;
    since_ = now_ms();
    refill();
    refill_activity();
    session_->start();
    arm_heartbeat();
}

void uplink::stop(std::function<void()> done, milliseconds timeout) {
    if (stopping_) return;
    stopping_ = true;
    resend_timer_.cancel();
    heartbeat_timer_.cancel();
    activity_timer_.cancel();
    // Whichever comes first: the broker took the offline status, or the timeout.
    auto finish = std::make_shared<std::function<void()>>([this, done = std::move(done)]() mutable {
        stop_timer_.cancel();
        session_->stop(std::chrono::milliseconds{500});
        if (done) std::exchange(done, nullptr)();
    });
    if (!session_->connected()) {
        (*finish)();
        return;
    }
    // A clean disconnect does not fire the last will: say it ourselves.
    auto once = [finish] {
        if (*finish) std::exchange(*finish, nullptr)();
    };
    session_->publish(topic("status"), status_json("offline"), 1, true, [once](bool) { once(); });
    stop_timer_.expires_after(timeout);
    stop_timer_.async_wait([once](std::error_code ec) {
        if (!ec) once();
    });
}

bool uplink::connected() const noexcept {
    return session_->connected();
}

void uplink::connected_changed(bool up) {
    since_ = now_ms();
    batch_ = 0;  // whoever answers on the next connection says again whether it takes batches
    batches_unacked_ = false;
    if (up) {
        log_->info("uplink connected hub={} outbox_window={}", opts_.hub_id, window_.size());
        session_->publish(topic("status"), status_json("online"), 1, true);
        if (heartbeat_source_) session_->publish(topic("heartbeat"), heartbeat_source_(), 1, false);
        // Everything not acked goes again at once, in order, on the new connection.
        for (auto& f : window_) f.published = false;
        for (auto& f : activity_window_) f.published = false;
        pump();
    } else {
        log_->warn("uplink disconnected hub={} outbox_window={}", opts_.hub_id, window_.size());
        for (auto& f : window_) f.published = false;
        for (auto& f : activity_window_) f.published = false;
        resend_timer_.cancel();
        activity_timer_.cancel();
    }
    if (on_connection_) on_connection_(up);
}

void uplink::message(mqtt::message m) {
    if (m.topic == topic("ack")) {
        handle_ack(m.payload);
    } else if (m.topic == topic("command")) {
        if (on_command_) on_command_(m.payload);
    }
}

void uplink::handle_ack(const std::string& payload) {
    auto j = nlohmann::json::parse(payload, nullptr, false);
    // {"ids": [...]} for alerts, {"activity": [...]} for activity hours, or both.
    auto list = [&](const char* key) {
        return j.is_object() && j.contains(key) && j[key].is_array() && j[key].size() <= max_ack_ids;
    };
    const bool ids = list("ids"), hours = list("activity");
    if (j.is_discarded() || (!ids && !hours) || (j.contains("ids") && !ids) ||
        (j.contains("activity") && !hours)) {
        log_->warn("uplink ack dropped reason=malformed bytes={}", payload.size());
        return;
    }
    last_ack_ = now_ms();
    if (auto it = j.find("batch"); it != j.end() && it->is_number_unsigned() && !batches_unacked_)
        batch_ = std::min<std::size_t>(it->get<std::uint64_t>(), opts_.max_batch);
    if (hours) handle_activity_ack(j["activity"]);
    if (!ids) {
        pump();
        return;
    }
    auto now = steady::now();
    for (const auto& v : j["ids"]) {
        if (!v.is_string()) continue;
        const auto& id = v.get_ref<const std::string&>();
        std::optional<milliseconds> rtt;
        auto it =
            std::find_if(window_.begin(), window_.end(), [&](const flight& f) { return f.entry.id == id; });
        if (it != window_.end()) {
            if (it->first_sent) rtt = std::chrono::duration_cast<milliseconds>(now - *it->first_sent);
            if (it->batched) batches_unacked_ = false;  // batches do get through
            window_.erase(it);
        }
        // Ids outside the window (a resend acked twice, a row loaded later) are marked delivered too.
        if (on_acked_) on_acked_(id, rtt);
    }
    refill();
    pump();
}

bool uplink::in_window(const std::string& id) const {
    return std::any_of(window_.begin(), window_.end(), [&](const flight& f) { return f.entry.id == id; });
}

void uplink::send_unstored(const std::vector<outbox_entry>& rows) {
    // Outside the store's order and the window limit: an alarm the hub cannot write still goes out.
    // loaded_upto_ is left alone, so stored rows below these are still loaded from the store.
    for (const auto& r : rows) {
        if (in_window(r.id)) continue;
        log_->warn("uplink sending unstored alert={} reason=storage_fault", r.id);
        window_.push_back(flight{.entry = r, .queued = steady::now()});
    }
    pump();
}

void uplink::enqueue(const std::vector<outbox_entry>& rows) {
    for (const auto& r : rows) {
        if (r.seq <= loaded_upto_) continue;
        if (in_window(r.id)) {
            // Sent from memory before it could be stored; now it is in the store too.
            if (!more_in_store_) loaded_upto_ = r.seq;
            continue;
        }
        if (more_in_store_ || window_.size() >= opts_.window) {
            more_in_store_ = true;  // it is in the store; refill() takes it in order later
            continue;
        }
        window_.push_back(flight{.entry = r, .queued = steady::now()});
        loaded_upto_ = r.seq;
    }
    refill();
    pump();
}

void uplink::refill() {
    while (more_in_store_ && window_.size() < opts_.window) {
        auto want = opts_.window - window_.size();
        auto rows = outbox_.undelivered(loaded_upto_, want);
        for (auto& r : rows) {
            loaded_upto_ = std::max(loaded_upto_, r.seq);
            if (in_window(r.id)) continue;  // sent from memory before it was stored
            window_.push_back(flight{.entry = std::move(r), .queued = steady::now()});
        }
        if (rows.size() < want) more_in_store_ = false;
        if (rows.empty()) break;
    }
}

milliseconds uplink::backoff(int attempts) const {
    auto d = opts_.ack_timeout;
    for (int i = 1; i < attempts && d < opts_.max_backoff; ++i) d *= 2;
    return std::min(d, opts_.max_backoff);
}

void uplink::pump() {
    if (stopping_ || !session_->connected()) return;
    auto now = steady::now();
    std::string batch;  // "[a,b,...]" of the alerts taken since the last publish
    std::size_t in_batch = 0;
    flight* single = nullptr;  // the last one taken: the whole batch when it is alone
    auto flush = [&] {
        if (in_batch == 1) {
            single->batched = false;
            session_->publish(topic("alert"), single->entry.json, 1, false);
        } else if (in_batch > 1) {
            batch += ']';
            session_->publish(topic("alerts"), std::move(batch), 1, false);
        }
        batch.clear();
        in_batch = 0;
    };
    for (auto& f : window_) {
        if (f.published) continue;
        f.published = true;
        ++f.attempts;
        f.due = now + backoff(f.attempts);
        if (!f.first_sent) f.first_sent = now;
        if (f.attempts > 1) log_->info("uplink resend alert={} attempt={}", f.entry.id, f.attempts);
        sent_.push_back(f.entry.id);
        const auto& bytes = f.entry.json;
        f.batched = batch_ > 1;
        if (!f.batched) {
            session_->publish(topic("alert"), bytes, 1, false);
            continue;
        }
        if (in_batch > 0 && (in_batch == batch_ || batch.size() + bytes.size() + 2 > max_batch_bytes))
            flush();
        batch += in_batch == 0 ? '[' : ',';
        batch += bytes;
        single = &f;
        ++in_batch;
    }
    flush();
    arm_resend();
    pump_activity();
}

void uplink::arm_resend() {
    if (window_.empty() || !session_->connected()) {
        resend_timer_.cancel();
        return;
    }
    auto due = std::min_element(window_.begin(), window_.end(), [](const flight& a, const flight& b) {
                   return a.due < b.due;
               })->due;
    resend_timer_.expires_at(due);
    resend_timer_.async_wait([this](std::error_code ec) {
        if (ec || stopping_) return;
        auto now = steady::now();
        // The overdue ones go again from the oldest, each with its own id and bytes unchanged.
        bool batch_overdue = false;
        for (auto& f : window_)
            if (f.published && f.due <= now) {
                f.published = false;
                batch_overdue = batch_overdue || f.batched;
            }
        if (batch_overdue && batch_ > 1) {
            // A batch went unacked past its timeout: the broker may drop batches (an ACL without the
            // batch topic says nothing). Single alerts until an ack names an alert that went in a
            // batch (the centre was only slow) or the next connection.
            log_->warn(
                "uplink batch not acked, sending single alerts hub={} "
                "(does the broker's ACL let the hub write warden/v1/{}/alerts?)",
                opts_.hub_id, opts_.hub_id);
            batches_unacked_ = true;
            batch_ = 0;
            // Every alert still out in a batch goes again now, alone, oldest first.
            for (auto& f : window_)
                if (f.batched) f.published = false;
        }
        pump();
    });
}

void uplink::enqueue_activity(const std::vector<activity_row>& rows) {
    for (const auto& r : rows) {
        if (activity_loaded_upto_ && r.hour <= *activity_loaded_upto_) continue;
        if (more_activity_ || activity_window_.size() >= opts_.activity_window) {
            more_activity_ = true;  // in the store; refill_activity() takes it in order later
            continue;
        }
        activity_window_.push_back(activity_flight{.row = r});
        activity_loaded_upto_ = r.hour;
    }
    refill_activity();
    pump_activity();
}

void uplink::refill_activity() {
    while (more_activity_ && activity_window_.size() < opts_.activity_window) {
        auto want = opts_.activity_window - activity_window_.size();
        auto rows = outbox_.undelivered_activity(activity_loaded_upto_, want);
        for (auto& r : rows) {
            activity_loaded_upto_ = r.hour;
            activity_window_.push_back(activity_flight{.row = std::move(r)});
        }
        if (rows.size() < want) more_activity_ = false;
        if (rows.empty()) break;
    }
}

void uplink::handle_activity_ack(const nlohmann::json& hours) {
    for (const auto& v : hours) {
        if (!v.is_string()) continue;
        auto hour = parse_time(v.get_ref<const std::string&>());
        if (!hour) continue;
        auto it = std::find_if(activity_window_.begin(), activity_window_.end(),
                               [&](const activity_flight& f) { return f.row.hour == *hour; });
        if (it != activity_window_.end()) activity_window_.erase(it);
        // An hour outside the window (acked twice, loaded later) is marked delivered too.
        if (on_activity_acked_) on_activity_acked_(*hour);
    }
    refill_activity();
}

void uplink::pump_activity() {
    if (stopping_ || !session_->connected()) return;
    // Alarms go first: no summary is published while an alert waits to be.
    if (more_in_store_ ||
        std::any_of(window_.begin(), window_.end(), [](const flight& f) { return !f.published; }))
        return;
    auto now = steady::now();
    for (auto& f : activity_window_) {
        if (f.published) continue;
        f.published = true;
        ++f.attempts;
        f.due = now + backoff(f.attempts);
        if (f.attempts > 1)
            log_->info("uplink resend activity hour={} attempt={}", format_time(f.row.hour), f.attempts);
        session_->publish(topic("activity"), f.row.json, 1, false);
    }
    arm_activity_resend();
}

void uplink::arm_activity_resend() {
    // Only published hours wait for an ack; the others wait for the alerts ahead of them.
    std::optional<steady::time_point> due;
    for (const auto& f : activity_window_)
        if (f.published && (!due || f.due < *due)) due = f.due;
    if (!due || !session_->connected()) {
        activity_timer_.cancel();
        return;
    }
    activity_timer_.expires_at(*due);
    activity_timer_.async_wait([this](std::error_code ec) {
        if (ec || stopping_) return;
        auto now = steady::now();
        for (auto& f : activity_window_)
            if (f.published && f.due <= now) f.published = false;
        pump_activity();
    });
}

void uplink::arm_heartbeat() {
    heartbeat_timer_.expires_after(opts_.heartbeat);
    heartbeat_timer_.async_wait([this](std::error_code ec) {
        if (ec || stopping_) return;
        if (session_->connected() && heartbeat_source_)
            session_->publish(topic("heartbeat"), heartbeat_source_(), 1, false);
        arm_heartbeat();
    });
}

void uplink::publish(const std::string& topic_suffix, std::string payload, bool retained) {
    if (!session_->connected()) return;
    session_->publish("warden/v1/" + opts_.hub_id + "/" + topic_suffix, std::move(payload), 1, retained);
}

std::vector<std::string> uplink::take_sent() {
    return std::exchange(sent_, {});
}

std::vector<outbox_entry> uplink::unacked_older_than(milliseconds age) const {
    std::vector<outbox_entry> out;
    auto limit = steady::now() - age;
    for (const auto& f : window_)
        if (f.queued <= limit) out.push_back(f.entry);
    return out;
}

}  // namespace warden::hub
