warden_add_test(centre_unit_test SOURCES ${CMAKE_CURRENT_LIST_DIR}/centre_unit_test.cpp
  LIBS warden::centre nlohmann_json::nlohmann_json)
