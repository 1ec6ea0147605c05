// Time to live: validation, expiry, long TTLs and the URL's default_ttl.
// Waits scale with the backend's ttl_resolution (see ShortTtl/SleepPast).

#include <memory>
#include <string>

#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/conformance/case_helpers.h"
#include "tests/conformance/conformance.h"

namespace kivi::testing {
namespace {

using ::testing::ElementsAre;
using ::testing::IsEmpty;

TEST_P(ConformanceTest, NegativeTtlIsRefused) {
  EXPECT_THAT(kv().Set("k", "v", {.ttl = absl::Seconds(-1)}),
              HasCodeAndMessage(absl::StatusCode::kInvalidArgument, "\"k\""));
  EXPECT_THAT(kv().BatchSet({{"k", "v"}}, {.ttl = absl::Nanoseconds(-1)}),
              HasCode(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(kv().List(), IsOkAndHolds(IsEmpty()));
}

TEST_P(ConformanceTest, ExpiredKeyIsNotFoundAndNotListed) {
  const absl::Duration ttl = ShortTtl();
  ASSERT_THAT(kv().Set("short", "v", {.ttl = ttl}), IsOk());
  ASSERT_THAT(kv().BatchSet({{"batch", "v"}}, {.ttl = ttl}), IsOk());
  // A later Set replaces the TTL along with the value.
  ASSERT_THAT(kv().Set("forever", "old", {.ttl = ttl}), IsOk());
  ASSERT_THAT(kv().Set("forever", "v"), IsOk());
  ASSERT_THAT(kv().Set("long", "v", {.ttl = absl::Hours(1)}), IsOk());
  EXPECT_THAT(kv().Get("short"), IsOkAndHolds("v"));
  EXPECT_THAT(kv().List(),
              IsOkAndHolds(ElementsAre("batch", "forever", "long", "short")));

  SleepPast(ttl);
  EXPECT_THAT(kv().Get("short"), HasCode(absl::StatusCode::kNotFound));
  EXPECT_THAT(kv().Get("batch"), HasCode(absl::StatusCode::kNotFound));
  EXPECT_THAT(kv().Get("forever"), IsOkAndHolds("v"));
  EXPECT_THAT(kv().Get("long"), IsOkAndHolds("v"));
  EXPECT_THAT(kv().List(), IsOkAndHolds(ElementsAre("forever", "long")));
}

// Memcached reads a TTL over 30 days as an absolute time; the client must
// not let that leak.
TEST_P(ConformanceTest, TtlOverThirtyDaysIsStoredAndReadable) {
  ASSERT_THAT(kv().Set("month", "v", {.ttl = absl::Hours(24 * 31)}), IsOk());
  ASSERT_THAT(kv().Set("year", "v", {.ttl = kMaxTtl}), IsOk());
  EXPECT_THAT(kv().Get("month"), IsOkAndHolds("v"));
  EXPECT_THAT(kv().Get("year"), IsOkAndHolds("v"));
  EXPECT_THAT(kv().List(), IsOkAndHolds(ElementsAre("month", "year")));
}

// The longest TTL is the same everywhere (memcached cannot represent expiry
// times after 2038); beyond it every write is refused before any I/O.
TEST_P(ConformanceTest, TtlOverTheLimitIsRefusedAndNothingChanges) {
  const absl::Duration over = kMaxTtl + absl::Seconds(1);
  ASSERT_THAT(kv().Set("k", "old"), IsOk());
  EXPECT_THAT(
      kv().Set("k", "new", {.ttl = over}),
      HasCodeAndMessage(absl::StatusCode::kInvalidArgument, "365 days"));
  EXPECT_THAT(kv().BatchSet({{"k", "new"}}, {.ttl = absl::InfiniteDuration()}),
              HasCode(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(OpenWith("default_ttl=8761h"),
              HasCode(absl::StatusCode::kInvalidArgument));
  if (capabilities().touch) {
    EXPECT_THAT(kv().Touch("k", over),
                HasCode(absl::StatusCode::kInvalidArgument));
  }
  if (capabilities().flush) {
    EXPECT_THAT(kv().Flush(over), HasCode(absl::StatusCode::kInvalidArgument));
  }
  EXPECT_THAT(kv().Get("k"), IsOkAndHolds("old"));
  EXPECT_THAT(kv().List(), IsOkAndHolds(ElementsAre("k")));
}

TEST_P(ConformanceTest, DefaultTtlFromTheUrlApplies) {
  const absl::Duration ttl = ShortTtl();
  absl::StatusOr<std::unique_ptr<Client>> with_default = OpenWith(
      absl::StrCat("default_ttl=", absl::ToInt64Milliseconds(ttl), "ms"));
  ASSERT_THAT(with_default, IsOk());
  Client& kv2 = **with_default;
  EXPECT_EQ(kv2.options().default_ttl, ttl);
  ASSERT_THAT(kv2.Set("defaulted", "v"), IsOk());
  ASSERT_THAT(kv2.Set("explicit", "v", {.ttl = absl::Hours(1)}), IsOk());
  EXPECT_THAT(kv2.Get("defaulted"), IsOkAndHolds("v"));

  SleepPast(ttl);
  EXPECT_THAT(kv2.Get("defaulted"), HasCode(absl::StatusCode::kNotFound));
  EXPECT_THAT(kv2.Get("explicit"), IsOkAndHolds("v"));
}

}  // namespace
}  // namespace kivi::testing
