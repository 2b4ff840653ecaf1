// The activity tracker: sensor events -> hourly summaries (docs/activity.md, "What is measured").
//
// Open hours are kept in a short deque: the current hour, and an hour that has ended but is held
// while the home may have been left in it (an exit door closed and nothing has moved inside since;
// after out_confirm the time since the door closed counts as out, in the hours it fell in). Spans
// (room active, bed, chair, appliance on, out of the home) are added to the open hours they overlap;
// ongoing spans are cut at each hour's end.

#include <algorithm>
#include <cmath>
#include <deque>
#include <unordered_map>

#include <date/tz.h>
#include <nlohmann/json.hpp>

#include "../local_clock.hpp"
#include "warden/alerts/activity.hpp"

namespace warden::alerts {

namespace {

using json = nlohmann::json;
time_point period_start(time_point t, milliseconds period) {
    return time_point{t.time_since_epoch() - (t.time_since_epoch() % period + period) % period};
}

int seconds_of(milliseconds ms) {
    return static_cast<int>((ms.count() + 500) / 1000);
}

struct room_acc {
    int motion = 0;
    milliseconds active{0};
    double tmin = 0, tmax = 0, tsum = 0;
    int tn = 0;
};

struct appliance_acc {
    int uses = 0;
    milliseconds on{0};
};

/// One hour being summed up.
struct hour_acc {
    time_point start{};
    milliseconds covered{0};
    std::vector<room_acc> rooms;
    std::vector<appliance_acc> appliances;
    int openings = 0;
    milliseconds out{0}, bed{0}, chair{0}, getup{0};
    std::vector<time_point> bed_in, bed_out;
    int getups = 0, bath = 0, night_bath = 0;
    std::optional<time_point> first, last;
    milliseconds length{3'600'000};
    time_point end() const { return start + length; }
};

enum class role_of_sensor { motion, door, exit_door, bed, chair, power, temperature, button };

/// A sensor the tracker follows.
struct slot {
    std::string id;
    role_of_sensor role = role_of_sensor::motion;
    int room = -1;       ///< index in rooms_
    int appliance = -1;  ///< power sensors named in [activity.appliances]
    bool on = false;
    time_point since{};        ///< when it turned on
    time_point last_report{};  ///< motion: the last active report
};

struct room_info {
    std::string location;
    config::room_role role = config::room_role::other;
    int active_count = 0;  ///< slots of the room that are on (motion, doors, power)
    time_point since{};
};

json opt_ms(const std::optional<time_point>& t) {
    return t ? json(t->time_since_epoch().count()) : json(nullptr);
}
std::optional<time_point> read_opt_ms(const json& j, const char* key) {
    auto it = j.find(key);
    if (it == j.end() || !it->is_number_integer()) return std::nullopt;
    return time_point{milliseconds{it->get<std::int64_t>()}};
}
time_point read_ms(const json& j, const char* key, time_point fallback) {
    return read_opt_ms(j, key).value_or(fallback);
}

}  // namespace

struct activity_tracker::impl {
    impl(const config::hub_config& cfg, const date::time_zone* z, activity_tuning t)
        : zone(z), clock(z), tuning(t) {
        if (cfg.activity) night = cfg.activity->night;
        std::vector<std::string> exits;
        for (const auto& r : cfg.rules)
            if (r.type == config::rule_type::exit && !r.sensor.empty()) exits.push_back(r.sensor);
        if (cfg.activity)
            exits.insert(exits.end(), cfg.activity->exit_doors.begin(), cfg.activity->exit_doors.end());
        for (const auto& s : cfg.sensors) {
            slot sl;
            sl.id = s.id;
            switch (s.kind) {
                case sensor_kind::motion:
                    sl.role = role_of_sensor::motion;
                    break;
                case sensor_kind::door:
                    sl.role = std::find(exits.begin(), exits.end(), s.id) != exits.end()
                                  ? role_of_sensor::exit_door
                                  : role_of_sensor::door;
                    break;
                case sensor_kind::bed:
                    sl.role = role_of_sensor::bed;
                    break;
                case sensor_kind::chair:
                    sl.role = role_of_sensor::chair;
                    break;
                case sensor_kind::power:
                    sl.role = role_of_sensor::power;
                    break;
                case sensor_kind::temperature:
                    sl.role = role_of_sensor::temperature;
                    break;
                case sensor_kind::button:
                    sl.role = role_of_sensor::button;
                    break;
                default:
                    continue;  // alarm kinds: not activity
            }
            if (sl.role != role_of_sensor::exit_door && sl.role != role_of_sensor::button)
                sl.room = room_index(s.location, cfg);
            if (sl.role == role_of_sensor::power && cfg.activity) {
                if (auto it = cfg.activity->appliances.find(s.id); it != cfg.activity->appliances.end()) {
                    auto a = std::find(appliance_names.begin(), appliance_names.end(), it->second);
                    sl.appliance = static_cast<int>(a - appliance_names.begin());
                    if (a == appliance_names.end()) appliance_names.push_back(it->second);
                }
            }
            index.emplace(sl.id, slots.size());
            slots.push_back(std::move(sl));
        }
    }

