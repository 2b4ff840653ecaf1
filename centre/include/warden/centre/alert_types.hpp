#pragma once
/// GET /api/alert-types: the alert catalogue (warden/common/alert_catalogue.hpp) as the console reads
/// it, so the console names types from the same table the hub and the DC-09 path use.

#include <nlohmann/json.hpp>

namespace warden::centre {

/// The answer to GET /api/alert-types: one object per catalogue row, in catalogue order:
/// {"type", "label", "priority", "technical", "sia_event", "sia_restore", "contact_id"}.
/// Built once; thread-safe.
const nlohmann::json& alert_types_json();

}  // namespace warden::centre
