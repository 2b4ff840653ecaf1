// Warnings about what a hub config allows but a technician most likely did not mean.

#include "warden/config/lint.hpp"

#include <algorithm>
#include <tuple>

#include <fmt/format.h>

#include "warden/common/host_port.hpp"

namespace warden::config {
namespace {

/// The centre's default heartbeat_grace (centre_config.hpp): a slower heartbeat makes the hub look offline.
constexpr milliseconds centre_default_grace{180'000};

std::string hhmm(int minute) {
    return fmt::format("{:02}:{:02}", minute / 60 % 24, minute % 60);
}

position at(const std::map<std::string, position, std::less<>>& key_pos, std::string_view key,
            const position& fallback) {
    auto it = key_pos.find(key);
    return it == key_pos.end() ? fallback : it->second;
}

bool is_loopback_uri(std::string_view uri) {
    auto scheme = uri.find("://");
    auto rest = scheme == std::string_view::npos ? uri : uri.substr(scheme + 3);
    auto hp = split_host_port(rest);
    std::string_view host = hp ? std::string_view(hp->host) : rest;
    return host == "localhost" || host == "::1" || host.substr(0, 4) == "127.";
}

bool watches(const rule_spec& r, const std::vector<std::string>& list, const sensor_spec& s) {
    if (!list.empty()) return std::find(list.begin(), list.end(), s.id) != list.end();
    (void)r;
    return is_activity_kind(s.kind);
}

/// True if some minute of the night (22:00-07:00) lies inside one of `windows`; no window is all day.
bool covers_night(const std::vector<time_window>& windows) {
    if (windows.empty()) return true;
    for (int m = 22 * 60; m < 31 * 60; ++m)
        for (const auto& w : windows)
            if (w.contains(m % 1440)) return true;
    return false;
}

class linter {
public:
    linter(const hub_config& cfg, const report_default& defaults) : cfg_(cfg), defaults_(defaults) {}

    std::vector<lint_warning> run() {
        hub();
        for (const auto& s : cfg_.sensors) sensor(s);
        for (const auto& r : cfg_.rules) rule(r);
        std::stable_sort(out_.begin(), out_.end(), [](const lint_warning& a, const lint_warning& b) {
            return std::tie(a.pos.line, a.pos.column) < std::tie(b.pos.line, b.pos.column);
        });
        return std::move(out_);
    }

private:
    void warn(const position& p, std::string message) { out_.push_back({p, std::move(message)}); }

    /// The sensor's report interval as the hub uses it: its own report_every, else its source's default.
    std::optional<milliseconds> report_interval(const sensor_spec& s) const {
        if (s.report_every) return s.report_every;
        return defaults_ ? defaults_(s.source) : std::nullopt;
    }

    position top(std::string_view key) const { return at(cfg_.key_pos, key, {cfg_.source_file, 1, 1}); }

    void hub() {
        bool reads_the_clock = std::any_of(cfg_.rules.begin(), cfg_.rules.end(), [](const rule_spec& r) {
            return !r.windows.empty() || r.type == rule_type::due;
        });
        if (reads_the_clock && !cfg_.key_pos.count("hub.timezone"))
            warn(top("hub"),
                 fmt::format("hub.timezone is not set, so rule windows and due times are read as {}; "
                             "set the home's zone, e.g. timezone = \"Europe/London\" (with UTC a "
                             "UK home's windows are an hour off all summer)",
                             cfg_.timezone));
        const auto& uri = cfg_.centre.broker.uri;
        if (uri.rfind("tcp://", 0) == 0 && !is_loopback_uri(uri))
            warn(top("centre.uri"),
                 fmt::format("centre.uri: \"{}\" is not encrypted and leaves this machine; alerts "
                             "carry health information, use ssl:// with ca_file",
                             uri));
        if (cfg_.centre.heartbeat > centre_default_grace)
            warn(top("centre.heartbeat"),
                 fmt::format(
                     "centre.heartbeat: {} is longer than the centre's default heartbeat_grace ({}); the "
                     "centre will report this hub offline between heartbeats unless its grace is longer",
                     format_duration(cfg_.centre.heartbeat), format_duration(centre_default_grace)));
        if (cfg_.dc09 && cfg_.dc09->key.empty() && !is_loopback_uri("tcp://" + cfg_.dc09->host + ":0"))
            warn(top("dc09.host"),
                 fmt::format("dc09: frames to {} are sent in plain text; set key or key_hex as "
                             "agreed with the receiving centre",
                             cfg_.dc09->host));
    }

    void sensor(const sensor_spec& s) {
        if (s.location.empty())
            warn(s.pos, fmt::format("sensor '{}' has no location; operators see it in every alert, e.g. "
                                    "location = \"hallway\"",
                                    s.id));
        if (is_alarm_kind(s.kind) && !report_interval(s))
            warn(s.pos,
                 fmt::format("sensor '{}' ({}, {} source) is never checked for silence: the {} source has "
                             "no default; set report_every (e.g. \"25h\") so a dead detector is noticed",
                             s.id, to_string(s.kind), to_string(s.source), to_string(s.source)));
        if (s.kind == sensor_kind::door) door(s);
        if (s.kind == sensor_kind::temperature) {
            bool read = std::any_of(cfg_.rules.begin(), cfg_.rules.end(), [&](const rule_spec& r) {
                return r.type == rule_type::threshold && r.sensor == s.id;
            });
            if (!read)
                warn(s.pos,
                     fmt::format("sensor '{}' (temperature) is read by no threshold rule; add one (e.g. "
                                 "below = 16.0) or remove the sensor",
                                 s.id));
        }
        if (s.cancel_button) {
            bool prealarm = std::any_of(cfg_.rules.begin(), cfg_.rules.end(), [](const rule_spec& r) {
                return r.type == rule_type::inactivity && r.warn;
            });
            if (!prealarm)
                warn(
                    at(s.key_pos, "cancel_button", s.pos),
                    fmt::format("sensor '{}' cancel_button: no inactivity rule has warn, so there is never a "
                                "pre-alarm to cancel",
                                s.id));
        }
    }

    void door(const sensor_spec& s) {
        bool bed = std::any_of(cfg_.sensors.begin(), cfg_.sensors.end(), [](const sensor_spec& o) {
            return o.kind == sensor_kind::bed || o.kind == sensor_kind::chair;
        });
        // Only an exit rule that is armed at some time in the night counts.
        bool exit = std::any_of(cfg_.rules.begin(), cfg_.rules.end(), [&](const rule_spec& r) {
            return r.type == rule_type::exit && r.sensor == s.id && covers_night(r.windows);
        });
        if (bed && !exit)
            warn(s.pos,
                 fmt::format("sensor '{}' (door) has no exit rule at night (22:00-07:00) although the home "
                             "has a bed or chair sensor; a night exit rule is usual (type = \"exit\", "
                             "sensor = \"{}\", window = \"22:00-07:00\")",
                             s.id, s.id));
    }

    void windows(const rule_spec& r) {
        for (const auto& w : r.windows)
            if (w.from_minute == w.to_minute && w.from_minute != 0)
                warn(at(r.key_pos, "window", r.pos),
                     fmt::format(
                         "rule '{}' window: \"{}\" has no length and therefore means all day; leave window "
                         "out for all day, or give the end time you meant",
                         r.id, format_time_window(w)));
    }

    void rule(const rule_spec& r) {
        windows(r);
        switch (r.type) {
            case rule_type::inactivity:
                inactivity(r);
                break;
            case rule_type::out_of_bed:
                if (r.windows.empty())
                    warn(r.pos,
                         fmt::format(
                             "rule '{}' (out_of_bed) has no window, so every time the resident gets "
                             "up for longer than {} in the day raises it; e.g. window = \"22:00-07:00\"",
                             r.id, r.within ? format_duration(*r.within) : "within"));
                break;
            case rule_type::exit:
                exit(r);
                break;
            case rule_type::due:
                due(r);
                break;
            case rule_type::threshold:
                if (r.below && r.above && *r.below >= *r.above)
                    warn(at(r.key_pos, "below", r.pos),
                         fmt::format(
                             "rule '{}': below ({}) is not lower than above ({}), so one of the two limits "
                             "is always crossed; check which is the low and which the high limit",
                             r.id, *r.below, *r.above));
                break;
        }
    }

    void inactivity(const rule_spec& r) {
        if (!r.period) return;
        // A sensor that dies goes quiet. If the hub only calls it offline after a report interval
        // longer than the period, the rule raises first and the dead sensor looks like a resident who
        // has not moved: the operator is told "no activity" instead of "sensor offline".
        std::string slow;
        std::size_t count = 0;
        for (const auto& s : cfg_.sensors) {
            if (!watches(r, r.sensors, s)) continue;
            auto every = report_interval(s);
            if (!every || *every <= *r.period) continue;
            slow += fmt::format("{}'{}' ({}{})", slow.empty() ? "" : ", ", s.id, format_duration(*every),
                                s.report_every ? "" : fmt::format(", the {} default", to_string(s.source)));
            ++count;
        }
        if (count == 0) return;
        warn(at(r.key_pos, "period", r.pos),
             fmt::format("rule '{}' period: {} is shorter than the report interval of sensor{} {}: if {} "
                         "dies, this rule raises inactivity before the hub can tell it is offline; set "
                         "report_every to how often the device really reports (under {}), or give the rule "
                         "a longer period",
                         r.id, format_duration(*r.period), count == 1 ? "" : "s", slow,
                         count == 1 ? "it" : "one", format_duration(*r.period)));
    }

    void exit(const rule_spec& r) {
        if (!r.within || !r.inside.empty()) return;
        bool any = std::any_of(cfg_.sensors.begin(), cfg_.sensors.end(), [](const sensor_spec& s) {
            return s.kind == sensor_kind::motion || s.kind == sensor_kind::bed ||
                   s.kind == sensor_kind::chair;
        });
        if (!any)
            warn(at(r.key_pos, "within", r.pos),
                 fmt::format(
                     "rule '{}' within: no sensor can show that someone is still inside (none listed in "
                     "inside, and no motion, bed or chair sensor), so every opening of the door raises "
                     "after {}",
                     r.id, format_duration(*r.within)));
    }

    void due(const rule_spec& r) {
        if (!r.from_minute || !r.by_minute) return;
        const int from = *r.from_minute % 1440, by = *r.by_minute % 1440;
        const position p = at(r.key_pos, "from", r.pos);
        if (from == by) {
            warn(p,
                 fmt::format("rule '{}': from {} by {} is a window of no length: it never opens, so the rule "
                             "raises every day at {}; give the time it should open in from",
                             r.id, hhmm(from), hhmm(by), hhmm(by)));
            return;
        }
        const int length = (by - from + 1440) % 1440;
        if (from > by && length > 12 * 60)
            warn(p, fmt::format(
                        "rule '{}': from {} by {} crosses midnight and lasts {}; if you meant {} to {}, swap "
                        "from and by",
                        r.id, hhmm(from), hhmm(by), format_duration(milliseconds{length * 60'000LL}),
                        hhmm(by), hhmm(from)));
    }

    const hub_config& cfg_;
    const report_default& defaults_;
    std::vector<lint_warning> out_;
};

}  // namespace

std::vector<lint_warning> lint_hub_config(const hub_config& cfg, const report_default& defaults) {
    return linter(cfg, defaults).run();
}

std::string lint_text(const lint_warning& w) {
    return fmt::format("{}:{}:{}: warning: {}", w.pos.file, w.pos.line, w.pos.column, w.message);
}

}  // namespace warden::config
