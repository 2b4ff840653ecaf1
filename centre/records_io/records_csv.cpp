// The records CSV files: columns, reading rows into the model, naming validate()'s fields as columns,
// writing (warden/centre/records_csv.hpp).
#include "warden/centre/records_csv.hpp"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <map>
#include <optional>

#include <fmt/format.h>

#include "warden/centre/csv.hpp"

namespace warden::centre {

namespace {

constexpr int max_resident_groups = 6;

/// One column: how to read a cell into T (a message when the cell is not of the column's type) and
/// how to write it back.
template <class T>
struct column {
    std::string_view name;
    bool required;
    std::optional<std::string> (*set)(T&, const std::string&);
    std::string (*get)(const T&);
};

std::string lower(std::string_view s) {
    std::string out(s);
    for (auto& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return out;
}

std::string trim(std::string_view s) {
    auto b = s.find_first_not_of(" \t");
    if (b == std::string_view::npos) return {};
    return std::string(s.substr(b, s.find_last_not_of(" \t") - b + 1));
}

/// yes/no, also y/n, true/false, 1/0 (any case); empty: the default.
std::optional<std::string> read_bool(bool& out, const std::string& v, bool empty_means) {
    auto l = lower(trim(v));
    if (l.empty())
        out = empty_means;
    else if (l == "yes" || l == "y" || l == "true" || l == "1")
        out = true;
    else if (l == "no" || l == "n" || l == "false" || l == "0")
        out = false;
    else
        return "must be yes or no";
    return std::nullopt;
}
std::string yes_no(bool b) {
    return b ? "yes" : "no";
}

/// "a; b;c" -> {"a", "b", "c"}; empty parts dropped.
std::vector<std::string> split_list(const std::string& v) {
    std::vector<std::string> out;
    std::size_t start = 0;
    while (start <= v.size()) {
        auto end = v.find(';', start);
        if (end == std::string::npos) end = v.size();
        if (auto part = trim(std::string_view(v).substr(start, end - start)); !part.empty())
            out.push_back(part);
        start = end + 1;
    }
    return out;
}
std::string join_list(const std::vector<std::string>& parts) {
    std::string out;
    for (const auto& p : parts) out += (out.empty() ? "" : ";") + p;
    return out;
}

std::optional<std::string> address_line(household& h, std::size_t i, const std::string& v) {
    if (h.address_lines.size() <= i) h.address_lines.resize(i + 1);
    h.address_lines[i] = v;
    return std::nullopt;
}
std::string address_line_of(const household& h, std::size_t i) {
    return i < h.address_lines.size() ? h.address_lines[i] : "";
}

#define WARDEN_TEXT(T, field)                                      \
    [](T& x, const std::string& v) -> std::optional<std::string> { \
        x.field = v;                                               \
        return std::nullopt;                                       \
    },                                                             \
        [](const T& x) { return x.field; }

const column<household> household_columns[] = {
    {"external_ref", true,
     [](household& h, const std::string& v) -> std::optional<std::string> {
         h.external_ref = v;
         return std::nullopt;
     },
     [](const household& h) { return h.external_ref.value_or(""); }},
    {"address_line1", true, [](household& h, const std::string& v) { return address_line(h, 0, v); },
     [](const household& h) { return address_line_of(h, 0); }},
    {"address_line2", false, [](household& h, const std::string& v) { return address_line(h, 1, v); },
     [](const household& h) { return address_line_of(h, 1); }},
    {"address_line3", false, [](household& h, const std::string& v) { return address_line(h, 2, v); },
     [](const household& h) { return address_line_of(h, 2); }},
    {"address_line4", false, [](household& h, const std::string& v) { return address_line(h, 3, v); },
     [](const household& h) { return address_line_of(h, 3); }},
    {"postcode", true, WARDEN_TEXT(household, postcode)},
    {"key_safe_code", false, WARDEN_TEXT(household, key_safe_code)},
    {"key_safe_location", false, WARDEN_TEXT(household, key_safe_location)},
    {"door_entry", false, WARDEN_TEXT(household, door_entry)},
    {"instructions", false, WARDEN_TEXT(household, instructions)},
    {"hubs", false,
     [](household& h, const std::string& v) -> std::optional<std::string> {
         h.hubs = split_list(v);
         return std::nullopt;
     },
     [](const household& h) { return join_list(h.hubs); }},
    {"team", false,
     [](household& h, const std::string& v) -> std::optional<std::string> {
         h.team = v.empty() ? std::nullopt : std::optional(v);
         return std::nullopt;
     },
     [](const household& h) { return h.team.value_or(""); }},
};

/// A resident group's columns are "resident<N>_" and these.
const column<resident> resident_columns[] = {
    {"name", false, WARDEN_TEXT(resident, name)},
    {"preferred_name", false, WARDEN_TEXT(resident, preferred_name)},
    {"date_of_birth", false, WARDEN_TEXT(resident, date_of_birth)},
    {"phone", false, WARDEN_TEXT(resident, phone)},
    {"communication", false, WARDEN_TEXT(resident, communication)},
    {"medical_conditions", false, WARDEN_TEXT(resident, medical_conditions)},
    {"medication_notes", false, WARDEN_TEXT(resident, medication_notes)},
    {"risk_notes", false, WARDEN_TEXT(resident, risk_notes)},
    {"gp", false, WARDEN_TEXT(resident, gp)},
};

std::optional<std::string> responder_phone(responder& r, std::size_t i, const std::string& v) {
    if (r.phones.size() <= i) r.phones.resize(i + 1);
    r.phones[i] = v;
    return std::nullopt;
}
std::string responder_phone_of(const responder& r, std::size_t i) {
    return i < r.phones.size() ? r.phones[i] : "";
}

/// household_ref is read apart (it groups the rows).
const column<responder> responder_columns[] = {
    {"call_order", true,
     [](responder& r, const std::string& v) -> std::optional<std::string> {
         auto t = trim(v);
         auto [end, ec] = std::from_chars(t.data(), t.data() + t.size(), r.call_order);
         if (t.empty() || ec != std::errc{} || end != t.data() + t.size())
             return "must be a whole number from 1 to 99";
         return std::nullopt;
     },
     [](const responder& r) { return std::to_string(r.call_order); }},
    {"name", true, WARDEN_TEXT(responder, name)},
    {"relation", false, WARDEN_TEXT(responder, relation)},
    {"phone1", false, [](responder& r, const std::string& v) { return responder_phone(r, 0, v); },
     [](const responder& r) { return responder_phone_of(r, 0); }},
    {"phone2", false, [](responder& r, const std::string& v) { return responder_phone(r, 1, v); },
     [](const responder& r) { return responder_phone_of(r, 1); }},
    {"phone3", false, [](responder& r, const std::string& v) { return responder_phone(r, 2, v); },
     [](const responder& r) { return responder_phone_of(r, 2); }},
    {"holds_key", false, [](responder& r, const std::string& v) { return read_bool(r.holds_key, v, false); },
     [](const responder& r) { return yes_no(r.holds_key); }},
    {"available_hours", false, WARDEN_TEXT(responder, available_hours)},
    {"can_attend", false, [](responder& r, const std::string& v) { return read_bool(r.can_attend, v, true); },
     [](const responder& r) { return yes_no(r.can_attend); }},
};

const column<professional> professional_columns[] = {
    {"role", true, WARDEN_TEXT(professional, role)},
    {"name", false, WARDEN_TEXT(professional, name)},
    {"organisation", false, WARDEN_TEXT(professional, organisation)},
    {"phone", false, WARDEN_TEXT(professional, phone)},
    {"email", false, WARDEN_TEXT(professional, email)},
};

#undef WARDEN_TEXT

/// "resident2_gp" -> {2, "gp"}.
std::optional<std::pair<int, std::string>> resident_column(std::string_view name) {
    if (!name.starts_with("resident") || name.size() < 10 || name[9] != '_') return std::nullopt;
    int group = name[8] - '0';
    if (group < 1 || group > max_resident_groups) return std::nullopt;
    auto field = std::string(name.substr(10));
    for (const auto& c : resident_columns)
        if (c.name == field) return std::pair{group, field};
    return std::nullopt;
}

/// Every column name of a kind, in the order files are written (households: without resident groups).
std::vector<std::string> fixed_columns(records_file f) {
    std::vector<std::string> out;
    auto add = [&](const auto& table) {
        for (const auto& c : table) out.emplace_back(c.name);
    };
    if (f == records_file::households) {
        add(household_columns);
    } else {
        out.emplace_back("household_ref");
        if (f == records_file::responders)
            add(responder_columns);
        else
            add(professional_columns);
    }
    return out;
}

std::vector<std::string> required_columns(records_file f) {
    std::vector<std::string> out;
    auto add = [&](const auto& table) {
        for (const auto& c : table)
            if (c.required) out.emplace_back(c.name);
    };
    if (f == records_file::households) {
        add(household_columns);
        out.emplace_back("resident1_name");
    } else {
        out.emplace_back("household_ref");
        if (f == records_file::responders)
            add(responder_columns);
        else
            add(professional_columns);
    }
    return out;
}

bool known_column(records_file f, const std::string& name) {
    auto fixed = fixed_columns(f);
    if (std::find(fixed.begin(), fixed.end(), name) != fixed.end()) return true;
    return f == records_file::households && resident_column(name);
}

template <class T, std::size_t N>
const column<T>* find_column(const column<T> (&table)[N], std::string_view name) {
    for (const auto& c : table)
        if (c.name == name) return &c;
    return nullptr;
}

/// "responders[2].phones[0]" -> {2, "phones[0]"}.
std::optional<std::pair<std::size_t, std::string>> indexed(std::string_view field, std::string_view list) {
    if (!field.starts_with(list) || field.size() <= list.size() || field[list.size()] != '[')
        return std::nullopt;
    auto close = field.find(']', list.size());
    if (close == std::string_view::npos) return std::nullopt;
    std::size_t i = 0;
    auto digits = field.substr(list.size() + 1, close - list.size() - 1);
    std::from_chars(digits.data(), digits.data() + digits.size(), i);
    auto rest = field.substr(close + 1);
    if (rest.starts_with(".")) rest.remove_prefix(1);
    return std::pair{i, std::string(rest)};
}

}  // namespace

std::string_view to_string(records_file f) noexcept {
    switch (f) {
        case records_file::households:
            return "households";
        case records_file::responders:
            return "responders";
        case records_file::professionals:
            return "professionals";
    }
    return "";
}

std::string format_problem(std::string_view file, const csv_problem& p) {
    if (p.column.empty()) return fmt::format("{}:{}: {}", file, p.line, p.message);
    return fmt::format("{}:{}: {}: {}", file, p.line, p.column, p.message);
}

csv_table read_table(records_file f, std::string_view text, std::vector<csv_problem>& problems) {
    csv_table t;
    std::vector<csv_record> records;
    try {
        records = parse_csv(text);
    } catch (const csv_error& e) {
        problems.push_back({e.line(), "", e.what()});
        return t;
    }
    if (records.empty()) {
        problems.push_back({1, "", "the file is empty: the first line must name the columns"});
        return t;
    }
    const auto& header = records.front();
    std::size_t before = problems.size();
    for (const auto& raw : header.fields) {
        auto name = lower(trim(raw));
        if (!known_column(f, name))
            problems.push_back(
                {header.line, name, fmt::format("is not a column of a {} file", to_string(f))});
        else if (std::find(t.columns.begin(), t.columns.end(), name) != t.columns.end())
            problems.push_back({header.line, name, "is named twice"});
        t.columns.push_back(name);
    }
    for (const auto& name : required_columns(f))
        if (std::find(t.columns.begin(), t.columns.end(), name) == t.columns.end())
            problems.push_back({header.line, name, "the column is required"});
    if (problems.size() != before) return t;
    for (std::size_t i = 1; i < records.size(); ++i) {
        const auto& r = records[i];
        if (std::all_of(r.fields.begin(), r.fields.end(), [](const auto& v) { return trim(v).empty(); }))
            continue;
        if (r.fields.size() > t.columns.size()) {
            problems.push_back({r.line, "",
                                fmt::format("has {} cells, the header names {} columns", r.fields.size(),
                                            t.columns.size())});
            continue;
        }
        csv_cells row{r.line, {}};
        for (std::size_t c = 0; c < t.columns.size(); ++c)
            row.cells.emplace_back(t.columns[c], c < r.fields.size() ? trim(r.fields[c]) : "");
        t.rows.push_back(std::move(row));
    }
    return t;
}

std::vector<int> apply_household_row(const csv_cells& row, household& h, std::vector<csv_problem>& problems) {
    // Residents by group: the stored ones keep their position as groups 1..n.
    std::map<int, resident> groups;
    std::map<int, bool> group_has_text;
    for (std::size_t i = 0; i < h.residents.size(); ++i) {
        groups[static_cast<int>(i) + 1] = h.residents[i];
        group_has_text[static_cast<int>(i) + 1] = true;
    }
    std::map<int, bool> group_in_file;
    for (const auto& [name, value] : row.cells) {
        if (auto rc = resident_column(name)) {
            auto& r = groups[rc->first];
            if (!group_in_file[rc->first]) group_has_text[rc->first] = false;
            group_in_file[rc->first] = true;
            if (!value.empty()) group_has_text[rc->first] = true;
            find_column(resident_columns, rc->second)->set(r, value);
            continue;
        }
        if (auto m = find_column(household_columns, name)->set(h, value))
            problems.push_back({row.line, name, *m});
    }
    // Trailing empty address lines are not lines.
    while (h.address_lines.size() > 1 && h.address_lines.back().empty()) h.address_lines.pop_back();
    // A group whose cells in the file are all empty is no resident (one the file does not mention stays).
    h.residents.clear();
    std::vector<int> from;
    for (auto& [group, r] : groups) {
        if (!group_has_text[group]) continue;
        h.residents.push_back(std::move(r));
        from.push_back(group);
    }
    return from;
}

std::string household_column(const std::string& field, const std::vector<int>& resident_groups) {
    if (auto a = indexed(field, "address_lines")) return fmt::format("address_line{}", a->first + 1);
    if (field == "address_lines") return "address_line1";
    if (field.starts_with("hubs")) return "hubs";
    if (auto r = indexed(field, "residents")) {
        int group =
            r->first < resident_groups.size() ? resident_groups[r->first] : static_cast<int>(r->first) + 1;
        return fmt::format("resident{}_{}", group, r->second.empty() ? "name" : r->second);
    }
    if (field == "residents") return "resident1_name";
    return field;
}

std::vector<care_rows> read_care_rows(records_file f, const csv_table& t,
                                      std::vector<csv_problem>& problems) {
    std::vector<care_rows> out;
    std::map<std::string, std::size_t> by_ref;
    for (const auto& row : t.rows) {
        std::string ref;
        responder r;
        professional p;
        for (const auto& [name, value] : row.cells) {
            if (name == "household_ref") {
                ref = value;
                continue;
            }
            std::optional<std::string> m;
            if (f == records_file::responders)
                m = find_column(responder_columns, name)->set(r, value);
            else
                m = find_column(professional_columns, name)->set(p, value);
            if (m) problems.push_back({row.line, name, *m});
        }
        if (ref.empty()) {
            problems.push_back({row.line, "household_ref", "is required"});
            continue;
        }
        while (!r.phones.empty() && r.phones.back().empty()) r.phones.pop_back();
        auto [it, fresh] = by_ref.emplace(ref, out.size());
        if (fresh) out.push_back({ref, {}, {}, {}});
        auto& group = out[it->second];
        if (f == records_file::responders)
            group.responders.push_back(std::move(r));
        else
            group.professionals.push_back(std::move(p));
        group.lines.push_back(row.line);
    }
    return out;
}

csv_problem care_problem(const field_error& e, const care_rows& rows) {
    std::size_t first = rows.lines.empty() ? 0 : rows.lines.front();
    for (auto list : {"responders", "professionals"}) {
        auto item = indexed(e.field, list);
        if (!item) continue;
        std::size_t line = item->first < rows.lines.size() ? rows.lines[item->first] : first;
        if (auto ph = indexed(item->second, "phones"))
            return {line, fmt::format("phone{}", ph->first + 1), e.message};
        if (item->second == "phones") return {line, "phone1", e.message};
        return {line, item->second.empty() ? "household_ref" : item->second, e.message};
    }
    if (e.field == "responders" || e.field == "professionals") return {first, "household_ref", e.message};
    return {first, "", fmt::format("the household's {} {}", e.field, e.message)};
}

std::string write_records_csv(records_file f, std::vector<household> households) {
    std::sort(households.begin(), households.end(), [](const household& a, const household& b) {
        return std::pair(a.external_ref.value_or(""), a.id) < std::pair(b.external_ref.value_or(""), b.id);
    });
    auto header = fixed_columns(f);
    std::string out;
    if (f == records_file::households) {
        std::size_t groups = 2;
        for (const auto& h : households) groups = std::max(groups, h.residents.size());
        for (std::size_t g = 1; g <= groups; ++g)
            for (const auto& c : resident_columns) header.push_back(fmt::format("resident{}_{}", g, c.name));
        out += csv_row(header);
        for (const auto& h : households) {
            std::vector<std::string> cells;
            for (const auto& c : household_columns) cells.push_back(c.get(h));
            for (std::size_t g = 0; g < groups; ++g)
                for (const auto& c : resident_columns)
                    cells.push_back(g < h.residents.size() ? c.get(h.residents[g]) : "");
            out += csv_row(cells);
        }
        return out;
    }
    out += csv_row(header);
    for (const auto& h : households) {
        auto ref = h.external_ref.value_or("");
        if (f == records_file::responders) {
            auto people = h.responders;
            std::stable_sort(people.begin(), people.end(),
                             [](const auto& a, const auto& b) { return a.call_order < b.call_order; });
            for (const auto& r : people) {
                std::vector<std::string> cells{ref};
                for (const auto& c : responder_columns) cells.push_back(c.get(r));
                out += csv_row(cells);
            }
        } else {
            for (const auto& p : h.professionals) {
                std::vector<std::string> cells{ref};
                for (const auto& c : professional_columns) cells.push_back(c.get(p));
                out += csv_row(cells);
            }
        }
    }
    return out;
}

}  // namespace warden::centre
