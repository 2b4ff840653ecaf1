// The hub's store on a real SQLite file: seq numbers across reopen, outbox order, delivery marks,
// open conditions, engine state, event log pruning, and a write that fails (disk full).
#include <gtest/gtest.h>

#include <sys/stat.h>

#include <sqlite3.h>

#include <nlohmann/json.hpp>

#include "warden/harness/harness.hpp"
#include "warden/hub/store.hpp"

using namespace warden;
using namespace std::chrono_literals;

namespace {

const time_point t0{std::chrono::milliseconds{1'764'331'200'000}};  // 2025-11-28T12:00:00Z

hub::store_options opts(const harness::temp_dir& dir) {
    return {.file = dir / "data" / "hub.db", .hub_id = "hub-0001"};
}

hub::new_alert raised(std::string key, std::string type = "pendant") {
    hub::new_alert n;
    n.key = std::move(key);
    n.alert.type = std::move(type);
    n.alert.state = alert_state::raised;
    n.alert.priority = priority::critical;
    n.alert.sia = "QA";
    n.alert.at = t0;
    n.alert.rule = "pendant";
    n.alert.sensor = "pendant";
    n.alert.location = "worn";
    n.alert.text = "Pendant pressed";
    return n;
}

hub::new_alert cleared(std::string key) {
    auto n = raised(std::move(key), "sensor_offline");
    n.alert.state = alert_state::cleared;
    return n;
}

hub::batch alerts_batch(std::vector<hub::new_alert> alerts) {
    hub::batch b;
    b.alerts = std::move(alerts);
    b.now = t0;
    return b;
}

}  // namespace

TEST(HubStore, CreatesSchemaWithWalAndTheExportedEventsTable) {
    harness::temp_dir dir;
    hub::store s(opts(dir));
    EXPECT_TRUE(std::filesystem::exists(dir / "data" / "hub.db"));

    sqlite3* db = nullptr;
    ASSERT_EQ(sqlite3_open_v2((dir / "data" / "hub.db").c_str(), &db, SQLITE_OPEN_READONLY, nullptr),
              SQLITE_OK);
    auto one = [&](const char* sql) {
        sqlite3_stmt* st = nullptr;
        EXPECT_EQ(sqlite3_prepare_v2(db, sql, -1, &st, nullptr), SQLITE_OK);
        std::string v;
        if (sqlite3_step(st) == SQLITE_ROW) v = reinterpret_cast<const char*>(sqlite3_column_text(st, 0));
        sqlite3_finalize(st);
        return v;
    };
    EXPECT_EQ(one("PRAGMA journal_mode"), "wal");
    EXPECT_EQ(one("PRAGMA user_version"), std::to_string(hub::store::schema_version()));
    EXPECT_EQ(one("SELECT sql FROM sqlite_master WHERE name = 'events'"),
              "CREATE TABLE events(id INTEGER PRIMARY KEY, at_ms INTEGER NOT NULL, topic TEXT NOT NULL, "
              "payload BLOB NOT NULL)");
    sqlite3_close(db);
}

// Security finding 13: hub.db was -rw-r--r-- under umask 022. The file, its WAL and the folder the
// store makes are private whatever the umask.
TEST(HubStore, DatabaseAndItsFolderArePrivateWhateverTheUmask) {
    harness::temp_dir dir;
    auto old = ::umask(022);
    {
        hub::store st(opts(dir));
        ASSERT_TRUE(st.commit(alerts_batch({raised("pendant/pendant")})));
    }
    ::umask(old);
    auto mode = [](const std::filesystem::path& p) {
        return std::filesystem::status(p).permissions() & std::filesystem::perms::mask;
    };
    EXPECT_EQ(mode(dir / "data"), std::filesystem::perms::owner_all);
    EXPECT_EQ(mode(dir / "data" / "hub.db"),
              std::filesystem::perms::owner_read | std::filesystem::perms::owner_write);
    for (const char* side : {"hub.db-wal", "hub.db-shm"}) {
        if (!std::filesystem::exists(dir / "data" / side)) continue;
        EXPECT_EQ(mode(dir / "data" / side),
                  std::filesystem::perms::owner_read | std::filesystem::perms::owner_write)
            << side;
    }
}

