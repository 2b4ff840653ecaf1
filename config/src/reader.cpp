// Reading TOML tables with positions; collecting every problem before throwing them at once.

#include "reader.hpp"

#include <algorithm>
#include <cctype>
#include <cmath>

#include <fmt/format.h>

#include "warden/common/host_port.hpp"

namespace warden::config::detail {

// --- diagnostics -------------------------------------------------------------------------------------

position diagnostics::at(const toml::source_region& r) const {
    // Nodes made by the program, or implied by a dotted header, may carry no position.
    if (r.begin.line == 0) return start();
    return {file_, static_cast<int>(r.begin.line), static_cast<int>(r.begin.column)};
}

void diagnostics::error(const position& p, std::string message) {
    entries_.push_back({p.line, p.column, entries_.size(), std::move(message)});
}

std::vector<std::string> diagnostics::messages() const {
    auto sorted = entries_;
    std::stable_sort(sorted.begin(), sorted.end(), [](const entry& a, const entry& b) {
        return std::tie(a.line, a.column, a.order) < std::tie(b.line, b.column, b.order);
    });
    std::vector<std::string> out;
    for (const auto& e : sorted) {
        auto text = fmt::format("{}:{}:{}: {}", file_, e.line, e.column, e.text);
        // The same problem reached twice (e.g. through two rules) is reported once.
        if (std::find(out.begin(), out.end(), text) == out.end()) out.push_back(std::move(text));
    }
    return out;
}

void diagnostics::throw_if_any() const {
    if (!entries_.empty()) throw config_error(messages());
}

// --- helpers ---------------------------------------------------------------------------------------

std::string describe(const toml::node& n) {
    switch (n.type()) {
        case toml::node_type::string:
            return fmt::format("string \"{}\"", n.as_string()->get());
        case toml::node_type::integer:
            return fmt::format("integer {}", n.as_integer()->get());
        case toml::node_type::floating_point:
            return fmt::format("number {}", n.as_floating_point()->get());
        case toml::node_type::boolean:
            return fmt::format("boolean {}", n.as_boolean()->get());
        case toml::node_type::table:
            return "a table";
        case toml::node_type::array:
            return "a list";
        case toml::node_type::date:
            return "a date";
        case toml::node_type::time:
            return "a time";
        case toml::node_type::date_time:
            return "a date-time";
        case toml::node_type::none:
            break;
    }
    return "nothing";
}

namespace {

std::string lower(std::string_view s) {
    std::string out(s);
    for (auto& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return out;
}

std::size_t edit_distance(std::string_view a, std::string_view b) {
    // Optimal string alignment: insertions, deletions, substitutions and adjacent swaps.
    std::vector<std::vector<std::size_t>> d(a.size() + 1, std::vector<std::size_t>(b.size() + 1));
    for (std::size_t i = 0; i <= a.size(); ++i) d[i][0] = i;
    for (std::size_t j = 0; j <= b.size(); ++j) d[0][j] = j;
    for (std::size_t i = 1; i <= a.size(); ++i) {
        for (std::size_t j = 1; j <= b.size(); ++j) {
            std::size_t cost = a[i - 1] == b[j - 1] ? 0 : 1;
            d[i][j] = std::min({d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + cost});
            if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1])
                d[i][j] = std::min(d[i][j], d[i - 2][j - 2] + 1);
        }
    }
    return d[a.size()][b.size()];
}

}  // namespace

std::optional<std::string_view> did_you_mean(std::string_view word,
                                             std::span<const std::string_view> candidates) {
    const std::string w = lower(word);
    std::optional<std::string_view> best;
    std::size_t best_distance = 0;
    for (auto c : candidates) {
        std::size_t dist = edit_distance(w, lower(c));
        // Words written with '-' instead of '_' ("out-of-bed") are the same word.
        std::string cw = lower(c), ww = w;
        std::replace(cw.begin(), cw.end(), '-', '_');
        std::replace(ww.begin(), ww.end(), '-', '_');
        if (cw == ww) dist = 0;
        if (!best || dist < best_distance) {
            best = c;
            best_distance = dist;
        }
    }
    if (!best) return std::nullopt;
    std::size_t allowed = std::max<std::size_t>(1, std::min(word.size(), best->size()) / 3);
    return best_distance <= allowed ? best : std::nullopt;
}

