#include "kivi/client.h"

#include <memory>

#include "absl/strings/match.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "recording_backend.h"

namespace kivi {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using testing::RecordingBackend;

struct Fixture {
  explicit Fixture(ClientOptions options = {},
                   Capabilities caps = Capabilities::All()) {
    auto owned = std::make_unique<RecordingBackend>(caps);
    backend = owned.get();
    client = std::make_unique<Client>(std::move(owned), std::move(options));
  }
  RecordingBackend* backend;
  std::unique_ptr<Client> client;
};

TEST(Client, PrefixesTheNamespaceAndStripsItFromList) {
  Fixture f(ClientOptions{.key_namespace = "app:"});
  ASSERT_TRUE(f.client->Set("b", "2").ok());
  ASSERT_TRUE(f.client->Set("a", "1").ok());
  EXPECT_EQ(*f.client->Get("a"), "1");
  EXPECT_THAT(f.backend->calls(),
              ElementsAre("Set app:b", "Set app:a", "Get app:a"));
  EXPECT_THAT(*f.client->List(), ElementsAre("a", "b"));
}

TEST(Client, RejectsBadInputBeforeAnyIo) {
  Fixture f(ClientOptions{.max_value_bytes = 4});
  EXPECT_TRUE(absl::IsInvalidArgument(f.client->Set("a b", "v")));
  EXPECT_TRUE(absl::IsInvalidArgument(f.client->Set("k", "12345")));
  EXPECT_TRUE(absl::IsInvalidArgument(
      f.client->Set("k", "v", {.ttl = absl::Seconds(-1)})));
  EXPECT_TRUE(absl::IsInvalidArgument(f.client->Get("").status()));
  EXPECT_TRUE(absl::IsInvalidArgument(f.client->Delete("\n")));
  EXPECT_TRUE(absl::IsInvalidArgument(f.client->List("a b").status()));
  EXPECT_TRUE(
      absl::IsInvalidArgument(f.client->BatchGet({"ok", "not ok"}).status()));
  EXPECT_TRUE(absl::IsInvalidArgument(
      f.client->BatchSet({{"a", "1"}, {"b", "toolong"}}).status()));
  EXPECT_TRUE(absl::IsInvalidArgument(f.client->Flush(absl::Seconds(-1))));
  EXPECT_TRUE(absl::IsInvalidArgument(f.client->Decrement("k", -1).status()));
  EXPECT_THAT(f.backend->calls(), IsEmpty());
}

TEST(Client, ABatchRefusalNamesTheEntry) {
  Fixture f(ClientOptions{.max_value_bytes = 4});
  EXPECT_THAT(f.client->BatchGet({"a", "b", "not ok"}).status().message(),
              HasSubstr("keys[2]: key"));
  EXPECT_THAT(f.client->BatchDelete({"a", "\n"}).status().message(),
              HasSubstr("keys[1]: key"));
  EXPECT_THAT(f.client->BatchSet({{"a", "1"}, {"b", "2"}, {"c", "toolong"}})
                  .status()
                  .message(),
              HasSubstr("entries[2]: "));
  EXPECT_THAT(f.client->BatchSet({{"a", "1"}, {"b c", "2"}}).status().message(),
              HasSubstr("entries[1]: key"));
  EXPECT_THAT(f.backend->calls(), IsEmpty());
}

// memcached wraps expiry times after 2038, so every operation that carries
// a TTL or delay refuses one over kMaxTtl before reaching the backend.
TEST(Client, RefusesTtlsAndDelaysOverTheLimitBeforeAnyIo) {
  Fixture f;
  const absl::Duration over = kMaxTtl + absl::Seconds(1);
  auto refused = [](const absl::Status& s) {
    return absl::IsInvalidArgument(s) &&
           absl::StrContains(s.message(), "limit of 365 days");
  };
  EXPECT_TRUE(refused(f.client->Set("k", "v", {.ttl = over})));
  EXPECT_TRUE(refused(f.client->Add("k", "v", {.ttl = over})));
  EXPECT_TRUE(refused(f.client->Replace("k", "v", {.ttl = over})));
  EXPECT_TRUE(refused(f.client->CompareAndSet("k", "v", 1, {.ttl = over})));
  EXPECT_TRUE(refused(f.client->Touch("k", over)));
  EXPECT_TRUE(refused(f.client->GetAndTouch("k", over).status()));
  EXPECT_TRUE(refused(f.client->Increment("k", 1, {.ttl = over}).status()));
  EXPECT_TRUE(refused(f.client->Decrement("k", 1, {.ttl = over}).status()));
  EXPECT_TRUE(
      refused(f.client->BatchSet({{"k", "v"}}, {.ttl = over}).status()));
  EXPECT_TRUE(refused(
      f.client
          ->GetOrSet("k", over,
                     []() -> absl::StatusOr<std::string> { return "v"; })
          .status()));
  EXPECT_TRUE(refused(f.client->Flush(over)));
  EXPECT_THAT(f.backend->calls(), IsEmpty());
  ASSERT_TRUE(f.client->Set("k", "v", {.ttl = kMaxTtl}).ok());
  EXPECT_EQ(f.backend->last_ttl(), kMaxTtl);
}

TEST(Client, AppliesTheDefaultTtlOnlyForZero) {
  Fixture f(ClientOptions{.default_ttl = absl::Minutes(5)});
  ASSERT_TRUE(f.client->Set("k", "v").ok());
  EXPECT_EQ(f.backend->last_ttl(), absl::Minutes(5));
  ASSERT_TRUE(f.client->Set("k", "v", {.ttl = absl::Seconds(3)}).ok());
  EXPECT_EQ(f.backend->last_ttl(), absl::Seconds(3));
  ASSERT_TRUE(f.client->Increment("n", 1).ok());
  EXPECT_EQ(f.backend->last_ttl(), absl::Minutes(5));
}

TEST(Client, UndeclaredCapabilitiesAreUnimplementedWithoutIo) {
  Fixture f({}, Capabilities{});
  EXPECT_TRUE(absl::IsUnimplemented(f.client->Add("k", "v")));
  EXPECT_TRUE(absl::IsUnimplemented(f.client->Replace("k", "v")));
  EXPECT_TRUE(absl::IsUnimplemented(f.client->Increment("k").status()));
  EXPECT_TRUE(absl::IsUnimplemented(f.client->GetVersioned("k").status()));
  EXPECT_TRUE(absl::IsUnimplemented(f.client->CompareAndSet("k", "v", 1)));
  EXPECT_TRUE(absl::IsUnimplemented(f.client->Touch("k", absl::Seconds(1))));
  EXPECT_TRUE(absl::IsUnimplemented(f.client->Append("k", "v")));
  EXPECT_TRUE(absl::IsUnimplemented(f.client->Prepend("k", "v")));
  EXPECT_TRUE(absl::IsUnimplemented(f.client->Flush()));
  EXPECT_TRUE(absl::IsUnimplemented(f.client->Stats().status()));
  EXPECT_THAT(f.backend->calls(), IsEmpty());
}

TEST(Client, BatchGetLooksUpDuplicatesOnceAndReportsUserKeys) {
  Fixture f(ClientOptions{.key_namespace = "n:"});
  ASSERT_TRUE(f.client->Set("a", "1").ok());
  absl::StatusOr<BatchGetResult> r = f.client->BatchGet({"a", "b", "a"});
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->found.size(), 1u);
  EXPECT_EQ(r->found.at("a"), "1");
  EXPECT_TRUE(r->failed.empty());
  EXPECT_THAT(f.backend->calls(), ElementsAre("Set n:a", "Get n:a", "Get n:b"));
}

