#include "warden/common/away.hpp"

#include <array>
#include <utility>

#include <nlohmann/json.hpp>

namespace warden {

namespace {

constexpr std::array<std::pair<away_setter, std::string_view>, 5> setter_words{{
    {away_setter::unknown, "unknown"},
    {away_setter::centre, "centre"},
    {away_setter::local, "local"},
    {away_setter::ctl, "ctl"},
    {away_setter::button, "button"},
}};

std::string short_text(const nlohmann::json& j, const char* key) {
    auto it = j.find(key);
    if (it == j.end() || !it->is_string()) return {};
    const auto& s = it->get_ref<const std::string&>();
    return s.size() <= away_text_max ? s : std::string{};
}

}  // namespace

std::string_view to_string(away_setter s) noexcept {
    for (const auto& [v, word] : setter_words)
        if (v == s) return word;
    return "unknown";
}

away_setter parse_away_setter(std::string_view word) noexcept {
    for (const auto& [v, w] : setter_words)
        if (w == word) return v;
    return away_setter::unknown;
}

nlohmann::json to_json(const away_state& a) {
    nlohmann::json j{{"on", a.on}};
    if (a.since) j["since"] = format_time(*a.since);
    if (a.by != away_setter::unknown) j["by"] = std::string(to_string(a.by));
    if (!a.user.empty()) j["user"] = a.user;
    if (!a.request.empty()) j["request"] = a.request;
    return j;
}

std::optional<away_state> away_state_from_json(const nlohmann::json& j) {
    if (!j.is_object()) return std::nullopt;
    auto on = j.find("on");
    if (on == j.end() || !on->is_boolean()) return std::nullopt;
    away_state a;
    a.on = on->get<bool>();
    if (auto it = j.find("since"); it != j.end() && it->is_string())
        a.since = parse_time(it->get_ref<const std::string&>());
    if (auto it = j.find("by"); it != j.end() && it->is_string())
        a.by = parse_away_setter(it->get_ref<const std::string&>());
    a.user = short_text(j, "user");
    a.request = short_text(j, "request");
    return a;
}

}  // namespace warden
