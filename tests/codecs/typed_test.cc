#include "kivi/typed.h"

#include <cstdint>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "codecs_test.pb.h"
#include "fake_backend.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "kivi/client.h"
#include "kivi/codecs/compressed.h"
#include "kivi/codecs/json.h"
#include "kivi/codecs/protobuf_json.h"

namespace kivi {
namespace {

using ::kivi::codecs_test::FakeBackend;
using ::kivi::codecs_test::Profile;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::Key;
using ::testing::UnorderedElementsAre;

struct User {
  std::string name;
  int64_t id = 0;

  bool operator==(const User&) const = default;
};
void to_json(nlohmann::json& j, const User& u) {
  j = nlohmann::json{{"name", u.name}, {"id", u.id}};
}
void from_json(const nlohmann::json& j, User& u) {
  j.at("name").get_to(u.name);
  j.at("id").get_to(u.id);
}

const User kAlice{.name = "alice", .id = 1};
const User kBob{.name = "bob", .id = 2};

// A codec whose errors do not name it; Typed must add the name.
struct ShoutCodec {
  absl::string_view name() const { return "shout"; }
  std::string Encode(const std::string& value) const { return value + "!"; }
  absl::StatusOr<std::string> Decode(absl::string_view bytes) const {
    if (bytes.empty() || bytes.back() != '!') {
      return absl::InvalidArgumentError("missing '!'");
    }
    return std::string(bytes.substr(0, bytes.size() - 1));
  }
};

class TypedTest : public ::testing::Test {
 protected:
  Client kv_{std::make_unique<FakeBackend>(), ClientOptions{}};
};

TEST_F(TypedTest, SetThenGetRoundTripsAStruct) {
  Typed<User> users(kv_);
  ASSERT_TRUE(users.Set("user:1", kAlice).ok());
  absl::StatusOr<User> got = users.Get("user:1");
  ASSERT_TRUE(got.ok()) << got.status();
  EXPECT_EQ(*got, kAlice);
}

TEST_F(TypedTest, StoresTheCodecsBytes) {
  Typed<User> users(kv_);
  ASSERT_TRUE(users.Set("user:1", kAlice).ok());
  EXPECT_EQ(kv_.Get("user:1").value_or(""), R"({"id":1,"name":"alice"})");
}

TEST_F(TypedTest, MissIsNotFound) {
  absl::StatusOr<User> got = Typed<User>(kv_).Get("user:404");
  EXPECT_TRUE(absl::IsNotFound(got.status())) << got.status();
}

TEST_F(TypedTest, GarbageIsDataLossNamingKeyAndCodec) {
  ASSERT_TRUE(kv_.Set("user:1", "not json").ok());
  absl::StatusOr<User> got = Typed<User>(kv_).Get("user:1");
  ASSERT_FALSE(got.ok());
  EXPECT_TRUE(absl::IsDataLoss(got.status())) << got.status();
  EXPECT_THAT(got.status().message(), HasSubstr("\"user:1\""));
  EXPECT_THAT(got.status().message(), HasSubstr("json codec: "));
}

TEST_F(TypedTest, NamesACodecWhoseErrorsDoNot) {
  Typed<std::string, ShoutCodec> shouts(kv_);
  ASSERT_TRUE(shouts.Set("s", "hey").ok());
  EXPECT_EQ(kv_.Get("s").value_or(""), "hey!");
  EXPECT_EQ(shouts.Get("s").value_or(""), "hey");

  ASSERT_TRUE(kv_.Set("s", "quiet").ok());
  absl::StatusOr<std::string> got = shouts.Get("s");
  EXPECT_TRUE(absl::IsDataLoss(got.status())) << got.status();
  EXPECT_THAT(got.status().message(), HasSubstr("\"s\""));
  EXPECT_THAT(got.status().message(), HasSubstr("shout codec: missing '!'"));
}

TEST_F(TypedTest, UnencodableValueFailsBeforeStoringAndNamesTheKey) {
  Typed<std::vector<std::string>> lists(kv_);
  absl::Status set = lists.Set("list", {std::string("bad \xff")});
  EXPECT_TRUE(absl::IsInvalidArgument(set)) << set;
  EXPECT_THAT(set.message(), HasSubstr("\"list\""));
  EXPECT_THAT(set.message(), HasSubstr("json codec: "));
  EXPECT_TRUE(absl::IsNotFound(kv_.Get("list").status()));
}

TEST_F(TypedTest, StringsAreStoredRaw) {
  Typed<std::string> strings(kv_);
  ASSERT_TRUE(strings.Set("k", std::string("\0bytes", 6)).ok());
  EXPECT_EQ(kv_.Get("k").value_or(""), std::string("\0bytes", 6));
}

TEST_F(TypedTest, ProtobufMessagesAreStoredBinary) {
  Profile profile;
  profile.set_name("alice");
  profile.set_id(9);
  Typed<Profile> profiles(kv_);
  ASSERT_TRUE(profiles.Set("p", profile).ok());
  EXPECT_EQ(kv_.Get("p").value_or(""), profile.SerializeAsString());
  absl::StatusOr<Profile> got = profiles.Get("p");
  ASSERT_TRUE(got.ok()) << got.status();
  EXPECT_EQ(got->name(), "alice");
  EXPECT_EQ(got->id(), 9);
}

TEST_F(TypedTest, AnExplicitCodecIsUsed) {
  Profile profile;
  profile.set_name("alice");
  Typed<Profile, ProtobufJsonCodec<Profile>> profiles(kv_);
  ASSERT_TRUE(profiles.Set("p", profile).ok());
  EXPECT_EQ(kv_.Get("p").value_or(""), R"({"name":"alice"})");
  EXPECT_EQ(profiles.Get("p").value_or(Profile()).name(), "alice");
}

TEST_F(TypedTest, ACodecInstanceCanBeGiven) {
  using Codec = Compressed<JsonCodec<User>>;
  Typed<User, Codec> users(kv_, Codec({.threshold = 1 << 20}));
  ASSERT_TRUE(users.Set("user:1", kAlice).ok());
  EXPECT_EQ(kv_.Get("user:1").value_or(""),
            std::string(1, '\0') + R"({"id":1,"name":"alice"})");
  EXPECT_EQ(users.Get("user:1").value_or(User()), kAlice);
}

TEST_F(TypedTest, CompressedValuesAreStoredSmaller) {
  const User big{.name = std::string(100000, 'a'), .id = 3};
  Typed<User, Compressed<JsonCodec<User>>> users(kv_);
  ASSERT_TRUE(users.Set("big", big).ok());
  EXPECT_LT(kv_.Get("big").value_or("").size(), 1000u);
  EXPECT_EQ(users.Get("big").value_or(User()), big);
}

TEST_F(TypedTest, Int64ReadsWhatIncrementWrote) {
  ASSERT_EQ(kv_.Increment("n", 5, {.initial = 5}).value_or(0), 5u);
  absl::StatusOr<int64_t> n = Typed<int64_t>(kv_).Get("n");
  ASSERT_TRUE(n.ok()) << n.status();
  EXPECT_EQ(*n, 5);
  ASSERT_EQ(kv_.Increment("n", 5).value_or(0), 10u);
  EXPECT_EQ(Typed<int64_t>(kv_).Get("n").value_or(0), 10);
}

TEST_F(TypedTest, IncrementReadsWhatUint64Wrote) {
  Typed<uint64_t> counters(kv_);
  ASSERT_TRUE(counters.Set("hits", 41).ok());
  EXPECT_EQ(kv_.Get("hits").value_or(""), "41");
  absl::StatusOr<uint64_t> next = kv_.Increment("hits", 1);
  ASSERT_TRUE(next.ok()) << next.status();
  EXPECT_EQ(*next, 42u);
  EXPECT_EQ(counters.Get("hits").value_or(0), 42u);
}

TEST_F(TypedTest, GetOrSetCallsTheLoaderOnAMissOnly) {
  Typed<User> users(kv_);
  int calls = 0;
  auto load = [&]() -> absl::StatusOr<User> {
    ++calls;
    return kAlice;
  };
  absl::StatusOr<User> first = users.GetOrSet("user:1", absl::Minutes(5), load);
  ASSERT_TRUE(first.ok()) << first.status();
  EXPECT_EQ(*first, kAlice);
  EXPECT_EQ(calls, 1);
  EXPECT_EQ(users.Get("user:1").value_or(User()), kAlice);

  absl::StatusOr<User> second =
      users.GetOrSet("user:1", absl::Minutes(5), load);
  ASSERT_TRUE(second.ok()) << second.status();
  EXPECT_EQ(*second, kAlice);
  EXPECT_EQ(calls, 1);
}

TEST_F(TypedTest, GetOrSetReturnsALoaderErrorAndStoresNothing) {
  Typed<User> users(kv_);
  absl::StatusOr<User> got = users.GetOrSet(
      "user:1", absl::ZeroDuration(),
      []() -> absl::StatusOr<User> { return absl::UnavailableError("db"); });
  EXPECT_TRUE(absl::IsUnavailable(got.status())) << got.status();
  EXPECT_TRUE(absl::IsNotFound(kv_.Get("user:1").status()));
}

TEST_F(TypedTest, GetOrSetDoesNotStoreAnUnencodableValue) {
  Typed<std::vector<std::string>> lists(kv_);
  absl::StatusOr<std::vector<std::string>> got =
      lists.GetOrSet("list", absl::ZeroDuration(),
                     []() -> absl::StatusOr<std::vector<std::string>> {
                       return std::vector<std::string>{"bad \xff"};
                     });
  EXPECT_TRUE(absl::IsInvalidArgument(got.status())) << got.status();
  EXPECT_TRUE(absl::IsNotFound(kv_.Get("list").status()));
}

TEST_F(TypedTest, GetOrSetReportsACorruptHitWithoutLoading) {
  ASSERT_TRUE(kv_.Set("user:1", "{").ok());
  bool called = false;
  absl::StatusOr<User> got =
      Typed<User>(kv_).GetOrSet("user:1", absl::ZeroDuration(), [&] {
        called = true;
        return absl::StatusOr<User>(kAlice);
      });
  EXPECT_TRUE(absl::IsDataLoss(got.status())) << got.status();
  EXPECT_FALSE(called);
}

TEST_F(TypedTest, BatchGetSplitsHitsMissesAndUndecodableValues) {
  Typed<User> users(kv_);
  ASSERT_TRUE(users.Set("a", kAlice).ok());
  ASSERT_TRUE(users.Set("b", kBob).ok());
  ASSERT_TRUE(kv_.Set("corrupt", "{\"name\":").ok());
  absl::StatusOr<TypedBatchGetResult<User>> got =
      users.BatchGet({"a", "b", "corrupt", "missing"});
  ASSERT_TRUE(got.ok()) << got.status();
  EXPECT_THAT(got->found, UnorderedElementsAre(std::pair("a", kAlice),
                                               std::pair("b", kBob)));
  EXPECT_THAT(got->failed, UnorderedElementsAre(Key("corrupt")));
  const absl::Status& corrupt = got->failed.at("corrupt");
  EXPECT_TRUE(absl::IsDataLoss(corrupt)) << corrupt;
  EXPECT_THAT(corrupt.message(), HasSubstr("\"corrupt\""));
  EXPECT_THAT(corrupt.message(), HasSubstr("json codec: "));
}

TEST_F(TypedTest, BatchSetStoresEveryPair) {
  Typed<User> users(kv_);
  absl::StatusOr<BatchWriteResult> written =
      users.BatchSet({{"a", kAlice}, {"b", kBob}});
  ASSERT_TRUE(written.ok()) << written.status();
  EXPECT_THAT(written->failed, IsEmpty());
  EXPECT_EQ(users.Get("a").value_or(User()), kAlice);
  EXPECT_EQ(users.Get("b").value_or(User()), kBob);
}

TEST_F(TypedTest, BatchSetWithAnUnencodableValueStoresNothing) {
  Typed<std::vector<std::string>> lists(kv_);
  absl::StatusOr<BatchWriteResult> written =
      lists.BatchSet({{"good", {"x"}}, {"bad", {"\xff"}}});
  EXPECT_TRUE(absl::IsInvalidArgument(written.status())) << written.status();
  EXPECT_THAT(written.status().message(), HasSubstr("\"bad\""));
  EXPECT_TRUE(absl::IsNotFound(kv_.Get("good").status()));
}

TEST_F(TypedTest, AddAndReplaceKeepTheirConditions) {
  Typed<User> users(kv_);
  EXPECT_TRUE(absl::IsNotFound(users.Replace("u", kBob)));
  ASSERT_TRUE(users.Add("u", kAlice).ok());
  EXPECT_TRUE(absl::IsAlreadyExists(users.Add("u", kBob)));
  ASSERT_TRUE(users.Replace("u", kBob).ok());
  EXPECT_EQ(users.Get("u").value_or(User()), kBob);
}

TEST_F(TypedTest, CompareAndSetUsesTheVersionFromGetVersioned) {
  Typed<User> users(kv_);
  ASSERT_TRUE(users.Set("u", kAlice).ok());
  absl::StatusOr<TypedVersionedValue<User>> seen = users.GetVersioned("u");
  ASSERT_TRUE(seen.ok()) << seen.status();
  EXPECT_EQ(seen->value, kAlice);

  ASSERT_TRUE(users.CompareAndSet("u", kBob, seen->version).ok());
  EXPECT_EQ(users.Get("u").value_or(User()), kBob);
  absl::Status stale = users.CompareAndSet("u", kAlice, seen->version);
  EXPECT_TRUE(absl::IsAborted(stale)) << stale;
  EXPECT_EQ(users.Get("u").value_or(User()), kBob);
}

TEST_F(TypedTest, GetVersionedOfGarbageIsDataLoss) {
  ASSERT_TRUE(kv_.Set("u", "garbage").ok());
  absl::StatusOr<TypedVersionedValue<User>> seen =
      Typed<User>(kv_).GetVersioned("u");
  EXPECT_TRUE(absl::IsDataLoss(seen.status())) << seen.status();
  EXPECT_THAT(seen.status().message(), HasSubstr("\"u\""));
}

TEST_F(TypedTest, DeleteRemovesTheKey) {
  Typed<User> users(kv_);
  ASSERT_TRUE(users.Set("u", kAlice).ok());
  ASSERT_TRUE(users.Delete("u").ok());
  EXPECT_TRUE(absl::IsNotFound(users.Get("u").status()));
}

}  // namespace
}  // namespace kivi
