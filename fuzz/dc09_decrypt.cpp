// SIA DC-09 encrypted frames (AES-CBC, zero IV, hex) as the centre's receiver and the hub's sender
// open them: the decryption and everything read from the decrypted text.
//
// Input: MODE KEY ID BYTES
//   MODE 'p'  BYTES is the plaintext after the pad ("|data]ext timestamp"): padded, encrypted with the
//             key, hexed and framed with a correct CRC, so mutations reach the decrypted-text parser.
//   MODE 'c'  BYTES is the hex body itself (after '['): bad hex, odd lengths, wrong sizes.
//   KEY       '1', '2' or '3': AES-128, -192 or -256 (account ABCD holds the 128-bit one, so other
//             keys are the "wrong key" case).
//   ID        'S' SIA-DCS, 'C' ADM-CID, 'N' NULL, 'A' ACK.
// Invariants: no exception escapes; what opens re-encodes with the key and opens to the same frame.

#include <chrono>
#include <stdexcept>
#include <string>

#include <fmt/format.h>

#include "fuzz.hpp"
#include "warden/dc09/codec.hpp"
#include "warden/dc09/receiver.hpp"

using namespace warden;
using namespace warden::dc09;

namespace {

const time_point noon = time_point{} + std::chrono::seconds{1'736'942'400};  // 2025-01-15 12:00:00 UTC
const std::string key128 = "0123456789ABCDEF";
const std::string key192 = "0123456789ABCDEF01234567";
const std::string key256 = "0123456789ABCDEF0123456789ABCDEF";

receiver_options options() {
    receiver_options o;
    o.spec.max_clock_skew = std::chrono::seconds{600};
    o.spec.accounts.push_back({"ABCD", "hub-0002", key128});
    return o;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    auto in = fuzz::text(data, size);
    if (in.size() < 3) return 0;
    char mode = in[0];
    const std::string& key = in[1] == '2' ? key192 : in[1] == '3' ? key256 : key128;
    std::string_view id = in[2] == 'C' ? "ADM-CID" : in[2] == 'N' ? "NULL" : in[2] == 'A' ? "ACK" : "SIA-DCS";
    in.remove_prefix(3);
    if (in.size() > 1800) return 0;  // the hex of more would not fit a frame's 0xFFF length

    std::string body;
    if (mode == 'p') {
        std::string plain(pad_length(in.size()), 'P');
        plain += in;
        body = to_hex(aes_encrypt(key, plain));
    } else if (mode == 'c') {
        body = in;
    } else {
        return 0;
    }
    std::string inner = fmt::format("\"*{}\"0001R0L0#ABCD[{}", id, body);
    if (inner.size() > 0xFFF) return 0;
    std::string text = fmt::format("\n{:04X}{:04X}{}\r", crc16(inner), inner.size(), inner);

    static const receiver_options opts = options();
    (void)handle_frame(text, opts, noon);
    auto r = parse_frame(text, key);
    if (!r) return 0;
    WARDEN_FUZZ_CHECK(r.value.encrypted);
    if (r.value.id == frame_id::sia_dcs || r.value.id == frame_id::adm_cid)
        (void)parse_event_data(r.value.id, r.value.data);
    std::string again;
    try {
        again = encode(r.value, key);
    } catch (const std::invalid_argument&) {
        return 0;  // read leniently, written strictly: a field encode refuses
    }
    auto back = parse_frame(again, key);
    WARDEN_FUZZ_CHECK(back);
    WARDEN_FUZZ_CHECK(back.value == r.value);
    return 0;
}
