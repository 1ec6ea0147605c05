#include "src/health_command_line.h"

#include <vector>

#include "absl/status/status.h"
#include "absl/time/time.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace kivi::cli {
namespace {

using ::testing::HasSubstr;

absl::StatusOr<HealthInvocation> Parse(std::vector<const char*> args) {
  return ParseHealthCommandLine(args);
}

TEST(KiviHealthCommandLine, AddrWithDefaults) {
  absl::StatusOr<HealthInvocation> invocation =
      Parse({"--addr=127.0.0.1:7070"});
  ASSERT_TRUE(invocation.ok()) << invocation.status();
  EXPECT_EQ(invocation->addr, "127.0.0.1:7070");
  EXPECT_EQ(invocation->service, "");
  EXPECT_FALSE(invocation->tls.enabled);
  EXPECT_EQ(invocation->connect_timeout, absl::Seconds(1));
  EXPECT_EQ(invocation->rpc_timeout, absl::Seconds(1));
}

TEST(KiviHealthCommandLine, EveryFlagInEitherForm) {
  absl::StatusOr<HealthInvocation> invocation =
      Parse({"--addr", "h:1", "--service=kivi.v1.KeyValue", "--tls", "--tls_ca",
             "ca.pem", "--tls_cert=c.pem", "--tls_key=c.key",
             "--tls_server_name=kivi", "--connect_timeout=250ms",
             "--rpc_timeout", "2s"});
  ASSERT_TRUE(invocation.ok()) << invocation.status();
  EXPECT_EQ(invocation->service, "kivi.v1.KeyValue");
  EXPECT_TRUE(invocation->tls.enabled);
  EXPECT_EQ(invocation->tls.ca_file, "ca.pem");
  EXPECT_EQ(invocation->tls.cert_file, "c.pem");
  EXPECT_EQ(invocation->tls.key_file, "c.key");
  EXPECT_EQ(invocation->tls.server_name, "kivi");
  EXPECT_EQ(invocation->connect_timeout, absl::Milliseconds(250));
  EXPECT_EQ(invocation->rpc_timeout, absl::Seconds(2));
}

TEST(KiviHealthCommandLine, BackendAlone) {
  absl::StatusOr<HealthInvocation> invocation = Parse({"--backend=memory://"});
  ASSERT_TRUE(invocation.ok()) << invocation.status();
  EXPECT_EQ(invocation->backend, "memory://");
}

TEST(KiviHealthCommandLine, HelpNeedsNothingElse) {
  EXPECT_TRUE(Parse({"--help"})->help);
  EXPECT_TRUE(Parse({"-h"})->help);
}

TEST(KiviHealthCommandLine, MisuseIsInvalidArgumentSayingWhy) {
  const struct {
    std::vector<const char*> args;
    const char* why;
  } cases[] = {
      {{}, "exactly one of --addr"},
      {{"--addr=h:1", "--backend=memory://"}, "exactly one of --addr"},
      {{"--backend=memory://", "--service=x"}, "apply to --addr"},
      {{"--backend=memory://", "--tls"}, "apply to --addr"},
      {{"--addr=h:1", "--tls_ca=ca.pem"}, "--tls_ca needs --tls"},
      {{"--addr=h:1", "--tls", "--tls_cert=c.pem"}, "go together"},
      {{"--addr=h:1", "--rpc_timeout=soon"}, "--rpc_timeout"},
      {{"--addr=h:1", "--connect_timeout=0"}, "must be positive"},
      {{"--addr=h:1", "--verbose"}, "unknown argument \"--verbose\""},
      {{"--addr=h:1", "extra"}, "unknown argument \"extra\""},
      {{"--addr"}, "--addr needs a value"},
  };
  for (const auto& c : cases) {
    absl::StatusOr<HealthInvocation> invocation = Parse(c.args);
    EXPECT_EQ(invocation.status().code(), absl::StatusCode::kInvalidArgument)
        << c.why;
    EXPECT_THAT(invocation.status().message(), HasSubstr(c.why));
  }
}

}  // namespace
}  // namespace kivi::cli
