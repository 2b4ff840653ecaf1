// The centre's parts below the program: password hashes and tokens, login throttling (time passed in),
// session expiry and login throttling through the HTTP API in virtual time,
// the SSE fan-out's bounded queues, topic, id and listen parsing, the API's JSON shapes and answer
// figures, hub supervision in virtual time (a real store, an injected clock, no sleeps), and
// ingest's one-ack-per-hub batching against a real Mosquitto.
#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <map>
#include <thread>

#include <httplib.h>

#include <spdlog/sinks/null_sink.h>
#include <spdlog/sinks/ringbuffer_sink.h>
#include <spdlog/spdlog.h>
#include <asio/executor_work_guard.hpp>

#include "warden/centre/activity_json.hpp"
#include "warden/centre/auth.hpp"
#include "warden/centre/events.hpp"
#include "warden/centre/http_server.hpp"
#include "warden/centre/ingest.hpp"
#include "warden/centre/json.hpp"
#include "warden/centre/open_store.hpp"
#include "warden/centre/procedures.hpp"
#include "warden/centre/supervisor.hpp"
#include "warden/common/alert_catalogue.hpp"
#include "warden/harness/harness.hpp"
#include "warden/harness/postgres.hpp"
#include "warden/test/activity_weeks.hpp"

using namespace warden;
using namespace warden::centre;
using namespace std::chrono_literals;

// Every alert type of the catalogue ships with a procedure: a type added without one fails here.
TEST(CentreProcedures, EveryCatalogueTypeHasADefault) {
    for (const auto& t : warden::alert_types()) {
        auto steps = warden::centre::default_procedure(t.name);
        EXPECT_GE(steps.size(), 2u) << t.name << " has no default procedure (centre/http/procedures.cpp)";
        for (auto s : steps) EXPECT_FALSE(s.empty()) << t.name;
    }
    EXPECT_TRUE(warden::centre::default_procedure("no_such_type").empty());
}

TEST(CentreProcedures, TheConfigReplacesATypesStepsAndTheOthersKeepTheirDefault) {
    auto p = warden::centre::procedures_with({{"smoke", {"Call 999", "Call the warden"}}});
    EXPECT_EQ(p.size(), warden::alert_types().size());
    EXPECT_EQ(p.at("smoke"), (std::vector<std::string>{"Call 999", "Call the warden"}));
    auto fall = warden::centre::default_procedure("fall");
    EXPECT_EQ(p.at("fall"), std::vector<std::string>(fall.begin(), fall.end()));
}

// Found by fuzzing (fuzz/http_json.cpp): nlohmann's parser ends the input at a NUL byte, so a body
// such as "{...}\0<anything>" read as the part before it, unseen by the depth guard's verdict.
TEST(CentreJson, ABodyHoldingANulByteIsRefused) {
    using namespace std::string_literals;
    EXPECT_TRUE(parse_bounded_json("7\0\",\"\xaa [[[[]]]]}"s).is_discarded());
    EXPECT_TRUE(parse_bounded_json("{\"user\":\"ann\"}\0trailing"s).is_discarded());
    EXPECT_EQ(parse_bounded_json("{\"user\":\"ann\"}"), nlohmann::json({{"user", "ann"}}));
}

TEST(CentreAuth, PasswordsAreArgon2idAndVerify) {
    auto h = hash_password("correct horse");
    EXPECT_TRUE(h.starts_with("$argon2id$")) << h;
    EXPECT_TRUE(verify_password(h, "correct horse"));
    EXPECT_FALSE(verify_password(h, "correct horsE"));
    EXPECT_FALSE(verify_password("garbage", "correct horse"));
    EXPECT_NE(hash_password("correct horse"), h);  // salted
}