    int room_index(const std::string& location, const config::hub_config& cfg) {
        for (std::size_t i = 0; i < rooms.size(); ++i)
            if (rooms[i].location == location) return static_cast<int>(i);
        room_info r;
        r.location = location;
        if (cfg.activity)
            if (auto it = cfg.activity->rooms.find(location); it != cfg.activity->rooms.end())
                r.role = it->second;
        rooms.push_back(std::move(r));
        return static_cast<int>(rooms.size() - 1);
    }

    hour_acc new_hour(time_point start) {
        hour_acc h;
        h.start = start;
        h.length = tuning.hour;
        h.rooms.resize(rooms.size());
        h.appliances.resize(appliance_names.size());
        h.bed_in.reserve(4);
        h.bed_out.reserve(4);
        return h;
    }

    /// The open hour holding `t` (the current one for a time past it or before the first).
    hour_acc& hour_at(time_point t) {
        for (auto& h : open)
            if (t >= h.start && t < h.end()) return h;
        return open.back();
    }

    /// Adds the part of [from, to) each open hour holds to its `field`.
    template <typename Field>
    void add_span(time_point from, time_point to, Field field) {
        if (to <= from) return;
        for (auto& h : open) {
            auto a = std::max(from, h.start), b = std::min(to, h.end());
            if (b > a) field(h) += b - a;
        }
    }

    void activity_at(time_point t) {
        auto& h = hour_at(t);
        if (!h.first || t < *h.first) h.first = t;
        if (!h.last || t > *h.last) h.last = t;
    }

    time_point hour_of(time_point t) const { return period_start(t, tuning.hour); }

    bool in_night(time_point t) const { return night.contains(clock.minute_of_day(t)); }

    // --- room activity ---
    void room_on(int r, time_point t) {
        if (r < 0) return;
        if (rooms[r].active_count++ == 0) rooms[r].since = t;
    }
    void room_off(int r, time_point t) {
        if (r < 0 || rooms[r].active_count == 0) return;
        if (--rooms[r].active_count == 0)
            add_span(rooms[r].since, t, [r](hour_acc& h) -> milliseconds& { return h.rooms[r].active; });
    }

    // --- the home empty or not ---
    void indoor_activity(time_point t) {
        door_closed_at.reset();
        if (out_since) {
            add_span(*out_since, t, [](hour_acc& h) -> milliseconds& { return h.out; });
            out_since.reset();
        }
    }
    void confirm_out(time_point t) {
        if (!door_closed_at) return;
        const auto confirmed = *door_closed_at + tuning.out_confirm;
        if (t < confirmed) return;
        // Out since the door closed: that time goes to the hours it fell in (a held one too).
        add_span(*door_closed_at, confirmed, [](hour_acc& h) -> milliseconds& { return h.out; });
        out_since = confirmed;
        door_closed_at.reset();
    }

