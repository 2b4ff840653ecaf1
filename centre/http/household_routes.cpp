// GET/POST /api/households, GET/POST /api/households/<id>, GET .../alerts, POST .../delete, .../team,
// .../keysafe/reveal: residents' records, what each role may see of them (docs/residents.md), the
// audit of every read and reveal.
#include <algorithm>

#include <spdlog/spdlog.h>

#include "routes.hpp"
#include "warden/centre/json.hpp"
#include "warden/centre/records_json.hpp"

namespace warden::centre::http {

namespace {

using nlohmann::json;

/// The record as the caller's role may see it: never the key safe code; technicians without the
/// medical fields, date of birth, GP and professionals; care without the access details.
json record_for(const household& h, role who) {
    auto j = to_json(h, false);
    if (who == role::technician) {
        for (auto& r : j["residents"])
            for (const char* k : {"medical_conditions", "medication_notes", "date_of_birth", "gp"})
                r.erase(k);
        j.erase("professionals");
    }
    if (who == role::care)
        for (const char* k : {"key_safe_code_set", "key_safe_location", "door_entry"}) j.erase(k);
    return j;
}

json hub_health(api_context& api, const std::vector<std::string>& hubs) {
    auto out = json::array();
    for (const auto& id : hubs) {
        auto h = api.db.get_hub(id);
        out.push_back(h ? to_json(*h) : json{{"id", id}, {"known", false}});
    }
    return out;
}

/// The household's alerts (every hub's, every state), newest first, at most `limit`.
std::vector<stored_alert> alerts_of(api_context& api, const std::vector<std::string>& hubs, int limit) {
    std::vector<stored_alert> all;
    for (const auto& hub : hubs) {
        auto some = api.db.list_alerts({.state = "all", .hub = hub, .limit = limit});
        all.insert(all.end(), some.begin(), some.end());
    }
    std::stable_sort(all.begin(), all.end(),
                     [](const auto& a, const auto& b) { return a.received_at > b.received_at; });
    if (all.size() > static_cast<std::size_t>(limit)) all.resize(static_cast<std::size_t>(limit));
    return all;
}

/// Which team's caseload a household is on decides which care professionals read it: only an admin
/// puts it on one or moves it (as POST .../team). A supervisor's edit keeps the team as it was; changing
/// it answers 403 with the field.
bool may_set_team(response& res, const caller& c, const std::optional<std::string>& was,
                  const std::optional<std::string>& wanted) {
    if (c.who == role::admin || wanted == was) return true;
    reply(res, 403,
          {{"error", "team: only an admin puts a household on a team's caseload"}, {"field", "team"}});
    return false;
}

/// The answer to a create or update.
void answer_save(api_context& api, response& res, const caller& c, const save_result& r, int ok_status,
                 const char* done) {
    if (r.status == save_status::not_found) return error(res, 404, "no such household");
    if (r.status == save_status::conflict)
        return reply(
            res, 409,
            {{"error", r.conflict->field + ": " + r.conflict->message}, {"field", r.conflict->field}});
    api.log->info("household {} household={} by={}", done, r.id, c.session.user);
    auto h = api.db.get_household(r.id);
    reply(res, ok_status, h ? record_for(*h, c.who) : json::object());
}

/// Runs a write; a store without the records key asked to write an encrypted field answers 409.
template <class F>
void writing(response& res, F f) {
    try {
        f();
    } catch (const records_locked& e) {
        error(res, 409, e.what());
    }
}

/// The parsed, validated body of a create or update, or nullopt with the 400 written.
std::optional<household> household_body(const request& req, response& res) {
    auto j = body_json(req, res);
    if (!j) return std::nullopt;
    std::vector<field_error> errors;
    auto h = household_from_json(*j, errors);
    if (errors.empty()) errors = validate(h);
    if (!errors.empty()) {
        invalid(res, errors);
        return std::nullopt;
    }
    return h;
}

}  // namespace

void household_routes(route_table& t) {
    auto& api = t.api();
    t.get("/api/households", household_readers, [&api](const request& req, response& res, const caller& c) {
        household_query q;
        auto cl = caseload_of(api, c);
        if (!cl.all && !cl.team) return reply(res, 200, json::array());  // a care user without a team
        q.team = cl.team;
        if (req.has_param("q") && !req.get_param_value("q").empty())
            q.text = req.get_param_value("q").substr(0, 200);
        if (req.has_param("team") && cl.all && !req.get_param_value("team").empty())
            q.team = req.get_param_value("team");
        q.limit = int_param(req, "limit", 200, 1, 1000);
        auto j = json::array();
        for (const auto& s : api.db.list_households(q)) j.push_back(to_json(s));
        reply(res, 200, j);
    });
    t.get(WARDEN_HOUSEHOLD_PATH, household_readers,
          [&api](const request& req, response& res, const caller& c) {
              auto h = visible_household(api, c, household_id_of(req));
              if (!h) return error(res, 404, "no such household");
              api.audit(c.session.user, "household_read", std::to_string(h->id), read_context(req, c));
              auto j = record_for(*h, c.who);
              j["hub_health"] = hub_health(api, h->hubs);
              j["alerts"] = json::array();
              for (const auto& a : alerts_of(api, h->hubs, 20)) j["alerts"].push_back(to_json(a));
              reply(res, 200, j);
          });
    t.get(WARDEN_HOUSEHOLD_PATH "/alerts", household_readers,
          [&api](const request& req, response& res, const caller& c) {
              auto h = visible_household(api, c, household_id_of(req));
              if (!h) return error(res, 404, "no such household");
              auto j = json::array();
              for (const auto& a : alerts_of(api, h->hubs, int_param(req, "limit", 50, 1, 200))) {
                  auto one = to_json(a);
                  one["history"] = json::array();
                  for (const auto& e : api.db.history(a.a.id)) one["history"].push_back(to_json(e));
                  j.push_back(std::move(one));
              }
              reply(res, 200, j);
          });
    t.post("/api/households", record_editors, [&api](const request& req, response& res, const caller& c) {
        auto h = household_body(req, res);
        if (!h) return;
        if (!may_set_team(res, c, std::nullopt, h->team)) return;
        writing(res, [&] {
            answer_save(api, res, c, api.db.create_household(*h, c.session.user, api.now()), 201, "created");
        });
    });
    t.post(WARDEN_HOUSEHOLD_PATH, record_editors, [&api](const request& req, response& res, const caller& c) {
        auto h = household_body(req, res);
        if (!h) return;
        auto id = household_id_of(req);
        auto old = api.db.get_household(id);
        if (!old) return error(res, 404, "no such household");
        // The code is never in ordinary answers, so an edit form cannot send it back: absent keeps it.
        auto j = nlohmann::json::parse(req.body, nullptr, false);
        if (!j.contains("key_safe_code")) h->key_safe_code = old->key_safe_code;
        if (!may_set_team(res, c, old->team, h->team)) return;
        writing(res, [&] {
            answer_save(api, res, c, api.db.update_household(id, *h, c.session.user, api.now()), 200,
                        "updated");
        });
    });
    t.post(WARDEN_HOUSEHOLD_PATH "/delete", admins,
           [&api](const request& req, response& res, const caller& c) {
               auto id = household_id_of(req);
               if (api.db.delete_household(id, c.session.user, api.now()) != change_result::ok)
                   return error(res, 404, "no such household");
               api.log->info("household deleted household={} by={}", id, c.session.user);
               reply(res, 200, {{"id", id}, {"deleted", true}});
           });
    t.post(WARDEN_HOUSEHOLD_PATH "/team", admins, [&api](const request& req, response& res, const caller& c) {
        auto j = body_json(req, res);
        if (!j) return;
        auto it = j->find("team");
        if (it == j->end() || !(it->is_null() || it->is_string()))
            return reply(res, 400, {{"error", "team: must be a team id or null"}, {"field", "team"}});
        std::optional<std::string> to;
        if (it->is_string()) to = it->get<std::string>();
        auto id = household_id_of(req);
        if (!api.db.get_household(id)) return error(res, 404, "no such household");
        if (to && !api.db.get_team(*to))
            return reply(res, 400, {{"error", "team: no such team"}, {"field", "team"}});
        if (api.db.assign_household(id, to, c.session.user, api.now()) != change_result::ok)
            return error(res, 404, "no such household");
        auto h = api.db.get_household(id);
        reply(res, 200, h ? to_json(summary_of(*h)) : json::object());
    });
    t.post(
        WARDEN_HOUSEHOLD_PATH "/keysafe/reveal", key_revealers,
        [&api](const request& req, response& res, const caller& c) {
            auto j = body_json(req, res);
            if (!j) return;
            auto reason = string_or(*j, "reason");
            auto alert_id = string_or(*j, "alert");
            if (reason.find_first_not_of(" \t") == std::string::npos)
                return reply(res, 400,
                             {{"error",
                               "reason: say why you need the key safe code (e.g. the alert you are "
                               "handling)"},
                              {"field", "reason"}});
            if (reason.size() > 500)
                return reply(res, 400,
                             {{"error", "reason: is longer than 500 characters"}, {"field", "reason"}});
            auto id = household_id_of(req);
            auto h = visible_household(api, c, id);
            if (!h) return error(res, 404, "no such household");
            if (!alert_id.empty()) {
                auto a = api.db.get_alert(alert_id);
                if (!a || std::find(h->hubs.begin(), h->hubs.end(), a->a.hub) == h->hubs.end())
                    return reply(res, 400,
                                 {{"error", "alert: no such alert for this household"}, {"field", "alert"}});
            }
            if (h->sealed)
                return error(res, 409,
                             "no records key is configured ([records] key_file in centre.toml): the key safe "
                             "code cannot be shown");
            if (h->key_safe_code.empty())
                return error(res, 404, "no key safe code is recorded for this household");
            api.audit(c.session.user, "keysafe_reveal", std::to_string(id),
                      (alert_id.empty() ? std::string() : "alert " + alert_id + ": ") + reason);
            api.log->info("key safe revealed household={} by={}", id, c.session.user);
            reply(res, 200,
                  {{"household", id},
                   {"key_safe_code", h->key_safe_code},
                   {"key_safe_location", h->key_safe_location}});
        });
}

}  // namespace warden::centre::http
