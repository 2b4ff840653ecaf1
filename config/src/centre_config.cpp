// The centre's config loader (SPEC 5): TOML -> centre_config, every problem reported at once.

#include <algorithm>
#include <map>

#include <fmt/format.h>

#include "reader.hpp"
#include "warden/common/alert.hpp"
#include "warden/common/alert_catalogue.hpp"
#include "warden/config/centre_config.hpp"

namespace warden::config {
namespace {

using detail::diagnostics;
using detail::table_reader;

constexpr std::string_view top_keys[] = {"centre", "mqtt",    "http",       "ingest",   "supervision",
                                         "dc09",   "records", "procedures", "activity", "cluster"};
constexpr std::string_view centre_keys[] = {"database"};
constexpr std::string_view mqtt_keys[] = {"uri",       "username", "password", "ca_file",
                                          "cert_file", "key_file", "client_id"};
constexpr std::string_view http_keys[] = {"listen",           "web_root",    "session_ttl",
                                          "session_lifetime", "stream_ping", "trusted_proxies"};
constexpr std::string_view ingest_keys[] = {"hub_alerts_per_minute", "hub_alert_burst"};
constexpr std::string_view supervision_keys[] = {"heartbeat_grace", "escalate_after"};
constexpr std::string_view dc09_keys[] = {"listen", "transport", "max_clock_skew", "account"};
constexpr std::string_view account_keys[] = {"account", "hub", "key", "key_hex"};
constexpr std::string_view records_keys[] = {"key_file"};
constexpr std::string_view cluster_keys[] = {"instance", "share_group"};

bool is_postgresql_uri(std::string_view db) {
    return db.starts_with("postgresql://") || db.starts_with("postgres://");
}

/// [cluster]: several instances on one PostgreSQL database (docs/install.md, "Several instances").
std::optional<cluster_spec> read_cluster(const toml::table& root, std::string_view database, diagnostics& d) {
    const auto* t = detail::section(root, "cluster", false, "", d);
    if (!t) return std::nullopt;
    table_reader r(*t, "cluster.", "[cluster]", d);
    cluster_spec c;
    auto usable = [](std::string_view v, std::size_t max) { return is_valid_id(v) && v.size() <= max; };
    if (auto i = r.required_string("instance", "instance = \"a\"")) {
        c.instance = *i;
        if (!usable(*i, 32))
            d.error(
                r.value_pos("instance"),
                fmt::format("cluster.instance: \"{}\" is not a usable instance name; use 1 to 32 letters, "
                            "digits, '.', '_' or '-', different on each instance",
                            *i));
    }
    if (auto g = r.string("share_group")) {
        c.share_group = *g;
        if (!usable(*g, 64) || g->find('.') != std::string::npos)
            d.error(
                r.value_pos("share_group"),
                fmt::format("cluster.share_group: \"{}\" is not a usable group name; use 1 to 64 letters, "
                            "digits, '_' or '-', the same on every instance",
                            *g));
    }
    r.reject_unknown(cluster_keys);
    if (!database.empty() && !is_postgresql_uri(database))
        d.error(d.at(*t),
                "[cluster]: several instances need a PostgreSQL database; set [centre] database = "
                "\"postgresql://...\" (SQLite serves one instance only)");
    return c;
}

void read_listen(table_reader& r, std::string& out, std::string_view example) {
    if (auto l = r.string("listen")) {
        out = *l;
        auto problem = detail::check_host_port(*l);
        if (!problem.empty())
            r.diag().error(r.value_pos("listen"),
                           fmt::format("{}: \"{}\" is not an address to listen on ({}); use "
                                       "HOST:PORT, e.g. \"{}\"",
                                       r.subject("listen"), *l, problem, example));
    }
}

/// [procedures]: TYPE = ["step", ...] for alert types of the catalogue, replacing that type's default.
void read_procedures(const toml::table& root, centre_config& cfg, diagnostics& d) {
    const auto* t = detail::section(root, "procedures", false, "", d);
    if (!t) return;
    table_reader r(*t, "procedures.", "[procedures]", d);
    for (auto&& [k, v] : *t) {
        std::string type(k.str());
        if (!find_alert_type(type)) {
            d.error(d.at(k.source()),
                    fmt::format("procedures.{}: \"{}\" is not an alert type of the catalogue "
                                "(GET /api/alert-types lists them), e.g. smoke",
                                type, type));
            continue;
        }
        auto steps =
            r.string_list(type, "[\"Speak to the resident\", \"If no answer, call the first responder\"]");
        if (!steps) continue;
        std::vector<std::string> out;
        for (const auto& step : *steps) {
            if (step.value.find_first_not_of(" \t") == std::string::npos || step.value.size() > 200)
                d.error(step.pos,
                        fmt::format("procedures.{}: a step must have text, at most 200 characters", type));
            out.push_back(step.value);
        }
        if (out.size() > 20)
            d.error(r.value_pos(type),
                    fmt::format("procedures.{}: at most 20 steps ({} given)", type, out.size()));
        cfg.procedures[type] = std::move(out);
    }
}

std::optional<dc09_receiver_spec> read_dc09(const toml::table& root, diagnostics& d) {
    const auto* t = detail::section(root, "dc09", false, "", d);
    if (!t) return std::nullopt;
    table_reader r(*t, "dc09.", "[dc09]", d);
    dc09_receiver_spec s;
    read_listen(r, s.listen, "0.0.0.0:5000");
    if (auto tr = r.string("transport")) {
        s.transport = *tr;
        if (*tr != "tcp" && *tr != "udp")
            d.error(r.value_pos("transport"),
                    fmt::format("dc09.transport: \"{}\" is not a transport; use \"tcp\" or \"udp\"", *tr));
    }
    if (auto skew = r.duration("max_clock_skew", true)) s.max_clock_skew = *skew;
    r.reject_unknown(dc09_keys);

    std::map<std::string, int, std::less<>> seen;
    auto tables = detail::table_array(*t, "account", d);
    for (std::size_t i = 0; i < tables.size(); ++i) {
        const auto* idn = tables[i]->get("account");
        const std::string label = idn && idn->is_string()
                                      ? fmt::format("dc09 account '{}'", idn->as_string()->get())
                                      : fmt::format("[[dc09.account]] #{}", i + 1);
        table_reader a(*tables[i], label + " ", label, d);
        dc09_account_spec acct;
        if (auto v = a.required_string("account", "account = \"1234\"")) {
            acct.account = *v;
            if (!detail::is_hex(*v, 3, 16))
                d.error(a.value_pos("account"),
                        fmt::format("{} account: \"{}\" is not an account number; use 3 to 16 hex digits",
                                    label, *v));
            auto [it, fresh] = seen.emplace(*v, a.value_pos("account").line);
            if (!fresh)
                d.error(a.value_pos("account"),
                        fmt::format(
                            "dc09 account '{}' is configured twice (first at line {}); each account number "
                            "belongs to one hub",
                            *v, it->second));
        }
        if (auto hub = a.required_string("hub", "hub = \"hub-0001\"")) {
            acct.hub = *hub;
            if (!is_valid_id(*hub))
                d.error(a.value_pos("hub"),
                        fmt::format("{} hub: \"{}\" is not a valid hub id; use 1 to 64 letters, "
                                    "digits, '.', '_' or '-'",
                                    label, *hub));
        }
        acct.key = detail::read_dc09_key(a);
        a.reject_unknown(account_keys);
        s.accounts.push_back(std::move(acct));
    }
    return s;
}

centre_config parse_centre(std::string_view text, const std::string& name,
                           const std::filesystem::path& base) {
    diagnostics d(name);
    toml::table root = detail::parse_toml(text, d);
    centre_config cfg;
    cfg.source_file = name;
    std::string raw_database;  // as written: a PostgreSQL URI is not a path
    {
        const detail::section_keys homes[] = {{"[centre]", centre_keys},
                                              {"[mqtt]", mqtt_keys},
                                              {"[http]", http_keys},
                                              {"[ingest]", ingest_keys},
                                              {"[supervision]", supervision_keys},
                                              {"[dc09]", dc09_keys},
                                              {"[records]", records_keys},
                                              {"[cluster]", cluster_keys}};
        detail::reject_unknown_top_level(root, top_keys, homes, d);
    }
    if (const auto* t =
            detail::section(root, "centre", true, "database = \"/var/lib/warden-centre/centre.db\"", d)) {
        table_reader r(*t, "centre.", "[centre]", d);
        if (auto db = r.required_string("database", "database = \"/var/lib/warden-centre/centre.db\"")) {
            raw_database = *db;
            const bool postgres = db->rfind("postgresql://", 0) == 0 || db->rfind("postgres://", 0) == 0;
            if (db->empty())
                d.error(r.value_pos("database"),
                        "centre.database: empty; name the SQLite file, e.g. \"centre.db\", or a PostgreSQL "
                        "database, e.g. \"postgresql://warden@db.example:5432/warden\"");
            else if (!postgres && db->find("://") != std::string::npos)
                d.error(r.value_pos("database"),
                        "centre.database: \"" + db->substr(0, db->find("://") + 3) +
                            "\" is not a database the centre knows; name a SQLite file, or a PostgreSQL "
                            "database as postgresql://user@host:port/dbname");
            // A PostgreSQL URI is passed to libpq as it is; a file path is resolved against the config.
            cfg.database = postgres ? *db : detail::resolve_path(base, *db);
        }
        r.reject_unknown(centre_keys);
    }
    if (const auto* t = detail::section(root, "mqtt", true, "uri = \"tcp://127.0.0.1:1883\"", d)) {
        table_reader r(*t, "mqtt.", "[mqtt]", d);
        cfg.mqtt = detail::read_broker(r, base, "tcp://127.0.0.1:1883");
        if (auto id = r.string("client_id")) {
            cfg.client_id = *id;
            if (!is_valid_id(*id))
                d.error(r.value_pos("client_id"),
                        fmt::format(
                            "mqtt.client_id: \"{}\" is not a usable client id; use 1 to 64 letters, digits, "
                            "'.', '_' or '-'",
                            *id));
        }
        r.reject_unknown(mqtt_keys);
    }
    if (const auto* t = detail::section(root, "http", false, "", d)) {
        table_reader r(*t, "http.", "[http]", d);
        read_listen(r, cfg.http_listen, "127.0.0.1:8080");
        if (auto root_dir = r.string("web_root")) {
            cfg.web_root = detail::resolve_path(base, *root_dir);
            std::error_code ec;
            if (!root_dir->empty() && !std::filesystem::is_directory(cfg.web_root, ec))
                d.error(
                    r.value_pos("web_root"),
                    fmt::format("http.web_root: no such folder \"{}\"{}; leave web_root out for the built-in "
                                "console",
                                cfg.web_root,
                                cfg.web_root == *root_dir ? "" : " (relative to the config's folder)"));
        }
        if (auto ttl = r.duration("session_ttl", true)) cfg.session_ttl = *ttl;
        if (auto life = r.duration("session_lifetime", true)) cfg.session_lifetime = *life;
        if (auto ping = r.duration("stream_ping", true)) {
            if (*ping < std::chrono::seconds{1} || *ping > std::chrono::seconds{60})
                d.error(r.value_pos("stream_ping"),
                        "http.stream_ping: must be between \"1s\" and \"60s\" (a proxy may close a stream "
                        "idle for longer; the default \"15s\" suits nginx's 60 s read timeout)");
            else
                cfg.stream_ping = *ping;
        }
        // The reverse proxies whose X-Forwarded-For names the client (deploy/nginx): IP addresses only.
        if (auto proxies = r.string_list("trusted_proxies", "trusted_proxies = [\"127.0.0.1\"]")) {
            for (const auto& p : *proxies) {
                const bool ip = !p.value.empty() && p.value.size() <= 45 &&
                                p.value.find_first_not_of("0123456789abcdefABCDEF.:") == std::string::npos &&
                                p.value.find_first_of(".:") != std::string::npos;
                if (!ip)
                    d.error(p.pos,
                            fmt::format("http.trusted_proxies: \"{}\" is not an IP address; list the "
                                        "addresses your reverse proxy connects from, e.g. \"127.0.0.1\"",
                                        p.value));
                else
                    cfg.trusted_proxies.push_back(p.value);
            }
        }
        r.reject_unknown(http_keys);
    }
    // Per-hub alert rate: beyond it a hub's alerts are folded into one flood alert (security).
    if (const auto* t = detail::section(root, "ingest", false, "", d)) {
        table_reader r(*t, "ingest.", "[ingest]", d);
        if (auto rate = r.number("hub_alerts_per_minute")) {
            cfg.hub_alerts_per_minute = *rate;
            if (!(*rate > 0 && *rate <= 60'000))
                d.error(r.value_pos("hub_alerts_per_minute"),
                        fmt::format("ingest.hub_alerts_per_minute: {} is out of range; use a rate above 0 "
                                    "and at most 60000, e.g. 10",
                                    *rate));
        }
        if (auto burst = r.integer("hub_alert_burst")) {
            cfg.hub_alert_burst = static_cast<int>(std::clamp<std::int64_t>(*burst, 0, 1'000'000));
            if (*burst < 1 || *burst > 1'000'000)
                d.error(r.value_pos("hub_alert_burst"),
                        fmt::format("ingest.hub_alert_burst: {} is out of range; use 1 to 1000000, e.g. 20",
                                    *burst));
        }
        r.reject_unknown(ingest_keys);
    }
    if (const auto* t = detail::section(root, "supervision", false, "", d)) {
        table_reader r(*t, "supervision.", "[supervision]", d);
        if (auto g = r.duration("heartbeat_grace", true)) cfg.heartbeat_grace = *g;
        if (auto e = r.duration("escalate_after", true)) cfg.escalate_after = *e;
        r.reject_unknown(supervision_keys);
    }
    cfg.dc09 = read_dc09(root, d);
    cfg.cluster = read_cluster(root, raw_database, d);
    if (const auto* t = detail::section(root, "records", false, "", d)) {
        table_reader r(*t, "records.", "[records]", d);
        if (auto k = r.string("key_file")) {
            if (k->empty())
                d.error(r.value_pos("key_file"),
                        "records.key_file: empty; name the key file, e.g. \"records.key\" (warden-centre key "
                        "create FILE makes one)");
            else
                cfg.records_key_file = detail::resolve_path(base, *k);
        }
        r.reject_unknown(records_keys);
    }
    read_procedures(root, cfg, d);
    if (const auto* t = detail::section(root, "activity", false, "", d)) {
        table_reader r(*t, "activity.", "[activity]", d);
        std::vector<std::string_view> keys(std::begin(activity_threshold_keys),
                                           std::end(activity_threshold_keys));
        keys.push_back("keep_days");
        if (auto k = r.integer("keep_days")) {
            cfg.activity_keep_days = static_cast<int>(std::clamp<std::int64_t>(*k, 0, 100'000));
            if (*k < 30 || *k > 100'000)
                d.error(r.value_pos("keep_days"),
                        fmt::format("activity.keep_days: {} is out of range; use 30 to 100000 days, e.g. 730",
                                    *k));
        }
        for (auto key : activity_threshold_keys) {
            auto v = r.number(key);
            if (!v) continue;
            if (auto problem = set_activity_threshold(cfg.activity, key, *v))
                d.error(r.value_pos(key), fmt::format("activity.{}: {}", key, *problem));
        }
        r.reject_unknown(keys);
    }
    d.throw_if_any();
    return cfg;
}

}  // namespace

std::optional<std::string> set_activity_threshold(activity_thresholds& t, std::string_view key,
                                                  double value) {
    struct limit {
        std::string_view key;
        double lo, hi;
        int activity_thresholds::*whole;
        double activity_thresholds::*real;
    };
    static constexpr limit limits[] = {
        {"baseline_days", 7, 90, &activity_thresholds::baseline_days, nullptr},
        {"min_cover_s", 0, 3600, &activity_thresholds::min_cover_s, nullptr},
        {"min_day_hours", 1, 24, &activity_thresholds::min_day_hours, nullptr},
        {"night_bathroom_factor", 1, 10, nullptr, &activity_thresholds::night_bathroom_factor},
        {"night_bathroom_min", 1, 50, &activity_thresholds::night_bathroom_min, nullptr},
        {"night_bathroom_nights", 1, 14, &activity_thresholds::night_bathroom_nights, nullptr},
        {"late_rise_minutes", 15, 720, &activity_thresholds::late_rise_minutes, nullptr},
        {"late_rise_days", 1, 14, &activity_thresholds::late_rise_days, nullptr},
        {"no_out_days", 1, 60, &activity_thresholds::no_out_days, nullptr},
        {"cold_below_c", 5, 25, nullptr, &activity_thresholds::cold_below_c},
        {"cold_hours", 1, 48, &activity_thresholds::cold_hours, nullptr},
        {"low_activity_drop", 0.05, 0.95, nullptr, &activity_thresholds::low_activity_drop},
        {"low_activity_days", 1, 14, &activity_thresholds::low_activity_days, nullptr},
    };
    for (const auto& l : limits) {
        if (l.key != key) continue;
        if (!(value >= l.lo && value <= l.hi))
            return fmt::format("{} is out of range; use {} to {}", value, l.lo, l.hi);
        if (l.whole) {
            if (value != static_cast<double>(static_cast<int>(value)))
                return fmt::format("{} is not a whole number", value);
            t.*l.whole = static_cast<int>(value);
        } else {
            t.*l.real = value;
        }
        return std::nullopt;
    }
    return fmt::format("\"{}\" is not an activity threshold", key);
}

centre_config load_centre_config(const std::string& path) {
    auto text = detail::read_config_file(path);
    return parse_centre(text, path, detail::base_folder(path, true));
}

centre_config parse_centre_config(std::string_view text, const std::string& name) {
    return parse_centre(text, name, detail::base_folder(name, false));
}

}  // namespace warden::config
