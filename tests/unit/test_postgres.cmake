# The tests' throwaway PostgreSQL (tests/support: warden/harness/postgres.hpp).
warden_add_test(test_postgres_test SOURCES ${CMAKE_CURRENT_LIST_DIR}/test_postgres_test.cpp
  LIBS warden::test_support PkgConfig::pqxx POSTGRES)
