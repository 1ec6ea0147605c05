// rocksdb:// across processes: every write a killed (kill -9) writer saw
// acknowledged is there when the directory is reopened, and a directory
// held by one process is a clear error in another.

#include <signal.h>

#include <memory>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/time/clock.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "integration/rocksdb/durable_value.h"
#include "kivi/kivi.h"
#include "subprocess.h"
#include "tests/conformance/case_helpers.h"
#include "tests/rocksdb/temp_dir.h"

namespace kivi::testing {
namespace {

using ::testing::AllOf;
using ::testing::HasSubstr;

std::unique_ptr<Subprocess> StartWriter(const std::string& mode,
                                        const std::string& url) {
  absl::StatusOr<std::unique_ptr<Subprocess>> writer =
      Subprocess::Start({KIVI_ROCKSDB_WRITER, mode, url});
  EXPECT_THAT(writer, IsOk());
  return writer.ok() ? *std::move(writer) : nullptr;
}

// Lets the writer run until it has acknowledged `acks` keys, kills it with
// SIGKILL mid-write and returns every key it acknowledged (each complete
// line of its output).
std::vector<std::string> KillAfter(Subprocess& writer, int acks) {
  std::vector<std::string> acknowledged;
  for (int i = 0; i < acks; ++i) {
    absl::StatusOr<std::string> line = writer.ReadLine(absl::Seconds(10));
    if (!line.ok()) {
      ADD_FAILURE() << "writer stopped after " << i
                    << " acknowledgements: " << line.status() << "\n"
                    << writer.Finish().err;
      return acknowledged;
    }
    acknowledged.push_back(*line);
  }
  writer.Signal(SIGKILL);
  ProcessResult rest = writer.Finish();
  EXPECT_EQ(rest.exit_code, 128 + SIGKILL) << rest.err;
  // A line cut by the kill was never acknowledged whole: only complete
  // lines count.
  std::vector<std::string> lines = absl::StrSplit(rest.out, '\n');
  lines.pop_back();
  for (std::string& line : lines) acknowledged.push_back(std::move(line));
  return acknowledged;
}

void ExpectEveryAcknowledgedWrite(const std::string& url,
                                  const std::vector<std::string>& keys) {
  absl::StatusOr<std::unique_ptr<Client>> kv = Open(url);
  ASSERT_THAT(kv, IsOk());
  int missing = 0;
  for (const std::string& key : keys) {
    absl::StatusOr<std::string> value = (*kv)->Get(key);
    if (!value.ok() || *value != DurableValue(key)) {
      if (++missing <= 10) {
        ADD_FAILURE() << "acknowledged key " << key << ": "
                      << (value.ok() ? "wrong value " + *value
                                     : value.status().ToString());
      }
    }
  }
  EXPECT_EQ(missing, 0) << "of " << keys.size() << " acknowledged writes";
}

TEST(RocksDbDurability, AcknowledgedWritesSurviveKill9) {
  TempDir dir;
  const std::string url = absl::StrCat("rocksdb://", dir.Sub("db"));
  std::unique_ptr<Subprocess> writer = StartWriter("write", url);
  ASSERT_NE(writer, nullptr);
  const std::vector<std::string> keys = KillAfter(*writer, 5000);
  ASSERT_GE(keys.size(), 5000u);
  ExpectEveryAcknowledgedWrite(url, keys);
}

TEST(RocksDbDurability, WithSyncEveryAcknowledgedWriteSurvivesKill9) {
  TempDir dir;
  const std::string url = absl::StrCat("rocksdb://", dir.Sub("db"), "?sync=1");
  std::unique_ptr<Subprocess> writer = StartWriter("write", url);
  ASSERT_NE(writer, nullptr);
  const std::vector<std::string> keys = KillAfter(*writer, 300);
  ASSERT_GE(keys.size(), 300u);
  ExpectEveryAcknowledgedWrite(url, keys);
}

TEST(RocksDbLock, DirectoryHeldByAnotherProcessIsFailedPrecondition) {
  TempDir dir;
  const std::string path = dir.Sub("db");
  const std::string url = absl::StrCat("rocksdb://", path);
  std::unique_ptr<Subprocess> holder = StartWriter("hold", url);
  ASSERT_NE(holder, nullptr);
  ASSERT_THAT(holder->ReadLine(absl::Seconds(10)), IsOkAndHolds("ready"));

  const absl::Time start = absl::Now();
  absl::StatusOr<std::unique_ptr<Client>> refused = Open(url);
  EXPECT_LT(absl::Now() - start, absl::Seconds(5)) << "Open waited";
  EXPECT_THAT(refused.status(),
              HasCodeAndMessage(absl::StatusCode::kFailedPrecondition, path));
  EXPECT_THAT(refused.status().message(),
              AllOf(HasSubstr(path + "/LOCK"), HasSubstr("another process")));

  // Once the holder is gone (even killed) the directory opens.
  holder->Signal(SIGKILL);
  holder->Finish();
  absl::StatusOr<std::unique_ptr<Client>> kv = Open(url);
  ASSERT_THAT(kv, IsOk());
  EXPECT_THAT((*kv)->Set("k", "v"), IsOk());
}

TEST(RocksDbLock, AProcessRefusedTheDirectoryExitsWithTheError) {
  TempDir dir;
  const std::string path = dir.Sub("db");
  const std::string url = absl::StrCat("rocksdb://", path);
  absl::StatusOr<std::unique_ptr<Client>> kv = Open(url);
  ASSERT_THAT(kv, IsOk());
  std::unique_ptr<Subprocess> refused = StartWriter("hold", url);
  ASSERT_NE(refused, nullptr);
  ProcessResult result = refused->Finish();
  EXPECT_EQ(result.exit_code, 1);
  EXPECT_THAT(result.err, AllOf(HasSubstr("FAILED_PRECONDITION"),
                                HasSubstr(path + "/LOCK")));
}

}  // namespace
}  // namespace kivi::testing
