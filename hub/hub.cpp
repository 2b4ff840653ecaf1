#include "warden/hub/hub.hpp"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <csignal>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include <date/tz.h>
#include <spdlog/spdlog.h>
#include <asio/io_context.hpp>
#include <asio/post.hpp>
#include <asio/signal_set.hpp>
#include <asio/steady_timer.hpp>
#include <nlohmann/json.hpp>

#include "warden/alerts/activity.hpp"
#include "warden/alerts/engine.hpp"
#include "warden/common/away.hpp"
#include "warden/hub/store.hpp"
#include "warden/hub/uplink.hpp"
#include "warden/mqtt/broker_options.hpp"
#include "warden/mqtt/session.hpp"
#include "warden/sensors/adapters.hpp"

#include "commit_path.hpp"
#include "dc09_path.hpp"
#include "local_topics.hpp"
#include "reconcile.hpp"

#ifndef WARDEN_VERSION
#define WARDEN_VERSION "0.0.0"
#endif

namespace warden::hub {

const char* version() noexcept {
    return WARDEN_VERSION;
}

namespace {

using steady = std::chrono::steady_clock;
using json = nlohmann::json;

/// An uplink down this long raises uplink_fault.
constexpr milliseconds uplink_fault_after{10 * 60'000};
/// Event log retention (SPEC: warden-ctl export reads up to a week back), unless [activity]
/// keep_raw_days says otherwise.
constexpr milliseconds default_retention{8 * 24 * 3'600'000LL};
constexpr milliseconds prune_every{3'600'000};
/// The rule timer never sleeps longer than this, so a wall-clock jump is noticed.
constexpr milliseconds max_timer_sleep{5 * 60'000};
/// Dropped-payload log lines: at most one per topic per this interval.
constexpr milliseconds drop_log_interval{60'000};
constexpr std::size_t drop_log_topics = 1024;

/// The router's press levels, kept inside the saved rule state (the engine ignores the key).
constexpr const char* levels_key = "sensor_levels";
/// The router's press counters (Shelly gen1 event_cnt), kept there too.
constexpr const char* counters_key = "sensor_counters";
/// The activity tracker's state, kept inside the saved rule state too (committed with the hours it
/// finished, so a restart neither loses nor repeats an hour).
constexpr const char* activity_key = "activity";
/// Away mode's last change and who made it (warden::away_state), kept inside the saved rule state
/// beside the engine's own away flag.
constexpr const char* away_key = "away_set";

}  // namespace

struct hub::impl {
    impl(config::hub_config c, std::shared_ptr<spdlog::logger> l, hub_options o);

    // Start and stop.
    int run();
    void start();
    void shutdown();

    // Input.
    void home_message(mqtt::message m);
    void local_command(const std::string& payload);
    void centre_command(const std::string& payload);
    /// Away mode on or off at the request of `cause` (its by, user and request); a change is recorded
    /// in away_ and reported to the centre at once.
    void set_away(bool on, away_state cause);
    void note_drop(const std::string& topic, const sensors::decode_result& r);

    // Rules -> batch.
    void apply(alerts::output out);
    void raise_test(std::optional<std::string> request_id);
    void arm_rule_timer();
    // Activity summaries (only with [activity] share = true).
    void arm_activity_timer();
    void take_activity();

    // Batch -> store (commit_) -> uplink.
    commit_path::hooks commit_hooks();
    std::string rule_state() const;

    // Output to the home (warden/local/..., through local_) and the heartbeat.
    std::string state_json();
    std::string heartbeat_json();
    void arm_prune();
    void uplink_connection(bool up);

    hub_options hopts_;
    asio::io_context io_;
    asio::signal_set signals_;
    config::hub_config cfg_;
    std::shared_ptr<spdlog::logger> log_;
    const date::time_zone* zone_;
    store store_;
    sensors::router router_;
    alerts::engine engine_;
    mqtt::session home_;
    uplink uplink_;
    local_topics local_;   ///< warden/local/...: requests in, state, prealarm and results out
    reconcile reconcile_;  ///< asks the bridges for the current state after each home (re)connect

    commit_path commit_;  ///< the pending batch, its commits and storage faults

    asio::steady_timer rule_timer_;
    asio::steady_timer prune_timer_;
    asio::steady_timer uplink_fault_timer_;
    asio::steady_timer activity_timer_;
    /// Hourly activity summaries; null unless [activity] share = true (consent recorded).
    std::unique_ptr<alerts::activity_tracker> activity_;
    milliseconds retention_ = default_retention;
    /// The DC-09 second path ([dc09] role "both": every alert; "backup": what MQTT has not delivered).
    std::unique_ptr<dc09_path> dc09_;

    bool stopping_ = false;

    // Test alarms: batch alert index -> request id until committed; then alert id -> request.
    struct test_request {
        std::string request_id;
        steady::time_point committed{};
    };
    std::vector<std::pair<std::size_t, std::string>> tests_uncommitted_;
    std::map<std::string, test_request> tests_sent_;

    // Dropped payloads, rate-limited per topic.
    struct drop_log {
        steady::time_point last{};
        std::uint64_t suppressed = 0;
    };
    std::map<std::string, drop_log> drop_log_;

    std::optional<time_point> rule_deadline_;

    /// Away mode as reported in the heartbeat: on, since, and who set it.
    away_state away_;
    /// Who is asking for the away change being applied (set_away); none: the away button.
    std::optional<away_state> away_cause_;
};

namespace {

config::hub_config with_report_defaults(config::hub_config cfg) {
    for (auto& s : cfg.sensors)
        if (!s.report_every) s.report_every = sensors::default_report_every(s.source);
    return cfg;
}

mqtt::options home_options(const config::hub_config& cfg) {
    auto o = mqtt::broker_options(cfg.local, "warden-hub-" + cfg.id);
    // Persistent: the broker keeps QoS 1 sensor messages while the hub restarts.
    o.clean_session = false;
    o.max_backoff = milliseconds{10'000};
    return o;
}

uplink_options uplink_opts(const config::hub_config& cfg) {
    uplink_options o;
    o.hub_id = cfg.id;
    o.broker = cfg.centre.broker;
    o.ack_timeout = cfg.centre.ack_timeout;
    o.heartbeat = cfg.centre.heartbeat;
    return o;
}

const date::time_zone* locate(const std::string& name) {
    try {
        return date::locate_zone(name);
    } catch (const std::exception& e) {
        throw std::runtime_error("unknown timezone '" + name + "': " + e.what());
    }
}

}  // namespace

hub::impl::impl(config::hub_config c, std::shared_ptr<spdlog::logger> l, hub_options o)
    : hopts_(o),
      signals_(io_),
      cfg_(with_report_defaults(std::move(c))),
      log_(std::move(l)),
      zone_(locate(cfg_.timezone)),
      store_(store_options{.file = std::filesystem::path(cfg_.data_dir) / "hub.db",
                           .hub_id = cfg_.id,
                           .max_page_count = hopts_.store_max_page_count}),
      router_(cfg_.sensors),
      engine_(cfg_, zone_),
      home_(io_, home_options(cfg_), log_),
      uplink_(io_, uplink_opts(cfg_), store_, log_),
      local_(io_, home_, [this] { return state_json(); }),
      reconcile_(home_, cfg_.sensors, log_),
      commit_(io_, store_, cfg_.id, log_, hopts_.store_read_only, commit_hooks()),
      rule_timer_(io_),
      prune_timer_(io_),
      uplink_fault_timer_(io_),
      activity_timer_(io_) {
    if (cfg_.activity) {
        retention_ = std::chrono::hours{24} * cfg_.activity->keep_raw_days;
        alerts::activity_tuning tuning;
        if (hopts_.activity_period) tuning.hour = *hopts_.activity_period;
        if (cfg_.activity->share) activity_ = std::make_unique<alerts::activity_tracker>(cfg_, zone_, tuning);
    }
    if (cfg_.dc09)
        dc09_ = std::make_unique<dc09_path>(
            io_, cfg_, uplink_, log_, [this] { local_.mark_state_dirty(); },
            [this](bool raised, const std::string& text) {
                apply(engine_.technical("dc09_fault", raised, text, now_ms()));
                commit_.engine_changed();
                commit_.schedule();
            });
    if (auto saved = store_.engine_state()) {
        commit_.set_saved_state(*saved);
        auto j = json::parse(*saved, nullptr, false);
        if (j.is_discarded()) {
            log_->error("rule state unreadable, starting fresh file={}", store_.file().string());
        } else {
            try {
                engine_.restore_state(j);
            } catch (const std::exception& e) {
                log_->error("rule state not restored error=\"{}\"", e.what());
            }
            // Which latched presses were already counted (see sensors::router::levels).
            if (auto it = j.find(levels_key); it != j.end() && it->is_object()) {
                std::map<std::string, bool> levels;
                for (const auto& [id, v] : it->items())
                    if (v.is_boolean()) levels[id] = v.get<bool>();
                router_.restore_levels(levels);
            }
            if (auto it = j.find(counters_key); it != j.end() && it->is_object()) {
                std::map<std::string, double> counters;
                for (const auto& [id, v] : it->items())
                    if (v.is_number()) counters[id] = v.get<double>();
                router_.restore_counters(counters);
            }
            if (auto it = j.find(activity_key); it != j.end() && activity_) activity_->restore_state(*it);
            if (auto it = j.find(away_key); it != j.end())
                if (auto a = away_state_from_json(*it)) away_ = *a;
        }
    }
    // A state saved before the hub recorded who set it: the mode is known, its change is not.
    if (away_.on != engine_.away()) away_ = away_state{.on = engine_.away()};
}

int hub::impl::run() {
    start();
    io_.run();
    store_.end_run();  // every alert of this run is in the outbox: the next run needs no gap
    log_->info("hub stopped hub={}", cfg_.id);
    return 0;
}

void hub::impl::start() {
    auto now = now_ms();
    log_->info("hub starting hub={} version={} sensors={} rules={} outbox={} next_seq={}", cfg_.id, version(),
               cfg_.sensors.size(), cfg_.rules.size(), store_.undelivered_count().value_or(0),
               store_.next_seq());
    if (cfg_.dc09) log_->info("dc09 enabled role={} transport={}", cfg_.dc09->role, cfg_.dc09->transport);
    if (store_.journal_mode() != "wal")
        log_->warn("database not in WAL mode journal_mode={} file={} (still durable, slower commits)",
                   store_.journal_mode(), store_.file().string());

    commit_.set_next_seq(std::max<std::uint64_t>(store_.begin_run(), 1));
    // hub_started (and any state the restart implies) is committed before anything connects.
    apply(engine_.start(now));
    apply(engine_.technical("storage_fault", false, "Storage working", now));
    if (activity_) {
        activity_->start(now);  // a saved hour that ended while the hub was down is finished now
        take_activity();
    }
    commit_.engine_changed();
    commit_.flush();

    if (hopts_.handle_signals) {
        signals_.add(SIGINT);
        signals_.add(SIGTERM);
    }
    signals_.async_wait([this](std::error_code ec, int sig) {
        if (ec) return;
        log_->info("hub stopping signal={}", sig);
        shutdown();
    });

    home_.on_message([this](mqtt::message m) { home_message(std::move(m)); });
    home_.on_connection([this](bool up) {
        if (!up) return;
        local_.mark_state_dirty();
        reconcile_.connected();
    });
    for (const auto& f : router_.subscriptions()) home_.subscribe(f, 1);
    local_.subscribe();

    uplink_.on_acked([this](const std::string& id, std::optional<milliseconds>) {
        commit_.delivered(id);
        if (dc09_) dc09_->delivered(id);
        if (auto it = tests_sent_.find(id); it != tests_sent_.end()) {
            double rtt =
                std::chrono::duration<double, std::milli>(steady::now() - it->second.committed).count();
            local_.publish(topic::result, json{{"id", it->second.request_id},
                                               {"alert", id},
                                               {"state", "acked"},
                                               {"rtt_ms", std::round(rtt * 10) / 10},
                                               {"at", format_time(now_ms())}}
                                              .dump());
            tests_sent_.erase(it);
        }
        // No commit of its own: the mark rides on the next one (commit_path::delivered).
    });
    uplink_.on_activity_acked([this](time_point hour) { commit_.activity_delivered(hour); });
    uplink_.on_command([this](const std::string& payload) { centre_command(payload); });
    uplink_.on_connection([this](bool up) { uplink_connection(up); });
    uplink_.set_heartbeat_source([this] {
        local_.mark_state_dirty();
        return heartbeat_json();
    });

    home_.start();
    uplink_.start();
    if (dc09_) dc09_->start();
    uplink_connection(false);
    arm_rule_timer();
    arm_activity_timer();
    arm_prune();
}

void hub::impl::shutdown() {
    if (stopping_) return;
    stopping_ = true;
    // Stop taking messages first; whatever Paho has already handed over is queued behind this
    // handler and still processed before the final commit below.
    home_.stop();
    for (auto* t : {&rule_timer_, &prune_timer_, &uplink_fault_timer_, &activity_timer_}) t->cancel();
    commit_.stop();
    local_.stop();
    if (dc09_) dc09_->stop_backup();
    asio::post(io_, [this] {
        uplink_.enqueue(commit_.commit_final());
        uplink_.stop([this] {
            // Acks that came while the uplink closed: their delivered marks are committed too, or the
            // next start would send those alerts again.
            commit_.commit_final();
            if (dc09_) dc09_->stop();
            signals_.cancel();
            io_.stop();
        });
    });
}

void hub::impl::home_message(mqtt::message m) {
    auto now = now_ms();
    // The event log keeps what the home broker said, byte for byte (oversized payloads excepted).
    commit_.add_message(now, m.topic, m.payload, m.payload.size() <= sensors::max_payload_bytes);

    if (is_local_request(m.topic) && m.retained) {
        // A retained request is an old one, replayed at every (re)subscribe: a cancel, away switch or
        // test alarm is acted on only when it is sent. The hub keeps its own away state.
        log_->warn("local request ignored reason=retained topic={}", m.topic);
    } else if (m.topic == topic::cancel) {
        apply(engine_.cancel_prealarm(now));
    } else if (m.topic == topic::away) {
        if (auto on = parse_away(m.payload)) {
            set_away(*on, {.by = away_setter::local});
        } else {
            log_->warn("away message dropped reason=malformed bytes={}", m.payload.size());
        }
    } else if (m.topic == topic::command) {
        local_command(m.payload);
    } else {
        auto r = router_.decode(m.topic, m.payload, now, m.retained);
        if (r.dropped != sensors::drop_reason::none) note_drop(m.topic, r);
        for (const auto& in : r.inputs) {
            apply(engine_.on_input(in, now));
            if (activity_)
                if (const auto* e = std::get_if<sensor_event>(&in)) activity_->on_event(*e);
        }
        if (!r.inputs.empty()) local_.mark_state_dirty();
        if (activity_ && activity_->has_finished()) take_activity();
    }
    commit_.engine_changed();
    commit_.schedule();
    arm_rule_timer();
}

void hub::impl::local_command(const std::string& payload) {
    auto j = json::parse(payload, nullptr, false);
    if (j.is_discarded() || !j.is_object() || !j.contains("cmd") || !j["cmd"].is_string()) {
        log_->warn("local command dropped reason=malformed bytes={}", payload.size());
        return;
    }
    std::optional<std::string> request;
    if (j.contains("id") && j["id"].is_string() && j["id"].get_ref<const std::string&>().size() <= 128)
        request = j["id"].get<std::string>();
    const auto& cmd = j["cmd"].get_ref<const std::string&>();
    if (cmd == "test") {
        raise_test(request);
    } else if (cmd == "away" && j.contains("on") && j["on"].is_boolean()) {
        set_away(j["on"].get<bool>(), {.by = away_setter::ctl, .request = request.value_or("")});
    } else {
        log_->warn("local command dropped reason=unknown_cmd");
    }
}

void hub::impl::centre_command(const std::string& payload) {
    auto j = json::parse(payload, nullptr, false);
    if (j.is_discarded() || !j.is_object() || !j.contains("cmd") || !j["cmd"].is_string()) {
        log_->warn("centre command dropped reason=malformed bytes={}", payload.size());
        return;
    }
    const auto& cmd = j["cmd"].get_ref<const std::string&>();
    std::string id = j.contains("id") && j["id"].is_string() ? j["id"].get<std::string>() : std::string{};
    log_->info("centre command cmd={} id={}", cmd, id.size() <= 64 ? id : id.substr(0, 64));
    if (cmd == "test") {
        raise_test(std::nullopt);
    } else if (cmd == "away" && j.contains("on") && j["on"].is_boolean()) {
        // The centre names the operator ("user"); an older centre does not.
        std::string user = j.contains("user") && j["user"].is_string() ? j["user"].get<std::string>() : "";
        if (user.size() > away_text_max) user.clear();
        set_away(j["on"].get<bool>(),
                 {.by = away_setter::centre, .user = user, .request = id.size() <= away_text_max ? id : ""});
    } else {
        log_->warn("centre command dropped reason=unknown_cmd");
        return;
    }
    commit_.engine_changed();
    commit_.schedule();
    arm_rule_timer();
}

void hub::impl::set_away(bool on, away_state cause) {
    away_cause_ = std::move(cause);
    apply(engine_.set_away(on, now_ms()));
    away_cause_.reset();
    local_.mark_state_dirty();
}

void hub::impl::note_drop(const std::string& t, const sensors::decode_result& r) {
    auto key = drop_log_.size() < drop_log_topics || drop_log_.count(t) ? t : std::string("(other)");
    auto& d = drop_log_[key];
    auto now = steady::now();
    if (d.last != steady::time_point{} && now - d.last < drop_log_interval) {
        ++d.suppressed;
        return;
    }
    // Never the payload: it may carry personal data.
    log_->warn("payload dropped topic={} reason={} detail=\"{}\" suppressed={}", key,
               sensors::to_string(r.dropped), r.detail, d.suppressed);
    d.last = now;
    d.suppressed = 0;
}

void hub::impl::apply(alerts::output out) {
    for (auto& d : out.alerts) {
        new_alert n;
        n.key = std::move(d.key);
        n.alert.type = std::move(d.type);
        n.alert.state = d.state;
        n.alert.priority = d.priority;
        n.alert.sia = std::move(d.sia);
        n.alert.at = d.at;
        n.alert.rule = std::move(d.rule);
        n.alert.sensor = std::move(d.sensor);
        n.alert.location = std::move(d.location);
        n.alert.text = std::move(d.text);
        n.alert.value = d.value;
        commit_.add(std::move(n));
    }
    for (const auto& n : out.notices) {
        switch (n.kind) {
            case alerts::local_notice::what::prealarm:
                log_->info("prealarm rule={} deadline={}", n.rule, format_time(n.deadline));
                local_.publish(topic::prealarm, json{{"rule", n.rule},
                                                     {"at", format_time(n.at)},
                                                     {"deadline", format_time(n.deadline)},
                                                     {"state", "pending"}}
                                                    .dump());
                break;
            case alerts::local_notice::what::prealarm_cancelled:
                log_->info("prealarm cancelled rule={}", n.rule);
                local_.publish(
                    topic::prealarm,
                    json{{"rule", n.rule}, {"at", format_time(n.at)}, {"state", "cancelled"}}.dump());
                break;
            case alerts::local_notice::what::away_changed:
                // No cause named: the change came with a sensor input, i.e. an away button.
                away_ = away_cause_.value_or(away_state{.by = away_setter::button});
                away_.on = n.away;
                away_.since = n.at;
                log_->info("away changed on={} by={} user={} request={}", n.away, to_string(away_.by),
                           away_.user, away_.request);
                local_.mark_state_dirty();
                // The centre hears of it now, not at the next heartbeat (committed with the rule state
                // by the caller's commit).
                uplink_.publish("heartbeat", heartbeat_json());
                break;
        }
    }
}

void hub::impl::raise_test(std::optional<std::string> request_id) {
    new_alert n;
    n.alert.type = "test";
    n.alert.state = alert_state::raised;
    n.alert.priority = priority::low;
    n.alert.sia = alerts::sia_code("test", alert_state::raised);
    if (n.alert.sia.empty()) n.alert.sia = "RP";
    n.alert.at = now_ms();
    n.alert.rule = "test";
    n.alert.text = "Test alarm";
    auto index = commit_.add(std::move(n));
    if (request_id) tests_uncommitted_.emplace_back(index, *request_id);
    commit_.schedule();
}

void hub::impl::arm_rule_timer() {
    if (stopping_) return;
    auto deadline = engine_.next_deadline();
    if (deadline == rule_deadline_) return;
    rule_deadline_ = deadline;
    if (!deadline) {
        rule_timer_.cancel();
        return;
    }
    auto wait = std::clamp(*deadline - now_ms(), milliseconds{0}, max_timer_sleep);
    rule_timer_.expires_after(wait);
    rule_timer_.async_wait([this](std::error_code ec) {
        if (ec || stopping_) return;
        rule_deadline_.reset();
        apply(engine_.on_time(now_ms()));
        commit_.engine_changed();
        commit_.schedule();
        arm_rule_timer();
    });
}

void hub::impl::take_activity() {
    for (const auto& h : activity_->take_finished()) {
        log_->info("activity hour finished hour={} covered_s={}", format_time(h.hour), h.covered_s);
        commit_.add_activity(activity_row{h.hour, alerts::to_json(h, cfg_.id).dump()});
    }
}

void hub::impl::arm_activity_timer() {
    if (!activity_ || stopping_) return;
    // Also every few minutes when nothing ends: the saved state then says how long the hub ran, so an
    // hour cut short by a crash reports the cover it had.
    auto wait = std::clamp(activity_->next_deadline() - now_ms(), milliseconds{0}, max_timer_sleep);
    activity_timer_.expires_after(wait);
    activity_timer_.async_wait([this](std::error_code ec) {
        if (ec || stopping_) return;
        activity_->on_time(now_ms());
        take_activity();
        commit_.engine_changed();
        commit_.schedule();
        arm_activity_timer();
    });
}

commit_path::hooks hub::impl::commit_hooks() {
    commit_path::hooks h;
    h.rule_state = [this] { return rule_state(); };
    h.take_sent = [this] { return uplink_.take_sent(); };
    h.committed = [this](const std::vector<outbox_entry>& added) {
        for (const auto& [index, request] : tests_uncommitted_) {
            if (index >= added.size()) continue;
            const auto& id = added[index].id;
            tests_sent_[id] = test_request{request, steady::now()};
            local_.publish(
                topic::result,
                json{{"id", request}, {"alert", id}, {"state", "sent"}, {"at", format_time(now_ms())}}
                    .dump());
        }
        tests_uncommitted_.clear();
        uplink_.enqueue(added);
        if (dc09_) dc09_->committed(added);
    };
    h.unstored = [this](const std::vector<outbox_entry>& rows) {
        uplink_.send_unstored(rows);
        if (dc09_) dc09_->committed(rows);
    };
    h.technical = [this](const char* type, bool raised, const char* text) {
        apply(engine_.technical(type, raised, text, now_ms()));
    };
    h.changed = [this] { local_.mark_state_dirty(); };
    h.activity_committed = [this](const std::vector<activity_row>& rows) { uplink_.enqueue_activity(rows); };
    return h;
}

std::string hub::impl::rule_state() const {
    auto j = engine_.save_state();
    if (j.is_object()) j[levels_key] = router_.levels();
    if (j.is_object()) j[counters_key] = router_.counters();
    if (j.is_object() && activity_) j[activity_key] = activity_->save_state();
    if (j.is_object()) j[away_key] = to_json(away_);
    return j.dump();
}

void hub::impl::uplink_connection(bool up) {
    auto now = now_ms();
    local_.mark_state_dirty();
    if (up) {
        uplink_fault_timer_.cancel();
        // Clears an uplink_fault raised in this or an earlier run; nothing if none is open.
        apply(engine_.technical("uplink_fault", false, "Centre reachable again", now));
        commit_.engine_changed();
        commit_.schedule();
        return;
    }
    if (stopping_) return;
    uplink_fault_timer_.expires_after(uplink_fault_after);
    uplink_fault_timer_.async_wait([this](std::error_code ec) {
        if (ec || stopping_) return;
        log_->warn("uplink down too long minutes={}", uplink_fault_after.count() / 60'000);
        apply(engine_.technical("uplink_fault", true, "Hub cannot reach the centre", now_ms()));
        commit_.engine_changed();
        commit_.schedule();
    });
}

std::string hub::impl::state_json() {
    const auto& st = router_.stats();
    auto dropped = st.unknown_topic + st.oversized + st.malformed + st.wrong_type + st.unexpected;
    json sensors = json::array();
    auto health = engine_.health();
    for (const auto& s : cfg_.sensors) {
        auto h = std::find_if(health.begin(), health.end(), [&](const auto& x) { return x.sensor == s.id; });
        json j{{"id", s.id}, {"kind", to_string(s.kind)}, {"location", s.location}};
        if (h != health.end()) {
            j["online"] = h->online;
            j["battery"] = h->battery ? json(*h->battery) : json(nullptr);
            j["battery_low"] = h->battery_low;
            j["tamper"] = h->tamper;
            j["link"] = h->link ? json(*h->link) : json(nullptr);
            j["last_seen"] = iso_or_null(h->last_seen);
            j["last_event"] = iso_or_null(h->last_event);
            j["last_signal"] = h->last_signal.empty() ? json(nullptr) : json(h->last_signal);
        }
        sensors.push_back(std::move(j));
    }
    json uplink{{"connected", uplink_.connected()},
                {"since", iso_or_null(uplink_.since())},
                {"last_ack", iso_or_null(uplink_.last_ack())}};
    return json{{"hub", cfg_.id},
                {"at", format_time(now_ms())},
                {"version", version()},
                {"away", engine_.away()},
                {"uplink", std::move(uplink)},
                {"dc09", {{"enabled", cfg_.dc09.has_value()}, {"connected", dc09_ && dc09_->connected()}}},
                {"outbox", commit_.outbox_count()},
                {"storage", commit_.storage_json()},
                {"dropped", dropped},
                {"sensors", std::move(sensors)}}
        .dump();
}

std::string hub::impl::heartbeat_json() {
    int online = 0, offline = 0, battery_low = 0;
    for (const auto& h : engine_.health()) {
        (h.online ? online : offline)++;
        battery_low += h.battery_low;
    }
    return json{{"hub", cfg_.id},
                {"at", format_time(now_ms())},
                {"outbox", commit_.outbox_count()},
                {"sensors", {{"online", online}, {"offline", offline}, {"battery_low", battery_low}}},
                {"storage", commit_.storage_json()},
                {"away", to_json(away_)},
                {"version", version()}}
        .dump();
}

void hub::impl::arm_prune() {
    std::uint64_t n = 0;
    if (auto err = store_.prune(now_ms() - retention_, &n))
        log_->warn("prune failed code={} error=\"{}\"", err->code, err->message);
    else if (n)
        log_->info("pruned rows={}", n);
    prune_timer_.expires_after(prune_every);
    prune_timer_.async_wait([this](std::error_code ec) {
        if (!ec && !stopping_) arm_prune();
    });
}

hub::hub(config::hub_config cfg, std::shared_ptr<spdlog::logger> log, hub_options opts)
    : impl_(std::make_unique<impl>(std::move(cfg), std::move(log), opts)) {}

void hub::stop() {
    asio::post(impl_->io_, [i = impl_.get()] {
        i->log_->info("hub stopping reason=request");
        i->shutdown();
    });
}

hub::~hub() = default;

int hub::run() {
    return impl_->run();
}

}  // namespace warden::hub
