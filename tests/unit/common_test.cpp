#include <gtest/gtest.h>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>

#include "warden/common/alert.hpp"
#include "warden/common/alert_catalogue.hpp"
#include "warden/common/away.hpp"
#include "warden/common/event.hpp"
#include "warden/common/host_port.hpp"

using namespace warden;
using namespace std::chrono_literals;

TEST(Duration, ParsesEveryUnit) {
    EXPECT_EQ(parse_duration("500ms"), 500ms);
    EXPECT_EQ(parse_duration("30s"), 30s);
    EXPECT_EQ(parse_duration("10m"), 10min);
    EXPECT_EQ(parse_duration("3h"), 3h);
    EXPECT_EQ(parse_duration("1d"), 24h);
    EXPECT_EQ(parse_duration("0s"), 0ms);
}

TEST(Duration, RejectsWhatIsNotADuration) {
    for (auto bad : {"", "s", "10", "1.5h", "-3s", "1h30m", " 5s", "5 s", "5x", "ms", "99999999999999d"})
        EXPECT_FALSE(parse_duration(bad)) << bad;
}

TEST(Duration, FormatsShortestExactForm) {
    EXPECT_EQ(format_duration(90s), "90s");
    EXPECT_EQ(format_duration(1h), "1h");
    EXPECT_EQ(format_duration(1500ms), "1500ms");
    EXPECT_EQ(format_duration(48h), "2d");
}

TEST(Time, RoundTripsIso8601) {
    auto t = parse_time("2026-11-28T12:00:00.123Z");
    ASSERT_TRUE(t);
    EXPECT_EQ(format_time(*t), "2026-11-28T12:00:00.123Z");
    EXPECT_EQ(parse_time("2026-11-28T13:00:00+01:00"), parse_time("2026-11-28T12:00:00Z"));
    EXPECT_FALSE(parse_time("2026-13-28T12:00:00Z"));
    EXPECT_FALSE(parse_time("yesterday"));
    EXPECT_FALSE(parse_time("2026-11-28T12:00:00"));
}

TEST(Window, CrossesMidnight) {
    auto w = parse_time_window("22:00-07:00");
    ASSERT_TRUE(w);
    EXPECT_TRUE(w->contains(23 * 60));
    EXPECT_TRUE(w->contains(0));
    EXPECT_TRUE(w->contains(6 * 60 + 59));
    EXPECT_FALSE(w->contains(7 * 60));
    EXPECT_FALSE(w->contains(12 * 60));
    EXPECT_EQ(format_time_window(*w), "22:00-07:00");
    EXPECT_FALSE(parse_time_window("25:00-07:00"));
    EXPECT_FALSE(parse_time_window("22:00"));
    EXPECT_TRUE(parse_time_window("00:00-24:00")->contains(12 * 60));
}

TEST(Kinds, ClassifiesAndPrioritises) {
    EXPECT_TRUE(is_alarm_kind(sensor_kind::pendant));
    EXPECT_TRUE(is_alarm_kind(sensor_kind::enuresis));
    EXPECT_FALSE(is_alarm_kind(sensor_kind::motion));
    EXPECT_TRUE(is_activity_kind(sensor_kind::bed));
    EXPECT_FALSE(is_activity_kind(sensor_kind::temperature));
    EXPECT_EQ(alarm_priority(sensor_kind::smoke), priority::critical);
    EXPECT_EQ(alarm_priority(sensor_kind::flood), priority::high);
    EXPECT_EQ(parse_sensor_kind("pull_cord"), sensor_kind::pull_cord);
    EXPECT_FALSE(parse_sensor_kind("toaster"));
    EXPECT_EQ(signal_name(sensor_kind::door, signal::active), "open");
    EXPECT_EQ(parse_signal_name(sensor_kind::bed, "vacant"), signal::inactive);
    EXPECT_EQ(parse_signal_name(sensor_kind::bed, "active"), signal::active);
    EXPECT_FALSE(parse_signal_name(sensor_kind::door, "occupied"));
}

