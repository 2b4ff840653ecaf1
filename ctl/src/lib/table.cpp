#include "table.hpp"

#include <algorithm>

#include <fmt/format.h>

namespace warden::ctl::detail {

namespace {
/// Display width: counts UTF-8 code points, not bytes.
std::size_t width(const std::string& s) {
    return static_cast<std::size_t>(std::count_if(
        s.begin(), s.end(), [](char c) { return (static_cast<unsigned char>(c) & 0xC0) != 0x80; }));
}
}  // namespace

std::string format_table(const std::vector<std::vector<std::string>>& rows) {
    std::vector<std::size_t> widths;
    for (const auto& r : rows) {
        if (widths.size() < r.size()) widths.resize(r.size(), 0);
        for (std::size_t i = 0; i < r.size(); ++i) widths[i] = std::max(widths[i], width(r[i]));
    }
    std::string out;
    for (const auto& r : rows) {
        std::string line;
        for (std::size_t i = 0; i < r.size(); ++i) {
            line += r[i];
            if (i + 1 < r.size()) line += std::string(widths[i] - width(r[i]) + 2, ' ');
        }
        while (!line.empty() && line.back() == ' ') line.pop_back();
        out += line + '\n';
    }
    return out;
}

std::string ago(long long ms) {
    bool future = ms < 0;
    long long s = (future ? -ms : ms) / 1000;
    std::string text;
    if (s < 120)
        text = fmt::format("{}s", s);
    else if (s < 7200)
        text = fmt::format("{}m", s / 60);
    else if (s < 172800)
        text = fmt::format("{}h", s / 3600);
    else
        text = fmt::format("{}d", s / 86400);
    return future ? "in " + text : text + " ago";
}

}  // namespace warden::ctl::detail
