// The centre's store: store-once ingest, cleared alerts, the operator workflow with history and audit, the
// queue order, hubs, users and sessions. The CentreStore tests run through the store interfaces against
// every backend in `backends` (SQLite on a real database file, PostgreSQL on a fresh database of the
// run's throwaway cluster; a new backend adds one line there and must pass them all). CentreSqliteStore
// and CentrePostgresStore test what only one backend has: its file, pragmas, schema version, connection.
#include <gtest/gtest.h>

#include <sys/stat.h>

#include <sqlite3.h>

#include <pqxx/pqxx>

#include <algorithm>
#include <array>
#include <atomic>
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <set>
#include <thread>

#include "warden/centre/postgres_store.hpp"
#include "warden/centre/records_key.hpp"
#include "warden/centre/sqlite_store.hpp"
#include "warden/harness/harness.hpp"
#include "warden/harness/postgres.hpp"

using namespace warden;
using namespace warden::centre;
using namespace std::chrono_literals;

namespace {

time_point t0() {
    return *parse_time("2026-11-28T12:00:00Z");
}

alert make(const std::string& hub, std::uint64_t seq, priority p = priority::critical,
           alert_state st = alert_state::raised) {
    alert a;
    a.hub = hub;
    a.seq = seq;
    a.id = make_alert_id(hub, seq);
    a.type = "pendant";
    a.state = st;
    a.priority = p;
    a.sia = "QA";
    a.at = t0();
    a.rule = "pendant";
    a.sensor = "pendant";
    a.location = "worn";
    a.text = "Pendant pressed";
    return a;
}

ingest_batch batch(std::vector<alert> alerts, time_point at) {
    ingest_batch b;
    b.alerts = std::move(alerts);
    b.received_at = at;
    return b;
}

/// Per alert of a batch: stored now (true) or a resend (false).
std::vector<bool> fresh_of(const std::vector<ingest_result>& results) {
    std::vector<bool> out;
    for (const auto& r : results) out.push_back(r.fresh);
    return out;
}

/// A backend under test: its name and how to open (creating, or reopening) its database at a place in a
/// fresh temporary folder.
struct backend {
    std::string name;
    std::function<std::unique_ptr<store>(const std::filesystem::path& folder)> open;
};

/// The PostgreSQL database of a test's folder: made on first use, the same one when reopened.
std::string postgres_database_of(const std::filesystem::path& folder) {
    static std::map<std::filesystem::path, std::string> made;
    auto [it, fresh] = made.try_emplace(folder);
    if (fresh) it->second = harness::test_postgres().create_database();
    return it->second;
}

const backend backends[] = {
    {"sqlite",
     [](const std::filesystem::path& folder) { return open_sqlite_store((folder / "c.db").string()); }},
    {"postgres",
     [](const std::filesystem::path& folder) { return open_postgres_store(postgres_database_of(folder)); }},
};

/// Each test gets a fresh database of the backend; open_store() opens it (again, after a reopen).
class CentreStore : public ::testing::TestWithParam<backend> {
protected:
    void SetUp() override {
        if (GetParam().name == "postgres") {
            WARDEN_POSTGRES_OR_SKIP();
        }
    }
    std::unique_ptr<store> open_store() { return GetParam().open(dir_.path()); }

private:
    harness::temp_dir dir_;
};

}  // namespace

INSTANTIATE_TEST_SUITE_P(Backends, CentreStore, ::testing::ValuesIn(backends),
                         [](const ::testing::TestParamInfo<backend>& info) { return info.param.name; });

TEST_P(CentreStore, StoresEachIdOnceAndKeepsItAcrossReopen) {
    {
        auto s = open_store();
        auto fresh = fresh_of(s->ingest(batch({make("hub-a", 1), make("hub-a", 2), make("hub-a", 1)}, t0())));
        EXPECT_EQ(fresh, (std::vector<bool>{true, true, false}));
        EXPECT_EQ(s->ingest(batch({make("hub-a", 2)}, t0() + 5s)),
                  (std::vector<ingest_result>{{false, "hub-a-2", std::nullopt}}));
    }
    auto s = open_store();
    auto all = s->list_alerts({.state = "all"});
    ASSERT_EQ(all.size(), 2u);
    auto one = s->get_alert("hub-a-1");
    ASSERT_TRUE(one);
    EXPECT_EQ(one->a, make("hub-a", 1));
    EXPECT_EQ(one->status, alert_status::open);
    EXPECT_EQ(one->received_at, t0());
    auto h = s->history("hub-a-1");
    ASSERT_EQ(h.size(), 1u);
    EXPECT_EQ(h[0].action, "received");
    auto hubs = s->list_hubs();
    ASSERT_EQ(hubs.size(), 1u);
    EXPECT_EQ(hubs[0].id, "hub-a");
}

// A batch locks all its hubs at once (PostgreSQL: one array of their ids), stores each alert with its
// history and its hub in one statement, and takes the longer way only for an id stored already. Ids with
// the characters an array literal must escape, or that look like its syntax, are stored as they are.
TEST_P(CentreStore, ABatchFromManyHubsStoresEachAlertOnceWhateverTheHubsIdsHold) {
    const std::vector<std::string> hubs{"hub-a",      "hub \"quoted\"", "hub\\back", "hub,comma",
                                        "hub{brace}", "NULL",           "hub-é"};
    auto s = open_store();
    std::vector<alert> first;
    for (const auto& h : hubs) first.push_back(make(h, 1));
    first.push_back(make(hubs[1], 1));  // a resend in the same batch
    auto fresh = fresh_of(s->ingest(batch(first, t0())));
    EXPECT_EQ(fresh, (std::vector<bool>{true, true, true, true, true, true, true, false}));
    // Again in a later batch beside a new alert of each: resends, and new ones stored.
    std::vector<alert> second;
    for (const auto& h : hubs) {
        second.push_back(make(h, 1));
        second.push_back(make(h, 2));
    }
    auto results = s->ingest(batch(second, t0() + 5s));
    for (std::size_t i = 0; i < results.size(); ++i) {
        EXPECT_EQ(results[i].fresh, i % 2 == 1) << second[i].id;
        EXPECT_EQ(results[i].id, second[i].id);
    }
    EXPECT_EQ(s->list_alerts({.state = "all", .limit = 100}).size(), 2 * hubs.size());
    std::set<std::string> listed;
    for (const auto& h : s->list_hubs()) {
        listed.insert(h.id);
        EXPECT_EQ(h.last_seen, t0() + 5s) << h.id;
    }
    EXPECT_EQ(listed, std::set<std::string>(hubs.begin(), hubs.end()));
    for (const auto& h : hubs) EXPECT_EQ(s->history(make_alert_id(h, 2)).size(), 1u) << h;
}

// Security finding 13: centre.db (password hashes, session tokens) was -rw-r--r-- under umask 022.
TEST(CentreSqliteStore, DatabaseIsPrivateWhateverTheUmask) {
    harness::temp_dir dir;
    auto old = ::umask(022);
    { auto s = open_sqlite_store((dir / "centre.db").string()); }
    ::umask(old);
    EXPECT_EQ(std::filesystem::status(dir / "centre.db").permissions() & std::filesystem::perms::mask,
              std::filesystem::perms::owner_read | std::filesystem::perms::owner_write);
}

TEST(CentreSqliteStore, MigratesAndRefusesANewerSchema) {
    harness::temp_dir dir;
    auto path = (dir / "centre.db").string();
    { auto s = open_sqlite_store(path); }
    sqlite3* db = nullptr;
    ASSERT_EQ(sqlite3_open(path.c_str(), &db), SQLITE_OK);
    sqlite3_stmt* st = nullptr;
    sqlite3_prepare_v2(db, "PRAGMA user_version", -1, &st, nullptr);
    ASSERT_EQ(sqlite3_step(st), SQLITE_ROW);
    EXPECT_EQ(sqlite3_column_int(st, 0), sqlite_schema_version());
    sqlite3_finalize(st);
    sqlite3_prepare_v2(db, "PRAGMA journal_mode", -1, &st, nullptr);
    ASSERT_EQ(sqlite3_step(st), SQLITE_ROW);
    EXPECT_STREQ(reinterpret_cast<const char*>(sqlite3_column_text(st, 0)), "wal");
    sqlite3_finalize(st);
    sqlite3_exec(db, "PRAGMA user_version = 999", nullptr, nullptr, nullptr);
    sqlite3_close(db);
    EXPECT_THROW(open_sqlite_store(path), store_error);
}

