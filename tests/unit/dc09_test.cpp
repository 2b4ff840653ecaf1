// SIA DC-09 codec, code tables and the receiver's frame logic (no sockets).
#include <chrono>
#include <string>

#include <fmt/format.h>
#include <gtest/gtest.h>

#include "warden/dc09/codec.hpp"
#include "warden/dc09/codes.hpp"
#include "warden/dc09/receiver.hpp"
#include "warden/dc09/sender.hpp"

using namespace warden;
using namespace warden::dc09;
using namespace std::chrono_literals;

namespace {

// 2025-01-15 12:00:00 UTC
const time_point noon = *parse_time("2025-01-15T12:00:00Z");

// SPEC 4's verified frames.
const std::string spec_frame_1 = "\nF4D20029\"SIA-DCS\"0001RF3L77#1234[#1234|NRR|Atest]\r";
const std::string spec_frame_2 = "\n96ED0016\"SIA-DCS\"0001L0#1234[]\r";
const std::string spec_frame_3 = "\n2747003C\"SIA-DCS\"0001R0L0#1234[#1234|Nri1/MA001]_12:00:00,01-15-2025\r";
const std::string spec_frame_4 = "\nC05D0029\"NULL\"0003R0L0#1234[]_12:00:00,01-15-2025\r";

// Computed once, independently, with:
//   printf '%s' 'ABCDEFGHIJ|#1234|Nri1/MA001]_12:00:00,01-15-2025' |
//     openssl enc -aes-128-cbc -nopad -K 30313233343536373839414243444546 -iv 0...0 | xxd -p -u
const std::string key128 = "0123456789ABCDEF";
const std::string cipher128 =
    "EDFA2734E3454C7440D57547DB78CC8D1D282EDA65ED4FB3516D6A4C85FB13E4A6B9CB712CCEFBC6991AD0AA85BBD6FA";
//   printf '%s' 'KLMNOPQRST|]_12:00:00,01-15-2025' | openssl enc -aes-256-cbc -nopad -K <hex of key256> -iv 0
const std::string key256 = "0123456789ABCDEF0123456789ABCDEF";
const std::string cipher256 = "A950CD03EC434CB8A33B5EF211D865ECAB5EA54C225A706B569252E040D2D386";

frame event_frame(std::string data, unsigned seq = 1) {
    frame f;
    f.id = frame_id::sia_dcs;
    f.seq = seq;
    f.receiver = "0";
    f.line = "0";
    f.account = "1234";
    f.data = std::move(data);
    f.timestamp = noon;
    return f;
}

alert make_alert(std::string type, std::string sia, alert_state state = alert_state::raised,
                 std::string sensor = "pendant") {
    alert a;
    a.id = "hub-0001-7";
    a.hub = "hub-0001";
    a.seq = 7;
    a.type = std::move(type);
    a.sia = std::move(sia);
    a.state = state;
    a.sensor = std::move(sensor);
    return a;
}

receiver_options receiver_opts() {
    receiver_options o;
    o.spec.max_clock_skew = 600s;
    o.spec.accounts.push_back({"1234", "hub-0001", ""});
    o.spec.accounts.push_back({"ABCD", "hub-0002", key128});
    return o;
}

}  // namespace

// ---- CRC and timestamps ---------------------------------------------------------------------------

TEST(Dc09Crc, CheckValueOfCrc16Arc) {
    EXPECT_EQ(crc16("123456789"), 0xBB3D);
    EXPECT_EQ(crc16(""), 0x0000);
    EXPECT_EQ(crc16("\"SIA-DCS\"0001L0#1234[]"), 0x96ED);
}

TEST(Dc09Timestamp, FormatsUtcAndParsesBack) {
    EXPECT_EQ(format_timestamp(noon), "_12:00:00,01-15-2025");
    EXPECT_EQ(format_timestamp(noon + 999ms), "_12:00:00,01-15-2025");  // whole seconds
    EXPECT_EQ(format_timestamp(*parse_time("2026-11-28T23:59:59Z")), "_23:59:59,11-28-2026");
    EXPECT_EQ(parse_timestamp("_12:00:00,01-15-2025"), noon);
    EXPECT_EQ(parse_timestamp("_00:00:00,02-29-2024"), *parse_time("2024-02-29T00:00:00Z"));
}

TEST(Dc09Timestamp, RejectsMalformedTimestamps) {
    for (const char* bad : {"12:00:00,01-15-2025", "_24:00:00,01-15-2025", "_12:60:00,01-15-2025",
                            "_12:00:00,13-15-2025", "_12:00:00,02-30-2025", "_12:00:00,02-29-2025",
                            "_12:00:00,01-15-25", "_12-00-00,01-15-2025", "_1a:00:00,01-15-2025", ""})
        EXPECT_FALSE(parse_timestamp(bad).has_value()) << bad;
}

// ---- SPEC 4 verified frames, byte for byte -----------------------------------------------------------

TEST(Dc09Frames, EncodesEverySpecFrameByteForByte) {
    frame f1;
    f1.id = frame_id::sia_dcs;
    f1.seq = 1;
    f1.receiver = "F3";
    f1.line = "77";
    f1.account = "1234";
    f1.data = "#1234|NRR|Atest";
    EXPECT_EQ(encode(f1), spec_frame_1);

    frame f2;
    f2.seq = 1;
    f2.line = "0";
    f2.account = "1234";
    EXPECT_EQ(encode(f2), spec_frame_2);

    EXPECT_EQ(encode(event_frame(sia_data("1234", 1, "MA", 1))), spec_frame_3);

    frame f4 = event_frame("", 3);
    f4.id = frame_id::null;
    EXPECT_EQ(encode(f4), spec_frame_4);
}

