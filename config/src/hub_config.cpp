// The hub's config loader: TOML -> hub_config, with every problem reported at once before anything
// starts, each as "FILE:LINE:COLUMN: message" naming the key at fault and saying what to do.

#include <algorithm>
#include <array>
#include <cctype>
#include <fstream>
#include <map>
#include <set>
#include <sstream>
#include <tuple>

#include <date/tz.h>
#include <fmt/format.h>

#include "reader.hpp"
#include "warden/common/alert.hpp"
#include "warden/common/event.hpp"
#include "warden/config/hub_config.hpp"

namespace warden::config {

namespace detail {

/// Reads the whole file; throws config_error ("FILE:1:1: cannot read ...") if it cannot.
std::string read_config_file(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) {
        std::error_code ec(errno, std::generic_category());
        throw config_error({fmt::format("{}:1:1: cannot read the file: {}", path, ec.message())});
    }
    std::ostringstream text;
    text << in.rdbuf();
    return text.str();
}

/// Parses TOML; a syntax error is reported with its place and thrown at once (nothing else can be read).
toml::table parse_toml(std::string_view text, diagnostics& d) {
    try {
        return toml::parse(text, std::string_view(d.file()));
    } catch (const toml::parse_error& e) {
        std::string what(e.description());
        if (auto p = what.find("Error while parsing "); p == 0) {
            auto colon = what.find(": ");
            if (colon != std::string::npos) what = what.substr(colon + 2);
        }
        // SPEC's short examples put several keys on one line with ';'; TOML does not allow that.
        if (what.find("saw ';'") != std::string::npos) what += "; put each key = value on its own line";
        d.error(d.at(e.source()), "TOML syntax error: " + what);
        d.throw_if_any();
    }
    return {};
}

/// The base folder for relative paths in a config loaded from `path`.
std::filesystem::path base_folder(const std::string& path, bool absolute) {
    std::filesystem::path p(path);
    if (absolute) {
        std::error_code ec;
        auto abs = std::filesystem::absolute(p, ec);
        if (!ec) return abs.parent_path();
    }
    return p.parent_path();
}

/// The table at `key` of `root`: nullptr (and a message) if it is missing but required or not a table.
const toml::table* section(const toml::table& root, std::string_view key, bool required,
                           std::string_view example, diagnostics& d) {
    const toml::node* n = root.get(key);
    if (!n) {
        if (required)
            d.error(d.start(), fmt::format("missing the [{}] section; add it with {}", key, example));
        return nullptr;
    }
    if (const auto* t = n->as_table()) return t;
    d.error(d.at(*n), fmt::format("{}: expected a section [{}], got {}", key, key, describe(*n)));
    return nullptr;
}

/// The tables of an array of tables `[[key]]`; a message for anything else.
std::vector<const toml::table*> table_array(const toml::table& root, std::string_view key, diagnostics& d) {
    std::vector<const toml::table*> out;
    const toml::node* n = root.get(key);
    if (!n) return out;
    if (n->is_table()) {
        d.error(d.at(*n),
                fmt::format("[{}] is written with two brackets: [[{}]], one for each {}", key, key, key));
        return out;
    }
    const auto* a = n->as_array();
    if (!a) {
        d.error(d.at(*n), fmt::format("{}: expected [[{}]] sections, got {}", key, key, describe(*n)));
        return out;
    }
    for (const auto& e : *a) {
        if (const auto* t = e.as_table())
            out.push_back(t);
        else
            d.error(d.at(e),
                    fmt::format("{}: each entry must be a [[{}]] section, got {}", key, key, describe(e)));
    }
    return out;
}

}  // namespace detail

