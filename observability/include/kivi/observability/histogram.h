#ifndef KIVI_OBSERVABILITY_HISTOGRAM_H_
#define KIVI_OBSERVABILITY_HISTOGRAM_H_

#include <atomic>
#include <cstdint>
#include <memory>
#include <vector>

#include "absl/time/time.h"
#include "absl/types/span.h"
#include "kivi/observability/metric_family.h"

namespace kivi::observability {

// Upper bounds, in seconds, of every kivi latency histogram: 50 µs (a
// memory:// call) to 10 s (a call waiting out a long timeout), roughly
// 1-2.5-5 per decade.
absl::Span<const double> LatencyBucketsSeconds();

// Counts observations into fixed buckets. Lock-free and thread-safe:
// Observe costs a few relaxed atomic adds, so it sits on hot paths.
class Histogram {
 public:
  // `bounds`: ascending finite upper bounds (+Inf is implied).
  explicit Histogram(absl::Span<const double> bounds);
  Histogram(const Histogram&) = delete;
  Histogram& operator=(const Histogram&) = delete;

  // Counts `value` in the first bucket whose bound is >= value (the +Inf
  // bucket when it exceeds them all).
  void Observe(double value);
  void ObserveDuration(absl::Duration d) { Observe(absl::ToDoubleSeconds(d)); }

  const std::vector<double>& bounds() const { return bounds_; }
  // The counts so far, cumulative per bound, labelled `labels`. Taken
  // without stopping writers, so a concurrent Observe may show in one
  // field and not yet in another; every bucket is capped at `count`, so
  // the sample stays a valid histogram.
  HistogramSample Snapshot(Labels labels) const;

 private:
  const std::vector<double> bounds_;
  // One per bound, then +Inf; not cumulative.
  std::unique_ptr<std::atomic<uint64_t>[]> buckets_;
  std::atomic<uint64_t> count_{0};
  std::atomic<double> sum_{0};
};

}  // namespace kivi::observability

#endif  // KIVI_OBSERVABILITY_HISTOGRAM_H_
