// GET /api/households/<id>/activity, .../activity/report, GET/POST .../activity/settings: a household's
// hourly summaries by day and hour, trends with their baseline band, wellbeing notices with their
// evidence, and the printable report (docs/activity.md). GET /api/activity/notices: the active notices
// across the caller's caseload. Care users see their caseload only (404 for any other id); every view
// is audited as a read of the record is.
#include <stdexcept>

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "routes.hpp"
#include "warden/centre/activity_json.hpp"
#include "warden/centre/activity_svg.hpp"
#include "warden/centre/records_json.hpp"

namespace warden::centre::http {

namespace {

using nlohmann::json;

/// The household's thresholds: the centre's with the household's own applied (a stored value that no
/// longer applies is ignored and logged).
activity_thresholds thresholds_of(api_context& api, std::int64_t id) {
    try {
        return with_overrides(api.opts.activity, api.db.activity_settings(id));
    } catch (const std::invalid_argument& e) {
        api.log->warn("activity settings of household={} ignored: {}", id, e.what());
        return api.opts.activity;
    }
}

/// The analysis of the last `days` days for household `id`.
activity_view view_of(api_context& api, std::int64_t id, int days, const activity_thresholds& t) {
    auto now = api.now();
    auto back = std::chrono::hours{24} * (days + activity_lookback_days(t) + 1);
    auto hours = api.db.household_activity(id, now - back, now + std::chrono::hours{1});
    return analyse_activity(hours, t, now, days);
}

/// The household's notices active now, computed from its stored hours (none without hours).
std::vector<wellbeing_notice> active_notices_of(api_context& api, std::int64_t id) {
    auto t = thresholds_of(api, id);
    auto now = api.now();
    auto hours = api.db.household_activity(id, now - std::chrono::hours{24} * notices_lookback_days(t),
                                           now + std::chrono::hours{1});
    if (hours.empty()) return {};
    return active_notices(hours, t, now);
}

int days_param(const request& req) {
    return int_param(req, "days", 14, 7, 56);
}

std::string names_of(const household& h) {
    std::string out;
    for (const auto& r : h.residents) {
        if (!out.empty()) out += ", ";
        out += r.name;
    }
    return out;
}

}  // namespace

void activity_routes(route_table& t) {
    auto& api = t.api();
    // The caseload's households that have an active notice (care: their team's; supervisors: every
    // household, or ?team=), computed on request from the stored hours, at most ?limit= households
    // looked at. Each household listed is audited `activity_notices`, as a read of its record.
    t.get("/api/activity/notices", activity_readers,
          [&api](const request& req, response& res, const caller& c) {
              household_query q;
              auto cl = caseload_of(api, c);
              q.limit = int_param(req, "limit", 200, 1, 1000);
              json out{{"households", json::array()}, {"checked", 0}, {"more", false}};
              if (!cl.all && !cl.team) return reply(res, 200, out);  // a care user without a team
              q.team = cl.team;
              if (cl.all && req.has_param("team") && !req.get_param_value("team").empty())
                  q.team = req.get_param_value("team").substr(0, 64);
              auto list = api.db.list_households(q);
              for (const auto& s : list) {
                  auto notices = active_notices_of(api, s.id);
                  if (notices.empty()) continue;
                  api.audit(c.session.user, "activity_notices", std::to_string(s.id),
                            fmt::format("{} active; caseload list", notices.size()));
                  json ns = json::array();
                  for (const auto& n : notices) ns.push_back(to_json(n));
                  out["households"].push_back({{"household", to_json(s)}, {"notices", ns}});
              }
              out["checked"] = list.size();
              out["more"] = static_cast<int>(list.size()) == q.limit;
              reply(res, 200, out);
          });
    t.get(WARDEN_HOUSEHOLD_PATH "/activity", activity_readers,
          [&api](const request& req, response& res, const caller& c) {
              auto h = visible_household(api, c, household_id_of(req));
              if (!h) return error(res, 404, "no such household");
              const int days = days_param(req);
              auto th = thresholds_of(api, h->id);
              auto v = view_of(api, h->id, days, th);
              api.audit(c.session.user, "activity_read", std::to_string(h->id),
                        fmt::format("{} days; {}", days, read_context(req, c)));
              auto j = to_json(v);
              j["household"] = h->id;
              j["days_shown"] = days;
              j["thresholds"] = to_json(th);
              json trends = json::object();
              for (const auto& tr : v.trends) trends[tr.metric] = trend_svg(tr);
              j["charts"] = {{"grid", day_hour_svg(v)}, {"trends", trends}};
              reply(res, 200, j);
          });
    t.get(WARDEN_HOUSEHOLD_PATH "/activity/report", activity_readers,
          [&api](const request& req, response& res, const caller& c) {
              auto h = visible_household(api, c, household_id_of(req));
              if (!h) return error(res, 404, "no such household");
              const int days = days_param(req);
              auto v = view_of(api, h->id, days, thresholds_of(api, h->id));
              api.audit(c.session.user, "activity_report", std::to_string(h->id),
                        fmt::format("{} days; {}", days, read_context(req, c)));
              activity_report_subject s{h->id, names_of(*h), h->postcode, c.session.user,
                                        iso_seconds(api.now())};
              res.status = 200;
              res.set_header("Cache-Control", "no-store");
              res.set_header("Content-Security-Policy",
                             "default-src 'none'; style-src 'unsafe-inline'; img-src data:; base-uri 'none'; "
                             "form-action 'none'");
              res.set_content(activity_report_html(s, v, days), "text/html; charset=utf-8");
          });
    t.get(WARDEN_HOUSEHOLD_PATH "/activity/settings", activity_readers,
          [&api](const request& req, response& res, const caller& c) {
              auto h = visible_household(api, c, household_id_of(req));
              if (!h) return error(res, 404, "no such household");
              reply(res, 200,
                    {{"centre", to_json(api.opts.activity)},
                     {"household", json::parse(api.db.activity_settings(h->id), nullptr, false)},
                     {"effective", to_json(thresholds_of(api, h->id))}});
          });
    t.post(
        WARDEN_HOUSEHOLD_PATH "/activity/settings", record_editors,
        [&api](const request& req, response& res, const caller& c) {
            auto j = body_json(req, res);
            if (!j) return;
            const auto id = household_id_of(req);
            try {
                with_overrides(api.opts.activity, j->dump());
            } catch (const std::invalid_argument& e) {
                return error(res, 400, e.what());
            }
            if (api.db.set_activity_settings(id, j->dump(), c.session.user, api.now()) != change_result::ok)
                return error(res, 404, "no such household");
            reply(res, 200, {{"household", *j}, {"effective", to_json(thresholds_of(api, id))}});
        });
}

}  // namespace warden::centre::http
