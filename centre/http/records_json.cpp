// The residents' records as JSON, both ways.
#include "warden/centre/records_json.hpp"

#include <algorithm>

#include <fmt/format.h>

#include "warden/common/time.hpp"

namespace warden::centre {

using nlohmann::json;

namespace {

json opt(const std::optional<std::string>& v) {
    return v ? json(*v) : json(nullptr);
}

/// Reads the keys of one JSON object into a record, collecting type errors under `prefix`.
class reader {
public:
    reader(const json& j, std::string prefix, std::vector<field_error>& errors)
        : j_(j), prefix_(std::move(prefix)), errors_(errors) {}

    bool is_object() {
        if (j_.is_object()) return true;
        errors_.push_back(
            {prefix_.empty() ? "body" : prefix_.substr(0, prefix_.size() - 1), "must be an object"});
        return false;
    }
    void text(const char* key, std::string& out) {
        auto it = j_.find(key);
        if (it == j_.end() || it->is_null()) return;
        if (it->is_string())
            out = it->get<std::string>();
        else
            fail(key, "must be a string");
    }
    void opt_text(const char* key, std::optional<std::string>& out) {
        auto it = j_.find(key);
        if (it == j_.end() || it->is_null()) return;
        if (it->is_string())
            out = it->get<std::string>();
        else
            fail(key, "must be a string or null");
    }
    void flag(const char* key, bool& out) {
        auto it = j_.find(key);
        if (it == j_.end() || it->is_null()) return;
        if (it->is_boolean())
            out = it->get<bool>();
        else
            fail(key, "must be true or false");
    }
    void number(const char* key, int& out) {
        auto it = j_.find(key);
        if (it == j_.end() || it->is_null()) return;
        if (it->is_number_integer() && it->get<std::int64_t>() >= -1000000 &&
            it->get<std::int64_t>() <= 1000000)
            out = it->get<int>();
        else
            fail(key, "must be a whole number");
    }
    void texts(const char* key, std::vector<std::string>& out) {
        auto it = j_.find(key);
        if (it == j_.end() || it->is_null()) return;
        if (!it->is_array() || it->size() > 100) return fail(key, "must be a list of strings");
        for (std::size_t i = 0; i < it->size(); ++i) {
            if ((*it)[i].is_string())
                out.push_back((*it)[i].get<std::string>());
            else
                fail(fmt::format("{}[{}]", key, i), "must be a string");
        }
    }
    template <class T, class Read>
    void list(const char* key, std::vector<T>& out, Read read) {
        auto it = j_.find(key);
        if (it == j_.end() || it->is_null()) return;
        if (!it->is_array() || it->size() > 100) return fail(key, "must be a list of objects");
        for (std::size_t i = 0; i < it->size(); ++i) {
            reader r((*it)[i], fmt::format("{}{}[{}].", prefix_, key, i), errors_);
            T item;
            if (r.is_object()) read(r, item);
            out.push_back(std::move(item));
        }
    }
    /// Reports keys outside `known`.
    void only(std::initializer_list<std::string_view> known) {
        for (const auto& [k, v] : j_.items())
            if (std::find(known.begin(), known.end(), k) == known.end())
                fail(k, "is not a field of this record");
    }

private:
    void fail(const std::string& key, std::string message) {
        errors_.push_back({prefix_ + key, std::move(message)});
    }

