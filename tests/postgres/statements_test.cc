// The postgres backend's pure parts: SQL generation, the binary wire
// encoding, TTL conversion and URL checks that need no server.

#include "backends/postgres/src/statements.h"

#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "backends/postgres/src/backend.h"
#include "backends/postgres/src/wire.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "kivi/kivi.h"

namespace kivi::postgres_internal {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

TEST(PostgresTableName, AcceptsIdentifiersAndRefusesTheRestNamingTable) {
  for (const std::string good :
       {std::string("kivi"), std::string("_x"), std::string("Cache_2"),
        std::string(50, 't')}) {
    EXPECT_TRUE(ValidateTableName(good).ok()) << good;
  }
  for (const std::string bad :
       {std::string(), std::string("1kivi"), std::string("a-b"),
        std::string("a\"b"), std::string("a b"), std::string(51, 't')}) {
    absl::Status s = ValidateTableName(bad);
    EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument) << bad;
    EXPECT_THAT(s.message(), HasSubstr("\"table\""));
  }
}

TEST(PostgresStatements, EveryStatementIsPreparedWithItsPlaceholdersExpanded) {
  const std::string sql = SessionSetupSql("my_table", 2000);
  EXPECT_THAT(sql, HasSubstr("SET statement_timeout = 2000;"));
  for (int i = 0; i < kStatementCount; ++i) {
    EXPECT_THAT(
        sql, HasSubstr(absl::StrCat("PREPARE ",
                                    StatementName(static_cast<Statement>(i)))));
  }
  EXPECT_THAT(sql, HasSubstr("\"my_table\""));
  EXPECT_THAT(sql, HasSubstr("nextval('\"my_table_version\"')"));
  EXPECT_THAT(sql, Not(::testing::ContainsRegex("\\{[A-Z_0-9]+\\}")));
  // List is a key range, never a pattern.
  EXPECT_THAT(sql, Not(HasSubstr("LIKE")));
}

TEST(PostgresStatements, SchemaCreatesTableSequenceAndIndexUnderALock) {
  const std::string sql = SchemaSql("t");
  EXPECT_THAT(sql, HasSubstr("pg_advisory_xact_lock"));
  EXPECT_THAT(sql, HasSubstr("CREATE TABLE IF NOT EXISTS \"t\" (key bytea "
                             "PRIMARY KEY, value bytea NOT NULL, version int8 "
                             "NOT NULL, expires_at timestamptz)"));
  EXPECT_THAT(sql, HasSubstr("CREATE SEQUENCE IF NOT EXISTS \"t_version\""));
  EXPECT_THAT(sql, HasSubstr("\"t_expires_at\" ON \"t\" (expires_at)"));
}

TEST(PostgresWire, IntegersAreBigEndianAndArraysUseTheBinaryArrayFormat) {
  Params params;
  params.Int64(0x0102030405060708)
      .Bytes("")
      .ByteaArray(std::vector<std::string>{"ab", ""});
  ASSERT_EQ(params.size(), 3);
  EXPECT_EQ(std::string(params.values()[0], params.lengths()[0]),
            std::string("\x01\x02\x03\x04\x05\x06\x07\x08", 8));
  EXPECT_EQ(ReadInt64(params.values()[0]), 0x0102030405060708);
  // An empty value is a zero-length value, not SQL NULL.
  EXPECT_NE(params.values()[1], nullptr);
  EXPECT_EQ(params.lengths()[1], 0);
  const std::string array(params.values()[2], params.lengths()[2]);
  EXPECT_EQ(array, std::string("\0\0\0\1"    // one dimension
                               "\0\0\0\0"    // no NULLs
                               "\0\0\0\x11"  // bytea
                               "\0\0\0\2"    // two items
                               "\0\0\0\1"    // lower bound
                               "\0\0\0\2ab"  // "ab"
                               "\0\0\0\0",   // ""
                               30));
  for (int i = 0; i < 3; ++i) EXPECT_EQ(params.formats()[i], 1);
}

TEST(PostgresTtl, MicrosecondsRoundedUpZeroForNoneAndCapped) {
  EXPECT_EQ(TtlMicros(absl::ZeroDuration()), 0);
  EXPECT_EQ(TtlMicros(absl::Nanoseconds(1)), 1);
  EXPECT_EQ(TtlMicros(absl::Milliseconds(1500)), 1500000);
  EXPECT_EQ(TtlMicros(absl::InfiniteDuration()),
            TtlMicros(absl::Hours(24 * 365 * 1000)));
}

TEST(PostgresUrl, MalformedAuthorityIsRefusedBeforeConnecting) {
  for (const char* url :
       {"postgres:///db", "postgres://h:99999/db", "postgres://h:x/db",
        "postgres://[::1/db", "postgres://u:%zz@h/db"}) {
    absl::StatusOr<std::unique_ptr<Client>> client = Open(url);
    EXPECT_EQ(client.status().code(), absl::StatusCode::kInvalidArgument)
        << url << ": " << client.status();
  }
}

}  // namespace
}  // namespace kivi::postgres_internal
