warden_add_test(hub_store_test SOURCES ${CMAKE_CURRENT_LIST_DIR}/hub_store_test.cpp
  LIBS warden::store warden::test_support SQLite::SQLite3 nlohmann_json::nlohmann_json)
