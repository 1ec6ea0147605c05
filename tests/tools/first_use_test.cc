// What a new user meets first (issue 11, items 14-17): --help lists the
// flags and exits 0, an impossible port is refused rather than wrapped, a
// backend that cannot be reached is reported at start, and a client that
// cannot connect fails fast saying what to check.

#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <csignal>
#include <memory>
#include <string>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "subprocess.h"
#include "test_certificates.h"

namespace kivi::testing {
namespace {

using ::testing::AllOf;
using ::testing::HasSubstr;
using ::testing::Not;

// A loopback port nothing listens on (bound, then released).
int UnusedPort() {
  const int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t size = sizeof(address);
  bind(fd, reinterpret_cast<sockaddr*>(&address), size);
  getsockname(fd, reinterpret_cast<sockaddr*>(&address), &size);
  close(fd);
  return ntohs(address.sin_port);
}

TEST(FirstUse, KiviServerHelpListsItsFlagsAndExitsZero) {
  ProcessResult help = RunProcess({KIVI_SERVER_BINARY, "--help"});
  EXPECT_EQ(help.exit_code, 0) << help.err;
  EXPECT_THAT(help.out,
              AllOf(HasSubstr("--listen="), HasSubstr("--backend="),
                    HasSubstr("--auth_token_file="), HasSubstr("--tls_cert="),
                    HasSubstr("--drain_timeout=")));
  EXPECT_THAT(help.out + help.err, Not(HasSubstr("No flags matched")));
}

#ifdef KIVI_BENCH_BINARY
TEST(FirstUse, KiviBenchHelpListsItsFlagsAndExitsZero) {
  ProcessResult help = RunProcess({KIVI_BENCH_BINARY, "--help"});
  EXPECT_EQ(help.exit_code, 0) << help.err;
  EXPECT_THAT(help.out,
              AllOf(HasSubstr("--memcached1="), HasSubstr("--sections=")));
}
#endif

TEST(FirstUse, KiviHelpExitsZero) {
  ProcessResult help = RunProcess({KIVI_BINARY, "--help"});
  EXPECT_EQ(help.exit_code, 0) << help.err;
  EXPECT_THAT(help.out, HasSubstr("--backend=URL"));
}

TEST(FirstUse, OutOfRangePortsAreRefusedNotWrapped) {
  // Bounded: a server that wraps the port listens instead of exiting.
  absl::StatusOr<std::unique_ptr<Subprocess>> server =
      Subprocess::Start({KIVI_SERVER_BINARY, "--listen=127.0.0.1:99999"});
  ASSERT_TRUE(server.ok()) << server.status();
  absl::StatusOr<std::string> line = (*server)->ReadLine(absl::Seconds(10));
  EXPECT_TRUE(absl::IsNotFound(line.status()))
      << "kivi-server started: " << line.value_or(line.status().ToString());
  if (line.ok()) (*server)->Signal(SIGKILL);
  ProcessResult listen = (*server)->Finish();
  EXPECT_EQ(listen.exit_code, 1);
  EXPECT_THAT(listen.err,
              AllOf(HasSubstr("INVALID_ARGUMENT"), HasSubstr("127.0.0.1:99999"),
                    HasSubstr("0..65535")));

  ProcessResult grpc =
      RunProcess({KIVI_BINARY, "--backend=grpc://127.0.0.1:99999", "get", "k"});
  EXPECT_NE(grpc.exit_code, 0);
  EXPECT_THAT(grpc.err,
              AllOf(HasSubstr("INVALID_ARGUMENT"), HasSubstr("1..65535")));

  ProcessResult addr =
      RunProcess({KIVI_BINARY, "health", "--addr=127.0.0.1:99999"});
  EXPECT_EQ(addr.exit_code, 1);
  EXPECT_THAT(addr.err, HasSubstr("1..65535"));
}

TEST(FirstUse, AddrWithoutAPortIsAUsageError) {
  ProcessResult addr = RunProcess({KIVI_BINARY, "health", "--addr=127.0.0.1"});
  EXPECT_EQ(addr.exit_code, 1);
  EXPECT_THAT(addr.err, HasSubstr("no port"));
}

TEST(FirstUse, AnUnreachableBackendIsLoggedWithItsReasonAtStart) {
  absl::StatusOr<std::unique_ptr<Subprocess>> server = Subprocess::Start(
      {KIVI_SERVER_BINARY, "--listen=127.0.0.1:0",
       absl::StrCat("--backend=memcached://127.0.0.1:", UnusedPort()),
       "--health_interval=100ms"});
  ASSERT_TRUE(server.ok()) << server.status();
  ASSERT_TRUE((*server)->ReadLine(absl::Seconds(10)).ok());
  absl::SleepFor(absl::Milliseconds(500));
  (*server)->Signal(SIGTERM);
  ProcessResult result = (*server)->Finish();
  EXPECT_EQ(result.exit_code, 0);
  EXPECT_THAT(result.err,
              AllOf(HasSubstr("probe failed"), HasSubstr("refused")));
}

TEST(FirstUse, ARefusedConnectionFailsFastSayingWhatToCheck) {
  const absl::Time start = absl::Now();
  ProcessResult get = RunProcess(
      {KIVI_BINARY, absl::StrCat("--backend=grpc://127.0.0.1:", UnusedPort()),
       "get", "k"});
  // connect_timeout is 5s; a refusal is an answer, not a reason to wait.
  EXPECT_LT(absl::Now() - start, absl::Seconds(3));
  EXPECT_NE(get.exit_code, 0);
  EXPECT_THAT(get.err, AllOf(HasSubstr("UNAVAILABLE"), HasSubstr("refused"),
                             HasSubstr("is kivi-server running")));
}

TEST(FirstUse, ATlsMismatchSaysSo) {
  absl::StatusOr<std::unique_ptr<TestCertificates>> certs =
      TestCertificates::Create();
  ASSERT_TRUE(certs.ok()) << certs.status();
  absl::StatusOr<std::unique_ptr<Subprocess>> server = Subprocess::Start(
      {KIVI_SERVER_BINARY, "--listen=127.0.0.1:0", "--backend=memory://",
       "--tls_cert=" + (*certs)->server_cert(),
       "--tls_key=" + (*certs)->server_key()});
  ASSERT_TRUE(server.ok()) << server.status();
  absl::StatusOr<std::string> line = (*server)->ReadLine(absl::Seconds(10));
  ASSERT_TRUE(line.ok()) << line.status();
  const std::string address = line->substr(
      line->find("127.0.0.1:"),
      line->find(' ', line->find("127.0.0.1:")) - line->find("127.0.0.1:"));

  const absl::Time start = absl::Now();
  ProcessResult plain =
      RunProcess({KIVI_BINARY, "--backend=grpc://" + address, "get", "k"});
  EXPECT_LT(absl::Now() - start, absl::Seconds(3));
  EXPECT_NE(plain.exit_code, 0);
  EXPECT_THAT(plain.err, HasSubstr("does the server speak TLS?"));
  (*server)->Signal(SIGTERM);
  (*server)->Finish();
}

}  // namespace
}  // namespace kivi::testing