namespace {

using detail::diagnostics;
using detail::key_positions;
using detail::located_string;
using detail::table_reader;

constexpr std::string_view top_keys[] = {"hub", "local", "centre", "dc09", "sensor", "rule"};
constexpr std::string_view hub_keys[] = {"id", "data_dir", "timezone"};
constexpr std::string_view centre_keys[] = {"uri",       "username", "password",  "ca_file",
                                            "cert_file", "key_file", "heartbeat", "ack_timeout"};
constexpr std::string_view dc09_keys[] = {"host", "port",    "transport", "account", "receiver",   "line",
                                          "key",  "key_hex", "format",    "role",    "supervision"};
constexpr std::string_view sensor_keys[] = {"id",        "kind",          "source",     "topic",
                                            "location",  "report_every",  "field",      "active",
                                            "threshold", "cancel_button", "away_button"};
constexpr std::string_view kind_names[] = {
    "pendant",  "pull_cord", "fall", "smoke", "heat",  "co",     "gas",   "flood",      "epilepsy",
    "enuresis", "motion",    "door", "bed",   "chair", "button", "power", "temperature"};
constexpr std::string_view source_names[] = {"zigbee2mqtt", "tasmota", "esphome", "shelly", "json"};
constexpr std::string_view rule_type_names[] = {"inactivity", "out_of_bed", "exit", "due", "threshold"};
constexpr std::string_view priority_names[] = {"critical", "high", "normal", "low"};

constexpr std::string_view rule_common_keys[] = {"id", "type", "window", "priority"};
/// The hub's technical alerts name their conditions after their type (`storage_fault`,
/// `sensor_offline/<sensor>`); a rule with one of these ids would share their keys.
constexpr std::string_view reserved_rule_ids[] = {"sensor_offline", "battery_low", "tamper",
                                                  "bridge_offline", "hub_started", "storage_fault",
                                                  "uplink_fault",   "test"};

std::vector<std::string_view> keys_of(rule_type t) {
    std::vector<std::string_view> k(std::begin(rule_common_keys), std::end(rule_common_keys));
    auto add = [&](std::initializer_list<std::string_view> more) { k.insert(k.end(), more); };
    switch (t) {
        case rule_type::inactivity:
            add({"sensors", "period", "warn", "paused_by"});  // paused_by: an extension of SPEC 2.3
            break;
        case rule_type::out_of_bed:
            add({"sensor", "within"});
            break;
        case rule_type::exit:
            add({"sensor", "inside", "within", "open_for"});
            break;
        case rule_type::due:
            // `due` has its own window: from .. by.
            std::erase(k, std::string_view("window"));
            add({"sensors", "event", "from", "by"});
            break;
        case rule_type::threshold:
            add({"sensor", "attribute", "below", "above", "for", "hysteresis", "rise", "over"});
            break;
    }
    return k;
}

std::string quoted_id_hint() {
    return "use 1 to 64 letters, digits, '.', '_' or '-'";
}

/// One [[sensor]] as read, with what could not be read marked, so later checks do not pile up
/// consequences of one mistake.
struct sensor_entry {
    sensor_spec spec;
    bool has_id = false, has_kind = false, has_source = false;
    position id_pos, topic_pos;
};

struct rule_entry {
    rule_spec spec;
    bool has_id = false, has_type = false;
    position id_pos;
    std::vector<located_string> sensors, inside, paused_by;
    std::optional<located_string> sensor;
};

// --- the [hub], [local], [centre] and [dc09] sections -----------------------------------------------

void read_hub(const toml::table& root, hub_config& cfg, diagnostics& d, const std::filesystem::path& base) {
    const auto* t = detail::section(
        root, "hub", true, "id = \"hub-0001\", data_dir = \"data\" and timezone = \"Europe/London\"", d);
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
        cfg.data_dir = detail::resolve_path(base, *dir);
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
                if (auto near = detail::did_you_mean(*tz, names))
                    hint = fmt::format("did you mean \"{}\"? ", *near);
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
    const auto* t = detail::section(root, "local", true, "uri = \"tcp://127.0.0.1:1883\"", d);
    if (!t) return;
    table_reader r(*t, "local.", "[local]", d, &cfg.key_pos, "local.");
    cfg.local = detail::read_broker(r, base, "tcp://127.0.0.1:1883");
    r.reject_unknown(detail::broker_keys);
}

void read_centre(const toml::table& root, hub_config& cfg, diagnostics& d,
                 const std::filesystem::path& base) {
    const auto* t = detail::section(root, "centre", true, "uri = \"ssl://centre.example.org:8883\"", d);
    if (!t) return;
    table_reader r(*t, "centre.", "[centre]", d, &cfg.key_pos, "centre.");
    cfg.centre.broker = detail::read_broker(r, base, "ssl://centre.example.org:8883");
    if (auto h = r.duration("heartbeat", true)) cfg.centre.heartbeat = *h;
    if (auto a = r.duration("ack_timeout", true)) cfg.centre.ack_timeout = *a;
    r.reject_unknown(centre_keys);
}

void read_dc09(const toml::table& root, hub_config& cfg, diagnostics& d) {
    const auto* t = detail::section(root, "dc09", false, "", d);
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
        if (!detail::is_hex(*acct, 3, 16))
            d.error(r.value_pos("account"),
                    fmt::format(
                        "dc09.account: \"{}\" is not an account number; use 3 to 16 hex digits (0-9, A-F), "
                        "as agreed with the receiving centre",
                        *acct));
    }
    if (auto rcv = r.string("receiver")) {
        s.receiver = *rcv;
        if (!detail::is_hex(*rcv, 1, 6))
            d.error(
                r.value_pos("receiver"),
                fmt::format("dc09.receiver: \"{}\" is not a receiver number; use 1 to 6 hex digits", *rcv));
    }
    if (auto line = r.string("line")) {
        s.line = *line;
        if (!detail::is_hex(*line, 1, 6))
            d.error(r.value_pos("line"),
                    fmt::format("dc09.line: \"{}\" is not a line number; use 1 to 6 hex digits", *line));
    }
    s.key = detail::read_dc09_key(r);
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

// --- sensors -------------------------------------------------------------------------------------------

/// Checks that a sensor's topic has the form its source expects, and says which to use if not.
void check_topic(const sensor_entry& e, diagnostics& d) {
    const auto& s = e.spec;
    const std::string_view t = s.topic;
    const std::string subject = fmt::format("sensor '{}' topic", s.id);
    auto fail = [&](const std::string& why) {
        d.error(e.topic_pos, fmt::format("{}: \"{}\" {}", subject, t, why));
    };
    if (t.empty()) {
        d.error(e.topic_pos, subject + ": empty; give the device's topic on the home broker");
        return;
    }
    if (t.find_first_of("+#") != std::string_view::npos)
        return fail("has an MQTT wildcard (+ or #); give one device's own topic");
    if (t.back() == '/') return fail("ends with '/'; leave it out");
    if (t.find(' ') != std::string_view::npos && s.source != source_type::json)
        return fail("has a space; check the device's topic in its bridge");
    auto ends_with = [&](std::string_view tail) {
        return t.size() >= tail.size() && t.substr(t.size() - tail.size()) == tail;
    };
    auto starts_with = [&](std::string_view head) { return t.substr(0, head.size()) == head; };
    if (!e.has_source) return;
    switch (s.source) {
        case source_type::zigbee2mqtt: {
            auto slash = t.find('/');
            if (slash == std::string_view::npos)
                return fail(
                    "is not a zigbee2mqtt device topic; use \"<base>/<friendly_name>\", "
                    "e.g. \"zigbee2mqtt/hall_pir\"");
            for (auto tail : {"/availability", "/set", "/get"})
                if (ends_with(tail))
                    return fail(fmt::format("names the device's {} topic; use the state topic \"{}\"",
                                            tail + 1, t.substr(0, t.size() - std::string_view(tail).size())));
            if (t.substr(slash + 1).rfind("bridge", 0) == 0 && (t.size() == slash + 7 || t[slash + 7] == '/'))
                return fail("is the bridge's own topic; use a device's topic, \"<base>/<friendly_name>\"");
            break;
        }
        case source_type::tasmota:
            for (auto head : {"tele/", "stat/", "cmnd/"}) {
                if (!starts_with(head)) continue;
                auto rest = t.substr(std::string_view(head).size());
                auto device = rest.substr(0, rest.find('/'));
                return fail(
                    fmt::format("is a full tasmota topic; give the device topic only, \"{}\" (the hub "
                                "subscribes to tele/{}/SENSOR, stat/{}/RESULT and tele/{}/LWT itself)",
                                device, device, device, device));
            }
            break;
        case source_type::esphome: {
            auto levels = std::count(t.begin(), t.end(), '/') + 1;
            if (!ends_with("/state") || levels < 4)
                return fail(
                    "is not an esphome state topic; use \"<prefix>/<component>/<name>/state\", "
                    "e.g. \"kitchen/binary_sensor/kitchen_pir/state\"");
            break;
        }
        case source_type::shelly:
            for (auto tail : {"/online", "/events/rpc", "/announce"})
                if (ends_with(tail))
                    return fail(fmt::format("names one of the device's topics; give its base topic \"{}\"",
                                            t.substr(0, t.size() - std::string_view(tail).size())));
            for (auto part : {"/sensor/", "/status/", "/input/", "/relay/"})
                if (auto p = t.find(part); p != std::string_view::npos)
                    return fail(
                        fmt::format("names one of the device's topics; give its base topic \"{}\" "
                                    "(gen1 \"shellies/<id>\", gen2 \"<id>\")",
                                    t.substr(0, p)));
            break;
        case source_type::json:
            break;
    }
}

sensor_entry read_sensor(const toml::table& t, std::size_t index, diagnostics& d) {
    sensor_entry e;
    auto& s = e.spec;
    s.pos = d.at(t);
    const auto* idn = t.get("id");
    const std::string label = idn && idn->is_string() ? fmt::format("sensor '{}'", idn->as_string()->get())
                                                      : fmt::format("[[sensor]] #{}", index + 1);
    table_reader r(t, label + " ", label, d, &s.key_pos);

    if (auto id = r.required_string("id", "id = \"hall-pir\"")) {
        s.id = *id;
        e.id_pos = r.value_pos("id");
        e.has_id = true;
        if (!is_valid_id(*id))
            d.error(e.id_pos,
                    fmt::format("{} id: \"{}\" is not a valid sensor id; {}", label, *id, quoted_id_hint()));
    }
    if (auto kind = r.required_string("kind", "kind = \"motion\"")) {
        if (auto k = parse_sensor_kind(*kind)) {
            s.kind = *k;
            e.has_kind = true;
        } else {
            auto near = detail::did_you_mean(*kind, kind_names);
            d.error(r.value_pos("kind"),
                    fmt::format("{} kind: \"{}\" is not a sensor kind; {}use one of: {}", label, *kind,
                                near ? fmt::format("did you mean \"{}\"? ", *near) : "",
                                detail::join(kind_names)));
        }
    }
    if (auto src = r.required_string("source", "source = \"zigbee2mqtt\"")) {
        if (auto st = parse_source_type(*src)) {
            s.source = *st;
            e.has_source = true;
        } else {
            auto near = detail::did_you_mean(*src, source_names);
            d.error(r.value_pos("source"),
                    fmt::format("{} source: \"{}\" is not a source; {}use one of: {}", label, *src,
                                near ? fmt::format("did you mean \"{}\"? ", *near) : "",
                                detail::join(source_names)));
        }
    }
    bool topic_read = false;
    if (auto topic = r.required_string("topic", "topic = \"zigbee2mqtt/hall_pir\"")) {
        s.topic = *topic;
        e.topic_pos = r.value_pos("topic");
        topic_read = true;
    }
    if (auto loc = r.string("location")) s.location = *loc;
    s.report_every = r.duration("report_every", true);
    if (auto field = r.string("field")) {
        s.field = *field;
        // An empty field is allowed for the json source: the whole payload is the value.
        bool bad = !field->empty() &&
                   (field->front() == '.' || field->back() == '.' || field->find("..") != std::string::npos ||
                    field->find_first_of(" +#") != std::string::npos);
        if (bad)
            d.error(r.value_pos("field"),
                    fmt::format("{} field: \"{}\" is not a path to a value; use names joined by dots, e.g. "
                                "\"DS18B20.Temperature\"",
                                label, *field));
        if (field->empty() && e.has_source && s.source != source_type::json)
            d.error(r.value_pos("field"),
                    fmt::format("{} field: empty; leave field out to use the {} default", label,
                                to_string(s.source)));
    }
    if (const auto* a = r.get("active")) {
        // `active = true` and `active = 1` mean the same as "true" and "1" in the payload.
        if (const auto* str = a->as_string()) {
            s.active = str->get();
        } else if (const auto* b = a->as_boolean()) {
            s.active = b->get() ? "true" : "false";
        } else if (const auto* i = a->as_integer()) {
            s.active = std::to_string(i->get());
        } else {
            d.error(d.at(*a),
                    fmt::format("{} active: expected the value that means active, e.g. \"ON\", got {}", label,
                                detail::describe(*a)));
        }
        if (s.active && s.active->empty())
            d.error(d.at(*a),
                    fmt::format("{} active: empty; give the value that means active, e.g. \"ON\"", label));
    }
    s.threshold = r.number("threshold");
    s.cancel_button = r.boolean("cancel_button").value_or(false);
    s.away_button = r.boolean("away_button").value_or(false);
    r.reject_unknown(sensor_keys);

    // Checks that need the kind or the source.
    if (e.has_kind) {
        for (auto key : {"cancel_button", "away_button"}) {
            bool on = key == std::string_view("cancel_button") ? s.cancel_button : s.away_button;
            if (on && s.kind != sensor_kind::button)
                d.error(r.value_pos(key),
                        fmt::format("{} {}: only a sensor of kind \"button\" can be a {} (this one "
                                    "is a {})",
                                    label, key, key, to_string(s.kind)));
        }
        if (s.active && s.kind == sensor_kind::temperature)
            d.error(r.value_pos("active"),
                    fmt::format("{} active: a temperature sensor reports a number; leave active out", label));
        if (s.threshold && s.kind == sensor_kind::temperature)
            d.error(
                r.value_pos("threshold"),
                fmt::format("{} threshold: a temperature sensor reports its reading as it is; limits go in a "
                            "threshold [[rule]] (below/above)",
                            label));
    }
    if (s.cancel_button && s.away_button)
        d.error(r.value_pos("away_button"),
                fmt::format("{}: a button is either a cancel_button or an away_button, not both", label));
    if (s.active && s.threshold)
        d.error(r.value_pos("threshold"),
                fmt::format(
                    "{}: give either active (a value that means active) or threshold (a number at or above "
                    "which it is active), not both",
                    label));
    if (e.has_source && s.source == source_type::json && e.has_kind) {
        if (!r.has("field"))
            r.missing("field",
                      "field = \"state\" (a dotted path to the value in the JSON payload; \"\" for the whole "
                      "payload)");
        if (s.kind != sensor_kind::temperature && !r.has("active") && !r.has("threshold"))
            r.missing("active",
                      "active = \"ON\" (the value that means active), or threshold = 30 for a number");
    }
    if (topic_read) check_topic(e, d);
    return e;
}

// --- rules -----------------------------------------------------------------------------------------------

rule_entry read_rule(const toml::table& t, std::size_t index, diagnostics& d) {
    rule_entry e;
    auto& r = e.spec;
    r.pos = d.at(t);
    const auto* idn = t.get("id");
    const std::string label = idn && idn->is_string() ? fmt::format("rule '{}'", idn->as_string()->get())
                                                      : fmt::format("[[rule]] #{}", index + 1);
    table_reader rd(t, label + " ", label, d, &r.key_pos);

    if (auto id = rd.required_string("id", "id = \"night-inactivity\"")) {
        r.id = *id;
        e.id_pos = rd.value_pos("id");
        e.has_id = true;
        if (!is_valid_id(*id))
            d.error(e.id_pos,
                    fmt::format("{} id: \"{}\" is not a valid rule id; {}", label, *id, quoted_id_hint()));
        else if (std::find(std::begin(reserved_rule_ids), std::end(reserved_rule_ids), *id) !=
                 std::end(reserved_rule_ids))
            d.error(e.id_pos, fmt::format("{} id: \"{}\" is reserved for the hub's technical alerts ({}); "
                                          "give the rule another id",
                                          label, *id, detail::join(reserved_rule_ids)));
    }
    if (auto type = rd.required_string("type", "type = \"inactivity\"")) {
        if (auto rt = parse_rule_type(*type)) {
            r.type = *rt;
            e.has_type = true;
        } else {
            auto near = detail::did_you_mean(*type, rule_type_names);
            d.error(rd.value_pos("type"),
                    fmt::format("{} type: \"{}\" is not a rule type; {}use one of: {}", label, *type,
                                near ? fmt::format("did you mean \"{}\"? ", *near) : "",
                                detail::join(rule_type_names)));
        }
    }
    if (auto p = rd.string("priority")) {
        if (auto pr = parse_priority(*p)) {
            r.prio = *pr;
        } else {
            auto near = detail::did_you_mean(*p, priority_names);
            d.error(rd.value_pos("priority"),
                    fmt::format("{} priority: \"{}\" is not a priority; {}use one of: {}", label, *p,
                                near ? fmt::format("did you mean \"{}\"? ", *near) : "",
                                detail::join(priority_names)));
        }
    }
    if (!e.has_type) {
        // Without a type, which keys belong is unknown; only report keys no rule type has.
        std::set<std::string_view> all;
        for (auto rt : {rule_type::inactivity, rule_type::out_of_bed, rule_type::exit, rule_type::due,
                        rule_type::threshold})
            for (auto k : keys_of(rt)) all.insert(k);
        all.insert("window");
        std::vector<std::string_view> allowed(all.begin(), all.end());
        rd.reject_unknown(allowed);
        return e;
    }

    const auto type_name = to_string(r.type);
    if (r.type != rule_type::due) {
        if (auto w = rd.windows("window")) r.windows = *w;
    }
    auto req_duration = [&](std::string_view key, std::string_view example) {
        if (!rd.has(key)) {
            rd.missing(key, example);
            return std::optional<milliseconds>{};
        }
        return rd.duration(key, true);
    };
    auto req_sensor = [&](std::string_view example) {
        if (auto s = rd.required_string("sensor", example)) {
            r.sensor = *s;
            e.sensor = located_string{*s, rd.value_pos("sensor")};
        }
    };
    switch (r.type) {
        case rule_type::inactivity:
            if (auto l = rd.string_list("sensors", "sensors = [\"hall-pir\", \"kitchen-pir\"]"))
                e.sensors = *l;
            if (auto l = rd.string_list("paused_by", "paused_by = [\"bed\"]")) e.paused_by = *l;
            r.period = req_duration("period", "period = \"2h\"");
            r.warn = rd.duration("warn", true);
            if (r.period && r.warn && *r.warn >= *r.period)
                d.error(rd.value_pos("warn"),
                        fmt::format(
                            "{} warn: the pre-alarm ({}) must come before the alarm, so warn must be shorter "
                            "than period ({})",
                            label, format_duration(*r.warn), format_duration(*r.period)));
            break;
        case rule_type::out_of_bed:
            req_sensor("sensor = \"bed\"");
            r.within = req_duration("within", "within = \"30m\"");
            break;
        case rule_type::exit:
            req_sensor("sensor = \"front-door\"");
            if (auto l = rd.string_list("inside", "inside = [\"hall-pir\", \"bed\"]")) e.inside = *l;
            r.within = rd.duration("within", true);
            r.open_for = rd.duration("open_for", true);
            if (!rd.has("within") && !rd.has("open_for"))
                d.error(r.pos,
                        fmt::format("{}: an exit rule needs within (no activity inside this long after the "
                                    "door opens), open_for (the door open this long), or both; e.g. "
                                    "within = \"10m\"",
                                    label));
            break;
        case rule_type::due:
            if (auto l = rd.string_list("sensors", "sensors = [\"kitchen-pir\"]")) e.sensors = *l;
            if (auto ev = rd.required_string("event", "event = \"active\"")) {
                r.event = *ev;
                if (ev->empty())
                    d.error(rd.value_pos("event"), fmt::format("{} event: empty; e.g. \"active\"", label));
            }
            if (!rd.has("from")) rd.missing("from", "from = \"07:00\"");
            if (!rd.has("by")) rd.missing("by", "by = \"10:00\"");
            r.from_minute = rd.time_of_day("from");
            r.by_minute = rd.time_of_day("by");
            break;
        case rule_type::threshold: {
            req_sensor("sensor = \"lounge-temp\"");
            if (auto a = rd.string("attribute")) {
                r.attribute = *a;
                if (a->empty())
                    d.error(rd.value_pos("attribute"),
                            fmt::format("{} attribute: empty; leave it out for \"temperature\"", label));
            }
            r.below = rd.number("below");
            r.above = rd.number("above");
            r.for_ = rd.duration("for", false);
            if (auto h = rd.number("hysteresis")) {
                r.hysteresis = *h;
                if (*h < 0)
                    d.error(
                        rd.value_pos("hysteresis"),
                        fmt::format("{} hysteresis: must be 0 or more (how far the reading must come back)",
                                    label));
            }
            r.rise = rd.number("rise");
            if (r.rise && *r.rise <= 0)
                d.error(rd.value_pos("rise"), fmt::format("{} rise: must be more than 0", label));
            r.over = rd.duration("over", true);
            if (rd.has("rise") && !rd.has("over"))
                rd.missing("over", "over = \"10m\" (the time within which the reading rises by rise)");
            if (rd.has("over") && !rd.has("rise"))
                rd.missing("rise", "rise = 5.0 (how much the reading must rise within over)");
            if (!rd.has("below") && !rd.has("above") && !rd.has("rise"))
                d.error(r.pos, fmt::format("{}: a threshold rule needs below, above, or rise with over; e.g. "
                                           "below = 16.0",
                                           label));
            break;
        }
    }

    const auto allowed = keys_of(r.type);
    rd.reject_unknown(allowed, [&](std::string_view key) -> std::optional<std::string> {
        if (r.type == rule_type::due && key == "window")
            return fmt::format("{}: a due rule has no window; from and by are its window", label);
        for (auto other : {rule_type::inactivity, rule_type::out_of_bed, rule_type::exit, rule_type::due,
                           rule_type::threshold}) {
            auto k = keys_of(other);
            if (std::find(k.begin(), k.end(), key) != k.end())
                return fmt::format(
                    "{}: '{}' is not a key of {} rules (it belongs to {} rules); {} rules take: {}", label,
                    key, type_name, to_string(other), type_name, detail::join(allowed));
        }
        return std::nullopt;
    });
    return e;
}

// --- checks across sensors and rules ------------------------------------------------------------------

std::string kind_list(std::initializer_list<sensor_kind> kinds) {
    std::vector<std::string> names;
    for (auto k : kinds) names.emplace_back(to_string(k));
    return detail::join(names);
}

/// Kinds whose reports show that someone is there (inactivity and due).
bool shows_presence(sensor_kind k) {
    return is_activity_kind(k) || k == sensor_kind::pendant || k == sensor_kind::pull_cord ||
           k == sensor_kind::fall;
}

/// "a motion", "an epilepsy" (followed by "sensor" in messages).
std::string a_kind(sensor_kind k) {
    auto name = to_string(k);
    bool vowel = std::string_view("aeiou").find(name.front()) != std::string_view::npos;
    return fmt::format("{} {}", vowel ? "an" : "a", name);
}

/// The words a sensor of kind `k` can send, for messages: "\"open\", \"closed\", \"active\" or \"inactive\"".
std::string event_words(sensor_kind k) {
    std::vector<std::string> words{std::string(signal_name(k, signal::active))};
    if (!is_momentary_kind(k)) words.emplace_back(signal_name(k, signal::inactive));
    for (auto generic : {"active", "inactive"}) {
        if (is_momentary_kind(k) && generic == std::string_view("inactive")) continue;
        if (std::find(words.begin(), words.end(), generic) == words.end()) words.emplace_back(generic);
    }
    std::string out;
    for (std::size_t i = 0; i < words.size(); ++i)
        out += fmt::format("{}\"{}\"", i == 0 ? "" : (i + 1 == words.size() ? " or " : ", "), words[i]);
    return out;
}

/// A due rule's event must be a word every watched sensor can send (a momentary kind is never
/// "released": the engine drops that state).
void check_event(const rule_entry& re, const std::vector<std::pair<const sensor_entry*, position>>& watched,
                 const std::string& label, diagnostics& d) {
    const auto& r = re.spec;
    const position event_pos = r.key_pos.count("event") ? r.key_pos.at("event") : r.pos;
    std::vector<std::string> never;
    for (const auto& [s, pos] : watched) {
        auto k = s->spec.kind;
        if (!shows_presence(k)) continue;  // reported already
        auto sig = parse_signal_name(k, r.event);
        if (sig && !(is_momentary_kind(k) && *sig == signal::inactive)) continue;
        if (!re.sensors.empty()) {
            d.error(pos, fmt::format("{}: sensor '{}' ({}) never sends event \"{}\"; its events are {}",
                                     label, s->spec.id, to_string(k), r.event, event_words(k)));
        } else {
            never.push_back(fmt::format("'{}' ({}: {})", s->spec.id, to_string(k), event_words(k)));
        }
    }
    if (!never.empty())
        d.error(event_pos, fmt::format("{} event: \"{}\" never comes from {}, which the rule watches because "
                                       "sensors is not given; list in sensors the sensors that send \"{}\"",
                                       label, r.event, detail::join(never, 6), r.event));
}

/// The name of the one reading a sensor gives the rule engine: the last part of its `field`, or
/// "temperature" for a temperature sensor without one; empty if unknown.
std::string reading_name(const sensor_spec& s) {
    if (s.field) {
        auto dot = s.field->rfind('.');
        return dot == std::string::npos ? *s.field : s.field->substr(dot + 1);
    }
    return s.kind == sensor_kind::temperature ? "temperature" : "";
}

bool same_name(std::string_view a, std::string_view b) {
    return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
               return std::tolower(static_cast<unsigned char>(x)) ==
                      std::tolower(static_cast<unsigned char>(y));
           });
}

