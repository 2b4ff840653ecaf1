#include "warden/hub/store.hpp"

#include <algorithm>
#include <limits>
#include <stdexcept>
#include <utility>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

namespace warden::hub {
namespace {

using sqlite::statement;
using sqlite::status;

/// The schema, one step per version. Never edit a released step: add a new one.
constexpr const char* migrations[] = {
    // 1: the first schema.
    R"sql(
CREATE TABLE meta(key TEXT PRIMARY KEY, value TEXT NOT NULL);
INSERT INTO meta(key, value) VALUES ('next_seq', '1');
CREATE TABLE outbox(
    seq INTEGER PRIMARY KEY,
    id TEXT NOT NULL UNIQUE,
    json TEXT NOT NULL,
    created_ms INTEGER NOT NULL,
    sent_count INTEGER NOT NULL DEFAULT 0,
    last_sent_ms INTEGER,
    delivered_ms INTEGER);
CREATE INDEX outbox_undelivered ON outbox(seq) WHERE delivered_ms IS NULL;
CREATE TABLE open_conditions(key TEXT PRIMARY KEY, alert_id TEXT NOT NULL, raised_ms INTEGER NOT NULL);
CREATE TABLE engine_state(id INTEGER PRIMARY KEY CHECK (id = 1), json TEXT NOT NULL, saved_ms INTEGER NOT NULL);
CREATE TABLE events(id INTEGER PRIMARY KEY, at_ms INTEGER NOT NULL, topic TEXT NOT NULL, payload BLOB NOT NULL);
CREATE INDEX events_at ON events(at_ms);
)sql",
    // 2: activity summaries, one row per hour (docs/activity.md).
    R"sql(
CREATE TABLE activity_outbox(
    hour_ms INTEGER PRIMARY KEY,
    json TEXT NOT NULL,
    created_ms INTEGER NOT NULL,
    delivered_ms INTEGER);
CREATE INDEX activity_undelivered ON activity_outbox(hour_ms) WHERE delivered_ms IS NULL;
)sql",
};

}  // namespace

// The outbox columns read_entry() reads.
#define OUTBOX_SELECT "SELECT seq, id, json, created_ms, sent_count, last_sent_ms, delivered_ms FROM outbox "

struct store::statements {
    explicit statements(sqlite::database& db)
        : get_meta(prepare(db, "SELECT value FROM meta WHERE key = ?")),
          set_meta(prepare(db,
                           "INSERT INTO meta(key, value) VALUES (?, ?) "
                           "ON CONFLICT(key) DO UPDATE SET value = excluded.value")),
          insert_event(prepare(db, "INSERT INTO events(at_ms, topic, payload) VALUES (?, ?, ?)")),
          save_state(
              prepare(db,
                      "INSERT INTO engine_state(id, json, saved_ms) VALUES (1, ?, ?) "
                      "ON CONFLICT(id) DO UPDATE SET json = excluded.json, saved_ms = excluded.saved_ms")),
          load_state(prepare(db, "SELECT json FROM engine_state WHERE id = 1")),
          insert_outbox(prepare(db, "INSERT INTO outbox(seq, id, json, created_ms) VALUES (?, ?, ?, ?)")),
          mark_delivered(
              prepare(db, "UPDATE outbox SET delivered_ms = ? WHERE id = ? AND delivered_ms IS NULL")),
          mark_sent(
              prepare(db, "UPDATE outbox SET sent_count = sent_count + 1, last_sent_ms = ? WHERE id = ?")),
          undelivered(
              prepare(db, OUTBOX_SELECT "WHERE delivered_ms IS NULL AND seq > ? ORDER BY seq LIMIT ?")),
          undelivered_count(prepare(db, "SELECT count(*) FROM outbox WHERE delivered_ms IS NULL")),
          find(prepare(db, OUTBOX_SELECT "WHERE id = ?")),
          get_condition(prepare(db, "SELECT alert_id FROM open_conditions WHERE key = ?")),
          set_condition(prepare(db,
                                "INSERT INTO open_conditions(key, alert_id, raised_ms) VALUES (?, ?, ?) "
                                "ON CONFLICT(key) DO UPDATE SET alert_id = excluded.alert_id, "
                                "raised_ms = excluded.raised_ms")),
          clear_condition(prepare(db, "DELETE FROM open_conditions WHERE key = ?")),
          events_between(prepare(db,
                                 "SELECT at_ms, topic, payload FROM events WHERE at_ms >= ? AND at_ms < ? "
                                 "ORDER BY at_ms, id")),
          prune_events(prepare(db, "DELETE FROM events WHERE at_ms < ?")),
          prune_outbox(prepare(db, "DELETE FROM outbox WHERE delivered_ms IS NOT NULL AND delivered_ms < ?")),
          shed_events(
              prepare(db, "DELETE FROM events WHERE id IN (SELECT id FROM events ORDER BY id LIMIT ?)")),
          insert_activity(prepare(db,
                                  "INSERT INTO activity_outbox(hour_ms, json, created_ms) VALUES (?, ?, ?) "
                                  "ON CONFLICT(hour_ms) DO NOTHING")),
          activity_delivered(prepare(
              db, "UPDATE activity_outbox SET delivered_ms = ? WHERE hour_ms = ? AND delivered_ms IS NULL")),
          activity_undelivered(
              prepare(db,
                      "SELECT hour_ms, json, created_ms, delivered_ms FROM activity_outbox "
                      "WHERE delivered_ms IS NULL AND hour_ms > ? ORDER BY hour_ms LIMIT ?")),
          find_activity(prepare(
              db, "SELECT hour_ms, json, created_ms, delivered_ms FROM activity_outbox WHERE hour_ms = ?")),
          prune_activity(prepare(
              db, "DELETE FROM activity_outbox WHERE delivered_ms IS NOT NULL AND delivered_ms < ?")) {}

