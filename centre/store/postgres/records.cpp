// The PostgreSQL backend's records_store: households with their residents, responders and professionals,
// teams and caseloads, and the sealing of the encrypted fields with the records key. Changes to records
// and teams take one lock (lock_class::records), so the checks for a clash (external_ref, a hub of another
// household, an unknown or used team) and the write after them are not raced by another instance.
#include <fmt/format.h>

#include "../records_rows.hpp"
#include "postgres_store.hpp"

namespace warden::centre::postgres_backend {

using namespace records_rows;

namespace {

#define WARDEN_SUMMARY_SELECT                                                                               \
    "SELECT h.id, h.external_ref, h.address, h.postcode, h.team, (SELECT string_agg(CASE WHEN "             \
    "preferred_name "                                                                                       \
    "!= '' THEN preferred_name ELSE name END, E'\\n' ORDER BY position) FROM residents WHERE household_id " \
    "= "                                                                                                    \
    "h.id), (SELECT string_agg(hub, E'\\n' ORDER BY position) FROM household_hubs WHERE household_id = "    \
    "h.id) "                                                                                                \
    "FROM households h "

household_summary read_summary(const pqxx::row& s) {
    household_summary r;
    r.id = int64(s, 0);
    r.external_ref = opt_text(s, 1);
    auto lines = split(text(s, 2));
    r.address = lines.empty() ? std::string() : lines.front();
    r.postcode = text(s, 3);
    r.team = opt_text(s, 4);
    r.names = split(text(s, 5));
    r.hubs = split(text(s, 6));
    return r;
}

}  // namespace

void postgres_store::unlock_records(const records_key& key) {
    write([&](tx& t) {
        lock(t, lock_class::records);
        auto check = t.text_of("SELECT encode(value, 'hex') FROM records_meta WHERE name = 'key_check'");
        if (check) {
            std::string opened;
            try {
                opened = key.open(from_hex(*check));
            } catch (const records_key_error&) {
            }
            if (opened != key_check_text)
                throw records_key_mismatch(
                    "the records key does not match this database: the records were encrypted with another "
                    "key "
                    "(restore the key file from its backup)");
        } else {
            t.run("INSERT INTO records_meta(name, value) VALUES ('key_check', decode($1, 'hex'))",
                  to_hex(key.seal(key_check_text)));
        }
        return std::pair(0, true);
    });
    records_key_ = std::make_shared<const records_key>(key);
}

bool postgres_store::records_unlocked() {
    return records_key_ != nullptr;
}

std::optional<std::string> postgres_store::seal(const std::string& plain) {
    if (plain.empty()) return std::nullopt;
    if (!records_key_) throw records_locked();
    return records_key_->seal(plain);
}

/// A sealed column read as encode(col, 'hex').
std::string postgres_store::unseal(const pqxx::row& r, int col) {
    if (r[col].is_null() || !records_key_) return {};
    return records_key_->open(from_hex(text(r, col)));
}

std::optional<field_error> postgres_store::household_conflict(tx& t, std::int64_t id, const household& h) {
    if (h.external_ref &&
        t.int64_of("SELECT id FROM households WHERE external_ref = $1 AND id != $2", *h.external_ref, id))
        return field_error{"external_ref", "another household has this external_ref"};
    for (std::size_t i = 0; i < h.hubs.size(); ++i)
        if (t.int64_of("SELECT household_id FROM household_hubs WHERE hub = $1 AND household_id != $2",
                       h.hubs[i], id))
            return field_error{fmt::format("hubs[{}]", i), "this hub belongs to another household"};
    if (h.team && !t.text_of("SELECT id FROM teams WHERE id = $1", *h.team))
        return field_error{"team", "no such team"};
    return std::nullopt;
}

void postgres_store::write_people(tx& t, std::int64_t id, const household& h) {
    for (const char* sql :
         {"DELETE FROM household_hubs WHERE household_id = $1",
          "DELETE FROM residents WHERE household_id = $1", "DELETE FROM responders WHERE household_id = $1",
          "DELETE FROM professionals WHERE household_id = $1"})
        t.run(sql, id);
    for (std::size_t i = 0; i < h.hubs.size(); ++i)
        t.run("INSERT INTO household_hubs(hub, household_id, position) VALUES ($1, $2, $3)", h.hubs[i], id,
              static_cast<std::int64_t>(i));
    for (std::size_t i = 0; i < h.residents.size(); ++i) {
        const auto& r = h.residents[i];
        t.run(
            "INSERT INTO residents(household_id, position, name, preferred_name, date_of_birth, phone, "
            "communication, medical_conditions, medication_notes, risk_notes, gp) VALUES ($1, $2, $3, $4, "
            "$5, $6, "
            "$7, decode($8, 'hex'), decode($9, 'hex'), $10, $11)",
            id, static_cast<std::int64_t>(i), r.name, r.preferred_name, r.date_of_birth, r.phone,
            r.communication, opt_hex(seal(r.medical_conditions)), opt_hex(seal(r.medication_notes)),
            r.risk_notes, r.gp);
    }
    for (const auto& r : h.responders)
        t.run(
            "INSERT INTO responders(household_id, call_order, name, relation, phones, holds_key, "
            "available_hours, "
            "can_attend) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
            id, r.call_order, r.name, r.relation, join(r.phones), r.holds_key ? 1 : 0, r.available_hours,
            r.can_attend ? 1 : 0);
    for (std::size_t i = 0; i < h.professionals.size(); ++i) {
        const auto& p = h.professionals[i];
        t.run(
            "INSERT INTO professionals(household_id, position, role, name, organisation, phone, email) "
            "VALUES ($1, "
            "$2, $3, $4, $5, $6, $7)",
            id, static_cast<std::int64_t>(i), p.role, p.name, p.organisation, p.phone, p.email);
    }
}

save_result postgres_store::create_household(const household& h, const std::string& by, time_point now) {
    return write([&](tx& t) {
        lock(t, lock_class::records);
        auto r = create_in(t, h, by, now);
        return std::pair(r, r.status == save_status::ok);
    });
}

save_result postgres_store::create_in(tx& t, const household& h, const std::string& by, time_point now) {
    if (auto c = household_conflict(t, 0, h)) return {save_status::conflict, 0, c};
    auto id = t.int64_of(
        "INSERT INTO households(external_ref, address, postcode, key_safe_code, key_safe_location, "
        "door_entry, "
        "instructions, team, search, created_ms, updated_ms) VALUES ($1, $2, $3, decode($4, 'hex'), "
        "decode($5, "
        "'hex'), decode($6, 'hex'), $7, $8, $9, $10, $11) RETURNING id",
        h.external_ref, join(h.address_lines), h.postcode, opt_hex(seal(h.key_safe_code)),
        opt_hex(seal(h.key_safe_location)), opt_hex(seal(h.door_entry)), h.instructions, h.team,
        search_text(h), now, now);
    write_people(t, *id, h);
    add_audit(t, by, "household_create", std::to_string(*id), h.team ? "team " + *h.team : "", now);
    return {save_status::ok, *id, std::nullopt};
}

save_result postgres_store::update_household(std::int64_t id, const household& h, const std::string& by,
                                             time_point now) {
    return write([&](tx& t) {
        lock(t, lock_class::records);
        auto r = update_in(t, id, h, by, now);
        return std::pair(r, r.status == save_status::ok);
    });
}

save_result postgres_store::update_in(tx& t, std::int64_t id, const household& h, const std::string& by,
                                      time_point now) {
    auto sealed = t.int64_of(
        "SELECT (key_safe_code IS NOT NULL OR key_safe_location IS NOT NULL OR door_entry IS NOT NULL OR "
        "EXISTS "
        "(SELECT 1 FROM residents r WHERE r.household_id = h.id AND (medical_conditions IS NOT NULL OR "
        "medication_notes IS NOT NULL)))::integer FROM households h WHERE id = $1 FOR UPDATE",
        id);
    if (!sealed) return {save_status::not_found, 0, std::nullopt};
    // Without the key the caller cannot have seen the encrypted fields: saving would erase them.
    if (*sealed && !records_key_) throw records_locked();
    if (auto c = household_conflict(t, id, h)) return {save_status::conflict, 0, c};
    t.run(
        "UPDATE households SET external_ref = $1, address = $2, postcode = $3, key_safe_code = decode($4, "
        "'hex'), "
        "key_safe_location = decode($5, 'hex'), door_entry = decode($6, 'hex'), instructions = $7, team = "
        "$8, "
        "search = $9, updated_ms = $10 WHERE id = $11",
        h.external_ref, join(h.address_lines), h.postcode, opt_hex(seal(h.key_safe_code)),
        opt_hex(seal(h.key_safe_location)), opt_hex(seal(h.door_entry)), h.instructions, h.team,
        search_text(h), now, id);
    write_people(t, id, h);
    add_audit(t, by, "household_update", std::to_string(id), h.team ? "team " + *h.team : "", now);
    return {save_status::ok, id, std::nullopt};
}

change_result postgres_store::delete_household(std::int64_t id, const std::string& by, time_point now) {
    return write([&](tx& t) {
        lock(t, lock_class::records);
        if (t.changes("DELETE FROM households WHERE id = $1", id) == 0)
            return std::pair(change_result::not_found, false);
        add_audit(t, by, "household_delete", std::to_string(id), "", now);
        return std::pair(change_result::ok, true);
    });
}

household postgres_store::read_household(tx& t, std::int64_t id) {
    household h;
    h.id = id;
    h.sealed = !records_key_;
    if (auto s = t.one(
            "SELECT external_ref, address, postcode, encode(key_safe_code, 'hex'), "
            "encode(key_safe_location, 'hex'), encode(door_entry, 'hex'), instructions, team, created_ms, "
            "updated_ms FROM households WHERE id = $1",
            id)) {
        h.external_ref = opt_text(*s, 0);
        h.address_lines = split(text(*s, 1));
        h.postcode = text(*s, 2);
        h.key_safe_code = unseal(*s, 3);
        h.key_safe_location = unseal(*s, 4);
        h.door_entry = unseal(*s, 5);
        h.instructions = text(*s, 6);
        h.team = opt_text(*s, 7);
        h.created = time(*s, 8);
        h.updated = time(*s, 9);
    }
    for (const auto& s :
         t.run("SELECT hub FROM household_hubs WHERE household_id = $1 ORDER BY position", id))
        h.hubs.push_back(text(s, 0));
    for (const auto& s :
         t.run("SELECT name, preferred_name, date_of_birth, phone, communication, "
               "encode(medical_conditions, 'hex'), encode(medication_notes, 'hex'), risk_notes, gp "
               "FROM residents WHERE household_id = $1 ORDER BY position",
               id))
        h.residents.push_back(resident{text(s, 0), text(s, 1), text(s, 2), text(s, 3), text(s, 4),
                                       unseal(s, 5), unseal(s, 6), text(s, 7), text(s, 8)});
    for (const auto& s :
         t.run("SELECT call_order, name, relation, phones, holds_key, available_hours, can_attend "
               "FROM responders WHERE household_id = $1 ORDER BY call_order, id",
               id))
        h.responders.push_back(responder{static_cast<int>(int64(s, 0)), text(s, 1), text(s, 2),
                                         split(text(s, 3)), int64(s, 4) != 0, text(s, 5), int64(s, 6) != 0});
    for (const auto& s :
         t.run("SELECT role, name, organisation, phone, email FROM professionals WHERE household_id "
               "= $1 ORDER BY position",
               id))
        h.professionals.push_back(professional{text(s, 0), text(s, 1), text(s, 2), text(s, 3), text(s, 4)});
    return h;
}

std::optional<household> postgres_store::get_household(std::int64_t id) {
    return read<snapshot>([&](tx& t) -> std::optional<household> {
        if (!t.int64_of("SELECT id FROM households WHERE id = $1", id)) return std::nullopt;
        return read_household(t, id);
    });
}

std::optional<household> postgres_store::find_household_by_ref(const std::string& external_ref) {
    return read<snapshot>([&](tx& t) -> std::optional<household> {
        auto id = t.int64_of("SELECT id FROM households WHERE external_ref = $1", external_ref);
        if (!id) return std::nullopt;
        return read_household(t, *id);
    });
}

std::vector<household_summary> postgres_store::list_households(const household_query& q) {
    std::optional<std::string> pattern;
    if (q.text && !search_form(*q.text).empty()) pattern = "%" + like_escaped(search_form(*q.text)) + "%";
    return read([&](tx& t) {
        std::vector<household_summary> out;
        for (const auto& row :
             t.run_planned(WARDEN_SUMMARY_SELECT
                           "WHERE ($1::text IS NULL OR h.team = $1) AND ($2::text IS NULL OR h.search LIKE "
                           "$2 ESCAPE '\\') ORDER BY h.postcode, h.id LIMIT $3",
                           q.team, pattern, q.limit))  // each filter left out of the plan when not asked
            out.push_back(read_summary(row));
        return out;
    });
}

std::optional<household_summary> postgres_store::household_of_hub(const std::string& hub) {
    return read([&](tx& t) -> std::optional<household_summary> {
        auto r = t.one(WARDEN_SUMMARY_SELECT
                       "WHERE h.id = (SELECT household_id FROM household_hubs WHERE hub = $1)",
                       hub);
        if (!r) return std::nullopt;
        return read_summary(*r);
    });
}

bool postgres_store::add_team(const team& tm, const std::string& by, time_point now) {
    return write([&](tx& t) {
        if (t.changes("INSERT INTO teams(id, name) VALUES ($1, $2) ON CONFLICT(id) DO NOTHING", tm.id,
                      tm.name) == 0)
            return std::pair(false, false);
        add_audit(t, by, "team_add", tm.id, "", now);
        return std::pair(true, true);
    });
}

change_result postgres_store::update_team(const team& tm, const std::string& by, time_point now) {
    return write([&](tx& t) {
        if (t.changes("UPDATE teams SET name = $1 WHERE id = $2", tm.name, tm.id) == 0)
            return std::pair(change_result::not_found, false);
        add_audit(t, by, "team_update", tm.id, "", now);
        return std::pair(change_result::ok, true);
    });
}

change_result postgres_store::delete_team(const std::string& id, const std::string& by, time_point now) {
    return write([&](tx& t) {
        lock(t, lock_class::records);
        if (!t.text_of("SELECT id FROM teams WHERE id = $1 FOR UPDATE", id))
            return std::pair(change_result::not_found, false);
        auto used = t.int64_of(
            "SELECT (SELECT COUNT(*) FROM households WHERE team = $1) + (SELECT COUNT(*) FROM "
            "team_members WHERE team = $1)",
            id);
        if (used.value_or(0) > 0) return std::pair(change_result::conflict, false);
        t.run("DELETE FROM teams WHERE id = $1", id);
        add_audit(t, by, "team_delete", id, "", now);
        return std::pair(change_result::ok, true);
    });
}

std::vector<team> postgres_store::list_teams() {
    return read([&](tx& t) {
        std::vector<team> out;
        for (const auto& row : t.run("SELECT id, name FROM teams ORDER BY id"))
            out.push_back({text(row, 0), text(row, 1)});
        return out;
    });
}

std::optional<team> postgres_store::get_team(const std::string& id) {
    return read([&](tx& t) -> std::optional<team> {
        auto r = t.one("SELECT id, name FROM teams WHERE id = $1", id);
        if (!r) return std::nullopt;
        return team{text(*r, 0), text(*r, 1)};
    });
}

change_result postgres_store::assign_household(std::int64_t id, const std::optional<std::string>& to,
                                               const std::string& by, time_point now) {
    return write([&](tx& t) {
        lock(t, lock_class::records);
        if (to && !t.text_of("SELECT id FROM teams WHERE id = $1", *to))
            return std::pair(change_result::not_found, false);
        if (t.changes("UPDATE households SET team = $1, updated_ms = $2 WHERE id = $3", to, now, id) == 0)
            return std::pair(change_result::not_found, false);
        add_audit(t, by, "caseload_assign", std::to_string(id), to ? "team " + *to : "no team", now);
        return std::pair(change_result::ok, true);
    });
}

change_result postgres_store::set_user_team(const std::string& name, const std::optional<std::string>& to,
                                            const std::string& by, time_point now) {
    return write([&](tx& t) {
        lock(t, lock_class::records);
        if (!t.text_of("SELECT name FROM users WHERE name = $1", name))
            return std::pair(change_result::not_found, false);
        if (to) {
            if (!t.text_of("SELECT id FROM teams WHERE id = $1", *to))
                return std::pair(change_result::not_found, false);
            t.run(
                "INSERT INTO team_members(user_name, team) VALUES ($1, $2) ON CONFLICT(user_name) DO UPDATE "
                "SET "
                "team = excluded.team",
                name, *to);
        } else {
            t.run("DELETE FROM team_members WHERE user_name = $1", name);
        }
        add_audit(t, by, "user_team", name, to ? "team " + *to : "no team", now);
        return std::pair(change_result::ok, true);
    });
}

std::optional<std::string> postgres_store::user_team(const std::string& name) {
    return read([&](tx& t) { return t.text_of("SELECT team FROM team_members WHERE user_name = $1", name); });
}

}  // namespace warden::centre::postgres_backend
