#include "warden/centre/centre.hpp"

#include <atomic>
#include <cstdlib>
#include <optional>

#include <spdlog/spdlog.h>
#include <asio/post.hpp>
#include <asio/signal_set.hpp>

#include "warden/centre/cluster.hpp"
#include "warden/centre/database_lock.hpp"
#include "warden/centre/dc09_bridge.hpp"
#include "warden/centre/events.hpp"
#include "warden/centre/http_server.hpp"
#include "warden/centre/ingest.hpp"
#include "warden/centre/metrics.hpp"
#include "warden/centre/open_store.hpp"
#include "warden/centre/records_key.hpp"
#include "warden/centre/supervisor.hpp"
#include "warden/mqtt/broker_options.hpp"
#include "warden/mqtt/session.hpp"

namespace warden::centre {

const char* default_web_root() noexcept {
    return WARDEN_WEB_ROOT;
}

int run_centre(const config::centre_config& cfg, std::shared_ptr<spdlog::logger> log,
               const centre_test_options& test) {
    if (cfg.database.empty()) throw std::runtime_error("[centre] database is not set");
    // Read once at start; for tests only (centre/README.md).
    auto faults = ingest_faults_from(std::getenv("WARDEN_CENTRE_FAULT"));
    if (faults.exit_after_commit)
        log->warn("fault injection on: WARDEN_CENTRE_FAULT=exit-after-commit (for tests only)");
    // One server per SQLite database, before anything is touched; PostgreSQL instances share one on purpose.
    std::optional<database_lock> lock;
    if (store_backend_name(cfg.database) == "sqlite") lock.emplace(cfg.database);
    auto db = open_store(cfg.database);
    log->info("store open backend={} database={} schema={}", store_backend_name(cfg.database),
              describe_database(cfg.database), store_schema_version(cfg.database));
    if (!cfg.records_key_file.empty()) {
        // A missing, unreadable, malformed or wrong key stops the start: never plaintext, never a
        // half-working centre that cannot show the key safe it is asked for.
        db->unlock_records(records_key::load(cfg.records_key_file));
        log->info("records key loaded key_file={}", cfg.records_key_file);
    } else {
        log->warn(
            "no records key ([records] key_file): key safe codes, door entry and medical notes can be "
            "neither "
            "stored nor shown");
    }

    asio::io_context io;
    centre_clock clock;  // the real one; every part reads the time through it
    sse_broadcaster events;
    centre_metrics metrics;

    auto mo = mqtt::broker_options(cfg.mqtt, cfg.mqtt_client_id());
    // The single centre keeps a persistent session: the broker queues hubs' alerts for it while it
    // restarts. An instance of several takes a clean one: a persistent session of a dead instance would
    // go on taking its share of the shared subscription's messages into a queue nobody reads, while
    // a clean one ends when its connection does (a kill -9 closes it at once), so the broker hands
    // every message to the instances still there. What the dead one received and had not acked its hub
    // resends (docs/install.md, "Several instances").
    mo.clean_session = cfg.cluster.has_value();
    mqtt::session session(io, mo, log);
    std::atomic<bool> broker_up{false};  // read by /healthz on the HTTP threads
    session.on_connection([&broker_up](bool up) { broker_up = up; });

    // Several instances: leadership (supervision) and messages between instances (cluster.hpp).
    auto link = cfg.cluster
                    ? postgresql_link(io, {.uri = cfg.database, .instance = cfg.cluster->instance}, log)
                    : single_instance_link(io);
    events.set_relay([&link](std::string_view name, const std::string& id) {
        link->send(name == "alert" ? peer_kind::alert : peer_kind::hub, id);
    });

    auto alert_event = [&](const std::string& id) {
        try {
            publish_alert_event(*db, events, id);
        } catch (const std::exception& e) {
            log->error("event for alert failed alert={} error=\"{}\"", id, e.what());
        }
    };
    auto hub_event = [&](const std::string& hub) {
        try {
            publish_hub_event(*db, events, hub);
        } catch (const std::exception& e) {
            log->error("event for hub failed hub={} error=\"{}\"", hub, e.what());
        }
    };

    supervisor sup(
        io, *db,
        {.heartbeat_grace = cfg.heartbeat_grace, .escalate_after = cfg.escalate_after, .clock = clock}, log,
        {alert_event, hub_event});
    // Hubs heard here are heard by the leader's supervision, here or through the link.
    auto heard = [&](peer_kind kind, const std::string& hub) {
        if (!sup.running()) return link->send(kind, hub);
        if (kind == peer_kind::heard) sup.heard(hub);
        if (kind == peer_kind::offline) sup.offline(hub);
    };
    ingest in(io, session, *db, metrics, log,
              {.heard = [&](const std::string& hub) { heard(peer_kind::heard, hub); },
               .offline = [&](const std::string& hub) { heard(peer_kind::offline, hub); },
               .alerts_changed =
                   [&](const std::vector<std::string>& ids) {
                       for (const auto& id : ids) alert_event(id);
                   },
               .hub_changed = hub_event},
              faults, clock, {.alerts_per_minute = cfg.hub_alerts_per_minute, .burst = cfg.hub_alert_burst});

    http_options ho;
    ho.listen = cfg.http_listen;
    ho.web_root = cfg.web_root.empty() ? std::string(default_web_root()) : cfg.web_root;
    ho.session_ttl = cfg.session_ttl;
    ho.sse_ping = cfg.stream_ping;
    ho.session_lifetime = cfg.session_lifetime;
    ho.trusted_proxies = cfg.trusted_proxies;
    ho.activity = cfg.activity;
    ho.broker_connected = [&broker_up] { return broker_up.load(); };
    ho.clock = clock;
    ho.procedures = procedures_with(cfg.procedures);
    auto send = [&io, &session](const std::string& hub, const nlohmann::json& cmd,
                                std::function<void(bool)> done) {
        asio::post(io, [&session, topic = "warden/v1/" + hub + "/command", payload = cmd.dump(),
                        done = std::move(done)]() mutable {
            session.publish(topic, std::move(payload), 1, false, std::move(done));
        });
    };
    http_server http(ho, *db, events, metrics, send, log);
    http.start();

    std::unique_ptr<dc09_bridge> dc09;
    if (cfg.dc09) {
        dc09 = std::make_unique<dc09_bridge>(
            io, *cfg.dc09, *db, log,
            [&](const std::vector<std::string>& ids) {
                for (const auto& id : ids) alert_event(id);
            },
            dc09_bridge::ingest_hooks{
                .fold = [&in](ingest_batch& b) { in.fold_beyond_rate(b); },
                .refused = [&in](const std::string& hub) { in.report_refused(hub, 1, "dc09 frame"); }});
        dc09->start();
    }

    asio::signal_set signals(io, SIGINT, SIGTERM);
    signals.async_wait([&](std::error_code ec, int sig) {
        if (ec) return;
        log->info("shutting down signal={}", sig);
        in.flush_now();  // what was received is stored (and acked if the broker is still there)
        sup.stop();
        link->stop();  // gives up the leadership at once: another instance takes over
        if (dc09) dc09->stop();
        http.stop();
        session.stop();
        io.stop();
    });

    in.keep_activity_days(cfg.activity_keep_days);
    if (test.activity_period) {
        log->warn("activity summaries every {} ms, not every hour (for tests only)",
                  test.activity_period->count());
        in.activity_period(*test.activity_period);
    }
    in.start(cfg.cluster ? cfg.cluster->share_group : std::string());
    link->start({.leadership =
                     [&](bool leader) {
                         if (leader)
                             sup.start();
                         else
                             sup.stop();
                     },
                 .message =
                     [&](peer_kind kind, const std::vector<std::string>& ids) {
                         for (const auto& id : ids) {
                             try {
                                 switch (kind) {
                                     case peer_kind::alert:
                                         publish_alert_event(*db, events, id, false);
                                         break;
                                     case peer_kind::hub:
                                         publish_hub_event(*db, events, id, false);
                                         break;
                                     case peer_kind::heard:
                                         sup.heard(id);
                                         break;
                                     case peer_kind::offline:
                                         sup.offline(id);
                                         break;
                                 }
                             } catch (const std::exception& e) {
                                 log->error("cluster message failed kind={} id={} error=\"{}\"",
                                            to_string(kind), id, e.what());
                             }
                         }
                     },
                 // What other instances stored meanwhile never reached this one's consoles: they
                 // reconnect and reload. (Supervision needs nothing: a lost link connection is a
                 // new leadership, whose start reads every hub from the database.)
                 .missed = [&] { events.end_all(); }});
    session.start();
    log->info("centre running broker={} client={} http={}{}", cfg.mqtt.uri, cfg.mqtt_client_id(),
              cfg.http_listen, cfg.cluster ? " instance=" + cfg.cluster->instance : std::string());
    io.run();
    log->info("centre stopped");
    return 0;
}

}  // namespace warden::centre
