// The PostgreSQL backend's audit_store.
#include "postgres_store.hpp"

namespace warden::centre::postgres_backend {

void postgres_store::audit(const std::string& user, const std::string& action, const std::string& target,
                           const std::string& detail, time_point now) {
    write([&](tx& t) {
        add_audit(t, user, action, target, detail, now);
        return std::pair(0, true);
    });
}

std::vector<audit_entry> postgres_store::list_audit(int limit) {
    return read([&](tx& t) {
        std::vector<audit_entry> out;
        for (const auto& row :
             t.run("SELECT id, at_ms, user_name, action, target, detail FROM audit ORDER BY id DESC LIMIT $1",
                   limit))
            out.push_back(
                {int64(row, 0), time(row, 1), text(row, 2), text(row, 3), text(row, 4), text(row, 5)});
        return out;
    });
}

void postgres_store::add_audit(tx& t, const std::string& user, const std::string& action,
                               const std::string& target, const std::string& detail, time_point now) {
    t.run("INSERT INTO audit(at_ms, user_name, action, target, detail) VALUES ($1, $2, $3, $4, $5)", now,
          user, action, target, detail);
}

}  // namespace warden::centre::postgres_backend
