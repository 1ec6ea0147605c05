// The `kivi` binary, run as a child process against an in-process
// kivi-server over memory://.

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <memory>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "kivi/server/server.h"
#include "subprocess.h"

namespace kivi::testing {
namespace {

using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::StartsWith;

class KiviCli : public ::testing::Test {
 protected:
  void SetUp() override {
    absl::StatusOr<std::unique_ptr<Server>> server =
        Server::Start({.listen = "127.0.0.1:0", .backend_url = "memory://"});
    ASSERT_TRUE(server.ok()) << server.status();
    server_ = *std::move(server);
  }

  // Runs `kivi --backend=<the server> args...`.
  ProcessResult Kivi(std::vector<std::string> args,
                     absl::string_view input = "") {
    args.insert(args.begin(), {KIVI_BINARY, absl::StrCat("--backend=grpc://",
                                                         server_->address())});
    return RunProcess(args, input);
  }

  std::unique_ptr<Server> server_;
};

TEST_F(KiviCli, SetThenGetPrintsTheRawValue) {
  ProcessResult set = Kivi({"set", "greeting", "hello world"});
  EXPECT_EQ(set.exit_code, 0) << set.err;
  EXPECT_THAT(set.out, IsEmpty());
  ProcessResult get = Kivi({"get", "greeting"});
  EXPECT_EQ(get.exit_code, 0) << get.err;
  EXPECT_EQ(get.out, "hello world");
}

TEST_F(KiviCli, SetReadsTheValueFromStdinWhenOmitted) {
  const std::string value("line 1\nline 2\0\xff", 15);
  ProcessResult set = Kivi({"set", "blob"}, value);
  EXPECT_EQ(set.exit_code, 0) << set.err;
  ProcessResult get = Kivi({"get", "blob"});
  EXPECT_EQ(get.exit_code, 0) << get.err;
  EXPECT_EQ(get.out, value);
}

TEST_F(KiviCli, GetOfAMissingKeyExitsOneWithTheReasonOnStderr) {
  ProcessResult get = Kivi({"get", "absent"});
  EXPECT_EQ(get.exit_code, 1);
  EXPECT_THAT(get.out, IsEmpty());
  EXPECT_THAT(get.err, HasSubstr("NOT_FOUND"));
  EXPECT_THAT(get.err, HasSubstr("absent"));
}

TEST_F(KiviCli, DelRemovesAKeyAndAcceptsAnAbsentOne) {
  ASSERT_EQ(Kivi({"set", "k", "v"}).exit_code, 0);
  EXPECT_EQ(Kivi({"del", "k"}).exit_code, 0);
  EXPECT_EQ(Kivi({"get", "k"}).exit_code, 1);
  EXPECT_EQ(Kivi({"del", "k"}).exit_code, 0);
}

TEST_F(KiviCli, ListPrintsKeysWithThePrefixSortedOnePerLine) {
  for (const char* key : {"user:2", "user:1", "order:1"}) {
    ASSERT_EQ(Kivi({"set", key, "x"}).exit_code, 0);
  }
  ProcessResult list = Kivi({"list", "user:"});
  EXPECT_EQ(list.exit_code, 0) << list.err;
  EXPECT_EQ(list.out, "user:1\nuser:2\n");
  ProcessResult all = Kivi({"list"});
  EXPECT_EQ(all.out, "order:1\nuser:1\nuser:2\n");
}

TEST_F(KiviCli, BatchGetPrintsHitsAndReportsMissesOnStderr) {
  ASSERT_EQ(Kivi({"set", "a", "1"}).exit_code, 0);
  ASSERT_EQ(Kivi({"set", "c", "3"}).exit_code, 0);
  ProcessResult batch = Kivi({"batch-get", "a", "b", "c"});
  EXPECT_EQ(batch.exit_code, 1);
  EXPECT_EQ(batch.out, "a\t1\nc\t3\n");
  EXPECT_EQ(batch.err, "b\t<miss>\n");
}

TEST_F(KiviCli, BatchGetOfHitsOnlyExitsZero) {
  ASSERT_EQ(Kivi({"set", "a", "1"}).exit_code, 0);
  ProcessResult batch = Kivi({"batch-get", "a"});
  EXPECT_EQ(batch.exit_code, 0) << batch.err;
  EXPECT_EQ(batch.out, "a\t1\n");
}

TEST_F(KiviCli, IncrCountsFromZeroBySignedDeltas) {
  ProcessResult first = Kivi({"incr", "visits"});
  EXPECT_EQ(first.exit_code, 0) << first.err;
  EXPECT_EQ(first.out, "1\n");
  EXPECT_EQ(Kivi({"incr", "visits", "5"}).out, "6\n");
  EXPECT_EQ(Kivi({"incr", "visits", "-2"}).out, "4\n");
  EXPECT_EQ(Kivi({"get", "visits"}).out, "4");
}

TEST_F(KiviCli, IncrOfANonNumberExitsThree) {
  ASSERT_EQ(Kivi({"set", "name", "kivi"}).exit_code, 0);
  ProcessResult incr = Kivi({"incr", "name"});
  EXPECT_EQ(incr.exit_code, 3);
  EXPECT_THAT(incr.err, HasSubstr("FAILED_PRECONDITION"));
}

TEST_F(KiviCli, SetAcceptsATtl) {
  ProcessResult set = Kivi({"--ttl=1h", "set", "k", "v"});
  EXPECT_EQ(set.exit_code, 0) << set.err;
  EXPECT_EQ(Kivi({"get", "k"}).out, "v");
}

TEST_F(KiviCli, InvalidKeyExitsThreeNamingTheKey) {
  ProcessResult get = Kivi({"get", "a b"});
  EXPECT_EQ(get.exit_code, 3);
  EXPECT_THAT(get.err, HasSubstr("INVALID_ARGUMENT"));
  EXPECT_THAT(get.err, HasSubstr("a b"));
}

TEST_F(KiviCli, MisuseExitsTwoAndPrintsUsage) {
  const std::vector<std::vector<std::string>> misuses = {
      {},
      {"frobnicate"},
      {"get"},
      {"get", "a", "b"},
      {"--bogus", "get", "a"},
      {"--ttl=soon", "set", "k", "v"},
      {"--ttl=1s", "get", "k"},
      {"incr", "k", "many"},
  };
  for (const std::vector<std::string>& args : misuses) {
    ProcessResult result = Kivi(args);
    EXPECT_EQ(result.exit_code, 2) << ::testing::PrintToString(args);
    EXPECT_THAT(result.err, HasSubstr("usage: kivi"))
        << ::testing::PrintToString(args);
    EXPECT_THAT(result.out, IsEmpty());
  }
}

TEST(KiviCliStandalone, HelpPrintsUsageAndExitsZero) {
  ProcessResult help = RunProcess({KIVI_BINARY, "--help"});
  EXPECT_EQ(help.exit_code, 0);
  EXPECT_THAT(help.out, StartsWith("usage: kivi"));
}

TEST(KiviCliStandalone, UnreachableServerExitsThreeNamingIt) {
  // A loopback port nobody listens on: bound, then released.
  const int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof(addr);
  ASSERT_EQ(bind(fd, reinterpret_cast<sockaddr*>(&addr), len), 0);
  ASSERT_EQ(getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len), 0);
  close(fd);
  const std::string address = absl::StrCat("127.0.0.1:", ntohs(addr.sin_port));

  ProcessResult get = RunProcess(
      {KIVI_BINARY,
       absl::StrCat("--backend=grpc://", address, "?connect_timeout=200ms"),
       "get", "k"});
  EXPECT_EQ(get.exit_code, 3);
  EXPECT_THAT(get.err, HasSubstr("UNAVAILABLE"));
  EXPECT_THAT(get.err, HasSubstr(address));
}

TEST(KiviCliStandalone, WorksOverAnyBackendUrl) {
  ProcessResult set =
      RunProcess({KIVI_BINARY, "--backend", "memory://", "set", "k", "v"});
  EXPECT_EQ(set.exit_code, 0) << set.err;
}

}  // namespace
}  // namespace kivi::testing
