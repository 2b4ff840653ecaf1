# The console behind the shipped nginx config (deploy/nginx/warden-centre.conf) and a real centre.
warden_add_test(proxy_test SOURCES ${CMAKE_CURRENT_LIST_DIR}/proxy_test.cpp
  LIBS warden::test_support
  LABELS integration)
if(TARGET proxy_test AND TARGET warden-centre)
  add_dependencies(proxy_test warden-centre)
endif()