TEST(HubStore, ReportsTheJournalModeInForce) {
    harness::temp_dir dir;
    EXPECT_EQ(hub::store(opts(dir)).journal_mode(), "wal");
    // Where WAL cannot be had (here an in-memory database) the store says so and still works.
    hub::store mem({.file = ":memory:", .hub_id = "hub-0001"});
    EXPECT_EQ(mem.journal_mode(), "memory");
    EXPECT_TRUE(mem.commit(alerts_batch({raised("pendant/pendant")})));
    EXPECT_EQ(mem.undelivered_count(), 1u);
}

TEST(HubStore, AssignsSeqAndIdInOrderAndStoresTheSpecJson) {
    harness::temp_dir dir;
    hub::store s(opts(dir));
    EXPECT_EQ(s.next_seq(), 1u);
    auto r = s.commit(alerts_batch({raised("pendant/pendant"), raised("smoke/smoke", "smoke")}));
    ASSERT_TRUE(r) << r.error->message;
    ASSERT_EQ(r.added.size(), 2u);
    EXPECT_EQ(r.added[0].seq, 1u);
    EXPECT_EQ(r.added[0].id, "hub-0001-1");
    EXPECT_EQ(r.added[1].id, "hub-0001-2");

    auto a = alert_from_json(nlohmann::json::parse(r.added[0].json));
    EXPECT_EQ(a.id, "hub-0001-1");
    EXPECT_EQ(a.hub, "hub-0001");
    EXPECT_EQ(a.seq, 1u);
    EXPECT_EQ(a.type, "pendant");
    EXPECT_EQ(a.priority, priority::critical);
    EXPECT_EQ(a.sia, "QA");
    EXPECT_EQ(a.at, t0);
    EXPECT_EQ(a.location, "worn");

    auto pending = s.undelivered();
    ASSERT_EQ(pending.size(), 2u);
    EXPECT_EQ(pending[0], r.added[0]);
    EXPECT_EQ(pending[1].seq, 2u);
    EXPECT_EQ(s.undelivered_count(), 2u);
    EXPECT_EQ(s.undelivered(1).size(), 1u);
    EXPECT_EQ(s.undelivered(0, 1).size(), 1u);
}

TEST(HubStore, SeqIsNeverReusedAcrossReopenEvenAfterPruning) {
    harness::temp_dir dir;
    {
        hub::store s(opts(dir));
        ASSERT_TRUE(s.commit(alerts_batch({raised("a"), raised("b"), raised("c")})));
        hub::batch b;
        b.delivered = {"hub-0001-1", "hub-0001-2", "hub-0001-3"};
        b.now = t0;
        ASSERT_TRUE(s.commit(b));
        // Delivered rows go away with pruning; their numbers must not come back.
        std::uint64_t n = 0;
        EXPECT_FALSE(s.prune(t0 + 1ms, &n));
        EXPECT_EQ(n, 3u);
        EXPECT_FALSE(s.find("hub-0001-3"));
    }
    hub::store s(opts(dir));
    EXPECT_EQ(s.next_seq(), 4u);
    auto r = s.commit(alerts_batch({raised("d")}));
    ASSERT_TRUE(r);
    EXPECT_EQ(r.added.at(0).id, "hub-0001-4");
}

// Found by the soak (docs/RELIABILITY.md): a hub whose disk refused writes sent alerts from memory
// numbered from its in-memory counter, was killed, and the next run gave new alerts the same seqs.
TEST(HubStore, ARunThatDidNotEndCleanlyIsFollowedByOneThatSkipsItsReservedSeqs) {
    harness::temp_dir dir;
    std::uint64_t reserve = 0;
    {
        hub::store s(opts(dir));
        EXPECT_EQ(s.begin_run(), 1u);
        ASSERT_TRUE(s.commit(alerts_batch({raised("a"), raised("b"), raised("c")})));
        // Writes fail now: seqs 4 and 5 go out from memory and never reach the disk; then kill -9
        // (no end_run).
        reserve = 1 + hub::store::seq_block;
    }
    {
        hub::store s(opts(dir));
        auto next = s.begin_run();
        EXPECT_GE(next, reserve) << "a seq the killed run may have sent from memory would be used again";
        auto r = s.commit(alerts_batch({raised("d")}));
        ASSERT_TRUE(r);
        EXPECT_EQ(r.added.at(0).seq, next);
        s.end_run();
    }
    {
        // After a clean stop the numbering simply goes on.
        hub::store s(opts(dir));
        EXPECT_EQ(s.begin_run(), reserve + 1);
        s.end_run();
    }
}

