# Activity summaries through the hub's outbox to a stand-in centre: outage, kill -9, consent.
warden_add_test(activity_integration_test SOURCES ${CMAKE_CURRENT_LIST_DIR}/activity_test.cpp
  LIBS warden::common warden::test_support SQLite::SQLite3 nlohmann_json::nlohmann_json
  LABELS integration)
if(TARGET activity_integration_test AND TARGET warden-hub)
  add_dependencies(activity_integration_test warden-hub)
endif()
# The real hub and the real centre, each with its broker: a centre outage, kill -9 of both, each hour once.
if(EXISTS ${PROJECT_SOURCE_DIR}/hub/CMakeLists.txt)
  warden_add_test(activity_e2e_test SOURCES ${CMAKE_CURRENT_LIST_DIR}/activity_e2e_test.cpp
    LIBS warden::common warden::test_support SQLite::SQLite3 nlohmann_json::nlohmann_json
    LABELS integration)
  foreach(dep warden-hub warden-centre)
    if(TARGET activity_e2e_test AND TARGET ${dep})
      add_dependencies(activity_e2e_test ${dep})
    endif()
  endforeach()
endif()