TEST(Client, BatchGetWithoutANamespaceAlsoLooksUpDuplicatesOnce) {
  Fixture f(ClientOptions{});
  ASSERT_TRUE(f.client->Set("a", "1").ok());
  absl::StatusOr<BatchGetResult> r = f.client->BatchGet({"a", "b", "a", "b"});
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->found.size(), 1u);
  EXPECT_EQ(r->found.at("a"), "1");
  EXPECT_THAT(f.backend->calls(), ElementsAre("Set a", "Get a", "Get b"));
}

TEST(Client, BatchSetKeepsTheLastValueOfARepeatedKey) {
  Fixture f;
  absl::StatusOr<BatchWriteResult> w =
      f.client->BatchSet({{"a", "1"}, {"b", "2"}, {"a", "3"}});
  ASSERT_TRUE(w.ok());
  EXPECT_TRUE(w->ok());
  EXPECT_EQ(*f.client->Get("a"), "3");
  EXPECT_EQ(*f.client->Get("b"), "2");
}

TEST(Client, GetOrSetRejectsAnOversizeLoadedValue) {
  Fixture f(ClientOptions{.max_value_bytes = 2});
  absl::StatusOr<std::string> v = f.client->GetOrSet(
      "k", absl::ZeroDuration(),
      []() -> absl::StatusOr<std::string> { return std::string("abc"); });
  EXPECT_TRUE(absl::IsInvalidArgument(v.status()));
  EXPECT_THAT(v.status().message(), HasSubstr("max_value_bytes is 2"));
  EXPECT_TRUE(absl::IsNotFound(f.client->Get("k").status()));
}

}  // namespace
}  // namespace kivi
