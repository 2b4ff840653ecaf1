// GET/POST /api/teams, GET/POST /api/teams/<id>, POST .../delete, POST /api/users/<name>/team: care
// teams, their caseloads (households, assigned in household_routes.cpp) and members.
#include <spdlog/spdlog.h>

#include "routes.hpp"
#include "warden/centre/json.hpp"
#include "warden/centre/records_json.hpp"

namespace warden::centre::http {

namespace {

using nlohmann::json;

#define WARDEN_TEAM_PATH R"(/api/teams/([A-Za-z0-9._-]{1,64}))"

}  // namespace

void team_routes(route_table& t) {
    auto& api = t.api();
    t.get("/api/teams", team_readers, [&api](const request&, response& res, const caller&) {
        auto j = json::array();
        for (const auto& x : api.db.list_teams()) j.push_back(to_json(x));
        reply(res, 200, j);
    });
    t.get(WARDEN_TEAM_PATH, team_readers, [&api](const request& req, response& res, const caller&) {
        auto x = api.db.get_team(req.matches[1]);
        if (!x) return error(res, 404, "no such team");
        auto j = to_json(*x);
        j["members"] = json::array();
        for (const auto& u : api.db.list_users())
            if (api.db.user_team(u.name) == x->id) j["members"].push_back(u.name);
        j["households"] = json::array();
        for (const auto& s : api.db.list_households({.team = x->id, .limit = 1000}))
            j["households"].push_back(to_json(s));
        reply(res, 200, j);
    });
    t.post("/api/teams", admins, [&api](const request& req, response& res, const caller& c) {
        auto j = body_json(req, res);
        if (!j) return;
        team x{string_or(*j, "id"), string_or(*j, "name")};
        if (auto errors = validate(x); !errors.empty()) return invalid(res, errors);
        if (!api.db.add_team(x, c.session.user, api.now())) return error(res, 409, "that team exists");
        reply(res, 201, to_json(x));
    });
    t.post(WARDEN_TEAM_PATH, admins, [&api](const request& req, response& res, const caller& c) {
        auto j = body_json(req, res);
        if (!j) return;
        team x{req.matches[1], string_or(*j, "name")};
        if (auto errors = validate(x); !errors.empty()) return invalid(res, errors);
        if (api.db.update_team(x, c.session.user, api.now()) != change_result::ok)
            return error(res, 404, "no such team");
        reply(res, 200, to_json(x));
    });
    t.post(WARDEN_TEAM_PATH "/delete", admins, [&api](const request& req, response& res, const caller& c) {
        std::string id = req.matches[1];
        auto r = api.db.delete_team(id, c.session.user, api.now());
        if (r == change_result::not_found) return error(res, 404, "no such team");
        if (r == change_result::conflict)
            return error(res, 409, "households or users are still assigned to this team; move them first");
        reply(res, 200, {{"id", id}, {"deleted", true}});
    });
    t.post(R"(/api/users/([A-Za-z0-9._-]{1,64})/team)", admins,
           [&api](const request& req, response& res, const caller& c) {
               auto j = body_json(req, res);
               if (!j) return;
               auto it = j->find("team");
               if (it == j->end() || !(it->is_null() || it->is_string()))
                   return reply(res, 400, {{"error", "team: must be a team id or null"}, {"field", "team"}});
               std::optional<std::string> to;
               if (it->is_string()) to = it->get<std::string>();
               std::string name = req.matches[1];
               if (!api.db.find_user(name)) return error(res, 404, "no such user");
               if (to && !api.db.get_team(*to))
                   return reply(res, 400, {{"error", "team: no such team"}, {"field", "team"}});
               if (api.db.set_user_team(name, to, c.session.user, api.now()) != change_result::ok)
                   return error(res, 404, "no such user");
               api.events.end_user(name);  // a new caseload takes effect on the next request
               reply(res, 200, {{"name", name}, {"team", to ? json(*to) : json(nullptr)}});
           });
}

}  // namespace warden::centre::http