TEST_P(CentreStore, QueueIsMostUrgentFirstThenOldest) {
    auto s = open_store();
    s->ingest(batch({make("h", 1, priority::normal)}, t0()));
    s->ingest(batch({make("h", 2, priority::critical)}, t0() + 1s));
    s->ingest(batch({make("h", 3, priority::high)}, t0() + 2s));
    s->ingest(batch({make("h", 4, priority::critical)}, t0() + 3s));
    auto q = s->list_alerts({});
    ASSERT_EQ(q.size(), 4u);
    EXPECT_EQ(q[0].a.id, "h-2");
    EXPECT_EQ(q[1].a.id, "h-4");
    EXPECT_EQ(q[2].a.id, "h-3");
    EXPECT_EQ(q[3].a.id, "h-1");
    EXPECT_EQ(s->list_alerts({.state = "open", .hub = "other"}).size(), 0u);
    EXPECT_EQ(s->list_alerts({.state = "open", .text = "PENDANT"}).size(), 4u);
    EXPECT_EQ(s->list_alerts({.state = "open", .limit = 2}).size(), 2u);
}

TEST_P(CentreStore, QueuePutsCallsNobodyHasTakenBeforeAcknowledgedOnes) {
    auto s = open_store();
    s->ingest(batch({make("h", 1)}, t0()));
    s->ingest(batch({make("h", 2)}, t0() + 1s));
    s->ingest(batch({make("h", 3, priority::high)}, t0() + 2s));
    s->ingest(batch({make("h", 4, priority::high)}, t0() + 3s));
    s->acknowledge("h-1", "ann", t0() + 10s);
    s->acknowledge("h-3", "ann", t0() + 11s);
    // A new critical nobody has taken sits above an older acknowledged critical.
    s->ingest(batch({make("h", 5)}, t0() + 20s));
    std::vector<std::string> ids;
    for (const auto& a : s->list_alerts({})) ids.push_back(a.a.id);
    EXPECT_EQ(ids, (std::vector<std::string>{"h-2", "h-5", "h-1", "h-4", "h-3"}));
    ids.clear();
    for (const auto& a : s->list_alerts({.state = "acknowledged"})) ids.push_back(a.a.id);
    EXPECT_EQ(ids, (std::vector<std::string>{"h-1", "h-3"}));
}

TEST_P(CentreStore, QueueGroupsOneRowPerHomeItsMostUrgentCallOnTopAndCallBacksComeBackWhenDue) {
    auto s = open_store();
    std::vector<alert> flood;
    for (std::uint64_t i = 1; i <= 50; ++i) flood.push_back(make("busy", i));
    s->ingest(batch(flood, t0()));
    auto battery = make("quiet", 1, priority::normal);
    battery.type = "battery_low";
    s->ingest(batch({make("quiet", 2, priority::high), battery}, t0() + 5s));
    s->ingest(batch({make("late", 1)}, t0() + 9s));
    auto hubs = [&](alert_query q) {
        std::vector<std::pair<std::string, std::string>> out;
        for (const auto& g : s->queue_groups(q)) out.emplace_back(g.hub, g.top.a.id);
        return out;
    };
    using rows = std::vector<std::pair<std::string, std::string>>;
    EXPECT_EQ(hubs({.now = t0() + 10s}),
              (rows{{"busy", "busy-1"}, {"late", "late-1"}, {"quiet", "quiet-2"}}));
    EXPECT_EQ(hubs({.kind = alert_kind::technical, .now = t0() + 10s}), (rows{{"quiet", "quiet-1"}}));
    EXPECT_EQ(hubs({.limit = 1, .now = t0() + 10s}), (rows{{"busy", "busy-1"}}));
    auto g = s->queue_groups({.now = t0() + 10s});
    EXPECT_EQ(g[0].count, 50);
    EXPECT_EQ(g[0].untaken, 50);
    EXPECT_EQ(g[0].critical_untaken, 50);
    EXPECT_EQ(g[0].oldest_untaken, t0());
    // The busy home taken as a group; the late one held for a minute: the quiet home's call comes
    // first among untaken ones until the call-back is due, then the held critical is back on top.
    std::vector<std::string> ids;
    for (const auto& a : flood) ids.push_back(a.id);
    EXPECT_EQ(s->acknowledge_group("busy", ids, "ann", t0() + 11s).done.size(), 50u);
    EXPECT_EQ(s->hold("late-1", "ann", t0() + 70s, "", t0() + 12s), change_result::ok);
    auto untaken = [&](time_point now) {
        std::vector<std::string> out;
        for (const auto& a : s->list_alerts({.state = "untaken", .kind = alert_kind::calls, .now = now}))
            out.push_back(a.a.id);
        return out;
    };
    EXPECT_EQ(untaken(t0() + 69s), (std::vector<std::string>{"quiet-2"}));
    EXPECT_EQ(untaken(t0() + 70s), (std::vector<std::string>{"late-1", "quiet-2"}));
    EXPECT_EQ(hubs({.now = t0() + 70s})[0].first, "late");
}

TEST_P(CentreStore, AcknowledgeResolveReopenWithHistoryAndAudit) {
    auto s = open_store();
    s->ingest(batch({make("h", 1)}, t0()));
    EXPECT_EQ(s->acknowledge("nope", "ann", t0()), change_result::not_found);
    EXPECT_EQ(s->acknowledge("h-1", "ann", t0() + 10s), change_result::ok);
    EXPECT_EQ(s->acknowledge("h-1", "bob", t0() + 11s), change_result::conflict);
    auto a = s->get_alert("h-1");
    EXPECT_EQ(a->status, alert_status::acknowledged);
    EXPECT_EQ(a->acknowledged_by, "ann");
    EXPECT_EQ(a->acknowledged_at, t0() + 10s);
    // Acknowledged alerts stay in the open queue.
    EXPECT_EQ(s->list_alerts({}).size(), 1u);
    EXPECT_EQ(s->list_alerts({.state = "acknowledged"}).size(), 1u);

    EXPECT_EQ(s->resolve("h-1", "ann", "resident_ok", "spoke to resident", t0() + 60s), change_result::ok);
    EXPECT_EQ(s->resolve("h-1", "ann", "resident_ok", "", t0() + 61s), change_result::conflict);
    a = s->get_alert("h-1");
    EXPECT_EQ(a->status, alert_status::resolved);
    EXPECT_EQ(a->outcome, "resident_ok");
    EXPECT_EQ(a->note, "spoke to resident");
    EXPECT_TRUE(s->list_alerts({}).empty());
    EXPECT_EQ(s->list_alerts({.state = "resolved"}).size(), 1u);

    EXPECT_EQ(s->reopen("h-1", "sue", t0() + 120s), change_result::ok);
    EXPECT_EQ(s->get_alert("h-1")->status, alert_status::open);

    auto h = s->history("h-1");
    ASSERT_EQ(h.size(), 4u);
    EXPECT_EQ(h[1].action, "acknowledged");
    EXPECT_EQ(h[1].user, "ann");
    EXPECT_EQ(h[2].action, "resolved");
    EXPECT_EQ(h[3].action, "reopened");
    EXPECT_EQ(h[3].user, "sue");
    auto audit = s->list_audit(10);
    ASSERT_EQ(audit.size(), 3u);
    EXPECT_EQ(audit[0].action, "reopen");
    EXPECT_EQ(audit[2].action, "acknowledge");
    EXPECT_EQ(audit[2].target, "h-1");
}

