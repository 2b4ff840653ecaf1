// warden-centre's records commands as a council's administrator runs them (docs/import.md): the real
// binary on a real database; the centre itself, with a real Mosquitto, where alerts or startup matter.
// The fixtures (tests/fixtures/records/) hold fictional people only.
#include <gtest/gtest.h>

#include <sys/stat.h>
#include <csignal>

#include <httplib.h>
#include <nlohmann/json.hpp>

#include "warden/common/alert.hpp"
#include "warden/harness/harness.hpp"
#include "warden/harness/postgres.hpp"

using namespace warden;
using namespace std::chrono_literals;
using json = nlohmann::json;

namespace {

const std::string centre_bin = std::string(WARDEN_BIN_DIR) + "/warden-centre";
const std::filesystem::path fixtures = std::filesystem::path(WARDEN_SOURCE_DIR) / "tests/fixtures/records";

/// A centre's config, database and records key in a folder of their own; the centre started on demand.
class records_cli : public ::testing::Test {
protected:
    harness::temp_dir dir;
    std::unique_ptr<harness::broker> broker;
    int http_port = harness::free_port();
    /// SQLite in the folder, or a fresh PostgreSQL database in the -pg run.
    std::string database = harness::test_database(dir / "centre.db");
    std::filesystem::path config;
    harness::process centre;

    void SetUp() override {
        auto key = cli({"key", "create", (dir / "records.key").string()});
        ASSERT_EQ(key.code, 0) << key.output;
        write_config("records.key");
    }

    void TearDown() override {
        if (centre.pid() > 0 && centre.running()) centre.stop();
    }

    void write_config(const std::string& key_file) {
        config =
            dir.write("centre.toml", "[centre]\ndatabase = \"" + database + "\"\n[mqtt]\nuri = \"" +
                                         (broker ? broker->uri() : std::string("tcp://127.0.0.1:1")) +
                                         "\"\n[http]\nlisten = \"127.0.0.1:" + std::to_string(http_port) +
                                         "\"\n[records]\nkey_file = \"" + key_file + "\"\n");
    }

    /// warden-centre --config centre.toml ARGS...
    harness::run_result cli(std::vector<std::string> args, const std::string& input = {}) {
        args.insert(args.begin(), {centre_bin, "--config", (dir / "centre.toml").string()});
        return harness::run(args, input);
    }

    /// A fixture copied into the test's folder (the name the problems are reported under).
    std::string copy(const std::string& name) {
        auto to = dir / name;
        std::filesystem::copy_file(fixtures / name, to, std::filesystem::copy_options::overwrite_existing);
        return to.string();
    }

    /// Imports the good fixtures.
    void import_fixtures() {
        for (const char* kind : {"households", "responders", "professionals"}) {
            auto r = cli({"import", kind, copy(std::string(kind) + ".csv")});
            ASSERT_EQ(r.code, 0) << kind << ": " << r.output;
        }
    }

    /// What `export KIND` writes now.
    std::string exported(const std::string& kind) {
        auto file = dir / ("export-" + kind + ".csv");
        auto r = cli({"export", kind, file.string()});
        EXPECT_EQ(r.code, 0) << r.output;
        return harness::file_bytes(file);
    }

    std::string header_of(const std::string& name) {
        auto text = harness::file_bytes(fixtures / name);
        return text.substr(0, text.find("\r\n") + 2);
    }

    void start_centre() {
        if (!broker) {
            broker = std::make_unique<harness::broker>();
            write_config("records.key");
        }
        centre = harness::process({centre_bin, "--config", config.string(), "--log-level", "debug"},
                                  dir / "centre.log");
        ASSERT_TRUE(harness::wait_for_port(http_port, 10s)) << centre.log();
    }

    /// Sends one pendant alert from `hub` and waits until the centre has stored (acked) it.
    void alert_from(const std::string& hub, int seq) {
        ASSERT_TRUE(harness::eventually([&] {
            return centre.log().find("mqtt subscribed filter=warden/v1/+/status") != std::string::npos;
        })) << centre.log();
        harness::mqtt_client c(broker->uri());
        c.subscribe("warden/v1/" + hub + "/ack");
        alert a;
        a.hub = hub;
        a.seq = static_cast<std::uint64_t>(seq);
        a.id = make_alert_id(hub, a.seq);
        a.type = "pendant";
        a.priority = priority::critical;
        a.sia = "QA";
        a.at = now_ms();
        a.rule = "pendant";
        a.sensor = "pendant";
        a.location = "worn";
        a.text = "Pendant pressed";
        c.publish("warden/v1/" + hub + "/alert", to_json(a).dump());
        auto ack = c.next("warden/v1/" + hub + "/ack", 10s);
        ASSERT_TRUE(ack) << centre.log();
    }
};

bool has(const std::string& text, const std::string& part) {
    return text.find(part) != std::string::npos;
}

}  // namespace

