// Several centre instances on PostgreSQL (warden/centre/cluster.hpp): one leader at a time, another
// within seconds when it goes, and messages from one instance to the others.
#include <gtest/gtest.h>

#include <atomic>
#include <mutex>
#include <set>
#include <thread>

#include <spdlog/sinks/null_sink.h>
#include <spdlog/spdlog.h>
#include <asio/executor_work_guard.hpp>
#include <pqxx/pqxx>

#include "warden/centre/cluster.hpp"
#include "warden/harness/postgres.hpp"

using namespace warden;
using namespace warden::centre;
using namespace std::chrono_literals;

namespace {

auto quiet() {
    return std::make_shared<spdlog::logger>("test", std::make_shared<spdlog::sinks::null_sink_mt>());
}

/// One instance's link, its io_context on a thread of its own, and what its hooks were told.
struct instance {
    asio::io_context io;
    std::unique_ptr<cluster_link> link;
    std::atomic<bool> leader{false};
    std::atomic<int> leaderships{0}, stepdowns{0}, missed{0};
    std::mutex mu;
    std::map<peer_kind, std::set<std::string>> got;
    std::thread thread;

    instance(std::unique_ptr<cluster_link> l) : link(std::move(l)) {
        link->start({.leadership =
                         [this](bool on) {
                             leader = on;
                             leaderships += on;
                             stepdowns += !on;
                         },
                     .message =
                         [this](peer_kind k, const std::vector<std::string>& ids) {
                             std::lock_guard lock(mu);
                             got[k].insert(ids.begin(), ids.end());
                         },
                     .missed = [this] { ++missed; }});
        thread = std::thread([this] {
            auto work = asio::make_work_guard(io);
            io.run();
        });
    }
    instance(const std::string& uri, const std::string& name)
        : instance(postgresql_link(io, {.uri = uri, .instance = name, .check_every = 100ms}, quiet())) {}
    ~instance() {
        link->stop();
        io.stop();
        thread.join();
    }
    std::size_t count(peer_kind k) {
        std::lock_guard lock(mu);
        return got[k].size();
    }
    bool has(peer_kind k, const std::string& id) {
        std::lock_guard lock(mu);
        return got[k].contains(id);
    }
};

/// Ends the sessions on the database at `uri` whose last statement contains `like` (a LIKE pattern), as
/// the server does to them in a restart or a network cut; returns how many.
std::size_t end_sessions(const std::string& uri, const std::string& like = "%") {
    pqxx::connection admin(uri);
    pqxx::nontransaction w(admin);
    return w
        .exec_params(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = "
            "current_database() AND pid != pg_backend_pid() AND query LIKE $1",
            like)
        .size();
}

}  // namespace

TEST(CentreCluster, TheSingleCentreIsAlwaysTheLeader) {
    asio::io_context io;
    auto link = single_instance_link(io);
    bool leader = false;
    link->start({.leadership = [&](bool on) { leader = on; }});
    link->send(peer_kind::alert, "hub-1-1");  // nobody to tell: no effect
    io.run();
    EXPECT_TRUE(leader);
}

TEST(CentreCluster, OneLeaderAtATimeAndAnotherWithinASecondWhenItGoes) {
    WARDEN_POSTGRES_OR_SKIP();
    auto uri = harness::test_postgres().create_database();
    auto a = std::make_unique<instance>(uri, "a");
    auto b = std::make_unique<instance>(uri, "b");
    auto c = std::make_unique<instance>(uri, "c");
    auto leaders = [&] { return int(a && a->leader) + int(b && b->leader) + int(c && c->leader); };
    ASSERT_TRUE(harness::eventually([&] { return leaders() == 1; }, 10s));
    std::this_thread::sleep_for(500ms);  // several checks later: still one
    EXPECT_EQ(leaders(), 1);

    // The leader leaves; one of the others takes over.
    auto& first = a->leader ? a : b->leader ? b : c;
    first.reset();
    auto t0 = std::chrono::steady_clock::now();
    ASSERT_TRUE(harness::eventually([&] { return leaders() == 1; }, 5s));
    EXPECT_LT(std::chrono::steady_clock::now() - t0, 1s);
    std::this_thread::sleep_for(500ms);
    EXPECT_EQ(leaders(), 1);
}