    // --- sensors ---
    void motion(slot& s, bool active, time_point t) {
        const auto r = s.room;
        if (active) {
            if (s.on && t > s.last_report + tuning.motion_hold * 4) {
                // No clear came for the last activation: it ended motion_hold after its report.
                s.on = false;
                room_off(r, s.last_report + tuning.motion_hold);
            }
            if (!s.on) {
                s.on = true;
                s.since = t;
                ++hour_at(t).rooms[r].motion;
                room_on(r, t);
                if (rooms[r].role == config::room_role::bathroom) bathroom_motion(t);
            }
            s.last_report = t;
            if (rooms[r].role == config::room_role::bathroom) last_bath = t;
        } else if (s.on) {
            s.on = false;
            room_off(r, t);
            if (rooms[r].role == config::room_role::bathroom) last_bath = t;
        }
    }

    void bathroom_motion(time_point t) {
        if (last_bath && t - *last_bath < tuning.visit_gap) return;
        auto& h = hour_at(t);
        ++h.bath;
        if (in_night(t)) ++h.night_bath;
    }

    void bed(slot& s, bool occupied, time_point t) {
        if (occupied == s.on) return;
        s.on = occupied;
        s.since = t;
        auto& h = hour_at(t);
        if (occupied) {
            if (bed_count++ == 0) {
                bed_since = t;
                h.bed_in.push_back(t);
                if (vacant_since) {
                    auto away = t - *vacant_since;
                    if (away >= tuning.getup_min && away <= tuning.getup_max && in_night(*vacant_since) &&
                        in_night(t)) {
                        ++h.getups;
                        h.getup += away;
                    }
                }
                vacant_since.reset();
            }
        } else if (bed_count > 0 && --bed_count == 0) {
            add_span(bed_since, t, [](hour_acc& x) -> milliseconds& { return x.bed; });
            h.bed_out.push_back(t);
            vacant_since = t;
        }
    }

    void chair(slot& s, bool occupied, time_point t) {
        if (occupied == s.on) return;
        s.on = occupied;
        s.since = t;
        if (occupied) {
            if (chair_count++ == 0) chair_since = t;
        } else if (chair_count > 0 && --chair_count == 0) {
            add_span(chair_since, t, [](hour_acc& x) -> milliseconds& { return x.chair; });
        }
    }

    void power(slot& s, bool on, time_point t) {
        if (on == s.on) return;
        s.on = on;
        if (on) {
            s.since = t;
            if (s.appliance >= 0) ++hour_at(t).appliances[s.appliance].uses;
            room_on(s.room, t);
        } else {
            if (s.appliance >= 0) {
                const auto a = s.appliance;
                add_span(s.since, t, [a](hour_acc& h) -> milliseconds& { return h.appliances[a].on; });
            }
            room_off(s.room, t);
        }
    }

    void door(slot& s, bool open_now, time_point t) {
        if (open_now == s.on) return;
        s.on = open_now;
        s.since = t;
        if (s.role == role_of_sensor::exit_door) {
            if (open_now) {
                ++hour_at(t).openings;
                door_closed_at.reset();
                if (out_since) {
                    add_span(*out_since, t, [](hour_acc& h) -> milliseconds& { return h.out; });
                    out_since.reset();
                }
            } else {
                door_closed_at = t;
            }
            return;
        }
        if (open_now)
            room_on(s.room, t);
        else
            room_off(s.room, t);
    }

    void temperature(const slot& s, double v, time_point t) {
        if (s.room < 0 || !std::isfinite(v)) return;
        auto& r = hour_at(t).rooms[s.room];
        if (r.tn == 0) {
            r.tmin = r.tmax = v;
        } else {
            r.tmin = std::min(r.tmin, v);
            r.tmax = std::max(r.tmax, v);
        }
        r.tsum += v;
        ++r.tn;
    }

