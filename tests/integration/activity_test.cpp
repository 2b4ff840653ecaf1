// Activity summaries from the real warden-hub to a stand-in centre (docs/activity.md): each finished
// "hour" is stored at the hub before it is sent, sent QoS 1 in hour order after any alert waiting,
// resent until acked, and survives a centre outage and a hub kill -9: every stored hour reaches the
// centre with the same bytes and is marked delivered. The hub runs with a 2 s summary period
// (--test-activity-period) so that hours end within the test.
#include <gtest/gtest.h>

#include <atomic>
#include <csignal>
#include <map>
#include <optional>
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

const std::string hub_bin = std::string(WARDEN_BIN_DIR) + "/warden-hub";
const std::string hub_id = "hub-0001";
constexpr int period_ms = 2000;

std::string config(const std::string& data_dir, const std::string& home, const std::string& centre) {
    return activity_test_support::hub_toml(hub_id, data_dir, home, centre, "300ms", true);
}

/// One row of the hub's activity outbox, read from its database file.
struct stored_hour {
    std::string json;
    bool delivered = false;
};

std::map<std::string, stored_hour> stored_hours(const std::filesystem::path& db_file) {
    std::map<std::string, stored_hour> out;
    sqlite3* db = nullptr;
    if (sqlite3_open_v2(db_file.c_str(), &db, SQLITE_OPEN_READONLY, nullptr) != SQLITE_OK) {
        sqlite3_close(db);
        return out;
    }
    sqlite3_stmt* st = nullptr;
    if (sqlite3_prepare_v2(db, "SELECT json, delivered_ms IS NOT NULL FROM activity_outbox ORDER BY hour_ms",
                           -1, &st, nullptr) == SQLITE_OK) {
        while (sqlite3_step(st) == SQLITE_ROW) {
            std::string j = reinterpret_cast<const char*>(sqlite3_column_text(st, 0));
            out[json::parse(j).at("hour").get<std::string>()] = {j, sqlite3_column_int(st, 1) != 0};
        }
    }
    sqlite3_finalize(st);
    sqlite3_close(db);
    return out;
}

/// The stand-in centre: takes alerts and activity hours from the centre broker and acks them as the
/// centre does (after "storing": here, remembering), and records what came in which order.
class centre {
public:
    explicit centre(const harness::broker& b) : uri_(b.uri()) { connect(); }

    void connect() {
        client_.reset();
        client_ = std::make_unique<harness::mqtt_client>(uri_);
        client_->subscribe("warden/v1/+/alert", 1);
        client_->subscribe("warden/v1/+/activity", 1);
    }
    void disconnect() { client_.reset(); }

    /// Takes messages for `d`; acks them when `ack`. Returns the messages in arrival order.
    std::vector<harness::mqtt_client::msg> take(std::chrono::milliseconds d, bool ack = true) {
        std::vector<harness::mqtt_client::msg> got;
        auto until = std::chrono::steady_clock::now() + d;
        for (;;) {
            auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
                until - std::chrono::steady_clock::now());
            if (left <= 0ms) break;
            auto m = client_->next("#", left);
            if (!m) break;
            handle(*m, ack);
            got.push_back(*m);
        }
        return got;
    }

    void handle(const harness::mqtt_client::msg& m, bool ack) {
        auto j = json::parse(m.payload);
        if (m.topic.ends_with("/activity")) {
            auto hour = j.at("hour").get<std::string>();
            auto [it, fresh] = hours_.emplace(hour, m.payload);
            // A resend carries the very same bytes.
            EXPECT_EQ(it->second, m.payload) << "hour " << hour << " came with different content";
            if (fresh) order_.push_back(hour);
            ++received_[hour];
            if (ack) client_->publish("warden/v1/" + hub_id + "/ack", json{{"activity", {hour}}}.dump());
        } else {
            alerts_.push_back(j);
            if (ack) client_->publish("warden/v1/" + hub_id + "/ack", json{{"ids", {j.at("id")}}}.dump());
        }
    }

    const std::map<std::string, std::string>& hours() const { return hours_; }
    const std::vector<std::string>& order() const { return order_; }
    /// How many times an hour was received (resends included).
    int received(const std::string& hour) const {
        auto it = received_.find(hour);
        return it == received_.end() ? 0 : it->second;
    }

