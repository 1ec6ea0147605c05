#ifndef KIVI_OBSERVABILITY_METRIC_FAMILY_H_
#define KIVI_OBSERVABILITY_METRIC_FAMILY_H_

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

namespace kivi::observability {

// Label name/value pairs of one series, in the order they are rendered.
using Labels = std::vector<std::pair<std::string, std::string>>;

// One counter or gauge series.
struct Sample {
  Labels labels;
  double value = 0;
};

// One histogram series. `bucket_counts[i]` counts the observations
// <= the family's `bounds[i]` (cumulative, as Prometheus wants them);
// `count` counts all of them, so it is the +Inf bucket.
struct HistogramSample {
  Labels labels;
  std::vector<uint64_t> bucket_counts;
  double sum = 0;
  uint64_t count = 0;
};

enum class MetricType { kCounter, kGauge, kHistogram };

// A named metric with its help text and series: a snapshot taken at
// collection time, independent of the live metrics it came from.
struct MetricFamily {
  // [a-zA-Z_:][a-zA-Z0-9_:]*; counters end in "_total".
  std::string name;
  std::string help;
  MetricType type = MetricType::kGauge;
  // Counters and gauges.
  std::vector<Sample> samples;
  // Histograms: the upper bounds shared by every series, ascending and
  // finite (+Inf is implied), and the series.
  std::vector<double> bounds;
  std::vector<HistogramSample> histograms;
};

}  // namespace kivi::observability

#endif  // KIVI_OBSERVABILITY_METRIC_FAMILY_H_