TEST(CentreCluster, ALeaderWhoseLeaseConnectionIsCutStepsDownAndOneLeaderFollows) {
    WARDEN_POSTGRES_OR_SKIP();
    auto uri = harness::test_postgres().create_database();
    instance a(uri, "a"), b(uri, "b");
    ASSERT_TRUE(harness::eventually([&] { return a.leader != b.leader; }, 10s));
    auto& first = a.leader ? a : b;
    // The database ends the leader's session (as it does when the leader's machine drops off the
    // network and TCP keepalive gives up): the lock is free, and the leader must notice and step down.
    pqxx::connection admin(uri);
    pqxx::nontransaction w(admin);
    auto r = w.exec(
        "SELECT pg_terminate_backend(pid) FROM pg_locks WHERE locktype = 'advisory' AND granted AND "
        "database = (SELECT oid FROM pg_database WHERE datname = current_database())");
    ASSERT_EQ(r.size(), 1u);
    EXPECT_TRUE(harness::eventually([&] { return first.stepdowns > 0; }, 5s));
    EXPECT_TRUE(harness::eventually([&] { return a.leader != b.leader; }, 5s));
    std::this_thread::sleep_for(500ms);
    EXPECT_NE(a.leader, b.leader);
}

TEST(CentreCluster, MessagesReachEveryOtherInstanceInBatches) {
    WARDEN_POSTGRES_OR_SKIP();
    auto uri = harness::test_postgres().create_database();
    instance a(uri, "a"), b(uri, "b"), c(uri, "c");
    ASSERT_TRUE(harness::eventually([&] { return a.leader || b.leader || c.leader; }, 10s));
    std::this_thread::sleep_for(300ms);  // every instance LISTENs by now (the lease thread's first turn)

    a.link->send(peer_kind::alert, "hub-1-1");
    a.link->send(peer_kind::hub, "hub-1");
    a.link->send(peer_kind::offline, "hub-2");
    for (int i = 0; i < 3000; ++i) a.link->send(peer_kind::heard, "hub-" + std::to_string(i));
    for (auto* other : {&b, &c}) {
        // One transaction's notifications arrive in the order they were sent, by kind (alert, hub,
        // heard, offline): the last may still be on its way when the heard ones are all in.
        EXPECT_TRUE(harness::eventually([&] { return other->count(peer_kind::heard) == 3000; }, 10s))
            << other->count(peer_kind::heard);
        for (auto kind : {peer_kind::alert, peer_kind::hub, peer_kind::offline})
            EXPECT_TRUE(harness::eventually([&] { return other->count(kind) == 1; }, 5s)) << to_string(kind);
    }
    std::this_thread::sleep_for(200ms);  // nothing more follows
    for (auto* other : {&b, &c})
        for (auto kind : {peer_kind::alert, peer_kind::hub, peer_kind::offline})
            EXPECT_EQ(other->count(kind), 1u) << to_string(kind);
    EXPECT_EQ(a.count(peer_kind::heard) + a.count(peer_kind::alert), 0u) << "an instance hears itself";
}

TEST(CentreCluster, AnInstanceCutOffFromTheDatabaseSaysItMayHaveMissedMessagesAndHearsTheNextOnes) {
    WARDEN_POSTGRES_OR_SKIP();
    auto uri = harness::test_postgres().create_database();
    instance a(uri, "a"), b(uri, "b");
    ASSERT_TRUE(harness::eventually([&] { return a.leader != b.leader; }, 10s));
    std::this_thread::sleep_for(300ms);  // both LISTEN by now
    EXPECT_EQ(a.missed + b.missed, 0) << "nothing was missed at the start";

    ASSERT_GE(end_sessions(uri), 2u);  // both lease connections: whatever was sent meanwhile is lost
    EXPECT_TRUE(harness::eventually([&] { return a.missed == 1 && b.missed == 1; }, 5s))
        << a.missed << " " << b.missed;
    EXPECT_TRUE(harness::eventually([&] { return a.leader != b.leader; }, 5s));
    a.link->send(peer_kind::alert, "hub-1-1");
    EXPECT_TRUE(harness::eventually([&] { return b.has(peer_kind::alert, "hub-1-1"); }, 5s));
}

TEST(CentreCluster, MessagesTheSenderCouldNotSendForALostConnectionAreSentOnceItIsBack) {
    WARDEN_POSTGRES_OR_SKIP();
    auto uri = harness::test_postgres().create_database();
    instance a(uri, "a"), b(uri, "b");
    ASSERT_TRUE(harness::eventually([&] { return a.leader != b.leader; }, 10s));
    std::this_thread::sleep_for(300ms);
    a.link->send(peer_kind::alert, "hub-1-1");
    ASSERT_TRUE(harness::eventually([&] { return b.has(peer_kind::alert, "hub-1-1"); }, 5s));

    ASSERT_EQ(end_sessions(uri, "%pg_notify%"), 1u);  // a's sender connection only
    a.link->send(peer_kind::alert, "hub-2-1");
    a.link->send(peer_kind::hub, "hub-2");
    // Each kind is its own notification: the second may land a moment after the first.
    EXPECT_TRUE(harness::eventually([&] { return b.has(peer_kind::alert, "hub-2-1"); }, 5s));
    EXPECT_TRUE(harness::eventually([&] { return b.has(peer_kind::hub, "hub-2"); }, 5s));
    EXPECT_EQ(b.missed, 0) << "b's own connection was never lost";
}