private:
    std::string uri_;
    std::unique_ptr<harness::mqtt_client> client_;
    std::map<std::string, std::string> hours_;
    std::vector<std::string> order_;
    std::map<std::string, int> received_;
    std::vector<json> alerts_;
};

class ActivityUplink : public ::testing::Test {
protected:
    harness::temp_dir dir;
    harness::broker home;
    harness::broker centre_broker;
    harness::process hub;
    std::string config_path;
    std::atomic<bool> moving{true};
    std::thread resident;

    void SetUp() override {
        config_path =
            dir.write("hub.toml", config((dir / "data").string(), home.uri(), centre_broker.uri())).string();
        // Someone moving about the hall all the while (occupancy, then its clear).
        resident = std::thread([this, uri = home.uri()] {
            harness::mqtt_client c(uri);
            for (bool on = true; moving; on = !on) {
                c.publish("zigbee2mqtt/hall",
                          json{{"occupancy", on}, {"battery", 97}, {"linkquality", 120}}.dump());
                std::this_thread::sleep_for(150ms);
            }
        });
    }
    void start_hub() {
        hub = harness::process({hub_bin, "--config", config_path, "--log-level", "debug",
                                "--test-activity-period", std::to_string(period_ms)},
                               dir / "hub.log");
    }
    void TearDown() override {
        moving = false;
        if (resident.joinable()) resident.join();
        if (HasFailure()) std::cerr << "---- hub log ----\n" << hub.log() << "\n";
        hub.stop();
    }
};

}  // namespace

