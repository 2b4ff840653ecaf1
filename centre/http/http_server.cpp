// The one translation unit that includes <httplib.h>.
#include "warden/centre/http_server.hpp"

#include <filesystem>
#include <future>

#include <httplib.h>
#include <spdlog/spdlog.h>

#include "warden/centre/alert_types.hpp"
#include "warden/centre/json.hpp"

namespace warden::centre {

const std::vector<std::string>& alert_outcomes() {
    static const std::vector<std::string> outcomes{"resident_ok",      "responder_sent", "ambulance",
                                                   "family_contacted", "false_alarm",    "test",
                                                   "technical_fault",  "other"};
    return outcomes;
}

std::pair<std::string, int> parse_listen(const std::string& listen) {
    auto colon = listen.rfind(':');
    if (colon == std::string::npos || colon + 1 >= listen.size())
        throw std::invalid_argument("listen address must be host:port: " + listen);
    auto host = listen.substr(0, colon);
    if (host.size() >= 2 && host.front() == '[' && host.back() == ']') host = host.substr(1, host.size() - 2);
    int port = 0;
    for (char c : listen.substr(colon + 1)) {
        if (c < '0' || c > '9') throw std::invalid_argument("listen port must be a number: " + listen);
        port = port * 10 + (c - '0');
        if (port > 65535) throw std::invalid_argument("listen port out of range: " + listen);
    }
    if (host.empty()) host = "0.0.0.0";
    return {host, port};
}

void publish_alert_event(store& db, sse_broadcaster& events, const std::string& alert_id) {
    if (auto a = db.get_alert(alert_id)) events.publish({"alert", to_json(*a).dump()});
}

void publish_hub_event(store& db, sse_broadcaster& events, const std::string& hub) {
    if (auto h = db.get_hub(hub)) events.publish({"hub", to_json(*h).dump()});
}

namespace {

constexpr const char* json_type = "application/json";
constexpr roles any_role{role::operator_, role::supervisor, role::technician, role::admin};
constexpr roles alert_readers{role::operator_, role::supervisor, role::technician};
constexpr roles alert_handlers{role::operator_, role::supervisor};
constexpr roles supervisors{role::supervisor};
constexpr roles reporters{role::operator_, role::supervisor};
constexpr roles testers{role::technician, role::supervisor, role::admin};
constexpr roles away_setters{role::operator_, role::supervisor, role::technician};
constexpr roles auditors{role::supervisor, role::admin};
constexpr roles admins{role::admin};

void reply(httplib::Response& res, int status, const nlohmann::json& body) {
    res.status = status;
    res.set_content(body.dump(), json_type);
}

void error(httplib::Response& res, int status, const std::string& message) {
    reply(res, status, {{"error", message}});
}

/// The value of the warden_session cookie, or "".
std::string session_cookie(const httplib::Request& req) {
    auto header = req.get_header_value("Cookie");
    std::string_view rest = header;
    while (!rest.empty()) {
        auto semi = rest.find(';');
        auto part = rest.substr(0, semi);
        while (!part.empty() && part.front() == ' ') part.remove_prefix(1);
        if (part.starts_with("warden_session=")) return std::string(part.substr(15));
        if (semi == std::string_view::npos) break;
        rest.remove_prefix(semi + 1);
    }
    return {};
}

std::optional<nlohmann::json> body_json(const httplib::Request& req, httplib::Response& res) {
    auto j = nlohmann::json::parse(req.body.empty() ? std::string("{}") : req.body, nullptr, false);
    if (j.is_discarded() || !j.is_object()) {
        error(res, 400, "the body must be a JSON object");
        return std::nullopt;
    }
    return j;
}

std::string string_or(const nlohmann::json& j, const char* key, std::string fallback = {}) {
    auto it = j.find(key);
    return it != j.end() && it->is_string() ? it->get<std::string>() : fallback;
}

int int_param(const httplib::Request& req, const char* name, int fallback, int lo, int hi) {
    if (!req.has_param(name)) return fallback;
    try {
        return std::clamp(std::stoi(req.get_param_value(name)), lo, hi);
    } catch (const std::exception&) {
        return fallback;
    }
}

}  // namespace

http_server::http_server(http_options opts, store& db, sse_broadcaster& events, centre_metrics& metrics,
                         command_sender send, std::shared_ptr<spdlog::logger> log)
    : opts_(std::move(opts)),
      db_(db),
      events_(events),
      metrics_(metrics),
      send_(std::move(send)),
      log_(std::move(log)),
      dummy_hash_(hash_password(random_hex(16))),
      server_(std::make_unique<httplib::Server>()) {
    // Event streams hold a thread each; leave plenty for ordinary requests.
    server_->new_task_queue = [] { return new httplib::ThreadPool(48); };
    server_->set_keep_alive_max_count(100);
    server_->set_read_timeout(10, 0);
    server_->set_payload_max_length(64 * 1024);
    routes();
}

http_server::~http_server() {
    stop();
}

void http_server::start() {
    auto [host, port] = parse_listen(opts_.listen);
    if (port == 0) {
        port_ = server_->bind_to_any_port(host);
        if (port_ < 0) throw std::runtime_error("cannot listen on " + opts_.listen);
    } else {
        if (!server_->bind_to_port(host, port)) throw std::runtime_error("cannot listen on " + opts_.listen);
        port_ = port;
    }
    thread_ = std::thread([this] { server_->listen_after_bind(); });
    log_->info("http listening address={}:{}", host, port_);
}

void http_server::stop() {
    events_.stop();  // ends every event stream, so the pool's threads come free
    if (server_) server_->stop();
    if (thread_.joinable()) thread_.join();
}

void http_server::routes() {
    auto& svr = *server_;
    using req_t = const httplib::Request&;
    using res_t = httplib::Response&;
    struct ctx {
        session_record session;
        role who;
    };
    using handler = std::function<void(req_t, res_t, const ctx&)>;

    // Who is calling: the session for the cookie, or a 401/403 already written.
    auto authorise = [this](req_t req, res_t res, roles allowed, bool change) -> std::optional<ctx> {
        auto token = session_cookie(req);
        if (token.empty()) {
            error(res, 401, "not logged in");
            return std::nullopt;
        }
        auto hash = token_hash(token);
        auto now = now_ms();
        auto s = db_.find_session(hash, now);
        auto r = s ? parse_role(s->role) : std::nullopt;
        if (s && now >= s->created + opts_.session_lifetime) {
            // Past its absolute lifetime (a console refreshing every minute would otherwise never idle
            // out). Expiry already says so; this also covers sessions made under a longer lifetime.
            db_.delete_session(hash);
            s.reset();
        }
        if (!s || !r) {
            error(res, 401, "session expired or unknown");
            return std::nullopt;
        }
        if (change && !equal_secrets(req.get_header_value("X-CSRF-Token"), s->csrf)) {
            error(res, 403, "missing or wrong X-CSRF-Token header");
            return std::nullopt;
        }
        if (!allowed.has(*r)) {
            error(res, 403, "your role may not do this");
            return std::nullopt;
        }
        // Idle expiry: each use pushes the expiry on. Written at most every ttl/10 (30 s at most), so a
        // busy console does not write on every request.
        auto every = std::min<milliseconds>(std::chrono::seconds{30}, opts_.session_ttl / 10);
        if (now - s->last_seen >= every)
            db_.touch_session(hash, now,
                              std::min(now + opts_.session_ttl, s->created + opts_.session_lifetime));
        return ctx{*s, *r};
    };
    auto guarded = [this, authorise](roles allowed, bool change, handler h) {
        return [this, authorise, allowed, change, h](req_t req, res_t res) {
            res.set_header("Cache-Control", "no-store");
            try {
                auto c = authorise(req, res, allowed, change);
                if (c) h(req, res, *c);
            } catch (const std::exception& e) {
                log_->error("http handler failed path={} error=\"{}\"", req.path, e.what());
                error(res, 500, "internal error");
            }
        };
    };
    auto get = [&](const char* path, roles allowed, handler h) { svr.Get(path, guarded(allowed, false, h)); };
    auto post = [&](const char* path, roles allowed, handler h) {
        svr.Post(path, guarded(allowed, true, h));
    };

    svr.set_default_headers({{"X-Content-Type-Options", "nosniff"},
                             {"X-Frame-Options", "DENY"},
                             {"Referrer-Policy", "no-referrer"}});

    // --- sessions ---
    svr.Post("/api/login", [this](req_t req, res_t res) {
        res.set_header("Cache-Control", "no-store");
        try {
            auto j = body_json(req, res);
            if (!j) return;
            auto name = string_or(*j, "user");
            auto password = string_or(*j, "password");
            auto now_s = std::chrono::steady_clock::now();
            auto user_key = "user:" + name, addr_key = "addr:" + req.remote_addr;
            auto wait = std::max(user_limiter_.retry_after(user_key, now_s),
                                 address_limiter_.retry_after(addr_key, now_s));
            if (wait > 0) {
                res.set_header("Retry-After", std::to_string(wait));
                return error(res, 429, "too many failed logins; try again later");
            }
            auto u = name.empty() ? std::nullopt : db_.find_user(name);
            // Verify against something even for unknown names, so timing does not reveal which exist.
            bool ok = verify_password(u ? u->password_hash : dummy_hash_, password) && u.has_value();
            // A disabled user gets the same answer as a wrong password (after the same work).
            bool disabled = ok && u->disabled;
            ok = ok && !disabled;
            auto now = now_ms();
            if (!ok) {
                user_limiter_.failure(user_key, now_s);
                address_limiter_.failure(addr_key, now_s);
                // An unknown name is not recorded: people type passwords into the name field.
                db_.audit(u ? u->name : std::string("(unknown)"), "login_failed", "",
                          "from " + req.remote_addr + (disabled ? " (user disabled)" : ""), now);
                log_->warn("login failed address={}", req.remote_addr);
                return error(res, 401, "wrong user name or password");
            }
            user_limiter_.success(user_key);
            auto token = random_hex(32);
            session_record s{token_hash(token),
                             u->name,
                             u->role,
                             random_hex(16),
                             now,
                             now,
                             now + std::min(opts_.session_ttl, opts_.session_lifetime)};
            db_.add_session(s);
            db_.audit(u->name, "login", "", "from " + req.remote_addr, now);
            res.set_header("Set-Cookie", "warden_session=" + token + "; HttpOnly; SameSite=Strict; Path=/");
            reply(res, 200, {{"user", u->name}, {"role", u->role}, {"csrf", s.csrf}});
        } catch (const std::exception& e) {
            log_->error("login failed error=\"{}\"", e.what());
            error(res, 500, "internal error");
        }
    });
    post("/api/logout", any_role, [this](req_t, res_t res, const ctx& c) {
        db_.delete_session(c.session.token_hash);
        events_.end_session(c.session.token_hash);
        db_.audit(c.session.user, "logout", "", "", now_ms());
        res.set_header("Set-Cookie", "warden_session=; HttpOnly; SameSite=Strict; Path=/; Max-Age=0");
        reply(res, 200, {{"ok", true}});
    });
    get("/api/me", any_role, [](req_t, res_t res, const ctx& c) {
        reply(res, 200, {{"user", c.session.user}, {"role", c.session.role}, {"csrf", c.session.csrf}});
    });
    get("/api/outcomes", any_role, [](req_t, res_t res, const ctx&) { reply(res, 200, alert_outcomes()); });
    get("/api/alert-types", any_role,
        [](req_t, res_t res, const ctx&) { reply(res, 200, alert_types_json()); });

    // --- alerts ---
    get("/api/alerts", alert_readers, [this](req_t req, res_t res, const ctx&) {
        alert_query q;
        if (req.has_param("state")) q.state = req.get_param_value("state");
        if (q.state != "open" && q.state != "acknowledged" && q.state != "resolved" && q.state != "all")
            return error(res, 400, "state must be open, acknowledged, resolved or all");
        if (req.has_param("hub") && !req.get_param_value("hub").empty()) q.hub = req.get_param_value("hub");
        if (req.has_param("q") && !req.get_param_value("q").empty())
            q.text = req.get_param_value("q").substr(0, 200);
        q.limit = int_param(req, "limit", 200, 1, 1000);
        auto j = nlohmann::json::array();
        for (const auto& a : db_.list_alerts(q)) j.push_back(to_json(a));
        reply(res, 200, j);
    });
    get(R"(/api/alerts/([A-Za-z0-9._-]{1,200}))", alert_readers, [this](req_t req, res_t res, const ctx&) {
        auto a = db_.get_alert(req.matches[1]);
        if (!a) return error(res, 404, "no such alert");
        auto j = to_json(*a);
        j["history"] = nlohmann::json::array();
        for (const auto& h : db_.history(a->a.id)) j["history"].push_back(to_json(h));
        reply(res, 200, j);
    });
    auto answer_change = [this](res_t res, change_result r, const std::string& id, const char* conflict) {
        if (r == change_result::not_found) return error(res, 404, "no such alert");
        if (r == change_result::conflict) return error(res, 409, conflict);
        publish_alert_event(db_, events_, id);
        auto a = db_.get_alert(id);
        reply(res, 200, a ? to_json(*a) : nlohmann::json::object());
    };
    post(R"(/api/alerts/([A-Za-z0-9._-]{1,200})/acknowledge)", alert_handlers,
         [this, answer_change](req_t req, res_t res, const ctx& c) {
             std::string id = req.matches[1];
             auto r = db_.acknowledge(id, c.session.user, now_ms());
             if (r == change_result::ok) log_->info("alert acknowledged alert={}", id);
             answer_change(res, r, id, "the alert is not open (already acknowledged or resolved)");
         });
    post(R"(/api/alerts/([A-Za-z0-9._-]{1,200})/resolve)", alert_handlers,
         [this, answer_change](req_t req, res_t res, const ctx& c) {
             auto j = body_json(req, res);
             if (!j) return;
             std::string id = req.matches[1];
             auto outcome = string_or(*j, "outcome");
             auto note = string_or(*j, "note");
             const auto& outs = alert_outcomes();
             if (std::find(outs.begin(), outs.end(), outcome) == outs.end())
                 return error(res, 400, "outcome must be one of GET /api/outcomes");
             if (note.size() > 2000) return error(res, 400, "note is longer than 2000 characters");
             auto r = db_.resolve(id, c.session.user, outcome, note, now_ms());
             if (r == change_result::ok) log_->info("alert resolved alert={} outcome={}", id, outcome);
             answer_change(res, r, id, "the alert is already resolved");
         });
    post(R"(/api/alerts/([A-Za-z0-9._-]{1,200})/reopen)", supervisors,
         [this, answer_change](req_t req, res_t res, const ctx& c) {
             std::string id = req.matches[1];
             auto r = db_.reopen(id, c.session.user, now_ms());
             if (r == change_result::ok) log_->info("alert reopened alert={}", id);
             answer_change(res, r, id, "only a resolved raised alert can be reopened");
         });
    get("/api/stats", reporters, [this](req_t req, res_t res, const ctx&) {
        int hours = int_param(req, "hours", 24, 1, 24 * 90);
        auto now = now_ms();
        auto j = answer_stats(db_.answer_times(now - std::chrono::hours{hours}), now);
        j["hours"] = hours;
        reply(res, 200, j);
    });

    // --- hubs ---
    get("/api/hubs", any_role, [this](req_t, res_t res, const ctx&) {
        auto j = nlohmann::json::array();
        for (const auto& h : db_.list_hubs()) j.push_back(to_json(h));
        reply(res, 200, j);
    });
    auto command = [this](res_t res, const ctx& c, const std::string& hub, nlohmann::json cmd,
                          const std::string& action) {
        if (!db_.get_hub(hub)) return error(res, 404, "no such hub");
        auto id = "c-" + random_hex(8);
        cmd["id"] = id;
        auto result = std::make_shared<std::promise<bool>>();
        auto fut = result->get_future();
        send_(hub, cmd, [result](bool ok) { result->set_value(ok); });
        bool ok = fut.wait_for(std::chrono::seconds{5}) == std::future_status::ready && fut.get();
        db_.audit(c.session.user, action, hub, cmd.dump() + (ok ? "" : " (not delivered)"), now_ms());
        if (!ok) return error(res, 503, "the centre broker did not take the command; try again");
        log_->info("command sent hub={} cmd={} request={}", hub, cmd.value("cmd", ""), id);
        reply(res, 202, {{"id", id}, {"hub", hub}, {"cmd", cmd["cmd"]}, {"sent", true}});
    };
    post(R"(/api/hubs/([A-Za-z0-9._-]{1,64})/test)", testers, [command](req_t req, res_t res, const ctx& c) {
        command(res, c, req.matches[1], {{"cmd", "test"}}, "hub_test");
    });
    post(R"(/api/hubs/([A-Za-z0-9._-]{1,64})/away)", away_setters,
         [command](req_t req, res_t res, const ctx& c) {
             auto j = body_json(req, res);
             if (!j) return;
             auto on = j->find("on");
             if (on == j->end() || !on->is_boolean())
                 return error(res, 400, "body must be {\"on\":true|false}");
             command(res, c, req.matches[1], {{"cmd", "away"}, {"on", on->get<bool>()}}, "hub_away");
         });

    // --- audit and users ---
    get("/api/audit", auditors, [this](req_t req, res_t res, const ctx&) {
        auto j = nlohmann::json::array();
        for (const auto& e : db_.list_audit(int_param(req, "limit", 200, 1, 5000))) j.push_back(to_json(e));
        reply(res, 200, j);
    });
    auto user_json = [](const user_record& u) {
        return nlohmann::json{{"name", u.name},
                              {"role", u.role},
                              {"created", format_time(u.created)},
                              {"disabled", u.disabled}};
    };
    get("/api/users", admins, [this, user_json](req_t, res_t res, const ctx&) {
        auto j = nlohmann::json::array();
        for (const auto& u : db_.list_users()) j.push_back(user_json(u));
        reply(res, 200, j);
    });
    post("/api/users", admins, [this](req_t req, res_t res, const ctx& c) {
        auto j = body_json(req, res);
        if (!j) return;
        auto name = string_or(*j, "name");
        auto r = string_or(*j, "role");
        auto password = string_or(*j, "password");
        if (!is_valid_id(name)) return error(res, 400, "name must match [A-Za-z0-9._-]{1,64}");
        if (!parse_role(r)) return error(res, 400, "role must be operator, supervisor, technician or admin");
        if (password.size() < 8 || password.size() > 1024)
            return error(res, 400, "password must be 8 to 1024 characters");
        auto now = now_ms();
        if (!db_.add_user({name, r, hash_password(password), now}))
            return error(res, 409, "that user exists");
        db_.audit(c.session.user, "user_add", name, "role " + r, now);
        reply(res, 201, {{"name", name}, {"role", r}, {"created", format_time(now)}, {"disabled", false}});
    });
    // Every change ends the user's sessions (and event streams) at once, so a new role, password
    // or a disabled account takes effect on the next request, not at the next login.
    auto user_changed = [this, user_json](res_t res, change_result r, const std::string& name,
                                          const std::string& by, const char* what) {
        if (r == change_result::not_found) return error(res, 404, "no such user");
        if (r == change_result::conflict)
            return error(res, 409, "that would leave no enabled admin; add or enable another admin first");
        events_.end_user(name);
        log_->info("user changed user={} change={} by={}", name, what, by);
        auto u = db_.find_user(name);
        reply(res, 200, u ? user_json(*u) : nlohmann::json::object());
    };
    post(R"(/api/users/([A-Za-z0-9._-]{1,64})/role)", admins,
         [this, user_changed](req_t req, res_t res, const ctx& c) {
             auto j = body_json(req, res);
             if (!j) return;
             auto r = string_or(*j, "role");
             if (!parse_role(r))
                 return error(res, 400, "role must be operator, supervisor, technician or admin");
             std::string name = req.matches[1];
             user_changed(res, db_.set_user_role(name, r, c.session.user, now_ms()), name, c.session.user,
                          "role");
         });
    post(R"(/api/users/([A-Za-z0-9._-]{1,64})/password)", admins,
         [this, user_changed](req_t req, res_t res, const ctx& c) {
             auto j = body_json(req, res);
             if (!j) return;
             auto password = string_or(*j, "password");
             if (password.size() < 8 || password.size() > 1024)
                 return error(res, 400, "password must be 8 to 1024 characters");
             std::string name = req.matches[1];
             user_changed(res, db_.set_user_password(name, hash_password(password), c.session.user, now_ms()),
                          name, c.session.user, "password");
         });
    for (bool disable : {true, false}) {
        post(disable ? R"(/api/users/([A-Za-z0-9._-]{1,64})/disable)"
                     : R"(/api/users/([A-Za-z0-9._-]{1,64})/enable)",
             admins, [this, user_changed, disable](req_t req, res_t res, const ctx& c) {
                 std::string name = req.matches[1];
                 user_changed(res, db_.set_user_disabled(name, disable, c.session.user, now_ms()), name,
                              c.session.user, disable ? "disable" : "enable");
             });
    }

    // --- live events ---
    svr.Get("/api/stream", [this, authorise](req_t req, res_t res) {
        std::optional<ctx> c;
        try {
            c = authorise(req, res, any_role, false);
        } catch (const std::exception& e) {
            log_->error("stream auth failed error=\"{}\"", e.what());
            return error(res, 500, "internal error");
        }
        if (!c) return;
        auto sub = events_.subscribe(alert_readers.has(c->who), c->session.token_hash, c->session.user);
        if (!sub) return error(res, 503, "too many event streams");
        res.set_header("Cache-Control", "no-store");
        res.set_header("X-Accel-Buffering", "no");
        using steady = std::chrono::steady_clock;
        std::chrono::milliseconds ping = opts_.sse_ping;
        // The stream lives no longer than its session. Logout and an admin's change close it at once
        // (end_session, end_user); expiry is noticed here: at the session's absolute end, and at least
        // once per ping interval (idle expiry, or a session deleted some other way).
        auto ends = steady::now() + std::chrono::duration_cast<steady::duration>(
                                        c->session.created + opts_.session_lifetime - now_ms());
        res.set_chunked_content_provider(
            "text/event-stream",
            [this, sub, ping, ends, next_check = steady::now() + ping, first = true](
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
                            out = ": ping\n\n";
                            break;
                        case sse_subscriber::wait_result::events:
                            for (const auto& e : evs)
                                out += "event: " + e.name + "\ndata: " + e.data + "\n\n";
                            break;
                    }
                    auto t = steady::now();
                    if (t >= ends) return false;
                    if (t >= next_check) {
                        next_check = t + ping;
                        try {
                            if (!db_.find_session(sub->session(), now_ms())) return false;
                        } catch (const std::exception& e) {
                            // The database is in trouble, not the session: keep the stream.
                            log_->warn("stream session check failed error=\"{}\"", e.what());
                        }
                    }
                }
                return sink.write(out.data(), out.size());
            },
            [this, sub](bool) { events_.unsubscribe(sub); });
    });

    // --- operations ---
    svr.Get("/metrics", [this](req_t, res_t res) {
        try {
            res.set_content(metrics_.render(db_, events_.subscribers()), "text/plain; version=0.0.4");
        } catch (const std::exception& e) {
            log_->error("metrics failed error=\"{}\"", e.what());
            res.status = 500;
        }
    });
    svr.Get("/healthz", [this](req_t, res_t res) {
        if (!db_.healthy()) {
            res.status = 503;
            res.set_content("database unreachable\n", "text/plain");
        } else if (opts_.broker_connected && !opts_.broker_connected()) {
            res.status = 503;
            res.set_content("centre broker not connected\n", "text/plain");
        } else {
            res.set_content("ok\n", "text/plain");
        }
    });

    // --- the console ---
    if (opts_.web_root.empty() || !std::filesystem::is_directory(opts_.web_root)) {
        log_->warn("console files not found web_root={} (the API still works)", opts_.web_root);
    } else if (!svr.set_mount_point("/", opts_.web_root)) {
        log_->warn("console files cannot be served web_root={}", opts_.web_root);
    }
}

}  // namespace warden::centre
