// How every backend lays residents' records out in rows (records_rows.hpp).
#include "records_rows.hpp"

#include <cctype>

namespace warden::centre::records_rows {

std::string join(const std::vector<std::string>& parts) {
    std::string out;
    for (const auto& p : parts) {
        if (!out.empty()) out += '\n';
        out += p;
    }
    return out;
}

std::vector<std::string> split(const std::string& text) {
    std::vector<std::string> out;
    if (text.empty()) return out;
    std::size_t start = 0;
    for (;;) {
        auto nl = text.find('\n', start);
        out.push_back(text.substr(start, nl == std::string::npos ? std::string::npos : nl - start));
        if (nl == std::string::npos) break;
        start = nl + 1;
    }
    return out;
}

std::string search_form(std::string_view text) {
    std::string out;
    for (unsigned char c : text)
        if (c != ' ') out.push_back(static_cast<char>(std::tolower(c)));
    return out;
}

std::string search_text(const household& h) {
    std::vector<std::string> parts;
    for (const auto& r : h.residents) {
        parts.push_back(r.name);
        parts.push_back(r.preferred_name);
        parts.push_back(r.phone);
    }
    for (const auto& r : h.responders)
        for (const auto& p : r.phones) parts.push_back(p);
    for (const auto& l : h.address_lines) parts.push_back(l);
    parts.push_back(h.postcode);
    for (const auto& hub : h.hubs) parts.push_back(hub);
    if (h.external_ref) parts.push_back(*h.external_ref);
    return search_form(join(parts));
}

std::string like_escaped(std::string_view text) {
    std::string out;
    for (char c : text) {
        if (c == '%' || c == '_' || c == '\\') out.push_back('\\');
        out.push_back(c);
    }
    return out;
}

}  // namespace warden::centre::records_rows
