#pragma once
// Internal to warden::config: the pieces of the hub.toml reader, one file per part of the file
// (hub_sections.cpp, hub_sensors.cpp, hub_rules.cpp, hub_cross_checks.cpp), and what they share.

#include <cstddef>
#include <filesystem>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include <fmt/format.h>

#include "reader.hpp"

namespace warden::config::detail {

constexpr std::string_view hub_keys[] = {"id", "data_dir", "timezone"};
constexpr std::string_view centre_keys[] = {"uri",       "username", "password",  "ca_file",
                                            "cert_file", "key_file", "heartbeat", "ack_timeout"};
constexpr std::string_view dc09_keys[] = {"host", "port",    "transport", "account", "receiver",   "line",
                                          "key",  "key_hex", "format",    "role",    "supervision"};
constexpr std::string_view activity_keys[] = {"share", "keep_raw_days", "night",
                                              "rooms", "appliances",    "exit_doors"};
constexpr std::string_view sensor_keys[] = {"id",        "kind",          "source",     "topic",
                                            "location",  "report_every",  "field",      "active",
                                            "threshold", "cancel_button", "away_button"};

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

// --- the [hub], [local], [centre] and [dc09] sections (hub_sections.cpp) ---
void read_hub(const toml::table& root, hub_config& cfg, diagnostics& d, const std::filesystem::path& base);
void read_local(const toml::table& root, hub_config& cfg, diagnostics& d, const std::filesystem::path& base);
void read_centre(const toml::table& root, hub_config& cfg, diagnostics& d, const std::filesystem::path& base);
void read_dc09(const toml::table& root, hub_config& cfg, diagnostics& d);

// --- [[sensor]] (hub_sensors.cpp) ---
sensor_entry read_sensor(const toml::table& t, std::size_t index, diagnostics& d);

// --- [[rule]] (hub_rules.cpp) ---
rule_entry read_rule(const toml::table& t, std::size_t index, diagnostics& d);
/// Every key some rule type takes, each once, in rule type order.
std::vector<std::string_view> all_rule_keys();

// --- checks across sensors and rules (hub_cross_checks.cpp) ---
void cross_check(std::vector<sensor_entry>& sensors, std::vector<rule_entry>& rules, diagnostics& d);

// --- [activity] (hub_activity.cpp), read after the sensors it names ---
void read_activity(const toml::table& root, hub_config& cfg, const std::vector<sensor_entry>& sensors,
                   diagnostics& d);

// --- what [[sensor]] and [[rule]] share (hub_sensors.cpp) ---
std::string quoted_id_hint();
/// What messages call a [[sensor]] or [[rule]] table (`noun`): "sensor 'pir'", or "[[sensor]] #3"
/// (1-based `index`) when it has no string id.
std::string entry_label(const toml::table& t, std::string_view noun, std::size_t index);
/// Reads the required `id` of a [[sensor]] or [[rule]] into `id` and `id_pos`; reports one that is not a
/// valid id. False if it is missing or not a string.
bool read_entry_id(table_reader& r, std::string_view noun, std::string_view example, std::string& id,
                   position& id_pos);
/// The start every [[sensor]] and [[rule]] (`noun`) shares: its position, a reader for its keys whose
/// what() is the label messages use, and its id. `Entry` is sensor_entry or rule_entry.
template <typename Entry>
table_reader start_entry(const toml::table& t, std::size_t index, diagnostics& d, Entry& e,
                         std::string_view noun, std::string_view id_example) {
    e.spec.pos = d.at(t);
    const std::string label = entry_label(t, noun, index);
    table_reader r(t, label + " ", label, d, &e.spec.key_pos);
    e.has_id = read_entry_id(r, noun, id_example, e.spec.id, e.id_pos);
    return r;
}
/// Reads one of a set of names (kind, source, type, priority) with `parse`; reports an unknown one as
/// "LABEL KEY: "VALUE" is not WHAT; did you mean ...? use one of: NAMES".
template <typename Parse>
auto read_choice(table_reader& r, std::string_view key, const std::string& value, std::string_view what,
                 std::span<const std::string_view> names, Parse parse) -> decltype(parse(value)) {
    auto parsed = parse(value);
    if (!parsed) {
        auto near = did_you_mean(value, names);
        r.diag().error(r.value_pos(key),
                       fmt::format("{} {}: \"{}\" is not {}; {}use one of: {}", r.what(), key, value, what,
                                   near ? fmt::format("did you mean \"{}\"? ", *near) : "", join(names)));
    }
    return parsed;
}

}  // namespace warden::config::detail
