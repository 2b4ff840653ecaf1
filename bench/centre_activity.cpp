// bench-centre-activity: the centre's side of activity insights. (1) Storage: one year of hourly summaries
// for a sample of households through the real SQLite store, the database's growth per household per
// year. (2) Drawing: with N households of summaries stored (default 10,000, each with the days a
// 28-day view reads: 28 shown and the baseline and runs before them), the time the API's work takes
// for one household's 28 days: read its hours, analyse them (baselines, notices), draw the charts and
// write the JSON, median and 95th percentile over 50 households picked at random. (3) The caseload list:
// the active notices of a care team's households computed on request (read each household's hours of
// the notices' window, analyse them), for a caseload of N of the stored households.
//
//   bench-centre-activity [--households N] [--year-households N] [--caseload N]
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <random>
#include <string>

#include "warden/centre/activity_json.hpp"
#include "warden/centre/activity_svg.hpp"
#include "warden/centre/sqlite_store.hpp"
#include "warden/harness/harness.hpp"
#include "warden/test/activity_weeks.hpp"

using namespace warden;
using namespace warden::centre;
using clk = std::chrono::steady_clock;

namespace {

std::string hub_of(int i) {
    return "hub-" + std::to_string(100000 + i);
}

/// Households 0..n-1 with hubs hub-<100000+i>, in batches of one transaction each.
void add_households(store& db, int from, int n, time_point now) {
    std::vector<household_save> batch;
    for (int i = from; i < from + n; ++i) {
        household h;
        h.address_lines = {std::to_string(i) + " Bench Street"};
        h.postcode = "AB1 2CD";
        h.residents.push_back({.name = "Bench Resident " + std::to_string(i)});
        h.hubs = {hub_of(i)};
        batch.push_back({0, std::move(h)});
        if (batch.size() == 500 || i == from + n - 1) {
            for (const auto& r : db.save_households(batch, false, "bench", now))
                if (r.status != save_status::ok) std::abort();
            batch.clear();
        }
    }
}

/// Stores `days` days of generated hours for households from..from+n-1, 20 households a transaction.
void add_hours(store& db, int from, int n, time_point first_day, int days) {
    std::vector<activity_hour> batch;
    for (int i = from; i < from + n; ++i) {
        test::activity_weeks w;
        w.hub = hub_of(i);
        w.first_day = first_day;
        w.days = days;
        w.seed = static_cast<std::uint32_t>(i + 1);
        auto hours = w.build();
        batch.insert(batch.end(), hours.begin(), hours.end());
        if ((i - from) % 20 == 19 || i == from + n - 1) {
            db.store_activity(batch, first_day);
            batch.clear();
        }
    }
}

std::uintmax_t db_bytes(const std::filesystem::path& p) {
    std::uintmax_t n = 0;
    for (const char* suffix : {"", "-wal"})
        if (std::filesystem::exists(p.string() + suffix))
            n += std::filesystem::file_size(p.string() + suffix);
    return n;
}

double ms_since(clk::time_point t) {
    return std::chrono::duration<double, std::milli>(clk::now() - t).count();
}

}  // namespace

