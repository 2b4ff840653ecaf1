#pragma once
// Internal to warden::ctl: plain-text tables for terminal output.

#include <string>
#include <vector>

namespace warden::ctl::detail {

/// Columns padded to their widest cell, two spaces apart, one row per line (the first row is the header).
std::string format_table(const std::vector<std::vector<std::string>>& rows);

/// "3s ago", "5m ago", "2h ago", "4d ago" (or "in 3s" for a time ahead).
std::string ago(long long ms);

}  // namespace warden::ctl::detail
