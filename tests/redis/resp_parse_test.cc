#include <string>

#include "backends/redis/src/resp.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace kivi::redis {
namespace {

using ::testing::HasSubstr;

// Parses `in`, expecting one complete reply spanning all of it.
Reply ParseWhole(absl::string_view in) {
  Reply reply;
  const ParseResult result = ParseReply(in, &reply);
  EXPECT_EQ(result.state, ParseState::kComplete) << result.error;
  EXPECT_EQ(result.consumed, in.size());
  return reply;
}

ParseResult ParseOnly(absl::string_view in) {
  Reply reply;
  return ParseReply(in, &reply);
}

TEST(RespParse, Resp2Scalars) {
  EXPECT_EQ(ParseWhole("+OK\r\n").text, "OK");
  Reply error = ParseWhole("-MOVED 3999 127.0.0.1:6381\r\n");
  EXPECT_TRUE(error.IsError());
  EXPECT_EQ(error.ErrorCode(), "MOVED");
  EXPECT_EQ(error.text, "MOVED 3999 127.0.0.1:6381");
  EXPECT_EQ(ParseWhole(":-42\r\n").integer, -42);
  EXPECT_EQ(ParseWhole(":9223372036854775807\r\n").integer,
            9223372036854775807);
  const Reply bulk = ParseWhole("$4\r\na\r\nb\r\n");
  EXPECT_EQ(bulk.type, ReplyType::kBulkString);
  EXPECT_EQ(bulk.text, "a\r\nb");
  EXPECT_EQ(ParseWhole("$0\r\n\r\n").text, "");
  EXPECT_EQ(ParseWhole("$-1\r\n").type, ReplyType::kNull);
  EXPECT_EQ(ParseWhole("*-1\r\n").type, ReplyType::kNull);
}

TEST(RespParse, BinaryBulkString) {
  const std::string in("$3\r\n\0\r\xff\r\n", 9);
  EXPECT_EQ(ParseWhole(in).text, absl::string_view("\0\r\xff", 3));
}

TEST(RespParse, Resp3Scalars) {
  EXPECT_EQ(ParseWhole("_\r\n").type, ReplyType::kNull);
  EXPECT_EQ(ParseWhole("#t\r\n").integer, 1);
  EXPECT_EQ(ParseWhole("#f\r\n").integer, 0);
  EXPECT_EQ(ParseWhole(",1.5e3\r\n").text, "1.5e3");
  EXPECT_EQ(ParseWhole("(-123456789012345678901234\r\n").text,
            "-123456789012345678901234");
  const Reply verbatim = ParseWhole("=9\r\ntxt:hello\r\n");
  EXPECT_EQ(verbatim.type, ReplyType::kVerbatim);
  EXPECT_EQ(verbatim.text, "hello");
  const Reply blob_error = ParseWhole("!10\r\nNOSCRIPT x\r\n");
  EXPECT_TRUE(blob_error.IsError());
  EXPECT_EQ(blob_error.ErrorCode(), "NOSCRIPT");
}

TEST(RespParse, Aggregates) {
  const Reply array = ParseWhole("*3\r\n$1\r\na\r\n_\r\n*1\r\n:7\r\n");
  ASSERT_EQ(array.type, ReplyType::kArray);
  ASSERT_EQ(array.elements.size(), 3u);
  EXPECT_EQ(array.elements[0].text, "a");
  EXPECT_EQ(array.elements[1].type, ReplyType::kNull);
  EXPECT_EQ(array.elements[2].elements[0].integer, 7);

  const Reply map =
      ParseWhole("%2\r\n+server\r\n$5\r\nredis\r\n+proto\r\n:3\r\n");
  ASSERT_EQ(map.type, ReplyType::kMap);
  ASSERT_EQ(map.elements.size(), 4u);
  EXPECT_EQ(map.elements[1].text, "redis");
  EXPECT_EQ(map.elements[3].integer, 3);

  EXPECT_EQ(ParseWhole("~1\r\n+x\r\n").type, ReplyType::kSet);
  EXPECT_EQ(ParseWhole(">2\r\n+pubsub\r\n+x\r\n").type, ReplyType::kPush);
  EXPECT_TRUE(ParseWhole("*0\r\n").elements.empty());
}

TEST(RespParse, AttributesAreSkipped) {
  const Reply reply = ParseWhole("|1\r\n+ttl\r\n:3\r\n$2\r\nok\r\n");
  EXPECT_EQ(reply.type, ReplyType::kBulkString);
  EXPECT_EQ(reply.text, "ok");
}

TEST(RespParse, ConsumesOnlyTheFirstReply) {
  Reply reply;
  const ParseResult result = ParseReply("+OK\r\n:1\r\n", &reply);
  EXPECT_EQ(result.state, ParseState::kComplete);
  EXPECT_EQ(result.consumed, 5u);
}

TEST(RespParse, EveryProperPrefixIsIncomplete) {
  const std::string replies[] = {
      "+OK\r\n",
      "$5\r\nhello\r\n",
      "*2\r\n$1\r\na\r\n*1\r\n$-1\r\n",
      "%1\r\n+k\r\n=7\r\ntxt:abc\r\n",
      "|1\r\n+a\r\n+b\r\n:1\r\n",
  };
  for (const std::string& whole : replies) {
    for (size_t n = 0; n < whole.size(); ++n) {
      const ParseResult result = ParseOnly(whole.substr(0, n));
      EXPECT_EQ(result.state, ParseState::kIncomplete)
          << "prefix " << n << " of " << QuoteForError(whole);
      EXPECT_EQ(result.consumed, 0u);
    }
    EXPECT_EQ(ParseOnly(whole).state, ParseState::kComplete);
  }
}

TEST(RespParse, MalformedInputIsRejected) {
  const char* const bad[] = {
      "?x\r\n",                     // unknown type
      "+OK\n",                      // bare line feed
      "+O\rK\r\n",                  // carriage return inside a line
      ":12a\r\n",                   // not a number
      ":+1\r\n",                    // sign
      ":99999999999999999999\r\n",  // overflow
      "$-2\r\n",                    // negative length
      "$3\r\nabcd\r\n",             // data longer than announced
      "$?\r\n",                     // streamed string
      "*-2\r\n",                    // negative count
      "%-1\r\n",                    // null map
      "#x\r\n",                     // bad boolean
      "_x\r\n",                     // bad null
      "=2\r\nab\r\n",               // verbatim without format
      "$536870913\r\n",             // over the bulk limit
      "*16777217\r\n",              // over the element limit
      "(12x\r\n",                   // bad big number
  };
  for (const char* in : bad) {
    const ParseResult result = ParseOnly(in);
    EXPECT_EQ(result.state, ParseState::kMalformed) << QuoteForError(in);
    EXPECT_FALSE(result.error.empty());
  }
}

TEST(RespParse, DeepNestingIsRejected) {
  std::string in;
  for (int i = 0; i < 64; ++i) in += "*1\r\n";
  in += ":1\r\n";
  const ParseResult result = ParseOnly(in);
  EXPECT_EQ(result.state, ParseState::kMalformed);
  EXPECT_THAT(result.error, HasSubstr("nesting"));
}

TEST(RespParse, OverlongLineWithoutTerminatorIsMalformed) {
  const std::string in = "+" + std::string(kMaxLineBytes + 8, 'a');
  EXPECT_EQ(ParseOnly(in).state, ParseState::kMalformed);
  EXPECT_EQ(ParseOnly(in.substr(0, 100)).state, ParseState::kIncomplete);
}

TEST(RespParse, HugeAnnouncedArrayDoesNotAllocateAhead) {
  // Announces many elements but holds one: incomplete, no huge reserve.
  const ParseResult result = ParseOnly("*16777216\r\n:1\r\n");
  EXPECT_EQ(result.state, ParseState::kIncomplete);
}

TEST(RespParse, ReusedReplyIsReplaced) {
  Reply reply;
  ASSERT_EQ(ParseReply("*2\r\n:1\r\n:2\r\n", &reply).state,
            ParseState::kComplete);
  ASSERT_EQ(ParseReply("$1\r\nx\r\n", &reply).state, ParseState::kComplete);
  EXPECT_EQ(reply.type, ReplyType::kBulkString);
  EXPECT_TRUE(reply.elements.empty());
  EXPECT_EQ(reply.text, "x");
}

}  // namespace
}  // namespace kivi::redis
