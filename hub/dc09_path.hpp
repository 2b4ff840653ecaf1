#pragma once
/// The hub's DC-09 second path ([dc09]): the sender, and which committed alerts go over it. Role
/// "both": every alert. Role "backup": what MQTT has not delivered, at once while the uplink is down,
/// and whatever the uplink has not had acked within 2 x ack_timeout (checked every ack_timeout). The
/// centre still gets a backed-up alert by MQTT later and stores it once.
///
/// A frame the sender gives up on (its replies could not be understood, or none came) raises the
/// technical alert dc09_fault through `fault`; the next acked frame clears it. In role "backup" the
/// failed alert is forgotten, so a later backup check hands it over again.
///
/// Thread rules: construct, call and destroy on the io_context's thread; its handlers run there.

#include <functional>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include <asio/io_context.hpp>
#include <asio/steady_timer.hpp>

#include "warden/config/hub_config.hpp"
#include "warden/dc09/sender.hpp"
#include "warden/hub/store.hpp"
#include "warden/hub/uplink.hpp"

namespace spdlog {
class logger;
}

namespace warden::hub {

class dc09_path {
public:
    /// Raises (true, with what failed) or clears (false) dc09_fault.
    using fault_handler = std::function<void(bool raised, const std::string& text)>;

    /// `cfg` must have a [dc09] section (dc09::make_sender_options throws std::invalid_argument
    /// otherwise). `link_changed` is called when the DC-09 link goes up or down.
    dc09_path(asio::io_context& io, const config::hub_config& cfg, const uplink& mqtt,
              std::shared_ptr<spdlog::logger> log, std::function<void()> link_changed, fault_handler fault);
    dc09_path(const dc09_path&) = delete;
    dc09_path& operator=(const dc09_path&) = delete;

    /// Starts the sender and, in role "backup", the check for undelivered alerts.
    void start();
    /// Stops checking for undelivered alerts (the hub is stopping; what it commits now is still sent).
    void stop_backup();
    /// Stops the sender.
    void stop();

    /// Alerts just committed (or sent from memory): over DC-09 now in role "both", or while the uplink
    /// is down.
    void committed(const std::vector<outbox_entry>& rows);
    /// MQTT delivered the alert: a later backup check need not remember it.
    void delivered(const std::string& id) { given_.erase(id); }
    /// Whether the DC-09 link is up.
    bool connected() const;

private:
    void send(const std::vector<outbox_entry>& rows);
    void arm_backup();
    void result(const std::string& id, const dc09::delivery& d);

    const uplink& mqtt_;
    std::shared_ptr<spdlog::logger> log_;
    milliseconds ack_timeout_;
    bool both_;
    bool stopping_ = false;
    dc09::sender sender_;
    asio::steady_timer timer_;
    std::set<std::string> given_;  ///< ids handed to the sender (role backup) and not yet acked by MQTT
    fault_handler fault_;
    /// Whether dc09_fault is open; unknown at start (one may be open from an earlier run), so the
    /// first acked frame clears whatever is open.
    std::optional<bool> faulted_;
};

}  // namespace warden::hub
