# Activity summaries through the hub's outbox to a stand-in centre: outage, kill -9, consent.
warden_add_test(activity_integration_test SOURCES ${CMAKE_CURRENT_LIST_DIR}/activity_test.cpp
  LIBS warden::common warden::test_support SQLite::SQLite3 nlohmann_json::nlohmann_json
  LABELS integration)
if(TARGET activity_integration_test AND TARGET warden-hub)
  add_dependencies(activity_integration_test warden-hub)
endif()
