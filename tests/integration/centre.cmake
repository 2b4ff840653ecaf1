# The real warden-centre against a real Mosquitto: ingest, acks, supervision, API, roles, SSE, CLI.
warden_add_test(centre_integration_test SOURCES ${CMAKE_CURRENT_LIST_DIR}/centre_integration_test.cpp
  LIBS warden::test_support warden::common nlohmann_json::nlohmann_json PkgConfig::httplib LABELS integration)
if(TARGET centre_integration_test AND TARGET warden-centre)
  add_dependencies(centre_integration_test warden-centre)
endif()