TEST_P(CentreStore, ResponderOutcomesAndProcedureStepsAreHistoryAndAudit) {
    auto s = open_store();
    s->ingest(batch({make("h", 1)}, t0()));
    EXPECT_EQ(s->add_call_entry("nope", "ann", "responder", "Rhys: no answer", t0()),
              change_result::not_found);
    EXPECT_EQ(s->add_call_entry("h-1", "ann", "responder", "Rhys (07700 900101): no answer", t0() + 5s),
              change_result::ok);
    EXPECT_EQ(s->add_call_entry("h-1", "ann", "step", "1. Speak to the resident", t0() + 6s),
              change_result::ok);
    EXPECT_EQ(s->get_alert("h-1")->status, alert_status::open);  // recording is not taking the call
    auto h = s->history("h-1");
    ASSERT_EQ(h.size(), 3u);
    EXPECT_EQ(h[1], (history_entry{t0() + 5s, "responder", "ann", "Rhys (07700 900101): no answer"}));
    EXPECT_EQ(h[2], (history_entry{t0() + 6s, "step", "ann", "1. Speak to the resident"}));
    auto audit = s->list_audit(10);
    ASSERT_EQ(audit.size(), 2u);
    EXPECT_EQ(audit[0].action, "step");
    EXPECT_EQ(audit[1].action, "responder");
    EXPECT_EQ(audit[1].target, "h-1");
}

TEST_P(CentreStore, HandoverNotesNewestFirstAndAudited) {
    auto s = open_store();
    EXPECT_TRUE(s->handovers(5).empty());
    auto first = s->add_handover("ann", "Quiet night", t0());
    auto second = s->add_handover("bob", "Watch home-01", t0() + 8h);
    EXPECT_LT(first, second);
    auto notes = s->handovers(5);
    ASSERT_EQ(notes.size(), 2u);
    EXPECT_EQ(notes[0], (handover_note{second, t0() + 8h, "bob", "Watch home-01"}));
    EXPECT_EQ(notes[1].note, "Quiet night");
    EXPECT_EQ(s->handovers(1).size(), 1u);
    EXPECT_EQ(s->list_audit(1)[0].action, "handover");
}

TEST_P(CentreStore, ClearedAlertMarksTheRaisedOneAndStaysOutOfTheQueue) {
    auto s = open_store();
    auto raised = make("h", 1, priority::normal);
    raised.type = "sensor_offline";
    auto cleared = make("h", 2, priority::normal, alert_state::cleared);
    cleared.type = "sensor_offline";
    cleared.clears = "h-1";
    s->ingest(batch({raised}, t0()));
    s->ingest(batch({cleared}, t0() + 30s));
    auto q = s->list_alerts({});
    ASSERT_EQ(q.size(), 1u);
    EXPECT_EQ(q[0].a.id, "h-1");
    EXPECT_EQ(q[0].cleared_at, t0() + 30s);
    EXPECT_EQ(s->list_alerts({.state = "all"}).size(), 2u);
    EXPECT_EQ(s->history("h-1").back().action, "cleared");
    EXPECT_FALSE(s->uncleared_alert("h", "sensor_offline"));
}

TEST_P(CentreStore, ClearCanAutoResolveAnUnacknowledgedAlert) {
    auto s = open_store();
    auto a = make("h", 1, priority::normal);
    a.id = "centre-hub_offline-h-1";
    a.type = "hub_offline";
    s->ingest(batch({a}, t0()));
    EXPECT_EQ(s->uncleared_alert("h", "hub_offline")->a.id, a.id);
    EXPECT_EQ(s->count_alerts("h", "hub_offline"), 1);
    EXPECT_EQ(s->escalate(a.id, priority::high, "silent 15m", t0() + 15min), change_result::ok);
    EXPECT_EQ(s->escalate(a.id, priority::high, "again", t0() + 16min), change_result::conflict);
    EXPECT_EQ(s->get_alert(a.id)->a.priority, priority::high);
    EXPECT_EQ(s->clear(a.id, "system", "hub heard again", std::string("hub_back_online"), t0() + 20min),
              change_result::ok);
    auto got = s->get_alert(a.id);
    EXPECT_EQ(got->status, alert_status::resolved);
    EXPECT_EQ(got->outcome, "hub_back_online");
    EXPECT_EQ(got->resolved_by, "system");
    EXPECT_EQ(got->cleared_at, t0() + 20min);
    EXPECT_EQ(s->clear(a.id, "system", "", std::nullopt, t0() + 21min), change_result::conflict);

    // An acknowledged one is cleared but left for the operator to resolve.
    auto b = a;
    b.id = "centre-hub_offline-h-2";
    s->ingest(batch({b}, t0() + 1h));
    s->acknowledge(b.id, "ann", t0() + 1h + 5s);
    s->clear(b.id, "system", "hub heard again", std::string("hub_back_online"), t0() + 2h);
    got = s->get_alert(b.id);
    EXPECT_EQ(got->status, alert_status::acknowledged);
    EXPECT_TRUE(got->cleared_at);
}

TEST_P(CentreStore, HubsFromHeartbeatsAndStatus) {
    auto s = open_store();
    ingest_batch b;
    b.received_at = t0();
    b.heartbeats.push_back({"hub-1", 3, R"({"online":2,"offline":1,"battery_low":0})", "0.1.0"});
    b.statuses.push_back({"hub-2", "offline"});
    s->ingest(b);
    s->set_hub_online("hub-2", false);
    auto hubs = s->list_hubs();
    ASSERT_EQ(hubs.size(), 2u);
    EXPECT_EQ(hubs[0].outbox, 3);
    EXPECT_EQ(hubs[0].last_heartbeat, t0());
    EXPECT_EQ(hubs[0].version, "0.1.0");
    EXPECT_TRUE(hubs[0].online);
    EXPECT_EQ(hubs[1].status, "offline");
    EXPECT_FALSE(hubs[1].online);
    EXPECT_FALSE(hubs[1].last_seen);
}

TEST_P(CentreStore, HubAwayModeFromHeartbeatsAndUnknownWhenNotSaid) {
    auto s = open_store();
    ingest_batch b;
    b.received_at = t0();
    heartbeat_record h{"hub-1", 0, "{}", "0.2.0"};
    h.away = away_state{
        .on = true, .since = t0() - 5min, .by = away_setter::centre, .user = "olive", .request = "c-1"};
    b.heartbeats.push_back(h);
    b.heartbeats.push_back({"hub-2", 0, "{}", "0.1.0"});  // an older hub: no away field
    s->ingest(b);
    EXPECT_EQ(s->get_hub("hub-1")->away, h.away);
    EXPECT_FALSE(s->get_hub("hub-2")->away);

    // The home ends it: the next heartbeat replaces what was stored, user and request included.
    b.heartbeats.clear();
    h.away = away_state{.on = false, .since = t0(), .by = away_setter::local};
    b.heartbeats.push_back(h);
    s->ingest(b);
    EXPECT_EQ(s->list_hubs()[0].away, h.away);
    // Downgraded to a hub that does not say: unknown again, not the last word of the newer one.
    b.heartbeats.back().away.reset();
    s->ingest(b);
    EXPECT_FALSE(s->get_hub("hub-1")->away);
}

TEST_P(CentreStore, UsersAndSessionsExpire) {
    auto s = open_store();
    EXPECT_TRUE(s->add_user({"ann", "operator", "hash", t0()}));
    EXPECT_FALSE(s->add_user({"ann", "admin", "hash2", t0()}));
    EXPECT_EQ(s->find_user("ann")->role, "operator");
    EXPECT_EQ(s->list_users().size(), 1u);
    s->add_session({"tok", "ann", "", "csrf", t0(), t0(), t0() + 1h});
    auto found = s->find_session("tok", t0() + 30min);
    ASSERT_TRUE(found);
    EXPECT_EQ(found->role, "operator");
    EXPECT_EQ(found->csrf, "csrf");
    EXPECT_FALSE(s->find_session("tok", t0() + 2h));
    s->touch_session("tok", t0() + 50min, t0() + 3h);
    EXPECT_TRUE(s->find_session("tok", t0() + 2h));
    s->delete_session("tok");
    EXPECT_FALSE(s->find_session("tok", t0()));
    EXPECT_TRUE(s->healthy());
}

