// The PostgreSQL backend's records in bulk: the CSV import's all-or-nothing save, erasure, and the records
// key's rotation (records_store in warden/centre/records.hpp).
#include <fmt/format.h>

#include "postgres_store.hpp"

namespace warden::centre::postgres_backend {

namespace {

/// Every column holding values sealed with the records key, as in the SQLite backend's list: a new
/// encrypted column is added to both, or rotation leaves it behind.
struct sealed_column {
    const char* select;
    const char* update;
};
constexpr sealed_column sealed_columns[] = {
    {"SELECT id, encode(key_safe_code, 'hex') FROM households WHERE key_safe_code IS NOT NULL",
     "UPDATE households SET key_safe_code = decode($1, 'hex') WHERE id = $2"},
    {"SELECT id, encode(key_safe_location, 'hex') FROM households WHERE key_safe_location IS NOT NULL",
     "UPDATE households SET key_safe_location = decode($1, 'hex') WHERE id = $2"},
    {"SELECT id, encode(door_entry, 'hex') FROM households WHERE door_entry IS NOT NULL",
     "UPDATE households SET door_entry = decode($1, 'hex') WHERE id = $2"},
    {"SELECT id, encode(medical_conditions, 'hex') FROM residents WHERE medical_conditions IS NOT NULL",
     "UPDATE residents SET medical_conditions = decode($1, 'hex') WHERE id = $2"},
    {"SELECT id, encode(medication_notes, 'hex') FROM residents WHERE medication_notes IS NOT NULL",
     "UPDATE residents SET medication_notes = decode($1, 'hex') WHERE id = $2"},
};

}  // namespace

std::vector<save_result> postgres_store::save_households(const std::vector<household_save>& batch,
                                                         bool check_only, const std::string& by,
                                                         time_point now) {
    return write([&](tx& t) {
        lock(t, lock_class::records);
        std::vector<save_result> out;
        bool all_ok = true;
        for (const auto& s : batch) {
            out.push_back(s.id ? update_in(t, s.id, s.h, by, now) : create_in(t, s.h, by, now));
            all_ok = all_ok && out.back().status == save_status::ok;
        }
        return std::pair(std::move(out), all_ok && !check_only);  // otherwise everything is rolled back
    });
}

change_result postgres_store::erase_household(std::int64_t id, const std::string& by,
                                              const std::string& detail, time_point now) {
    auto r = write([&](tx& t) {
        lock(t, lock_class::records);
        if (t.changes("DELETE FROM households WHERE id = $1", id) == 0)  // its people and hub links cascade
            return std::pair(change_result::not_found, false);
        add_audit(t, by, "household_erase", std::to_string(id), detail, now);
        return std::pair(change_result::ok, true);
    });
    if (r != change_result::ok) return r;
    // The deleted rows stay in the tables' pages until rewritten: rewrite the tables that held them.
    // (The server's write-ahead log and its backups keep them until they are recycled.)
    auto c = borrow();
    try {
        pqxx::nontransaction w(c->raw());
        w.exec0("VACUUM FULL households, residents, responders, professionals, household_hubs");
    } catch (const pqxx::failure& e) {
        c.discard();
        throw store_error(fmt::format(
            "household erased, but its tables could not be rewritten ({}): the erased data stays in the "
            "database's free space until the next VACUUM FULL",
            e.what()));
    }
    return r;
}

std::int64_t postgres_store::rekey_records(const records_key& next, const std::string& by,
                                           const std::string& detail, time_point now) {
    if (!records_key_) throw records_locked();
    auto count = write([&](tx& t) {
        lock(t, lock_class::records);
        std::int64_t n = 0;
        for (const auto& c : sealed_columns) {
            for (const auto& row : t.run(c.select)) {
                auto resealed = next.seal(records_key_->open(from_hex(text(row, 1))));
                t.run(c.update, to_hex(resealed), int64(row, 0));
                ++n;
            }
        }
        t.run("UPDATE records_meta SET value = decode($1, 'hex') WHERE name = 'key_check'",
              to_hex(next.seal(key_check_text)));
        add_audit(t, by, "records_key_rotate", "", fmt::format("{} value(s); {}", n, detail), now);
        return std::pair(n, true);
    });
    records_key_ = std::make_shared<const records_key>(next);
    return count;
}

}  // namespace warden::centre::postgres_backend
