#include "kivi/codecs/protobuf.h"

#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "codecs_test.pb.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "kivi/codecs/protobuf_json.h"

namespace kivi {
namespace {

using ::kivi::codecs_test::Profile;
using ::kivi::codecs_test::ProfileV2;
using ::testing::HasSubstr;

Profile Alice() {
  Profile p;
  p.set_name("alice");
  p.set_id(42);
  p.add_tags("admin");
  p.add_tags("dev");
  return p;
}

MATCHER_P(EqualsProto, expected, "") {
  return arg.SerializeAsString() == expected.SerializeAsString();
}

TEST(ProtobufCodec, RoundTripsAMessage) {
  ProtobufCodec<Profile> codec;
  absl::StatusOr<std::string> bytes = codec.Encode(Alice());
  ASSERT_TRUE(bytes.ok()) << bytes.status();
  EXPECT_EQ(*bytes, Alice().SerializeAsString());
  absl::StatusOr<Profile> decoded = codec.Decode(*bytes);
  ASSERT_TRUE(decoded.ok()) << decoded.status();
  EXPECT_THAT(*decoded, EqualsProto(Alice()));
}

TEST(ProtobufCodec, EmptyBytesAreTheDefaultMessage) {
  absl::StatusOr<Profile> decoded = ProtobufCodec<Profile>().Decode("");
  ASSERT_TRUE(decoded.ok()) << decoded.status();
  EXPECT_THAT(*decoded, EqualsProto(Profile()));
}

TEST(ProtobufCodec, CorruptBytesAreDataLossNamingCodecAndType) {
  // Field 1, length-delimited, claims 100 bytes but none follow.
  absl::StatusOr<Profile> decoded =
      ProtobufCodec<Profile>().Decode(std::string("\x0a\x64", 2));
  ASSERT_FALSE(decoded.ok());
  EXPECT_TRUE(absl::IsDataLoss(decoded.status())) << decoded.status();
  EXPECT_THAT(decoded.status().message(), HasSubstr("protobuf codec: "));
  EXPECT_THAT(decoded.status().message(),
              HasSubstr("kivi.codecs_test.Profile"));
}

TEST(ProtobufCodec, ReadsANewerWriterKeepingUnknownFields) {
  ProfileV2 newer;
  newer.set_name("alice");
  newer.set_email("a@example.com");
  absl::StatusOr<Profile> older =
      ProtobufCodec<Profile>().Decode(newer.SerializeAsString());
  ASSERT_TRUE(older.ok()) << older.status();
  EXPECT_EQ(older->name(), "alice");
  absl::StatusOr<std::string> rewritten =
      ProtobufCodec<Profile>().Encode(*older);
  ASSERT_TRUE(rewritten.ok()) << rewritten.status();
  absl::StatusOr<ProfileV2> back =
      ProtobufCodec<ProfileV2>().Decode(*rewritten);
  ASSERT_TRUE(back.ok()) << back.status();
  EXPECT_EQ(back->email(), "a@example.com");
}

TEST(ProtobufJsonCodec, RoundTripsAMessageAsJson) {
  ProtobufJsonCodec<Profile> codec;
  absl::StatusOr<std::string> json = codec.Encode(Alice());
  ASSERT_TRUE(json.ok()) << json.status();
  EXPECT_EQ(*json, R"({"name":"alice","id":"42","tags":["admin","dev"]})");
  absl::StatusOr<Profile> decoded = codec.Decode(*json);
  ASSERT_TRUE(decoded.ok()) << decoded.status();
  EXPECT_THAT(*decoded, EqualsProto(Alice()));
}

TEST(ProtobufJsonCodec, IgnoresUnknownFieldsByDefault) {
  absl::StatusOr<Profile> decoded = ProtobufJsonCodec<Profile>().Decode(
      R"({"name":"alice","email":"a@example.com"})");
  ASSERT_TRUE(decoded.ok()) << decoded.status();
  EXPECT_EQ(decoded->name(), "alice");
}

TEST(ProtobufJsonCodec, StrictParseOptionsRejectUnknownFields) {
  google::protobuf::util::JsonParseOptions strict;
  strict.ignore_unknown_fields = false;
  ProtobufJsonCodec<Profile> codec({}, strict);
  absl::StatusOr<Profile> decoded =
      codec.Decode(R"({"name":"alice","email":"a@example.com"})");
  ASSERT_FALSE(decoded.ok());
  EXPECT_TRUE(absl::IsDataLoss(decoded.status())) << decoded.status();
}

TEST(ProtobufJsonCodec, HonoursPrintOptions) {
  google::protobuf::util::JsonPrintOptions print;
  print.preserve_proto_field_names = true;
  print.always_print_primitive_fields = true;
  absl::StatusOr<std::string> json =
      ProtobufJsonCodec<Profile>(print).Encode(Profile());
  ASSERT_TRUE(json.ok()) << json.status();
  EXPECT_EQ(*json, R"({"name":"","id":"0","tags":[]})");
}

TEST(ProtobufJsonCodec, NotJsonIsDataLossNamingCodecAndType) {
  absl::StatusOr<Profile> decoded = ProtobufJsonCodec<Profile>().Decode(
      "\x0a\x05"
      "alice");
  ASSERT_FALSE(decoded.ok());
  EXPECT_TRUE(absl::IsDataLoss(decoded.status())) << decoded.status();
  EXPECT_THAT(decoded.status().message(), HasSubstr("protobuf-json codec: "));
  EXPECT_THAT(decoded.status().message(),
              HasSubstr("kivi.codecs_test.Profile"));
}

TEST(ProtobufJsonCodec, WrongFieldTypeIsDataLoss) {
  absl::StatusOr<Profile> decoded =
      ProtobufJsonCodec<Profile>().Decode(R"({"id":"not a number"})");
  ASSERT_FALSE(decoded.ok());
  EXPECT_TRUE(absl::IsDataLoss(decoded.status())) << decoded.status();
}

}  // namespace
}  // namespace kivi
