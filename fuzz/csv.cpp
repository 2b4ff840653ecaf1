// The CSV reader (warden/centre/csv.hpp) that reads the councils' spreadsheets for records import, and
// its writer.
//
// Input: the text of a file.
// Invariants: the only exception is csv_error, with a line inside the text; records are in line order,
// each on a line inside the text; a record written back with csv_row reads back to the same fields
// (except a record of one empty field, which csv_row writes as a blank line and the reader skips).

#include <cstddef>
#include <string>

#include "fuzz.hpp"
#include "warden/centre/csv.hpp"

using namespace warden::centre;

namespace {

/// The number of physical lines of `s` as the reader counts them (LF, CRLF or a lone CR end one).
std::size_t lines_of(std::string_view s) {
    std::size_t n = 1;
    for (std::size_t i = 0; i < s.size(); ++i) {
        if (s[i] == '\n' || (s[i] == '\r' && (i + 1 == s.size() || s[i + 1] != '\n'))) ++n;
    }
    return n;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    auto text = warden::fuzz::text(data, size);
    auto lines = lines_of(text);
    std::vector<csv_record> records;
    try {
        records = parse_csv(text);
    } catch (const csv_error& e) {
        WARDEN_FUZZ_CHECK(e.line() >= 1 && e.line() <= lines);
        return 0;
    }
    std::size_t last = 0;
    for (const auto& r : records) {
        WARDEN_FUZZ_CHECK(r.line > last && r.line <= lines);
        WARDEN_FUZZ_CHECK(!r.fields.empty());
        last = r.line;
        if (r.fields.size() == 1 && r.fields[0].empty()) continue;
        auto again = parse_csv(csv_row(r.fields));
        WARDEN_FUZZ_CHECK(again.size() == 1);
        WARDEN_FUZZ_CHECK(again[0].fields == r.fields);
    }
    return 0;
}
