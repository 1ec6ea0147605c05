#include "kivi/codecs/json.h"

#include <cstdint>
#include <map>
#include <stdexcept>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
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

// Numbers of every width, for the checks that a stored number fits the
// field it is read into.
struct Counters {
  int64_t wide = 0;
  uint32_t unsigned_small = 0;
  int16_t narrow = 0;
  double real = 0;
  float single = 0;
  std::vector<int> list;

  bool operator==(const Counters&) const = default;
};
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE(Counters, wide, unsigned_small, narrow, real,
                                   single, list)

absl::StatusOr<Counters> DecodeCounters(absl::string_view wide,
                                        absl::string_view unsigned_small,
                                        absl::string_view narrow,
                                        absl::string_view list = "1,2") {
  return JsonCodec<Counters>().Decode(
      absl::StrCat(R"({"wide":)", wide, R"(,"unsigned_small":)", unsigned_small,
                   R"(,"narrow":)", narrow,
                   R"(,"real":1e300,"single":0.1,"list":[)", list, "]}"));
}

void ExpectDoesNotFit(const absl::StatusOr<Counters>& decoded,
                      absl::string_view place) {
  ASSERT_FALSE(decoded.ok());
  EXPECT_TRUE(absl::IsDataLoss(decoded.status())) << decoded.status();
  EXPECT_THAT(decoded.status().message(),
              HasSubstr(absl::StrCat(" at ", place, " does not fit")));
}

TEST(JsonCodec, NumbersThatFitTheirFieldsDecode) {
  absl::StatusOr<Counters> decoded = DecodeCounters("-5", "7", "-300", "3.0");
  ASSERT_TRUE(decoded.ok()) << decoded.status();
  EXPECT_EQ(decoded->wide, -5);
  EXPECT_EQ(decoded->unsigned_small, 7u);
  EXPECT_EQ(decoded->narrow, -300);
  EXPECT_EQ(decoded->real, 1e300);
  EXPECT_EQ(decoded->single, 0.1f);
  EXPECT_EQ(decoded->list, std::vector<int>{3});
}

// Found by codec_decode_fuzzer under UBSan: nlohmann casts a float to an
// integer field unchecked, undefined behaviour when it is out of range.
TEST(JsonCodec, FloatBeyondAnIntegerFieldIsDataLoss) {
  ExpectDoesNotFit(DecodeCounters("1e300", "7", "1"), "/wide");
  ExpectDoesNotFit(DecodeCounters("1", "7", "1", "1,-3e10"), "/list/1");
}

// Found by codec_decode_fuzzer: when the document was refused for another
// reason (a misspelt field), the float was still converted first.
TEST(JsonCodec, FloatBeyondAnIntegerFieldInAMalformedDocumentIsDataLoss) {
  absl::StatusOr<Counters> decoded = JsonCodec<Counters>().Decode(
      R"({"wide":1e300,"unsigned_small":1,"narrow":1,"reel":1.5,)"
      R"("single":0.1,"list":[]})");
  ASSERT_FALSE(decoded.ok());
  EXPECT_TRUE(absl::IsDataLoss(decoded.status())) << decoded.status();
}

// A from_json that checks its values sees floats of the stored sign while
// the codec finds out which fields are integers.
struct Positive {
  double scale = 1;
  bool operator==(const Positive&) const = default;
};
void to_json(nlohmann::json& j, const Positive& p) { j = {{"scale", p.scale}}; }
void from_json(const nlohmann::json& j, Positive& p) {
  j.at("scale").get_to(p.scale);
  if (p.scale <= 0) throw std::invalid_argument("scale must be positive");
}

TEST(JsonCodec, ValueCheckingFromJsonStillDecodes) {
  absl::StatusOr<Positive> decoded =
      JsonCodec<Positive>().Decode(R"({"scale":2500.5})");
  ASSERT_TRUE(decoded.ok()) << decoded.status();
  EXPECT_EQ(decoded->scale, 2500.5);
}

TEST(JsonCodec, FractionForAnIntegerFieldIsDataLoss) {
  ExpectDoesNotFit(DecodeCounters("2.5", "7", "1"), "/wide");
}

TEST(JsonCodec, NegativeNumberForAnUnsignedFieldIsDataLoss) {
  ExpectDoesNotFit(DecodeCounters("1", "-7", "1"), "/unsigned_small");
}

TEST(JsonCodec, NumberWiderThanItsFieldIsDataLoss) {
  ExpectDoesNotFit(DecodeCounters("1", "7", "70000"), "/narrow");
  ExpectDoesNotFit(DecodeCounters("1", "4294967296", "1"), "/unsigned_small");
  ExpectDoesNotFit(DecodeCounters("18446744073709551615", "7", "1"), "/wide");
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