    /// At start-up: throws sqlite::failure.
    static statement prepare(sqlite::database& db, const char* sql) { return db.prepare(sql).value(); }

    statement get_meta, set_meta, insert_event, save_state, load_state, insert_outbox, mark_delivered,
        mark_sent, undelivered, undelivered_count, find, get_condition, set_condition, clear_condition,
        events_between, prune_events, prune_outbox, shed_events, insert_activity, activity_delivered,
        activity_undelivered, find_activity, prune_activity;
};

namespace {

std::string text_of(const statement& s) {
    return s.text(0);
}

outbox_entry read_entry(const statement& s) {
    outbox_entry e;
    e.seq = static_cast<std::uint64_t>(s.int64(0));
    e.id = s.text(1);
    e.json = s.text(2);
    e.created = s.time(3);
    e.sent_count = static_cast<int>(s.int64(4));
    e.last_sent = s.opt_time(5);
    e.delivered = s.opt_time(6);
    return e;
}

activity_row read_activity(const statement& s) {
    return activity_row{s.time(0), s.text(1), s.time(2), s.opt_time(3)};
}

sqlite::open_options open_options(const store_options& o) {
    return {o.file, o.read_only ? sqlite::open_mode::read_only : sqlite::open_mode::read_write_create,
            o.busy_timeout, /*create_folders=*/true};
}

/// Runs `body` (returning status) in one write transaction: all of it is stored, or nothing.
template <class F>
status in_transaction(sqlite::database& db, F&& body) {
    auto tx = sqlite::transaction::begin(db);
    if (!tx) return tx.error();
    if (auto r = body(); !r) return r;
    return tx->commit();
}

}  // namespace

store::store(store_options opts) : opts_(std::move(opts)), db_(open_options(opts_)) {
    try {
        int version = 0;
        if (opts_.read_only) {
            journal_mode_ = db_.query_text("PRAGMA journal_mode").value();
            version = db_.user_version().value();
            if (version != schema_version())
                throw std::runtime_error(fmt::format("{} has schema version {}; this build reads version {}",
                                                     opts_.file.string(), version, schema_version()));
        } else {
            // The pragma answers with the mode now in force: not `wal` where the file system cannot
            // share memory (some network mounts), or for an in-memory database. Rollback mode with
            // synchronous=FULL is just as durable (only slower, and readers wait for writers), so the
            // store keeps working and the hub warns at start.
            journal_mode_ = db_.query_text("PRAGMA journal_mode = WAL").value();
            db_.exec("PRAGMA synchronous = FULL").value();
            db_.exec("PRAGMA foreign_keys = ON").value();
            // SQLite's default page cache is 2 MB; the hub mostly appends, and the pages it reads
            // again (the outbox tail, the rule state) fit in far less (docs/PERFORMANCE.md).
            db_.exec("PRAGMA cache_size = -512").value();
            version = db_.user_version().value();
            if (version > schema_version())
                throw std::runtime_error(fmt::format("{} has schema version {}, newer than this hub's {}",
                                                     opts_.file.string(), version, schema_version()));
            db_.migrate(migrations).value();
        }
        st_ = std::make_unique<statements>(db_);
        if (opts_.max_page_count) set_max_page_count(*opts_.max_page_count);
    } catch (const sqlite::failure& e) {
        throw std::runtime_error(fmt::format("{}: {}", opts_.file.string(), e.what()));
    }
}

