#include "warden/centre/auth.hpp"

#include <stdexcept>

#include <sodium.h>

namespace warden::centre {

std::string_view to_string(role r) noexcept {
    switch (r) {
        case role::operator_:
            return "operator";
        case role::supervisor:
            return "supervisor";
        case role::technician:
            return "technician";
        case role::admin:
            return "admin";
        case role::care:
            return "care";
    }
    return "operator";
}

std::optional<role> parse_role(std::string_view name) noexcept {
    if (name == "operator") return role::operator_;
    if (name == "supervisor") return role::supervisor;
    if (name == "technician") return role::technician;
    if (name == "admin") return role::admin;
    if (name == "care") return role::care;
    return std::nullopt;
}

namespace {
void ensure_sodium() {
    // sodium_init is idempotent and thread-safe; 1 means "already initialised".
    if (sodium_init() < 0) throw std::runtime_error("libsodium failed to initialise");
}
}  // namespace

std::string hash_password(const std::string& password) {
    ensure_sodium();
    char out[crypto_pwhash_STRBYTES];
    if (crypto_pwhash_str(out, password.data(), password.size(), crypto_pwhash_OPSLIMIT_INTERACTIVE,
                          crypto_pwhash_MEMLIMIT_INTERACTIVE) != 0)
        throw std::runtime_error("password hashing ran out of memory");
    return out;
}

bool verify_password(const std::string& hash, const std::string& password) noexcept {
    if (sodium_init() < 0) return false;
    if (hash.size() >= crypto_pwhash_STRBYTES) return false;
    return crypto_pwhash_str_verify(hash.c_str(), password.data(), password.size()) == 0;
}

std::string random_hex(std::size_t bytes) {
    ensure_sodium();
    std::string raw(bytes, '\0');
    randombytes_buf(raw.data(), raw.size());
    std::string hex(bytes * 2 + 1, '\0');
    sodium_bin2hex(hex.data(), hex.size(), reinterpret_cast<const unsigned char*>(raw.data()), raw.size());
    hex.pop_back();
    return hex;
}

std::string token_hash(const std::string& token) {
    ensure_sodium();
    unsigned char h[crypto_hash_sha256_BYTES];
    crypto_hash_sha256(h, reinterpret_cast<const unsigned char*>(token.data()), token.size());
    std::string hex(sizeof h * 2 + 1, '\0');
    sodium_bin2hex(hex.data(), hex.size(), h, sizeof h);
    hex.pop_back();
    return hex;
}

bool equal_secrets(std::string_view a, std::string_view b) noexcept {
    if (a.size() != b.size() || a.empty()) return false;
    return sodium_memcmp(a.data(), b.data(), a.size()) == 0;
}

long long login_limiter::retry_after(const std::string& key, clock::time_point now) {
    std::lock_guard lock(mu_);
    auto it = entries_.find(key);
    if (it == entries_.end() || it->second.blocked_until <= now) return 0;
    return std::chrono::ceil<std::chrono::seconds>(it->second.blocked_until - now).count();
}

bool login_limiter::reserve(const std::string& key, clock::time_point now, long long& retry_after,
                            bool* was_clean) {
    std::lock_guard lock(mu_);
    if (entries_.size() > 10'000) {
        // Forget stale entries so a flood of made-up names cannot grow the map without bound.
        std::erase_if(entries_, [now](const auto& kv) {
            return kv.second.blocked_until <= now && kv.second.failures == 0;
        });
    }
    auto& e = entries_[key];
    if (was_clean) *was_clean = e.failures == 0 && e.blocked_until <= now;
    if (e.blocked_until > now) {
        retry_after = std::chrono::ceil<std::chrono::seconds>(e.blocked_until - now).count();
        return false;
    }
    if (e.failures >= max_failures_) {
        // The limit's worth of attempts are under way; their outcome decides whether the key blocks.
        retry_after = 1;
        return false;
    }
    ++e.failures;
    return true;
}

void login_limiter::failed(const std::string& key, clock::time_point now) {
    std::lock_guard lock(mu_);
    auto& e = entries_[key];
    if (e.failures >= max_failures_) {
        e.failures = 0;
        e.blocked_until = now + block_for_;
    }
}

void login_limiter::refund(const std::string& key) {
    std::lock_guard lock(mu_);
    auto it = entries_.find(key);
    if (it != entries_.end() && it->second.failures > 0) --it->second.failures;
}

void login_limiter::failure(const std::string& key, clock::time_point now) {
    long long wait = 0;
    if (reserve(key, now, wait)) failed(key, now);
}

void login_limiter::success(const std::string& key) {
    std::lock_guard lock(mu_);
    entries_.erase(key);
}

}  // namespace warden::centre
