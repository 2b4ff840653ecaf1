// The SQLite backend's connections, schema and opening; the methods are in one file per concern.
#include "sqlite_store.hpp"

#include <array>
#include <utility>

#include <fmt/format.h>

#include "warden/centre/sqlite_store.hpp"

namespace warden::centre {
namespace sqlite_backend {
namespace {

// Versioned migrations: entry i brings the schema from version i to i+1. Append only.
constexpr std::array migrations{
    R"sql(
CREATE TABLE alerts(
  id TEXT PRIMARY KEY,
  hub TEXT NOT NULL,
  seq INTEGER NOT NULL,
  type TEXT NOT NULL,
  state TEXT NOT NULL,
  priority INTEGER NOT NULL,
  sia TEXT NOT NULL DEFAULT '',
  at_ms INTEGER NOT NULL,
  rule TEXT NOT NULL DEFAULT '',
  sensor TEXT NOT NULL DEFAULT '',
  location TEXT NOT NULL DEFAULT '',
  text TEXT NOT NULL DEFAULT '',
  clears TEXT,
  value REAL,
  status TEXT NOT NULL DEFAULT 'open',
  received_ms INTEGER NOT NULL,
  acknowledged_ms INTEGER,
  acknowledged_by TEXT,
  resolved_ms INTEGER,
  resolved_by TEXT,
  outcome TEXT,
  note TEXT,
  cleared_ms INTEGER
);
CREATE INDEX alerts_queue ON alerts(status, priority, received_ms);
CREATE INDEX alerts_hub ON alerts(hub, type, received_ms);
CREATE INDEX alerts_received ON alerts(received_ms);
CREATE TABLE alert_history(
  id INTEGER PRIMARY KEY,
  alert_id TEXT NOT NULL REFERENCES alerts(id),
  at_ms INTEGER NOT NULL,
  action TEXT NOT NULL,
  user_name TEXT NOT NULL,
  detail TEXT NOT NULL DEFAULT ''
);
CREATE INDEX alert_history_alert ON alert_history(alert_id, id);
CREATE TABLE hubs(
  id TEXT PRIMARY KEY,
  online INTEGER NOT NULL DEFAULT 1,
  first_seen_ms INTEGER NOT NULL,
  last_seen_ms INTEGER,
  last_heartbeat_ms INTEGER,
  status TEXT NOT NULL DEFAULT '',
  status_ms INTEGER,
  outbox INTEGER NOT NULL DEFAULT 0,
  sensors TEXT NOT NULL DEFAULT '{}',
  version TEXT NOT NULL DEFAULT ''
);
CREATE TABLE users(
  name TEXT PRIMARY KEY,
  role TEXT NOT NULL,
  password_hash TEXT NOT NULL,
  created_ms INTEGER NOT NULL
);
CREATE TABLE sessions(
  token_hash TEXT PRIMARY KEY,
  user_name TEXT NOT NULL REFERENCES users(name) ON DELETE CASCADE,
  csrf TEXT NOT NULL,
  created_ms INTEGER NOT NULL,
  last_seen_ms INTEGER NOT NULL,
  expires_ms INTEGER NOT NULL
);
CREATE INDEX sessions_expiry ON sessions(expires_ms);
CREATE TABLE audit(
  id INTEGER PRIMARY KEY,
  at_ms INTEGER NOT NULL,
  user_name TEXT NOT NULL,
  action TEXT NOT NULL,
  target TEXT NOT NULL DEFAULT '',
  detail TEXT NOT NULL DEFAULT ''
);
)sql",
    // 2: admins disable users (SPEC 5: admins manage users).
    R"sql(
ALTER TABLE users ADD COLUMN disabled INTEGER NOT NULL DEFAULT 0;
)sql",
    // 3: alerts beyond a hub's rate are folded into one flood alert; admins disable hubs (security).
    R"sql(
ALTER TABLE alerts ADD COLUMN folded_into TEXT;
CREATE INDEX alerts_folded ON alerts(folded_into, received_ms) WHERE folded_into IS NOT NULL;
ALTER TABLE hubs ADD COLUMN disabled INTEGER NOT NULL DEFAULT 0;
)sql",
    // 4: residents' records, their care circle, teams and caseloads (records.cpp). BLOB columns hold
    // values sealed with the records key (NULL: empty); records_meta holds the key check.
    R"sql(
CREATE TABLE teams(
  id TEXT PRIMARY KEY,
  name TEXT NOT NULL
);
CREATE TABLE team_members(
  user_name TEXT PRIMARY KEY REFERENCES users(name) ON DELETE CASCADE,
  team TEXT NOT NULL REFERENCES teams(id)
);
CREATE TABLE households(
  id INTEGER PRIMARY KEY,
  external_ref TEXT UNIQUE,
  address TEXT NOT NULL,
  postcode TEXT NOT NULL,
  key_safe_code BLOB,
  key_safe_location BLOB,
  door_entry BLOB,
  instructions TEXT NOT NULL DEFAULT '',
  team TEXT REFERENCES teams(id),
  search TEXT NOT NULL DEFAULT '',
  created_ms INTEGER NOT NULL,
  updated_ms INTEGER NOT NULL
);
CREATE INDEX households_team ON households(team, postcode);
CREATE TABLE household_hubs(
  hub TEXT PRIMARY KEY,
  household_id INTEGER NOT NULL REFERENCES households(id) ON DELETE CASCADE,
  position INTEGER NOT NULL
);
CREATE INDEX household_hubs_household ON household_hubs(household_id, position);
CREATE TABLE residents(
  id INTEGER PRIMARY KEY,
  household_id INTEGER NOT NULL REFERENCES households(id) ON DELETE CASCADE,
  position INTEGER NOT NULL,
  name TEXT NOT NULL,
  preferred_name TEXT NOT NULL DEFAULT '',
  date_of_birth TEXT NOT NULL DEFAULT '',
  phone TEXT NOT NULL DEFAULT '',
  communication TEXT NOT NULL DEFAULT '',
  medical_conditions BLOB,
  medication_notes BLOB,
  risk_notes TEXT NOT NULL DEFAULT '',
  gp TEXT NOT NULL DEFAULT ''
);
CREATE INDEX residents_household ON residents(household_id, position);
CREATE TABLE responders(
  id INTEGER PRIMARY KEY,
  household_id INTEGER NOT NULL REFERENCES households(id) ON DELETE CASCADE,
  call_order INTEGER NOT NULL,
  name TEXT NOT NULL,
  relation TEXT NOT NULL DEFAULT '',
  phones TEXT NOT NULL DEFAULT '',
  holds_key INTEGER NOT NULL DEFAULT 0,
  available_hours TEXT NOT NULL DEFAULT '',
  can_attend INTEGER NOT NULL DEFAULT 1
);
CREATE INDEX responders_household ON responders(household_id, call_order);
CREATE TABLE professionals(
  id INTEGER PRIMARY KEY,
  household_id INTEGER NOT NULL REFERENCES households(id) ON DELETE CASCADE,
  position INTEGER NOT NULL,
  role TEXT NOT NULL,
  name TEXT NOT NULL DEFAULT '',
  organisation TEXT NOT NULL DEFAULT '',
  phone TEXT NOT NULL DEFAULT '',
  email TEXT NOT NULL DEFAULT ''
);
CREATE INDEX professionals_household ON professionals(household_id, position);
CREATE TABLE records_meta(
  name TEXT PRIMARY KEY,
  value BLOB NOT NULL
);
)sql",
    // 5: calls on hold with a call-back time, escalated to a supervisor; the grouped queue per hub.
    R"sql(
