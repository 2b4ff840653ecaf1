warden_add_test(centre_store_test SOURCES ${CMAKE_CURRENT_LIST_DIR}/centre_store_test.cpp
  LIBS warden::centre_store warden::test_support PkgConfig::pqxx POSTGRES)