std::string join(std::span<const std::string_view> names, std::size_t limit) {
    std::string out;
    std::size_t n = 0;
    for (auto name : names) {
        if (n == limit) return out + ", ...";
        if (n++) out += ", ";
        out += name;
    }
    return out;
}

std::string join(const std::vector<std::string>& names, std::size_t limit) {
    std::vector<std::string_view> views(names.begin(), names.end());
    return join(std::span<const std::string_view>(views), limit);
}

// --- table_reader ------------------------------------------------------------------------------------

table_reader::table_reader(const toml::table& t, std::string subject, std::string what, diagnostics& d,
                           key_positions* positions, std::string position_prefix)
    : table_(t),
      subject_(std::move(subject)),
      what_(std::move(what)),
      diag_(d),
      positions_(positions),
      position_prefix_(std::move(position_prefix)) {}

position table_reader::value_pos(std::string_view key) const {
    if (const auto* n = table_.get(key)) return diag_.at(*n);
    return table_pos();
}

const toml::node* table_reader::get(std::string_view key) {
    const toml::node* n = table_.get(key);
    if (n && positions_) (*positions_)[position_prefix_ + std::string(key)] = diag_.at(*n);
    return n;
}

void table_reader::missing(std::string_view key, std::string_view example) {
    diag_.error(table_pos(), fmt::format("{}: missing required key '{}'; e.g. {}", what_, key, example));
}

void table_reader::wrong_type(const toml::node& n, std::string_view key, std::string_view expected) {
    diag_.error(diag_.at(n), fmt::format("{}: expected {}, got {}", subject(key), expected, describe(n)));
}

std::optional<std::string> table_reader::string(std::string_view key) {
    const auto* n = get(key);
    if (!n) return std::nullopt;
    if (const auto* s = n->as_string()) return s->get();
    wrong_type(*n, key, "a string in quotes");
    return std::nullopt;
}

std::optional<std::string> table_reader::required_string(std::string_view key, std::string_view example) {
    if (!has(key)) {
        missing(key, example);
        return std::nullopt;
    }
    return string(key);
}

std::optional<bool> table_reader::boolean(std::string_view key) {
    const auto* n = get(key);
    if (!n) return std::nullopt;
    if (const auto* b = n->as_boolean()) return b->get();
    wrong_type(*n, key, "true or false (no quotes)");
    return std::nullopt;
}

std::optional<double> table_reader::number(std::string_view key) {
    const auto* n = get(key);
    if (!n) return std::nullopt;
    if (const auto* i = n->as_integer()) return static_cast<double>(i->get());
    if (const auto* f = n->as_floating_point()) {
        if (std::isfinite(f->get())) return f->get();
        diag_.error(diag_.at(*n),
                    fmt::format("{}: expected a finite number, got {}", subject(key), f->get()));
        return std::nullopt;
    }
    wrong_type(*n, key, "a number (no quotes)");
    return std::nullopt;
}

std::optional<std::int64_t> table_reader::integer(std::string_view key) {
    const auto* n = get(key);
    if (!n) return std::nullopt;
    if (const auto* i = n->as_integer()) return i->get();
    wrong_type(*n, key, "a whole number (no quotes)");
    return std::nullopt;
}

std::optional<milliseconds> table_reader::duration(std::string_view key, bool positive) {
    const auto* n = get(key);
    if (!n) return std::nullopt;
    const auto* s = n->as_string();
    if (!s) {
        wrong_type(*n, key, "a duration in quotes such as \"30s\"");
        return std::nullopt;
    }
    auto d = parse_duration(s->get());
    if (!d) {
        diag_.error(diag_.at(*n),
                    fmt::format(R"({}: "{}" is not a duration; use e.g. "500ms", "30s", "10m", "3h", "1d")",
                                subject(key), s->get()));
        return std::nullopt;
    }
    if (positive && d->count() <= 0) {
        diag_.error(diag_.at(*n), fmt::format("{}: must be longer than 0s", subject(key)));
        return std::nullopt;
    }
    return d;
}