TEST(Dc09Frames, ParsesEverySpecFrameAndEncodesItBackIdentically) {
    for (const auto& text : {spec_frame_1, spec_frame_2, spec_frame_3, spec_frame_4}) {
        auto r = parse_frame(text);
        ASSERT_TRUE(r) << to_string(r.error) << " " << r.detail;
        EXPECT_EQ(encode(r.value), text);
    }
    auto r3 = parse_frame(spec_frame_3);
    EXPECT_EQ(r3.value.id, frame_id::sia_dcs);
    EXPECT_EQ(r3.value.seq, 1u);
    EXPECT_EQ(r3.value.receiver, "0");
    EXPECT_EQ(r3.value.line, "0");
    EXPECT_EQ(r3.value.account, "1234");
    EXPECT_EQ(r3.value.data, "#1234|Nri1/MA001");
    EXPECT_EQ(r3.value.timestamp, noon);
    auto r2 = parse_frame(spec_frame_2);
    EXPECT_EQ(r2.value.receiver, "");  // no R field
    EXPECT_FALSE(r2.value.timestamp.has_value());
    auto r1 = parse_frame(spec_frame_1);
    EXPECT_EQ(r1.value.receiver, "F3");
    EXPECT_EQ(r1.value.line, "77");
    EXPECT_EQ(parse_frame(spec_frame_4).value.id, frame_id::null);
}

TEST(Dc09Frames, RefusesFieldsTheFormatCannotCarry) {
    frame f = event_frame("#1234|Nri1/MA001");
    f.seq = 10000;
    EXPECT_THROW(encode(f), std::invalid_argument);
    f = event_frame("#1234|[x]");
    EXPECT_THROW(encode(f), std::invalid_argument);
    f = event_frame("x");
    f.account = "12G4";
    EXPECT_THROW(encode(f), std::invalid_argument);
    EXPECT_THROW(encode(event_frame("x"), "short key"), std::invalid_argument);
}

// ---- encryption ---------------------------------------------------------------------------------

TEST(Dc09Crypto, MatchesAnIndependentOpensslVectorAes128) {
    frame f = event_frame(sia_data("1234", 1, "MA", 1));
    std::string text = encode_with_pad(f, key128, "ABCDEFGHIJ");
    EXPECT_EQ(text, "\n5A850078\"*SIA-DCS\"0001R0L0#1234[" + cipher128 + "\r");
    auto r = parse_frame(text, key128);
    ASSERT_TRUE(r) << r.detail;
    EXPECT_TRUE(r.value.encrypted);
    EXPECT_EQ(r.value.data, "#1234|Nri1/MA001");
    EXPECT_EQ(r.value.timestamp, noon);
}

TEST(Dc09Crypto, MatchesAnIndependentOpensslVectorAes256Null) {
    frame f = event_frame("", 2);
    f.id = frame_id::null;
    std::string text = encode_with_pad(f, key256, "KLMNOPQRST");
    EXPECT_EQ(text, "\nCF3F0055\"*NULL\"0002R0L0#1234[" + cipher256 + "\r");
    auto r = parse_frame(text, key256);
    ASSERT_TRUE(r) << r.detail;
    EXPECT_EQ(r.value.id, frame_id::null);
    EXPECT_EQ(r.value.data, "");
}

TEST(Dc09Crypto, RandomPadRoundTripsForEveryKeySize) {
    for (const std::string& key : {key128, std::string(24, 'k'), key256}) {
        for (int i = 0; i < 50; ++i) {
            frame f = event_frame(sia_data("1234", 1, "QA", static_cast<unsigned>(i)),
                                  static_cast<unsigned>(i + 1));
            std::string text = encode(f, key);
            auto r = parse_frame(text, key);
            ASSERT_TRUE(r) << r.detail;
            f.encrypted = true;
            EXPECT_EQ(r.value, f);
            // The pad is printable and free of | [ ].
            auto h = text.find('[');
            auto plain = aes_decrypt(key, *from_hex(text.substr(h + 1, text.size() - h - 2)));
            ASSERT_TRUE(plain);
            EXPECT_EQ(plain->size() % 16, 0u);
            auto bar = plain->find('|');
            EXPECT_GE(bar, 1u);
            for (std::size_t k = 0; k < bar; ++k) {
                EXPECT_GE((*plain)[k], 0x21);
                EXPECT_LE((*plain)[k], 0x7E);
            }
        }
    }
}

TEST(Dc09Crypto, EncryptedFramesNeedTheRightKeyAndATimestamp) {
    std::string text = encode(event_frame(sia_data("1234", 1, "MA", 1)), key128);
    EXPECT_EQ(parse_frame(text, "").error, errc::decrypt_failed);
    EXPECT_EQ(parse_frame(text, "FEDCBA9876543210").error, errc::decrypt_failed);
    frame no_time = event_frame("#1234|Nri1/MA001");
    no_time.timestamp.reset();
    EXPECT_EQ(parse_frame(encode(no_time, key128), key128).error, errc::bad_timestamp);
    EXPECT_EQ(pad_length(38), 10u);
    EXPECT_EQ(pad_length(32), 16u);
    EXPECT_THROW(encode_with_pad(event_frame("x"), key128, "ABC"), std::invalid_argument);
}

// ---- encrypted replies from other receivers ----------------------------------------------------------
// A hub pointed at an independent receiver could not read its encrypted ACKs ("no '|' ... ']' after
// decryption"). These are the byte layouts real receivers send, for the frame of
// MatchesAnIndependentOpensslVectorAes128 (seq 0001, account 1234, key128), answered at noon.

namespace {
/// LF crc len inner CR, as every DC-09 implementation frames it.
std::string wrap_frame(const std::string& inner) {
    return fmt::format("\n{:04X}{:04X}{}\r", crc16(inner), inner.size(), inner);
}
}  // namespace

