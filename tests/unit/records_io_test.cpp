// The CSV reader and writer, and the household and responder CSV mapping, without a database.
#include <gtest/gtest.h>

#include "warden/centre/csv.hpp"

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
