// GET /api/stats (answer times), GET /metrics (Prometheus), GET /healthz.
#include <spdlog/spdlog.h>

#include "routes.hpp"
#include "warden/centre/json.hpp"

namespace warden::centre::http {

void stats_routes(route_table& t) {
    auto& api = t.api();
    t.get("/api/stats", reporters, [&api](const request& req, response& res, const caller&) {
        int hours = int_param(req, "hours", 24, 1, 24 * 90);
        auto now = api.now();
        auto j = answer_stats(api.db.answer_times(now - std::chrono::hours{hours}), now);
        j["hours"] = hours;
        reply(res, 200, j);
    });
    t.server().Get("/metrics", [&api](const request&, response& res) {
        try {
            res.set_content(api.metrics.render(api.db, api.events.subscribers(), api.now()),
                            "text/plain; version=0.0.4");
        } catch (const std::exception& e) {
            api.log->error("metrics failed error=\"{}\"", e.what());
            res.status = 500;
        }
    });
    t.server().Get("/healthz", [&api](const request&, response& res) {
        if (!api.db.healthy()) {
            res.status = 503;
            res.set_content("database unreachable\n", "text/plain");
        } else if (api.opts.broker_connected && !api.opts.broker_connected()) {
            res.status = 503;
            res.set_content("centre broker not connected\n", "text/plain");
        } else {
            res.set_content("ok\n", "text/plain");
        }
    });
}

}  // namespace warden::centre::http
