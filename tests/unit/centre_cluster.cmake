# Several centre instances on PostgreSQL: leadership and messages between instances (cluster.hpp).
warden_add_test(centre_cluster_test SOURCES ${CMAKE_CURRENT_LIST_DIR}/centre_cluster_test.cpp
  LIBS warden::centre_cluster warden::test_support spdlog::spdlog PkgConfig::pqxx POSTGRES)