    void event(const sensor_event& e) {
        auto it = index.find(e.sensor);
        if (it == index.end() || !started) return;
        const auto t = e.at;
        advance(t);
        alive = std::max(alive, t);
        auto& s = slots[it->second];
        if (s.role == role_of_sensor::temperature) {
            if (e.value) temperature(s, *e.value, t);
            return;
        }
        if (e.signal == signal::none) return;
        const bool active = e.signal == signal::active;
        if (s.role != role_of_sensor::exit_door &&
            (active || s.role == role_of_sensor::bed || s.role == role_of_sensor::chair)) {
            indoor_activity(t);
        }
        if (active || s.role == role_of_sensor::bed || s.role == role_of_sensor::chair) activity_at(t);
        switch (s.role) {
            case role_of_sensor::motion:
                motion(s, active, t);
                break;
            case role_of_sensor::door:
            case role_of_sensor::exit_door:
                door(s, active, t);
                break;
            case role_of_sensor::bed:
                bed(s, active, t);
                break;
            case role_of_sensor::chair:
                chair(s, active, t);
                break;
            case role_of_sensor::power:
                power(s, active, t);
                break;
            case role_of_sensor::button:
            case role_of_sensor::temperature:
                break;
        }
    }

    /// Cuts every ongoing span at `end` (the end of the hour being closed) and restarts it there.
    void cut_spans(time_point end) {
        for (auto& s : slots) {
            if (s.role == role_of_sensor::motion && s.on && end > s.last_report + tuning.motion_hold * 4) {
                s.on = false;
                room_off(s.room, s.last_report + tuning.motion_hold);
            }
            if (s.role == role_of_sensor::power && s.on && s.appliance >= 0) {
                const auto a = s.appliance;
                add_span(s.since, end, [a](hour_acc& h) -> milliseconds& { return h.appliances[a].on; });
                s.since = std::max(s.since, end);
            }
        }
        for (std::size_t i = 0; i < rooms.size(); ++i) {
            auto& r = rooms[i];
            if (r.active_count == 0) continue;
            add_span(r.since, end, [i](hour_acc& h) -> milliseconds& { return h.rooms[i].active; });
            r.since = std::max(r.since, end);
        }
        if (bed_count > 0) {
            add_span(bed_since, end, [](hour_acc& h) -> milliseconds& { return h.bed; });
            bed_since = std::max(bed_since, end);
        }
        if (chair_count > 0) {
            add_span(chair_since, end, [](hour_acc& h) -> milliseconds& { return h.chair; });
            chair_since = std::max(chair_since, end);
        }
        if (out_since) {
            add_span(*out_since, end, [](hour_acc& h) -> milliseconds& { return h.out; });
            out_since = std::max(*out_since, end);
        }
    }

    /// Closes the hours that ended by `t` and finishes those no judgement holds back.
    void advance(time_point t) {
        while (t >= open.back().end()) {
            auto& h = open.back();
            const auto end = h.end();
            confirm_out(end);
            cut_spans(end);
            if (cover_from < end) {
                h.covered += end - cover_from;
                cover_from = end;
            }
            // Hours nobody covered (the hub was down throughout) are skipped.
            auto next = end;
            if (cover_from >= end + tuning.hour) next = hour_of(cover_from);
            open.push_back(new_hour(next));
        }
        confirm_out(t);
        while (open.size() > 1) {
            auto& h = open.front();
            if (door_closed_at && *door_closed_at < h.end()) break;  // left in that hour? not judged yet
            finish(h);
            open.pop_front();
        }
    }