TEST_F(records_cli, GoodFilesImportAndExportRoundTrips) {
    auto r = cli({"import", "households", copy("households.csv")});
    ASSERT_EQ(r.code, 0) << r.output;
    EXPECT_TRUE(has(r.output, "3 household(s) created, 0 updated")) << r.output;
    for (const char* kind : {"responders", "professionals"}) {
        auto c = cli({"import", kind, copy(std::string(kind) + ".csv")});
        ASSERT_EQ(c.code, 0) << c.output;
    }
    // The fixtures are in the export's own order and form: import then export gives the same bytes.
    for (const char* kind : {"households", "responders", "professionals"})
        EXPECT_EQ(exported(kind), harness::file_bytes(fixtures / (std::string(kind) + ".csv"))) << kind;
    // The export is personal data: owner-only.
    struct stat st {};
    ASSERT_EQ(stat((dir / "export-households.csv").c_str(), &st), 0);
    EXPECT_EQ(st.st_mode & 0777, 0600u);
}

TEST_F(records_cli, ReImportUpdatesByExternalRefInsteadOfDuplicating) {
    import_fixtures();
    auto before = exported("households");
    auto again = cli({"import", "households", copy("households.csv")});
    ASSERT_EQ(again.code, 0) << again.output;
    EXPECT_TRUE(has(again.output, "0 household(s) created, 3 updated")) << again.output;
    EXPECT_EQ(exported("households"), before);
    // The households file has no care circle: re-importing it keeps the responders.
    EXPECT_EQ(exported("responders"), harness::file_bytes(fixtures / "responders.csv"));

    // A partial sheet changes only the columns it has and keeps the others (the key safe code here).
    auto partial = dir.write("partial.csv",
                             "external_ref,address_line1,postcode,resident1_name\n"
                             "EX-0003,3 Demo Lane,LL57 2AA,Bryn Invented\n");
    auto p = cli({"import", "households", partial.string()});
    ASSERT_EQ(p.code, 0) << p.output;
    auto after = exported("households");
    EXPECT_TRUE(has(after, "EX-0003,3 Demo Lane,,,,LL57 2AA,")) << after;
    EXPECT_TRUE(has(after, "Bryn Invented,,,07700 900003")) << after;  // the phone column was not in the file
    EXPECT_TRUE(has(after, "EX-0001,1 Example Street,Testville,,,CF10 1AA,4471,")) << after;
}

TEST_F(records_cli, BadRowsAreEachReportedWithLineAndColumnAndNothingIsWritten) {
    auto file = copy("households_bad.csv");
    auto r = cli({"import", "households", file});
    EXPECT_EQ(r.code, 2) << r.output;
    for (const auto& line : {
             file + ":4: resident1_date_of_birth: must be a date as YYYY-MM-DD",
             file + ":5: postcode: must be a UK postcode",
             file + ":5: resident2_name: is required",
             file + ":6: external_ref: is also on line 2",
             file + ":7: hubs: must be a hub id",
             std::string("nothing was imported"),
         })
        EXPECT_TRUE(has(r.output, line)) << line << "\n" << r.output;
    EXPECT_FALSE(has(r.output, file + ":2:")) << r.output;  // the good row (spanning lines 2-3) has none
    EXPECT_FALSE(has(r.output, file + ":3:")) << r.output;
    EXPECT_EQ(exported("households"), header_of("households.csv"));  // the good row was not written either

    import_fixtures();
    auto before = exported("responders");
    auto bad = copy("responders_bad.csv");
    auto rr = cli({"import", "responders", bad});
    EXPECT_EQ(rr.code, 2) << rr.output;
    for (const auto& line : {
             bad + ":3: phone2: must be a phone number",
             bad + ":4: household_ref: no household has this external_ref",
             bad + ":5: holds_key: must be yes or no",
             bad + ":6: call_order: must be a whole number from 1 to 99",
         })
        EXPECT_TRUE(has(rr.output, line)) << line << "\n" << rr.output;
    EXPECT_FALSE(has(rr.output, bad + ":2:")) << rr.output;
    EXPECT_EQ(exported("responders"), before);
}

