// The centre's config loader (SPEC 5): TOML -> centre_config, every problem reported at once.

#include <algorithm>
#include <map>

#include <fmt/format.h>

#include "reader.hpp"
#include "warden/common/alert.hpp"
#include "warden/config/centre_config.hpp"

namespace warden::config {
namespace {

using detail::diagnostics;
using detail::table_reader;

constexpr std::string_view top_keys[] = {"centre",      "mqtt", "http",    "ingest",
                                         "supervision", "dc09", "records", "cluster"};
constexpr std::string_view centre_keys[] = {"database"};
constexpr std::string_view mqtt_keys[] = {"uri",       "username", "password", "ca_file",
                                          "cert_file", "key_file", "client_id"};
constexpr std::string_view http_keys[] = {"listen", "web_root", "session_ttl", "session_lifetime",
                                          "trusted_proxies"};
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
            if (db->empty())
                d.error(r.value_pos("database"),
                        "centre.database: empty; name the SQLite file, e.g. \"centre.db\"");
            cfg.database = detail::resolve_path(base, *db);
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
    d.throw_if_any();
    return cfg;
}

}  // namespace

centre_config load_centre_config(const std::string& path) {
    auto text = detail::read_config_file(path);
    return parse_centre(text, path, detail::base_folder(path, true));
}

centre_config parse_centre_config(std::string_view text, const std::string& name) {
    return parse_centre(text, name, detail::base_folder(name, false));
}

}  // namespace warden::config
