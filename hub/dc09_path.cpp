#include "dc09_path.hpp"

#include <fmt/format.h>
#include <spdlog/spdlog.h>
#include <nlohmann/json.hpp>

namespace warden::hub {

dc09_path::dc09_path(asio::io_context& io, const config::hub_config& cfg, const uplink& mqtt,
                     std::shared_ptr<spdlog::logger> log, std::function<void()> link_changed,
                     fault_handler fault)
    : mqtt_(mqtt),
      log_(std::move(log)),
      ack_timeout_(cfg.centre.ack_timeout),
      both_(cfg.dc09 && cfg.dc09->role == "both"),
      sender_(io, dc09::make_sender_options(cfg), log_),
      timer_(io),
      fault_(std::move(fault)) {
    sender_.on_result([this](const std::string& id, const dc09::delivery& d) { result(id, d); });
    sender_.on_connection([changed = std::move(link_changed)](bool) {
        if (changed) changed();
    });
}

void dc09_path::start() {
    sender_.start();
    if (!both_) arm_backup();
}

void dc09_path::stop_backup() {
    stopping_ = true;
}

void dc09_path::stop() {
    stopping_ = true;
    timer_.cancel();
    sender_.stop();
}

void dc09_path::committed(const std::vector<outbox_entry>& rows) {
    if (both_ || !mqtt_.connected()) send(rows);
}

bool dc09_path::connected() const {
    return sender_.state().connected;
}

void dc09_path::send(const std::vector<outbox_entry>& rows) {
    for (const auto& e : rows) {
        if (!both_ && !given_.insert(e.id).second) continue;
        try {
            sender_.send(alert_from_json(nlohmann::json::parse(e.json)));
        } catch (const std::exception& ex) {
            log_->error("dc09 cannot send alert={} error=\"{}\"", e.id, ex.what());
        }
    }
}

void dc09_path::result(const std::string& id, const dc09::delivery& d) {
    if (d.acked) {
        log_->info("dc09 delivered alert={} attempts={}", id, d.attempts);
        if (faulted_ != false && fault_) fault_(false, "DC-09 path working again");
        faulted_ = false;
        return;
    }
    log_->warn("dc09 failed alert={} reason={} detail=\"{}\" attempts={}", id, d.reason, d.detail,
               d.attempts);
    // The backup check may hand it over again; MQTT still has it either way.
    given_.erase(id);
    if (faulted_ != true && fault_) {
        fault_(true, d.detail.empty() ? fmt::format("{}: {}", id, d.reason)
                                      : fmt::format("{}: {} ({})", id, d.reason, d.detail));
    }
    faulted_ = true;
}

void dc09_path::arm_backup() {
    // Backup role: whatever MQTT has not delivered within twice ack_timeout, or at all while the
    // uplink is down, goes over DC-09 too (the centre still gets it by MQTT later).
    timer_.expires_after(ack_timeout_);
    timer_.async_wait([this](std::error_code ec) {
        if (ec || stopping_) return;
        auto age = mqtt_.connected() ? ack_timeout_ * 2 : milliseconds{0};
        send(mqtt_.unacked_older_than(age));
        arm_backup();
    });
}

}  // namespace warden::hub
