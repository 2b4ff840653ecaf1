// The CSV reader and writer, and the records files' mapping to the model, without a database.
#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

#include "warden/centre/csv.hpp"
#include "warden/centre/records_csv.hpp"
#include "warden/centre/records_import.hpp"
#include "warden/centre/records_key.hpp"
#include "warden/centre/sqlite_store.hpp"
#include "warden/harness/harness.hpp"

using namespace warden::centre;

namespace {
using rows = std::vector<csv_record>;
}

TEST(Csv, ReadsPlainRecordsWithTheirLines) {
    EXPECT_EQ(parse_csv("a,b,c\n1,2,3\n"), (rows{{1, {"a", "b", "c"}}, {2, {"1", "2", "3"}}}));
}

TEST(Csv, AcceptsCrlfLfAndLoneCrAndNoFinalLineEnd) {
    rows want{{1, {"a", "b"}}, {2, {"c", "d"}}, {3, {"e", "f"}}};
    EXPECT_EQ(parse_csv("a,b\r\nc,d\r\ne,f\r\n"), want);
    EXPECT_EQ(parse_csv("a,b\nc,d\ne,f"), want);
    EXPECT_EQ(parse_csv("a,b\rc,d\re,f\r"), want);
}

TEST(Csv, QuotedFieldsHoldCommasDoubledQuotesAndLineEnds) {
    auto r =
        parse_csv("name,note\n\"Smith, Ann\",\"says \"\"hello\"\"\"\n\"x\",\"two\r\nlines\"\nlast,\"\"\n");
    ASSERT_EQ(r.size(), 4u);
    EXPECT_EQ(r[1], (csv_record{2, {"Smith, Ann", "says \"hello\""}}));
    EXPECT_EQ(r[2], (csv_record{3, {"x", "two\nlines"}}));
    EXPECT_EQ(r[3], (csv_record{5, {"last", ""}}));  // the record after a two-line field starts on line 5
}

TEST(Csv, SkipsAByteOrderMarkAndBlankLinesButKeepsCountingLines) {
    auto r = parse_csv(
        "\xEF\xBB\xBF"
        "a,b\n\n\r\n1,2\n");
    EXPECT_EQ(r, (rows{{1, {"a", "b"}}, {4, {"1", "2"}}}));
}

TEST(Csv, KeepsEmptyFieldsAtEitherEnd) {
    EXPECT_EQ(parse_csv(",a,\n"), (rows{{1, {"", "a", ""}}}));
    EXPECT_EQ(parse_csv("a,"), (rows{{1, {"a", ""}}}));
}

TEST(Csv, ReportsMalformedTextWithItsLine) {
    struct bad {
        const char* text;
        std::size_t line;
    };
    for (auto [text, line] :
         {bad{"a,b\nc\"d,e\n", 2}, bad{"a\n\"x\"y,z\n", 2}, bad{"a\nb\n\"open,\nmore\n", 3}}) {
        try {
            parse_csv(text);
            ADD_FAILURE() << text;
        } catch (const csv_error& e) {
            EXPECT_EQ(e.line(), line) << text << ": " << e.what();
        }
    }
}

TEST(Csv, WritesWhatItReads) {
    std::vector<std::string> fields{"plain", "with, comma", "with \"quote\"", "two\nlines", " padded ", ""};
    auto text = csv_row(fields) + csv_row({"x"});
    EXPECT_EQ(csv_row({"a", "b c"}), "a,b c\r\n");
    EXPECT_EQ(csv_field("say \"hi\""), "\"say \"\"hi\"\"\"");
    EXPECT_EQ(parse_csv(text), (rows{{1, fields}, {3, {"x"}}}));
}

// Found by fuzzing (fuzz/csv.cpp): a first field starting with U+FEFF was written as is, and read back
// at the start of a file the reader took it for the file's byte order mark and dropped it.
TEST(Csv, AFieldStartingWithAByteOrderMarkReadsBackAtTheStartOfAFile) {
    std::string bom = "\xEF\xBB\xBF";
    for (std::vector<std::string> fields : {std::vector<std::string>{bom}, {bom + "EX-1", "b"}}) {
        EXPECT_EQ(parse_csv(csv_row(fields)), (rows{{1, fields}}));
        EXPECT_EQ(parse_csv(bom + csv_row(fields)), (rows{{1, fields}}));
    }
}

