// Activity summaries end to end (docs/activity.md, "Delivery"): the real warden-hub on its home broker,
// the real warden-centre on its own broker. The centre's broker is stopped for several periods, then
// the centre itself is killed (kill -9) for several more, and meanwhile the hub is killed (kill -9)
// with hours sent and unacked, and restarted. At the end every hour the hub stored up to then is stored
// exactly once at the centre, with the hub's figures, and marked delivered at the hub; the centre holds no
// hour the hub did not store. Both run with a 2 s summary period (--test-activity-period) so that hours end
// within the test. Every wait is a wait-until on the two databases (generous bounds: CI runs this on 2 busy
// cores); nothing asserts how long a step took.
#include <gtest/gtest.h>

#include <atomic>
#include <csignal>
#include <functional>
#include <map>
#include <set>
#include <thread>

#include <sqlite3.h>

#include <nlohmann/json.hpp>

#include "activity_hub_config.hpp"
#include "warden/common/time.hpp"
#include "warden/harness/harness.hpp"

using namespace warden;
using namespace std::chrono_literals;
using json = nlohmann::json;

namespace {

const std::string bin = WARDEN_BIN_DIR;
const std::string hub_id = "hub-act-e2e";
constexpr int period_ms = 2000;

/// Runs `sql` read-only on a database file, calling `row` for each row; false if the file or the table
/// is not there yet.
bool query(const std::filesystem::path& file, const char* sql,
           const std::function<void(sqlite3_stmt*)>& row) {
    sqlite3* db = nullptr;
    if (sqlite3_open_v2(file.c_str(), &db, SQLITE_OPEN_READONLY, nullptr) != SQLITE_OK) {
        sqlite3_close(db);
        return false;
    }
    sqlite3_busy_timeout(db, 2000);
    sqlite3_stmt* st = nullptr;
    bool ok = sqlite3_prepare_v2(db, sql, -1, &st, nullptr) == SQLITE_OK;
    while (ok && sqlite3_step(st) == SQLITE_ROW) row(st);
    sqlite3_finalize(st);
    sqlite3_close(db);
    return ok;
}

/// One hour of the hub's activity outbox: its covered seconds and whether it is marked delivered.
struct hub_hour {
    std::int64_t covered_s = 0;
    bool delivered = false;
};

/// The hub's stored hours by their start (ms since the epoch).
std::map<std::int64_t, hub_hour> hub_hours(const std::filesystem::path& db) {
    std::map<std::int64_t, hub_hour> out;
    query(db, "SELECT json, delivered_ms IS NOT NULL FROM activity_outbox", [&](sqlite3_stmt* st) {
        auto j = json::parse(reinterpret_cast<const char*>(sqlite3_column_text(st, 0)));
        auto hour = parse_time(j.at("hour").get<std::string>());
        ASSERT_TRUE(hour);
        out[hour->time_since_epoch().count()] = {j.at("covered_s").get<std::int64_t>(),
                                                 sqlite3_column_int(st, 1) != 0};
    });
    return out;
}

/// One hour as the centre stored it: how many rows it has (one, or the test fails) and its cover.
struct centre_hour {
    int rows = 0;
    std::int64_t covered_s = 0;
};

std::map<std::int64_t, centre_hour> centre_hours(const std::filesystem::path& db) {
    std::map<std::int64_t, centre_hour> out;
    query(db,
          ("SELECT hour_ms, count(*), max(covered_s) FROM activity_hours WHERE hub = '" + hub_id +
           "' GROUP BY hour_ms")
              .c_str(),
          [&](sqlite3_stmt* st) {
              out[sqlite3_column_int64(st, 0)] = {sqlite3_column_int(st, 1), sqlite3_column_int64(st, 2)};
          });
    return out;
}

class ActivityEndToEnd : public ::testing::Test {
protected:
    harness::temp_dir dir;
    harness::broker home, centre_broker;
    std::filesystem::path hub_toml, centre_toml, hub_db, centre_db;
    harness::process hub, centre;
    std::atomic<bool> moving{true};
    std::thread resident;

    void SetUp() override {
        hub_db = dir / "hub" / "hub.db";
        centre_db = dir / "centre.db";
        std::filesystem::create_directories(dir / "hub");
        hub_toml =
            dir.write("hub.toml", activity_test_support::hub_toml(hub_id, (dir / "hub").string(), home.uri(),
                                                                  centre_broker.uri(), "1s", false));
        centre_toml = dir.write(
            "centre.toml",
            "[centre]\ndatabase = \"" + centre_db.string() + "\"\n[mqtt]\nuri = \"" + centre_broker.uri() +
                "\"\n[http]\nlisten = \"127.0.0.1:" + std::to_string(harness::free_port()) + "\"\n");
        // Someone moving about the hall all the while (occupancy, then its clear).
        resident = std::thread([this, uri = home.uri()] {
            harness::mqtt_client c(uri, "act-e2e-resident");
            for (bool on = true; moving; on = !on) {
                c.publish("zigbee2mqtt/hall",
                          json{{"occupancy", on}, {"battery", 97}, {"linkquality", 120}}.dump());
                std::this_thread::sleep_for(200ms);
            }
        });
    }