    void finish(const hour_acc& h) {
        hour_summary s;
        s.hour = h.start;
        s.utc_offset = clock.offset(h.start);
        s.covered_s = std::min(seconds_of(tuning.hour), seconds_of(h.covered));
        if (s.covered_s == 0) return;  // a closed hour with no cover (e.g. restored at its very end)
        for (std::size_t i = 0; i < rooms.size(); ++i) {
            const auto& a = h.rooms[i];
            room_hour r;
            r.location = rooms[i].location;
            r.role = rooms[i].role;
            r.motion = a.motion;
            r.active_s = seconds_of(a.active);
            if (a.tn > 0)
                r.temp = room_hour::temperature{a.tmin, std::round(a.tsum / a.tn * 100) / 100, a.tmax};
            if (r.role == config::room_role::kitchen) s.kitchen_active_s += r.active_s;
            s.rooms.push_back(std::move(r));
        }
        s.door_openings = h.openings;
        s.out_s = seconds_of(h.out);
        s.bed_occupied_s = seconds_of(h.bed);
        s.bed_in_at = h.bed_in;
        s.bed_out_at = h.bed_out;
        s.night_getups = h.getups;
        s.night_getup_s = seconds_of(h.getup);
        s.chair_occupied_s = seconds_of(h.chair);
        s.bathroom_visits = h.bath;
        s.night_bathroom_visits = h.night_bath;
        for (std::size_t i = 0; i < appliance_names.size(); ++i)
            s.appliances.push_back(
                {appliance_names[i], h.appliances[i].uses, seconds_of(h.appliances[i].on)});
        s.first_activity = h.first;
        s.last_activity = h.last;
        finished.push_back(std::move(s));
    }

    // --- saved state ---
    json save() const {
        json hours = json::array();
        for (const auto& h : open) {
            json rs = json::object();
            for (std::size_t i = 0; i < rooms.size(); ++i) {
                const auto& a = h.rooms[i];
                rs[rooms[i].location] =
                    json::array({a.motion, a.active.count(), a.tmin, a.tmax, a.tsum, a.tn});
            }
            json as = json::object();
            for (std::size_t i = 0; i < appliance_names.size(); ++i)
                as[appliance_names[i]] = json::array({h.appliances[i].uses, h.appliances[i].on.count()});
            auto times = [](const std::vector<time_point>& v) {
                json a = json::array();
                for (auto t : v) a.push_back(t.time_since_epoch().count());
                return a;
            };
            hours.push_back(json{{"start", h.start.time_since_epoch().count()},
                                 {"covered", h.covered.count()},
                                 {"rooms", std::move(rs)},
                                 {"appliances", std::move(as)},
                                 {"openings", h.openings},
                                 {"out", h.out.count()},
                                 {"bed", h.bed.count()},
                                 {"chair", h.chair.count()},
                                 {"getup", h.getup.count()},
                                 {"getups", h.getups},
                                 {"bed_in", times(h.bed_in)},
                                 {"bed_out", times(h.bed_out)},
                                 {"bath", h.bath},
                                 {"night_bath", h.night_bath},
                                 {"first", opt_ms(h.first)},
                                 {"last", opt_ms(h.last)}});
        }
        json on = json::object();
        for (const auto& s : slots)
            if (s.on)
                on[s.id] = json::array(
                    {s.since.time_since_epoch().count(), s.last_report.time_since_epoch().count()});
        return json{{"v", 1},
                    {"alive", alive.time_since_epoch().count()},
                    {"cover_from", cover_from.time_since_epoch().count()},
                    {"hours", std::move(hours)},
                    {"on", std::move(on)},
                    {"door_closed_at", opt_ms(door_closed_at)},
                    {"out_since", opt_ms(out_since)},
                    {"vacant_since", opt_ms(vacant_since)},
                    {"last_bath", opt_ms(last_bath)}};
    }