TEST(Dc09Replies, ReadsTheEncryptedAckOfIobrokerSia) {
    // Made by iobroker.sia 2.0.4 (npm; schmupu/ioBroker.sia, src/lib/sia.ts createACK) for that frame,
    // its clock set to noon: pad of NUL bytes, '|', ']', timestamp, then a whole block of 0x10 because
    // Node's cipher keeps PKCS#7 padding on; hex in lower case.
    const std::string ack =
        "\n896E0074\"*ACK\"0001R0L0#1234["
        "58e3e07eb1edb2d939e7e56c019c3e30bf6d44a1661b831f04a30e895bf79b12fe52f2d56b0a3172cfe3fc2b07f3dbdf\r";
    auto r = parse_frame(ack, key128);
    ASSERT_TRUE(r) << to_string(r.error) << ": " << r.detail;
    EXPECT_EQ(r.value.id, frame_id::ack);
    EXPECT_TRUE(r.value.encrypted);
    EXPECT_EQ(r.value.seq, 1u);
    EXPECT_EQ(r.value.account, "1234");
    EXPECT_EQ(r.value.data, "");
    EXPECT_EQ(r.value.timestamp, noon);
    // Its NAK is plain, in the standard's form.
    auto nak = parse_frame("\n66290025\"NAK\"0000R0L0A0[]_12:00:00,01-15-2025\r");
    ASSERT_TRUE(nak) << nak.detail;
    EXPECT_EQ(nak.value.timestamp, noon);
}

TEST(Dc09Replies, ReadsAZeroFilledEncryptedAckWithoutABar) {
    // pysiaalarm (eavanvalkenburg/pysiaalarm, src/pysiaalarm/event.py create_response/encrypt_content)
    // encrypts "]_HH:MM:SS,MM-DD-YYYY" left-filled with '0' (str.zfill) to a multiple of 16: no '|'.
    //   printf '%s' '00000000000]_12:00:00,01-15-2025' | openssl enc -aes-128-cbc -nopad -K <hex of key128>
    //   -iv 0
    const std::string ack =
        wrap_frame("\"*ACK\"0001R0L0#1234[FDCE434358276C8338D6F0A710B574859F155BF298A3BC970B1C3144DBA98943");
    auto r = parse_frame(ack, key128);
    ASSERT_TRUE(r) << to_string(r.error) << ": " << r.detail;
    EXPECT_EQ(r.value.id, frame_id::ack);
    EXPECT_EQ(r.value.seq, 1u);
    EXPECT_EQ(r.value.data, "");
    EXPECT_EQ(r.value.timestamp, noon);
}

