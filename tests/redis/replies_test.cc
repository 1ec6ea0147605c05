#include "backends/redis/src/replies.h"

#include <string>
#include <vector>

#include "absl/status/status.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace kivi::redis {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

// Feeds `stream` to a reader expecting `count` replies, `step` bytes more at
// a time, as a connection would, dropping what it consumed.
std::vector<std::string> ReadAll(absl::string_view stream, size_t count,
                                 size_t step, absl::Status* error) {
  std::vector<std::string> texts;
  auto on_reply = [&](size_t index, const Reply& reply) {
    EXPECT_EQ(index, texts.size());
    texts.emplace_back(reply.text);
  };
  RespReader reader(count, on_reply);
  std::string buffer;
  size_t fed = 0;
  while (fed < stream.size()) {
    const size_t n = std::min(step, stream.size() - fed);
    const absl::string_view piece = stream.substr(fed, n);
    buffer.append(piece.data(), piece.size());
    fed += n;
    size_t consumed = 0;
    absl::StatusOr<bool> done = reader.Consume(buffer, &consumed);
    if (!done.ok()) {
      *error = done.status();
      return texts;
    }
    buffer.erase(0, consumed);
    if (*done) break;
  }
  return texts;
}

TEST(RespReader, HandsOutRepliesInOrderSkippingPushes) {
  const std::string stream =
      "+OK\r\n>2\r\n$10\r\ninvalidate\r\n*1\r\n$1\r\nk\r\n$3\r\nabc\r\n-ERR "
      "x\r\n";
  for (size_t step : {1, 3, 7, 1000}) {
    absl::Status error;
    EXPECT_THAT(ReadAll(stream, 3, step, &error),
                ElementsAre("OK", "abc", "ERR x"))
        << "step " << step;
    EXPECT_TRUE(error.ok());
  }
}

TEST(RespReader, MalformedStreamIsAnError) {
  absl::Status error;
  ReadAll("+OK\r\n?garbage\r\n", 2, 100, &error);
  EXPECT_FALSE(error.ok());
  EXPECT_THAT(error.message(), HasSubstr("malformed"));
}

Reply Error(absl::string_view text) {
  Reply reply;
  reply.type = ReplyType::kError;
  reply.text = text;
  return reply;
}

TEST(ParseRedirect, MovedAndAsk) {
  Redirect redirect;
  ASSERT_TRUE(ParseRedirect(Error("MOVED 3999 127.0.0.1:6381"), &redirect));
  EXPECT_FALSE(redirect.ask);
  EXPECT_EQ(redirect.target, "127.0.0.1:6381");
  ASSERT_TRUE(ParseRedirect(Error("ASK 1 [::1]:7000"), &redirect));
  EXPECT_TRUE(redirect.ask);
  EXPECT_EQ(redirect.target, "[::1]:7000");
  EXPECT_FALSE(ParseRedirect(Error("ERR MOVED"), &redirect));
  EXPECT_FALSE(ParseRedirect(Error("MOVED 1"), &redirect));
}

TEST(ErrorReplyStatus, CodesMapToMeaning) {
  EXPECT_EQ(ErrorReplyStatus(Error("WRONGTYPE x"), "k", "redis h:1").code(),
            absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(ErrorReplyStatus(Error("NOAUTH x"), "k", "redis h:1").code(),
            absl::StatusCode::kUnauthenticated);
  EXPECT_EQ(ErrorReplyStatus(Error("NOPERM x"), "k", "redis h:1").code(),
            absl::StatusCode::kPermissionDenied);
  EXPECT_EQ(ErrorReplyStatus(Error("LOADING x"), "k", "redis h:1").code(),
            absl::StatusCode::kUnavailable);
  EXPECT_EQ(ErrorReplyStatus(Error("CLUSTERDOWN x"), "k", "redis h:1").code(),
            absl::StatusCode::kUnavailable);
  const absl::Status other =
      ErrorReplyStatus(Error("ERR odd"), "k", "redis h:1");
  EXPECT_EQ(other.code(), absl::StatusCode::kInternal);
  EXPECT_THAT(other.message(), HasSubstr("redis h:1"));
  EXPECT_THAT(other.message(), HasSubstr("\"k\""));
  EXPECT_THAT(other.message(), HasSubstr("ERR odd"));
}

}  // namespace
}  // namespace kivi::redis
