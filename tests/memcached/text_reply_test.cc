#include <cstddef>
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

TextReply ParseCompleteText(absl::string_view in) {
  TextReply reply;
  const ParseResult result = ParseTextReply(in, kMaxValue, &reply);
  EXPECT_EQ(result.state, ParseState::kComplete) << result.error;
  EXPECT_EQ(result.consumed, in.size());
  return reply;
}

std::string MalformedTextError(absl::string_view in,
                               size_t max_value = kMaxValue) {
  TextReply reply;
  const ParseResult result = ParseTextReply(in, max_value, &reply);
  EXPECT_EQ(result.state, ParseState::kMalformed) << "input: " << in;
  return result.error;
}

TEST(ParseTextReply, ValueOfGet) {
  const TextReply reply = ParseCompleteText("VALUE user:1 42 5\r\nalice\r\n");
  EXPECT_EQ(reply.kind, TextReplyKind::kValue);
  EXPECT_EQ(reply.key, "user:1");
  EXPECT_EQ(reply.client_flags, 42u);
  EXPECT_EQ(reply.data, "alice");
  EXPECT_FALSE(reply.cas.has_value());
}

TEST(ParseTextReply, ValueOfGetsCarriesCas) {
  const TextReply reply = ParseCompleteText("VALUE k 0 4 977\r\na\r\nb\r\n");
  EXPECT_EQ(reply.data, "a\r\nb");
  EXPECT_EQ(reply.cas, 977u);
}

TEST(ParseTextReply, EmptyValue) {
  EXPECT_EQ(ParseCompleteText("VALUE k 0 0\r\n\r\n").data, "");
}

TEST(ParseTextReply, StreamsAMultiGetUntilEnd) {
  const std::string wire = "VALUE a 0 1\r\n1\r\nVALUE b 3 2 7\r\n22\r\nEND\r\n";
  absl::string_view rest = wire;
  std::vector<std::string> seen;
  for (;;) {
    TextReply reply;
    const ParseResult result = ParseTextReply(rest, kMaxValue, &reply);
    ASSERT_EQ(result.state, ParseState::kComplete) << result.error;
    rest.remove_prefix(result.consumed);
    if (reply.kind == TextReplyKind::kEnd) break;
    seen.push_back(absl::StrCat(reply.key, "=", reply.data));
  }
  EXPECT_TRUE(rest.empty());
  EXPECT_THAT(seen, ::testing::ElementsAre("a=1", "b=22"));
}

TEST(ParseTextReply, StatsLines) {
  TextReply reply = ParseCompleteText("STAT version 1.6.18\r\n");
  EXPECT_EQ(reply.kind, TextReplyKind::kStat);
  EXPECT_EQ(reply.name, "version");
  EXPECT_EQ(reply.text, "1.6.18");
  reply = ParseCompleteText("STAT libevent 2.1.12-stable extra\r\n");
  EXPECT_EQ(reply.text, "2.1.12-stable extra");
  reply = ParseCompleteText("STAT empty\r\n");
  EXPECT_EQ(reply.name, "empty");
  EXPECT_EQ(reply.text, "");
  EXPECT_EQ(ParseCompleteText("END\r\n").kind, TextReplyKind::kEnd);
}

TEST(ParseTextReply, SimpleReplies) {
  TextReply reply = ParseCompleteText("VERSION 1.6.18\r\n");
  EXPECT_EQ(reply.kind, TextReplyKind::kVersion);
  EXPECT_EQ(reply.text, "1.6.18");
  EXPECT_EQ(ParseCompleteText("OK\r\n").kind, TextReplyKind::kOk);
  EXPECT_EQ(ParseCompleteText("STORED\r\n").kind, TextReplyKind::kStored);
  reply = ParseCompleteText("ERROR\r\n");
  EXPECT_EQ(reply.kind, TextReplyKind::kError);
  EXPECT_EQ(reply.text, "");
  reply = ParseCompleteText("CLIENT_ERROR unauthenticated\r\n");
  EXPECT_EQ(reply.kind, TextReplyKind::kClientError);
  EXPECT_EQ(reply.text, "unauthenticated");
  reply = ParseCompleteText("SERVER_ERROR busy\r\n");
  EXPECT_EQ(reply.kind, TextReplyKind::kServerError);
  EXPECT_EQ(reply.text, "busy");
}

TEST(ParseTextReply, MalformedLines) {
  EXPECT_THAT(MalformedTextError("VALUE k 0\r\n"), HasSubstr("VALUE line"));
  EXPECT_THAT(MalformedTextError("VALUE k x 1\r\nx\r\n"),
              HasSubstr("VALUE line"));
  EXPECT_THAT(MalformedTextError("VALUE k 4294967296 1\r\nx\r\n"),
              HasSubstr("VALUE line"));
  EXPECT_THAT(MalformedTextError("VALUE k 0 1 z\r\nx\r\n"),
              HasSubstr("VALUE line"));
  EXPECT_THAT(MalformedTextError("VALUE k 0 1 2 3\r\nx\r\n"),
              HasSubstr("VALUE line"));
  EXPECT_THAT(MalformedTextError("VALUE k 0 1\r\nxyz"), HasSubstr("\\r\\n"));
  EXPECT_THAT(MalformedTextError("VALUE k 0 11\r\n", 10),
              HasSubstr("exceeds the limit of 10"));
  EXPECT_THAT(MalformedTextError("END now\r\n"), HasSubstr("unexpected text"));
  EXPECT_THAT(MalformedTextError("STAT\r\n"), HasSubstr("without a name"));
  EXPECT_THAT(MalformedTextError("DELETED\r\n"), HasSubstr("unknown reply"));
  EXPECT_THAT(MalformedTextError("END\n"), HasSubstr("bare"));
}

TEST(ParseTextReply, EveryTruncationIsIncomplete) {
  const std::string full = "VALUE k 1 6 3\r\na\r\nb\r\n\r\n";
  for (size_t n = 0; n < full.size(); ++n) {
    TextReply reply;
    const ParseResult result =
        ParseTextReply(absl::string_view(full).substr(0, n), kMaxValue, &reply);
    EXPECT_EQ(result.state, ParseState::kIncomplete) << n << result.error;
  }
}

}  // namespace
}  // namespace kivi::memcached
