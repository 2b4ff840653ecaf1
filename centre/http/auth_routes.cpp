// POST /api/login, POST /api/logout, GET /api/me, GET /api/outcomes, GET /api/alert-types.
#include <spdlog/spdlog.h>

#include "routes.hpp"
#include "warden/centre/alert_types.hpp"

namespace warden::centre::http {

void auth_routes(route_table& t) {
    auto& api = t.api();
    t.server().Post("/api/login", [&api](const request& req, response& res) {
        res.set_header("Cache-Control", "no-store");
        // Login CSRF: a foreign page must not log the console into the attacker's session.
        if (!is_json_request(req)) return error(res, 415, "the body must be application/json");
        if (!same_origin(req)) return error(res, 403, "login from another site's page");
        try {
            auto j = body_json(req, res);
            if (!j) return;
            auto name = string_or(*j, "user");
            auto password = string_or(*j, "password");
            auto now_s = api.steady_now();
            auto from = api.client_address(req);
            auto user_key = "user:" + name, addr_key = "addr:" + from;
            auto refuse = [&res](long long wait) {
                res.set_header("Retry-After", std::to_string(std::max(wait, 1LL)));
                error(res, 429, "too many failed logins; try again later");
            };
            // Each attempt is counted before its password is checked (under the limiter's lock), so
            // parallel attempts cannot all slip under the limit (finding 5).
            long long wait = 0;
            bool clean_address = false;
            if (!api.address_limiter.reserve(addr_key, now_s, wait, &clean_address)) return refuse(wait);
            auto u = name.empty() ? std::nullopt : api.db.find_user(name);
            // The per-user limit counts only real users, so made-up names lock nobody out; and an
            // address with no failures of its own may still try a throttled user (finding 6): a flood
            // from elsewhere must not keep the operator out. Its failure blocks that address too.
            bool user_reserved = false;
            if (u) {
                long long user_wait = 0;
                user_reserved = api.user_limiter.reserve(user_key, now_s, user_wait);
                if (!user_reserved && !clean_address) {
                    api.address_limiter.refund(addr_key);
                    return refuse(user_wait);
                }
            }
            auto unreserve = [&] {
                api.address_limiter.refund(addr_key);
                if (user_reserved) api.user_limiter.refund(user_key);
            };
            if (!api.hashing.try_acquire()) {
                unreserve();
                res.set_header("Retry-After", "1");
                return error(res, 503, "busy checking other logins; try again in a second");
            }
            api.metrics.password_check_started();
            // Verify against something even for unknown names, so timing does not reveal which exist.
            bool ok = verify_password(u ? u->password_hash : api.dummy_hash, password) && u.has_value();
            api.metrics.password_check_finished();
            api.hashing.release();
            // A disabled user gets the same answer as a wrong password (after the same work).
            bool disabled = ok && u->disabled;
            ok = ok && !disabled;
            auto now = api.now();
            if (!ok) {
                if (user_reserved) api.user_limiter.failed(user_key, now_s);
                api.address_limiter.failed(addr_key, now_s);
                // An unknown name is not recorded: people type passwords into the name field.
                api.db.audit(u ? u->name : std::string("(unknown)"), "login_failed", "",
                             "from " + from + (disabled ? " (user disabled)" : ""), now);
                api.log->warn("login failed address={}", from);
                return error(res, 401, "wrong user name or password");
            }
            api.address_limiter.refund(addr_key);
            api.user_limiter.success(user_key);
            auto token = random_hex(32);
            session_record s{token_hash(token),
                             u->name,
                             u->role,
                             random_hex(16),
                             now,
                             now,
                             now + std::min(api.opts.session_ttl, api.opts.session_lifetime)};
            api.db.add_session(s);
            api.db.audit(u->name, "login", "", "from " + from, now);
            res.set_header("Set-Cookie", "warden_session=" + token + "; HttpOnly; SameSite=Strict; Path=/");
            reply(res, 200, {{"user", u->name}, {"role", u->role}, {"csrf", s.csrf}});
        } catch (const std::exception& e) {
            api.log->error("login failed error=\"{}\"", e.what());
            error(res, 500, "internal error");
        }
    });
    t.post("/api/logout", everyone, [&api](const request&, response& res, const caller& c) {
        api.db.delete_session(c.session.token_hash);
        api.events.end_session(c.session.token_hash);
        api.audit(c.session.user, "logout", "", "");
        res.set_header("Set-Cookie", "warden_session=; HttpOnly; SameSite=Strict; Path=/; Max-Age=0");
        reply(res, 200, {{"ok", true}});
    });
    t.get("/api/me", everyone, [&api](const request&, response& res, const caller& c) {
        nlohmann::json j{{"user", c.session.user}, {"role", c.session.role}, {"csrf", c.session.csrf}};
        if (c.who == role::care)
            j["team"] = caseload_of(api, c).team.value_or("");  // the console opens on it
        reply(res, 200, j);
    });
    // The console's first question at page load: the same as /api/me, but 200 {"user": null} without a
    // session, so a page opened before login logs no failed request.
    t.server().Get("/api/session", [&api = t.api()](const request& req, response& res) {
        res.set_header("Cache-Control", "no-store");
        try {
            response ignored;
            auto c = authorise(api, req, ignored, everyone, false);
            if (!c) return reply(res, 200, {{"user", nullptr}});
            reply(res, 200,
                  {{"user", c->session.user}, {"role", c->session.role}, {"csrf", c->session.csrf}});
        } catch (const std::exception& e) {
            api.log->error("http handler failed path={} error=\"{}\"", req.path, e.what());
            error(res, 500, "internal error");
        }
    });
    t.get("/api/outcomes", everyone,
          [](const request&, response& res, const caller&) { reply(res, 200, alert_outcomes()); });
    t.get("/api/alert-types", everyone,
          [](const request&, response& res, const caller&) { reply(res, 200, alert_types_json()); });
}

}  // namespace warden::centre::http