TEST_F(ActivityUplink, HoursSurviveACentreOutageAndKillNineEachSentAndAckedNoneLost) {
    centre c(centre_broker);
    start_hub();
    // Hours come and are acked.
    ASSERT_TRUE(harness::eventually(
        [&] {
            c.take(200ms);
            return c.hours().size() >= 2;
        },
        15s))
        << hub.log();

    // The centre goes away for a while: hours are made and kept in the outbox meanwhile. An alarm
    // raised during the outage goes before them when the centre comes back.
    c.disconnect();
    centre_broker.stop();
    const auto during = c.hours().size();
    std::this_thread::sleep_for(std::chrono::milliseconds(3 * period_ms));
    {
        harness::mqtt_client press(home.uri());
        press.publish("zigbee2mqtt/pendant", R"({"action":"emergency","battery":100,"linkquality":87})");
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(period_ms));
    const auto waiting = stored_hours(dir / "data" / "hub.db");
    std::size_t undelivered = 0;
    for (const auto& [h, row] : waiting) undelivered += !row.delivered;
    EXPECT_GE(undelivered, 3u) << "the hours of the outage are stored, not yet delivered";
    // The order is only seen if the stand-in subscribes before the hub reconnects: what the hub
    // publishes before that is dropped, and then its resends come in whatever order they fall due.
    auto connects = [&] {
        const auto log = hub.log();
        std::size_t n = 0;
        for (auto at = log.find("uplink connected"); at != std::string::npos;
             at = log.find("uplink connected", at + 1))
            ++n;
        return n;
    };
    const auto connects_before = connects();
    centre_broker.start();
    c.connect();
    const bool subscribed_first = connects() == connects_before;
    // The hub reconnects (its backoff may take a while), then sends what waited.
    std::vector<harness::mqtt_client::msg> back;
    std::optional<std::size_t> first_activity, pendant;
    ASSERT_TRUE(harness::eventually(
        [&] {
            for (auto& m : c.take(200ms)) {
                if (m.topic.ends_with("/activity") && !first_activity) first_activity = back.size();
                if (m.topic.ends_with("/alert") && json::parse(m.payload).at("type") == "pendant" && !pendant)
                    pendant = back.size();
                back.push_back(std::move(m));
            }
            return first_activity && pendant;
        },
        45s))
        << "the alarm and the hours of the outage arrive\n"
        << hub.log();
    if (subscribed_first)
        EXPECT_LT(*pendant, *first_activity) << "alarms go before summaries";
    else
        std::cerr << "note: the hub reconnected before the stand-in subscribed; order not checked\n";
    // The hours of the outage follow the first one (in the same burst, or a moment later under load).
    EXPECT_TRUE(harness::eventually(
        [&] {
            c.take(200ms);
            return c.hours().size() >= during + 3;
        },
        10s))
        << "the hours made during the outage reach the centre: " << c.hours().size() << " of at least "
        << during + 3;

    // An hour is published and not acked when the hub is killed: it is sent again after the restart.
    std::string unacked;
    ASSERT_TRUE(harness::eventually(
        [&] {
            for (const auto& m : c.take(100ms, false))
                if (m.topic.ends_with("/activity"))
                    unacked = json::parse(m.payload).at("hour").get<std::string>();
            return !unacked.empty();
        },
        10s));
    hub.signal(SIGKILL);
    hub.wait(5s);
    const int sent_before_kill = c.received(unacked);
    start_hub();
    // Hours after the restart arrive, and the hub's store ends with every hour delivered.
    const auto before_restart = c.order().size();
    ASSERT_TRUE(harness::eventually(
        [&] {
            c.take(200ms);
            return c.order().size() >= before_restart + 2;
        },
        20s))
        << hub.log();
    ASSERT_TRUE(harness::eventually(
        [&] {
            c.take(100ms);
            return c.received(unacked) > sent_before_kill;
        },
        20s))
        << "the hour published and not acked before the kill is sent again after the restart";
    hub.signal(SIGTERM);  // a clean stop commits the last delivered marks
    ASSERT_EQ(hub.wait(10s), 0) << hub.log();
    c.take(500ms);

    const auto stored = stored_hours(dir / "data" / "hub.db");
    ASSERT_GE(stored.size(), 8u);
    // The last hour may have ended while the hub was stopping (stored, then sent after the next
    // start), or been acked after the final commit of the delivered marks; every other one is
    // at the centre and marked delivered.
    const auto& last = stored.rbegin()->first;
    std::size_t delivered = 0;
    for (const auto& [hour, row] : stored) {
        SCOPED_TRACE(hour);
        delivered += row.delivered;
        if (!c.hours().count(hour)) {
            EXPECT_EQ(hour, last) << "a stored hour never reached the centre";
            EXPECT_FALSE(row.delivered) << "marked delivered, never received";
            continue;
        }
        EXPECT_EQ(c.hours().at(hour), row.json) << "the centre got other bytes than the hub stored";
    }
    EXPECT_GE(delivered + 1, stored.size());
    // Nothing reached the centre that the hub did not store (each hour stored once, by its key).
    for (const auto& [hour, bytes] : c.hours()) EXPECT_TRUE(stored.count(hour)) << hour;
    // Hours are first sent in hour order, and none is missing but those the hub was down throughout.
    EXPECT_TRUE(std::is_sorted(c.order().begin(), c.order().end()));
    int gaps = 0;
    time_point prev{};
    for (const auto& [hour, row] : stored) {
        auto t = *parse_time(hour);
        if (prev != time_point{} && t - prev != milliseconds{period_ms}) {
            ++gaps;
            EXPECT_LE(t - prev, milliseconds{4 * period_ms}) << "a gap longer than the kill -9 and restart";
        }
        prev = t;
        auto j = json::parse(row.json);
        EXPECT_GT(j.at("covered_s").get<int>(), 0);
        EXPECT_LE(j.at("covered_s").get<int>(), period_ms / 1000);
    }
    EXPECT_LE(gaps, 1) << "only the hub's downtime after kill -9 may leave hours out";
}

TEST_F(ActivityUplink, NoSummaryLeavesTheHomeWithoutConsent) {
    auto text = config((dir / "data").string(), home.uri(), centre_broker.uri());
    text.replace(text.find("share = true"), 12, "share = false");
    config_path = dir.write("hub.toml", text).string();
    centre c(centre_broker);
    start_hub();
    // Alerts still flow (hub_started), but no activity message in several periods.
    auto got = c.take(std::chrono::milliseconds(3 * period_ms + 1000));
    bool alert = false;
    for (const auto& m : got) {
        EXPECT_FALSE(m.topic.ends_with("/activity")) << m.payload;
        alert = alert || m.topic.ends_with("/alert");
    }
    EXPECT_TRUE(alert) << hub.log();
    EXPECT_TRUE(stored_hours(dir / "data" / "hub.db").empty());
}
