#pragma once
// Internal to warden::config: reading TOML tables with positions, and collecting every problem found
// as "FILE:LINE:COLUMN: message" before throwing them all at once in one config_error.

#include <cstdint>
#include <filesystem>
#include <map>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <toml++/toml.h>

#include "warden/config/hub_config.hpp"

namespace warden::config::detail {

/// Where each key's value was given; the type of sensor_spec::key_pos and friends.
using key_positions = std::map<std::string, position, std::less<>>;

/// Every problem found in one file. Messages are sorted by place when thrown.
class diagnostics {
public:
    explicit diagnostics(std::string file) : file_(std::move(file)) {}

    const std::string& file() const noexcept { return file_; }
    position at(const toml::source_region& r) const;
    position at(const toml::node& n) const { return at(n.source()); }
    position start() const { return {file_, 1, 1}; }

    void error(const position& p, std::string message);
    bool empty() const noexcept { return entries_.empty(); }
    /// The messages, each "FILE:LINE:COLUMN: message", in file order.
    std::vector<std::string> messages() const;
    /// Throws config_error with every message, if there are any.
    void throw_if_any() const;

private:
    struct entry {
        int line = 0, column = 0;
        std::size_t order = 0;
        std::string text;
    };
    std::string file_;
    std::vector<entry> entries_;
};

/// A string value and where it was written (list elements, references to sensors).
struct located_string {
    std::string value;
    position pos;
};

/// Reads the keys of one table, reporting wrong types and bad values to `diagnostics`.
/// `subject` names what the keys belong to in messages: "centre." gives "centre.heartbeat",
/// "sensor 'pir' " gives "sensor 'pir' report_every". `what` names the table itself ("[centre]",
/// "sensor 'pir'") for "missing key" messages, which point at the table's header.
class table_reader {
public:
    table_reader(const toml::table& t, std::string subject, std::string what, diagnostics& d,
                 key_positions* positions = nullptr, std::string position_prefix = {});

    const toml::table& table() const noexcept { return table_; }
    diagnostics& diag() noexcept { return diag_; }
    std::string subject(std::string_view key) const { return subject_ + std::string(key); }
    const std::string& what() const noexcept { return what_; }
    position table_pos() const { return diag_.at(table_); }
    /// Where the value of `key` was written; the table's position if it is absent.
    position value_pos(std::string_view key) const;
    bool has(std::string_view key) const { return table_.get(key) != nullptr; }

    /// The raw node (and records its position), or nullptr.
    const toml::node* get(std::string_view key);
    /// Reports a missing required key at the table's header; `example` shows what to write.
    void missing(std::string_view key, std::string_view example);

    std::optional<std::string> string(std::string_view key);
    std::optional<std::string> required_string(std::string_view key, std::string_view example);
    std::optional<bool> boolean(std::string_view key);
    /// An integer or a floating-point number (finite).
    std::optional<double> number(std::string_view key);
    std::optional<std::int64_t> integer(std::string_view key);
    /// A duration string; `positive`: "0s" is refused.
    std::optional<milliseconds> duration(std::string_view key, bool positive);
    /// "HH:MM" (or a TOML local time such as 07:00:00), in minutes since midnight.
    std::optional<int> time_of_day(std::string_view key);
    /// A window "HH:MM-HH:MM" or a list of them.
    std::optional<std::vector<time_window>> windows(std::string_view key);
    /// A list of strings (each with its position). An empty list is reported as a mistake.
    std::optional<std::vector<located_string>> string_list(std::string_view key, std::string_view example);

    /// Reports every key of the table that is not in `allowed`, with a "did you mean" for near misses.
    /// `explain` may return a better message for a key (e.g. a key of another rule type).
    template <typename Explain>
    void reject_unknown(std::span<const std::string_view> allowed, Explain&& explain) {
        for (auto&& [k, v] : table_) {
            std::string_view key = k.str();
            bool known = false;
            for (auto a : allowed) known = known || a == key;
            if (known) continue;
            std::optional<std::string> special = explain(key);
            diag_.error(diag_.at(k.source()), special ? *special : unknown_key_message(key, allowed));
        }
    }
    void reject_unknown(std::span<const std::string_view> allowed) {
        reject_unknown(allowed, [](std::string_view) { return std::optional<std::string>{}; });
    }
    std::string unknown_key_message(std::string_view key, std::span<const std::string_view> allowed) const;

private:
    void wrong_type(const toml::node& n, std::string_view key, std::string_view expected);