TEST(HubStore, TheReserveMovesAheadOfTheSeqsARunCommits) {
    harness::temp_dir dir;
    {
        hub::store s(opts(dir));
        s.begin_run();
        // More than half a block committed in one run: the reserve on disk moves on with it, so a kill
        // after more alerts sent from memory still starts the next run beyond them.
        std::vector<hub::new_alert> many;
        for (std::uint64_t i = 0; i < hub::store::seq_block; ++i)
            many.push_back(raised("k" + std::to_string(i)));
        ASSERT_TRUE(s.commit(alerts_batch(std::move(many))));
        EXPECT_EQ(s.next_seq(), hub::store::seq_block + 1);
    }
    hub::store s(opts(dir));
    EXPECT_GE(s.begin_run(), 2 * hub::store::seq_block + 1);
}

TEST(HubStore, MarksDeliveredAndSentOnlyForStoredAlerts) {
    harness::temp_dir dir;
    hub::store s(opts(dir));
    ASSERT_TRUE(s.commit(alerts_batch({raised("a"), raised("b")})));
    hub::batch b;
    b.sent = {"hub-0001-1", "hub-0001-1", "hub-0001-2"};
    b.delivered = {"hub-0001-1", "hub-0001-99"};  // an id the store never had changes nothing
    b.now = t0 + 5s;
    ASSERT_TRUE(s.commit(b));
    auto one = s.find("hub-0001-1");
    ASSERT_TRUE(one);
    EXPECT_EQ(one->sent_count, 2);
    EXPECT_EQ(one->last_sent, t0 + 5s);
    EXPECT_EQ(one->delivered, t0 + 5s);
    EXPECT_FALSE(s.find("hub-0001-99"));
    auto pending = s.undelivered();
    ASSERT_EQ(pending.size(), 1u);
    EXPECT_EQ(pending[0].id, "hub-0001-2");
    EXPECT_EQ(pending[0].sent_count, 1);

    // A second ack of the same id keeps the first delivery time.
    hub::batch again;
    again.delivered = {"hub-0001-1"};
    again.now = t0 + 9s;
    ASSERT_TRUE(s.commit(again));
    EXPECT_EQ(s.find("hub-0001-1")->delivered, t0 + 5s);
}

TEST(HubStore, ClearedAlertNamesTheRaisedOneOfItsCondition) {
    harness::temp_dir dir;
    hub::store s(opts(dir));
    auto r1 = s.commit(alerts_batch({raised("offline/pir")}));
    ASSERT_TRUE(r1);
    EXPECT_EQ(s.open_condition("offline/pir"), "hub-0001-1");
    auto r2 = s.commit(alerts_batch({cleared("offline/pir")}));
    ASSERT_TRUE(r2);
    auto c = alert_from_json(nlohmann::json::parse(r2.added.at(0).json));
    EXPECT_EQ(c.state, alert_state::cleared);
    EXPECT_EQ(c.clears, "hub-0001-1");
    EXPECT_FALSE(s.open_condition("offline/pir"));

    // Raised and cleared in one batch: the clear still finds its raise.
    auto r3 = s.commit(alerts_batch({raised("tamper/door"), cleared("tamper/door")}));
    ASSERT_TRUE(r3);
    EXPECT_EQ(alert_from_json(nlohmann::json::parse(r3.added.at(1).json)).clears, "hub-0001-3");

    // A test alert has no condition.
    auto r4 = s.commit(alerts_batch({raised("", "test")}));
    ASSERT_TRUE(r4);
    EXPECT_FALSE(alert_from_json(nlohmann::json::parse(r4.added.at(0).json)).clears);
}

TEST(HubStore, OpenConditionsSurviveReopen) {
    harness::temp_dir dir;
    {
        hub::store s(opts(dir));
        ASSERT_TRUE(s.commit(alerts_batch({raised("battery/pendant")})));
    }
    hub::store s(opts(dir));
    auto r = s.commit(alerts_batch({cleared("battery/pendant")}));
    ASSERT_TRUE(r);
    EXPECT_EQ(alert_from_json(nlohmann::json::parse(r.added.at(0).json)).clears, "hub-0001-1");
}

