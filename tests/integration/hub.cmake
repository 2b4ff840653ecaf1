# The real warden-hub between two real Mosquitto brokers and a stand-in centre.
warden_add_test(hub_integration_test SOURCES ${CMAKE_CURRENT_LIST_DIR}/hub_test.cpp
  LIBS warden::sensors warden::config warden::common warden::dc09 warden::test_support
    nlohmann_json::nlohmann_json
  LABELS integration)
if(TARGET hub_integration_test AND TARGET warden-hub)
  add_dependencies(hub_integration_test warden-hub)
endif()

# The Hub in-process with a fault-injection seam (a database that fills up).
warden_add_test(hub_faults_test SOURCES ${CMAKE_CURRENT_LIST_DIR}/hub_faults_test.cpp
  LIBS warden::hub warden::store warden::test_support spdlog::spdlog nlohmann_json::nlohmann_json
  LABELS integration)