/// A threshold's `attribute` must name the reading the sensor gives: a sensor event carries one number
/// (picked by the sensor's `field`), so an attribute cannot pick another one (SPEC 2.3 extension note
/// in docs/rules.md).
void check_attribute(const rule_spec& r, const sensor_spec& s, const position& pos, const std::string& label,
                     diagnostics& d) {
    auto reading = reading_name(s);
    if (reading.empty() || r.attribute.empty()) return;
    if (same_name(r.attribute, reading) || (s.field && same_name(r.attribute, *s.field))) return;
    d.error(pos,
            fmt::format("{} attribute: \"{}\" is not what sensor '{}' reports: its one reading is \"{}\" "
                        "({}); leave attribute out, or add a [[sensor]] on the same device whose "
                        "field is \"{}\"",
                        label, r.attribute, s.id, reading,
                        s.field ? fmt::format("its field is \"{}\"", *s.field)
                                : std::string("a temperature sensor without a field"),
                        r.attribute));
}

void cross_check(std::vector<sensor_entry>& sensors, std::vector<rule_entry>& rules, diagnostics& d) {
    // Duplicate sensor ids and duplicate device topics.
    std::map<std::string, const sensor_entry*, std::less<>> by_id;
    for (const auto& s : sensors) {
        if (!s.has_id) continue;
        auto [it, fresh] = by_id.emplace(s.spec.id, &s);
        if (!fresh)
            d.error(
                s.id_pos,
                fmt::format("sensor id '{}' is used twice (first at line {}); give each sensor its own id",
                            s.spec.id, it->second->id_pos.line));
    }
    std::map<std::tuple<int, std::string, std::string>, const sensor_entry*> by_topic;
    for (const auto& s : sensors) {
        if (!s.has_source || s.spec.topic.empty()) continue;
        // Without a field the kind picks the attribute, so two kinds on one device are fine.
        std::string what = s.spec.field ? "field:" + *s.spec.field
                                        : (s.has_kind ? "kind:" + std::string(to_string(s.spec.kind)) : "");
        auto key = std::make_tuple(static_cast<int>(s.spec.source), s.spec.topic, what);
        auto [it, fresh] = by_topic.emplace(key, &s);
        if (!fresh)
            d.error(
                s.topic_pos,
                fmt::format(
                    "sensor '{}' topic: \"{}\" is already the topic of sensor '{}' (line {}) with the same "
                    "source and {}; give each a different field, or remove one",
                    s.spec.id, s.spec.topic, it->second->spec.id, it->second->topic_pos.line,
                    s.spec.field ? "field" : "kind"));
    }
    std::vector<std::string> configured;
    for (const auto& s : sensors)
        if (s.has_id && std::find(configured.begin(), configured.end(), s.spec.id) == configured.end())
            configured.push_back(s.spec.id);
    std::vector<std::string_view> configured_views(configured.begin(), configured.end());

    // Duplicate rule ids.
    std::map<std::string, const rule_entry*, std::less<>> rule_ids;
    for (const auto& r : rules) {
        if (!r.has_id) continue;
        auto [it, fresh] = rule_ids.emplace(r.spec.id, &r);
        if (!fresh)
            d.error(r.id_pos,
                    fmt::format("rule id '{}' is used twice (first at line {}); give each rule its own id",
                                r.spec.id, it->second->id_pos.line));
    }

    for (auto& re : rules) {
        if (!re.has_type) continue;
        const auto& r = re.spec;
        const std::string label = fmt::format("rule '{}'", r.id);
        const auto type_name = to_string(r.type);
        // Finds a referenced sensor; nullptr (after a message) if it is not configured, or if its kind
        // could not be read (that was reported at the sensor already).
        auto lookup = [&](const located_string& ref) -> const sensor_entry* {
            auto it = by_id.find(ref.value);
            if (it == by_id.end()) {
                auto near = detail::did_you_mean(ref.value, configured_views);
                d.error(ref.pos,
                        fmt::format("{}: sensor '{}' is not configured ({}configured: {})", label, ref.value,
                                    near ? fmt::format("did you mean '{}'? ", *near) : "",
                                    configured.empty() ? std::string("none") : detail::join(configured, 12)));
                return nullptr;
            }
            return it->second->has_kind ? it->second : nullptr;
        };
        auto no_duplicates = [&](const std::vector<located_string>& list, std::string_view key) {
            std::set<std::string, std::less<>> seen;
            for (const auto& ref : list)
                if (!seen.insert(ref.value).second)
                    d.error(ref.pos,
                            fmt::format("{} {}: sensor '{}' is listed twice", label, key, ref.value));
        };
        auto watched = [&](const std::vector<located_string>& list) {
            // The sensors of an inactivity or due rule: those listed, or every activity-kind sensor.
            std::vector<std::pair<const sensor_entry*, position>> out;
            if (!list.empty()) {
                for (const auto& ref : list)
                    if (const auto* s = lookup(ref)) out.emplace_back(s, ref.pos);
                return out;
            }
            for (const auto& s : sensors)
                if (s.has_kind && s.has_id && is_activity_kind(s.spec.kind)) out.emplace_back(&s, r.pos);
            return out;
        };
        auto need_watched = [&](const std::vector<located_string>& list, bool any) {
            if (list.empty() && !any)
                d.error(r.pos, fmt::format(
                                   "{}: there is no sensor to watch: no sensors are listed and no activity "
                                   "sensor ({}) is configured",
                                   label,
                                   kind_list({sensor_kind::motion, sensor_kind::door, sensor_kind::bed,
                                              sensor_kind::chair, sensor_kind::button, sensor_kind::power})));
        };
        auto presence_kinds = [&](const std::vector<std::pair<const sensor_entry*, position>>& list) {
            for (const auto& [s, pos] : list)
                if (!shows_presence(s->spec.kind))
                    d.error(pos,
                            fmt::format(
                                "{}: sensor '{}' is {} sensor, whose regular reports do not show that "
                                "anyone is there; {} rules watch activity sensors ({}) and the "
                                "pendant, pull_cord and fall buttons",
                                label, s->spec.id, a_kind(s->spec.kind), type_name,
                                kind_list({sensor_kind::motion, sensor_kind::door, sensor_kind::bed,
                                           sensor_kind::chair, sensor_kind::button, sensor_kind::power})));
        };

        switch (r.type) {
            case rule_type::inactivity: {
                no_duplicates(re.sensors, "sensors");
                auto w = watched(re.sensors);
                need_watched(re.sensors, !w.empty());
                presence_kinds(w);
                re.spec.sensors.clear();
                for (const auto& ref : re.sensors) re.spec.sensors.push_back(ref.value);
                no_duplicates(re.paused_by, "paused_by");
                re.spec.paused_by.clear();
                for (const auto& ref : re.paused_by) {
                    re.spec.paused_by.push_back(ref.value);
                    if (const auto* s = lookup(ref))
                        if (s->spec.kind != sensor_kind::bed && s->spec.kind != sensor_kind::chair)
                            d.error(ref.pos,
                                    fmt::format("{} paused_by: sensor '{}' is {} sensor; only a bed or chair "
                                                "sensor can pause inactivity (while it reports occupied)",
                                                label, s->spec.id, a_kind(s->spec.kind)));
                }
                break;
            }
            case rule_type::due: {
                no_duplicates(re.sensors, "sensors");
                auto w = watched(re.sensors);
                need_watched(re.sensors, !w.empty());
                presence_kinds(w);
                re.spec.sensors.clear();
                for (const auto& ref : re.sensors) re.spec.sensors.push_back(ref.value);
                if (r.event.empty()) break;
                check_event(re, w, label, d);
                break;
            }
            case rule_type::out_of_bed:
                if (re.sensor)
                    if (const auto* s = lookup(*re.sensor))
                        if (s->spec.kind != sensor_kind::bed && s->spec.kind != sensor_kind::chair)
                            d.error(
                                re.sensor->pos,
                                fmt::format(
                                    "{}: sensor '{}' is {} sensor; out_of_bed needs a bed or chair sensor",
                                    label, s->spec.id, a_kind(s->spec.kind)));
                break;
            case rule_type::exit: {
                if (re.sensor)
                    if (const auto* s = lookup(*re.sensor))
                        if (s->spec.kind != sensor_kind::door)
                            d.error(re.sensor->pos,
                                    fmt::format("{}: sensor '{}' is {} sensor; exit needs a door sensor",
                                                label, s->spec.id, a_kind(s->spec.kind)));
                no_duplicates(re.inside, "inside");
                re.spec.inside.clear();
                for (const auto& ref : re.inside) {
                    re.spec.inside.push_back(ref.value);
                    if (re.sensor && ref.value == re.sensor->value) {
                        d.error(ref.pos,
                                fmt::format("{} inside: '{}' is the door itself; list the sensors that see "
                                            "someone inside (motion, bed, chair)",
                                            label, ref.value));
                        continue;
                    }
                    if (const auto* s = lookup(ref))
                        if (!is_activity_kind(s->spec.kind))
                            d.error(ref.pos,
                                    fmt::format("{} inside: sensor '{}' is {} sensor, which does not show "
                                                "that someone is inside; use activity sensors ({})",
                                                label, s->spec.id, a_kind(s->spec.kind),
                                                kind_list({sensor_kind::motion, sensor_kind::bed,
                                                           sensor_kind::chair, sensor_kind::door,
                                                           sensor_kind::button, sensor_kind::power})));
                }
                break;
            }
            case rule_type::threshold:
                if (re.sensor)
                    if (const auto* s = lookup(*re.sensor)) {
                        if (s->spec.kind != sensor_kind::temperature && !s->spec.field && !s->spec.threshold)
                            d.error(
                                re.sensor->pos,
                                fmt::format(
                                    "{}: sensor '{}' is {} sensor and reports no number; threshold needs a "
                                    "temperature sensor, or a sensor whose field names a numeric reading",
                                    label, s->spec.id, a_kind(s->spec.kind)));
                        else if (auto a = r.key_pos.find("attribute"); a != r.key_pos.end())
                            check_attribute(r, s->spec, a->second, label, d);
                    }
                break;
        }
    }
}