TEST(HubStore, EngineStateRoundTripsWithTheEventsOfItsBatch) {
    harness::temp_dir dir;
    {
        hub::store s(opts(dir));
        EXPECT_FALSE(s.engine_state());
        hub::batch b;
        b.events = {{t0, "zigbee2mqtt/pir", R"({"occupancy":true})"},
                    {t0 + 1ms, "bin", std::string("a\0b", 3)}};
        b.engine_state = R"({"last_activity":1})";
        b.now = t0;
        ASSERT_TRUE(s.commit(b));
    }
    hub::store s(opts(dir));
    EXPECT_EQ(s.engine_state(), R"({"last_activity":1})");
    auto ev = s.events(t0, t0 + 1s);
    ASSERT_EQ(ev.size(), 2u);
    EXPECT_EQ(ev[0].topic, "zigbee2mqtt/pir");
    EXPECT_EQ(ev[0].payload, R"({"occupancy":true})");
    EXPECT_EQ(ev[1].payload, std::string("a\0b", 3));  // raw bytes, not text

    hub::batch newer;
    newer.engine_state = R"({"last_activity":2})";
    newer.now = t0 + 1s;
    ASSERT_TRUE(s.commit(newer));
    EXPECT_EQ(s.engine_state(), R"({"last_activity":2})");
}

TEST(HubStore, PruneDropsOldEventsButKeepsUndeliveredAlerts) {
    harness::temp_dir dir;
    hub::store s(opts(dir));
    hub::batch b;
    b.events = {{t0 - 9 * 24h, "old", "1"}, {t0 - 7 * 24h, "recent", "2"}};
    b.alerts = {raised("a")};
    b.now = t0 - 9 * 24h;
    ASSERT_TRUE(s.commit(b));
    EXPECT_FALSE(s.prune(t0 - 8 * 24h));
    auto ev = s.events(t0 - 30 * 24h, t0);
    ASSERT_EQ(ev.size(), 1u);
    EXPECT_EQ(ev[0].topic, "recent");
    EXPECT_EQ(s.undelivered_count(), 1u);  // an old alert nobody acked stays until it is delivered
}

TEST(HubStore, FailedWriteStoresNothingConsumesNoSeqAndKeepsCommittedAlerts) {
    harness::temp_dir dir;
    hub::store s(opts(dir));
    ASSERT_TRUE(s.commit(alerts_batch({raised("before")})));

    // Fill the database up to a tiny page limit with event log rows: the disk is "full".
    s.set_max_page_count(40);
    std::string big(2000, 'x');
    for (int i = 0; i < 200; ++i) {
        hub::batch b;
        b.events = {{t0, "fill", big}};
        b.now = t0;
        if (!s.commit(b)) break;
    }
    hub::batch b;
    b.events = {{t0, "zigbee2mqtt/pendant", big}};
    b.engine_state = std::string(4000, 's');
    b.alerts = {raised("pendant/pendant")};
    b.now = t0;
    auto r = s.commit(b);
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error->code, SQLITE_FULL);
    EXPECT_TRUE(r.added.empty());
    EXPECT_EQ(s.next_seq(), 2u);
    EXPECT_EQ(s.undelivered_count(), 1u);
    EXPECT_EQ(s.undelivered().at(0).id, "hub-0001-1");
    EXPECT_FALSE(s.engine_state());

    // Shedding the oldest log rows makes room; the retry then stores the alert with the next seq.
    std::uint64_t shed = 0;
    EXPECT_FALSE(s.shed_events(100, &shed));
    EXPECT_GT(shed, 0u);
    auto retry = s.commit(b);
    ASSERT_TRUE(retry) << retry.error->message;
    EXPECT_EQ(retry.added.at(0).id, "hub-0001-2");
    s.set_max_page_count(0);

    // Nothing was lost across a reopen either.
    hub::store reopened(opts(dir));
    auto all = reopened.undelivered();
    ASSERT_EQ(all.size(), 2u);
    EXPECT_EQ(all[0].id, "hub-0001-1");
    EXPECT_EQ(all[1].id, "hub-0001-2");
}

TEST(HubStore, OpensTheFileOfAnotherProcessWhileItIsOpen) {
    // warden-ctl export reads the event log while the hub runs (WAL).
    harness::temp_dir dir;
    hub::store s(opts(dir));
    hub::batch b;
    b.events = {{t0, "t", "p"}};
    b.now = t0;
    ASSERT_TRUE(s.commit(b));
    sqlite3* db = nullptr;
    ASSERT_EQ(sqlite3_open_v2((dir / "data" / "hub.db").c_str(), &db, SQLITE_OPEN_READONLY, nullptr),
              SQLITE_OK);
    sqlite3_stmt* st = nullptr;
    ASSERT_EQ(sqlite3_prepare_v2(db, "SELECT count(*) FROM events", -1, &st, nullptr), SQLITE_OK);
    ASSERT_EQ(sqlite3_step(st), SQLITE_ROW);
    EXPECT_EQ(sqlite3_column_int(st, 0), 1);
    sqlite3_finalize(st);
    sqlite3_close(db);
}

