// warden-test-postgres start|stop STATE_FILE: the ctest fixture that starts one throwaway PostgreSQL
// cluster for a whole test run and stops it at the end (warden/harness/postgres.hpp). With
// WARDEN_TEST_POSTGRES=off it does nothing.
#include <cstdio>
#include <exception>
#include <string>

#include "warden/harness/postgres.hpp"

int main(int argc, char** argv) {
    if (argc != 3 || (std::string(argv[1]) != "start" && std::string(argv[1]) != "stop")) {
        std::fprintf(stderr, "usage: warden-test-postgres start|stop STATE_FILE\n");
        return 2;
    }
    try {
        if (std::string(argv[1]) == "stop") {
            warden::harness::postgres::stop_detached(argv[2]);
        } else if (warden::harness::postgres_tests_off()) {
            std::printf("WARDEN_TEST_POSTGRES=off: no PostgreSQL cluster; the tests that need one skip\n");
        } else {
            warden::harness::postgres::start_detached(argv[2]);
            std::printf("PostgreSQL test cluster started (%s)\n", argv[2]);
        }
        return 0;
    } catch (const std::exception& e) {
        std::fprintf(stderr, "warden-test-postgres: %s\n", e.what());
        return 1;
    }
}
