// The hub's config loader: TOML -> hub_config, with every problem reported at once before anything
// starts, each as "FILE:LINE:COLUMN: message" naming the key at fault and saying what to do.
// This file reads the file and puts the parts together; each part of hub.toml has its own file
// (hub_sections.cpp, hub_sensors.cpp, hub_rules.cpp, hub_cross_checks.cpp).

#include <fstream>
#include <sstream>

#include <fmt/format.h>

#include "hub_parts.hpp"

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
using detail::rule_entry;
using detail::sensor_entry;

constexpr std::string_view top_keys[] = {"hub", "local", "centre", "dc09", "sensor", "rule"};

hub_config parse_hub(std::string_view text, const std::string& name, const std::filesystem::path& base) {
    diagnostics d(name);
    toml::table root = detail::parse_toml(text, d);
    hub_config cfg;
    cfg.source_file = name;
    {
        const auto rule_keys = detail::all_rule_keys();
        const detail::section_keys homes[] = {
            {"[hub]", detail::hub_keys},         {"[local]", detail::broker_keys},
            {"[centre]", detail::centre_keys},   {"[dc09]", detail::dc09_keys},
            {"[[sensor]]", detail::sensor_keys}, {"[[rule]]", rule_keys}};
        detail::reject_unknown_top_level(root, top_keys, homes, d);
    }
    detail::read_hub(root, cfg, d, base);
    detail::read_local(root, cfg, d, base);
    detail::read_centre(root, cfg, d, base);
    detail::read_dc09(root, cfg, d);

    std::vector<sensor_entry> sensors;
    auto sensor_tables = detail::table_array(root, "sensor", d);
    for (std::size_t i = 0; i < sensor_tables.size(); ++i)
        sensors.push_back(detail::read_sensor(*sensor_tables[i], i, d));
    std::vector<rule_entry> rules;
    auto rule_tables = detail::table_array(root, "rule", d);
    for (std::size_t i = 0; i < rule_tables.size(); ++i)
        rules.push_back(detail::read_rule(*rule_tables[i], i, d));
    detail::cross_check(sensors, rules, d);

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