#pragma once
/// The records key: 32 random bytes for libsodium's crypto_secretbox, kept in a file of its own (64 hex
/// digits and a newline, mode 0600) named by `[records] key_file` in centre.toml, and what it encrypts
/// with. See docs/residents.md for the key's life.

#include <array>
#include <cstddef>
#include <stdexcept>
#include <string>
#include <string_view>

namespace warden::centre {

/// The key file is missing, unreadable, not 64 hex digits, or (creating) exists already.
class records_key_error : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

class records_key {
public:
    static constexpr std::size_t size = 32;

    /// Reads the key file. Throws records_key_error saying what is wrong with it.
    static records_key load(const std::string& path);
    /// Writes a new random key to `path` with mode 0600, refusing to overwrite anything. Throws
    /// records_key_error.
    static void create(const std::string& path);
    /// A key from its bytes (tests).
    explicit records_key(const std::array<unsigned char, size>& bytes) : bytes_(bytes) {}
    ~records_key();
    records_key(const records_key&) = default;
    records_key& operator=(const records_key&) = default;

    /// nonce || crypto_secretbox_easy(plain): a fresh random nonce per call.
    std::string seal(std::string_view plain) const;
    /// The plaintext of what seal() made with this key; throws records_key_error if it was made with
    /// another key or is damaged.
    std::string open(std::string_view sealed) const;

private:
    std::array<unsigned char, size> bytes_{};
};

}  // namespace warden::centre
