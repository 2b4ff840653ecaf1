#pragma once
/// The people behind the alerts: households (one or more residents, linked to one or more hubs), their
/// care circle (responders in call order, professionals), the teams whose caseloads they are on, and the
/// storage seam for them (records_store, which the centre's `store` also derives from).
///
/// Every record type has ONE validation function, `validate`, returning every problem as {field,
/// message}: the HTTP API answers 400 naming the field, CSV import prints `FILE:LINE: column: message`.
/// Field names are the JSON keys of docs/api.md; nested records are prefixed ("residents[0].name").
///
/// Personal data at rest: the key safe code and location, the door entry details, and each resident's
/// medical conditions and medication notes are stored encrypted (libsodium crypto_secretbox, a fresh
/// nonce per value) with the records key (records_key.hpp). A store without the key keeps working for
/// everything else, but refuses to write those fields (records_locked) and returns them empty with
/// `household::sealed` set.

#include <cstdint>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "warden/common/time.hpp"

namespace warden::centre {

class records_key;
enum class change_result;

/// One problem with one field of a record.
struct field_error {
    std::string field;    ///< the JSON key, e.g. "postcode" or "residents[1].date_of_birth"
    std::string message;  ///< what is wrong and what is expected, e.g. "must be YYYY-MM-DD"
    bool operator==(const field_error&) const = default;
};

/// A person living in the household.
struct resident {
    std::string name;            ///< full name, required
    std::string preferred_name;  ///< what they like to be called
    std::string date_of_birth;   ///< YYYY-MM-DD or ""
    std::string phone;
    std::string communication;       ///< language and communication needs ("hard of hearing, speaks Welsh")
    std::string medical_conditions;  ///< encrypted at rest
    std::string medication_notes;    ///< encrypted at rest
    std::string risk_notes;          ///< "lives with a dog, oxygen in use, steep stairs"
    std::string gp;                  ///< GP name and practice
    bool operator==(const resident&) const = default;
};

/// Someone the operator calls, in call order: family, neighbours, a key holder.
struct responder {
    int call_order = 1;  ///< 1 = first; unique within the household
    std::string name;    ///< required
    std::string relation;
    std::vector<std::string> phones;  ///< 1 to 3, first is main
    bool holds_key = false;
    std::string available_hours;  ///< free text, e.g. "weekdays 18:00-08:00"
    bool can_attend = true;       ///< false: phone only
    bool operator==(const responder&) const = default;
};

/// The roles a professional may have (`professional::role`).
inline constexpr std::string_view professional_roles[] = {
    "social_worker", "care_agency", "district_nurse", "occupational_therapist", "housing_officer", "other"};

/// A professional in the care circle.
struct professional {
    std::string role;  ///< one of professional_roles
    std::string name;  ///< name or organisation (or both) required
    std::string organisation;
    std::string phone;
    std::string email;
    bool operator==(const professional&) const = default;
};

/// A household: where the residents live, how to get in, who to call, which hubs are theirs.
struct household {
    std::int64_t id = 0;                      ///< assigned by the store; 0 before it is created
    std::optional<std::string> external_ref;  ///< the council's id for it; unique when set
    std::vector<std::string> address_lines;   ///< 1 to 4 lines, the first required
    std::string postcode;                     ///< required, a UK postcode ("CF10 1AA")
    std::string key_safe_code;                ///< encrypted at rest; only the reveal call shows it
    std::string key_safe_location;            ///< encrypted at rest
    std::string door_entry;                   ///< encrypted at rest (door entry system, codes)
    std::string instructions;                 ///< free text for the operator
    std::vector<std::string> hubs;            ///< hub ids; a hub belongs to one household at most
    std::optional<std::string> team;          ///< the team whose caseload it is on
    std::vector<resident> residents;          ///< 1 to 6
    std::vector<responder> responders;        ///< up to 10, by call_order
    std::vector<professional> professionals;  ///< up to 10
    time_point created{};                     ///< set by the store
    time_point updated{};                     ///< set by the store
    /// Set by the store on reads without the records key: the encrypted fields are returned empty
    /// although the record may have them.
    bool sealed = false;
    bool operator==(const household&) const = default;
};

/// What lists, searches and alerts show of a household (nothing medical, no access details).
struct household_summary {
    std::int64_t id = 0;
    std::optional<std::string> external_ref;
    std::vector<std::string> names;  ///< each resident's preferred name if set, else their name
    std::string address;             ///< the first address line
    std::string postcode;
    std::optional<std::string> team;
    std::vector<std::string> hubs;
    bool operator==(const household_summary&) const = default;
};

/// A team of care professionals; households and `care` users are assigned to one.
struct team {
    std::string id;    ///< [A-Za-z0-9._-]{1,64}, e.g. "north-east"
    std::string name;  ///< display name, required
    bool operator==(const team&) const = default;
};

/// Every problem with the record (empty: valid). A household's list includes its residents',
/// responders' and professionals' problems, prefixed ("responders[0].phones[1]"), and duplicate call
/// orders and hub ids.
std::vector<field_error> validate(const household& h);
std::vector<field_error> validate(const resident& r);
std::vector<field_error> validate(const responder& r);
std::vector<field_error> validate(const professional& p);
std::vector<field_error> validate(const team& t);

/// The summary of a full record.
household_summary summary_of(const household& h);

/// A write that needs the records key (an encrypted field is not empty) on a store that has none.
class records_locked : public std::runtime_error {
public:
    records_locked()
        : std::runtime_error(
              "no records key is configured ([records] key_file in centre.toml): key safe, door entry and "
              "medical fields cannot be stored or shown") {}
};

/// The records key given to a store does not open the database's key check: it is not the key the
/// records were written with.
class records_key_mismatch : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

/// What a household save did.
enum class save_status { ok, not_found, conflict };
struct save_result {
    save_status status = save_status::ok;
    std::int64_t id = 0;  ///< the household's id when ok
    /// For conflict: the field that clashes with another household ("external_ref" or "hubs[i]").
    std::optional<field_error> conflict;
};

/// One household of a batch save (records_store::save_households): id 0 creates it, another id
/// replaces that household.
struct household_save {
    std::int64_t id = 0;
    household h;
};

/// Filters for listing households. Every filter given must match.
struct household_query {
    /// Case-insensitive substring of a resident's name or preferred name, an address line, the postcode
    /// (spaces ignored), a hub id, the external ref or a phone number (spaces ignored).
    std::optional<std::string> text;
    std::optional<std::string> team;  ///< only this team's caseload
    int limit = 200;
};

/// Households, their care circle, teams and caseloads. Thread rules and errors as store.hpp's. The
/// changes audit themselves in their own transaction (user `by`, actions household_create,
/// household_update, household_delete, team_add, team_update, team_delete, caseload_assign, user_team),
/// with ids as targets and no personal data in the detail.
class records_store {
public:
    virtual ~records_store() = default;

