#pragma once
/// Editing a hub config as text, for `warden-ctl pair`: a new `[[sensor]]` block is appended at the
/// end of the file and nothing else is touched (comments, layout and key order stay as they were).
/// Pure functions, thread-safe.

#include <optional>
#include <string>
#include <string_view>

#include "warden/common/kinds.hpp"
#include "warden/config/hub_config.hpp"

namespace warden::ctl {

/// The keys of a sensor block as pair writes them.
struct sensor_block {
    std::string id;
    sensor_kind kind = sensor_kind::motion;
    config::source_type source = config::source_type::zigbee2mqtt;
    std::string topic;
    std::string location;              ///< written only when not empty
    std::optional<std::string> field;  ///< written only when set
    std::string comment;  ///< one `# ...` line above the block (e.g. the device's model); may be empty
};

/// A TOML basic string with quotes, escaping `"`, `\` and control characters.
std::string toml_quote(std::string_view text);

/// The block's TOML text, starting with "[[sensor]]" (or the comment line) and ending in a newline.
std::string render_sensor_block(const sensor_block& block);

/// `text` with the block appended: a missing final newline is added, then one blank line, then the block.
/// Every byte of `text` is kept.
std::string append_sensor_block(std::string_view text, const sensor_block& block);

}  // namespace warden::ctl