    const toml::table& table_;
    std::string subject_, what_;
    diagnostics& diag_;
    key_positions* positions_;
    std::string position_prefix_;
};

/// A section and the keys it takes, for telling where a key written outside any section belongs.
struct section_keys {
    std::string_view section;  ///< as written: "[hub]", "[[sensor]]"
    std::span<const std::string_view> keys;
};
/// Reports top-level entries that are not one of `sections` (names without brackets): an unknown
/// section (with a "did you mean"), or a key written before any section header (saying which
/// section takes it, from `homes`).
void reject_unknown_top_level(const toml::table& root, std::span<const std::string_view> sections,
                              std::span<const section_keys> homes, diagnostics& d);

/// "integer 30", "string \"x\"", "a table", ... for "expected ..., got ..." messages.
std::string describe(const toml::node& n);

/// The closest candidate to `word` if it is a plausible typo of it (edit distance small for its
/// length, or equal ignoring case), else nullopt.
std::optional<std::string_view> did_you_mean(std::string_view word,
                                             std::span<const std::string_view> candidates);
/// `a, b, c` (at most `limit` names, then ", ...").
std::string join(std::span<const std::string_view> names, std::size_t limit = 64);
std::string join(const std::vector<std::string>& names, std::size_t limit = 64);

/// Reads a broker address: "tcp://host:port", "ssl://host:port", or mqtt:// / mqtts:// which are
/// rewritten to tcp:// / ssl://. Returns the normalised URI, or an error text (second).
std::pair<std::optional<std::string>, std::string> normalise_broker_uri(std::string_view uri);
/// "host:port" with a port 1..65535; an error text if not (empty if fine).
std::string check_host_port(std::string_view text);

/// `p` as given if absolute or if `base` is empty; else `base / p`, normalised.
std::string resolve_path(const std::filesystem::path& base, const std::string& p);

/// Reads a [mqtt]/[local]/[centre] broker: uri (required), username, password, ca_file, cert_file,
/// key_file. Relative file paths are resolved against `base`; TLS files must exist and need ssl://.
broker_spec read_broker(table_reader& r, const std::filesystem::path& base, std::string_view example_uri);
/// The keys read_broker reads.
inline constexpr std::string_view broker_keys[] = {"uri",     "username",  "password",
                                                   "ca_file", "cert_file", "key_file"};

/// Reads the whole file; throws config_error ("FILE:1:1: cannot read the file: ...") if it cannot.
/// The largest config file read, and the deepest nesting parsed (hostile or wrong files: /dev/zero,
/// a 100 KB `[a.a.a...]` header).
inline constexpr std::size_t max_config_bytes = 1024 * 1024;
inline constexpr int max_config_depth = 32;
std::string read_config_file(const std::string& path);
/// Parses TOML; a syntax error is reported with its place and thrown at once.
toml::table parse_toml(std::string_view text, diagnostics& d);
/// The folder relative paths in a config loaded from `path` are resolved against
/// (made absolute if `absolute`).
std::filesystem::path base_folder(const std::string& path, bool absolute);
/// The section `[key]` of `root`, or nullptr: missing (reported if `required`, with `example` as the
/// keys to write) or not a table (reported).
const toml::table* section(const toml::table& root, std::string_view key, bool required,
                           std::string_view example, diagnostics& d);
/// The tables of `[[key]]`; anything else under `key` is reported.
std::vector<const toml::table*> table_array(const toml::table& root, std::string_view key, diagnostics& d);

/// A DC-09 key from `key` (16, 24 or 32 characters) or `key_hex` (32, 48 or 64 hex digits): raw bytes,
/// empty if neither is given.
std::string read_dc09_key(table_reader& r);
/// True if `s` is `min`..`max` hex digits.
bool is_hex(std::string_view s, std::size_t min, std::size_t max);

}  // namespace warden::config::detail
