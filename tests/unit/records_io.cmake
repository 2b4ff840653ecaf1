warden_add_test(records_io_test SOURCES ${CMAKE_CURRENT_LIST_DIR}/records_io_test.cpp
  LIBS warden::centre_records_io warden::centre_store warden::test_support)