// --- the records files (records_csv.hpp) ---

namespace {

std::string fixture(const std::string& name) {
    std::ifstream in(std::string(WARDEN_SOURCE_DIR) + "/tests/fixtures/records/" + name, std::ios::binary);
    std::ostringstream s;
    s << in.rdbuf();
    return s.str();
}

/// The households of a households file, as new records, with the problems of reading them.
std::vector<household> households_of(std::string_view text, std::vector<csv_problem>& problems) {
    auto table = read_table(records_file::households, text, problems);
    std::vector<household> out;
    for (const auto& row : table.rows) {
        household h;
        apply_household_row(row, h, problems);
        out.push_back(std::move(h));
    }
    return out;
}

}  // namespace

TEST(RecordsCsv, ReadsTheHouseholdsFixtureIntoTheModel) {
    std::vector<csv_problem> problems;
    auto hs = households_of(fixture("households.csv"), problems);
    EXPECT_TRUE(problems.empty());
    ASSERT_EQ(hs.size(), 3u);
    EXPECT_EQ(hs[0].external_ref, "EX-0001");
    EXPECT_EQ(hs[0].key_safe_location, "left of the front door, behind the pot");
    ASSERT_EQ(hs[0].residents.size(), 1u);
    EXPECT_EQ(hs[0].residents[0].medication_notes, "Inhalers twice a day\nMetformin with meals");
    EXPECT_EQ(hs[1].address_lines,
              (std::vector<std::string>{"Flat 2, Sample Court", "Mock Road", "Testbury"}));
    EXPECT_EQ(hs[1].hubs, (std::vector<std::string>{"hub-0002", "hub-0003"}));
    ASSERT_EQ(hs[1].residents.size(), 2u);
    EXPECT_EQ(hs[1].residents[1].preferred_name, "Nel");
    EXPECT_EQ(hs[2].residents[0].name, "Bryn \"Taff\" Invented");
    for (const auto& h : hs) EXPECT_EQ(validate(h), std::vector<field_error>{}) << *h.external_ref;
}

TEST(RecordsCsv, WritesTheFixturesBackByteForByte) {
    std::vector<csv_problem> problems;
    auto text = fixture("households.csv");
    auto hs = households_of(text, problems);
    EXPECT_EQ(write_records_csv(records_file::households, hs), text);

    for (auto [kind, name] : {std::pair{records_file::responders, "responders.csv"},
                              std::pair{records_file::professionals, "professionals.csv"}}) {
        auto care_text = fixture(name);
        auto groups = read_care_rows(kind, read_table(kind, care_text, problems), problems);
        std::vector<household> with_care;
        for (const auto& g : groups) {
            household h;
            h.external_ref = g.household_ref;
            h.responders = g.responders;
            h.professionals = g.professionals;
            with_care.push_back(h);
        }
        EXPECT_EQ(write_records_csv(kind, with_care), care_text) << name;
    }
    EXPECT_TRUE(problems.empty());
}

TEST(RecordsCsv, AnUpdateKeepsWhatTheFileHasNoColumnFor) {
    household stored;
    stored.external_ref = "EX-1";
    stored.address_lines = {"1 Old Road"};
    stored.postcode = "CF10 1AA";
    stored.key_safe_code = "1111";
    stored.residents = {{.name = "Ann Example", .phone = "029 2000 0000", .medical_conditions = "asthma"},
                        {.name = "Bob Example"}};
    std::vector<csv_problem> problems;
    auto table = read_table(records_file::households,
                            "external_ref,address_line1,postcode,resident1_name,resident2_name\n"
                            "EX-1,2 New Road,CF10 1AA,Ann Example-Jones,\n",
                            problems);
    ASSERT_EQ(table.rows.size(), 1u);
    auto groups = apply_household_row(table.rows[0], stored, problems);
    EXPECT_TRUE(problems.empty());
    EXPECT_EQ(stored.address_lines, std::vector<std::string>{"2 New Road"});
    EXPECT_EQ(stored.key_safe_code, "1111");  // no key_safe_code column: kept
    ASSERT_EQ(stored.residents.size(), 1u);   // resident2's cells all empty: no second resident
    EXPECT_EQ(stored.residents[0].name, "Ann Example-Jones");
    EXPECT_EQ(stored.residents[0].medical_conditions, "asthma");
    EXPECT_EQ(groups, std::vector<int>{1});
}

