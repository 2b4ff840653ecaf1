// GET /api/alerts, GET /api/alerts/<id>, POST .../acknowledge, .../resolve, .../reopen.
#include <algorithm>

#include <spdlog/spdlog.h>

#include "routes.hpp"
#include "warden/centre/json.hpp"

namespace warden::centre::http {

namespace {

/// The answer to a change of an alert: 404/409, or the alert as it is now (also sent to the consoles).
void answer_change(api_context& api, response& res, change_result r, const std::string& id,
                   const char* conflict) {
    if (r == change_result::not_found) return error(res, 404, "no such alert");
    if (r == change_result::conflict) return error(res, 409, conflict_text(api, id, conflict));
    publish_alert_event(api.db, api.events, id);
    auto a = api.db.get_alert(id);
    reply(res, 200, a ? to_json(*a) : nlohmann::json::object());
}

/// An alert change without a body (acknowledge, reopen): `change` in the store by the caller, at now;
/// logged as "alert <done>".
void plain_change(route_table& t, const char* path, roles allowed, const char* done, const char* conflict,
                  change_result (store::*change)(const std::string&, const std::string&, time_point)) {
    auto& api = t.api();
    t.post(path, allowed, [&api, done, conflict, change](const request& req, response& res, const caller& c) {
        std::string id = req.matches[1];
        auto r = (api.db.*change)(id, c.session.user, api.now());
        if (r == change_result::ok) api.log->info("alert {} alert={}", done, id);
        answer_change(api, res, r, id, conflict);
    });
}

}  // namespace

nlohmann::json household_link(api_context& api, const std::string& hub) {
    auto h = api.db.household_of_hub(hub);
    if (!h) return nullptr;
    return {{"id", h->id}, {"names", h->names}, {"postcode", h->postcode}};
}

void alert_routes(route_table& t) {
    auto& api = t.api();
    t.get("/api/alerts", alert_viewers, [&api](const request& req, response& res, const caller& c) {
        alert_query q;
        if (req.has_param("state")) q.state = req.get_param_value("state");
        if (q.state != "open" && q.state != "untaken" && q.state != "acknowledged" && q.state != "resolved" &&
            q.state != "all")
            return error(res, 400, "state must be open, untaken, acknowledged, resolved or all");
        if (!read_alert_filters(api, req, res, q)) return;
        q.limit = int_param(req, "limit", 200, 1, 1000);
        auto cl = caseload_of(api, c);
        if (!cl.all) {
            if (!cl.team) return reply(res, 200, nlohmann::json::array());  // care without a team: nothing
            q.team = cl.team;  // care: their caseload's only, filtered before the limit
        }
        auto j = nlohmann::json::array();
        for (const auto& a : api.db.list_alerts(q)) j.push_back(to_json(a));
        reply(res, 200, j);
    });
    t.get(R"(/api/alerts/([A-Za-z0-9._-]{1,200}))", alert_viewers,
          [&api](const request& req, response& res, const caller& c) {
              auto a = api.db.get_alert(req.matches[1]);
              if (!a || !may_see_hub(api, caseload_of(api, c), a->a.hub))
                  return error(res, 404, "no such alert");
              auto j = to_json(*a);
              j["household"] = household_link(api, a->a.hub);
              j["history"] = nlohmann::json::array();
              for (const auto& h : api.db.history(a->a.id)) j["history"].push_back(to_json(h));
              if (a->a.type == "alert_flood") {
                  // What the flood folded: its count is the alert's value; the newest are listed here.
                  j["folded"] = nlohmann::json::array();
                  for (const auto& f : api.db.folded_alerts(a->a.id, 100)) j["folded"].push_back(to_json(f));
              }
              reply(res, 200, j);
          });
    plain_change(t, R"(/api/alerts/([A-Za-z0-9._-]{1,200})/acknowledge)", alert_handlers, "acknowledged",
                 "the alert is not open (already acknowledged or resolved)", &store::acknowledge);
    t.post(R"(/api/alerts/([A-Za-z0-9._-]{1,200})/resolve)", alert_handlers,
           [&api](const request& req, response& res, const caller& c) {
               auto j = body_json(req, res);
               if (!j) return;
               std::string id = req.matches[1];
               auto outcome = string_or(*j, "outcome");
               auto note = string_or(*j, "note");
               const auto& outs = alert_outcomes();
               if (std::find(outs.begin(), outs.end(), outcome) == outs.end())
                   return error(res, 400, "outcome must be one of GET /api/outcomes");
               if (note.size() > 2000) return error(res, 400, "note is longer than 2000 characters");
               auto r = api.db.resolve(id, c.session.user, outcome, note, api.now());
               if (r == change_result::ok) api.log->info("alert resolved alert={} outcome={}", id, outcome);
               answer_change(api, res, r, id, "the alert is already resolved");
           });
    plain_change(t, R"(/api/alerts/([A-Za-z0-9._-]{1,200})/reopen)", supervisors, "reopened",
                 "only a resolved raised alert can be reopened", &store::reopen);
}

}  // namespace warden::centre::http
