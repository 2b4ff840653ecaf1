#include "warden/centre/ingest.hpp"

#include <cstdint>
#include <cstdlib>
#include <map>
#include <set>
#include <stdexcept>

#include <fmt/format.h>
#include <spdlog/spdlog.h>
#include <asio/post.hpp>
#include <nlohmann/json.hpp>

#include "warden/centre/activity_json.hpp"
#include "warden/centre/json.hpp"
#include "warden/centre/metrics.hpp"
#include "warden/common/alert_catalogue.hpp"

namespace warden::centre {

namespace {
/// At most `max` bytes of `s` without cutting a UTF-8 sequence in two: half a character stored would
/// make every JSON answer that shows it fail (nlohmann's dump() throws on invalid UTF-8).
std::string utf8_prefix(std::string s, std::size_t max) {
    if (s.size() <= max) return s;
    std::size_t n = max;
    while (n > 0 && (static_cast<unsigned char>(s[n]) & 0xC0) == 0x80) --n;  // s[n]: the first byte cut
    s.resize(n);
    return s;
}
}  // namespace

bool parse_hub_topic(const std::string& topic, std::string& hub, std::string& kind) {
    static constexpr std::string_view prefix = "warden/v1/";
    if (!topic.starts_with(prefix)) return false;
    auto rest = std::string_view(topic).substr(prefix.size());
    auto slash = rest.find('/');
    if (slash == std::string_view::npos) return false;
    hub = std::string(rest.substr(0, slash));
    kind = std::string(rest.substr(slash + 1));
    return is_valid_id(hub) && kind.find('/') == std::string::npos;
}

bool is_acceptable_hub_id(std::string_view hub) noexcept {
    if (!is_valid_id(hub)) return false;
    for (std::string_view reserved : {"centre", "dc09"}) {
        if (hub == reserved) return false;
        if (hub.size() > reserved.size() && hub.starts_with(reserved) && hub[reserved.size()] == '-')
            return false;
    }
    return true;
}

bool is_hub_alert_id(std::string_view hub, std::string_view id) noexcept {
    if (id.size() <= hub.size() + 1 || !id.starts_with(hub) || id[hub.size()] != '-') return false;
    auto digits = id.substr(hub.size() + 1);
    if (digits.size() > 20 || (digits.size() > 1 && digits.front() == '0')) return false;
    std::uint64_t seq = 0;
    for (char c : digits) {
        if (c < '0' || c > '9') return false;
        auto d = static_cast<std::uint64_t>(c - '0');
        if (seq > (UINT64_MAX - d) / 10) return false;
        seq = seq * 10 + d;
    }
    return true;
}

ingest_faults ingest_faults_from(const char* env_value) {
    std::string_view v = env_value ? env_value : "";
    if (v.empty()) return {};
    if (v == "exit-after-commit") return {.exit_after_commit = true};
    throw std::invalid_argument(fmt::format(
        "WARDEN_CENTRE_FAULT=\"{}\" is not a fault this build knows (exit-after-commit; for tests only)", v));
}

ingest::ingest(asio::io_context& io, mqtt::session& session, store& db, centre_metrics& metrics,
               std::shared_ptr<spdlog::logger> log, ingest_hooks hooks, ingest_faults faults,
               centre_clock clock, hub_rate_options rate)
    : io_(io),
      session_(session),
      db_(db),
      metrics_(metrics),
      log_(std::move(log)),
      hooks_(std::move(hooks)),
      faults_(faults),
      clock_(std::move(clock)),
      rate_options_(rate),
      rate_(rate) {}

void ingest::start(const std::string& share_group) {
    session_.on_message([this](mqtt::message m) { handle(std::move(m)); });
    const std::string prefix = share_group.empty() ? "" : "$share/" + share_group + "/";
    for (const char* kind : {"alert", "alerts", "heartbeat", "status", "activity"})
        session_.subscribe(prefix + "warden/v1/+/" + kind, 1);
}

void ingest::reject(const std::string& hub, std::string_view reason) {
    metrics_.rejected();
    // At most one line per 10 s, so a misbehaving hub cannot flood the log. No payload contents.
    auto now = clock_.steady();
    if (now - last_reject_log_ < std::chrono::seconds{10}) {
        ++rejects_unlogged_;
        return;
    }
    log_->warn("payload dropped hub={} reason=\"{}\" suppressed={}", hub, reason, rejects_unlogged_);
    rejects_unlogged_ = 0;
    last_reject_log_ = now;
}

void ingest::handle(mqtt::message m) {
    std::string hub, kind;
    if (!parse_hub_topic(m.topic, hub, kind)) return reject("?", "unexpected topic");
    if (!is_acceptable_hub_id(hub))
        return reject(hub, "hub id is reserved for the centre's own alerts (centre, dc09)");
    if (m.payload.size() > max_payload_bytes) return reject(hub, "payload larger than 64 KiB");
    // Before anything parses or copies it: dump() and copies recurse once per level (finding 16).
    if (!json_within_depth(m.payload)) return reject(hub, "payload nests JSON deeper than 32 levels");
    // JSON holds no raw NUL, and nlohmann's parser stops at one, taking what comes before it for the
    // whole payload (fuzz finding 5, found in the HTTP bodies).
    if (m.payload.find('\0') != std::string::npos) return reject(hub, "payload holds a NUL byte");
    auto j = nlohmann::json::parse(m.payload, nullptr, false);

    if (kind == "alert") {
        if (j.is_discarded()) return reject(hub, "alert is not JSON");
        if (auto why = take_alert(hub, j)) return reject(hub, *why);
    } else if (kind == "alerts") {
        // A batch: a JSON array of alerts, each exactly as it would come alone, taken in array order.
        // A bad element is refused on its own (not acked); the others are taken.
        if (!j.is_array()) return reject(hub, "alert batch is not a JSON array");
        if (j.empty() || j.size() > max_batch_alerts)
            return reject(
                hub, fmt::format("alert batch of {} alerts (1 to {} taken)", j.size(), max_batch_alerts));
        std::size_t taken = 0;
        for (const auto& e : j) {
            if (auto why = take_alert(hub, e))
                reject(hub, fmt::format("alert in a batch: {}", *why));
            else
                ++taken;
        }
        if (taken == 0) return;
    } else if (kind == "heartbeat") {
        if (!j.is_object()) return reject(hub, "heartbeat is not a JSON object");
        if (auto it = j.find("hub"); it != j.end() && (!it->is_string() || it->get<std::string>() != hub))
            return reject(hub, "heartbeat names another hub than its topic");
        heartbeat_record h{hub, 0, "{}", ""};
        if (auto it = j.find("outbox"); it != j.end() && it->is_number_integer())
            h.outbox = it->get<std::int64_t>();
        if (auto it = j.find("sensors"); it != j.end() && it->is_object()) h.sensors = it->dump();
        if (auto it = j.find("version"); it != j.end() && it->is_string())
            h.version = utf8_prefix(it->get<std::string>(), 64);
        if (auto it = j.find("away"); it != j.end()) h.away = away_state_from_json(*it);
        heartbeats_.push_back(std::move(h));
        liveness_.emplace_back(hub, true);
    } else if (kind == "status") {
        if (m.payload.empty()) return;  // a cleared retained status
        std::string state;
        if (j.is_object() && j.contains("state") && j["state"].is_string())
            state = j["state"].get<std::string>();
        if (state != "online" && state != "offline") return reject(hub, "status is not online/offline");
        statuses_.push_back({hub, state});
        // A retained "online" may be stale (the broker keeps it while the hub is away), so only a live one
        // counts as hearing from the hub. A retained "offline" is the hub's last will: believe it.
        if (state == "offline")
            liveness_.emplace_back(hub, false);
        else if (!m.retained)
            liveness_.emplace_back(hub, true);
    } else if (kind == "activity") {
        if (j.is_discarded()) return reject(hub, "activity summary is not JSON");
        activity_hour h;
        try {
            h = activity_from_json(j, activity_period_);
        } catch (const std::exception& e) {
            return reject(hub, fmt::format("activity summary refused, not acked: {}", e.what()));
        }
        if (h.hub != hub) return reject(hub, "activity summary names another hub than its topic");
        activity_.push_back(std::move(h));
        liveness_.emplace_back(hub, true);
    } else {
        return reject(hub, "unexpected topic");
    }
    schedule_flush();
}

std::optional<std::string> ingest::take_alert(const std::string& hub, const nlohmann::json& j) {
    alert a;
    try {
        a = alert_from_json(j);
    } catch (const std::exception& e) {
        return e.what();
    }
    if (a.hub != hub) return "alert names another hub than its topic";
    // The store de-duplicates on id alone, so an id must be the hub's own `<hub>-<seq>` and nothing
    // else: hub "hub" must not be able to send "hub-0001-1" and block hub-0001's alert #1.
    if (a.id != make_alert_id(hub, a.seq)) return "alert id is not <hub>-<seq>";
    if (a.state == alert_state::cleared && a.clears && !is_hub_alert_id(hub, *a.clears))
        return "cleared alert names another hub's alert";
    alerts_.push_back({std::move(a), clock_.steady()});
    liveness_.emplace_back(hub, true);
    return std::nullopt;
}

void ingest::schedule_flush() {
    if (flush_scheduled_) return;
    flush_scheduled_ = true;
    // Posted behind the handlers already queued, so a burst lands in one transaction and one ack per hub.
    asio::post(io_, [this, alive = std::weak_ptr<bool>(alive_)] {
        if (alive.expired()) return;
        flush_scheduled_ = false;
        flush();
    });
}

void ingest::refuse_disabled(std::vector<pending_alert>& alerts, std::vector<heartbeat_record>& heartbeats,
                             std::vector<status_record>& statuses,
                             std::vector<std::pair<std::string, bool>>& liveness,
                             std::vector<activity_hour>& activity) {
    auto list = db_.disabled_hubs();
    if (list.empty()) return;
    std::set<std::string> disabled(list.begin(), list.end());
    std::map<std::string, std::uint64_t> refused;
    auto drop = [&](const std::string& hub) {
        if (!disabled.contains(hub)) return false;
        ++refused[hub];
        return true;
    };
    std::erase_if(alerts, [&](const pending_alert& p) { return drop(p.a.hub); });
    std::erase_if(heartbeats, [&](const heartbeat_record& h) { return drop(h.hub); });
    std::erase_if(statuses, [&](const status_record& s) { return drop(s.hub); });
    std::erase_if(activity, [&](const activity_hour& h) { return drop(h.hub); });
    std::erase_if(liveness, [&](const auto& l) { return disabled.contains(l.first); });
    for (const auto& [hub, n] : refused) {
        for (std::uint64_t i = 0; i < n; ++i) metrics_.rejected();  // warden_payloads_rejected_total
        report_refused(hub, n, "message");
    }
}

void ingest::report_refused(const std::string& hub, std::uint64_t n, std::string_view what) {
    auto report = refusals_.add(hub, n, clock_.steady());
    if (report == 0) return;
    auto detail = fmt::format("{} {}{} refused (not stored, not acked): the hub is disabled", report, what,
                              report == 1 ? "" : "s");
    log_->warn("hub disabled, {}s refused hub={} count={}", what, hub, report);
    db_.audit("system", "hub_refused", hub, detail, clock_.wall());
}

std::map<std::string, std::vector<std::string>> ingest::store_activity(std::vector<activity_hour> hours,
                                                                       time_point received) {
    std::map<std::string, std::vector<std::string>> acks;
    if (keep_activity_days_ > 0 &&
        (!last_purge_ || clock_.steady() - *last_purge_ >= std::chrono::hours{1})) {
        last_purge_ = clock_.steady();
        try {
            auto n = db_.purge_activity(received - std::chrono::hours{24} * keep_activity_days_);
            if (n > 0)
                log_->info("activity summaries past retention deleted hours={} keep_days={}", n,
                           keep_activity_days_);
        } catch (const std::exception& e) {
            log_->error("activity retention: delete failed error=\"{}\"", e.what());
        }
    }
    if (hours.empty()) return acks;
    std::vector<bool> fresh;
    try {
        fresh = db_.store_activity(hours, received);
    } catch (const std::exception& e) {
        // Not acked: the hubs resend them, and the next batch tries again.
        log_->error("store failed, activity summaries not acked hours={} error=\"{}\"", hours.size(),
                    e.what());
        return acks;
    }
    std::uint64_t stored = 0;
    for (std::size_t i = 0; i < hours.size(); ++i) {
        auto hour = iso_seconds(hours[i].hour);
        auto& list = acks[hours[i].hub];
        if (std::find(list.begin(), list.end(), hour) == list.end()) list.push_back(hour);
        if (fresh[i])
            ++stored;
        else
            log_->info("activity summary duplicate acked again hub={} hour={}", hours[i].hub, hour);
    }
    if (stored > 0) log_->info("activity summaries stored hours={} hubs={}", stored, acks.size());
    return acks;
}

alert ingest::flood_alert(const std::string& hub) {
    alert f;
    if (auto cur = db_.uncleared_alert(hub, "alert_flood"); cur && cur->status != alert_status::resolved) {
        f = cur->a;
    } else {
        const auto* type = find_alert_type("alert_flood");
        f.hub = hub;
        f.seq = static_cast<std::uint64_t>(db_.count_alerts(hub, "alert_flood")) + 1;
        f.id = fmt::format("centre-alert_flood-{}-{}", hub, f.seq);
        f.type = "alert_flood";
        f.state = alert_state::raised;
        f.priority = type->priority;
        f.sia = std::string(type->sia_event);
        f.at = clock_.wall();
        f.rule = "ingest";
    }
    f.text = fmt::format(
        "Alert flood from hub {}: its alerts beyond {} a minute (bursts of {}) are stored here, not in the "
        "queue",
        hub, rate_options_.alerts_per_minute, rate_options_.burst);
    return f;
}

void ingest::fold_beyond_rate(ingest_batch& b) {
    // Beyond its hub's rate, an alert is folded into the hub's flood alert (stored, acked, not queued).
    std::map<std::string, std::string> floods;  // hub -> its flood alert's id, for hubs beyond their rate
    auto now = clock_.steady();
    for (std::size_t i = 0; i < b.alerts.size(); ++i) {
        const auto& a = b.alerts[i];
        if (rate_.take(a.hub, now)) continue;
        b.folded_into.resize(b.alerts.size());
        auto it = floods.find(a.hub);
        if (it == floods.end()) {
            b.floods.push_back(flood_alert(a.hub));
            it = floods.emplace(a.hub, b.floods.back().id).first;
        }
        b.folded_into[i] = it->second;
    }
}

void ingest::flush() {
    ingest_batch b;
    b.received_at = clock_.wall();
    auto pending = std::move(alerts_);
    auto liveness = std::move(liveness_);
    b.heartbeats = std::move(heartbeats_);
    b.statuses = std::move(statuses_);
    alerts_.clear();
    heartbeats_.clear();
    statuses_.clear();
    liveness_.clear();

    auto activity = std::move(activity_);
    activity_.clear();

    std::vector<ingest_result> results;
    try {
        refuse_disabled(pending, b.heartbeats, b.statuses, liveness, activity);
        b.alerts.reserve(pending.size());
        for (const auto& p : pending) b.alerts.push_back(p.a);
        fold_beyond_rate(b);
        results = db_.ingest(b);
    } catch (const std::exception& e) {
        // Nothing is acked: the hubs resend, and the next batch tries again.
        log_->error("store failed, batch not acked alerts={} activity={} error=\"{}\"", pending.size(),
                    activity.size(), e.what());
        return;
    }
    // The summaries in a transaction of their own: a failure there leaves the alerts' acks alone.
    auto activity_acks = store_activity(std::move(activity), b.received_at);

    if (faults_.exit_after_commit && !pending.empty()) {
        log_->critical("fault injected: exiting after commit, before acks alerts={} (WARDEN_CENTRE_FAULT)",
                       pending.size());
        log_->flush();
        std::_Exit(86);
    }

    // Committed: now ack, one message per hub, listing every id received (duplicates too; a reused id
    // under the id the hub sent, so that it moves on).
    std::map<std::string, std::vector<std::string>> by_hub;
    std::vector<std::string> changed;
    std::uint64_t stored = 0, dups = 0, reused = 0;
    std::map<std::string, std::uint64_t> folded;  // flood id -> alerts folded into it now
    for (std::size_t i = 0; i < pending.size(); ++i) {
        const auto& a = pending[i].a;
        const auto& r = results.at(i);
        auto& ids = by_hub[a.hub];
        if (std::find(ids.begin(), ids.end(), a.id) == ids.end()) ids.push_back(a.id);
        const bool fold = i < b.folded_into.size() && b.folded_into[i];
        if (!r.fresh && !fold) rate_.give_back(a.hub);  // a resend took a token: not a new alert
        if (r.fresh && fold) {
            ++stored;
            ++folded[*b.folded_into[i]];
        } else if (r.fresh) {
            ++stored;
            changed.push_back(r.id);
            if (r.cleared) changed.push_back(*r.cleared);
            if (r.id != a.id) {
                ++reused;
                log_->error(
                    "alert id reused by its hub for a different alert (was the hub's storage reset?) "
                    "alert={} stored_as={} hub={} type={} priority={}",
                    a.id, r.id, a.hub, a.type, to_string(a.priority));
            } else {
                log_->info("alert stored alert={} hub={} type={} priority={} state={}", a.id, a.hub, a.type,
                           to_string(a.priority), to_string(a.state));
            }
        } else {
            ++dups;
            log_->info("alert duplicate acked again alert={} hub={}", a.id, a.hub);
        }
    }
    for (const auto& f : b.floods) {
        auto it = folded.find(f.id);
        if (it == folded.end()) continue;
        changed.push_back(f.id);
        log_->warn("alert flood: alerts beyond the hub's rate folded hub={} flood={} folded={}", f.hub, f.id,
                   it->second);
    }
    for (auto& [hub, hours] : activity_acks) by_hub[hub];  // a hub that sent summaries only
    for (auto& [hub, ids] : by_hub) {
        nlohmann::json j = nlohmann::json::object();
        if (!ids.empty()) j["ids"] = ids;
        // This centre takes batches on warden/v1/<hub>/alerts: a hub sends them only after it read this.
        j["batch"] = max_batch_alerts;
        if (auto it = activity_acks.find(hub); it != activity_acks.end()) j["activity"] = it->second;
        auto n = ids.size();
        session_.publish(
            "warden/v1/" + hub + "/ack", j.dump(), 1, false, [log = log_, hub = hub, n](bool ok) {
                if (!ok) log->warn("ack not delivered to broker hub={} ids={} (the hub will resend)", hub, n);
            });
    }
    auto now = clock_.steady();
    for (const auto& p : pending)
        metrics_.ack_latency(std::chrono::duration<double>(now - p.arrived).count());
    metrics_.ingested(stored);
    metrics_.duplicates(dups);
    metrics_.reused_ids(reused);
    metrics_.acks(by_hub.size());

    std::set<std::string> hubs_changed;
    for (const auto& h : b.heartbeats) hubs_changed.insert(h.hub);
    for (const auto& s : b.statuses) hubs_changed.insert(s.hub);
    if (hooks_.alerts_changed && !changed.empty()) hooks_.alerts_changed(changed);
    // In arrival order, so "offline then back online" in one batch ends online.
    for (const auto& [hub, alive] : liveness) {
        if (alive && hooks_.heard) hooks_.heard(hub);
        if (!alive && hooks_.offline) hooks_.offline(hub);
    }
    if (hooks_.hub_changed)
        for (const auto& h : hubs_changed) hooks_.hub_changed(h);
}

}  // namespace warden::centre
