# The device payload corpus (tests/fixtures/corpus/*.json): every case through the hub's router and
# rule engine on virtual time, one test per case.
warden_add_test(corpus_test SOURCES ${CMAKE_CURRENT_LIST_DIR}/corpus_test.cpp
  LIBS warden::ctl warden::config warden::sensors warden::alerts date::date-tz nlohmann_json::nlohmann_json)
