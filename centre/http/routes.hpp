#pragma once
/// What the route files share (private to centre/http): the state every handler reads, the role sets,
/// the session check with CSRF, JSON replies and the audit. The only header that includes <httplib.h>;
/// only http_server.cpp and the *_routes.cpp files include it.
///
/// To add an endpoint: a handler in the resource's *_routes.cpp (or a new file with one registration
/// function, called from http_server::routes), and its line in http_server.hpp's route table.
///
/// Thread rules: handlers run on cpp-httplib's worker threads, several at once; everything here is
/// safe to use from them (the store serialises, the limiters lock, the rest is read-only).

#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <semaphore>
#include <string>

#include <httplib.h>
#include <nlohmann/json.hpp>

#include "warden/centre/auth.hpp"
#include "warden/centre/events.hpp"
#include "warden/centre/http_server.hpp"
#include "warden/centre/metrics.hpp"
#include "warden/centre/store.hpp"

namespace warden::centre::http {

using request = httplib::Request;
using response = httplib::Response;

/// Who may call what (SPEC 5); http_server.hpp lists the routes with these.
inline constexpr roles any_role{role::operator_, role::supervisor, role::technician, role::admin};
inline constexpr roles alert_readers{role::operator_, role::supervisor, role::technician};
inline constexpr roles alert_handlers{role::operator_, role::supervisor};
inline constexpr roles supervisors{role::supervisor};
inline constexpr roles reporters{role::operator_, role::supervisor};
inline constexpr roles testers{role::technician, role::supervisor, role::admin};
inline constexpr roles away_setters{role::operator_, role::supervisor, role::technician};
inline constexpr roles auditors{role::supervisor, role::admin};
inline constexpr roles admins{role::admin};
// Residents' records (docs/residents.md). `care` reads its team's caseload only: callers outside a
// route's roles get 404 when they are care (routes.cpp), and ids off their caseload are 404 too.
inline constexpr roles everyone{role::operator_, role::supervisor, role::technician, role::admin, role::care};
inline constexpr roles alert_viewers{role::operator_, role::supervisor, role::technician, role::care};
inline constexpr roles household_readers{role::operator_, role::supervisor, role::technician, role::admin,
                                         role::care};
inline constexpr roles record_editors{role::supervisor, role::admin};
inline constexpr roles key_revealers{role::operator_, role::supervisor, role::technician};
inline constexpr roles team_readers{role::supervisor, role::admin};
// Activity insights (docs/activity.md): the care professionals of the household's team and supervisors.
inline constexpr roles activity_readers{role::supervisor, role::care};

/// The logged-in caller of a guarded route.
struct caller {
    session_record session;
    role who;
};

/// The state the handlers share; owned by the http_server, outlives every handler.
struct api_context {
    http_options opts;
    store& db;
    sse_broadcaster& events;
    centre_metrics& metrics;
    command_sender send;
    std::shared_ptr<spdlog::logger> log;
    login_limiter user_limiter{5, std::chrono::seconds{30}};
    login_limiter address_limiter{20, std::chrono::seconds{30}};
    std::string dummy_hash;  ///< verified against for unknown user names, so timing reveals nothing
    /// Password checks at once (argon2id takes 64 MiB each); a login beyond them is answered 503 at once.
    std::counting_semaphore<> hashing{3};

    /// The client's address: the right-most X-Forwarded-For entry when the peer is one of
    /// opts.trusted_proxies, else the socket's peer.
    std::string client_address(const request& req) const;

