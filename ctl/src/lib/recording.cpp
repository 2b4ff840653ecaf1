#include "warden/ctl/recording.hpp"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

namespace warden::ctl {

// ordered: lines read at, topic, payload as in SPEC 2.4, and payload objects keep the device's key order.
using nlohmann::ordered_json;

std::string format_recording_line(const recorded_message& m) {
    ordered_json line = ordered_json::object();
    line["at"] = format_time(m.at);
    line["topic"] = m.topic;
    ordered_json value = ordered_json::parse(m.payload, nullptr, false);
    if (value.is_discarded()) {
        line["payload"] = m.payload;
    } else {
        line["payload"] = std::move(value);
    }
    return line.dump(-1, ' ', false, ordered_json::error_handler_t::replace);
}

recorded_message parse_recording_line(std::string_view text, std::string_view name, int line_no) {
    auto fail = [&](std::string_view why) {
        return recording_error(fmt::format("{}:{}: {}", name, line_no, why));
    };
    ordered_json j = ordered_json::parse(text, nullptr, false);
    if (j.is_discarded() || !j.is_object()) throw fail("not a JSON object");
    recorded_message m;
    auto at = j.find("at");
    if (at == j.end() || !at->is_string()) throw fail("\"at\" missing or not a string");
    auto t = parse_time(at->get<std::string>());
    if (!t) throw fail(fmt::format("\"at\" is not an ISO 8601 time: {}", at->get<std::string>()));
    m.at = *t;
    auto topic = j.find("topic");
    if (topic == j.end() || !topic->is_string() || topic->get<std::string>().empty())
        throw fail("\"topic\" missing or not a string");
    m.topic = topic->get<std::string>();
    auto payload = j.find("payload");
    if (payload == j.end()) throw fail("\"payload\" missing");
    m.payload = payload->is_string() ? payload->get<std::string>() : payload->dump();
    return m;
}

std::vector<recorded_message> read_recording(std::istream& in, std::string_view name) {
    std::vector<recorded_message> out;
    std::string line;
    int line_no = 0;
    while (std::getline(in, line)) {
        ++line_no;
        if (line.find_first_not_of(" \t\r") == std::string::npos) continue;
        out.push_back(parse_recording_line(line, name, line_no));
    }
    return out;
}

}  // namespace warden::ctl
