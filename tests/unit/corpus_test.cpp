// The device payload corpus (tests/fixtures/corpus, see its README): real payloads of the devices a
// hub reads, each case replayed through the real router and rule engine on virtual time and its
// alerts compared with what a telecare hub should raise. One test per case, named by its id.

#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>

#include <date/tz.h>
#include <nlohmann/json.hpp>

#include "warden/common/time.hpp"
#include "warden/config/hub_config.hpp"
#include "warden/ctl/replay.hpp"

namespace {

using nlohmann::json;
using namespace warden;

const std::filesystem::path corpus_dir = std::filesystem::path(WARDEN_SOURCE_DIR) / "tests/fixtures/corpus";

struct corpus_case {
    std::string file;
    json body;
    std::string id() const { return body.at("id").get<std::string>(); }
};

/// gtest names a failing case by its id rather than dumping its bytes.
void PrintTo(const corpus_case& c, std::ostream* os) {
    *os << c.file << " " << c.id();
}

std::vector<corpus_case> load_cases() {
    std::vector<corpus_case> out;
    std::vector<std::filesystem::path> files;
    for (const auto& f : std::filesystem::directory_iterator(corpus_dir))
        if (f.path().extension() == ".json") files.push_back(f.path());
    std::sort(files.begin(), files.end());
    for (const auto& f : files) {
        std::ifstream in(f);
        auto doc = json::parse(in);
        for (const auto& c : doc.at("cases")) out.push_back({f.filename().string(), c});
    }
    return out;
}

/// The hub.toml `run-replay` writes: the hub, the one sensor `dut`, the case's rules.
std::string hub_toml(const json& c) {
    const json& s = c.at("sensor");
    std::ostringstream t;
    t << "[hub]\nid = \"hub-corpus\"\ndata_dir = \"data\"\ntimezone = \"Europe/London\"\n\n"
      << "[local]\nuri = \"tcp://127.0.0.1:1883\"\n\n[centre]\nuri = \"tcp://127.0.0.1:1884\"\n\n"
      << "[[sensor]]\nid = \"dut\"\nkind = " << c.at("kind").dump() << "\nsource = " << c.at("source").dump()
      << "\ntopic = " << s.at("topic").dump() << "\nlocation = \"corpus\"\n";
    for (const char* key : {"field", "active", "report_every"})
        if (s.contains(key)) t << key << " = " << s.at(key).dump() << "\n";
    if (s.contains("threshold")) t << "threshold = " << json(s.at("threshold").get<double>()).dump() << "\n";
    for (const auto& rule : c.value("rules", json::array())) {
        t << "\n[[rule]]\n";
        for (auto it = rule.begin(); it != rule.end(); ++it)
            t << it.key() << " = " << it.value().dump() << "\n";
    }
    return t.str();
}

using counts = std::map<std::pair<std::string, std::string>, int>;

std::string show(const counts& c) {
    if (c.empty()) return "no alert";
    std::string out;
    for (const auto& [k, n] : c)
        out += (out.empty() ? "" : ", ") + k.first + " " + k.second + " x" + std::to_string(n);
    return out;
}

class corpus : public testing::TestWithParam<corpus_case> {};

TEST_P(corpus, raises_what_a_telecare_hub_should) {
    const json& c = GetParam().body;
    SCOPED_TRACE(GetParam().file + " " + c.at("id").get<std::string>() + ": " + c.value("device", "") +
                 "; origin: " + c.value("origin", ""));
    auto cfg = config::parse_hub_config(hub_toml(c), "hub.toml");
    auto start = parse_time(c.value("start", std::string("2026-11-02T10:00:00Z")));
    ASSERT_TRUE(start);
    std::vector<ctl::recorded_message> messages;
    double last = 0;
    for (const auto& m : c.at("messages")) {
        double t = m.value("t", 0.0);
        last = std::max(last, t);
        const json& p = m.at("payload");
        auto at = *start + std::chrono::milliseconds(static_cast<long long>(t * 1000));
        messages.push_back(
            {at, m.at("topic").get<std::string>(), p.is_string() ? p.get<std::string>() : p.dump()});
    }
    ctl::replay_options opts;
    double until = c.contains("until") ? c.at("until").get<double>() : std::max(last + 60, 300.0);
    opts.until = *start + std::chrono::milliseconds(static_cast<long long>(until * 1000));
    counts got, want;
    for (const auto& a : ctl::replay(cfg, date::locate_zone(cfg.timezone), messages, opts))
        ++got[{a.type, std::string(to_string(a.state))}];
    for (const auto& e : c.at("expect"))
        want[{e.at("type").get<std::string>(), e.at("state").get<std::string>()}] += e.value("count", 1);
    EXPECT_EQ(show(want), show(got));
}

std::string case_name(const testing::TestParamInfo<corpus_case>& info) {
    std::string name = info.param.id();
    for (auto& ch : name)
        if (!std::isalnum(static_cast<unsigned char>(ch))) ch = '_';
    return name;
}

INSTANTIATE_TEST_SUITE_P(devices, corpus, testing::ValuesIn(load_cases()), case_name);

TEST(corpus_files, ids_are_unique_and_every_case_names_its_origin) {
    std::map<std::string, int> seen;
    for (const auto& c : load_cases()) {
        EXPECT_EQ(++seen[c.id()], 1) << c.id();
        EXPECT_FALSE(c.body.value("origin", "").empty()) << c.id();
    }
    EXPECT_GE(seen.size(), 91u);
}

}  // namespace
