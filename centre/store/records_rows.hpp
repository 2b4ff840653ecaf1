#pragma once
// How every backend lays residents' records out in rows (private to centre/store): lists joined by
// newlines in one column, and the search column a household is found by.

#include <string>
#include <string_view>
#include <vector>

#include "warden/centre/records.hpp"

namespace warden::centre::records_rows {

/// The parts, one per line.
std::string join(const std::vector<std::string>& parts);
/// The lines of a joined column (none for "").
std::vector<std::string> split(const std::string& text);
/// Lower case without spaces: what the search column holds and what a search looks for.
std::string search_form(std::string_view text);
/// Names, address, postcode, hubs, external ref and phones, one per line, in search form.
std::string search_text(const household& h);
/// `text` for a LIKE pattern with '\' as the escape.
std::string like_escaped(std::string_view text);

}  // namespace warden::centre::records_rows
