# The real warden-centre against a real Mosquitto: ingest, acks, supervision, API, roles, SSE, CLI.
warden_add_test(centre_integration_test SOURCES ${CMAKE_CURRENT_LIST_DIR}/centre_integration_test.cpp
  LIBS warden::test_support warden::common nlohmann_json::nlohmann_json PkgConfig::httplib LABELS integration
  BOTH_BACKENDS)
if(TARGET centre_integration_test AND TARGET warden-centre)
  add_dependencies(centre_integration_test warden-centre)
endif()
# The generated weeks the caseload notices test sends through the real ingest.
if(TARGET centre_integration_test AND TARGET warden-activity-weeks)
  add_dependencies(centre_integration_test warden-activity-weeks)
endif()

# DC-09 into the centre: only when the DC-09 library is part of the build.
if(EXISTS ${PROJECT_SOURCE_DIR}/dc09/CMakeLists.txt)
  warden_add_test(centre_dc09_test SOURCES ${CMAKE_CURRENT_LIST_DIR}/centre_dc09_test.cpp
    LIBS warden::dc09 warden::test_support warden::common nlohmann_json::nlohmann_json PkgConfig::httplib
    LABELS integration BOTH_BACKENDS)
  if(TARGET centre_dc09_test AND TARGET warden-centre)
    add_dependencies(centre_dc09_test warden-centre)
  endif()
endif()

# End to end: the real hub and the real centre between two brokers (when the hub is part of the build).
if(EXISTS ${PROJECT_SOURCE_DIR}/hub/CMakeLists.txt)
  warden_add_test(centre_e2e_test SOURCES ${CMAKE_CURRENT_LIST_DIR}/centre_e2e_test.cpp
    LIBS warden::sensors warden::config warden::common warden::test_support nlohmann_json::nlohmann_json
    PkgConfig::httplib SQLite::SQLite3 LABELS integration BOTH_BACKENDS)
  if(TARGET centre_e2e_test AND TARGET warden-centre)
    add_dependencies(centre_e2e_test warden-centre)
  endif()
  if(TARGET centre_e2e_test AND TARGET warden-hub)
    add_dependencies(centre_e2e_test warden-hub)
  endif()
endif()
