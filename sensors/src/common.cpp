// Helpers every adapter shares: text, numbers, JSON paths and the generic reading of a value.

#include <algorithm>
#include <array>
#include <cctype>
#include <charconv>
#include <cmath>
#include <stdexcept>

#include "detail.hpp"

namespace warden::sensors::detail {

const json* message::parsed() {
    if (tried_) return doc_ ? &*doc_ : nullptr;
    tried_ = true;
    if (trim(payload).empty()) {
        why_ = "empty payload";
        return nullptr;
    }
    // Refuse deep nesting before the parser sees it: cheap, and no recursion anywhere later.
    if (json_nests_deeper_than(payload, max_json_depth)) {
        why_ = "JSON nested too deep";
        return nullptr;
    }
    try {
        json doc = json::parse(payload.begin(), payload.end(), nullptr, /*allow_exceptions=*/false);
        if (doc.is_discarded()) {
            why_ = "not valid JSON";
            return nullptr;
        }
        doc_ = std::move(doc);
        return &*doc_;
    } catch (const std::exception&) {
        why_ = "not valid JSON";
        return nullptr;
    }
}

bool iequals(std::string_view a, std::string_view b) noexcept {
    return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
               return std::tolower(static_cast<unsigned char>(x)) ==
                      std::tolower(static_cast<unsigned char>(y));
           });
}

