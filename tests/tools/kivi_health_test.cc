// `kivi health` as an exec probe: the kivi binary run as a child process
// against in-process kivi-servers, exiting with grpc_health_probe's codes.

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
#include "test_certificates.h"

namespace kivi::testing {
namespace {

using ::testing::HasSubstr;
using ::testing::MatchesRegex;
using ::testing::StartsWith;

constexpr int kServing = 0;
constexpr int kBadArguments = 1;
constexpr int kConnectionFailure = 2;
constexpr int kRpcFailure = 3;
constexpr int kNotServing = 4;

// A loopback address nobody listens on: bound, then released.
std::string ClosedAddress() {
  const int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof(addr);
  EXPECT_EQ(bind(fd, reinterpret_cast<sockaddr*>(&addr), len), 0);
  EXPECT_EQ(getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len), 0);
  close(fd);
  return absl::StrCat("127.0.0.1:", ntohs(addr.sin_port));
}

// Starts a server and waits until its checker has a first verdict.
std::unique_ptr<Server> StartServer(ServerOptions options, bool serving) {
  options.listen = "127.0.0.1:0";
  options.health.interval = absl::Milliseconds(100);
  options.health.timeout = absl::Milliseconds(200);
  absl::StatusOr<std::unique_ptr<Server>> server =
      Server::Start(std::move(options));
  EXPECT_TRUE(server.ok()) << server.status();
  if (!server.ok()) return nullptr;
  if (serving) {
    EXPECT_TRUE((*server)->health_checker().WaitFor(true, absl::Seconds(10)));
  }
  return *std::move(server);
}

ProcessResult Health(std::vector<std::string> args) {
  args.insert(args.begin(), {KIVI_BINARY, "health"});
  return RunProcess(args);
}

TEST(KiviHealth, ServingServerExitsZero) {
  std::unique_ptr<Server> server = StartServer({}, /*serving=*/true);
  ASSERT_NE(server, nullptr);
  const std::string addr = "--addr=" + server->address();
  ProcessResult whole = Health({addr});
  EXPECT_EQ(whole.exit_code, kServing) << whole.err;
  EXPECT_EQ(whole.out, "status: SERVING\n");
  ProcessResult service = Health({addr, "--service=kivi.v1.KeyValue"});
  EXPECT_EQ(service.exit_code, kServing) << service.err;
}

TEST(KiviHealth, NotServingServerExitsFour) {
  std::unique_ptr<Server> server =
      StartServer({.backend_url = "memcached://127.0.0.1:1?timeout=100ms"},
                  /*serving=*/false);
  ASSERT_NE(server, nullptr);
  ProcessResult result = Health({"--addr=" + server->address()});
  EXPECT_EQ(result.exit_code, kNotServing) << result.err;
  EXPECT_EQ(result.out, "status: NOT_SERVING\n");
}

TEST(KiviHealth, UnknownServiceIsAnRpcFailureExitingThree) {
  std::unique_ptr<Server> server = StartServer({}, /*serving=*/true);
  ASSERT_NE(server, nullptr);
  ProcessResult result =
      Health({"--addr=" + server->address(), "--service=no.such.Service"});
  EXPECT_EQ(result.exit_code, kRpcFailure);
  EXPECT_THAT(result.err, HasSubstr("no.such.Service"));
}

TEST(KiviHealth, NothingListeningExitsTwo) {
  const std::string address = ClosedAddress();
  ProcessResult result =
      Health({"--addr=" + address, "--connect_timeout=200ms"});
  EXPECT_EQ(result.exit_code, kConnectionFailure);
  EXPECT_THAT(result.err, HasSubstr(address));
}

TEST(KiviHealth, BadArgumentsExitOneWithUsage) {
  for (const std::vector<std::string>& args :
       std::vector<std::vector<std::string>>{
           {}, {"--addr=h:1", "--nope"}, {"--addr=h:1", "--tls_ca=x"}}) {
    ProcessResult result = Health(args);
    EXPECT_EQ(result.exit_code, kBadArguments);
    EXPECT_THAT(result.err, HasSubstr("usage: kivi health"));
  }
  ProcessResult help = Health({"--help"});
  EXPECT_EQ(help.exit_code, 0);
  EXPECT_THAT(help.out, StartsWith("usage: kivi health"));
}

TEST(KiviHealth, HealthNeedsNoTokenFromTheProbe) {
  absl::StatusOr<std::unique_ptr<TestCertificates>> certs =
      TestCertificates::Create();
  ASSERT_TRUE(certs.ok()) << certs.status();
  std::unique_ptr<Server> server =
      StartServer({.auth_token_file = (*certs)->WriteFile("token", "secret\n")},
                  /*serving=*/true);
  ASSERT_NE(server, nullptr);
  EXPECT_EQ(Health({"--addr=" + server->address()}).exit_code, kServing);
}

TEST(KiviHealth, SpeaksTlsAndPresentsAClientCertificate) {
  absl::StatusOr<std::unique_ptr<TestCertificates>> certs =
      TestCertificates::Create();
  ASSERT_TRUE(certs.ok()) << certs.status();
  const TestCertificates& c = **certs;
  std::unique_ptr<Server> server =
      StartServer({.tls = {.cert_file = c.server_cert(),
                           .key_file = c.server_key(),
                           .client_ca_file = c.ca()}},
                  /*serving=*/true);
  ASSERT_NE(server, nullptr);
  const std::string addr = "--addr=" + server->address();
  ProcessResult mtls =
      Health({addr, "--tls", "--tls_ca=" + c.ca(),
              "--tls_cert=" + c.client_cert(), "--tls_key=" + c.client_key()});
  EXPECT_EQ(mtls.exit_code, kServing) << mtls.err;

  ProcessResult no_cert =
      Health({addr, "--tls", "--tls_ca=" + c.ca(), "--connect_timeout=500ms"});
  EXPECT_EQ(no_cert.exit_code, kConnectionFailure);
  ProcessResult plaintext = Health({addr, "--connect_timeout=500ms"});
  EXPECT_EQ(plaintext.exit_code, kConnectionFailure);
}

TEST(KiviHealth, BackendPrintsEachEndpointWithItsLatency) {
  ProcessResult memory = Health({"--backend=memory://"});
  EXPECT_EQ(memory.exit_code, kServing) << memory.err;
  EXPECT_THAT(memory.out,
              MatchesRegex("memory ok [0-9]+\\.[0-9]{3}ms\nstatus: SERVING\n"));

  ProcessResult down =
      Health({"--backend=memcached://127.0.0.1:1?timeout=100ms"});
  EXPECT_EQ(down.exit_code, kNotServing) << down.err;
  EXPECT_THAT(down.out, HasSubstr("127.0.0.1:1 DOWN "));
  EXPECT_THAT(down.out, HasSubstr("status: NOT_SERVING\n"));
}

TEST(KiviHealth, BackendThatCannotBeOpenedExitsOneOrTwo) {
  EXPECT_EQ(Health({"--backend=nosuch://"}).exit_code, kBadArguments);
  EXPECT_EQ(Health({absl::StrCat("--backend=grpc://", ClosedAddress(),
                                 "?connect_timeout=200ms")})
                .exit_code,
            kConnectionFailure);
}

}  // namespace
}  // namespace kivi::testing
