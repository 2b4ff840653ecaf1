#include "warden/dc09/codec.hpp"

#include <algorithm>
#include <array>
#include <chrono>
#include <memory>
#include <stdexcept>

#include <fmt/format.h>
#include <openssl/evp.h>
#include <openssl/rand.h>

namespace warden::dc09 {

namespace {

bool is_hex(char c) noexcept {
    return (c >= '0' && c <= '9') || (c >= 'A' && c <= 'F') || (c >= 'a' && c <= 'f');
}
bool is_digit(char c) noexcept {
    return c >= '0' && c <= '9';
}
bool all_hex(std::string_view s) noexcept {
    return std::all_of(s.begin(), s.end(), is_hex);
}

int hex_value(char c) noexcept {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    return -1;
}

/// Reads exactly n decimal digits at s[pos]; -1 if not digits.
int digits(std::string_view s, std::size_t pos, std::size_t n) noexcept {
    if (pos + n > s.size()) return -1;
    int v = 0;
    for (std::size_t i = 0; i < n; ++i) {
        if (!is_digit(s[pos + i])) return -1;
        v = v * 10 + (s[pos + i] - '0');
    }
    return v;
}

/// A hex run of 1..max characters at s[pos]; returns its length (0 if none or too long).
std::size_t hex_run(std::string_view s, std::size_t pos, std::size_t max) noexcept {
    std::size_t n = 0;
    while (pos + n < s.size() && is_hex(s[pos + n])) ++n;
    return n <= max ? n : 0;
}

void check_key(std::string_view key) {
    if (key.size() != 16 && key.size() != 24 && key.size() != 32)
        throw std::invalid_argument(fmt::format("DC-09 key must be 16, 24 or 32 bytes, not {}", key.size()));
}

const EVP_CIPHER* cipher_for(std::size_t key_size) noexcept {
    switch (key_size) {
        case 16:
            return EVP_aes_128_cbc();
        case 24:
            return EVP_aes_192_cbc();
        case 32:
            return EVP_aes_256_cbc();
        default:
            return nullptr;
    }
}

struct ctx_deleter {
    void operator()(EVP_CIPHER_CTX* c) const noexcept { EVP_CIPHER_CTX_free(c); }
};

/// One AES-CBC pass (zero IV, no padding); nullopt if OpenSSL refuses.
std::optional<std::string> aes(std::string_view key, std::string_view in, bool encrypt) {
    const EVP_CIPHER* cipher = cipher_for(key.size());
    if (!cipher || in.size() % 16 != 0) return std::nullopt;
    std::unique_ptr<EVP_CIPHER_CTX, ctx_deleter> ctx{EVP_CIPHER_CTX_new()};
    if (!ctx) return std::nullopt;
    const std::array<unsigned char, 16> iv{};
    const auto* k = reinterpret_cast<const unsigned char*>(key.data());
    if (EVP_CipherInit_ex(ctx.get(), cipher, nullptr, k, iv.data(), encrypt ? 1 : 0) != 1)
        return std::nullopt;
    EVP_CIPHER_CTX_set_padding(ctx.get(), 0);
    std::string out(in.size() + 16, '\0');
    int n1 = 0, n2 = 0;
    auto* o = reinterpret_cast<unsigned char*>(out.data());
    if (EVP_CipherUpdate(ctx.get(), o, &n1, reinterpret_cast<const unsigned char*>(in.data()),
                         static_cast<int>(in.size())) != 1)
        return std::nullopt;
    if (EVP_CipherFinal_ex(ctx.get(), o + n1, &n2) != 1) return std::nullopt;
    out.resize(static_cast<std::size_t>(n1 + n2));
    return out;
}

/// Random printable pad characters other than | [ ] (see docs/dc09.md: printable for interop).
std::string random_pad(std::size_t n) {
    static constexpr std::string_view alphabet =
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789!#$%&()*+,-./:;<=>?@^_{}~";
    std::string raw(n, '\0');
    if (n > 0 && RAND_bytes(reinterpret_cast<unsigned char*>(raw.data()), static_cast<int>(n)) != 1)
        throw std::runtime_error("DC-09: RAND_bytes failed");
    std::string pad(n, 'A');
    for (std::size_t i = 0; i < n; ++i)
        pad[i] = alphabet[static_cast<unsigned char>(raw[i]) % alphabet.size()];
    return pad;
}

/// The text between the quotes, header fields and body, without LF/crc/len/CR.
std::string header_text(const frame& f) {
    if (f.seq > 9999) throw std::invalid_argument(fmt::format("DC-09 seq {} is above 9999", f.seq));
    if (!all_hex(f.receiver) || f.receiver.size() > 6)
        throw std::invalid_argument("DC-09 receiver must be 1-6 hex digits");
    if (f.line.empty() || !all_hex(f.line) || f.line.size() > 6)
        throw std::invalid_argument("DC-09 line must be 1-6 hex digits");
    if (!all_hex(f.account) || f.account.size() > 16 || (!f.account.empty() && f.account.size() < 3))
        throw std::invalid_argument("DC-09 account must be 3-16 hex digits");
    if (f.data.find_first_of("[]") != std::string::npos)
        throw std::invalid_argument("DC-09 data cannot contain '[' or ']'");
    std::string s;
    s += '"';
    if (f.encrypted) s += '*';
    s += to_string(f.id);
    s += '"';
    s += fmt::format("{:04d}", f.seq);
    if (!f.receiver.empty()) s += "R" + f.receiver;
    s += "L" + f.line;
    if (!f.account.empty())
        s += "#" + f.account;
    else if (f.id == frame_id::nak)
        s += "A0";  // the NAK's "no account" field, as SIA DC-09 writes it
    s += '[';
    return s;
}

std::string wrap(const std::string& inner) {
    if (inner.size() > 0xFFF) throw std::invalid_argument("DC-09 frame longer than 0xFFF bytes");
    return fmt::format("\n{:04X}{:04X}{}\r", crc16(inner), inner.size(), inner);
}

std::string tail(const frame& f) {
    std::string s = f.data + "]" + f.extended;
    if (f.timestamp) s += format_timestamp(*f.timestamp);
    return s;
}

std::string encode_impl(const frame& f, std::string_view key, const std::string* fixed_pad) {
    frame g = f;
    g.encrypted = !key.empty();
    if (!g.encrypted) return wrap(header_text(g) + tail(g));
    check_key(key);
    std::string plain = "|" + tail(g);
    std::size_t n = pad_length(plain.size());
    std::string pad = fixed_pad ? *fixed_pad : random_pad(n);
    if (pad.size() != n) throw std::invalid_argument(fmt::format("DC-09 pad must be {} bytes", n));
    if (pad.find_first_of("|[]") != std::string::npos)
        throw std::invalid_argument("DC-09 pad cannot contain '|', '[' or ']'");
    return wrap(header_text(g) + to_hex(aes_encrypt(key, pad + plain)));
}

}  // namespace

std::uint16_t crc16(std::string_view bytes) noexcept {
    std::uint16_t crc = 0;
    for (unsigned char c : bytes) {
        crc ^= c;
        for (int i = 0; i < 8; ++i)
            crc = (crc & 1) ? static_cast<std::uint16_t>((crc >> 1) ^ 0xA001) : crc >> 1;
    }
    return crc;
}

std::string format_timestamp(time_point t) {
    using namespace std::chrono;
    auto secs = floor<seconds>(t);
    auto day = floor<days>(secs);
    year_month_day ymd{day};
    hh_mm_ss<seconds> hms{secs - day};
    return fmt::format("_{:02d}:{:02d}:{:02d},{:02d}-{:02d}-{:04d}", hms.hours().count(),
                       hms.minutes().count(), hms.seconds().count(), static_cast<unsigned>(ymd.month()),
                       static_cast<unsigned>(ymd.day()), static_cast<int>(ymd.year()));
}

std::optional<time_point> parse_timestamp(std::string_view s) noexcept {
    using namespace std::chrono;
    // _HH:MM:SS,MM-DD-YYYY
    if (s.size() != 20 || s[0] != '_' || s[3] != ':' || s[6] != ':' || s[9] != ',' || s[12] != '-' ||
        s[15] != '-')
        return std::nullopt;
    int hh = digits(s, 1, 2), mi = digits(s, 4, 2), ss = digits(s, 7, 2);
    int mo = digits(s, 10, 2), dd = digits(s, 13, 2), yy = digits(s, 16, 4);
    if (hh < 0 || mi < 0 || ss < 0 || mo < 0 || dd < 0 || yy < 0) return std::nullopt;
    if (hh > 23 || mi > 59 || ss > 59) return std::nullopt;
    year_month_day ymd{year{yy}, month{static_cast<unsigned>(mo)}, day{static_cast<unsigned>(dd)}};
    if (!ymd.ok()) return std::nullopt;
    auto t = sys_days{ymd} + hours{hh} + minutes{mi} + seconds{ss};
    return time_point{duration_cast<milliseconds>(t.time_since_epoch())};
}

std::string_view to_string(frame_id id) noexcept {
    switch (id) {
        case frame_id::sia_dcs:
            return "SIA-DCS";
        case frame_id::adm_cid:
            return "ADM-CID";
        case frame_id::null:
            return "NULL";
        case frame_id::ack:
            return "ACK";
        case frame_id::nak:
            return "NAK";
        case frame_id::duh:
            return "DUH";
    }
    return "?";
}

bool is_reply(frame_id id) noexcept {
    return id == frame_id::ack || id == frame_id::nak || id == frame_id::duh;
}

std::string_view to_string(errc e) noexcept {
    switch (e) {
        case errc::ok:
            return "ok";
        case errc::garbage:
            return "not a DC-09 frame";
        case errc::bad_crc:
            return "bad CRC";
        case errc::bad_length:
            return "bad length";
        case errc::unknown_id:
            return "unknown message id";
        case errc::unknown_account:
            return "unknown account";
        case errc::not_encrypted:
            return "plain frame for an encrypted account";
        case errc::decrypt_failed:
            return "cannot decrypt";
        case errc::bad_timestamp:
            return "bad timestamp";
        case errc::bad_data:
            return "bad data";
    }
    return "?";
}

std::size_t pad_length(std::size_t plain_len) noexcept {
    return 16 - plain_len % 16;
}

std::string encode(const frame& f, std::string_view key) {
    return encode_impl(f, key, nullptr);
}

std::string encode_with_pad(const frame& f, std::string_view key, std::string_view pad) {
    std::string p{pad};
    return encode_impl(f, key, &p);
}

std::string aes_encrypt(std::string_view key, std::string_view plain) {
    check_key(key);
    if (plain.size() % 16 != 0) throw std::invalid_argument("AES-CBC input must be a multiple of 16 bytes");
    auto out = aes(key, plain, true);
    if (!out) throw std::runtime_error("OpenSSL AES-CBC encryption failed");
    return *out;
}

std::optional<std::string> aes_decrypt(std::string_view key, std::string_view cipher) {
    return aes(key, cipher, false);
}

std::string to_hex(std::string_view bytes) {
    static constexpr char digits_upper[] = "0123456789ABCDEF";
    std::string out;
    out.reserve(bytes.size() * 2);
    for (unsigned char c : bytes) {
        out += digits_upper[c >> 4];
        out += digits_upper[c & 0xF];
    }
    return out;
}

std::optional<std::string> from_hex(std::string_view hex) {
    if (hex.size() % 2 != 0) return std::nullopt;
    std::string out(hex.size() / 2, '\0');
    for (std::size_t i = 0; i < out.size(); ++i) {
        int hi = hex_value(hex[2 * i]), lo = hex_value(hex[2 * i + 1]);
        if (hi < 0 || lo < 0) return std::nullopt;
        out[i] = static_cast<char>(hi * 16 + lo);
    }
    return out;
}

errc parse_header(std::string_view text, frame_header& out, std::string* detail) {
    auto fail = [&](errc e, std::string why) {
        if (detail) *detail = std::move(why);
        return e;
    };
    if (text.size() < 10 || text.front() != '\n' || text.back() != '\r')
        return fail(errc::garbage, "not LF ... CR");
    std::string_view inner = text.substr(9, text.size() - 10);  // from the first '"' to before CR
    std::string_view crc_field = text.substr(1, 4), len_field = text.substr(5, 4);
    if (!all_hex(crc_field)) return fail(errc::garbage, "CRC field is not hex");
    if (!all_hex(len_field)) return fail(errc::garbage, "length field is not hex");
    if (inner.empty() || inner.front() != '"') return fail(errc::garbage, "no '\"' after the length");
    std::size_t len = std::stoul(std::string{len_field}, nullptr, 16);
    if (len != inner.size())
        return fail(errc::bad_length, fmt::format("length field {} but {} bytes", len_field, inner.size()));
    unsigned crc = static_cast<unsigned>(std::stoul(std::string{crc_field}, nullptr, 16));
    if (crc != crc16(inner))
        return fail(errc::bad_crc, fmt::format("CRC field {} but computed {:04X}", crc_field, crc16(inner)));

    std::size_t close = inner.find('"', 1);
    if (close == std::string_view::npos) return fail(errc::garbage, "no closing '\"'");
    std::string_view id = inner.substr(1, close - 1);
    out = frame_header{};
    if (!id.empty() && id.front() == '*') {
        out.encrypted = true;
        id.remove_prefix(1);
    }
    if (id == "SIA-DCS")
        out.id = frame_id::sia_dcs;
    else if (id == "ADM-CID")
        out.id = frame_id::adm_cid;
    else if (id == "NULL")
        out.id = frame_id::null;
    else if (id == "ACK")
        out.id = frame_id::ack;
    else if (id == "NAK")
        out.id = frame_id::nak;
    else if (id == "DUH")
        out.id = frame_id::duh;
    else
        return fail(errc::unknown_id, fmt::format("id \"{}\"", id.substr(0, 16)));

    std::size_t p = close + 1;
    int seq = digits(inner, p, 4);
    if (seq < 0) return fail(errc::garbage, "sequence is not 4 digits");
    out.seq = static_cast<unsigned>(seq);
    p += 4;
    if (p < inner.size() && inner[p] == 'R') {
        std::size_t n = hex_run(inner, p + 1, 6);
        if (n == 0) return fail(errc::garbage, "receiver is not 1-6 hex digits");
        out.receiver = std::string{inner.substr(p + 1, n)};
        p += 1 + n;
    }
    if (p >= inner.size() || inner[p] != 'L') return fail(errc::garbage, "no line field");
    {
        std::size_t n = hex_run(inner, p + 1, 6);
        // 'A' is a hex digit, so in a NAK's "L0A0[" the line's run swallows the "A<hex>" account field
        // that follows it: give that field back (the line is "0", not "0A0"). The run can be longer
        // than a line's 6 digits ("L8E200A0[").
        if (out.id == frame_id::nak) {
            std::size_t all = hex_run(inner, p + 1, 6 + 17);
            if (all > 0 && p + 1 + all < inner.size() && inner[p + 1 + all] == '[') {
                auto run = inner.substr(p + 1, all);
                auto a = run.rfind('A');
                if (a != std::string_view::npos && a > 0 && a <= 6 && a + 1 < run.size()) n = a;
            }
        }
        if (n == 0) return fail(errc::garbage, "line is not 1-6 hex digits");
        out.line = std::string{inner.substr(p + 1, n)};
        p += 1 + n;
    }
    if (p < inner.size() && inner[p] == '#') {
        std::size_t n = hex_run(inner, p + 1, 16);
        if (n < 3) return fail(errc::garbage, "account is not 3-16 hex digits");
        out.account = std::string{inner.substr(p + 1, n)};
        p += 1 + n;
    } else if (p < inner.size() && inner[p] == 'A') {
        std::size_t n = hex_run(inner, p + 1, 16);  // "A0" in a NAK: no account
        if (n == 0) return fail(errc::garbage, "bad 'A' field");
        p += 1 + n;
    }
    if (p >= inner.size() || inner[p] != '[') return fail(errc::garbage, "no '[' after the header");
    out.body = std::string{inner.substr(p + 1)};
    return errc::ok;
}

parse_result open_frame(const frame_header& h, std::string_view key) {
    parse_result r;
    auto fail = [&](errc e, std::string why) {
        r.error = e;
        r.detail = std::move(why);
        return r;
    };
    frame& f = r.value;
    f.id = h.id;
    f.encrypted = h.encrypted;
    f.seq = h.seq;
    f.receiver = h.receiver;
    f.line = h.line;
    f.account = h.account;

    std::string rest;  // "data]ext_timestamp"
    if (h.encrypted) {
        if (key.empty()) return fail(errc::decrypt_failed, "encrypted frame and no key for the account");
        if (key.size() != 16 && key.size() != 24 && key.size() != 32)
            return fail(errc::decrypt_failed, "key is not 16, 24 or 32 bytes");
        auto bytes = from_hex(h.body);
        if (!bytes || bytes->empty() || bytes->size() % 16 != 0)
            return fail(errc::decrypt_failed, "encrypted part is not hex blocks of 16 bytes");
        auto plain = aes_decrypt(key, *bytes);
        if (!plain) return fail(errc::decrypt_failed, "AES failed");
        std::string_view text = *plain;
        // Receivers that leave their AES library's PKCS#7 padding on append a block of 0x01-0x10
        // bytes after the timestamp (iobroker.sia's ACK); no DC-09 field ends in a control byte.
        while (!text.empty() && static_cast<unsigned char>(text.back()) < 0x20) text.remove_suffix(1);
        std::size_t close = text.find(']');
        std::size_t bar = text.find('|');
        if (close == std::string_view::npos)
            return fail(errc::decrypt_failed, "no ']' after decryption (wrong key?)");
        if (bar < close) {
            rest = text.substr(bar + 1);  // the standard's "pad|data]"
        } else if (is_reply(h.id)) {
            // Replies carry no data, and some receivers pad them without the '|' ("000…0]_time",
            // pysiaalarm): the pad ends at ']', and the reply must end in its timestamp (transmitters
            // in the field read it from the end), which also tells a wrong key.
            if (text.size() < 20 || !parse_timestamp(text.substr(text.size() - 20)))
                return fail(errc::decrypt_failed,
                            "no '|' and no timestamp at the end after decryption (wrong key?)");
            rest = text.substr(close);
        } else {
            return fail(errc::decrypt_failed, "no '|' before ']' after decryption (wrong key?)");
        }
        // With a wrong key the '|' or ']' found above is chance; what follows them is not text then.
        // A reply is ASCII; an event's text may carry other bytes (names in UTF-8), never controls.
        const bool reply = is_reply(h.id);
        if (!std::all_of(rest.begin(), rest.end(), [reply](char c) {
                auto u = static_cast<unsigned char>(c);
                return u >= 0x20 && u != 0x7F && (!reply || u < 0x80);
            }))
            return fail(errc::decrypt_failed, "control bytes after decryption (wrong key?)");
    } else {
        rest = h.body;
    }
    std::size_t end = rest.find(']');
    if (end == std::string::npos) return fail(errc::bad_data, "no ']' after the data");
    f.data = rest.substr(0, end);
    if (f.data.find('[') != std::string::npos) return fail(errc::bad_data, "'[' inside the data");
    std::size_t p = end + 1;
    while (p < rest.size() && rest[p] == '[') {  // extended data blocks
        std::size_t e = rest.find(']', p);
        if (e == std::string::npos) return fail(errc::bad_data, "unterminated extended data block");
        p = e + 1;
    }
    f.extended = rest.substr(end + 1, p - end - 1);
    std::string_view ts = std::string_view{rest}.substr(p);
    if (!ts.empty()) {
        auto t = parse_timestamp(ts);
        if (!t)
            return fail(errc::bad_timestamp,
                        fmt::format("timestamp '{}'", ts.substr(0, 24)));  // at most a few bytes in a log
        f.timestamp = t;
    } else if (h.encrypted) {
        return fail(errc::bad_timestamp, "encrypted frame without a timestamp");
    }
    return r;
}

parse_result parse_frame(std::string_view text, std::string_view key) {
    frame_header h;
    parse_result r;
    r.error = parse_header(text, h, &r.detail);
    if (r.error != errc::ok) return r;
    return open_frame(h, key);
}

std::string sia_data(std::string_view account, unsigned area, std::string_view code, unsigned zone) {
    if (code.size() != 2 ||
        !std::all_of(code.begin(), code.end(), [](char c) { return c >= 'A' && c <= 'Z'; }))
        throw std::invalid_argument(fmt::format("SIA code '{}' is not two upper-case letters", code));
    return fmt::format("#{}|Nri{}/{}{:03d}", account, area, code, zone);
}

std::string cid_data(std::string_view account, int qualifier, int event, unsigned group, unsigned zone) {
    if (qualifier < 0 || qualifier > 9 || event < 0 || event > 999 || group > 99 || zone > 999)
        throw std::invalid_argument("Contact ID field out of range");
    return fmt::format("#{}|{}{:03d} {:02d} {:03d}", account, qualifier, event, group, zone);
}

std::optional<event_data> parse_event_data(frame_id id, std::string_view d) {
    event_data e;
    if (!d.empty() && d.front() == '#') {
        std::size_t bar = d.find('|');
        if (bar == std::string_view::npos) return std::nullopt;
        e.account = std::string{d.substr(1, bar - 1)};
        if (!all_hex(e.account)) return std::nullopt;
        d.remove_prefix(bar + 1);
    } else if (!d.empty() && d.front() == '|') {
        d.remove_prefix(1);
    }
    if (id == frame_id::adm_cid) {
        // QEEE GG ZZZ (also accepted: Q EEE GG ZZZ)
        std::string compact;
        for (char c : d)
            if (c != ' ') compact += c;
        if (compact.size() != 9 || !std::all_of(compact.begin(), compact.end(), is_digit))
            return std::nullopt;
        e.qualifier = compact[0] - '0';
        e.event = digits(compact, 1, 3);
        e.area = static_cast<unsigned>(digits(compact, 4, 2));
        e.zone = static_cast<unsigned>(digits(compact, 6, 3));
        return e;
    }
    if (id != frame_id::sia_dcs) return std::nullopt;
    // N [ri<area>/] [other blocks "xx<digits>/"] <code> <zone digits> [text]
    if (!d.empty() && d.front() == 'N') d.remove_prefix(1);
    while (d.size() >= 2 && d[0] >= 'a' && d[0] <= 'z' && d[1] >= 'a' && d[1] <= 'z') {
        std::string_view tag = d.substr(0, 2);
        std::size_t n = 2;  // the value: digits (and ':' for a time), then an optional '/'
        while (n < d.size() && (is_digit(d[n]) || d[n] == ':')) ++n;
        std::string_view value = d.substr(2, n - 2);
        if (tag == "ri") {
            if (value.empty() || value.size() > 4 || !std::all_of(value.begin(), value.end(), is_digit))
                return std::nullopt;
            e.area = static_cast<unsigned>(std::stoul(std::string{value}));
        }
        if (n < d.size() && d[n] == '/') ++n;
        d.remove_prefix(n);
    }
    if (d.size() < 2 || d[0] < 'A' || d[0] > 'Z' || d[1] < 'A' || d[1] > 'Z') return std::nullopt;
    e.code = std::string{d.substr(0, 2)};
    d.remove_prefix(2);
    std::size_t n = 0;
    while (n < d.size() && n < 4 && is_digit(d[n])) ++n;
    if (n > 0) e.zone = static_cast<unsigned>(std::stoul(std::string{d.substr(0, n)}));
    e.text = std::string{d.substr(n)};
    return e;
}

std::vector<std::string> frame_splitter::feed(std::string_view bytes) {
    std::vector<std::string> frames;
    for (char c : bytes) {
        if (skipping_) {
            ++discarded_;
            if (c == '\r')
                skipping_ = false;
            else if (c == '\n') {  // a new frame starts; the oversized one is over
                --discarded_;
                skipping_ = false;
                in_frame_ = true;
                buf_.assign(1, c);
            }
            continue;
        }
        if (!in_frame_) {
            if (c == '\n') {
                in_frame_ = true;
                buf_.assign(1, c);
            } else {
                ++discarded_;
            }
            continue;
        }
        if (c == '\n') {  // a frame restarts before the last one ended: drop the partial one
            discarded_ += buf_.size();
            buf_.assign(1, c);
            continue;
        }
        buf_ += c;
        if (c == '\r') {
            frames.push_back(std::move(buf_));
            buf_.clear();
            in_frame_ = false;
        } else if (buf_.size() >= max_frame_) {
            discarded_ += buf_.size();
            buf_.clear();
            buf_.shrink_to_fit();
            in_frame_ = false;
            skipping_ = true;
        }
    }
    return frames;
}

}  // namespace warden::dc09
