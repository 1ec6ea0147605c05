#include "kivi/observability/prometheus_text.h"

#include <limits>

#include "gtest/gtest.h"

namespace kivi::observability {
namespace {

TEST(PrometheusText, CounterHasHelpTypeAndLabelledSeries) {
  MetricFamily f{.name = "kivi_x_total",
                 .help = "Things.",
                 .type = MetricType::kCounter,
                 .samples = {{{{"a", "1"}, {"b", "two"}}, 3}, {{}, 4}}};
  EXPECT_EQ(RenderPrometheusText({f}),
            "# HELP kivi_x_total Things.\n"
            "# TYPE kivi_x_total counter\n"
            "kivi_x_total{a=\"1\",b=\"two\"} 3\n"
            "kivi_x_total 4\n");
}

TEST(PrometheusText, LabelValuesAreEscaped) {
  EXPECT_EQ(EscapeLabelValue("a\\b\"c\nd"), "a\\\\b\\\"c\\nd");
  MetricFamily f{.name = "g",
                 .type = MetricType::kGauge,
                 .samples = {{{{"endpoint", "x\"}\n"}}, 1}}};
  EXPECT_EQ(RenderPrometheusText({f}),
            "# HELP g \n# TYPE g gauge\ng{endpoint=\"x\\\"}\\n\"} 1\n");
}

TEST(PrometheusText, HelpEscapesBackslashAndNewlineOnly) {
  EXPECT_EQ(EscapeHelp("a\\b\"c\nd"), "a\\\\b\"c\\nd");
}

TEST(PrometheusText, HistogramHasCumulativeBucketsInfSumAndCount) {
  MetricFamily f{.name = "d_seconds",
                 .help = "Latency.",
                 .type = MetricType::kHistogram,
                 .bounds = {0.005, 1},
                 .histograms = {{{{"op", "Get"}}, {2, 3}, 1.5, 4}}};
  EXPECT_EQ(RenderPrometheusText({f}),
            "# HELP d_seconds Latency.\n"
            "# TYPE d_seconds histogram\n"
            "d_seconds_bucket{op=\"Get\",le=\"0.005\"} 2\n"
            "d_seconds_bucket{op=\"Get\",le=\"1\"} 3\n"
            "d_seconds_bucket{op=\"Get\",le=\"+Inf\"} 4\n"
            "d_seconds_sum{op=\"Get\"} 1.5\n"
            "d_seconds_count{op=\"Get\"} 4\n");
}

TEST(PrometheusText, ValuesAreExactOrSpecial) {
  EXPECT_EQ(FormatValue(12345678901234), "12345678901234");
  EXPECT_EQ(FormatValue(0.1), "0.1");
  EXPECT_EQ(FormatValue(-2.5), "-2.5");
  EXPECT_EQ(FormatValue(std::numeric_limits<double>::infinity()), "+Inf");
  EXPECT_EQ(FormatValue(-std::numeric_limits<double>::infinity()), "-Inf");
  EXPECT_EQ(FormatValue(std::numeric_limits<double>::quiet_NaN()), "NaN");
  EXPECT_EQ(FormatValue(1e300), "1e+300");
}

TEST(PrometheusText, InvalidNamesAreMadeValid) {
  MetricFamily f{.name = "9a-b",
                 .type = MetricType::kGauge,
                 .samples = {{{{"x:y z", "v"}}, 1}}};
  EXPECT_EQ(RenderPrometheusText({f}),
            "# HELP _9a_b \n# TYPE _9a_b gauge\n_9a_b{x_y_z=\"v\"} 1\n");
}

}  // namespace
}  // namespace kivi::observability
