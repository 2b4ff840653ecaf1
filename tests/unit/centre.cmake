warden_add_test(centre_unit_test SOURCES ${CMAKE_CURRENT_LIST_DIR}/centre_unit_test.cpp
  LIBS warden::centre warden::test_support spdlog::spdlog nlohmann_json::nlohmann_json PkgConfig::httplib)
