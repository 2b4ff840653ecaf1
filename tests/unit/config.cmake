warden_add_test(config_test
  SOURCES ${CMAKE_CURRENT_LIST_DIR}/config_test.cpp
          ${CMAKE_CURRENT_LIST_DIR}/config_centre_test.cpp
          ${CMAKE_CURRENT_LIST_DIR}/config_lint_test.cpp
  LIBS warden::config)