int main(int argc, char** argv) {
    int households = 10'000, year_households = 20, caseload = 200;
    for (int i = 1; i + 1 < argc; i += 2) {
        std::string k = argv[i];
        if (k == "--households")
            households = std::atoi(argv[i + 1]);
        else if (k == "--year-households")
            year_households = std::atoi(argv[i + 1]);
        else if (k == "--caseload")
            caseload = std::atoi(argv[i + 1]);
        else {
            std::fprintf(stderr,
                         "usage: bench-centre-activity [--households N] [--year-households N] "
                         "[--caseload N]\n");
            return 2;
        }
    }
    const auto now = *parse_time("2026-11-30T12:00:00Z");
    activity_thresholds t;

    // (1) Storage per household per year.
    {
        harness::temp_dir dir;
        auto path = dir / "centre.db";
        auto db = open_sqlite_store(path.string());
        add_households(*db, 0, year_households, now);
        db.reset();
        auto before = db_bytes(path);
        db = open_sqlite_store(path.string());
        auto start = clk::now();
        add_hours(*db, 0, year_households, test::midnight_days_before(now, 365), 365);
        auto took = ms_since(start);
        db.reset();  // the last connection closes: the log is checkpointed into the file
        auto after = db_bytes(path);
        const double per = static_cast<double>(after - before) / year_households;
        std::printf(
            "storage: %d households x 365 days (8,760 hours each): %.2f MiB per household per year "
            "(%.0f bytes an hour); %.0f hours stored a second\n",
            year_households, per / (1024.0 * 1024.0), per / 8760.0, year_households * 8760.0 / (took / 1000));
        std::printf("storage: 10,000 households keeping 2 years (keep_days = 730): %.1f GiB\n",
                    per * 2 * 10'000 / (1024.0 * 1024.0 * 1024.0));
    }

    // (2) 28 days for one household among `households`.
    {
        harness::temp_dir dir;
        auto path = dir / "centre.db";
        auto db = open_sqlite_store(path.string());
        const int days = 28 + activity_lookback_days(t) + 1;
        auto start = clk::now();
        add_households(*db, 0, households, now);
        add_hours(*db, 0, households, test::midnight_days_before(now, days - 1), days);
        std::printf(
            "draw: %d households stored with %d days each (%.1f M hours) in %.0f s, database %.0f MiB\n",
            households, days, households * days * 24 / 1e6, ms_since(start) / 1000,
            static_cast<double>(db_bytes(path)) / (1024.0 * 1024.0));
        auto ids = db->list_households({.limit = households});
        std::mt19937 g(7);
        std::vector<double> read_ms, total_ms;
        std::size_t notices = 0, bytes = 0;
        for (int i = 0; i < 50; ++i) {
            auto id = ids[g() % ids.size()].id;
            auto t0 = clk::now();
            auto back = std::chrono::hours{24} * (28 + activity_lookback_days(t) + 1);
            auto hours = db->household_activity(id, now - back, now + std::chrono::hours{1});
            read_ms.push_back(ms_since(t0));
            auto v = analyse_activity(hours, t, now, 28);
            auto j = to_json(v);
            j["charts"]["grid"] = day_hour_svg(v);
            for (const auto& tr : v.trends) j["charts"]["trends"][tr.metric] = trend_svg(tr);
            bytes = j.dump().size();
            total_ms.push_back(ms_since(t0));
            notices += v.notices.size();
        }
        auto pct = [](std::vector<double> v, double p) {
            std::sort(v.begin(), v.end());
            return v[static_cast<std::size_t>(p * (v.size() - 1))];
        };
        std::printf(
            "draw: one household's 28 days (read, baselines and notices, charts, JSON of %.0f KiB): "
            "median %.1f ms, p95 %.1f ms; of which reading the hours: median %.1f ms (%zu notices in 50 "
            "normal households)\n",
            bytes / 1024.0, pct(total_ms, 0.5), pct(total_ms, 0.95), pct(read_ms, 0.5), notices);

        // (3) The caseload list: every household of a caseload, one after the other, as the route does.
        const auto window = std::chrono::hours{24} * notices_lookback_days(t);
        const auto n = std::min<std::size_t>(static_cast<std::size_t>(caseload), ids.size());
        std::vector<double> one_ms;
        std::size_t active = 0;
        auto whole = clk::now();
        for (std::size_t i = 0; i < n; ++i) {
            auto t0 = clk::now();
            auto hours = db->household_activity(ids[i].id, now - window, now + std::chrono::hours{1});
            active += active_notices(hours, t, now).size();
            one_ms.push_back(ms_since(t0));
        }
        std::printf(
            "caseload: active notices of %zu households computed on request: %.0f ms in all; per household "
            "median %.1f ms, p95 %.1f ms (%zu active notices)\n",
            n, ms_since(whole), pct(one_ms, 0.5), pct(one_ms, 0.95), active);
    }
    return 0;
}
