warden_add_test(alerts_test
  SOURCES ${CMAKE_CURRENT_LIST_DIR}/alerts_test.cpp
  LIBS warden::alerts warden::common date::date-tz nlohmann_json::nlohmann_json)

# Its own executable: it replaces operator new to count heap allocations per event.
warden_add_test(alerts_alloc_test
  SOURCES ${CMAKE_CURRENT_LIST_DIR}/alerts_alloc_test.cpp
  LIBS warden::alerts warden::config warden::common warden::test_support date::date-tz)

# Activity summaries (the tracker beside the rule engine), in virtual time.
warden_add_test(activity_test
  SOURCES ${CMAKE_CURRENT_LIST_DIR}/activity_test.cpp
  LIBS warden::alerts warden::config warden::common date::date-tz nlohmann_json::nlohmann_json)
