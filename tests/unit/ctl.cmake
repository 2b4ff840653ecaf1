# warden-ctl's pure parts: config appender, recordings, replay over a recorded day, discovery, status.
warden_add_test(ctl_test SOURCES ${CMAKE_CURRENT_LIST_DIR}/ctl_test.cpp
  LIBS warden::ctl warden::config warden::sensors warden::alerts date::date-tz nlohmann_json::nlohmann_json)
# The household generator and replay --activity's core (generated fortnights, injected changes).
warden_add_test(activity_household_test SOURCES ${CMAKE_CURRENT_LIST_DIR}/activity_household_test.cpp
  LIBS warden::ctl warden::config warden::alerts date::date-tz nlohmann_json::nlohmann_json)
