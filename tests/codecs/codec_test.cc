#include "kivi/codec.h"

#include <cstdint>
#include <string>
#include <type_traits>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "codecs_test.pb.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "kivi/codecs/compressed.h"
#include "kivi/codecs/decimal.h"
#include "kivi/codecs/default_codec.h"
#include "kivi/codecs/json.h"
#include "kivi/codecs/protobuf.h"
#include "kivi/codecs/protobuf_json.h"
#include "kivi/codecs/raw.h"

namespace kivi {
namespace {

using ::kivi::codecs_test::Profile;
using ::testing::HasSubstr;

struct Point {
  int x = 0;
  int y = 0;
};
void to_json(nlohmann::json& j, const Point& p) {
  j = nlohmann::json{{"x", p.x}, {"y", p.y}};
}
void from_json(const nlohmann::json& j, Point& p) {
  j.at("x").get_to(p.x);
  j.at("y").get_to(p.y);
}

struct Opaque {};

// A codec that names itself with an accessor rather than kName.
struct UpperCaseCodec {
  absl::string_view name() const { return "upper"; }
  std::string Encode(const std::string& value) const { return value; }
  absl::StatusOr<std::string> Decode(absl::string_view bytes) const {
    return std::string(bytes);
  }
};

TEST(CodecConcept, AcceptsEveryBuiltinCodec) {
  static_assert(Codec<RawCodec, std::string>);
  static_assert(Codec<DecimalCodec<int64_t>, int64_t>);
  static_assert(Codec<DecimalCodec<uint32_t>, uint32_t>);
  static_assert(Codec<JsonCodec<Point>, Point>);
  static_assert(Codec<ProtobufCodec<Profile>, Profile>);
  static_assert(Codec<ProtobufJsonCodec<Profile>, Profile>);
  static_assert(Codec<Compressed<JsonCodec<Point>>, Point>);
  static_assert(Codec<UpperCaseCodec, std::string>);
}

TEST(CodecConcept, RejectsACodecForAnotherType) {
  static_assert(!Codec<RawCodec, int64_t>);
  static_assert(!Codec<DecimalCodec<int32_t>, int64_t>);
  static_assert(!Codec<int, int>);
}

TEST(CodecName, ReadsKNameOrNameAccessor) {
  EXPECT_EQ(CodecName(RawCodec()), "raw");
  EXPECT_EQ(CodecName(DecimalCodec<int>()), "decimal");
  EXPECT_EQ(CodecName(JsonCodec<Point>()), "json");
  EXPECT_EQ(CodecName(ProtobufCodec<Profile>()), "protobuf");
  EXPECT_EQ(CodecName(ProtobufJsonCodec<Profile>()), "protobuf-json");
  EXPECT_EQ(CodecName(UpperCaseCodec()), "upper");
  EXPECT_EQ(CodecName(Compressed<JsonCodec<Point>>()), "zstd(json)");
}

TEST(DefaultCodec, PicksByTypeInOrderOfPreference) {
  static_assert(std::is_same_v<DefaultCodec<Profile>, ProtobufCodec<Profile>>);
  static_assert(std::is_same_v<DefaultCodec<std::string>, RawCodec>);
  static_assert(std::is_same_v<DefaultCodec<int64_t>, DecimalCodec<int64_t>>);
  static_assert(std::is_same_v<DefaultCodec<uint64_t>, DecimalCodec<uint64_t>>);
  static_assert(std::is_same_v<DefaultCodec<int>, DecimalCodec<int>>);
  static_assert(std::is_same_v<DefaultCodec<Point>, JsonCodec<Point>>);
  static_assert(std::is_same_v<DefaultCodec<bool>, JsonCodec<bool>>);
  static_assert(std::is_same_v<DefaultCodec<double>, JsonCodec<double>>);
  static_assert(std::is_same_v<DefaultCodec<std::vector<std::string>>,
                               JsonCodec<std::vector<std::string>>>);
  static_assert(!JsonSerializable<Opaque>);
}

TEST(RawCodec, RoundTripsAnyBytes) {
  const std::string bytes("\0\xff binary \r\n", 12);
  RawCodec codec;
  EXPECT_EQ(codec.Encode(bytes), bytes);
  absl::StatusOr<std::string> decoded = codec.Decode(bytes);
  ASSERT_TRUE(decoded.ok()) << decoded.status();
  EXPECT_EQ(*decoded, bytes);
}

TEST(RawCodec, RoundTripsEmptyValue) {
  RawCodec codec;
  absl::StatusOr<std::string> decoded = codec.Decode(codec.Encode(""));
  ASSERT_TRUE(decoded.ok()) << decoded.status();
  EXPECT_EQ(*decoded, "");
}

TEST(EncodeWith, WrapsInfallibleEncodeInStatusOr) {
  absl::StatusOr<std::string> bytes = EncodeWith(DecimalCodec<int>(), 7);
  ASSERT_TRUE(bytes.ok());
  EXPECT_EQ(*bytes, "7");
}

TEST(CodecErrors, NameTheCodecAndCarryTheRightCode) {
  absl::Status decode = CodecDecodeError("json", "bad byte");
  EXPECT_TRUE(absl::IsDataLoss(decode));
  EXPECT_EQ(decode.message(), "json codec: bad byte");
  absl::Status encode = CodecEncodeError("json", "invalid UTF-8");
  EXPECT_TRUE(absl::IsInvalidArgument(encode));
  EXPECT_THAT(encode.message(), HasSubstr("json codec: invalid UTF-8"));
}

}  // namespace
}  // namespace kivi