    // --- the records key ---
    /// Gives the store the key for the encrypted fields. The first key given to a database stores a
    /// check value made with it; a later one that does not open the check throws
    /// records_key_mismatch. Call once, at start, before any other records call.
    virtual void unlock_records(const records_key& key) = 0;
    /// True once unlock_records succeeded.
    virtual bool records_unlocked() = 0;

    // --- households (throw records_locked for an encrypted field without the key) ---
    /// Stores a new household (h.id is ignored) with its residents, responders and professionals.
    /// conflict: its external_ref or one of its hubs belongs to another household. The caller validates.
    virtual save_result create_household(const household& h, const std::string& by, time_point now) = 0;
    /// Replaces household `id` (everything but id and created) with `h`.
    virtual save_result update_household(std::int64_t id, const household& h, const std::string& by,
                                         time_point now) = 0;
    /// Deletes the household and its people; its hubs and their alerts stay.
    virtual change_result delete_household(std::int64_t id, const std::string& by, time_point now) = 0;
    /// The full record, the encrypted fields decrypted (or empty and `sealed` without the key).
    virtual std::optional<household> get_household(std::int64_t id) = 0;
    virtual std::optional<household> find_household_by_ref(const std::string& external_ref) = 0;
    /// Matching households, by postcode then id.
    virtual std::vector<household_summary> list_households(const household_query& q) = 0;
    /// The household hub `hub` belongs to, if any.
    virtual std::optional<household_summary> household_of_hub(const std::string& hub) = 0;

    // --- teams and caseloads ---
    /// False if the id is taken.
    virtual bool add_team(const team& t, const std::string& by, time_point now) = 0;
    /// Renames a team. not_found: no such team.
    virtual change_result update_team(const team& t, const std::string& by, time_point now) = 0;
    /// not_found; conflict: households or users are still assigned to it.
    virtual change_result delete_team(const std::string& id, const std::string& by, time_point now) = 0;
    virtual std::vector<team> list_teams() = 0;
    virtual std::optional<team> get_team(const std::string& id) = 0;
    /// Puts household `id` on `team`'s caseload (nullopt: on none). not_found: no such household or team.
    virtual change_result assign_household(std::int64_t id, const std::optional<std::string>& team,
                                           const std::string& by, time_point now) = 0;
    /// Makes user `name` a member of `team` (nullopt: of none). not_found: no such user or team.
    virtual change_result set_user_team(const std::string& name, const std::optional<std::string>& team,
                                        const std::string& by, time_point now) = 0;
    /// The team user `name` belongs to.
    virtual std::optional<std::string> user_team(const std::string& name) = 0;

    // --- in bulk: CSV import, erasure, key rotation (warden-centre's records commands) ---
    /// Saves every household of `batch` (id 0: created, else: replaces that household; each audited as
    /// create/update are) in ONE transaction, all or none. Returns each one's result in order; if any
    /// is not ok, nothing is stored. With `check_only` nothing is stored either way: a dry run that
    /// still finds the clashes with stored households.
    virtual std::vector<save_result> save_households(const std::vector<household_save>& batch,
                                                     bool check_only, const std::string& by,
                                                     time_point now) = 0;
    /// Deletes household `id` with its people and hub links as delete_household does, and overwrites the
    /// deleted data in the database file, so a copy of the file taken afterwards no longer holds it.
    /// Audited `household_erase` with `detail`. not_found: no such household.
    virtual change_result erase_household(std::int64_t id, const std::string& by, const std::string& detail,
                                          time_point now) = 0;
    /// Re-encrypts every encrypted value, and the key check, with `next` in one transaction, and uses
    /// `next` from then on; audited `records_key_rotate`. Returns how many values it re-encrypted.
    /// Throws records_locked if the store has no key.
    virtual std::int64_t rekey_records(const records_key& next, const std::string& by,
                                       const std::string& detail, time_point now) = 0;
};

}  // namespace warden::centre
