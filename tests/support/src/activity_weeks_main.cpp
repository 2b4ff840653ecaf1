// warden-activity-weeks: prints generated hourly activity summaries (tests/support's builder), one
// JSON message a line, for `mosquitto_pub -l -t warden/v1/<hub>/activity`: the browser test and the
// demo feed them to a real centre through its real ingest.
//
//   warden-activity-weeks [--hub ID] [--days N] [--seed N] [--change KIND:DAY]...
//
// The days end with today (UTC): the last day is today up to the current hour; DAY counts from the
// first day (0). KIND: uti, late_rise, no_kitchen, housebound, cold_bedroom, decline, outage.
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>

#include "warden/centre/activity_json.hpp"
#include "warden/test/activity_weeks.hpp"

int main(int argc, char** argv) {
    warden::test::activity_weeks w;
    w.days = 56;
    for (int i = 1; i + 1 < argc; i += 2) {
        std::string k = argv[i], v = argv[i + 1];
        if (k == "--hub") {
            w.hub = v;
        } else if (k == "--days") {
            w.days = std::atoi(v.c_str());
        } else if (k == "--seed") {
            w.seed = static_cast<std::uint32_t>(std::atoi(v.c_str()));
        } else if (k == "--change") {
            auto colon = v.find(':');
            auto kind = v.substr(0, colon);
            int day = colon == std::string::npos ? 0 : std::atoi(v.c_str() + colon + 1);
            auto& c = w.changes;
            if (kind == "uti")
                c.uti_from = day;
            else if (kind == "late_rise")
                c.late_rise_from = day;
            else if (kind == "no_kitchen")
                c.no_kitchen_on = day;
            else if (kind == "housebound")
                c.housebound_from = day;
            else if (kind == "cold_bedroom")
                c.cold_bedroom_on = day;
            else if (kind == "decline")
                c.decline_from = day;
            else if (kind == "outage")
                c.outage_on = day;
            else {
                std::fprintf(stderr, "unknown change %s\n", kind.c_str());
                return 2;
            }
        } else {
            std::fprintf(
                stderr,
                "usage: warden-activity-weeks [--hub ID] [--days N] [--seed N] [--change KIND:DAY]\n");
            return 2;
        }
    }
    const auto now = warden::now_ms();
    w.first_day = warden::test::midnight_days_before(now, w.days - 1);
    for (const auto& h : w.build()) {
        if (h.hour + std::chrono::hours{1} > now) break;  // only hours that are over
        std::puts(warden::centre::to_json(h).dump().c_str());
    }
    return 0;
}
