#pragma once
/// The subject-access export (docs/residents.md, "Export and erasure"): everything the centre holds
/// about one household, as JSON, for `warden-centre export household ID`.

#include <cstdint>

#include <nlohmann/json.hpp>

#include "warden/centre/store.hpp"

namespace warden::centre {

/// {"household": the full record (as the API's GET /api/households/{id}, the encrypted fields
/// decrypted), "hubs": [each linked hub], "alerts": [each alert of those hubs, newest first, with its
/// "history"], "activity": [each hourly activity summary stored with the household, as the hub
/// sent it, oldest first], "audit": [every audit row about the household, oldest first], "exported_at"}.
/// Throws std::out_of_range if there is no such household, records_locked if the store has no key
/// for a record with encrypted fields.
nlohmann::json subject_access(store& db, std::int64_t id, time_point now);

}  // namespace warden::centre