TEST(CentreAuth, TokensAreRandomAndStoredAsHashes) {
    auto a = random_hex(32), b = random_hex(32);
    EXPECT_EQ(a.size(), 64u);
    EXPECT_NE(a, b);
    EXPECT_EQ(token_hash(a), token_hash(a));
    EXPECT_NE(token_hash(a), a);
    EXPECT_EQ(token_hash("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    EXPECT_TRUE(equal_secrets("abc", "abc"));
    EXPECT_FALSE(equal_secrets("abc", "abd"));
    EXPECT_FALSE(equal_secrets("", ""));
}

TEST(CentreAuth, RolesParseAndSetsHold) {
    EXPECT_EQ(parse_role("operator"), role::operator_);
    EXPECT_EQ(to_string(role::technician), "technician");
    EXPECT_FALSE(parse_role("root"));
    constexpr roles r{role::operator_, role::supervisor};
    EXPECT_TRUE(r.has(role::supervisor));
    EXPECT_FALSE(r.has(role::admin));
}

TEST(CentreAuth, FiveFailuresLockForThirtySeconds) {
    login_limiter lim(5, 30s);
    auto t = login_limiter::clock::time_point{} + 1h;
    for (int i = 0; i < 4; ++i) lim.failure("user:ann", t);
    EXPECT_EQ(lim.retry_after("user:ann", t), 0);
    lim.failure("user:ann", t);
    EXPECT_EQ(lim.retry_after("user:ann", t), 30);
    EXPECT_EQ(lim.retry_after("user:ann", t + 29s), 1);
    EXPECT_EQ(lim.retry_after("user:bob", t), 0);
    EXPECT_EQ(lim.retry_after("user:ann", t + 30s), 0);
    lim.failure("user:bob", t);
    lim.success("user:bob");
    for (int i = 0; i < 4; ++i) lim.failure("user:bob", t);
    EXPECT_EQ(lim.retry_after("user:bob", t), 0);  // success reset the count
}

TEST(CentreEvents, SlowSubscriberIsDroppedOthersKeepGoing) {
    sse_broadcaster b(3, {.handlers = 10});
    auto fast = b.subscribe(true);
    auto slow = b.subscribe(true);
    auto hubs_only = b.subscribe(false);
    ASSERT_TRUE(fast && slow && hubs_only);
    std::vector<sse_event> got;
    for (int i = 0; i < 3; ++i) {
        b.publish({"alert", std::to_string(i)});
        got.clear();
        EXPECT_EQ(fast->wait(got, 0ms), sse_subscriber::wait_result::events);
    }
    b.publish({"alert", "overflow"});  // slow has 3 queued: it is dropped, not waited for
    EXPECT_EQ(b.dropped(), 1u);
    EXPECT_EQ(b.subscribers(), 2u);
    got.clear();
    EXPECT_EQ(slow->wait(got, 0ms), sse_subscriber::wait_result::closed);
    got.clear();
    EXPECT_EQ(fast->wait(got, 0ms), sse_subscriber::wait_result::events);
    EXPECT_EQ(got.at(0).data, "overflow");
    // Hub-only subscribers get no alerts.
    got.clear();
    EXPECT_EQ(hubs_only->wait(got, 0ms), sse_subscriber::wait_result::timeout);
    b.publish({"hub", "{}"});
    EXPECT_EQ(hubs_only->wait(got, 0ms), sse_subscriber::wait_result::events);
    EXPECT_EQ(got.at(0).name, "hub");
}

TEST(CentreEvents, StopClosesEveryStreamAndRefusesNewOnes) {
    sse_broadcaster b(8, {.handlers = 2});
    auto a = b.subscribe(true);
    auto c = b.subscribe(true);
    EXPECT_FALSE(b.subscribe(true));  // capped
    b.stop();
    std::vector<sse_event> got;
    EXPECT_EQ(a->wait(got, 10s), sse_subscriber::wait_result::closed);  // returns at once
    EXPECT_EQ(c->wait(got, 10s), sse_subscriber::wait_result::closed);
    EXPECT_FALSE(b.subscribe(true));
}

TEST(CentreEvents, AStreamEndsWithItsSessionOrItsUser) {
    sse_broadcaster b(8, {.handlers = 10});
    auto ann1 = b.subscribe(true, "session-ann-1", "ann");
    auto ann2 = b.subscribe(true, "session-ann-2", "ann");
    auto bob = b.subscribe(true, "session-bob", "bob");
    std::vector<sse_event> got;
    b.end_session("session-ann-1");                                        // ann logs out in one browser
    EXPECT_EQ(ann1->wait(got, 10s), sse_subscriber::wait_result::closed);  // at once
    EXPECT_EQ(ann2->wait(got, 0ms), sse_subscriber::wait_result::timeout);
    EXPECT_EQ(b.subscribers(), 2u);
    b.end_user("ann");  // an admin disables ann
    EXPECT_EQ(ann2->wait(got, 10s), sse_subscriber::wait_result::closed);
    EXPECT_EQ(bob->wait(got, 0ms), sse_subscriber::wait_result::timeout);
    EXPECT_EQ(b.subscribers(), 1u);
    b.end_session("");  // streams without a session are never matched
    b.end_user("");
    EXPECT_EQ(b.subscribers(), 1u);
}

TEST(CentreEvents, EndAllClosesEveryStreamAndTakesNewOnes) {
    // What an instance does when it may have missed other instances' updates: every console reloads.
    sse_broadcaster b(8, {.handlers = 2});
    auto a = b.subscribe(true, "session-ann", "ann");
    auto c = b.subscribe(false, "session-tom", "tom", sse_pool::others);
    b.end_all();
    std::vector<sse_event> got;
    EXPECT_EQ(a->wait(got, 10s), sse_subscriber::wait_result::closed);  // at once
    EXPECT_EQ(c->wait(got, 10s), sse_subscriber::wait_result::closed);
    EXPECT_EQ(b.subscribers(), 0u);
    auto again = b.subscribe(true, "session-ann", "ann");  // the console reconnects
    ASSERT_TRUE(again);
    b.publish({"alert", "{}"});
    EXPECT_EQ(again->wait(got, 10s), sse_subscriber::wait_result::events);
}

TEST(CentreEvents, StreamsAreCappedPerLoginAndPerUserAndOtherRolesNeverTakeAnOperatorsPlace) {
    sse_broadcaster b(8, {.per_session = 4, .per_user = 8, .handlers = 6, .others = 8});
    std::vector<std::shared_ptr<sse_subscriber>> open;
    sse_refusal why = sse_refusal::none;
    // A technician opens streams from one login: 4, then refused for the login.
    for (int i = 0; i < 4; ++i) open.push_back(b.subscribe(true, "tess-1", "tess", sse_pool::others, &why));
    EXPECT_TRUE(std::all_of(open.begin(), open.end(), [](const auto& s) { return s != nullptr; }));
    EXPECT_FALSE(b.subscribe(true, "tess-1", "tess", sse_pool::others, &why));
    EXPECT_EQ(why, sse_refusal::session_limit);
    // More logins of the same user: 8 in all, then refused for the user.
    for (int i = 0; i < 4; ++i) open.push_back(b.subscribe(true, "tess-2", "tess", sse_pool::others, &why));
    EXPECT_EQ(b.subscribers(), 8u);
    EXPECT_FALSE(b.subscribe(true, "tess-3", "tess", sse_pool::others, &why));
    EXPECT_EQ(why, sse_refusal::user_limit);
    // The other roles' pool is full, an admin is refused: but an operator still gets a stream.
    EXPECT_FALSE(b.subscribe(false, "adam-1", "adam", sse_pool::others, &why));
    EXPECT_EQ(why, sse_refusal::pool_full);
    auto olive = b.subscribe(true, "olive-1", "olive", sse_pool::handlers, &why);
    ASSERT_TRUE(olive);
    EXPECT_EQ(why, sse_refusal::none);
    // Streams that end give their place back.
    b.unsubscribe(open.back());
    open.pop_back();
    EXPECT_TRUE(b.subscribe(true, "tess-3", "tess", sse_pool::others, &why));
}

TEST(CentreIngest, EachHubHasItsOwnAlertRateWithABurst) {
    hub_rate_limiter r({.alerts_per_minute = 6, .burst = 3});
    auto t = std::chrono::steady_clock::time_point{} + 1h;
    for (int i = 0; i < 3; ++i) EXPECT_TRUE(r.take("noisy", t)) << i;
    EXPECT_FALSE(r.take("noisy", t));  // beyond its burst
    EXPECT_TRUE(r.take("quiet", t));   // another hub is not touched
    EXPECT_FALSE(r.take("noisy", t + 9s));
    EXPECT_TRUE(r.take("noisy", t + 10s));  // 6 a minute: one more every 10 s
    EXPECT_FALSE(r.take("noisy", t + 10s));
    for (int i = 0; i < 3; ++i) EXPECT_TRUE(r.take("noisy", t + 1h)) << i;  // refilled, never beyond burst
    EXPECT_FALSE(r.take("noisy", t + 1h));
}

TEST(CentreIngest, ATokenGivenBackNeverFillsTheBucketBeyondItsBurst) {
    hub_rate_limiter r({.alerts_per_minute = 6, .burst = 2});
    auto t = std::chrono::steady_clock::time_point{} + 1h;
    EXPECT_TRUE(r.take("hub", t));
    r.give_back("hub");
    r.give_back("hub");
    r.give_back("never-seen");  // no bucket yet: nothing to give back to
    EXPECT_TRUE(r.take("hub", t));
    EXPECT_TRUE(r.take("hub", t));
    EXPECT_FALSE(r.take("hub", t));
}

TEST(CentreIngest, RefusalsAreReportedAtMostOnceAnIntervalWithTheirCount) {
    paced_counter p(1min);
    auto t = std::chrono::steady_clock::time_point{} + 1h;
    EXPECT_EQ(p.add("hub-x", 1, t), 1u);  // the first at once
    EXPECT_EQ(p.add("hub-x", 500, t + 1s), 0u);
    EXPECT_EQ(p.add("hub-y", 2, t + 1s), 2u);  // per hub
    EXPECT_EQ(p.add("hub-x", 499, t + 59s), 0u);
    EXPECT_EQ(p.add("hub-x", 1, t + 61s), 1000u);  // everything since the last report
    EXPECT_EQ(p.add("hub-x", 1, t + 62s), 0u);
}

TEST(CentreIngest, HubTopics) {
    std::string hub, kind;
    EXPECT_TRUE(parse_hub_topic("warden/v1/hub-0001/alert", hub, kind));
    EXPECT_EQ(hub, "hub-0001");
    EXPECT_EQ(kind, "alert");
    EXPECT_FALSE(parse_hub_topic("warden/v1/hub 1/alert", hub, kind));
    EXPECT_FALSE(parse_hub_topic("warden/v1/hub/alert/x", hub, kind));
    EXPECT_FALSE(parse_hub_topic("warden/v2/hub/alert", hub, kind));
    EXPECT_FALSE(parse_hub_topic("warden/v1//alert", hub, kind));
}

TEST(CentreIngest, HubIdsAndTheirAlertIds) {
    EXPECT_TRUE(is_acceptable_hub_id("hub-0001"));
    EXPECT_TRUE(is_acceptable_hub_id("Centre-1"));  // ids are case-sensitive: no clash with "centre-"
    EXPECT_TRUE(is_acceptable_hub_id("centres"));
    EXPECT_TRUE(is_acceptable_hub_id("my-centre"));
    EXPECT_FALSE(is_acceptable_hub_id("centre"));
    EXPECT_FALSE(is_acceptable_hub_id("centre-hub_offline-hub-0001"));
    EXPECT_FALSE(is_acceptable_hub_id("dc09"));
    EXPECT_FALSE(is_acceptable_hub_id("dc09-1234-0001"));
    EXPECT_FALSE(is_acceptable_hub_id("hub 1"));
    EXPECT_FALSE(is_acceptable_hub_id(std::string(65, 'h')));

    EXPECT_TRUE(is_hub_alert_id("hub-0001", "hub-0001-1"));
    EXPECT_TRUE(is_hub_alert_id("hub-0001", "hub-0001-0"));
    EXPECT_TRUE(is_hub_alert_id("hub-0001", make_alert_id("hub-0001", UINT64_MAX)));
    EXPECT_FALSE(is_hub_alert_id("hub", "hub-0001-1"));
    EXPECT_FALSE(is_hub_alert_id("hub-0001", "hub-0001-01"));
    EXPECT_FALSE(is_hub_alert_id("hub-0001", "hub-0001-"));
    EXPECT_FALSE(is_hub_alert_id("hub-0001", "hub-0001-1 x"));
    EXPECT_FALSE(is_hub_alert_id("hub-0001", "hub-0001-1.r2"));
    EXPECT_FALSE(is_hub_alert_id("hub-0001", "hub-0001-18446744073709551616"));  // past UINT64_MAX
}

TEST(CentreIngest, FaultsAreOffUnlessAsked) {
    EXPECT_FALSE(ingest_faults_from(nullptr).exit_after_commit);
    EXPECT_FALSE(ingest_faults_from("").exit_after_commit);
    EXPECT_TRUE(ingest_faults_from("exit-after-commit").exit_after_commit);
    EXPECT_THROW(ingest_faults_from("exit-after-comit"), std::invalid_argument);
}

/// A hub's pendant alert `seq`, as it publishes it.
alert pendant_alert(const std::string& hub, std::uint64_t seq) {
    alert a;
    a.hub = hub;
    a.seq = seq;
    a.id = make_alert_id(hub, seq);
    a.type = "pendant";
    a.priority = priority::critical;
    a.at = *parse_time("2026-11-28T12:00:00Z");
    a.rule = "pendant";
    return a;
}
std::string alert_payload(const std::string& hub, std::uint64_t seq) {
    return warden::to_json(pendant_alert(hub, seq)).dump();
}

/// An ingest fed directly through handle(): its session is never started (no broker; acks fail quietly).
struct fed_ingest {
    harness::temp_dir dir;
    std::unique_ptr<store> db = open_store(harness::test_database(dir / "centre.db"));
    std::shared_ptr<spdlog::logger> log =
        std::make_shared<spdlog::logger>("test", std::make_shared<spdlog::sinks::null_sink_mt>());
    asio::io_context io;
    mqtt::session session{io, {.uri = "tcp://127.0.0.1:1", .client_id = "centre-ingest-test"}, log};
    centre_metrics metrics;
    ingest in{io, session, *db, metrics, log, {}};
};

/// Alerts a hub resends because an ack was lost are not new alerts: the tokens they took go back, so
/// the hub's next new alerts are not folded for them, and resends beyond the rate raise no flood alert
/// (default rate: a burst of 20).
TEST(CentreIngest, ResendsDoNotCountAgainstTheHubsRate) {
    fed_ingest f;
    auto send = [&](int from, int to) {
        for (int seq = from; seq <= to; ++seq)
            f.in.handle({"warden/v1/hub-r/alert", alert_payload("hub-r", seq)});
        f.io.restart();
        f.io.run();
    };
    send(1, 15);   // 15 of the 20 tokens
    send(1, 15);   // the same 15 again: resends, their tokens given back
    send(16, 20);  // 5 new: within the burst
    auto all = f.db->list_alerts({.state = "all", .limit = 100});
    EXPECT_EQ(all.size(), 20u);
    for (const auto& a : all) EXPECT_FALSE(a.folded_into) << a.a.id << " folded";
    send(21, 21);  // the 21st new alert in the burst is beyond it
    EXPECT_TRUE(f.db->get_alert("hub-r-21")->folded_into);
}

/// Found while writing the centre_ingest fuzz target (its check that what is stored renders as JSON):
/// a heartbeat's version was cut at 64 bytes, which could split a UTF-8 character; the stored half
/// made GET /api/hubs fail for every user (nlohmann's dump() throws on invalid UTF-8). It is cut at a
/// character boundary now. No broker: the session is never started, acks fail quietly.
TEST(CentreIngest, ALongVersionIsCutWithoutSplittingACharacter) {
    fed_ingest f;
    std::string version = std::string(63, 'v') + "\u00e9-and-more";  // é is 2 bytes: bytes 63 and 64
    f.in.handle({"warden/v1/hub-u/heartbeat", nlohmann::json{{"hub", "hub-u"}, {"version", version}}.dump()});
    f.io.run();
    auto hub = f.db->get_hub("hub-u");
    ASSERT_TRUE(hub);
    EXPECT_EQ(hub->version, std::string(63, 'v'));
    EXPECT_NO_THROW(to_json(*hub).dump());
}

/// The heartbeat's "away" field (docs/hub.md): stored and shown on GET /api/hubs; a heartbeat without it
/// (an older hub) or with a malformed one leaves the hub's away mode unknown (null), never "off".
TEST(CentreIngest, AHeartbeatsAwayModeIsStoredAndUnknownWhenMissingOrMalformed) {
    fed_ingest f;
    f.in.handle(
        {"warden/v1/hub-a/heartbeat",
         R"({"hub":"hub-a","outbox":0,"away":{"on":true,"since":"2026-11-30T21:05:00.000Z","by":"centre",)"
         R"("user":"olive","request":"c-1a2b"}})"});
    f.in.handle({"warden/v1/hub-b/heartbeat", R"({"hub":"hub-b","outbox":0,"away":{"on":false}})"});
    f.in.handle({"warden/v1/hub-old/heartbeat", R"({"hub":"hub-old","outbox":0})"});
    f.in.handle({"warden/v1/hub-bad/heartbeat", R"({"hub":"hub-bad","outbox":0,"away":"on"})"});
    f.io.run();
    auto a = to_json(*f.db->get_hub("hub-a"));
    EXPECT_EQ(a.at("away"),
              nlohmann::json::parse(R"({"on":true,"since":"2026-11-30T21:05:00.000Z","by":"centre",)"
                                    R"("user":"olive","request":"c-1a2b"})"));
    EXPECT_EQ(to_json(*f.db->get_hub("hub-b")).at("away"), nlohmann::json::parse(R"({"on":false})"));
    for (const char* hub : {"hub-old", "hub-bad"}) {
        auto h = f.db->get_hub(hub);
        ASSERT_TRUE(h) << hub << ": the heartbeat itself is taken";
        EXPECT_TRUE(to_json(*h).at("away").is_null()) << hub;
    }
}

TEST(CentreIngest, AlertsReceivedTogetherAreAckedInOneMessagePerHub) {
    // The real ingest, a real store and a real Mosquitto. The messages are handed to ingest before
    // its io_context runs, exactly as a burst from the broker lands in one turn, so the batch is known.
    harness::broker broker;
    harness::temp_dir dir;
    auto db = open_store(harness::test_database(dir / "centre.db"));
    auto log = std::make_shared<spdlog::logger>("test", std::make_shared<spdlog::sinks::null_sink_mt>());
    asio::io_context io;
    mqtt::options mo;
    mo.uri = broker.uri();
    mo.client_id = "centre-ingest-test";
    mqtt::session session(io, mo, log);
    bool up = false;
    session.on_connection([&](bool connected) { up = connected; });
    centre_metrics metrics;
    ingest in(io, session, *db, metrics, log, {});
    in.start();
    session.start();
    auto busy = asio::make_work_guard(io);  // so that each turn lasts its 20 ms
    auto turn = [&] { io.run_for(20ms); };
    for (int i = 0; i < 500 && !up; ++i) turn();
    ASSERT_TRUE(up);
    harness::mqtt_client hubs(broker.uri(), "sim-hubs");
    hubs.subscribe("warden/v1/+/ack");

    auto payload = alert_payload;
    for (std::uint64_t seq = 1; seq <= 3; ++seq) in.handle({"warden/v1/hub-x/alert", payload("hub-x", seq)});
    in.handle({"warden/v1/hub-y/alert", payload("hub-y", 1)});
    in.handle({"warden/v1/hub-x/alert", payload("hub-x", 2)});  // a resend in the same batch
    // A batch on .../alerts: each alert taken as if alone; one naming another hub is refused alone.
    in.handle({"warden/v1/hub-z/alerts",
               "[" + payload("hub-z", 1) + "," + payload("hub-y", 7) + "," + payload("hub-z", 2) + "]"});
    // Not an array, or empty: refused whole, nothing acked.
    in.handle({"warden/v1/hub-w/alerts", payload("hub-w", 1)});
    in.handle({"warden/v1/hub-w/alerts", "[]"});

    std::vector<harness::mqtt_client::msg> acks;
    for (int i = 0; i < 250 && acks.size() < 3; ++i) {
        turn();
        for (auto& m : hubs.drain()) acks.push_back(std::move(m));
    }
    for (int i = 0; i < 10; ++i) {  // nothing further follows
        turn();
        for (auto& m : hubs.drain()) acks.push_back(std::move(m));
    }
    ASSERT_EQ(acks.size(), 3u) << "one ack message per hub";
    std::map<std::string, nlohmann::json> by_topic;
    for (const auto& m : acks) by_topic[m.topic] = nlohmann::json::parse(m.payload);
    // Each ack says the centre takes batches, so that a hub starts sending them.
    const auto batch = max_batch_alerts;
    EXPECT_EQ(by_topic["warden/v1/hub-x/ack"],
              (nlohmann::json{{"ids", {"hub-x-1", "hub-x-2", "hub-x-3"}}, {"batch", batch}}));
    EXPECT_EQ(by_topic["warden/v1/hub-y/ack"], (nlohmann::json{{"ids", {"hub-y-1"}}, {"batch", batch}}));
    EXPECT_EQ(by_topic["warden/v1/hub-z/ack"],
              (nlohmann::json{{"ids", {"hub-z-1", "hub-z-2"}}, {"batch", batch}}));
    EXPECT_EQ(db->list_alerts({.state = "all"}).size(), 6u);
    EXPECT_EQ(metrics.rejected_count(), 3u) << "the other hub's alert in the batch, the two bad batches";
    session.stop();
}

TEST(CentreIngest, ActivitySummariesAreStoredOnceThenAckedAndBadOnesAreNeither) {
    // The real ingest, a real store and a real Mosquitto, as the alert test above.
    harness::broker broker;
    harness::temp_dir dir;
    auto db = open_store(harness::test_database(dir / "centre.db"));
    auto sink = std::make_shared<spdlog::sinks::ringbuffer_sink_mt>(64);
    auto log = std::make_shared<spdlog::logger>("test", sink);
    asio::io_context io;
    mqtt::options mo;
    mo.uri = broker.uri();
    mo.client_id = "centre-activity-test";
    mqtt::session session(io, mo, log);
    bool up = false;
    session.on_connection([&](bool connected) { up = connected; });
    centre_metrics metrics;
    ingest in(io, session, *db, metrics, log, {});
    in.start();
    session.start();
    auto busy = asio::make_work_guard(io);
    auto turn = [&] { io.run_for(20ms); };
    for (int i = 0; i < 500 && !up; ++i) turn();
    ASSERT_TRUE(up);
    harness::mqtt_client hubs(broker.uri(), "sim-hubs");
    hubs.subscribe("warden/v1/+/ack");
    household h;
    h.address_lines = {"1 Test Street"};
    h.postcode = "AB1 2CD";
    h.residents.push_back({.name = "Test Resident"});
    h.hubs = {"hub-a"};
    auto saved = db->create_household(h, "admin", *parse_time("2026-11-01T00:00:00Z"));
    ASSERT_EQ(saved.status, save_status::ok);

    test::activity_weeks w;
    w.hub = "hub-a";
    w.first_day = *parse_time("2026-11-28T00:00:00Z");
    w.days = 1;
    auto hours = w.build();
    auto acks = [&](std::size_t want) {
        std::vector<nlohmann::json> got;
        for (int i = 0; i < 250 && got.size() < want; ++i) {
            turn();
            for (auto& m : hubs.drain()) got.push_back(nlohmann::json::parse(m.payload));
        }
        for (int i = 0; i < 10; ++i) {
            turn();
            for (auto& m : hubs.drain()) got.push_back(nlohmann::json::parse(m.payload));
        }
        for (auto& j : got) {  // every ack says the centre takes alert batches (the alert test checks it)
            EXPECT_EQ(j.value("batch", 0u), max_batch_alerts);
            j.erase("batch");
        }
        return got;
    };
    for (int i = 0; i < 3; ++i) in.handle({"warden/v1/hub-a/activity", to_json(hours[i]).dump()});
    auto first = acks(1);
    ASSERT_EQ(first.size(), 1u);
    EXPECT_EQ(first[0],
              (nlohmann::json{
                  {"activity", {"2026-11-28T00:00:00Z", "2026-11-28T01:00:00Z", "2026-11-28T02:00:00Z"}}}));
    // A resend with other figures: acked again, the stored hour unchanged.
    auto resend = to_json(hours[1]);
    resend["rooms"] = nlohmann::json::array();
    in.handle({"warden/v1/hub-a/activity", resend.dump()});
    auto second = acks(1);
    ASSERT_EQ(second.size(), 1u);
    EXPECT_EQ(second[0], (nlohmann::json{{"activity", {"2026-11-28T01:00:00Z"}}}));
    auto stored = db->household_activity(saved.id, w.first_day, w.first_day + 24h);
    ASSERT_EQ(stored.size(), 3u);
    EXPECT_EQ(stored[1], hours[1]);
    // Bad ones: not stored, not acked, a line saying why; ingest goes on.
    auto bad = to_json(hours[3]);
    bad["covered_s"] = 7200;
    in.handle({"warden/v1/hub-a/activity", bad.dump()});
    in.handle({"warden/v1/hub-b/activity", to_json(hours[4]).dump()});  // names hub-a
    EXPECT_TRUE(acks(1).empty());
    EXPECT_EQ(db->household_activity(saved.id, w.first_day, w.first_day + 24h).size(), 3u);
    auto lines = sink->last_formatted();
    EXPECT_EQ(
        std::count_if(lines.begin(), lines.end(),
                      [](const std::string& l) {
                          return l.find(
                                     "hub=hub-a reason=\"activity summary refused, not acked: covered_s: "
                                     "out of range\"") != std::string::npos;
                      }),
        1);
    // An alert and summaries of one hub in one batch: one ack message carries both.
    in.handle({"warden/v1/hub-a/alert", alert_payload("hub-a", 1)});
    in.handle({"warden/v1/hub-a/activity", to_json(hours[5]).dump()});
    auto both = acks(1);
    ASSERT_EQ(both.size(), 1u);
    EXPECT_EQ(both[0], (nlohmann::json{{"ids", {"hub-a-1"}}, {"activity", {"2026-11-28T05:00:00Z"}}}));
    session.stop();
}

namespace {
/// {"a":[[...[]...]]}: an object holding arrays nested `levels` deep, as text (2 bytes a level, so
/// 13,000 levels fit in the 64 KiB payload limit).
std::string nested_object(int levels) {
    return R"({"a":)" + std::string(static_cast<std::size_t>(levels), '[') +
           std::string(static_cast<std::size_t>(levels), ']') + "}";
}
}  // namespace

TEST(CentreIngest, DeeplyNestedPayloadsAreRefusedBeforeAnythingRecursesIntoThem) {
    // Security finding 16: a 13,000-level heartbeat's sensors were stored and copied recursively (dump,
    // then the console's GET /api/hubs), which overflows a thread's stack. Refused at ingest now.
    fed_ingest f;
    auto deep = nested_object(13'000);
    f.in.handle({"warden/v1/hub-deep/heartbeat", R"({"hub":"hub-deep","outbox":0,"sensors":)" + deep + "}"});
    f.in.handle({"warden/v1/hub-deep/status", R"({"state":"online","x":)" + deep + "}"});
    f.in.handle({"warden/v1/hub-deep/alert", R"({"hub":"hub-deep","x":)" + deep + "}"});
    // 32 levels is still fine.
    f.in.handle(
        {"warden/v1/hub-ok/heartbeat", R"({"hub":"hub-ok","outbox":0,"sensors":)" + nested_object(30) + "}"});
    f.io.poll();
    EXPECT_FALSE(f.db->get_hub("hub-deep")) << "the nested heartbeat or status was stored";
    EXPECT_TRUE(f.db->get_hub("hub-ok"));
    EXPECT_NE(f.metrics.render(*f.db, 0, time_point{}).find("warden_payloads_rejected_total 3\n"),
              std::string::npos);
}

TEST(CentreIngest, APayloadHoldingANulByteIsRefusedNotReadUpToIt) {
    // nlohmann's parser ends the input at a NUL byte: what came before it would pass for the payload.
    fed_ingest f;
    auto for_hub = [](const std::string& hub) {
        return R"({"hub":")" + hub + R"(","outbox":0,"sensors":{"online":1,"offline":0,"battery_low":0}})";
    };
    f.in.handle({"warden/v1/hub-nul/heartbeat", for_hub("hub-nul") + std::string("\0{\"anything\":1}", 15)});
    f.in.handle({"warden/v1/hub-ok/heartbeat", for_hub("hub-ok")});
    f.io.poll();
    EXPECT_FALSE(f.db->get_hub("hub-nul")) << "the payload was read up to its NUL byte";
    EXPECT_TRUE(f.db->get_hub("hub-ok"));
    EXPECT_NE(f.metrics.render(*f.db, 0, time_point{}).find("warden_payloads_rejected_total 1\n"),
              std::string::npos);
}

TEST(CentreHttp, ListenAddresses) {
    EXPECT_EQ(parse_listen("127.0.0.1:8080"), (std::pair<std::string, int>{"127.0.0.1", 8080}));
    EXPECT_EQ(parse_listen("[::1]:80"), (std::pair<std::string, int>{"::1", 80}));
    EXPECT_EQ(parse_listen(":0"), (std::pair<std::string, int>{"0.0.0.0", 0}));
    EXPECT_THROW(parse_listen("localhost"), std::invalid_argument);
    EXPECT_THROW(parse_listen("h:99999"), std::invalid_argument);
    EXPECT_THROW(parse_listen("h:8o"), std::invalid_argument);
    EXPECT_EQ(alert_outcomes().size(), 8u);
}

namespace {

/// The HTTP API over a real store on a free loopback port, with a virtual clock that the test moves
/// (handlers run on the server's threads, so the clock is atomic).
struct served {
    harness::temp_dir dir;
    std::unique_ptr<store> db = open_store(harness::test_database(dir / "centre.db"));
    sse_broadcaster events;
    centre_metrics metrics;
    std::atomic<std::int64_t> wall_ms{parse_time("2026-11-28T12:00:00Z")->time_since_epoch().count()};
    std::atomic<std::int64_t> steady_ms{24 * 3'600'000};
    http_server http;
    std::string cookie;

    explicit served(http_options o)
        : http(
              with_clock(std::move(o)), *db, events, metrics,
              [](const std::string&, const nlohmann::json&, std::function<void(bool)> done) { done(false); },
              std::make_shared<spdlog::logger>("http", std::make_shared<spdlog::sinks::null_sink_mt>())) {
        http.start();
    }
    ~served() { http.stop(); }

    http_options with_clock(http_options o) {
        o.listen = "127.0.0.1:0";
        o.clock = {
            .wall = [this] { return time_point{std::chrono::milliseconds{wall_ms.load()}}; },
            .steady =
                [this] {
                    return std::chrono::steady_clock::time_point{std::chrono::milliseconds{steady_ms.load()}};
                }};
        return o;
    }
    void advance(std::chrono::milliseconds d) {
        wall_ms += d.count();
        steady_ms += d.count();
    }
    void add_user(const std::string& name, const std::string& role, const std::string& password) {
        ASSERT_TRUE(db->add_user(
            {name, role, hash_password(password), time_point{std::chrono::milliseconds{wall_ms}}}));
    }
    /// POST /api/login; keeps the session cookie. The status.
    int login(const std::string& name, const std::string& password) {
        httplib::Client cli("127.0.0.1", http.port());
        auto r = cli.Post("/api/login", nlohmann::json{{"user", name}, {"password", password}}.dump(),
                          "application/json");
        if (!r) return 0;
        auto set = r->get_header_value("Set-Cookie");
        if (r->status == 200) cookie = set.substr(0, set.find(';'));
        return r->status;
    }
    /// POST /api/login with a given content type and extra headers: the whole response (or nullptr).
    httplib::Result raw_login(const std::string& body, const std::string& content_type,
                              const httplib::Headers& headers = {}) {
        httplib::Client cli("127.0.0.1", http.port());
        return cli.Post("/api/login", headers, body, content_type);
    }
    /// POST /api/login as if through a proxy that says the client is `forwarded_for`. The status.
    int login_from(const std::string& forwarded_for, const std::string& name, const std::string& password) {
        auto r = raw_login(nlohmann::json{{"user", name}, {"password", password}}.dump(), "application/json",
                           {{"X-Forwarded-For", forwarded_for}});
        return r ? r->status : 0;
    }
    /// GET /api/me with the session cookie. The status.
    int me() {
        httplib::Client cli("127.0.0.1", http.port());
        auto r = cli.Get("/api/me", {{"Cookie", cookie}});
        return r ? r->status : 0;
    }
};

}  // namespace

TEST(CentreHttp, SessionsExpireWhenIdleNotWhileUsed) {
    served s({.session_ttl = 2s});
    s.add_user("olive", "operator", "olive-password");
    ASSERT_EQ(s.login("olive", "olive-password"), 200);
    // In use for longer than the ttl: still valid.
    for (int i = 0; i < 8; ++i) {
        EXPECT_EQ(s.me(), 200) << i;
        s.advance(400ms);
    }
    // Idle for longer than the ttl: gone.
    s.advance(2500ms);
    EXPECT_EQ(s.me(), 401);
}

TEST(CentreHttp, ActivityIsForTheHouseholdsCareTeamAndSupervisorsAndEveryViewIsAudited) {
    served s({});
    const auto now = time_point{std::chrono::milliseconds{s.wall_ms.load()}};
    ASSERT_TRUE(s.db->add_team({"north", "North"}, "admin", now));
    ASSERT_TRUE(s.db->add_team({"south", "South"}, "admin", now));
    s.add_user("carol", "care", "carol-password");
    s.add_user("dave", "care", "dave-password");
    s.add_user("sue", "supervisor", "sue-password");
    s.add_user("olive", "operator", "olive-password");
    ASSERT_EQ(s.db->set_user_team("carol", "north", "admin", now), change_result::ok);
    ASSERT_EQ(s.db->set_user_team("dave", "south", "admin", now), change_result::ok);
    household h;
    h.address_lines = {"1 Test Street"};
    h.postcode = "AB1 2CD";
    h.residents.push_back({.name = "Test Resident"});
    h.hubs = {"hub-a"};
    h.team = "north";
    auto saved = s.db->create_household(h, "admin", now);
    ASSERT_EQ(saved.status, save_status::ok);
    test::activity_weeks w;
    w.hub = "hub-a";
    w.first_day = test::midnight_days_before(now, 56);
    w.days = 57;
    w.changes.uti_from = 50;
    auto hours = w.build();
    std::erase_if(hours, [&](const activity_hour& x) { return x.hour >= now; });
    s.db->store_activity(hours, now);

    const auto path = "/api/households/" + std::to_string(saved.id) + "/activity";
    auto get = [&](const std::string& p) {
        httplib::Client cli("127.0.0.1", s.http.port());
        return cli.Get(p, {{"Cookie", s.cookie}});
    };
    ASSERT_EQ(s.login("carol", "carol-password"), 200);
    auto r = get(path + "?days=28");
    ASSERT_TRUE(r);
    ASSERT_EQ(r->status, 200) << r->body;
    auto j = nlohmann::json::parse(r->body);
    EXPECT_EQ(j["days"].size(), 28u);
    EXPECT_EQ(j["days"][0]["hours"].size(), 24u);
    ASSERT_FALSE(j["notices"].empty());
    EXPECT_EQ(j["notices"][0]["kind"], "night_bathroom");
    EXPECT_TRUE(j["notices"][0]["active"].get<bool>());
    EXPECT_TRUE(j["charts"]["grid"].get<std::string>().starts_with("<svg"));
    EXPECT_TRUE(j["charts"]["trends"].contains("night_bathroom"));
    auto audit = s.db->list_audit(5);
    ASSERT_FALSE(audit.empty());
    EXPECT_EQ(audit[0].user, "carol");
    EXPECT_EQ(audit[0].action, "activity_read");
    EXPECT_EQ(audit[0].target, std::to_string(saved.id));
    auto report = get(path + "/report?days=14");
    ASSERT_TRUE(report);
    EXPECT_EQ(report->status, 200);
    EXPECT_NE(report->get_header_value("Content-Type").find("text/html"), std::string::npos);
    EXPECT_NE(report->body.find("More night-time bathroom visits"), std::string::npos);
    EXPECT_EQ(s.db->list_audit(1)[0].action, "activity_report");
    EXPECT_EQ(get("/api/households/999/activity")->status, 404);

    ASSERT_EQ(s.login("dave", "dave-password"), 200);  // another team's care user: no such household
    EXPECT_EQ(get(path)->status, 404);
    EXPECT_EQ(get(path + "/report")->status, 404);
    ASSERT_EQ(s.login("olive", "olive-password"), 200);  // operators: notices are not for the queue
    EXPECT_EQ(get(path)->status, 403);
    ASSERT_EQ(s.login("sue", "sue-password"), 200);
    EXPECT_EQ(get(path)->status, 200);
}

TEST(CentreHttp, SessionsEndAtTheirLifetimeHoweverBusy) {
    // The console reloads every 60 s, which renews the idle timer for ever; the lifetime does not move.
    served s({.session_ttl = 10s, .session_lifetime = 3s});
    s.add_user("olive", "operator", "olive-password");
    ASSERT_EQ(s.login("olive", "olive-password"), 200);
    for (int i = 0; i < 9; ++i) {
        EXPECT_EQ(s.me(), 200) << i;
        s.advance(300ms);
    }
    s.advance(300ms);  // 3 s after login
    EXPECT_EQ(s.me(), 401) << "the session outlived its lifetime";
    // Logging in again starts a new session.
    EXPECT_EQ(s.login("olive", "olive-password"), 200);
    EXPECT_EQ(s.me(), 200);
}

TEST(CentreHttp, RepeatedLoginFailuresAreThrottledForThirtySeconds) {
    served s({});
    s.add_user("olive", "operator", "right-password");
    for (int i = 0; i < 5; ++i) EXPECT_EQ(s.login("olive", "wrong"), 401);
    EXPECT_EQ(s.login("olive", "right-password"), 429);
    s.advance(29s);
    EXPECT_EQ(s.login("olive", "right-password"), 429);
    s.advance(1s);
    EXPECT_EQ(s.login("olive", "right-password"), 200);
}

TEST(CentreHttp, LoginRefusesCrossSiteFormsAndForeignOrigins) {
    // Login CSRF (security finding 15): a foreign page posts a text/plain "form" (no preflight) with the
    // attacker's own credentials, so the victim's console runs in the attacker's session.
    served s({});
    s.add_user("mallory", "operator", "mallory-password");
    auto body = nlohmann::json{{"user", "mallory"}, {"password", "mallory-password"}}.dump();
    auto plain = s.raw_login(body, "text/plain", {{"Origin", "https://evil.example"}});
    ASSERT_TRUE(plain);
    EXPECT_EQ(plain->status, 415);
    EXPECT_FALSE(plain->has_header("Set-Cookie"));
    auto form = s.raw_login(body, "application/x-www-form-urlencoded");
    ASSERT_TRUE(form);
    EXPECT_EQ(form->status, 415);
    auto foreign = s.raw_login(body, "application/json", {{"Origin", "https://evil.example"}});
    ASSERT_TRUE(foreign);
    EXPECT_EQ(foreign->status, 403);
    EXPECT_FALSE(foreign->has_header("Set-Cookie"));
    // The console itself: same origin (behind nginx the Host is the console's name), or no Origin at all.
    auto host = "127.0.0.1:" + std::to_string(s.http.port());
    auto same = s.raw_login(body, "application/json; charset=utf-8", {{"Origin", "http://" + host}});
    ASSERT_TRUE(same);
    EXPECT_EQ(same->status, 200);
    EXPECT_EQ(s.login("mallory", "mallory-password"), 200);
}

TEST(CentreHttp, DeeplyNestedBodiesAreRefused) {
    served s({});
    auto r =
        s.raw_login(R"({"user":"x","password":"y","z":)" + nested_object(13'000) + "}", "application/json");
    ASSERT_TRUE(r);
    EXPECT_EQ(r->status, 400);
}

TEST(CentreHttp, ParallelWrongPasswordsAreCountedBeforeHashingAndHashesAreBounded) {
    // Security finding 5: 60 parallel wrong passwords were all checked before any failure was counted
    // (30 got through), and 48 parallel logins with made-up names took 64 MiB of argon2 each at once.
    served s({});
    s.add_user("olive", "operator", "right-password");
    auto burst = [&](int n, auto name) {
        std::vector<std::thread> ts;
        std::atomic<int> odd{0};
        for (int i = 0; i < n; ++i)
            ts.emplace_back([&, i] {
                int st = s.login(name(i), "wrong-password");
                // 0: the connection itself failed (the listen backlog overflows at 60 at once).
                if (st != 0 && st != 401 && st != 429 && st != 503) {
                    ++odd;
                    ADD_FAILURE() << "status " << st;
                }
            });
        for (auto& t : ts) t.join();
        return odd.load();
    };
    EXPECT_EQ(burst(60, [](int) { return std::string("olive"); }), 0);
    EXPECT_LE(s.metrics.password_checks(), 5u) << "wrong passwords checked for one user";
    EXPECT_GE(s.metrics.password_checks(), 1u);
    served t({});
    EXPECT_EQ(burst(48, [](int i) { return "nobody-" + std::to_string(i); }), 0);
    EXPECT_LE(t.metrics.password_checks_peak(), 3u) << "argon2 hashes at once";
    EXPECT_LE(t.metrics.password_checks(), 20u) << "the address limit";
}

TEST(CentreHttp, LoginThrottlingBehindTheProxyIsPerClientAndUnknownNamesLockNobodyOut) {
    // Security finding 6: behind nginx every client had the proxy's address, so 20 failures from anyone
    // locked every operator out; and failures for made-up names counted against real users.
    served s({.trusted_proxies = {"127.0.0.1"}});
    s.add_user("olive", "operator", "right-password");
    for (int i = 0; i < 25; ++i) s.login_from("203.0.113.9", "nobody-" + std::to_string(i), "x");
    EXPECT_EQ(s.login_from("203.0.113.9", "olive", "right-password"), 429) << "the attacker's address";
    EXPECT_EQ(s.login_from("198.51.100.7", "olive", "right-password"), 200) << "an operator elsewhere";
    // Five wrong passwords for olive from one address: that address is refused, a clean one is not.
    for (int i = 0; i < 5; ++i) EXPECT_EQ(s.login_from("192.0.2.1", "olive", "wrong"), 401);
    EXPECT_EQ(s.login_from("192.0.2.1", "olive", "right-password"), 429);
    EXPECT_EQ(s.login_from("192.0.2.2", "olive", "wrong"), 401) << "checked, and counted on 192.0.2.2";
    EXPECT_EQ(s.login_from("192.0.2.2", "olive", "right-password"), 429) << "no longer clean";
    EXPECT_EQ(s.login_from("192.0.2.3", "olive", "right-password"), 200);
    // The right-most address is the one the trusted proxy saw; what the client wrote before it is not.
    for (int i = 0; i < 20; ++i) s.login_from("10.9.9." + std::to_string(i) + ", 198.18.0.1", "nobody", "x");
    EXPECT_EQ(s.login_from("10.1.1.1, 198.18.0.1", "olive", "right-password"), 429);

    // Not from a trusted proxy: X-Forwarded-For is ignored, the socket's address counts.
    served direct({});
    direct.add_user("olive", "operator", "right-password");
    for (int i = 0; i < 20; ++i) direct.login_from("203.0.113." + std::to_string(i), "nobody", "x");
    EXPECT_EQ(direct.login_from("203.0.113.99", "olive", "right-password"), 429);
}

TEST(CentreJson, AlertCarriesHandlingFieldsWithNulls) {
    stored_alert s;
    s.a.id = "hub-1-1";
    s.a.hub = "hub-1";
    s.a.seq = 1;
    s.a.type = "pendant";
    s.a.at = *parse_time("2026-11-28T12:00:00Z");
    s.received_at = *parse_time("2026-11-28T12:00:00.250Z");
    s.acknowledged_by = "ann";
    auto j = to_json(s);
    EXPECT_EQ(j.at("status"), "open");
    EXPECT_EQ(j.at("received_at"), "2026-11-28T12:00:00.250Z");
    EXPECT_TRUE(j.at("acknowledged_at").is_null());
    EXPECT_EQ(j.at("acknowledged_by"), "ann");
    for (const char* k : {"resolved_at", "resolved_by", "outcome", "note", "cleared_at"})
        EXPECT_TRUE(j.at(k).is_null()) << k;
    EXPECT_EQ(j.at("priority"), "normal");

    hub_record h{"hub-1", false, std::nullopt, std::nullopt, "offline", 4, "not json", "0.1.0"};
    auto hj = to_json(h);
    EXPECT_EQ(hj.at("online"), false);
    EXPECT_TRUE(hj.at("sensors").is_object());
    EXPECT_EQ(hj.at("outbox"), 4);
}

TEST(CentreJson, AnswerFiguresAgainstTheCodeOfPractice) {
    auto t = *parse_time("2026-11-28T12:00:00Z");
    std::vector<answer_time> times{{"critical", t, t + 10s},
                                   {"critical", t, t + 50s},
                                   {"high", t, t + 120s},
                                   {"normal", t, std::nullopt}};
    auto j = answer_stats(times, t + 1h);
    EXPECT_EQ(j.at("alerts"), 4);
    EXPECT_EQ(j.at("acknowledged"), 3);
    EXPECT_DOUBLE_EQ(j.at("within_60s").get<double>(), 0.5);
    EXPECT_DOUBLE_EQ(j.at("within_180s").get<double>(), 0.75);
    EXPECT_DOUBLE_EQ(j.at("median_ack_s").get<double>(), 50.0);
    EXPECT_EQ(j.at("target_60s"), 0.975);
    EXPECT_EQ(j.at("target_180s"), 0.99);
    auto empty = answer_stats({}, t);
    EXPECT_TRUE(empty.at("within_60s").is_null());
    EXPECT_TRUE(empty.at("median_ack_s").is_null());
}

TEST(CentreJson, AlertsStillWaitingCountAgainstAFigureOnlyOnceTheyAreTooLateForIt) {
    auto now = *parse_time("2026-11-28T12:00:00Z");
    std::vector<answer_time> times{
        {"critical", now - 10min, now - 10min + 30s},   // answered in 30 s
        {"critical", now - 10min, now - 10min + 100s},  // answered in 100 s
        {"high", now - 5min, std::nullopt},             // waiting 300 s: late for both
        {"critical", now - 120s, std::nullopt},         // waiting 120 s: late for 60 s, not yet for 180 s
        {"critical", now - 60s, std::nullopt},          // waiting exactly 60 s: could still make both
        {"critical", now - 5s, std::nullopt},           // just arrived
    };
    auto j = answer_stats(times, now);
    EXPECT_EQ(j.at("alerts"), 6);
    EXPECT_EQ(j.at("acknowledged"), 2);
    EXPECT_DOUBLE_EQ(j.at("within_60s").get<double>(), 1.0 / 4.0);   // 1 of (2 answered + 2 late)
    EXPECT_DOUBLE_EQ(j.at("within_180s").get<double>(), 2.0 / 3.0);  // 2 of (2 answered + 1 late)
    EXPECT_DOUBLE_EQ(j.at("median_ack_s").get<double>(), 65.0);

    // A quiet moment with one call just in: nothing to judge yet, not a failure.
    auto fresh = answer_stats({{"critical", now - 5s, std::nullopt}}, now);
    EXPECT_EQ(fresh.at("alerts"), 1);
    EXPECT_TRUE(fresh.at("within_60s").is_null());
    EXPECT_TRUE(fresh.at("within_180s").is_null());
}

namespace {

/// A supervisor over a real store with a virtual clock that the test moves.
struct supervised {
    harness::temp_dir dir;
    std::unique_ptr<store> db = open_store(harness::test_database(dir / "centre.db"));
    asio::io_context io;  // never run: the test calls check() itself
    supervisor::clock::time_point t = supervisor::clock::time_point{} + 24h;
    time_point wall = *parse_time("2026-11-28T12:00:00Z");
    std::vector<std::string> changed;
    supervisor sup{io,
                   *db,
                   {.heartbeat_grace = 3min,
                    .escalate_after = 15min,
                    .clock = {.wall = [this] { return wall; }, .steady = [this] { return t; }}},
                   std::make_shared<spdlog::logger>("test", std::make_shared<spdlog::sinks::null_sink_mt>()),
                   {.alert_changed = [this](const std::string& id) { changed.push_back(id); }}};

    void advance(std::chrono::milliseconds d) {
        t += d;
        wall += d;
        sup.check();
    }
    void heartbeat(const std::string& hub) {
        ingest_batch b;
        b.heartbeats.push_back({hub, 0, "{}", "0.1.0"});
        b.received_at = wall;
        db->ingest(b);
        sup.heard(hub);
    }
};

}  // namespace

TEST(CentreSupervisor, SilentHubRaisesEscalatesAndClears) {
    supervised s;
    s.sup.start();
    s.heartbeat("hub-1");
    s.advance(2min);
    s.heartbeat("hub-1");  // heard again: the deadline moves on
    s.advance(2min);
    EXPECT_FALSE(s.db->get_alert("centre-hub_offline-hub-1-1"));
    s.advance(1min + 1s);  // 3 minutes since the last heartbeat
    auto a = s.db->get_alert("centre-hub_offline-hub-1-1");
    ASSERT_TRUE(a);
    EXPECT_EQ(a->a.hub, "hub-1");
    EXPECT_EQ(a->a.type, "hub_offline");
    EXPECT_EQ(a->a.priority, priority::normal);
    EXPECT_EQ(a->a.at, s.wall);
    EXPECT_FALSE(s.db->get_hub("hub-1")->online);
    EXPECT_EQ(s.changed, std::vector<std::string>{"centre-hub_offline-hub-1-1"});

    s.advance(14min);
    EXPECT_EQ(s.db->get_alert(a->a.id)->a.priority, priority::normal);
    s.advance(1min);
    EXPECT_EQ(s.db->get_alert(a->a.id)->a.priority, priority::high);
    s.advance(1h);  // no second alert while it is still offline
    EXPECT_FALSE(s.db->get_alert("centre-hub_offline-hub-1-2"));

    s.heartbeat("hub-1");
    a = s.db->get_alert(a->a.id);
    EXPECT_EQ(a->cleared_at, s.wall);
    EXPECT_EQ(a->status, alert_status::resolved);
    EXPECT_EQ(a->outcome, "hub_back_online");
    EXPECT_EQ(a->resolved_by, "system");
    EXPECT_TRUE(s.db->get_hub("hub-1")->online);
}

TEST(CentreSupervisor, AnAcknowledgedHubOfflineStaysWithItsOperator) {
    supervised s;
    s.sup.start();
    s.heartbeat("hub-1");
    s.advance(3min);
    ASSERT_TRUE(s.db->get_alert("centre-hub_offline-hub-1-1"));
    s.db->acknowledge("centre-hub_offline-hub-1-1", "ann", s.wall);
    s.heartbeat("hub-1");
    auto a = s.db->get_alert("centre-hub_offline-hub-1-1");
    EXPECT_TRUE(a->cleared_at);
    EXPECT_EQ(a->status, alert_status::acknowledged);
    EXPECT_EQ(s.db->list_alerts({}).size(), 1u);
}

TEST(CentreSupervisor, StatusOfflineRaisesOnceAndARestartForgetsNoSilentHub) {
    supervised s;
    s.sup.start();
    s.heartbeat("hub-1");
    s.heartbeat("hub-2");
    s.sup.offline("hub-2");
    s.sup.offline("hub-2");
    EXPECT_TRUE(s.db->get_alert("centre-hub_offline-hub-2-1"));
    EXPECT_FALSE(s.db->get_alert("centre-hub_offline-hub-2-2"));

    // A new supervisor (a restarted centre) over the same store: hub-1 is supervised without ever
    // being heard again, and hub-2's open alert is picked up (escalated in time, not raised twice).
    supervisor again(s.io, *s.db,
                     {.heartbeat_grace = 3min,
                      .escalate_after = 15min,
                      .clock = {.wall = [&] { return s.wall; }, .steady = [&] { return s.t; }}},
                     std::make_shared<spdlog::logger>("t2", std::make_shared<spdlog::sinks::null_sink_mt>()),
                     {});
    again.start();
    s.t += 3min;
    s.wall += 3min;
    again.check();
    EXPECT_TRUE(s.db->get_alert("centre-hub_offline-hub-1-1"));
    EXPECT_FALSE(s.db->get_alert("centre-hub_offline-hub-2-2"));
    s.t += 12min;
    s.wall += 12min;
    again.check();
    EXPECT_EQ(s.db->get_alert("centre-hub_offline-hub-2-1")->a.priority, priority::high);
}

TEST(CentreSupervisor, AHubHeardByAnotherInstanceIsNotReportedOffline) {
    // Several instances: this hub's heartbeats land on another instance, which stores them (last_seen)
    // but whose message to the leader is lost. The leader reads last_seen before it raises.
    supervised s;
    s.sup.start();
    s.heartbeat("hub-1");
    auto elsewhere = [&] {
        ingest_batch b;
        b.heartbeats.push_back({"hub-1", 0, "{}", "0.1.0"});
        b.received_at = s.wall;
        s.db->ingest(b);  // stored by the other instance; this supervisor is not told
    };
    s.advance(2min);
    elsewhere();
    s.advance(1min + 1s);  // 3 minutes since the leader last heard it, 1 minute since the other did
    EXPECT_FALSE(s.db->get_alert("centre-hub_offline-hub-1-1"));
    s.advance(1min);
    elsewhere();
    s.advance(2min + 59s);
    EXPECT_FALSE(s.db->get_alert("centre-hub_offline-hub-1-1"));
    s.advance(1s);  // 3 minutes after the other instance last heard it: really silent
    ASSERT_TRUE(s.db->get_alert("centre-hub_offline-hub-1-1"));
    EXPECT_FALSE(s.db->get_hub("hub-1")->online);
}

TEST(CentreSupervisor, ALeaderThatStepsDownHearsNothingAndATakeoverGivesAFreshGrace) {
    supervised s;
    s.sup.start();
    s.heartbeat("hub-1");
    s.sup.stop();  // another instance is the leader now
    EXPECT_FALSE(s.sup.running());
    s.advance(10min);
    s.sup.heard("hub-2");
    s.sup.offline("hub-1");
    EXPECT_TRUE(s.db->list_alerts({.state = "all"}).empty());

    // Back as leader (the other instance died): hub-1 was last stored 10 minutes ago, but its messages
    // may have gone to the dead instance, so it gets a grace from the takeover, not an alert at once.
    s.sup.start();
    EXPECT_TRUE(s.sup.running());
    s.advance(2min);
    EXPECT_FALSE(s.db->get_alert("centre-hub_offline-hub-1-1"));
    s.advance(1min);
    EXPECT_TRUE(s.db->get_alert("centre-hub_offline-hub-1-1"));
}