    void TearDown() override {
        moving = false;
        if (resident.joinable()) resident.join();
        if (HasFailure())
            std::cerr << "---- hub log ----\n" << hub.log() << "\n---- centre log ----\n" << centre.log();
        hub.stop();
        centre.stop();
    }

    void start_centre() {
        centre = harness::process({bin + "/warden-centre", "--config", centre_toml.string(),
                                   "--test-activity-period", std::to_string(period_ms)},
                                  dir / "centre.log");
    }
    void start_hub() {
        hub = harness::process({bin + "/warden-hub", "--config", hub_toml.string(), "--test-activity-period",
                                std::to_string(period_ms)},
                               dir / "hub.log");
    }

    /// Hours the hub stored and has not seen acked.
    std::size_t undelivered() {
        std::size_t n = 0;
        for (const auto& [hour, h] : hub_hours(hub_db)) n += !h.delivered;
        return n;
    }
    /// Waits until the hub has stored `n` more hours than it had (the hub made them meanwhile).
    bool hub_makes(std::size_t n, std::chrono::milliseconds within) {
        const auto had = hub_hours(hub_db).size();
        return harness::eventually([&] { return hub_hours(hub_db).size() >= had + n; }, within);
    }
};

}  // namespace

TEST_F(ActivityEndToEnd, HoursSurviveACentreOutageAndKillNineOfBothEachStoredOnceAndDelivered) {
    start_centre();
    start_hub();
    // Hours reach the centre and are acked.
    ASSERT_TRUE(harness::eventually(
        [&] {
            std::size_t delivered = 0;
            for (const auto& [hour, h] : hub_hours(hub_db)) delivered += h.delivered;
            return centre_hours(centre_db).size() >= 2 && delivered >= 2;
        },
        60s));

    // (1) The centre's broker goes away for several periods: the hub keeps making hours and keeps them.
    centre_broker.stop();
    ASSERT_TRUE(hub_makes(3, 60s)) << "the hub makes hours while its centre link is down";
    EXPECT_GE(undelivered(), 3u) << "the hours of the outage wait in the hub's store";
    centre_broker.start();
    ASSERT_TRUE(harness::eventually([&] { return undelivered() <= 1; }, 120s))
        << "the hours of the broker outage reach the centre once it is back";

    // (2) The centre is killed (kill -9) for several periods: nothing is acked meanwhile; its broker
    // keeps what the hub sends for the centre's session. Then the hub is killed (kill -9) too, with
    // those hours published and unacked, and restarted: it sends them again, so the centre gets them
    // twice once it is back.
    centre.signal(SIGKILL);
    centre.wait(10s);
    const auto at_kill = centre_hours(centre_db).size();
    ASSERT_TRUE(hub_makes(3, 60s));
    EXPECT_GE(undelivered(), 3u);
    hub.signal(SIGKILL);
    hub.wait(10s);
    start_hub();
    ASSERT_TRUE(hub_makes(2, 60s)) << "the restarted hub makes hours again";
    EXPECT_EQ(centre_hours(centre_db).size(), at_kill) << "nothing is stored while the centre is down";
    start_centre();

    // The end: every hour the hub has stored by now reaches the centre once and is marked delivered
    // (the mark rides on a later commit of the hub, which makes an hour every period).
    const auto cutoff = hub_hours(hub_db);
    ASSERT_GE(cutoff.size(), 10u);  // 2 + 3 + 3 + 2 made in the steps above
    ASSERT_TRUE(harness::eventually(
        [&] {
            auto now = hub_hours(hub_db);
            auto at_centre = centre_hours(centre_db);
            for (const auto& [hour, h] : cutoff)
                if (!now[hour].delivered || !at_centre.contains(hour)) return false;
            return true;
        },
        120s))
        << "every hour stored before the end is delivered and at the centre";
    hub.signal(SIGTERM);
    ASSERT_EQ(hub.wait(20s), 0);
    centre.signal(SIGTERM);
    ASSERT_EQ(centre.wait(20s), 0);

    const auto stored = hub_hours(hub_db);
    const auto at_centre = centre_hours(centre_db);
    for (const auto& [hour, h] : cutoff) {
        SCOPED_TRACE(format_time(time_point{milliseconds{hour}}));
        ASSERT_TRUE(at_centre.contains(hour));
        EXPECT_EQ(at_centre.at(hour).rows, 1) << "each hour stored once";
        EXPECT_EQ(at_centre.at(hour).covered_s, h.covered_s) << "the centre stored the hub's figures";
        EXPECT_TRUE(stored.at(hour).delivered);
    }
    for (const auto& [hour, c] : at_centre) {
        SCOPED_TRACE(format_time(time_point{milliseconds{hour}}));
        EXPECT_TRUE(stored.contains(hour)) << "the centre holds an hour the hub never stored";
        EXPECT_EQ(c.rows, 1);
        EXPECT_EQ(hour % period_ms, 0) << "hours start on a whole period";
    }
    // Every hour the hub acked is at the centre (the ack follows the centre's commit).
    for (const auto& [hour, h] : stored) {
        if (!h.delivered) continue;
        EXPECT_TRUE(at_centre.contains(hour)) << format_time(time_point{milliseconds{hour}});
    }
}
