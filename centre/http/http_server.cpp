// The server: its thread, listen address and the list of resources whose routes it serves.
#include "warden/centre/http_server.hpp"

#include <sys/socket.h>

#include <spdlog/spdlog.h>

#include "routes.hpp"
#include "warden/centre/json.hpp"
#include "warden/common/host_port.hpp"

namespace warden::centre {

const std::vector<std::string>& alert_outcomes() {
    static const std::vector<std::string> outcomes{"resident_ok",      "responder_sent", "ambulance",
                                                   "family_contacted", "false_alarm",    "test",
                                                   "technical_fault",  "other"};
    return outcomes;
}

std::pair<std::string, int> parse_listen(const std::string& listen) {
    auto hp = split_host_port(listen);
    if (!hp) throw std::invalid_argument("listen address must be host:port, port 0 to 65535: " + listen);
    return {hp->host.empty() ? "0.0.0.0" : hp->host, hp->port};
}

void publish_alert_event(store& db, sse_broadcaster& events, const std::string& alert_id, bool relay) {
    // Read only for someone: an instance with no console open skips the read (a storm's every alert).
    if (events.subscribers() > 0)
        if (auto a = db.get_alert(alert_id)) events.publish({"alert", to_json(*a).dump()});
    if (relay) events.relay("alert", alert_id);
}

void publish_hub_event(store& db, sse_broadcaster& events, const std::string& hub, bool relay) {
    if (events.subscribers() > 0)
        if (auto h = db.get_hub(hub)) events.publish({"hub", to_json(*h).dump()});
    if (relay) events.relay("hub", hub);
}

http_server::http_server(http_options opts, store& db, sse_broadcaster& events, centre_metrics& metrics,
                         command_sender send, std::shared_ptr<spdlog::logger> log)
    : api_(new http::api_context{.opts = std::move(opts),
                                 .db = db,
                                 .events = events,
                                 .metrics = metrics,
                                 .send = std::move(send),
                                 .log = std::move(log),
                                 .dummy_hash = hash_password(random_hex(16))}),
      server_(std::make_unique<httplib::Server>()) {
    // Event streams hold a thread each; leave plenty for ordinary requests.
    server_->new_task_queue = [] { return new httplib::ThreadPool(48); };
    server_->set_keep_alive_max_count(100);
    server_->set_read_timeout(10, 0);
    server_->set_payload_max_length(64 * 1024);
    // An exclusive bind: cpp-httplib's default sets SO_REUSEPORT, which let a second warden-centre
    // listen on the same port beside the first. SO_REUSEADDR alone still allows a restart while old
    // connections linger in TIME_WAIT, but never two listeners.
    server_->set_socket_options([](socket_t sock) {
        int yes = 1;
        ::setsockopt(sock, SOL_SOCKET, SO_REUSEADDR, &yes, sizeof yes);
    });
    routes();
}

http_server::~http_server() {
    stop();
}

void http_server::start() {
    auto [host, port] = parse_listen(api_->opts.listen);
    if (port == 0) {
        port_ = server_->bind_to_any_port(host);
        if (port_ < 0) throw std::runtime_error("cannot listen on " + api_->opts.listen);
    } else {
        if (!server_->bind_to_port(host, port))
            throw std::runtime_error("cannot listen on " + api_->opts.listen +
                                     ": the port is in use (another warden-centre?) or not allowed");
        port_ = port;
    }
    thread_ = std::thread([this] { server_->listen_after_bind(); });
    api_->log->info("http listening address={}:{}", host, port_);
}

void http_server::stop() {
    api_->events.stop();  // ends every event stream, so the pool's threads come free
    if (server_) server_->stop();
    if (thread_.joinable()) thread_.join();
}

void http_server::routes() {
    server_->set_default_headers({{"X-Content-Type-Options", "nosniff"},
                                  {"X-Frame-Options", "DENY"},
                                  {"Referrer-Policy", "no-referrer"}});
    http::route_table t(*server_, *api_);
    http::auth_routes(t);
    http::alert_routes(t);
    http::queue_routes(t);
    http::hub_routes(t);
    http::user_routes(t);
    http::stats_routes(t);
    http::stream_routes(t);
    http::household_routes(t);
    http::team_routes(t);
    http::shift_routes(t);
    http::activity_routes(t);
    http::static_routes(t);
}

}  // namespace warden::centre
