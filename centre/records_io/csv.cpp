// The CSV reader and writer (warden/centre/csv.hpp).
#include "warden/centre/csv.hpp"

namespace warden::centre {

namespace {

/// Walks the text once, byte by byte, counting physical lines.
class csv_reader {
public:
    explicit csv_reader(std::string_view text) : text_(text) {
        if (text_.starts_with("\xEF\xBB\xBF")) text_.remove_prefix(3);
    }

    std::vector<csv_record> records() {
        std::vector<csv_record> out;
        while (pos_ < text_.size()) {
            if (at_line_end()) {  // a blank line between records
                skip_line_end();
                continue;
            }
            out.push_back(record());
        }
        return out;
    }

private:
    bool at_line_end() const { return text_[pos_] == '\n' || text_[pos_] == '\r'; }

    /// Skips LF, CRLF or a lone CR and counts the line.
    void skip_line_end() {
        if (text_[pos_] == '\r' && pos_ + 1 < text_.size() && text_[pos_ + 1] == '\n') ++pos_;
        ++pos_;
        ++line_;
    }

    csv_record record() {
        csv_record r{line_, {}};
        for (;;) {
            r.fields.push_back(pos_ < text_.size() && text_[pos_] == '"' ? quoted() : unquoted());
            if (pos_ >= text_.size()) break;
            if (text_[pos_] == ',') {
                ++pos_;
                continue;
            }
            skip_line_end();
            break;
        }
        return r;
    }

    std::string unquoted() {
        std::string value;
        while (pos_ < text_.size() && text_[pos_] != ',' && !at_line_end()) {
            if (text_[pos_] == '"')
                throw csv_error(line_, "a quote inside a field that does not start with a quote");
            value += text_[pos_++];
        }
        return value;
    }

    std::string quoted() {
        std::size_t opened = line_;
        std::string value;
        ++pos_;  // the opening quote
        for (;;) {
            if (pos_ >= text_.size()) throw csv_error(opened, "a quoted field is not closed");
            char c = text_[pos_];
            if (c == '"') {
                if (pos_ + 1 < text_.size() && text_[pos_ + 1] == '"') {
                    value += '"';
                    pos_ += 2;
                    continue;
                }
                ++pos_;  // the closing quote
                if (pos_ < text_.size() && text_[pos_] != ',' && !at_line_end())
                    throw csv_error(line_, "text after the closing quote of a field");
                return value;
            }
            if (c == '\r' || c == '\n') {
                skip_line_end();
                value += '\n';
                continue;
            }
            value += c;
            ++pos_;
        }
    }

    std::string_view text_;
    std::size_t pos_ = 0;
    std::size_t line_ = 1;
};

}  // namespace

std::vector<csv_record> parse_csv(std::string_view text) {
    return csv_reader(text).records();
}

std::string csv_field(std::string_view value) {
    // A field starting with a byte order mark is quoted too: unquoted at the start of a file, the
    // reader would take the mark for the file's and drop it.
    bool quote = value.find_first_of(",\"\r\n") != std::string_view::npos ||
                 (!value.empty() && (value.front() == ' ' || value.back() == ' ')) ||
                 value.starts_with("\xEF\xBB\xBF");
    if (!quote) return std::string(value);
    std::string out = "\"";
    for (char c : value) {
        if (c == '"') out += '"';
        out += c;
    }
    out += '"';
    return out;
}

std::string csv_row(const std::vector<std::string>& fields) {
    std::string out;
    for (std::size_t i = 0; i < fields.size(); ++i) {
        if (i) out += ',';
        out += csv_field(fields[i]);
    }
    out += "\r\n";
    return out;
}

}  // namespace warden::centre
