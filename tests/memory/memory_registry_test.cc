#include <memory>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "kivi/client.h"
#include "kivi/memory/memory_backend.h"
#include "kivi/registry.h"

namespace kivi::memory_test {
namespace {

using ::testing::HasSubstr;

absl::StatusOr<std::unique_ptr<Client>> OpenMemory(absl::string_view url) {
  BackendRegistry registry;
  absl::Status registered = RegisterMemoryBackend(registry);
  if (!registered.ok()) return registered;
  return registry.Open(url);
}

TEST(MemoryUrl, BareSchemeOpensAnEmptyStore) {
  absl::StatusOr<std::unique_ptr<Client>> kv = OpenMemory("memory://");
  ASSERT_TRUE(kv.ok()) << kv.status();
  ASSERT_TRUE((*kv)->Set("k", "v").ok());
  EXPECT_EQ(*(*kv)->Get("k"), "v");
}

TEST(MemoryUrl, AcceptsItsParameters) {
  absl::StatusOr<std::unique_ptr<Client>> kv = OpenMemory(
      "memory://?max_bytes=64MiB&shards=4&sweep_interval=250ms&namespace=app");
  ASSERT_TRUE(kv.ok()) << kv.status();
  EXPECT_TRUE((*kv)->Set("k", "v").ok());
}

TEST(MemoryUrl, SmallBudgetWithoutAShardCountUsesFewerShards) {
  absl::StatusOr<std::unique_ptr<Client>> kv =
      OpenMemory("memory://?max_bytes=1MiB");
  ASSERT_TRUE(kv.ok()) << kv.status();
  const std::string largest((*kv)->options().max_value_bytes, 'v');
  EXPECT_TRUE((*kv)->Set("k", largest).ok());
  EXPECT_EQ((*kv)->Get("k")->size(), largest.size());
}

TEST(MemoryUrl, SchemeIsRegisteredOnce) {
  BackendRegistry registry;
  ASSERT_TRUE(RegisterMemoryBackend(registry).ok());
  EXPECT_TRUE(absl::IsAlreadyExists(RegisterMemoryBackend(registry)));
}

TEST(MemoryUrl, RefusesBadUrlsNamingTheProblem) {
  struct Case {
    const char* url;
    const char* names;
  };
  const Case cases[] = {
      {"memory://somehost", "somehost"},
      {"memory:///some/path", "some/path"},
      {"memory://?bogus=1", "bogus"},
      {"memory://?shards=0", "shards"},
      {"memory://?shards=many", "shards"},
      {"memory://?max_bytes=lots", "max_bytes"},
      {"memory://?max_bytes=512KiB", "max_bytes"},
      {"memory://?max_bytes=1MiB&shards=16", "max_bytes"},
      {"memory://?sweep_interval=soon", "sweep_interval"},
  };
  for (const Case& c : cases) {
    absl::Status s = OpenMemory(c.url).status();
    EXPECT_TRUE(absl::IsInvalidArgument(s)) << c.url << ": " << s;
    EXPECT_THAT(s.message(), HasSubstr(c.names)) << c.url;
  }
}

TEST(MemoryUrl, AppendIsBoundedByTheClientsMaxValueBytes) {
  absl::StatusOr<std::unique_ptr<Client>> kv =
      OpenMemory("memory://?max_value_bytes=4");
  ASSERT_TRUE(kv.ok()) << kv.status();
  ASSERT_TRUE((*kv)->Set("k", "abc").ok());
  EXPECT_TRUE((*kv)->Append("k", "d").ok());
  EXPECT_TRUE(absl::IsInvalidArgument((*kv)->Append("k", "e")));
  EXPECT_EQ(*(*kv)->Get("k"), "abcd");
}

}  // namespace
}  // namespace kivi::memory_test
