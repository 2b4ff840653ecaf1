// GET /api/procedures (each alert type's checklist), GET and POST /api/handover (the shift hand-over:
// the latest notes, with the calls on hold or escalated to a supervisor).
#include <spdlog/spdlog.h>

#include "routes.hpp"
#include "warden/centre/json.hpp"
#include "warden/common/alert_catalogue.hpp"

namespace warden::centre::http {

namespace {

constexpr std::size_t max_handover = 4000;

nlohmann::json to_json(const handover_note& n) {
    return {{"id", n.id}, {"at", format_time(n.at)}, {"user", n.user}, {"note", n.note}};
}

}  // namespace

void shift_routes(route_table& t) {
    auto& api = t.api();
    t.get("/api/procedures", alert_readers, [&api](const request&, response& res, const caller&) {
        auto out = nlohmann::json::array();
        for (const auto& type : alert_types()) {
            auto it = api.opts.procedures.find(type.name);
            if (it == api.opts.procedures.end()) continue;
            out.push_back({{"type", type.name}, {"label", type.label}, {"steps", it->second}});
        }
        reply(res, 200, out);
    });
    t.get("/api/handover", alert_handlers, [&api](const request& req, response& res, const caller&) {
        auto notes = nlohmann::json::array();
        for (const auto& n : api.db.handovers(static_cast<int>(int_param(req, "limit", 5, 1, 50))))
            notes.push_back(centre::http::to_json(n));
        alert_query q;
        q.state = "open";
        q.limit = 1000;
        q.now = api.now();
        auto held = nlohmann::json::array();
        auto escalated = nlohmann::json::array();
        for (const auto& a : api.db.list_alerts(q)) {
            if (a.held_until) held.push_back(centre::to_json(a));
            if (a.supervisor_at) escalated.push_back(centre::to_json(a));
        }
        reply(res, 200, {{"notes", notes}, {"held", held}, {"escalated", escalated}});
    });
    t.post("/api/handover", alert_handlers, [&api](const request& req, response& res, const caller& c) {
        auto j = body_json(req, res);
        if (!j) return;
        auto note = string_or(*j, "note");
        if (note.find_first_not_of(" \t\r\n") == std::string::npos || note.size() > max_handover)
            return error(res, 400, "note: the hand-over note (1 to 4000 characters)");
        auto now = api.now();
        auto id = api.db.add_handover(c.session.user, note, now);
        api.log->info("shift hand-over written user={} id={}", c.session.user, id);
        reply(res, 200, centre::http::to_json(handover_note{id, now, c.session.user, note}));
    });
}

}  // namespace warden::centre::http