std::optional<int> table_reader::time_of_day(std::string_view key) {
    const auto* n = get(key);
    if (!n) return std::nullopt;
    if (const auto* t = n->as_time()) {
        const toml::time& v = t->get();
        if (v.second == 0 && v.nanosecond == 0) return v.hour * 60 + v.minute;
        diag_.error(diag_.at(*n),
                    fmt::format("{}: a time of day has no seconds; use \"HH:MM\"", subject(key)));
        return std::nullopt;
    }
    const auto* s = n->as_string();
    if (!s) {
        wrong_type(*n, key, "a time of day in quotes such as \"07:00\"");
        return std::nullopt;
    }
    auto m = parse_time_of_day(s->get());
    if (!m) {
        diag_.error(
            diag_.at(*n),
            fmt::format(R"({}: "{}" is not a time of day; use "HH:MM" (24-hour local time), e.g. "07:00")",
                        subject(key), s->get()));
    }
    return m;
}

std::optional<std::vector<time_window>> table_reader::windows(std::string_view key) {
    const auto* n = get(key);
    if (!n) return std::nullopt;
    std::vector<const toml::node*> items;
    if (n->is_string()) {
        items.push_back(n);
    } else if (const auto* a = n->as_array()) {
        if (a->empty()) {
            diag_.error(diag_.at(*n),
                        fmt::format("{}: empty list; leave {} out for a rule that applies at all times",
                                    subject(key), key));
            return std::nullopt;
        }
        for (const auto& e : *a) items.push_back(&e);
    } else {
        wrong_type(*n, key, R"(a window such as "22:00-07:00", or a list of them)");
        return std::nullopt;
    }
    std::vector<time_window> out;
    bool ok = true;
    for (const auto* item : items) {
        const auto* s = item->as_string();
        if (!s) {
            wrong_type(*item, key, R"(a window in quotes such as "22:00-07:00")");
            ok = false;
            continue;
        }
        auto w = parse_time_window(s->get());
        if (!w) {
            diag_.error(diag_.at(*item),
                        fmt::format(R"({}: "{}" is not a window; use "HH:MM-HH:MM" in local time, e.g. )"
                                    R"("22:00-07:00" (it may cross midnight))",
                                    subject(key), s->get()));
            ok = false;
            continue;
        }
        out.push_back(*w);
    }
    if (!ok) return std::nullopt;
    return out;
}

std::optional<std::vector<located_string>> table_reader::string_list(std::string_view key,
                                                                     std::string_view example) {
    const auto* n = get(key);
    if (!n) return std::nullopt;
    const auto* a = n->as_array();
    if (!a) {
        diag_.error(diag_.at(*n), fmt::format("{}: expected a list in brackets, e.g. {}, got {}",
                                              subject(key), example, describe(*n)));
        return std::nullopt;
    }
    if (a->empty()) {
        diag_.error(diag_.at(*n),
                    fmt::format("{}: empty list; leave {} out to use the default, or list ids, e.g. {}",
                                subject(key), key, example));
        return std::nullopt;
    }
    std::vector<located_string> out;
    bool ok = true;
    for (const auto& e : *a) {
        if (const auto* s = e.as_string()) {
            out.push_back({s->get(), diag_.at(e)});
        } else {
            wrong_type(e, key, "a string in quotes");
            ok = false;
        }
    }
    if (!ok) return std::nullopt;
    return out;
}

std::string table_reader::unknown_key_message(std::string_view key,
                                              std::span<const std::string_view> allowed) const {
    std::string where = what_;
    if (auto near = did_you_mean(key, allowed))
        return fmt::format("{}: unknown key '{}'; did you mean '{}'?", where, key, *near);
    return fmt::format("{}: unknown key '{}' (known keys: {})", where, key, join(allowed));
}

