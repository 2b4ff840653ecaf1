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

/// Reads the whole file, at most max_config_bytes; throws config_error ("FILE:1:1: ...") if it cannot
/// or if the file is larger (`--config /dev/zero` must not eat the memory of the box).
std::string read_config_file(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) {
        std::error_code ec(errno, std::generic_category());
        throw config_error({fmt::format("{}:1:1: cannot read the file: {}", path, ec.message())});
    }
    std::string text(max_config_bytes + 1, '\0');
    in.read(text.data(), static_cast<std::streamsize>(text.size()));
    text.resize(static_cast<std::size_t>(in.gcount()));
    if (text.size() > max_config_bytes)
        throw config_error(
            {fmt::format("{}:1:1: the file is larger than {} KiB; a Warden config is a few KiB: "
                         "is this the right file?",
                         path, max_config_bytes / 1024)});
    if (in.bad()) throw config_error({fmt::format("{}:1:1: cannot read the file", path)});
    return text;
}

/// Refuses TOML nested deeper than max_config_depth (tables in tables by dotted keys, arrays, inline
/// tables) before the parser sees it: a 100 KB `[a.a.a...]` header overflowed the stack. Strings and
/// comments are skipped; a '.' between digits (1.5, a date) is not a key separator.
void check_nesting(std::string_view text, diagnostics& d) {
    enum class in { code, basic, literal, multi_basic, multi_literal, comment } state = in::code;
    int line = 1, column = 0, depth = 0, dots = 0;
    auto too_deep = [&](const char* what) {
        d.error(
            {d.file(), line, column},
            fmt::format(
                "{} nested deeper than {} levels; a Warden config needs at most 4: is this the right file?",
                what, max_config_depth));
        d.throw_if_any();
    };
    for (std::size_t i = 0; i < text.size(); ++i) {
        const char c = text[i];
        ++column;
        if (c == '\n') {
            ++line;
            column = 0;
            dots = 0;
            if (state == in::comment || state == in::basic || state == in::literal) state = in::code;
            continue;
        }
        auto starts = [&](std::string_view s) { return text.substr(i, s.size()) == s; };
        switch (state) {
            case in::comment:
                break;
            case in::basic:
                if (c == '\\')
                    ++i, ++column;
                else if (c == '"')
                    state = in::code;
                break;
            case in::literal:
                if (c == '\'') state = in::code;
                break;
            case in::multi_basic:
                if (c == '\\')
                    ++i, ++column;
                else if (starts("\"\"\"")) {
                    state = in::code;
                    i += 2, column += 2;
                }
                break;
            case in::multi_literal:
                if (starts("\'\'\'")) {
                    state = in::code;
                    i += 2, column += 2;
                }
                break;
            case in::code:
                if (c == '#') {
                    state = in::comment;
                } else if (starts("\"\"\"")) {
                    state = in::multi_basic;
                    i += 2, column += 2;
                } else if (starts("\'\'\'")) {
                    state = in::multi_literal;
                    i += 2, column += 2;
                } else if (c == '"') {
                    state = in::basic;
                } else if (c == '\'') {
                    state = in::literal;
                } else if (c == '[' || c == '{') {
                    if (++depth > max_config_depth) too_deep("arrays or tables");
                } else if (c == ']' || c == '}') {
                    if (depth > 0) --depth;
                } else if (c == '.') {
                    const bool numeric = i > 0 && i + 1 < text.size() &&
                                         std::isdigit(static_cast<unsigned char>(text[i - 1])) &&
                                         std::isdigit(static_cast<unsigned char>(text[i + 1]));
                    if (!numeric && ++dots > max_config_depth) too_deep("dotted keys");
                }
                break;
        }
    }
}

/// Parses TOML; a syntax error is reported with its place and thrown at once (nothing else can be read).
toml::table parse_toml(std::string_view text, diagnostics& d) {
    check_nesting(text, d);
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

constexpr std::string_view top_keys[] = {"hub", "local", "centre", "dc09", "sensor", "rule", "activity"};

hub_config parse_hub(std::string_view text, const std::string& name, const std::filesystem::path& base) {
    diagnostics d(name);
    toml::table root = detail::parse_toml(text, d);
    hub_config cfg;
    cfg.source_file = name;
    {
        const auto rule_keys = detail::all_rule_keys();
        const detail::section_keys homes[] = {
            {"[hub]", detail::hub_keys},          {"[local]", detail::broker_keys},
            {"[centre]", detail::centre_keys},    {"[dc09]", detail::dc09_keys},
            {"[[sensor]]", detail::sensor_keys},  {"[[rule]]", rule_keys},
            {"[activity]", detail::activity_keys}};
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
    detail::read_activity(root, cfg, sensors, d);

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