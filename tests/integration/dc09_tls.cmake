# DC-09 over TLS: a real hub and centre through stunnel with deploy/stunnel/*.conf.
warden_add_test(dc09_tls_test SOURCES ${CMAKE_CURRENT_LIST_DIR}/dc09_tls_test.cpp
  LIBS warden::test_support
  LABELS integration)
if(TARGET dc09_tls_test)
  foreach(program warden-centre warden-hub warden-ctl)
    if(TARGET ${program})
      add_dependencies(dc09_tls_test ${program})
    endif()
  endforeach()
endif()
