// The HTTP API's JSON bodies (POST /api/login, alert actions, hub commands, users) as body_json reads
// them, the depth guard every JSON input passes first, and a hub's stored sensor summary as GET
// /api/hubs renders it.
//
// Input: a request body.
// Invariants: no exception escapes; on valid JSON the linear depth guard agrees with the parsed
// value's real depth; body_json takes exactly the JSON objects within the depth, and answers 400
// otherwise; the hub JSON renders whatever summary is stored.

#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "fuzz.hpp"
#include "routes.hpp"
#include "warden/centre/json.hpp"

using namespace warden;
using namespace warden::centre;

namespace {

/// How deep objects and arrays nest in `j` ("[]" is 1), without recursion.
int depth_of(const nlohmann::json& j) {
    int deepest = 0;
    std::vector<std::pair<const nlohmann::json*, int>> todo{{&j, 0}};
    while (!todo.empty()) {
        auto [v, d] = todo.back();
        todo.pop_back();
        if (!v->is_structured()) continue;
        deepest = std::max(deepest, d + 1);
        for (const auto& child : *v) todo.emplace_back(&child, d + 1);
    }
    return deepest;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    auto text = fuzz::text(data, size);
    if (text.size() > 256 * 1024) return 0;

    bool within = json_within_depth(text);
    auto bounded = parse_bounded_json(text);
    if (!within) WARDEN_FUZZ_CHECK(bounded.is_discarded());
    // nlohmann stops at a NUL byte; parse_bounded_json refuses text holding one.
    bool nul = text.find('\0') != std::string_view::npos;
    if (nul) WARDEN_FUZZ_CHECK(bounded.is_discarded());
    auto plain = nlohmann::json::parse(text, nullptr, false);
    if (!plain.is_discarded() && !nul) {
        WARDEN_FUZZ_CHECK(within == (depth_of(plain) <= max_json_depth));
        if (within) WARDEN_FUZZ_CHECK(bounded == plain);
    }

    http::request req;
    req.body = std::string(text);
    http::response res;
    auto body = http::body_json(req, res);
    if (body) {
        WARDEN_FUZZ_CHECK(body->is_object());
        (void)http::string_or(*body, "user", "");
        (void)http::string_or(*body, "password", "");
        (void)body->dump();
    } else {
        WARDEN_FUZZ_CHECK(res.status == 400);
    }

    hub_record h;
    h.id = "hub-fuzz";
    h.sensors = std::string(text);
    (void)to_json(h).dump();
    return 0;
}
