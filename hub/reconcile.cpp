#include "reconcile.hpp"

#include <spdlog/spdlog.h>

namespace warden::hub {

reconcile::reconcile(mqtt::session& home, const std::vector<config::sensor_spec>& sensors,
                     std::shared_ptr<spdlog::logger> log)
    : home_(home), requests_(sensors::state_requests(sensors)), log_(std::move(log)) {}

void reconcile::connected() {
    if (requests_.empty()) return;
    // Not retained: a retained request would be handed to the bridge again at each of its subscribes.
    for (const auto& r : requests_)
        home_.publish(r.topic, r.payload, 1, false, [log = log_, topic = r.topic](bool ok) {
            if (!ok) log->warn("state request not sent topic={}", topic);
        });
    log_->info("state requested from bridges requests={}", requests_.size());
}

}  // namespace warden::hub
