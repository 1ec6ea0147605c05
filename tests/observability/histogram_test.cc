#include "kivi/observability/histogram.h"

#include <thread>
#include <vector>

#include "gtest/gtest.h"

namespace kivi::observability {
namespace {

TEST(Histogram, ValueOnABoundCountsInThatBucket) {
  Histogram h({1, 2, 5});
  h.Observe(1);    // <= 1
  h.Observe(1.5);  // <= 2
  h.Observe(5);    // <= 5
  h.Observe(7);    // +Inf only
  HistogramSample s = h.Snapshot({});
  EXPECT_EQ(s.bucket_counts, (std::vector<uint64_t>{1, 2, 3}));
  EXPECT_EQ(s.count, 4u);
  EXPECT_DOUBLE_EQ(s.sum, 14.5);
}

TEST(Histogram, DurationsAreSeconds) {
  Histogram h(LatencyBucketsSeconds());
  h.ObserveDuration(absl::Microseconds(40));
  h.ObserveDuration(absl::Milliseconds(3));
  HistogramSample s = h.Snapshot({{"op", "Get"}});
  ASSERT_EQ(s.bucket_counts.size(), LatencyBucketsSeconds().size());
  EXPECT_EQ(s.bucket_counts[0], 1u);  // le=0.00005
  EXPECT_EQ(s.bucket_counts[5], 1u);  // le=0.0025
  EXPECT_EQ(s.bucket_counts[6], 2u);  // le=0.005
  EXPECT_NEAR(s.sum, 0.00304, 1e-12);
  EXPECT_EQ(s.labels[0].second, "Get");
}

TEST(LatencyBuckets, AscendFrom50MicrosecondsTo10Seconds) {
  absl::Span<const double> b = LatencyBucketsSeconds();
  ASSERT_FALSE(b.empty());
  EXPECT_DOUBLE_EQ(b.front(), 0.00005);
  EXPECT_DOUBLE_EQ(b.back(), 10);
  for (size_t i = 1; i < b.size(); ++i) EXPECT_LT(b[i - 1], b[i]);
}

TEST(Histogram, ConcurrentObservationsAreAllCounted) {
  Histogram h({1});
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&h] {
      for (int i = 0; i < 10000; ++i) h.Observe(i % 2 == 0 ? 0.5 : 2);
    });
  }
  for (std::thread& t : threads) t.join();
  HistogramSample s = h.Snapshot({});
  EXPECT_EQ(s.count, 40000u);
  EXPECT_EQ(s.bucket_counts[0], 20000u);
  EXPECT_DOUBLE_EQ(s.sum, 50000);
}

}  // namespace
}  // namespace kivi::observability
