// The tests' throwaway PostgreSQL: each test gets a database of its own on the run's cluster, reachable
// on loopback; the cluster survives a server restart with its data.
#include <gtest/gtest.h>

#include <pqxx/pqxx>

#include "warden/harness/postgres.hpp"

using namespace warden;

TEST(TestPostgres, EachDatabaseIsFreshAndApart) {
    WARDEN_POSTGRES_OR_SKIP();
    auto& pg = harness::test_postgres();
    auto a = pg.create_database();
    auto b = pg.create_database();
    ASSERT_NE(a, b);
    EXPECT_EQ(a.rfind("postgresql://warden@127.0.0.1:", 0), 0u) << a;
    {
        pqxx::connection c(a);
        pqxx::work tx(c);
        tx.exec0("CREATE TABLE t(x INTEGER)");
        tx.exec0("INSERT INTO t VALUES (1)");
        tx.commit();
    }
    pqxx::connection c(b);
    pqxx::work tx(c);
    auto r = tx.exec1("SELECT COUNT(*) FROM pg_tables WHERE tablename = 't'");
    EXPECT_EQ(r[0].as<int>(), 0);
}

TEST(TestPostgres, TheServerStopsAndStartsAgainWithItsData) {
    WARDEN_POSTGRES_OR_SKIP();
    harness::postgres pg;  // a cluster of its own: stopping the run's would disturb other tests
    auto db = pg.create_database();
    {
        pqxx::connection c(db);
        pqxx::work tx(c);
        tx.exec0("CREATE TABLE t(x INTEGER)");
        tx.exec0("INSERT INTO t VALUES (7)");
        tx.commit();
    }
    pg.stop_server();
    EXPECT_THROW(pqxx::connection{db}, pqxx::broken_connection);
    pg.start_server();
    pqxx::connection c(db);
    pqxx::work tx(c);
    EXPECT_EQ(tx.exec1("SELECT x FROM t")[0].as<int>(), 7);
}
