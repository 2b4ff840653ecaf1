# warden-ctl against real Mosquitto brokers, the real warden-hub and (when built) the real warden-centre.
warden_add_test(ctl_integration_test SOURCES ${CMAKE_CURRENT_LIST_DIR}/ctl_test.cpp
  LIBS warden::config warden::test_support nlohmann_json::nlohmann_json
  LABELS integration)
if(TARGET ctl_integration_test)
  foreach(program warden-ctl warden-hub warden-centre)
    if(TARGET ${program})
      add_dependencies(ctl_integration_test ${program})
    endif()
  endforeach()
endif()
