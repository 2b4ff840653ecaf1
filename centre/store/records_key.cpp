// The records key: its file (64 hex digits, mode 0600) and libsodium crypto_secretbox with it.
#include "warden/centre/records_key.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>

#include <fmt/format.h>
#include <sodium.h>

namespace warden::centre {

namespace {
void ensure_sodium() {
    if (sodium_init() < 0) throw records_key_error("libsodium failed to initialise");
}
}  // namespace

records_key::~records_key() {
    sodium_memzero(bytes_.data(), bytes_.size());
}

records_key records_key::load(const std::string& path) {
    ensure_sodium();
    std::ifstream in(path, std::ios::binary);
    if (!in)
        throw records_key_error(
            fmt::format("cannot read the records key file {}: {}", path, std::strerror(errno)));
    std::ostringstream text;
    text << in.rdbuf();
    auto hex = text.str();
    while (!hex.empty() && (hex.back() == '\n' || hex.back() == '\r' || hex.back() == ' ')) hex.pop_back();
    std::array<unsigned char, size> bytes{};
    std::size_t got = 0;
    const char* end = nullptr;
    if (hex.size() != size * 2 ||
        sodium_hex2bin(bytes.data(), bytes.size(), hex.data(), hex.size(), nullptr, &got, &end) != 0 ||
        got != size || end != hex.data() + hex.size()) {
        sodium_memzero(hex.data(), hex.size());
        throw records_key_error(fmt::format(
            "the records key file {} is not a records key: it must hold 64 hex digits (32 bytes); make one "
            "with `warden-centre key create FILE`",
            path));
    }
    sodium_memzero(hex.data(), hex.size());
    records_key k(bytes);
    sodium_memzero(bytes.data(), bytes.size());
    return k;
}

void records_key::create(const std::string& path) {
    ensure_sodium();
    int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    if (fd < 0) {
        if (errno == EEXIST)
            throw records_key_error(fmt::format(
                "{} exists; not overwriting it (a lost key makes the encrypted records unreadable)", path));
        throw records_key_error(fmt::format("cannot create {}: {}", path, std::strerror(errno)));
    }
    std::array<unsigned char, size> bytes{};
    randombytes_buf(bytes.data(), bytes.size());
    char hex[size * 2 + 1];
    sodium_bin2hex(hex, sizeof hex, bytes.data(), bytes.size());
    sodium_memzero(bytes.data(), bytes.size());
    std::string line = std::string(hex, size * 2) + "\n";
    sodium_memzero(hex, sizeof hex);
    ::fchmod(fd, 0600);  // whatever the umask
    bool ok = ::write(fd, line.data(), line.size()) == static_cast<ssize_t>(line.size()) && ::fsync(fd) == 0;
    sodium_memzero(line.data(), line.size());
    ok = ::close(fd) == 0 && ok;
    if (!ok) {
        ::unlink(path.c_str());
        throw records_key_error(fmt::format("cannot write {}: {}", path, std::strerror(errno)));
    }
}

std::string records_key::seal(std::string_view plain) const {
    ensure_sodium();
    std::string out(crypto_secretbox_NONCEBYTES + crypto_secretbox_MACBYTES + plain.size(), '\0');
    auto* nonce = reinterpret_cast<unsigned char*>(out.data());
    randombytes_buf(nonce, crypto_secretbox_NONCEBYTES);
    crypto_secretbox_easy(nonce + crypto_secretbox_NONCEBYTES,
                          reinterpret_cast<const unsigned char*>(plain.data()), plain.size(), nonce,
                          bytes_.data());
    return out;
}

std::string records_key::open(std::string_view sealed) const {
    ensure_sodium();
    if (sealed.size() < crypto_secretbox_NONCEBYTES + crypto_secretbox_MACBYTES)
        throw records_key_error("an encrypted value is damaged (too short)");
    const auto* nonce = reinterpret_cast<const unsigned char*>(sealed.data());
    const auto* box = nonce + crypto_secretbox_NONCEBYTES;
    auto box_size = sealed.size() - crypto_secretbox_NONCEBYTES;
    std::string out(box_size - crypto_secretbox_MACBYTES, '\0');
    if (crypto_secretbox_open_easy(reinterpret_cast<unsigned char*>(out.data()), box, box_size, nonce,
                                   bytes_.data()) != 0)
        throw records_key_error(
            "an encrypted value does not open with the records key (another key, or damaged)");
    return out;
}

}  // namespace warden::centre
