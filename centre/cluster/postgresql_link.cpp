// Several instances on PostgreSQL (cluster.hpp): the leader's advisory lock and LISTEN on one
// connection (the lease thread), NOTIFY of the queued messages on another (the sender thread).
#include <condition_variable>
#include <map>
#include <mutex>
#include <optional>
#include <set>
#include <sstream>
#include <thread>

#include <spdlog/spdlog.h>
#include <asio/post.hpp>
#include <pqxx/pqxx>

#include "warden/centre/cluster.hpp"

namespace warden::centre {

namespace {

/// The advisory lock every instance tries for the leadership: one fixed 64-bit key ("warden-sup").
constexpr std::int64_t leader_lock_key = 0x7761726465'6e2d73;
/// A NOTIFY payload must stay under 8,000 bytes; ids are at most ~80 bytes.
constexpr std::size_t max_payload = 7'000;

std::optional<peer_kind> parse_kind(std::string_view s) {
    for (auto k : {peer_kind::alert, peer_kind::hub, peer_kind::heard, peer_kind::offline})
        if (s == to_string(k)) return k;
    return std::nullopt;
}

/// The URI with what the link's connections need unless it says otherwise: a bounded connect (a
/// database that does not answer must not hold up a shutdown) and TCP keepalives, so that a leader cut
/// off from the database notices within seconds. (The database frees the lock of a leader gone without
/// closing its connection by its own tcp_keepalives_* settings: docs/install.md.)
std::string link_uri(const std::string& uri) {
    std::string out = uri;
    for (const char* p :
         {"connect_timeout=5", "keepalives_idle=5", "keepalives_interval=2", "keepalives_count=3"}) {
        std::string key(p, std::string_view(p).find('='));
        if (out.find(key + "=") != std::string::npos) continue;
        out += out.find('?') == std::string::npos ? '?' : '&';
        out += p;
    }
    return out;
}

class notification_sink final : public pqxx::notification_receiver {
public:
    notification_sink(pqxx::connection_base& c, const std::string& channel,
                      std::function<void(const std::string&)> f)
        : pqxx::notification_receiver(c, channel), f_(std::move(f)) {}
    void operator()(const std::string& payload, int) override { f_(payload); }

private:
    std::function<void(const std::string&)> f_;
};

class pg_link final : public cluster_link {
public:
    pg_link(asio::io_context& io, postgresql_link_options opts, std::shared_ptr<spdlog::logger> log)
        : io_(io), opts_(std::move(opts)), log_(std::move(log)) {
        opts_.uri = link_uri(opts_.uri);
    }
    ~pg_link() override { stop(); }

    void start(cluster_hooks hooks) override {
        hooks_ = std::move(hooks);
        lease_thread_ = std::thread([this] { lease_loop(); });
        sender_thread_ = std::thread([this] { sender_loop(); });
    }

    void send(peer_kind kind, const std::string& id) override {
        {
            std::lock_guard lock(mu_);
            if (stopping_) return;
            queue_[kind].insert(id);
        }
        cv_.notify_all();
    }

    void stop() override {
        {
            std::lock_guard lock(mu_);
            if (stopping_) return;
            stopping_ = true;
        }
        cv_.notify_all();
        stop_cv_.notify_all();
        if (lease_thread_.joinable()) lease_thread_.join();
        if (sender_thread_.joinable()) sender_thread_.join();
    }

private:
    bool stopping() {
        std::lock_guard lock(mu_);
        return stopping_;
    }
    /// Waits up to `d` or until stop().
    void pause(std::chrono::milliseconds d) {
        std::unique_lock lock(mu_);
        stop_cv_.wait_for(lock, d, [this] { return stopping_; });
    }

    void set_leader(bool leader) {
        if (leader == leader_) return;
        leader_ = leader;
        if (leader)
            log_->info("cluster: this instance is the leader (supervision runs here) instance={}",
                       opts_.instance);
        else
            log_->warn("cluster: this instance is no longer the leader instance={}", opts_.instance);
        asio::post(io_, [f = hooks_.leadership, leader] {
            if (f) f(leader);
        });
    }

    void received(const std::string& payload) {
        // "<instance>\n<kind>\n<id> <id> ..."
        auto a = payload.find('\n');
        auto b = a == std::string::npos ? a : payload.find('\n', a + 1);
        if (b == std::string::npos) return;
        if (std::string_view(payload).substr(0, a) == opts_.instance) return;  // our own
        auto kind = parse_kind(std::string_view(payload).substr(a + 1, b - a - 1));
        if (!kind) return;
        std::vector<std::string> ids;
        std::istringstream in(payload.substr(b + 1));
        for (std::string id; in >> id;) ids.push_back(std::move(id));
        if (ids.empty()) return;
        asio::post(io_, [f = hooks_.message, k = *kind, ids = std::move(ids)] {
            if (f) f(k, ids);
        });
    }

