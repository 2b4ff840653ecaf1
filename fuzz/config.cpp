// The config readers: a hub.toml and a centre.toml as a technician (or a broken editor) writes them.
// Input: the file's text, read as both a hub and a centre config.
// Invariants: the only exception is config_error, listing at least one problem; a config the hub
// loader accepts lints without throwing, and reads back equal from the same text.

#include <string>

#include "fuzz.hpp"
#include "warden/config/centre_config.hpp"
#include "warden/config/hub_config.hpp"
#include "warden/config/lint.hpp"

using namespace warden;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    auto text = fuzz::text(data, size);
    try {
        auto hub = config::parse_hub_config(text, "hub.toml");
        auto warnings = config::lint_hub_config(hub, [](config::source_type) { return std::nullopt; });
        for (const auto& w : warnings) (void)config::lint_text(w);
        WARDEN_FUZZ_CHECK(config::parse_hub_config(text, "hub.toml") == hub);
    } catch (const config::config_error& e) {
        WARDEN_FUZZ_CHECK(!e.messages().empty());
    }
    try {
        (void)config::parse_centre_config(text, "centre.toml");
    } catch (const config::config_error& e) {
        WARDEN_FUZZ_CHECK(!e.messages().empty());
    }
    return 0;
}
