// The SQLite backend's records in bulk: the CSV import's all-or-nothing save, erasure, and the records
// key's rotation (records_store in warden/centre/records.hpp).
#include <chrono>
#include <thread>

#include <fmt/format.h>

#include "sqlite_store.hpp"

namespace warden::centre::sqlite_backend {

using sqlite::statement;

namespace {

/// Every column holding values sealed with the records key (migration 3), as the id column, the
/// value column and the table. A new encrypted column is added here, or rotation leaves it behind
/// (tests/integration/centre_records_cli_test.cpp reads every one back with the new key).
struct sealed_column {
    const char* select;
    const char* update;
};
constexpr sealed_column sealed_columns[] = {
    {"SELECT id, key_safe_code FROM households WHERE key_safe_code IS NOT NULL",
     "UPDATE households SET key_safe_code = ? WHERE id = ?"},
    {"SELECT id, key_safe_location FROM households WHERE key_safe_location IS NOT NULL",
     "UPDATE households SET key_safe_location = ? WHERE id = ?"},
    {"SELECT id, door_entry FROM households WHERE door_entry IS NOT NULL",
     "UPDATE households SET door_entry = ? WHERE id = ?"},
    {"SELECT id, medical_conditions FROM residents WHERE medical_conditions IS NOT NULL",
     "UPDATE residents SET medical_conditions = ? WHERE id = ?"},
    {"SELECT id, medication_notes FROM residents WHERE medication_notes IS NOT NULL",
     "UPDATE residents SET medication_notes = ? WHERE id = ?"},
};

}  // namespace

std::vector<save_result> sqlite_store::save_households(const std::vector<household_save>& batch,
                                                       bool check_only, const std::string& by,
                                                       time_point now) {
    std::lock_guard lock(write_mu_);
    auto tx = writer_.begin();
    std::vector<save_result> out;
    bool all_ok = true;
    for (const auto& s : batch) {
        out.push_back(s.id ? update_unlocked(s.id, s.h, by, now) : create_unlocked(s.h, by, now));
        all_ok = all_ok && out.back().status == save_status::ok;
    }
    if (all_ok && !check_only) ok(tx.commit());
    return out;  // otherwise tx rolls everything back
}

change_result sqlite_store::erase_household(std::int64_t id, const std::string& by, const std::string& detail,
                                            time_point now) {
    std::lock_guard lock(write_mu_);
    // Overwrite what is deleted instead of leaving it in free space (this connection from now on).
    ok(writer_.db().exec("PRAGMA secure_delete=ON"));
    {
        auto tx = writer_.begin();
        auto& s = writer_.prepare("DELETE FROM households WHERE id = ?");  // its people and hub links cascade
        ok(s.bind(id).run());
        if (s.changes() == 0) return change_result::not_found;
        add_audit(by, "household_erase", std::to_string(id), detail, now);
        ok(tx.commit());
    }
    // The log still holds the pages as they were before: copy it into the file and empty it. A reader
    // of another process in the middle of a transaction holds it back; wait for it a little.
    for (int attempt = 0; attempt < 50; ++attempt) {
        auto busy = ok(writer_.prepare("PRAGMA wal_checkpoint(TRUNCATE)").bind().one(int64_of));
        if (busy && *busy == 0) return change_result::ok;
        std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    throw store_error(
        "household erased, but the database's write-ahead log could not be emptied while other connections "
        "read: the erased data stays in centre.db-wal until the centre's next checkpoint");
}

std::int64_t sqlite_store::rekey_records(const records_key& next, const std::string& by,
                                         const std::string& detail, time_point now) {
    std::lock_guard lock(write_mu_);
    if (!records_key_) throw records_locked();
    auto tx = writer_.begin();
    std::int64_t count = 0;
    for (const auto& c : sealed_columns) {
        auto rows = ok(writer_.prepare(c.select).bind().all(
            [](const statement& s) { return std::pair(s.int64(0), s.text(1)); }));
        for (const auto& [row, sealed] : rows) {
            auto resealed = next.seal(records_key_->open(sealed));
            ok(writer_.prepare(c.update).bind(sqlite::blob{resealed}, row).run());
            ++count;
        }
    }
    ok(writer_.prepare("UPDATE records_meta SET value = ? WHERE name = 'key_check'")
           .bind(sqlite::blob{next.seal(key_check_text)})
           .run());
    add_audit(by, "records_key_rotate", "", fmt::format("{} value(s); {}", count, detail), now);
    ok(tx.commit());
    records_key_ = std::make_shared<const records_key>(next);
    return count;
}

}  // namespace warden::centre::sqlite_backend
