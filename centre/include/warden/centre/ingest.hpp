#pragma once
/// Ingest: hub messages from the centre broker into the store, then acks back to the hubs.
///
/// Everything received in one io_context turn is validated, stored in ONE transaction, and only then
/// acked, one ack message per hub. Duplicates are acked again. Invalid, oversized or spoofed payloads
/// (topic hub != payload hub, an id other than `<hub>-<seq>`, a reserved hub id) are counted, logged
/// (rate-limited, no payload contents) and dropped.
///
/// Per hub (security issue 12, finding 2):
/// - A disabled hub (hub_store::set_hub_disabled) is refused: nothing it sends is stored or acked, so
///   the hub keeps its alerts and resends them once it is enabled again; it does not count as heard
///   (supervision raises no hub_offline for it either). The refusals are audited (`hub_refused`, user
///   `system`) at most once a minute per hub, each row counting the messages refused since the last.
/// - Alerts beyond a hub's rate (hub_rate_options) are still stored and acked, but folded into the
///   hub's one open `alert_flood` alert (ingest_batch::folded_into) instead of entering the queue one by
///   one, and no event is published for them (the flood alert's event counts them). The flood alert is
///   reused until an operator resolves it; after that the next alert beyond the rate starts a new one.
/// Alerts come one per message on warden/v1/<hub>/alert, or several in one on warden/v1/<hub>/alerts (a
/// JSON array of the same alert objects, at most max_batch_alerts); each is checked, stored and acked
/// by id exactly as if it had come alone.
/// Activity summaries (docs/activity.md) on warden/v1/<hub>/activity are checked (activity_from_json;
/// a bad one is logged with its reason and dropped, not acked), stored once per hub and hour in their own
/// transaction after the alerts', and acked only once committed: `{"activity": [hours]}` on the same
/// ack message as the hub's alert ids, if any. A store failure of either part leaves that part unacked.
/// Hours older than the retention (keep_activity_days) are deleted at most once an hour.
/// Runs on the io_context's thread only; never waits for HTTP clients.

#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <asio/io_context.hpp>
#include <nlohmann/json_fwd.hpp>

#include "warden/centre/clock.hpp"
#include "warden/centre/hub_limits.hpp"
#include "warden/centre/store.hpp"
#include "warden/mqtt/session.hpp"

namespace spdlog {
class logger;
}

namespace warden::centre {

class centre_metrics;

/// Payloads larger than this are dropped unread.
inline constexpr std::size_t max_payload_bytes = 64 * 1024;
/// A batch on warden/v1/<hub>/alerts holds at most this many alerts (and max_payload_bytes). Every ack
/// says so (`"batch": 256`): a hub sends batches only to a centre whose ack it has read on its current
/// connection, so an older centre never receives one.
inline constexpr std::size_t max_batch_alerts = 256;

/// What ingest tells the rest of the centre, after the batch is committed. All optional.
struct ingest_hooks {
    /// Any valid message from the hub was received (alert, heartbeat, or a live `online` status).
    std::function<void(const std::string& hub)> heard;
    /// The hub's status topic says `offline` (its last will).
    std::function<void(const std::string& hub)> offline;
    /// Alert rows that are new or changed (a cleared alert changes the raised one too).
    std::function<void(const std::vector<std::string>& alert_ids)> alerts_changed;
    /// The hub's row changed (heartbeat or status).
    std::function<void(const std::string& hub)> hub_changed;
};

/// Parses "warden/v1/<hub>/<kind>"; false if the topic is not of that shape or the hub id is invalid.
bool parse_hub_topic(const std::string& topic, std::string& hub, std::string& kind);

/// True if the centre takes messages from a hub of this id: `[A-Za-z0-9._-]{1,64}` (SPEC 2.1, as the
/// hub's config checks it) and not reserved for alerts the centre makes itself. Reserved: `centre` and
/// `dc09`, and every id starting `centre-` or `dc09-`, so that no hub's `<hub>-<seq>` can ever equal a
/// centre-made id (`centre-hub_offline-<hub>-<n>`, `dc09-<account>-<seq>-<time>`).
bool is_acceptable_hub_id(std::string_view hub) noexcept;

/// True if `id` is exactly what the hub would make for one of its alerts: make_alert_id(hub, seq) for
/// some seq ("<hub>-" and a decimal number without leading zeros).
bool is_hub_alert_id(std::string_view hub, std::string_view id) noexcept;

/// Faults injected for tests only (centre/README.md); none in normal use.
struct ingest_faults {
    /// End the process (std::_Exit, status 86) right after a batch with alerts is committed and before
    /// its acks are published: the window a crash can hit.
    bool exit_after_commit = false;
};

/// Reads WARDEN_CENTRE_FAULT (for tests only): "" or unset = none, "exit-after-commit". Throws
/// std::invalid_argument for another value.
ingest_faults ingest_faults_from(const char* env_value);

class ingest {
public:
    ingest(asio::io_context& io, mqtt::session& session, store& db, centre_metrics& metrics,
           std::shared_ptr<spdlog::logger> log, ingest_hooks hooks, ingest_faults faults = {},
           centre_clock clock = {}, hub_rate_options rate = {});
    ingest(const ingest&) = delete;
    ingest& operator=(const ingest&) = delete;