TEST_P(CentreStore, AdminChangesToAUserEndTheirSessionsAndAreAudited) {
    auto s = open_store();
    ASSERT_TRUE(s->add_user({"ann", "operator", "hash", t0()}));
    ASSERT_TRUE(s->add_user({"ada", "admin", "hash", t0()}));
    s->add_session({"tok-a1", "ann", "", "c", t0(), t0(), t0() + 8h});
    s->add_session({"tok-a2", "ann", "", "c", t0(), t0(), t0() + 8h});
    s->add_session({"tok-ada", "ada", "", "c", t0(), t0(), t0() + 8h});
    auto now = t0() + 1min;

    EXPECT_EQ(s->set_user_role("ann", "supervisor", "ada", now), change_result::ok);
    EXPECT_EQ(s->find_user("ann")->role, "supervisor");
    EXPECT_FALSE(s->find_session("tok-a1", now));
    EXPECT_FALSE(s->find_session("tok-a2", now));
    EXPECT_TRUE(s->find_session("tok-ada", now)) << "other users' sessions are untouched";
    auto audit = s->list_audit(1);
    ASSERT_EQ(audit.size(), 1u);
    EXPECT_EQ(audit[0].user, "ada");
    EXPECT_EQ(audit[0].action, "user_role");
    EXPECT_EQ(audit[0].target, "ann");
    EXPECT_EQ(audit[0].detail, "operator -> supervisor; 2 sessions ended");

    s->add_session({"tok-a3", "ann", "", "c", now, now, now + 8h});
    EXPECT_EQ(s->set_user_password("ann", "new-hash", "ada", now), change_result::ok);
    EXPECT_EQ(s->find_user("ann")->password_hash, "new-hash");
    EXPECT_EQ(s->find_user("ann")->role, "supervisor");
    EXPECT_FALSE(s->find_session("tok-a3", now));
    EXPECT_EQ(s->list_audit(1)[0].action, "user_password");
    EXPECT_EQ(s->list_audit(1)[0].detail, "1 session ended");

    EXPECT_EQ(s->set_user_disabled("ann", true, "ada", now), change_result::ok);
    EXPECT_TRUE(s->find_user("ann")->disabled);
    EXPECT_EQ(s->list_audit(1)[0].action, "user_disable");
    // Even a session made after it (it should not be) does not work for a disabled user.
    s->add_session({"tok-a4", "ann", "", "c", now, now, now + 8h});
    EXPECT_FALSE(s->find_session("tok-a4", now));
    auto users = s->list_users();
    ASSERT_EQ(users.size(), 2u);
    EXPECT_TRUE(users[1].disabled);
    EXPECT_FALSE(users[0].disabled);
    EXPECT_EQ(s->set_user_disabled("ann", false, "ada", now), change_result::ok);
    EXPECT_FALSE(s->find_user("ann")->disabled);
    EXPECT_EQ(s->list_audit(1)[0].action, "user_enable");

    EXPECT_EQ(s->set_user_role("nobody", "admin", "ada", now), change_result::not_found);
    EXPECT_EQ(s->set_user_password("nobody", "h", "ada", now), change_result::not_found);
    EXPECT_EQ(s->set_user_disabled("nobody", true, "ada", now), change_result::not_found);

    // The last enabled admin can be neither demoted nor disabled; nothing changes, nothing is audited.
    auto audited = s->list_audit(100).size();
    EXPECT_EQ(s->set_user_role("ada", "operator", "ada", now), change_result::conflict);
    EXPECT_EQ(s->set_user_disabled("ada", true, "ada", now), change_result::conflict);
    EXPECT_EQ(s->find_user("ada")->role, "admin");
    EXPECT_TRUE(s->find_session("tok-ada", now));
    EXPECT_EQ(s->list_audit(100).size(), audited);
    EXPECT_EQ(s->set_user_role("ann", "admin", "ada", now), change_result::ok);
    EXPECT_EQ(s->set_user_disabled("ada", true, "ann", now), change_result::ok);
    EXPECT_EQ(s->set_user_role("ann", "operator", "ann", now), change_result::conflict);
}

TEST_P(CentreStore, FoldedAlertsAreStoredOutOfTheQueueAndCountedOnTheirFloodAlert) {
    auto s = open_store();
    alert flood = make("h", 1);
    flood.id = "centre-alert_flood-h-1";
    flood.type = "alert_flood";
    flood.priority = priority::high;
    flood.text = "Alert flood from hub h";
    auto b = batch({make("h", 1, priority::normal), make("h", 2, priority::critical), make("h", 3)}, t0());
    b.folded_into = {std::nullopt, flood.id, flood.id};
    b.floods = {flood};
    EXPECT_EQ(fresh_of(s->ingest(b)), (std::vector<bool>{true, true, true}));
    std::vector<std::string> queue;
    for (const auto& a : s->list_alerts({})) queue.push_back(a.a.id);
    EXPECT_EQ(queue, (std::vector<std::string>{flood.id, "h-1"}));  // critical now, as the worst it folded
    auto f = s->get_alert(flood.id);
    ASSERT_TRUE(f);
    EXPECT_EQ(f->a.priority, priority::critical);
    EXPECT_EQ(f->a.value, 2.0);
    EXPECT_EQ(f->a.text, "Alert flood from hub h (2 folded)");
    auto folded = s->get_alert("h-2");
    EXPECT_EQ(folded->folded_into, flood.id);
    EXPECT_EQ(folded->status, alert_status::resolved);
    EXPECT_EQ(folded->outcome, "folded");
    EXPECT_EQ(s->folded_alerts(flood.id, 10).size(), 2u);
    EXPECT_EQ(s->history("h-2").back().action, "folded");

    // The flood goes on: the same flood alert, counted on; a resend is not counted twice.
    auto more = batch({make("h", 3), make("h", 4)}, t0() + 1s);
    more.folded_into = {flood.id, flood.id};
    more.floods = {flood};
    EXPECT_EQ(fresh_of(s->ingest(more)), (std::vector<bool>{false, true}));
    EXPECT_EQ(s->get_alert(flood.id)->a.value, 3.0);
    EXPECT_EQ(s->count_alerts("h", "alert_flood"), 1);
}

TEST_P(CentreStore, AdminsDisableAndEnableAHubAudited) {
    auto s = open_store();
    s->ingest(batch({make("h", 1)}, t0()));
    EXPECT_EQ(s->set_hub_disabled("nope", true, "ada", t0()), change_result::not_found);
    EXPECT_EQ(s->set_hub_disabled("h", true, "ada", t0()), change_result::ok);
    EXPECT_EQ(s->set_hub_disabled("h", true, "ada", t0()), change_result::conflict);
    EXPECT_TRUE(s->get_hub("h")->disabled);
    EXPECT_EQ(s->disabled_hubs(), std::vector<std::string>{"h"});
    EXPECT_EQ(s->list_audit(1).at(0).action, "hub_disable");
    EXPECT_EQ(s->set_hub_disabled("h", false, "cli", t0()), change_result::ok);
    EXPECT_TRUE(s->disabled_hubs().empty());
    EXPECT_EQ(s->list_audit(1).at(0).user, "cli");
}

