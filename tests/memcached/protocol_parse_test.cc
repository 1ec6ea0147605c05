#include <cstddef>
#include <random>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "src/protocol.h"

namespace kivi::memcached {
namespace {

using ::testing::HasSubstr;

constexpr size_t kMaxValue = 1024 * 1024;

MetaReply ParseCompleteMeta(absl::string_view in) {
  MetaReply reply;
  const ParseResult result = ParseMetaReply(in, kMaxValue, &reply);
  EXPECT_EQ(result.state, ParseState::kComplete) << result.error;
  EXPECT_EQ(result.consumed, in.size());
  return reply;
}

std::string MalformedMetaError(absl::string_view in,
                               size_t max_value = kMaxValue) {
  MetaReply reply;
  const ParseResult result = ParseMetaReply(in, max_value, &reply);
  EXPECT_EQ(result.state, ParseState::kMalformed) << "input: " << in;
  EXPECT_EQ(result.consumed, 0u);
  return result.error;
}

TEST(ParseMetaReply, EveryStatusCode) {
  const struct {
    absl::string_view wire;
    ReplyCode code;
  } cases[] = {
      {"HD\r\n", ReplyCode::kHD}, {"EN\r\n", ReplyCode::kEN},
      {"NF\r\n", ReplyCode::kNF}, {"NS\r\n", ReplyCode::kNS},
      {"EX\r\n", ReplyCode::kEX}, {"MN\r\n", ReplyCode::kMN},
  };
  for (const auto& c : cases) {
    const MetaReply reply = ParseCompleteMeta(c.wire);
    EXPECT_EQ(reply.code, c.code) << c.wire;
    EXPECT_EQ(ReplyCodeName(reply.code), c.wire.substr(0, 2));
    EXPECT_TRUE(reply.value.empty());
  }
}

TEST(ParseMetaReply, ValueReplyCarriesItsDataBlock) {
  const MetaReply reply = ParseCompleteMeta("VA 5\r\nhello\r\n");
  EXPECT_EQ(reply.code, ReplyCode::kVA);
  EXPECT_EQ(reply.value, "hello");
}

TEST(ParseMetaReply, ValueMayContainCrLf) {
  const MetaReply reply = ParseCompleteMeta("VA 6\r\na\r\nb\r\n\r\n");
  EXPECT_EQ(reply.value, "a\r\nb\r\n");
}

TEST(ParseMetaReply, ZeroLengthValue) {
  const MetaReply reply = ParseCompleteMeta("VA 0 f7\r\n\r\n");
  EXPECT_EQ(reply.code, ReplyCode::kVA);
  EXPECT_TRUE(reply.value.empty());
  EXPECT_EQ(reply.client_flags, 7u);
}

TEST(ParseMetaReply, ValueMayHoldAnyByte) {
  const std::string data("\0\x01\xff ", 4);
  const std::string wire = absl::StrCat("VA 4\r\n", data, "\r\n");
  const MetaReply reply = ParseCompleteMeta(wire);
  EXPECT_EQ(reply.value, data);
}

TEST(ParseMetaReply, AllReturnFlagsOfMemcached1618) {
  // Exactly what memcached 1.6.18 answers to "mg plain v k O12 t c f s h l".
  const MetaReply reply =
      ParseCompleteMeta("VA 1 kplain O12 t-1 c2 f0 s1 h0 l0\r\nx\r\n");
  EXPECT_EQ(reply.value, "x");
  EXPECT_EQ(reply.key, "plain");
  EXPECT_EQ(reply.opaque, "12");
  EXPECT_EQ(reply.ttl, -1);
  EXPECT_EQ(reply.cas, 2u);
  EXPECT_EQ(reply.client_flags, 0u);
  EXPECT_EQ(reply.size, 1u);
  EXPECT_EQ(reply.hit_before, false);
  EXPECT_EQ(reply.last_access, 0u);
  EXPECT_FALSE(reply.key_is_base64);
  EXPECT_FALSE(reply.win);
  EXPECT_FALSE(reply.stale);
  EXPECT_FALSE(reply.already_won);
}

TEST(ParseMetaReply, AbsentFlagsStayUnset) {
  const MetaReply reply = ParseCompleteMeta("HD\r\n");
  EXPECT_TRUE(reply.opaque.empty());
  EXPECT_TRUE(reply.key.empty());
  EXPECT_FALSE(reply.cas.has_value());
  EXPECT_FALSE(reply.ttl.has_value());
  EXPECT_FALSE(reply.client_flags.has_value());
  EXPECT_FALSE(reply.size.has_value());
  EXPECT_FALSE(reply.last_access.has_value());
  EXPECT_FALSE(reply.hit_before.has_value());
}

TEST(ParseMetaReply, LargestNumbers) {
  const MetaReply reply = ParseCompleteMeta(
      "HD c18446744073709551615 f4294967295 t9223372036854775807 h1\r\n");
  EXPECT_EQ(reply.cas, 18446744073709551615u);
  EXPECT_EQ(reply.client_flags, 4294967295u);
  EXPECT_EQ(reply.ttl, 9223372036854775807);
  EXPECT_EQ(reply.hit_before, true);
}

TEST(ParseMetaReply, RecacheFlags) {
  const MetaReply won = ParseCompleteMeta("EN W O1\r\n");
  EXPECT_EQ(won.code, ReplyCode::kEN);
  EXPECT_TRUE(won.win);
  EXPECT_EQ(won.opaque, "1");
  const MetaReply stale = ParseCompleteMeta("VA 1 X Z c9\r\nv\r\n");
  EXPECT_TRUE(stale.stale);
  EXPECT_TRUE(stale.already_won);
  EXPECT_FALSE(stale.win);
}

TEST(ParseMetaReply, MissEchoesOpaqueAndKey) {
  const MetaReply reply = ParseCompleteMeta("EN knope O13\r\n");
  EXPECT_EQ(reply.code, ReplyCode::kEN);
  EXPECT_EQ(reply.key, "nope");
  EXPECT_EQ(reply.opaque, "13");
}

TEST(ParseMetaReply, Base64KeyMarker) {
  const MetaReply reply = ParseCompleteMeta("HD b kAAEC\r\n");
  EXPECT_TRUE(reply.key_is_base64);
  EXPECT_EQ(reply.key, "AAEC");
}

TEST(ParseMetaReply, UnknownLetterFlagsAreIgnored) {
  const MetaReply reply = ParseCompleteMeta("HD Q7 y O5\r\n");
  EXPECT_EQ(reply.code, ReplyCode::kHD);
  EXPECT_EQ(reply.opaque, "5");
}

TEST(ParseMetaReply, ErrorLinesCarryTheirMessage) {
  MetaReply reply = ParseCompleteMeta("ERROR\r\n");
  EXPECT_EQ(reply.code, ReplyCode::kError);
  EXPECT_EQ(reply.message, "");
  reply = ParseCompleteMeta("ERROR unknown command\r\n");
  EXPECT_EQ(reply.code, ReplyCode::kError);
  EXPECT_EQ(reply.message, "unknown command");
  reply = ParseCompleteMeta(
      "CLIENT_ERROR cannot increment or decrement non-numeric value\r\n");
  EXPECT_EQ(reply.code, ReplyCode::kClientError);
  EXPECT_EQ(reply.message, "cannot increment or decrement non-numeric value");
  reply = ParseCompleteMeta("SERVER_ERROR out of memory storing object\r\n");
  EXPECT_EQ(reply.code, ReplyCode::kServerError);
  EXPECT_EQ(reply.message, "out of memory storing object");
}

TEST(ParseMetaReply, MetaDebugLineIsKeptWhole) {
  const MetaReply reply = ParseCompleteMeta(
      "ME plain exp=-1 la=0 cas=2 fetch=yes cls=1 size=65\r\n");
  EXPECT_EQ(reply.code, ReplyCode::kME);
  EXPECT_EQ(reply.message, "plain exp=-1 la=0 cas=2 fetch=yes cls=1 size=65");
}

TEST(ParseMetaReply, ParsesOnlyTheFirstOfPipelinedReplies) {
  const std::string wire =
      "VA 3 O1\r\none\r\nHD O2\r\nEN\r\nVA 0 O4\r\n\r\nMN\r\n";
  std::vector<ReplyCode> codes;
  std::vector<std::string> opaques;
  absl::string_view rest = wire;
  while (!rest.empty()) {
    MetaReply reply;
    const ParseResult result = ParseMetaReply(rest, kMaxValue, &reply);
    ASSERT_EQ(result.state, ParseState::kComplete) << result.error;
    codes.push_back(reply.code);
    opaques.emplace_back(reply.opaque);
    rest.remove_prefix(result.consumed);
  }
  EXPECT_THAT(codes, ::testing::ElementsAre(ReplyCode::kVA, ReplyCode::kHD,
                                            ReplyCode::kEN, ReplyCode::kVA,
                                            ReplyCode::kMN));
  EXPECT_THAT(opaques, ::testing::ElementsAre("1", "2", "", "4", ""));
}

TEST(ParseMetaReply, EveryTruncationIsIncomplete) {
  const std::string replies[] = {
      "VA 6 O1 c5\r\na\r\nb\r\n\r\n",    "HD c1\r\n",    "EN\r\n",
      "CLIENT_ERROR bad data chunk\r\n", "VA 0\r\n\r\n", "ME k exp=-1\r\n"};
  for (const std::string& full : replies) {
    for (size_t n = 0; n < full.size(); ++n) {
      MetaReply reply;
      const ParseResult result = ParseMetaReply(
          absl::string_view(full).substr(0, n), kMaxValue, &reply);
      EXPECT_EQ(result.state, ParseState::kIncomplete)
          << "prefix " << n << " of " << full << ": " << result.error;
      EXPECT_EQ(result.consumed, 0u);
    }
  }
}

TEST(ParseMetaReply, BadNumbersAreMalformed) {
  EXPECT_THAT(MalformedMetaError("VA x\r\n"), HasSubstr("size"));
  EXPECT_THAT(MalformedMetaError("VA -1\r\n"), HasSubstr("size"));
  EXPECT_THAT(MalformedMetaError("VA +1\r\nx\r\n"), HasSubstr("size"));
  EXPECT_THAT(MalformedMetaError("VA\r\n"), HasSubstr("size"));
  EXPECT_THAT(MalformedMetaError("VA 18446744073709551616\r\n"),
              HasSubstr("size"));
  EXPECT_THAT(MalformedMetaError("HD c12a\r\n"), HasSubstr("\"c12a\""));
  EXPECT_THAT(MalformedMetaError("HD c\r\n"), HasSubstr("CAS"));
  EXPECT_THAT(MalformedMetaError("HD c18446744073709551616\r\n"),
              HasSubstr("CAS"));
  EXPECT_THAT(MalformedMetaError("HD t-2\r\n"), HasSubstr("TTL"));
  EXPECT_THAT(MalformedMetaError("HD t--1\r\n"), HasSubstr("TTL"));
  EXPECT_THAT(MalformedMetaError("HD f4294967296\r\n"), HasSubstr("flags"));
  EXPECT_THAT(MalformedMetaError("HD s-1\r\n"), HasSubstr("size"));
  EXPECT_THAT(MalformedMetaError("HD l1.5\r\n"), HasSubstr("seconds"));
  EXPECT_THAT(MalformedMetaError("HD h2\r\n"), HasSubstr("h0 or h1"));
}

TEST(ParseMetaReply, BadFlagsAreMalformed) {
  EXPECT_THAT(MalformedMetaError("HD W1\r\n"), HasSubstr("takes no value"));
  EXPECT_THAT(MalformedMetaError("HD b64\r\n"), HasSubstr("takes no value"));
  EXPECT_THAT(MalformedMetaError("HD 5x\r\n"), HasSubstr("letter"));
  EXPECT_THAT(MalformedMetaError("HD O\r\n"), HasSubstr("opaque"));
  EXPECT_THAT(
      MalformedMetaError(absl::StrCat("HD O", std::string(33, '7'), "\r\n")),
      HasSubstr("opaque"));
  EXPECT_THAT(MalformedMetaError("HD k\r\n"), HasSubstr("key"));
}

TEST(ParseMetaReply, LongestOpaqueIsAccepted) {
  const std::string opaque(kMaxOpaqueBytes, 'z');
  EXPECT_EQ(ParseCompleteMeta(absl::StrCat("HD O", opaque, "\r\n")).opaque,
            opaque);
}

TEST(ParseMetaReply, UnknownCodesAreMalformed) {
  EXPECT_THAT(MalformedMetaError("XX\r\n"), HasSubstr("unknown meta reply"));
  EXPECT_THAT(MalformedMetaError("hd\r\n"), HasSubstr("unknown meta reply"));
  EXPECT_THAT(MalformedMetaError("\r\n"), HasSubstr("unknown meta reply"));
  EXPECT_THAT(MalformedMetaError("STORED\r\n"),
              HasSubstr("unknown meta reply"));
  EXPECT_THAT(MalformedMetaError("ME\r\n"), HasSubstr("without a key"));
}

TEST(ParseMetaReply, DataBlockMustEndInCrLf) {
  EXPECT_THAT(MalformedMetaError("VA 2\r\nabXY"), HasSubstr("\\r\\n"));
  EXPECT_THAT(MalformedMetaError("VA 2\r\nab\n\r"), HasSubstr("\\r\\n"));
  EXPECT_THAT(MalformedMetaError("VA 1\r\nab\r\n"), HasSubstr("\\r\\n"));
}

TEST(ParseMetaReply, ValueOverTheLimitIsMalformedBeforeItArrives) {
  EXPECT_THAT(MalformedMetaError("VA 11\r\n", /*max_value=*/10),
              HasSubstr("exceeds the limit of 10"));
  MetaReply reply;
  EXPECT_EQ(ParseMetaReply("VA 10\r\n0123456789\r\n", 10, &reply).state,
            ParseState::kComplete);
  EXPECT_THAT(MalformedMetaError("VA 99999999999999999\r\n"),
              HasSubstr("exceeds the limit"));
}

TEST(ParseMetaReply, LineEndingsAndControlBytesAreStrict) {
  EXPECT_THAT(MalformedMetaError("HD\n"), HasSubstr("bare \\n"));
  EXPECT_THAT(MalformedMetaError("HD\r\r\n"), HasSubstr("control byte"));
  EXPECT_THAT(MalformedMetaError(absl::string_view("HD O\0\r\n", 7)),
              HasSubstr("control byte"));
}

TEST(ParseMetaReply, LineLengthIsBounded) {
  // A long line still waiting for its end is incomplete up to the bound...
  std::string line = "HD O1 " + std::string(kMaxLineBytes - 6, 'y');
  MetaReply reply;
  EXPECT_EQ(ParseMetaReply(line, kMaxValue, &reply).state,
            ParseState::kIncomplete);
  EXPECT_EQ(ParseMetaReply(line + "\r", kMaxValue, &reply).state,
            ParseState::kIncomplete);
  // ...a line of exactly kMaxLineBytes is accepted...
  EXPECT_EQ(ParseMetaReply(line + "\r\n", kMaxValue, &reply).state,
            ParseState::kComplete);
  // ...and one byte more is malformed, with or without its terminator.
  line.push_back('y');
  EXPECT_THAT(MalformedMetaError(line + "\r\n"), HasSubstr("longer than 8192"));
  EXPECT_THAT(MalformedMetaError(line + "yyyyy"),
              HasSubstr("longer than 8192"));
}

void ExpectSaneResult(const ParseResult& result, absl::string_view input) {
  if (result.state == ParseState::kComplete) {
    ASSERT_GT(result.consumed, 0u);
    ASSERT_LE(result.consumed, input.size());
  } else {
    ASSERT_EQ(result.consumed, 0u);
  }
}

TEST(ReplyParsers, ArbitraryBytesNeverCrash) {
  std::mt19937 rng(20240607);
  const std::string alphabet = "VAHDENMOc0123456789 \r\n-kfstWXZLUESTRDOK_";
  for (int round = 0; round < 20000; ++round) {
    std::string input(rng() % 40, '\0');
    for (char& c : input) c = alphabet[rng() % alphabet.size()];
    MetaReply meta;
    ExpectSaneResult(ParseMetaReply(input, 16, &meta), input);
    TextReply text;
    ExpectSaneResult(ParseTextReply(input, 16, &text), input);
  }
}

}  // namespace
}  // namespace kivi::memcached
