#include <string>
#include <vector>

#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "gtest/gtest.h"
#include "src/protocol.h"

namespace kivi::memcached {
namespace {

TEST(MetaCommand, MetaGetWithFlagsAndOpaque) {
  std::string out;
  MetaCommand(&out, "mg", "user:1").Flag('v').Flag('c').Token('O', "17").End();
  EXPECT_EQ(out, "mg user:1 v c O17\r\n");
}

TEST(MetaCommand, MetaSetCarriesLengthAndData) {
  std::string out;
  MetaCommand(&out, "ms", "k", 4)
      .Uint('F', 4294967295u)
      .Int('T', 30)
      .Token('M', "E")
      .EndWithData("a\r\nb");
  EXPECT_EQ(out, "ms k 4 F4294967295 T30 ME\r\na\r\nb\r\n");
}

TEST(MetaCommand, EmptyValueSet) {
  std::string out;
  MetaCommand(&out, "ms", "k", 0).EndWithData("");
  EXPECT_EQ(out, "ms k 0\r\n\r\n");
}

TEST(MetaCommand, ArithmeticAndNegativeNumbers) {
  std::string out;
  MetaCommand(&out, "ma", "n")
      .Flag('v')
      .Uint('D', 18446744073709551615u)
      .Uint('J', 0)
      .Int('N', -1)
      .Token('M', "D")
      .End();
  EXPECT_EQ(out, "ma n v D18446744073709551615 J0 N-1 MD\r\n");
}

TEST(MetaCommand, AppendsToWhatIsThereForPipelining) {
  std::string out;
  MetaCommand(&out, "md", "a").Flag('q').Token('O', "1").End();
  MetaCommand(&out, "mg", "b").Int('T', 5).End();
  AppendMetaNoop(&out);
  EXPECT_EQ(out, "md a q O1\r\nmg b T5\r\nmn\r\n");
}

TEST(ClassicCommands, MultiKeyGet) {
  std::string out;
  const std::vector<std::string> keys = {"a", "b:c", "d"};
  AppendClassicGet(&out, keys, /*with_cas=*/false);
  EXPECT_EQ(out, "get a b:c d\r\n");
  out.clear();
  const std::vector<absl::string_view> views = {"x"};
  AppendClassicGet(&out, views, /*with_cas=*/true);
  EXPECT_EQ(out, "gets x\r\n");
}

TEST(ClassicCommands, VersionStatsAndMetadump) {
  std::string out;
  AppendVersion(&out);
  AppendStats(&out);
  AppendStats(&out, "settings");
  AppendMetadumpAll(&out);
  EXPECT_EQ(out,
            "version\r\nstats\r\nstats settings\r\n"
            "lru_crawler metadump all\r\n");
}

// memcached flushes at the second before the one it is sent (measured:
// "flush_all 2" takes effect 0.7-0.9 s later), so two seconds are added
// to the rounded-up delay.
TEST(ClassicCommands, FlushAllWithAndWithoutDelay) {
  const absl::Time now = absl::FromUnixSeconds(1700000000);
  std::string out;
  AppendFlushAll(&out, absl::ZeroDuration(), now);
  AppendFlushAll(&out, absl::Milliseconds(1500), now);
  AppendFlushAll(&out, absl::Hours(24 * 31), now);
  EXPECT_EQ(out, "flush_all\r\nflush_all 5\r\nflush_all 1702678402\r\n");
}

TEST(ClassicCommands, AuthIsAFakeSetOfUserAndPassword) {
  std::string out;
  AppendAuth(&out, "alice", "s3cret pass");
  EXPECT_EQ(out, "set kivi_auth 0 0 17\r\nalice s3cret pass\r\n");
}

TEST(WireTtl, ZeroAndInfiniteMeanNever) {
  const absl::Time now = absl::FromUnixSeconds(1700000000);
  EXPECT_EQ(WireTtl(absl::ZeroDuration(), now), 0);
  EXPECT_EQ(WireTtl(absl::InfiniteDuration(), now), 0);
}

// memcached's clock ticks about once a second, a little late each time;
// an item whose relative exptime is n seconds can die n-2 seconds after it
// is stored (a late tick across a whole second adds 2 at once; see
// kRelativeTtlTicks), so the wire value is the rounded-up seconds plus two:
// never dead before its TTL.
TEST(WireTtl, RoundsUpToWholeSecondsPlusTwoTicks) {
  const absl::Time now = absl::FromUnixSeconds(1700000000);
  EXPECT_EQ(WireTtl(absl::Nanoseconds(1), now), 3);
  EXPECT_EQ(WireTtl(absl::Milliseconds(500), now), 3);
  EXPECT_EQ(WireTtl(absl::Seconds(1), now), 3);
  EXPECT_EQ(WireTtl(absl::Milliseconds(1001), now), 4);
  EXPECT_EQ(WireTtl(absl::Minutes(5), now), 302);
}

TEST(WireTtl, RelativeUpToThirtyDaysOnTheWire) {
  const absl::Time now = absl::FromUnixSeconds(1700000000);
  // 30 days less two seconds, plus the ticks: the largest relative value.
  EXPECT_EQ(WireTtl(absl::Hours(24 * 30) - absl::Seconds(2), now), 2592000);
  // One more and the ticks would push it past 30 days, where memcached
  // reads a unix time (1970: dead at once); it goes out as a unix time
  // instead, plus one second (memcached's unix seconds never run a second
  // ahead of ours).
  EXPECT_EQ(WireTtl(absl::Hours(24 * 30) - absl::Seconds(1), now),
            1700000000 + 2591999 + 1);
  EXPECT_EQ(WireTtl(absl::Hours(24 * 30) - absl::Milliseconds(500), now),
            1700000000 + 2592000 + 1);
  EXPECT_EQ(WireTtl(absl::Hours(24 * 30), now), 1700000000 + 2592000 + 1);
}

TEST(WireTtl, LongerTtlsBecomeAbsoluteUnixTimes) {
  const absl::Time now = absl::FromUnixSeconds(1700000000);
  EXPECT_EQ(WireTtl(absl::Hours(24 * 30) + absl::Seconds(1), now),
            1700000000 + 2592001 + 1);
  // Rounded up: the item never lives shorter than asked.
  EXPECT_EQ(WireTtl(absl::Hours(24 * 30) + absl::Milliseconds(1),
                    now + absl::Milliseconds(999)),
            1700000000 + 2592001 + 1);
  EXPECT_EQ(WireTtl(absl::Hours(24 * 365), now), 1700000000 + 31536000 + 1);
}

TEST(WireFlushDelay, ZeroIsNowOthersGetOneTickMoreThanTtls) {
  const absl::Time now = absl::FromUnixSeconds(1700000000);
  EXPECT_EQ(WireFlushDelay(absl::ZeroDuration(), now), 0);
  EXPECT_EQ(WireFlushDelay(absl::Milliseconds(1), now), 4);
  EXPECT_EQ(WireFlushDelay(absl::Seconds(2), now), 5);
  EXPECT_EQ(WireFlushDelay(absl::Hours(24 * 30), now),
            1700000000 + 2592000 + 2);
}

}  // namespace
}  // namespace kivi::memcached
