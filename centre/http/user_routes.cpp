// GET /api/audit, GET/POST /api/users, POST /api/users/<name>/role, .../password, .../disable, .../enable.
#include <spdlog/spdlog.h>

#include "routes.hpp"
#include "warden/centre/json.hpp"

namespace warden::centre::http {

namespace {

nlohmann::json user_json(const user_record& u) {
    return nlohmann::json{
        {"name", u.name}, {"role", u.role}, {"created", format_time(u.created)}, {"disabled", u.disabled}};
}

/// Every change ends the user's sessions (and event streams) at once, so a new role, password or a
/// disabled account takes effect on the next request, not at the next login.
void user_changed(api_context& api, response& res, change_result r, const std::string& name,
                  const std::string& by, const char* what) {
    if (r == change_result::not_found) return error(res, 404, "no such user");
    if (r == change_result::conflict)
        return error(res, 409, "that would leave no enabled admin; add or enable another admin first");
    api.events.end_user(name);
    api.log->info("user changed user={} change={} by={}", name, what, by);
    auto u = api.db.find_user(name);
    reply(res, 200, u ? user_json(*u) : nlohmann::json::object());
}

}  // namespace

void user_routes(route_table& t) {
    auto& api = t.api();
    t.get("/api/audit", auditors, [&api](const request& req, response& res, const caller&) {
        auto j = nlohmann::json::array();
        for (const auto& e : api.db.list_audit(int_param(req, "limit", 200, 1, 5000)))
            j.push_back(to_json(e));
        reply(res, 200, j);
    });
    t.get("/api/users", admins, [&api](const request&, response& res, const caller&) {
        auto j = nlohmann::json::array();
        for (const auto& u : api.db.list_users()) j.push_back(user_json(u));
        reply(res, 200, j);
    });
    t.post("/api/users", admins, [&api](const request& req, response& res, const caller& c) {
        auto j = body_json(req, res);
        if (!j) return;
        auto name = string_or(*j, "name");
        auto r = string_or(*j, "role");
        auto password = string_or(*j, "password");
        if (!is_valid_id(name)) return error(res, 400, "name must match [A-Za-z0-9._-]{1,64}");
        if (!parse_role(r))
            return error(res, 400, "role must be operator, supervisor, technician, admin or care");
        if (password.size() < 8 || password.size() > 1024)
            return error(res, 400, "password must be 8 to 1024 characters");
        // A care user sees their team's caseload only, so they belong to one (POST /api/users/<name>/team).
        auto team = string_or(*j, "team");
        if (r == "care" && team.empty()) return error(res, 400, "team: a care user belongs to a team");
        if (!team.empty() && !api.db.get_team(team)) return error(res, 400, "team: no such team");
        auto now = api.now();
        if (!api.db.add_user({name, r, hash_password(password), now}))
            return error(res, 409, "that user exists");
        api.db.audit(c.session.user, "user_add", name, "role " + r, now);
        if (!team.empty()) api.db.set_user_team(name, team, c.session.user, now);
        reply(res, 201, {{"name", name}, {"role", r}, {"created", format_time(now)}, {"disabled", false}});
    });
    t.post(R"(/api/users/([A-Za-z0-9._-]{1,64})/role)", admins,
           [&api](const request& req, response& res, const caller& c) {
               auto j = body_json(req, res);
               if (!j) return;
               auto r = string_or(*j, "role");
               if (!parse_role(r))
                   return error(res, 400, "role must be operator, supervisor, technician, admin or care");
               std::string name = req.matches[1];
               user_changed(api, res, api.db.set_user_role(name, r, c.session.user, api.now()), name,
                            c.session.user, "role");
           });
    t.post(R"(/api/users/([A-Za-z0-9._-]{1,64})/password)", admins,
           [&api](const request& req, response& res, const caller& c) {
               auto j = body_json(req, res);
               if (!j) return;
               auto password = string_or(*j, "password");
               if (password.size() < 8 || password.size() > 1024)
                   return error(res, 400, "password must be 8 to 1024 characters");
               std::string name = req.matches[1];
               user_changed(
                   api, res,
                   api.db.set_user_password(name, hash_password(password), c.session.user, api.now()), name,
                   c.session.user, "password");
           });
    for (bool disable : {true, false}) {
        t.post(disable ? R"(/api/users/([A-Za-z0-9._-]{1,64})/disable)"
                       : R"(/api/users/([A-Za-z0-9._-]{1,64})/enable)",
               admins, [&api, disable](const request& req, response& res, const caller& c) {
                   std::string name = req.matches[1];
                   user_changed(api, res, api.db.set_user_disabled(name, disable, c.session.user, api.now()),
                                name, c.session.user, disable ? "disable" : "enable");
               });
    }
}

}  // namespace warden::centre::http
