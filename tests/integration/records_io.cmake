# warden-centre's records commands (import, export, subject access, erasure, key rotation) as a
# council's administrator runs them: the real binary, a real database, a real Mosquitto for the alerts.
warden_add_test(centre_records_cli_test SOURCES ${CMAKE_CURRENT_LIST_DIR}/centre_records_cli_test.cpp
  LIBS warden::test_support warden::common nlohmann_json::nlohmann_json PkgConfig::httplib LABELS integration
  BOTH_BACKENDS)
if(TARGET centre_records_cli_test AND TARGET warden-centre)
  add_dependencies(centre_records_cli_test warden-centre)
endif()