// Alerts the hub sent from memory while writes failed are stored as sent: same seq, id, clears and
// bytes; the counter moves past them; a read-only database fails with SQLITE_READONLY.
TEST(HubStore, StoresAlertsSentFromMemoryWithTheirOwnSeqAndBytes) {
    harness::temp_dir dir;
    hub::store s(opts(dir));
    ASSERT_TRUE(s.commit(alerts_batch({raised("offline/pir", "sensor_offline")})));  // seq 1

    s.set_read_only(true);
    auto failed = s.commit(alerts_batch({raised("pendant/pendant")}));
    ASSERT_FALSE(failed);
    EXPECT_EQ(failed.error->code, SQLITE_READONLY);
    EXPECT_EQ(s.undelivered_count(), 1u);  // reads still work
    s.set_read_only(false);

    // The hub gave seqs 2 and 3 from memory; seq 2 clears the condition of seq 1.
    auto sent = [](hub::new_alert n, std::uint64_t seq, std::optional<std::string> clears) {
        n.alert.hub = "hub-0001";
        n.alert.seq = seq;
        n.alert.id = make_alert_id("hub-0001", seq);
        n.alert.clears = std::move(clears);
        return n;
    };
    auto a2 = sent(cleared("offline/pir"), 2, "hub-0001-1");
    auto a3 = sent(raised("pendant/pendant"), 3, std::nullopt);
    auto r = s.commit(alerts_batch({a2, a3, raised("later")}));
    ASSERT_TRUE(r) << r.error->message;
    ASSERT_EQ(r.added.size(), 3u);
    EXPECT_EQ(r.added[0].json, to_json(a2.alert).dump());
    EXPECT_EQ(r.added[1].json, to_json(a3.alert).dump());
    EXPECT_EQ(r.added[2].id, "hub-0001-4");
    EXPECT_EQ(s.next_seq(), 5u);
    EXPECT_FALSE(s.open_condition("offline/pir"));
    EXPECT_EQ(s.open_condition("pendant/pendant"), "hub-0001-3");
}

TEST(HubStore, ActivityHoursAreStoredOncePerHourAndDeliveredByHour) {
    harness::temp_dir dir;
    const auto h0 = t0, h1 = t0 + 1h, h2 = t0 + 2h;
    {
        hub::store s(opts(dir));
        hub::batch b;
        b.now = t0 + 3h;
        b.activity = {{h0, R"({"hour":0})"}, {h1, R"({"hour":1})"}};
        ASSERT_TRUE(s.commit(b));
        hub::batch again;  // a second row for a stored hour is ignored: the first bytes stay
        again.now = t0 + 3h;
        again.activity = {{h1, R"({"hour":"other"})"}, {h2, R"({"hour":2})"}};
        ASSERT_TRUE(s.commit(again));
    }
    hub::store s(opts(dir));  // and all of it survives a reopen
    auto rows = s.undelivered_activity();
    ASSERT_EQ(rows.size(), 3u);
    EXPECT_EQ(rows[0].hour, h0);
    EXPECT_EQ(rows[1].json, R"({"hour":1})");
    EXPECT_EQ(rows[2].hour, h2);
    EXPECT_EQ(s.undelivered_activity(h0, 1).at(0).hour, h1);

    hub::batch acked;
    acked.now = t0 + 4h;
    acked.activity_delivered = {h1, t0 + 9h /* never stored: no row */};
    ASSERT_TRUE(s.commit(acked));
    rows = s.undelivered_activity();
    ASSERT_EQ(rows.size(), 2u);
    EXPECT_EQ(rows[0].hour, h0);
    EXPECT_EQ(rows[1].hour, h2);
    EXPECT_EQ(s.find_activity(h1)->delivered, t0 + 4h);
    EXPECT_FALSE(s.find_activity(t0 + 9h));

    // Pruning drops delivered hours older than the limit, never undelivered ones.
    std::uint64_t n = 0;
    ASSERT_FALSE(s.prune(t0 + 5h, &n));
    EXPECT_EQ(n, 1u);
    EXPECT_FALSE(s.find_activity(h1));
    EXPECT_TRUE(s.find_activity(h0));
    EXPECT_EQ(s.undelivered_activity().size(), 2u);
}
