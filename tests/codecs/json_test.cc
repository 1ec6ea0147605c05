#include "kivi/codecs/json.h"

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace kivi {
namespace {

using ::testing::HasSubstr;

struct User {
  std::string name;
  int64_t id = 0;
  std::vector<std::string> roles;

  bool operator==(const User&) const = default;
};
void to_json(nlohmann::json& j, const User& u) {
  j = nlohmann::json{{"name", u.name}, {"id", u.id}, {"roles", u.roles}};
}
void from_json(const nlohmann::json& j, User& u) {
  j.at("name").get_to(u.name);
  j.at("id").get_to(u.id);
  j.at("roles").get_to(u.roles);
}

TEST(JsonCodec, RoundTripsAUserStruct) {
  JsonCodec<User> codec;
  const User alice{.name = "alice", .id = 7, .roles = {"admin", "dev"}};
  absl::StatusOr<std::string> bytes = codec.Encode(alice);
  ASSERT_TRUE(bytes.ok()) << bytes.status();
  EXPECT_EQ(*bytes, R"({"id":7,"name":"alice","roles":["admin","dev"]})");
  absl::StatusOr<User> decoded = codec.Decode(*bytes);
  ASSERT_TRUE(decoded.ok()) << decoded.status();
  EXPECT_EQ(*decoded, alice);
}

TEST(JsonCodec, RoundTripsStandardTypes) {
  JsonCodec<std::map<std::string, double>> codec;
  const std::map<std::string, double> scores = {{"a", 1.5}, {"b", -2}};
  absl::StatusOr<std::string> bytes = codec.Encode(scores);
  ASSERT_TRUE(bytes.ok()) << bytes.status();
  absl::StatusOr<std::map<std::string, double>> decoded = codec.Decode(*bytes);
  ASSERT_TRUE(decoded.ok()) << decoded.status();
  EXPECT_EQ(*decoded, scores);
}

TEST(JsonCodec, SyntaxErrorIsDataLossNamingTheCodec) {
  absl::StatusOr<User> decoded = JsonCodec<User>().Decode("{\"name\":");
  ASSERT_FALSE(decoded.ok());
  EXPECT_TRUE(absl::IsDataLoss(decoded.status())) << decoded.status();
  EXPECT_THAT(decoded.status().message(), HasSubstr("json codec: "));
  EXPECT_THAT(decoded.status().message(), HasSubstr("parse error"));
}

TEST(JsonCodec, WrongShapeIsDataLossNamingTheCodec) {
  absl::StatusOr<User> decoded =
      JsonCodec<User>().Decode(R"({"name":"bob","id":"seven","roles":[]})");
  ASSERT_FALSE(decoded.ok());
  EXPECT_TRUE(absl::IsDataLoss(decoded.status())) << decoded.status();
  EXPECT_THAT(decoded.status().message(),
              HasSubstr("json codec: unexpected shape"));
}

TEST(JsonCodec, MissingFieldIsDataLoss) {
  absl::StatusOr<User> decoded = JsonCodec<User>().Decode(R"({"id":1})");
  ASSERT_FALSE(decoded.ok());
  EXPECT_TRUE(absl::IsDataLoss(decoded.status())) << decoded.status();
}

TEST(JsonCodec, EmptyInputIsDataLoss) {
  absl::StatusOr<User> decoded = JsonCodec<User>().Decode("");
  ASSERT_FALSE(decoded.ok());
  EXPECT_TRUE(absl::IsDataLoss(decoded.status())) << decoded.status();
}

TEST(JsonCodec, InvalidUtf8IsInvalidArgumentOnEncode) {
  absl::StatusOr<std::string> bytes =
      JsonCodec<std::string>().Encode(std::string("bad \xff byte"));
  ASSERT_FALSE(bytes.ok());
  EXPECT_TRUE(absl::IsInvalidArgument(bytes.status())) << bytes.status();
  EXPECT_THAT(bytes.status().message(), HasSubstr("json codec: "));
}

}  // namespace
}  // namespace kivi
