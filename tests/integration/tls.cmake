# The centre broker with the shipped deploy/mosquitto/centre.conf and certificates from scripts/make-certs.
warden_add_test(tls_integration_test SOURCES ${CMAKE_CURRENT_LIST_DIR}/tls_test.cpp
  LIBS warden::test_support nlohmann_json::nlohmann_json
  LABELS integration)
if(TARGET tls_integration_test)
  foreach(program warden-ctl warden-hub)
    if(TARGET ${program})
      add_dependencies(tls_integration_test ${program})
    endif()
  endforeach()
endif()