    /// Wall-clock time: stored times, session expiry, the audit.
    time_point now() const;
    /// Monotonic time: login throttling.
    std::chrono::steady_clock::time_point steady_now() const;
    /// Records `action` by `who` in the audit, at now().
    void audit(const std::string& who, const std::string& action, const std::string& target,
               const std::string& detail) const;
};

/// Writes `body` as JSON with `status`.
void reply(response& res, int status, const nlohmann::json& body);
/// Writes {"error": message} with `status`.
void error(response& res, int status, const std::string& message);
/// 400 naming every bad field: {"error": "<first field>: <message>", "field": "<first field>",
/// "fields": [{"field","message"}]}.
void invalid(response& res, const std::vector<field_error>& errors);
/// The body as a JSON object ({} when empty), or nullopt with a 400 already written.
std::optional<nlohmann::json> body_json(const request& req, response& res);
/// True if the Content-Type is application/json (parameters such as charset allowed). A cross-site form
/// can only send text/plain, form-urlencoded or multipart without a CORS preflight, which we never grant.
bool is_json_request(const request& req);
/// True if the request carries no Origin header, or one whose host[:port] is the request's Host (so
/// the page that sent it was served by us, directly or through the proxy that keeps Host).
bool same_origin(const request& req);
/// j[key] if it is a string, else `fallback`.
std::string string_or(const nlohmann::json& j, const char* key, std::string fallback = {});
/// The query parameter as an int clamped to [lo, hi]; `fallback` if absent or not a number.
int int_param(const request& req, const char* name, int fallback, int lo, int hi);

/// Who is calling: the session for the cookie (its idle expiry pushed on), or nullopt with a 401/403
/// already written. `change`: the request must carry the CSRF token. Throws store_error.
std::optional<caller> authorise(api_context& api, const request& req, response& res, roles allowed,
                                bool change);

/// What households a caller may see: all of them, or (care) their team's caseload only; a care user
/// without a team sees none. Throws store_error.
struct caseload {
    bool all = true;
    std::optional<std::string> team;
    /// True if a household on `household_team`'s caseload is visible.
    bool covers(const std::optional<std::string>& household_team) const {
        return all || (team && household_team == team);
    }
};
caseload caseload_of(api_context& api, const caller& c);
/// True if the caller may see hub `hub` (care: only a hub of a household on their caseload).
bool may_see_hub(api_context& api, const caseload& cl, const std::string& hub);

/// The path of one household; its id is match 1 (household_id_of).
#define WARDEN_HOUSEHOLD_PATH R"(/api/households/([0-9]{1,15}))"
inline std::int64_t household_id_of(const request& req) {
    return std::stoll(req.matches[1]);
}
/// The household if it exists and is on the caller's caseload; nullopt (answer 404) otherwise.
std::optional<household> visible_household(api_context& api, const caller& c, std::int64_t id);
/// The reason a record was opened, for the audit: "alert <id>" when the console opened it for an
/// alert (?alert=ID), else ?context= ("caseload", "search", ...), else by role.
std::string read_context(const request& req, const caller& c);

/// The household hub `hub` belongs to, as an alert shows it: {"id","names","postcode"}, or null.
nlohmann::json household_link(api_context& api, const std::string& hub);

/// Registers routes on the server, each behind the session, role and CSRF checks. A registration
/// helper: the handlers keep a reference to the context, not to the table.
class route_table {
public:
    using handler = std::function<void(const request&, response&, const caller&)>;

    route_table(httplib::Server& server, api_context& api) : server_(server), api_(api) {}

    /// A GET for `allowed` roles.
    void get(const char* path, roles allowed, handler h);
    /// A POST for `allowed` roles that must carry the session's X-CSRF-Token header.
    void post(const char* path, roles allowed, handler h);
    /// For routes without the checks (login, the stream, operations, static files).
    httplib::Server& server() { return server_; }
    api_context& api() { return api_; }

private:
    httplib::Server::Handler guarded(roles allowed, bool change, handler h);

    httplib::Server& server_;
    api_context& api_;
};

/// Reads the alert filters GET /api/alerts and GET /api/queue share (hub, q, type, kind, priority) into
/// `q`, with q.now; false with a 400 written for a bad value. (queue_routes.cpp)
bool read_alert_filters(api_context& api, const request& req, response& res, alert_query& q);
/// Why a change of alert `id` conflicted, naming the colleague who got there first ("already taken by
/// olive at ..."), or `fallback`. (queue_routes.cpp)
std::string conflict_text(api_context& api, const std::string& id, const std::string& fallback);

/// One registration function per resource, each in its own file.
void auth_routes(route_table& t);       ///< auth_routes.cpp: login, logout, me, outcomes
void alert_routes(route_table& t);      ///< alert_routes.cpp: list, one, acknowledge, resolve, reopen
void queue_routes(route_table& t);      ///< queue_routes.cpp: the grouped queue, group actions, notes, hold
void hub_routes(route_table& t);        ///< hub_routes.cpp: hubs, test alarm, away
void user_routes(route_table& t);       ///< user_routes.cpp: users and the audit log
void stats_routes(route_table& t);      ///< stats_routes.cpp: /api/stats, /metrics, /healthz
void stream_routes(route_table& t);     ///< stream_routes.cpp: /api/stream (server-sent events)
void static_routes(route_table& t);     ///< static_routes.cpp: the console's files at /
void household_routes(route_table& t);  ///< household_routes.cpp: residents' records, key safe reveal
void team_routes(route_table& t);       ///< team_routes.cpp: teams, caseloads, care users' teams
void shift_routes(route_table& t);      ///< shift_routes.cpp: procedures, shift hand-over
void activity_routes(route_table& t);   ///< activity_routes.cpp: a household's activity, notices, report

}  // namespace warden::centre::http
