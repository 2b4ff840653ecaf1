// GET /api/stream: server-sent events (new and changed alerts, hub changes) for a logged-in console.
#include <spdlog/spdlog.h>

#include "routes.hpp"

namespace warden::centre::http {

void stream_routes(route_table& t) {
    auto& api = t.api();
    t.server().Get("/api/stream", [&api](const request& req, response& res) {
        std::optional<caller> c;
        try {
            c = authorise(api, req, res, any_role, false);
        } catch (const std::exception& e) {
            api.log->error("stream auth failed error=\"{}\"", e.what());
            return error(res, 500, "internal error");
        }
        if (!c) return;
        // Operators and supervisors draw on a pool of their own: other roles' streams never refuse them.
        sse_refusal why = sse_refusal::none;
        auto sub =
            api.events.subscribe(alert_readers.has(c->who), c->session.token_hash, c->session.user,
                                 alert_handlers.has(c->who) ? sse_pool::handlers : sse_pool::others, &why);
        if (why == sse_refusal::session_limit || why == sse_refusal::user_limit)
            return error(res, 429,
                         why == sse_refusal::session_limit ? "too many event streams for this login"
                                                           : "too many event streams for this user");
        if (!sub) return error(res, 503, "too many event streams");
        res.set_header("Cache-Control", "no-store");
        res.set_header("X-Accel-Buffering", "no");
        using steady = std::chrono::steady_clock;
        std::chrono::milliseconds ping = api.opts.sse_ping;
        // The stream lives no longer than its session. Logout and an admin's change close it at once
        // (end_session, end_user); expiry is noticed here: at the session's absolute end, and at least
        // once per ping interval (idle expiry, or a session deleted some other way).
        auto ends = steady::now() + std::chrono::duration_cast<steady::duration>(
                                        c->session.created + api.opts.session_lifetime - api.now());
        res.set_chunked_content_provider(
            "text/event-stream",
            [&api, sub, ping, ends, next_check = steady::now() + ping, first = true](
                size_t, httplib::DataSink& sink) mutable {
                std::string out;
                if (first) {
                    first = false;
                    out = "retry: 2000\n: connected\n\n";
                } else {
                    std::vector<sse_event> evs;
                    auto wait = std::min(ping, std::chrono::ceil<std::chrono::milliseconds>(
                                                   std::max(ends - steady::now(), steady::duration::zero())));
                    switch (sub->wait(evs, wait)) {
                        case sse_subscriber::wait_result::closed:
                            return false;
                        case sse_subscriber::wait_result::timeout:
                            // A named event (a comment line never reaches a page's script), with the
                            // interval, so a client can tell a stalled stream from a quiet one.
                            out = fmt::format("event: ping\ndata: {{\"at\":\"{}\",\"every_ms\":{}}}\n\n",
                                              format_time(api.now()), ping.count());
                            break;
                        case sse_subscriber::wait_result::events:
                            for (const auto& e : evs)
                                out += "event: " + e.name + "\ndata: " + e.data + "\n\n";
                            break;
                    }
                    auto now = steady::now();
                    if (now >= ends) return false;
                    if (now >= next_check) {
                        next_check = now + ping;
                        try {
                            if (!api.db.find_session(sub->session(), api.now())) return false;
                        } catch (const std::exception& e) {
                            // The database is in trouble, not the session: keep the stream.
                            api.log->warn("stream session check failed error=\"{}\"", e.what());
                        }
                    }
                }
                return sink.write(out.data(), out.size());
            },
            [&api, sub](bool) { api.events.unsubscribe(sub); });
    });
}

}  // namespace warden::centre::http
