#ifndef KIVI_OBSERVABILITY_PROMETHEUS_TEXT_H_
#define KIVI_OBSERVABILITY_PROMETHEUS_TEXT_H_

#include <string>

#include "absl/strings/string_view.h"
#include "absl/types/span.h"
#include "kivi/observability/metric_family.h"

namespace kivi::observability {

// The Content-Type of RenderPrometheusText's output.
inline constexpr absl::string_view kPrometheusContentType =
    "text/plain; version=0.0.4; charset=utf-8";

// Renders `families` in the Prometheus text exposition format 0.0.4: per
// family "# HELP" and "# TYPE" lines, then its series; a histogram as
// <name>_bucket{...,le="<bound>"} lines up to le="+Inf", then <name>_sum
// and <name>_count. Label values and help text are escaped (backslash,
// double quote in label values, newline), so any bytes are safe. A name
// with a byte outside [a-zA-Z0-9_:] has it replaced by '_' (and a leading
// digit is prefixed with '_'), so the output always parses. Families are
// rendered in the given order; give each name once.
std::string RenderPrometheusText(absl::Span<const MetricFamily> families);

// A label value as it appears between the quotes: \ -> \\, " -> \",
// newline -> \n.
std::string EscapeLabelValue(absl::string_view value);
// Help text as it appears after "# HELP name ": \ -> \\, newline -> \n.
std::string EscapeHelp(absl::string_view help);
// A sample value: integers exactly (up to 2^53), others with 17
// significant digits, and NaN, +Inf, -Inf as Prometheus spells them.
std::string FormatValue(double value);

}  // namespace kivi::observability

#endif  // KIVI_OBSERVABILITY_PROMETHEUS_TEXT_H_
