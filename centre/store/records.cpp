// The records' validation (one function per record type) and summaries, shared by every backend, the
// HTTP API and CSV import.
#include <algorithm>
#include <cctype>
#include <set>

#include <fmt/format.h>

#include "warden/centre/records.hpp"
#include "warden/common/alert.hpp"

namespace warden::centre {

namespace {

/// Collects the problems of one record, each field name under `prefix`.
class checker {
public:
    explicit checker(std::vector<field_error>& out, std::string prefix = {})
        : out_(out), prefix_(std::move(prefix)) {}

    void fail(const std::string& field, std::string message) {
        out_.push_back({prefix_ + field, std::move(message)});
    }

    /// Valid UTF-8, no control characters (newlines and tabs only where `multiline`), at most `max`
    /// bytes; not empty when `required`. True if it passed.
    bool text(const std::string& field, std::string_view v, std::size_t max, bool required = false,
              bool multiline = false) {
        if (required && trimmed_empty(v)) {
            fail(field, "is required");
            return false;
        }
        if (v.size() > max) {
            fail(field, fmt::format("is longer than {} characters", max));
            return false;
        }
        if (!valid_utf8(v)) {
            fail(field, "is not valid UTF-8 text");
            return false;
        }
        for (unsigned char c : v) {
            if (c == 0x7f || (c < 0x20 && !(multiline && (c == '\n' || c == '\t' || c == '\r')))) {
                fail(field, multiline ? "contains a control character" : "must be one line of text");
                return false;
            }
        }
        return true;
    }

    /// An optional phone number: digits, spaces, and + ( ) -, with 6 to 15 digits.
    void phone(const std::string& field, std::string_view v, bool required = false) {
        if (v.empty()) {
            if (required) fail(field, "is required");
            return;
        }
        int digits = 0;
        bool ok = v.size() <= 30;
        for (std::size_t i = 0; i < v.size() && ok; ++i) {
            char c = v[i];
            if (std::isdigit(static_cast<unsigned char>(c)))
                ++digits;
            else if (!(c == ' ' || c == '(' || c == ')' || c == '-' || (c == '+' && i == 0)))
                ok = false;
        }
        if (!ok || digits < 6 || digits > 15)
            fail(field, "must be a phone number: 6 to 15 digits, with spaces, + ( ) - allowed");
    }

private:
    static bool trimmed_empty(std::string_view v) {
        return std::all_of(v.begin(), v.end(), [](unsigned char c) { return std::isspace(c); });
    }
    /// Strict UTF-8 (no overlong forms, surrogates or code points above U+10FFFF), as JSON output needs.
    static bool valid_utf8(std::string_view v) {
        for (std::size_t i = 0; i < v.size();) {
            auto c = static_cast<unsigned char>(v[i]);
            std::size_t n = 0;
            unsigned char lo = 0x80, hi = 0xbf;  // the allowed range of the second byte
            if (c < 0x80) {
                ++i;
                continue;
            } else if (c >= 0xc2 && c <= 0xdf) {
                n = 1;
            } else if (c >= 0xe0 && c <= 0xef) {
                n = 2;
                if (c == 0xe0) lo = 0xa0;
                if (c == 0xed) hi = 0x9f;
            } else if (c >= 0xf0 && c <= 0xf4) {
                n = 3;
                if (c == 0xf0) lo = 0x90;
                if (c == 0xf4) hi = 0x8f;
            } else {
                return false;
            }
            if (i + n >= v.size()) return false;
            for (std::size_t k = 1; k <= n; ++k) {
                auto b = static_cast<unsigned char>(v[i + k]);
                if (k == 1 ? (b < lo || b > hi) : (b & 0xc0) != 0x80) return false;
            }
            i += n + 1;
        }
        return true;
    }