store::~store() = default;

int store::schema_version() noexcept {
    return static_cast<int>(std::size(migrations));
}

void store::set_max_page_count(std::int64_t pages) {
    if (pages <= 0) pages = default_max_page_count;
    db_.set_pragma("max_page_count", pages).value();
}

void store::set_read_only(bool on) {
    if (on == read_only_) return;
    // Test seam only: on failure left as it was; the next call tries again.
    if (db_.exec(on ? "PRAGMA query_only = ON" : "PRAGMA query_only = OFF")) read_only_ = on;
}

commit_result store::commit(const batch& b) {
    commit_result result;
    if (b.empty()) return result;
    std::uint64_t reserve = reserved_;
    auto written = in_transaction(db_, [&]() -> status {
        for (const auto& e : b.events)
            if (auto r = st_->insert_event.bind(e.at, e.topic, sqlite::blob{e.payload}).run(); !r) return r;
        if (b.engine_state)
            if (auto r = st_->save_state.bind(*b.engine_state, b.now).run(); !r) return r;

        if (!b.alerts.empty()) {
            std::uint64_t seq = 1;
            auto m = st_->get_meta.bind("next_seq").first([&](const statement& s) {
                seq = std::stoull(s.text(0));
            });
            if (!m) return m.error();
            for (const auto& n : b.alerts) {
                warden::alert a = n.alert;
                a.hub = opts_.hub_id;
                // An alert already sent from memory while writes failed keeps its seq, id and bytes.
                const bool sent_before = a.seq != 0;
                if (sent_before) {
                    seq = std::max(seq, a.seq + 1);
                } else {
                    a.seq = seq++;
                    a.id = make_alert_id(opts_.hub_id, a.seq);
                }
                if (!n.key.empty()) {
                    if (a.state == alert_state::raised) {
                        if (auto r = st_->set_condition.bind(n.key, a.id, a.at).run(); !r) return r;
                    } else {
                        if (!a.clears && !sent_before) {
                            auto g = st_->get_condition.bind(n.key).first(
                                [&](const statement& s) { a.clears = s.text(0); });
                            if (!g) return g.error();
                        }
                        if (auto r = st_->clear_condition.bind(n.key).run(); !r) return r;
                    }
                }
                outbox_entry e;
                e.seq = a.seq;
                e.id = a.id;
                e.json = to_json(a).dump();
                e.created = b.now;
                if (auto r = st_->insert_outbox.bind(e.seq, e.id, e.json, e.created).run(); !r) return r;
                result.added.push_back(std::move(e));
            }
            if (auto r = st_->set_meta.bind("next_seq", std::to_string(seq)).run(); !r) return r;
            if (reserved_ != 0 && seq + seq_block / 2 > reserved_) {
                reserve = seq + seq_block;
                if (auto r = st_->set_meta.bind("seq_reserved", std::to_string(reserve)).run(); !r) return r;
            }
        }
        for (const auto& id : b.sent)
            if (auto r = st_->mark_sent.bind(b.now, id).run(); !r) return r;
        for (const auto& id : b.delivered)
            if (auto r = st_->mark_delivered.bind(b.now, id).run(); !r) return r;
        for (const auto& a : b.activity)
            if (auto r = st_->insert_activity.bind(a.hour, a.json, b.now).run(); !r) return r;
        for (const auto& hour : b.activity_delivered)
            if (auto r = st_->activity_delivered.bind(b.now, hour).run(); !r) return r;
        return {};
    });
    if (!written) {
        result.added.clear();
        result.error = written.error();
    } else {
        reserved_ = reserve;
    }
    return result;
}

