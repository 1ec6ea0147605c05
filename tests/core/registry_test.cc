#include "kivi/registry.h"

#include <memory>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "recording_backend.h"

namespace kivi {
namespace {

using ::testing::HasSubstr;
using testing::RecordingBackend;

BackendRegistry RegistryWithRecording() {
  BackendRegistry registry;
  absl::Status s = registry.Register(
      "rec",
      [](const BackendUrl& url, const ClientOptions&,
         ParamReader& params) -> absl::StatusOr<std::unique_ptr<Backend>> {
        int64_t size = 0;
        params.Int("size", &size, 0);
        if (absl::Status s = params.Finish(); !s.ok()) return s;
        return std::make_unique<RecordingBackend>();
      });
  EXPECT_TRUE(s.ok());
  return registry;
}

TEST(BackendRegistry, OpensARegisteredScheme) {
  BackendRegistry registry = RegistryWithRecording();
  absl::StatusOr<std::unique_ptr<Client>> client =
      registry.Open("rec://?size=3&namespace=app:&default_ttl=1m");
  ASSERT_TRUE(client.ok()) << client.status();
  EXPECT_EQ((*client)->options().key_namespace, "app:");
  EXPECT_EQ((*client)->options().default_ttl, absl::Minutes(1));
}

TEST(BackendRegistry, RejectsDuplicateRegistration) {
  BackendRegistry registry = RegistryWithRecording();
  EXPECT_TRUE(absl::IsAlreadyExists(registry.Register("rec", nullptr)));
}

TEST(BackendRegistry, UnknownSchemeListsTheKnownOnes) {
  BackendRegistry registry = RegistryWithRecording();
  absl::Status s = registry.Open("redis://h").status();
  EXPECT_TRUE(absl::IsInvalidArgument(s));
  EXPECT_THAT(s.message(), HasSubstr("unknown backend scheme \"redis://\""));
  EXPECT_THAT(s.message(), HasSubstr("rec://"));
}

TEST(BackendRegistry, UnknownAndMalformedParametersAreNamed) {
  BackendRegistry registry = RegistryWithRecording();
  EXPECT_THAT(registry.Open("rec://?colour=red").status().message(),
              HasSubstr("\"colour\""));
  EXPECT_THAT(registry.Open("rec://?default_ttl=soon").status().message(),
              HasSubstr("\"default_ttl\""));
  EXPECT_THAT(registry.Open("rec://?max_value_bytes=lots").status().message(),
              HasSubstr("\"max_value_bytes\""));
  EXPECT_THAT(registry.Open("rec://?size=-1").status().message(),
              HasSubstr("\"size\""));
}

TEST(BackendRegistry, ReadsTheAsyncExecutorsBounds) {
  BackendRegistry registry = RegistryWithRecording();
  absl::StatusOr<std::unique_ptr<Client>> client =
      registry.Open("rec://?async_threads=2&async_queue=64");
  ASSERT_TRUE(client.ok()) << client.status();
  EXPECT_EQ((*client)->options().executor.threads, 2);
  EXPECT_EQ((*client)->options().executor.max_queued, 64u);
  absl::Status zero = registry.Open("rec://?async_threads=0").status();
  EXPECT_TRUE(absl::IsInvalidArgument(zero));
  EXPECT_THAT(zero.message(), HasSubstr("\"async_threads\""));
  EXPECT_THAT(registry.Open("rec://?async_queue=0").status().message(),
              HasSubstr("\"async_queue\""));
}

TEST(BackendRegistry, DefaultTtlObeysTheTtlLimit) {
  BackendRegistry registry = RegistryWithRecording();
  absl::Status s = registry.Open("rec://?default_ttl=8761h").status();
  EXPECT_TRUE(absl::IsInvalidArgument(s));
  EXPECT_THAT(s.message(), HasSubstr("\"default_ttl\""));
  EXPECT_THAT(s.message(), HasSubstr("365 days"));
  EXPECT_TRUE(registry.Open("rec://?default_ttl=8760h").ok());
}

TEST(BackendRegistry, NamespaceMustObeyKeyRules) {
  BackendRegistry registry = RegistryWithRecording();
  absl::Status s = registry.Open("rec://?namespace=a%20b").status();
  EXPECT_TRUE(absl::IsInvalidArgument(s));
  EXPECT_THAT(s.message(), HasSubstr("namespace"));
  EXPECT_TRUE(absl::IsInvalidArgument(
      registry.Open("rec://?namespace=" + std::string(250, 'n')).status()));
}

}  // namespace
}  // namespace kivi
