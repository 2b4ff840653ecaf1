#include "commit_path.hpp"

#include <algorithm>
#include <chrono>

#include <spdlog/spdlog.h>
#include <asio/post.hpp>

namespace warden::hub {

namespace {

using steady = std::chrono::steady_clock;
using json = nlohmann::json;

/// Group commit: a batch is written when the io_context has run what was queued, or at this size.
constexpr std::size_t max_batch_messages = 256;
/// Delivered marks wait at most this long for a commit of their own.
constexpr milliseconds marks_delay{250};

}  // namespace

json iso_or_null(const std::optional<time_point>& t) {
    return t ? json(format_time(*t)) : json(nullptr);
}

commit_path::commit_path(asio::io_context& io, store& st, std::string hub_id,
                         std::shared_ptr<spdlog::logger> log, std::function<bool()> read_only, hooks h)
    : io_(io),
      store_(st),
      hub_id_(std::move(hub_id)),
      log_(std::move(log)),
      read_only_(std::move(read_only)),
      hooks_(std::move(h)),
      retry_timer_(io),
      marks_timer_(io) {}

void commit_path::add_message(time_point at, const std::string& topic, const std::string& payload,
                              bool logged) {
    ++pending_messages_;
    // While writes keep failing, the event log gives way so the batch held in memory stays small.
    if (failures_ >= 2)
        ++events_not_logged_;
    else if (logged)
        pending_.events.push_back({at, topic, payload});
}

std::size_t commit_path::add(new_alert n) {
    pending_.alerts.push_back(std::move(n));
    return pending_.alerts.size() - 1;
}

void commit_path::delivered(std::string id) {
    pending_.delivered.push_back(std::move(id));
    arm_marks();
}

void commit_path::activity_delivered(time_point hour) {
    pending_.activity_delivered.push_back(hour);
    arm_marks();
}

void commit_path::arm_marks() {
    if (marks_armed_ || stopping_) return;
    marks_armed_ = true;
    marks_timer_.expires_after(marks_delay);
    marks_timer_.async_wait([this](std::error_code ec) {
        marks_armed_ = false;
        if (ec || stopping_) return;
        schedule();
    });
}

void commit_path::schedule() {
    if (retry_armed_) {
        // The storage retry timer flushes; while writes keep failing, new alerts go out meanwhile.
        if (failures_ >= 2) send_unstored();
        return;
    }
    if (pending_messages_ >= max_batch_messages) {
        flush();
        return;
    }
    if (flush_posted_) return;
    flush_posted_ = true;
    // Posted behind whatever is already queued: under load one commit covers many messages,
    // a message alone is committed at once.
    asio::post(io_, [this] {
        flush_posted_ = false;
        if (!retry_armed_) flush();
    });
}

void commit_path::flush() {
    if (engine_dirty_) {
        // Most messages change the state (last seen, last activity); a timer that did nothing does
        // not, and then there is nothing to write.
        auto state = hooks_.rule_state();
        if (state != saved_state_) pending_.engine_state = std::move(state);
        engine_dirty_ = false;
    }
    auto sent = hooks_.take_sent();
    pending_.sent.insert(pending_.sent.end(), sent.begin(), sent.end());
    if (pending_.empty()) return;
    pending_.now = now_ms();

    batch b = std::move(pending_);
    pending_ = {};
    pending_messages_ = 0;
    if (read_only_) store_.set_read_only(read_only_());
    auto started = steady::now();
    auto r = store_.commit(b);
    if (!r) {
        failed(std::move(b), *r.error);
        return;
    }
    if (b.engine_state) saved_state_ = std::move(*b.engine_state);
    auto took = steady::now() - started;
    if (took > milliseconds{500})
        log_->warn("slow commit ms={} events={} alerts={}",
                   std::chrono::duration_cast<milliseconds>(took).count(), b.events.size(), b.alerts.size());
    failures_ = 0;
    if (!r.added.empty()) next_seq_ = std::max(next_seq_, r.added.back().seq + 1);
    unstored_conditions_.clear();

    for (const auto& e : r.added) {
        auto a = json::parse(e.json);
        log_->info("alert committed alert={} type={} state={} sensor={} rule={}", e.id, a.value("type", ""),
                   a.value("state", ""), a.value("sensor", ""), a.value("rule", ""));
    }
    hooks_.committed(r.added);
    if (!b.activity.empty() && hooks_.activity_committed) hooks_.activity_committed(b.activity);
    if (!r.added.empty() || !b.delivered.empty()) hooks_.changed();

    if (storage_fault_) {
        storage_fault_ = false;
        storage_error_.clear();
        storage_since_.reset();
        log_->info("storage working again events_not_logged={}", events_not_logged_);
        hooks_.technical("storage_fault", false, "Storage working again");
        engine_dirty_ = true;
        schedule();
    }
}

void commit_path::failed(batch b, const store_error& e) {
    ++failures_;
    log_->error("commit failed code={} error=\"{}\" events={} alerts={} attempt={}", e.code, e.message,
                b.events.size(), b.alerts.size(), failures_);
    // Keep the batch (ahead of anything newer) and try again; nothing of it was stored or sent.
    b.engine_state.reset();
    engine_dirty_ = true;
    pending_messages_ = b.events.size();
    pending_ = std::move(b);
    storage_error_ = e.message;
    if (e.code == 13 /* SQLITE_FULL */) {
        // A full disk: the event log gives way to alerts; shed the oldest log rows.
        std::uint64_t shed = 0;
        store_.shed_events(10'000, &shed);
        if (shed) log_->warn("event log shed rows={} reason=storage_full", shed);
    }
    if (!storage_fault_) {
        storage_fault_ = true;
        storage_since_ = now_ms();
        hooks_.technical("storage_fault", true, "Hub cannot write its database");
        hooks_.changed();
    }
    if (failures_ >= 2) {
        // Not a passing hiccup (read-only or failing card, full disk, I/O error). The batch held in
        // memory drops its event log rows, so memory stays bounded however long it lasts, and its
        // alerts are sent now, from memory, with seq numbers from the in-memory counter: an alarm
        // must never wait for the disk.
        if (!pending_.events.empty()) {
            events_not_logged_ += pending_.events.size();
            log_->warn("event log skipped rows={} reason=storage_fault code={}", pending_.events.size(),
                       e.code);
            pending_.events.clear();
        }
        send_unstored();
    }
    retry_armed_ = true;
    auto delay = std::min(milliseconds{100} * (1 << std::min(failures_, 9)), milliseconds{30'000});
    retry_timer_.expires_after(delay);
    retry_timer_.async_wait([this](std::error_code ec) {
        retry_armed_ = false;
        if (ec || stopping_) return;
        flush();
    });
}

void commit_path::send_unstored() {
    std::vector<outbox_entry> rows;
    auto now = now_ms();
    for (auto& n : pending_.alerts) {
        auto& a = n.alert;
        if (a.seq != 0) continue;  // already sent; it keeps its seq, id and bytes until stored
        a.hub = hub_id_;
        a.seq = next_seq_++;
        a.id = make_alert_id(hub_id_, a.seq);
        // `clears` as the store would fill it, so the stored row is byte for byte what was sent.
        if (!n.key.empty()) {
            if (a.state == alert_state::raised) {
                unstored_conditions_[n.key] = a.id;
            } else {
                if (!a.clears) {
                    auto it = unstored_conditions_.find(n.key);
                    a.clears = it != unstored_conditions_.end() ? std::optional(it->second)
                                                                : store_.open_condition(n.key);
                }
                unstored_conditions_.erase(n.key);
            }
        }
        outbox_entry e;
        e.seq = a.seq;
        e.id = a.id;
        e.json = to_json(a).dump();
        e.created = now;
        log_->warn("alert not stored, sending from memory alert={} type={} state={} sensor={} rule={}", e.id,
                   a.type, to_string(a.state), a.sensor, a.rule);
        rows.push_back(std::move(e));
    }
    if (rows.empty()) return;
    hooks_.unstored(rows);
    hooks_.changed();
}

void commit_path::stop() {
    stopping_ = true;
    retry_timer_.cancel();
    marks_timer_.cancel();
}

std::vector<outbox_entry> commit_path::commit_final() {
    std::vector<outbox_entry> added;
    engine_dirty_ = true;
    for (int attempt = 0; attempt < 3 && !pending_.empty(); ++attempt) {
        pending_.engine_state = hooks_.rule_state();
        pending_.sent = hooks_.take_sent();
        pending_.now = now_ms();
        auto r = store_.commit(pending_);
        if (r) {
            pending_ = {};
            added = std::move(r.added);
            break;
        }
        log_->error("final commit failed code={} error=\"{}\"", r.error->code, r.error->message);
    }
    if (!pending_.empty())
        log_->error("stopping with uncommitted input events={} alerts={}", pending_.events.size(),
                    pending_.alerts.size());
    return added;
}

std::uint64_t commit_path::outbox_count() {
    // A database that cannot be read reports its last count, not zero; alerts not yet stored count too.
    if (auto n = store_.undelivered_count()) last_outbox_ = *n;
    std::uint64_t unstored = 0;
    for (const auto& n : pending_.alerts)
        if (std::find(pending_.delivered.begin(), pending_.delivered.end(), n.alert.id) ==
            pending_.delivered.end())
            ++unstored;
    return last_outbox_ + unstored;
}

json commit_path::storage_json() const {
    std::uint64_t unstored = 0;
    for (const auto& n : pending_.alerts) unstored += n.alert.seq != 0;
    return json{{"state", storage_fault_ ? "fault" : "ok"},
                {"error", storage_error_.empty() ? json(nullptr) : json(storage_error_)},
                {"since", iso_or_null(storage_since_)},
                {"unstored_alerts", unstored},
                {"events_not_logged", events_not_logged_}};
}

}  // namespace warden::hub
