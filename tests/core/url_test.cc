#include "kivi/url.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace kivi {
namespace {

using ::testing::HasSubstr;

TEST(BackendUrl, SplitsSchemeAuthorityPathAndQuery) {
  absl::StatusOr<BackendUrl> url = BackendUrl::Parse(
      "Memcached://h1:11211,h2:11212*3/db?namespace=app&timeout=250ms");
  ASSERT_TRUE(url.ok()) << url.status();
  EXPECT_EQ(url->scheme, "memcached");
  EXPECT_EQ(url->authority, "h1:11211,h2:11212*3");
  EXPECT_EQ(url->path, "db");
  EXPECT_EQ(url->params.at("namespace"), "app");
  EXPECT_EQ(url->params.at("timeout"), "250ms");
}

TEST(BackendUrl, AcceptsAnEmptyAuthority) {
  absl::StatusOr<BackendUrl> url = BackendUrl::Parse("memory://");
  ASSERT_TRUE(url.ok());
  EXPECT_EQ(url->scheme, "memory");
  EXPECT_TRUE(url->authority.empty());
  EXPECT_TRUE(url->params.empty());
}

TEST(BackendUrl, DecodesEscapesInParameters) {
  absl::StatusOr<BackendUrl> url =
      BackendUrl::Parse("memory://?namespace=a%3Ab&x=1+2");
  ASSERT_TRUE(url.ok());
  EXPECT_EQ(url->params.at("namespace"), "a:b");
  EXPECT_EQ(url->params.at("x"), "1 2");
}

TEST(BackendUrl, RejectsMalformedUrls) {
  EXPECT_THAT(BackendUrl::Parse("localhost:11211").status().message(),
              HasSubstr("no scheme"));
  EXPECT_TRUE(absl::IsInvalidArgument(BackendUrl::Parse("://x").status()));
  EXPECT_TRUE(absl::IsInvalidArgument(BackendUrl::Parse("m m://x").status()));
  EXPECT_THAT(BackendUrl::Parse("memory://?a=%zz").status().message(),
              HasSubstr("percent-escape"));
  EXPECT_THAT(BackendUrl::Parse("memory://?a=%4").status().message(),
              HasSubstr("percent-escape"));
  EXPECT_THAT(BackendUrl::Parse("memory://?a=1&a=2").status().message(),
              HasSubstr("\"a\" is given more than once"));
  EXPECT_THAT(BackendUrl::Parse("memory://?=1").status().message(),
              HasSubstr("empty name"));
}

TEST(ParamReader, ReadsTypedValues) {
  BackendUrl url = *BackendUrl::Parse(
      "x://?s=str&b=yes&i=-3&d=1.5s&z=64MiB&k=2KB&plain=100");
  ParamReader params(url);
  std::string s;
  bool b = false;
  int64_t i = 0;
  absl::Duration d;
  uint64_t z = 0, k = 0, plain = 0;
  params.String("s", &s);
  params.Bool("b", &b);
  params.Int("i", &i);
  params.Duration("d", &d);
  params.Bytes("z", &z);
  params.Bytes("k", &k);
  params.Bytes("plain", &plain);
  ASSERT_TRUE(params.Finish().ok()) << params.Finish();
  EXPECT_EQ(s, "str");
  EXPECT_TRUE(b);
  EXPECT_EQ(i, -3);
  EXPECT_EQ(d, absl::Milliseconds(1500));
  EXPECT_EQ(z, 64u << 20);
  EXPECT_EQ(k, 2000u);
  EXPECT_EQ(plain, 100u);
}

TEST(ParamReader, LeavesAbsentParametersUnchanged) {
  BackendUrl url = *BackendUrl::Parse("x://");
  ParamReader params(url);
  int n = 7;
  params.Int("n", &n);
  EXPECT_EQ(n, 7);
  EXPECT_TRUE(params.Finish().ok());
}

TEST(ParamReader, NamesUnknownParameters) {
  BackendUrl url = *BackendUrl::Parse("memcached://h?timeout=1s&bogus=1");
  ParamReader params(url);
  absl::Duration timeout;
  params.Duration("timeout", &timeout);
  absl::Status s = params.Finish();
  EXPECT_TRUE(absl::IsInvalidArgument(s));
  EXPECT_EQ(s.message(), "unknown parameter \"bogus\" for memcached://");
}

TEST(ParamReader, NamesMalformedValues) {
  struct Case {
    const char* url;
    const char* name;
  };
  for (const Case& c : {Case{"x://?t=fast", "t"}, Case{"x://?t=-1s", "t"},
                        Case{"x://?n=12x", "n"}, Case{"x://?n=99", "n"},
                        Case{"x://?b=maybe", "b"}, Case{"x://?z=12XB", "z"},
                        Case{"x://?z=", "z"}}) {
    BackendUrl url = *BackendUrl::Parse(c.url);
    ParamReader params(url);
    absl::Duration t;
    int n = 0;
    bool b = false;
    uint64_t z = 0;
    params.Duration("t", &t);
    params.Int("n", &n, 0, 10);
    params.Bool("b", &b);
    params.Bytes("z", &z);
    absl::Status s = params.Finish();
    EXPECT_TRUE(absl::IsInvalidArgument(s)) << c.url;
    EXPECT_THAT(s.message(), HasSubstr(std::string("\"") + c.name + "\""))
        << c.url;
  }
}

TEST(ParseBytes, RejectsOverflow) {
  EXPECT_FALSE(ParseBytes("99999999999999999999").ok());
  EXPECT_FALSE(ParseBytes("18446744073709551615GiB").ok());
  EXPECT_EQ(*ParseBytes("1GiB"), uint64_t{1} << 30);
}

}  // namespace
}  // namespace kivi