TEST(CentreSqliteStore, MigratesAVersionOneDatabaseKeepingItsUsers) {
    harness::temp_dir dir;
    auto path = (dir / "centre.db").string();
    { auto s = open_sqlite_store(path); }
    // Turn it back into what version 1 wrote: no `disabled` columns, no `folded_into`, no records' tables, no
    // holds or supervisor columns, no hand-over notes, no activity tables, no hubs' away mode.
    sqlite3* db = nullptr;
    ASSERT_EQ(sqlite3_open(path.c_str(), &db), SQLITE_OK);
    ASSERT_EQ(
        sqlite3_exec(
            db,
            "DROP TABLE activity_settings; DROP TABLE activity_hours; DROP TABLE handover_notes; "
            "DROP TABLE records_meta; DROP TABLE professionals; DROP "
            "TABLE responders; DROP TABLE "
            "residents; DROP TABLE household_hubs; DROP TABLE households; DROP TABLE "
            "team_members; DROP TABLE teams; "
            "DROP INDEX alerts_hub_queue; ALTER TABLE alerts DROP COLUMN held_until_ms; ALTER "
            "TABLE alerts DROP COLUMN held_by; ALTER TABLE alerts DROP COLUMN supervisor_ms; "
            "ALTER TABLE alerts DROP COLUMN supervisor_by; "
            "ALTER TABLE hubs DROP COLUMN away; ALTER TABLE hubs DROP COLUMN away_since_ms; ALTER "
            "TABLE hubs DROP COLUMN away_by; ALTER TABLE hubs DROP COLUMN away_user; ALTER TABLE "
            "hubs DROP COLUMN away_request; "
            "DROP INDEX alerts_folded; ALTER TABLE alerts DROP COLUMN folded_into; ALTER TABLE "
            "hubs DROP COLUMN disabled; ALTER TABLE users DROP COLUMN disabled; PRAGMA "
            "user_version = 1; INSERT INTO "
            "users(name, role, password_hash, created_ms) VALUES ('old', 'operator', 'h', 0); INSERT INTO "
            "hubs(id, first_seen_ms) VALUES ('old-hub', 0)",
            nullptr, nullptr, nullptr),
        SQLITE_OK)
        << sqlite3_errmsg(db);
    sqlite3_close(db);
    auto s = open_sqlite_store(path);
    auto u = s->find_user("old");
    ASSERT_TRUE(u);
    EXPECT_FALSE(u->disabled);
    EXPECT_EQ(s->set_user_disabled("old", true, "ada", t0()), change_result::ok);
    EXPECT_TRUE(s->find_user("old")->disabled);
    // A hub from before migration 8: its away mode is unknown, not "off".
    EXPECT_FALSE(s->get_hub("old-hub")->away);
}

TEST_P(CentreStore, AnswerTimesAndCounts) {
    auto s = open_store();
    s->ingest(batch({make("h", 1), make("h", 2, priority::low), make("h", 3, priority::high)}, t0()));
    s->acknowledge("h-1", "ann", t0() + 42s);
    auto t = s->answer_times(t0() - 1h);
    ASSERT_EQ(t.size(), 2u);  // the low priority test alarm is not a call to answer
    EXPECT_EQ(*t[0].acknowledged_at - t[0].received_at, 42s);
    EXPECT_EQ(t[0].priority, "critical");
    EXPECT_FALSE(t[1].acknowledged_at);
    EXPECT_EQ(t[1].priority, "high");
    EXPECT_TRUE(s->answer_times(t0() + 1h).empty());
    auto c = s->alert_counts();
    ASSERT_EQ(c.size(), 3u);
}

TEST_P(CentreStore, AnswerTimesLeaveOutWhatTheCentreResolvedBeforeAnyoneAnswered) {
    auto s = open_store();
    auto offline = [](const std::string& id) {
        auto a = make("h", 1, priority::normal);
        a.id = id;
        a.type = "hub_offline";
        return a;
    };
    // Came back by itself before anyone answered: nothing for an operator to do.
    s->ingest(batch({offline("centre-hub_offline-h-1")}, t0()));
    s->clear("centre-hub_offline-h-1", "system", "hub heard again", std::string("hub_back_online"),
             t0() + 5min);
    // Acknowledged first, then cleared: an operator answered it.
    s->ingest(batch({offline("centre-hub_offline-h-2")}, t0() + 1h));
    s->acknowledge("centre-hub_offline-h-2", "ann", t0() + 1h + 20s);
    s->clear("centre-hub_offline-h-2", "system", "hub heard again", std::string("hub_back_online"),
             t0() + 2h);
    // Resolved by an operator without a separate acknowledge: answered at its resolution.
    s->ingest(batch({make("h", 3)}, t0() + 3h));
    s->resolve("h-3", "ann", "false_alarm", "", t0() + 3h + 50s);
    auto t = s->answer_times(t0() - 1h);
    ASSERT_EQ(t.size(), 2u);
    EXPECT_EQ(*t[0].acknowledged_at - t[0].received_at, 20s);
    EXPECT_EQ(*t[1].acknowledged_at - t[1].received_at, 50s);
}

TEST_P(CentreStore, AnIdReusedForADifferentAlertIsKeptUnderADerivedId) {
    auto s = open_store();
    auto first = make("h", 1, priority::normal);
    first.type = "sensor_offline";
    first.rule = "sensor_offline";
    s->ingest(batch({first}, t0()));

    // The hub's storage was reset: it numbers from 1 again, and its new alert #1 is another alert.
    auto second = make("h", 1);
    second.at = t0() + 24h;
    auto r = s->ingest(batch({second}, t0() + 24h));
    ASSERT_EQ(r.size(), 1u);
    EXPECT_EQ(r[0], (ingest_result{true, "h-1.r2", std::nullopt}));
    auto got = s->get_alert("h-1.r2");
    ASSERT_TRUE(got);
    EXPECT_EQ(got->a.hub, "h");
    EXPECT_EQ(got->a.seq, 1u);
    EXPECT_EQ(got->a.type, "pendant");
    EXPECT_EQ(got->status, alert_status::open);
    auto h = s->history("h-1.r2");
    ASSERT_EQ(h.size(), 2u);
    EXPECT_EQ(h[0].action, "received");
    EXPECT_EQ(h[1].action, "id_reused");
    EXPECT_EQ(h[1].user, "system");
    EXPECT_NE(h[1].detail.find("h-1"), std::string::npos) << h[1].detail;
    EXPECT_NE(h[1].detail.find("storage reset"), std::string::npos) << h[1].detail;
    EXPECT_EQ(s->get_alert("h-1")->a.type, "sensor_offline");  // the first is untouched

    // Resends of either are acked as duplicates and stored once; a third alert #1 takes the next name.
    EXPECT_EQ(s->ingest(batch({second, first}, t0() + 25h)),
              (std::vector<ingest_result>{{false, "h-1.r2", std::nullopt}, {false, "h-1", std::nullopt}}));
    auto third = make("h", 1);
    third.at = t0() + 48h;
    EXPECT_EQ(s->ingest(batch({third}, t0() + 48h)).at(0), (ingest_result{true, "h-1.r3", std::nullopt}));
    EXPECT_EQ(s->list_alerts({.state = "all"}).size(), 3u);

    // The hub's `cleared` names its id as it knows it: the newest alert stored under that id.
    auto clear = make("h", 2, priority::critical, alert_state::cleared);
    clear.clears = "h-1";
    EXPECT_EQ(s->ingest(batch({clear}, t0() + 49h)).at(0), (ingest_result{true, "h-2", "h-1.r3"}));
    EXPECT_EQ(s->get_alert("h-2")->a.clears, "h-1.r3");
    EXPECT_TRUE(s->get_alert("h-1.r3")->cleared_at);
    EXPECT_FALSE(s->get_alert("h-1.r2")->cleared_at);
    EXPECT_FALSE(s->get_alert("h-1")->cleared_at);

    // Where ids carry no content (DC-09), a repeated id is always a resend.
    auto dc = make("h", 7);
    dc.id = "dc09-1234-0007-1700000000";
    s->ingest(batch({dc}, t0()));
    dc.at = t0() + 1s;
    auto b = batch({dc}, t0() + 1s);
    b.keep_reused_ids = false;
    EXPECT_EQ(s->ingest(b).at(0), (ingest_result{false, "dc09-1234-0007-1700000000", std::nullopt}));
}

// --- residents' records (records.hpp) ---

namespace {

records_key test_key(unsigned char fill) {
    std::array<unsigned char, records_key::size> bytes{};
    bytes.fill(fill);
    return records_key(bytes);
}

/// A fictional household with every field set.
household sample_household() {
    household h;
    h.external_ref = "LA-1001";
    h.address_lines = {"12 Test Terrace", "Exampleton"};
    h.postcode = "ZZ99 1AB";
    h.key_safe_code = "KS-4821";
    h.key_safe_location = "left of the back door";
    h.door_entry = "flat 3, buzzer 0034";
    h.instructions = "Knock loudly.\nDog in the kitchen.";
    h.hubs = {"hub-r1", "hub-r2"};
    resident r;
    r.name = "Edith Example";
    r.preferred_name = "Edie";
    r.date_of_birth = "1938-04-21";
    r.phone = "01632 960001";
    r.communication = "hard of hearing; speaks Welsh";
    r.medical_conditions = "COPD-marker-7731, type 2 diabetes";
    r.medication_notes = "inhaler twice daily";
    r.risk_notes = "oxygen in use";
    r.gp = "Dr Sample, Example Surgery";
    h.residents = {r};
    h.responders = {
        {2, "Neighbour Ned", "neighbour", {"01632 960003"}, false, "evenings", true},
        {1, "Daughter Dora", "daughter", {"07700 900001", "01632 960002"}, true, "any time", true}};
    h.professionals = {{"social_worker", "Sam Social", "Example Council", "01632 960004", "sam@example.org"}};
    return h;
}

}  // namespace

