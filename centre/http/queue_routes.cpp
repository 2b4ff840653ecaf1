// GET /api/queue (one group per home), POST /api/queue/<hub>/acknowledge and .../resolve (a home's
// group at once), and the call's own actions: POST /api/alerts/<id>/notes, .../hold, .../supervisor,
// .../responders (a care circle member's outcome) and .../steps (a procedure step done).
#include <algorithm>

#include <spdlog/spdlog.h>

#include "routes.hpp"
#include "warden/centre/json.hpp"

namespace warden::centre::http {

namespace {

constexpr const char* hub_path = R"(/api/queue/([A-Za-z0-9._-]{1,200})/)";
constexpr std::size_t max_group_ids = 5000;
constexpr std::size_t max_note = 2000;
constexpr std::size_t max_name = 200;

/// A responder's outcome as the operator records it, and how the history says it.
constexpr std::pair<const char*, const char*> responder_outcomes[] = {
    {"no_answer", "no answer"},
    {"on_the_way", "on the way"},
    {"declined", "declined"},
    {"left_message", "left a message"},
};

/// The body's "ids": 1..max_group_ids strings, or nullopt with a 400 written.
std::optional<std::vector<std::string>> group_ids(const nlohmann::json& body, response& res) {
    auto it = body.find("ids");
    if (it == body.end() || !it->is_array() || it->empty() || it->size() > max_group_ids) {
        error(res, 400, "ids must be a list of 1 to 5000 alert ids (the group's alerts the operator saw)");
        return std::nullopt;
    }
    std::vector<std::string> ids;
    for (const auto& v : *it) {
        if (!v.is_string() || v.get_ref<const std::string&>().empty() ||
            v.get_ref<const std::string&>().size() > 200) {
            error(res, 400, "ids must be alert id strings");
            return std::nullopt;
        }
        ids.push_back(v.get<std::string>());
    }
    std::sort(ids.begin(), ids.end());
    ids.erase(std::unique(ids.begin(), ids.end()), ids.end());
    return ids;
}

/// {"done":[ids], "skipped":[{"id","reason"}]}, and every alert done sent to the consoles.
void answer_group(api_context& api, response& res, const group_result& r) {
    auto skipped = nlohmann::json::array();
    for (const auto& [id, why] : r.skipped) skipped.push_back({{"id", id}, {"reason", why}});
    for (const auto& id : r.done) publish_alert_event(api.db, api.events, id);
    reply(res, 200, {{"done", r.done}, {"skipped", skipped}});
}

/// A change of one alert: 404, 409, or the alert as it is now.
void answer_one(api_context& api, response& res, change_result r, const std::string& id,
                const char* conflict) {
    if (r == change_result::conflict) return error(res, 409, conflict);
    if (r == change_result::not_found) return error(res, 404, "no such alert");
    publish_alert_event(api.db, api.events, id);
    auto a = api.db.get_alert(id);
    reply(res, 200, a ? to_json(*a) : nlohmann::json::object());
}

/// The body's "note" (at most max_note characters), or nullopt with a 400 written.
std::optional<std::string> note_of(const nlohmann::json& body, response& res, const char* key,
                                   bool required) {
    auto note = string_or(body, key);
    if (note.size() > max_note) {
        error(res, 400, std::string(key) + " is longer than 2000 characters");
        return std::nullopt;
    }
    if (required && note.find_first_not_of(" \t\r\n") == std::string::npos) {
        error(res, 400, std::string(key) + " must not be empty");
        return std::nullopt;
    }
    return note;
}

}  // namespace

bool read_alert_filters(api_context& api, const request& req, response& res, alert_query& q) {
    auto param = [&](const char* name) -> std::optional<std::string> {
        if (!req.has_param(name) || req.get_param_value(name).empty()) return std::nullopt;
        return req.get_param_value(name).substr(0, 200);
    };
    q.hub = param("hub");
    q.text = param("q");
    q.type = param("type");
    if (auto k = param("kind")) {
        if (*k == "calls")
            q.kind = alert_kind::calls;
        else if (*k == "technical")
            q.kind = alert_kind::technical;
        else if (*k != "all") {
            error(res, 400, "kind must be calls, technical or all");
            return false;
        }
    }
    if (auto p = param("priority")) {
        q.prio = parse_priority(*p);
        if (!q.prio) {
            error(res, 400, "priority must be critical, high, normal or low");
            return false;
        }
    }
    q.now = api.now();
    return true;
}

std::string conflict_text(api_context& api, const std::string& id, const std::string& fallback) {
    auto a = api.db.get_alert(id);
    if (!a) return fallback;
    if (a->status == alert_status::resolved && a->resolved_by)
        return "already resolved by " + *a->resolved_by + " at " + format_time(*a->resolved_at);
    if (a->status == alert_status::acknowledged && a->acknowledged_by)
        return "already taken by " + *a->acknowledged_by + " at " + format_time(*a->acknowledged_at);
    return fallback;
}

void queue_routes(route_table& t) {
    auto& api = t.api();
    t.get("/api/queue", alert_readers, [&api](const request& req, response& res, const caller&) {
        alert_query q;
        if (!read_alert_filters(api, req, res, q)) return;
        q.limit = int_param(req, "limit", 1000, 1, 1000);
        auto groups = nlohmann::json::array();
        std::int64_t alerts = 0, untaken = 0, critical = 0;
        for (const auto& g : api.db.queue_groups(q)) {
            alerts += g.count;
            untaken += g.untaken;
            critical += g.critical_untaken;
            groups.push_back(to_json(g));
        }
        reply(res, 200,
              {{"groups", groups},
               {"alerts", alerts},
               {"untaken", untaken},
               {"critical_untaken", critical},
               {"now", format_time(q.now)}});
    });
    t.post((std::string(hub_path) + "acknowledge").c_str(), alert_handlers,
           [&api](const request& req, response& res, const caller& c) {
               auto j = body_json(req, res);
               if (!j) return;
               auto ids = group_ids(*j, res);
               if (!ids) return;
               std::string hub = req.matches[1];
               auto r = api.db.acknowledge_group(hub, *ids, c.session.user, api.now());
               api.log->info("group acknowledged hub={} alerts={} skipped={}", hub, r.done.size(),
                             r.skipped.size());
               answer_group(api, res, r);
           });
    t.post((std::string(hub_path) + "resolve").c_str(), alert_handlers,
           [&api](const request& req, response& res, const caller& c) {
               auto j = body_json(req, res);
               if (!j) return;
               auto ids = group_ids(*j, res);
               if (!ids) return;
               auto outcome = string_or(*j, "outcome");
               const auto& outs = alert_outcomes();
               if (std::find(outs.begin(), outs.end(), outcome) == outs.end())
                   return error(res, 400, "outcome must be one of GET /api/outcomes");
               auto note = note_of(*j, res, "note", false);
               if (!note) return;
               std::string hub = req.matches[1];
               auto r = api.db.resolve_group(hub, *ids, c.session.user, outcome, *note, api.now());
               api.log->info("group resolved hub={} outcome={} alerts={} skipped={}", hub, outcome,
                             r.done.size(), r.skipped.size());
               answer_group(api, res, r);
           });
    t.post(R"(/api/alerts/([A-Za-z0-9._-]{1,200})/notes)", alert_handlers,
           [&api](const request& req, response& res, const caller& c) {
               auto j = body_json(req, res);
               if (!j) return;
               auto note = note_of(*j, res, "note", true);
               if (!note) return;
               std::string id = req.matches[1];
               answer_one(api, res, api.db.add_note(id, c.session.user, *note, api.now()), id, "");
           });
    t.post(R"(/api/alerts/([A-Za-z0-9._-]{1,200})/responders)", alert_handlers,
           [&api](const request& req, response& res, const caller& c) {
               auto j = body_json(req, res);
               if (!j) return;
               auto name = string_or(*j, "name");
               if (name.find_first_not_of(" \t") == std::string::npos || name.size() > max_name)
                   return error(res, 400, "name: the responder's name (1 to 200 characters)");
               auto outcome = string_or(*j, "outcome");
               const char* said = nullptr;
               for (const auto& [key, words] : responder_outcomes)
                   if (outcome == key) said = words;
               if (!said)
                   return error(res, 400, "outcome must be no_answer, on_the_way, declined or left_message");
               auto phone = string_or(*j, "phone");
               if (phone.size() > 40) return error(res, 400, "phone is longer than 40 characters");
               std::string id = req.matches[1];
               auto detail = name + (phone.empty() ? "" : " (" + phone + ")") + ": " + said;
               answer_one(api, res, api.db.add_call_entry(id, c.session.user, "responder", detail, api.now()),
                          id, "");
           });
    t.post(R"(/api/alerts/([A-Za-z0-9._-]{1,200})/steps)", alert_handlers,
           [&api](const request& req, response& res, const caller& c) {
               auto j = body_json(req, res);
               if (!j) return;
               std::string id = req.matches[1];
               auto a = api.db.get_alert(id);
               if (!a) return error(res, 404, "no such alert");
               auto proc = api.opts.procedures.find(a->a.type);
               auto count = proc == api.opts.procedures.end() ? 0 : proc->second.size();
               auto step = j->contains("step") && (*j)["step"].is_number_integer()
                               ? (*j)["step"].get<std::int64_t>()
                               : 0;
               if (step < 1 || static_cast<std::size_t>(step) > count)
                   return error(res, 400,
                                "step must be the number of one of the procedure's steps (1 to " +
                                    std::to_string(count) + ")");
               auto detail = std::to_string(step) + ". " + proc->second[static_cast<std::size_t>(step) - 1];
               answer_one(api, res, api.db.add_call_entry(id, c.session.user, "step", detail, api.now()), id,
                          "");
           });
    t.post(R"(/api/alerts/([A-Za-z0-9._-]{1,200})/hold)", alert_handlers,
           [&api](const request& req, response& res, const caller& c) {
               auto j = body_json(req, res);
               if (!j) return;
               auto now = api.now();
               std::optional<time_point> until;
               if (j->contains("minutes") && (*j)["minutes"].is_number_integer()) {
                   auto m = (*j)["minutes"].get<std::int64_t>();
                   if (m >= 1 && m <= 24 * 60) until = now + std::chrono::minutes{m};
               } else if (j->contains("until")) {
                   until = parse_time(string_or(*j, "until"));
                   if (until && (*until <= now || *until > now + std::chrono::hours{24})) until.reset();
               }
               if (!until)
                   return error(
                       res, 400,
                       "give the call-back time as minutes (1 to 1440) or until (a time within 24 h)");
               auto note = note_of(*j, res, "note", false);
               if (!note) return;
               std::string id = req.matches[1];
               answer_one(api, res, api.db.hold(id, c.session.user, *until, *note, now), id,
                          "the alert is resolved");
           });
    t.post(R"(/api/alerts/([A-Za-z0-9._-]{1,200})/supervisor)", alert_handlers,
           [&api](const request& req, response& res, const caller& c) {
               auto j = body_json(req, res);
               if (!j) return;
               auto reason = note_of(*j, res, "reason", true);
               if (!reason) return;
               std::string id = req.matches[1];
               auto r = api.db.refer_to_supervisor(id, c.session.user, *reason, api.now());
               if (r == change_result::ok) api.log->info("alert escalated to a supervisor alert={}", id);
               answer_one(api, res, r, id, "the alert is resolved or with a supervisor already");
           });
}

}  // namespace warden::centre::http
