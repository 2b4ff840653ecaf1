#pragma once
// Shared by the config tests: a valid base home, and helpers that collect a config's errors.

#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include "warden/config/hub_config.hpp"

namespace config_test {

inline const std::string source_dir = WARDEN_SOURCE_DIR;

/// A small valid home; tests append sections to it. Lines are counted by base_lines().
inline const std::string base_home = R"([hub]
id = "hub-0001"
data_dir = "/var/lib/warden"
timezone = "Europe/London"

[local]
uri = "tcp://127.0.0.1:1883"

[centre]
uri = "tcp://127.0.0.1:1884"

[[sensor]]
id = "pendant"
kind = "pendant"
source = "zigbee2mqtt"
topic = "zigbee2mqtt/pendant"
location = "worn"

[[sensor]]
id = "hall-pir"
kind = "motion"
source = "zigbee2mqtt"
topic = "zigbee2mqtt/hall_pir"
location = "hallway"

[[sensor]]
id = "front-door"
kind = "door"
source = "zigbee2mqtt"
topic = "zigbee2mqtt/front_door"
location = "front door"

[[sensor]]
id = "bed"
kind = "bed"
source = "esphome"
topic = "bedroom/binary_sensor/bed_pad/state"
location = "bedroom"

[[sensor]]
id = "ok-button"
kind = "button"
source = "zigbee2mqtt"
topic = "zigbee2mqtt/ok_button"
location = "bedside"

[[sensor]]
id = "lounge-temp"
kind = "temperature"
source = "zigbee2mqtt"
topic = "zigbee2mqtt/lounge_temp"
location = "lounge"

[[sensor]]
id = "smoke"
kind = "smoke"
source = "zigbee2mqtt"
topic = "zigbee2mqtt/smoke"
location = "hallway"
)";

inline int base_lines() {
    return static_cast<int>(std::count(base_home.begin(), base_home.end(), '\n'));
}

/// Line `n` of the text appended to base_home.
inline int L(int n) {
    return base_lines() + n;
}

/// The errors parsing `text` reports (empty if it loads).
inline std::vector<std::string> errors_of(const std::string& text, const std::string& name = "hub.toml") {
    try {
        warden::config::parse_hub_config(text, name);
    } catch (const warden::config::config_error& e) {
        return e.messages();
    }
    return {};
}

inline std::string joined(const std::vector<std::string>& v) {
    std::string out;
    for (const auto& s : v) out += "\n  " + s;
    return out;
}

/// Exactly one error, at LINE:COLUMN of the text, containing every one of `parts`.
inline ::testing::AssertionResult one_error(const std::vector<std::string>& errors, int line, int column,
                                            std::initializer_list<std::string_view> parts,
                                            const std::string& file = "hub.toml") {
    if (errors.size() != 1)
        return ::testing::AssertionFailure()
               << "expected one error, got " << errors.size() << ":" << joined(errors);
    const auto prefix = file + ":" + std::to_string(line) + ":" + std::to_string(column) + ": ";
    if (errors[0].rfind(prefix, 0) != 0)
        return ::testing::AssertionFailure() << "expected it at " << prefix << " got: " << errors[0];
    for (auto p : parts)
        if (errors[0].find(p) == std::string::npos)
            return ::testing::AssertionFailure() << "expected \"" << p << "\" in: " << errors[0];
    if (errors[0].find('\n') != std::string::npos)
        return ::testing::AssertionFailure() << "one line per problem, got: " << errors[0];
    return ::testing::AssertionSuccess();
}

/// The base home plus `extra`; errors in `extra` are at base_lines() + their line in `extra`.
inline std::vector<std::string> errors_with(const std::string& extra) {
    return errors_of(base_home + extra);
}
inline warden::config::hub_config load_with(const std::string& extra) {
    return warden::config::parse_hub_config(base_home + extra, "hub.toml");
}

/// A fresh folder under the system temp dir, removed at the end of the test.
class temp_folder {
public:
    temp_folder() {
        std::random_device rd;
        path_ = std::filesystem::temp_directory_path() / ("warden-config-test-" + std::to_string(rd()));
        std::filesystem::create_directories(path_);
    }
    ~temp_folder() {
        std::error_code ec;
        std::filesystem::remove_all(path_, ec);
    }
    temp_folder(const temp_folder&) = delete;
    temp_folder& operator=(const temp_folder&) = delete;
    const std::filesystem::path& path() const { return path_; }
    std::string write(const std::string& name, const std::string& text) const {
        auto p = path_ / name;
        std::filesystem::create_directories(p.parent_path());
        std::ofstream(p, std::ios::binary) << text;
        return p.string();
    }

private:
    std::filesystem::path path_;
};

inline std::string read_file(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    std::ostringstream s;
    s << in.rdbuf();
    return s.str();
}

inline void replace_all(std::string& s, const std::string& from, const std::string& to) {
    for (auto p = s.find(from); p != std::string::npos; p = s.find(from, p + to.size()))
        s.replace(p, from.size(), to);
}

}  // namespace config_test
