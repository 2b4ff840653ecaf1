// The SQLite backend's audit_store.
#include "sqlite_store.hpp"

namespace warden::centre::sqlite_backend {

using sqlite::statement;

void sqlite_store::audit(const std::string& user, const std::string& action, const std::string& target,
                         const std::string& detail, time_point now) {
    std::lock_guard lock(write_mu_);
    add_audit(user, action, target, detail, now);
}

std::vector<audit_entry> sqlite_store::list_audit(int limit) {
    auto r = reader();
    auto& s =
        r->prepare("SELECT id, at_ms, user_name, action, target, detail FROM audit ORDER BY id DESC LIMIT ?");
    return ok(s.bind(limit).all([](const statement& row) {
        return audit_entry{row.int64(0), row.time(1), row.text(2), row.text(3), row.text(4), row.text(5)};
    }));
}

void sqlite_store::add_audit(const std::string& user, const std::string& action, const std::string& target,
                             const std::string& detail, time_point now) {
    auto& s =
        writer_.prepare("INSERT INTO audit(at_ms, user_name, action, target, detail) VALUES (?, ?, ?, ?, ?)");
    ok(s.bind(now, user, action, target, detail).run());
}

}  // namespace warden::centre::sqlite_backend
