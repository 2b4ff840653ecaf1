#pragma once
/// SIA DC-09 frames (SPEC 4) as values: CRC, timestamps, encode, parse, AES-CBC encryption and a
/// bounded splitter that finds frames in a TCP byte stream. Pure code, no I/O: the same functions run
/// in the hub's sender, the centre's receiver and the tests. All functions are thread-safe.
///
/// A frame on the wire:  LF crc 0LLL "id" seq [Rrcvr] Lline [#acct] [data] [ext...] [timestamp] CR
///   crc   CRC-16/ARC of everything from the first '"' to the byte before CR, 4 upper-case hex digits
///   0LLL  that same length, 4 upper-case hex digits
///   id    SIA-DCS | ADM-CID | NULL (events) or ACK | NAK | DUH (replies), '*' first when encrypted
/// Encrypted: the part after '[' (pad, '|', data, ']', extended blocks, timestamp) is AES-CBC with a
/// zero IV, sent as upper-case hex; the pad makes it a multiple of 16 bytes.

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "warden/common/time.hpp"

namespace warden::dc09 {

/// CRC-16/ARC (poly 0x8005 reflected = 0xA001, init 0, no final xor): "123456789" -> 0xBB3D.
std::uint16_t crc16(std::string_view bytes) noexcept;

/// "_HH:MM:SS,MM-DD-YYYY" in UTC (the leading underscore included), seconds precision.
std::string format_timestamp(time_point t);
/// Parses "_HH:MM:SS,MM-DD-YYYY" (underscore required); nullopt if malformed or out of range.
std::optional<time_point> parse_timestamp(std::string_view text) noexcept;

/// The token between the quotes.
enum class frame_id { sia_dcs, adm_cid, null, ack, nak, duh };
/// "SIA-DCS", "ADM-CID", "NULL", "ACK", "NAK", "DUH" (without the '*').
std::string_view to_string(frame_id id) noexcept;
/// True for the replies (ACK, NAK, DUH).
bool is_reply(frame_id id) noexcept;

/// One frame, decrypted. Regular value type.
struct frame {
    frame_id id = frame_id::sia_dcs;
    bool encrypted = false;  ///< set by parse; encode encrypts when given a key
    unsigned seq = 1;        ///< 0..9999 (events 0001-9999; a NAK carries 0000)
    std::string receiver;    ///< hex digits after 'R'; empty = no R field
    std::string line = "0";  ///< hex digits after 'L'
    std::string account;     ///< hex digits after '#'; empty = no account field
    std::string data;        ///< between '[' and ']', e.g. "#1234|Nri1/MA001"; plaintext
    std::string extended;    ///< extended data blocks after ']' verbatim, e.g. "[X...]"; usually empty
    std::optional<time_point> timestamp;  ///< whole seconds; nullopt = no timestamp

