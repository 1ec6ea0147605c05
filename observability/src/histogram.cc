#include "kivi/observability/histogram.h"

#include <algorithm>
#include <utility>

namespace kivi::observability {

absl::Span<const double> LatencyBucketsSeconds() {
  static constexpr double kBounds[] = {
      0.00005, 0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025,
      0.05,    0.1,    0.25,    0.5,    1,     2.5,    5,     10};
  return kBounds;
}

Histogram::Histogram(absl::Span<const double> bounds)
    : bounds_(bounds.begin(), bounds.end()),
      buckets_(new std::atomic<uint64_t>[bounds.size() + 1]) {
  for (size_t i = 0; i <= bounds_.size(); ++i) buckets_[i] = 0;
}

void Histogram::Observe(double value) {
  const size_t i = static_cast<size_t>(
      std::lower_bound(bounds_.begin(), bounds_.end(), value) -
      bounds_.begin());
  buckets_[i].fetch_add(1, std::memory_order_relaxed);
  sum_.fetch_add(value, std::memory_order_relaxed);
  // Last, with release: a snapshot that sees this count sees the bucket.
  count_.fetch_add(1, std::memory_order_release);
}

HistogramSample Histogram::Snapshot(Labels labels) const {
  HistogramSample out;
  out.labels = std::move(labels);
  out.count = count_.load(std::memory_order_acquire);
  out.sum = sum_.load(std::memory_order_relaxed);
  out.bucket_counts.resize(bounds_.size());
  uint64_t running = 0;
  for (size_t i = 0; i < bounds_.size(); ++i) {
    running += buckets_[i].load(std::memory_order_relaxed);
    // Buckets read after the count may hold newer observations; the
    // exposition needs every bucket <= count.
    out.bucket_counts[i] = std::min(running, out.count);
  }
  return out;
}

}  // namespace kivi::observability