hub_config parse_hub(std::string_view text, const std::string& name, const std::filesystem::path& base) {
    diagnostics d(name);
    toml::table root = detail::parse_toml(text, d);
    hub_config cfg;
    cfg.source_file = name;
    {
        std::vector<std::string_view> rule_keys;
        for (auto t : {rule_type::inactivity, rule_type::out_of_bed, rule_type::exit, rule_type::due,
                       rule_type::threshold})
            for (auto k : keys_of(t))
                if (std::find(rule_keys.begin(), rule_keys.end(), k) == rule_keys.end())
                    rule_keys.push_back(k);
        const detail::section_keys homes[] = {{"[hub]", hub_keys},         {"[local]", detail::broker_keys},
                                              {"[centre]", centre_keys},   {"[dc09]", dc09_keys},
                                              {"[[sensor]]", sensor_keys}, {"[[rule]]", rule_keys}};
        detail::reject_unknown_top_level(root, top_keys, homes, d);
    }
    read_hub(root, cfg, d, base);
    read_local(root, cfg, d, base);
    read_centre(root, cfg, d, base);
    read_dc09(root, cfg, d);

    std::vector<sensor_entry> sensors;
    auto sensor_tables = detail::table_array(root, "sensor", d);
    for (std::size_t i = 0; i < sensor_tables.size(); ++i)
        sensors.push_back(read_sensor(*sensor_tables[i], i, d));
    std::vector<rule_entry> rules;
    auto rule_tables = detail::table_array(root, "rule", d);
    for (std::size_t i = 0; i < rule_tables.size(); ++i) rules.push_back(read_rule(*rule_tables[i], i, d));
    cross_check(sensors, rules, d);

    d.throw_if_any();
    for (auto& s : sensors) cfg.sensors.push_back(std::move(s.spec));
    for (auto& r : rules) cfg.rules.push_back(std::move(r.spec));
    return cfg;
}

}  // namespace

hub_config load_hub_config(const std::string& path) {
    auto text = detail::read_config_file(path);
    return parse_hub(text, path, detail::base_folder(path, true));
}

hub_config parse_hub_config(std::string_view text, const std::string& name) {
    return parse_hub(text, name, detail::base_folder(name, false));
}

}  // namespace warden::config
