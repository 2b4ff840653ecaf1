#pragma once
/// CSV as councils' spreadsheets write it (RFC 4180): fields separated by commas, a field in double
/// quotes may hold commas, line ends and doubled quotes (""), records end with CRLF, LF or a lone CR
/// (Excel's "Macintosh CSV"). A UTF-8 byte order mark at the start is skipped. Blank lines between
/// records are skipped. Every record keeps the physical line number (1-based) where it starts, so an
/// importer can say FILE:LINE even when a quoted field spans lines. Line ends inside a quoted field are
/// read as "\n".
///
/// Plain C++ with no I/O: the caller reads the file.

#include <cstddef>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace warden::centre {

/// One record and the line it starts on.
struct csv_record {
    std::size_t line = 0;
    std::vector<std::string> fields;
    bool operator==(const csv_record&) const = default;
};

/// The text is not CSV: a quote inside an unquoted field, text after a closing quote, or a quoted field
/// that never ends. `line()` is where the fault is (for an unterminated field: where it opened).
class csv_error : public std::runtime_error {
public:
    csv_error(std::size_t line, const std::string& message) : std::runtime_error(message), line_(line) {}
    std::size_t line() const noexcept { return line_; }

private:
    std::size_t line_;
};

/// Every record of the text, in order. Throws csv_error.
std::vector<csv_record> parse_csv(std::string_view text);

/// One field as CSV: quoted (with inner quotes doubled) when it holds a comma, a quote, a line end or
/// leading/trailing spaces, or starts with a UTF-8 byte order mark; as is otherwise.
std::string csv_field(std::string_view value);

/// One record as CSV, fields joined by commas, ending with CRLF (RFC 4180).
std::string csv_row(const std::vector<std::string>& fields);

}  // namespace warden::centre
