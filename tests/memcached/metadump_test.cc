#include "src/metadump.h"

#include <random>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "src/protocol.h"

namespace kivi::memcached {
namespace {

using ::testing::HasSubstr;

MetadumpLine ParseComplete(absl::string_view in) {
  MetadumpLine line;
  const ParseResult result = ParseMetadumpLine(in, &line);
  EXPECT_EQ(result.state, ParseState::kComplete) << result.error;
  EXPECT_EQ(result.consumed, in.size());
  return line;
}

std::string MalformedError(absl::string_view in) {
  MetadumpLine line;
  const ParseResult result = ParseMetadumpLine(in, &line);
  EXPECT_EQ(result.state, ParseState::kMalformed) << in;
  EXPECT_EQ(result.consumed, 0u);
  return result.error;
}

TEST(ParseMetadumpLine, DecodesAnItemLineOfMemcached1618) {
  // Item lines end in a bare "\n" on memcached 1.6.18.
  const MetadumpLine line = ParseComplete(
      "key=a%25b%3Ax exp=1795262924 la=1795262824 cas=1 fetch=no cls=1 "
      "size=66\n");
  EXPECT_EQ(line.kind, MetadumpLineKind::kItem);
  EXPECT_EQ(line.item.key, "a%b:x");
  EXPECT_EQ(line.item.expires, absl::FromUnixSeconds(1795262924));
}

TEST(ParseMetadumpLine, MinusOneMeansNoExpiry) {
  const MetadumpLine line = ParseComplete(
      "key=plain exp=-1 la=1795262824 cas=2 fetch=no cls=1 size=65\r\n");
  EXPECT_EQ(line.item.key, "plain");
  EXPECT_FALSE(line.item.expires.has_value());
}

TEST(ParseMetadumpLine, UnknownFieldsAreIgnored) {
  const MetadumpLine line = ParseComplete("key=k exp=0 future=%zz flag=yes\n");
  EXPECT_EQ(line.item.key, "k");
  EXPECT_EQ(line.item.expires, absl::UnixEpoch());
}

TEST(ParseMetadumpLine, EndOfDump) {
  const MetadumpLine line = ParseComplete("END\r\n");
  EXPECT_EQ(line.kind, MetadumpLineKind::kEnd);
}

TEST(ParseMetadumpLine, StreamsAWholeDump) {
  const std::string wire =
      "key=a exp=-1 la=1 cas=1 fetch=no cls=1 size=60\n"
      "key=b%20c exp=5 la=1 cas=2 fetch=yes cls=1 size=61\n"
      "END\r\n";
  absl::string_view rest = wire;
  std::vector<std::string> keys;
  for (;;) {
    MetadumpLine line;
    const ParseResult result = ParseMetadumpLine(rest, &line);
    ASSERT_EQ(result.state, ParseState::kComplete) << result.error;
    rest.remove_prefix(result.consumed);
    if (line.kind == MetadumpLineKind::kEnd) break;
    keys.push_back(line.item.key);
  }
  EXPECT_TRUE(rest.empty());
  EXPECT_THAT(keys, ::testing::ElementsAre("a", "b c"));
}

TEST(ParseMetadumpLine, ServerStartedWithMinusXIsDisabled) {
  // What memcached 1.6.18 -X answers.
  const MetadumpLine line = ParseComplete("ERROR metadump not allowed\r\n");
  EXPECT_EQ(line.kind, MetadumpLineKind::kDisabled);
  EXPECT_EQ(line.message, "ERROR metadump not allowed");
}

TEST(ParseMetadumpLine, ServerWithoutCrawlerIsDisabled) {
  // What memcached 1.6.18 -o no_lru_crawler answers.
  EXPECT_EQ(ParseComplete("CLIENT_ERROR lru crawler disabled\r\n").kind,
            MetadumpLineKind::kDisabled);
}

TEST(ParseMetadumpLine, ServerWithoutTheCommandIsDisabled) {
  EXPECT_EQ(ParseComplete("ERROR\r\n").kind, MetadumpLineKind::kDisabled);
}

TEST(ParseMetadumpLine, BusyCrawler) {
  const MetadumpLine line =
      ParseComplete("BUSY currently processing crawler request\r\n");
  EXPECT_EQ(line.kind, MetadumpLineKind::kBusy);
  EXPECT_EQ(line.message, "BUSY currently processing crawler request");
}

TEST(ParseMetadumpLine, OtherErrors) {
  const MetadumpLine line =
      ParseComplete("ERROR cannot pipeline other commands before metadump\r\n");
  EXPECT_EQ(line.kind, MetadumpLineKind::kError);
  EXPECT_EQ(ParseComplete("SERVER_ERROR out of memory\r\n").kind,
            MetadumpLineKind::kError);
  EXPECT_EQ(ParseComplete("CLIENT_ERROR bad command line format\r\n").kind,
            MetadumpLineKind::kError);
}

TEST(ParseMetadumpLine, MalformedLines) {
  EXPECT_THAT(MalformedError("key=a%2 exp=-1\n"), HasSubstr("bad escape"));
  EXPECT_THAT(MalformedError("key=a%zz exp=-1\n"), HasSubstr("bad escape"));
  EXPECT_THAT(MalformedError("key= exp=-1\n"), HasSubstr("empty"));
  EXPECT_THAT(MalformedError("key=a\n"), HasSubstr("without key= and exp="));
  EXPECT_THAT(MalformedError("key=a la=5\n"), HasSubstr("without key="));
  EXPECT_THAT(MalformedError("key=a exp=-2\n"), HasSubstr("exp"));
  EXPECT_THAT(MalformedError("key=a exp=soon\n"), HasSubstr("exp"));
  EXPECT_THAT(MalformedError("key=a exp=-1 junk\n"), HasSubstr("no '='"));
  EXPECT_THAT(MalformedError("ENDING\r\n"), HasSubstr("unexpected"));
  EXPECT_THAT(MalformedError("OK\r\n"), HasSubstr("unexpected"));
  EXPECT_THAT(MalformedError("key=a\x01 exp=-1\n"), HasSubstr("control"));
  EXPECT_THAT(MalformedError("key=" + std::string(kMaxLineBytes, 'k') + "\n"),
              HasSubstr("longer than"));
}

TEST(ParseMetadumpLine, EveryTruncationIsIncomplete) {
  const std::string full =
      "key=a%20b exp=-1 la=1 cas=1 fetch=no cls=1 size=9\n";
  for (size_t n = 0; n < full.size(); ++n) {
    MetadumpLine line;
    EXPECT_EQ(
        ParseMetadumpLine(absl::string_view(full).substr(0, n), &line).state,
        ParseState::kIncomplete)
        << n;
  }
}

TEST(ParseMetadumpLine, ArbitraryBytesNeverCrash) {
  std::mt19937 rng(11211);
  const std::string alphabet = "key=exp-1%0aF ENDROB\r\n";
  for (int round = 0; round < 20000; ++round) {
    std::string input(rng() % 40, '\0');
    for (char& c : input) c = alphabet[rng() % alphabet.size()];
    MetadumpLine line;
    const ParseResult result = ParseMetadumpLine(input, &line);
    if (result.state == ParseState::kComplete) {
      ASSERT_GT(result.consumed, 0u);
      ASSERT_LE(result.consumed, input.size());
    } else {
      ASSERT_EQ(result.consumed, 0u);
    }
  }
}

TEST(UrlDecodeKey, DecodesEscapesOfAnyCase) {
  EXPECT_EQ(*UrlDecodeKey("a%2Fb%2fc"), "a/b/c");
  EXPECT_EQ(*UrlDecodeKey("%00%FF"), std::string("\0\xff", 2));
  EXPECT_EQ(*UrlDecodeKey("plain+text"), "plain+text");
  EXPECT_EQ(*UrlDecodeKey(""), "");
}

TEST(UrlDecodeKey, RejectsBadEscapes) {
  for (absl::string_view bad : {"%", "%4", "a%g0", "%0g", "ab%"}) {
    const absl::StatusOr<std::string> decoded = UrlDecodeKey(bad);
    EXPECT_EQ(decoded.status().code(), absl::StatusCode::kInvalidArgument)
        << bad;
    EXPECT_THAT(decoded.status().message(), HasSubstr("two hex digits"));
  }
}

}  // namespace
}  // namespace kivi::memcached
