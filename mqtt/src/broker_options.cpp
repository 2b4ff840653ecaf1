#include "warden/mqtt/broker_options.hpp"

namespace warden::mqtt {

options broker_options(const config::broker_spec& broker, std::string client_id) {
    options o;
    o.uri = broker.uri;
    o.client_id = std::move(client_id);
    o.username = broker.username;
    o.password = broker.password;
    o.ca_file = broker.ca_file;
    o.cert_file = broker.cert_file;
    o.key_file = broker.key_file;
    return o;
}

}  // namespace warden::mqtt
