// GET /api/hubs, GET /api/hubs/<id>, POST /api/hubs/<id>/test, .../away, .../disable, .../enable.
#include <future>

#include <spdlog/spdlog.h>

#include "routes.hpp"
#include "warden/centre/json.hpp"

namespace warden::centre::http {

namespace {

/// Sends `cmd` to the hub over MQTT, waits up to 5 s for the broker to take it, audits it as `action`.
void command(api_context& api, response& res, const caller& c, const std::string& hub, nlohmann::json cmd,
             const std::string& action) {
    if (!api.db.get_hub(hub)) return error(res, 404, "no such hub");
    auto id = "c-" + random_hex(8);
    cmd["id"] = id;
    auto result = std::make_shared<std::promise<bool>>();
    auto fut = result->get_future();
    api.send(hub, cmd, [result](bool ok) { result->set_value(ok); });
    bool ok = fut.wait_for(std::chrono::seconds{5}) == std::future_status::ready && fut.get();
    api.audit(c.session.user, action, hub, cmd.dump() + (ok ? "" : " (not delivered)"));
    if (!ok) return error(res, 503, "the centre broker did not take the command; try again");
    api.log->info("command sent hub={} cmd={} request={}", hub, cmd.value("cmd", ""), id);
    reply(res, 202, {{"id", id}, {"hub", hub}, {"cmd", cmd["cmd"]}, {"sent", true}});
}

}  // namespace

void hub_routes(route_table& t) {
    auto& api = t.api();
    t.get("/api/hubs", everyone, [&api](const request&, response& res, const caller& c) {
        auto cl = caseload_of(api, c);
        auto j = nlohmann::json::array();
        for (const auto& h : api.db.list_hubs())
            if (may_see_hub(api, cl, h.id)) {  // care: their caseload's only
                j.push_back(to_json(h));
                j.back()["household"] = household_link(api, h.id);
            }
        reply(res, 200, j);
    });
    t.get(R"(/api/hubs/([A-Za-z0-9._-]{1,64}))", everyone,
          [&api](const request& req, response& res, const caller& c) {
              auto h = api.db.get_hub(req.matches[1]);
              if (!h || !may_see_hub(api, caseload_of(api, c), h->id)) return error(res, 404, "no such hub");
              auto j = to_json(*h);
              j["household"] = household_link(api, h->id);
              reply(res, 200, j);
          });
    t.post(R"(/api/hubs/([A-Za-z0-9._-]{1,64})/test)", testers,
           [&api](const request& req, response& res, const caller& c) {
               command(api, res, c, req.matches[1], {{"cmd", "test"}}, "hub_test");
           });
    t.post(R"(/api/hubs/([A-Za-z0-9._-]{1,64})/away)", away_setters,
           [&api](const request& req, response& res, const caller& c) {
               auto j = body_json(req, res);
               if (!j) return;
               auto on = j->find("on");
               if (on == j->end() || !on->is_boolean())
                   return error(res, 400, "body must be {\"on\":true|false}");
               // The operator's name rides with the command: the hub reports who set away mode.
               command(api, res, c, req.matches[1],
                       {{"cmd", "away"}, {"on", on->get<bool>()}, {"user", c.session.user}}, "hub_away");
           });
    // A stolen or misbehaving hub: its messages are refused (not stored, not acked) until enabled.
    for (bool disable : {true, false}) {
        t.post(disable ? R"(/api/hubs/([A-Za-z0-9._-]{1,64})/disable)"
                       : R"(/api/hubs/([A-Za-z0-9._-]{1,64})/enable)",
               admins, [&api, disable](const request& req, response& res, const caller& c) {
                   std::string hub = req.matches[1];
                   auto r = api.db.set_hub_disabled(hub, disable, c.session.user, api.now());
                   if (r == change_result::not_found) return error(res, 404, "no such hub");
                   if (r == change_result::conflict)
                       return error(res, 409,
                                    disable ? "the hub is disabled already" : "the hub is not disabled");
                   api.log->warn("hub {} hub={} by={}", disable ? "disabled" : "enabled", hub,
                                 c.session.user);
                   publish_hub_event(api.db, api.events, hub);
                   auto h = api.db.get_hub(hub);
                   reply(res, 200, h ? to_json(*h) : nlohmann::json::object());
               });
    }
}

}  // namespace warden::centre::http
