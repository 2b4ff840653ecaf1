#pragma once
/// The centre's HTTP side (cpp-httplib on its own thread pool): the JSON API of SPEC 5 and the brief,
/// login sessions, CSRF checks, roles on every route, the audit, server-sent events, /metrics,
/// /healthz and the console's static files.
///
/// Each resource registers its routes in its own file, centre/http/<resource>_routes.cpp, with the
/// shared session, role, CSRF, reply and audit helpers in centre/http/routes.hpp.
///
/// Routes and who may call them (401 without a session, 403 for another role or a POST without the
/// session's X-CSRF-Token header):
///   POST /api/login, GET /api/session, GET /metrics, GET /healthz,
///   static files                                                     anyone
///   POST /api/logout, GET /api/me, GET /api/outcomes, GET /api/alert-types,
///   GET /api/hubs, GET /api/stream                                   any logged-in user
///   GET /api/alerts, GET /api/alerts/<id>, GET /api/queue            operator, supervisor, technician
///   POST /api/alerts/<id>/acknowledge, .../resolve, .../notes,
///   .../hold, .../supervisor, POST /api/queue/<hub>/acknowledge,
///   .../resolve                                                      operator, supervisor
///   POST /api/alerts/<id>/reopen                                     supervisor
///   GET /api/stats                                                   operator, supervisor
///   POST /api/hubs/<id>/test                                         technician, supervisor, admin
///   POST /api/hubs/<id>/away                                         operator, supervisor, technician
///   GET /api/audit                                                   supervisor, admin
///   GET /api/users, POST /api/users,
///   POST /api/users/<name>/role, .../password, .../disable, .../enable admin
///   POST /api/hubs/<id>/disable, .../enable                            admin
/// Residents' records (docs/residents.md; `care` reads its team's caseload only, and is answered 404,
/// not 403, for other ids and for routes its role may not use):
///   GET /api/alerts, GET /api/alerts/<id>, GET /api/hubs/<id>          also care (caseload)
///   GET /api/households, GET /api/households/<id>, .../alerts          operator, supervisor, technician,
///                                                                     admin, care (caseload)
///   POST /api/households, POST /api/households/<id>                    supervisor, admin
///   POST /api/households/<id>/delete, .../team                         admin
///   POST /api/households/<id>/keysafe/reveal                           operator, supervisor, technician
///   GET /api/teams, GET /api/teams/<id>                                supervisor, admin
///   POST /api/teams, /api/teams/<id>, .../delete, /api/users/<name>/team admin
/// Activity insights (docs/activity.md; care: caseload only, 404 otherwise):
///   GET /api/households/<id>/activity, .../activity/report,
///   GET .../activity/settings                                          supervisor, care (caseload)
///   POST /api/households/<id>/activity/settings                        supervisor, admin

#include <functional>
#include <memory>
#include <string>
#include <thread>

#include <nlohmann/json.hpp>

#include "warden/centre/auth.hpp"
#include "warden/centre/clock.hpp"
#include "warden/centre/events.hpp"
#include "warden/centre/metrics.hpp"
#include "warden/centre/procedures.hpp"
#include "warden/centre/store.hpp"
#include "warden/config/centre_config.hpp"

namespace spdlog {
class logger;
}
namespace httplib {
class Server;
}

namespace warden::centre {
namespace http {
struct api_context;
}

/// The outcomes an operator may resolve an alert with (GET /api/outcomes).
const std::vector<std::string>& alert_outcomes();

/// Sends a command to a hub over MQTT. Callable from any thread; `done(true)` once the broker has it.
using command_sender = std::function<void(const std::string& hub, const nlohmann::json& command,
                                          std::function<void(bool)> done)>;

struct http_options {
    std::string listen = "127.0.0.1:8080";  ///< host:port ("[::1]:8080" for IPv6); port 0 picks a free one
    std::string web_root;                   ///< console files served at /
    /// Idle sessions end after this.
    milliseconds session_ttl{8 * 3'600'000};
    /// Every session ends this long after login, however busy (and so does its event stream).
    milliseconds session_lifetime{12 * 3'600'000};
    /// An idle event stream carries a `ping` event this often (config [http] stream_ping): it keeps
    /// proxies from closing the stream, and tells a client that hears nothing for longer that the
    /// stream has stalled.
    milliseconds sse_ping{15'000};
    /// Whether the centre broker is connected (any thread); /healthz answers 503 while it is not.
    std::function<bool()> broker_connected;
    /// Peers whose X-Forwarded-For is believed (the reverse proxy): for them the right-most address in
    /// that header is the client; for anyone else the socket's address is.
    std::vector<std::string> trusted_proxies;
    /// Session expiry, login throttling, the audit and stored times read it; tests inject a virtual one.
    centre_clock clock;
    /// Every alert type's procedure (GET /api/procedures): the defaults, with [procedures] over them.
    procedure_map procedures = procedures_with({});
    /// The wellbeing notices' thresholds ([activity] in centre.toml); a household's own override them.
    config::activity_thresholds activity;
};

/// Splits "host:port"; throws std::invalid_argument if malformed.
std::pair<std::string, int> parse_listen(const std::string& listen);

/// Publishes the alert's current JSON as an `alert` event (if it exists), and with `relay` tells the
/// other instances of a cluster (sse_broadcaster::relay). Any thread.
void publish_alert_event(store& db, sse_broadcaster& events, const std::string& alert_id, bool relay = true);
/// Publishes the hub's current JSON as a `hub` event (if it exists); `relay` as above. Any thread.
void publish_hub_event(store& db, sse_broadcaster& events, const std::string& hub, bool relay = true);

class http_server {
public:
    http_server(http_options opts, store& db, sse_broadcaster& events, centre_metrics& metrics,
                command_sender send, std::shared_ptr<spdlog::logger> log);
    ~http_server();
    http_server(const http_server&) = delete;
    http_server& operator=(const http_server&) = delete;

    /// Binds the listen address and starts serving on a thread of its own. Throws std::runtime_error if
    /// the address cannot be bound.
    void start();
    /// Stops accepting, ends event streams, and joins the server thread.
    void stop();
    /// The bound port.
    int port() const { return port_; }

private:
    /// Registers every resource's routes (one function each, centre/http/*_routes.cpp).
    void routes();

    std::unique_ptr<http::api_context> api_;  ///< what the handlers share (centre/http/routes.hpp)
    std::unique_ptr<httplib::Server> server_;
    std::thread thread_;
    int port_ = 0;
};

}  // namespace warden::centre
