# Several centre instances on PostgreSQL behind the shipped nginx: the failover proof (kill -9 mid-storm).
warden_add_test(centre_cluster_integration_test SOURCES ${CMAKE_CURRENT_LIST_DIR}/centre_cluster_test.cpp
  LIBS warden::test_support warden::common nlohmann_json::nlohmann_json PkgConfig::httplib
  LABELS integration POSTGRES)
if(TARGET centre_cluster_integration_test AND TARGET warden-centre)
  add_dependencies(centre_cluster_integration_test warden-centre)
endif()
