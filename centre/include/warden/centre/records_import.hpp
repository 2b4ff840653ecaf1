#pragma once
/// CSV import and export of the records through the store (docs/residents.md, "Import and export").
/// An import checks every row first (the file's format, the model's validate(), the household a
/// responder names) and then saves every household it changes in ONE store transaction: either the
/// whole file is in, or nothing is. A household is found again by its external_ref, so importing the
/// same file twice updates rather than duplicates.

#include <string>
#include <string_view>
#include <vector>

#include "warden/centre/records_csv.hpp"
#include "warden/centre/store.hpp"

namespace warden::centre {

/// What an import did (or, dry, would do).
struct import_report {
    std::vector<csv_problem> problems;  ///< not empty: nothing was written
    std::vector<std::string> created;   ///< external_refs of new households
    std::vector<std::string> updated;   ///< external_refs of changed households
};

/// Imports a file of kind `f`. `dry_run`: everything is checked, clashes with stored households
/// included, and nothing is written. Changes are audited by the store as user `by`. Throws
/// records_locked when the file has encrypted fields and the store has no key, store_error when the
/// database fails.
import_report import_records(store& db, records_file f, std::string_view text, bool dry_run,
                             const std::string& by, time_point now);

/// Every household as a file of kind `f` (write_records_csv's order). Throws records_locked when
/// `f` is households and the store has no key (the file would lack the encrypted fields).
std::string export_records(store& db, records_file f);

}  // namespace warden::centre