TEST(RecordsCsv, NamesValidationFieldsAsTheFilesColumns) {
    EXPECT_EQ(household_column("residents[0].date_of_birth", {2}), "resident2_date_of_birth");
    EXPECT_EQ(household_column("residents[1].name", {1, 3}), "resident3_name");
    EXPECT_EQ(household_column("address_lines[2]", {}), "address_line3");
    EXPECT_EQ(household_column("hubs[1]", {}), "hubs");
    EXPECT_EQ(household_column("postcode", {}), "postcode");

    care_rows rows{"EX-1", {}, {}, {7, 9, 12}};
    EXPECT_EQ(care_problem({"responders[1].phones[1]", "bad"}, rows), (csv_problem{9, "phone2", "bad"}));
    EXPECT_EQ(care_problem({"responders[2].call_order", "dup"}, rows),
              (csv_problem{12, "call_order", "dup"}));
    EXPECT_EQ(care_problem({"professionals[0].email", "bad"}, rows), (csv_problem{7, "email", "bad"}));
    EXPECT_EQ(care_problem({"responders", "too many"}, rows), (csv_problem{7, "household_ref", "too many"}));
}

TEST(RecordsCsv, ReportsHeaderAndCellProblemsWithLineAndColumn) {
    std::vector<csv_problem> problems;
    read_table(records_file::households, "external_ref,postcode,postcode,colour\n", problems);
    EXPECT_EQ(problems, (std::vector<csv_problem>{{1, "postcode", "is named twice"},
                                                  {1, "colour", "is not a column of a households file"},
                                                  {1, "address_line1", "the column is required"},
                                                  {1, "resident1_name", "the column is required"}}));
    problems.clear();
    auto t = read_table(records_file::responders,
                        "household_ref,call_order,name,holds_key\n"
                        "EX-1,one,Ann,yes\n"
                        "\n"
                        ",2,Bob,perhaps\n"
                        ",,,\n"
                        "EX-1,3,Cai,no,extra\n",
                        problems);
    auto groups = read_care_rows(records_file::responders, t, problems);
    EXPECT_EQ(problems, (std::vector<csv_problem>{{6, "", "has 5 cells, the header names 4 columns"},
                                                  {2, "call_order", "must be a whole number from 1 to 99"},
                                                  {4, "holds_key", "must be yes or no"},
                                                  {4, "household_ref", "is required"}}));
    ASSERT_EQ(groups.size(), 1u);
    EXPECT_EQ(groups[0].lines, std::vector<std::size_t>{2});
    EXPECT_EQ(format_problem("r.csv", problems[1]),
              "r.csv:2: call_order: must be a whole number from 1 to 99");
    EXPECT_EQ(format_problem("r.csv", problems[0]), "r.csv:6: has 5 cells, the header names 4 columns");
}

// --- import, erasure and rotation through the SQLite store (records_import.hpp, records_bulk.cpp) ---

namespace {

records_key test_key(unsigned char fill) {
    std::array<unsigned char, records_key::size> bytes{};
    bytes.fill(fill);
    return records_key(bytes);
}

/// A store on a fresh file, unlocked with key 1, with the fixtures imported.
struct imported_store {
    warden::harness::temp_dir dir;
    std::string path = (dir / "centre.db").string();
    std::unique_ptr<store> db = open_sqlite_store(path);

    imported_store() {
        db->unlock_records(test_key(1));
        for (auto [kind, name] : {std::pair{records_file::households, "households.csv"},
                                  std::pair{records_file::responders, "responders.csv"},
                                  std::pair{records_file::professionals, "professionals.csv"}}) {
            auto r = import_records(*db, kind, fixture(name), false, "test", warden::now_ms());
            EXPECT_TRUE(r.problems.empty()) << name;
        }
    }
    std::size_t households() { return db->list_households({}).size(); }
};

}  // namespace