    void restore(const json& j) {
        if (!j.is_object() || j.value("v", 0) != 1) return;
        auto hs = j.find("hours");
        if (hs == j.end() || !hs->is_array() || hs->empty()) return;
        std::deque<hour_acc> got;
        auto num = [](const json& o, const char* k) -> std::int64_t {
            auto it = o.find(k);
            return it != o.end() && it->is_number_integer() ? it->get<std::int64_t>() : 0;
        };
        for (const auto& hj : *hs) {
            if (!hj.is_object()) return;
            auto h = new_hour(hour_of(time_point{milliseconds{num(hj, "start")}}));
            h.covered = milliseconds{num(hj, "covered")};
            if (auto rs = hj.find("rooms"); rs != hj.end() && rs->is_object())
                for (std::size_t i = 0; i < rooms.size(); ++i) {
                    auto r = rs->find(rooms[i].location);
                    if (r == rs->end() || !r->is_array() || r->size() != 6) continue;
                    try {
                        auto& a = h.rooms[i];
                        a.motion = (*r)[0].get<int>();
                        a.active = milliseconds{(*r)[1].get<std::int64_t>()};
                        a.tmin = (*r)[2].get<double>();
                        a.tmax = (*r)[3].get<double>();
                        a.tsum = (*r)[4].get<double>();
                        a.tn = (*r)[5].get<int>();
                    } catch (const json::exception&) {
                        h.rooms[i] = {};
                    }
                }
            if (auto as = hj.find("appliances"); as != hj.end() && as->is_object())
                for (std::size_t i = 0; i < appliance_names.size(); ++i) {
                    auto a = as->find(appliance_names[i]);
                    if (a == as->end() || !a->is_array() || a->size() != 2 || !(*a)[0].is_number_integer() ||
                        !(*a)[1].is_number_integer())
                        continue;
                    h.appliances[i] = {(*a)[0].get<int>(), milliseconds{(*a)[1].get<std::int64_t>()}};
                }
            h.openings = static_cast<int>(num(hj, "openings"));
            h.out = milliseconds{num(hj, "out")};
            h.bed = milliseconds{num(hj, "bed")};
            h.chair = milliseconds{num(hj, "chair")};
            h.getup = milliseconds{num(hj, "getup")};
            h.getups = static_cast<int>(num(hj, "getups"));
            h.bath = static_cast<int>(num(hj, "bath"));
            h.night_bath = static_cast<int>(num(hj, "night_bath"));
            for (auto [key, into] : {std::pair{"bed_in", &h.bed_in}, std::pair{"bed_out", &h.bed_out}})
                if (auto v = hj.find(key); v != hj.end() && v->is_array())
                    for (const auto& t : *v)
                        if (t.is_number_integer())
                            into->push_back(time_point{milliseconds{t.get<std::int64_t>()}});
            h.first = read_opt_ms(hj, "first");
            h.last = read_opt_ms(hj, "last");
            got.push_back(std::move(h));
        }
        open = std::move(got);
        alive = read_ms(j, "alive", open.back().start);
        cover_from = read_ms(j, "cover_from", alive);
        if (auto on = j.find("on"); on != j.end() && on->is_object())
            for (auto& s : slots) {
                auto v = on->find(s.id);
                if (v == on->end() || !v->is_array() || v->size() != 2 || !(*v)[0].is_number_integer() ||
                    !(*v)[1].is_number_integer())
                    continue;
                s.on = true;
                s.since = time_point{milliseconds{(*v)[0].get<std::int64_t>()}};
                s.last_report = time_point{milliseconds{(*v)[1].get<std::int64_t>()}};
            }
        door_closed_at = read_opt_ms(j, "door_closed_at");
        out_since = read_opt_ms(j, "out_since");
        vacant_since = read_opt_ms(j, "vacant_since");
        last_bath = read_opt_ms(j, "last_bath");
        restored = true;
    }

    /// Counts and span starts follow from the slots that are on; no span starts before `t`.
    void rebuild_from_slots(time_point t) {
        for (auto& r : rooms) r.active_count = 0;
        bed_count = chair_count = 0;
        bed_since = chair_since = time_point::max();
        for (auto& s : slots) {
            if (!s.on) continue;
            s.since = std::max(s.since, t);
            switch (s.role) {
                case role_of_sensor::bed:
                    ++bed_count;
                    bed_since = std::min(bed_since, s.since);
                    break;
                case role_of_sensor::chair:
                    ++chair_count;
                    chair_since = std::min(chair_since, s.since);
                    break;
                case role_of_sensor::motion:
                case role_of_sensor::door:
                case role_of_sensor::power:
                    if (s.room < 0) break;
                    if (rooms[s.room].active_count++ == 0)
                        rooms[s.room].since = s.since;
                    else
                        rooms[s.room].since = std::min(rooms[s.room].since, s.since);
                    break;
                default:
                    break;
            }
        }
        if (bed_count == 0) bed_since = t;
        if (chair_count == 0) chair_since = t;
    }

