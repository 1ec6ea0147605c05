// postgres:// beyond the shared suite: URL parameters, the table, expiry
// and its reclaiming, GetOrSet's guard across clients, deadlines with
// cancellation, health and stats, and a server that goes away.

#include <atomic>
#include <memory>
#include <string>
#include <thread>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "integration/harness/ports.h"
#include "integration/harness/postgres_process.h"
#include "integration/postgres/sql_session.h"
#include "kivi/kivi.h"

namespace kivi::testing {
namespace {

using ::testing::HasSubstr;

class PostgresTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    if (!PostgresAvailable()) return;
    absl::StatusOr<std::unique_ptr<PostgresProcess>> server =
        PostgresProcess::Start();
    ASSERT_TRUE(server.ok()) << server.status();
    server_ = server->release();
  }
  static void TearDownTestSuite() {
    delete server_;
    server_ = nullptr;
  }
  void SetUp() override {
    KIVI_REQUIRE_POSTGRES();
    ASSERT_NE(server_, nullptr);
  }

  // Opens a client on the shared server with `query` appended to its URL.
  static std::unique_ptr<Client> OpenClient(const std::string& query) {
    absl::StatusOr<std::unique_ptr<Client>> client =
        Open(absl::StrCat(server_->url(), "?", query));
    EXPECT_TRUE(client.ok()) << client.status();
    return client.ok() ? *std::move(client) : nullptr;
  }

  static PostgresProcess* server_;
};

PostgresProcess* PostgresTest::server_ = nullptr;

