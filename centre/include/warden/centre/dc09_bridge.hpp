#pragma once
/// The centre's DC-09 path (SPEC 4, [dc09] in centre.toml): a warden::dc09 receiver whose decoded
/// events become stored alerts for the hub the account maps to. Each event is stored once (id
/// "dc09-<account>-<seq>-<timestamp>", the same for resends of one frame) before the frame is ACKed.
/// A DC-09 `cleared` event (a restore) marks the newest uncleared alert of the same hub and type.
/// Runs on the io_context's thread.

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include <asio/io_context.hpp>

#include "warden/centre/store.hpp"
#include "warden/config/centre_config.hpp"

namespace spdlog {
class logger;
}

namespace warden::centre {

/// True if this build includes the DC-09 receiver.
bool dc09_available() noexcept;

class dc09_bridge {
public:
    /// Called with the ids of alerts stored or changed.
    using changed_handler = std::function<void(const std::vector<std::string>& alert_ids)>;
    /// What the DC-09 path shares with ingest's per-hub defences; either may be empty.
    struct ingest_hooks {
        /// Applies the hubs' rate to a batch before it is stored (ingest::fold_beyond_rate), so a hub's
        /// DC-09 events count against the same bucket as its MQTT alerts.
        std::function<void(ingest_batch&)> fold;
        /// Reports a frame of a disabled hub refused (ingest::report_refused).
        std::function<void(const std::string& hub)> refused;
    };
    /// Throws std::invalid_argument for a bad [dc09] section, std::runtime_error if DC-09 is not built.
    dc09_bridge(asio::io_context& io, const config::dc09_receiver_spec& spec, store& db,
                std::shared_ptr<spdlog::logger> log, changed_handler changed, ingest_hooks hooks = {});
    ~dc09_bridge();
    dc09_bridge(const dc09_bridge&) = delete;
    dc09_bridge& operator=(const dc09_bridge&) = delete;
    /// Binds and listens; throws std::system_error if the address cannot be bound.
    void start();
    void stop();

private:
    struct impl;
    std::unique_ptr<impl> impl_;
};

}  // namespace warden::centre