TEST_F(records_cli, AClashWithAStoredHouseholdIsFoundInTheTransactionAndUndoesTheWholeFile) {
    import_fixtures();
    auto before = exported("households");
    auto clash = dir.write("clash.csv",
                           "external_ref,address_line1,postcode,hubs,resident1_name\n"
                           "EX-0010,10 New Street,CF10 1AA,hub-0010,Ceri Fictional\n"
                           "EX-0011,11 New Street,CF10 1AA,hub-0011;hub-0002,Dai Fictional\n");
    for (bool dry : {true, false}) {
        std::vector<std::string> args{"import", "households", clash.string()};
        if (dry) args.push_back("--dry-run");
        auto r = cli(args);
        EXPECT_EQ(r.code, 2) << r.output;
        EXPECT_TRUE(
            has(r.output, clash.string() + ":3: hubs: hub-0002: this hub belongs to another household"))
            << r.output;
        EXPECT_EQ(exported("households"), before);  // EX-0010 (a good row) is not in either
    }
}

TEST_F(records_cli, DryRunSaysWhatWouldChangeAndWritesNothing) {
    auto r = cli({"import", "households", copy("households.csv"), "--dry-run"});
    ASSERT_EQ(r.code, 0) << r.output;
    EXPECT_TRUE(has(r.output, "would create EX-0001")) << r.output;
    EXPECT_TRUE(has(r.output, "would create EX-0003")) << r.output;
    EXPECT_TRUE(has(r.output, "nothing was written")) << r.output;
    EXPECT_EQ(exported("households"), header_of("households.csv"));

    import_fixtures();
    auto before = exported("households");
    auto changed = dir.write("changed.csv",
                             "external_ref,address_line1,postcode,resident1_name\n"
                             "EX-0001,1 Example Street,CF10 9ZZ,Gwenllian Fictional\n"
                             "EX-0004,4 Demo Lane,LL57 1AA,Nia Fictional\n");
    auto d = cli({"import", "households", changed.string(), "--dry-run"});
    ASSERT_EQ(d.code, 0) << d.output;
    EXPECT_TRUE(has(d.output, "would update EX-0001")) << d.output;
    EXPECT_TRUE(has(d.output, "would create EX-0004")) << d.output;
    EXPECT_EQ(exported("households"), before);
}

TEST_F(records_cli, SubjectAccessExportHoldsEveryPersonalFieldTheAlertsAndTheAudit) {
    import_fixtures();
    start_centre();
    alert_from("hub-0001", 1);
    auto out = dir / "sar.json";
    auto r = cli({"export", "household", "EX-0001", "--output", out.string()});
    ASSERT_EQ(r.code, 0) << r.output;
    struct stat st {};
    ASSERT_EQ(stat(out.c_str(), &st), 0);
    EXPECT_EQ(st.st_mode & 0777, 0600u);
    auto sar = json::parse(harness::file_bytes(out));
    const auto& h = sar.at("household");
    EXPECT_EQ(h.at("external_ref"), "EX-0001");
    EXPECT_EQ(h.at("postcode"), "CF10 1AA");
    EXPECT_EQ(h.at("key_safe_code"), "4471");
    EXPECT_EQ(h.at("key_safe_location"), "left of the front door, behind the pot");
    const auto& gwen = h.at("residents").at(0);
    EXPECT_EQ(gwen.at("name"), "Gwenllian Fictional");
    EXPECT_EQ(gwen.at("date_of_birth"), "1938-04-21");
    EXPECT_EQ(gwen.at("medical_conditions"), "COPD, type 2 diabetes");
    EXPECT_EQ(gwen.at("medication_notes"), "Inhalers twice a day\nMetformin with meals");
    EXPECT_EQ(gwen.at("gp"), "Dr Imaginary, Example Surgery");
    EXPECT_EQ(h.at("responders").size(), 2u);
    EXPECT_EQ(h.at("responders").at(0).at("name"), "Rhys Fictional");
    EXPECT_EQ(h.at("professionals").at(0).at("email"), "dafydd.pretend@example.org");
    ASSERT_EQ(sar.at("hubs").size(), 1u);
    EXPECT_EQ(sar.at("hubs").at(0).at("id"), "hub-0001");
    ASSERT_EQ(sar.at("alerts").size(), 1u);
    EXPECT_EQ(sar.at("alerts").at(0).at("id"), "hub-0001-1");
    EXPECT_FALSE(sar.at("alerts").at(0).at("history").empty());
    std::vector<std::string> actions;
    for (const auto& e : sar.at("audit")) actions.push_back(e.at("action"));
    EXPECT_EQ(actions.front(), "household_create");
    EXPECT_EQ(actions.back(), "household_subject_access");
    // Another household's alerts and audit are not in it.
    EXPECT_EQ(json::parse(harness::file_bytes(out)).dump().find("EX-0002"), std::string::npos);
    EXPECT_EQ(cli({"export", "household", "EX-9999"}).code, 1);
}

