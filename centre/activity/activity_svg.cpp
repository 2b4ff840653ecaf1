// Server-rendered activity charts and the printable report (warden/centre/activity_svg.hpp).
#include "warden/centre/activity_svg.hpp"

#include <algorithm>
#include <cmath>

#include <fmt/format.h>

namespace warden::centre {

namespace {

struct role_colour {
    const char* role;
    const char* label;
    int r, g, b;
};
constexpr role_colour roles[] = {
    {"kitchen", "Kitchen", 0x2e, 0x7d, 0x32}, {"bathroom", "Bathroom", 0x15, 0x65, 0xc0},
    {"bedroom", "Bedroom", 0x6a, 0x1b, 0x9a}, {"living", "Living room", 0x00, 0x83, 0x8f},
    {"hall", "Hall", 0x79, 0x55, 0x48},       {"other", "Other", 0x54, 0x6e, 0x7a},
};

const role_colour& colour_of(const std::string& role) {
    for (const auto& c : roles)
        if (role == c.role) return c;
    return roles[5];
}

std::string num(double v) {
    return fmt::format("{:.1f}", v);
}

std::string value_text(const std::string& unit, double v) {
    if (unit == "time") {
        auto m = static_cast<int>(std::lround(v));
        return fmt::format("{:02}:{:02}", m / 60, m % 60);
    }
    if (unit == "%") return fmt::format("{:.0f} %", v);
    if (unit == "h") return fmt::format("{:.1f} h", v);
    return fmt::format("{:g}", std::round(v * 10) / 10);
}

}  // namespace

std::string html_escape(std::string_view text) {
    std::string out;
    out.reserve(text.size());
    for (char c : text) {
        switch (c) {
            case '&':
                out += "&amp;";
                break;
            case '<':
                out += "&lt;";
                break;
            case '>':
                out += "&gt;";
                break;
            case '"':
                out += "&quot;";
                break;
            case '\'':
                out += "&#39;";
                break;
            default:
                out += c;
        }
    }
    return out;
}

std::string day_hour_svg(const activity_view& v) {
    constexpr double left = 92, top = 22, cw = 26, ch = 16, legend = 40;
    const double width = left + 24 * cw + 10;
    const double height = top + static_cast<double>(v.days.size()) * ch + legend;
    std::int64_t peak = 1;
    for (const auto& d : v.days)
        for (const auto& c : d.cells) peak = std::max(peak, c.motion);
    std::string s = fmt::format(
        R"~(<svg xmlns="http://www.w3.org/2000/svg" class="activity-grid" viewBox="0 0 {0} {1}" width="{0}" height="{1}" role="img" aria-label="Activity by day and hour">)~",
        num(width), num(height));
    s +=
        R"~(<defs><pattern id="missing" width="6" height="6" patternUnits="userSpaceOnUse" patternTransform="rotate(45)"><rect width="6" height="6" fill="#eee"/><line x1="0" y1="0" x2="0" y2="6" stroke="#bbb" stroke-width="2"/></pattern></defs>)~";
    s += R"~(<g font-family="sans-serif" font-size="10" fill="#333">)~";
    for (int h = 0; h < 24; h += 3)
        s += fmt::format(R"~(<text x="{}" y="{}">{:02}:00</text>)~", num(left + h * cw), num(top - 8), h);
    for (std::size_t i = 0; i < v.days.size(); ++i) {
        const auto& d = v.days[i];
        const double y = top + static_cast<double>(i) * ch;
        s += fmt::format(R"~(<text x="4" y="{}"{}>{}</text>)~", num(y + ch - 4),
                         d.weekend ? R"~( font-weight="bold")~" : "", html_escape(d.date));
        for (std::size_t h = 0; h < 24; ++h) {
            const auto& c = d.cells[h];
            const double x = left + static_cast<double>(h) * cw;
            if (c.missing) {
                s += fmt::format(
                    R"~(<rect x="{}" y="{}" width="{}" height="{}" fill="url(#missing)"><title>{} {:02}:00 no data</title></rect>)~",
                    num(x), num(y), num(cw - 1), num(ch - 1), d.date, h);
                continue;
            }
            std::string top_role = "other";
            std::int64_t most = -1;
            for (const auto& [role, n] : c.motion_by_role)
                if (n > most) {
                    most = n;
                    top_role = role;
                }
            const auto& col = colour_of(top_role);
            const double level =
                c.motion == 0 ? 0 : 0.15 + 0.85 * std::sqrt(static_cast<double>(c.motion) / peak);
            std::string title = fmt::format("{} {:02}:00 motion {}", d.date, h, c.motion);
            for (const auto& [role, n] : c.motion_by_role)
                if (n > 0) title += fmt::format(", {} {}", role, n);
            if (c.bed_s > 0) title += fmt::format(", in bed {} min", c.bed_s / 60);
            if (c.out_s > 0) title += fmt::format(", out {} min", c.out_s / 60);
            s += fmt::format(
                R"~(<rect x="{}" y="{}" width="{}" height="{}" fill="rgb({},{},{})" fill-opacity="{:.2f}" stroke="#f4f4f4"><title>{}</title></rect>)~",
                num(x), num(y), num(cw - 1), num(ch - 1), col.r, col.g, col.b, level, html_escape(title));
            if (c.bed_s > 0)
                s += fmt::format(
                    R"~(<rect x="{}" y="{}" width="{}" height="4" fill="#6a1b9a" fill-opacity="{:.2f}"/>)~",
                    num(x), num(y + ch - 5), num(cw - 1), 0.25 + 0.75 * std::min(1.0, c.bed_s / 3600.0));
            if (c.out_s > 0)
                s += fmt::format(R"~(<rect x="{}" y="{}" width="{}" height="4" fill="#ef6c00"/>)~", num(x),
                                 num(y), num((cw - 1) * std::min(1.0, c.out_s / 3600.0)));
        }
    }
    double lx = 4;
    const double ly = top + static_cast<double>(v.days.size()) * ch + 16;
    for (const auto& c : roles) {
        s += fmt::format(
            R"~(<rect x="{}" y="{}" width="10" height="10" fill="rgb({},{},{})"/><text x="{}" y="{}">{}</text>)~",
            num(lx), num(ly - 9), c.r, c.g, c.b, num(lx + 13), num(ly), c.label);
        lx += 13 + 7.0 * static_cast<double>(std::string_view(c.label).size()) + 10;
    }
    s += fmt::format(
        R"~(<rect x="{}" y="{}" width="14" height="4" fill="#6a1b9a"/><text x="{}" y="{}">in bed</text>)~",
        num(lx), num(ly - 5), num(lx + 17), num(ly));
    lx += 70;
    s += fmt::format(
        R"~(<rect x="{}" y="{}" width="14" height="4" fill="#ef6c00"/><text x="{}" y="{}">out of the home</text>)~",
        num(lx), num(ly - 5), num(lx + 17), num(ly));
    lx += 120;
    s += fmt::format(
        R"~(<rect x="{}" y="{}" width="10" height="10" fill="url(#missing)"/><text x="{}" y="{}">no data</text>)~",
        num(lx), num(ly - 9), num(lx + 13), num(ly));
    s += "</g></svg>";
    return s;
}

std::string trend_svg(const activity_trend& t) {
    constexpr double w = 640, h = 150, left = 48, right = 10, top = 12, bottom = 22;
    double lo = 0, hi = 1;
    bool any = false;
    for (const auto& p : t.points)
        for (const auto& x : {p.value, p.low, p.high})
            if (x) {
                if (!any) lo = hi = *x;
                lo = std::min(lo, *x);
                hi = std::max(hi, *x);
                any = true;
            }
    if (t.unit != "time") lo = std::min(lo, 0.0);
    if (hi - lo < 1e-9) hi = lo + 1;
    const double pad = (hi - lo) * 0.08;
    lo -= t.unit == "time" ? pad : 0;
    hi += pad;
    const auto n = std::max<std::size_t>(t.points.size(), 2);
    auto xs = [&](std::size_t i) {
        return left + (w - left - right) * static_cast<double>(i) / static_cast<double>(n - 1);
    };
    auto ys = [&](double v) { return top + (h - top - bottom) * (1 - (v - lo) / (hi - lo)); };
    std::string s = fmt::format(
        R"~(<svg xmlns="http://www.w3.org/2000/svg" class="activity-trend" data-metric="{0}" viewBox="0 0 {1} {2}" width="{1}" height="{2}" role="img" aria-label="{3}">)~",
        html_escape(t.metric), num(w), num(h), html_escape(t.label));
    s += R"~(<g font-family="sans-serif" font-size="10" fill="#333">)~";
    // The band: upper edge left to right, lower edge back, over the days that have a baseline.
    std::string upper, lower;
    for (std::size_t i = 0; i < t.points.size(); ++i) {
        const auto& p = t.points[i];
        if (!p.low || !p.high) continue;
        upper += fmt::format("{},{} ", num(xs(i)), num(ys(*p.high)));
        lower = fmt::format("{},{} ", num(xs(i)), num(ys(*p.low))) + lower;
    }
    if (!upper.empty())
        s += fmt::format(
            R"~(<polygon class="band" points="{}{}" fill="#90caf9" fill-opacity="0.45"><title>usual range (10th to 90th percentile of the previous days)</title></polygon>)~",
            upper, lower);
    std::string mid, line;
    for (std::size_t i = 0; i < t.points.size(); ++i) {
        const auto& p = t.points[i];
        if (p.mid) mid += fmt::format("{}{},{} ", mid.empty() ? "M" : "L", num(xs(i)), num(ys(*p.mid)));
    }
    if (!mid.empty())
        s += fmt::format(R"~(<path d="{}" fill="none" stroke="#1565c0" stroke-dasharray="4 3"/>)~", mid);
    bool pen = false;
    for (std::size_t i = 0; i < t.points.size(); ++i) {
        const auto& p = t.points[i];
        if (!p.value) {
            pen = false;
            continue;
        }
        line += fmt::format("{}{},{} ", pen ? "L" : "M", num(xs(i)), num(ys(*p.value)));
        pen = true;
    }
    if (!line.empty())
        s += fmt::format(R"~(<path class="value" d="{}" fill="none" stroke="#c62828" stroke-width="2"/>)~",
                         line);
    for (std::size_t i = 0; i < t.points.size(); ++i) {
        const auto& p = t.points[i];
        if (!p.value) continue;
        s +=
            fmt::format(R"~(<circle cx="{}" cy="{}" r="2.5" fill="#c62828"><title>{} {}{}</title></circle>)~",
                        num(xs(i)), num(ys(*p.value)), html_escape(p.date), value_text(t.unit, *p.value),
                        p.mid ? fmt::format(" (usual {})~", value_text(t.unit, *p.mid)) : std::string());
    }
    for (double v : {lo + pad * (t.unit == "time" ? 1 : 0), (lo + hi) / 2, hi - pad})
        s += fmt::format(R"~(<text x="2" y="{}">{}</text>)~", num(ys(v) + 3), value_text(t.unit, v));
    if (!t.points.empty()) {
        s += fmt::format(R"~(<text x="{}" y="{}">{}</text>)~", num(left), num(h - 6),
                         html_escape(t.points.front().date));
        s += fmt::format(R"~(<text x="{}" y="{}" text-anchor="end">{}</text>)~", num(w - right), num(h - 6),
                         html_escape(t.points.back().date));
    }
    s += "</g></svg>";
    return s;
}

std::string activity_report_html(const activity_report_subject& s, const activity_view& v, int days) {
    std::string out =
        R"~(<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Activity report</title>
<style>
body{font-family:sans-serif;color:#222;margin:24px;max-width:1000px}
h1{font-size:20px;margin:0 0 4px}h2{font-size:16px;margin:18px 0 6px;border-bottom:1px solid #ccc}
.meta{color:#555;font-size:12px}
.notice{border-left:4px solid #ef6c00;padding:4px 8px;margin:6px 0;background:#fff8e1}
.notice.ended{border-color:#9e9e9e;background:#f5f5f5}
table{border-collapse:collapse;font-size:11px}td,th{border:1px solid #ddd;padding:2px 6px;text-align:right}
th:first-child,td:first-child{text-align:left}
svg{max-width:100%;height:auto}
.trend{break-inside:avoid;page-break-inside:avoid;margin-bottom:8px}
.toolbar{margin-bottom:12px}
@page{size:A4;margin:12mm}
@media print{body{margin:0;max-width:none}.toolbar{display:none}section{break-inside:avoid-page}
section.grid{break-before:page}.notice{background:none}}
</style></head><body>)~";
    out +=
        R"~(<p class="toolbar">Print this page (Ctrl+P) to paper or to a PDF for the care assessment.</p>)~";
    out += fmt::format(
        R"~(<h1>Activity report: household {}</h1><p class="meta">{}{}<br>The last {} days, to {}. Generated {} by {}. From the home's hourly activity summaries; no raw sensor events leave the home. Wellbeing notices are not alarms.</p>)~",
        s.household, html_escape(s.names), s.postcode.empty() ? "" : ", " + html_escape(s.postcode), days,
        v.days.empty() ? "" : html_escape(v.days.back().date), html_escape(s.generated_at),
        html_escape(s.generated_by));
    out += R"~(<section class="notices"><h2>Wellbeing notices</h2>)~";
    if (v.notices.empty()) out += "<p>None in this period.</p>";
    for (const auto& n : v.notices)
        out += fmt::format(R"~(<div class="notice{}"><strong>{}</strong> ({}, {} to {})<br>{}</div>)~",
                           n.active ? "" : " ended", html_escape(n.title), n.active ? "active" : "ended",
                           html_escape(n.from), html_escape(n.to), html_escape(n.evidence));
    out += "</section>";
    out += R"~(<section class="trends"><h2>Trends against the usual range</h2>)~";
    for (const auto& t : v.trends)
        out +=
            fmt::format(R"~(<div class="trend"><h3 style="font-size:13px;margin:6px 0 2px">{}</h3>{}</div>)~",
                        html_escape(t.label), trend_svg(t));
    out += "</section>";
    out += R"~(<section class="grid"><h2>Day by hour</h2>)~" + day_hour_svg(v) + "</section>";
    out +=
        R"~(<section class="figures"><h2>Daily figures</h2><table><tr><th>day</th><th>hours with data</th><th>motion</th><th>up at</th><th>night bathroom</th><th>kitchen</th><th>out</th><th>in bed</th></tr>)~";
    for (const auto& d : v.days) {
        auto opt_clock =
            d.rise_min ? fmt::format("{:02}:{:02}", *d.rise_min / 60, *d.rise_min % 60) : std::string("-");
        out += fmt::format(
            "<tr><td>{}{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{:.1f} h</td><td>{:.1f} "
            "h</td><td>{:.1f} h</td></tr>",
            html_escape(d.date), d.weekend ? " (weekend)" : "", d.good_hours, d.motion, opt_clock,
            d.night_missing ? std::string("-") : std::to_string(d.night_bathroom), d.kitchen_s / 3600.0,
            d.out_s / 3600.0, d.bed_s / 3600.0);
    }
    out += "</table></section></body></html>";
    return out;
}

}  // namespace warden::centre