TEST(Records, ValidationNamesEveryBadField) {
    EXPECT_TRUE(validate(sample_household()).empty());
    auto h = sample_household();
    h.postcode = "nowhere";
    h.address_lines.clear();
    h.hubs = {"hub-r1", "hub-r1", "bad hub"};
    h.residents[0].name = "";
    h.residents[0].date_of_birth = "1938-02-30";
    h.residents[0].phone = "call me";
    h.responders[0].call_order = 1;  // the same as the second's
    h.responders[1].phones = {};
    h.professionals[0].role = "wizard";
    h.professionals[0].email = "not-an-email";
    h.instructions = std::string("bad\x01", 4);
    std::vector<std::string> fields;
    for (const auto& e : validate(h)) fields.push_back(e.field);
    EXPECT_EQ(fields,
              (std::vector<std::string>{"address_lines", "postcode", "instructions", "hubs[1]", "hubs[2]",
                                        "residents[0].name", "residents[0].date_of_birth",
                                        "residents[0].phone", "responders[1].phones", "professionals[0].role",
                                        "professionals[0].email", "responders[1].call_order"}));
    EXPECT_TRUE(validate(team{"north", "North team"}).empty());
    EXPECT_EQ(validate(team{"no spaces", ""}).size(), 2u);
    resident bad_utf8;
    bad_utf8.name = "\xc3\x28";
    EXPECT_EQ(validate(bad_utf8).at(0).message, "is not valid UTF-8 text");
    for (const char* pc : {"CF10 1AA", "m1 1ae", "EC1A1BB", "W1A 0AX", "B33 8TH"}) {
        h = sample_household();
        h.postcode = pc;
        EXPECT_TRUE(validate(h).empty()) << pc;
    }
}

TEST_P(CentreStore, ATeamsAlertsAreFilteredBeforeTheLimit) {
    auto s = open_store();
    ASSERT_TRUE(s->add_team({"north", "North"}, "ada", t0()));
    s->unlock_records(test_key(7));
    auto h = sample_household();
    h.team = "north";
    h.hubs = {"hub-mine"};
    ASSERT_EQ(s->create_household(h, "ada", t0()).status, save_status::ok);
    // Newer alerts of a hub on no caseload would fill a limit applied before the team's filter.
    s->ingest(batch({make("hub-mine", 1)}, t0()));
    for (int i = 1; i <= 5; ++i) s->ingest(batch({make("hub-other", i)}, t0() + std::chrono::seconds(i)));
    auto mine = s->list_alerts({.state = "all", .limit = 2, .team = "north"});
    ASSERT_EQ(mine.size(), 1u);
    EXPECT_EQ(mine[0].a.id, "hub-mine-1");
    EXPECT_TRUE(s->list_alerts({.state = "all", .team = "south"}).empty());
    EXPECT_EQ(s->list_alerts({.state = "all"}).size(), 6u);
}

TEST_P(CentreStore, HouseholdsRoundTripAndAreFoundByNameAddressPostcodeHubAndPhone) {
    auto s = open_store();
    s->unlock_records(test_key(7));
    auto h = sample_household();
    auto saved = s->create_household(h, "ada", t0());
    ASSERT_EQ(saved.status, save_status::ok);
    auto got = s->get_household(saved.id);
    ASSERT_TRUE(got);
    h.id = saved.id;
    h.created = h.updated = t0();
    std::sort(h.responders.begin(), h.responders.end(),
              [](const auto& a, const auto& b) { return a.call_order < b.call_order; });
    EXPECT_EQ(*got, h);
    EXPECT_EQ(s->find_household_by_ref("LA-1001"), h);
    EXPECT_FALSE(s->find_household_by_ref("LA-9"));
    EXPECT_FALSE(s->get_household(saved.id + 1));
    EXPECT_EQ(s->household_of_hub("hub-r2"), summary_of(h));
    EXPECT_FALSE(s->household_of_hub("hub-other"));
    EXPECT_EQ(summary_of(h).names, std::vector<std::string>{"Edie"});

    auto other = sample_household();
    other.external_ref.reset();
    other.hubs = {"hub-x"};
    other.postcode = "AB1 2CD";
    other.address_lines = {"1 Other Road"};
    other.residents[0].name = "Oscar Other";
    other.residents[0].preferred_name = "";
    other.residents[0].phone = "";
    other.responders.clear();
    auto other_id = s->create_household(other, "ada", t0()).id;
    auto ids = [&](std::optional<std::string> text, std::optional<std::string> team = std::nullopt) {
        std::vector<std::int64_t> out;
        for (const auto& x : s->list_households({.text = text, .team = team})) out.push_back(x.id);
        return out;
    };
    EXPECT_EQ(ids(std::nullopt), (std::vector<std::int64_t>{other_id, saved.id}));  // by postcode
    EXPECT_EQ(ids("zz991ab"), std::vector<std::int64_t>{saved.id});
    EXPECT_EQ(ids("ZZ99 1AB"), std::vector<std::int64_t>{saved.id});
    EXPECT_EQ(ids("edith"), std::vector<std::int64_t>{saved.id});
    EXPECT_EQ(ids("test terrace"), std::vector<std::int64_t>{saved.id});
    EXPECT_EQ(ids("hub-x"), std::vector<std::int64_t>{other_id});
    EXPECT_EQ(ids("07700900001"), std::vector<std::int64_t>{saved.id});  // a responder's phone
    EXPECT_EQ(ids("01632 960001"), std::vector<std::int64_t>{saved.id});
    EXPECT_EQ(ids("%"), std::vector<std::int64_t>{});
    EXPECT_EQ(ids("nobody"), std::vector<std::int64_t>{});

    // Update replaces the record and its people; the hub moves with it.
    other.hubs = {"hub-y"};
    other.residents.push_back(h.residents[0]);
    ASSERT_EQ(s->update_household(other_id, other, "ada", t0() + 1h).status, save_status::ok);
    auto changed = s->get_household(other_id);
    EXPECT_EQ(changed->residents.size(), 2u);
    EXPECT_EQ(changed->updated, t0() + 1h);
    EXPECT_EQ(changed->created, t0());
    EXPECT_FALSE(s->household_of_hub("hub-x"));
    EXPECT_EQ(s->household_of_hub("hub-y")->id, other_id);
    EXPECT_EQ(s->update_household(999, other, "ada", t0()).status, save_status::not_found);
    EXPECT_EQ(s->delete_household(other_id, "ada", t0()), change_result::ok);
    EXPECT_EQ(s->delete_household(other_id, "ada", t0()), change_result::not_found);
    EXPECT_FALSE(s->household_of_hub("hub-y"));
    auto audit = s->list_audit(10);
    ASSERT_EQ(audit.size(), 4u);
    EXPECT_EQ(audit[0].action, "household_delete");
    EXPECT_EQ(audit[3].action, "household_create");
    EXPECT_EQ(audit[3].target, std::to_string(saved.id));
}

TEST_P(CentreStore, HouseholdsClashOnExternalRefHubOrAnUnknownTeam) {
    auto s = open_store();
    s->unlock_records(test_key(7));
    auto first = s->create_household(sample_household(), "ada", t0());
    auto h = sample_household();
    h.hubs = {"hub-new"};
    auto r = s->create_household(h, "ada", t0());
    EXPECT_EQ(r.status, save_status::conflict);
    EXPECT_EQ(r.conflict->field, "external_ref");
    h.external_ref = "LA-2";
    h.hubs = {"hub-new", "hub-r2"};
    EXPECT_EQ(s->create_household(h, "ada", t0()).conflict->field, "hubs[1]");
    h.hubs = {"hub-new"};
    h.team = "nope";
    EXPECT_EQ(s->create_household(h, "ada", t0()).conflict->field, "team");
    h.team.reset();
    auto second = s->create_household(h, "ada", t0());
    EXPECT_EQ(second.status, save_status::ok);
    // Its own ref and hubs are no clash with itself.
    EXPECT_EQ(s->update_household(first.id, sample_household(), "ada", t0()).status, save_status::ok);
    EXPECT_EQ(s->list_households({}).size(), 2u);
}