TEST_F(PostgresTest, UnknownParameterIsRefusedNamingIt) {
  absl::StatusOr<std::unique_ptr<Client>> client =
      Open(absl::StrCat(server_->url(), "?tabel=x"));
  EXPECT_EQ(client.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(client.status().message(), HasSubstr("tabel"));
}

TEST_F(PostgresTest, MalformedTableAndParametersAreRefused) {
  for (const char* query :
       {"table=bad-name", "table=1abc", "timeout=fast", "max_conns=0",
        "password=x", "password_file=/nonexistent/kivi-password"}) {
    SCOPED_TRACE(query);
    absl::StatusOr<std::unique_ptr<Client>> client =
        Open(absl::StrCat(server_->url(), "?", query));
    EXPECT_EQ(client.status().code(), absl::StatusCode::kInvalidArgument);
    const std::string name(query, std::string(query).find('='));
    EXPECT_THAT(client.status().message(), HasSubstr(name));
  }
}

TEST_F(PostgresTest, LibpqParametersArePassedThrough) {
  std::unique_ptr<Client> kv =
      OpenClient("application_name=kivi_passthrough&sslmode=disable");
  ASSERT_NE(kv, nullptr);
  ASSERT_TRUE(kv->Set("k", "v").ok());
  SqlSession sql(server_->conninfo());
  EXPECT_THAT(*sql.Query("SELECT count(*) FROM pg_stat_activity WHERE "
                         "application_name = 'kivi_passthrough'"),
              ::testing::Not(::testing::Eq("0")));
}

TEST_F(PostgresTest, UnreachableServerIsUnavailable) {
  absl::StatusOr<int> port = FreePort();
  ASSERT_TRUE(port.ok());
  absl::StatusOr<std::unique_ptr<Client>> client =
      Open(absl::StrCat("postgres://postgres@127.0.0.1:", *port, "/postgres"));
  EXPECT_EQ(client.status().code(), absl::StatusCode::kUnavailable)
      << client.status();
}

TEST_F(PostgresTest, TheTableHasTheDocumentedSchema) {
  std::unique_ptr<Client> kv = OpenClient("table=kivi_schema");
  ASSERT_NE(kv, nullptr);
  SqlSession sql(server_->conninfo());
  EXPECT_THAT(
      *sql.Query("SELECT string_agg(column_name || ' ' || data_type, ', ' "
                 "ORDER BY ordinal_position) FROM information_schema.columns "
                 "WHERE table_name = 'kivi_schema'"),
      ::testing::Eq("key bytea, value bytea, version bigint, expires_at "
                    "timestamp with time zone"));
  ASSERT_TRUE(kv->Set("k", "v").ok());
  // Other services read it with plain SQL.
  EXPECT_THAT(*sql.Query("SELECT convert_from(value, 'UTF8') FROM kivi_schema "
                         "WHERE key = 'k'::bytea"),
              ::testing::Eq("v"));
}

TEST_F(PostgresTest, TwoTablesNeverSeeEachOthersKeys) {
  std::unique_ptr<Client> a = OpenClient("table=kivi_a");
  std::unique_ptr<Client> b = OpenClient("table=kivi_b");
  ASSERT_NE(a, nullptr);
  ASSERT_NE(b, nullptr);
  ASSERT_TRUE(a->Set("shared-name", "in a").ok());
  EXPECT_TRUE(absl::IsNotFound(b->Get("shared-name").status()));
  ASSERT_TRUE(b->Set("shared-name", "in b").ok());
  EXPECT_EQ(*a->Get("shared-name"), "in a");
  EXPECT_EQ(*b->Get("shared-name"), "in b");
  ASSERT_TRUE(b->Delete("shared-name").ok());
  EXPECT_EQ(*a->Get("shared-name"), "in a");
}

TEST_F(PostgresTest, ExpiredRowsAreNeverServedThenReclaimed) {
  // No sweeper: the expired row stays, and must still be invisible.
  std::unique_ptr<Client> kv =
      OpenClient("table=kivi_expiry&sweep_interval=0&namespace=e_");
  ASSERT_NE(kv, nullptr);
  ASSERT_TRUE(kv->Set("gone", "v", {.ttl = absl::Milliseconds(30)}).ok());
  ASSERT_TRUE(kv->Set("counter", "7", {.ttl = absl::Milliseconds(30)}).ok());
  absl::SleepFor(absl::Milliseconds(80));
  SqlSession sql(server_->conninfo());
  EXPECT_EQ(*sql.Query("SELECT count(*) FROM kivi_expiry"), "2");
  EXPECT_TRUE(absl::IsNotFound(kv->Get("gone").status()));
  EXPECT_TRUE(kv->List()->empty());
  EXPECT_TRUE(kv->BatchGet({"gone"})->found.empty());
  // Conditional writes treat it as absent too.
  EXPECT_TRUE(absl::IsNotFound(kv->Replace("gone", "x")));
  EXPECT_TRUE(kv->Add("gone", "new").ok());
  EXPECT_EQ(*kv->Increment("counter", 5, {.initial = 1}), 1u);

  // A sweeper reclaims expired rows in the background.
  ASSERT_TRUE(kv->Set("gone", "v", {.ttl = absl::Milliseconds(30)}).ok());
  std::unique_ptr<Client> sweeping =
      OpenClient("table=kivi_expiry&sweep_interval=20ms");
  ASSERT_NE(sweeping, nullptr);
  const absl::Time deadline = absl::Now() + absl::Seconds(5);
  while (*sql.Query("SELECT count(*) FROM kivi_expiry") != "1" &&
         absl::Now() < deadline) {
    absl::SleepFor(absl::Milliseconds(20));
  }
  EXPECT_EQ(*sql.Query("SELECT convert_from(key, 'UTF8') FROM kivi_expiry"),
            "e_counter");
}

TEST_F(PostgresTest, GetOrSetLoadsOnceAcrossIndependentClients) {
  // Two Clients share no in-process single-flight: only the server's
  // advisory lock keeps the second from loading too.
  std::unique_ptr<Client> first = OpenClient("table=kivi_guard");
  std::unique_ptr<Client> second = OpenClient("table=kivi_guard");
  ASSERT_NE(first, nullptr);
  ASSERT_NE(second, nullptr);
  std::atomic<int> loads{0};
  std::atomic<bool> loading{false};
  auto loader = [&]() -> absl::StatusOr<std::string> {
    ++loads;
    loading = true;
    absl::SleepFor(absl::Milliseconds(300));
    return "loaded";
  };
  absl::StatusOr<std::string> a, b;
  std::thread t([&] { a = first->GetOrSet("k", absl::Hours(1), loader); });
  while (!loading) absl::SleepFor(absl::Milliseconds(1));
  b = second->GetOrSet("k", absl::Hours(1), loader);
  t.join();
  EXPECT_EQ(loads.load(), 1);
  ASSERT_TRUE(a.ok()) << a.status();
  ASSERT_TRUE(b.ok()) << b.status();
  EXPECT_EQ(*a, "loaded");
  EXPECT_EQ(*b, "loaded");
}

TEST_F(PostgresTest, GetOrSetWaitsForAnotherLoaderAtMostTheTimeout) {
  std::unique_ptr<Client> slow = OpenClient("table=kivi_guard_wait");
  std::unique_ptr<Client> impatient =
      OpenClient("table=kivi_guard_wait&timeout=200ms");
  ASSERT_NE(slow, nullptr);
  ASSERT_NE(impatient, nullptr);
  std::atomic<bool> loading{false};
  absl::StatusOr<std::string> a;
  std::thread t([&] {
    a = slow->GetOrSet("k", absl::Hours(1),
                       [&]() -> absl::StatusOr<std::string> {
                         loading = true;
                         absl::SleepFor(absl::Milliseconds(900));
                         return "slow";
                       });
  });
  while (!loading) absl::SleepFor(absl::Milliseconds(1));
  // The lock is held far longer than this client's timeout: it stops
  // waiting and loads itself rather than failing.
  const absl::Time start = absl::Now();
  absl::StatusOr<std::string> b = impatient->GetOrSet(
      "k", absl::Hours(1),
      []() -> absl::StatusOr<std::string> { return "impatient"; });
  const absl::Duration took = absl::Now() - start;
  t.join();
  ASSERT_TRUE(b.ok()) << b.status();
  EXPECT_EQ(*b, "impatient");
  EXPECT_LT(took, absl::Milliseconds(700));
  ASSERT_TRUE(a.ok()) << a.status();
  EXPECT_EQ(*a, "slow");
}

TEST_F(PostgresTest, SlowStatementIsDeadlineExceededCancelledAndDiscarded) {
  std::unique_ptr<Client> kv = OpenClient(
      "table=kivi_deadline&timeout=300ms&application_name=kivi_deadline");
  ASSERT_NE(kv, nullptr);
  ASSERT_TRUE(kv->Set("locked", "v").ok());
  // Another session holds the row's lock, so kivi's write waits on it.
  SqlSession holder(server_->conninfo());
  ASSERT_TRUE(holder.Query("BEGIN").ok());
  ASSERT_TRUE(
      holder
          .Query("SELECT 1 FROM kivi_deadline WHERE key = 'locked'::bytea "
                 "FOR UPDATE")
          .ok());
  const absl::Time start = absl::Now();
  absl::Status set = kv->Set("locked", "new");
  const absl::Duration took = absl::Now() - start;
  EXPECT_EQ(set.code(), absl::StatusCode::kDeadlineExceeded) << set;
  EXPECT_GE(took, absl::Milliseconds(300));
  EXPECT_LT(took, absl::Milliseconds(550));  // statement_timeout: 600ms.
  // The cancel reached the server: the waiting statement is gone before
  // the server's own statement_timeout would have ended it.
  SqlSession sql(server_->conninfo());
  const std::string waiting =
      "SELECT count(*) FROM pg_stat_activity WHERE application_name = "
      "'kivi_deadline' AND wait_event_type = 'Lock'";
  while (*sql.Query(waiting) != "0" &&
         absl::Now() < start + absl::Milliseconds(550)) {
    absl::SleepFor(absl::Milliseconds(5));
  }
  EXPECT_EQ(*sql.Query(waiting), "0");
  // The connection was in doubt: discarded, not reused.
  absl::StatusOr<std::vector<EndpointStats>> stats = kv->Stats();
  ASSERT_TRUE(stats.ok()) << stats.status();
  EXPECT_THAT((*stats)[0].values,
              ::testing::Contains(::testing::Pair("pool_discarded", "1")));
  ASSERT_TRUE(holder.Query("ROLLBACK").ok());
  EXPECT_TRUE(kv->Set("locked", "after").ok());
  EXPECT_EQ(*kv->Get("locked"), "after");
}

TEST_F(PostgresTest, HealthAndStatsDescribeTheServerTableAndPool) {
  std::unique_ptr<Client> kv = OpenClient("table=kivi_stats&max_conns=3");
  ASSERT_NE(kv, nullptr);
  HealthReport health = kv->Health();
  ASSERT_EQ(health.endpoints.size(), 1u);
  EXPECT_TRUE(health.ok()) << health.ToString();
  EXPECT_EQ(health.endpoints[0].endpoint,
            absl::StrCat("127.0.0.1:", server_->port(), "/postgres"));
  EXPECT_GT(health.endpoints[0].latency, absl::ZeroDuration());
  absl::StatusOr<std::vector<EndpointStats>> stats = kv->Stats();
  ASSERT_TRUE(stats.ok()) << stats.status();
  for (const char* name : {"rows_estimate", "table_bytes", "pool_open",
                           "pool_idle", "pool_discarded"}) {
    EXPECT_THAT((*stats)[0].values, ::testing::Contains(::testing::Key(name)));
  }
  EXPECT_THAT((*stats)[0].values,
              ::testing::Contains(::testing::Pair("pool_max", "3")));
}

// Its own server: the test kills it.
TEST(PostgresServerLoss,
     FailuresAreUnavailableNeverMissesAndBadInputComesFirst) {
  KIVI_REQUIRE_POSTGRES();
  absl::StatusOr<std::unique_ptr<PostgresProcess>> server =
      PostgresProcess::Start();
  ASSERT_TRUE(server.ok()) << server.status();
  absl::StatusOr<std::unique_ptr<Client>> kv =
      Open(absl::StrCat((*server)->url(), "?timeout=500ms"));
  ASSERT_TRUE(kv.ok()) << kv.status();
  ASSERT_TRUE((*kv)->Set("k", "v").ok());
  (*server)->Kill();
  EXPECT_EQ((*kv)->Get("k").status().code(), absl::StatusCode::kUnavailable);
  absl::StatusOr<BatchGetResult> batch = (*kv)->BatchGet({"k", "j"});
  ASSERT_TRUE(batch.ok()) << batch.status();
  EXPECT_TRUE(batch->found.empty());
  EXPECT_EQ(batch->failed.size(), 2u);
  EXPECT_EQ(batch->failed["k"].code(), absl::StatusCode::kUnavailable);
  // Refused before any I/O, whatever the server's state.
  EXPECT_EQ((*kv)->Set("a b", "v").code(), absl::StatusCode::kInvalidArgument);
  EXPECT_FALSE((*kv)->Health().ok());
  ASSERT_TRUE((*server)->Restart().ok());
  // Connections broken by the crash were discarded; new ones work.
  absl::StatusOr<std::string> value = (*kv)->Get("k");
  EXPECT_TRUE(value.ok() && *value == "v") << value.status();
}

}  // namespace
}  // namespace kivi::testing
