#pragma once
// The hub.toml of the activity integration tests (activity_test, activity_e2e_test): a hub in
// Europe/London heartbeating every second, a motion sensor in the hall, activity shared, and the hall
// a room of kind hall; optionally a pendant, for an alarm beside the summaries.
#include <string>

namespace warden::activity_test_support {

inline std::string hub_toml(const std::string& hub_id, const std::string& data_dir,
                            const std::string& home_uri, const std::string& centre_uri,
                            const std::string& ack_timeout, bool with_pendant) {
    std::string toml = "[hub]\nid = \"" + hub_id + "\"\ndata_dir = \"" + data_dir +
                       "\"\ntimezone = \"Europe/London\"\n\n[local]\nuri = \"" + home_uri +
                       "\"\n\n[centre]\nuri = \"" + centre_uri + "\"\nheartbeat = \"1s\"\nack_timeout = \"" +
                       ack_timeout + "\"\n";
    if (with_pendant)
        toml += R"(
[[sensor]]
id = "pendant"
kind = "pendant"
source = "zigbee2mqtt"
topic = "zigbee2mqtt/pendant"
location = "worn"
)";
    return toml + R"(
[[sensor]]
id = "hall"
kind = "motion"
source = "zigbee2mqtt"
topic = "zigbee2mqtt/hall"
location = "Hall"

[activity]
share = true

[activity.rooms]
"Hall" = "hall"
)";
}

}  // namespace warden::activity_test_support