ALTER TABLE alerts ADD COLUMN held_until_ms INTEGER;
ALTER TABLE alerts ADD COLUMN held_by TEXT;
ALTER TABLE alerts ADD COLUMN supervisor_ms INTEGER;
ALTER TABLE alerts ADD COLUMN supervisor_by TEXT;
CREATE INDEX alerts_hub_queue ON alerts(hub, status, priority, received_ms);
)sql",
    // 6: call handling: shift hand-over notes. (Responder outcomes and procedure steps are history
    // rows of their alert; procedures themselves are config.)
    R"sql(
CREATE TABLE handover_notes(
  id INTEGER PRIMARY KEY,
  at_ms INTEGER NOT NULL,
  user_name TEXT NOT NULL,
  note TEXT NOT NULL
);
)sql",
    // 7: activity insights (activity.cpp): one row per hub and hour with the household its hub was linked
    // to when it arrived (erased with the household), and each household's own notice thresholds.
    R"sql(
CREATE TABLE activity_hours(
  hub TEXT NOT NULL,
  hour_ms INTEGER NOT NULL,
  household_id INTEGER REFERENCES households(id) ON DELETE CASCADE,
  utc_offset_min INTEGER NOT NULL,
  covered_s INTEGER NOT NULL,
  rooms TEXT NOT NULL DEFAULT '',
  door_openings INTEGER NOT NULL DEFAULT 0,
  out_s INTEGER NOT NULL DEFAULT 0,
  bed_s INTEGER NOT NULL DEFAULT 0,
  bed_in TEXT NOT NULL DEFAULT '',
  bed_out TEXT NOT NULL DEFAULT '',
  night_getups INTEGER NOT NULL DEFAULT 0,
  night_getup_s INTEGER NOT NULL DEFAULT 0,
  chair_s INTEGER NOT NULL DEFAULT 0,
  bathroom_visits INTEGER NOT NULL DEFAULT 0,
  night_bathroom_visits INTEGER NOT NULL DEFAULT 0,
  kitchen_active_s INTEGER NOT NULL DEFAULT 0,
  appliance_uses INTEGER NOT NULL DEFAULT 0,
  appliance_on_s INTEGER NOT NULL DEFAULT 0,
  first_activity_ms INTEGER,
  last_activity_ms INTEGER,
  received_ms INTEGER NOT NULL,
  PRIMARY KEY(hub, hour_ms)
);
CREATE INDEX activity_hours_household ON activity_hours(household_id, hour_ms);
CREATE INDEX activity_hours_hour ON activity_hours(hour_ms);
CREATE TABLE activity_settings(
  household_id INTEGER PRIMARY KEY REFERENCES households(id) ON DELETE CASCADE,
  thresholds TEXT NOT NULL
);
)sql",
    // 8: away mode and who set it, from the hub's heartbeat (away_columns.hpp; away NULL: unknown).
    R"sql(