TEST_P(CentreStore, WithoutTheRecordsKeyEncryptedFieldsAreNeitherStoredNorShown) {
    harness::temp_dir dir;
    std::int64_t id = 0;
    {
        auto s = GetParam().open(dir.path());
        EXPECT_FALSE(s->records_unlocked());
        EXPECT_THROW(s->create_household(sample_household(), "ada", t0()), records_locked);
        s->unlock_records(test_key(7));
        EXPECT_TRUE(s->records_unlocked());
        id = s->create_household(sample_household(), "ada", t0()).id;
    }
    {
        auto s = GetParam().open(dir.path());
        EXPECT_THROW(s->unlock_records(test_key(8)), records_key_mismatch);
        EXPECT_FALSE(s->records_unlocked());
        auto h = s->get_household(id);
        ASSERT_TRUE(h);
        EXPECT_TRUE(h->sealed);
        EXPECT_EQ(h->key_safe_code, "");
        EXPECT_EQ(h->residents.at(0).medical_conditions, "");
        EXPECT_EQ(h->residents.at(0).name, "Edith Example");
        // Saving what it read back would erase the sealed fields: refused.
        EXPECT_THROW(s->update_household(id, *h, "ada", t0()), records_locked);
        // A household without encrypted fields needs no key.
        auto plain = sample_household();
        plain.external_ref = "LA-3";
        plain.hubs.clear();
        plain.key_safe_code = plain.key_safe_location = plain.door_entry = "";
        plain.residents[0].medical_conditions = plain.residents[0].medication_notes = "";
        EXPECT_EQ(s->create_household(plain, "ada", t0()).status, save_status::ok);
    }
    auto s = GetParam().open(dir.path());
    s->unlock_records(test_key(7));
    EXPECT_EQ(s->get_household(id)->key_safe_code, "KS-4821");
    EXPECT_FALSE(s->get_household(id)->sealed);
}

TEST_P(CentreStore, TeamsCaseloadsAndMembers) {
    auto s = open_store();
    s->unlock_records(test_key(7));
    EXPECT_TRUE(s->add_team({"north", "North"}, "ada", t0()));
    EXPECT_FALSE(s->add_team({"north", "Again"}, "ada", t0()));
    EXPECT_TRUE(s->add_team({"south", "South"}, "ada", t0()));
    EXPECT_EQ(s->update_team({"north", "North team"}, "ada", t0()), change_result::ok);
    EXPECT_EQ(s->update_team({"east", "East"}, "ada", t0()), change_result::not_found);
    EXPECT_EQ(s->list_teams(), (std::vector<team>{{"north", "North team"}, {"south", "South"}}));
    EXPECT_EQ(s->get_team("south"), (team{"south", "South"}));
    auto id = s->create_household(sample_household(), "ada", t0()).id;
    EXPECT_EQ(s->assign_household(id, "north", "ada", t0()), change_result::ok);
    EXPECT_EQ(s->assign_household(id, "east", "ada", t0()), change_result::not_found);
    EXPECT_EQ(s->assign_household(id + 1, "north", "ada", t0()), change_result::not_found);
    EXPECT_EQ(s->get_household(id)->team, "north");
    EXPECT_EQ(s->list_households({.team = "north"}).size(), 1u);
    EXPECT_TRUE(s->list_households({.team = "south"}).empty());
    EXPECT_TRUE(s->add_user({"cara", "care", "hash", t0()}));
    EXPECT_FALSE(s->user_team("cara"));
    EXPECT_EQ(s->set_user_team("cara", "south", "ada", t0()), change_result::ok);
    EXPECT_EQ(s->set_user_team("cara", "north", "ada", t0()), change_result::ok);
    EXPECT_EQ(s->set_user_team("nobody", "north", "ada", t0()), change_result::not_found);
    EXPECT_EQ(s->set_user_team("cara", "east", "ada", t0()), change_result::not_found);
    EXPECT_EQ(s->user_team("cara"), "north");
    EXPECT_EQ(s->delete_team("north", "ada", t0()), change_result::conflict);
    EXPECT_EQ(s->delete_team("south", "ada", t0()), change_result::ok);
    EXPECT_EQ(s->delete_team("south", "ada", t0()), change_result::not_found);
    EXPECT_EQ(s->assign_household(id, std::nullopt, "ada", t0()), change_result::ok);
    EXPECT_EQ(s->set_user_team("cara", std::nullopt, "ada", t0()), change_result::ok);
    EXPECT_EQ(s->delete_team("north", "ada", t0()), change_result::ok);
    std::vector<std::string> actions;
    for (const auto& e : s->list_audit(100)) actions.insert(actions.begin(), e.action);
    EXPECT_EQ(actions, (std::vector<std::string>{"team_add", "team_add", "team_update", "household_create",
                                                 "caseload_assign", "user_team", "user_team", "team_delete",
                                                 "caseload_assign", "user_team", "team_delete"}));
}

TEST(CentreSqliteStore, KeySafeCodesAndMedicalNotesAreNotInTheFile) {
    harness::temp_dir dir;
    auto path = (dir / "centre.db").string();
    {
        auto s = open_sqlite_store(path);
        s->unlock_records(test_key(7));
        ASSERT_EQ(s->create_household(sample_household(), "ada", t0()).status, save_status::ok);
    }
    std::string bytes;
    for (const auto& f : std::filesystem::directory_iterator(dir.path()))
        bytes += harness::file_bytes(f.path());
    EXPECT_NE(bytes.find("Edith Example"), std::string::npos);  // the file is readable, the name plain
    for (const char* secret : {"KS-4821", "COPD-marker-7731", "inhaler twice", "back door", "buzzer 0034"})
        EXPECT_EQ(bytes.find(secret), std::string::npos) << secret;
}

TEST(RecordsKey, CreatesAPrivateFileOnceAndLoadsIt) {
    harness::temp_dir dir;
    auto path = (dir / "records.key").string();
    auto old = ::umask(022);
    records_key::create(path);
    ::umask(old);
    EXPECT_EQ(std::filesystem::status(path).permissions() & std::filesystem::perms::mask,
              std::filesystem::perms::owner_read | std::filesystem::perms::owner_write);
    auto before = harness::file_bytes(path);
    EXPECT_THROW(records_key::create(path), records_key_error);
    EXPECT_EQ(harness::file_bytes(path), before);
    auto k = records_key::load(path);
    EXPECT_EQ(k.open(k.seal("secret")), "secret");
    EXPECT_NE(k.seal("secret"), k.seal("secret"));  // a fresh nonce each time
    EXPECT_THROW(test_key(1).open(k.seal("secret")), records_key_error);
    dir.write("short.key", "abcd\n");
    EXPECT_THROW(records_key::load((dir / "short.key").string()), records_key_error);
    EXPECT_THROW(records_key::load((dir / "missing.key").string()), records_key_error);
}

TEST(CentrePostgresStore, MigratesOnceAndRefusesANewerSchema) {
    WARDEN_POSTGRES_OR_SKIP();
    auto uri = harness::test_postgres().create_database();
    { auto s = open_postgres_store(uri); }
    { auto again = open_postgres_store(uri); }  // an instance starting on a migrated database
    pqxx::connection c(uri);
    {
        pqxx::work tx(c);
        EXPECT_EQ(tx.exec1("SELECT version FROM schema_version")[0].as<int>(), postgres_schema_version());
        EXPECT_EQ(tx.exec1("SELECT COUNT(*) FROM schema_version")[0].as<int>(), 1);
        tx.exec0("UPDATE schema_version SET version = 999");
        tx.commit();
    }
    try {
        open_postgres_store(uri);
        ADD_FAILURE() << "opened a database of schema 999";
    } catch (const store_error& e) {
        EXPECT_NE(std::string(e.what()).find("newer than this build"), std::string::npos) << e.what();
    }
}

