// The SQLite backend's user_store: operators' accounts, admins' changes to them, login sessions.
#include <fmt/format.h>

#include "sqlite_store.hpp"

namespace warden::centre::sqlite_backend {

using sqlite::statement;

bool sqlite_store::add_user(const user_record& u) {
    std::lock_guard lock(write_mu_);
    auto& s = writer_.prepare(
        "INSERT INTO users(name, role, password_hash, created_ms) VALUES (?, ?, ?, ?) ON CONFLICT(name) DO "
        "NOTHING");
    ok(s.bind(u.name, u.role, u.password_hash, u.created).run());
    return s.changes() == 1;
}

std::optional<user_record> sqlite_store::find_user(const std::string& name) {
    auto r = reader();
    auto& s = r->prepare("SELECT name, role, password_hash, created_ms, disabled FROM users WHERE name = ?");
    return ok(s.bind(name).one([](const statement& row) {
        return user_record{row.text(0), row.text(1), row.text(2), row.time(3), row.int64(4) != 0};
    }));
}

std::vector<user_record> sqlite_store::list_users() {
    auto r = reader();
    auto& s = r->prepare("SELECT name, role, created_ms, disabled FROM users ORDER BY name");
    return ok(s.bind().all([](const statement& row) {
        return user_record{row.text(0), row.text(1), {}, row.time(2), row.int64(3) != 0};
    }));
}

change_result sqlite_store::set_user_role(const std::string& name, const std::string& role,
                                          const std::string& by, time_point now) {
    return change_user(name, by, now, [&](const user_state& u) -> std::optional<user_change> {
        if (u.role != "admin" || role == "admin" || u.disabled || other_admins(name) > 0)
            return user_change{"user_role", fmt::format("{} -> {}", u.role, role), role, u.disabled};
        return std::nullopt;
    });
}

change_result sqlite_store::set_user_password(const std::string& name, const std::string& password_hash,
                                              const std::string& by, time_point now) {
    return change_user(name, by, now, [&](const user_state& u) -> std::optional<user_change> {
        return user_change{"user_password", "", u.role, u.disabled, password_hash};
    });
}

change_result sqlite_store::set_user_disabled(const std::string& name, bool disabled, const std::string& by,
                                              time_point now) {
    return change_user(name, by, now, [&](const user_state& u) -> std::optional<user_change> {
        if (disabled && u.role == "admin" && !u.disabled && other_admins(name) == 0) return std::nullopt;
        return user_change{disabled ? "user_disable" : "user_enable", "", u.role, disabled};
    });
}

void sqlite_store::add_session(const session_record& x) {
    std::lock_guard lock(write_mu_);
    ok(writer_.prepare("DELETE FROM sessions WHERE expires_ms < ?").bind(x.created).run());
    auto& s = writer_.prepare(
        "INSERT INTO sessions(token_hash, user_name, csrf, created_ms, last_seen_ms, expires_ms) VALUES (?, "
        "?, "
        "?, ?, ?, ?)");
    ok(s.bind(x.token_hash, x.user, x.csrf, x.created, x.last_seen, x.expires).run());
}

std::optional<session_record> sqlite_store::find_session(const std::string& token_hash, time_point now) {
    auto r = reader();
    auto& s = r->prepare(
        "SELECT s.token_hash, s.user_name, u.role, s.csrf, s.created_ms, s.last_seen_ms, s.expires_ms FROM "
        "sessions s JOIN users u ON u.name = s.user_name WHERE s.token_hash = ? AND s.expires_ms > ? AND "
        "u.disabled = 0");
    return ok(s.bind(token_hash, now).one([](const statement& row) {
        return session_record{row.text(0), row.text(1), row.text(2), row.text(3),
                              row.time(4), row.time(5), row.time(6)};
    }));
}

void sqlite_store::touch_session(const std::string& token_hash, time_point now, time_point expires) {
    std::lock_guard lock(write_mu_);
    auto& s = writer_.prepare("UPDATE sessions SET last_seen_ms = ?, expires_ms = ? WHERE token_hash = ?");
    ok(s.bind(now, expires, token_hash).run());
}

void sqlite_store::delete_session(const std::string& token_hash) {
    std::lock_guard lock(write_mu_);
    ok(writer_.prepare("DELETE FROM sessions WHERE token_hash = ?").bind(token_hash).run());
}

/// Enabled admins other than `name`.
std::int64_t sqlite_store::other_admins(const std::string& name) {
    auto& s =
        writer_.prepare("SELECT COUNT(*) FROM users WHERE role = 'admin' AND disabled = 0 AND name != ?");
    return ok(s.bind(name).one(int64_of)).value_or(0);
}

/// One admin change to a user: `decide` sees the row as it is and returns the change, or nullopt when it
/// would leave no enabled admin. Ends every session of the user, audits, one transaction.
template <class Decide>
change_result sqlite_store::change_user(const std::string& name, const std::string& by, time_point now,
                                        Decide decide) {
    std::lock_guard lock(write_mu_);
    auto tx = writer_.begin();
    auto cur = ok(writer_.prepare("SELECT role, disabled FROM users WHERE name = ?")
                      .bind(name)
                      .one([](const statement& row) {
                          return user_state{row.text(0), row.int64(1) != 0};
                      }));
    if (!cur) return change_result::not_found;
    auto change = decide(*cur);
    if (!change) return change_result::conflict;
    auto& u = writer_.prepare(
        "UPDATE users SET role = ?, disabled = ?, password_hash = ifnull(?, password_hash) WHERE name = ?");
    ok(u.bind(change->role, change->disabled ? 1 : 0, change->password_hash, name).run());
    auto& d = writer_.prepare("DELETE FROM sessions WHERE user_name = ?");
    ok(d.bind(name).run());
    const auto ended = d.changes();
    auto detail = fmt::format("{}{}{} session{} ended", change->detail, change->detail.empty() ? "" : "; ",
                              ended, ended == 1 ? "" : "s");
    add_audit(by, change->action, name, detail, now);
    ok(tx.commit());
    return change_result::ok;
}

}  // namespace warden::centre::sqlite_backend
