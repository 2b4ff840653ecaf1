#pragma once
/// The records CSV files (docs/residents.md, "Import and export"): households, one row per household
/// with its residents as column groups resident1_ ... resident6_; responders and professionals, one row
/// per person, keyed by their household's external_ref. Reading turns rows into the model
/// (records.hpp) and says what is wrong with each as a csv_problem (line, column, message), using the
/// model's own validate() so the import and the API say the same thing; writing gives the same format
/// back in a fixed order.
///
/// Plain C++ over the model, no store: records_import.hpp reads and writes the store.

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "warden/centre/records.hpp"

namespace warden::centre {

/// One problem in a records CSV file. `column` is the header's name ("resident2_date_of_birth"), or
/// empty for a problem with the whole row or the file.
struct csv_problem {
    std::size_t line = 0;
    std::string column;
    std::string message;
    bool operator==(const csv_problem&) const = default;
};

/// "FILE:LINE: column: message", or "FILE:LINE: message" without a column.
std::string format_problem(std::string_view file, const csv_problem& p);

/// One row of a file: the line it starts on and its cells (spaces and tabs around them trimmed) by
/// column name, in the header's order.
struct csv_cells {
    std::size_t line = 0;
    std::vector<std::pair<std::string, std::string>> cells;
};

/// A file's header and rows, once its header is known to name only known columns, none twice, and
/// every required one. Rows whose cells are all empty (spreadsheets' trailing rows) are left out.
struct csv_table {
    std::vector<std::string> columns;
    std::vector<csv_cells> rows;
};

/// The kinds of records file.
enum class records_file { households, responders, professionals };
/// "households", "responders", "professionals".
std::string_view to_string(records_file f) noexcept;

/// Parses the text and checks its header for kind `f`. Problems (CSV syntax with its line; an unknown,
/// repeated or missing column on the header's line; a row with more cells than the header) are added
/// to `problems`.
csv_table read_table(records_file f, std::string_view text, std::vector<csv_problem>& problems);

/// A household row applied to a record: `h` is the stored household for an update (columns the file
/// does not have keep their stored values) or a new one. Puts type problems in `problems` and returns,
/// for each of h's residents afterwards, the resident column group (1-6) it came from.
std::vector<int> apply_household_row(const csv_cells& row, household& h, std::vector<csv_problem>& problems);

/// The column a validate() field of a household names, given apply_household_row's resident groups
/// ("residents[1].date_of_birth" -> "resident2_date_of_birth", "address_lines[0]" -> "address_line1").
std::string household_column(const std::string& field, const std::vector<int>& resident_groups);

/// A responders or professionals file's rows of one household, in file order, with their lines.
struct care_rows {
    std::string household_ref;
    std::vector<responder> responders;
    std::vector<professional> professionals;
    std::vector<std::size_t> lines;
};

/// The rows grouped by household_ref (in the order each ref first appears); type problems into `problems`.
std::vector<care_rows> read_care_rows(records_file f, const csv_table& t, std::vector<csv_problem>& problems);

/// The line and column a validate() field of a household's care circle names
/// ("responders[2].phones[0]" -> the third row's line, "phone1"); the first row's line for the others.
csv_problem care_problem(const field_error& e, const care_rows& rows);

/// The households as a file of kind `f`: households by external_ref; responders by household, then
/// call order; professionals by household, then their order. Households file: as many resident groups
/// as the largest household needs, at least two. CRLF line ends.
std::string write_records_csv(records_file f, std::vector<household> households);

}  // namespace warden::centre