TEST(CentrePostgresStore, AServerThatCannotBeReachedIsNamedWithoutThePassword) {
    const auto port = harness::free_port();  // nothing listens there
    const auto uri = "postgresql://warden:s3cret-pw@127.0.0.1:" + std::to_string(port) + "/centre_db";
    try {
        open_postgres_store(uri);
        ADD_FAILURE() << "connected to a closed port";
    } catch (const store_error& e) {
        const std::string what = e.what();
        EXPECT_NE(what.find("host 127.0.0.1 port " + std::to_string(port) + " database centre_db"),
                  std::string::npos)
            << what;
        EXPECT_EQ(what.find("s3cret-pw"), std::string::npos) << what;
    }
    EXPECT_EQ(describe_postgres_uri("postgres://ann:pw@db.example:6543/w"),
              "host db.example port 6543 database w");
    EXPECT_TRUE(is_postgres_uri("postgres://x"));
    EXPECT_TRUE(is_postgres_uri("postgresql://"));
    EXPECT_FALSE(is_postgres_uri("data/centre.db"));
}

TEST(CentrePostgresStore, TwoConnectionsStoringTheSameBatchAtOnceStoreEachAlertOnce) {
    WARDEN_POSTGRES_OR_SKIP();
    auto uri = harness::test_postgres().create_database();
    auto a = open_postgres_store(uri);
    auto b = open_postgres_store(uri);  // as two centre instances would
    std::vector<alert> alerts;
    for (std::uint64_t seq = 1; seq <= 50; ++seq)
        alerts.push_back(make("hub-" + std::to_string(seq % 7), seq));
    std::vector<ingest_result> ra, rb;
    std::thread ta([&] { ra = a->ingest(batch(alerts, t0())); });
    std::thread tb([&] { rb = b->ingest(batch(alerts, t0())); });
    ta.join();
    tb.join();
    ASSERT_EQ(ra.size(), 50u);
    ASSERT_EQ(rb.size(), 50u);
    for (std::size_t i = 0; i < 50; ++i) {
        EXPECT_NE(ra[i].fresh, rb[i].fresh) << i;  // one of them stored it, the other saw a resend
        EXPECT_EQ(ra[i].id, rb[i].id);
    }
    EXPECT_EQ(a->list_alerts({.state = "all", .limit = 1000}).size(), 50u);
}

namespace {
/// Ends every session on the database at `uri` but the caller's (as a server restart or a network cut
/// does to the store's pooled connections); returns how many.
std::size_t end_sessions(const std::string& uri) {
    pqxx::connection admin(uri);
    pqxx::nontransaction w(admin);
    return w
        .exec(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = current_database() "
            "AND pid != pg_backend_pid()")
        .size();
}
}  // namespace

TEST(CentrePostgresStore, PooledConnectionsTheServerEndedAreReplacedWithoutAFailedCall) {
    WARDEN_POSTGRES_OR_SKIP();
    auto uri = harness::test_postgres().create_database();
    auto s = open_postgres_store(uri);
    s->ingest(batch({make("hub-a", 1)}, t0()));
    ASSERT_GE(end_sessions(uri), 1u);
    EXPECT_TRUE(s->get_alert("hub-a-1"));
    ASSERT_GE(end_sessions(uri), 1u);
    EXPECT_EQ(s->acknowledge("hub-a-1", "ann", t0() + 1s), change_result::ok);
    ASSERT_GE(end_sessions(uri), 1u);
    EXPECT_EQ(fresh_of(s->ingest(batch({make("hub-a", 2)}, t0() + 2s))), std::vector<bool>{true});
}

TEST(CentrePostgresStore, AWriteWhoseConnectionIsLostBeforeItCommitsIsDoneOnceOnAFreshOne) {
    WARDEN_POSTGRES_OR_SKIP();
    auto uri = harness::test_postgres().create_database();
    auto s = open_postgres_store(uri);
    s->ingest(batch({make("hub-a", 1)}, t0()));
    // Another session holds the alert's row, so the store's acknowledge waits inside its transaction;
    // the server then ends the store's session there (a restart, a failover, a network cut).
    pqxx::connection holder(uri);
    pqxx::work hold(holder);
    hold.exec("SELECT id FROM alerts WHERE id = 'hub-a-1' FOR UPDATE");
    std::optional<change_result> acked;
    std::string error;
    std::thread t([&] {
        try {
            acked = s->acknowledge("hub-a-1", "ann", t0() + 1s);
        } catch (const std::exception& e) {
            error = e.what();
        }
    });
    pqxx::connection admin(uri);
    EXPECT_TRUE(harness::eventually([&] {
        pqxx::nontransaction w(admin);
        return w.exec(
                    "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = "
                    "current_database() AND wait_event_type = 'Lock'")
                   .size() == 1;
    }));
    hold.commit();
    t.join();
    EXPECT_EQ(acked, change_result::ok) << error;
    auto h = s->history("hub-a-1");
    EXPECT_EQ(std::count_if(h.begin(), h.end(), [](const auto& e) { return e.action == "acknowledged"; }), 1);
    EXPECT_EQ(s->get_alert("hub-a-1")->acknowledged_by, "ann");
}

TEST(CentrePostgresStore, ManyCallsAtOnceShareAtMostTheStoresConnections) {
    WARDEN_POSTGRES_OR_SKIP();
    auto uri = harness::test_postgres().create_database();
    auto s = open_postgres_store(uri);
    std::atomic<bool> done{false};
    std::size_t peak = 0;
    std::thread watch([&] {
        pqxx::connection admin(uri);
        while (!done) {
            pqxx::nontransaction w(admin);
            peak = std::max(peak, w.exec1("SELECT COUNT(*) FROM pg_stat_activity WHERE datname = "
                                          "current_database() AND pid != pg_backend_pid()")[0]
                                      .as<std::size_t>());
            std::this_thread::sleep_for(2ms);
        }
    });
    // As many callers as the HTTP server has threads, each storing alerts of a hub of its own.
    std::atomic<int> failed{0};
    std::vector<std::thread> callers;
    for (int i = 0; i < 48; ++i)
        callers.emplace_back([&, i] {
            for (std::uint64_t seq = 1; seq <= 10; ++seq) {
                try {
                    s->ingest(batch({make("hub-" + std::to_string(i), seq)}, t0()));
                } catch (const store_error&) {
                    ++failed;
                }
            }
        });
    for (auto& t : callers) t.join();
    done = true;
    watch.join();
    EXPECT_EQ(failed, 0);
    EXPECT_EQ(s->list_alerts({.state = "all", .limit = 1000}).size(), 480u);
    EXPECT_LE(peak, static_cast<std::size_t>(postgres_store_connections));
    EXPECT_GT(peak, 1u);  // the calls did overlap
}

TEST(CentrePostgresStore, AReadSeesOneStateOfAHouseholdWhileAnotherInstanceChangesIt) {
    WARDEN_POSTGRES_OR_SKIP();
    auto uri = harness::test_postgres().create_database();
    auto writer = open_postgres_store(uri);
    auto reader = open_postgres_store(uri);  // another instance
    household h;
    h.address_lines = {"1 Test Street"};
    h.postcode = "AB1 2CD";
    h.residents.push_back({});
    auto version = [&](int n) {
        h.instructions = "version " + std::to_string(n);
        h.residents[0].name = "Resident " + std::to_string(n);
        return h;
    };
    auto id = writer->create_household(version(0), "admin", t0()).id;
    std::atomic<bool> done{false};
    std::thread t([&] {
        for (int n = 1; n <= 300; ++n) writer->update_household(id, version(n), "admin", t0());
        done = true;
    });
    // The household's row and its residents are read by separate statements: both of one version.
    int torn = 0, reads = 0;
    while (!done) {
        auto got = reader->get_household(id);
        ASSERT_TRUE(got);
        ++reads;
        if ("Resident " + got->instructions.substr(8) != got->residents.at(0).name) ++torn;
    }
    t.join();
    EXPECT_EQ(torn, 0) << "of " << reads << " reads";
    EXPECT_GT(reads, 10);
}
