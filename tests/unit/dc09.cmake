# SIA DC-09: codec, code tables and the receiver's per-frame decisions (pure, no sockets).
warden_add_test(dc09_test SOURCES ${CMAKE_CURRENT_LIST_DIR}/dc09_test.cpp
  LIBS warden::dc09 warden::common fmt::fmt)
