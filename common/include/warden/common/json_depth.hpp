#pragma once
/// A bound on JSON nesting checked on the raw text, before any parser recurses into it: a hostile
/// payload of thousands of '[' would overflow the stack of a recursive parser or copy. Used by the
/// hub's sensor adapters and the centre's ingest and HTTP bodies.

#include <string_view>

namespace warden {

/// True if `text` opens more than `limit` objects/arrays inside one another (brackets inside JSON
/// strings, escapes included, do not count). Malformed text is left to the parser.
bool json_nests_deeper_than(std::string_view text, int limit) noexcept;

}  // namespace warden
