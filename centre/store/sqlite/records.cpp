// The SQLite backend's records_store: households with their residents, responders and professionals,
// teams and caseloads, and the sealing of the encrypted fields with the records key.
#include <fmt/format.h>

#include "../records_rows.hpp"
#include "sqlite_store.hpp"

namespace warden::centre::sqlite_backend {

using sqlite::statement;
using namespace records_rows;

namespace {

#define WARDEN_SUMMARY_SELECT                                                                             \
    "SELECT h.id, h.external_ref, h.address, h.postcode, h.team, "                                        \
    "(SELECT group_concat(n, char(10)) FROM (SELECT CASE WHEN preferred_name != '' THEN preferred_name "  \
    "ELSE name END AS n FROM residents WHERE household_id = h.id ORDER BY position)), "                   \
    "(SELECT group_concat(hub, char(10)) FROM (SELECT hub FROM household_hubs WHERE household_id = h.id " \
    "ORDER BY position)) FROM households h "

household_summary read_summary(const statement& s) {
    household_summary r;
    r.id = s.int64(0);
    r.external_ref = s.opt_text(1);
    auto lines = split(s.text(2));
    r.address = lines.empty() ? std::string() : lines.front();
    r.postcode = s.text(3);
    r.team = s.opt_text(4);
    r.names = split(s.text(5));
    r.hubs = split(s.text(6));
    return r;
}

}  // namespace

void sqlite_store::unlock_records(const records_key& key) {
    std::lock_guard lock(write_mu_);
    auto tx = writer_.begin();
    auto check =
        ok(writer_.prepare("SELECT value FROM records_meta WHERE name = 'key_check'").bind().one(text_of));
    if (check) {
        std::string opened;
        try {
            opened = key.open(*check);
        } catch (const records_key_error&) {
        }
        if (opened != key_check_text)
            throw records_key_mismatch(
                "the records key does not match this database: the records were encrypted with another key "
                "(restore the key file from its backup)");
    } else {
        auto sealed = key.seal(key_check_text);
        ok(writer_.prepare("INSERT INTO records_meta(name, value) VALUES ('key_check', ?)")
               .bind(sqlite::blob{sealed})
               .run());
    }
    ok(tx.commit());
    records_key_ = std::make_shared<const records_key>(key);
}

bool sqlite_store::records_unlocked() {
    return records_key_ != nullptr;
}

std::optional<std::string> sqlite_store::seal(const std::string& plain) {
    if (plain.empty()) return std::nullopt;
    if (!records_key_) throw records_locked();
    return records_key_->seal(plain);
}

std::string sqlite_store::unseal(const statement& s, int col) {
    if (s.is_null(col) || !records_key_) return {};
    return records_key_->open(s.text(col));
}

std::optional<field_error> sqlite_store::household_conflict(std::int64_t id, const household& h) {
    if (h.external_ref) {
        auto& s = writer_.prepare("SELECT id FROM households WHERE external_ref = ? AND id != ?");
        if (ok(s.bind(*h.external_ref, id).one(int64_of)))
            return field_error{"external_ref", "another household has this external_ref"};
    }
    for (std::size_t i = 0; i < h.hubs.size(); ++i) {
        auto& s =
            writer_.prepare("SELECT household_id FROM household_hubs WHERE hub = ? AND household_id != ?");
        if (ok(s.bind(h.hubs[i], id).one(int64_of)))
            return field_error{fmt::format("hubs[{}]", i), "this hub belongs to another household"};
    }
    if (h.team && !ok(writer_.prepare("SELECT id FROM teams WHERE id = ?").bind(*h.team).one(text_of)))
        return field_error{"team", "no such team"};
    return std::nullopt;
}

void sqlite_store::write_people(std::int64_t id, const household& h) {
    for (const char* sql :
         {"DELETE FROM household_hubs WHERE household_id = ?", "DELETE FROM residents WHERE household_id = ?",
          "DELETE FROM responders WHERE household_id = ?",
          "DELETE FROM professionals WHERE household_id = ?"})
        ok(writer_.prepare(sql).bind(id).run());
    for (std::size_t i = 0; i < h.hubs.size(); ++i) {
        auto& s = writer_.prepare("INSERT INTO household_hubs(hub, household_id, position) VALUES (?, ?, ?)");
        ok(s.bind(h.hubs[i], id, static_cast<std::int64_t>(i)).run());
    }
    for (std::size_t i = 0; i < h.residents.size(); ++i) {
        const auto& r = h.residents[i];
        auto med = seal(r.medical_conditions);
        auto meds = seal(r.medication_notes);
        auto& s = writer_.prepare(
            "INSERT INTO residents(household_id, position, name, preferred_name, date_of_birth, phone, "
            "communication, medical_conditions, medication_notes, risk_notes, gp) VALUES (?, ?, ?, ?, ?, ?, "
            "?, "
            "?, ?, ?, ?)");
        ok(s.bind(id, static_cast<std::int64_t>(i), r.name, r.preferred_name, r.date_of_birth, r.phone,
                  r.communication, med ? std::optional(sqlite::blob{*med}) : std::nullopt,
                  meds ? std::optional(sqlite::blob{*meds}) : std::nullopt, r.risk_notes, r.gp)
               .run());
    }
    for (const auto& r : h.responders) {
        auto& s = writer_.prepare(
            "INSERT INTO responders(household_id, call_order, name, relation, phones, holds_key, "
            "available_hours, can_attend) VALUES (?, ?, ?, ?, ?, ?, ?, ?)");
        ok(s.bind(id, r.call_order, r.name, r.relation, join(r.phones), r.holds_key ? 1 : 0,
                  r.available_hours, r.can_attend ? 1 : 0)
               .run());
    }
    for (std::size_t i = 0; i < h.professionals.size(); ++i) {
        const auto& p = h.professionals[i];
        auto& s = writer_.prepare(
            "INSERT INTO professionals(household_id, position, role, name, organisation, phone, email) "
            "VALUES "
            "(?, ?, ?, ?, ?, ?, ?)");
        ok(s.bind(id, static_cast<std::int64_t>(i), p.role, p.name, p.organisation, p.phone, p.email).run());
    }
}

namespace {
std::optional<sqlite::blob> as_blob(const std::optional<std::string>& v) {
    return v ? std::optional(sqlite::blob{*v}) : std::nullopt;
}
}  // namespace

save_result sqlite_store::create_household(const household& h, const std::string& by, time_point now) {
    std::lock_guard lock(write_mu_);
    auto tx = writer_.begin();
    auto r = create_unlocked(h, by, now);
    if (r.status == save_status::ok) ok(tx.commit());
    return r;
}

save_result sqlite_store::create_unlocked(const household& h, const std::string& by, time_point now) {
    if (auto c = household_conflict(0, h)) return {save_status::conflict, 0, c};
    auto code = seal(h.key_safe_code);
    auto where = seal(h.key_safe_location);
    auto door = seal(h.door_entry);
    auto& s = writer_.prepare(
        "INSERT INTO households(external_ref, address, postcode, key_safe_code, key_safe_location, "
        "door_entry, "
        "instructions, team, search, created_ms, updated_ms) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) "
        "RETURNING "
        "id");
    auto id = ok(s.bind(h.external_ref, join(h.address_lines), h.postcode, as_blob(code), as_blob(where),
                        as_blob(door), h.instructions, h.team, search_text(h), now, now)
                     .one(int64_of));
    write_people(*id, h);
    add_audit(by, "household_create", std::to_string(*id), h.team ? "team " + *h.team : "", now);
    return {save_status::ok, *id, std::nullopt};
}

save_result sqlite_store::update_household(std::int64_t id, const household& h, const std::string& by,
                                           time_point now) {
    std::lock_guard lock(write_mu_);
    auto tx = writer_.begin();
    auto r = update_unlocked(id, h, by, now);
    if (r.status == save_status::ok) ok(tx.commit());
    return r;
}

save_result sqlite_store::update_unlocked(std::int64_t id, const household& h, const std::string& by,
                                          time_point now) {
    auto sealed =
        ok(writer_
               .prepare("SELECT (key_safe_code IS NOT NULL OR key_safe_location IS NOT NULL OR door_entry IS "
                        "NOT NULL OR EXISTS (SELECT 1 FROM residents r WHERE r.household_id = h.id AND "
                        "(medical_conditions IS NOT NULL OR medication_notes IS NOT NULL))) FROM households "
                        "h WHERE id = ?")
               .bind(id)
               .one(int64_of));
    if (!sealed) return {save_status::not_found, 0, std::nullopt};
    // Without the key the caller cannot have seen the encrypted fields: saving would erase them.
    if (*sealed && !records_key_) throw records_locked();
    if (auto c = household_conflict(id, h)) return {save_status::conflict, 0, c};
    auto code = seal(h.key_safe_code);
    auto where = seal(h.key_safe_location);
    auto door = seal(h.door_entry);
    auto& s = writer_.prepare(
        "UPDATE households SET external_ref = ?, address = ?, postcode = ?, key_safe_code = ?, "
        "key_safe_location "
        "= ?, door_entry = ?, instructions = ?, team = ?, search = ?, updated_ms = ? WHERE id = ?");
    ok(s.bind(h.external_ref, join(h.address_lines), h.postcode, as_blob(code), as_blob(where), as_blob(door),
              h.instructions, h.team, search_text(h), now, id)
           .run());
    write_people(id, h);
    add_audit(by, "household_update", std::to_string(id), h.team ? "team " + *h.team : "", now);
    return {save_status::ok, id, std::nullopt};
}

change_result sqlite_store::delete_household(std::int64_t id, const std::string& by, time_point now) {
    std::lock_guard lock(write_mu_);
    auto tx = writer_.begin();
    auto& s = writer_.prepare("DELETE FROM households WHERE id = ?");
    ok(s.bind(id).run());
    if (s.changes() == 0) return change_result::not_found;
    add_audit(by, "household_delete", std::to_string(id), "", now);
    ok(tx.commit());
    return change_result::ok;
}

household sqlite_store::read_household(connection& c, std::int64_t id) {
    household h;
    h.id = id;
    h.sealed = !records_key_;
    ok(c.prepare("SELECT external_ref, address, postcode, key_safe_code, key_safe_location, door_entry, "
                 "instructions, team, created_ms, updated_ms FROM households WHERE id = ?")
           .bind(id)
           .first([&](const statement& s) {
               h.external_ref = s.opt_text(0);
               h.address_lines = split(s.text(1));
               h.postcode = s.text(2);
               h.key_safe_code = unseal(s, 3);
               h.key_safe_location = unseal(s, 4);
               h.door_entry = unseal(s, 5);
               h.instructions = s.text(6);
               h.team = s.opt_text(7);
               h.created = s.time(8);
               h.updated = s.time(9);
           }));
    h.hubs = ok(c.prepare("SELECT hub FROM household_hubs WHERE household_id = ? ORDER BY position")
                    .bind(id)
                    .all(text_of));
    h.residents = ok(c.prepare("SELECT name, preferred_name, date_of_birth, phone, communication, "
                               "medical_conditions, medication_notes, risk_notes, gp FROM residents WHERE "
                               "household_id = ? ORDER BY position")
                         .bind(id)
                         .all([&](const statement& s) {
                             return resident{s.text(0),    s.text(1),    s.text(2), s.text(3), s.text(4),
                                             unseal(s, 5), unseal(s, 6), s.text(7), s.text(8)};
                         }));
    h.responders = ok(c.prepare("SELECT call_order, name, relation, phones, holds_key, available_hours, "
                                "can_attend FROM responders WHERE household_id = ? ORDER BY call_order")
                          .bind(id)
                          .all([](const statement& s) {
                              return responder{static_cast<int>(s.int64(0)),
                                               s.text(1),
                                               s.text(2),
                                               split(s.text(3)),
                                               s.int64(4) != 0,
                                               s.text(5),
                                               s.int64(6) != 0};
                          }));
    h.professionals = ok(c.prepare("SELECT role, name, organisation, phone, email FROM professionals WHERE "
                                   "household_id = ? ORDER BY position")
                             .bind(id)
                             .all([](const statement& s) {
                                 return professional{s.text(0), s.text(1), s.text(2), s.text(3), s.text(4)};
                             }));
    return h;
}

std::optional<household> sqlite_store::get_household(std::int64_t id) {
    auto r = reader();
    if (!ok(r->prepare("SELECT id FROM households WHERE id = ?").bind(id).one(int64_of))) return std::nullopt;
    return read_household(*r.operator->(), id);
}

std::optional<household> sqlite_store::find_household_by_ref(const std::string& external_ref) {
    auto r = reader();
    auto id =
        ok(r->prepare("SELECT id FROM households WHERE external_ref = ?").bind(external_ref).one(int64_of));
    if (!id) return std::nullopt;
    return read_household(*r.operator->(), *id);
}

std::vector<household_summary> sqlite_store::list_households(const household_query& q) {
    auto r = reader();
    std::optional<std::string> pattern;
    if (q.text && !search_form(*q.text).empty()) pattern = "%" + like_escaped(search_form(*q.text)) + "%";
    auto& s = r->prepare(WARDEN_SUMMARY_SELECT
                         "WHERE (?1 IS NULL OR h.team = ?1) AND (?2 IS NULL OR h.search LIKE ?2 ESCAPE '\\') "
                         "ORDER BY h.postcode, h.id LIMIT ?3");
    return ok(s.bind(q.team, pattern, q.limit).all(read_summary));
}

std::optional<household_summary> sqlite_store::household_of_hub(const std::string& hub) {
    auto r = reader();
    auto& s = r->prepare(WARDEN_SUMMARY_SELECT
                         "WHERE h.id = (SELECT household_id FROM household_hubs WHERE hub = ?)");
    return ok(s.bind(hub).one(read_summary));
}

bool sqlite_store::add_team(const team& t, const std::string& by, time_point now) {
    std::lock_guard lock(write_mu_);
    auto tx = writer_.begin();
    auto& s = writer_.prepare("INSERT INTO teams(id, name) VALUES (?, ?) ON CONFLICT(id) DO NOTHING");
    ok(s.bind(t.id, t.name).run());
    if (s.changes() == 0) return false;
    add_audit(by, "team_add", t.id, "", now);
    ok(tx.commit());
    return true;
}

change_result sqlite_store::update_team(const team& t, const std::string& by, time_point now) {
    std::lock_guard lock(write_mu_);
    auto tx = writer_.begin();
    auto& s = writer_.prepare("UPDATE teams SET name = ? WHERE id = ?");
    ok(s.bind(t.name, t.id).run());
    if (s.changes() == 0) return change_result::not_found;
    add_audit(by, "team_update", t.id, "", now);
    ok(tx.commit());
    return change_result::ok;
}

change_result sqlite_store::delete_team(const std::string& id, const std::string& by, time_point now) {
    std::lock_guard lock(write_mu_);
    auto tx = writer_.begin();
    if (!ok(writer_.prepare("SELECT id FROM teams WHERE id = ?").bind(id).one(text_of)))
        return change_result::not_found;
    auto used =
        ok(writer_
               .prepare("SELECT (SELECT COUNT(*) FROM households WHERE team = ?1) + (SELECT COUNT(*) FROM "
                        "team_members WHERE team = ?1)")
               .bind(id)
               .one(int64_of));
    if (used.value_or(0) > 0) return change_result::conflict;
    ok(writer_.prepare("DELETE FROM teams WHERE id = ?").bind(id).run());
    add_audit(by, "team_delete", id, "", now);
    ok(tx.commit());
    return change_result::ok;
}

std::vector<team> sqlite_store::list_teams() {
    auto r = reader();
    return ok(r->prepare("SELECT id, name FROM teams ORDER BY id").bind().all([](const statement& s) {
        return team{s.text(0), s.text(1)};
    }));
}

std::optional<team> sqlite_store::get_team(const std::string& id) {
    auto r = reader();
    return ok(r->prepare("SELECT id, name FROM teams WHERE id = ?").bind(id).one([](const statement& s) {
        return team{s.text(0), s.text(1)};
    }));
}

change_result sqlite_store::assign_household(std::int64_t id, const std::optional<std::string>& to,
                                             const std::string& by, time_point now) {
    std::lock_guard lock(write_mu_);
    auto tx = writer_.begin();
    if (to && !ok(writer_.prepare("SELECT id FROM teams WHERE id = ?").bind(*to).one(text_of)))
        return change_result::not_found;
    auto& s = writer_.prepare("UPDATE households SET team = ?, updated_ms = ? WHERE id = ?");
    ok(s.bind(to, now, id).run());
    if (s.changes() == 0) return change_result::not_found;
    add_audit(by, "caseload_assign", std::to_string(id), to ? "team " + *to : "no team", now);
    ok(tx.commit());
    return change_result::ok;
}

change_result sqlite_store::set_user_team(const std::string& name, const std::optional<std::string>& to,
                                          const std::string& by, time_point now) {
    std::lock_guard lock(write_mu_);
    auto tx = writer_.begin();
    if (!ok(writer_.prepare("SELECT name FROM users WHERE name = ?").bind(name).one(text_of)))
        return change_result::not_found;
    if (to) {
        if (!ok(writer_.prepare("SELECT id FROM teams WHERE id = ?").bind(*to).one(text_of)))
            return change_result::not_found;
        auto& s = writer_.prepare(
            "INSERT INTO team_members(user_name, team) VALUES (?, ?) ON CONFLICT(user_name) DO UPDATE SET "
            "team = "
            "excluded.team");
        ok(s.bind(name, *to).run());
    } else {
        ok(writer_.prepare("DELETE FROM team_members WHERE user_name = ?").bind(name).run());
    }
    add_audit(by, "user_team", name, to ? "team " + *to : "no team", now);
    ok(tx.commit());
    return change_result::ok;
}

std::optional<std::string> sqlite_store::user_team(const std::string& name) {
    auto r = reader();
    return ok(r->prepare("SELECT team FROM team_members WHERE user_name = ?").bind(name).one(text_of));
}

}  // namespace warden::centre::sqlite_backend