void reject_unknown_top_level(const toml::table& root, std::span<const std::string_view> sections,
                              std::span<const section_keys> homes, diagnostics& d) {
    for (auto&& [k, v] : root) {
        std::string_view key = k.str();
        if (std::find(sections.begin(), sections.end(), key) != sections.end()) continue;
        std::vector<std::string_view> where;
        for (const auto& h : homes)
            if (std::find(h.keys.begin(), h.keys.end(), key) != h.keys.end()) where.push_back(h.section);
        if (!v.is_table() && !v.is_array_of_tables() && !where.empty()) {
            d.error(d.at(k.source()),
                    fmt::format("'{}' is written outside any section; move it under {} (a key belongs to the "
                                "section header above it)",
                                key, join(where)));
            continue;
        }
        // A section as it is written: "[hub]", or "[[sensor]]" for an array of tables.
        auto shown = [&](std::string_view s) {
            for (const auto& h : homes)
                if (h.section == fmt::format("[[{}]]", s)) return std::string(h.section);
            return fmt::format("[{}]", s);
        };
        std::vector<std::string> names;
        for (auto s : sections) names.push_back(shown(s));
        auto near = did_you_mean(key, sections);
        d.error(d.at(k.source()),
                near ? fmt::format("unknown section [{}]; did you mean {}?", key, shown(*near))
                     : fmt::format("unknown section [{}] (sections: {})", key, join(names)));
    }
}

// --- addresses, paths, keys ------------------------------------------------------------------------

std::string check_host_port(std::string_view text) {
    // The split is common's; what is wrong with an address that does not split, and what a config
    // address needs beyond it (a host, brackets around IPv6, port 1 and up), is said here.
    bool bracketed = !text.empty() && text.front() == '[';
    std::string_view port;
    if (bracketed) {
        auto close = text.find(']');
        if (close == std::string_view::npos || close + 1 >= text.size() || text[close + 1] != ':')
            return "expected [IPv6 address]:PORT";
        port = text.substr(close + 2);
    } else {
        auto colon = text.rfind(':');
        if (colon == std::string_view::npos) return "no :PORT";
        port = text.substr(colon + 1);
    }
    auto hp = split_host_port(text);
    if (hp) {
        if (!bracketed && hp->host.find(':') != std::string::npos)
            return "an IPv6 address goes in brackets, [::1]:PORT";
        if (hp->host.empty()) return "no host";
        for (char c : hp->host)
            if (std::isspace(static_cast<unsigned char>(c)) || c == '/' || c == '@')
                return "the host has a bad character";
    }
    if (!hp || hp->port < 1 || port.size() > 5)
        return fmt::format("port \"{}\" is not a number from 1 to 65535", port);
    return {};
}

std::pair<std::optional<std::string>, std::string> normalise_broker_uri(std::string_view uri) {
    static constexpr std::pair<std::string_view, std::string_view> schemes[] = {
        {"tcp://", "tcp://"}, {"ssl://", "ssl://"}, {"mqtt://", "tcp://"}, {"mqtts://", "ssl://"}};
    for (auto [scheme, canonical] : schemes) {
        if (uri.substr(0, scheme.size()) != scheme) continue;
        auto rest = uri.substr(scheme.size());
        if (!rest.empty() && rest.back() == '/') rest.remove_suffix(1);
        auto problem = check_host_port(rest);
        if (!problem.empty()) return {std::nullopt, problem};
        return {std::string(canonical) + std::string(rest), {}};
    }
    return {std::nullopt, "unknown scheme"};
}

std::string resolve_path(const std::filesystem::path& base, const std::string& p) {
    if (p.empty()) return p;
    std::filesystem::path path(p);
    if (path.is_absolute() || base.empty()) return p;
    return (base / path).lexically_normal().string();
}