TEST(Alert, JsonRoundTripAndValidation) {
    alert a{.id = "hub-0001-42",
            .hub = "hub-0001",
            .seq = 42,
            .type = "pendant",
            .state = alert_state::raised,
            .priority = priority::critical,
            .sia = "QA",
            .at = *parse_time("2026-11-28T12:00:00.123Z"),
            .rule = "pendant",
            .sensor = "pendant",
            .location = "worn",
            .text = "Pendant pressed"};
    auto j = to_json(a);
    EXPECT_EQ(j["at"], "2026-11-28T12:00:00.123Z");
    EXPECT_EQ(j["priority"], "critical");
    EXPECT_FALSE(j.contains("clears"));
    EXPECT_EQ(alert_from_json(j), a);
    j["seq"] = -1;
    EXPECT_THROW(alert_from_json(j), std::invalid_argument);
    j = to_json(a);
    j["hub"] = "bad hub/";
    EXPECT_THROW(alert_from_json(j), std::invalid_argument);
    EXPECT_THROW(alert_from_json(nlohmann::json::array()), std::invalid_argument);
}

namespace {

/// The cells of a Markdown table row ("| a | b |" -> {"a", "b"}), trimmed; empty if not a row.
std::vector<std::string> cells(const std::string& line) {
    std::vector<std::string> out;
    if (line.empty() || line.front() != '|') return out;
    std::stringstream in(line.substr(1));
    std::string cell;
    while (std::getline(in, cell, '|')) {
        auto first = cell.find_first_not_of(' '), last = cell.find_last_not_of(' ');
        out.push_back(first == std::string::npos ? std::string{} : cell.substr(first, last - first + 1));
    }
    return out;
}

/// docs/sia-codes.md's table: the row of each `type`.
std::map<std::string, std::vector<std::string>> documented_types() {
    std::ifstream doc(std::string(WARDEN_SOURCE_DIR) + "/docs/sia-codes.md");
    EXPECT_TRUE(doc) << "docs/sia-codes.md not found";
    std::map<std::string, std::vector<std::string>> rows;
    for (std::string line; std::getline(doc, line);) {
        auto c = cells(line);
        if (c.size() >= 6 && c[0].size() > 2 && c[0].front() == '`' && c[0].back() == '`')
            rows[c[0].substr(1, c[0].size() - 2)] = c;
    }
    return rows;
}

}  // namespace

TEST(AwayState, RoundTripsAndOmitsWhatIsNotKnown) {
    away_state a{.on = true,
                 .since = *parse_time("2026-11-30T21:05:00.000Z"),
                 .by = away_setter::centre,
                 .user = "olive",
                 .request = "c-1a2b3c4d"};
    auto j = to_json(a);
    EXPECT_EQ(
        j,
        nlohmann::json::parse(
            R"({"on":true,"since":"2026-11-30T21:05:00.000Z","by":"centre","user":"olive","request":"c-1a2b3c4d"})"));
    EXPECT_EQ(away_state_from_json(j), a);
    // Never changed on this hub: only the mode.
    EXPECT_EQ(to_json(away_state{}), nlohmann::json::parse(R"({"on":false})"));
    EXPECT_EQ(away_state_from_json(to_json(away_state{})), away_state{});
    for (auto by : {away_setter::local, away_setter::ctl, away_setter::button}) {
        EXPECT_EQ(parse_away_setter(to_string(by)), by);
        EXPECT_EQ(away_state_from_json(to_json(away_state{.on = true, .by = by}))->by, by);
    }
}

TEST(AwayState, ReadsLenientlyAndWithoutOnIsUnknown) {
    using nlohmann::json;
    // No boolean "on": the state is unknown, whatever else it says.
    for (const char* bad : {R"(null)", R"(true)", R"("on")", R"([])", R"({})", R"({"on":"yes"})",
                            R"({"on":1})", R"({"by":"centre","user":"olive"})"})
        EXPECT_FALSE(away_state_from_json(json::parse(bad))) << bad;
    // A bad time, an unknown setter, a too long or non-string user / request: read as not known.
    auto a = away_state_from_json(
        json::parse(R"({"on":true,"since":"yesterday","by":"robot","user":42,"request":")" +
                    std::string(away_text_max + 1, 'r') + R"("})"));
    ASSERT_TRUE(a);
    EXPECT_EQ(*a, away_state{.on = true});
    EXPECT_EQ(
        away_state_from_json(json{{"on", false}, {"user", std::string(away_text_max, 'u')}})->user.size(),
        away_text_max);
}