std::uint64_t store::begin_run() {
    std::uint64_t next = 1, reserve = 0;
    auto r = in_transaction(db_, [&]() -> status {
        std::string run_open;
        auto read = [&](const char* key, auto&& into) {
            return st_->get_meta.bind(key).first([&](const statement& s) { into(s.text(0)); });
        };
        if (auto m = read("next_seq", [&](const std::string& v) { next = std::stoull(v); }); !m)
            return m.error();
        if (auto m = read("seq_reserved", [&](const std::string& v) { reserve = std::stoull(v); }); !m)
            return m.error();
        if (auto m = read("run_open", [&](const std::string& v) { run_open = v; }); !m) return m.error();
        // The last run did not end cleanly: seqs up to its reserve may have gone out from memory.
        if (run_open == "1") next = std::max(next, reserve);
        reserve = next + seq_block;
        for (auto [key, value] : {std::pair{"next_seq", next}, std::pair{"seq_reserved", reserve}})
            if (auto w = st_->set_meta.bind(key, std::to_string(value)).run(); !w) return w;
        return st_->set_meta.bind("run_open", "1").run();
    });
    if (!r) return next_seq();
    reserved_ = reserve;
    return next;
}

void store::end_run() {
    if (reserved_ == 0) return;
    (void)st_->set_meta.bind("run_open", "0").run();
}

std::vector<outbox_entry> store::undelivered(std::uint64_t after_seq, std::size_t limit) const {
    // A read failure leaves the caller with what it has; it asks again later.
    return st_->undelivered.bind(after_seq, static_cast<std::int64_t>(limit)).all(read_entry).value_or({});
}

std::optional<std::uint64_t> store::undelivered_count() const {
    std::uint64_t n = 0;
    auto r = st_->undelivered_count.bind().first(
        [&](const statement& s) { n = static_cast<std::uint64_t>(s.int64(0)); });
    if (!r) return std::nullopt;
    return n;
}

std::optional<outbox_entry> store::find(const std::string& id) const {
    return st_->find.bind(id).one(read_entry).value_or(std::nullopt);
}

std::uint64_t store::next_seq() const {
    std::uint64_t seq = 1;
    auto r = st_->get_meta.bind("next_seq").first([&](const statement& s) { seq = std::stoull(s.text(0)); });
    return r ? seq : 0;
}

std::vector<activity_row> store::undelivered_activity(std::optional<time_point> after,
                                                      std::size_t limit) const {
    const time_point from =
        after.value_or(time_point{milliseconds{std::numeric_limits<std::int64_t>::min()}});
    return st_->activity_undelivered.bind(from, static_cast<std::int64_t>(limit))
        .all(read_activity)
        .value_or({});
}

std::optional<activity_row> store::find_activity(time_point hour) const {
    return st_->find_activity.bind(hour).one(read_activity).value_or(std::nullopt);
}

std::optional<std::string> store::open_condition(const std::string& key) const {
    return st_->get_condition.bind(key).one(text_of).value_or(std::nullopt);
}

std::optional<std::string> store::engine_state() const {
    return st_->load_state.bind().one(text_of).value_or(std::nullopt);
}

std::optional<store_error> store::read_events(time_point from, time_point to,
                                              const std::function<void(const logged_event&)>& each) const {
    auto r = st_->events_between.bind(from, to).each([&](const statement& s) {
        each(logged_event{s.time(0), s.text(1), s.text(2)});
    });
    if (!r) return r.error();
    return std::nullopt;
}

std::vector<logged_event> store::events(time_point from, time_point to) const {
    std::vector<logged_event> out;
    (void)read_events(from, to, [&](const logged_event& e) { out.push_back(e); });  // partial on failure
    return out;
}

std::optional<store_error> store::prune(time_point before, std::uint64_t* deleted) {
    std::uint64_t n = 0;
    auto r = in_transaction(db_, [&]() -> status {
        if (auto e = st_->prune_events.bind(before).run(); !e) return e;
        n = static_cast<std::uint64_t>(st_->prune_events.changes());
        if (auto e = st_->prune_outbox.bind(before).run(); !e) return e;
        n += static_cast<std::uint64_t>(st_->prune_outbox.changes());
        if (auto e = st_->prune_activity.bind(before).run(); !e) return e;
        n += static_cast<std::uint64_t>(st_->prune_activity.changes());
        return {};
    });
    if (!r) return r.error();
    if (deleted) *deleted = n;
    return std::nullopt;
}

std::optional<store_error> store::shed_events(std::uint64_t count, std::uint64_t* deleted) {
    std::uint64_t n = 0;
    auto r = in_transaction(db_, [&]() -> status {
        if (auto e = st_->shed_events.bind(count).run(); !e) return e;
        n = static_cast<std::uint64_t>(st_->shed_events.changes());
        return {};
    });
    if (!r) return r.error();
    if (deleted) *deleted = n;
    return std::nullopt;
}

}  // namespace warden::hub
