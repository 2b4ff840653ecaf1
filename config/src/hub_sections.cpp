// hub.toml's [hub], [local], [centre] and [dc09] sections.

#include <date/tz.h>
#include <fmt/format.h>

#include "hub_parts.hpp"
#include "warden/common/alert.hpp"

namespace warden::config::detail {

void read_hub(const toml::table& root, hub_config& cfg, diagnostics& d, const std::filesystem::path& base) {
    const auto* t = section(root, "hub", true,
                            "id = \"hub-0001\", data_dir = \"data\" and timezone = \"Europe/London\"", d);
    if (!t) return;
    cfg.key_pos.emplace("hub", d.at(*t));  // the [hub] header, for warnings about keys left out
    table_reader r(*t, "hub.", "[hub]", d, &cfg.key_pos, "hub.");
    if (auto id = r.required_string("id", "id = \"hub-0001\"")) {
        cfg.id = *id;
        if (!is_valid_id(*id))
            d.error(r.value_pos("id"),
                    fmt::format("hub.id: \"{}\" is not a valid hub id; {}", *id, quoted_id_hint()));
    }
    if (auto dir = r.required_string("data_dir", "data_dir = \"/var/lib/warden\"")) {
        if (dir->empty())
            d.error(r.value_pos("data_dir"), "hub.data_dir: empty; name the folder for the hub's database");
        cfg.data_dir = resolve_path(base, *dir);
    }
    if (auto tz = r.string("timezone")) {
        cfg.timezone = *tz;
        try {
            (void)date::locate_zone(*tz);
        } catch (const std::exception&) {
            std::string hint;
            try {
                std::vector<std::string_view> names;
                for (const auto& z : date::get_tzdb().zones) names.push_back(z.name());
                if (auto near = did_you_mean(*tz, names)) hint = fmt::format("did you mean \"{}\"? ", *near);
            } catch (const std::exception&) {
                // No tz database at all: the message below still says what to do.
            }
            d.error(r.value_pos("timezone"),
                    fmt::format("hub.timezone: \"{}\" is not a known IANA time zone; {}use a name such as "
                                "\"Europe/London\" (see /usr/share/zoneinfo)",
                                *tz, hint));
        }
    }
    r.reject_unknown(hub_keys);
}

void read_local(const toml::table& root, hub_config& cfg, diagnostics& d, const std::filesystem::path& base) {
    const auto* t = section(root, "local", true, "uri = \"tcp://127.0.0.1:1883\"", d);
    if (!t) return;
    table_reader r(*t, "local.", "[local]", d, &cfg.key_pos, "local.");
    cfg.local = read_broker(r, base, "tcp://127.0.0.1:1883");
    r.reject_unknown(broker_keys);
}

void read_centre(const toml::table& root, hub_config& cfg, diagnostics& d,
                 const std::filesystem::path& base) {
    const auto* t = section(root, "centre", true, "uri = \"ssl://centre.example.org:8883\"", d);
    if (!t) return;
    table_reader r(*t, "centre.", "[centre]", d, &cfg.key_pos, "centre.");
    cfg.centre.broker = read_broker(r, base, "ssl://centre.example.org:8883");
    if (auto h = r.duration("heartbeat", true)) cfg.centre.heartbeat = *h;
    if (auto a = r.duration("ack_timeout", true)) cfg.centre.ack_timeout = *a;
    r.reject_unknown(centre_keys);
}

void read_dc09(const toml::table& root, hub_config& cfg, diagnostics& d) {
    const auto* t = section(root, "dc09", false, "", d);
    if (!t) return;
    table_reader r(*t, "dc09.", "[dc09]", d, &cfg.key_pos, "dc09.");
    dc09_spec s;
    if (auto host = r.string("host")) {
        s.host = *host;
        if (host->empty() || host->find_first_of(" /:@") != std::string::npos)
            d.error(r.value_pos("host"),
                    fmt::format("dc09.host: \"{}\" is not a host name or address; use e.g. "
                                "\"arc.example.org\" or \"192.0.2.10\" (the port goes in port)",
                                *host));
    }
    if (auto port = r.integer("port")) {
        if (*port < 1 || *port > 65535)
            d.error(r.value_pos("port"), fmt::format("dc09.port: {} is not a port; use 1 to 65535", *port));
        else
            s.port = static_cast<int>(*port);
    }
    if (auto tr = r.string("transport")) {
        s.transport = *tr;
        if (*tr != "tcp" && *tr != "udp")
            d.error(r.value_pos("transport"),
                    fmt::format("dc09.transport: \"{}\" is not a transport; use \"tcp\" or \"udp\"", *tr));
    }
    if (auto acct = r.required_string("account", "account = \"1234\"")) {
        s.account = *acct;
        if (!is_hex(*acct, 3, 16))
            d.error(r.value_pos("account"),
                    fmt::format(
                        "dc09.account: \"{}\" is not an account number; use 3 to 16 hex digits (0-9, A-F), "
                        "as agreed with the receiving centre",
                        *acct));
    }
    if (auto rcv = r.string("receiver")) {
        s.receiver = *rcv;
        if (!is_hex(*rcv, 1, 6))
            d.error(
                r.value_pos("receiver"),
                fmt::format("dc09.receiver: \"{}\" is not a receiver number; use 1 to 6 hex digits", *rcv));
    }
    if (auto line = r.string("line")) {
        s.line = *line;
        if (!is_hex(*line, 1, 6))
            d.error(r.value_pos("line"),
                    fmt::format("dc09.line: \"{}\" is not a line number; use 1 to 6 hex digits", *line));
    }
    s.key = read_dc09_key(r);
    if (auto f = r.string("format")) {
        s.format = *f;
        if (*f != "SIA-DCS" && *f != "ADM-CID")
            d.error(
                r.value_pos("format"),
                fmt::format("dc09.format: \"{}\" is not a DC-09 format; use \"SIA-DCS\" or \"ADM-CID\"", *f));
    }
    if (auto role = r.string("role")) {
        s.role = *role;
        if (*role != "backup" && *role != "both")
            d.error(
                r.value_pos("role"),
                fmt::format("dc09.role: \"{}\" is not a role; use \"backup\" (only while the MQTT path is "
                            "down) or \"both\" (every alert on both paths)",
                            *role));
    }
    if (auto sup = r.duration("supervision", false)) s.supervision = *sup;
    r.reject_unknown(dc09_keys);
    cfg.dc09 = std::move(s);
}

}  // namespace warden::config::detail
