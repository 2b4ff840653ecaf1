#pragma once
/// The centre's configuration (SPEC 5) as plain values, and its loader.

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "warden/config/hub_config.hpp"

namespace warden::config {

/// The thresholds of the activity wellbeing notices (docs/activity.md): `[activity]` in centre.toml,
/// and per household the same keys stored with the household, overriding these.
struct activity_thresholds {
    int baseline_days = 28;              ///< the rolling baseline's length in days
    int min_cover_s = 2700;              ///< an hour covered less than this is missing, not inactive
    int min_day_hours = 20;              ///< a day with fewer good hours is missing
    double night_bathroom_factor = 2.0;  ///< a night counts at factor x the baseline's visits or more...
    int night_bathroom_min = 3;          ///< ...and at least this many visits
    int night_bathroom_nights = 3;       ///< ...on this many nights running
    int late_rise_minutes = 120;         ///< getting up this much later than usual...
    int late_rise_days = 3;              ///< ...on this many days running
    int no_out_days = 7;                 ///< no time out of the home on this many days running
    double cold_below_c = 16.0;          ///< a room's hourly mean below this...
    int cold_hours = 6;                  ///< ...for more than this many hours running
    double low_activity_drop = 0.4;      ///< activity this fraction below the baseline...
    int low_activity_days = 3;           ///< ...on this many days running
    bool operator==(const activity_thresholds&) const = default;
};

/// The keys of activity_thresholds, as centre.toml's [activity] and a household's settings name them.
inline constexpr std::string_view activity_threshold_keys[] = {
    "baseline_days",      "min_cover_s",           "min_day_hours",     "night_bathroom_factor",
    "night_bathroom_min", "night_bathroom_nights", "late_rise_minutes", "late_rise_days",
    "no_out_days",        "cold_below_c",          "cold_hours",        "low_activity_drop",
    "low_activity_days"};

/// Sets threshold `key` to `value`; returns what is wrong (an unknown key, a value out of range or not
/// a whole number where one is needed), or nullopt when set.
std::optional<std::string> set_activity_threshold(activity_thresholds& t, std::string_view key, double value);

/// One `[[dc09.account]]`: a DC-09 account number mapped to the hub it speaks for.
struct dc09_account_spec {
    std::string account;
    std::string hub;
    std::string key;  ///< raw key bytes (from key or key_hex); empty = plain frames
    bool operator==(const dc09_account_spec&) const = default;
};

struct dc09_receiver_spec {
    std::string listen = "0.0.0.0:5000";   ///< host:port
    std::string transport = "tcp";         ///< "tcp" or "udp"
    milliseconds max_clock_skew{600'000};  ///< frames whose timestamp is further off than this are NAKed
    std::vector<dc09_account_spec> accounts;
    bool operator==(const dc09_receiver_spec&) const = default;
};

/// `[cluster]`: this instance is one of several warden-centre instances sharing one PostgreSQL database
/// (docs/install.md, "Several instances"). Absent: the single centre of old.
struct cluster_spec {
    /// This instance's name, unique among the instances (1 to 32 letters, digits, '.', '_' or '-'): its
    /// MQTT client id is `<[mqtt] client_id>-<instance>`, and its log lines and metrics carry it.
    std::string instance;
    /// The MQTT shared subscription group: each hub message goes to one instance of the group
    /// (`$share/<share_group>/warden/v1/+/alert`, ...).
    std::string share_group = "warden-centre";
    bool operator==(const cluster_spec&) const = default;
};

struct centre_config {
    std::string database;  ///< SQLite file; relative paths resolved against the config's folder
    broker_spec mqtt;      ///< [mqtt] uri, username, password, ca_file, cert_file, key_file
    std::string client_id = "warden-centre";     ///< [mqtt] client_id: the centre's MQTT client id
    std::string http_listen = "127.0.0.1:8080";  ///< [http] listen
    std::string web_root;  ///< [http] web_root: console files; empty = the built-in default
    milliseconds session_ttl{8 * 3'600'000};  ///< [http] session_ttl: idle sessions expire after this
    milliseconds session_lifetime{
        12 * 3'600'000};  ///< [http] session_lifetime: any session ends this long after login
    /// [http] stream_ping: an idle event stream carries a ping this often (1 s to 60 s).
    milliseconds stream_ping{15'000};
    /// [http] trusted_proxies: peers whose X-Forwarded-For names the client (the shipped nginx).
    std::vector<std::string> trusted_proxies;
    /// [ingest] hub_alerts_per_minute and hub_alert_burst: a token bucket per hub; alerts beyond it are
    /// stored folded into one `alert_flood` alert instead of entering the queue one by one.
    double hub_alerts_per_minute = 10;
    int hub_alert_burst = 20;
    milliseconds heartbeat_grace{180'000};  ///< [supervision] heartbeat_grace
    milliseconds escalate_after{900'000};   ///< [supervision] escalate_after: hub_offline becomes high
    std::optional<dc09_receiver_spec> dc09;
    /// [records] key_file: the records key (warden-centre key create); empty = none, so the key safe,
    /// door entry and medical fields can be neither stored nor shown. Relative to the config's folder.
    std::string records_key_file;
    /// [procedures] TYPE = ["step", ...]: the checklist shown with a call of that alert type, replacing
    /// the centre's default for the type (docs/procedures.md). Types not named keep their default.
    std::map<std::string, std::vector<std::string>> procedures;
    activity_thresholds activity;         ///< [activity] the notices' thresholds (docs/activity.md)
    int activity_keep_days = 730;         ///< [activity] keep_days: summaries older than this are deleted
    std::optional<cluster_spec> cluster;  ///< [cluster]: one of several instances (PostgreSQL only)
    std::string source_file;
    bool operator==(const centre_config&) const = default;
    /// The MQTT client id this instance connects with: client_id, or `<client_id>-<instance>` in a cluster.
    std::string mqtt_client_id() const { return cluster ? client_id + "-" + cluster->instance : client_id; }
};

/// Reads and fully validates a centre config; throws config_error listing every problem
/// ("FILE:LINE:COLUMN: message").
centre_config load_centre_config(const std::string& path);
centre_config parse_centre_config(std::string_view text, const std::string& name);

}  // namespace warden::config