    bool operator==(const frame&) const = default;
};

/// What went wrong while reading a frame. `ok` is zero.
enum class errc {
    ok = 0,
    garbage,          ///< not a DC-09 frame at all (no LF..CR, bad header)
    bad_crc,          ///< CRC does not match: corrupted in transit
    bad_length,       ///< length field does not match
    unknown_id,       ///< id token not one of SIA-DCS, ADM-CID, NULL, ACK, NAK, DUH
    unknown_account,  ///< no key / account known for this account (parse_frame's lookup said so)
    not_encrypted,    ///< plain frame for an account that has a key
    decrypt_failed,   ///< encrypted but no key, bad hex, wrong block size or wrong key
    bad_timestamp,    ///< timestamp present but malformed, or missing on an encrypted frame
    bad_data,         ///< the data block cannot be read (missing ']', bad SIA/CID content)
};
/// A short English phrase for logs ("bad CRC").
std::string_view to_string(errc e) noexcept;

/// A parse outcome: `error == errc::ok` and `value` filled, or an error and a detail for the log.
struct parse_result {
    errc error = errc::ok;
    std::string detail;  ///< what exactly was wrong (never contains key material)
    frame value;
    explicit operator bool() const noexcept { return error == errc::ok; }
};

/// Encodes a frame, LF and CR included. With an empty `key` the frame is plain; with a key of 16, 24
/// or 32 bytes it is encrypted (AES-128/192/256-CBC, zero IV, random printable pad without |[]).
/// Throws std::invalid_argument for a bad key length, seq > 9999, or fields with characters the
/// format cannot carry (non-hex R/L/#, '[' or ']' in data).
std::string encode(const frame& f, std::string_view key = {});
/// Same with a chosen pad (tests, known vectors): `pad` must be exactly the bytes needed to reach a
/// multiple of 16 (1..16 of them, see pad_length) and contain no '|', '[' or ']'.
std::string encode_with_pad(const frame& f, std::string_view key, std::string_view pad);
/// How many pad bytes encode uses for `plain_len` bytes of "|data]ext timestamp": 1..16.
std::size_t pad_length(std::size_t plain_len) noexcept;

/// The header of a frame, read without any key: enough to look the account up.
struct frame_header {
    frame_id id = frame_id::sia_dcs;
    bool encrypted = false;
    unsigned seq = 0;
    std::string receiver, line, account;
    std::string body;  ///< everything after the first '[' up to (not including) CR
};
/// Checks LF/CR, CRC, length, id, seq, R, L and account; `text` is one whole frame, LF..CR.
/// Accepts "A<hex>" in place of "#acct" (the NAK form), leaving account empty.
errc parse_header(std::string_view text, frame_header& out, std::string* detail = nullptr);
/// Decrypts (when the header says so) and reads data, extended blocks and timestamp.
parse_result open_frame(const frame_header& h, std::string_view key);
/// parse_header + open_frame with one key for every account (the sender's side).
parse_result parse_frame(std::string_view text, std::string_view key = {});

/// AES-CBC with zero IV, no padding; `key` 16/24/32 bytes, `plain` a multiple of 16. Throws
/// std::invalid_argument on bad sizes, std::runtime_error if OpenSSL fails.
std::string aes_encrypt(std::string_view key, std::string_view plain);
/// The inverse; nullopt on bad sizes or an OpenSSL failure.
std::optional<std::string> aes_decrypt(std::string_view key, std::string_view cipher);
/// Upper-case hex of bytes, and back (nullopt on odd length or non-hex).
std::string to_hex(std::string_view bytes);
std::optional<std::string> from_hex(std::string_view hex);

/// SIA-DCS event data "#acct|Nri<area>/<code><zone>", zone as 3 digits (4 above 999), e.g.
/// "#1234|Nri1/MA001". Throws std::invalid_argument for a code that is not two upper-case letters.
std::string sia_data(std::string_view account, unsigned area, std::string_view code, unsigned zone);
/// ADM-CID event data "#acct|QEEE GG ZZZ": qualifier 1 (new) or 3 (restore), event 3 digits, group
/// (area) 2 digits, zone 3 digits. This is the form SIA DC-09 receivers parse (qualifier and event
/// code adjacent, as in "#1234|1101 01 001"); SPEC 4 writes the fields spaced out for reading.
std::string cid_data(std::string_view account, int qualifier, int event, unsigned group, unsigned zone);

/// An event read back from the data block of a SIA-DCS or ADM-CID frame.
struct event_data {
    std::string account;  ///< from "#acct|", empty if the data has none
    std::string code;     ///< SIA-DCS: the 2-letter code ("MA"); ADM-CID: empty
    int qualifier = 0;    ///< ADM-CID: 1 new, 3 restore, 6 status; SIA-DCS: 0
    int event = 0;        ///< ADM-CID: the 3-digit Contact ID event; SIA-DCS: 0
    unsigned area = 0;    ///< SIA "ri" area / CID group
    unsigned zone = 0;
    std::string text;  ///< SIA-DCS: anything after the zone (e.g. "^text^" or "|Atext"), verbatim
    bool operator==(const event_data&) const = default;
};
/// Reads the data block of an event frame; nullopt if it is not SIA-DCS / ADM-CID event data.
std::optional<event_data> parse_event_data(frame_id id, std::string_view data);

/// Finds frames (LF ... CR) in a byte stream. Bytes outside frames are discarded and counted; a
/// frame longer than `max_frame` bytes is discarded, so memory stays bounded whatever arrives.
/// Not thread-safe; one per connection.
class frame_splitter {
public:
    /// The largest legal frame is LF + 8 + 0xFFF + CR; the default leaves room for that.
    explicit frame_splitter(std::size_t max_frame = 4106) : max_frame_(max_frame) {}
    /// Appends bytes; returns the complete frames found, each LF..CR inclusive, in order.
    std::vector<std::string> feed(std::string_view bytes);
    /// Bytes thrown away so far (garbage and oversized frames).
    std::size_t discarded() const noexcept { return discarded_; }
    /// Bytes of a frame started but not finished.
    std::size_t pending() const noexcept { return buf_.size(); }

private:
    std::size_t max_frame_;
    std::string buf_;
    bool in_frame_ = false;
    bool skipping_ = false;  ///< inside an oversized frame: drop until CR
    std::size_t discarded_ = 0;
};

}  // namespace warden::dc09
