// The default procedure for each alert type of the catalogue. Wording follows the usual telecare
// practice: speak to the resident first through the hub's speech channel or their phone, then the
// care circle in call order, the emergency services when the type calls for them, and the outcome.
#include "warden/centre/procedures.hpp"

#include <array>

#include "warden/common/alert_catalogue.hpp"

namespace warden::centre {

namespace {

using steps = std::span<const std::string_view>;

constexpr std::string_view personal[] = {
    "Speak to the resident (hub speech or their phone)",
    "If they need help or do not answer: call the first responder in the care circle",
    "If nobody can attend or it is serious: call 999 for an ambulance, give the key safe if asked",
    "Stay on the call or call back until help has arrived",
    "Record who attended and the outcome",
};
constexpr std::string_view fall[] = {
    "Speak to the resident: are they hurt, can they get up safely?",
    "If hurt, on the floor over 30 minutes or no answer: call 999 for an ambulance",
    "Otherwise call the first responder in the care circle to help them up",
    "Give the key safe code to the responder or ambulance when they are at the door",
    "Record who attended and the outcome",
};
constexpr std::string_view seizure[] = {
    "Call 999 for an ambulance if the seizure lasts over 5 minutes or there is no answer",
    "Speak to the resident once the alarm stops",
    "Call the first responder in the care circle",
    "Record who attended and the outcome",
};
constexpr std::string_view enuresis[] = {
    "Speak to the resident",
    "Call the first responder or carer in the care circle to help",
    "Record the outcome",
};
constexpr std::string_view fire[] = {
    "Speak to the resident: tell them to leave the building if they can",
    "If there is fire or smoke, or no answer: call 999 for the fire service",
    "Then call the first responder in the care circle",
    "Record who attended and the outcome",
};
constexpr std::string_view co_gas[] = {
    "Speak to the resident: leave the home, open doors and windows, no flames or switches",
    "If unwell or no answer: call 999; for gas also the gas emergency line (0800 111 999)",
    "Call the first responder in the care circle",
    "Record who attended and the outcome",
};
constexpr std::string_view flood[] = {
    "Speak to the resident: is water still running, can they reach the stopcock safely?",
    "Call the first responder in the care circle to attend",
    "If electrics are affected, tell them to keep away and call the landlord or a plumber",
    "Record the outcome",
};
constexpr std::string_view wellbeing[] = {
    "Speak to the resident: are they well?",
    "If no answer: call the resident's phone, then the first responder in the care circle",
    "If the responder cannot attend within 30 minutes: call the next in the care circle",
    "If nobody is found and they cannot be reached: call 999 for a welfare check",
    "Record the outcome",
};
constexpr std::string_view exit_door[] = {
    "Speak to the resident through the hub: are they at home?",
    "If they have left and are at risk: call the first responder in the care circle",
    "If they cannot be found: call 999 (police) with a description",
    "Record the outcome",
};
constexpr std::string_view temperature[] = {
    "Speak to the resident: heating or cooling working, are they comfortable?",
    "If they are unwell or do not answer: call the first responder in the care circle",
    "Record the outcome",
};
constexpr std::string_view general[] = {
    "Speak to the resident",
    "If no answer: call the first responder in the care circle",
    "Call 999 if there is a risk to life",
    "Record the outcome",
};
constexpr std::string_view equipment[] = {
    "Check the hub page: is the device reporting again?",
    "If the fault stays: book a technician visit",
    "Tell the resident or their care circle if the fault leaves them without cover",
    "Record the outcome",
};
constexpr std::string_view battery[] = {
    "Book a battery change",
    "Tell the resident or their care circle if the device may stop soon",
    "Record the outcome",
};
constexpr std::string_view tamper[] = {
    "Speak to the resident: has the device been moved or opened?",
    "If not explained: book a technician visit",
    "Record the outcome",
};
constexpr std::string_view power[] = {
    "Speak to the resident: is there a power cut, are they safe and warm?",
    "If they are at risk: call the first responder in the care circle",
    "Record the outcome (the hub runs on its battery meanwhile)",
};
constexpr std::string_view hub_path[] = {
    "Check the hubs view: is the hub heard again?",
    "If not: phone the resident to check they are well and the hub is powered",
    "If they cannot be reached: call the first responder in the care circle",
    "Book a technician visit if the fault stays",
    "Record the outcome",
};
constexpr std::string_view started[] = {
    "Check the hub came back after a power cut or restart, no action needed if expected",
    "Record the outcome",
};
constexpr std::string_view flood_alert[] = {
    "Open the flood alert's folded alerts: is one of them a real call?",
    "Handle any real call on its own; tell a supervisor about the flood",
    "Book a technician visit or disable the hub if it keeps flooding",
    "Record the outcome",
};
constexpr std::string_view test_alarm[] = {
    "Confirm the test with the person testing",
    "Record the outcome as test",
};

struct entry {
    std::string_view type;
    steps list;
};

constexpr std::array defaults{
    entry{"pendant", personal},
    entry{"pull_cord", personal},
    entry{"medical", personal},
    entry{"fall", fall},
    entry{"epilepsy", seizure},
    entry{"enuresis", enuresis},
    entry{"smoke", fire},
    entry{"heat", fire},
    entry{"co", co_gas},
    entry{"gas", co_gas},
    entry{"flood", flood},
    entry{"inactivity", wellbeing},
    entry{"out_of_bed", wellbeing},
    entry{"exit", exit_door},
    entry{"due", wellbeing},
    entry{"temperature_low", temperature},
    entry{"temperature_high", temperature},
    entry{"temperature_rise", fire},
    entry{"alarm", general},
    entry{"sensor_offline", equipment},
    entry{"battery_low", battery},
    entry{"tamper", tamper},
    entry{"bridge_offline", equipment},
    entry{"mains_fault", power},
    entry{"hub_battery_low", battery},
    entry{"hub_started", started},
    entry{"storage_fault", equipment},
    entry{"uplink_fault", hub_path},
    entry{"dc09_fault", hub_path},
    entry{"hub_offline", hub_path},
    entry{"alert_flood", flood_alert},
    entry{"test", test_alarm},
};

}  // namespace

std::span<const std::string_view> default_procedure(std::string_view type) noexcept {
    for (const auto& e : defaults)
        if (e.type == type) return e.list;
    return {};
}

procedure_map procedures_with(const std::map<std::string, std::vector<std::string>>& overrides) {
    procedure_map out;
    for (const auto& t : alert_types()) {
        auto& steps = out[std::string(t.name)];
        if (auto it = overrides.find(std::string(t.name)); it != overrides.end()) {
            steps = it->second;
        } else {
            for (auto s : default_procedure(t.name)) steps.emplace_back(s);
        }
    }
    return out;
}

}  // namespace warden::centre
