#include "warden/centre/hub_limits.hpp"

#include <algorithm>
#include <utility>

namespace warden::centre {

bool hub_rate_limiter::take(const std::string& hub, time_point now) {
    const double burst = std::max(1, opts_.burst);
    auto [it, added] = buckets_.try_emplace(hub, bucket{burst, now});
    auto& b = it->second;
    if (!added && now > b.last) {
        const double minutes = std::chrono::duration<double, std::ratio<60>>(now - b.last).count();
        b.tokens = std::min(burst, b.tokens + minutes * opts_.alerts_per_minute);
        b.last = now;
    }
    if (b.tokens < 1 - 1e-9) return false;  // not lost to rounding: 0.9 + 0.1 is one token
    b.tokens -= 1;
    return true;
}

void hub_rate_limiter::give_back(const std::string& hub) {
    if (auto it = buckets_.find(hub); it != buckets_.end())
        it->second.tokens = std::min<double>(std::max(1, opts_.burst), it->second.tokens + 1);
}

std::uint64_t paced_counter::add(const std::string& key, std::uint64_t n, time_point now) {
    auto& s = keys_[key];
    s.held += n;
    if (s.reported && now - s.last < every_) return 0;
    s.reported = true;
    s.last = now;
    return std::exchange(s.held, 0);
}

}  // namespace warden::centre
