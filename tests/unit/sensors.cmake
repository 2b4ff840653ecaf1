warden_add_test(sensors_test SOURCES ${CMAKE_CURRENT_LIST_DIR}/sensors_test.cpp LIBS warden::sensors)
