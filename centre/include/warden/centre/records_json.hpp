#pragma once
/// The residents' records as JSON (docs/api.md, "Households"): what the API answers and accepts, and
/// what a subject-access export writes. Pure functions.

#include <vector>

#include <nlohmann/json.hpp>

#include "warden/centre/records.hpp"

namespace warden::centre {

/// {"id","external_ref","address_lines","postcode","key_safe_code_set","key_safe_location","door_entry",
/// "instructions","hubs","team","residents","responders","professionals","created","updated","sealed"};
/// with `with_key_safe_code` also "key_safe_code" (the reveal call and exports only).
nlohmann::json to_json(const household& h, bool with_key_safe_code);
nlohmann::json to_json(const resident& r);
nlohmann::json to_json(const responder& r);
nlohmann::json to_json(const professional& p);
/// {"id","external_ref","names","address","postcode","team","hubs"}.
nlohmann::json to_json(const household_summary& s);
/// {"id","name"}.
nlohmann::json to_json(const team& t);

/// A household from a request body: every key optional (absent: empty), wrong types added to `errors`
/// by field (so with validate() every problem is reported at once). Keys the API only answers with
/// (id, created, updated, sealed, key_safe_code_set, hub_health, alerts) are ignored; any other unknown
/// key is an error.
household household_from_json(const nlohmann::json& j, std::vector<field_error>& errors);

}  // namespace warden::centre