TEST(Dc09Replies, ReadsOtherPadsAndExtendedDataBeforeTheTimestamp) {
    auto ack_with = [](const std::string& plain) {
        return wrap_frame("\"*ACK\"0001R0L0#1234[" + to_hex(aes_encrypt(key128, plain)));
    };
    // An alphanumeric pad and no '|' (fioletoven/dc09, common/src/dc09/cryptography.rs pad_message).
    auto alnum = parse_frame(ack_with("aZ09bY18cX2]_12:00:00,01-15-2025"), key128);
    ASSERT_TRUE(alnum) << alnum.detail;
    EXPECT_EQ(alnum.value.timestamp, noon);
    // pysiaalarm adds "[K...]" after ']' when the event carried extended data.
    auto ext = parse_frame(ack_with("000000000000000000000]"
                                    "[Kkey]_12:00:00,01-15-2025"),
                           key128);
    ASSERT_TRUE(ext) << ext.detail;
    EXPECT_EQ(ext.value.extended, "[Kkey]");
    EXPECT_EQ(ext.value.timestamp, noon);
    // The standard's own form still reads, and a wrong key is still refused.
    auto std_form = parse_frame(ack_with("ABCDEFGHIJ|]_12:00:00,01-15-2025"), key128);
    ASSERT_TRUE(std_form) << std_form.detail;
    EXPECT_EQ(parse_frame(ack_with("ABCDEFGHIJ|]_12:00:00,01-15-2025"), "FEDCBA9876543210").error,
              errc::decrypt_failed);
    // Whatever a wrong key makes of a reply, it is never taken for one, and almost always it says so.
    int said_decrypt = 0;
    for (int i = 0; i < 3000; ++i) {
        std::string wrong = fmt::format("{:016X}", 0x1234'5678'9ABC'DEF0ULL * static_cast<unsigned>(i + 1));
        for (const char* plain : {"00000000000]_12:00:00,01-15-2025", "ABCDEFGHIJ|]_12:00:00,01-15-2025"}) {
            auto r = parse_frame(ack_with(plain), wrong);
            EXPECT_FALSE(r) << wrong;
            said_decrypt += r.error == errc::decrypt_failed;
        }
    }
    EXPECT_GE(said_decrypt, 5990);
    // Without a '|' an encrypted reply must end in its timestamp; anything else is taken for a wrong key.
    EXPECT_EQ(parse_frame(ack_with("00000000000000000000000000000]_x"), key128).error, errc::decrypt_failed);
    // With the '|', a readable reply with a bad timestamp says so.
    EXPECT_EQ(parse_frame(ack_with("00000000000000000000000000|]_x12"), key128).error, errc::bad_timestamp);
    // Events keep the strict form: without '|' the pad cannot be told from the data.
    const std::string event =
        wrap_frame("\"*SIA-DCS\"0001R0L0#1234[" +
                   to_hex(aes_encrypt(key128, "0000000000000000000000#1234]_12:00:00,01-15-2025")));
    EXPECT_EQ(parse_frame(event, key128).error, errc::decrypt_failed);
}

TEST(Dc09Replies, EncryptedEventsMayCarryTextBeyondAscii) {
    frame f = event_frame(
        "#1234|Nri1/QA003^K\xC3\xBC"
        "che^");
    auto r = parse_frame(encode(f, key128), key128);
    ASSERT_TRUE(r) << r.detail;
    EXPECT_EQ(r.value.data, f.data);
}

// ---- parse errors -------------------------------------------------------------------------------------

TEST(Dc09Parse, NamesWhatIsWrong) {
    std::string bad_crc = spec_frame_3;
    bad_crc[bad_crc.find("MA")] = 'Q';
    EXPECT_EQ(parse_frame(bad_crc).error, errc::bad_crc);

    std::string bad_len = spec_frame_3;
    bad_len.replace(5, 4, "003D");
    EXPECT_EQ(parse_frame(bad_len).error, errc::bad_length);

    EXPECT_EQ(parse_frame("hello world").error, errc::garbage);
    EXPECT_EQ(parse_frame("\n\r").error, errc::garbage);
    EXPECT_EQ(parse_frame("\nZZZZ0016\"SIA-DCS\"0001L0#1234[]\r").error, errc::garbage);

    frame f = event_frame("#1234|Nri1/MA001");
    std::string inner = "\"SIA-DCX\"0001R0L0#1234[]";
    auto wrap = [](const std::string& s) {
        char head[9];
        std::snprintf(head, sizeof head, "%04X%04X", crc16(s), static_cast<unsigned>(s.size()));
        return "\n" + std::string{head} + s + "\r";
    };
    EXPECT_EQ(parse_frame(wrap(inner)).error, errc::unknown_id);
    EXPECT_EQ(parse_frame(wrap("\"SIA-DCS\"0001R0L0#1234[#1234|Nri1/MA001]_12:00:00,13-15-2025")).error,
              errc::bad_timestamp);
    EXPECT_EQ(parse_frame(wrap("\"SIA-DCS\"0001R0L0#1234[#1234|Nri1/MA001")).error, errc::bad_data);
    EXPECT_EQ(parse_frame(wrap("\"SIA-DCS\"001R0L0#1234[]")).error, errc::garbage);
    EXPECT_EQ(parse_frame(wrap("\"SIA-DCS\"0001R0#1234[]")).error, errc::garbage);
    EXPECT_EQ(parse_frame(wrap("\"SIA-DCS\"0001L0#12[]")).error, errc::garbage);
    // Extended data blocks are kept verbatim.
    auto x = parse_frame(wrap("\"SIA-DCS\"0001L0#1234[#1234|Nri1/RP000][X1234][Y5678]_12:00:00,01-15-2025"));
    ASSERT_TRUE(x) << x.detail;
    EXPECT_EQ(x.value.extended, "[X1234][Y5678]");
    EXPECT_EQ(x.value.timestamp, noon);
}

/// Found by fuzz_dc09_frame: 'A' is a hex digit, so the line field of "L0A0[" read "0A0" and the
/// NAK's "A0" (no account) was lost; encoding that frame again wrote "L0A0A0", and the line grew at
/// every round trip. The line is "0", and a NAK reads back as it was written.
TEST(Dc09Parse, TheNakFormsAccountFieldIsNotPartOfTheLine) {
    auto nak = parse_frame("\n66290025\"NAK\"0000R0L0A0[]_12:00:00,01-15-2025\r");
    ASSERT_TRUE(nak) << nak.detail;
    EXPECT_EQ(nak.value.line, "0");
    EXPECT_EQ(nak.value.account, "");
    EXPECT_EQ(encode(nak.value), "\n66290025\"NAK\"0000R0L0A0[]_12:00:00,01-15-2025\r");
    // A line with A in it keeps it; only the last "A<hex>" before '[' is the account field.
    frame f = nak.value;
    f.line = "AA";
    auto again = parse_frame(encode(f));
    ASSERT_TRUE(again) << again.detail;
    EXPECT_EQ(again.value.line, "AA");
    EXPECT_EQ(again.value, f);
    // A line of 5 digits and the A0 make a run longer than a line may be (found by the fuzzer next).
    f.line = "8E200";
    again = parse_frame(encode(f));
    ASSERT_TRUE(again) << again.detail;
    EXPECT_EQ(again.value, f);
}

TEST(Dc09Parse, ReadsRepliesIncludingTheNakForm) {
    auto nak = parse_frame("\n" + std::string{} + [] {
        std::string s = "\"NAK\"0000R0L0A0[]_12:00:00,01-15-2025";
        char head[9];
        std::snprintf(head, sizeof head, "%04X%04X", crc16(s), static_cast<unsigned>(s.size()));
        return std::string{head} + s;
    }() + "\r");
    ASSERT_TRUE(nak) << nak.detail;
    EXPECT_EQ(nak.value.id, frame_id::nak);
    EXPECT_EQ(nak.value.seq, 0u);
    EXPECT_EQ(nak.value.account, "");
    EXPECT_EQ(nak.value.timestamp, noon);
    EXPECT_EQ(nak.value.line, "0");
    EXPECT_EQ(nak.value.receiver, "0");

    frame ack;
    ack.id = frame_id::ack;
    ack.seq = 42;
    ack.receiver = "0";
    ack.account = "1234";
    ack.timestamp = noon;
    auto r = parse_frame(encode(ack, key128), key128);
    ASSERT_TRUE(r) << r.detail;
    EXPECT_EQ(r.value.id, frame_id::ack);
    EXPECT_TRUE(r.value.encrypted);
    EXPECT_EQ(r.value.seq, 42u);
    EXPECT_EQ(r.value.timestamp, noon);
}

// ---- event data and codes -----------------------------------------------------------------------------

TEST(Dc09Data, FormatsAdmCidAsReceiversReadIt) {
    EXPECT_EQ(cid_data("1234", 1, 101, 1, 1), "#1234|1101 01 001");
    EXPECT_EQ(cid_data("1234", 3, 384, 1, 12), "#1234|3384 01 012");
    auto pendant = make_alert("pendant", "QA");
    EXPECT_EQ(event_data_for(pendant, "1234", "ADM-CID", 1), "#1234|1101 01 001");
    auto restored = make_alert("tamper", "TR", alert_state::cleared);
    EXPECT_EQ(event_data_for(restored, "1234", "ADM-CID", 5), "#1234|3137 01 005");
    frame f = event_frame(event_data_for(pendant, "1234", "ADM-CID", 1), 5);
    f.id = frame_id::adm_cid;
    EXPECT_EQ(encode(f), "\nDCCA003D\"ADM-CID\"0005R0L0#1234[#1234|1101 01 001]_12:00:00,01-15-2025\r");
    EXPECT_THROW(event_data_for(pendant, "1234", "CID", 1), std::invalid_argument);
}

TEST(Dc09Data, FormatsSiaDcs) {
    EXPECT_EQ(sia_data("1234", 1, "MA", 1), "#1234|Nri1/MA001");
    EXPECT_EQ(sia_data("1234", 1, "RP", 0), "#1234|Nri1/RP000");
    EXPECT_EQ(sia_data("1234", 1, "QA", 1234), "#1234|Nri1/QA1234");
    EXPECT_THROW(sia_data("1234", 1, "qa", 1), std::invalid_argument);
    EXPECT_EQ(event_data_for(make_alert("fall", "MA", alert_state::raised, "hall"), "1234", "SIA-DCS", 3),
              "#1234|Nri1/MA003");
}

TEST(Dc09Data, ReadsEventDataInTheFormsPanelsSend) {
    auto a = parse_event_data(frame_id::sia_dcs, "#1234|Nri1/MA001");
    ASSERT_TRUE(a);
    EXPECT_EQ(a->account, "1234");
    EXPECT_EQ(a->code, "MA");
    EXPECT_EQ(a->area, 1u);
    EXPECT_EQ(a->zone, 1u);
    auto b = parse_event_data(frame_id::sia_dcs, "#1234|NRR|Atest");
    ASSERT_TRUE(b);
    EXPECT_EQ(b->code, "RR");
    EXPECT_EQ(b->zone, 0u);
    EXPECT_EQ(b->text, "|Atest");
    auto c = parse_event_data(frame_id::sia_dcs, "#123456|Nri0KR1^TAST. 001 ^");
    ASSERT_TRUE(c);
    EXPECT_EQ(c->code, "KR");
    EXPECT_EQ(c->zone, 1u);
    auto d = parse_event_data(frame_id::sia_dcs, "|Nri1/CL501");
    ASSERT_TRUE(d);
    EXPECT_EQ(d->code, "CL");
    EXPECT_EQ(d->zone, 501u);
    auto e = parse_event_data(frame_id::sia_dcs, "#1234|Nti12:30/ri2/WA017");
    ASSERT_TRUE(e);
    EXPECT_EQ(e->area, 2u);
    EXPECT_EQ(e->code, "WA");
    EXPECT_EQ(e->zone, 17u);
    auto cid = parse_event_data(frame_id::adm_cid, "#12345A|1110 00 129");
    ASSERT_TRUE(cid);
    EXPECT_EQ(cid->qualifier, 1);
    EXPECT_EQ(cid->event, 110);
    EXPECT_EQ(cid->area, 0u);
    EXPECT_EQ(cid->zone, 129u);
    auto spaced = parse_event_data(frame_id::adm_cid, "#1234|3 101 01 002");
    ASSERT_TRUE(spaced);
    EXPECT_EQ(spaced->qualifier, 3);
    EXPECT_EQ(spaced->event, 101);
    EXPECT_FALSE(parse_event_data(frame_id::adm_cid, "#1234|11 01 001"));
    EXPECT_FALSE(parse_event_data(frame_id::sia_dcs, "#1234|N"));
    EXPECT_FALSE(parse_event_data(frame_id::sia_dcs, "#1234|Nri/"));
}

TEST(Dc09Codes, FollowSpec4Table) {
    struct row {
        const char* alarm;
        const char* restore;
        int cid;
    };
    for (auto r : {row{"MA", "MH", 100}, row{"QA", "QH", 101}, row{"FA", "FH", 110}, row{"GA", "GH", 162},
                   row{"WA", "WH", 154}, row{"KA", "KH", 158}, row{"ZA", "ZH", 159}, row{"AT", "AR", 301},
                   row{"YT", "YR", 302}, row{"XT", "XR", 384}, row{"TA", "TR", 137}, row{"RP", "RP", 602}}) {
        EXPECT_EQ(contact_id_of_sia(r.alarm), r.cid) << r.alarm;
        EXPECT_EQ(contact_id_of_sia(r.restore), r.cid) << r.restore;
    }
    EXPECT_EQ(contact_id_of_sia("ZZ"), 0);
}

TEST(Dc09Codes, AlertsMapToTheProjectTable) {
    // docs/sia-codes.md: alert type -> SIA (raised/cleared) and Contact ID.
    struct row {
        const char* type;
        const char* raised;
        const char* cleared;
        int cid;
    };
    for (auto r :
         {row{"pendant", "QA", "QH", 101}, row{"pull_cord", "QA", "QH", 101}, row{"fall", "MA", "MH", 100},
          row{"smoke", "FA", "FH", 110}, row{"co", "GA", "GH", 162}, row{"flood", "WA", "WH", 154},
          row{"inactivity", "MA", "MH", 641}, row{"out_of_bed", "MA", "MH", 100},
          row{"exit", "MA", "MH", 100}, row{"due", "MA", "MH", 102}, row{"temperature_low", "ZA", "ZH", 159},
          row{"temperature_high", "KA", "KH", 158}, row{"battery_low", "XT", "XR", 384},
          row{"tamper", "TA", "TR", 137}, row{"test", "RP", "RP", 602}}) {
        auto up = make_alert(r.type, "");
        auto down = make_alert(r.type, "", alert_state::cleared);
        EXPECT_EQ(sia_code_for(up), r.raised) << r.type;
        EXPECT_EQ(sia_code_for(down), r.cleared) << r.type;
        EXPECT_EQ(contact_id_for(up), r.cid) << r.type;
        EXPECT_EQ(cid_qualifier(up), 1);
        EXPECT_EQ(cid_qualifier(down), 3);
    }
    // The alert's own sia wins; an unknown type takes the Contact ID of its SIA code.
    EXPECT_EQ(sia_code_for(make_alert("mains", "AT")), "AT");
    EXPECT_EQ(contact_id_for(make_alert("mains", "AT")), 301);
    EXPECT_EQ(contact_id_for(make_alert("something_new", "")), 140);
    EXPECT_EQ(sia_code_for(make_alert("something_new", "")), "UA");
}

TEST(Dc09Codes, ZoneIsTheSensorIndexPlusOne) {
    std::vector<std::string> ids{"pendant", "bed", "front_door"};
    EXPECT_EQ(zone_for(ids, "pendant"), 1u);
    EXPECT_EQ(zone_for(ids, "front_door"), 3u);
    EXPECT_EQ(zone_for(ids, ""), 0u);
    EXPECT_EQ(zone_for(ids, "gone"), 0u);
}

TEST(Dc09Codes, SenderOptionsComeFromTheHubConfig) {
    config::hub_config cfg;
    EXPECT_THROW(make_sender_options(cfg), std::invalid_argument);
    cfg.dc09 = config::dc09_spec{};
    cfg.dc09->account = "1234";
    cfg.sensors.resize(2);
    cfg.sensors[0].id = "pendant";
    cfg.sensors[1].id = "bed";
    auto o = make_sender_options(cfg);
    EXPECT_EQ(o.spec.account, "1234");
    EXPECT_EQ(zone_for(o.sensors, "bed"), 2u);
}

TEST(Dc09Codes, InterpretsReceivedEventsForTheCentre) {
    auto qa = interpret(frame_id::sia_dcs, *parse_event_data(frame_id::sia_dcs, "#1234|Nri1/QA001"));
    EXPECT_EQ(qa.type, "pendant");
    EXPECT_EQ(qa.state, alert_state::raised);
    EXPECT_EQ(qa.priority, priority::critical);
    EXPECT_EQ(qa.contact_id, 101);
    auto qh = interpret(frame_id::sia_dcs, *parse_event_data(frame_id::sia_dcs, "#1234|Nri1/QH001"));
    EXPECT_EQ(qh.state, alert_state::cleared);
    auto rp = interpret(frame_id::sia_dcs, *parse_event_data(frame_id::sia_dcs, "#1234|Nri1/RP000"));
    EXPECT_EQ(rp.type, "test");
    EXPECT_EQ(rp.state, alert_state::raised);
    EXPECT_EQ(rp.priority, priority::low);
    auto cid = interpret(frame_id::adm_cid, *parse_event_data(frame_id::adm_cid, "#1234|3101 01 001"));
    EXPECT_EQ(cid.type, "pendant");
    EXPECT_EQ(cid.state, alert_state::cleared);
    EXPECT_EQ(cid.sia, "QH");
    auto inactivity = interpret(frame_id::adm_cid, *parse_event_data(frame_id::adm_cid, "#1234|1641 01 000"));
    EXPECT_EQ(inactivity.type, "inactivity");
    EXPECT_EQ(inactivity.sia, "MA");
    auto unknown = interpret(frame_id::sia_dcs, *parse_event_data(frame_id::sia_dcs, "#1234|Nri1/BA004"));
    EXPECT_EQ(unknown.type, "alarm");
    EXPECT_EQ(unknown.sia, "BA");
    EXPECT_EQ(unknown.priority, priority::high);
}

// ---- stream framing -----------------------------------------------------------------------------------

TEST(Dc09Splitter, FindsFramesAmidGarbageAndAcrossReads) {
    frame_splitter s;
    std::string stream = "junk\r\r" + spec_frame_3 + "\x01\x02more junk" + spec_frame_4;
    std::vector<std::string> got;
    for (char c : stream)  // one byte at a time, as a slow client would
        for (auto& f : s.feed(std::string_view{&c, 1})) got.push_back(f);
    ASSERT_EQ(got.size(), 2u);
    EXPECT_EQ(got[0], spec_frame_3);
    EXPECT_EQ(got[1], spec_frame_4);
    EXPECT_EQ(s.discarded(), 6u + 11u);
    EXPECT_EQ(s.pending(), 0u);
}

TEST(Dc09Splitter, DropsAnUnfinishedFrameWhenANewOneStarts) {
    frame_splitter s;
    auto got = s.feed("\n1234abc" + spec_frame_2);
    ASSERT_EQ(got.size(), 1u);
    EXPECT_EQ(got[0], spec_frame_2);
    EXPECT_EQ(s.discarded(), 8u);
}

TEST(Dc09Splitter, DiscardsOversizedInputWithBoundedMemory) {
    frame_splitter s{64};
    std::string huge = "\n" + std::string(100'000, 'A');
    for (int i = 0; i < 10; ++i) {
        EXPECT_TRUE(s.feed(huge).empty());
        EXPECT_LE(s.pending(), 64u);
    }
    auto got = s.feed("\r" + spec_frame_2);  // the oversized frame ends; the next one is whole
    ASSERT_EQ(got.size(), 1u);
    EXPECT_EQ(got[0], spec_frame_2);
    EXPECT_GE(s.discarded(), 1'000'000u);
}

// ---- the receiver's decisions (no sockets) -------------------------------------------------------------

TEST(Dc09Receive, AcksAKnownAccountAndHandsOverTheEvent) {
    auto o = handle_frame(spec_frame_3, receiver_opts(), noon + 5s);
    ASSERT_TRUE(o.event);
    EXPECT_EQ(o.reply, frame_id::ack);
    EXPECT_EQ(o.hub, "hub-0001");
    EXPECT_EQ(o.event->hub, "hub-0001");
    EXPECT_EQ(o.event->seq, 1u);
    EXPECT_EQ(o.event->code, "MA");
    EXPECT_EQ(o.event->contact_id, 100);
    EXPECT_EQ(o.event->zone, 1u);
    EXPECT_EQ(o.event->timestamp, noon);
    EXPECT_EQ(o.event->key, "dc09-1234-0001-1736942400");
    // A plain ACK echoes seq, R, L and account; no timestamp.
    EXPECT_EQ(o.reply_bytes, encode([] {
                  frame a;
                  a.id = frame_id::ack;
                  a.seq = 1;
                  a.receiver = "0";
                  a.account = "1234";
                  return a;
              }()));
    EXPECT_NE(o.reply_bytes.find("\"ACK\"0001R0L0#1234[]\r"), std::string::npos);
}

TEST(Dc09Receive, NaksAFrameOutsideTheClockSkewWithItsOwnTime) {
    auto o = handle_frame(spec_frame_3, receiver_opts(), noon + 11min);
    EXPECT_FALSE(o.event);
    EXPECT_EQ(o.reply, frame_id::nak);
    auto nak = parse_frame(o.reply_bytes);
    ASSERT_TRUE(nak) << nak.detail;
    EXPECT_EQ(nak.value.id, frame_id::nak);
    EXPECT_EQ(nak.value.seq, 0u);
    EXPECT_EQ(nak.value.timestamp, noon + 11min);
    EXPECT_NE(o.reply_bytes.find("\"NAK\"0000R0L0A0[]_12:11:00,01-15-2025\r"), std::string::npos);
    EXPECT_TRUE(handle_frame(spec_frame_3, receiver_opts(), noon - 9min).event);
}

/// Over UDP a reply larger than its datagram is withheld (security issue 12, finding 12). The
/// replies a sender needs (ACK, *ACK, the NAK that corrects its clock) are never larger than the
/// smallest frames a sender sends, so the rule only ever silences garbage.
TEST(Dc09Receive, RepliesToRealFramesAreNeverLargerThanTheFrames) {
    auto opts = receiver_opts();
    opts.spec.accounts.push_back({"123", "hub-0003", ""});
    for (std::string account : {"123", "1234", "ABCD"}) {
        for (auto id : {frame_id::null, frame_id::sia_dcs, frame_id::adm_cid}) {
            for (auto skew : {0min, 11min}) {
                frame f;
                f.id = id;
                f.seq = 1;
                f.receiver = "0";  // no L: the shortest header a sender may send
                f.account = account;
                if (id == frame_id::sia_dcs) f.data = fmt::format("#{}|Nri1/QA1", account);
                if (id == frame_id::adm_cid) f.data = fmt::format("#{}|1101 01 001", account);
                f.timestamp = noon;
                std::string text =
                    encode(f, account == "ABCD" ? std::string_view{key128} : std::string_view{});
                auto o = handle_frame(text, opts, noon + skew);
                ASSERT_FALSE(o.reply_bytes.empty()) << text;
                EXPECT_EQ(o.reply, skew == 0min ? frame_id::ack : frame_id::nak) << text;
                EXPECT_LE(o.reply_bytes.size(), text.size()) << text << " -> " << o.reply_bytes;
            }
        }
    }
}

TEST(Dc09Receive, DuhsWhatItCannotHandle) {
    std::string other_account = encode([] {
        frame f = event_frame(sia_data("9999", 1, "MA", 1));
        f.account = "9999";
        return f;
    }());
    auto unknown = handle_frame(other_account, receiver_opts(), noon);
    EXPECT_EQ(unknown.reply, frame_id::duh);
    EXPECT_FALSE(unknown.event);
    EXPECT_NE(unknown.reply_bytes.find("\"DUH\"0001R0L0#9999[]"), std::string::npos);

    frame keyed = event_frame(sia_data("ABCD", 1, "MA", 1));
    keyed.account = "ABCD";
    EXPECT_EQ(handle_frame(encode(keyed), receiver_opts(), noon).reply, frame_id::duh);  // must be encrypted
    EXPECT_EQ(handle_frame(encode(event_frame("#1234|Nri1/MA001"), key128), receiver_opts(), noon).reply,
              frame_id::duh);  // account 1234 has no key
    EXPECT_EQ(handle_frame(encode(keyed, key256), receiver_opts(), noon).reply, frame_id::duh);  // wrong key
    EXPECT_EQ(handle_frame(encode(event_frame("#1234|what")), receiver_opts(), noon).reply, frame_id::duh);
}

TEST(Dc09Receive, AnswersEncryptedFramesWithAnEncryptedAck) {
    frame keyed = event_frame(sia_data("ABCD", 1, "QA", 2), 77);
    keyed.account = "ABCD";
    auto o = handle_frame(encode(keyed, key128), receiver_opts(), noon);
    ASSERT_TRUE(o.event) << o.error;
    EXPECT_TRUE(o.event->encrypted);
    EXPECT_EQ(o.event->hub, "hub-0002");
    EXPECT_EQ(o.event->meaning.type, "pendant");
    auto ack = parse_frame(o.reply_bytes, key128);
    ASSERT_TRUE(ack) << ack.detail;
    EXPECT_EQ(ack.value.id, frame_id::ack);
    EXPECT_TRUE(ack.value.encrypted);
    EXPECT_EQ(ack.value.seq, 77u);
    EXPECT_EQ(ack.value.timestamp, noon);
    EXPECT_NE(o.reply_bytes.find("\"*ACK\"0077R0L0#ABCD["), std::string::npos);
}

TEST(Dc09Receive, NaksCorruptionIgnoresGarbageAndAcksLinkTests) {
    std::string corrupt = spec_frame_3;
    corrupt[corrupt.find("MA")] = 'X';
    auto c = handle_frame(corrupt, receiver_opts(), noon);
    EXPECT_EQ(c.reply, frame_id::nak);
    EXPECT_FALSE(c.reply_bytes.empty());
    EXPECT_TRUE(handle_frame("\nnot a frame at all\r", receiver_opts(), noon).reply_bytes.empty());
    auto null = handle_frame(spec_frame_4, receiver_opts(), noon);
    EXPECT_TRUE(null.link_test);
    EXPECT_FALSE(null.event);
    EXPECT_EQ(null.reply, frame_id::ack);
    EXPECT_NE(null.reply_bytes.find("\"ACK\"0003R0L0#1234[]"), std::string::npos);
    // "[]" carries no event: DUH.
    EXPECT_EQ(handle_frame(spec_frame_2, receiver_opts(), noon).reply, frame_id::duh);
    // A plain frame with the account only in the data block (some panels send that) is accepted.
    frame data_only = event_frame("#1234|Nri1/MA001");
    data_only.account.clear();
    auto d = handle_frame(encode(data_only), receiver_opts(), noon);
    ASSERT_TRUE(d.event) << d.error;
    EXPECT_EQ(d.event->hub, "hub-0001");
    // ACK/NAK/DUH sent to the receiver are ignored.
    EXPECT_TRUE(handle_frame(null.reply_bytes, receiver_opts(), noon).reply_bytes.empty());
}

// ---- frames from other transmitters, byte for byte ---------------------------------------------------
// What independent transmitters put on the wire, read by Warden's receiver; and Warden's ACK read the
// way they read it.

namespace {
/// dc09_spt (jvanovost/dc09_spt, dc09_spt/msg/dc09_msg.py dc09crypt/dc09answer) reads an encrypted
/// answer's time from its last 21 decrypted bytes, "]_HH:MM:SS,MM-DD-YYYY".
std::string dc09_spt_answer_tail(const std::string& reply, const std::string& key) {
    auto h = reply.find('[');
    auto plain = aes_decrypt(key, *from_hex(reply.substr(h + 1, reply.size() - h - 2)));
    return plain && plain->size() >= 21 ? plain->substr(plain->size() - 21) : std::string{};
}
}  // namespace

TEST(Dc09Transmitters, ReadsDc09SptEncryptedEventsAndPollsAndAnswersAsItExpects) {
    // dc09_spt's dc09block/dc09crypt: a pad of random chr(20..125) other than [ ] | (so control bytes
    // and quotes), then '|', the event, ']' and the timestamp; R and L in hex. Pad fixed here:
    //   printf '\x14 "'"'"'(){}A9|#ABCD|Nri1/QA003]_12:00:00,01-15-2025' |
    //     openssl enc -aes-128-cbc -nopad -K <hex of key128> -iv 0 | xxd -p -u
    const std::string event = wrap_frame(
        "\"*SIA-DCS\"0005R0L0#ABCD["
        "B6653076314EFA42CB0EC43668F6F930C3490192EB68D1D280CC1634AB7D0AD99769F55F0F9181DF"
        "CFC35703037E640A");
    auto o = handle_frame(event, receiver_opts(), noon + 3s);
    ASSERT_TRUE(o.event) << o.error;
    EXPECT_EQ(o.reply, frame_id::ack);
    EXPECT_EQ(o.event->hub, "hub-0002");
    EXPECT_EQ(o.event->seq, 5u);
    EXPECT_EQ(o.event->code, "QA");
    EXPECT_EQ(o.event->zone, 3u);
    EXPECT_EQ(o.event->timestamp, noon);
    EXPECT_EQ(dc09_spt_answer_tail(o.reply_bytes, key128), "]_12:00:03,01-15-2025");
    EXPECT_NE(o.reply_bytes.find("\"*ACK\"0005R0L0#ABCD["), std::string::npos);

    // Its poll (NULL) block carries "|]" and the timestamp, encrypted the same way (same pad).
    const std::string poll =
        wrap_frame("\"*NULL\"0006R0L0#ABCD[53E6342615AE13521541C3C14EA23EB7D432E68AF7E83FA65C65F54BAD2800D9");
    auto n = handle_frame(poll, receiver_opts(), noon);
    EXPECT_TRUE(n.link_test) << n.error;
    EXPECT_EQ(n.reply, frame_id::ack);
    EXPECT_EQ(dc09_spt_answer_tail(n.reply_bytes, key128), "]_12:00:00,01-15-2025");
}

TEST(Dc09Transmitters, ReadsAjaxStyleFramesFromPysiaalarmsTestCases) {
    // Frames from eavanvalkenburg/pysiaalarm tests/test_sia_package_cases.py (case_code_jc,
    // case_adm_cid2): an Ajax hub's SIA-DCS data starts with '|' (no "#acct"); the ADM-CID frame has
    // R and L and no timestamp. CRCs as in the file; the length fields there ("0078", "0047") are not
    // the frames' lengths, so the real ones are used (the receiver NAKs a wrong length).
    receiver_options opts = receiver_opts();
    opts.spec.accounts.push_back({"AAA", "hub-0003", ""});
    opts.spec.accounts.push_back({"4F39", "hub-0004", ""});
    const std::string jc = "\n97F90033\"SIA-DCS\"6002L0#AAA[|Nri2/JC12]_12:58:23,09-15-2021\r";
    auto a = handle_frame(jc, opts, *parse_time("2021-09-15T12:58:30Z"));
    ASSERT_TRUE(a.event) << a.error;
    EXPECT_EQ(a.event->hub, "hub-0003");
    EXPECT_EQ(a.event->code, "JC");
    EXPECT_EQ(a.event->area, 2u);
    EXPECT_EQ(a.event->zone, 12u);
    // The ACK echoes seq, L and account and adds the receiver's own R number (the frame had none).
    EXPECT_EQ(a.reply_bytes, "\n" + a.reply_bytes.substr(1, 8) + "\"ACK\"6002R0L0#AAA[]\r");

    const std::string cid = "\n5715002F\"ADM-CID\"0247R4F39L4F39#4F39[#4F39|3401 01 057]\r";
    auto c = handle_frame(cid, opts, noon);
    ASSERT_TRUE(c.event) << c.error;
    EXPECT_EQ(c.event->hub, "hub-0004");
    EXPECT_EQ(c.event->contact_id, 401);
    EXPECT_EQ(c.event->zone, 57u);
    EXPECT_EQ(c.event->meaning.state, alert_state::cleared);  // qualifier 3: a restore
    EXPECT_NE(c.reply_bytes.find("\"ACK\"0247R4F39L4F39#4F39[]\r"), std::string::npos);
    // As written in the file (length "0047"), the frame is refused as corrupted: NAK, no event.
    auto bad = handle_frame("\n57150047\"ADM-CID\"0247R4F39L4F39#4F39[#4F39|3401 01 057]\r", opts, noon);
    EXPECT_FALSE(bad.event);
    EXPECT_EQ(bad.reply, frame_id::nak);
}
