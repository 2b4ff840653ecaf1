// The centre's ingest: what hubs (or anyone holding a hub's broker credentials) publish on
// warden/v1/<hub>/alert, /alerts (batches), /heartbeat and /status, validated, batched and stored in a real
// (in-memory) SQLite store, then read back as the HTTP API shows it.
//
// Input: MESSAGE RS MESSAGE ...   (RS = 0x1e), one batch
//   MESSAGE  KIND PAYLOAD, KIND 'a' alert, 'b' batch of alerts, 'h' heartbeat, 's' status, 'S' retained
//            status, all from hub "hub-fuzz"; or 't' TOPIC LF PAYLOAD for any topic.
// Invariants: no exception escapes; an alert that passes the checks ingest documents (its JSON reads,
// it names the topic's hub, its id is <hub>-<seq>), alone or in a batch of 1 to 256, is stored; an alert's
// JSON reads back to the same alert; what is stored renders as the API's JSON.

#include <cstdlib>
#include <filesystem>
#include <memory>
#include <stdexcept>
#include <string>

#include <spdlog/sinks/null_sink.h>
#include <spdlog/spdlog.h>
#include <asio/io_context.hpp>
#include <nlohmann/json.hpp>

#include "fuzz.hpp"
#include "warden/centre/ingest.hpp"
#include "warden/centre/json.hpp"
#include "warden/centre/metrics.hpp"
#include "warden/centre/sqlite_store.hpp"
#include "warden/common/alert.hpp"
#include "warden/mqtt/session.hpp"

using namespace warden;
using namespace warden::centre;

namespace {

constexpr std::string_view hub = "hub-fuzz";

/// A folder of its own for the database, removed at exit.
struct temp_dir {
    std::filesystem::path path = [] {
        std::string name = (std::filesystem::temp_directory_path() / "warden-fuzz-ingest-XXXXXX").string();
        WARDEN_FUZZ_CHECK(mkdtemp(name.data()) != nullptr);
        return std::filesystem::path(name);
    }();
    ~temp_dir() {
        std::error_code ec;
        std::filesystem::remove_all(path, ec);
    }
};

/// A payload ingest reads at all (size, depth, JSON), parsed.
std::optional<nlohmann::json> readable(std::string_view payload) {
    if (payload.size() > max_payload_bytes || !json_within_depth(payload)) return std::nullopt;
    auto j = nlohmann::json::parse(payload, nullptr, false);
    if (j.is_discarded()) return std::nullopt;
    return j;
}

/// The alert ingest must store, if `j` is one (the checks ingest.hpp documents).
std::optional<alert> acceptable_alert(const nlohmann::json& j) {
    alert a;
    try {
        a = alert_from_json(j);
    } catch (const std::invalid_argument&) {
        return std::nullopt;
    }
    // What a hub sends reads back the same from the JSON the centre sends on.
    WARDEN_FUZZ_CHECK(alert_from_json(to_json(a)) == a);
    if (a.hub != hub || a.id != make_alert_id(hub, a.seq)) return std::nullopt;
    if (a.state == alert_state::cleared && a.clears && !is_hub_alert_id(hub, *a.clears)) return std::nullopt;
    return a;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    static asio::io_context io;
    static auto log =
        std::make_shared<spdlog::logger>("fuzz", std::make_shared<spdlog::sinks::null_sink_mt>());
    // Never started: acks are published into a disconnected session, which reports them failed.
    static mqtt::session session(io, {.uri = "tcp://127.0.0.1:1", .client_id = "warden-fuzz"}, log);

    // A new database for every input, so a crash reproduces from its input alone. A file, since the
    // store opens its reader and writer connections on one path (":memory:" would give each its own).
    static const temp_dir dir;
    for (const char* suffix : {"", "-wal", "-shm"})
        std::filesystem::remove(dir.path / (std::string("centre.db") + suffix));
    auto db = open_sqlite_store((dir.path / "centre.db").string());
    centre_metrics metrics;
    std::vector<std::string> stored;
    ingest in(io, session, *db, metrics, log, {});

    for (auto part : fuzz::split(fuzz::text(data, size), fuzz::record_sep)) {
        if (part.empty()) continue;
        char kind = part.front();
        part.remove_prefix(1);
        mqtt::message m;
        m.payload = std::string(part);
        std::string prefix = "warden/v1/" + std::string(hub);
        if (kind == 'a') {
            m.topic = prefix + "/alert";
            if (auto j = readable(part))
                if (auto a = acceptable_alert(*j)) stored.push_back(a->id);
        } else if (kind == 'b') {
            m.topic = prefix + "/alerts";
            if (auto j = readable(part); j && j->is_array() && !j->empty() && j->size() <= max_batch_alerts)
                for (const auto& e : *j)
                    if (auto a = acceptable_alert(e)) stored.push_back(a->id);
        } else if (kind == 'h') {
            m.topic = prefix + "/heartbeat";
        } else if (kind == 's' || kind == 'S') {
            m.topic = prefix + "/status";
            m.retained = kind == 'S';
        } else if (kind == 't') {
            auto nl = part.find('\n');
            m.topic = std::string(part.substr(0, nl));
            m.payload = nl == std::string_view::npos ? "" : std::string(part.substr(nl + 1));
        } else {
            continue;
        }
        in.handle(std::move(m));
    }
    io.restart();
    io.poll();

    for (const auto& id : stored) WARDEN_FUZZ_CHECK(db->get_alert(id).has_value());
    for (const auto& h : db->list_hubs()) (void)to_json(h).dump();
    alert_query q;
    for (const auto& a : db->list_alerts(q)) (void)to_json(a).dump();
    return 0;
}