    void lease_loop() {
        bool reported = false, lost = false;
        while (!stopping()) {
            try {
                pqxx::connection c(opts_.uri);
                notification_sink sink(c, opts_.channel, [this](const std::string& p) { received(p); });
                if (reported) log_->info("cluster: lease connection back instance={}", opts_.instance);
                reported = false;
                if (lost) {
                    // LISTEN again from now: what the others sent in between never reached this one.
                    log_->warn("cluster: messages from other instances may have been missed instance={}",
                               opts_.instance);
                    asio::post(io_, [f = hooks_.missed] {
                        if (f) f();
                    });
                    lost = false;
                }
                while (!stopping()) {
                    {
                        pqxx::nontransaction w(c);
                        if (!leader_) {
                            auto r = w.exec("SELECT pg_try_advisory_lock(" + std::to_string(leader_lock_key) +
                                            ")");
                            if (r[0][0].as<bool>()) set_leader(true);
                        } else {
                            w.exec("SELECT 1");  // the lease lives as long as this connection: check it
                        }
                    }
                    auto until = std::chrono::steady_clock::now() + opts_.check_every;
                    while (!stopping() && std::chrono::steady_clock::now() < until) {
                        auto us =
                            std::chrono::duration_cast<std::chrono::microseconds>(
                                std::min<std::chrono::steady_clock::duration>(
                                    until - std::chrono::steady_clock::now(), std::chrono::milliseconds{100}))
                                .count();
                        c.await_notification(0, std::max<long>(1, static_cast<long>(us)));
                    }
                }
                if (leader_) {
                    pqxx::nontransaction w(c);
                    w.exec("SELECT pg_advisory_unlock(" + std::to_string(leader_lock_key) + ")");
                }
            } catch (const std::exception& e) {
                if (!reported)
                    log_->error(
                        "cluster: lease connection failed (retrying every second) instance={} error=\"{}\"",
                        opts_.instance, e.what());
                reported = true;
                lost = true;
                set_leader(false);
                pause(std::chrono::seconds{1});
            }
        }
        set_leader(false);
    }

    void sender_loop() {
        std::unique_ptr<pqxx::connection> c;
        bool reported = false;
        for (;;) {
            std::map<peer_kind, std::set<std::string>> batch;
            {
                std::unique_lock lock(mu_);
                cv_.wait(lock, [this] { return stopping_ || !queue_.empty(); });
                if (stopping_) return;
                batch.swap(queue_);
            }
            try {
                if (!c) c = std::make_unique<pqxx::connection>(opts_.uri);
                std::string sql;
                for (const auto& [kind, ids] : batch) {
                    std::string head = opts_.instance + "\n" + to_string(kind) + "\n";
                    std::string payload = head;
                    auto flush = [&] {
                        if (payload.size() == head.size()) return;
                        sql +=
                            "SELECT pg_notify(" + c->quote(opts_.channel) + ", " + c->quote(payload) + ");";
                        payload = head;
                    };
                    for (const auto& id : ids) {
                        if (head.size() + id.size() + 1 > max_payload ||
                            id.find_first_of(" \t\n\r\f\v") != std::string::npos) {
                            log_->error(
                                "cluster: an id that cannot be sent left out instance={} kind={} "
                                "bytes={}",
                                opts_.instance, to_string(kind), id.size());
                            continue;
                        }
                        if (payload.size() + id.size() + 1 > max_payload) flush();
                        payload += id;
                        payload += ' ';
                    }
                    flush();
                }
                if (!sql.empty()) {
                    pqxx::nontransaction w(*c);
                    w.exec(sql);
                }
                if (reported) log_->info("cluster: notify connection back instance={}", opts_.instance);
                reported = false;
            } catch (const pqxx::broken_connection& e) {
                // Not sent (NOTIFY is delivered at commit, and the statements were one implicit
                // transaction): kept for the next try on a new connection, after what came meanwhile.
                if (!reported)
                    log_->error("cluster: notify connection lost, reconnecting instance={} error=\"{}\"",
                                opts_.instance, e.what());
                reported = true;
                c.reset();
                {
                    std::lock_guard lock(mu_);
                    for (auto& [kind, ids] : batch) queue_[kind].merge(ids);
                }
                pause(std::chrono::seconds{1});
            } catch (const std::exception& e) {
                // Best effort (cluster.hpp): a failure other than a lost connection would fail again.
                if (!reported)
                    log_->error("cluster: notify failed, messages dropped instance={} error=\"{}\"",
                                opts_.instance, e.what());
                reported = true;
                c.reset();
                pause(std::chrono::seconds{1});
            }
        }
    }

    asio::io_context& io_;
    postgresql_link_options opts_;
    std::shared_ptr<spdlog::logger> log_;
    cluster_hooks hooks_;
    std::mutex mu_;
    std::condition_variable cv_, stop_cv_;
    bool stopping_ = false;
    std::map<peer_kind, std::set<std::string>> queue_;
    bool leader_ = false;  ///< the lease thread's only
    std::thread lease_thread_, sender_thread_;
};

}  // namespace

std::unique_ptr<cluster_link> postgresql_link(asio::io_context& io, postgresql_link_options opts,
                                              std::shared_ptr<spdlog::logger> log) {
    return std::make_unique<pg_link>(io, std::move(opts), std::move(log));
}

}  // namespace warden::centre
