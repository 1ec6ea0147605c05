#include <string>

#include "backends/redis/src/resp.h"
#include "gtest/gtest.h"

namespace kivi::redis {
namespace {

TEST(RespEncode, CommandIsAnArrayOfBulkStrings) {
  std::string out;
  AppendCommand(&out, {"SET", "k", "v a\r\n", ""});
  EXPECT_EQ(out, "*4\r\n$3\r\nSET\r\n$1\r\nk\r\n$5\r\nv a\r\n\r\n$0\r\n\r\n");
}

TEST(RespEncode, AppendsWithoutClearing) {
  std::string out = "x";
  AppendCommand(&out, {"PING"});
  EXPECT_EQ(out, "x*1\r\n$4\r\nPING\r\n");
}

TEST(RespEncode, PiecewiseWithIntegers) {
  std::string out;
  AppendArrayHeader(&out, 3);
  AppendBulk(&out, "PEXPIRE");
  AppendBulk(&out, int64_t{-15});
  AppendBulk(&out, int64_t{9223372036854775807});
  EXPECT_EQ(
      out,
      "*3\r\n$7\r\nPEXPIRE\r\n$3\r\n-15\r\n$19\r\n9223372036854775807\r\n");
}

TEST(RespEncode, BinaryBytesPassUnchanged) {
  std::string out;
  const std::string value("\0\xff", 2);
  AppendCommand(&out, {value});
  EXPECT_EQ(out, std::string("*1\r\n$2\r\n\0\xff\r\n", 12));
}

}  // namespace
}  // namespace kivi::redis
