#include "warden/ctl/config_edit.hpp"

#include <fmt/format.h>

namespace warden::ctl {

std::string toml_quote(std::string_view text) {
    std::string out = "\"";
    for (unsigned char c : text) {
        switch (c) {
            case '"':
                out += "\\\"";
                break;
            case '\\':
                out += "\\\\";
                break;
            case '\n':
                out += "\\n";
                break;
            case '\t':
                out += "\\t";
                break;
            case '\r':
                out += "\\r";
                break;
            default:
                if (c < 0x20 || c == 0x7f) {
                    out += fmt::format("\\u{:04X}", static_cast<unsigned>(c));
                } else {
                    out += static_cast<char>(c);
                }
        }
    }
    out += '"';
    return out;
}

std::string render_sensor_block(const sensor_block& b) {
    std::string out;
    if (!b.comment.empty()) {
        // A comment is one line; a newline inside would start TOML that nobody wrote.
        std::string line = b.comment;
        for (char& c : line)
            if (c == '\n' || c == '\r') c = ' ';
        out += fmt::format("# {}\n", line);
    }
    out += "[[sensor]]\n";
    out += fmt::format("id = {}\n", toml_quote(b.id));
    out += fmt::format("kind = {}\n", toml_quote(to_string(b.kind)));
    out += fmt::format("source = {}\n", toml_quote(config::to_string(b.source)));
    out += fmt::format("topic = {}\n", toml_quote(b.topic));
    if (!b.location.empty()) out += fmt::format("location = {}\n", toml_quote(b.location));
    if (b.field) out += fmt::format("field = {}\n", toml_quote(*b.field));
    return out;
}

std::string append_sensor_block(std::string_view text, const sensor_block& block) {
    std::string out(text);
    if (!out.empty() && out.back() != '\n') out += '\n';
    if (!out.empty()) out += '\n';
    out += render_sensor_block(block);
    return out;
}

}  // namespace warden::ctl
