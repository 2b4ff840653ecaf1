#include "warden/ctl/replay.hpp"

#include <cctype>
#include <map>

#include <nlohmann/json.hpp>

#include "warden/alerts/engine.hpp"
#include "warden/sensors/adapters.hpp"

namespace warden::ctl {

namespace {

/// "on"/"off", true/false, {"on":bool}; nullopt if it says neither.
std::optional<bool> away_word(std::string_view payload) {
    auto j = nlohmann::json::parse(payload, nullptr, false);
    if (!j.is_discarded()) {
        if (j.is_boolean()) return j.get<bool>();
        if (j.is_object()) {
            auto on = j.find("on");
            if (on != j.end() && on->is_boolean()) return on->get<bool>();
            return std::nullopt;
        }
        if (j.is_string()) return away_word(j.get<std::string>());
    }
    std::string w;
    for (char c : payload)
        if (c != ' ' && c != '\n' && c != '\r' && c != '\t' && c != '"')
            w += static_cast<char>(std::tolower(c));
    if (w == "on" || w == "true" || w == "1") return true;
    if (w == "off" || w == "false" || w == "0") return false;
    return std::nullopt;
}

/// Turns engine drafts into alerts as the hub's store would: ids, seq, and `clears`.
class numberer {
public:
    explicit numberer(std::string hub, bool include_started)
        : hub_(std::move(hub)), started_(include_started) {}

    void take(const alerts::output& out, std::vector<alert>& into) {
        for (const auto& d : out.alerts) {
            if (d.type == "hub_started" && !started_) continue;
            alert a;
            a.seq = ++seq_;
            a.id = "replay-" + std::to_string(a.seq);
            a.hub = hub_;
            a.type = d.type;
            a.state = d.state;
            a.priority = d.priority;
            a.sia = d.sia;
            a.at = d.at;
            a.rule = d.rule;
            a.sensor = d.sensor;
            a.location = d.location;
            a.text = d.text;
            a.value = d.value;
            if (!d.key.empty()) {
                if (d.state == alert_state::raised) {
                    open_[d.key] = a.id;
                } else if (auto it = open_.find(d.key); it != open_.end()) {
                    a.clears = it->second;
                    open_.erase(it);
                }
            }
            into.push_back(std::move(a));
        }
    }

private:
    std::string hub_;
    bool started_;
    std::uint64_t seq_ = 0;
    std::map<std::string, std::string> open_;
};

}  // namespace

config::hub_config with_hub_defaults(config::hub_config cfg) {
    for (auto& s : cfg.sensors)
        if (!s.report_every) s.report_every = sensors::default_report_every(s.source);
    return cfg;
}

std::vector<alert> replay(const config::hub_config& given, const date::time_zone* zone,
                          const std::vector<recorded_message>& messages, const replay_options& opts) {
    const config::hub_config cfg = with_hub_defaults(given);
    sensors::router router(cfg.sensors);
    alerts::engine engine(cfg, zone);
    numberer ids(cfg.id, opts.include_hub_started);
    std::vector<alert> out;

    // Fires every deadline up to and including `t`, as the hub's timer would.
    auto run_until = [&](time_point t) {
        // A deadline that does not move after on_time() would loop forever: bounded by the count.
        for (int guard = 0; guard < 10'000'000; ++guard) {
            auto next = engine.next_deadline();
            if (!next || *next > t) return;
            ids.take(engine.on_time(*next), out);
            auto after = engine.next_deadline();
            if (after && *after <= *next) {
                ids.take(engine.on_time(t), out);
                return;
            }
        }
    };

    bool started = false;
    time_point last{};
    for (const auto& m : messages) {
        if (opts.from && m.at < *opts.from) continue;
        if (opts.to && m.at >= *opts.to) continue;
        if (!started) {
            ids.take(engine.start(m.at), out);
            started = true;
        }
        // Times going backwards (a clock jump in the recording) are fed as they are; the engine tolerates it.
        run_until(m.at);
        last = std::max(last, m.at);
        if (m.topic == "warden/local/cancel") {
            ids.take(engine.cancel_prealarm(m.at), out);
            continue;
        }
        if (m.topic == "warden/local/away") {
            if (auto on = away_word(m.payload)) ids.take(engine.set_away(*on, m.at), out);
            continue;
        }
        auto decoded = router.decode(m.topic, m.payload, m.at);
        for (const auto& input : decoded.inputs) ids.take(engine.on_input(input, m.at), out);
    }
    if (!started && opts.until && opts.from) {
        ids.take(engine.start(*opts.from), out);
        started = true;
        last = *opts.from;
    }
    if (started) {
        run_until(opts.until ? *opts.until : last);
    }
    return out;
}

}  // namespace warden::ctl