broker_spec read_broker(table_reader& r, const std::filesystem::path& base, std::string_view example_uri) {
    broker_spec b;
    if (auto uri = r.required_string("uri", fmt::format("uri = \"{}\"", example_uri))) {
        auto [normal, problem] = normalise_broker_uri(*uri);
        if (normal) {
            b.uri = *normal;
        } else {
            b.uri = *uri;
            r.diag().error(r.value_pos("uri"),
                           fmt::format("{}: \"{}\" is not a broker address ({}); use tcp://HOST:PORT or "
                                       "ssl://HOST:PORT, e.g. \"{}\"",
                                       r.subject("uri"), *uri, problem, example_uri));
        }
    }
    b.username = r.string("username");
    b.password = r.string("password");
    if (b.password && !b.username)
        r.diag().error(
            r.value_pos("password"),
            fmt::format("{}: a password needs a username; add username = \"...\"", r.subject("password")));
    const bool tls = b.uri.rfind("ssl://", 0) == 0;
    auto file = [&](std::string_view key) -> std::optional<std::string> {
        auto v = r.string(key);
        if (!v) return std::nullopt;
        if (v->empty()) {
            r.diag().error(r.value_pos(key),
                           fmt::format("{}: empty path; leave the key out", r.subject(key)));
            return std::nullopt;
        }
        auto path = resolve_path(base, *v);
        std::error_code ec;
        if (!std::filesystem::is_regular_file(path, ec))
            r.diag().error(r.value_pos(key),
                           fmt::format("{}: no such file \"{}\"{}", r.subject(key), path,
                                       path == *v ? "" : " (relative to the config's folder)"));
        if (!tls && !b.uri.empty())
            r.diag().error(
                r.value_pos(key),
                fmt::format("{}: TLS files need an ssl:// uri (the uri is \"{}\")", r.subject(key), b.uri));
        return path;
    };
    b.ca_file = file("ca_file");
    b.cert_file = file("cert_file");
    b.key_file = file("key_file");
    if (b.key_file && !b.cert_file && r.has("key_file") && !r.has("cert_file"))
        r.diag().error(r.value_pos("key_file"),
                       fmt::format("{}: a private key needs its certificate; add cert_file = \"...\"",
                                   r.subject("key_file")));
    return b;
}

bool is_hex(std::string_view s, std::size_t min, std::size_t max) {
    if (s.size() < min || s.size() > max) return false;
    return std::all_of(s.begin(), s.end(),
                       [](char c) { return std::isxdigit(static_cast<unsigned char>(c)) != 0; });
}

std::string read_dc09_key(table_reader& r) {
    auto key = r.string("key");
    auto hex = r.string("key_hex");
    if (key && hex) {
        r.diag().error(r.value_pos("key_hex"),
                       fmt::format("{}: give either key or key_hex, not both", r.subject("key_hex")));
        return {};
    }
    if (key) {
        if (key->size() == 16 || key->size() == 24 || key->size() == 32) return *key;
        r.diag().error(
            r.value_pos("key"),
            fmt::format("{}: an AES key is 16, 24 or 32 characters, this one has {}; or give key_hex "
                        "with 32, 48 or 64 hex digits",
                        r.subject("key"), key->size()));
        return {};
    }
    if (hex) {
        if ((hex->size() == 32 || hex->size() == 48 || hex->size() == 64) && is_hex(*hex, 1, 64)) {
            std::string raw;
            for (std::size_t i = 0; i < hex->size(); i += 2)
                raw.push_back(static_cast<char>(std::stoi(hex->substr(i, 2), nullptr, 16)));
            return raw;
        }
        const bool digits_only = is_hex(*hex, 0, hex->size());
        r.diag().error(
            r.value_pos("key_hex"),
            digits_only ? fmt::format("{}: expected 32, 48 or 64 hex digits for AES-128/192/256, got {}",
                                      r.subject("key_hex"), hex->size())
                        : fmt::format("{}: only hex digits 0-9 and A-F are allowed", r.subject("key_hex")));
    }
    return {};
}

}  // namespace warden::config::detail
