#include "warden/centre/dc09_bridge.hpp"

#include <algorithm>

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#ifdef WARDEN_CENTRE_DC09
#include "warden/dc09/receiver.hpp"
#endif

namespace warden::centre {

#ifdef WARDEN_CENTRE_DC09

bool dc09_available() noexcept {
    return true;
}

struct dc09_bridge::impl {
    impl(asio::io_context& io, const config::dc09_receiver_spec& spec, store& db,
         std::shared_ptr<spdlog::logger> l, changed_handler c, ingest_hooks h)
        : db_(db),
          log_(std::move(l)),
          changed_(std::move(c)),
          hooks_(std::move(h)),
          rx_(io, options(spec), log_) {
        rx_.on_event([this](const dc09::received_event& e) { return take(e); });
        rx_.on_link_test([this](const std::string& account, const std::string& hub) {
            log_->debug("dc09 link test account={} hub={}", account, hub);
        });
    }

    static dc09::receiver_options options(const config::dc09_receiver_spec& spec) {
        dc09::receiver_options o;
        o.spec = spec;
        o.clock = [] { return now_ms(); };
        return o;
    }

    /// Stores the event; true (ACK the frame) once it is committed.
    bool take(const dc09::received_event& e) {
        if (refused(e.hub)) return false;
        alert a;
        a.id = e.key;
        a.hub = e.hub;
        a.seq = e.seq;
        a.type = e.meaning.type.empty() ? std::string("dc09_event") : e.meaning.type;
        a.state = e.meaning.state;
        a.priority = e.meaning.priority;
        a.sia = e.meaning.sia.empty() ? e.code : e.meaning.sia;
        a.at = e.timestamp.value_or(e.received_at);
        a.rule = "dc09";
        if (e.zone != 0) a.location = fmt::format("zone {}", e.zone);
        a.text = e.meaning.text.empty() ? fmt::format("DC-09 event {}", a.sia) : e.meaning.text;
        std::vector<std::string> changed{a.id};
        try {
            if (a.state == alert_state::cleared) {
                // DC-09 frames carry no MAC (AES-CBC, zero IV): a restore may be a forged or altered
                // frame. It ends a condition only once an operator has taken the alarm; before that
                // it is stored as its own event and the alarm stays in the queue as raised.
                if (auto open = db_.uncleared_alert(a.hub, a.type)) {
                    if (open->status == alert_status::open) {
                        a.text += " (not applied: the alarm has not been acknowledged yet)";
                        log_->warn("dc09 restore not applied to an unacknowledged alarm alert={} restore={}",
                                   open->a.id, a.id);
                    } else {
                        a.clears = open->a.id;
                        changed.push_back(open->a.id);
                    }
                }
            }
            ingest_batch b;
            b.alerts.push_back(a);
            b.received_at = e.received_at;
            // A DC-09 id (account, seq, time) carries no alert content, and a frame without a timestamp
            // takes its `at` from receipt: a repeated id is always a resend.
            b.keep_reused_ids = false;
            if (hooks_.fold) hooks_.fold(b);
            auto results = db_.ingest(b);
            if (results.at(0).fresh) {
                if (!b.folded_into.empty() && b.folded_into[0]) {
                    // Beyond the hub's rate: stored and ACKed, kept out of the queue, counted on the flood.
                    changed.front() = *b.folded_into[0];
                    log_->warn(
                        "alert flood: dc09 alert beyond the hub's rate folded alert={} hub={} flood={}", a.id,
                        a.hub, *b.folded_into[0]);
                } else {
                    log_->info("dc09 alert stored alert={} hub={} type={} priority={} transport={}", a.id,
                               a.hub, a.type, to_string(a.priority), e.transport);
                }
                if (changed_) changed_(changed);
            }
            return true;
        } catch (const std::exception& ex) {
            log_->error("store failed, dc09 frame not acked alert={} error=\"{}\"", a.id, ex.what());
            return false;
        }
    }

    /// A disabled hub's frames are refused as its MQTT messages are: neither stored nor ACKed, so the
    /// sender keeps them and they arrive once the hub is enabled again. Reported as ingest reports its
    /// refusals (hooks_.refused), in the same once-a-minute count per hub.
    bool refused(const std::string& hub) {
        auto disabled = db_.disabled_hubs();
        if (std::find(disabled.begin(), disabled.end(), hub) == disabled.end()) return false;
        if (hooks_.refused) hooks_.refused(hub);
        return true;
    }

    store& db_;
    std::shared_ptr<spdlog::logger> log_;
    changed_handler changed_;
    ingest_hooks hooks_;
    dc09::receiver rx_;
};

dc09_bridge::dc09_bridge(asio::io_context& io, const config::dc09_receiver_spec& spec, store& db,
                         std::shared_ptr<spdlog::logger> log, changed_handler changed, ingest_hooks hooks)
    : impl_(std::make_unique<impl>(io, spec, db, std::move(log), std::move(changed), std::move(hooks))) {}

void dc09_bridge::start() {
    impl_->rx_.start();
    impl_->log_->info("dc09 receiver listening tcp_port={} udp_port={}", impl_->rx_.tcp_port(),
                      impl_->rx_.udp_port());
}

void dc09_bridge::stop() {
    impl_->rx_.stop();
}

#else

bool dc09_available() noexcept {
    return false;
}

struct dc09_bridge::impl {};

dc09_bridge::dc09_bridge(asio::io_context&, const config::dc09_receiver_spec&, store&,
                         std::shared_ptr<spdlog::logger>, changed_handler, ingest_hooks) {
    throw std::runtime_error("[dc09] is configured but this build has no DC-09 receiver");
}

void dc09_bridge::start() {}
void dc09_bridge::stop() {}

#endif

dc09_bridge::~dc09_bridge() = default;

}  // namespace warden::centre
