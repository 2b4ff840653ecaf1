#pragma once
/// "host:port" addresses, as written in configs (listen addresses, broker URIs without their scheme).
/// Pure functions.

#include <optional>
#include <string>
#include <string_view>

namespace warden {

/// A host (without IPv6 brackets; may be empty, "any address") and a port from 0 to 65535.
struct host_port {
    std::string host;
    int port = 0;
    bool operator==(const host_port&) const = default;
};

/// Splits "host:port", "[ipv6]:port", "::1:port" (the last colon) or ":port". Nullopt when there is no
/// colon, no port, or the port is not all digits or above 65535. Checks nothing about the host.
std::optional<host_port> split_host_port(std::string_view text);

}  // namespace warden
