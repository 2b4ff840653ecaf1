#pragma once
/// What every fuzz target shares: the libFuzzer entry point, a check that fails loudly (so a broken
/// invariant is a crash the fuzzer keeps), and small helpers to cut an input into fields.
/// The same targets link into libFuzzer (clang, scripts/fuzz) and into fuzz/driver.cpp, which feeds
/// them the seed corpus as a regression test in the default build.

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string_view>
#include <vector>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size);

/// Aborts with the condition's text when `cond` is false (in every build: these are the invariants).
#define WARDEN_FUZZ_CHECK(cond) ((cond) ? void(0) : ::warden::fuzz::fail(#cond, __FILE__, __LINE__))

namespace warden::fuzz {

[[noreturn]] inline void fail(const char* what, const char* file, int line) {
    std::fprintf(stderr, "%s:%d: invariant broken: %s\n", file, line, what);
    std::abort();
}

/// The input as text.
inline std::string_view text(const std::uint8_t* data, std::size_t size) {
    return {reinterpret_cast<const char*>(data), size};
}

/// `s` cut at every `sep` (n separators give n + 1 parts).
inline std::vector<std::string_view> split(std::string_view s, char sep) {
    std::vector<std::string_view> out;
    for (;;) {
        auto at = s.find(sep);
        out.push_back(s.substr(0, at));
        if (at == std::string_view::npos) return out;
        s.remove_prefix(at + 1);
    }
}

/// Record separator between the parts of a structured input (ASCII RS), rare in real payloads.
inline constexpr char record_sep = '\x1e';

}  // namespace warden::fuzz