ALTER TABLE hubs ADD COLUMN away INTEGER;
ALTER TABLE hubs ADD COLUMN away_since_ms INTEGER;
ALTER TABLE hubs ADD COLUMN away_by TEXT NOT NULL DEFAULT '';
ALTER TABLE hubs ADD COLUMN away_user TEXT NOT NULL DEFAULT '';
ALTER TABLE hubs ADD COLUMN away_request TEXT NOT NULL DEFAULT '';
)sql",
};

}  // namespace

void fail(const sqlite::error& e) {
    throw store_error(fmt::format("sqlite {}", e.message));
}

namespace {
sqlite::database open(const std::string& path, bool read_only) {
    try {
        return sqlite::database(
            {path, read_only ? sqlite::open_mode::read_only : sqlite::open_mode::read_write_create});
    } catch (const sqlite::failure& e) {
        throw store_error(e.what());
    }
}
}  // namespace

connection::connection(const std::string& path, bool read_only) : db_(open(path, read_only)) {}

sqlite_store::sqlite_store(std::string path) : path_(std::move(path)), writer_(path_, false) {
    ok(writer_.db().exec("PRAGMA journal_mode=WAL"));
    ok(writer_.db().exec("PRAGMA synchronous=FULL"));
    ok(writer_.db().exec("PRAGMA foreign_keys=ON"));
    migrate();
}

void sqlite_store::migrate() {
    int version = ok(writer_.db().user_version());
    if (version > static_cast<int>(migrations.size()))
        throw store_error(fmt::format("database {} has schema version {}, newer than this build ({})", path_,
                                      version, migrations.size()));
    ok(writer_.db().migrate(migrations));
}

sqlite_store::borrowed::~borrowed() {
    std::lock_guard lock(st_.pool_mu_);
    st_.pool_.push_back(std::move(c_));
}

sqlite_store::borrowed sqlite_store::reader() {
    {
        std::lock_guard lock(pool_mu_);
        if (!pool_.empty()) {
            auto c = std::move(pool_.back());
            pool_.pop_back();
            return borrowed(*this, std::move(c));
        }
    }
    return borrowed(*this, std::make_unique<connection>(path_, true));
}

bool sqlite_store::healthy() noexcept {
    try {
        auto r = reader();
        return ok(r->prepare("SELECT COUNT(*) FROM hubs").bind().first([](const sqlite::statement&) {}));
    } catch (...) {
        return false;
    }
}

}  // namespace sqlite_backend

int sqlite_schema_version() noexcept {
    return static_cast<int>(sqlite_backend::migrations.size());
}

std::unique_ptr<store> open_sqlite_store(const std::string& path) {
    return std::make_unique<sqlite_backend::sqlite_store>(path);
}

}  // namespace warden::centre