    void start(time_point now) {
        if (started) return;
        started = true;
        if (!restored) {
            open.clear();
            open.push_back(new_hour(hour_of(now)));
            cover_from = alive = now;
            rebuild_from_slots(now);
            return;
        }
        // What ran until the last save: spans up to then; the time the hub was down is not covered.
        alive = std::min(std::max(alive, cover_from), std::max(now, cover_from));
        rebuild_from_slots(cover_from);
        cut_spans_to(alive);
        if (cover_from < alive)
            hour_at(cover_from).covered += std::min(alive, open.back().end()) - cover_from;
        if (out_since) out_since = now;
        rebuild_from_slots(now);
        cover_from = std::max(now, cover_from);
        alive = std::max(alive, now);
        // The saved hour (and any held before it) ends now if `now` lies past it.
        advance(now);
    }

    /// At a restart: the spans ongoing at the last save end at `t`.
    void cut_spans_to(time_point t) {
        for (std::size_t i = 0; i < rooms.size(); ++i)
            if (rooms[i].active_count > 0)
                add_span(rooms[i].since, t, [i](hour_acc& h) -> milliseconds& { return h.rooms[i].active; });
        if (bed_count > 0) add_span(bed_since, t, [](hour_acc& h) -> milliseconds& { return h.bed; });
        if (chair_count > 0) add_span(chair_since, t, [](hour_acc& h) -> milliseconds& { return h.chair; });
        if (out_since) add_span(*out_since, t, [](hour_acc& h) -> milliseconds& { return h.out; });
        for (auto& s : slots)
            if (s.role == role_of_sensor::power && s.on && s.appliance >= 0) {
                const auto a = s.appliance;
                add_span(s.since, t, [a](hour_acc& h) -> milliseconds& { return h.appliances[a].on; });
            }
    }

    const date::time_zone* zone;
    detail::local_clock clock;
    activity_tuning tuning;
    time_window night{22 * 60, 7 * 60};

    std::vector<slot> slots;
    std::unordered_map<std::string, std::size_t> index;
    std::vector<room_info> rooms;
    std::vector<std::string> appliance_names;

    std::deque<hour_acc> open;
    std::vector<hour_summary> finished;
    time_point cover_from{}, alive{};
    bool started = false, restored = false;

    int bed_count = 0, chair_count = 0;
    time_point bed_since{}, chair_since{};
    std::optional<time_point> door_closed_at, out_since, vacant_since, last_bath;
};

activity_tracker::activity_tracker(const config::hub_config& cfg, const date::time_zone* zone,
                                   activity_tuning tuning)
    : impl_(std::make_unique<impl>(cfg, zone, tuning)) {}
activity_tracker::~activity_tracker() = default;
activity_tracker::activity_tracker(activity_tracker&&) noexcept = default;
activity_tracker& activity_tracker::operator=(activity_tracker&&) noexcept = default;

void activity_tracker::start(time_point now) {
    impl_->start(now);
}

void activity_tracker::on_event(const sensor_event& e) {
    impl_->event(e);
}

void activity_tracker::on_time(time_point now) {
    if (!impl_->started) return;
    impl_->advance(now);
    impl_->alive = std::max(impl_->alive, now);
}

time_point activity_tracker::next_deadline() const {
    if (impl_->open.empty()) return time_point::max();
    auto t = impl_->open.back().end();
    if (impl_->door_closed_at) t = std::min(t, *impl_->door_closed_at + impl_->tuning.out_confirm);
    return t;
}

std::vector<hour_summary> activity_tracker::take_finished() {
    return std::exchange(impl_->finished, {});
}

bool activity_tracker::has_finished() const noexcept {
    return !impl_->finished.empty();
}

nlohmann::json activity_tracker::save_state() const {
    return impl_->save();
}

void activity_tracker::restore_state(const nlohmann::json& state) {
    if (impl_->started) return;
    impl_->restore(state);
}

}  // namespace warden::alerts