    std::vector<field_error>& out_;
    std::string prefix_;
};

bool is_date(std::string_view v) {
    if (v.size() != 10 || v[4] != '-' || v[7] != '-') return false;
    for (int i : {0, 1, 2, 3, 5, 6, 8, 9})
        if (!std::isdigit(static_cast<unsigned char>(v[i]))) return false;
    int y = std::stoi(std::string(v.substr(0, 4)));
    int m = std::stoi(std::string(v.substr(5, 2)));
    int d = std::stoi(std::string(v.substr(8, 2)));
    if (y < 1880 || y > 2100 || m < 1 || m > 12 || d < 1) return false;
    static constexpr int days[] = {31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    return d <= (m == 2 && !leap ? 28 : days[m - 1]);
}

/// A UK postcode: outward code (A9, A99, AA9, AA99, A9A, AA9A), an optional space, inward code (9AA).
bool is_postcode(std::string_view v) {
    std::string p;
    for (char c : v)
        if (c != ' ') p.push_back(static_cast<char>(std::toupper(static_cast<unsigned char>(c))));
    if (p.size() < 5 || p.size() > 7 || v.size() > 8) return false;
    auto alpha = [](char c) { return c >= 'A' && c <= 'Z'; };
    auto digit = [](char c) { return c >= '0' && c <= '9'; };
    auto in = std::string_view(p).substr(p.size() - 3);
    if (!digit(in[0]) || !alpha(in[1]) || !alpha(in[2])) return false;
    auto out = std::string_view(p).substr(0, p.size() - 3);
    if (!alpha(out[0])) return false;
    std::size_t i = 1;
    if (i < out.size() && alpha(out[i])) ++i;
    if (i >= out.size() || !digit(out[i])) return false;
    ++i;
    if (i < out.size() && (digit(out[i]) || alpha(out[i]))) ++i;
    return i == out.size();
}

bool is_email(std::string_view v) {
    auto at = v.find('@');
    if (at == std::string_view::npos || at == 0 || v.find('@', at + 1) != std::string_view::npos)
        return false;
    auto domain = v.substr(at + 1);
    auto dot = domain.find('.');
    if (dot == std::string_view::npos || dot == 0 || domain.back() == '.') return false;
    return std::none_of(v.begin(), v.end(), [](unsigned char c) { return c <= ' ' || c == 0x7f; });
}

template <class T>
void nested(std::vector<field_error>& out, const std::string& list, const std::vector<T>& items) {
    for (std::size_t i = 0; i < items.size(); ++i)
        for (auto& e : validate(items[i]))
            out.push_back({fmt::format("{}[{}].{}", list, i, e.field), std::move(e.message)});
}

}  // namespace

std::vector<field_error> validate(const resident& r) {
    std::vector<field_error> out;
    checker c(out);
    c.text("name", r.name, 100, true);
    c.text("preferred_name", r.preferred_name, 100);
    if (!r.date_of_birth.empty() && !is_date(r.date_of_birth))
        c.fail("date_of_birth", "must be a date as YYYY-MM-DD, e.g. 1938-04-21");
    c.phone("phone", r.phone);
    c.text("communication", r.communication, 500, false, true);
    c.text("medical_conditions", r.medical_conditions, 2000, false, true);
    c.text("medication_notes", r.medication_notes, 2000, false, true);
    c.text("risk_notes", r.risk_notes, 1000, false, true);
    c.text("gp", r.gp, 200);
    return out;
}

std::vector<field_error> validate(const responder& r) {
    std::vector<field_error> out;
    checker c(out);
    if (r.call_order < 1 || r.call_order > 99) c.fail("call_order", "must be a whole number from 1 to 99");
    c.text("name", r.name, 100, true);
    c.text("relation", r.relation, 50);
    if (r.phones.empty() || r.phones.size() > 3) c.fail("phones", "must list 1 to 3 phone numbers");
    for (std::size_t i = 0; i < r.phones.size() && i < 3; ++i)
        c.phone(fmt::format("phones[{}]", i), r.phones[i], true);
    c.text("available_hours", r.available_hours, 100);
    return out;
}

std::vector<field_error> validate(const professional& p) {
    std::vector<field_error> out;
    checker c(out);
    if (std::find(std::begin(professional_roles), std::end(professional_roles), p.role) ==
        std::end(professional_roles))
        c.fail("role",
               "must be social_worker, care_agency, district_nurse, occupational_therapist, housing_officer "
               "or other");
    c.text("name", p.name, 100);
    c.text("organisation", p.organisation, 100);
    if (p.name.empty() && p.organisation.empty()) c.fail("name", "a name or an organisation is required");
    c.phone("phone", p.phone);
    if (!p.email.empty() && (p.email.size() > 254 || !is_email(p.email)))
        c.fail("email", "must be an email address, e.g. name@example.org");
    return out;
}

std::vector<field_error> validate(const team& t) {
    std::vector<field_error> out;
    checker c(out);
    if (!is_valid_id(t.id)) c.fail("id", "must be 1 to 64 letters, digits, '.', '_' or '-'");
    c.text("name", t.name, 100, true);
    return out;
}

std::vector<field_error> validate(const household& h) {
    std::vector<field_error> out;
    checker c(out);
    if (h.external_ref) c.text("external_ref", *h.external_ref, 64, true);
    if (h.address_lines.empty() || h.address_lines.size() > 4)
        c.fail("address_lines", "must have 1 to 4 lines");
    for (std::size_t i = 0; i < h.address_lines.size() && i < 4; ++i)
        c.text(fmt::format("address_lines[{}]", i), h.address_lines[i], 100, i == 0);
    if (h.postcode.empty())
        c.fail("postcode", "is required");
    else if (!is_postcode(h.postcode))
        c.fail("postcode", "must be a UK postcode, e.g. CF10 1AA");
    c.text("key_safe_code", h.key_safe_code, 32);
    c.text("key_safe_location", h.key_safe_location, 200);
    c.text("door_entry", h.door_entry, 200);
    c.text("instructions", h.instructions, 2000, false, true);
    if (h.hubs.size() > 8) c.fail("hubs", "must list at most 8 hubs");
    std::set<std::string> hubs;
    for (std::size_t i = 0; i < h.hubs.size(); ++i) {
        auto field = fmt::format("hubs[{}]", i);
        if (!is_valid_id(h.hubs[i]))
            c.fail(field, "must be a hub id: 1 to 64 letters, digits, '.', '_' or '-'");
        else if (!hubs.insert(h.hubs[i]).second)
            c.fail(field, "is listed twice");
    }
    if (h.team && !is_valid_id(*h.team))
        c.fail("team", "must be a team id: 1 to 64 letters, digits, '.', '_' or '-'");
    if (h.residents.empty() || h.residents.size() > 6) c.fail("residents", "must list 1 to 6 residents");
    if (h.responders.size() > 10) c.fail("responders", "must list at most 10 responders");
    if (h.professionals.size() > 10) c.fail("professionals", "must list at most 10 professionals");
    nested(out, "residents", h.residents);
    nested(out, "responders", h.responders);
    nested(out, "professionals", h.professionals);
    std::set<int> orders;
    for (std::size_t i = 0; i < h.responders.size(); ++i)
        if (!orders.insert(h.responders[i].call_order).second)
            c.fail(fmt::format("responders[{}].call_order", i), "is used by another responder");
    return out;
}

household_summary summary_of(const household& h) {
    household_summary s;
    s.id = h.id;
    s.external_ref = h.external_ref;
    for (const auto& r : h.residents) s.names.push_back(r.preferred_name.empty() ? r.name : r.preferred_name);
    s.address = h.address_lines.empty() ? std::string() : h.address_lines.front();
    s.postcode = h.postcode;
    s.team = h.team;
    s.hubs = h.hubs;
    return s;
}

}  // namespace warden::centre