    const json& j_;
    std::string prefix_;
    std::vector<field_error>& errors_;
};

void read_resident(reader& r, resident& x) {
    r.text("name", x.name);
    r.text("preferred_name", x.preferred_name);
    r.text("date_of_birth", x.date_of_birth);
    r.text("phone", x.phone);
    r.text("communication", x.communication);
    r.text("medical_conditions", x.medical_conditions);
    r.text("medication_notes", x.medication_notes);
    r.text("risk_notes", x.risk_notes);
    r.text("gp", x.gp);
    r.only({"name", "preferred_name", "date_of_birth", "phone", "communication", "medical_conditions",
            "medication_notes", "risk_notes", "gp"});
}

void read_responder(reader& r, responder& x) {
    r.number("call_order", x.call_order);
    r.text("name", x.name);
    r.text("relation", x.relation);
    r.texts("phones", x.phones);
    r.flag("holds_key", x.holds_key);
    r.text("available_hours", x.available_hours);
    r.flag("can_attend", x.can_attend);
    r.only({"call_order", "name", "relation", "phones", "holds_key", "available_hours", "can_attend"});
}

void read_professional(reader& r, professional& x) {
    r.text("role", x.role);
    r.text("name", x.name);
    r.text("organisation", x.organisation);
    r.text("phone", x.phone);
    r.text("email", x.email);
    r.only({"role", "name", "organisation", "phone", "email"});
}

}  // namespace

json to_json(const resident& r) {
    return {{"name", r.name},
            {"preferred_name", r.preferred_name},
            {"date_of_birth", r.date_of_birth},
            {"phone", r.phone},
            {"communication", r.communication},
            {"medical_conditions", r.medical_conditions},
            {"medication_notes", r.medication_notes},
            {"risk_notes", r.risk_notes},
            {"gp", r.gp}};
}

json to_json(const responder& r) {
    return {{"call_order", r.call_order}, {"name", r.name},           {"relation", r.relation},
            {"phones", r.phones},         {"holds_key", r.holds_key}, {"available_hours", r.available_hours},
            {"can_attend", r.can_attend}};
}

json to_json(const professional& p) {
    return {{"role", p.role},
            {"name", p.name},
            {"organisation", p.organisation},
            {"phone", p.phone},
            {"email", p.email}};
}

json to_json(const household& h, bool with_key_safe_code) {
    json j{{"id", h.id},
           {"external_ref", opt(h.external_ref)},
           {"address_lines", h.address_lines},
           {"postcode", h.postcode},
           {"key_safe_code_set", !h.key_safe_code.empty()},
           {"key_safe_location", h.key_safe_location},
           {"door_entry", h.door_entry},
           {"instructions", h.instructions},
           {"hubs", h.hubs},
           {"team", opt(h.team)},
           {"residents", json::array()},
           {"responders", json::array()},
           {"professionals", json::array()},
           {"created", format_time(h.created)},
           {"updated", format_time(h.updated)},
           {"sealed", h.sealed}};
    if (with_key_safe_code) j["key_safe_code"] = h.key_safe_code;
    for (const auto& r : h.residents) j["residents"].push_back(to_json(r));
    for (const auto& r : h.responders) j["responders"].push_back(to_json(r));
    for (const auto& p : h.professionals) j["professionals"].push_back(to_json(p));
    return j;
}

json to_json(const household_summary& s) {
    return {{"id", s.id},
            {"external_ref", opt(s.external_ref)},
            {"names", s.names},
            {"address", s.address},
            {"postcode", s.postcode},
            {"team", opt(s.team)},
            {"hubs", s.hubs}};
}

json to_json(const team& t) {
    return {{"id", t.id}, {"name", t.name}};
}

household household_from_json(const json& j, std::vector<field_error>& errors) {
    household h;
    reader r(j, "", errors);
    if (!r.is_object()) return h;
    r.opt_text("external_ref", h.external_ref);
    r.texts("address_lines", h.address_lines);
    r.text("postcode", h.postcode);
    r.text("key_safe_code", h.key_safe_code);
    r.text("key_safe_location", h.key_safe_location);
    r.text("door_entry", h.door_entry);
    r.text("instructions", h.instructions);
    r.texts("hubs", h.hubs);
    r.opt_text("team", h.team);
    r.list("residents", h.residents, read_resident);
    r.list("responders", h.responders, read_responder);
    r.list("professionals", h.professionals, read_professional);
    r.only({"external_ref", "address_lines", "postcode", "key_safe_code", "key_safe_location", "door_entry",
            "instructions", "hubs", "team", "residents", "responders", "professionals",
            // answered by GET, ignored on the way in
            "id", "created", "updated", "sealed", "key_safe_code_set", "hub_health", "alerts"});
    return h;
}

}  // namespace warden::centre
