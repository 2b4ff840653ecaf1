#pragma once
/// Operators' roles, password hashing (argon2id via libsodium), session tokens and login throttling.

#include <chrono>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>

namespace warden::centre {

/// Who may do what (SPEC 5): operators and supervisors handle alerts; supervisors also reopen and see
/// reports and the audit; technicians see hubs and send test alarms; admins manage users; care
/// professionals read, and only read, the households on their team's caseload (docs/residents.md).
enum class role { operator_, supervisor, technician, admin, care };
/// "operator", "supervisor", "technician", "admin", "care".
std::string_view to_string(role r) noexcept;
std::optional<role> parse_role(std::string_view name) noexcept;

/// A set of roles, for route permissions.
struct roles {
    unsigned bits = 0;
    constexpr roles() = default;
    constexpr roles(std::initializer_list<role> rs) {
        for (auto r : rs) bits |= 1u << static_cast<unsigned>(r);
    }
    constexpr bool has(role r) const { return bits & (1u << static_cast<unsigned>(r)); }
};

/// An argon2id hash string (crypto_pwhash_str, interactive limits). Throws std::runtime_error if
/// libsodium cannot initialise or runs out of memory. Thread-safe.
std::string hash_password(const std::string& password);
/// True if `password` matches the stored hash. Thread-safe.
bool verify_password(const std::string& hash, const std::string& password) noexcept;
/// `bytes` random bytes from libsodium, as lower-case hex.
std::string random_hex(std::size_t bytes);
/// SHA-256 of a token, as hex: what the database keeps instead of the token.
std::string token_hash(const std::string& token);
/// Constant-time comparison of two strings.
bool equal_secrets(std::string_view a, std::string_view b) noexcept;

/// Login throttling: after `max_failures` failures for a key (a user name or a client address) the key
/// is refused for `block_for`. Thread-safe. Time is passed in, so tests need no sleeps.
class login_limiter {
public:
    using clock = std::chrono::steady_clock;
    explicit login_limiter(int max_failures = 5, std::chrono::seconds block_for = std::chrono::seconds{30})
        : max_failures_(max_failures), block_for_(block_for) {}
    /// Seconds until the key may try again, or 0 if it may try now.
    long long retry_after(const std::string& key, clock::time_point now);
    /// Counts an attempt before its password is checked, so parallel attempts cannot all pass the
    /// limit at once. True if it may go ahead; false (with `retry_after` set) if the key is blocked or
    /// already has `max_failures` attempts failed or under way. `was_clean`: the key had none before.
    bool reserve(const std::string& key, clock::time_point now, long long& retry_after,
                 bool* was_clean = nullptr);
    /// The reserved attempt failed: blocks the key once it has `max_failures`.
    void failed(const std::string& key, clock::time_point now);
    /// The reserved attempt did not count after all (not checked, or it succeeded).
    void refund(const std::string& key);
    /// reserve + failed, for a failure that was not reserved.
    void failure(const std::string& key, clock::time_point now);
    /// Forgets the key's failures.
    void success(const std::string& key);

private:
    struct entry {
        int failures = 0;
        clock::time_point blocked_until{};
    };
    int max_failures_;
    std::chrono::seconds block_for_;
    std::mutex mu_;
    std::map<std::string, entry> entries_;
};

}  // namespace warden::centre