TEST(AlertCatalogue, EveryTypeHasUniqueNameASiaPairAndAContactId) {
    std::set<std::string_view> names;
    for (const auto& t : alert_types()) {
        EXPECT_TRUE(names.insert(t.name).second) << "duplicate " << t.name;
        EXPECT_FALSE(t.label.empty()) << t.name;
        EXPECT_EQ(t.sia_event.size(), 2u) << t.name;
        EXPECT_EQ(t.sia_restore.size(), 2u) << t.name;
        EXPECT_GE(t.contact_id, 100) << t.name;
        EXPECT_LE(t.contact_id, 999) << t.name;
        EXPECT_EQ(find_alert_type(t.name), &t);
        EXPECT_EQ(alert_sia_code(t.name, alert_state::raised), t.sia_event);
        EXPECT_EQ(alert_sia_code(t.name, alert_state::cleared), t.sia_restore);
        EXPECT_EQ(alert_contact_id(t.name), t.contact_id);
    }
    EXPECT_EQ(alert_sia_code("something_new", alert_state::raised), "UA");
    EXPECT_EQ(alert_sia_code("something_new", alert_state::cleared), "UR");
    EXPECT_EQ(alert_contact_id("something_new"), 140);
}

TEST(AlertCatalogue, EveryAlarmKindIsATypeWithItsPriority) {
    for (int k = 0; k <= static_cast<int>(sensor_kind::temperature); ++k) {
        auto kind = static_cast<sensor_kind>(k);
        if (!is_alarm_kind(kind)) continue;
        const auto* t = find_alert_type(to_string(kind));
        ASSERT_TRUE(t) << to_string(kind);
        EXPECT_EQ(t->priority, alarm_priority(kind)) << t->name;
        EXPECT_FALSE(t->technical) << t->name;
    }
}

TEST(AlertCatalogue, AReceivedCodeMeansTheFirstTypeThatCarriesIt) {
    EXPECT_EQ(alert_type_for_sia("QA")->name, "pendant");
    EXPECT_EQ(alert_type_for_sia("MH")->name, "medical");
    EXPECT_EQ(alert_type_for_sia("KA")->name, "heat");
    EXPECT_EQ(alert_type_for_sia("GA")->name, "co");
    EXPECT_EQ(alert_type_for_sia("YC")->name, "uplink_fault");
    EXPECT_EQ(alert_type_for_sia("AT")->name, "mains_fault");
    EXPECT_EQ(alert_type_for_sia("ZZ"), nullptr);
    EXPECT_EQ(alert_type_for_contact_id(100)->name, "medical");
    EXPECT_EQ(alert_type_for_contact_id(158)->name, "temperature_high");
    EXPECT_EQ(alert_type_for_contact_id(641)->name, "inactivity");
    EXPECT_EQ(alert_type_for_contact_id(999), nullptr);
}

TEST(AlertCatalogue, DocsSiaCodesListsEveryTypeWithTheSameCodes) {
    auto doc = documented_types();
    for (const auto& t : alert_types()) {
        auto it = doc.find(std::string{t.name});
        ASSERT_NE(it, doc.end()) << "docs/sia-codes.md does not list " << t.name;
        const auto& row = it->second;  // type | what happened | priority | SIA raised | SIA cleared | CID
        EXPECT_NE(row[2].find(to_string(t.priority)), std::string::npos) << t.name << ": " << row[2];
        EXPECT_EQ(row[3], t.sia_event) << t.name;
        EXPECT_EQ(row[4], t.sia_restore) << t.name;
        EXPECT_EQ(row[5].substr(0, 3), std::to_string(t.contact_id)) << t.name;
    }
    for (const auto& [name, row] : doc)
        EXPECT_TRUE(find_alert_type(name)) << "not in the catalogue: " << name;
}

TEST(HostPort, SplitsHostAndPortIPv6InBrackets) {
    using warden::host_port;
    using warden::split_host_port;
    EXPECT_EQ(split_host_port("127.0.0.1:8080"), (host_port{"127.0.0.1", 8080}));
    EXPECT_EQ(split_host_port("[::1]:80"), (host_port{"::1", 80}));
    EXPECT_EQ(split_host_port("::1:80"), (host_port{"::1", 80}));
    EXPECT_EQ(split_host_port(":0"), (host_port{"", 0}));
    EXPECT_EQ(split_host_port("broker.local:65535"), (host_port{"broker.local", 65535}));
    for (const char* bad : {"localhost", "h:", "h:99999", "h:8o", "h:-1", "[::1]", "[::1]80", "[::1:80"})
        EXPECT_EQ(split_host_port(bad), std::nullopt) << bad;
}
