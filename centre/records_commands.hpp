#pragma once
// warden-centre's records commands (docs/residents.md): import and export of the CSV files, the
// subject-access export, erasure, and the records key's rotation. main.cpp adds them to its command
// line and runs the one given.

#include <cstdint>
#include <optional>
#include <string>

#include <CLI/CLI.hpp>

#include "warden/config/centre_config.hpp"

namespace warden::centre {

class records_commands {
public:
    /// Adds import, export, erase and key rotate to `app` (into its `key` command if it has one).
    explicit records_commands(CLI::App& app);
    /// Runs the records command given on the command line: its exit code (0 done, 1 failed, 2 refused:
    /// bad rows, bad arguments); nullopt if none of them was given.
    std::optional<int> run(const config::centre_config& cfg);

private:
    CLI::App* import_households_ = nullptr;
    CLI::App* import_responders_ = nullptr;
    CLI::App* import_professionals_ = nullptr;
    CLI::App* export_households_ = nullptr;
    CLI::App* export_responders_ = nullptr;
    CLI::App* export_professionals_ = nullptr;
    CLI::App* export_household_ = nullptr;
    CLI::App* erase_household_ = nullptr;
    CLI::App* key_rotate_ = nullptr;
    std::string file_;
    std::string household_;
    std::string new_key_;
    bool dry_run_ = false;
    bool yes_ = false;
};

}  // namespace warden::centre