std::string lower(std::string_view s) {
    std::string out(s);
    for (auto& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return out;
}

std::string_view trim(std::string_view s) noexcept {
    auto space = [](char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; };
    while (!s.empty() && space(s.front())) s.remove_prefix(1);
    while (!s.empty() && space(s.back())) s.remove_suffix(1);
    return s;
}

std::optional<double> parse_number(std::string_view text) noexcept {
    text = trim(text);
    if (text.empty() || text.size() > 64) return std::nullopt;
    if (text.front() == '+') text.remove_prefix(1);
    double v = 0;
    auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
    if (ec != std::errc{} || end != text.data() + text.size() || !std::isfinite(v)) return std::nullopt;
    return v;
}

std::optional<double> json_number(const json& v) noexcept {
    if (v.is_number()) {
        double d = v.get<double>();
        if (std::isfinite(d)) return d;
        return std::nullopt;
    }
    if (v.is_string()) return parse_number(v.get_ref<const std::string&>());
    return std::nullopt;
}

std::optional<bool> parse_online_word(std::string_view text) noexcept {
    text = trim(text);
    if (iequals(text, "online") || iequals(text, "true")) return true;
    if (iequals(text, "offline") || iequals(text, "false")) return false;
    return std::nullopt;
}

std::optional<std::string_view> subtopic(std::string_view topic, std::string_view prefix) noexcept {
    if (topic.size() <= prefix.size() + 1 || topic.substr(0, prefix.size()) != prefix ||
        topic[prefix.size()] != '/')
        return std::nullopt;
    return topic.substr(prefix.size() + 1);
}

bool is_text(std::string_view payload) noexcept {
    for (unsigned char c : payload)
        if ((c < 0x20 && c != '\t' && c != '\r' && c != '\n') || c == 0x7f) return false;
    return true;
}

std::vector<std::string_view> split(std::string_view s, char sep) {
    std::vector<std::string_view> parts;
    std::size_t start = 0;
    for (;;) {
        auto pos = s.find(sep, start);
        parts.push_back(
            s.substr(start, pos == std::string_view::npos ? std::string_view::npos : pos - start));
        if (pos == std::string_view::npos) break;
        start = pos + 1;
    }
    return parts;
}

const json* find_path(const json& root, std::string_view dotted, bool ignore_case) {
    const json* at = &root;
    for (auto part : split(dotted, '.')) {
        if (!at->is_object()) return nullptr;
        auto it = at->find(std::string(part));
        if (it != at->end()) {
            at = &*it;
            continue;
        }
        if (!ignore_case) return nullptr;
        const json* found = nullptr;
        for (auto i = at->begin(); i != at->end(); ++i)
            if (iequals(i.key(), part)) {
                found = &i.value();
                break;
            }
        if (!found) return nullptr;
        at = found;
    }
    return at;
}

void set_path(json& root, std::string_view dotted, json value) {
    json* at = &root;
    auto parts = split(dotted, '.');
    for (std::size_t i = 0; i < parts.size(); ++i) {
        if (!at->is_object()) *at = json::object();
        at = &(*at)[std::string(parts[i])];
    }
    *at = std::move(value);
}

std::string_view last_segment(std::string_view dotted) noexcept {
    auto pos = dotted.rfind('.');
    return pos == std::string_view::npos ? dotted : dotted.substr(pos + 1);
}

sensor_event make_event(const config::sensor_spec& s, time_point at) {
    sensor_event ev;
    ev.sensor = s.id;
    ev.kind = s.kind;
    ev.at = at;
    return ev;
}

namespace {

// Words bridges and devices use for the two states of a binary attribute.
constexpr std::array active_words{"on",     "true",     "1",    "yes",    "open",     "opened",
                                  "active", "detected", "wet",  "alarm",  "occupied", "motion",
                                  "leak",   "smoke",    "fire", "pressed"};
constexpr std::array inactive_words{"off",      "false", "0",       "no",      "closed",  "close",
                                    "inactive", "clear", "cleared", "dry",     "vacant",  "normal",
                                    "idle",     "none",  "ok",      "release", "released"};
// Switch actions that say something happened but not which state it is in now.
constexpr std::array neutral_words{"toggle", "hold", "inc_dec", "inv", ""};
// Words that name one press (an event), not a state that stays: each one is a new press.
constexpr std::array event_words{"single", "double", "triple", "quadruple", "quad", "penta",    "hold",
                                 "long",   "short",  "toggle", "press",     "sos",  "emergency"};

template <std::size_t N>
bool in(const std::array<const char*, N>& words, std::string_view w) {
    return std::any_of(words.begin(), words.end(), [&](const char* x) { return iequals(x, w); });
}

bool ends_with(std::string_view s, std::string_view tail) {
    return s.size() >= tail.size() && iequals(s.substr(s.size() - tail.size()), tail);
}

std::string fmt_attr_expected(std::string_view attr, std::string_view what) {
    return std::string(attr.empty() ? std::string_view("value") : attr) + ": expected " + std::string(what);
}

reading wrong(std::string why) {
    reading r;
    r.bad = drop_reason::wrong_type;
    r.why = std::move(why);
    return r;
}

reading from_bool(bool b) {
    reading r;
    r.sig = b ? signal::active : signal::inactive;
    return r;
}

reading compare_with_active(const json& v, const std::string& want, std::string_view attr) {
    // `active` as a truth word ("true", "on", "1") also matches booleans and numbers.
    auto truth = parse_number(want) ? std::optional<bool>(*parse_number(want) != 0)
                 : iequals(want, "true") || iequals(want, "on")   ? std::optional<bool>(true)
                 : iequals(want, "false") || iequals(want, "off") ? std::optional<bool>(false)
                                                                  : std::nullopt;
    if (v.is_boolean()) return from_bool(truth && v.get<bool>() == *truth);
    if (v.is_number()) {
        auto n = json_number(v);
        auto w = parse_number(want);
        if (!n) return wrong(fmt_attr_expected(attr, "a finite number"));
        reading r = from_bool(w ? *n == *w : truth && (*n != 0) == *truth);
        r.value = n;
        return r;
    }
    if (v.is_string()) return from_bool(iequals(trim(v.get_ref<const std::string&>()), trim(want)));
    return wrong(fmt_attr_expected(attr, "a value to compare with `active`"));
}

}  // namespace

bool is_press_word(std::string_view w) noexcept {
    w = trim(w);
    if (w.empty() || in(inactive_words, w)) return false;
    return !(ends_with(w, "release") || ends_with(w, "stop") || iequals(w, "clear"));
}

/// A momentary kind's string value is a status (a level: "fall", "fall_alarm", "alarm") unless it
/// comes from an action/event attribute or is an event word ("single", "SINGLE", "TOGGLE").
/// zigbee2mqtt repeats a cached status in every message, so only its change to active presses.
bool is_status_word(std::string_view attr, std::string_view w) {
    const bool event_attr = iequals(attr, "action") || iequals(attr, "event") || iequals(attr, "click") ||
                            ends_with(attr, "_action");
    return !event_attr && !in(event_words, trim(w));
}

reading interpret(const json& v, const config::sensor_spec& s, std::string_view attr) {
    if (v.is_null()) return {};
    const bool momentary = is_momentary_kind(s.kind);
    if (s.kind == sensor_kind::temperature) {
        auto n = json_number(v);
        if (!n) return wrong(fmt_attr_expected(attr, "a number"));
        reading r;
        r.sig = signal::active;
        r.value = n;
        return r;
    }
    if (s.threshold) {
        auto n = json_number(v);
        if (!n) return wrong(fmt_attr_expected(attr, "a number"));
        reading r = from_bool(*n >= *s.threshold);
        r.value = n;
        r.level = momentary;
        return r;
    }
    if (s.active) {
        reading r = compare_with_active(v, *s.active, attr);
        r.level = momentary && (v.is_boolean() || v.is_number() ||
                                (v.is_string() && is_status_word(attr, v.get_ref<const std::string&>())));
        return r;
    }
    // The contact of a reed switch is true when closed: a door is "active" when open. A bed or chair
    // pad closes its contact under weight, so there contact true is occupied.
    const bool invert =
        iequals(attr, "contact") && s.kind != sensor_kind::bed && s.kind != sensor_kind::chair;
    auto result = [&](bool active) {
        reading r = from_bool(invert ? !active : active);
        r.level = momentary;
        return r;
    };
    if (v.is_boolean()) return result(v.get<bool>());
    if (v.is_number()) {
        auto n = json_number(v);
        if (!n) return wrong(fmt_attr_expected(attr, "a finite number"));
        return result(*n != 0);
    }
    if (v.is_string()) {
        auto w = trim(v.get_ref<const std::string&>());
        if (in(active_words, w)) return result(true);
        if (in(inactive_words, w)) return result(false);
        if (momentary) {
            if (!is_press_word(w)) return {};
            reading r = from_bool(true);
            r.level = is_status_word(attr, w);
            return r;
        }
        if (in(neutral_words, w)) return {};
        return wrong(fmt_attr_expected(attr, "a state word (ON/OFF, true/false, open/close)"));
    }
    return wrong(fmt_attr_expected(attr, "a boolean or a state word"));
}

bool apply(sensor_event& ev, const reading& r, outcome& out) {
    if (r.bad != drop_reason::none) {
        out.dropped = r.bad;
        out.detail = r.why;
        return false;
    }
    ev.signal = r.sig;
    if (r.level) out.level = r.sig == signal::active;
    // A pendant, pull cord or button has no "released" state worth reporting.
    if (is_momentary_kind(ev.kind) && ev.signal == signal::inactive) ev.signal = signal::none;
    if (r.value) ev.value = r.value;
    return true;
}

void set_battery(const json& v, sensor_event& ev, outcome& out) {
    if (v.is_null()) return;
    auto n = json_number(v);
    if (!n || !v.is_number() || *n < 0 || *n > 100) {
        out.partial = true;
        out.detail = "battery: expected a percentage";
        return;
    }
    ev.battery = static_cast<int>(std::lround(*n));
}

void read_health(const json& obj, sensor_event& ev, outcome& out, std::string_view battery_key,
                 std::string_view link_key) {
    if (!obj.is_object()) return;
    auto get = [&](std::string_view key) -> const json* {
        auto it = obj.find(std::string(key));
        return it == obj.end() || it->is_null() ? nullptr : &*it;
    };
    // OpenMQTTGateway / Theengs call the percentage `batt` and the flag `lowbatt`.
    if (auto* b = get(battery_key))
        set_battery(*b, ev, out);
    else if (auto* omg = get("batt"))
        set_battery(*omg, ev, out);
    for (auto key : {"battery_low", "lowbatt"}) {
        auto* b = get(key);
        if (!b) continue;
        if (b->is_boolean())
            ev.battery_low = b->get<bool>();
        else {
            out.partial = true;
            out.detail = std::string(key) + ": expected a boolean";
        }
    }
    // Tuya devices report a level word instead of (or beside) a percentage that may stay at 100.
    if (auto* st = get("battery_state"); st && st->is_string()) {
        const auto& w = st->get_ref<const std::string&>();
        if (iequals(w, "low"))
            ev.battery_low = true;
        else if (iequals(w, "middle") || iequals(w, "medium") || iequals(w, "high"))
            ev.battery_low = ev.battery_low.value_or(false);
    }
    if (auto* t = get("test"); t && t->is_boolean()) ev.test = t->get<bool>();
    if (auto* t = get("tamper")) {
        if (t->is_boolean())
            ev.tamper = t->get<bool>();
        else {
            out.partial = true;
            out.detail = "tamper: expected a boolean";
        }
    }
    if (auto* l = get(link_key)) {
        auto n = l->is_number() ? json_number(*l) : std::nullopt;
        if (n && *n >= -1000 && *n <= 100000)
            ev.link = static_cast<int>(std::lround(*n));
        else {
            out.partial = true;
            out.detail = std::string(link_key) + ": expected a number";
        }
    }
}

// ---- simulate helpers ----

json sim_value(const config::sensor_spec& s, const sim_request& req, std::string_view attr) {
    if (req.ask == sim_request::what::number) return req.number;
    const bool on = req.sig == signal::active;
    if (s.threshold) return on ? *s.threshold : *s.threshold - 1.0;
    if (s.active) {
        const std::string& a = *s.active;
        if (auto n = parse_number(a)) return on ? *n : (*n == 0 ? 1.0 : 0.0);
        if (iequals(a, "true")) return on;
        if (iequals(a, "false")) return !on;
        if (on) return a;
        // The opposite word in the same spelling family.
        static constexpr std::array<std::pair<const char*, const char*>, 6> pairs{{{"on", "off"},
                                                                                   {"open", "closed"},
                                                                                   {"yes", "no"},
                                                                                   {"wet", "dry"},
                                                                                   {"alarm", "clear"},
                                                                                   {"occupied", "vacant"}}};
        for (auto [x, y] : pairs) {
            auto cased = [&](const char* w) {
                std::string out(w);
                if (!a.empty() && std::isupper(static_cast<unsigned char>(a[0])))
                    for (auto& c : out) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
                return out;
            };
            if (iequals(a, x)) return cased(y);
            if (iequals(a, y)) return cased(x);
        }
        return "not-" + a;
    }
    const bool invert =
        iequals(attr, "contact") && s.kind != sensor_kind::bed && s.kind != sensor_kind::chair;
    return invert ? !on : on;
}

void cannot(const config::sensor_spec& s, std::string_view why) {
    throw std::invalid_argument("sensor '" + s.id + "': " + std::string(why));
}

std::string iso_now() {
    return format_time(now_ms());
}

// ---- discovery ----

std::optional<bool> discovery_online_word(std::string_view payload) {
    auto j = json::parse(payload, nullptr, false);
    if (!j.is_discarded() && j.is_object()) {
        auto st = j.find("state");
        if (st != j.end() && st->is_string()) return discovery_online_word(st->get<std::string>());
        return std::nullopt;
    }
    std::string w;
    for (char c : payload)
        if (c != ' ' && c != '\t' && c != '\r' && c != '\n' && c != '"')
            w += static_cast<char>(std::tolower(c));
    if (w == "online" || w == "true" || w == "1") return true;
    if (w == "offline" || w == "false" || w == "0") return false;
    return std::nullopt;
}

std::optional<int> json_int(const json& j, std::string_view key) {
    auto it = j.find(key);
    if (it == j.end()) return std::nullopt;
    if (it->is_number()) {
        double v = it->get<double>();
        if (std::isfinite(v)) return static_cast<int>(std::lround(v));
    }
    return std::nullopt;
}

std::vector<std::string> no_filters(const std::vector<config::sensor_spec>&) {
    return {};
}

std::vector<std::string> no_sensor_filters(const config::sensor_spec&) {
    return {};
}

}  // namespace warden::sensors::detail
