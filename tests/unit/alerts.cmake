warden_add_test(alerts_test
  SOURCES ${CMAKE_CURRENT_LIST_DIR}/alerts_test.cpp
  LIBS warden::alerts warden::common date::date-tz nlohmann_json::nlohmann_json)
