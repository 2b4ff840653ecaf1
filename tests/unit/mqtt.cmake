warden_add_test(mqtt_session_test SOURCES ${CMAKE_CURRENT_LIST_DIR}/mqtt_session_test.cpp
  LIBS warden::mqtt warden::test_support spdlog::spdlog LABELS integration)
