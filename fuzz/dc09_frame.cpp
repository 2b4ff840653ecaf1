// SIA DC-09 as the centre's receiver reads it: a TCP byte stream cut into frames, each frame's header,
// data block and timestamp, and the receiver's decision (ACK / NAK / DUH) for it.
//
// Input: MODE BYTES
//   MODE 's'  BYTES is a TCP stream: cut by the frame splitter, every frame handled.
//   MODE 'f'  BYTES is a frame's inside, from the first '"' to before CR: the CRC and length are
//             computed and put in front, so mutations get past the CRC check to the fields.
//   MODE 'e'  BYTES is ID LF DATA: event data of ID (SIA-DCS or ADM-CID), or a timestamp.
// Invariants: no exception escapes a parser; a frame that parses encodes back to text that parses to
// the same frame (when encode takes its fields); a timestamp that parses formats back to itself;
// the splitter keeps no more than its limit.

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

receiver_options options() {
    receiver_options o;
    o.spec.max_clock_skew = std::chrono::seconds{600};
    o.spec.accounts.push_back({"1234", "hub-0001", ""});
    o.spec.accounts.push_back({"ABCD", "hub-0002", "0123456789ABCDEF"});
    return o;
}

void check_frame(std::string_view text) {
    static const receiver_options opts = options();
    auto outcome = handle_frame(text, opts, noon);
    if (!outcome.reply_bytes.empty()) {
        frame_header h;  // our own reply is always a well-formed frame
        WARDEN_FUZZ_CHECK(parse_header(outcome.reply_bytes, h) == errc::ok);
        WARDEN_FUZZ_CHECK(is_reply(h.id));
    }
    auto r = parse_frame(text);
    if (!r) return;
    if (r.value.id == frame_id::sia_dcs || r.value.id == frame_id::adm_cid)
        (void)parse_event_data(r.value.id, r.value.data);
    std::string again;
    try {
        again = encode(r.value);
    } catch (const std::invalid_argument&) {
        return;  // read leniently, written strictly: a field encode refuses
    }
    auto back = parse_frame(again);
    WARDEN_FUZZ_CHECK(back);
    WARDEN_FUZZ_CHECK(back.value == r.value);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    auto in = fuzz::text(data, size);
    if (in.empty()) return 0;
    char mode = in.front();
    in.remove_prefix(1);
    if (mode == 's') {
        frame_splitter splitter;
        // Two feeds, cut in the middle, as TCP may deliver it.
        for (auto part : {in.substr(0, in.size() / 2), in.substr(in.size() / 2)}) {
            for (const auto& f : splitter.feed(part)) check_frame(f);
            WARDEN_FUZZ_CHECK(splitter.pending() <= 4106);
        }
    } else if (mode == 'f') {
        if (in.size() > 0xFFF) return 0;
        check_frame(fmt::format("\n{:04X}{:04X}{}\r", crc16(in), in.size(), in));
    } else if (mode == 'e') {
        auto nl = in.find('\n');
        auto id = in.substr(0, nl);
        auto body = nl == std::string_view::npos ? std::string_view{} : in.substr(nl + 1);
        if (id == "SIA-DCS") (void)parse_event_data(frame_id::sia_dcs, body);
        if (id == "ADM-CID") (void)parse_event_data(frame_id::adm_cid, body);
        if (auto t = parse_timestamp(body)) {
            auto formatted = format_timestamp(*t);
            WARDEN_FUZZ_CHECK(parse_timestamp(formatted) == t);
        }
    }
    return 0;
}
