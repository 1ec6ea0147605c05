#include "src/command_line.h"

#include <vector>

#include "absl/status/status.h"
#include "absl/time/time.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace kivi::cli {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

absl::StatusOr<Invocation> Parse(std::vector<const char*> args) {
  return ParseCommandLine(args);
}

TEST(KiviCommandLine, DefaultsToTheLocalServer) {
  absl::StatusOr<Invocation> invocation = Parse({"get", "k"});
  ASSERT_TRUE(invocation.ok()) << invocation.status();
  EXPECT_EQ(invocation->backend, "grpc://127.0.0.1:7070");
  EXPECT_EQ(invocation->command, "get");
  EXPECT_THAT(invocation->args, ElementsAre("k"));
}

TEST(KiviCommandLine, FlagsTakeEitherFormAnywhereBeforeDoubleDash) {
  absl::StatusOr<Invocation> invocation =
      Parse({"set", "--backend", "memory://", "k", "--ttl=30s", "v"});
  ASSERT_TRUE(invocation.ok()) << invocation.status();
  EXPECT_EQ(invocation->backend, "memory://");
  EXPECT_EQ(invocation->ttl, absl::Seconds(30));
  EXPECT_THAT(invocation->args, ElementsAre("k", "v"));
  EXPECT_FALSE(invocation->value_from_stdin);
}

TEST(KiviCommandLine, DoubleDashEndsFlags) {
  absl::StatusOr<Invocation> invocation = Parse({"set", "--", "k", "--ttl"});
  ASSERT_TRUE(invocation.ok()) << invocation.status();
  EXPECT_THAT(invocation->args, ElementsAre("k", "--ttl"));
}

TEST(KiviCommandLine, SetWithoutValueReadsStdin) {
  absl::StatusOr<Invocation> invocation = Parse({"set", "k"});
  ASSERT_TRUE(invocation.ok()) << invocation.status();
  EXPECT_TRUE(invocation->value_from_stdin);
}

TEST(KiviCommandLine, IncrTakesANegativeDelta) {
  absl::StatusOr<Invocation> invocation = Parse({"incr", "k", "-5"});
  ASSERT_TRUE(invocation.ok()) << invocation.status();
  EXPECT_EQ(invocation->delta, -5);
  EXPECT_EQ(Parse({"incr", "k"})->delta, 1);
}

TEST(KiviCommandLine, HelpWinsOverEverythingElse) {
  EXPECT_TRUE(Parse({"--help"})->help);
  EXPECT_TRUE(Parse({"-h"})->help);
  EXPECT_TRUE(Parse({"help"})->help);
  EXPECT_TRUE(Parse({"get", "--help"})->help);
}

TEST(KiviCommandLine, MisuseIsInvalidArgumentSayingWhy) {
  struct Case {
    std::vector<const char*> args;
    const char* reason;
  };
  const Case cases[] = {
      {{}, "no command"},
      {{"frobnicate"}, "unknown command"},
      {{"get"}, "wrong number of arguments"},
      {{"list", "a", "b"}, "wrong number of arguments"},
      {{"--bogus", "get", "k"}, "unknown flag --bogus"},
      {{"get", "k", "--backend"}, "--backend needs a value"},
      {{"--ttl=soon", "set", "k", "v"}, "--ttl"},
      {{"--ttl=1s", "del", "k"}, "--ttl does not apply to del"},
      {{"incr", "k", "1.5"}, "DELTA"},
  };
  for (const Case& c : cases) {
    absl::StatusOr<Invocation> invocation = Parse(c.args);
    EXPECT_TRUE(absl::IsInvalidArgument(invocation.status())) << c.reason;
    EXPECT_THAT(invocation.status().message(), HasSubstr(c.reason));
  }
}

}  // namespace
}  // namespace kivi::cli
