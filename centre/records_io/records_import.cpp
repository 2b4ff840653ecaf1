// CSV import and export through the store (warden/centre/records_import.hpp).
#include "warden/centre/records_import.hpp"

#include <climits>
#include <map>
#include <optional>

#include <fmt/format.h>

namespace warden::centre {

namespace {

/// One household the file changes, and how to name its problems.
struct planned {
    household_save save;
    std::size_t line = 0;
    std::vector<int> resident_groups;  ///< households file
    const care_rows* care = nullptr;   ///< responders and professionals files
};

void plan_households(store& db, const csv_table& t, std::vector<planned>& plan,
                     std::vector<csv_problem>& problems) {
    std::map<std::string, std::size_t> seen;  // external_ref -> line
    for (const auto& row : t.rows) {
        std::string ref;
        for (const auto& [name, value] : row.cells)
            if (name == "external_ref") ref = value;
        if (ref.empty()) {
            problems.push_back({row.line, "external_ref", "is required"});
            continue;
        }
        if (auto [it, fresh] = seen.emplace(ref, row.line); !fresh) {
            problems.push_back({row.line, "external_ref", fmt::format("is also on line {}", it->second)});
            continue;
        }
        auto stored = db.find_household_by_ref(ref);
        household h = stored.value_or(household{});
        if (stored && stored->sealed) throw records_locked();
        auto groups = apply_household_row(row, h, problems);
        h.external_ref = ref;
        for (const auto& e : validate(h))
            problems.push_back({row.line, household_column(e.field, groups), e.message});
        plan.push_back({{stored ? stored->id : 0, std::move(h)}, row.line, std::move(groups), nullptr});
    }
}

void plan_care(store& db, records_file f, const std::vector<care_rows>& groups, std::vector<planned>& plan,
               std::vector<csv_problem>& problems) {
    for (const auto& g : groups) {
        auto stored = db.find_household_by_ref(g.household_ref);
        if (!stored) {
            for (auto line : g.lines)
                problems.push_back(
                    {line, "household_ref", "no household has this external_ref (import households first)"});
            continue;
        }
        if (stored->sealed) throw records_locked();
        household h = *stored;
        if (f == records_file::responders)
            h.responders = g.responders;
        else
            h.professionals = g.professionals;
        for (const auto& e : validate(h)) problems.push_back(care_problem(e, g));
        plan.push_back({{h.id, std::move(h)}, g.lines.front(), {}, &g});
    }
}

}  // namespace

import_report import_records(store& db, records_file f, std::string_view text, bool dry_run,
                             const std::string& by, time_point now) {
    import_report report;
    auto table = read_table(f, text, report.problems);
    if (!report.problems.empty()) return report;
    std::vector<planned> plan;
    std::vector<care_rows> care;
    if (f == records_file::households) {
        plan_households(db, table, plan, report.problems);
    } else {
        care = read_care_rows(f, table, report.problems);
        plan_care(db, f, care, plan, report.problems);
    }
    if (!report.problems.empty()) return report;

    std::vector<household_save> batch;
    for (const auto& p : plan) batch.push_back(p.save);
    auto results = db.save_households(batch, dry_run, by, now);
    for (std::size_t i = 0; i < plan.size(); ++i) {
        const auto& r = results.at(i);
        const auto& p = plan[i];
        if (r.status == save_status::ok) {
            (p.save.id ? report.updated : report.created).push_back(p.save.h.external_ref.value_or(""));
            continue;
        }
        if (r.status == save_status::not_found) {
            report.problems.push_back({p.line, "", "the household was deleted while the file was read"});
            continue;
        }
        auto conflict = r.conflict.value_or(field_error{"", "clashes with another household"});
        if (p.care) {
            report.problems.push_back(care_problem(conflict, *p.care));
            continue;
        }
        auto column = household_column(conflict.field, p.resident_groups);
        std::string message = conflict.message;
        if (auto open = conflict.field.find('['); column == "hubs" && open != std::string::npos) {
            auto i_hub = std::stoul(conflict.field.substr(open + 1));
            if (i_hub < p.save.h.hubs.size()) message = p.save.h.hubs[i_hub] + ": " + message;
        }
        report.problems.push_back({p.line, column, message});
    }
    if (!report.problems.empty()) {
        report.created.clear();
        report.updated.clear();
    }
    return report;
}

std::string export_records(store& db, records_file f) {
    std::vector<household> all;
    for (const auto& s : db.list_households({.text = std::nullopt, .team = std::nullopt, .limit = INT_MAX})) {
        auto h = db.get_household(s.id);
        if (!h) continue;  // deleted meanwhile
        if (h->sealed && f == records_file::households) throw records_locked();
        all.push_back(std::move(*h));
    }
    return write_records_csv(f, std::move(all));
}

}  // namespace warden::centre