    /// Tests only: hubs' summaries cover this period instead of an hour (warden-centre's hidden
    /// --test-activity-period, matching warden-hub's).
    void activity_period(std::chrono::milliseconds period) { activity_period_ = period; }
    /// Activity summaries older than `days` are deleted (checked at most once an hour); 0 keeps them all.
    void keep_activity_days(int days) { keep_activity_days_ = days; }
    /// Subscribes to warden/v1/+/alert, +/alerts, +/heartbeat, +/status, +/activity (QoS 1) and starts
    /// handling messages. With a `share_group` (several instances, [cluster]) the subscriptions are MQTT
    /// shared ones, `$share/<group>/warden/v1/+/alert` and so on: the broker hands each message to one
    /// instance of the group, which stores it and acks it over its own connection once committed.
    void start(const std::string& share_group = {});
    /// Marks the alerts of `b` beyond their hub's rate as folded into the hub's flood alert (which it adds
    /// to b.floods). Every alert takes a token of its hub's bucket, whichever path it came by: the DC-09
    /// bridge calls this too. On the io_context's thread.
    void fold_beyond_rate(ingest_batch& b);
    /// Reports `n` of `hub`'s `what`s ("message", "DC-09 frame") refused because the hub is disabled: logged
    /// and audited (hub_refused) at most once a minute per hub, whichever path, with the count since the
    /// last report. The DC-09 bridge calls this too. On the io_context's thread.
    void report_refused(const std::string& hub, std::uint64_t n, std::string_view what);
    /// Handles one received message (called by the session's handler; public for tests).
    void handle(mqtt::message m);
    /// Stores and acks whatever has been received but not yet flushed (at shutdown).
    void flush_now() {
        if (!alerts_.empty() || !heartbeats_.empty() || !statuses_.empty() || !activity_.empty()) flush();
    }

private:
    struct pending_alert {
        alert a;
        std::chrono::steady_clock::time_point arrived;
    };
    /// Checks one alert from `hub` and takes it into the batch; returns why it was refused otherwise.
    std::optional<std::string> take_alert(const std::string& hub, const nlohmann::json& j);
    void schedule_flush();
    void flush();
    void reject(const std::string& hub, std::string_view reason);
    /// Stores the pending summaries; returns the hours stored (or stored before) per hub, for the acks.
    std::map<std::string, std::vector<std::string>> store_activity(std::vector<activity_hour> hours,
                                                                   time_point received);
    /// Takes out of the pending messages every one from a disabled hub; audits the refusals (paced).
    void refuse_disabled(std::vector<pending_alert>& alerts, std::vector<heartbeat_record>& heartbeats,
                         std::vector<status_record>& statuses,
                         std::vector<std::pair<std::string, bool>>& liveness,
                         std::vector<activity_hour>& activity);
    /// The hub's open alert_flood alert, or a new one (not stored yet). Throws store_error.
    alert flood_alert(const std::string& hub);

    asio::io_context& io_;
    mqtt::session& session_;
    store& db_;
    centre_metrics& metrics_;
    std::shared_ptr<spdlog::logger> log_;
    ingest_hooks hooks_;
    ingest_faults faults_;
    centre_clock clock_;  ///< receipt times and ack latencies
    hub_rate_options rate_options_;
    hub_rate_limiter rate_;
    paced_counter refusals_{std::chrono::minutes{1}};
    std::vector<pending_alert> alerts_;
    std::vector<heartbeat_record> heartbeats_;
    std::vector<status_record> statuses_;
    std::vector<activity_hour> activity_;
    int keep_activity_days_ = 0;
    std::chrono::milliseconds activity_period_{std::chrono::hours{1}};
    std::optional<std::chrono::steady_clock::time_point> last_purge_;
    std::vector<std::pair<std::string, bool>> liveness_;  ///< (hub, heard) or (hub, offline), in order
    bool flush_scheduled_ = false;
    std::chrono::steady_clock::time_point last_reject_log_{};
    std::uint64_t rejects_unlogged_ = 0;
    std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);
};

}  // namespace warden::centre
