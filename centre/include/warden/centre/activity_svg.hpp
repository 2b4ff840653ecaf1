#pragma once
/// Server-rendered charts of the activity view (SVG text, no script, every text escaped), and the
/// printable report for a care assessment (HTML with print CSS).

#include <string>

#include "warden/centre/activity_insights.hpp"

namespace warden::centre {

/// The day x hour chart: one row per day (oldest at the top), 24 columns of local hours. Each cell
/// shows motion (colour of the room with most motion, darker for more), bed occupancy (a band along
/// its bottom) and time out of the home (orange); a missing hour is hatched grey.
std::string day_hour_svg(const activity_view& v);

/// One trend: the day's values as a line over the baseline band (10th to 90th percentile) and the
/// typical value (dashed).
std::string trend_svg(const activity_trend& t);

/// What the report says about whom.
struct activity_report_subject {
    std::int64_t household = 0;
    std::string names;  ///< the residents' names, comma separated
    std::string postcode;
    std::string generated_by;
    std::string generated_at;  ///< ISO time
};

/// A whole HTML page: the subject, the notices with their evidence, the day x hour chart, the trends
/// and the daily figures; styled for the screen and for print (A4, page breaks between sections).
std::string activity_report_html(const activity_report_subject& s, const activity_view& v, int days);

/// `text` with &, <, >, " and ' escaped for HTML and SVG.
std::string html_escape(std::string_view text);

}  // namespace warden::centre
