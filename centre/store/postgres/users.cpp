// The PostgreSQL backend's user_store: operators' accounts, admins' changes to them, login sessions.
#include <fmt/format.h>

#include "postgres_store.hpp"

namespace warden::centre::postgres_backend {

bool postgres_store::add_user(const user_record& u) {
    return write([&](tx& t) {
        const auto added = t.changes(
            "INSERT INTO users(name, role, password_hash, created_ms) VALUES ($1, $2, $3, $4) ON "
            "CONFLICT(name) DO "
            "NOTHING",
            u.name, u.role, u.password_hash, u.created);
        return std::pair(added == 1, true);
    });
}

std::optional<user_record> postgres_store::find_user(const std::string& name) {
    return read([&](tx& t) -> std::optional<user_record> {
        auto r =
            t.one("SELECT name, role, password_hash, created_ms, disabled FROM users WHERE name = $1", name);
        if (!r) return std::nullopt;
        return user_record{text(*r, 0), text(*r, 1), text(*r, 2), time(*r, 3), int64(*r, 4) != 0};
    });
}

std::vector<user_record> postgres_store::list_users() {
    return read([&](tx& t) {
        std::vector<user_record> out;
        for (const auto& row : t.run("SELECT name, role, created_ms, disabled FROM users ORDER BY name"))
            out.push_back({text(row, 0), text(row, 1), {}, time(row, 2), int64(row, 3) != 0});
        return out;
    });
}

change_result postgres_store::set_user_role(const std::string& name, const std::string& role,
                                            const std::string& by, time_point now) {
    return change_user(name, by, now, [&](tx& t, const user_state& u) -> std::optional<user_change> {
        if (u.role != "admin" || role == "admin" || u.disabled || other_admins(t, name) > 0)
            return user_change{"user_role", fmt::format("{} -> {}", u.role, role), role, u.disabled};
        return std::nullopt;
    });
}

change_result postgres_store::set_user_password(const std::string& name, const std::string& password_hash,
                                                const std::string& by, time_point now) {
    return change_user(name, by, now, [&](tx&, const user_state& u) -> std::optional<user_change> {
        return user_change{"user_password", "", u.role, u.disabled, password_hash};
    });
}

change_result postgres_store::set_user_disabled(const std::string& name, bool disabled, const std::string& by,
                                                time_point now) {
    return change_user(name, by, now, [&](tx& t, const user_state& u) -> std::optional<user_change> {
        if (disabled && u.role == "admin" && !u.disabled && other_admins(t, name) == 0) return std::nullopt;
        return user_change{disabled ? "user_disable" : "user_enable", "", u.role, disabled};
    });
}

void postgres_store::add_session(const session_record& x) {
    write([&](tx& t) {
        t.run("DELETE FROM sessions WHERE expires_ms < $1", x.created);
        t.run(
            "INSERT INTO sessions(token_hash, user_name, csrf, created_ms, last_seen_ms, expires_ms) VALUES "
            "($1, "
            "$2, $3, $4, $5, $6)",
            x.token_hash, x.user, x.csrf, x.created, x.last_seen, x.expires);
        return std::pair(0, true);
    });
}

std::optional<session_record> postgres_store::find_session(const std::string& token_hash, time_point now) {
    return read([&](tx& t) -> std::optional<session_record> {
        auto r = t.one(
            "SELECT s.token_hash, s.user_name, u.role, s.csrf, s.created_ms, s.last_seen_ms, s.expires_ms "
            "FROM sessions s JOIN users u ON u.name = s.user_name WHERE s.token_hash = $1 AND "
            "s.expires_ms > $2 AND u.disabled = 0",
            token_hash, now);
        if (!r) return std::nullopt;
        return session_record{text(*r, 0), text(*r, 1), text(*r, 2), text(*r, 3),
                              time(*r, 4), time(*r, 5), time(*r, 6)};
    });
}

void postgres_store::touch_session(const std::string& token_hash, time_point now, time_point expires) {
    write([&](tx& t) {
        t.run("UPDATE sessions SET last_seen_ms = $1, expires_ms = $2 WHERE token_hash = $3", now, expires,
              token_hash);
        return std::pair(0, true);
    });
}

void postgres_store::delete_session(const std::string& token_hash) {
    write([&](tx& t) {
        t.run("DELETE FROM sessions WHERE token_hash = $1", token_hash);
        return std::pair(0, true);
    });
}

/// Enabled admins other than `name`.
std::int64_t postgres_store::other_admins(tx& t, const std::string& name) {
    return t.int64_of("SELECT COUNT(*) FROM users WHERE role = 'admin' AND disabled = 0 AND name != $1", name)
        .value_or(0);
}

/// One admin change to a user: `decide` sees the row as it is and returns the change, or nullopt when it
/// would leave no enabled admin. Ends every session of the user, audits, one transaction. Changes to
/// users take one lock, so two admins demoting the last two other admins at once cannot both succeed.
template <class Decide>
change_result postgres_store::change_user(const std::string& name, const std::string& by, time_point now,
                                          Decide decide) {
    return write([&](tx& t) {
        lock(t, lock_class::users);
        auto row = t.one("SELECT role, disabled FROM users WHERE name = $1 FOR UPDATE", name);
        if (!row) return std::pair(change_result::not_found, false);
        auto change = decide(t, user_state{text(*row, 0), int64(*row, 1) != 0});
        if (!change) return std::pair(change_result::conflict, false);
        t.run(
            "UPDATE users SET role = $1, disabled = $2, password_hash = coalesce($3, password_hash) WHERE "
            "name = "
            "$4",
            change->role, change->disabled ? 1 : 0, change->password_hash, name);
        const auto ended = t.changes("DELETE FROM sessions WHERE user_name = $1", name);
        auto detail = fmt::format("{}{}{} session{} ended", change->detail,
                                  change->detail.empty() ? "" : "; ", ended, ended == 1 ? "" : "s");
        add_audit(t, by, change->action, name, detail, now);
        return std::pair(change_result::ok, true);
    });
}

}  // namespace warden::centre::postgres_backend
