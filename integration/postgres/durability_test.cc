// Durability, proven: a separate process writes while the PostgreSQL
// server is killed (SIGKILL to it and every backend) mid-load and
// restarted. Every write the writer saw acknowledged must be present with
// its value; every other write was reported as a failure, and if it is
// present anyway (committed, but the reply was lost) it holds its value.

#include <signal.h>

#include <memory>
#include <set>
#include <string>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "gtest/gtest.h"
#include "integration/harness/postgres_process.h"
#include "kivi/kivi.h"
#include "subprocess.h"

namespace kivi::testing {
namespace {

// The writer writes until it is stopped; the test kills the server after
// kAcksBeforeKill acknowledgements and stops the writer once
// kAcksAfterRestart more have come after the restart.
constexpr int kMaxWrites = 100000;
constexpr int kAcksBeforeKill = 200;
constexpr int kAcksAfterRestart = 100;

// Records one line of the writer's output; false if it is malformed.
bool Record(absl::string_view line, std::set<int>* acknowledged,
            std::set<int>* failed) {
  std::vector<absl::string_view> parts = absl::StrSplit(line, ' ');
  int i = -1;
  if (parts.size() < 2 || !absl::SimpleAtoi(parts[1], &i)) return false;
  if (parts[0] == "ok") return acknowledged->insert(i).second;
  return parts[0] == "fail" && failed->insert(i).second;
}

TEST(PostgresDurability, AcknowledgedWritesSurviveKillNineOfTheServer) {
  KIVI_REQUIRE_POSTGRES();
  absl::StatusOr<std::unique_ptr<PostgresProcess>> server =
      PostgresProcess::Start();
  ASSERT_TRUE(server.ok()) << server.status();
  const std::string url =
      absl::StrCat((*server)->url(), "?table=durable&timeout=2s");
  absl::StatusOr<std::unique_ptr<Subprocess>> writer = Subprocess::Start(
      {KIVI_DURABILITY_WRITER, url, absl::StrCat(kMaxWrites)});
  ASSERT_TRUE(writer.ok()) << writer.status();

  std::set<int> acknowledged;
  std::set<int> failed;
  size_t acks_at_restart = 0;
  while (acks_at_restart == 0 ||
         acknowledged.size() < acks_at_restart + kAcksAfterRestart) {
    absl::StatusOr<std::string> line = (*writer)->ReadLine(absl::Seconds(30));
    ASSERT_TRUE(line.ok()) << line.status();
    ASSERT_TRUE(Record(*line, &acknowledged, &failed)) << *line;
    if (acks_at_restart == 0 && acknowledged.size() == kAcksBeforeKill) {
      (*server)->Kill();  // Mid-load: the writer is in its next write.
      ASSERT_TRUE((*server)->Restart().ok());
      acks_at_restart = acknowledged.size();
    }
  }
  (*writer)->Signal(SIGKILL);
  ProcessResult result = (*writer)->Finish();
  for (absl::string_view line :
       absl::StrSplit(result.out, '\n', absl::SkipEmpty())) {
    ASSERT_TRUE(Record(line, &acknowledged, &failed)) << line;
  }
  // The server was down for a while, so some writes failed; writes
  // resumed after the restart.
  EXPECT_FALSE(failed.empty());
  EXPECT_GT(*acknowledged.rbegin(), *failed.rbegin());

  absl::StatusOr<std::unique_ptr<Client>> kv = Open(url);
  ASSERT_TRUE(kv.ok()) << kv.status();
  std::vector<std::string> keys;
  for (int i = 0; i <= *acknowledged.rbegin() + 1; ++i) {
    keys.push_back(absl::StrCat("d:", i));
  }
  absl::StatusOr<BatchGetResult> stored = (*kv)->BatchGet(keys);
  ASSERT_TRUE(stored.ok()) << stored.status();
  ASSERT_TRUE(stored->failed.empty());
  for (int i : acknowledged) {
    const std::string key = absl::StrCat("d:", i);
    auto it = stored->found.find(key);
    ASSERT_NE(it, stored->found.end()) << "acknowledged write lost: " << key;
    EXPECT_EQ(it->second, absl::StrCat("value of ", key));
  }
  for (int i : failed) {
    const std::string key = absl::StrCat("d:", i);
    auto it = stored->found.find(key);
    if (it != stored->found.end()) {
      EXPECT_EQ(it->second, absl::StrCat("value of ", key));
    }
  }
}

}  // namespace
}  // namespace kivi::testing
