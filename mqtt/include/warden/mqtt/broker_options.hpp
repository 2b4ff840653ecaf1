#pragma once
/// Session options from a broker's config section, the same for the hub's two sessions, the centre's
/// and warden-ctl's.

#include <string>

#include "warden/config/hub_config.hpp"
#include "warden/mqtt/session.hpp"

namespace warden::mqtt {

/// The URI, credentials and TLS files of `broker`, with `client_id`; the rest (clean_session, will,
/// backoff) at the session's defaults for the caller to set. Throws nothing.
options broker_options(const config::broker_spec& broker, std::string client_id);

}  // namespace warden::mqtt
