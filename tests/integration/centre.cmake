# The real warden-centre against a real Mosquitto: ingest, acks, supervision, API, roles, SSE, CLI.
warden_add_test(centre_integration_test SOURCES ${CMAKE_CURRENT_LIST_DIR}/centre_integration_test.cpp
  LIBS warden::test_support warden::common nlohmann_json::nlohmann_json PkgConfig::httplib LABELS integration)
if(TARGET centre_integration_test AND TARGET warden-centre)
  add_dependencies(centre_integration_test warden-centre)
endif()

# DC-09 into the centre: only when the DC-09 library is part of the build.
if(EXISTS ${PROJECT_SOURCE_DIR}/dc09/CMakeLists.txt)
  warden_add_test(centre_dc09_test SOURCES ${CMAKE_CURRENT_LIST_DIR}/centre_dc09_test.cpp
    LIBS warden::dc09 warden::test_support warden::common nlohmann_json::nlohmann_json PkgConfig::httplib
    LABELS integration)
  if(TARGET centre_dc09_test AND TARGET warden-centre)
    add_dependencies(centre_dc09_test warden-centre)
  endif()
endif()
