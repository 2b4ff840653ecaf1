// The single centre's cluster_link: always the leader, nobody to tell.
#include <asio/post.hpp>

#include "warden/centre/cluster.hpp"

namespace warden::centre {

const char* to_string(peer_kind k) noexcept {
    switch (k) {
        case peer_kind::alert:
            return "alert";
        case peer_kind::hub:
            return "hub";
        case peer_kind::heard:
            return "heard";
        case peer_kind::offline:
            return "offline";
    }
    return "?";
}

namespace {

class single_link final : public cluster_link {
public:
    explicit single_link(asio::io_context& io) : io_(io) {}
    void start(cluster_hooks hooks) override {
        asio::post(io_, [leadership = std::move(hooks.leadership)] {
            if (leadership) leadership(true);
        });
    }
    void send(peer_kind, const std::string&) override {}
    void stop() override {}

private:
    asio::io_context& io_;
};

}  // namespace

std::unique_ptr<cluster_link> single_instance_link(asio::io_context& io) {
    return std::make_unique<single_link>(io);
}

}  // namespace warden::centre
