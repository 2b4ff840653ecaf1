// The helpers every route file shares: replies, body parsing, the session check with CSRF, the audit.
#include "routes.hpp"

#include <algorithm>
#include <cctype>

#include <spdlog/spdlog.h>

#include "warden/centre/json.hpp"

namespace warden::centre::http {

time_point api_context::now() const {
    return opts.clock.wall();
}

std::chrono::steady_clock::time_point api_context::steady_now() const {
    return opts.clock.steady();
}

std::string api_context::client_address(const request& req) const {
    const auto& trusted = opts.trusted_proxies;
    if (std::find(trusted.begin(), trusted.end(), req.remote_addr) == trusted.end()) return req.remote_addr;
    auto xff = req.get_header_value("X-Forwarded-For");
    // The right-most entry is the one our proxy wrote; anything before it the client may have made up.
    auto last = std::string_view(xff).substr(xff.rfind(',') == std::string::npos ? 0 : xff.rfind(',') + 1);
    while (!last.empty() && last.front() == ' ') last.remove_prefix(1);
    while (!last.empty() && last.back() == ' ') last.remove_suffix(1);
    return last.empty() ? req.remote_addr : std::string(last);
}

void api_context::audit(const std::string& who, const std::string& action, const std::string& target,
                        const std::string& detail) const {
    db.audit(who, action, target, detail, now());
}

void reply(response& res, int status, const nlohmann::json& body) {
    res.status = status;
    res.set_content(body.dump(), "application/json");
}

void error(response& res, int status, const std::string& message) {
    reply(res, status, {{"error", message}});
}

void invalid(response& res, const std::vector<field_error>& errors) {
    auto fields = nlohmann::json::array();
    for (const auto& e : errors) fields.push_back({{"field", e.field}, {"message", e.message}});
    reply(res, 400,
          {{"error", errors.front().field + ": " + errors.front().message},
           {"field", errors.front().field},
           {"fields", fields}});
}

std::optional<nlohmann::json> body_json(const request& req, response& res) {
    if (!json_within_depth(req.body)) {
        error(res, 400, "the body nests deeper than " + std::to_string(max_json_depth) + " levels");
        return std::nullopt;
    }
    auto j = nlohmann::json::parse(req.body.empty() ? std::string("{}") : req.body, nullptr, false);
    if (j.is_discarded() || !j.is_object()) {
        error(res, 400, "the body must be a JSON object");
        return std::nullopt;
    }
    return j;
}

namespace {
std::string lower(std::string_view s) {
    std::string out(s);
    std::transform(out.begin(), out.end(), out.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    return out;
}
}  // namespace

bool is_json_request(const request& req) {
    auto type = lower(req.get_header_value("Content-Type"));
    auto media = std::string_view(type).substr(0, type.find(';'));
    while (!media.empty() && media.back() == ' ') media.remove_suffix(1);
    return media == "application/json";
}

bool same_origin(const request& req) {
    if (!req.has_header("Origin")) return true;
    auto origin = lower(req.get_header_value("Origin"));
    auto host = lower(req.get_header_value("Host"));
    // "null" (sandboxed frames, file:) and anything without a scheme is foreign.
    for (std::string_view scheme : {"https://", "http://"}) {
        if (origin.starts_with(scheme)) return !host.empty() && origin.substr(scheme.size()) == host;
    }
    return false;
}

std::string string_or(const nlohmann::json& j, const char* key, std::string fallback) {
    auto it = j.find(key);
    return it != j.end() && it->is_string() ? it->get<std::string>() : fallback;
}

int int_param(const request& req, const char* name, int fallback, int lo, int hi) {
    if (!req.has_param(name)) return fallback;
    try {
        return std::clamp(std::stoi(req.get_param_value(name)), lo, hi);
    } catch (const std::exception&) {
        return fallback;
    }
}

namespace {

/// The value of the warden_session cookie, or "".
std::string session_cookie(const request& req) {
    auto header = req.get_header_value("Cookie");
    std::string_view rest = header;
    while (!rest.empty()) {
        auto semi = rest.find(';');
        auto part = rest.substr(0, semi);
        while (!part.empty() && part.front() == ' ') part.remove_prefix(1);
        if (part.starts_with("warden_session=")) return std::string(part.substr(15));
        if (semi == std::string_view::npos) break;
        rest.remove_prefix(semi + 1);
    }
    return {};
}

}  // namespace

std::optional<caller> authorise(api_context& api, const request& req, response& res, roles allowed,
                                bool change) {
    auto token = session_cookie(req);
    if (token.empty()) {
        error(res, 401, "not logged in");
        return std::nullopt;
    }
    auto& db = api.db;
    const auto& opts = api.opts;
    auto hash = token_hash(token);
    auto now = api.now();
    auto s = db.find_session(hash, now);
    auto r = s ? parse_role(s->role) : std::nullopt;
    if (s && now >= s->created + opts.session_lifetime) {
        // Past its absolute lifetime (a console refreshing every minute would otherwise never idle
        // out). Expiry already says so; this also covers sessions made under a longer lifetime.
        db.delete_session(hash);
        s.reset();
    }
    if (!s || !r) {
        error(res, 401, "session expired or unknown");
        return std::nullopt;
    }
    if (change && !equal_secrets(req.get_header_value("X-CSRF-Token"), s->csrf)) {
        error(res, 403, "missing or wrong X-CSRF-Token header");
        return std::nullopt;
    }
    if (!allowed.has(*r)) {
        // Care users see only their caseload: what they may not use does not exist for them either.
        if (*r == role::care)
            error(res, 404, "not found");
        else
            error(res, 403, "your role may not do this");
        return std::nullopt;
    }
    // Idle expiry: each use pushes the expiry on. Written at most every ttl/10 (30 s at most), so a
    // busy console does not write on every request.
    auto every = std::min<milliseconds>(std::chrono::seconds{30}, opts.session_ttl / 10);
    if (now - s->last_seen >= every)
        db.touch_session(hash, now, std::min(now + opts.session_ttl, s->created + opts.session_lifetime));
    return caller{*s, *r};
}

caseload caseload_of(api_context& api, const caller& c) {
    if (c.who != role::care) return {};
    return {false, api.db.user_team(c.session.user)};
}

bool may_see_hub(api_context& api, const caseload& cl, const std::string& hub) {
    if (cl.all) return true;
    auto h = api.db.household_of_hub(hub);
    return h && cl.covers(h->team);
}

httplib::Server::Handler route_table::guarded(roles allowed, bool change, handler h) {
    // Captures the context, not the table: the table is only a registration helper.
    return [&api = api_, allowed, change, h = std::move(h)](const request& req, response& res) {
        res.set_header("Cache-Control", "no-store");
        try {
            auto c = authorise(api, req, res, allowed, change);
            if (c) h(req, res, *c);
        } catch (const std::exception& e) {
            api.log->error("http handler failed path={} error=\"{}\"", req.path, e.what());
            error(res, 500, "internal error");
        }
    };
}

void route_table::get(const char* path, roles allowed, handler h) {
    server_.Get(path, guarded(allowed, false, std::move(h)));
}

void route_table::post(const char* path, roles allowed, handler h) {
    server_.Post(path, guarded(allowed, true, std::move(h)));
}

std::optional<household> visible_household(api_context& api, const caller& c, std::int64_t id) {
    auto h = api.db.get_household(id);
    if (!h || !caseload_of(api, c).covers(h->team)) return std::nullopt;
    return h;
}

std::string read_context(const request& req, const caller& c) {
    auto param = [&](const char* name) {
        auto v = req.has_param(name) ? req.get_param_value(name).substr(0, 200) : std::string();
        return is_valid_id(v.substr(0, 64)) && v.size() <= 64 ? v : std::string();
    };
    if (auto a = param("alert"); !a.empty()) return "alert " + a;
    if (auto ctx = param("context"); !ctx.empty()) return ctx;
    return c.who == role::care ? "caseload" : "search";
}

}  // namespace warden::centre::http