TEST(RecordsImport, AFileIsSavedWhollyOrNotAtAll) {
    imported_store s;
    ASSERT_EQ(s.households(), 3u);
    auto before = export_records(*s.db, records_file::households);
    EXPECT_EQ(before, fixture("households.csv"));

    // Row 3's hub is EX-0002's: row 2 (good) is not saved either, dry or not.
    std::string clash =
        "external_ref,address_line1,postcode,hubs,resident1_name\n"
        "EX-0010,10 New Street,CF10 1AA,hub-0010,Ceri Fictional\n"
        "EX-0011,11 New Street,CF10 1AA,hub-0003,Dai Fictional\n";
    for (bool dry : {true, false}) {
        auto r = import_records(*s.db, records_file::households, clash, dry, "test", warden::now_ms());
        EXPECT_EQ(r.problems,
                  (std::vector<csv_problem>{{3, "hubs", "hub-0003: this hub belongs to another household"}}));
        EXPECT_TRUE(r.created.empty());
        EXPECT_EQ(s.households(), 3u);
    }

    auto dry = import_records(*s.db, records_file::households, clash.substr(0, clash.rfind("EX-0011")), true,
                              "test", warden::now_ms());
    EXPECT_EQ(dry.created, std::vector<std::string>{"EX-0010"});
    EXPECT_EQ(s.households(), 3u);

    auto again = import_records(*s.db, records_file::households, fixture("households.csv"), false, "test",
                                warden::now_ms());
    EXPECT_EQ(again.updated, (std::vector<std::string>{"EX-0001", "EX-0002", "EX-0003"}));
    EXPECT_EQ(s.households(), 3u);
    EXPECT_EQ(export_records(*s.db, records_file::households), before);
    EXPECT_EQ(export_records(*s.db, records_file::responders), fixture("responders.csv"));
}

TEST(RecordsImport, RotationReEncryptsEveryValueAndTheOldKeyNoLongerOpens) {
    imported_store s;
    auto before = export_records(*s.db, records_file::households);
    // EX-0001: code, location, medical conditions, medication; EX-0002: code, location, door entry, one
    // resident's medical conditions.
    EXPECT_EQ(s.db->rekey_records(test_key(2), "test", "", warden::now_ms()), 8);
    EXPECT_EQ(export_records(*s.db, records_file::households), before);
    s.db.reset();
    EXPECT_THROW(open_sqlite_store(s.path)->unlock_records(test_key(1)), records_key_mismatch);
    auto reopened = open_sqlite_store(s.path);
    reopened->unlock_records(test_key(2));
    EXPECT_EQ(export_records(*reopened, records_file::households), before);
    auto audit = reopened->list_audit(1);
    ASSERT_EQ(audit.size(), 1u);
    EXPECT_EQ(audit[0].action, "records_key_rotate");
}

TEST(RecordsImport, ErasureLeavesNothingOfTheHouseholdInTheFile) {
    imported_store s;
    auto bytes = [&] {
        return warden::harness::file_bytes(s.path) + warden::harness::file_bytes(s.path + "-wal");
    };
    ASSERT_NE(bytes().find("Gwenllian Fictional"), std::string::npos);
    auto id = s.db->find_household_by_ref("EX-0001")->id;
    EXPECT_EQ(s.db->erase_household(id, "test", "request 1", warden::now_ms()), change_result::ok);
    EXPECT_EQ(s.db->erase_household(id, "test", "request 1", warden::now_ms()), change_result::not_found);
    for (const char* personal :
         {"Gwenllian Fictional", "Rhys Fictional", "Dafydd Pretend", "1 Example Street"})
        EXPECT_EQ(bytes().find(personal), std::string::npos) << personal;
    EXPECT_NE(bytes().find("Ivor Madeup"), std::string::npos);
    EXPECT_FALSE(s.db->household_of_hub("hub-0001"));
    EXPECT_EQ(s.db->list_audit(1).at(0).action, "household_erase");
}
