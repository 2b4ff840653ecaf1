# The home broker with the shipped deploy/mosquitto/home-wifi.conf and home-acl (Wi-Fi devices' ACL).
warden_add_test(home_broker_test SOURCES ${CMAKE_CURRENT_LIST_DIR}/home_broker_test.cpp
  LIBS warden::test_support nlohmann_json::nlohmann_json
  LABELS integration)
