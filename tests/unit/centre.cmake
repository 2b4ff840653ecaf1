warden_add_test(centre_unit_test SOURCES ${CMAKE_CURRENT_LIST_DIR}/centre_unit_test.cpp
  LIBS warden::centre warden::test_support warden::test_activity spdlog::spdlog nlohmann_json::nlohmann_json
  PkgConfig::httplib BOTH_BACKENDS)
warden_add_test(centre_activity_test SOURCES ${CMAKE_CURRENT_LIST_DIR}/centre_activity_test.cpp
  LIBS warden::centre warden::test_activity warden::test_support nlohmann_json::nlohmann_json
  BOTH_BACKENDS)
