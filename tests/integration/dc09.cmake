# SIA DC-09: a real sender and receiver over loopback TCP and UDP in one process.
warden_add_test(dc09_integration_test SOURCES ${CMAKE_CURRENT_LIST_DIR}/dc09_test.cpp
  LIBS warden::dc09 warden::common warden::test_support spdlog::spdlog
  LABELS integration)
