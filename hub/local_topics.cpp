#include "local_topics.hpp"

#include <algorithm>
#include <cctype>

#include <nlohmann/json.hpp>

namespace warden::hub {

namespace {
/// The state topic is republished on change at most this often.
constexpr std::chrono::milliseconds state_min_interval{1000};
}  // namespace

bool is_local_request(std::string_view t) noexcept {
    return t == topic::cancel || t == topic::away || t == topic::command;
}

std::optional<bool> parse_away(const std::string& payload) {
    std::string p = payload;
    auto j = nlohmann::json::parse(payload, nullptr, false);
    if (!j.is_discarded()) {
        if (j.is_boolean()) return j.get<bool>();
        if (j.is_object() && j.contains("on") && j["on"].is_boolean()) return j["on"].get<bool>();
        if (j.is_string())
            p = j.get<std::string>();
        else
            return std::nullopt;
    }
    std::transform(p.begin(), p.end(), p.begin(), [](unsigned char c) { return std::tolower(c); });
    while (!p.empty() && std::isspace(static_cast<unsigned char>(p.back()))) p.pop_back();
    if (p == "on" || p == "true") return true;
    if (p == "off" || p == "false") return false;
    return std::nullopt;
}

local_topics::local_topics(asio::io_context& io, mqtt::session& home, std::function<std::string()> state)
    : home_(home), state_(std::move(state)), timer_(io) {}

void local_topics::subscribe() {
    for (const char* t : {topic::cancel, topic::away, topic::command}) home_.subscribe(t, 1);
}

void local_topics::mark_state_dirty() {
    dirty_ = true;
    if (armed_ || stopping_) return;
    auto since = std::chrono::steady_clock::now() - last_;
    if (since >= state_min_interval) {
        publish_state();
        return;
    }
    armed_ = true;
    timer_.expires_after(state_min_interval - since);
    timer_.async_wait([this](std::error_code ec) {
        armed_ = false;
        if (ec || stopping_) return;
        if (dirty_) publish_state();
    });
}

void local_topics::publish(const char* t, std::string payload, bool retained) {
    if (!home_.connected()) return;
    home_.publish(t, std::move(payload), 1, retained);
}

void local_topics::stop() {
    stopping_ = true;
    timer_.cancel();
}

void local_topics::publish_state() {
    dirty_ = false;
    last_ = std::chrono::steady_clock::now();
    publish(topic::state, state_(), true);
}

}  // namespace warden::hub