TEST_F(records_cli, ErasureRemovesThePersonalDataFromTheFileAndKeepsTheAlertsUnlinked) {
    import_fixtures();
    start_centre();
    alert_from("hub-0001", 1);
    // The database's files: SQLite's, or PostgreSQL's tables and indexes (the erasure rewrites them).
    auto in_database = [&](const std::string& text) {
        if (harness::testing_postgres()) return has(harness::test_postgres().database_bytes(database), text);
        return has(harness::file_bytes(dir / "centre.db"), text) ||
               has(harness::file_bytes(dir / "centre.db-wal"), text);
    };
    ASSERT_TRUE(in_database("Gwenllian Fictional"));  // so the check below can fail
    ASSERT_TRUE(in_database("Rhys Fictional"));

    auto refused = cli({"erase", "household", "EX-0001"});
    EXPECT_EQ(refused.code, 2) << refused.output;
    EXPECT_TRUE(has(refused.output, "--yes")) << refused.output;
    auto r = cli({"erase", "household", "EX-0001", "--yes"});
    ASSERT_EQ(r.code, 0) << r.output;

    // (PostgreSQL drops the tables' old files once it has processed the rewrite's commit: waited for.)
    for (const char* personal : {"Gwenllian Fictional", "Rhys Fictional", "Dafydd Pretend",
                                 "1 Example Street", "029 2000 0001", "dafydd.pretend@example.org"})
        EXPECT_TRUE(harness::eventually([&] { return !in_database(personal); }, 10s)) << personal;
    EXPECT_TRUE(in_database("Ivor Madeup"));  // the other households are untouched
    EXPECT_FALSE(has(exported("households"), "EX-0001"));
    EXPECT_EQ(cli({"export", "household", "EX-0001"}).code, 1);

    // The alert is still there, under its hub id only; the erasure is audited.
    httplib::Client api("127.0.0.1", http_port);
    ASSERT_EQ(cli({"user", "add", "sue", "--role", "supervisor"}, "sue-password\n").code, 0);
    auto login = api.Post("/api/login", json{{"user", "sue"}, {"password", "sue-password"}}.dump(),
                          "application/json");
    ASSERT_TRUE(login && login->status == 200);
    httplib::Headers cookie{
        {"Cookie",
         login->get_header_value("Set-Cookie").substr(0, login->get_header_value("Set-Cookie").find(';'))}};
    auto alerts = api.Get("/api/alerts?state=all&hub=hub-0001", cookie);
    ASSERT_TRUE(alerts && alerts->status == 200);
    auto list = json::parse(alerts->body);
    ASSERT_EQ(list.size(), 1u) << alerts->body;
    EXPECT_EQ(list.at(0).at("id"), "hub-0001-1");
    auto audit = api.Get("/api/audit", cookie);
    ASSERT_TRUE(audit && audit->status == 200);
    EXPECT_TRUE(has(audit->body, "household_erase")) << audit->body;
}

TEST_F(records_cli, KeyRotationReEncryptsEverythingAndTheOldKeyNoLongerOpens) {
    import_fixtures();
    auto before = exported("households");

    start_centre();  // a running centre would go on writing with the old key: refused
    auto busy = cli({"key", "rotate", "--new", (dir / "records-2.key").string()});
    EXPECT_EQ(busy.code, 2) << busy.output;
    EXPECT_TRUE(has(busy.output, "running")) << busy.output;
    EXPECT_FALSE(std::filesystem::exists(dir / "records-2.key"));
    centre.stop();

    auto r = cli({"key", "rotate", "--new", (dir / "records-2.key").string()});
    ASSERT_EQ(r.code, 0) << r.output;
    EXPECT_TRUE(has(r.output, "key_file")) << r.output;
    struct stat st {};
    ASSERT_EQ(stat((dir / "records-2.key").c_str(), &st), 0);
    EXPECT_EQ(st.st_mode & 0777, 0600u);

    // The config still names the old key: refused, clearly, and nothing read.
    auto old_key = cli({"export", "households", (dir / "old.csv").string()});
    EXPECT_NE(old_key.code, 0);
    EXPECT_TRUE(has(old_key.output, "does not match")) << old_key.output;
    harness::process old_centre({centre_bin, "--config", config.string()}, dir / "old-centre.log");
    auto code = old_centre.wait(10s);
    ASSERT_TRUE(code);
    EXPECT_NE(*code, 0);
    EXPECT_TRUE(has(old_centre.log(), "does not match")) << old_centre.log();

    // With the new key: the same records, and the centre starts.
    write_config("records-2.key");
    EXPECT_EQ(exported("households"), before);
    start_centre();
    EXPECT_TRUE(centre.running()) << centre.log();
}
